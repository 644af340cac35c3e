"""The records users pass in and get back: :class:`Post`, :class:`PostBatch`, :class:`Prediction`.

Example
-------
>>> batch = PostBatch.from_posts(["Hello", {"text": "@anna Thanks!", "is_reply": True}])
>>> batch.text, batch.is_reply
(['Hello', '@anna Thanks!'], [None, True])
"""
from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from .errors import DialogclsError

if TYPE_CHECKING:  # pragma: no cover
    import numpy

LABELS = ("broadcast", "dialogue")
KINDS = {
    "dialogue": ("reply", "invite"),
    "broadcast": ("promo", "news", "recruiting", "event", "notice", "share", "other"),
}
#: Metadata fields a post may carry besides its text.
METADATA_FIELDS = ("id", "is_reply", "reply_to", "author", "platform", "lang", "created_at")
_TRUE = {"true", "1", "yes", "y", "t", "reply"}
_FALSE = {"false", "0", "no", "n", "f", ""}


@dataclass(frozen=True)
class Post:
    """One post by an organisation's account.

    Example
    -------
    >>> Post("@jan Danke für den Hinweis!", is_reply=True, reply_to="jan", platform="twitter").text
    '@jan Danke für den Hinweis!'
    """

    text: str
    id: str | None = None
    is_reply: bool | None = None
    reply_to: str | None = None
    author: str | None = None
    platform: str | None = None
    lang: str | None = None
    created_at: str | None = None


@dataclass(frozen=True)
class Prediction:
    """The result for one post.

    Attributes
    ----------
    label : str
        ``"dialogue"`` or ``"broadcast"``.
    p_dialogue : float
        Calibrated probability of dialogue.
    lang : str
        ``"de"``, ``"en"`` or ``"mixed"`` (as given, or detected).
    kind : str
        The most likely kind within the label (``reply``, ``invite``, ``promo`` …).
    cues : tuple of str
        The features that pushed the decision most, strongest first.
    id : str or None
        The post's id, when it had one.
    """

    label: str
    p_dialogue: float
    lang: str
    kind: str
    cues: tuple[str, ...]
    id: str | None = None


@dataclass
class BatchResult:
    """Columnar results of :func:`classify_batch`, aligned with the input."""

    label: "numpy.ndarray"
    p_dialogue: "numpy.ndarray"
    lang: "numpy.ndarray"
    kind: "numpy.ndarray"
    cues: list[tuple[str, ...]]

    def __len__(self) -> int:
        return len(self.label)

    def predictions(self, ids: Sequence[str | None] | None = None) -> list[Prediction]:
        """One :class:`Prediction` per post."""
        ids = ids if ids is not None else [None] * len(self)
        return [Prediction(str(label), float(p), str(lang), str(kind), cues, post_id)
                for label, p, lang, kind, cues, post_id
                in zip(self.label, self.p_dialogue, self.lang, self.kind, self.cues, ids)]


def parse_bool(value: Any) -> bool | None:
    """Read a reply flag from files and frames: ``True``, ``"true"``, ``1`` … ; empty means unknown.

    Example
    -------
    >>> parse_bool("TRUE"), parse_bool(0), parse_bool(None), parse_bool("")
    (True, False, None, None)
    """
    if value is None or type(value).__name__ in ("NAType", "NaTType"):  # pandas' missing values
        return None
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    if isinstance(value, str) and value == "":
        return None
    if isinstance(value, (int, float)):
        if value != value:  # NaN
            return None
        return bool(value)
    text = str(value).strip().lower()
    if text in ("nan", "none", "null", "na", "<na>"):
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise DialogclsError("E101", f"cannot read {value!r} as a reply flag; use true/false, 1/0 or leave it empty")


def _clean_str(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value != value:
        return None
    text = str(value).strip()
    return text.lstrip("@") or None if text else None


@dataclass
class PostBatch:
    """Posts as columns: the form every step after reading works on.

    Example
    -------
    >>> PostBatch.from_columns(["a", "b"], author="acme").author
    ['acme', 'acme']
    """

    text: list[str]
    id: list[str | None] = field(default_factory=list)
    is_reply: list[bool | None] = field(default_factory=list)
    reply_to: list[str | None] = field(default_factory=list)
    author: list[str | None] = field(default_factory=list)
    platform: list[str | None] = field(default_factory=list)
    lang: list[str | None] = field(default_factory=list)
    created_at: list[str | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        n = len(self.text)
        for name in METADATA_FIELDS:
            column = getattr(self, name)
            if not column:
                setattr(self, name, [None] * n)
            elif len(column) != n:
                raise DialogclsError("E102", f"column {name!r} has {len(column)} values for {n} texts")

    def __len__(self) -> int:
        return len(self.text)

    @classmethod
    def from_columns(cls, text: Sequence[Any], **metadata: Any) -> "PostBatch":
        """Build from a text column and metadata columns (a sequence, or one value for all posts)."""
        unknown = set(metadata) - set(METADATA_FIELDS)
        if unknown:
            raise DialogclsError("E103", f"unknown metadata {sorted(unknown)}; expected some of {list(METADATA_FIELDS)}")
        texts = [_as_text(value) for value in text]
        n = len(texts)
        columns: dict[str, list[Any]] = {}
        for name, values in metadata.items():
            if values is None:
                continue
            if isinstance(values, (str, bool)) or not isinstance(values, Iterable):
                values = [values] * n
            values = list(values)
            if name == "is_reply":
                columns[name] = [parse_bool(v) for v in values]
            elif name in ("reply_to", "author"):
                columns[name] = [_clean_str(v) for v in values]
            else:
                columns[name] = [None if v is None or (isinstance(v, float) and v != v) or v == ""
                                 else str(v) for v in values]
        return cls(texts, **columns)

    @classmethod
    def from_frame(cls, frame: Any, *, text_column: str = "text",
                   columns: Mapping[str, str] | None = None) -> "PostBatch":
        """Build from a pandas DataFrame: the text column, columns named like a metadata field, and
        the fields mapped to other columns by ``columns`` (``{"is_reply": "reply"}``).

        Example
        -------
        >>> import pandas as pd
        >>> PostBatch.from_frame(pd.DataFrame({"text": ["Hallo"], "reply": [True]}), columns={"is_reply": "reply"}).is_reply
        [True]
        """
        present = list(frame.columns)
        mapping = {name: name for name in METADATA_FIELDS if name in present and name != text_column}
        mapping.update(columns or {})
        for name, column in [("text", text_column), *mapping.items()]:
            if column not in present:
                raise DialogclsError("E106", f"no column {column!r} for the {name}; the columns are {present}")
        return cls.from_columns(frame[text_column].tolist(),
                                **{name: frame[column].tolist() for name, column in mapping.items()})

    @classmethod
    def from_posts(cls, posts: Iterable[str | Mapping[str, Any] | Post]) -> "PostBatch":
        """Build from strings, mappings with a ``text`` key, or :class:`Post` records."""
        texts: list[Any] = []
        metadata: dict[str, list[Any]] = {name: [] for name in METADATA_FIELDS}
        for position, post in enumerate(posts):
            if isinstance(post, str):
                record: Mapping[str, Any] = {"text": post}
            elif isinstance(post, Post):
                record = {f.name: getattr(post, f.name) for f in fields(Post)}
            elif isinstance(post, Mapping):
                if "text" not in post:
                    raise DialogclsError("E104", f"post {position} has no 'text' field (it has {sorted(post)})")
                record = post
            else:
                raise DialogclsError("E105", f"post {position} is a {type(post).__name__}; "
                                             "pass a str, a mapping with 'text', or a dialogcls.Post")
            texts.append(record["text"])
            for name in METADATA_FIELDS:
                metadata[name].append(record.get(name))
        present = {k: v for k, v in metadata.items() if any(x is not None for x in v)}
        return cls.from_columns(texts, **present)

    def without_metadata(self) -> "PostBatch":
        """The same texts with every metadata field removed (for text-only evaluation)."""
        return PostBatch(list(self.text), id=list(self.id))

    def take(self, index: Sequence[int]) -> "PostBatch":
        """The posts at ``index``, in that order."""
        return PostBatch(**{name: [getattr(self, name)[i] for i in index]
                            for name in ("text",) + METADATA_FIELDS})


def _as_text(value: Any) -> str:
    """Texts are strings; missing values become empty posts, numbers become their text."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else str(value)


__all__ = ["Post", "Prediction", "PostBatch", "BatchResult", "LABELS", "KINDS", "METADATA_FIELDS", "parse_bool"]
