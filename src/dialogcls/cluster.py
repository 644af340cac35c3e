"""Scoring on Dask, for the posts that outgrow one machine.

A model is plain data (its configuration and arrays, as in a model folder), so it travels as a
:class:`ModelState`: with a ``distributed`` client it is scattered to every worker once
(``client.scatter(..., broadcast=True)``), each partition's task depends on that one copy, and
each worker process builds the classifier from it once, cached by the model's sha256
(:func:`model_key`). Without a client (Dask's threaded scheduler) the model object is used as it is.

:func:`classify_files` is ``python -m dialogcls classify "in/*.parquet" -o out/ --scheduler
local|ADDRESS``: Parquet files in, a folder of Parquet parts out, with as many rows out as in.

====  ====================================================================================
E140  the input pattern matches no file
E141  an input file is not Parquet (the Dask path reads Parquet; convert, or drop --scheduler)
E142  the input files do not have the same columns
E143  the output folder exists and is not empty
E144  the Dask scheduler cannot be reached
E145  a file pattern without ``--scheduler``
E146  the output lost or gained rows (a bug: please report it)
====  ====================================================================================

Example
-------
>>> import dask.dataframe as dd, pandas as pd
>>> from dialogcls.frames import classify_frame
>>> posts = dd.from_pandas(pd.DataFrame({"text": ["@anna Danke dir!", "Neu im Shop: https://t.co/x"]}), npartitions=2)
>>> classify_frame(posts)["label"].compute().tolist()
['dialogue', 'broadcast']
"""
from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import sys
import threading
import uuid
from collections import OrderedDict
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator, Mapping

from .errors import DialogclsError

#: Models kept per process, by :func:`model_key` (a worker rarely sees more than one).
_MAX_CACHED = 4
_CACHE: "OrderedDict[str, Any]" = OrderedDict()
_CACHE_LOCK = threading.Lock()
#: Rows per partition when Parquet files are split by row groups.
PARTITION_ROWS = 100_000


class ModelState:
    """A fitted model as plain data (:meth:`~dialogcls.model.DialogueClassifier.get_config` and
    ``get_arrays``) with its :func:`model_key`: what travels to Dask workers. Pickles as data only.

    Example
    -------
    >>> import dialogcls
    >>> state = ModelState.of(dialogcls.load())
    >>> state.build().predict(["@anna Danke dir!"]).tolist()
    ['dialogue']
    """

    def __init__(self, config: Mapping[str, Any], arrays: Mapping[str, Any], key: str) -> None:
        self.config = dict(config)
        self.arrays = dict(arrays)
        self.key = key

    @classmethod
    def of(cls, model: Any) -> "ModelState":
        """The state of a fitted model."""
        return cls(model.get_config(), model.get_arrays(), model_key(model))

    def build(self) -> Any:
        """The classifier, built once per process and cached by key."""
        with _CACHE_LOCK:
            model = _CACHE.get(self.key)
            if model is not None:
                _CACHE.move_to_end(self.key)
                return model
        from .model import DialogueClassifier

        return remember(self.key, DialogueClassifier.from_state(self.config, self.arrays))

    def __dask_tokenize__(self) -> str:
        return self.key


def model_key(model: Any) -> str:
    """The sha256 of a fitted model's configuration and arrays: equal for equal models.

    Example
    -------
    >>> import dialogcls
    >>> len(model_key(dialogcls.load()))
    64
    """
    digest = hashlib.sha256(json.dumps(model.get_config(), sort_keys=True, default=str).encode("utf-8"))
    for name, array in sorted(model.get_arrays().items()):
        digest.update(name.encode("utf-8"))
        digest.update(repr(array.shape).encode("utf-8"))
        digest.update(array.tobytes())
    return digest.hexdigest()


def remember(key: str, model: Any) -> Any:
    """Keep ``model`` in this process's cache under ``key``; returns it."""
    with _CACHE_LOCK:
        _CACHE[key] = model
        _CACHE.move_to_end(key)
        while len(_CACHE) > _MAX_CACHED:
            _CACHE.popitem(last=False)
    return model


def active_client() -> Any:
    """The current ``distributed`` client, or None (also when ``distributed`` is not imported)."""
    if "distributed" not in sys.modules:
        return None
    from distributed import default_client

    try:
        return default_client()
    except ValueError:
        return None


def ship_model(model: Any) -> Any:
    """What the partitions' tasks get: with a client, a future of the :class:`ModelState`
    scattered to every worker once; without one, the state, with the model already cached here."""
    state = ModelState.of(model)
    remember(state.key, model)
    client = active_client()
    if client is None:
        return state
    [future] = client.scatter([state], broadcast=True, hash=False)
    return future


def score_partition(partition: Any, state: ModelState, *, text_column: str, columns: Mapping[str, str],
                    batch_size: int, names: Mapping[str, str]) -> Any:
    """Score one pandas partition (runs on a worker): the model comes from the process's cache."""
    from .frames import with_results
    from .records import PostBatch

    posts = PostBatch.from_frame(partition, text_column=text_column, columns=columns)
    return with_results(partition, state.build().batch(posts, batch_size=batch_size), names)


@contextmanager
def connect(scheduler: str, workers: int | None = None) -> Iterator[Any]:
    """A ``distributed`` client: ``"local"`` starts a ``LocalCluster`` of ``workers`` processes
    (default: one per core) with one thread each; anything else is a scheduler address
    (``tcp://host:8786``) of a running cluster. Closed on exit."""
    import logging

    from distributed import Client, LocalCluster

    cluster = None
    try:
        if scheduler == "local":
            cluster = LocalCluster(n_workers=workers or os.cpu_count() or 1, threads_per_worker=1, processes=True,
                                   dashboard_address=None, silence_logs=logging.ERROR)
            client = Client(cluster)
        else:
            client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as error:
        if cluster is not None:
            cluster.close()
        raise DialogclsError("E144", f"cannot reach the Dask scheduler at {scheduler!r} ({error}); start one with "
                                     "'dask scheduler' and workers with 'dask worker ADDRESS', or use --scheduler "
                                     "local") from None
    try:
        yield client
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def is_pattern(path: str) -> bool:
    """Whether ``path`` is a glob pattern (``*``, ``?`` or ``[``)."""
    return any(char in str(path) for char in "*?[")


def input_files(pattern: str) -> list[Path]:
    """The Parquet files of a glob pattern, a folder (its ``*.parquet``) or one file, sorted."""
    path = Path(pattern)
    if is_pattern(pattern):
        files = sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())
    elif path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in (".parquet", ".pq"))
    else:
        files = [path] if path.is_file() else []
    if not files:
        raise DialogclsError("E140", f"{pattern}: no input files match; quote the pattern so that the shell "
                                     "does not expand it (\"in/*.parquet\")")
    from .io import detect_format

    for file in files:
        if detect_format(file) != "parquet":
            raise DialogclsError("E141", f"{file}: the Dask path reads Parquet files; convert it, or classify it "
                                         "without --scheduler")
    return files


def parquet_pieces(files: list[Path], rows_per_piece: int = PARTITION_ROWS) -> tuple[list[tuple], list[str], int]:
    """Split Parquet files into pieces of whole row groups of about ``rows_per_piece`` rows:
    ``[(path, row_groups, first_line)]``, the columns, and the number of rows. Reads only footers."""
    import pyarrow.parquet as pq

    pieces: list[tuple] = []
    names: list[str] | None = None
    total = 0
    for file in files:
        parquet = pq.ParquetFile(file)
        file_names = list(parquet.schema_arrow.names)
        if names is None:
            names = file_names
        elif file_names != names:
            raise DialogclsError("E142", f"{file} has the columns {file_names}; {files[0]} has {names}: the files "
                                         "of one run need the same columns")
        groups: list[int] = []
        first, rows = 1, 0
        for group in range(parquet.metadata.num_row_groups):
            groups.append(group)
            rows += parquet.metadata.row_group(group).num_rows
            if rows >= rows_per_piece:
                pieces.append((str(file), tuple(groups), first))
                first, groups, rows = first + rows, [], 0
        if groups or not pieces or pieces[-1][0] != str(file):
            pieces.append((str(file), tuple(groups), first))
        total += parquet.metadata.num_rows
    return pieces, names or [], total


def read_piece(piece: tuple, *, text_column: str, reply_column: str | None, on_error: str) -> Any:
    """Read one piece (on a worker) and check its rows as :func:`dialogcls.io.read_chunks` does: a
    text that cannot be a post or an unreadable reply flag raises E406 naming the file and row, or
    with ``on_error="skip"`` is marked in the ``error`` column (the row is kept as read)."""
    import pandas as pd
    import pyarrow.parquet as pq

    from .io import ERROR_COLUMN, InputError, _text_problem
    from .records import parse_bool

    path, groups, first_line = piece
    parquet = pq.ParquetFile(path)
    frame = (parquet.read_row_groups(list(groups)) if groups else parquet.schema_arrow.empty_table()).to_pandas()
    problems = [_text_problem(value) for value in frame[text_column].tolist()]
    if reply_column is not None:
        for row, value in enumerate(frame[reply_column].tolist()):
            try:
                parse_bool(value)
            except DialogclsError as error:
                problems[row] = problems[row] or f"{error.message} (column {reply_column!r})"
    bad = [row for row, problem in enumerate(problems) if problem is not None]
    if bad and on_error == "raise":
        raise InputError("E406", f"{path}, row {first_line + bad[0]}: {problems[bad[0]]} (use --on-error skip to "
                                 "score the other rows and mark this one)")
    if on_error == "skip":
        frame[ERROR_COLUMN] = pd.Series([None if problem is None else f"row {first_line + row}: {problem}"
                                         for row, problem in enumerate(problems)], index=frame.index, dtype=object)
    return frame


def score_file_partition(partition: Any, state: ModelState, *, text_column: str, columns: Mapping[str, str],
                         batch_size: int, names: Mapping[str, str], with_errors: bool) -> Any:
    """Score one partition of files (on a worker) as :func:`dialogcls.api.classify_file` writes
    files: bad rows are scored as empty posts and get no predictions, ``p_dialogue`` has six decimals."""
    from .frames import with_results
    from .io import ERROR_COLUMN
    from .records import PostBatch

    broken = partition[ERROR_COLUMN].notna().to_numpy() if with_errors else None
    scoring = partition
    if broken is not None and broken.any():
        scoring = partition.copy()
        scoring.loc[broken, text_column] = ""
        reply_column = columns.get("is_reply", "is_reply")
        if reply_column in scoring.columns:
            scoring[reply_column] = scoring[reply_column].astype(object).where(~broken, None)
    posts = PostBatch.from_frame(scoring, text_column=text_column, columns=columns)
    out = with_results(partition, state.build().batch(posts, batch_size=batch_size), names)
    out[names["p_dialogue"]] = out[names["p_dialogue"]].round(6)
    if broken is not None and broken.any():
        out.loc[broken, names["p_dialogue"]] = float("nan")
        for name in ("label", "lang", "kind", "cues"):
            out[names[name]] = out[names[name]].where(~broken, None)
    return out


def classify_files(pattern: str, output: str | os.PathLike, *, scheduler: str, workers: int | None = None,
                   text_column: str = "text", columns: Mapping[str, str] | None = None,
                   model_path: str | os.PathLike | None = None, batch_size: int = 8192,
                   on_error: str = "raise", rows_per_partition: int = PARTITION_ROWS) -> Any:
    """Score Parquet files on a Dask cluster into the folder ``output`` (``part.00000.parquet`` …,
    in input order): every input column plus the result columns (and ``error`` with
    ``on_error="skip"``). The folder appears only when the run completes.

    Example
    -------
    >>> import pandas as pd, tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> pd.DataFrame({"text": ["Was meint ihr?"]}).to_parquet(folder / "a.parquet")
    >>> classify_files(str(folder / "*.parquet"), folder / "out", scheduler="local", workers=1).rows  # doctest: +SKIP
    1
    """
    import dask.dataframe as dd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .api import FileSummary, load
    from .frames import empty_result, output_names, with_results
    from .io import ERROR_COLUMN, InputError
    from .records import PostBatch

    files = input_files(pattern)
    target = Path(output)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise DialogclsError("E143", f"{target} exists and is not an empty folder; the Dask path writes a folder of "
                                     "Parquet parts and never overwrites: name a new folder")
    if not target.parent.exists():
        raise DialogclsError("E143", f"{target.parent}: the output's parent folder does not exist")
    pieces, present, rows_in = parquet_pieces(files, rows_per_partition)
    try:
        mapping = PostBatch.source_columns(present, text_column=text_column, columns=columns)
    except DialogclsError as error:
        raise InputError("E405", f"{files[0]}: {error.message}. Name the text column with --text-column.") from None
    columns = dict(columns or {})
    names = output_names(present)
    model = load(model_path)
    reading = {"text_column": text_column, "reply_column": mapping.get("is_reply"), "on_error": on_error}
    meta = read_piece((str(files[0]), (), 1), **reading)
    staging = target.parent / f".{target.name}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        with connect(scheduler, workers):
            posts = dd.from_map(read_piece, pieces, **reading, meta=meta, enforce_metadata=False)
            scored = posts.map_partitions(score_file_partition, ship_model(model), text_column=text_column,
                                          columns=columns, batch_size=batch_size, names=names,
                                          with_errors=on_error == "skip",
                                          meta=with_results(meta, empty_result(), names))
            types = {**{field.name: field.type for field in pq.ParquetFile(files[0]).schema_arrow},
                     ERROR_COLUMN: pa.string(), names["cues"]: pa.list_(pa.string()), names["p_dialogue"]: pa.float64(),
                     **{names[name]: pa.string() for name in ("label", "lang", "kind")}}
            schema = pa.schema([(column, types[column]) for column in scored.columns])
            scored.to_parquet(staging, write_index=False, schema=schema,
                              name_function=lambda index: f"part.{index:05d}.parquet")
        parts = sorted(staging.glob("*.parquet"))
        rows_out = sum(pq.ParquetFile(part).metadata.num_rows for part in parts)
        if rows_out != rows_in:
            raise DialogclsError("E146", f"{rows_in} rows in but {rows_out} rows out; this is a bug, please report it")
        bad = 0
        if on_error == "skip":
            errors = [pq.read_table(part, columns=[ERROR_COLUMN]).column(0) for part in parts]
            bad = sum(len(column) - column.null_count for column in errors)
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return FileSummary(rows_out, bad, str(target))


__all__ = ["ModelState", "model_key", "ship_model", "score_partition", "connect", "classify_files",
           "input_files", "parquet_pieces", "read_piece", "score_file_partition", "is_pattern", "active_client", "PARTITION_ROWS"]
