"""Saving and loading model artifacts: ``meta.json`` + ``weights.npz`` + a model card.

A model folder holds data, never code:

- ``meta.json``: format version, feature schema, labels and kinds, the model's configuration
  (:meth:`~dialogcls.model.DialogueClassifier.get_config`, plain JSON), library versions, the
  name and sha256 of the weights file, training data and metrics.
- ``weights.npz``: the learned float arrays (:meth:`~dialogcls.model.DialogueClassifier.get_arrays`),
  read with ``allow_pickle=False``.
- ``README.md``: the model card.

:func:`load` checks ``meta.json`` (format version and feature schema), the weights file's name (a
plain file in the folder, not a link) and its sha256 before reading it, accepts only the expected
numeric arrays, and builds the model with
:meth:`~dialogcls.model.DialogueClassifier.from_state`. Nothing in the folder is unpickled or
executed, so loading a model from an untrusted source cannot run code. Library version drift gives
a warning. Every refusal is an :class:`~dialogcls.errors.ArtifactError` with a code:

====  ==========================================================================================
E201  no ``meta.json``: not a model folder
E202  ``meta.json`` is not UTF-8 JSON, not a JSON object, or lacks a field
E203  another artifact format (format 1 is the old pickled ``estimator.joblib``: retrain)
E204  another feature schema
E205  the weights file is missing
E206  the weights file does not match the sha256 in ``meta.json``
E207  the weights file name is not a plain file name inside the folder (path, ``..``, link)
E208  the configuration or the arrays do not fit the model
E209  the weights file is not a readable ``.npz`` of plain numeric arrays
====  ==========================================================================================

Example
-------
>>> import tempfile
>>> from dialogcls.model import DialogueClassifier
>>> clf = DialogueClassifier(n_features=2**10, cv=2).fit(["@a thanks!", "@b thank you!", "New: x.y/z", "New: a.b/c"],
...                                                    ["dialogue", "dialogue", "broadcast", "broadcast"])
>>> path = save(clf, tempfile.mkdtemp())
>>> sorted(p.name for p in path.iterdir())
['README.md', 'meta.json', 'weights.npz']
>>> load(path).predict(["@b thanks!"]).tolist()
['dialogue']
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import io
import json
import os
import re
import stat
import struct
import tempfile
import tokenize
import warnings
import zipfile
import zlib
from pathlib import Path
from typing import Any, Callable, Mapping

import numpy as np

from .errors import ArtifactError, DialogclsError, DialogclsWarning
from .features import FEATURE_NAMES, FEATURE_SCHEMA_VERSION
from .records import LABELS

#: Bump when the layout of an artifact changes. Format 1 was ``estimator.joblib`` (a pickle).
FORMAT_VERSION = 2
META_FILE = "meta.json"
WEIGHTS_FILE = "weights.npz"
CARD_FILE = "README.md"
#: Files of earlier formats, removed when a model is saved over them.
LEGACY_FILES = ("estimator.joblib",)
#: The arrays ``weights.npz`` holds, as named by :meth:`DialogueClassifier.get_arrays`.
ARRAY_NAMES = ("coef", "intercept", "calibration", "kind_coef", "kind_intercept")

_RETRAIN = "python -m dialogcls train data/train.jsonl -o DIR"
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")
#: What can go wrong while reading a damaged or hostile zip / npy stream.
_READ_ERRORS = (ValueError, OSError, EOFError, KeyError, IndexError, RuntimeError, NotImplementedError,
                SyntaxError, TypeError, OverflowError, MemoryError, struct.error, zlib.error,
                zipfile.BadZipFile, tokenize.TokenError)


def file_sha256(path: str | os.PathLike) -> str:
    """Hex sha256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def library_versions() -> dict[str, str]:
    """Versions of dialogcls and the libraries a model depends on, read from the installed
    packages' metadata (nothing is imported: loading a model must not pull in scikit-learn)."""
    from importlib.metadata import PackageNotFoundError, version

    from . import __version__

    versions = {"dialogcls": __version__}
    for name in ("scikit-learn", "numpy", "spacy", "spacy-lookups-data"):
        try:
            versions[name] = version(name)
        except PackageNotFoundError:  # pragma: no cover - all are dependencies
            pass
    return versions


def save(model: Any, directory: str | os.PathLike, *, training: Mapping[str, Any] | None = None,
         metrics: Mapping[str, Any] | None = None, card: str | None = None) -> Path:
    """Write ``model`` to ``directory`` as a complete artifact and return the directory.

    Writes ``weights.npz`` (the arrays), then ``meta.json`` (which records the weights' sha256),
    then the card; each file is replaced atomically and gets the mode ``0666 & ~umask``. A
    ``estimator.joblib`` left by an older dialogcls is removed.

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
    config = model.get_config()
    arrays = model.get_arrays()
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    weights_path = directory / WEIGHTS_FILE
    _write_atomic(weights_path, lambda handle: np.savez_compressed(handle, **arrays))
    meta = {
        "format_version": FORMAT_VERSION,
        "feature_schema_version": FEATURE_SCHEMA_VERSION,
        "feature_names": FEATURE_NAMES,
        "labels": [str(c) for c in config.get("classes", LABELS)],
        "kinds": [str(k) for k in config.get("kind_classes", [])],
        "config": config,
        "versions": library_versions(),
        "weights_file": WEIGHTS_FILE,
        "weights_sha256": file_sha256(weights_path),
        "training_data": dict(training or {}),
        "metrics": dict(metrics or {}),
        "created": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
    }
    text = json.dumps(meta, indent=2, ensure_ascii=False) + "\n"
    _write_atomic(directory / META_FILE, lambda handle: handle.write(text.encode("utf-8")))
    card_text = card if card is not None else default_card(meta)
    _write_atomic(directory / CARD_FILE, lambda handle: handle.write(card_text.encode("utf-8")))
    for name in LEGACY_FILES:
        stale = directory / name
        if stale.is_file() or stale.is_symlink():
            stale.unlink()
    return directory


def read_meta(directory: str | os.PathLike) -> dict[str, Any]:
    """Read and check ``meta.json`` of an artifact; raises :class:`ArtifactError` when unusable.

    Checks that it is a UTF-8 JSON object of this format version and feature schema with the
    fields :func:`load` needs. Reads nothing else in the folder.
    """
    directory = Path(directory)
    meta_path = directory / META_FILE
    if not meta_path.is_file():
        raise ArtifactError("E201", f"no {META_FILE} in {directory}: not a dialogcls model directory. Pass the "
                                    f"folder a model was saved to, or train one with `{_RETRAIN}`.")
    try:
        meta = json.loads(meta_path.read_bytes().decode("utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as error:
        raise ArtifactError("E202", f"{meta_path} is not valid UTF-8 JSON ({error}); the artifact is damaged. "
                                    f"Restore the folder from where you got it, or retrain with `{_RETRAIN}`.") from None
    except OSError as error:
        raise ArtifactError("E201", f"{meta_path} cannot be read ({error}); check the path and its "
                                    "permissions.") from None
    if not isinstance(meta, dict):
        raise ArtifactError("E202", f"{meta_path} holds a JSON {_json_kind(meta)}, not an object; the artifact is "
                                    f"damaged. Restore the folder, or retrain with `{_RETRAIN}`.")
    version = meta.get("format_version")
    if version == 1 and type(version) is int:
        raise ArtifactError("E203", f"{directory} is a format-1 artifact: a pickled estimator.joblib. This "
                                    "dialogcls no longer loads pickled models, because loading a pickle runs "
                                    "whatever code it holds. Retrain the model to get a weights.npz artifact: "
                                    f"`{_RETRAIN}` (the shipped default model is already converted).")
    if version != FORMAT_VERSION or type(version) is not int:
        written_by = meta.get("versions", {}).get("dialogcls") if isinstance(meta.get("versions"), dict) else None
        raise ArtifactError("E203", f"{directory} has artifact format {version!r}; this dialogcls reads format "
                                    f"{FORMAT_VERSION}. Install the dialogcls version that wrote it "
                                    f"({written_by or 'unknown'}) or retrain with `{_RETRAIN}`.")
    if (meta.get("feature_schema_version") != FEATURE_SCHEMA_VERSION
            or meta.get("feature_names") != FEATURE_NAMES):
        names = meta.get("feature_names") if isinstance(meta.get("feature_names"), list) else []
        differ = ([name for name in names if name not in FEATURE_NAMES][:3]
                  + [name for name in FEATURE_NAMES if name not in names][:3])
        detail = (f" (same schema number, other features: {differ})"
                  if meta.get("feature_schema_version") == FEATURE_SCHEMA_VERSION else "")
        raise ArtifactError("E204", f"{directory} was trained on feature schema "
                                    f"{meta.get('feature_schema_version')!r}; this dialogcls computes schema "
                                    f"{FEATURE_SCHEMA_VERSION}{detail}. Retrain the model with this version: "
                                    f"`{_RETRAIN}`.")
    expected = {"labels": list, "kinds": list, "config": dict, "weights_file": str, "weights_sha256": str}
    wrong = [f"{key} ({expected[key].__name__})" for key in expected if not isinstance(meta.get(key), expected[key])]
    if wrong:
        raise ArtifactError("E202", f"{meta_path} lacks or misstates {', '.join(wrong)}; the artifact is damaged "
                                    f"or was edited by hand. Restore it, or retrain with `{_RETRAIN}`.")
    for key in ("versions", "training_data", "metrics"):
        if key in meta and not isinstance(meta[key], dict):
            raise ArtifactError("E202", f"{meta_path}: {key!r} is a JSON {_json_kind(meta[key])}, not an object; "
                                        f"restore the file, or retrain with `{_RETRAIN}`.")
    return meta


def load(directory: str | os.PathLike) -> Any:
    """Load a model artifact after checking its metadata, its weights file and its checksum.

    Never unpickles or executes anything in ``directory``: the weights are plain arrays read with
    ``numpy.load(..., allow_pickle=False)`` and the rest is JSON.

    Raises
    ------
    ArtifactError
        Missing or damaged files, another format or feature schema, an unsafe weights file name,
        a checksum mismatch, or arrays that do not fit (codes E201-E209, see the module help).
    """
    from .model import DialogueClassifier

    directory = Path(directory)
    meta = read_meta(directory)
    weights_path = _weights_path(directory, meta["weights_file"])
    data = _read_regular_file(weights_path)
    actual = hashlib.sha256(data).hexdigest()
    if actual != meta["weights_sha256"].lower():
        raise ArtifactError("E206", f"{weights_path} does not match the sha256 recorded in {META_FILE} "
                                    f"({actual[:12]}… != {meta['weights_sha256'][:12]}…): the file was changed or "
                                    f"damaged and is not loaded. Restore it or retrain with `{_RETRAIN}`.")
    arrays = _read_weights(data, weights_path)
    _warn_on_drift(meta.get("versions", {}), directory)
    try:
        model = DialogueClassifier.from_state(meta["config"], arrays)
    except DialogclsError as error:
        raise ArtifactError("E208", f"{directory}: {error.message}. The artifact does not fit this dialogcls; "
                                    f"retrain with `{_RETRAIN}`.") from None
    except (AttributeError, KeyError, TypeError, ValueError, IndexError) as error:
        raise ArtifactError("E208", f"{directory}: the configuration in {META_FILE} is not usable ({error!r}); "
                                    f"retrain with `{_RETRAIN}`.") from None
    if list(map(str, model.classes_)) != meta["labels"] or list(map(str, model.kind_classes_)) != meta["kinds"]:
        raise ArtifactError("E208", f"{directory}: the labels or kinds in {META_FILE} disagree with its config; the "
                                    f"file was edited by hand. Restore it or retrain with `{_RETRAIN}`.")
    model.meta_ = meta
    return model


def check_arrays(arrays: Mapping[str, np.ndarray], *, n_strata: int, n_columns: int, n_kinds: int) -> None:
    """Refuse model arrays (:data:`ARRAY_NAMES`) that are not finite float64 arrays of the shapes a
    model of ``n_strata`` strata, ``n_columns`` feature columns and ``n_kinds`` kinds has (E208).

    Example
    -------
    >>> ok = {"coef": np.zeros((1, 3)), "intercept": np.zeros(1), "calibration": np.zeros((1, 2)),
    ...       "kind_coef": np.zeros((3, 0)), "kind_intercept": np.zeros(0)}
    >>> check_arrays(ok, n_strata=1, n_columns=3, n_kinds=0)
    """
    expected = {"coef": (n_strata, n_columns), "intercept": (n_strata,), "calibration": (n_strata, 2),
                "kind_coef": (n_columns, n_kinds), "kind_intercept": (n_kinds,)}
    if set(arrays) != set(expected):
        raise DialogclsError("E208", f"the model's arrays are {sorted(arrays)}; expected {sorted(expected)}")
    for name, shape in expected.items():
        array = arrays[name]
        if array.dtype != np.float64 or array.shape != shape or not np.all(np.isfinite(array)):
            raise DialogclsError("E208", f"array {name!r} is {array.dtype} {array.shape}; expected finite "
                                         f"float64 {shape}: the model file is damaged")


def _weights_path(directory: Path, name: str) -> Path:
    """``directory / name`` when ``name`` is a plain file name of a regular file in ``directory``."""
    if (not _PLAIN_NAME.fullmatch(name) or ".." in name or os.path.isabs(name)
            or name in (META_FILE, CARD_FILE)):
        raise ArtifactError("E207", f"{directory}/{META_FILE} names the weights file {name!r}, which is not a "
                                    "plain file name inside the model folder (no '/', '\\', '..' or absolute "
                                    f"paths); refused. Use the folder as saved (weights file {WEIGHTS_FILE!r}) or "
                                    f"retrain with `{_RETRAIN}`.")
    path = directory / name
    if path.is_symlink():
        raise ArtifactError("E207", f"{path} is a symbolic link; a model's weights must be a regular file inside "
                                    "its folder. Replace the link with the file itself or retrain.")
    if not path.exists():
        raise ArtifactError("E205", f"{path} is missing; the artifact is incomplete. Restore the file or retrain "
                                    f"with `{_RETRAIN}`.")
    root = directory.resolve()
    resolved = path.resolve()
    if resolved.parent != root:
        raise ArtifactError("E207", f"{path} resolves to {resolved}, outside the model folder {root}; refused. "
                                    "Keep the weights file inside the model folder.")
    return path


def _read_regular_file(path: Path) -> bytes:
    """The bytes of ``path``, opened without following a link and only when it is a regular file."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        raise ArtifactError("E207" if path.is_symlink() else "E205",
                            f"{path} cannot be opened as a regular file ({error.strerror or error}); restore the "
                            f"file or retrain with `{_RETRAIN}`.") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # before fdopen, which refuses a folder with a bare OSError
        os.close(fd)
        raise ArtifactError("E207", f"{path} is not a regular file; a model's weights must be a plain file "
                                    "inside its folder.")
    with os.fdopen(fd, "rb") as handle:
        return handle.read()


def _read_weights(data: bytes, path: Path) -> dict[str, Any]:
    """The arrays of an ``.npz`` archive, after checking it holds exactly the expected numeric arrays.

    Raises :class:`ArtifactError` E209 for anything else: not a zip, other or extra members, object
    (pickled) or non-numeric arrays, or a damaged archive.
    """

    def refuse(reason: str) -> ArtifactError:
        return ArtifactError("E209", f"{path} {reason}; a model's weights must be an .npz of the plain numeric "
                                     f"arrays {list(ARRAY_NAMES)} and nothing else. It is not loaded: restore the "
                                     f"file from where you got the model, or retrain with `{_RETRAIN}`.")

    buffer = io.BytesIO(data)
    if not data.startswith(b"PK") or not zipfile.is_zipfile(buffer):
        raise refuse("is not an .npz (zip) archive" + (" but a pickle" if data[:1] == b"\x80" else ""))
    expected = {f"{name}.npy" for name in ARRAY_NAMES}
    try:
        with zipfile.ZipFile(buffer) as archive:
            members = archive.namelist()
            if len(members) != len(set(members)) or set(members) != expected:
                raise refuse(f"holds {sorted(members)}, expected {sorted(expected)}")
            for member in members:  # check every header before any array data is read
                with archive.open(member) as stream:
                    version = np.lib.format.read_magic(stream)
                    if version == (1, 0):
                        shape, _, dtype = np.lib.format.read_array_header_1_0(stream)
                    elif version in ((2, 0), (3, 0)):
                        shape, _, dtype = np.lib.format.read_array_header_2_0(stream)
                    else:  # pragma: no cover - read_magic accepts only the versions above
                        raise refuse(f"uses .npy version {version}")
                    if dtype.hasobject or dtype.kind not in "fiu":
                        raise refuse(f"holds {member!r} with dtype {dtype} (object/pickled or non-numeric)")
                    declared = int(np.prod(shape, dtype=object)) * dtype.itemsize
                    if declared != archive.getinfo(member).file_size - stream.tell():
                        raise refuse(f"holds {member!r} whose header ({dtype} {shape}) does not match its size")
        arrays = {}
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            for name in ARRAY_NAMES:
                arrays[name] = npz[name]
    except ArtifactError:
        raise
    except _READ_ERRORS as error:
        raise refuse(f"is damaged or unreadable ({type(error).__name__}: {error})") from None
    for name, array in arrays.items():
        if not isinstance(array, np.ndarray) or array.dtype.hasobject or array.dtype.kind not in "fiu":
            raise refuse(f"holds {name!r} that is not a plain numeric array")
    return arrays


def _json_kind(value: Any) -> str:
    return {list: "list", str: "string", bool: "boolean", int: "number", float: "number",
            type(None): "null"}.get(type(value), type(value).__name__)


def _warn_on_drift(saved: Mapping[str, str], directory: Path) -> None:
    current = library_versions()
    for name in ("dialogcls", "scikit-learn", "numpy"):
        was, now = saved.get(name), current.get(name)
        if isinstance(was, str) and was and now and was.split(".")[:2] != now.split(".")[:2]:
            warnings.warn(f"[W201] {directory} was saved with {name} {was}; running {now}. "
                          "Predictions may differ; retrain to be sure.", DialogclsWarning, stacklevel=3)


def _write_atomic(path: Path, write: Callable[[Any], Any]) -> None:
    """Write ``path`` through a temporary file in the same folder, then replace it in one step.

    The file gets the mode ``0666 & ~umask`` (a temporary file is private, 0600; a model is shared).
    """
    umask = os.umask(0)
    os.umask(umask)
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp", delete=False)
    try:
        with handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(handle.name, 0o666 & ~umask)
        os.replace(handle.name, path)
    except BaseException:
        try:
            os.unlink(handle.name)
        except OSError:
            pass
        raise


def default_card(meta: Mapping[str, Any]) -> str:
    """A minimal model card from ``meta.json`` contents."""
    lines = ["# dialogcls model", "", f"Created {meta['created']} with "
             + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()) + ".", ""]
    if meta.get("training_data"):
        lines += ["## Training data", ""] + [f"- {k}: {v}" for k, v in meta["training_data"].items()] + [""]
    if meta.get("metrics"):
        lines += ["## Metrics", "", "```json", json.dumps(meta["metrics"], indent=2), "```", ""]
    lines += ["## Files", "", f"`{META_FILE}` (JSON: configuration, versions, checksums), `{WEIGHTS_FILE}` "
              "(numeric arrays, loaded with `allow_pickle=False`) and this card; no pickles.", ""]
    return "\n".join(lines)


__all__ = ["save", "load", "read_meta", "file_sha256", "FORMAT_VERSION"]
