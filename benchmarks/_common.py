"""Helpers shared by ``speed.py`` and ``accuracy.py``.

Paths, reading JSON Lines, the reply-rule baseline, the TF-IDF + logistic-regression baseline, a
description of the machine, the exact command line, Markdown tables, and updating one section of
``benchmarks/RESULTS.md`` while leaving the other sections alone.

Nothing here imports numpy, scikit-learn or dialogcls at module level, so a script can still set
thread limits before those are imported.
"""
from __future__ import annotations

import datetime as _dt
import importlib.util
import json
import os
import platform
import shlex
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

BENCH_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCH_DIR.parent
SRC_DIR = REPO_ROOT / "src"
DEFAULT_DATA = REPO_ROOT / "data"
DEFAULT_RESULTS = BENCH_DIR / "RESULTS.md"
DEFAULT_REAL = REPO_ROOT.parent / "shared" / "data" / "real-dev.jsonl"

#: Environment that keeps numpy/scipy/BLAS to one thread: the benchmarks measure one process on one core.
SINGLE_THREAD_ENV = {name: "1" for name in (
    "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS")}

LABELS = ("broadcast", "dialogue")


# -- environment ------------------------------------------------------------------------------------
def ensure_dialogcls_importable() -> None:
    """Make ``import dialogcls`` work from a checkout without installing it.

    When the package is not importable, ``src/`` is put on ``sys.path`` and on ``PYTHONPATH`` (so that
    child processes such as ``python -m dialogcls`` find it too).
    """
    if importlib.util.find_spec("dialogcls") is not None:
        return
    sys.path.insert(0, str(SRC_DIR))
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [str(SRC_DIR)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p])


def resolve_model(path: str | None) -> Path:
    """The model directory to benchmark: ``path``, else dialogcls' default (``$DIALOGCLS_MODEL`` or
    ``models/default``). Exits with a message when it holds no model."""
    from dialogcls.api import default_model_path

    model = Path(path) if path else default_model_path()
    if not (model / "meta.json").is_file():
        sys.exit(f"no model at {model} (no meta.json). Pass --model DIR or set DIALOGCLS_MODEL; a "
                 "temporary model can be trained with dialogcls.train(...) and dialogcls.save(...).")
    return model


def describe_model(model_dir: Path) -> str:
    """One line naming the model: its path, training data, creation date and checksum prefix."""
    meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    training = meta.get("training_data") or {}
    trained_on = training.get("name") or "unknown data"
    return (f"`{display_path(model_dir)}` (trained on {trained_on}; created {meta.get('created', '?')}; "
            f"weights sha256 {str(meta.get('weights_sha256', ''))[:12]})")


def display_path(path: str | os.PathLike) -> str:
    """``path`` relative to the repository when inside it or next to it (``../shared/...``), else absolute."""
    path = Path(path).resolve()
    if path.is_relative_to(REPO_ROOT.parent):
        return os.path.relpath(path, REPO_ROOT)
    return str(path)


# -- data -------------------------------------------------------------------------------------------
def read_jsonl(path: str | os.PathLike) -> list[dict[str, Any]]:
    """All rows of a JSON Lines file (blank lines skipped)."""
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def write_jsonl(path: str | os.PathLike, rows: Iterable[Mapping[str, Any]]) -> int:
    """Write ``rows`` (streamed) as JSON Lines; returns the number of rows."""
    n = 0
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
            n += 1
    return n


def split_path(data: str | os.PathLike, split: str) -> Path:
    """``DATA/split.jsonl``; exits with a message when it is missing."""
    path = Path(data) / f"{split}.jsonl"
    if not path.is_file():
        sys.exit(f"{path} does not exist: pass --data DIR, a folder with train.jsonl, dev.jsonl and test.jsonl")
    return path


def as_flag(value: Any) -> bool | None:
    """A reply flag from JSON: True, False or None (unknown)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("true", "1", "yes")


def metadata_columns(rows: Sequence[Mapping[str, Any]]) -> dict[str, list[Any]]:
    """The metadata a stream of posts carries, as columns for ``dialogcls.classify_batch``.

    The gold ``lang`` is an annotation, not stream metadata, so it is left out: dialogcls detects it.
    """
    return {"is_reply": [as_flag(r.get("is_reply")) for r in rows],
            "reply_to": [r.get("reply_to") for r in rows],
            "author": [r.get("author") for r in rows],
            "platform": [r.get("platform") for r in rows]}


# -- the reply rule (dialogcls.rules, the codebook's structural rules, written once) ------------------
def posts_of(rows: Sequence[Mapping[str, Any]], *, metadata: bool = True) -> Any:
    """Rows as a ``dialogcls.PostBatch`` with the stream's metadata (never the gold ``lang``), or
    with the text alone."""
    from dialogcls.records import PostBatch

    texts = [r["text"] for r in rows]
    return PostBatch.from_columns(texts, **metadata_columns(rows)) if metadata else PostBatch.from_columns(texts)


def reply_rule(rows: Sequence[Mapping[str, Any]], *, metadata: bool = True) -> list[str]:
    """The baseline "a reply or a leading @handle is dialogue"; text-only: leading @handle only."""
    from dialogcls.rules import reply_rule as rule

    return rule(posts_of(rows, metadata=metadata)).tolist()


def reply_shaped(rows: Sequence[Mapping[str, Any]]) -> list[bool]:
    """Per row, reply-shaped by its metadata and text (``dialogcls.rules.reply_shaped``)."""
    from dialogcls.rules import reply_shaped as shaped

    return shaped(posts_of(rows)).tolist()


# -- the TF-IDF baseline ----------------------------------------------------------------------------
def tfidf_pipeline(C: float = 8.0) -> Any:
    """The strongest simple baseline: TF-IDF over word 1-2 grams, then a logistic regression (text only)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    return make_pipeline(TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, lowercase=True),
                         LogisticRegression(C=C, class_weight="balanced", max_iter=2000, solver="liblinear"))


# -- reporting --------------------------------------------------------------------------------------
def machine_info() -> list[tuple[str, str]]:
    """What the figures ran on: CPU, cores, memory, OS, Python and library versions."""
    from importlib.metadata import PackageNotFoundError, version

    cpu = platform.processor() or "unknown"
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
        cpu = next((line.split(":", 1)[1].strip() for line in lscpu.splitlines()
                    if line.startswith("Model name")), cpu)
    except (OSError, subprocess.SubprocessError):
        pass
    memory = "unknown"
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            kib = int(next(line for line in handle if line.startswith("MemTotal")).split()[1])
        memory = f"{kib / 1024 ** 2:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    libraries = []
    for name in ("dialogcls", "numpy", "scipy", "scikit-learn", "spacy", "pandas", "matplotlib"):
        try:
            libraries.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            if name == "dialogcls":
                import dialogcls

                libraries.append(f"dialogcls {dialogcls.__version__} (from src/)")
    return [("CPU", cpu), ("cores", str(os.cpu_count())), ("memory", memory),
            ("OS", f"{platform.system()} {platform.release()}"),
            ("Python", platform.python_version()), ("libraries", ", ".join(libraries))]


def machine_load() -> str:
    """The load averages over 1, 5 and 15 minutes (``os.getloadavg``), for a results header."""
    try:
        one, five, fifteen = os.getloadavg()
    except OSError:
        return "unknown"
    return f"{one:.2f} / {five:.2f} / {fifteen:.2f} (1 / 5 / 15 minutes; {os.cpu_count()} cores)"


def apply_presets(args: Any, quick: Mapping[str, Any], full: Mapping[str, Any]) -> Any:
    """Fill the options left unset (None) from the ``--quick`` or the full preset; explicit options win."""
    for name, value in (quick if args.quick else full).items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def command_line(script: str, argv: Sequence[str]) -> str:
    """The command that reproduces a run, as typed from the repository root."""
    return shlex.join(["python", f"benchmarks/{script}", *argv])


def header_block(script: str, argv: Sequence[str], extra: Sequence[tuple[str, str]] = ()) -> list[str]:
    """The lines every results section starts with: date, command, machine."""
    lines = [f"Run on {_dt.datetime.now().astimezone().isoformat(timespec='seconds')} with:", "",
             "```", command_line(script, argv), "```", ""]
    for key, value in [*machine_info(), *extra]:
        lines.append(f"- **{key}**: {value}")
    lines.append("")
    return lines


def md_table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    """A Markdown table as lines; the first column is left-aligned, the others right-aligned."""
    out = ["| " + " | ".join(headers) + " |",
           "| " + " | ".join([":---"] + ["---:"] * (len(headers) - 1)) + " |"]
    out += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return out + [""]


def verdict(ok: bool | None) -> str:
    """PASS, MISS, or n/a when the figure could not be measured."""
    return "n/a" if ok is None else ("**PASS**" if ok else "**MISS**")


def fmt(value: float | None, digits: int = 3) -> str:
    """A number for a table; ``n/a`` for a missing one."""
    return "n/a" if value is None else f"{value:.{digits}f}"


_RESULTS_TEMPLATE = """# Benchmarks

How well and how fast dialogcls does its job, next to what a user would do otherwise. Each section
is written by one script (see `benchmarks/README.md`); rerun the command shown in a section to
reproduce it.

<!-- BEGIN accuracy -->
## Accuracy

Not run yet: `python benchmarks/accuracy.py --out benchmarks/RESULTS.md`.
<!-- END accuracy -->

<!-- BEGIN speed -->
## Speed

Not run yet: `python benchmarks/speed.py --out benchmarks/RESULTS.md`.
<!-- END speed -->
"""


def update_section(path: str | os.PathLike, name: str, markdown: str) -> None:
    """Replace the ``name`` section of the results file (between its BEGIN/END markers), keeping
    every other section; creates the file from a template when needed."""
    path = Path(path)
    text = path.read_text(encoding="utf-8") if path.is_file() else _RESULTS_TEMPLATE
    begin, end = f"<!-- BEGIN {name} -->", f"<!-- END {name} -->"
    block = f"{begin}\n{markdown.strip()}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + block + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    tmp = path.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def publish(markdown: str, section: str, *, out: str | None, figures: Any = None, json_path: str | None = None) -> None:
    """Print a benchmark's Markdown, write its ``figures`` as JSON to ``json_path`` and replace its
    ``section`` of the results file ``out`` (each when given): how every benchmark reports."""
    import json

    print(markdown)
    if json_path:
        Path(json_path).write_text(json.dumps(figures, indent=1, default=str), encoding="utf-8")
    if out:
        update_section(out, section, markdown)
        print(f"updated the {section} section of {out}", file=sys.stderr, flush=True)


def real_set_parser(doc: str | None, section: str, *, data_help: str = "corpus folder (train.jsonl)") -> Any:
    """The options every benchmark on the real set shares: ``--real``, ``--data``, ``--json`` and
    ``--out`` (the ``section`` of RESULTS.md); add the script's own options to what it returns."""
    import argparse

    parser = argparse.ArgumentParser(description=(doc or "").split("\n\n")[0])
    parser.add_argument("--real", default=str(DEFAULT_REAL), help="real labelled posts (JSON Lines)")
    parser.add_argument("--data", default=str(DEFAULT_DATA), help=data_help)
    parser.add_argument("--json", help="also write the figures as JSON here")
    parser.add_argument("--out", help=f"update the {section} section of this Markdown file")
    return parser


def read_real_set(path: str | os.PathLike) -> list[dict[str, Any]] | None:
    """The real set's rows, or None (with a message) when it is absent, as outside the project."""
    if not Path(path).is_file():
        print(f"no real set at {path}; nothing to do", file=sys.stderr, flush=True)
        return None
    return read_jsonl(path)

