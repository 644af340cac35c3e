"""Files in: the entry points that read posts and labelled tables, and the project's corpus.

- :func:`read_chunks` streams a file as :class:`~dialogcls.postfile.Chunk` objects for scoring
  (:mod:`dialogcls.postfile`: columns, platform exports and bad rows; :mod:`dialogcls.readers`:
  formats, encodings and delimiters).
- :func:`read_table` reads a whole table, :func:`read_labelled` the posts, labels and kinds of
  labelled data (with a warning for repeated posts), :func:`load_corpus` the labelled corpus.
- Writing is :mod:`dialogcls.writers` (:class:`AtomicWriter`, re-exported here).

A bad row is an error that names the file, the line and the problem, or (``on_error="skip"``) a
row kept with every field that could be read and its problem in the ``error`` column, so that input
and output always have the same number of rows. An empty text is a post (a photo without words).

Example
-------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "posts.jsonl"
>>> _ = path.write_text('{"text": "Hallo"}\\n{"text": 5, "id": "p2"}\\n{"text": ""}\\n', encoding="utf-8")
>>> chunk = next(read_chunks(path, chunk_size=10, on_error="skip"))
>>> chunk.frame["text"].tolist(), chunk.errors, chunk.posts.text
(['Hallo', 5, ''], [None, 'line 2: the text is a number, not a string', None], ['Hallo', '', ''])
"""
from __future__ import annotations

import os
import warnings
from pathlib import Path
from typing import Any, Iterator, Mapping

from .errors import DialogclsError, DialogclsWarning
from .postfile import MAX_TEXT_CHARS, PRESET_CHOICES, Chunk, InputFile, PostFile, _text_problem
from .readers import DELIMITERS, EXTENSIONS, FORMATS, InputError, check_encoding, detect_format, parse_delimiter
from .records import PostBatch, check_unique_columns, is_missing, read_reply_flags
from .writers import AtomicWriter, OutputError, check_output

#: Column that carries a bad row's problem in the output.
ERROR_COLUMN = "error"


class TrainingDataError(InputError):
    """Labelled data that cannot train a model (too few posts of a label for the folds); exit code 5."""


def read_chunks(path: str | os.PathLike, *, fmt: str | None = None, chunk_size: int = 8192,
                text_column: str = "text", on_error: str = "raise", columns: Mapping[str, str] | None = None,
                encoding: str | None = None, delimiter: str | None = None, preset: str = "auto",
                platform: str | None = None) -> Iterator[Chunk]:
    """Stream ``path`` in chunks of rows (see :class:`PostFile`). Bad rows raise :class:`InputError`, or
    with ``on_error="skip"`` are kept with their problem in ``Chunk.errors``."""
    with PostFile(path, fmt=fmt, encoding=encoding, delimiter=delimiter, preset=preset, text_column=text_column,
                  columns=columns, platform=platform, on_error=on_error) as source:
        yield from source.chunks(chunk_size)


def read_table(data: Any, *, fmt: str | None = None, encoding: str | None = None, delimiter: str | None = None,
               preset: str = "auto") -> Any:
    """Read a whole table (for training and evaluation) into a pandas DataFrame.

    ``data`` is a DataFrame (or another frame :func:`dialogcls.frames.to_pandas` reads), a list of
    mappings, a file path (or :class:`InputFile`), or a folder saved by ``datasets``. A platform
    export's post fields (``text``, ``is_reply``, ``author`` …) are added. Bad rows raise
    :class:`InputError` with the file and line.

    Example
    -------
    >>> read_table([{"text": "Hallo", "is_reply": "nein"}])["is_reply"].tolist()
    ['nein']
    """
    import pandas as pd

    if hasattr(data, "columns") and hasattr(data, "iloc"):
        return data
    if isinstance(data, (list, tuple)):
        return pd.DataFrame(list(data))
    if not isinstance(data, (str, os.PathLike)):
        from .frames import to_pandas

        return to_pandas(data)
    with PostFile(data, fmt=fmt, encoding=encoding, delimiter=delimiter, preset=preset, text_column=None) as source:
        frames = [chunk.frame for chunk in source.chunks(1 << 16)]
        columns = list(source.fields or []) + source.added
    if not frames:
        return pd.DataFrame(columns=columns)
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def read_labelled(data: Any, *, text_column: str = "text", label_column: str = "label",
                  kind_column: str | None = "kind", columns: Mapping[str, str] | None = None,
                  fmt: str | None = None) -> tuple[PostBatch, list[str], list[str] | None]:
    """Posts, labels and (when present) kinds from labelled data, with column mapping and checks.

    Warns (E111) when posts occur more than once: duplicates sit in the training and the test
    folds of cross-validation at once and inflate its scores.

    Example
    -------
    >>> posts, labels, kinds = read_labelled([{"text": "Hi @a", "label": "dialogue", "kind": "reply"}])
    >>> posts.text, labels, kinds
    (['Hi @a'], ['dialogue'], ['reply'])
    """
    from .estimator import check_labels

    frame = read_table(data, fmt=fmt)
    where = str(data) if isinstance(data, (str, os.PathLike)) else "the data"
    for column in (text_column, label_column):
        if column not in frame.columns:
            raise InputError("E405", f"{where}: no column {column!r}; the columns are {list(frame.columns)}")
    try:
        check_unique_columns(list(frame.columns), {"text": text_column, "label": label_column})
    except DialogclsError as error:
        raise InputError(error.code, f"{where}: {error.message}") from None
    for row, value in enumerate(frame[text_column].tolist()):
        problem = _text_problem(value)
        if problem:
            raise InputError("E406", f"{where}, row {row + 1}: {problem}")
    flag_column = (columns or {}).get("is_reply") or ("is_reply" if "is_reply" in frame.columns else None)
    if flag_column in frame.columns:
        _, unreadable = read_reply_flags(frame[flag_column].tolist())
        if unreadable:
            row = unreadable[0]
            raise InputError("E406", f"{where}, row {row + 1}: cannot read {frame[flag_column].iloc[row]!r} (column "
                                     f"{flag_column!r}) as a reply flag; use true/false, yes/no, ja/nein, 1/0 or "
                                     "leave it empty")
    try:
        posts = PostBatch.from_frame(frame, text_column=text_column, columns=columns)
    except DialogclsError as error:
        raise InputError("E405", f"{where}: {error.message}") from None
    unlabelled = [row for row, value in enumerate(frame[label_column].tolist())
                  if is_missing(value) or not str(value).strip()]
    if unlabelled:
        more = f" (and {len(unlabelled) - 1} more rows)" if len(unlabelled) > 1 else ""
        raise InputError("E302", f"{where}, row {unlabelled[0] + 1}{more}: no label in column {label_column!r}; "
                                 "every post needs one of the codebook's labels ['broadcast', 'dialogue']: code "
                                 "it, or leave the row out (`dialogcls sample` sheets may keep uncoded rows)")
    labels = [str(v).strip().lower() for v in frame[label_column].tolist()]
    kinds = None
    if kind_column and kind_column in frame.columns:
        kinds = [str(v).strip().lower() for v in frame[kind_column].tolist()]
    try:
        check_labels(labels, kinds)
    except DialogclsError as error:
        raise InputError(error.code, f"{where}: {error.message}") from None
    _warn_duplicates(posts.text, where)
    return posts, labels, kinds


def _warn_duplicates(texts: list[str], where: str) -> None:
    from .records import duplicate_groups

    groups = duplicate_groups(texts)
    pairs = [(int(first), row) for row, first in enumerate(groups) if first != row]
    if pairs:
        one, other = pairs[0]
        warnings.warn(DialogclsWarning(
            f"[E111] {where}: {len(pairs)} post(s) repeat an earlier one (the first: rows {one + 1} and {other + 1}); "
            "a repeated post can sit in a training and a test fold at once and inflate the cross-validated "
            "scores. Drop the repeats (for example pandas' drop_duplicates('text')) before training."), stacklevel=3)


def check_training_data(labels: list[str], cv: int, where: str) -> None:
    """Refuse labelled data that cannot train with ``cv`` folds: a label missing, or fewer posts of a
    label than folds (E423, exit code 5); checked before training starts.

    Example
    -------
    >>> try:
    ...     check_training_data(["dialogue", "broadcast", "broadcast"], 5, "three.jsonl")
    ... except TrainingDataError as error:
    ...     print(error.code)
    E423
    """
    from .records import LABELS

    counts = {label: sum(1 for value in labels if value == label) for label in LABELS}
    if cv < 2:
        raise TrainingDataError("E424", f"--cv must be at least 2 (the folds of cross-validation), not {cv}")
    missing = [label for label, n in counts.items() if n == 0]
    if missing:
        raise TrainingDataError("E423", f"{where}: the {len(labels)} labelled posts hold no {missing[0]} post; a model "
                                        "needs posts of both labels, dialogue and broadcast")
    if min(counts.values()) < cv:
        have = ", ".join(f"{n} {label}" for label, n in counts.items())
        raise TrainingDataError("E423", f"{where}: {len(labels)} labelled posts ({have}); {cv}-fold cross-validation "
                                        f"needs at least {cv} posts of each label. Label more posts, or lower --cv "
                                        f"(at least 2).")


#: The splits of the project's labelled corpus (``data/{split}.jsonl``), in order.
_CORPUS_SPLITS = ("train", "dev", "test")
#: The fields of every post in the corpus, in file order.
_CORPUS_FIELDS = ("id", "text", "label", "kind", "lang", "platform", "is_reply", "reply_to", "author", "rule",
                 "sector")


def _default_corpus_dir() -> Path | None:
    """The repository's ``data/`` folder when dialogcls runs from a checkout (or an editable
    install of one), else None: the corpus is not part of the installed package."""
    root = Path(__file__).resolve().parents[2]
    data = root / "data"
    return data if (root / "pyproject.toml").is_file() and data.is_dir() else None


def load_corpus(split: str = "train", path: str | os.PathLike | None = None) -> Any:
    """The project's labelled corpus (one split, or all three) as a pandas DataFrame.

    Parameters
    ----------
    split : {"train", "dev", "test", "all"}
        Which split to read. ``"all"`` concatenates train, dev and test in that order and adds a
        ``split`` column naming each post's split.
    path : str or os.PathLike, optional
        The folder holding ``train.jsonl``, ``dev.jsonl`` and ``test.jsonl``. Defaults to the
        repository's ``data/`` folder when dialogcls runs from a checkout (or an editable install of
        one). The corpus is not part of the installed package: with a wheel, pass ``path=``.

    Returns
    -------
    pandas.DataFrame
        One row per post with the columns ``id``, ``text``, ``label``, ``kind``, ``lang``, ``platform``,
        ``is_reply`` (nullable ``boolean``), ``reply_to``, ``author``, ``rule`` (nullable ``Int64``:
        the codebook edge-case rule 1-12 the post exercises, missing for a plain case) and ``sector``
        (plus ``split`` for ``split="all"``).

    Raises
    ------
    InputError
        ``split`` is not one of the four names (E409), the folder or a split file is missing (E403),
        a line is not a JSON object (E406), or a post lacks one of the corpus fields (E405).

    See Also
    --------
    read_labelled : posts, labels and kinds from any labelled table, ready for training.

    Examples
    --------
    >>> from dialogcls import load_corpus
    >>> train = load_corpus("train")  # doctest: +SKIP
    >>> sorted(train["label"].unique())  # doctest: +SKIP
    ['broadcast', 'dialogue']
    >>> import json, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> post = dict(id="x-0001", text="@anna Danke dir!", label="dialogue", kind="reply", lang="de",
    ...             platform="twitter", is_reply=True, reply_to="anna", author="acme", rule=None,
    ...             sector="retail")
    >>> _ = (folder / "dev.jsonl").write_text(json.dumps(post) + "\\n", encoding="utf-8")
    >>> frame = load_corpus("dev", path=folder)
    >>> frame.loc[0, "label"], bool(frame.loc[0, "is_reply"]), frame["rule"].isna().tolist()
    ('dialogue', True, [True])
    """
    import pandas as pd

    if split not in _CORPUS_SPLITS + ("all",):
        raise InputError("E409", f"unknown split {split!r}; choose one of {list(_CORPUS_SPLITS) + ['all']}")
    folder = Path(path) if path is not None else _default_corpus_dir()
    if folder is None:
        raise InputError("E403", "the labelled corpus is not installed with dialogcls: it lives in the "
                                 "repository's data/ folder (train.jsonl, dev.jsonl, test.jsonl). Get the "
                                 "repository and pass path= to that folder, e.g. "
                                 f"load_corpus({split!r}, path='dialogcls/data').")
    if not folder.is_dir():
        raise InputError("E403", f"{folder}: no such corpus folder; pass path= to the folder that holds "
                                 "train.jsonl, dev.jsonl and test.jsonl (the repository's data/ folder)")
    names = _CORPUS_SPLITS if split == "all" else (split,)
    frames = []
    for name in names:
        file = folder / f"{name}.jsonl"
        if not file.is_file():
            raise InputError("E403", f"{file}: no such file; the corpus splits are made by "
                                     "'python data/make_splits.py PARTS_DIR'")
        frame = read_table(file, fmt="jsonl")
        missing = [field for field in _CORPUS_FIELDS if field not in frame.columns]
        if missing and len(frame):
            raise InputError("E405", f"{file}: missing corpus field(s) {missing}; the columns are "
                                     f"{list(frame.columns)}")
        frame = frame.reindex(columns=list(_CORPUS_FIELDS) + [c for c in frame.columns if c not in _CORPUS_FIELDS])
        frame["is_reply"] = frame["is_reply"].astype("boolean")
        frame["rule"] = pd.to_numeric(frame["rule"]).astype("Int64")
        if split == "all":
            frame["split"] = name
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


__all__ = ["read_chunks", "read_table", "read_labelled", "load_corpus", "detect_format", "check_training_data",
           "check_output", "parse_delimiter", "check_encoding", "AtomicWriter", "Chunk", "PostFile", "InputFile",
           "InputError", "OutputError", "TrainingDataError", "FORMATS", "EXTENSIONS", "DELIMITERS", "PRESET_CHOICES",
           "ERROR_COLUMN", "MAX_TEXT_CHARS"]
