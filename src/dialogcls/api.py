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
from .types import Post, PostBatch, Prediction

#: Posts featurised at once inside :func:`classify_batch`; bounds memory on large inputs.
DEFAULT_BATCH_SIZE = 8192
_DEFAULT_LOCK = threading.Lock()
_DEFAULT_MODEL: Any = None


def default_model_path() -> Path:
    """Where the default model lives: ``$DIALOGCLS_MODEL``, else the repository's ``models/default``."""
    configured = os.environ.get("DIALOGCLS_MODEL")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[2] / "models" / "default"


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


@dataclass
class BatchResult:
    """Columnar results of :func:`classify_batch`, aligned with the input."""

    label: np.ndarray
    p_dialogue: np.ndarray
    lang: np.ndarray
    kind: np.ndarray
    cues: list[tuple[str, ...]]

    def __len__(self) -> int:
        return len(self.label)

    def predictions(self, ids: Sequence[str | None] | None = None) -> list[Prediction]:
        """One :class:`Prediction` per post."""
        ids = ids if ids is not None else [None] * len(self)
        return [Prediction(str(label), float(p), str(lang), str(kind), cues, post_id)
                for label, p, lang, kind, cues, post_id
                in zip(self.label, self.p_dialogue, self.lang, self.kind, self.cues, ids)]


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
    """Score a :class:`PostBatch` in chunks of ``batch_size``: the one scoring loop of the library."""
    if batch_size < 1:
        raise DialogclsError("E108", f"batch_size must be at least 1, not {batch_size}")
    model = model if model is not None else load()
    parts = []
    for start in range(0, len(posts), batch_size):
        chunk = posts.take(range(start, min(start + batch_size, len(posts))))
        tokens = model.featurizer_.tokenize(chunk)
        features = model.featurizer_.transform(chunk, tokens)
        p_dialogue = model.predict_proba_features(features)[:, 1]
        label = np.where(p_dialogue >= 0.5, "dialogue", "broadcast").astype(object)
        parts.append(BatchResult(label, p_dialogue, tokens.lang, model.predict_kind(features, label),
                                 model.explain(features, label, top=top_cues)))
    if not parts:
        empty = np.empty(0, dtype=object)
        return BatchResult(empty, np.empty(0), empty, empty, [])
    return BatchResult(*(np.concatenate([getattr(p, name) for p in parts]) for name in
                         ("label", "p_dialogue", "lang", "kind")),
                       [cue for part in parts for cue in part.cues])


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
    from .types import METADATA_FIELDS

    if text_column not in frame.columns:
        raise DialogclsError("E106", f"no text column {text_column!r}; the frame has {list(frame.columns)}")
    mapping = {name: name for name in METADATA_FIELDS if name in frame.columns}
    mapping.update(columns or {})
    missing = [column for column in mapping.values() if column not in frame.columns]
    if missing:
        raise DialogclsError("E106", f"no column {missing[0]!r}; the frame has {list(frame.columns)}")
    posts = PostBatch.from_columns(frame[text_column].tolist(),
                                   **{field: frame[column].tolist() for field, column in mapping.items()})
    result = score(posts, model=model, batch_size=batch_size)
    out = frame.copy()
    out["label"] = result.label
    out["p_dialogue"] = result.p_dialogue
    out["lang"] = result.lang
    out["kind"] = result.kind
    out["cues"] = [" ".join(cues) for cues in result.cues]
    return out


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


__all__ = ["classify", "classify_batch", "classify_frame", "score", "load", "train", "BatchResult",
           "default_model_path"]
