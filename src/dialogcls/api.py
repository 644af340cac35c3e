"""The public functions: :func:`classify`, :func:`classify_batch`, :func:`classify_frame`,
:func:`load` and :func:`train`.

:func:`classify_batch` is the hot core; every other entry point goes through it, so one post scored
alone and the same post scored in a batch get identical results.

Example
-------
>>> import dialogcls
>>> dialogcls.classify("@jan Sorry for the wait! Could you DM us your booking number?").label
'dialogue'
"""
from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from .errors import DialogclsError
from .model import DEFAULT_BATCH_SIZE
from .records import BatchResult, Post, PostBatch, Prediction

_DEFAULT_LOCK = threading.Lock()
_DEFAULT_MODEL: Any = None


def default_model_path() -> Path:
    """Where the default model lives: ``$DIALOGCLS_MODEL`` if set, else the model that ships inside
    the package (``dialogcls.models``, the repository's ``models/default``), found with
    :mod:`importlib.resources`; this works for an editable install, a wheel and ``pip install .``.

    In a source tree that is imported without being installed (``PYTHONPATH=src``), the
    repository's ``models/default`` is used. The folder is checked only when it is loaded.
    """
    configured = os.environ.get("DIALOGCLS_MODEL")
    if configured:
        return Path(configured)
    from importlib import resources

    try:
        packaged = resources.files("dialogcls.models").joinpath("default")
    except ModuleNotFoundError:  # a source tree on sys.path, not installed: no dialogcls.models mapping
        return Path(__file__).resolve().parents[2] / "models" / "default"
    if not isinstance(packaged, os.PathLike):  # e.g. imported from a zip file
        from .errors import ArtifactError

        raise ArtifactError("E201", f"the packaged default model ({packaged}) is not a folder on disk; set "
                                    "DIALOGCLS_MODEL to a model folder or pass dialogcls.load(path)")
    return Path(os.fspath(packaged))


def load(path: str | os.PathLike | None = None) -> Any:
    """Load a model artifact; without ``path``, the default model, loaded once and reused.

    Example
    -------
    >>> model = load()
    >>> list(model.classes_)
    ['broadcast', 'dialogue']
    """
    from .artifact import load as load_artifact

    global _DEFAULT_MODEL
    if path is not None:
        return load_artifact(path)
    with _DEFAULT_LOCK:
        if _DEFAULT_MODEL is None:
            _DEFAULT_MODEL = load_artifact(default_model_path())
        return _DEFAULT_MODEL


def classify_batch(text: Sequence[Any], *, is_reply: Any = None, reply_to: Any = None, author: Any = None,
                   platform: Any = None, lang: Any = None, id: Any = None, created_at: Any = None,
                   model: Any = None, batch_size: int = DEFAULT_BATCH_SIZE, top_cues: int = 3) -> BatchResult:
    """Score a column of texts with optional metadata columns; returns arrays.

    Each metadata argument is a sequence aligned with ``text``, or one value for every post.

    Example
    -------
    >>> result = classify_batch(["Was meint ihr?", "Jetzt im Shop: https://t.co/x"], platform="twitter")
    >>> result.label.tolist()
    ['dialogue', 'broadcast']
    """
    posts = PostBatch.from_columns(text, is_reply=is_reply, reply_to=reply_to, author=author,
                                   platform=platform, lang=lang, id=id, created_at=created_at)
    return score(posts, model=model, batch_size=batch_size, top_cues=top_cues)


def score(posts: PostBatch, *, model: Any = None, batch_size: int = DEFAULT_BATCH_SIZE,
          top_cues: int = 3) -> BatchResult:
    """Score a :class:`PostBatch` with ``model`` (the default model if None); see
    :meth:`dialogcls.model.DialogueClassifier.batch`."""
    model = model if model is not None else load()
    return model.batch(posts, batch_size=batch_size, top_cues=top_cues)


def classify(posts: str | Mapping[str, Any] | Post | Iterable[str | Mapping[str, Any] | Post], *,
             model: Any = None, batch_size: int = DEFAULT_BATCH_SIZE) -> Prediction | list[Prediction]:
    """Classify one post (returns a :class:`Prediction`) or an iterable of posts (returns a list).

    A post is a string, a mapping with ``text`` and optional metadata, or a :class:`Post`.

    Example
    -------
    >>> classify({"text": "@anna Danke für dein Feedback!", "is_reply": True, "reply_to": "anna"}).label
    'dialogue'
    >>> [p.label for p in classify(["Tell us in the comments: what's your favourite?",
    ...                             "Proud to sponsor @CityMarathon today! #running"])]
    ['dialogue', 'broadcast']
    """
    single = isinstance(posts, (str, Post, Mapping))
    if not single and not isinstance(posts, Iterable):
        raise DialogclsError("E105", f"cannot classify a {type(posts).__name__}; pass a str, a mapping "
                                     "with 'text', a dialogcls.Post, or an iterable of them")
    batch = PostBatch.from_posts([posts] if single else posts)
    predictions = score(batch, model=model, batch_size=batch_size).predictions(batch.id)
    return predictions[0] if single else predictions


def classify_frame(frame: Any, *, text_column: str = "text", columns: Mapping[str, str] | None = None,
                   model: Any = None, batch_size: int = DEFAULT_BATCH_SIZE) -> Any:
    """Score a pandas DataFrame; returns a copy with ``label``, ``p_dialogue``, ``lang``, ``kind``, ``cues``.

    ``columns`` maps metadata fields to column names (``{"is_reply": "reply"}``); columns named like
    the fields (``is_reply``, ``reply_to``, ``author``, ``platform``, ``lang``, ``created_at``, ``id``)
    are used without mapping.

    Example
    -------
    >>> import pandas as pd
    >>> classify_frame(pd.DataFrame({"text": ["Habt ihr Fragen? Schreibt sie in die Kommentare!"]}))["label"].tolist()
    ['dialogue']
    """
    posts = PostBatch.from_frame(frame, text_column=text_column, columns=columns)
    result = score(posts, model=model, batch_size=batch_size)
    out = frame.copy()
    out["label"] = result.label
    out["p_dialogue"] = result.p_dialogue
    out["lang"] = result.lang
    out["kind"] = result.kind
    out["cues"] = [" ".join(cues) for cues in result.cues]
    return out


@dataclass
class FileSummary:
    """What :func:`classify_file` did: rows written and rows marked bad."""

    rows: int
    bad_rows: int
    output: str


_WORKER_MODEL: Any = None


def _init_worker(model_path: str | None) -> None:
    global _WORKER_MODEL
    _WORKER_MODEL = load(model_path)


def _score_frame_in_worker(job: tuple[Any, str, dict[str, str], int]) -> BatchResult:
    frame, text_column, columns, batch_size = job
    return score(PostBatch.from_frame(frame, text_column=text_column, columns=columns), model=_WORKER_MODEL,
                 batch_size=batch_size)


def classify_file(input_path: str | os.PathLike, output_path: str | os.PathLike = "-", *,
                  input_format: str | None = None, output_format: str | None = None,
                  text_column: str = "text", columns: Mapping[str, str] | None = None,
                  model_path: str | os.PathLike | None = None, batch_size: int = DEFAULT_BATCH_SIZE,
                  workers: int = 1, on_error: str = "raise", progress: bool = False) -> FileSummary:
    """Score a file in chunks and write every input column plus ``label``, ``p_dialogue``, ``lang``,
    ``kind`` and ``cues`` (and ``error`` for bad rows when ``on_error="skip"``).

    Memory stays flat: one chunk of ``batch_size`` rows per worker is in flight at a time. The
    output file appears only when the run completes.

    Example
    -------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "in.csv").write_text("text\nWas meint ihr?\n", encoding="utf-8")
    >>> classify_file(folder / "in.csv", folder / "out.csv").rows
    1
    """
    from .io import AtomicWriter, read_chunks

    if workers < 1:
        raise DialogclsError("E109", f"workers must be at least 1, not {workers}")
    columns = dict(columns or {})
    chunks = read_chunks(input_path, fmt=input_format, chunk_size=batch_size, text_column=text_column,
                         on_error=on_error)
    first = next(chunks, None)
    present = list(first.frame.columns) if first is not None else []
    for field, column in columns.items():
        if first is not None and column not in present:
            raise DialogclsError("E405", f"{input_path}: no column {column!r} for {field}; the columns are {present}")
    model = load(model_path) if workers == 1 else None
    bar = _progress_bar(progress)
    bad = 0
    with AtomicWriter(output_path, fmt=output_format) as writer:
        all_chunks = [first] if first is not None else []

        def jobs():
            for chunk in _chain(all_chunks, chunks):
                yield chunk, (chunk.frame, text_column, columns, batch_size)

        if workers == 1:
            results = ((chunk, score(PostBatch.from_frame(frame, text_column=text_column, columns=columns),
                                     model=model, batch_size=batch_size))
                       for chunk, (frame, *_rest) in jobs())
            bad = _write_results(results, writer, bar, with_errors=on_error == "skip")
        else:
            import multiprocessing as mp

            context = mp.get_context("spawn")
            with context.Pool(workers, initializer=_init_worker,
                              initargs=(None if model_path is None else str(model_path),)) as pool:
                pending = jobs()
                chunk_queue: list[Any] = []

                def job_stream():
                    for chunk, job in pending:
                        chunk_queue.append(chunk)
                        yield job

                results = ((chunk_queue.pop(0), result) for result in
                           pool.imap(_score_frame_in_worker, job_stream()))
                bad = _write_results(results, writer, bar, with_errors=on_error == "skip")
    if bar is not None:
        bar.close()
    return FileSummary(writer.rows, bad, str(output_path))


def _chain(first: list[Any], rest: Iterable[Any]) -> Iterable[Any]:
    yield from first
    yield from rest


def _write_results(results: Iterable[tuple[Any, BatchResult]], writer: Any, bar: Any, *,
                   with_errors: bool) -> int:
    from .io import ERROR_COLUMN

    bad = 0
    for chunk, result in results:
        frame = chunk.frame
        frame["label"] = result.label
        frame["p_dialogue"] = np.round(result.p_dialogue, 6)
        frame["lang"] = result.lang
        frame["kind"] = result.kind
        frame["cues"] = [" ".join(cues) for cues in result.cues]
        if any(chunk.errors):
            broken = np.array([e is not None for e in chunk.errors])
            for column in ("label", "p_dialogue", "lang", "kind", "cues"):
                frame[column] = frame[column].astype(object)
                frame.loc[broken, column] = None
            bad += int(broken.sum())
        if with_errors:
            frame[ERROR_COLUMN] = chunk.errors
        writer.write(frame)
        if bar is not None:
            bar.update(len(frame))
    return bad


def _progress_bar(enabled: bool) -> Any:
    import sys

    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    return tqdm(unit=" posts", file=sys.stderr, mininterval=0.5)


def train(data: Any, *, text_column: str = "text", label_column: str = "label",
          kind_column: str | None = "kind", columns: Mapping[str, str] | None = None,
          **params: Any) -> Any:
    """Fit a :class:`~dialogcls.model.DialogueClassifier` on labelled posts.

    ``data`` is a path (CSV, TSV, JSON Lines, Parquet, or a ``datasets`` folder), a DataFrame, or a
    list of mappings. ``params`` go to the classifier. Save the result with
    :func:`dialogcls.artifact.save`.

    Example
    -------
    >>> import dialogcls
    >>> rows = [{"text": "@a thanks!", "label": "dialogue"}, {"text": "New: x.y/z", "label": "broadcast"}] * 4
    >>> dialogcls.train(rows, n_features=2**10, cv=2).predict(["@b thanks a lot!"]).tolist()
    ['dialogue']
    """
    from .io import read_labelled
    from .model import DialogueClassifier

    posts, labels, kinds = read_labelled(data, text_column=text_column, label_column=label_column,
                                         kind_column=kind_column, columns=columns)
    return DialogueClassifier(**params).fit(posts, labels, kinds=kinds)


__all__ = ["classify", "classify_batch", "classify_frame", "classify_file", "score", "load", "train",
           "BatchResult", "FileSummary", "default_model_path"]
