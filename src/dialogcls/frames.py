"""Frames in, the same kind out: pandas, polars and Dask DataFrames and Hugging Face ``datasets``.

:func:`classify_frame` scores a table of any of these kinds and returns the same kind with the
columns of :data:`~dialogcls.records.RESULT_COLUMNS` added: a pandas or polars DataFrame, a
``datasets.Dataset`` (through ``Dataset.map(batched=True)``), or a lazy Dask DataFrame (through
``map_partitions``, with the model sent to each worker once: see :mod:`dialogcls.cluster`).
:func:`to_pandas` turns any of them into a pandas DataFrame, for the functions that work on one
(training, evaluation, the report).

Missing values of every dtype (``None``, NaN, ``pd.NA`` in ``boolean``, ``Int64`` or ``string``
columns, polars and Arrow nulls) are read as unknown.

**Existing columns are never overwritten.** A table that already has a ``label``, ``p_dialogue``,
``kind`` or ``cues`` column (gold labels, or an earlier run) keeps it, and all five predictions are
written beside it as ``predicted_label``, ``predicted_p_dialogue``, ``predicted_lang``,
``predicted_kind`` and ``predicted_cues``, with a :class:`~dialogcls.errors.DialogclsWarning`
saying so; when those names are taken too, E131 refuses. (A ``lang`` column alone is input
metadata: the output's ``lang`` keeps its languages, written as ``de`` or ``en`` (``"de-DE"`` and
``"German"`` become ``de``), and fills the missing ones.)

====  ==========================================================================
E130  not a table of a known kind
E131  the ``predicted_*`` columns are taken too: nothing is overwritten
E132  a ``DatasetDict`` (several splits): pass one split
E133  an ``IterableDataset`` that does not know its columns
====  ==========================================================================

Example
-------
>>> import pandas as pd
>>> gold = pd.DataFrame({"text": ["Was meint ihr? Schreibt es in die Kommentare!"], "label": ["dialogue"]})
>>> import warnings
>>> with warnings.catch_warnings():
...     warnings.simplefilter("ignore")
...     scored = classify_frame(gold)
>>> scored[["label", "predicted_label"]].values.tolist()
[['dialogue', 'dialogue']]
"""
from __future__ import annotations

import sys
import warnings
from typing import Any, Mapping

from .errors import DialogclsError, DialogclsWarning
from .model import DEFAULT_BATCH_SIZE
from .records import RESULT_COLUMNS, BatchResult, PostBatch

#: Prefix of the prediction columns when the input already has result columns (gold labels).
PREDICTED_PREFIX = "predicted_"
#: Input columns that make the predictions go beside them (``lang`` is input metadata, not one of them).
_KEPT_COLUMNS = ("label", "p_dialogue", "kind", "cues")
#: (kind, module, class): the table kinds, recognised without importing their libraries.
_KINDS = (("pandas", "pandas", "DataFrame"), ("polars", "polars", "DataFrame"),
          ("dask", "dask.dataframe", "DataFrame"), ("dataset", "datasets", "Dataset"),
          ("iterable_dataset", "datasets", "IterableDataset"), ("dataset_dict", "datasets", "DatasetDict"))


def frame_kind(obj: Any) -> str | None:
    """Which kind of table ``obj`` is: ``pandas``, ``polars``, ``dask``, ``dataset``,
    ``iterable_dataset``, ``dataset_dict``, or None. Imports nothing: a library that is not loaded
    cannot have made ``obj``.

    Example
    -------
    >>> import pandas as pd
    >>> frame_kind(pd.DataFrame({"text": ["x"]})), frame_kind(["x"])
    ('pandas', None)
    """
    for kind, module_name, class_name in _KINDS:
        module = sys.modules.get(module_name)
        cls = getattr(module, class_name, None) if module is not None else None
        if isinstance(cls, type) and isinstance(obj, cls):
            return kind
    return None


def to_pandas(obj: Any) -> Any:
    """Any supported table as a pandas DataFrame; anything else (a path, a list of mappings …) is
    returned unchanged, so callers may pass every input through it.

    A Dask DataFrame is computed, a ``datasets.Dataset`` converted with its ``ClassLabel`` columns
    as their names (so integer-coded labels read as ``dialogue``/``broadcast``), a polars DataFrame
    converted through Arrow. A ``DatasetDict`` is refused (E132): pick a split.

    Example
    -------
    >>> import polars as pl
    >>> to_pandas(pl.DataFrame({"text": ["Hallo"], "is_reply": [None]}))["text"].tolist()
    ['Hallo']
    """
    kind = frame_kind(obj)
    if kind is None or kind == "pandas":
        return obj
    if kind == "polars":
        return obj.to_pandas()
    if kind == "dask":
        return obj.compute()
    if kind == "dataset_dict":
        raise _dataset_dict_error(obj)
    import pandas as pd

    frame = obj.to_pandas() if kind == "dataset" else pd.DataFrame.from_records(list(obj))
    for name, feature in (getattr(obj, "features", None) or {}).items():
        if type(feature).__name__ == "ClassLabel" and name in frame.columns:
            frame[name] = [None if value is None or value != value or value < 0 else feature.names[int(value)]
                           for value in frame[name].tolist()]
    return frame


def column_values(column: Any) -> list[Any]:
    """One column of any table kind (pandas, polars or Dask Series, Arrow array, a sequence) as a
    Python list.

    Example
    -------
    >>> import pandas as pd
    >>> column_values(pd.Series(["dialogue", "broadcast"]))
    ['dialogue', 'broadcast']
    """
    from .records import _as_list

    if hasattr(column, "compute") and hasattr(column, "npartitions"):  # a Dask Series
        column = column.compute()
    return _as_list(column)


def output_names(present: Any) -> dict[str, str]:
    """The column each result is written to, given the input's columns: the plain names, or
    ``predicted_*`` when the input has a ``label``, ``p_dialogue``, ``kind`` or ``cues`` column
    (which are kept; a warning says so). E131 when the ``predicted_*`` names are taken too.

    Example
    -------
    >>> output_names(["text", "lang"])["label"]
    'label'
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     output_names(["text", "label"])["label"]
    'predicted_label'
    """
    present = [str(column) for column in present]
    kept = [column for column in _KEPT_COLUMNS if column in present]
    if not kept:
        return {name: name for name in RESULT_COLUMNS}
    names = {name: PREDICTED_PREFIX + name for name in RESULT_COLUMNS}
    taken = [column for column in names.values() if column in present]
    if taken:
        raise DialogclsError("E131", f"the input already has the column(s) {kept} and {taken}; dialogcls never "
                                     "overwrites a column. Rename or drop them before scoring.")
    warnings.warn(f"the input already has the column(s) {kept}; they are kept and the predictions are written "
                  f"beside them as {list(names.values())}", DialogclsWarning, stacklevel=3)
    return names


def classify_frame(frame: Any, *, text_column: str = "text", columns: Mapping[str, str] | None = None,
                   model: Any = None, batch_size: int = DEFAULT_BATCH_SIZE, progress: bool | None = None) -> Any:
    """Score a table and return the same kind of table with the result columns added (see the
    module help for the names). ``columns`` maps metadata fields to column names. ``progress``
    (pandas and polars) is :func:`dialogcls.api.score`'s; a Dataset shows ``datasets``' own bar
    and a Dask DataFrame Dask's diagnostics.

    Example
    -------
    >>> import polars as pl
    >>> classify_frame(pl.DataFrame({"text": ["Habt ihr Fragen? Schreibt sie in die Kommentare!"]}))["label"].to_list()
    ['dialogue']
    """
    kind = frame_kind(frame)
    if kind == "dataset_dict":
        raise _dataset_dict_error(frame)
    if kind is None:
        raise DialogclsError("E130", f"cannot classify a {type(frame).__module__}.{type(frame).__name__} as a "
                                     "table; pass a pandas, polars or Dask DataFrame or a datasets.Dataset (or "
                                     "use dialogcls.classify for posts and dialogcls.classify_batch for columns)")
    scorer = {"pandas": _classify_table, "polars": _classify_polars, "dask": _classify_dask,
              "dataset": _classify_dataset, "iterable_dataset": _classify_dataset}[kind]
    options = {"text_column": text_column, "columns": dict(columns or {}), "model": model, "batch_size": batch_size}
    if kind in ("pandas", "polars"):
        options["progress"] = progress
    return scorer(frame, **options)


def with_results(frame: Any, result: BatchResult, names: Mapping[str, str]) -> Any:
    """A copy of a pandas DataFrame with the result columns added under ``names`` (strings as
    ``object``, ``p_dialogue`` as float, ``cues`` a list of names per row: the same dtypes for every
    partition of a Dask DataFrame)."""
    import pandas as pd

    values = result.to_dict()
    out = frame.copy()
    for name in RESULT_COLUMNS:
        dtype = "float64" if name == "p_dialogue" else object
        out[names[name]] = pd.Series(values[name], index=frame.index, dtype=dtype)
    return out


def empty_result() -> BatchResult:
    """A result for no posts (to build the empty ``meta`` frame of a Dask DataFrame)."""
    import numpy as np

    empty = np.empty(0, dtype=object)
    return BatchResult(empty, np.empty(0), empty, empty, [])


def _score(posts: PostBatch, model: Any, batch_size: int, progress: bool | None) -> BatchResult:
    from .api import score

    return score(posts, model=model, batch_size=batch_size, progress=progress)


def _classify_table(frame: Any, *, text_column: str, columns: dict[str, str], model: Any, batch_size: int,
                    progress: bool | None) -> Any:
    names = output_names(frame.columns)
    posts = PostBatch.from_frame(frame, text_column=text_column, columns=columns)
    return with_results(frame, _score(posts, model, batch_size, progress), names)


def _classify_polars(frame: Any, *, text_column: str, columns: dict[str, str], model: Any, batch_size: int,
                     progress: bool | None) -> Any:
    import polars as pl

    names = output_names(frame.columns)
    posts = PostBatch.from_frame(frame, text_column=text_column, columns=columns)
    values = _score(posts, model, batch_size, progress).to_dict()
    dtypes = {"label": pl.Utf8, "p_dialogue": pl.Float64, "lang": pl.Utf8, "kind": pl.Utf8, "cues": pl.List(pl.Utf8)}
    return frame.with_columns([pl.Series(names[name], values[name], dtype=dtypes[name]) for name in RESULT_COLUMNS])


def _classify_dataset(dataset: Any, *, text_column: str, columns: dict[str, str], model: Any, batch_size: int) -> Any:
    """``Dataset.map(batched=True)`` over the columns the posts need; returns a Dataset (or an
    IterableDataset, lazily) with the result columns."""
    import datasets

    present = dataset.column_names
    if present is None:
        raise DialogclsError("E133", "this IterableDataset does not know its columns yet; give it features "
                                     "(e.g. load_dataset(..., features=...)) or call classify on its rows")
    names = output_names(present)
    mapping = PostBatch.source_columns(present, text_column=text_column, columns=columns)
    needed = list(dict.fromkeys([text_column, *mapping.values()]))
    if model is None:
        from .api import load

        model = load()

    def score_batch(*values: list[Any]) -> dict[str, list[Any]]:
        posts = PostBatch.from_frame(dict(zip(needed, values)), text_column=text_column, columns=columns)
        return {names[name]: column for name, column in model.batch(posts, batch_size=batch_size).to_dict().items()}

    string = datasets.Value("string")
    sequence = getattr(datasets, "List", None) or datasets.Sequence
    added = {"label": string, "p_dialogue": datasets.Value("float64"), "lang": string, "kind": string,
             "cues": sequence(string)}
    options: dict[str, Any] = {"batched": True, "batch_size": batch_size, "input_columns": needed}
    if dataset.features is not None:
        options["features"] = datasets.Features({**dataset.features, **{names[k]: v for k, v in added.items()}})
    if type(dataset).__name__ == "Dataset":
        from .cluster import model_key

        # A fingerprint of the input, the model and the options: a repeated call reuses datasets' cache.
        options.update(desc="dialogcls", new_fingerprint=_fingerprint(dataset._fingerprint, model_key(model),
                                                                      text_column, sorted(columns.items())))
    return dataset.map(score_batch, **options)


def _fingerprint(*parts: Any) -> str:
    import hashlib

    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]


def _classify_dask(frame: Any, *, text_column: str, columns: dict[str, str], model: Any, batch_size: int) -> Any:
    """A lazy Dask DataFrame: ``map_partitions`` with the model shipped once (see :mod:`dialogcls.cluster`)."""
    from .cluster import score_partition, ship_model

    present = list(frame.columns)
    names = output_names(present)
    PostBatch.source_columns(present, text_column=text_column, columns=columns)  # E106 now, not on a worker
    if model is None:
        from .api import load

        model = load()
    shipped = ship_model(model)
    meta = with_results(frame._meta, empty_result(), names)
    return frame.map_partitions(score_partition, shipped, text_column=text_column, columns=columns,
                                batch_size=batch_size, names=names, meta=meta)


def load_dataset_folder(path: Any) -> Any:
    """The ``datasets.Dataset`` saved by ``save_to_disk`` in the folder ``path`` (memory-mapped, not
    read into memory); a ``DatasetDict`` folder gives E132, naming its splits.

    Example
    -------
    >>> import datasets, tempfile
    >>> folder = tempfile.mkdtemp()
    >>> datasets.Dataset.from_dict({"text": ["Hallo"]}).save_to_disk(folder)
    >>> load_dataset_folder(folder).num_rows
    1
    """
    from pathlib import Path

    from datasets import load_from_disk

    folder = Path(path)
    if (folder / "dataset_dict.json").is_file():
        raise _dataset_dict_error(load_from_disk(str(folder)), where=str(folder))
    return load_from_disk(str(folder))


def dataset_rows(path: Any, *, batch_size: int = 8192) -> tuple[list[str], Any]:
    """The columns and ``(line, row, problem)`` rows of a ``save_to_disk`` folder, in the form
    :mod:`dialogcls.io` streams files in (rows are read a batch at a time)."""
    dataset = load_dataset_folder(path)

    def rows() -> Any:
        line = 0
        for batch in dataset.iter(batch_size=batch_size):
            names = list(batch)
            for values in zip(*batch.values()):
                line += 1
                yield line, dict(zip(names, values)), None

    return list(dataset.column_names), rows()


def _dataset_dict_error(obj: Any, where: str = "the input") -> DialogclsError:
    splits = list(obj.keys()) if hasattr(obj, "keys") else []
    first = splits[0] if splits else "train"
    return DialogclsError("E132", f"{where} is a DatasetDict with the splits {splits}; pass one split, e.g. "
                                  f"dataset[{first!r}] (or the folder {first}/ inside a saved DatasetDict)")


__all__ = ["classify_frame", "to_pandas", "column_values", "frame_kind", "output_names", "with_results", "empty_result",
           "load_dataset_folder", "dataset_rows", "PREDICTED_PREFIX"]
