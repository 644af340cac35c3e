"""Rows into posts: the columns, platform exports, bad rows and chunks of one input file.

:class:`PostFile` opens an input file with :mod:`dialogcls.readers` (formats, encodings,
delimiters), recognises a platform export with :mod:`dialogcls.exports`, maps the columns to the
post's fields, and streams :class:`Chunk` objects: the rows as read, the posts to score and each
row's problem. A bad row raises (E406, naming the file, the line and the post) or, with
``on_error="skip"``, stays in the output with every field that could be read. An empty text is a
post, scored like any other.

Example
-------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "posts.csv"
>>> _ = path.write_text("id;text;is_reply\\n1;Danke!;ja\\n2;;nein\\n", encoding="utf-8")
>>> with PostFile(path) as source:
...     chunk = next(source.chunks())
>>> source.delimiter, chunk.posts.text, chunk.posts.is_reply
(';', ['Danke!', ''], [True, False])
"""
from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator, Mapping

from . import exports
from .errors import DialogclsError
from .json_rows import json_document_rows, jsonl_rows, parse_json
from .readers import (CsvReader, FileProblem, InputError, LineSource, RawRow, check_encoding, detect_encoding,
                      detect_format, packed_problem, parse_delimiter)
from .records import METADATA_FIELDS, PostBatch, parse_bool

#: Longer texts are a bad row (a post is at most a few thousand characters on any platform).
MAX_TEXT_CHARS = 100_000
#: Values of ``preset``: recognise the platform from the fields, read the fields as they are, or one platform.
PRESET_CHOICES = ("auto", "none") + exports.PRESETS
_POST_FIELDS = ("text",) + METADATA_FIELDS
_TEXT_GUESSES = ("message", "content", "body", "caption", "tweet", "full_text", "post", "commentary", "Text", "TEXT",
                 "Post title", "Beitrag", "Nachricht")


class InputFile(os.PathLike):
    """A path with the options it is read with, accepted wherever a path is (``train``, ``evaluate``).

    Example
    -------
    >>> source = InputFile("excel.csv", encoding="cp1252", delimiter=";")
    >>> os.fspath(source), source.options["delimiter"]
    ('excel.csv', ';')
    """

    def __init__(self, path: str | os.PathLike, *, fmt: str | None = None, encoding: str | None = None,
                 delimiter: str | None = None, preset: str = "auto") -> None:
        self.path = os.fspath(path)
        self.options = {"fmt": fmt, "encoding": encoding, "delimiter": delimiter, "preset": preset}

    def __fspath__(self) -> str:
        return self.path

    def __str__(self) -> str:
        return self.path

    def __repr__(self) -> str:
        return f"InputFile({self.path!r}, **{self.options!r})"


@dataclass
class Chunk:
    """A block of input rows: the frame (every input field as read, plus the post fields a platform
    export gives), per-row problems, the posts to score (bad rows as empty posts without metadata),
    the share cue of plain shares (codebook rule 10), and how far into the file the chunk ends."""

    frame: Any  # pandas.DataFrame
    errors: list[str | None]
    posts: PostBatch | None = None
    shares: list[str | None] = field(default_factory=list)
    position: int = 0
    #: Per row, the fields that its record lacked and that the frame fills with missing values (None
    #: when every row has every field): JSON Lines output leaves them out, as the record did.
    absent: list[tuple[str, ...]] | None = None


class PostFile:
    """An input file opened for reading posts: its format, encoding, delimiter, platform and fields.

    Parameters
    ----------
    path : str or os.PathLike
        The file (``-`` for standard input), a ``datasets`` folder, or an :class:`InputFile`.
    fmt, encoding, delimiter : str, optional
        As :func:`read_chunks` takes them; detected when None.
    preset : str
        ``auto`` (recognise a platform export from its fields), ``none``, or one of
        :data:`dialogcls.exports.PRESETS`.
    text_column : str or None
        The column of the text; None reads a table without checking texts (:func:`read_table`).
    columns : mapping, optional
        Metadata fields mapped to column names (``{"is_reply": "in_reply_to_user_id"}``).
    platform : str, optional
        The platform of every post (a constant, as ``--platform``).
    on_error : {"raise", "skip"}
    scan_fields : bool
        Read a JSON Lines file once ahead to collect every field (needed for tables with fixed
        columns); without it the fields grow as they come.
    """

    def __init__(self, path: str | os.PathLike, *, fmt: str | None = None, encoding: str | None = None,
                 delimiter: str | None = None, preset: str = "auto", text_column: str | None = "text",
                 columns: Mapping[str, str] | None = None, platform: str | None = None, on_error: str = "raise",
                 scan_fields: bool = True) -> None:
        if isinstance(path, InputFile):
            options = path.options
            fmt, encoding = fmt or options["fmt"], encoding or options["encoding"]
            delimiter = delimiter or options["delimiter"]
            preset = options["preset"] if preset == "auto" else preset
        if on_error not in ("raise", "skip"):
            raise InputError("E402", f"on_error must be 'raise' or 'skip', not {on_error!r}")
        if preset not in PRESET_CHOICES:
            raise InputError("E422", f"unknown preset {preset!r}; choose one of {list(PRESET_CHOICES)}")
        self.path = os.fspath(path) if str(path) != "-" else "-"
        self.name = "<stdin>" if self.path == "-" else self.path
        self.on_error, self.text_column = on_error, text_column
        self.explicit = {name: column for name, column in (columns or {}).items() if column}
        if text_column not in (None, "text"):
            self.explicit["text"] = text_column
        self.platform = platform or None
        self._sources = [(name, self.explicit.get(name, name)) for name in _POST_FIELDS]
        self.encoding, self.delimiter = check_encoding(encoding), parse_delimiter(delimiter)
        self._closers: list[Any] = []
        self.total: int | None = None
        self.total_unit = "B"
        self.unit = "line"
        self._position = lambda: 0
        if self.path != "-":
            target = Path(self.path)
            if not target.exists():
                raise InputError("E403", f"{self.path}: no such file")
            if target.is_dir() and not _is_dataset_folder(target):
                raise InputError("E418", f"{self.path} is a folder, not a file; pass a CSV, TSV, JSON Lines, JSON or "
                                         "Parquet file (or a folder written by datasets' save_to_disk)")
        self.fmt = "dataset" if self.path != "-" and Path(self.path).is_dir() else detect_format(self.path, fmt)
        try:
            self.fields, self._rows = self._open(scan_fields)
        except FileProblem as problem:
            self.close()
            raise InputError("E421", f"{self.name}: {problem}") from None
        except BaseException:
            self.close()
            raise
        self.preset = self._choose_preset(preset)
        self.overrides = set(exports.OVERRIDES.get(self.preset or "", ()))
        self.added = [name for name in exports.DERIVED_FIELDS.get(self.preset or "", ())
                      if self.fields is None or name not in self.fields]
        if self.platform and "platform" not in self.added and (self.fields is None or "platform" not in self.fields):
            self.added.append("platform")
        if self.fields is not None:
            self._check_columns(self.fields)

    # -- opening -----------------------------------------------------------------------------------
    def _open(self, scan_fields: bool) -> tuple[list[str] | None, Iterator[RawRow]]:
        if self.fmt == "dataset":
            from .frames import dataset_rows

            names, rows = dataset_rows(self.path)
            self.unit, self.total_unit = "row", "posts"
            counter = _Counter()
            self._position = lambda: counter.n
            return list(names), counter.wrap(RawRow(*row) for row in rows)
        if self.fmt == "parquet":
            if self.path == "-":
                raise FileProblem("Parquet cannot be read from standard input; pass the file")
            parquet = open_parquet(self.path)
            self.unit, self.total_unit, self.total = "row", "posts", parquet.metadata.num_rows
            counter = _Counter()
            self._position = lambda: counter.n
            return list(parquet.schema_arrow.names), counter.wrap(parquet_rows(parquet))
        stream = self._binary()
        packed = packed_problem(_peek(stream)[:4])
        if packed:
            raise FileProblem(packed)
        if self.fmt == "json":
            head = _peek(stream)
            if _json_layout(head, self.encoding) == "document":
                data = stream.read()
                self.unit, self.total_unit = "post", "posts"
                records = list(json_document_rows(data, self.encoding, exports.unpack))
                self.total = len(records)
                counter = _Counter()
                self._position = lambda: counter.n
                return _fields_of(records), counter.wrap(iter(records))
            self.fmt = "jsonl"
        source = LineSource(stream, self.encoding)
        self.encoding = source.encoding
        self._position = lambda: source.position
        if self.fmt == "jsonl":
            fields = None
            if scan_fields and self.path != "-":
                with open(self.path, "rb", buffering=1 << 16) as ahead:
                    fields = _fields_of(jsonl_rows(LineSource(ahead, self.encoding), exports.unpack))
            return fields, jsonl_rows(source, exports.unpack)
        reader = CsvReader(source, self.delimiter or ("\t" if self.fmt == "tsv" else None))
        self.delimiter = reader.delimiter
        return list(reader.header), iter(reader)

    def _binary(self) -> Any:
        if self.path == "-":
            return sys.stdin.buffer
        try:
            stream = open(self.path, "rb", buffering=1 << 16)
        except OSError as error:
            raise FileProblem(f"cannot be opened ({error.strerror})") from None
        self._closers.append(stream)
        self.total = os.fstat(stream.fileno()).st_size or None
        return stream

    def _choose_preset(self, preset: str) -> str | None:
        if preset == "none":
            return None
        if preset != "auto":
            return preset
        if self.fields is not None:
            return exports.detect(self.fields)
        first: list[RawRow] = []
        for row in self._rows:  # standard input: recognise the export from its first readable records
            first.append(row)
            if row.record is not None or len(first) >= 100:
                break
        rows, self._rows = self._rows, None
        self._rows = _chain(first, rows)
        return next((exports.detect(row.record) for row in first if row.record is not None), None)

    def _check_columns(self, fields: list[str]) -> None:
        for name, column in self.explicit.items():
            if column not in fields:
                option = "--text-column" if name == "text" else f"the column for {name}"
                raise InputError("E405", f"{self.name}: no column {column!r} ({option}); the columns are {fields}")
        text_given = "text" in self.explicit or "text" in fields or (self.preset and "text" in self.added)
        if self.text_column is not None and not text_given and fields:
            guess = next((name for name in _TEXT_GUESSES if name in fields), None)
            hint = f" (perhaps --text-column {guess!r})" if guess else ""
            raise InputError("E405", f"{self.name}: no column 'text'; the columns are {fields}. Name the text "
                                     f"column with --text-column{hint}.")

    # -- rows --------------------------------------------------------------------------------------
    def where(self, location: int, record: Mapping[str, Any] | None = None) -> str:
        """``file, line 5 (post id 'x')``: where a row is, for messages."""
        post_id = record.get(self.explicit.get("id", "id")) if isinstance(record, Mapping) else None
        ident = f" (post id {post_id!r})" if isinstance(post_id, (str, int)) and post_id != "" else ""
        return f"{self.name}, {self.unit} {location}{ident}"

    def chunks(self, chunk_size: int = 8192) -> Iterator[Chunk]:
        """The rows in chunks of ``chunk_size``; a bad row raises :class:`InputError` (E406) or, with
        ``on_error="skip"``, is kept with its problem."""
        import pandas as pd

        growing = self.fields is None
        columns = [] if growing else list(self.fields) + [name for name in self.added if name not in self.fields]
        added_placed = not growing
        rows: list[dict] = []
        errors: list[str | None] = []
        shares: list[str | None] = []
        texts: list[str] = []
        metadata: dict[str, list[Any]] = {name: [] for name in METADATA_FIELDS}
        yielded = False

        def chunk() -> Chunk:
            frame = _keep_integers(pd.DataFrame(rows, columns=columns or ["text"]), rows)
            posts = PostBatch.from_columns(texts, **metadata) if self.text_column is not None else None
            width = len(columns)
            absent = ([tuple(c for c in columns if c not in row) if len(row) < width else () for row in rows]
                      if growing and any(len(row) < width for row in rows) else None)
            return Chunk(frame, list(errors), posts, list(shares), self._position(), absent)

        try:
            for location, record, problem in self._rows:
                if record is not None and growing:
                    new = [key for key in record if key not in columns]
                    if not added_placed:  # the fields an export adds follow the first record's fields
                        self.added = [name for name in self.added if name not in record]
                        new += [name for name in self.added if name not in new]
                        added_placed = True
                    if new:
                        columns += new
                        self._check_columns([c for c in columns if c not in self.added])
                row, post, share, problem = self._read(location, record, problem)
                rows.append(row)
                errors.append(None if problem is None else f"{self.unit} {location}: {problem}")
                shares.append(share)
                texts.append(post.pop("text"))
                for name in METADATA_FIELDS:
                    metadata[name].append(post.get(name))
                if len(rows) >= chunk_size:
                    yield chunk()
                    yielded = True
                    rows, errors, shares, texts = [], [], [], []
                    metadata = {name: [] for name in METADATA_FIELDS}
        except FileProblem as problem:
            raise InputError("E421", f"{self.name}: {problem}") from None
        if rows or (not yielded and columns):
            yield chunk()  # a file with a header and no rows still gives its columns

    def _read(self, location: int, record: dict | None,
              problem: str | None) -> tuple[dict, dict[str, Any], str | None, str | None]:
        """The output row, the post to score, the share cue and the problem of one raw row."""
        row = dict(record) if record is not None else {}
        derived: dict[str, Any] = {}
        share = None
        if self.preset and record is not None:
            try:
                derived, share = exports.derive(record, self.preset)
            except (TypeError, ValueError, AttributeError, KeyError) as error:
                problem = problem or f"cannot read the {exports.NAMES[self.preset]} fields ({error})"
        for name in self.added:
            if name in derived and name not in row:
                row[name] = derived[name]
        if self.platform and "platform" not in row:
            row["platform"] = self.platform
        if self.text_column is None:  # a table: the export's fields replace what they override
            for name, value in derived.items():
                if name not in record or name in self.overrides:
                    row[name] = value
        if self.preset or self.platform:
            post = {name: self._value(name, record or {}, derived) for name in _POST_FIELDS}
        else:  # plain columns: the fast path
            get = (record or {}).get
            post = {name: get(column) for name, column in self._sources}
        if problem is None and self.text_column is not None:
            problem = _text_problem(post["text"])
        if problem is None:
            try:
                post["is_reply"] = parse_bool(post["is_reply"])
            except DialogclsError:
                column = self.explicit.get("is_reply", "is_reply")
                problem = (f"cannot read {post['is_reply']!r} (column {column!r}) as a reply flag; use true/false, "
                           "yes/no, ja/nein, 1/0, the id of the post replied to, or leave it empty")
        if problem is not None:
            if self.on_error == "raise":
                raise InputError("E406", f"{self.where(location, record)}: {problem} (use --on-error skip to score "
                                         "the other rows and mark this one)")
            post, share = {"text": ""}, None
        elif not isinstance(post["text"], str):
            post["text"] = ""  # a missing text: an empty post
        return row, post, share, problem

    def _value(self, name: str, record: Mapping[str, Any], derived: Mapping[str, Any]) -> Any:
        column = self.explicit.get(name)
        if column is not None:
            return record.get(column)
        if name == "platform" and self.platform:
            return self.platform
        if name in derived and (name not in record or name in self.overrides):
            return derived[name]
        return record.get(name)

    def close(self) -> None:
        """Close the file (standard input stays open)."""
        for stream in self._closers:
            stream.close()
        self._closers = []

    def __enter__(self) -> "PostFile":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


class _Counter:
    """Counts the rows that pass through (progress for formats read by rows)."""

    def __init__(self) -> None:
        self.n = 0

    def wrap(self, rows: Iterator[RawRow]) -> Iterator[RawRow]:
        for row in rows:
            self.n += 1
            yield row


def _chain(first: list[RawRow], rest: Iterator[RawRow]) -> Iterator[RawRow]:
    yield from first
    yield from rest


def _peek(stream: Any) -> bytes:
    try:
        return stream.peek(1 << 16)[:1 << 16]
    except (AttributeError, OSError, ValueError):
        return b""


def _is_dataset_folder(folder: Path) -> bool:
    return any((folder / name).is_file() for name in ("dataset_info.json", "state.json", "dataset_dict.json"))


def _json_layout(head: bytes, encoding: str | None) -> str:
    """``"lines"`` when one of the first lines of a ``.json`` file is a JSON value of its own, else
    ``"document"`` (an array, or one object over many lines)."""
    name, bom = detect_encoding(head, encoding)
    text = head[bom:].decode(name, errors="replace").lstrip()
    if text.startswith("["):
        return "document"
    lines = [line for line in text.split("\n")[:4] if line.strip()]
    if any(parse_json(line)[1] is None for line in lines[:3] if len(lines) > 1 or len(head) < 1 << 16):
        return "lines"
    return "document" if text.startswith("{") else "lines"


def _fields_of(rows: Any) -> list[str]:
    """Every field of the readable rows, in order of first appearance."""
    keys: dict[str, None] = {}
    for row in rows:
        if row.record is not None:
            keys.update(dict.fromkeys(row.record))
    return list(keys)


def _keep_integers(frame: Any, rows: list[dict]) -> Any:
    """``frame`` with its integers as read: pandas stores a column of integers with a missing value
    as floats, which would write a count of 5 as 5.0 and round a 19-digit post id. Such a column
    keeps the values of ``rows`` (None where a row has none).

    Example
    -------
    >>> import pandas as pd
    >>> rows = [{"id": 1234567890123456789}, {}]
    >>> _keep_integers(pd.DataFrame(rows, columns=["id"]), rows)["id"].tolist()
    [1234567890123456789, None]
    """
    import pandas as pd

    for name in frame.columns[(frame.dtypes == "float64").to_numpy()]:
        values = [row.get(name) for row in rows]
        if any(type(value) is int for value in values):
            frame[name] = pd.Series(values, index=frame.index, dtype=object)
    return frame


def _text_problem(value: Any) -> str | None:
    """What makes a text cell unscorable, or None. A missing or empty text is a post (scored)."""
    if value is None or (isinstance(value, float) and value != value) or type(value).__name__ == "NAType":
        return None
    if not isinstance(value, str):
        kind = {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "an object"}.get(
            type(value), f"a {type(value).__name__}")
        return f"the text is {kind}, not a string"
    if len(value) > MAX_TEXT_CHARS:
        return f"the text has {len(value):,} characters (more than {MAX_TEXT_CHARS:,}); not a post"
    return None


# -- Parquet -----------------------------------------------------------------------------------------

def open_parquet(path: Any) -> Any:
    """A ``pyarrow.parquet.ParquetFile``; raises :class:`FileProblem` for an empty or damaged file."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return pq.ParquetFile(path)
    except (pa.ArrowException, OSError, ValueError) as error:
        reason = str(error).split("\n")[0]
        if "size is 0" in reason:
            raise FileProblem("the file is empty (0 bytes), not a Parquet file") from None
        raise FileProblem(f"not a readable Parquet file ({reason}); check that it was written completely, "
                          "or pass --format if it is another format") from None


def parquet_rows(parquet: Any, batch_size: int = 8192) -> Iterator[RawRow]:
    """Rows of a Parquet file; a damaged row group raises :class:`FileProblem`."""
    import pyarrow as pa

    line = 0
    batches = parquet.iter_batches(batch_size=batch_size)
    while True:
        try:
            batch = next(batches)
        except StopIteration:
            return
        except (pa.ArrowException, OSError) as error:
            raise FileProblem(f"after row {line}: the Parquet data is damaged ({str(error).splitlines()[0]})") from None
        for record in batch.to_pylist():
            line += 1
            yield RawRow(line, record, None)


__all__ = ["PostFile", "InputFile", "Chunk", "MAX_TEXT_CHARS", "PRESET_CHOICES"]
