"""Saving and loading model artifacts: ``meta.json`` + ``estimator.joblib`` + a model card.

``meta.json`` is read and checked before anything is unpickled: its format version, the feature
schema, and the sha256 of the estimator file (a changed or damaged file is refused). Library version
drift gives a warning. This follows skops' idea of auditing a model file before trusting it.

Example
-------
>>> import tempfile
>>> from dialogcls.model import DialogueClassifier
>>> clf = DialogueClassifier(n_features=2**10, cv=2).fit(["@a thanks!", "New: x.y/z"] * 4, ["dialogue", "broadcast"] * 4)
>>> path = save(clf, tempfile.mkdtemp())
>>> load(path).predict(["@b thanks!"]).tolist()
['dialogue']
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import json
import os
import tempfile
import warnings
from pathlib import Path
from typing import Any, Mapping

from .errors import ArtifactError, DialogclsWarning
from .features import FEATURE_NAMES, FEATURE_SCHEMA_VERSION
from .types import LABELS

#: Bump when the layout of an artifact changes.
FORMAT_VERSION = 1
META_FILE = "meta.json"
ESTIMATOR_FILE = "estimator.joblib"
CARD_FILE = "README.md"


def file_sha256(path: str | os.PathLike) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of dialogcls and the libraries a model depends on."""
    import numpy
    import sklearn

    from . import __version__

    versions = {"dialogcls": __version__, "scikit-learn": sklearn.__version__, "numpy": numpy.__version__}
    try:
        from importlib.metadata import version

        versions["spacy"] = version("spacy")
        versions["spacy-lookups-data"] = version("spacy-lookups-data")
    except Exception:  # pragma: no cover - spaCy is a dependency; metadata may still be absent
        pass
    return versions


def save(model: Any, directory: str | os.PathLike, *, training: Mapping[str, Any] | None = None,
         metrics: Mapping[str, Any] | None = None, card: str | None = None) -> Path:
    """Write ``model`` to ``directory`` as a complete artifact and return the directory.

    Parameters
    ----------
    model : DialogueClassifier
        A fitted classifier.
    directory : path
        Created if needed; existing artifact files are replaced atomically.
    training : mapping, optional
        What it was trained on: ``{"name": ..., "sha256": ..., "rows": ...}``.
    metrics : mapping, optional
        Scores to record (written to ``meta.json`` and the card).
    card : str, optional
        The model card (Markdown). A short one is generated when not given.
    """
    import joblib

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    estimator_path = directory / ESTIMATOR_FILE
    with tempfile.NamedTemporaryFile(dir=directory, suffix=".tmp", delete=False) as tmp:
        joblib.dump(model, tmp, compress=3)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp.name, 0o666 & ~umask)  # NamedTemporaryFile is private (0600); a model is shared
    os.replace(tmp.name, estimator_path)
    meta = {
        "format_version": FORMAT_VERSION,
        "feature_schema_version": FEATURE_SCHEMA_VERSION,
        "feature_names": FEATURE_NAMES,
        "labels": list(LABELS),
        "kinds": [str(k) for k in getattr(getattr(model, "kind_model_", None), "classes_", [])],
        "params": {k: (list(v) if isinstance(v, tuple) else v) for k, v in model.get_params().items()},
        "versions": library_versions(),
        "estimator_file": ESTIMATOR_FILE,
        "estimator_sha256": file_sha256(estimator_path),
        "training_data": dict(training or {}),
        "metrics": dict(metrics or {}),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    _write_text(directory / META_FILE, json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    _write_text(directory / CARD_FILE, card if card is not None else default_card(meta))
    return directory


def read_meta(directory: str | os.PathLike) -> dict[str, Any]:
    """Read and check ``meta.json`` of an artifact; raises :class:`ArtifactError` when unusable."""
    directory = Path(directory)
    meta_path = directory / META_FILE
    if not meta_path.is_file():
        raise ArtifactError("E201", f"no {META_FILE} in {directory}: not a dialogcls model directory "
                                    "(train one with `python -m dialogcls train DATA -o DIR`)")
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ArtifactError("E202", f"{meta_path} is not valid JSON ({error}); the artifact is damaged") from None
    if meta.get("format_version") != FORMAT_VERSION:
        raise ArtifactError("E203", f"{directory} has artifact format {meta.get('format_version')!r}; this "
                                    f"dialogcls reads format {FORMAT_VERSION}. Retrain the model or install "
                                    f"the dialogcls version that wrote it ({meta.get('versions', {}).get('dialogcls')}).")
    if (meta.get("feature_schema_version") != FEATURE_SCHEMA_VERSION
            or meta.get("feature_names") != FEATURE_NAMES):
        raise ArtifactError("E204", f"{directory} was trained on feature schema "
                                    f"{meta.get('feature_schema_version')!r}; this dialogcls computes schema "
                                    f"{FEATURE_SCHEMA_VERSION}. Retrain the model with this version.")
    return meta


def load(directory: str | os.PathLike) -> Any:
    """Load a model artifact after checking its metadata and checksum.

    Raises
    ------
    ArtifactError
        Missing or damaged files, another format or feature schema, or a checksum mismatch.
    """
    import joblib

    directory = Path(directory)
    meta = read_meta(directory)
    estimator_path = directory / meta.get("estimator_file", ESTIMATOR_FILE)
    if not estimator_path.is_file():
        raise ArtifactError("E205", f"{estimator_path} is missing; the artifact is incomplete")
    actual = file_sha256(estimator_path)
    if actual != meta.get("estimator_sha256"):
        raise ArtifactError("E206", f"{estimator_path} does not match the sha256 recorded in {META_FILE} "
                                    f"({actual[:12]}… != {str(meta.get('estimator_sha256'))[:12]}…): the file "
                                    "was changed or damaged and is not loaded. Restore it or retrain.")
    _warn_on_drift(meta.get("versions", {}), directory)
    model = joblib.load(estimator_path)
    model.meta_ = meta
    return model


def _warn_on_drift(saved: Mapping[str, str], directory: Path) -> None:
    current = library_versions()
    for name in ("dialogcls", "scikit-learn", "numpy"):
        was, now = saved.get(name), current.get(name)
        if was and now and was.split(".")[:2] != now.split(".")[:2]:
            warnings.warn(f"[W201] {directory} was saved with {name} {was}; running {now}. "
                          "Predictions may differ; retrain to be sure.", DialogclsWarning, stacklevel=3)


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def default_card(meta: Mapping[str, Any]) -> str:
    """A minimal model card from ``meta.json`` contents."""
    lines = ["# dialogcls model", "", f"Created {meta['created']} with "
             + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()) + ".", ""]
    if meta.get("training_data"):
        lines += ["## Training data", ""] + [f"- {k}: {v}" for k, v in meta["training_data"].items()] + [""]
    if meta.get("metrics"):
        lines += ["## Metrics", "", "```json", json.dumps(meta["metrics"], indent=2), "```", ""]
    return "\n".join(lines)


__all__ = ["save", "load", "read_meta", "file_sha256", "FORMAT_VERSION"]
