"""Scoring a file: read it in chunks, score them here or in worker processes, write the results.

:func:`classify_file` is what ``python -m dialogcls classify`` runs. Before it reads a row it
refuses an output that is the input or not a regular file, and removes the temporary files of
killed runs. Rows in equal rows out: every input row is one output row, bad rows (with
``on_error="skip"``) and plain shares included. A plain share (a retweet, a reblog) is broadcast of
kind ``share`` by codebook rule 10 and is not scored as text: ``p_dialogue`` 0 and the platform's
word for it as its cue. With ``workers > 1`` chunks go to a pool of processes (at most two chunks
per worker in flight); the workers ignore Ctrl-C and hangups, so that only this process decides
when to stop, and they are terminated when it does.

Example
-------
>>> import json, tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> tweet = {"id": "7", "text": "RT @ann: Danke!", "author_id": "1", "referenced_tweets": [{"type": "retweeted", "id": "3"}]}
>>> _ = (folder / "tweets.jsonl").write_text(json.dumps(tweet) + "\\n", encoding="utf-8")
>>> summary = classify_file(folder / "tweets.jsonl", folder / "out.jsonl")
>>> summary.preset, json.loads((folder / "out.jsonl").read_text())["cues"]
('twitter', ['retweet'])
"""
from __future__ import annotations

import collections
import os
import signal
import sys
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np

from .errors import DialogclsError
from .records import RESULT_COLUMNS, BatchResult

#: Chunks in flight per worker process.
_IN_FLIGHT_PER_WORKER = 2


@dataclass
class FileSummary:
    """What :func:`classify_file` did: rows written, rows marked bad, plain shares, and how the input
    was read (its export preset, encoding and delimiter, when they apply)."""

    rows: int
    bad_rows: int
    output: str
    shares: int = 0
    preset: str | None = None
    encoding: str | None = None
    delimiter: str | None = None


#: Posts per chunk when scoring a file: a chunk's frames and feature matrices set a run's peak
#: memory (50,000 posts of JSON Lines: 8,192 a chunk peaked at 400 MB, 4,096 at 315 MB, in the same time).
FILE_CHUNK = 4096


def classify_file(input_path: str | os.PathLike, output_path: str | os.PathLike = "-", *,
                  input_format: str | None = None, output_format: str | None = None,
                  text_column: str = "text", columns: Mapping[str, str] | None = None,
                  model_path: str | os.PathLike | None = None, batch_size: int = FILE_CHUNK,
                  workers: int = 1, on_error: str = "raise", progress: bool = False, encoding: str | None = None,
                  delimiter: str | None = None, preset: str = "auto", platform: str | None = None,
                  excel: bool = False) -> FileSummary:
    """Score a file in chunks and write every input field plus ``label``, ``p_dialogue``, ``lang``,
    ``kind`` and ``cues`` (and ``error`` for bad rows when ``on_error="skip"``).

    ``encoding``, ``delimiter`` and ``preset`` (a platform export, ``auto`` to recognise it, ``none``)
    say how to read the input (see :class:`dialogcls.postfile.PostFile`); ``platform`` is the
    platform of every post; ``excel`` writes CSV for spreadsheets (see :mod:`dialogcls.writers`).
    An input that already has ``label`` (gold labels) gets the predictions beside it as
    ``predicted_label`` … (see :func:`dialogcls.frames.output_names`).

    Memory stays flat: a chunk of ``batch_size`` rows per worker is in flight at a time. The output
    file appears only when the run completes.

    Example
    -------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (folder / "in.csv").write_text("id;text\\n1;Was meint ihr?\\n2;\\n", encoding="utf-8")
    >>> summary = classify_file(folder / "in.csv", folder / "out.csv")
    >>> summary.rows, summary.delimiter
    (2, ';')
    """
    from .io import PostFile
    from .readers import detect_format
    from .writers import AtomicWriter, OutputError, check_output, remove_stale_temporaries

    if workers < 1:
        raise DialogclsError("E109", f"workers must be at least 1, not {workers}")
    if batch_size < 1:
        raise DialogclsError("E108", f"batch_size must be at least 1, not {batch_size}")
    check_output(output_path, inputs=(input_path,))
    out_format = detect_format(output_path, output_format) if str(output_path) != "-" else (output_format or "jsonl")
    if excel and out_format != "csv":
        raise OutputError("E416", f"--excel writes CSV, but the output {output_path} is {out_format}; name a .csv "
                                  "file or drop --excel")
    if str(output_path) != "-":
        remove_stale_temporaries(output_path)
    model = _load_model(model_path)
    with PostFile(input_path, fmt=input_format, encoding=encoding, delimiter=delimiter, preset=preset,
                  text_column=text_column, columns=columns, platform=platform, on_error=on_error,
                  scan_fields=out_format not in ("jsonl", "json")) as source:
        summary = FileSummary(0, 0, str(output_path), preset=source.preset, encoding=source.encoding,
                              delimiter=source.delimiter)
        bar = _progress_bar(progress, source)
        try:
            with AtomicWriter(output_path, fmt=output_format, excel=excel) as writer:
                results = (_score_here(source.chunks(batch_size), model, batch_size) if workers == 1 else
                           _score_in_pool(source.chunks(batch_size), model_path, batch_size, workers))
                finisher = _Finisher(with_errors=on_error == "skip")
                try:
                    for chunk, result in results:
                        writer.write(finisher.finish(chunk, result), absent=finisher.absent(chunk))
                        summary.bad_rows += finisher.last_bad
                        summary.shares += finisher.last_shares
                        if bar is not None:
                            bar.update(max(chunk.position - bar.n, 0))
                            bar.set_postfix_str(f"{writer.rows:,} posts", refresh=False)
                finally:
                    results.close()  # stops the worker processes at once, also on an interrupt
        finally:
            if bar is not None:
                bar.close()
        summary.rows = writer.rows
    return summary


def _load_model(model_path: str | os.PathLike | None) -> Any:
    from .api import load

    return load(None if model_path is None else model_path)


def _score_here(chunks: Any, model: Any, batch_size: int) -> Any:
    from .api import score

    for chunk in chunks:
        yield chunk, score(chunk.posts, model=model, batch_size=batch_size, progress=False)


# -- worker processes -------------------------------------------------------------------------------

_WORKER_MODEL: Any = None
_WORKER_ERROR: BaseException | None = None


def _init_worker(model_path: str | None) -> None:
    """Load the model once per worker. Ctrl-C and hangups go to the whole process group: the main
    process handles them and terminates the workers, which therefore ignore them."""
    global _WORKER_MODEL, _WORKER_ERROR
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "SIGHUP"):
        signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        from .api import load

        _WORKER_MODEL = load(model_path)
    except BaseException as error:  # noqa: BLE001 - reported with the first job, not as a dying worker
        _WORKER_ERROR = error


def _score_in_worker(job: tuple[Any, int]) -> BatchResult:
    from .api import score

    if _WORKER_ERROR is not None:
        raise _WORKER_ERROR
    posts, batch_size = job
    return score(posts, model=_WORKER_MODEL, batch_size=batch_size, progress=False)


def _score_in_pool(chunks: Any, model_path: str | os.PathLike | None, batch_size: int, workers: int) -> Any:
    """Score chunks in ``workers`` processes, in order, with a bounded number of chunks in flight."""
    import multiprocessing as mp

    pool = mp.get_context("spawn").Pool(workers, initializer=_init_worker,
                                        initargs=(None if model_path is None else str(model_path),))
    pending: collections.deque = collections.deque()
    try:
        for chunk in chunks:
            pending.append((chunk, pool.apply_async(_score_in_worker, ((chunk.posts, batch_size),))))
            while len(pending) > _IN_FLIGHT_PER_WORKER * workers or (pending and pending[0][1].ready()):
                done, result = pending.popleft()
                yield done, _wait(result)
        while pending:
            done, result = pending.popleft()
            yield done, _wait(result)
        pool.close()
    finally:
        pool.terminate()
        pool.join()


def _wait(result: Any) -> Any:
    """The result of a job; waits in short steps so that a signal is handled at once."""
    import multiprocessing as mp

    while True:
        try:
            return result.get(timeout=0.2)
        except mp.TimeoutError:
            continue


# -- results into the rows ----------------------------------------------------------------------------

class _Finisher:
    """Puts the results into each chunk's rows: bad rows get none, plain shares their rule-10 result."""

    def __init__(self, *, with_errors: bool) -> None:
        self.with_errors = with_errors
        self.names: dict[str, str] | None = None
        self.error_column = "error"
        self.last_bad = self.last_shares = 0

    def finish(self, chunk: Any, result: BatchResult) -> Any:
        frame = chunk.frame
        if self.names is None:
            from .frames import output_names

            self.names = output_names([column for column in frame.columns if column != "lang"])
            if "error" in frame.columns:
                self.error_column = "dialogcls_error"
        names = self.names
        label = result.label.astype(object)
        p_dialogue = np.round(np.asarray(result.p_dialogue, dtype=float), 6)
        lang = result.lang.astype(object)
        kind = result.kind.astype(object)
        cues: list[Any] = list(result.cues)
        shared = [i for i, share in enumerate(chunk.shares) if share]
        for i in shared:
            label[i], p_dialogue[i], kind[i], cues[i] = "broadcast", 0.0, "share", [chunk.shares[i]]
        broken = [i for i, error in enumerate(chunk.errors) if error is not None]
        for i in broken:
            label[i] = lang[i] = kind[i] = cues[i] = None
            p_dialogue[i] = np.nan
        values = {"label": label, "p_dialogue": p_dialogue, "lang": lang, "kind": kind, "cues": cues}
        for name in RESULT_COLUMNS:
            frame[names[name]] = values[name]
        if self.with_errors:
            frame[self.error_column] = chunk.errors
        self.last_bad, self.last_shares = len(broken), len(shared)
        return frame

    def absent(self, chunk: Any) -> list[tuple[str, ...]] | None:
        """The input fields each row's record lacked (see :attr:`Chunk.absent`); never a result column."""
        if not chunk.absent:
            return None
        results = set((self.names or {}).values()) | {self.error_column}
        return [tuple(name for name in row if name not in results) for row in chunk.absent]


def _progress_bar(enabled: bool, source: Any) -> Any:
    """A bar with total and ETA on a terminal: bytes of the file, or posts for Parquet and JSON documents."""
    if not enabled or not sys.stderr.isatty():
        return None
    from tqdm import tqdm

    in_bytes = source.total_unit == "B"
    return tqdm(total=source.total, unit="B" if in_bytes else " posts", unit_scale=in_bytes, file=sys.stderr,
                mininterval=0.5, desc="scoring", dynamic_ncols=True)


__all__ = ["classify_file", "FileSummary"]
