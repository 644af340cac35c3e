"""Model artifacts: save/load round trip, meta.json contents, and every refusal.

A model folder holds data only (``meta.json`` + ``weights.npz`` + the card). The hostile cases build
real pickle payloads that would create a marker file when unpickled; each test first proves the
payload is live (unpickling a copy does create a marker), then that :func:`artifact.load` refuses
the folder with a coded :class:`ArtifactError` and the marker never appears.
"""
from __future__ import annotations

import hashlib
import io
import json
import os
import pickle
import random
import stat
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from dialogcls import artifact
from dialogcls.errors import ArtifactError, DialogclsWarning
from dialogcls.features import FEATURE_NAMES, FEATURE_SCHEMA_VERSION

ROOT = Path(__file__).resolve().parents[1]
DEFAULT = ROOT / "models" / "default"
POSTS = ["@anna Danke für dein Feedback!", "Neu im Shop: https://t.co/x", "What do you think? Tell us below!",
         "Join our webinar. Register now: https://t.co/w", "", "Hallo 👋"]
PICKLE_PROTOCOL_BYTE = b"\x80"


# -- helpers ---------------------------------------------------------------------------------------
class Payload:
    """Unpickling this creates ``marker`` (``open(marker, "w")``): stands for any code a pickle runs."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def _object_npy(marker: Path) -> bytes:
    """An ``.npy`` of an object array whose pickle payload writes ``marker``."""
    buffer = io.BytesIO()
    np.save(buffer, np.array([Payload(marker), 1.0], dtype=object), allow_pickle=True)
    return buffer.getvalue()


def _pickle_payload(marker: Path) -> bytes:
    return pickle.dumps(Payload(marker), protocol=4)


def _assert_payload_runs(build, tmp_path: Path) -> None:
    """Build a payload for a control marker, unpickle it, and check the marker appears: otherwise the
    hostile tests would prove nothing."""
    control = tmp_path / "control-marker"
    data = build(control)
    if data.startswith(b"\x93NUMPY"):
        np.load(io.BytesIO(data), allow_pickle=True)
    else:
        pickle.loads(data)
    assert control.exists(), "the test payload does not run"
    control.unlink()


def _meta(directory: Path) -> dict:
    return json.loads((directory / "meta.json").read_text(encoding="utf-8"))


def _edit_meta(directory: Path, **changes) -> None:
    path = directory / "meta.json"
    meta = _meta(directory)
    for key, value in changes.items():
        if callable(value):
            value(meta)
        else:
            meta[key] = value
    path.write_text(json.dumps(meta), encoding="utf-8")


def _put_weights(directory: Path, name: str, data: bytes) -> None:
    """Write ``data`` as the weights file ``name`` and record its true sha256 in meta.json."""
    (directory / name).write_bytes(data)
    _edit_meta(directory, weights_file=name, weights_sha256=hashlib.sha256(data).hexdigest())


def _npz(members: dict[str, bytes], *, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _npy(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def _members(directory: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(directory / "weights.npz") as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _code(directory) -> str:
    with pytest.raises(ArtifactError) as info:
        artifact.load(directory)
    return info.value.code


@pytest.fixture
def saved(tiny_model, tmp_path):
    return artifact.save(tiny_model, tmp_path / "model")


@pytest.fixture
def forbid_unpickling(monkeypatch):
    """Call it to make any use of pickle's loaders fail the test (an AssertionError, not an
    ArtifactError); called after a payload was shown to run."""

    def refuse(*args, **kwargs):
        raise AssertionError("pickle was used to load a model artifact")

    def arm() -> None:
        monkeypatch.setattr(pickle, "load", refuse)
        monkeypatch.setattr(pickle, "loads", refuse)
        monkeypatch.setattr(pickle, "Unpickler", refuse)

    return arm


# -- round trip and contents -----------------------------------------------------------------------
def test_save_then_load_gives_identical_probabilities(tiny_model, saved):
    assert sorted(p.name for p in saved.iterdir()) == ["README.md", "meta.json", "weights.npz"]
    loaded = artifact.load(saved)
    np.testing.assert_array_equal(loaded.predict_proba(POSTS), tiny_model.predict_proba(POSTS))
    assert loaded.predict(POSTS).tolist() == tiny_model.predict(POSTS).tolist()
    for name, array in tiny_model.get_arrays().items():
        np.testing.assert_array_equal(loaded.get_arrays()[name], array)
    assert loaded.get_config() == tiny_model.get_config()
    assert loaded.meta_["weights_sha256"] == artifact.file_sha256(saved / "weights.npz")
    assert not [p for p in saved.iterdir() if p.name.endswith(".tmp")]


def test_load_does_not_unpickle(saved, forbid_unpickling):
    forbid_unpickling()
    assert artifact.load(saved).predict(["Hallo"]).shape == (1,)


def test_save_again_replaces_the_artifact_and_removes_a_stale_joblib(tiny_model, saved):
    (saved / "estimator.joblib").write_bytes(pickle.dumps({"old": "model"}))
    artifact.save(tiny_model, saved)
    assert sorted(p.name for p in saved.iterdir()) == ["README.md", "meta.json", "weights.npz"]
    artifact.load(saved)


def test_meta_json_contents(tiny_model, saved):
    meta = _meta(saved)
    for key in ("format_version", "feature_schema_version", "feature_names", "labels", "kinds", "config",
                "versions", "weights_file", "weights_sha256", "training_data", "metrics", "created"):
        assert key in meta, key
    assert meta["format_version"] == artifact.FORMAT_VERSION == 2
    assert meta["feature_schema_version"] == FEATURE_SCHEMA_VERSION
    assert meta["feature_names"] == FEATURE_NAMES
    assert meta["labels"] == ["broadcast", "dialogue"]
    assert meta["kinds"] == list(tiny_model.get_config()["kind_classes"])
    assert meta["config"] == json.loads(json.dumps(tiny_model.get_config()))
    assert meta["weights_file"] == "weights.npz"
    assert meta["weights_sha256"] == artifact.file_sha256(saved / "weights.npz")
    for library in ("dialogcls", "scikit-learn", "numpy", "spacy"):
        assert isinstance(meta["versions"].get(library), str) and meta["versions"][library], library
    import datetime as dt

    assert dt.datetime.fromisoformat(meta["created"]).tzinfo is not None


def test_weights_are_plain_float_arrays(tiny_model, saved):
    with np.load(saved / "weights.npz", allow_pickle=False) as npz:
        assert sorted(npz.files) == sorted(tiny_model.get_arrays())
        assert all(npz[name].dtype == np.float64 for name in npz.files)


def test_training_metrics_and_card_are_kept(tiny_model, tmp_path):
    directory = artifact.save(tiny_model, tmp_path / "m", training={"name": "t.jsonl", "rows": 24},
                              metrics={"macro_f1": 0.5}, card="# my card\n")
    meta = artifact.load(directory).meta_
    assert meta["training_data"] == {"name": "t.jsonl", "rows": 24} and meta["metrics"] == {"macro_f1": 0.5}
    assert (directory / "README.md").read_text(encoding="utf-8") == "# my card\n"


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_saved_files_respect_umask(tiny_model, tmp_path):
    old = os.umask(0o022)
    try:
        directory = artifact.save(tiny_model, tmp_path / "model")
    finally:
        os.umask(old)
    for name in ("weights.npz", "meta.json", "README.md"):
        assert stat.S_IMODE((directory / name).stat().st_mode) == 0o644, name


# -- hostile weights: pickles never run ------------------------------------------------------------
@pytest.mark.parametrize("where", ["replaces_coef", "extra_member", "only_member"])
def test_npz_with_an_object_array_is_refused_and_its_pickle_never_runs(saved, tmp_path, where,
                                                                      forbid_unpickling):
    _assert_payload_runs(_object_npy, tmp_path)
    forbid_unpickling()
    marker = tmp_path / "marker"
    evil = _object_npy(marker)
    members = _members(saved)
    if where == "replaces_coef":
        members["coef.npy"] = evil
    elif where == "extra_member":
        members["evil.npy"] = evil
    else:
        members = {"coef.npy": evil}
    _put_weights(saved, "weights.npz", _npz(members))
    assert _code(saved) == "E209"
    assert not marker.exists()


def test_object_npz_built_with_numpy_savez_is_refused(saved, tmp_path, forbid_unpickling):
    _assert_payload_runs(_object_npy, tmp_path)
    forbid_unpickling()
    marker = tmp_path / "marker"
    arrays = {name: np.asarray(array) for name, array in np.load(saved / "weights.npz").items()}
    arrays["kind_coef"] = np.array([Payload(marker)], dtype=object)
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    _put_weights(saved, "weights.npz", buffer.getvalue())
    with pytest.raises(ArtifactError) as info:
        artifact.load(saved)
    assert info.value.code == "E209" and "object" in str(info.value)
    assert not marker.exists()


@pytest.mark.parametrize("name", ["weights.pkl", "weights.npz", "weights.joblib"])
def test_weights_file_that_is_a_pickle_is_refused_and_never_runs(saved, tmp_path, name, forbid_unpickling):
    _assert_payload_runs(_pickle_payload, tmp_path)
    forbid_unpickling()
    marker = tmp_path / "marker"
    evil = _pickle_payload(marker)
    assert evil[:1] == PICKLE_PROTOCOL_BYTE
    _put_weights(saved, name, evil)
    with pytest.raises(ArtifactError) as info:
        artifact.load(saved)
    assert info.value.code == "E209" and "pickle" in str(info.value)
    assert not marker.exists()


def test_weights_file_that_is_a_bare_object_npy_is_refused(saved, tmp_path, forbid_unpickling):
    _assert_payload_runs(_object_npy, tmp_path)
    forbid_unpickling()
    marker = tmp_path / "marker"
    _put_weights(saved, "weights.npy", _object_npy(marker))
    assert _code(saved) == "E209"
    assert not marker.exists()


def test_non_numeric_arrays_are_refused(saved):
    members = _members(saved)
    members["intercept.npy"] = _npy(np.array(["a"]))
    _put_weights(saved, "weights.npz", _npz(members))
    assert _code(saved) == "E209"


def test_missing_array_is_refused(saved):
    members = _members(saved)
    del members["kind_intercept.npy"]
    _put_weights(saved, "weights.npz", _npz(members))
    assert _code(saved) == "E209"


def test_wrong_shape_or_nan_is_E208(saved):
    members = _members(saved)
    good = members["intercept.npy"]
    members["intercept.npy"] = _npy(np.zeros(7))
    _put_weights(saved, "weights.npz", _npz(members))
    assert _code(saved) == "E208"
    members["intercept.npy"] = good
    with np.load(saved / "weights.npz", allow_pickle=False) as npz:
        calibration = npz["calibration"].copy()
    calibration[0, 0] = np.nan
    members["calibration.npy"] = _npy(calibration)
    _put_weights(saved, "weights.npz", _npz(members))
    assert _code(saved) == "E208"


# -- damaged weights with a matching sha256: a coded error, never a traceback ------------------------
@pytest.mark.parametrize("keep", [0, 1, 2, 10, 30, 100, 0.25, 0.5, 0.9, 0.999, -1])
def test_truncated_npz_with_matching_sha256_is_a_coded_error(saved, keep):
    data = (saved / "weights.npz").read_bytes()
    cut = keep if isinstance(keep, int) and keep >= 0 else (len(data) - 1 if keep == -1 else int(len(data) * keep))
    _put_weights(saved, "weights.npz", data[:cut])
    assert _code(saved) == "E209"


@pytest.mark.parametrize("garbage", [b"", b"\x00" * 64, b"PK\x03\x04" + b"\xff" * 200, b"not a zip at all",
                                     b"\x93NUMPY\x01\x00garbage"])
def test_garbage_weights_with_matching_sha256_is_a_coded_error(saved, garbage):
    _put_weights(saved, "weights.npz", garbage)
    assert _code(saved) == "E209"


@pytest.mark.parametrize("compression", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_random_byte_damage_with_matching_sha256_is_always_coded(saved, compression):
    base = _npz(_members(saved), compression=compression)
    rng = random.Random(compression)
    positions = list(range(0, 200)) + [rng.randrange(len(base)) for _ in range(150)] + \
        list(range(len(base) - 200, len(base)))
    codes = set()
    for position in positions:
        data = bytearray(base)
        data[position] ^= rng.randrange(1, 256)
        _put_weights(saved, "weights.npz", bytes(data))
        try:
            artifact.load(saved)
        except ArtifactError as error:
            codes.add(error.code)
        # anything else is a traceback and fails the test
    assert codes and codes <= {"E208", "E209"}


# -- weights file name ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["../weights.npz", "..", ".", "", "sub/weights.npz", "..\\weights.npz",
                                  "sub\\weights.npz", "/tmp/weights.npz", "C:\\weights.npz", "~/weights.npz",
                                  "weights.npz\x00", "weights..npz/.."])
def test_weights_file_outside_the_folder_is_refused(saved, name):
    data = (saved / "weights.npz").read_bytes()
    (saved.parent / "weights.npz").write_bytes(data)  # a valid copy next to the folder, reachable via ..
    (saved / "sub").mkdir(exist_ok=True)
    (saved / "sub" / "weights.npz").write_bytes(data)
    _edit_meta(saved, weights_file=name)
    assert _code(saved) == "E207"


def test_absolute_weights_path_to_a_valid_file_is_refused(saved, tmp_path):
    outside = tmp_path / "elsewhere.npz"
    outside.write_bytes((saved / "weights.npz").read_bytes())
    _edit_meta(saved, weights_file=str(outside))
    assert _code(saved) == "E207"


@pytest.mark.skipif(not hasattr(os, "symlink") or os.name == "nt", reason="symlinks")
@pytest.mark.parametrize("target", ["outside", "inside"])
def test_symlinked_weights_are_refused(saved, tmp_path, target):
    real = (tmp_path / "outside.npz") if target == "outside" else (saved / "real.npz")
    real.write_bytes((saved / "weights.npz").read_bytes())
    (saved / "weights.npz").unlink()
    (saved / "weights.npz").symlink_to(real)
    assert _code(saved) == "E207"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
@pytest.mark.parametrize("make", [os.mkfifo, os.mkdir])
def test_weights_that_are_not_a_regular_file_are_refused(saved, make):
    # A folder named weights.npz gave a bare IsADirectoryError (the CLI's "[E425] 3: Is a directory").
    (saved / "weights.npz").unlink()
    make(saved / "weights.npz")
    assert _code(saved) in {"E205", "E207"}


def test_weights_file_name_of_wrong_type_is_E202(saved):
    _edit_meta(saved, weights_file=["weights.npz"])
    assert _code(saved) == "E202"


# -- meta.json ------------------------------------------------------------------------------------
def test_missing_meta_is_E201(saved):
    (saved / "meta.json").unlink()
    assert _code(saved) == "E201"


def test_not_a_directory_is_E201(tmp_path):
    assert _code(tmp_path / "nowhere") == "E201"


@pytest.mark.parametrize("text", ['{"format_version": 2,', "", "[1, 2", "nul", '{"a": 1} x'])
def test_invalid_json_is_E202(saved, text):
    (saved / "meta.json").write_text(text, encoding="utf-8")
    assert _code(saved) == "E202"


def test_meta_that_is_not_utf8_is_E202(saved):
    (saved / "meta.json").write_bytes(b'{"format_version": 2, "x": "\xff\xfe"}')
    assert _code(saved) == "E202"


def test_deeply_nested_meta_is_E202(saved):
    (saved / "meta.json").write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    assert _code(saved) == "E202"


@pytest.mark.parametrize("value", [[], [1, 2], None, "x", 2, 2.5, True])
def test_meta_that_is_not_an_object_is_E202(saved, value):
    (saved / "meta.json").write_text(json.dumps(value), encoding="utf-8")
    with pytest.raises(ArtifactError) as info:
        artifact.load(saved)
    assert info.value.code == "E202" and "not an object" in str(info.value)


@pytest.mark.parametrize("key", ["labels", "kinds", "config", "weights_file", "weights_sha256"])
def test_missing_keys_are_E202(saved, key):
    _edit_meta(saved, _=lambda meta: meta.pop(key))
    with pytest.raises(ArtifactError) as info:
        artifact.load(saved)
    assert info.value.code == "E202" and key in str(info.value)


@pytest.mark.parametrize("key", ["versions", "training_data", "metrics"])
def test_optional_objects_of_the_wrong_type_are_E202(saved, key):
    _edit_meta(saved, **{key: ["x"]})
    assert _code(saved) == "E202"


def test_missing_format_version_is_E203(saved):
    _edit_meta(saved, _=lambda meta: meta.pop("format_version"))
    assert _code(saved) == "E203"


@pytest.mark.parametrize("version", [artifact.FORMAT_VERSION + 1, "2", 2.0 + 0.5, True, None, [2]])
def test_other_format_version_is_E203(saved, version):
    _edit_meta(saved, format_version=version)
    assert _code(saved) == "E203"


def test_missing_feature_schema_is_E204(saved):
    _edit_meta(saved, _=lambda meta: meta.pop("feature_schema_version"))
    assert _code(saved) == "E204"


def test_other_feature_schema_is_E204(saved):
    _edit_meta(saved, feature_schema_version=FEATURE_SCHEMA_VERSION + 1)
    assert _code(saved) == "E204"


def test_other_feature_names_is_E204_naming_them(saved):
    _edit_meta(saved, feature_names=FEATURE_NAMES[:-1] + ["an_old_cue"])
    with pytest.raises(ArtifactError) as info:
        artifact.load(saved)
    # the same schema number on both sides: the message says which features differ
    assert info.value.code == "E204" and "an_old_cue" in str(info.value) and FEATURE_NAMES[-1] in str(info.value)


def test_missing_weights_is_E205(saved):
    (saved / "weights.npz").unlink()
    assert _code(saved) == "E205"


def test_tampered_weights_are_refused_before_reading(saved, monkeypatch):
    path = saved / "weights.npz"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))

    def refuse(*args, **kwargs):
        raise AssertionError("np.load was called on weights whose sha256 does not match")

    monkeypatch.setattr(np, "load", refuse)
    with pytest.raises(ArtifactError) as info:
        artifact.load(saved)
    assert info.value.code == "E206" and "sha256" in str(info.value)


@pytest.mark.parametrize("change", [
    {"params": []}, {"params": {"no_such_param": 1}}, {"featurizer": {"lemma_maps": []}}, {"featurizer": None},
    {"classes": ["dialogue", "broadcast"]}, {"kind_classes": ["no-such-kind"]},
])
def test_unusable_config_is_E208(saved, change):
    _edit_meta(saved, _=lambda meta: meta["config"].update(change))
    with pytest.raises(ArtifactError) as info:
        artifact.load(saved)
    assert info.value.code == "E208"
    assert "retrain" in str(info.value)


@pytest.mark.parametrize("where, name, value", [
    ("params", "top_level_threshold", 1.5),  # loaded before: every top-level post became broadcast
    ("params", "top_level_threshold", "0.8"), ("params", "C", "x"), ("params", "cv", 0),
    ("params", "char_ngrams", [0, 4]), ("params", "stratified", "yes"),
    ("featurizer", "ngram_weight", float("nan")), ("featurizer", "char_ngrams", [2, 4]),
    ("featurizer", "n_features", "4096"), ("featurizer", "max_types", 0),
])
def test_parameters_out_of_range_or_of_the_wrong_type_are_E208(saved, where, name, value):
    # The sha256 covers the weights, not meta.json: its values are checked before the model is built.
    _edit_meta(saved, _=lambda meta: meta["config"][where].__setitem__(name, value))
    with pytest.raises(ArtifactError) as info:
        artifact.load(saved)
    assert info.value.code == "E208" and "retrain" in str(info.value)


def test_labels_that_disagree_with_the_config_are_E208(saved):
    _edit_meta(saved, kinds=["reply"])
    assert _code(saved) == "E208"


def test_every_error_says_what_to_do(saved):
    _edit_meta(saved, weights_sha256="0" * 64)
    with pytest.raises(ArtifactError) as info:
        artifact.load(saved)
    assert "retrain" in str(info.value).lower() or "restore" in str(info.value).lower()


# -- the old pickled format ------------------------------------------------------------------------
def test_format_1_artifact_is_E203_and_names_retraining(tmp_path, forbid_unpickling):
    _assert_payload_runs(_pickle_payload, tmp_path)
    forbid_unpickling()
    marker = tmp_path / "marker"
    old = tmp_path / "old-model"
    old.mkdir()
    estimator = _pickle_payload(marker)
    (old / "estimator.joblib").write_bytes(estimator)
    meta = {"format_version": 1, "feature_schema_version": 3, "feature_names": FEATURE_NAMES,
            "labels": ["broadcast", "dialogue"], "estimator_file": "estimator.joblib",
            "estimator_sha256": hashlib.sha256(estimator).hexdigest(), "versions": {"dialogcls": "0.1.0"}}
    (old / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    (old / "README.md").write_text("# old\n", encoding="utf-8")
    with pytest.raises(ArtifactError) as info:
        artifact.load(old)
    message = str(info.value)
    assert info.value.code == "E203"
    assert "no longer loads pickled models" in message
    assert "python -m dialogcls train data/train.jsonl -o" in message
    assert not marker.exists()


# -- library versions ------------------------------------------------------------------------------
def test_library_version_drift_warns(saved):
    def drift(meta):
        meta["versions"]["scikit-learn"] = "0.1.0"

    _edit_meta(saved, _=drift)
    with pytest.warns(DialogclsWarning, match="W201.*scikit-learn"):
        model = artifact.load(saved)
    assert model.predict(["Hallo"]).shape == (1,)


def test_no_warning_without_drift(saved):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DialogclsWarning)
        artifact.load(saved)


# -- the shipped default model ---------------------------------------------------------------------
def _npz_member_headers(path: Path) -> dict[str, np.dtype]:
    dtypes = {}
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            with archive.open(name) as stream:
                version = np.lib.format.read_magic(stream)
                read = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                        else np.lib.format.read_array_header_2_0)
                dtypes[name] = read(stream)[2]
    return dtypes


def test_shipped_default_model_holds_no_pickle():
    files = sorted(p for p in DEFAULT.rglob("*") if p.is_file())
    assert sorted(p.name for p in files) == ["README.md", "meta.json", "weights.npz"]
    for path in files:
        assert path.suffix not in {".joblib", ".pkl", ".pickle"}, path
        assert path.read_bytes()[:1] != PICKLE_PROTOCOL_BYTE, f"{path} starts like a pickle"
        assert not path.is_symlink(), path
    dtypes = _npz_member_headers(DEFAULT / "weights.npz")
    assert sorted(dtypes) == sorted(f"{name}.npy" for name in artifact.ARRAY_NAMES)
    assert all(dtype == np.float64 for dtype in dtypes.values()), dtypes
    with zipfile.ZipFile(DEFAULT / "weights.npz") as archive:  # the arrays themselves are not pickles
        for name in archive.namelist():
            with archive.open(name) as stream:
                assert stream.read(6) == b"\x93NUMPY", name
    meta = json.loads((DEFAULT / "meta.json").read_text(encoding="utf-8"))
    assert meta["format_version"] == artifact.FORMAT_VERSION
    assert meta["weights_file"] == "weights.npz"
    assert meta["weights_sha256"] == artifact.file_sha256(DEFAULT / "weights.npz")
    assert meta["training_data"].get("name") == "train.jsonl" and meta["metrics"]


def test_shipped_default_model_loads(forbid_unpickling):
    forbid_unpickling()
    model = artifact.load(DEFAULT)
    assert list(model.classes_) == ["broadcast", "dialogue"]
    assert model.meta_["weights_sha256"] == artifact.file_sha256(DEFAULT / "weights.npz")
    assert model.predict(["@anna Danke für dein Feedback!", "Jetzt im Shop: https://t.co/x"]).tolist() == [
        "dialogue", "broadcast"]


# -- where the default model and the corpus are found ----------------------------------------------
def test_default_model_path_is_the_packaged_model(monkeypatch):
    from dialogcls.api import default_model_path

    monkeypatch.delenv("DIALOGCLS_MODEL", raising=False)
    assert default_model_path().resolve() == DEFAULT.resolve()
    monkeypatch.setenv("DIALOGCLS_MODEL", "/some/where")
    assert default_model_path() == Path("/some/where")


def test_packaged_model_is_found_through_importlib_resources():
    from importlib import resources

    found = resources.files("dialogcls.models").joinpath("default")
    assert Path(os.fspath(found)).resolve() == DEFAULT.resolve()


@pytest.mark.skipif(sys.version_info < (3, 11), reason="tomllib")
def test_every_package_and_the_model_are_in_the_wheel_config():
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    source = ROOT / "src"
    packages = {".".join(p.parent.relative_to(source).parts) for p in (source / "dialogcls").rglob("__init__.py")
                if "__pycache__" not in p.parts}
    missing = packages - set(config["packages"])
    assert not missing, f"add {sorted(missing)} to [tool.setuptools] packages in pyproject.toml"
    assert "dialogcls.models" in config["packages"] and config["package-dir"]["dialogcls.models"] == "models"
    assert "dialogcls.models.default" in config["packages"]
    shipped = set(config["package-data"]["dialogcls.models.default"])
    assert {p.name for p in DEFAULT.iterdir() if p.is_file()} <= shipped


def test_load_corpus_outside_a_checkout_says_where_the_corpus_is(monkeypatch, tmp_path):
    from dialogcls import io as dialogcls_io
    from dialogcls.io import InputError

    installed = tmp_path / "lib" / "site-packages" / "dialogcls"
    installed.mkdir(parents=True)
    (tmp_path / "lib" / "data").mkdir()  # a stray data/ folder where a checkout would have one
    monkeypatch.setattr(dialogcls_io, "__file__", str(installed / "io.py"))
    with pytest.raises(InputError) as info:
        dialogcls_io.load_corpus("train")
    assert info.value.code == "E403"
    assert "repository's data/ folder" in str(info.value) and "path=" in str(info.value)
