"""Speed of dialogcls next to what a user would do otherwise, on a realistic synthetic stream.

Measures every row of the speed issue (#13) side by side in one run and judges it against the
issue's targets (see ``--help`` for sizes):

1. Batch throughput, in this process on one core, on 10,000 and 100,000 posts:
   - ``dialogcls.classify_batch`` (the vectorised path, with the posts' metadata columns);
   - a naive loop doing the same work per post: one spaCy call (``dialogcls.spacy_tokenizer.make_nlp``) and one
     ``dialogcls.classify`` call per post (above ``--naive-max`` posts it is timed on a
     ``--naive-sample`` sample and extrapolated, which the output says; no target);
   - a TF-IDF(1,2) + logistic-regression pipeline from scikit-learn, fitted on the corpus' train
     split, timed on ``predict_proba`` (transform + predict_proba);
   - one pass of the compiled tokenising regular expression of dialogcls
     (``dialogcls.prep.TOKEN_PATTERN.findall``) over the same texts.
2. One post at a time: ``dialogcls.classify(str)`` on the texts of the test split (up to
   ``--single-posts``), one call timed at a time after a warm-up; p50, p90, p99.
3. Streaming: ``python -m dialogcls classify IN.jsonl -o OUT.jsonl --quiet --workers 1`` on 100,000
   and 1,000,000 posts, with the peak resident memory of the largest process (rusage of a small
   launcher's children) and the peak of the summed RSS of the process tree (sampled with psutil);
   the largest stream's posts per second against ``classify_batch`` on the largest batch.
4. Two workers against one: the CLI with ``--workers 2`` against ``--workers 1`` on a 200,000-post
   file (``--workers-size``).
5. Start-up: import, model load and the first prediction in a fresh process, 3 runs, median.
6. Training: ``python -m dialogcls train FILE -o DIR --quiet`` in a fresh process on the corpus'
   train split and on synthetic training sets of 10,000 and 50,000 posts (``--train-sizes``; labels
   and kinds kept from each source post): wall time and peak memory.

The benchmark corpus resamples the labelled corpus (seeded by ``--seed``) and substitutes fresh
handles, t.co-style links and heavy-tailed hashtags, as in real streams; see :class:`StreamSynthesizer`.

Usage (from the repository root)::

    python benchmarks/speed.py --out benchmarks/RESULTS.md
    python benchmarks/speed.py --quick
"""
from __future__ import annotations

import os
import sys

from _common import SINGLE_THREAD_ENV

# One process, one core: set before numpy, scipy or scikit-learn are imported.
for _name, _value in SINGLE_THREAD_ENV.items():
    os.environ.setdefault(_name, _value)

import argparse
import cProfile
import io
import json
import pstats
import random
import re
import shutil
import statistics
import string
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping, Sequence

from _common import (BENCH_DIR, DEFAULT_DATA, apply_presets, describe_model, display_path, ensure_dialogcls_importable,
                     header_block, machine_load, md_table, metadata_columns, publish, read_jsonl, resolve_model,
                     split_path, tfidf_pipeline, verdict, write_jsonl)

# -- targets (issue 13) -----------------------------------------------------------------------------
TARGET_OVER_TFIDF = 2.0             # classify_batch posts/s over TF-IDF(1,2) + LR, same run
TARGET_OVER_REGEX = 1.0             # classify_batch posts/s over a bare findall of the token regex
TARGET_CLI_OVER_BATCH = 0.8         # CLI JSONL -> JSONL posts/s over classify_batch, same run
TARGET_STREAM_PEAK = 400_000_000    # bytes, the largest stream (1,000,000 posts in the full run)
TARGET_WORKERS_SPEEDUP = 1.7        # --workers 2 over --workers 1 (200,000 posts in the full run)
TARGET_STARTUP = 0.6                # seconds, fresh process to first prediction (median)
TARGET_SINGLE_P50 = 0.5e-3          # seconds, dialogcls.classify(str), median call
TARGET_TRAIN_CORPUS = 10.0          # seconds, train on the corpus' train split
TARGET_TRAIN_LARGE = 180.0          # seconds, train on the largest synthetic set (50,000 posts)
TARGET_TRAIN_PEAK = 1_000_000_000   # bytes, the same run; and peak memory at most linear in posts
#: The sizes issue 13 sets its targets for; a row measured on another size says so.
ISSUE_SIZES = {"batch": 100_000, "stream": 1_000_000, "workers": 200_000, "train": 50_000}

PROFILE_POSTS = 20_000
#: Sizes of the reference run and of the ``--quick`` smoke run.
FULL = {"sizes": [10_000, 100_000], "repeats": 3, "naive_max": 10_000, "naive_sample": 2_000,
        "stream_sizes": [100_000, 1_000_000], "workers_size": 200_000, "single_posts": 1_000,
        "train_sizes": [10_000, 50_000]}
QUICK = {"sizes": [1_000, 5_000], "repeats": 1, "naive_max": 1_000, "naive_sample": 500,
         "stream_sizes": [2_000, 20_000], "workers_size": 20_000, "single_posts": 300,
         "train_sizes": [1_000, 2_000]}
METHODS = ("dialogcls batch", "naive loop", "TF-IDF + LR", "regex floor")
STREAM_FIELDS = ("id", "text", "is_reply", "reply_to", "author", "platform")
#: The fields of a synthetic training set: the stream's, the language, and the gold label and kind.
TRAIN_FIELDS = (*STREAM_FIELDS, "lang", "label", "kind")


# -- the benchmark corpus ---------------------------------------------------------------------------
_SUBSTITUTE = re.compile(
    r"(?P<url>(?:https?://|www\.)[^\s<>\"]+"
    r"|\b[\w-]+\.(?:com|de|ch|at|org|net|io|ly|co|eu|info|gl|me)/[^\s<>\"]*)"
    r"|(?P<handle>(?<![\w@])@\w+)"
    r"|(?P<tag>(?<![\w&])[#＃]\w+)")
_NAME_STEMS = (
    "anna", "jan", "mara", "jonas", "lena", "tim", "sophie", "lukas", "emma", "felix", "mia", "paul",
    "laura", "max", "nina", "ben", "sarah", "tom", "julia", "david", "kate", "mike", "emily", "josh",
    "chris", "olivia", "sam", "grace", "leo", "ella", "noah", "lisa", "kai", "hannah", "finn", "zoe",
    "petra", "klaus", "ute", "jens", "dirk", "sabine", "frank", "heike", "ali", "mehmet", "priya", "raj")
_SYLLABLES = (
    "ka", "lo", "mi", "ne", "ra", "to", "su", "vi", "be", "da", "fo", "gu", "he", "ji", "ku", "la",
    "mo", "nu", "pa", "ri", "se", "ti", "vo", "we", "xa", "yo", "ze", "bri", "cha", "dre", "fla", "gro")
_BASE62 = string.ascii_letters + string.digits


class StreamSynthesizer:
    """Realistic posts for speed tests: the labelled corpus resampled with a heavy-tailed vocabulary.

    Each generated post is a random post of ``source`` (drawn with replacement) in which:

    - every @handle becomes a fresh random handle (a name stem plus a random suffix; the same old
      handle maps to the same new one within a post, and ``reply_to`` follows it);
    - every link becomes a fresh t.co-style link (``https://t.co/`` + 10 random base-62 characters);
    - every hashtag becomes one drawn from an unbounded heavy-tailed vocabulary: its rank follows a
      Lomax (shifted Pareto) distribution with scale ``tag_scale`` and shape ``tag_alpha``, so the
      commonest tag is about 3 % of all tags and about one tag in six is one not drawn before;
    - a post without a link gets one appended with probability ``p_link``; a post without a hashtag
      gets one to three appended with probability ``p_tag``; a post without an inner mention gets one
      inserted before its last word with probability ``p_mention``.

    Texts keep their language, words and punctuation; ``author`` and ``platform`` are kept; ids are
    fresh. Everything is seeded, so a seed gives the same stream every time.
    """

    def __init__(self, source: Sequence[Mapping[str, Any]], seed: int | str, *, p_link: float = 0.6,
                 p_tag: float = 0.5, p_mention: float = 0.15, tag_scale: float = 20.0,
                 tag_alpha: float = 0.5) -> None:
        if not source:
            raise ValueError("the source corpus is empty")
        self.source = list(source)
        self.seed = seed
        self.rng = random.Random(f"speed-{seed}")
        self.p_link, self.p_tag, self.p_mention = p_link, p_tag, p_mention
        self.tag_scale, self.tag_alpha = tag_scale, tag_alpha

    def posts(self, n: int, *, keep: Sequence[str] = ()) -> Iterator[dict[str, Any]]:
        """``n`` fresh posts (dicts with the corpus' fields); ``keep`` names fields of the source post
        to copy as they are (such as ``label`` and ``kind`` for a training set)."""
        for i in range(n):
            yield self.freshen(self.rng.choice(self.source), f"b{self.seed}-{i}", keep=keep)

    def freshen(self, row: Mapping[str, Any], post_id: str, *, keep: Sequence[str] = ()) -> dict[str, Any]:
        """One resampled post with substituted handles, links and hashtags (plus the ``keep`` fields of ``row``)."""
        rng = self.rng
        handles: dict[str, str] = {}
        seen = {"url": False, "tag": False, "handle": 0}

        def substitute(match: re.Match) -> str:
            kind = match.lastgroup
            if kind == "url":
                seen["url"] = True
                return self.link()
            if kind == "tag":
                seen["tag"] = True
                return self.hashtag()
            seen["handle"] += 1
            old = match.group().lower()
            if old not in handles:
                handles[old] = self.handle()
            return handles[old]

        text = _SUBSTITUTE.sub(substitute, row["text"])
        words = text.split(" ")
        if seen["handle"] <= int(text.startswith("@")) and len(words) > 3 and rng.random() < self.p_mention:
            words.insert(len(words) - 1, self.handle())
            text = " ".join(words)
        if not seen["url"] and rng.random() < self.p_link:
            text += " " + self.link()
        if not seen["tag"] and rng.random() < self.p_tag:
            text += "".join(" " + self.hashtag() for _ in range(rng.randint(1, 3)))
        reply_to = row.get("reply_to")
        if reply_to and not (row.get("author") and reply_to.lower() == str(row["author"]).lower()):
            reply_to = handles.get("@" + reply_to.lstrip("@").lower(), self.handle())[1:]
        return {"id": post_id, "text": text, "is_reply": row.get("is_reply"), "reply_to": reply_to,
                "author": row.get("author"), "platform": row.get("platform"), "lang": row.get("lang"),
                **{name: row.get(name) for name in keep}}

    def handle(self) -> str:
        rng = self.rng
        stem = rng.choice(_NAME_STEMS)
        style = rng.random()
        if style < 0.4:
            return f"@{stem}{rng.randint(1, 9999)}"
        if style < 0.7:
            return f"@{stem}_{''.join(rng.choices(string.ascii_lowercase, k=rng.randint(1, 4)))}"
        return f"@{stem.capitalize()}{rng.choice(_NAME_STEMS).capitalize()}{rng.randint(0, 99)}"

    def link(self) -> str:
        return "https://t.co/" + "".join(self.rng.choices(_BASE62, k=10))

    def hashtag(self) -> str:
        rank = int(self.tag_scale * (self.rng.paretovariate(self.tag_alpha) - 1))
        word = []
        while True:
            rank, digit = divmod(rank, len(_SYLLABLES))
            word.append(_SYLLABLES[digit])
            if rank == 0:
                break
        tag = "".join(word)
        return "#" + (tag.capitalize() if self.rng.random() < 0.5 else tag)


def vocabulary_stats(posts: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Share of posts with a link / handle / hashtag, distinct whitespace tokens per post, and the
    share of distinct hashtags among all hashtags."""
    n = len(posts)
    tokens = [token for p in posts for token in p["text"].split()]
    tags = [token.lower() for token in tokens if token.startswith("#")]
    return {"tags_distinct": len(set(tags)) / max(len(tags), 1),
            "links": sum("t.co/" in p["text"] for p in posts) / n,
            "handles": sum("@" in p["text"] for p in posts) / n,
            "hashtags": sum("#" in p["text"] for p in posts) / n,
            "types_per_post": len(set(tokens)) / n,
            "tokens_per_post": len(tokens) / n}


# -- in-process timing ------------------------------------------------------------------------------
@dataclass
class Timing:
    """One method on one size: seconds for ``timed`` posts, standing for ``size`` posts."""

    method: str
    size: int
    timed: int
    seconds: float
    runs: int = 1

    @property
    def rate(self) -> float:
        return self.timed / self.seconds if self.seconds > 0 else float("inf")

    @property
    def extrapolated(self) -> bool:
        return self.timed < self.size

    @property
    def total_seconds(self) -> float:
        """Seconds for all ``size`` posts (extrapolated when only a sample was timed)."""
        return self.size / self.rate


@dataclass
class CallTimes:
    """Seconds of single calls, one each, on the posts of ``source`` after ``warm_up`` untimed calls."""

    seconds: list[float]
    warm_up: int
    source: str

    def percentile(self, q: int) -> float:
        """The ``q``-th percentile (1-99), interpolated between order statistics."""
        if len(self.seconds) < 2:
            return self.seconds[0]
        return statistics.quantiles(self.seconds, n=100, method="inclusive")[q - 1]


def clock(function: Callable[[], Any]) -> float:
    """Wall-clock seconds of one call."""
    start = time.perf_counter()
    function()
    return time.perf_counter() - start


class Contenders:
    """The four ways of scoring posts, set up once (model loaded, pipelines built, baseline fitted)."""

    def __init__(self, model_dir: Path, train_rows: Sequence[Mapping[str, Any]]) -> None:
        import dialogcls
        from dialogcls.prep import TOKEN_PATTERN
        from dialogcls.spacy_tokenizer import make_nlp

        self.dialogcls = dialogcls
        self.model = dialogcls.load(model_dir)
        self.nlp = {"de": make_nlp("de"), "en": make_nlp("en")}
        self.findall = TOKEN_PATTERN.findall
        self.tfidf = tfidf_pipeline()
        self.tfidf_fit_seconds = clock(lambda: self.tfidf.fit([r["text"] for r in train_rows],
                                                              [r["label"] for r in train_rows]))
        self.tfidf_train_rows = len(train_rows)

    def batch(self, posts: Sequence[Mapping[str, Any]]) -> float:
        """dialogcls.classify_batch over the text column and the metadata columns."""
        texts, columns = [p["text"] for p in posts], metadata_columns(posts)
        return clock(lambda: self.dialogcls.classify_batch(texts, model=self.model, **columns))

    def naive(self, posts: Sequence[Mapping[str, Any]]) -> float:
        """Per post: one spaCy call and one classify call, as a user would write it."""
        classify, nlp, model = self.dialogcls.classify, self.nlp, self.model

        def loop() -> None:
            for post in posts:
                nlp["de" if post.get("lang") == "de" else "en"](post["text"])
                classify({"text": post["text"], "is_reply": post.get("is_reply"),
                          "reply_to": post.get("reply_to"), "author": post.get("author"),
                          "platform": post.get("platform")}, model=model)
        return clock(loop)

    def baseline(self, posts: Sequence[Mapping[str, Any]]) -> float:
        """TF-IDF + logistic regression: transform + predict_proba on the texts."""
        texts = [p["text"] for p in posts]
        return clock(lambda: self.tfidf.predict_proba(texts))

    def single(self, texts: Sequence[str], warm_up: Sequence[str]) -> list[float]:
        """Seconds of each ``dialogcls.classify(text)`` call, timed one call at a time after one call
        per text of ``warm_up``."""
        classify, model, now = self.dialogcls.classify, self.model, time.perf_counter
        for text in warm_up:
            classify(text, model=model)
        seconds = []
        for text in texts:
            start = now()
            classify(text, model=model)
            seconds.append(now() - start)
        return seconds

    def regex(self, posts: Sequence[Mapping[str, Any]]) -> float:
        """One pass of the compiled tokenising regular expression."""
        texts, findall = [p["text"] for p in posts], self.findall

        def loop() -> None:
            for text in texts:
                findall(text)
        return clock(loop)


def measure_throughput(contenders: Contenders, source: Sequence[Mapping[str, Any]], sizes: Sequence[int],
                       *, seed: int, repeats: int, naive_max: int, naive_sample: int) -> list[Timing]:
    """Time the four contenders on each size; each repeat uses a freshly generated stream.

    The dialogcls batch path, the TF-IDF baseline and the regex floor report the median over
    ``repeats`` streams; the naive loop runs once, on the first stream (on a sample above ``naive_max``).
    """
    warm = list(StreamSynthesizer(source, f"{seed}-warm-up").posts(1_000))
    contenders.batch(warm), contenders.naive(warm[:100]), contenders.baseline(warm), contenders.regex(warm)
    timings = []
    for size in sizes:
        runs: dict[str, list[float]] = {"dialogcls batch": [], "TF-IDF + LR": [], "regex floor": []}
        naive = None
        for repeat in range(repeats):
            posts = list(StreamSynthesizer(source, f"{seed}-{size}-{repeat}").posts(size))
            runs["dialogcls batch"].append(contenders.batch(posts))
            runs["TF-IDF + LR"].append(contenders.baseline(posts))
            runs["regex floor"].append(contenders.regex(posts))
            if repeat == 0:
                sample = posts if size <= naive_max else posts[:naive_sample]
                naive = Timing("naive loop", size, len(sample), contenders.naive(sample))
            del posts
        timings += [Timing(name, size, size, statistics.median(seconds), len(seconds))
                    for name, seconds in runs.items()]
        timings.append(naive)
    return timings


# -- subprocess measurements ------------------------------------------------------------------------
@dataclass
class ProcessRun:
    """A finished child process: wall time, exit code, peak RSS of the child and of its tree."""

    seconds: float
    returncode: int
    max_rss: int                 # bytes; the largest single process of the tree (rusage)
    tree_peak: int | None        # bytes; the largest sampled sum over the child and its descendants
    stdout: str = ""
    stderr: str = ""

    @property
    def peak(self) -> int:
        """The larger of the two peaks (bytes): what a memory target is judged on."""
        return max(self.max_rss, self.tree_peak or 0)


#: Runs a command and reports its wall time and peak RSS. The benchmark starts commands through this
#: small launcher because on Linux a child's ``ru_maxrss`` also counts the memory its parent had when
#: it forked: measured straight from this (large) process, every child would look at least as big.
LAUNCHER = r"""
import json, resource, subprocess, sys, time
start = time.perf_counter()
code = subprocess.call(sys.argv[2:])
seconds = time.perf_counter() - start
with open(sys.argv[1], "w") as handle:
    json.dump({"seconds": seconds, "max_rss_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}, handle)
sys.exit(code)
"""


def run_measured(command: Sequence[str], env: Mapping[str, str], *, sample_interval: float = 0.1) -> ProcessRun:
    """Run ``command`` through :data:`LAUNCHER`: wall time, exit code, the peak RSS of the largest
    process of its tree (rusage) and, with psutil, the peak of the tree's summed RSS (sampled)."""
    try:
        import psutil
    except ImportError:
        psutil = None
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(suffix=".json") as report:
        launcher = subprocess.Popen([sys.executable, "-c", LAUNCHER, report.name, *command],
                                    env=dict(env), stdout=out, stderr=err)
        peak = [0]
        done = threading.Event()

        def sample() -> None:
            try:
                parent = psutil.Process(launcher.pid)
                while not done.is_set():
                    total = 0
                    for member in parent.children(recursive=True):
                        try:
                            total += member.memory_info().rss
                        except psutil.Error:
                            pass
                    peak[0] = max(peak[0], total)
                    done.wait(sample_interval)
            except psutil.Error:
                pass

        sampler = threading.Thread(target=sample, daemon=True) if psutil else None
        if sampler:
            sampler.start()
        returncode = launcher.wait()
        done.set()
        if sampler:
            sampler.join()
        measured = json.loads(Path(report.name).read_text() or "{}")
        out.seek(0), err.seek(0)
        return ProcessRun(measured.get("seconds", float("nan")), returncode, measured.get("max_rss_kib", 0) * 1024,
                          peak[0] if psutil else None,
                          out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))


def child_env(model_dir: Path) -> dict[str, str]:
    """Environment of child processes: the model to use, one thread per process."""
    return {**os.environ, **SINGLE_THREAD_ENV, "DIALOGCLS_MODEL": str(model_dir)}


def cli_available(env: Mapping[str, str]) -> bool:
    """Whether ``python -m dialogcls classify --help`` works."""
    result = subprocess.run([sys.executable, "-m", "dialogcls", "classify", "--help"], env=dict(env),
                            capture_output=True, timeout=120)
    return result.returncode == 0


def synthetic_file(source: Sequence[Mapping[str, Any]], kind: str, size: int, seed: int, workdir: Path, *,
                   fields: Sequence[str] = STREAM_FIELDS, keep: Sequence[str] = ()) -> Path:
    """``size`` posts of a :class:`StreamSynthesizer` seeded by ``seed``, ``kind`` and ``size``, as JSON
    Lines with ``fields`` in ``workdir`` (``keep``: source fields copied as they are); reused when the
    file is already there."""
    path = workdir / f"{kind}-{seed}-{size}.jsonl"
    if not path.exists():
        log(f"writing {size:,} posts to {path}")
        posts = StreamSynthesizer(source, f"{seed}-{kind}-{size}").posts(size, keep=keep)
        write_jsonl(path, ({name: post[name] for name in fields} for post in posts))
    return path


@dataclass
class StreamRun:
    size: int
    workers: int
    run: ProcessRun
    rows_out: int

    @property
    def rate(self) -> float:
        return self.size / self.run.seconds

    @property
    def ok(self) -> bool:
        """Exited 0 with one output row per input row."""
        return self.run.returncode == 0 and self.rows_out == self.size


def run_cli(path: Path, size: int, workers: int, env: Mapping[str, str], workdir: Path) -> StreamRun:
    """``python -m dialogcls classify`` on one file; checks that every input row came out."""
    out = workdir / f"out-{size}-w{workers}.jsonl"
    command = [sys.executable, "-m", "dialogcls", "classify", str(path), "-o", str(out), "--quiet",
               "--workers", str(workers), "--model", env["DIALOGCLS_MODEL"]]
    run = run_measured(command, env)
    rows = 0
    if out.exists():
        with open(out, "rb") as handle:
            rows = sum(1 for _ in handle)
        out.unlink()
    if run.returncode != 0:
        print(f"warning: {' '.join(command)} exited with {run.returncode}:\n{run.stderr[-2000:]}", file=sys.stderr)
    return StreamRun(size, workers, run, rows)


STARTUP_SCRIPT = r"""
import json, time
t0 = time.perf_counter()
import dialogcls
t1 = time.perf_counter()
dialogcls.load()
t2 = time.perf_counter()
dialogcls.classify("@anna Danke für den Hinweis, wir kümmern uns darum!")
t3 = time.perf_counter()
print(json.dumps({"import": t1 - t0, "load": t2 - t1, "first prediction": t3 - t2}))
"""


def measure_startup(env: Mapping[str, str], runs: int) -> list[dict[str, float]]:
    """Fresh interpreter to first prediction, ``runs`` times: phase times plus process wall time."""
    results = []
    for _ in range(runs):
        run = run_measured([sys.executable, "-c", STARTUP_SCRIPT], env)
        if run.returncode != 0:
            raise RuntimeError(f"the start-up probe failed:\n{run.stderr[-2000:]}")
        phases = json.loads(run.stdout.strip().splitlines()[-1])
        phases["process wall time"] = run.seconds
        results.append(phases)
    return results


@dataclass
class TrainRun:
    """``python -m dialogcls train`` on one labelled file."""

    name: str
    posts: int
    run: ProcessRun
    wrote_model: bool

    @property
    def ok(self) -> bool:
        return self.run.returncode == 0 and self.wrote_model


def run_train(name: str, path: Path, posts: int, env: Mapping[str, str], workdir: Path) -> TrainRun:
    """``python -m dialogcls train PATH -o DIR --quiet`` in a fresh process; the model is removed after."""
    out = workdir / f"model-{path.stem}"
    command = [sys.executable, "-m", "dialogcls", "train", str(path), "-o", str(out), "--quiet"]
    run = run_measured(command, env)
    wrote = (out / "meta.json").is_file()
    shutil.rmtree(out, ignore_errors=True)
    if run.returncode != 0 or not wrote:
        print(f"warning: {' '.join(command)} exited with {run.returncode}"
              f"{'' if wrote else ' and wrote no model'}:\n{run.stderr[-2000:]}", file=sys.stderr)
    return TrainRun(name, posts, run, wrote)


def measure_training(train_path: Path, train_rows: Sequence[Mapping[str, Any]], sizes: Sequence[int], *,
                     seed: int, env: Mapping[str, str], workdir: Path) -> list[TrainRun]:
    """Train on the corpus' train split, then on a synthetic set of each size resampled from it
    (labels and kinds kept from each source post)."""
    log(f"training on {display_path(train_path)} ({len(train_rows):,} posts)")
    runs = [run_train("corpus train split", train_path, len(train_rows), env, workdir)]
    log(f"  {runs[-1].run.seconds:.1f} s, peak RSS {mb(runs[-1].run.peak)}")
    for size in sorted(sizes):
        path = synthetic_file(train_rows, "train", size, seed, workdir, fields=TRAIN_FIELDS, keep=("label", "kind"))
        log(f"training on {size:,} synthetic posts")
        runs.append(run_train("synthetic", path, size, env, workdir))
        log(f"  {runs[-1].run.seconds:.1f} s, peak RSS {mb(runs[-1].run.peak)}")
    return runs


# -- profile ----------------------------------------------------------------------------------------
def profile_batch(contenders: Contenders, source: Sequence[Mapping[str, Any]], seed: int, path: Path) -> str:
    """cProfile of classify_batch over 20,000 fresh posts, plus a coarse per-stage breakdown (the
    stages of ``dialogcls.api.score``), written to ``path``; returns the text."""
    posts = list(StreamSynthesizer(source, f"{seed}-profile").posts(PROFILE_POSTS))
    texts, columns = [p["text"] for p in posts], metadata_columns(posts)
    profiler = cProfile.Profile()
    profiler.enable()
    contenders.dialogcls.classify_batch(texts, model=contenders.model, **columns)
    profiler.disable()

    report = io.StringIO()
    report.write(f"classify_batch over {PROFILE_POSTS:,} benchmark posts (seed {seed}), one process.\n\n")
    report.write("Coarse stages (fresh posts, same size; the steps of dialogcls.api.score):\n")
    try:
        stages = stage_breakdown(contenders,
                                 list(StreamSynthesizer(source, f"{seed}-stages").posts(PROFILE_POSTS)))
    except Exception as error:  # the breakdown mirrors internals that may change
        report.write(f"  unavailable: {type(error).__name__}: {error}\n\n")
    else:
        total = sum(stages.values())
        for name, seconds in stages.items():
            report.write(f"  {name:<42} {seconds:7.3f} s  {100 * seconds / total:5.1f} %\n")
        report.write(f"  {'total':<42} {total:7.3f} s  ({PROFILE_POSTS / total:,.0f} posts/s)\n\n")
    for key, limit in (("cumulative", 40), ("tottime", 30)):
        report.write(f"=== cProfile, sorted by {key} (top {limit}) ===\n")
        stats = pstats.Stats(profiler, stream=report)
        stats.strip_dirs().sort_stats(key).print_stats(limit)
    text = report.getvalue()
    path.write_text(text, encoding="utf-8")
    return text


def stage_breakdown(contenders: Contenders, posts: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    """Seconds per stage of the batch path, run step by step the way ``dialogcls.api.score`` and
    ``DialogueClassifier.batch`` do it (this mirrors library internals, so it may need updating with them)."""
    from dialogcls.api import DEFAULT_BATCH_SIZE
    from dialogcls.features import FeatureBlocks, named_features
    from dialogcls.records import PostBatch
    from dialogcls.rules import reply_shaped as reply_shaped_posts

    model = contenders.model
    featurizer = model.featurizer_
    texts, columns = [p["text"] for p in posts], metadata_columns(posts)
    stages: dict[str, float] = {}
    out: dict[str, list[Any]] = {name: [] for name in ("batch", "tokens", "named", "ngrams", "scores", "labels")}

    def stage(name: str, function: Callable[[], Any]) -> None:
        stages[name] = clock(function)

    stage("PostBatch.from_columns", lambda: out["batch"].append(PostBatch.from_columns(texts, **columns)))
    batch = out["batch"][0]
    size = DEFAULT_BATCH_SIZE
    pieces = [batch.take(range(s, min(s + size, len(batch)))) for s in range(0, len(batch), size)]
    stage("PostBatch.take (chunking)",
          lambda: [batch.take(range(s, min(s + size, len(batch)))) for s in range(0, len(batch), size)])
    stage("tokenize (regex, type table, language)",
          lambda: out["tokens"].extend(featurizer.tokenize(c) for c in pieces))
    stage("named features", lambda: out["named"].extend(named_features(t, c) for t, c in zip(out["tokens"], pieces)))
    stage("hashed word + char n-grams", lambda: out["ngrams"].extend(featurizer._ngrams(t) for t in out["tokens"]))
    weights = model._block_weights()
    stage("block products (stratum, kind and explanation sums)", lambda: out["scores"].extend(
        weights.score(FeatureBlocks(n, w, c)) for n, (w, c) in zip(out["named"], out["ngrams"])))
    shaped = [reply_shaped_posts(c) for c in pieces]
    stage("p_dialogue and labels (calibrated LR per stratum)", lambda: out["labels"].extend(
        model.labels(model.p_dialogue(f, model._strata_of(s)), s) for f, s in zip(out["scores"], shaped)))
    stage("predict_kind", lambda: [model.predict_kind(f, y) for f, y in zip(out["scores"], out["labels"])])
    stage("explain (top cues)", lambda: [model.explain(f, y, model._strata_of(s))
                                         for f, y, s in zip(out["scores"], out["labels"], shaped)])
    return stages


# -- report -----------------------------------------------------------------------------------------
@dataclass
class Results:
    corpus: dict[str, Any]
    throughput: list[Timing]
    tfidf_fit: tuple[float, int]
    single: CallTimes | None = None
    streams: list[StreamRun] = field(default_factory=list)
    one_worker: StreamRun | None = None     # the --workers 1 side of the comparison (may be a stream run)
    two_workers: StreamRun | None = None
    startup: list[dict[str, float]] = field(default_factory=list)
    training: list[TrainRun] = field(default_factory=list)
    cli_missing: bool = False
    load: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def mb(value: int | None) -> str:
    return "n/a" if value is None else f"{value / 1e6:,.0f} MB"


def ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms"


def render(results: Results, argv: Sequence[str], model_dir: Path, args: argparse.Namespace) -> str:
    """The Markdown speed section."""
    lines = ["## Speed", ""]
    if args.quick:
        lines += ["**Quick smoke run (small sizes): not the reference figures.**", ""]
    lines += header_block("speed.py", argv, [("model", describe_model(model_dir)),
                                             ("threads", "one process, BLAS/OpenMP limited to 1 thread"),
                                             ("load average at start", results.load.get("start", "unknown")),
                                             ("load average at end", results.load.get("end", "unknown"))])
    lines += ["### Targets (issue 13)", ""] + md_table(["target", "measured", "verdict"], target_rows(results))
    lines += throughput_section(results)
    lines += single_section(results)
    lines += stream_section(results)
    lines += startup_section(results)
    lines += training_section(results)
    lines += corpus_section(results, args)
    if results.notes:
        lines += ["### Notes", ""] + [f"- {note}" for note in results.notes] + [""]
    return "\n".join(lines)


def batch_ratios(timings: Sequence[Timing]) -> dict[int, tuple[float, float]]:
    """Per batch size, ``classify_batch``'s posts/s over TF-IDF + LR's and over the regex's."""
    by = {(t.method, t.size): t.rate for t in timings}
    return {size: (by["dialogcls batch", size] / by["TF-IDF + LR", size],
                   by["dialogcls batch", size] / by["regex floor", size])
            for size in sorted({t.size for t in timings})}


def sized(kind: str, size: int) -> str:
    """``"N posts"``, plus the size issue 13 sets the target for when it is another one."""
    target = ISSUE_SIZES[kind]
    return f"{size:,} posts" + ("" if size == target else f"; the issue's target is for {target:,}")


def failed(run: ProcessRun, what: str = "") -> str:
    return f"failed (exit {run.returncode}{', ' + what if what else ''})"


def target_rows(results: Results) -> list[list[str]]:
    """One row per target of issue 13, in the issue's order; a part that was skipped says so."""
    rows = []
    by = {(t.method, t.size): t.rate for t in results.throughput}
    for size, (over_tfidf, over_regex) in batch_ratios(results.throughput).items():
        batch = by["dialogcls batch", size]
        rows.append([f"`classify_batch` >= {TARGET_OVER_TFIDF:g}x TF-IDF(1,2) + LR, transform + predict_proba "
                     f"({sized('batch', size)})", f"{over_tfidf:.2f}x ({batch:,.0f} against "
                     f"{by['TF-IDF + LR', size]:,.0f} posts/s)", verdict(over_tfidf >= TARGET_OVER_TFIDF)])
        rows.append([f"`classify_batch` >= {TARGET_OVER_REGEX:g}x a bare `findall` of the tokenizer's regex "
                     f"({sized('batch', size)})", f"{over_regex:.2f}x ({batch:,.0f} against "
                     f"{by['regex floor', size]:,.0f} posts/s)", verdict(over_regex >= TARGET_OVER_REGEX)])

    skipped = "not measured (" + ("the CLI is missing" if results.cli_missing else "--no-stream") + ")"
    largest_batch = max(t.size for t in results.throughput)
    cli_target = f"CLI, JSONL to JSONL, >= {TARGET_CLI_OVER_BATCH:g}x `classify_batch` in the same run"
    memory_target = f"CLI peak memory < {TARGET_STREAM_PEAK / 1e6:,.0f} MB"
    if results.streams:
        large = max(results.streams, key=lambda s: s.size)
        batch_rate = by["dialogcls batch", largest_batch]
        ratio = large.rate / batch_rate
        rows.append([f"{cli_target} ({sized('stream', large.size)}; against `classify_batch` on {largest_batch:,})",
                     f"{ratio:.2f}x ({large.rate:,.0f} against {batch_rate:,.0f} posts/s)" if large.ok
                     else failed(large.run, f"{large.rows_out:,} of {large.size:,} rows"),
                     verdict(large.ok and ratio >= TARGET_CLI_OVER_BATCH)])
        rows.append([f"{memory_target} ({sized('stream', large.size)}; the larger of the two peaks)",
                     mb(large.run.peak), verdict(large.ok and large.run.peak < TARGET_STREAM_PEAK)])
    else:
        rows += [[cli_target, skipped, verdict(None)], [memory_target, skipped, verdict(None)]]

    workers_target = f"`--workers 2` >= {TARGET_WORKERS_SPEEDUP:g}x `--workers 1`"
    one, two = results.one_worker, results.two_workers
    if one is not None and two is not None:
        ok = one.ok and two.ok
        speedup = two.rate / one.rate
        rows.append([f"{workers_target} ({sized('workers', two.size)})",
                     f"{speedup:.2f}x ({two.rate:,.0f} against {one.rate:,.0f} posts/s)" if ok
                     else failed(one.run if not one.ok else two.run),
                     verdict(ok and speedup >= TARGET_WORKERS_SPEEDUP)])
    else:
        rows.append([workers_target, skipped, verdict(None)])

    if results.startup:
        wall = statistics.median(r["process wall time"] for r in results.startup)
        rows.append([f"first prediction in a new process < {TARGET_STARTUP:g} s (median of {len(results.startup)})",
                     f"{wall:.2f} s", verdict(wall < TARGET_STARTUP)])

    if results.single is not None:
        calls = results.single
        p50 = calls.percentile(50)
        rows.append([f"one post, `dialogcls.classify(str)`, p50 < {TARGET_SINGLE_P50 * 1e3:g} ms "
                     f"({len(calls.seconds):,} calls)", f"p50 {ms(p50)}, p90 {ms(calls.percentile(90))}",
                     verdict(p50 < TARGET_SINGLE_P50)])

    rows += training_target_rows(results.training)
    return rows


def training_target_rows(training: Sequence[TrainRun]) -> list[list[str]]:
    """The training targets: the corpus, the largest synthetic set's time and memory, and linear memory."""
    corpus_target = f"`train` on the corpus < {TARGET_TRAIN_CORPUS:g} s"
    if not training:
        return [[target, "not measured (--no-train)", verdict(None)] for target in (
            corpus_target, f"`train` on 50,000 posts < {TARGET_TRAIN_LARGE / 60:g} minutes",
            f"`train` peak memory < {TARGET_TRAIN_PEAK / 1e9:g} GB and at most linear in posts")]

    def took(run: TrainRun) -> str:
        return f"{run.run.seconds:,.1f} s" if run.ok else failed(run.run, "" if run.wrote_model else "no model")

    corpus, synthetic = training[0], list(training[1:])
    rows = [[f"{corpus_target} ({corpus.posts:,} posts of the train split)", took(corpus),
             verdict(corpus.ok and corpus.run.seconds < TARGET_TRAIN_CORPUS)]]
    if not synthetic:
        return rows
    large = synthetic[-1]
    rows.append([f"`train` < {TARGET_TRAIN_LARGE / 60:g} minutes ({sized('train', large.posts)})", took(large),
                 verdict(large.ok and large.run.seconds < TARGET_TRAIN_LARGE)])
    rows.append([f"`train` peak memory < {TARGET_TRAIN_PEAK / 1e9:g} GB ({sized('train', large.posts)})",
                 mb(large.run.peak),
                 verdict(large.ok and large.run.peak < TARGET_TRAIN_PEAK)])
    if len(synthetic) >= 2:
        small = synthetic[0]
        memory, posts = large.run.peak / small.run.peak, large.posts / small.posts
        rows.append([f"`train` memory at most linear: peak({large.posts:,}) / peak({small.posts:,}) <= the ratio "
                     f"of posts", f"{memory:.2f}x the memory for {posts:g}x the posts "
                     f"({mb(small.run.peak)} -> {mb(large.run.peak)})",
                     verdict(small.ok and large.ok and memory <= posts)])
    return rows


def throughput_section(results: Results) -> list[str]:
    lines = ["### Batch throughput (one process, one core)", ""]
    fit_seconds, fit_rows = results.tfidf_fit
    for size in sorted({t.size for t in results.throughput}):
        timings = {t.method: t for t in results.throughput if t.size == size}
        batch = timings["dialogcls batch"]
        rows = []
        for name in METHODS:
            t = timings[name]
            how = (f"{t.timed:,}-post sample, extrapolated" if t.extrapolated
                   else (f"median of {t.runs} streams" if t.runs > 1 else "1 run"))
            rows.append([name, f"{t.total_seconds:,.2f}", f"{t.rate:,.0f}", f"{t.rate / batch.rate:.3g}", how])
        lines += [f"**{size:,} posts**", ""]
        lines += md_table(["method", "seconds", "posts/s", "rate / dialogcls batch", "timed on"], rows)
        matrix = [[row] + [f"{timings[row].rate / timings[col].rate:.3g}x" for col in METHODS] for row in METHODS]
        lines += ["Every ratio (row's posts/s divided by column's):", ""]
        lines += md_table(["", *METHODS], matrix)
    lines += [f"The TF-IDF(1,2) + LR pipeline was fitted on {fit_rows:,} posts of the train split in "
              f"{fit_seconds:.1f} s (not included above) and is timed on `predict_proba` (transform + "
              "predict_proba). The regex row is one `TOKEN_PATTERN.findall` per text. The naive loop (no "
              "target) calls one spaCy pipeline (`make_nlp`, chosen by the post's language) and "
              "`dialogcls.classify` once per post.", ""]
    return lines


def single_section(results: Results) -> list[str]:
    calls = results.single
    if calls is None:
        return []
    rows = [[f"p{q}", ms(calls.percentile(q))] for q in (50, 90, 99)]
    rows += [["mean", ms(statistics.fmean(calls.seconds))], ["max", ms(max(calls.seconds))]]
    return (["### One post at a time", "",
             f"`dialogcls.classify(text, model=...)` with a plain string, on the first {len(calls.seconds):,} "
             f"texts of `{calls.source}`, each call timed on its own (`time.perf_counter`) after "
             f"{calls.warm_up:,} warm-up calls on other posts; in this process, with the model already loaded:", ""]
            + md_table(["statistic", "seconds per call"], rows))


def stream_section(results: Results) -> list[str]:
    lines = ["### Streaming through the CLI", ""]
    if results.cli_missing:
        return lines + ["Not measured: `python -m dialogcls classify` is not available in this checkout.", ""]
    if not results.streams and results.two_workers is None:
        return lines + ["Not measured (`--no-stream`).", ""]
    runs = list(results.streams)
    runs += [s for s in (results.one_worker, results.two_workers)
             if s is not None and all(s is not run for run in runs)]
    rows = [[f"{s.size:,}", s.workers, f"{s.run.seconds:,.1f}", f"{s.rate:,.0f}", mb(s.run.max_rss),
             mb(s.run.tree_peak), f"{s.rows_out:,}", s.run.returncode] for s in runs]
    lines += ["`python -m dialogcls classify IN.jsonl -o OUT.jsonl --quiet --workers N --model DIR`, wall time from "
              "process start to exit (reading, scoring and writing JSON Lines):", ""]
    lines += md_table(["posts", "workers", "seconds", "posts/s", "peak RSS (largest process)",
                       "peak RSS (process tree, sampled)", "rows written", "exit"], rows)
    batch = {t.size: t.rate for t in results.throughput if t.method == "dialogcls batch"}
    largest_batch = max(batch)
    for s in results.streams:
        lines.append(f"- {s.size:,} posts, one worker: {s.rate / batch[largest_batch]:.2f}x the posts/s of "
                     f"`classify_batch` on {largest_batch:,} posts in this run.")
    if len(results.streams) >= 2:
        small, large = results.streams[0], results.streams[-1]
        lines.append(f"- Peak memory from {small.size:,} to {large.size:,} posts: "
                     f"{large.run.peak / small.run.peak:.2f}x ({mb(small.run.peak)} -> {mb(large.run.peak)}).")
    one, two = results.one_worker, results.two_workers
    if one is not None and two is not None:
        lines.append(f"- Two workers against one on {two.size:,} posts: {two.rate / one.rate:.2f}x the throughput "
                     f"({two.rate:,.0f} against {one.rate:,.0f} posts/s; the machine has {os.cpu_count()} cores)"
                     + (". The one-worker figure is the streaming run above."
                        if any(one is s for s in results.streams) else "."))
    return lines + [""]


def startup_section(results: Results) -> list[str]:
    if not results.startup:
        return []
    phases = list(results.startup[0])
    rows = [[name] + [f"{r[name]:.3f}" for r in results.startup]
            + [f"{statistics.median(r[name] for r in results.startup):.3f}"] for name in phases]
    return (["### Start-up (fresh process)", "",
             "`import dialogcls` (lazy: the heavy libraries load with the model), `dialogcls.load()` of "
             "the default model, and one `dialogcls.classify` call; seconds:", ""]
            + md_table(["phase", *[f"run {i + 1}" for i in range(len(results.startup))], "median"], rows))


def training_section(results: Results) -> list[str]:
    if not results.training:
        return []
    rows = [[t.name, f"{t.posts:,}", f"{t.run.seconds:,.1f}", f"{t.posts / t.run.seconds:,.0f}", mb(t.run.max_rss),
             mb(t.run.tree_peak), "yes" if t.wrote_model else "no", t.run.returncode] for t in results.training]
    lines = ["### Training (fresh process)", "",
             "`python -m dialogcls train FILE -o DIR --quiet` with the command's defaults (cross-validation "
             "included), wall time from process start to exit. The synthetic sets resample the train split "
             "with `StreamSynthesizer`, labels and kinds kept from each source post:", ""]
    lines += md_table(["data", "posts", "seconds", "posts/s", "peak RSS (largest process)",
                       "peak RSS (process tree, sampled)", "model written", "exit"], rows)
    synthetic = results.training[1:]
    if len(synthetic) >= 2:
        small, large = synthetic[0], synthetic[-1]
        per_thousand = (large.run.peak - small.run.peak) / (large.posts - small.posts) * 1000
        lines += [f"From {small.posts:,} to {large.posts:,} posts ({large.posts / small.posts:g}x the posts): "
                  f"{large.run.seconds / small.run.seconds:.2f}x the time and {large.run.peak / small.run.peak:.2f}x "
                  f"the peak memory ({mb(int(per_thousand))} more per 1,000 posts).", ""]
    return lines


def corpus_section(results: Results, args: argparse.Namespace) -> list[str]:
    c = results.corpus
    return ["### The benchmark corpus", "",
            f"Posts drawn with replacement from the {c['source_rows']:,} posts of `{display_path(c['source'])}` "
            f"(seed {args.seed}), each with fresh random @handles (reply_to follows), fresh t.co-style links "
            "and hashtags from an unbounded heavy-tailed vocabulary (Lomax-distributed ranks); posts without "
            "a link get one appended "
            "with probability 0.6, posts without a hashtag get one to three with probability 0.5, and 15 % "
            "get an inner mention (see `StreamSynthesizer` in `benchmarks/speed.py`). Every repeat and every "
            f"stream file is a fresh stream. In a 10,000-post sample: {c['links']:.0%} of posts have a link, "
            f"{c['handles']:.0%} a handle, {c['hashtags']:.0%} a hashtag ({c['tags_distinct']:.0%} of the "
            f"hashtags distinct); {c['tokens_per_post']:.1f} whitespace tokens and {c['types_per_post']:.2f} "
            "distinct tokens per post.", ""]


# -- main -------------------------------------------------------------------------------------------
def parse_sizes(text: str) -> list[int]:
    """``"10000,100_000"`` -> ``[10000, 100000]``."""
    try:
        sizes = [int(part.replace("_", "")) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, not {text!r}") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes must be positive")
    return sizes


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="model directory (default: $DIALOGCLS_MODEL or models/default)")
    parser.add_argument("--data", default=str(DEFAULT_DATA),
                        help="folder with train.jsonl (+ dev/test): resampled for the corpus, train fits TF-IDF")
    parser.add_argument("--seed", type=int, default=0, help="seed of the benchmark corpus")
    parser.add_argument("--sizes", type=parse_sizes, help="in-process batch sizes (default 10000,100000)")
    parser.add_argument("--repeats", type=int, help="fresh streams per size, median reported (default 3)")
    parser.add_argument("--naive-max", type=int,
                        help="largest size the naive loop runs on in full (default 10000)")
    parser.add_argument("--naive-sample", type=int,
                        help="posts the naive loop is timed on above --naive-max, then extrapolated (default 2000)")
    parser.add_argument("--single-posts", type=int,
                        help="posts of the test split classified one call at a time (default 1000)")
    parser.add_argument("--stream-sizes", type=parse_sizes,
                        help="posts per CLI streaming run with one worker (default 100000,1000000)")
    parser.add_argument("--workers-size", type=int,
                        help="posts of the file run with --workers 2 against --workers 1 (default 200000; the "
                             "one-worker run is reused when the size is one of --stream-sizes)")
    parser.add_argument("--no-stream", action="store_true", help="skip the CLI streaming and worker runs")
    parser.add_argument("--startup-runs", type=int, default=3)
    parser.add_argument("--train-sizes", type=parse_sizes,
                        help="synthetic training sets, in posts, trained on after the corpus (default 10000,50000)")
    parser.add_argument("--no-train", action="store_true", help="skip the training runs")
    parser.add_argument("--workdir", help="where the stream files and training sets go (default: a temporary "
                                          "folder, removed)")
    parser.add_argument("--profile", action="store_true",
                        help="write benchmarks/profile.txt even when the batch path meets its targets")
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: sizes 1000,5000, one repeat, 300 single posts, streams of 2000,20000, "
                             "workers on 20000, training sets of 1000,2000 (explicit options still win)")
    parser.add_argument("--out", help="update the speed section of this Markdown file (e.g. benchmarks/RESULTS.md)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = apply_presets(build_parser().parse_args(argv), QUICK, FULL)
    ensure_dialogcls_importable()
    model_dir = resolve_model(args.model)
    env = child_env(model_dir)
    load = {"start": machine_load()}

    train_path = split_path(args.data, "train")
    train = read_jsonl(train_path)
    source, held_out = list(train), {}
    for split in ("dev", "test"):
        path = Path(args.data) / f"{split}.jsonl"
        if path.is_file():
            held_out[split] = read_jsonl(path)
            source += held_out[split]
    corpus = {"source": args.data, "source_rows": len(source),
              **vocabulary_stats(list(StreamSynthesizer(source, f"{args.seed}-stats").posts(10_000)))}

    log("setting up: model, spaCy pipelines, TF-IDF baseline fit")
    contenders = Contenders(model_dir, train)
    log(f"batch throughput on {args.sizes}")
    throughput = measure_throughput(contenders, source, args.sizes, seed=args.seed, repeats=args.repeats,
                                    naive_max=args.naive_max, naive_sample=args.naive_sample)
    results = Results(corpus, throughput, (contenders.tfidf_fit_seconds, contenders.tfidf_train_rows), load=load)
    for t in throughput:
        log(f"  {t.method:<16} {t.size:>9,} posts  {t.rate:>12,.0f} posts/s")

    single_split = "test" if "test" in held_out else "train"
    single_rows = held_out.get("test", train)[:args.single_posts]
    if single_rows:
        warm_up = [r["text"] for r in train[-100:]]
        log(f"one post at a time: {len(single_rows):,} posts of the {single_split} split")
        results.single = CallTimes(contenders.single([r["text"] for r in single_rows], warm_up), len(warm_up),
                                   display_path(Path(args.data) / f"{single_split}.jsonl"))
        log(f"  p50 {ms(results.single.percentile(50))}, p90 {ms(results.single.percentile(90))}")

    misses = any(over_tfidf < TARGET_OVER_TFIDF or over_regex < TARGET_OVER_REGEX
                 for over_tfidf, over_regex in batch_ratios(throughput).values())
    if args.profile or (misses and not args.quick):
        path = BENCH_DIR / "profile.txt"
        log(f"profiling classify_batch over {PROFILE_POSTS:,} posts -> {path}")
        profile_batch(contenders, source, args.seed, path)
        results.notes.append(f"The batch path was profiled over {PROFILE_POSTS:,} posts: see "
                             "`benchmarks/profile.txt`.")
    del contenders  # the child processes below get the memory back

    log("start-up")
    results.startup = measure_startup(env, args.startup_runs)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="dialogcls-speed-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        if not args.no_stream:
            stream_and_workers(results, source, args, env, workdir)
        if not args.no_train:
            results.training = measure_training(train_path, train, args.train_sizes, seed=args.seed, env=env,
                                                workdir=workdir)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    results.load["end"] = machine_load()
    publish(render(results, argv, model_dir, args), "speed", out=args.out)
    return 0


def stream_and_workers(results: Results, source: Sequence[Mapping[str, Any]], args: argparse.Namespace,
                       env: Mapping[str, str], workdir: Path) -> None:
    """Write the stream files, run the CLI on each with one worker, then the workers' file with two
    (and with one, unless it is one of the stream files)."""
    if not cli_available(env):
        results.cli_missing = True
        results.notes.append("`python -m dialogcls classify` was not available: streaming and workers not measured.")
        log("the CLI is not available; skipping streaming and workers")
        return
    for size in sorted(args.stream_sizes):
        path = synthetic_file(source, "stream", size, args.seed, workdir)
        log(f"streaming {size:,} posts through the CLI (1 worker)")
        results.streams.append(run_cli(path, size, 1, env, workdir))
        log(f"  {results.streams[-1].run.seconds:.1f} s, peak RSS {mb(results.streams[-1].run.peak)}")
    size = args.workers_size
    path = synthetic_file(source, "stream", size, args.seed, workdir)
    results.one_worker = next((s for s in results.streams if s.size == size), None)
    if results.one_worker is None:
        log(f"streaming {size:,} posts through the CLI (1 worker, against 2)")
        results.one_worker = run_cli(path, size, 1, env, workdir)
    log(f"streaming {size:,} posts through the CLI (2 workers)")
    results.two_workers = run_cli(path, size, 2, env, workdir)
    log(f"  {results.two_workers.run.seconds:.1f} s against {results.one_worker.run.seconds:.1f} s with 1 worker")


def log(message: str) -> None:
    print(f"[speed {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
