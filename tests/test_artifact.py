"""Model artifacts: save/load round trip, meta.json contents, and every refusal before unpickling."""
from __future__ import annotations

import json
import os
import stat
import warnings
from pathlib import Path

import joblib
import numpy as np
import pytest

from dialogcls import artifact
from dialogcls.errors import ArtifactError, DialogclsWarning
from dialogcls.features import FEATURE_NAMES, FEATURE_SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[1]
POSTS = ["@anna Danke für dein Feedback!", "Neu im Shop: https://t.co/x", "What do you think? Tell us below!",
         "Join our webinar. Register now: https://t.co/w", "", "Hallo 👋"]


@pytest.fixture
def saved(tiny_model, tmp_path):
    return artifact.save(tiny_model, tmp_path / "model")


def _edit_meta(directory: Path, **changes) -> None:
    path = directory / "meta.json"
    meta = json.loads(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        if callable(value):
            value(meta)
        else:
            meta[key] = value
    path.write_text(json.dumps(meta), encoding="utf-8")


@pytest.fixture
def no_unpickling(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("joblib.load was called on an artifact that should have been refused")

    monkeypatch.setattr(joblib, "load", refuse)


def _code(directory) -> str:
    with pytest.raises(ArtifactError) as info:
        artifact.load(directory)
    return info.value.code


def test_save_then_load_gives_identical_probabilities(tiny_model, saved):
    assert sorted(p.name for p in saved.iterdir()) == ["README.md", "estimator.joblib", "meta.json"]
    loaded = artifact.load(saved)
    np.testing.assert_array_equal(loaded.predict_proba(POSTS), tiny_model.predict_proba(POSTS))
    assert loaded.predict(POSTS).tolist() == tiny_model.predict(POSTS).tolist()
    assert loaded.meta_["estimator_sha256"] == artifact.file_sha256(saved / "estimator.joblib")
    # no temporary files are left behind
    assert not [p for p in saved.iterdir() if p.name.endswith(".tmp")]


def test_save_again_replaces_the_artifact(tiny_model, saved):
    artifact.save(tiny_model, saved)
    artifact.load(saved)


def test_meta_json_contents(saved):
    meta = json.loads((saved / "meta.json").read_text(encoding="utf-8"))
    for key in ("format_version", "feature_schema_version", "versions", "feature_names", "labels",
                "estimator_sha256", "created"):
        assert key in meta, key
    assert meta["format_version"] == artifact.FORMAT_VERSION
    assert meta["feature_schema_version"] == FEATURE_SCHEMA_VERSION
    assert meta["feature_names"] == FEATURE_NAMES
    assert meta["labels"] == ["broadcast", "dialogue"]
    for library in ("dialogcls", "scikit-learn", "spacy"):
        assert isinstance(meta["versions"].get(library), str) and meta["versions"][library], library
    assert len(meta["estimator_sha256"]) == 64
    assert meta["estimator_sha256"] == artifact.file_sha256(saved / "estimator.joblib")
    import datetime as dt

    created = dt.datetime.fromisoformat(meta["created"])
    assert created.tzinfo is not None


def test_tampered_estimator_is_refused_before_unpickling(saved, no_unpickling):
    path = saved / "estimator.joblib"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ArtifactError) as info:
        artifact.load(saved)
    assert info.value.code == "E206"
    assert "sha256" in str(info.value)


def test_missing_meta_is_E201(saved, no_unpickling):
    (saved / "meta.json").unlink()
    assert _code(saved) == "E201"


def test_not_a_directory_is_E201(tmp_path, no_unpickling):
    assert _code(tmp_path / "nowhere") == "E201"


def test_invalid_json_is_E202(saved, no_unpickling):
    (saved / "meta.json").write_text('{"format_version": 1,', encoding="utf-8")
    assert _code(saved) == "E202"


def test_other_format_version_is_E203(saved, no_unpickling):
    _edit_meta(saved, format_version=artifact.FORMAT_VERSION + 1)
    assert _code(saved) == "E203"


def test_other_feature_schema_is_E204(saved, no_unpickling):
    _edit_meta(saved, feature_schema_version=FEATURE_SCHEMA_VERSION + 1)
    assert _code(saved) == "E204"


def test_other_feature_names_is_E204(saved, no_unpickling):
    _edit_meta(saved, feature_names=FEATURE_NAMES[:-1])
    assert _code(saved) == "E204"


def test_missing_estimator_is_E205(saved, no_unpickling):
    (saved / "estimator.joblib").unlink()
    assert _code(saved) == "E205"


def test_library_version_drift_warns(saved):
    def drift(meta):
        meta["versions"]["scikit-learn"] = "0.1.0"

    _edit_meta(saved, _=drift)
    with pytest.warns(DialogclsWarning, match="scikit-learn"):
        model = artifact.load(saved)
    assert model.predict(["Hallo"]).shape == (1,)


def test_no_warning_without_drift(saved):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DialogclsWarning)
        artifact.load(saved)


def test_shipped_default_model_loads_and_checksum_matches(default_model):
    directory = ROOT / "models" / "default"
    meta = artifact.read_meta(directory)
    assert meta["estimator_sha256"] == artifact.file_sha256(directory / meta.get("estimator_file", "estimator.joblib"))
    assert (directory / "README.md").is_file()
    assert default_model.meta_["estimator_sha256"] == meta["estimator_sha256"]
    assert list(default_model.classes_) == ["broadcast", "dialogue"]


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_saved_estimator_respects_umask(tiny_model, tmp_path):
    old = os.umask(0o022)
    try:
        directory = artifact.save(tiny_model, tmp_path / "model")
    finally:
        os.umask(old)
    mode = stat.S_IMODE((directory / "estimator.joblib").stat().st_mode)
    assert mode == stat.S_IMODE((directory / "meta.json").stat().st_mode) == 0o644
