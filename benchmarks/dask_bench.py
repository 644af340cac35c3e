"""Scale-out next to one process: Dask on a LocalCluster, and the spaCy component next to classify_batch.

Measured in one run, on the realistic synthetic stream of ``speed.py`` (fresh handles, links and
heavy-tailed hashtags; seeded by ``--seed``), written as Parquet files of ``--file-posts`` posts:

1. **One process**: a fresh process reads the Parquet files with pandas and scores them with
   ``dialogcls.classify_frame``; posts per second of the scoring and of read + score, and the
   process's peak resident memory (``ru_maxrss``).
2. **Dask**: a ``distributed.LocalCluster`` of ``--workers`` worker processes with one thread each;
   ``dd.read_parquet`` + ``dialogcls.classify_frame`` (``map_partitions``, the model scattered to each
   worker once), counted on the workers. Posts per second without and with the cluster's start-up
   and the model's shipping, each worker's peak resident memory and its memory when idle (dialogcls
   imported, no model). Also ``python -m dialogcls classify "in/*.parquet" -o out/ --scheduler local``
   end to end (cluster start-up, reading, scoring, writing Parquet).
3. **spaCy** (``--spacy-posts``): ``classify_batch`` on the texts, ``nlp.pipe`` of ``spacy.blank("en")``
   with the ``dialogcls`` component on the same number of fresh texts, spaCy's tokenizer alone, and
   the component alone on ready Docs.

Usage (from the repository root)::

    python benchmarks/dask_bench.py --out benchmarks/RESULTS.md
    python benchmarks/dask_bench.py --posts 20000 --spacy-posts 5000    # quick
"""
from __future__ import annotations

import os
import sys

from _common import SINGLE_THREAD_ENV

for _name, _value in SINGLE_THREAD_ENV.items():
    os.environ.setdefault(_name, _value)

import argparse
import json
import resource
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any, Sequence

from _common import (BENCH_DIR, DEFAULT_DATA, ensure_dialogcls_importable, header_block, md_table, read_jsonl,
                     resolve_model, split_path, publish)


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def source_posts(data: str) -> list[dict[str, Any]]:
    rows = list(read_jsonl(split_path(data, "train")))
    for split in ("dev", "test"):
        path = Path(data) / f"{split}.jsonl"
        if path.is_file():
            rows += read_jsonl(path)
    return rows


def write_inputs(folder: Path, source: list[dict[str, Any]], posts: int, file_posts: int, seed: int) -> list[Path]:
    """The benchmark stream as Parquet files of ``file_posts`` posts."""
    import pandas as pd
    from speed import StreamSynthesizer

    stream = StreamSynthesizer(source, f"dask-{seed}").posts(posts)
    files = []
    for index in range(0, posts, file_posts):
        rows = [next(stream) for _ in range(min(file_posts, posts - index))]
        frame = pd.DataFrame(rows)
        frame["is_reply"] = frame["is_reply"].astype("boolean")
        path = folder / f"posts-{index // file_posts:03d}.parquet"
        frame.to_parquet(path, index=False, row_group_size=25_000)
        files.append(path)
    return files


def single_child(files: Sequence[str]) -> dict[str, float]:
    """Run in a fresh process: read and score in one process."""
    import pandas as pd

    import dialogcls

    model = dialogcls.load()
    dialogcls.classify("warm-up", model=model)
    start = time.perf_counter()
    frame = pd.concat([pd.read_parquet(path) for path in files], ignore_index=True)
    read = time.perf_counter()
    scored = dialogcls.classify_frame(frame, model=model)
    done = time.perf_counter()
    return {"posts": len(scored), "score_seconds": done - read, "total_seconds": done - start,
            "peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def measure_single(files: Sequence[Path]) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--single-child", *map(str, files)], check=True,
                         capture_output=True, text=True, cwd=BENCH_DIR)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _worker_rss() -> dict[str, int]:
    import psutil

    return {"rss": psutil.Process().memory_info().rss,
            "peak": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}


def _import_dialogcls() -> None:
    import dialogcls.api  # noqa: F401


def measure_dask(files: Sequence[Path], workers: int) -> dict[str, Any]:
    import logging

    import dask.dataframe as dd
    from distributed import Client, LocalCluster

    import dialogcls

    model = dialogcls.load()
    start = time.perf_counter()
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
        client.run(_import_dialogcls)
        idle = client.run(_worker_rss)
        ready = time.perf_counter()
        frame = dd.read_parquet([str(path) for path in files])
        scored = dialogcls.classify_frame(frame, model=model)
        shipped = time.perf_counter()
        posts = int(scored.map_partitions(len).compute().sum())
        done = time.perf_counter()
        after = client.run(_worker_rss)
    return {"posts": posts, "workers": workers, "partitions": frame.npartitions,
            "startup_seconds": ready - start, "ship_seconds": shipped - ready, "score_seconds": done - shipped,
            "total_seconds": done - start, "idle": sorted(v["rss"] for v in idle.values()),
            "peak": sorted(v["peak"] for v in after.values())}


def measure_cli(folder: Path, workers: int) -> dict[str, float]:
    out = folder.parent / "scored"
    command = [sys.executable, "-m", "dialogcls", "classify", str(folder / "*.parquet"), "-o", str(out),
               "--scheduler", "local", "--workers", str(workers), "--quiet"]
    start = time.perf_counter()
    subprocess.run(command, check=True)
    seconds = time.perf_counter() - start
    import pyarrow.parquet as pq

    rows = sum(pq.ParquetFile(part).metadata.num_rows for part in out.glob("*.parquet"))
    return {"posts": rows, "seconds": seconds, "parts": len(list(out.glob("*.parquet")))}


def measure_spacy(source: list[dict[str, Any]], posts: int, seed: int) -> dict[str, float]:
    import spacy
    from speed import StreamSynthesizer

    import dialogcls

    model = dialogcls.load()
    synth = StreamSynthesizer(source, f"spacy-{seed}")
    dialogcls.classify_batch([p["text"] for p in synth.posts(2_000)], model=model)  # warm-up
    nlp = spacy.blank("en")
    component = nlp.add_pipe("dialogcls")
    list(nlp.pipe([p["text"] for p in synth.posts(2_000)]))
    rates = {}
    texts = [p["text"] for p in synth.posts(posts)]
    start = time.perf_counter()
    dialogcls.classify_batch(texts, model=model)
    rates["classify_batch"] = posts / (time.perf_counter() - start)
    texts = [p["text"] for p in synth.posts(posts)]
    start = time.perf_counter()
    list(nlp.pipe(texts))
    rates["nlp.pipe"] = posts / (time.perf_counter() - start)
    texts = [p["text"] for p in synth.posts(posts)]
    start = time.perf_counter()
    docs = [nlp.make_doc(text) for text in texts]
    rates["tokenizer"] = posts / (time.perf_counter() - start)
    start = time.perf_counter()
    list(component.pipe(docs))
    rates["component"] = posts / (time.perf_counter() - start)
    return rates


def mb(value: float) -> str:
    return f"{value / 1e6:,.0f} MB"


def render(args: argparse.Namespace, argv: Sequence[str], single: dict, dask: dict, cli: dict | None,
           spacy_rates: dict | None) -> str:
    lines = ["## Dask and spaCy", ""] + header_block("dask_bench.py", argv, [
        ("posts", f"{single['posts']:,} in {args.posts // args.file_posts} Parquet files"),
        ("note", "the machine is shared with other work: figures vary from run to run")])
    lines += ["Scoring Parquet files (reading included in the last column of each row):", ""]
    rows = [["one process (`classify_frame` on pandas)", f"{single['posts'] / single['score_seconds']:,.0f}",
             f"{single['posts'] / single['total_seconds']:,.0f}", mb(single["peak_rss"]), "-"],
            [f"Dask, LocalCluster of {dask['workers']} worker processes × 1 thread, {dask['partitions']} partitions",
             f"{dask['posts'] / dask['score_seconds']:,.0f}", f"{dask['posts'] / dask['total_seconds']:,.0f}",
             " / ".join(mb(v) for v in dask["peak"]), " / ".join(mb(v) for v in dask["idle"])]]
    lines += md_table(["", "posts/s scoring", "posts/s with start-up", "peak memory (per worker)",
                       "worker memory idle"], rows)
    lines += [f"Dask: cluster start-up {dask['startup_seconds']:.1f} s, model shipped (scatter to every worker) "
              f"{dask['ship_seconds']:.1f} s, scoring {dask['score_seconds']:.1f} s. The one-process column "
              "'with start-up' is read + score; the Dask one adds the cluster's start-up.", ""]
    if cli:
        lines += [f"`python -m dialogcls classify \"in/*.parquet\" -o out/ --scheduler local --workers "
                  f"{dask['workers']}`: {cli['posts']:,} posts into {cli['parts']} Parquet parts in "
                  f"{cli['seconds']:.1f} s ({cli['posts'] / cli['seconds']:,.0f} posts/s end to end, "
                  "cluster start-up and writing included).", ""]
    if spacy_rates:
        lines += [f"The spaCy component, {args.spacy_posts:,} fresh posts each, one process:", ""]
        lines += md_table(["", "posts/s"], [
            ["`dialogcls.classify_batch(texts)`", f"{spacy_rates['classify_batch']:,.0f}"],
            ["`nlp.pipe(texts)`, `spacy.blank(\"en\")` + `dialogcls`", f"{spacy_rates['nlp.pipe']:,.0f}"],
            ["spaCy's tokenizer alone (`nlp.make_doc`)", f"{spacy_rates['tokenizer']:,.0f}"],
            ["the component alone on ready Docs", f"{spacy_rates['component']:,.0f}"]])
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=100_000, help="posts scored (default 100000)")
    parser.add_argument("--file-posts", type=int, default=25_000, help="posts per Parquet file (default 25000)")
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes (default 2)")
    parser.add_argument("--spacy-posts", type=int, default=20_000, help="posts for the spaCy rows (0: skip)")
    parser.add_argument("--no-cli", action="store_true", help="skip the command-line run")
    parser.add_argument("--model", help="model directory (default: $DIALOGCLS_MODEL or models/default)")
    parser.add_argument("--data", default=str(DEFAULT_DATA), help="labelled corpus folder (the stream's source)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", help="update the dask section of this Markdown file (e.g. benchmarks/RESULTS.md)")
    parser.add_argument("--single-child", nargs="+", help=argparse.SUPPRESS)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    ensure_dialogcls_importable()
    if args.single_child:
        print(json.dumps(single_child(args.single_child)))
        return 0
    os.environ["DIALOGCLS_MODEL"] = str(resolve_model(args.model))
    source = source_posts(args.data)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "in"
        folder.mkdir()
        log(f"writing {args.posts:,} posts as Parquet")
        files = write_inputs(folder, source, args.posts, args.file_posts, args.seed)
        log("one process")
        single = measure_single(files)
        log(f"Dask, {args.workers} workers")
        dask = measure_dask(files, args.workers)
        cli = None if args.no_cli else measure_cli(folder, args.workers)
    spacy_rates = measure_spacy(source, args.spacy_posts, args.seed) if args.spacy_posts else None
    markdown = render(args, argv, single, dask, cli, spacy_rates)
    publish(markdown, "dask", out=args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
