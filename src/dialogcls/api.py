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
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence


from .errors import DialogclsError
from .model import DEFAULT_BATCH_SIZE
from .records import BatchResult, Post, PostBatch, Prediction, is_spacy_doc
from .runner import FileSummary

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
                   model: Any = None, batch_size: int = DEFAULT_BATCH_SIZE, top_cues: int = 3,
                   progress: bool | None = None) -> BatchResult:
    """Score a column of texts with optional metadata columns; returns arrays.

    Each metadata argument is a sequence aligned with ``text``, or one value for every post. A reply
    flag that cannot be read counts as unknown, with a warning (E110) naming the posts. ``progress``:
    see :func:`score`.

    Example
    -------
    >>> result = classify_batch(["Was meint ihr?", "Jetzt im Shop: https://t.co/x"], platform="twitter")
    >>> result.label.tolist()
    ['dialogue', 'broadcast']
    """
    posts = PostBatch.from_columns(text, is_reply=is_reply, reply_to=reply_to, author=author,
                                   platform=platform, lang=lang, id=id, created_at=created_at)
    return score(posts, model=model, batch_size=batch_size, top_cues=top_cues, progress=progress)


#: Calls with at least this many posts show a progress bar (in a notebook or on a terminal).
PROGRESS_THRESHOLD = 50_000


def score(posts: PostBatch, *, model: Any = None, batch_size: int = DEFAULT_BATCH_SIZE,
          top_cues: int = 3, progress: bool | None = None) -> BatchResult:
    """Score a :class:`PostBatch` with ``model`` (the default model if None); see
    :meth:`dialogcls.model.DialogueClassifier.batch`.

    ``progress`` shows a ``tqdm.auto`` bar (a widget in notebooks) while the batches are scored:
    True always, False never, None (the default) for calls of at least :data:`PROGRESS_THRESHOLD`
    posts in a notebook or on a terminal, unless the environment sets ``DIALOGCLS_PROGRESS=0``.
    The results are the same either way.
    """
    model = load(model) if isinstance(model, (str, os.PathLike)) else model if model is not None else load()
    if isinstance(top_cues, bool) or not isinstance(top_cues, int) or top_cues < 0:
        raise DialogclsError("E113", f"top_cues must be a whole number of at least 0, not {top_cues!r}")
    if not _show_progress(progress, len(posts)) or batch_size < 1:
        return model.batch(posts, batch_size=batch_size, top_cues=top_cues)
    from tqdm.auto import tqdm

    with tqdm(total=len(posts), unit=" posts", desc="dialogcls", mininterval=0.5) as bar:
        return model.batch(posts, batch_size=batch_size, top_cues=top_cues, on_chunk=bar.update)


def _show_progress(progress: bool | None, n: int) -> bool:
    import sys

    if progress is not None:
        return bool(progress) and n > 0
    if n < PROGRESS_THRESHOLD or os.environ.get("DIALOGCLS_PROGRESS", "").strip() in ("0", "false", "no", "off"):
        return False
    return "ipykernel" in sys.modules or bool(getattr(sys.stderr, "isatty", lambda: False)())


def classify(posts: str | Mapping[str, Any] | Post | Iterable[str | Mapping[str, Any] | Post], *,
             model: Any = None, batch_size: int = DEFAULT_BATCH_SIZE,
             progress: bool | None = None) -> Prediction | list[Prediction]:
    """Classify one post (returns a :class:`Prediction`) or an iterable of posts (returns a list).

    A post is a string, a mapping with ``text`` and optional metadata, or a :class:`Post`. Large
    calls show a progress bar in notebooks and on terminals; ``progress=False`` turns it off (see
    :func:`score`).

    Example
    -------
    >>> classify({"text": "@anna Danke für dein Feedback!", "is_reply": True, "reply_to": "anna"}).label
    'dialogue'
    >>> [p.label for p in classify(["Tell us in the comments: what's your favourite?",
    ...                             "Proud to sponsor @CityMarathon today! #running"])]
    ['dialogue', 'broadcast']
    """
    single = isinstance(posts, (str, Post, Mapping)) or is_spacy_doc(posts)
    if isinstance(posts, (bytes, bytearray)):
        raise DialogclsError("E105", "cannot classify bytes; decode them first (posts.decode('utf-8'))")
    if not single and (hasattr(posts, "columns") or hasattr(posts, "column_names")):
        raise DialogclsError("E105", f"cannot classify a {type(posts).__name__} as posts (its rows would be read as "
                                     "its column names); pass the table to dialogcls.classify_frame")
    if not single and not isinstance(posts, Iterable):
        raise DialogclsError("E105", f"cannot classify a {type(posts).__name__}; pass a str, a mapping "
                                     "with 'text', a dialogcls.Post, or an iterable of them")
    batch = PostBatch.from_posts([posts] if single else posts)
    predictions = score(batch, model=model, batch_size=batch_size, progress=progress).predictions(batch.id)
    return predictions[0] if single else predictions


def classify_frame(frame: Any, *, text_column: str = "text", columns: Mapping[str, str] | None = None,
                   model: Any = None, batch_size: int = DEFAULT_BATCH_SIZE, progress: bool | None = None) -> Any:
    """Score a table and get the same kind back with ``label``, ``p_dialogue``, ``lang``, ``kind``
    and ``cues`` added: a pandas or polars DataFrame (a copy), a ``datasets.Dataset`` (a new Dataset)
    or a Dask DataFrame (lazy; the model goes to each worker once). See :mod:`dialogcls.frames`.

    ``columns`` maps metadata fields to column names (``{"is_reply": "reply"}``); columns named like
    the fields (``is_reply``, ``reply_to``, ``author``, ``platform``, ``lang``, ``created_at``, ``id``)
    are used without mapping. Missing values of nullable dtypes (``pd.NA``) are unknown. An existing
    ``label``, ``p_dialogue``, ``kind`` or ``cues`` column is kept and the predictions go beside it
    as ``predicted_label`` … (with a warning). ``progress`` is :func:`score`'s (for pandas and polars
    frames; a Dataset shows ``datasets``' own bar).

    Example
    -------
    >>> import pandas as pd
    >>> classify_frame(pd.DataFrame({"text": ["Habt ihr Fragen? Schreibt sie in die Kommentare!"]}))["label"].tolist()
    ['dialogue']
    """
    from .frames import classify_frame as classify_table

    return classify_table(frame, text_column=text_column, columns=columns, model=model, batch_size=batch_size,
                          progress=progress)


def classify_file(input_path: str | os.PathLike, output_path: str | os.PathLike = "-", **options: Any) -> FileSummary:
    """Score a file in chunks and write every input field plus ``label``, ``p_dialogue``, ``lang``,
    ``kind`` and ``cues``; the options and what is checked are those of
    :func:`dialogcls.runner.classify_file` (formats, encodings, platform exports, workers, bad rows).

    Example
    -------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "in.csv").write_text("text\\nWas meint ihr?\\n", encoding="utf-8")
    >>> classify_file(folder / "in.csv", folder / "out.csv").rows
    1
    """
    from .runner import classify_file as run

    return run(input_path, output_path, **options)


def train(data: Any = None, *, text_column: str = "text", label_column: str = "label",
          kind_column: str | None = "kind", columns: Mapping[str, str] | None = None,
          base: Any = None, add: Any = None, add_share: float | None = None, **params: Any) -> Any:
    """Fit a :class:`~dialogcls.model.DialogueClassifier` on labelled posts.

    ``data`` is a path (CSV, TSV, JSON Lines, Parquet, or a ``datasets`` folder), a pandas, polars or
    Dask DataFrame, a ``datasets.Dataset`` (``ClassLabel`` labels read as their names), or a list of
    mappings. ``params`` go to the classifier. Save the result with
    :func:`dialogcls.artifact.save`.

    With ``add`` (hand-coded posts: a coded sample sheet or any labelled table), the model ``base``
    (``"default"``, the shipped model, when not given; or a model folder) is adapted: refitted with
    its own parameters (``params`` override them) on its corpus ``data`` (None: the checkout's
    ``data/train.jsonl``) plus the coded posts, which carry ``add_share`` of the training weight
    (default :data:`dialogcls.adapt.ADDED_SHARE`); the column options then apply to ``add``. See
    :mod:`dialogcls.adapt`; ``python -m dialogcls train --base default --add FILE`` also writes the
    card.

    Example
    -------
    >>> import dialogcls
    >>> rows = [{"text": t, "label": label} for t, label in [("@a thanks!", "dialogue"), ("@c thank you!", "dialogue"),
    ...                                                      ("New: x.y/z", "broadcast"), ("New: a.b/c", "broadcast")]]
    >>> dialogcls.train(rows, n_features=2**10, cv=2).predict(["@b thanks a lot!"]).tolist()
    ['dialogue']
    """
    from .frames import to_pandas
    from .io import read_labelled
    from .model import DialogueClassifier

    data, add = to_pandas(data), to_pandas(add)
    if add is not None or base is not None:
        from .adapt import ADDED_SHARE, prepare

        if add is None:
            raise DialogclsError("E337", "a base model is retrained only with coded posts to add: pass add=")
        adapted = prepare(add, base=base if base is not None else "default", corpus=data,
                          share=ADDED_SHARE if add_share is None else add_share, text_column=text_column,
                          label_column=label_column, kind_column=kind_column, columns=columns)
        return DialogueClassifier(**{**adapted.params, **params}).fit(
            adapted.posts, adapted.labels, kinds=adapted.kinds, sample_weight=adapted.weights)
    posts, labels, kinds = read_labelled(data, text_column=text_column, label_column=label_column,
                                         kind_column=kind_column, columns=columns)
    return DialogueClassifier(**params).fit(posts, labels, kinds=kinds)


__all__ = ["classify", "classify_batch", "classify_frame", "classify_file", "score", "load", "train",
           "BatchResult", "FileSummary", "default_model_path"]
