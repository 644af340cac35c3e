"""Files: formats, streaming in chunks, column mapping, bad-row handling and atomic output.

One place knows the formats: CSV, TSV, JSON Lines, Parquet, and folders written by
``datasets.Dataset.save_to_disk`` (for training data). Readers stream; a bad row is either an error
that names the file, the line and the problem, or (``on_error="skip"``) a row kept in the output with
its problem in the ``error`` column, so that input and output always have the same number of rows.

Example
-------
>>> import tempfile, pathlib
>>> path = pathlib.Path(tempfile.mkdtemp()) / "posts.jsonl"
>>> _ = path.write_text('{"text": "Hallo"}\\n{"text": 5}\\n', encoding="utf-8")
>>> [chunk.frame["text"].tolist() for chunk in read_chunks(path, chunk_size=10, on_error="skip")]
[['Hallo', '']]
"""
from __future__ import annotations

import csv
import json
import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Mapping

import numpy as np

from .errors import DialogclsError
from .records import PostBatch

FORMATS = ("csv", "tsv", "jsonl", "parquet")
_EXTENSIONS = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl",
               ".json": "jsonl", ".parquet": "parquet", ".pq": "parquet"}
#: Longer texts are a bad row (a post is at most a few thousand characters on any platform).
MAX_TEXT_CHARS = 100_000
#: Column that carries a bad row's problem in the output.
ERROR_COLUMN = "error"


class InputError(DialogclsError):
    """A problem with an input file: names the file, the line and what is wrong."""


def detect_format(path: str | os.PathLike, fmt: str | None = None) -> str:
    """The format of ``path``: ``fmt`` if given, else from the extension; ``-`` needs ``fmt`` or is JSON Lines.

    Example
    -------
    >>> detect_format("posts.tsv"), detect_format("x.data", "csv")
    ('tsv', 'csv')
    """
    if fmt:
        if fmt not in FORMATS:
            raise InputError("E401", f"unknown format {fmt!r}; choose one of {list(FORMATS)}")
        return fmt
    if str(path) == "-":
        return "jsonl"
    suffix = Path(path).suffix.lower()
    if suffix not in _EXTENSIONS:
        raise InputError("E401", f"cannot tell the format of {path} from its extension; "
                                 f"pass --format ({', '.join(FORMATS)})")
    return _EXTENSIONS[suffix]


@dataclass
class Chunk:
    """A block of input rows: the frame (every input column, as read) and per-row problems."""

    frame: Any  # pandas.DataFrame
    errors: list[str | None]


def read_chunks(path: str | os.PathLike, *, fmt: str | None = None, chunk_size: int = 8192,
                text_column: str = "text", on_error: str = "raise") -> Iterator[Chunk]:
    """Stream ``path`` in chunks of rows. Bad rows raise :class:`InputError`, or with
    ``on_error="skip"`` are kept with an empty text and their problem in ``Chunk.errors``."""
    if on_error not in ("raise", "skip"):
        raise InputError("E402", f"on_error must be 'raise' or 'skip', not {on_error!r}")
    fmt = detect_format(path, fmt)
    _check_exists(path)
    columns, rows = _open_rows(path, fmt)
    name = "<stdin>" if str(path) == "-" else str(path)
    yield from _chunked(rows, columns, name, chunk_size, text_column, on_error)


def _check_exists(path: str | os.PathLike) -> None:
    if str(path) != "-" and not Path(path).exists():
        raise InputError("E403", f"{path}: no such file")


def _open_rows(path: str | os.PathLike, fmt: str) -> tuple[list[str] | None, Iterator[tuple[int, dict | None, str | None]]]:
    """The columns of ``path`` and an iterator of ``(line, row, problem)``; ``row`` is None when the
    row could not be read at all.

    The columns are known before the first row: the header of CSV and TSV, the schema of Parquet,
    and for JSON Lines files every key that any line has (a first pass over the file). Only JSON
    Lines on standard input cannot be looked ahead into: its columns are None and grow as they come.
    """
    if fmt == "parquet":
        import pyarrow.parquet as pq

        parquet = pq.ParquetFile(path)
        return list(parquet.schema_arrow.names), _parquet_rows(parquet)
    if fmt == "jsonl":
        columns = None if str(path) == "-" else _jsonl_keys(path)
        return columns, _closing(_jsonl_rows, path)
    stream = _open_binary(path)
    decoder = _LineDecoder(stream)
    reader = csv.reader(decoder, delimiter="\t" if fmt == "tsv" else ",", strict=True)
    try:
        header = next(reader)
    except StopIteration:
        header = []
    except csv.Error as error:
        raise InputError("E404", f"{path}, line 1: cannot read the header ({error})") from None
    return header, _closing(lambda _: _delimited_rows(decoder, reader, header), path, stream)


def _iter_rows(path: str | os.PathLike, fmt: str) -> Iterator[tuple[int, dict | None, str | None]]:
    """Rows of ``path`` as ``(line, row, problem)`` (see :func:`_open_rows`), without the first pass."""
    return _closing(_jsonl_rows, path) if fmt == "jsonl" else _open_rows(path, fmt)[1]


def _open_binary(path: str | os.PathLike) -> Any:
    return sys.stdin.buffer if str(path) == "-" else open(path, "rb")


def _closing(rows: Any, path: str | os.PathLike, stream: Any = None) -> Iterator[tuple[int, dict | None, str | None]]:
    """Run ``rows(stream)`` over ``path`` opened in binary, closing the file at the end."""
    stream = stream if stream is not None else _open_binary(path)
    try:
        yield from rows(stream)
    finally:
        if stream is not sys.stdin.buffer:
            stream.close()


def _parquet_rows(parquet: Any) -> Iterator[tuple[int, dict | None, str | None]]:
    line = 0
    for batch in parquet.iter_batches(batch_size=8192):
        for row in batch.to_pylist():
            line += 1
            yield line, row, None


def _jsonl_keys(path: str | os.PathLike) -> list[str]:
    """Every key of the readable JSON objects in ``path``, in order of first appearance."""
    keys: dict[str, None] = {}
    with open(path, "rb") as stream:
        for _, row, _ in _jsonl_rows(stream):
            if row is not None:
                keys.update(dict.fromkeys(row))
    return list(keys)


def _jsonl_rows(stream: Any) -> Iterator[tuple[int, dict | None, str | None]]:
    for line, raw in enumerate(stream, 1):
        if not raw.strip():
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as error:
            yield line, None, f"invalid UTF-8 at byte {error.start}"
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError as error:
            yield line, None, f"malformed JSON ({error.msg} at column {error.colno})"
            continue
        if not isinstance(row, dict):
            yield line, None, f"a JSON line must be an object, not {type(row).__name__}"
            continue
        yield line, row, None


class _LineDecoder:
    """Decode a binary stream line by line for ``csv``; remembers which lines were not UTF-8."""

    def __init__(self, stream: Any) -> None:
        self.stream = stream
        self.line = 0
        self.bad_lines: set[int] = set()

    def __iter__(self) -> "_LineDecoder":
        return self

    def __next__(self) -> str:
        raw = next(self.stream)
        self.line += 1
        try:
            return raw.decode("utf-8-sig" if self.line == 1 else "utf-8")
        except UnicodeDecodeError:
            self.bad_lines.add(self.line)
            return raw.decode("utf-8", errors="replace")


def _delimited_rows(decoder: _LineDecoder, reader: Any, header: list[str]) -> Iterator[tuple[int, dict | None, str | None]]:
    while True:
        start = decoder.line + 1
        try:
            values = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            yield start, None, f"malformed row ({error})"
            continue
        if not values:
            continue
        bad = [n for n in range(start, decoder.line + 1) if n in decoder.bad_lines]
        if bad:
            yield start, None, "invalid UTF-8"
        elif len(values) != len(header):
            yield start, None, f"malformed row: {len(values)} fields where the header has {len(header)}"
        else:
            yield start, dict(zip(header, values)), None


def _chunked(rows: Iterator[tuple[int, dict | None, str | None]], columns: list[str] | None, name: str,
             chunk_size: int, text_column: str, on_error: str) -> Iterator[Chunk]:
    import pandas as pd

    def check(columns: list[str]) -> None:
        if columns and text_column not in columns:
            raise InputError("E405", f"{name}: no column {text_column!r}; the columns are {columns}. "
                                     "Name the text column with --text-column.")

    growing = columns is None
    columns = list(columns or [])
    check(columns)
    buffer: list[dict] = []
    errors: list[str | None] = []
    for line, row, problem in rows:
        if row is not None and growing:
            new = [key for key in row if key not in columns]
            if new:
                columns += new
                check(columns)
        if row is not None and problem is None:
            problem = _text_problem(row.get(text_column))
        if problem is not None:
            if on_error == "raise":
                raise InputError("E406", f"{name}, line {line}: {problem} (use --on-error skip to score the "
                                         "other rows and mark this one)")
            row = dict(row or {})
            row[text_column] = ""
        buffer.append(row)
        errors.append(problem)
        if len(buffer) >= chunk_size:
            yield Chunk(pd.DataFrame(buffer, columns=columns or [text_column]), errors)
            buffer, errors = [], []
    if buffer:
        yield Chunk(pd.DataFrame(buffer, columns=columns or [text_column]), errors)


def _text_problem(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and value != value):
        return "empty text"
    if not isinstance(value, str):
        return f"the text is a {type(value).__name__}, not a string"
    if not value.strip():
        return "empty text"
    if len(value) > MAX_TEXT_CHARS:
        return f"the text has {len(value):,} characters (more than {MAX_TEXT_CHARS:,}); not a post"
    return None


class AtomicWriter:
    """Write a table in chunks to ``path`` (or standard output for ``-``); the file appears only
    when :meth:`close` succeeds, so an interrupted run never leaves a half-written file behind.

    Example
    -------
    >>> import pandas as pd, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "out.csv"
    >>> with AtomicWriter(out) as writer:
    ...     writer.write(pd.DataFrame({"text": ["a"], "label": ["dialogue"]}))
    >>> out.read_text().splitlines()
    ['text,label', 'a,dialogue']
    """

    def __init__(self, path: str | os.PathLike, *, fmt: str | None = None) -> None:
        self.path = path
        self.fmt = detect_format(path, fmt) if str(path) != "-" else (fmt or "jsonl")
        self._stdout = str(path) == "-"
        self._tmp: Any = None
        self._parquet: Any = None
        self._header_written = False
        self._columns: list[str] | None = None
        self.rows = 0
        if self._stdout:
            self._handle = sys.stdout
        else:
            target = Path(path)
            if target.parent and not target.parent.exists():
                raise InputError("E407", f"{target.parent}: the output folder does not exist")
            fd, self._tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.", suffix=".tmp")
            os.close(fd)
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(self._tmp, 0o666 & ~umask)  # mkstemp files are private; outputs are ordinary files
            self._handle = None if self.fmt == "parquet" else open(self._tmp, "w", encoding="utf-8", newline="")

    def write(self, frame: Any) -> None:
        """Append the rows of a pandas DataFrame."""
        if self.fmt != "jsonl":
            frame = self._same_columns(frame)
        self.rows += len(frame)
        if self.fmt == "jsonl":
            frame = frame.astype(object).where(frame.notna(), None)
            for record in frame.to_dict(orient="records"):
                self._handle.write(json.dumps(record, ensure_ascii=False, default=_json_default) + "\n")
        elif self.fmt in ("csv", "tsv"):
            frame.to_csv(self._handle, sep="\t" if self.fmt == "tsv" else ",", index=False,
                         header=not self._header_written, lineterminator="\n")
            self._header_written = True
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._parquet is None:
                # A column that is empty in the first chunk (such as 'error') is typed as text.
                schema = pa.schema([field.with_type(pa.string()) if pa.types.is_null(field.type) else field
                                    for field in table.schema])
                self._parquet = pq.ParquetWriter(self._tmp, schema)
                table = table.cast(schema)
            else:
                table = table.cast(self._parquet.schema)
            self._parquet.write_table(table)

    def _same_columns(self, frame: Any) -> Any:
        """Tables keep the columns of their first chunk; a later chunk may lack some, never add any."""
        if self._columns is None:
            self._columns = list(frame.columns)
        elif list(frame.columns) != self._columns:
            extra = [column for column in frame.columns if column not in self._columns]
            if extra:
                raise InputError("E410", f"the input gained the field(s) {extra} after the first "
                                         f"{self.rows} rows; a {self.fmt} file cannot add columns on the way. "
                                         "Read from a file (its fields are collected first) or write JSON Lines.")
            frame = frame.reindex(columns=self._columns)
        return frame

    def close(self) -> None:
        """Finish and move the file into place."""
        if self._parquet is not None:
            self._parquet.close()
        if self._stdout:
            self._handle.flush()
            return
        if self._handle is not None:
            self._handle.close()
        if self.fmt == "parquet" and self._parquet is None:
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.table({}), self._tmp)
        os.replace(self._tmp, self.path)
        self._tmp = None

    def abort(self) -> None:
        """Drop the partial output; the target path is left as it was."""
        if self._parquet is not None:
            self._parquet.close()
        if self._handle is not None and not self._stdout:
            self._handle.close()
        if self._tmp and os.path.exists(self._tmp):
            os.unlink(self._tmp)
        self._tmp = None

    def __enter__(self) -> "AtomicWriter":
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def read_table(data: Any, *, fmt: str | None = None) -> Any:
    """Read a whole table (for training and evaluation) into a pandas DataFrame.

    ``data`` is a DataFrame, a list of mappings, a file path, or a folder saved by ``datasets``.
    Bad rows raise :class:`InputError` with the file and line.
    """
    import pandas as pd

    if hasattr(data, "columns"):
        return data
    if isinstance(data, (list, tuple)):
        return pd.DataFrame(list(data))
    path = Path(data)
    if path.is_dir():
        try:
            from datasets import load_from_disk
        except ImportError as error:  # pragma: no cover - datasets is a dependency
            raise InputError("E408", "reading a saved dataset needs the 'datasets' package") from error
        dataset = load_from_disk(str(path))
        if hasattr(dataset, "keys") and not hasattr(dataset, "to_pandas"):
            split = "train" if "train" in dataset else list(dataset.keys())[0]
            dataset = dataset[split]
        return dataset.to_pandas()
    _check_exists(path)
    fmt = detect_format(path, fmt)
    rows = []
    for line, row, problem in _iter_rows(path, fmt):
        if problem is not None:
            raise InputError("E406", f"{path}, line {line}: {problem}")
        rows.append(row)
    return pd.DataFrame(rows)


def read_labelled(data: Any, *, text_column: str = "text", label_column: str = "label",
                  kind_column: str | None = "kind", columns: Mapping[str, str] | None = None,
                  fmt: str | None = None) -> tuple[PostBatch, list[str], list[str] | None]:
    """Posts, labels and (when present) kinds from labelled data, with column mapping and checks.

    Example
    -------
    >>> posts, labels, kinds = read_labelled([{"text": "Hi @a", "label": "dialogue", "kind": "reply"}])
    >>> posts.text, labels, kinds
    (['Hi @a'], ['dialogue'], ['reply'])
    """
    from .model import check_labels

    frame = read_table(data, fmt=fmt)
    where = data if isinstance(data, (str, os.PathLike)) else "the data"
    for column in (text_column, label_column):
        if column not in frame.columns:
            raise InputError("E405", f"{where}: no column {column!r}; the columns are {list(frame.columns)}")
    try:
        posts = PostBatch.from_frame(frame, text_column=text_column, columns=columns)
    except DialogclsError as error:
        raise InputError("E405", f"{where}: {error.message}") from None
    for row, value in enumerate(frame[text_column].tolist()):
        problem = _text_problem(value)
        if problem:
            raise InputError("E406", f"{where}, row {row + 1}: {problem}")
    labels = [str(v).strip().lower() for v in frame[label_column].tolist()]
    kinds = None
    if kind_column and kind_column in frame.columns:
        kinds = [str(v).strip().lower() for v in frame[kind_column].tolist()]
    try:
        check_labels(labels, kinds)
    except DialogclsError as error:
        raise InputError(error.code, f"{where}: {error.message}") from None
    return posts, labels, kinds


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


__all__ = ["read_chunks", "read_table", "read_labelled", "load_corpus", "detect_format", "AtomicWriter", "Chunk",
           "InputError", "FORMATS", "ERROR_COLUMN", "MAX_TEXT_CHARS"]
