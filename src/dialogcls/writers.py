"""Output files: checked before anything is read, written atomically, and never left half-done.

- :func:`check_output` refuses an output that is the input, or that exists and is not a regular
  file (a folder, a FIFO, a device, a symlink), before any row is read.
- :class:`AtomicWriter` writes to a temporary file next to the target and moves it into place only
  when the run completes. Its name carries the writing process's id, so that the next run can tell
  the temporary files of killed runs (SIGKILL, power loss) and remove them
  (:func:`remove_stale_temporaries`).
- Lists and mappings (such as ``cues``) are JSON arrays and objects in CSV and TSV, lists in Parquet
  and JSON Lines. ``excel=True`` writes CSV for German and other European spreadsheets: a byte-order
  mark, ``;`` between fields, ``,`` as decimal mark and CRLF line ends; a text cell that a spreadsheet
  would run as a formula (it starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return, as
  "@anna Danke!" does) gets a leading ``'``, so it is shown as text and never evaluated.

Example
-------
>>> import pandas as pd, tempfile, pathlib
>>> out = pathlib.Path(tempfile.mkdtemp()) / "out.csv"
>>> with AtomicWriter(out) as writer:
...     writer.write(pd.DataFrame({"text": ["a"], "cues": [["thanks", "word_ngrams"]]}))
>>> out.read_text().splitlines()
['text,cues', 'a,"[""thanks"", ""word_ngrams""]"']
"""
from __future__ import annotations

import os
import re
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from .errors import DialogclsError
from .json_rows import json_default, json_lines, to_json
from .readers import detect_format

#: Columns that hold a list of names per row.
LIST_COLUMNS = ("cues",)


class OutputError(DialogclsError):
    """An output path that cannot be written safely: names the path and what to do."""


def _same_file(one: Path, other: Path) -> bool:
    try:
        return os.path.samefile(one, other)
    except OSError:
        return os.path.abspath(one) == os.path.abspath(other)


def check_output(output: str | os.PathLike, inputs: tuple[str | os.PathLike, ...] = ()) -> None:
    """Refuse an output path before anything is read: the input itself (also through a link), a
    folder, or an existing path that is not a regular file (FIFO, device, socket, symlink); and an
    output folder that does not exist. ``-`` (standard output) is always fine.

    Example
    -------
    >>> check_output("-")
    >>> try:
    ...     check_output("posts.csv", inputs=("posts.csv",))
    ... except OutputError as error:
    ...     print(error.code)
    E411
    """
    if str(output) == "-":
        return
    target = Path(output)
    for source in inputs:
        if str(source) != "-" and _same_file(target, Path(source)):
            raise OutputError("E411", f"{output} is also the input: writing it would destroy the posts being read. "
                                      "Name another output file (-o).")
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise OutputError("E412", f"{output}: cannot be checked ({error.strerror}); check the path") from None
    if mode is not None:
        if stat.S_ISDIR(mode):
            raise OutputError("E413", f"{output} is a folder; name a file in it, such as {target / 'scored.csv'}")
        if stat.S_ISLNK(mode):
            raise OutputError("E414", f"{output} is a symbolic link; writing would replace the link, not its "
                                      f"target. Name the file itself ({os.path.realpath(target)}) or another one.")
        if not stat.S_ISREG(mode):
            kind = "FIFO" if stat.S_ISFIFO(mode) else "device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "socket"
            raise OutputError("E415", f"{output} is a {kind}, not a regular file; dialogcls writes a file and moves "
                                      "it into place. For standard output use -o - and redirect.")
    parent = target.parent
    if not parent.is_dir():
        raise OutputError("E407", f"{parent}: the output folder does not exist")


def check_model_output(folder: str | os.PathLike, inputs: tuple[str | os.PathLike, ...] = ()) -> None:
    """Refuse a model folder before training starts: an existing file (or link, FIFO, device) of that
    name, an input file, or a folder that holds other files but no model (``meta.json``).

    Example
    -------
    >>> import tempfile, pathlib
    >>> existing = pathlib.Path(tempfile.mkdtemp()) / "model.bin"
    >>> _ = existing.write_text("not a model folder")
    >>> try:
    ...     check_model_output(existing)
    ... except OutputError as error:
    ...     print(error.code)
    E426
    """
    target = Path(folder)
    for source in inputs:
        if str(source) != "-" and _same_file(target, Path(source)):
            raise OutputError("E411", f"{folder} is also an input of the training; name another model folder (-o)")
    try:
        mode = os.lstat(target).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISDIR(mode):
        raise OutputError("E426", f"{folder} exists and is not a folder; a model is a folder (meta.json, weights.npz, "
                                  "README.md). Name a new folder with -o, or remove the file.")
    entries = [entry.name for entry in target.iterdir()]
    if entries and "meta.json" not in entries:
        raise OutputError("E427", f"{folder} is a folder with other files in it ({', '.join(sorted(entries)[:3])}"
                                  f"{' …' if len(entries) > 3 else ''}) and no model; name a new or empty folder "
                                  "with -o, or a model folder to replace")


_TMP_NAME = re.compile(r"\.(?P<name>.+)\.(?P<pid>\d+)\.[A-Za-z0-9_]+\.tmp")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_temporaries(target: str | os.PathLike) -> list[Path]:
    """Remove the temporary files that runs writing ``target`` left behind when they were killed
    (their process is gone); returns the removed paths. Files of runs still going are kept.

    Example
    -------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / ".out.csv.999999999.x1.tmp").write_text("half")
    >>> [p.name for p in remove_stale_temporaries(folder / "out.csv")]
    ['.out.csv.999999999.x1.tmp']
    """
    target = Path(target)
    removed = []
    try:
        candidates = list(target.parent.glob(f".{glob_escape(target.name)}.*.tmp"))
    except OSError:
        return removed
    for path in candidates:
        match = _TMP_NAME.fullmatch(path.name)
        if match is None or match.group("name") != target.name:
            continue
        pid = int(match.group("pid"))
        if pid != os.getpid() and not _alive(pid):
            try:
                path.unlink()
                removed.append(path)
            except OSError:
                pass
    return removed


def glob_escape(name: str) -> str:
    """``name`` with glob's special characters escaped."""
    return re.sub(r"([*?\[])", r"[\1]", name)


class AtomicWriter:
    """Write a table in chunks to ``path`` (or standard output for ``-``); the file appears only
    when :meth:`close` succeeds, so an interrupted run never leaves a half-written file behind.

    Parameters
    ----------
    path : str or os.PathLike
        The output file, or ``-``.
    fmt : str, optional
        ``csv``, ``tsv``, ``jsonl`` or ``parquet`` (``json`` writes JSON Lines); default from the extension.
    excel : bool
        CSV for spreadsheets: byte-order mark, ``;``, decimal comma, CRLF.
    """

    def __init__(self, path: str | os.PathLike, *, fmt: str | None = None, excel: bool = False) -> None:
        self.path = path
        self.fmt = detect_format(path, fmt) if str(path) != "-" else (fmt or "jsonl")
        if self.fmt == "json":
            self.fmt = "jsonl"
        if excel and self.fmt != "csv":
            raise OutputError("E416", f"--excel writes CSV, but the output {path} is {self.fmt}; name a .csv file "
                                      "or drop --excel")
        self.excel = excel
        self._stdout = str(path) == "-"
        self._tmp: str | None = None
        self._parquet: Any = None
        self._header_written = False
        self._columns: list[str] | None = None
        self.rows = 0
        self._handle: Any = None
        if self._stdout:
            self._handle = sys.stdout
            return
        target = Path(path)
        check_output(target)
        remove_stale_temporaries(target)
        fd, self._tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=".tmp")
        os.close(fd)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(self._tmp, 0o666 & ~umask)  # mkstemp files are private; outputs are ordinary files
        if self.fmt != "parquet":
            self._handle = open(self._tmp, "w", encoding="utf-8-sig" if excel else "utf-8", newline="")

    def write(self, frame: Any, *, absent: list[tuple[str, ...]] | None = None) -> None:
        """Append the rows of a pandas DataFrame. ``absent``: per row, fields that JSON Lines leaves
        out of that row (the fields its input record did not have)."""
        if self.fmt != "jsonl":
            frame = self._same_columns(frame)
        self.rows += len(frame)
        if self.fmt == "jsonl":
            keys = list(frame.columns)
            self._handle.write(json_lines(keys, [_column_values(frame[key]) for key in keys], absent))
        elif self.fmt in ("csv", "tsv"):
            frame = _nested_as_json(frame)
            if self.excel:
                frame = _numbers_as_text(_formulas_as_text(frame))
            separator = "\t" if self.fmt == "tsv" else (";" if self.excel else ",")
            frame.to_csv(self._handle, sep=separator, index=False, header=not self._header_written,
                         lineterminator="\r\n" if self.excel else "\n", decimal="," if self.excel else ".")
            self._header_written = True
        else:
            self._write_parquet(frame)

    def _write_parquet(self, frame: Any) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        frame = frame.copy()
        for column in frame.columns[frame.dtypes == object]:
            frame[column] = _object_column(frame, [json_default(v) if isinstance(v, (np.generic, bytes))
                                                   and not isinstance(v, str) else v for v in frame[column]])
        try:
            table = pa.Table.from_pandas(frame, preserve_index=False)
        except (pa.ArrowException, ValueError, TypeError):
            # Mixed types in a column (a number here, a text there): write those columns as text.
            mixed = {column: _object_column(frame, [None if _missing(v) else _as_text(v) for v in frame[column]])
                     for column in frame.columns[frame.dtypes == object] if not _arrow_can_hold(frame[column])}
            table = pa.Table.from_pandas(frame.assign(**mixed), preserve_index=False)
        if self._parquet is None:
            # A column that is empty in the first chunk (such as 'error') is typed as text, cues as names.
            fields = []
            for field in table.schema:
                if field.name in LIST_COLUMNS:
                    field = field.with_type(pa.list_(pa.string()))
                elif pa.types.is_null(field.type):
                    field = field.with_type(pa.string())
                fields.append(field)
            self._parquet = pq.ParquetWriter(self._tmp, pa.schema(fields))
        try:
            table = table.cast(self._parquet.schema)
        except (pa.ArrowException, ValueError, TypeError):
            columns = {}
            for field in self._parquet.schema:
                column = table.column(field.name)
                if column.null_count == len(column):  # no values (as in an empty chunk) fit any type
                    columns[field.name] = pa.nulls(len(column), field.type)
                    continue
                try:
                    columns[field.name] = column.cast(field.type)
                except (pa.ArrowException, ValueError, TypeError):
                    values = [None if v is None else _as_text(v) for v in column.to_pylist()]
                    if not pa.types.is_string(field.type):
                        raise OutputError("E417", f"the column {field.name!r} changes type after the first {self.rows - len(frame)} "
                                                  "rows and cannot be written to Parquet; write JSON Lines or CSV") from None
                    columns[field.name] = pa.array(values, pa.string())
            table = pa.table(columns, schema=self._parquet.schema)
        self._parquet.write_table(table)

    def _same_columns(self, frame: Any) -> Any:
        """Tables keep the columns of their first chunk; a later chunk may lack some, never add any."""
        if self._columns is None:
            self._columns = list(frame.columns)
        elif list(frame.columns) != self._columns:
            extra = [column for column in frame.columns if column not in self._columns]
            if extra:
                raise OutputError("E410", f"the input gained the field(s) {extra} after the first "
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
            self._handle = None
        if self.fmt == "parquet" and self._parquet is None:
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.table({}), self._tmp)
        self._parquet = None
        check_output(self.path)
        os.replace(self._tmp, self.path)
        self._tmp = None

    def abort(self) -> None:
        """Drop the partial output; the target path is left as it was."""
        try:
            if self._parquet is not None:
                self._parquet.close()
        except Exception:  # noqa: BLE001 - a broken writer must not stop the clean-up
            pass
        self._parquet = None
        if self._handle is not None and not self._stdout:
            self._handle.close()
            self._handle = None
        if self._tmp and os.path.exists(self._tmp):
            os.unlink(self._tmp)
        self._tmp = None

    def __enter__(self) -> "AtomicWriter":
        return self

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        if exc_type is None:
            try:
                self.close()
            except BaseException:
                self.abort()
                raise
        else:
            self.abort()


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value)


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple, dict, np.ndarray)):
        return to_json(value)
    return str(json_default(value))


#: What a spreadsheet reads as the start of a formula (OWASP's list for CSV injection).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _formulas_as_text(frame: Any) -> Any:
    """Text cells that a spreadsheet would evaluate, prefixed with ``'`` (shown as text).

    Example
    -------
    >>> import pandas as pd
    >>> _formulas_as_text(pd.DataFrame({"text": ["@anna Danke!", "=1+1", "ok"], "p": [0.5, -1.0, 2.0]}))["text"].tolist()
    ["'@anna Danke!", "'=1+1", 'ok']
    """
    from pandas.api.types import is_object_dtype, is_string_dtype

    texts = [column for column in frame.columns if is_object_dtype(frame[column]) or is_string_dtype(frame[column])]
    return frame.assign(**{column: _object_column(frame, [f"'{v}" if isinstance(v, str) and v.startswith(_FORMULA_START)
                                                          else v for v in frame[column]]) for column in texts})


#: Digits that a spreadsheet changes on opening: more than 15 (its precision; post ids have 19) or
#: a leading zero.
_DIGITS_CHANGED = re.compile(r"-?(?:0\d+|\d{16,})")


def _numbers_as_text(frame: Any) -> Any:
    """Whole numbers that a spreadsheet would round or strip of leading zeros, as ``="…"`` (shown
    as written, and kept so when the sheet is saved again).

    Example
    -------
    >>> import pandas as pd
    >>> _numbers_as_text(pd.DataFrame({"id": [1234567890123456789, 7], "zip": ["01067", "1"]})).values.tolist()
    [['="1234567890123456789"', '="01067"'], [7, '1']]
    """
    def changed(value: Any) -> bool:
        if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
            return abs(int(value)) >= 10**15
        return isinstance(value, str) and _DIGITS_CHANGED.fullmatch(value) is not None

    columns = {}
    for column in frame.columns[[kind in "iuOT" for kind in frame.dtypes.map(lambda dtype: dtype.kind)]]:
        values = frame[column].tolist()
        if any(changed(value) for value in values):
            columns[column] = _object_column(frame, [f'="{value}"' if changed(value) else value for value in values])
    return frame.assign(**columns) if columns else frame


def _nested_as_json(frame: Any) -> Any:
    """Lists and mappings in object columns as JSON text (for CSV and TSV)."""
    nested = {}
    for column in frame.columns[frame.dtypes == object]:
        values = frame[column].tolist()
        if any(isinstance(v, (list, tuple, dict, np.ndarray)) for v in values):
            nested[column] = _object_column(frame, [
                to_json(v.tolist() if isinstance(v, np.ndarray) else v)
                if isinstance(v, (list, tuple, dict, np.ndarray)) else v for v in values])
    return frame.assign(**nested) if nested else frame


def _object_column(frame: Any, values: list[Any]) -> Any:
    """``values`` as a column of ``frame`` that holds them as they are: assigned as a list, pandas
    would infer a type again and turn integers with a gap into floats (a 19-digit id rounded)."""
    import pandas as pd

    return pd.Series(values, index=frame.index, dtype=object)


def _arrow_can_hold(column: Any) -> bool:
    """Whether Arrow finds one type for the values of a pandas column."""
    import pyarrow as pa

    try:
        pa.array(column, from_pandas=True)
    except (pa.ArrowException, ValueError, TypeError):
        return False
    return True


def _column_values(column: Any) -> list[Any]:
    """A column as Python values with None for every missing value (NaN, ``pd.NA``, NaT): what
    ``to_dict(orient="records")`` gives after ``where(notna(), None)``, without boxing each cell."""
    values = column.tolist()
    for row in np.flatnonzero(column.isna().to_numpy()).tolist():
        values[row] = None
    return values


__all__ = ["AtomicWriter", "OutputError", "check_output", "check_model_output", "remove_stale_temporaries", "LIST_COLUMNS"]
