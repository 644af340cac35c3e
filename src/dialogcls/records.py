"""The records users pass in and get back: :class:`Post`, :class:`PostBatch`, :class:`Prediction`.

Example
-------
>>> batch = PostBatch.from_posts(["Hello", {"text": "@anna Thanks!", "is_reply": True}])
>>> batch.text, batch.is_reply
(['Hello', '@anna Thanks!'], [None, True])
"""
from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

from .errors import DialogclsError, DialogclsWarning

if TYPE_CHECKING:  # pragma: no cover
    import numpy

LABELS = ("broadcast", "dialogue")
KINDS = {
    "dialogue": ("reply", "invite"),
    "broadcast": ("promo", "news", "recruiting", "event", "notice", "share", "other"),
}
#: Metadata fields a post may carry besides its text.
METADATA_FIELDS = ("id", "is_reply", "reply_to", "author", "platform", "lang", "created_at")
#: The columns scoring adds to a table, in order (:meth:`BatchResult.to_dict`).
RESULT_COLUMNS = ("label", "p_dialogue", "lang", "kind", "cues")
#: Words read as a reply flag, English and German (Excel shows WAHR/FALSCH in German).
_TRUE = {"true", "1", "1.0", "yes", "y", "t", "x", "reply", "ja", "j", "wahr", "antwort"}
_FALSE = {"false", "0", "0.0", "no", "n", "f", "", "nein", "falsch"}
#: A reply id (Twitter, Mastodon: digits; Facebook: ``123_456``): the post is a reply.
_REPLY_ID = re.compile(r"[1-9]\d*(?:_\d+)*")


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
    cues : list of str
        The features that pushed the decision most, strongest first (names without spaces, such as
        ``address_start`` or ``word_ngrams``).
    id : str or None
        The post's id, when it had one.
    """

    label: str
    p_dialogue: float
    lang: str
    kind: str
    cues: list[str]
    id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """The prediction as plain JSON-ready values (``cues`` a list of names).

        Example
        -------
        >>> import json
        >>> json.dumps(Prediction("dialogue", 0.9, "en", "reply", ("sympathy",), "p1").to_dict())
        '{"label": "dialogue", "p_dialogue": 0.9, "lang": "en", "kind": "reply", "cues": ["sympathy"], "id": "p1"}'
        """
        return {"label": str(self.label), "p_dialogue": float(self.p_dialogue), "lang": str(self.lang),
                "kind": str(self.kind), "cues": [str(cue) for cue in self.cues],
                "id": None if self.id is None else str(self.id)}


@dataclass
class BatchResult:
    """Columnar results of :func:`classify_batch`, aligned with the input."""

    label: "numpy.ndarray"
    p_dialogue: "numpy.ndarray"
    lang: "numpy.ndarray"
    kind: "numpy.ndarray"
    cues: list[list[str]]

    def __post_init__(self) -> None:
        self.cues = [cues if type(cues) is list else list(cues) for cues in self.cues]

    def __len__(self) -> int:
        return len(self.label)

    def to_dict(self) -> dict[str, list[Any]]:
        """The columns as plain Python lists (:data:`RESULT_COLUMNS`; ``cues`` a list of names per
        post), e.g. for ``datasets.Dataset.map(..., batched=True)``.

        Example
        -------
        >>> import numpy as np
        >>> BatchResult(np.array(["dialogue"]), np.array([0.9]), np.array(["en"]), np.array(["reply"]),
        ...             [("sympathy",)]).to_dict()
        {'label': ['dialogue'], 'p_dialogue': [0.9], 'lang': ['en'], 'kind': ['reply'], 'cues': [['sympathy']]}
        """
        return {"label": [str(v) for v in self.label], "p_dialogue": [float(v) for v in self.p_dialogue],
                "lang": [str(v) for v in self.lang], "kind": [str(v) for v in self.kind],
                "cues": [[str(cue) for cue in cues] for cues in self.cues]}

    def records(self, ids: Sequence[str | None] | None = None) -> list[dict[str, Any]]:
        """One :meth:`Prediction.to_dict` per post, built from the columns without a Prediction each.

        Example
        -------
        >>> import numpy as np
        >>> BatchResult(np.array(["dialogue"]), np.array([0.9]), np.array(["en"]), np.array(["reply"]),
        ...             [("sympathy",)]).records(["p1"])
        [{'label': 'dialogue', 'p_dialogue': 0.9, 'lang': 'en', 'kind': 'reply', 'cues': ['sympathy'], 'id': 'p1'}]
        """
        columns = self.to_dict()
        columns["id"] = [None if i is None else str(i) for i in (ids if ids is not None else [None] * len(self))]
        keys = [f.name for f in fields(Prediction)]
        return [dict(zip(keys, row)) for row in zip(*(columns[key] for key in keys))]

    def predictions(self, ids: Sequence[str | None] | None = None) -> list[Prediction]:
        """One :class:`Prediction` per post."""
        ids = ids if ids is not None else [None] * len(self)
        return [Prediction(str(label), float(p), str(lang), str(kind), list(cues), post_id)
                for label, p, lang, kind, cues, post_id
                in zip(self.label, self.p_dialogue, self.lang, self.kind, self.cues, ids)]


#: Other names of the platforms that the features know (``dialogcls.features.PLATFORMS``), as
#: exports, tools and people write them: X is Twitter's name since 2023.
PLATFORM_ALIASES = {"x": "twitter", "x.com": "twitter", "twitter.com": "twitter", "x/twitter": "twitter",
                    "twitter/x": "twitter", "x (twitter)": "twitter", "twitter (x)": "twitter",
                    "fb": "facebook", "facebook.com": "facebook", "ig": "instagram", "instagram.com": "instagram",
                    "linkedin.com": "linkedin"}


def platform_name(value: Any) -> str:
    """The platform ``value`` names, lower case and with :data:`PLATFORM_ALIASES` resolved; ``""``
    for none.

    Example
    -------
    >>> platform_name(" X "), platform_name("Twitter"), platform_name("FB"), platform_name(None)
    ('twitter', 'twitter', 'facebook', '')
    """
    name = value.strip().lower() if isinstance(value, str) else ""
    return PLATFORM_ALIASES.get(name, name)


def check_unique_columns(present: Sequence[str], used: Mapping[str, str]) -> None:
    """Refuse (E114) a table in which a column that ``used`` reads (field -> column) has a
    name that more than one of the columns ``present`` carries: pandas would give a table there.

    Example
    -------
    >>> check_unique_columns(["text", "text"], {"text": "text"})
    Traceback (most recent call last):
    dialogcls.errors.DialogclsError: [E114] 2 columns are named 'text' (the text); rename or drop all but one, e.g. with frame.loc[:, ~frame.columns.duplicated()]
    """
    for name, column in used.items():
        if list(present).count(column) > 1:
            raise DialogclsError("E114", f"{list(present).count(column)} columns are named {column!r} (the {name}); "
                                         "rename or drop all but one, e.g. with frame.loc[:, ~frame.columns.duplicated()]")


def duplicate_groups(texts: Sequence[str]) -> numpy.ndarray:
    """Per post, the index of the first post with the same text (white space and case aside): the
    groups that cross-validation keeps in one fold, so that a repeated post is never scored by a
    model trained on its twin. Posts without a twin are their own group (``groups[i] == i``).

    Example
    -------
    >>> duplicate_groups(["Danke!", "Neu", "danke!  "]).tolist()
    [0, 1, 0]
    """
    import numpy as np

    first: dict[str, int] = {}
    return np.array([first.setdefault(" ".join(text.split()).lower(), row) for row, text in enumerate(texts)],
                    dtype=np.int64)


def parse_bool(value: Any) -> bool | None:
    """Read a reply flag from files and frames; empty means unknown.

    Reads ``True``/``False``, ``1``/``0``, the words true/false, yes/no, y/n, t/f, ja/nein, j,
    wahr/falsch (German Excel), ``reply``/``antwort``, and a reply id (a number other than 0, or
    Facebook's ``123_456``): a post that names the post it replies to is a reply.

    Example
    -------
    >>> parse_bool("TRUE"), parse_bool(0), parse_bool(None), parse_bool("")
    (True, False, None, None)
    >>> parse_bool("Nein"), parse_bool("WAHR"), parse_bool("1460323737035677698")
    (False, True, True)
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
    if _REPLY_ID.fullmatch(text):
        return True
    raise DialogclsError("E101", f"cannot read {value!r} as a reply flag; use true/false, yes/no, ja/nein, "
                                 "1/0, the id of the post replied to, or leave it empty")


def read_reply_flags(values: Sequence[Any]) -> tuple[list[bool | None], list[int]]:
    """The reply flags of ``values`` (see :func:`parse_bool`) and the positions of those that could
    not be read, which count as unknown (None).

    Example
    -------
    >>> read_reply_flags(["ja", "maybe", None])
    ([True, None, None], [1])
    """
    flags: list[bool | None] = []
    unreadable: list[int] = []
    for position, value in enumerate(values):
        try:
            flags.append(parse_bool(value))
        except DialogclsError:
            flags.append(None)
            unreadable.append(position)
    return flags, unreadable


def _warn_unreadable_flags(values: Sequence[Any], unreadable: Sequence[int], ids: Sequence[Any] | None) -> None:
    """One warning for the reply flags of a call that could not be read, naming the first posts."""
    named = []
    for position in unreadable[:3]:
        post_id = ids[position] if ids is not None and position < len(ids) else None
        where = f"post {position}" + ("" if is_missing(post_id) or post_id == "" else f" (id {post_id!r})")
        named.append(f"{where}: {values[position]!r}")
    more = f" and {len(unreadable) - 3} more" if len(unreadable) > 3 else ""
    warnings.warn(DialogclsWarning(
        f"[E110] {len(unreadable)} reply flag(s) could not be read and were scored as unknown ({'; '.join(named)}"
        f"{more}); use true/false, yes/no, ja/nein, 1/0, the id of the post replied to, or leave it empty"),
        stacklevel=4)


def is_missing(value: Any) -> bool:
    """Whether a cell is a missing value: None, NaN, or pandas' ``NA``/``NaT`` (nullable dtypes).

    Example
    -------
    >>> import pandas as pd
    >>> is_missing(None), is_missing(float("nan")), is_missing(pd.NA), is_missing(""), is_missing(0)
    (True, True, True, False, False)
    """
    if value is None or type(value).__name__ in ("NAType", "NaTType"):
        return True
    return isinstance(value, float) and value != value  # NaN, also numpy.float64


def is_spacy_doc(value: Any) -> bool:
    """Whether ``value`` is a spaCy ``Doc`` (a post: its text, metadata from ``doc.user_data``; see
    :mod:`dialogcls.spacy_component`), told without importing spaCy."""
    cls = type(value)
    return cls.__name__ == "Doc" and cls.__module__.startswith("spacy.tokens")


def _clean_str(value: Any) -> str | None:
    if is_missing(value):
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
        if isinstance(text, (str, bytes, Mapping)):
            raise DialogclsError("E105", f"the texts are one {type(text).__name__}, not a column of texts; pass a "
                                         "list (classify_batch(['...'])), or one post to dialogcls.classify")
        texts = [_as_text(value, position) for position, value in enumerate(text)]
        n = len(texts)
        columns: dict[str, list[Any]] = {}
        for name, values in metadata.items():
            if values is None:
                continue
            if isinstance(values, (str, bool)) or not isinstance(values, Iterable):
                values = [values] * n
            values = list(values)
            if name == "is_reply":
                columns[name], unreadable = read_reply_flags(values)
                if unreadable:
                    ids = metadata.get("id")
                    _warn_unreadable_flags(values, unreadable, None if ids is None or isinstance(ids, str)
                                           or not isinstance(ids, Iterable) else list(ids))
            elif name in ("reply_to", "author"):
                columns[name] = [_clean_str(v) for v in values]
            else:
                columns[name] = [None if is_missing(v) or (isinstance(v, str) and v == "")
                                 else str(v) for v in values]
        return cls(texts, **columns)

    @classmethod
    def from_frame(cls, frame: Any, *, text_column: str = "text",
                   columns: Mapping[str, str] | None = None) -> "PostBatch":
        """Build from a table: a pandas or polars DataFrame, or a mapping of column names to values
        (such as a batch of ``datasets.Dataset.map``). Uses the text column, columns named like a
        metadata field, and the fields mapped to other columns by ``columns`` (``{"is_reply": "reply"}``).
        Missing values of any dtype (None, NaN, ``pd.NA``) are read as unknown.

        Example
        -------
        >>> import pandas as pd
        >>> PostBatch.from_frame(pd.DataFrame({"text": ["Hallo"], "reply": [True]}), columns={"is_reply": "reply"}).is_reply
        [True]
        """
        present = list(frame.columns) if hasattr(frame, "columns") else list(frame)
        mapping = cls.source_columns(present, text_column=text_column, columns=columns)
        return cls.from_columns(_as_list(frame[text_column]),
                                **{name: _as_list(frame[column]) for name, column in mapping.items()})

    @staticmethod
    def source_columns(present: Sequence[str], *, text_column: str = "text",
                       columns: Mapping[str, str] | None = None) -> dict[str, str]:
        """Which column of a table with the columns ``present`` feeds each metadata field (the
        text column is checked too); raises E106 when a named column is missing.

        Example
        -------
        >>> PostBatch.source_columns(["text", "lang", "reply"], columns={"is_reply": "reply"})
        {'lang': 'lang', 'is_reply': 'reply'}
        """
        present = list(present)
        mapping = {name: name for name in METADATA_FIELDS if name in present and name != text_column}
        mapping.update(columns or {})
        for name, column in [("text", text_column), *mapping.items()]:
            if column not in present:
                raise DialogclsError("E106", f"no column {column!r} for the {name}; the columns are {present}")
        check_unique_columns(present, {"text": text_column, **mapping})
        return mapping

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
            elif is_spacy_doc(post):
                from .spacy_component import doc_record

                record = doc_record(post)
            else:
                raise DialogclsError("E105", f"post {position} is a {type(post).__name__}; "
                                             "pass a str, a mapping with 'text', a spaCy Doc or a dialogcls.Post")
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


def _as_list(column: Any) -> list[Any]:
    """A column of any table as a Python list: pandas (``tolist``), polars (``to_list``), Arrow
    (``to_pylist``) or a plain sequence."""
    for method in ("tolist", "to_list", "to_pylist"):
        if hasattr(column, method):
            return getattr(column, method)()
    return list(column)


def _as_text(value: Any, position: int) -> str:
    """Texts are strings; missing values become empty posts, numbers become their text. A record
    where a text belongs (a mapping, a :class:`Post`, a spaCy Doc) is refused (E112): scored as
    its ``str()``, its metadata would be lost without a word."""
    if type(value) is str:  # nearly every text: no further checks on the hot path
        return value
    if isinstance(value, (Mapping, Post)) or is_spacy_doc(value):
        raise DialogclsError("E112", f"text {position} is a {type(value).__name__}, not a text; pass records "
                                     "to dialogcls.classify (or PostBatch.from_posts), or their texts and "
                                     "metadata as columns to classify_batch(texts, is_reply=..., ...)")
    if isinstance(value, (list, tuple, set, frozenset)) or getattr(value, "ndim", 0) > 0:
        raise DialogclsError("E112", f"text {position} is a {type(value).__name__} of {len(value)} values, not a text; "
                                     "pass one text per post (a list of posts to dialogcls.classify, or the column "
                                     "of texts to classify_batch)")
    if is_missing(value):
        return ""
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return value if isinstance(value, str) else str(value)


__all__ = ["Post", "Prediction", "PostBatch", "BatchResult", "LABELS", "KINDS", "METADATA_FIELDS", "RESULT_COLUMNS",
           "parse_bool", "read_reply_flags", "is_missing", "duplicate_groups"]
