"""Fuzz and fault benchmark: garbage in, a clean answer or a clean refusal out; nothing lost, nothing left.

Measured in one run (see ``--help`` for sizes):

1. **API fuzz.** ``--posts`` generated posts (default 100,000) through ``dialogcls.classify_batch``:
   code points of all Unicode planes, lone surrogates, control characters, zero-width and
   right-to-left marks, empty and huge texts (up to 2 million characters), texts that are not
   strings, and metadata of the wrong type (dicts, lists, bytes, NaN, numbers as reply flags …). A
   sample also goes through ``dialogcls.classify`` one post at a time, which must give the same
   results; objects that are no post must be refused with a coded error.
2. **Bad files.** Each kind of file people really have and each kind of broken file (Excel CSV,
   cp1252, UTF-16, platform exports, unclosed quotes, invalid bytes, lone surrogates, damaged
   Parquet, folders, outputs that are the input or not a regular file …) through
   ``python -m dialogcls classify``, with ``--on-error raise`` and ``--on-error skip``. A run passes
   when it exits 0 with one output row per input row, or exits with a coded error naming the file
   and leaves no output; exit code 1 or a traceback is a crash.
3. **Kills.** ``python -m dialogcls classify`` on ``--kill-rows`` posts (default 300,000), stopped
   mid-run by SIGKILL, SIGTERM, SIGINT (to the process group, as Ctrl-C does) and SIGHUP, with one
   and two workers: the exit code, what is left in the folder and in the process table, and what is
   left after the next run (which removes temporary files of killed runs).

Usage (from the repository root)::

    python benchmarks/fuzz.py --out benchmarks/RESULTS.md
    python benchmarks/fuzz.py --quick

``tests/test_fuzz.py`` runs a small version of all three in CI.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import (SINGLE_THREAD_ENV, apply_presets, describe_model,  # noqa: E402
                     ensure_dialogcls_importable, header_block, md_table, resolve_model, update_section)

FULL = {"posts": 100_000, "kill_rows": 300_000, "kill_workers": [1, 2]}
QUICK = {"posts": 5_000, "kill_rows": 40_000, "kill_workers": [1]}
HUGE = (150_000, 600_000, 2_000_000)


# -- 1. the API -------------------------------------------------------------------------------------

_WORDS = ("Danke", "für", "eure", "Geduld", "Sorry", "the", "delay", "Neu", "im", "Shop", "Jetzt", "bewerben",
          "Was", "meint", "ihr", "?", "!", "🙂", "👍🏽", "👨‍👩‍👧", "ß", "Ä", "é", "עברית", "العربية", "中文", "\u200b", "\u202e",
          "@anna", "@DB_Bahn", ".@partner", "#Herbst", "https://t.co/x1", "&amp;", "/je", "^AB", "1/3", "…")
_FLAGS = (True, False, None, "ja", "nein", "WAHR", "maybe", "", 0, 1, 7, 2.5, float("nan"), {"a": 1}, [1, 2],
          b"true", "1460323737035677698", "null")
_VALUES = (None, "", "acme", "@ann", 5, 3.5, float("nan"), ["x"], {"k": "v"}, b"\xff", "de", "en-GB", "zxx", "\ud800",
           "x" * 1000, True)


def random_text(rng: random.Random, huge_rate: float) -> Any:
    """One text: realistic tokens mixed with every kind of garbage."""
    r = rng.random()
    if r < huge_rate:
        size = rng.choice(HUGE)
        return ("Danke @anna! " * (size // 13 + 1))[:size]
    if r < 0.04:
        return rng.choice(["", " ", "\n\t", "\u200b", "\ufeff", "\x00", "\r\n\r\n"])
    if r < 0.07:
        return "".join(chr(rng.randrange(0, 32)) for _ in range(rng.randrange(1, 40)))
    if r < 0.10:
        return rng.choice(["Hallo \ud800 Welt", "\udfff", "\ude00\ud83d", "@a \udbff\udfff ok", "x\ud800"])
    if r < 0.12:
        # not strings, yet texts: scored as their text (a record or a list where a text belongs is
        # refused, E112, and tried among the non-posts below)
        return rng.choice([None, 5, 3.5, float("nan"), b"bytes \xff", True])
    if r < 0.40:
        return "".join(chr(_random_code_point(rng)) for _ in range(rng.randrange(1, 120)))
    return " ".join(rng.choice(_WORDS) for _ in range(rng.randrange(1, 40)))


def _random_code_point(rng: random.Random) -> int:
    plane = rng.choice([0, 0, 0, 1, 2, 3, 14, 15, 16])
    return plane * 0x10000 + rng.randrange(0x10000)


@dataclass
class ApiResult:
    posts: int
    rows_out: int
    crashes: int
    warnings: int
    single_checked: int
    single_mismatches: int
    non_posts: int
    non_posts_refused: int
    seconds: float
    errors: list[str] = field(default_factory=list)


def fuzz_api(n: int, *, model: Any, seed: int = 0, batch: int = 5_000, single: int = 1_000) -> ApiResult:
    """``n`` generated posts through ``classify_batch`` in batches; a sample one by one through ``classify``."""
    import dialogcls
    from dialogcls.errors import DialogclsError

    rng = random.Random(seed)
    huge_rate = max(2, min(20, n // 5_000)) / max(n, 1)  # 20 huge texts in 100,000 posts, at least 2
    result = ApiResult(n, 0, 0, 0, 0, 0, 0, 0, 0.0)
    start = time.perf_counter()
    for offset in range(0, n, batch):
        size = min(batch, n - offset)
        texts = [random_text(rng, huge_rate) for _ in range(size)]
        meta = {name: [rng.choice(_FLAGS if name == "is_reply" else _VALUES) for _ in range(size)]
                for name in ("is_reply", "reply_to", "author", "platform", "lang", "id", "created_at")}
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                scored = dialogcls.classify_batch(texts, model=model, progress=False, **meta)
            result.warnings += len(caught)
            result.rows_out += len(scored)
        except Exception as error:  # noqa: BLE001 - a crash is what this counts
            result.crashes += 1
            result.errors.append(f"batch at {offset}: {type(error).__name__}: {error}"[:300])
            continue
        if result.single_checked < single:
            for i in range(min(single - result.single_checked, 250, size)):
                post = {"text": texts[i], **{name: values[i] for name, values in meta.items()}}
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        one = dialogcls.classify(post, model=model)
                except Exception as error:  # noqa: BLE001
                    result.crashes += 1
                    result.errors.append(f"single post: {type(error).__name__}: {error}"[:300])
                    continue
                result.single_checked += 1
                same = (one.label, one.lang, one.kind, list(one.cues)) == (
                    scored.label[i], scored.lang[i], scored.kind[i], list(scored.cues[i]))
                result.single_mismatches += not (same and one.p_dialogue == float(scored.p_dialogue[i]))
    for thing in (5, None, 3.5, object(), b"bytes", [["nested"]]):
        result.non_posts += 1
        try:
            dialogcls.classify(thing if not isinstance(thing, list) else thing, model=model)
        except DialogclsError:
            result.non_posts_refused += 1
        except Exception as error:  # noqa: BLE001
            result.crashes += 1
            result.errors.append(f"non-post {type(thing).__name__}: {type(error).__name__}: {error}"[:300])
    for where in ({"text": "a record"}, ["a", "list"]):  # a record or a list in a column of texts
        result.non_posts += 1
        try:
            dialogcls.classify_batch(["fine", where], model=model, progress=False)
        except DialogclsError:
            result.non_posts_refused += 1
        except Exception as error:  # noqa: BLE001
            result.crashes += 1
            result.errors.append(f"{type(where).__name__} as a text: {type(error).__name__}: {error}"[:300])
    result.seconds = time.perf_counter() - start
    return result


# -- 2. bad files -----------------------------------------------------------------------------------

@dataclass
class FileCase:
    """A file to score: its name, content (bytes, or a callable that makes it), expected rows and options."""

    name: str
    file: str
    make: Callable[[Path], None]
    rows: int | None  # rows a reader can get out of it; None: nothing can be read (a refusal in both modes)
    options: tuple[str, ...] = ()
    output: str = "out.jsonl"


def _write(name: str, data: bytes | str) -> Callable[[Path], None]:
    def make(folder: Path) -> None:
        (folder / name).write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return make


def _jsonl(rows: Sequence[Any]) -> str:
    return "".join((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n" for row in rows)


def _many_lines(n: int, broken: dict[int, str]) -> str:
    lines = ["id,text"] + [f"{i},Post Nummer {i} – Danke!" for i in range(1, n + 1)]
    for index, line in broken.items():
        lines[index] = line
    return "\n".join(lines) + "\n"


_TWEETS = {"data": [{"id": "1", "text": "@ann Sorry! DM us?", "author_id": "7", "in_reply_to_user_id": "9",
                     "lang": "en", "edit_history_tweet_ids": ["1"],
                     "referenced_tweets": [{"type": "replied_to", "id": "0"}]},
                    {"id": "2", "text": "RT @b: x", "author_id": "7", "lang": "zxx", "edit_history_tweet_ids": ["2"],
                     "referenced_tweets": [{"type": "retweeted", "id": "3"}]}],
           "includes": {"users": [{"id": "7", "username": "acme"}, {"id": "9", "username": "ann"}]}, "meta": {}}


def file_cases() -> list[FileCase]:
    """Every kind of file, as users have them and broken in every way seen so far."""
    import pandas as pd

    def parquet(name: str, frame: Any) -> Callable[[Path], None]:
        return lambda folder: frame.to_parquet(folder / name, index=False)

    nested = '{"text": "x", "deep": ' + "[" * 100_000 + "]" * 100_000 + "}"
    return [
        FileCase("plain CSV", "plain.csv", _write("plain.csv", "id,text\n1,Hallo\n2,Neu im Shop\n"), 2),
        FileCase("German Excel CSV (;, BOM, CRLF)", "excel.csv",
                 _write("excel.csv", "\ufeffid;text;is_reply\r\n1;Danke für alles;nein\r\n2;\"a;b\";ja\r\n"), 2),
        FileCase("Excel sep=; line", "sep.csv", _write("sep.csv", "sep=;\nid;text\n1;a, b\n"), 1),
        FileCase("cp1252", "cp1252.csv", _write("cp1252.csv", "id;text\r\n1;Grüße – schön\r\n".encode("cp1252")), 1),
        FileCase("cp1252 with --encoding", "cp.csv", _write("cp.csv", "text\nÄrger\n".encode("cp1252")), 1,
                 ("--encoding", "cp1252")),
        FileCase("UTF-16 with BOM (Excel Unicode text)", "u16.txt",
                 _write("u16.txt", "id\ttext\r\n1\tGrüße 🙂\r\n".encode("utf-16")), 1),
        FileCase("UTF-16 without BOM", "u16le.tsv", _write("u16le.tsv", "id\ttext\n1\tHallo\n".encode("utf-16-le")), 1),
        FileCase("JSON Lines with BOM", "bom.jsonl", _write("bom.jsonl", b"\xef\xbb\xbf" + _jsonl([{"text": "a"}, {"text": "b"}]).encode()), 2),
        FileCase("one UTF-8 line broken", "badbytes.csv",
                 _write("badbytes.csv", "id,text\n1,Schön\n".encode() + b"2,Gr\xfc\xdfe\n3,ok\n"), 3),
        FileCase("random bytes", "random.csv", _write("random.csv", bytes(random.Random(1).randrange(256) for _ in range(4000))), None),
        FileCase("NUL bytes", "nul.csv", _write("nul.csv", "id,text\n1,a\x00b\n2,c\n"), 2),
        FileCase("CR line ends only", "cr.csv", _write("cr.csv", "id,text\r1,a\r2,b\r"), 2),
        FileCase("duplicate and empty header names", "dupe.csv", _write("dupe.csv", "id,text,id,\n1,a,2,x\n"), 1),
        FileCase("empty file", "empty.csv", _write("empty.csv", ""), 0),
        FileCase("header only", "header.csv", _write("header.csv", "id,text\n"), 0),
        FileCase("no text column", "notext.csv", _write("notext.csv", "id,message\n1,x\n"), None),
        FileCase("unclosed quote (1,000 rows)", "quote.csv", _write("quote.csv", _many_lines(1000, {400: '400,"never closed'})), 1000),
        FileCase("stray quote", "stray.csv", _write("stray.csv", 'id,text\n1,"a"b\n2,ok\n'), 2),
        FileCase("wrong number of fields", "fields.csv", _write("fields.csv", "id,text\n1,a,b\n2\n3,ok\n"), 3),
        FileCase("empty texts (photo posts)", "photos.csv", _write("photos.csv", 'id,text\n1,\n2,""\n3,x\n'), 3),
        FileCase("malformed JSON lines", "malformed.jsonl",
                 _write("malformed.jsonl", _jsonl([{"text": "a"}, '{"text": "b', "[1, 2]", "17", "null", {"text": "c"}])), 6),
        FileCase("truncated last line", "cut.jsonl", _write("cut.jsonl", _jsonl([{"text": "a"}]) + '{"text": "b", "id'), 2),
        FileCase("lone surrogate in valid JSON", "surrogate.jsonl",
                 _write("surrogate.jsonl", '{"id": "s", "text": "a \\ud800 b"}\n{"text": "ok"}\n'), 2),
        FileCase("JSON nested 100,000 deep", "deep.jsonl", _write("deep.jsonl", nested + "\n" + _jsonl([{"text": "ok"}])), 2),
        FileCase("texts that are not strings", "types.jsonl",
                 _write("types.jsonl", _jsonl([{"text": 5}, {"text": ["a"]}, {"text": {"a": 1}}, {"text": True}, {"text": None}, {}])), 6),
        FileCase("a 200,000-character text", "long.jsonl", _write("long.jsonl", _jsonl([{"text": "x" * 200_000}, {"text": "ok"}])), 2),
        FileCase("a 5 MB line without newline", "oneline.jsonl", _write("oneline.jsonl", '{"text": "' + "y" * 5_000_000 + '"}'), 1),
        FileCase("unreadable reply flags", "flags.csv", _write("flags.csv", "id,text,is_reply\n1,a,vielleicht\n2,b,ja\n"), 2),
        FileCase("wrong-typed metadata", "meta.jsonl",
                 _write("meta.jsonl", _jsonl([{"text": "a", "is_reply": {"x": 1}, "author": ["l"], "lang": 5, "platform": None},
                                             {"text": "b", "reply_to": 3.5, "created_at": [2024]}])), 2),
        FileCase("numeric reply ids (--reply-column)", "ids.csv",
                 _write("ids.csv", "id,text,in_reply_to_user_id\n1,@a hi,1460323737035677698\n2,hi,\n"), 2,
                 ("--reply-column", "in_reply_to_user_id")),
        FileCase("gold labels in the input", "gold.jsonl", _write("gold.jsonl", _jsonl([{"text": "a", "label": "dialogue"}])), 1),
        FileCase("X/Twitter API v2 response (.json)", "tweets.json", _write("tweets.json", json.dumps(_TWEETS, indent=2)), 2),
        FileCase("X/Twitter pages as JSON Lines", "pages.jsonl", _write("pages.jsonl", _jsonl([_TWEETS, _TWEETS])), 4),
        FileCase("Facebook Graph export", "fb.json",
                 _write("fb.json", json.dumps({"data": [{"id": "1", "message": "Neu!", "created_time": "2024"},
                                                        {"id": "2", "created_time": "2024"}], "paging": {}})), 2),
        FileCase("Mastodon statuses", "mastodon.json",
                 _write("mastodon.json", json.dumps([{"id": "1", "content": "<p>Hi <b>du</b></p>", "account": {"acct": "a"},
                                                      "in_reply_to_id": None, "reblog": None},
                                                     {"id": "2", "content": "", "account": {"acct": "a"},
                                                      "in_reply_to_id": None, "reblog": {"content": "x"}}])), 2),
        FileCase("broken JSON document", "broken.json", _write("broken.json", '[\n  {"text": "a"},\n  {"text": '), None),
        FileCase("JSON document of numbers", "numbers.json", _write("numbers.json", "[\n1,\n2\n]"), None),
        FileCase("empty Parquet (0 bytes)", "empty.parquet", _write("empty.parquet", b""), None),
        FileCase("garbage Parquet", "garbage.parquet", _write("garbage.parquet", b"PAR1 garbage PAR1"), None),
        FileCase("Parquet with numbers as texts", "ints.parquet", parquet("ints.parquet", pd.DataFrame({"text": [1, 2]})), 2),
        FileCase("Parquet, plain", "plain.parquet", parquet("plain.parquet", pd.DataFrame({"text": ["a", None]})), 2),
        FileCase("a folder as input", "folder", lambda folder: (folder / "folder").mkdir(), None),
        FileCase("output equal to the input", "same.jsonl", _write("same.jsonl", _jsonl([{"text": "a"}])), None,
                 output="same.jsonl"),
        FileCase("output a folder", "o1.jsonl", lambda f: (_write("o1.jsonl", _jsonl([{"text": "a"}]))(f), (f / "outdir").mkdir()),
                 None, output="outdir"),
        FileCase("output a FIFO", "o2.jsonl", lambda f: (_write("o2.jsonl", _jsonl([{"text": "a"}]))(f), os.mkfifo(f / "fifo.csv")),
                 None, output="fifo.csv"),
        FileCase("output a symlink", "o3.jsonl", lambda f: (_write("o3.jsonl", _jsonl([{"text": "a"}]))(f),
                                                            _write("kept.csv", "keep\n")(f),
                                                            (f / "link.csv").symlink_to(f / "kept.csv")), None, output="link.csv"),
        FileCase("output a device (/dev/null)", "o4.jsonl", _write("o4.jsonl", _jsonl([{"text": "a"}])), None,
                 output="/dev/null"),
        FileCase("output folder missing", "o5.jsonl", _write("o5.jsonl", _jsonl([{"text": "a"}])), None,
                 output="nowhere/out.csv"),
    ]


@dataclass
class FileRun:
    case: str
    mode: str
    code: int
    rows_in: int | None
    rows_out: int | None
    crash: bool
    coded: bool
    leftovers: list[str]
    ok: bool
    message: str


def _count_rows(path: Path) -> int:
    if path.suffix == ".jsonl":
        return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    import pandas as pd

    return len(pd.read_parquet(path)) if path.suffix == ".parquet" else len(pd.read_csv(path, dtype=str))


def run_file_cases(cases: Sequence[FileCase], model_dir: Path, workdir: Path, *, in_process: bool) -> list[FileRun]:
    """Each case with ``--on-error raise`` and ``skip``, in a folder of its own."""
    runs = []
    for number, case in enumerate(cases):
        for mode in ("raise", "skip"):
            folder = workdir / f"case{number:02d}-{mode}"
            folder.mkdir(parents=True)
            case.make(folder)
            output = Path(case.output) if case.output.startswith("/") else folder / case.output
            before = {p.name for p in folder.iterdir()}
            argv = ["classify", str(folder / case.file), "-o", str(output), "--model", str(model_dir), "--quiet",
                    "--on-error", mode, *case.options]
            code, stderr, crash = _run_cli(argv, in_process)
            made = sorted({p.name for p in folder.iterdir()} - before)
            rows_out = None
            if code == 0 and output.is_file() and output.name in made:
                rows_out = _count_rows(output)
                made.remove(output.name)
            coded = code != 0 and "[E" in stderr and "Traceback" not in stderr
            if case.rows is None:
                ok = code in (2, 3, 4, 5) and coded and not made
            elif mode == "skip":
                ok = code == 0 and rows_out == case.rows and not made
            else:
                ok = (code == 0 and rows_out == case.rows or code == 3 and coded) and not made
            message = stderr.strip().splitlines()[-1] if stderr.strip() else ""
            runs.append(FileRun(case.name, mode, code, case.rows, rows_out, crash, coded, made, ok and not crash,
                                message.replace(f"{folder}{os.sep}", "")[:160]))
    return runs


def _run_cli(argv: list[str], in_process: bool) -> tuple[int, str, bool]:
    """Exit code, standard error and whether it crashed (exit code 1 or a traceback)."""
    if in_process:
        from dialogcls.cli import main

        err = io.StringIO()
        try:
            with contextlib.redirect_stderr(err), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                code = main(argv)
        except Exception as error:  # noqa: BLE001 - a crash
            return 1, f"Traceback: {type(error).__name__}: {error}", True
        return code, err.getvalue(), code == 1
    done = subprocess.run([sys.executable, "-m", "dialogcls", *argv], capture_output=True, timeout=600,
                          env={**os.environ, **SINGLE_THREAD_ENV})
    stderr = done.stderr.decode("utf-8", errors="replace")
    return done.returncode, stderr, done.returncode == 1 or "Traceback" in stderr


# -- 3. kills -----------------------------------------------------------------------------------------

@dataclass
class KillRun:
    signal: str
    workers: int
    code: int | None
    stopped_in: float | None
    finished_first: bool
    left_after_kill: list[str]
    processes_left: int
    left_after_next_run: list[str]
    ok: bool


def write_stream(path: Path, rows: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    with open(path, "w", encoding="utf-8") as handle:
        for i in range(rows):
            handle.write(json.dumps({"id": i, "text": " ".join(rng.choice(_WORDS) for _ in range(rng.randrange(3, 25))),
                                     "is_reply": rng.choice([True, False, None])}, ensure_ascii=False) + "\n")


def run_kills(stream: Path, model_dir: Path, workdir: Path, *, workers: Sequence[int],
              signals: Sequence[str] = ("SIGKILL", "SIGTERM", "SIGINT", "SIGHUP")) -> list[KillRun]:
    """Stop a run mid-way with each signal; then check the folder, the process table and the next run."""
    runs = []
    env = {**os.environ, **SINGLE_THREAD_ENV}
    for count in workers:
        for name in signals:
            folder = workdir / f"kill-{name}-{count}"
            folder.mkdir(parents=True)
            target = folder / "out.csv"
            command = [sys.executable, "-m", "dialogcls", "classify", str(stream), "-o", str(target), "--quiet",
                       "--model", str(model_dir), "--workers", str(count), "--batch-size", "2000"]
            process = subprocess.Popen(command, env=env, stderr=subprocess.DEVNULL, start_new_session=True)
            deadline = time.time() + 300
            while process.poll() is None and time.time() < deadline and not list(folder.glob(".*.tmp")):
                time.sleep(0.02)
            time.sleep(0.5)  # well into writing
            finished_first = process.poll() is not None
            sent = time.perf_counter()
            if not finished_first:
                number = getattr(signal, name)
                if name == "SIGINT":
                    os.killpg(process.pid, number)  # Ctrl-C goes to the whole foreground group
                else:
                    process.send_signal(number)
            try:
                code = process.wait(timeout=120)
                stopped_in = time.perf_counter() - sent
            except subprocess.TimeoutExpired:
                code, stopped_in = None, None
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
            alive = _processes_in_group(process.pid)
            grace = time.time() + 5  # workers finish the chunk in hand, then see their parent gone
            while alive and time.time() < grace:
                time.sleep(0.1)
                alive = _processes_in_group(process.pid)
            if name == "SIGKILL" and alive:
                os.killpg(process.pid, signal.SIGKILL)
            left = sorted(p.name for p in folder.iterdir())
            again = subprocess.run(command[:4] + [str(workdir / "tiny.jsonl")] + command[5:], env=env,
                                   capture_output=True, timeout=300)
            left_next = sorted(p.name for p in folder.iterdir() if p.name != "out.csv" or again.returncode != 0)
            expected = {"SIGKILL": -9, "SIGTERM": 143, "SIGINT": 130, "SIGHUP": 129}[name]
            ok = (finished_first or code == expected and (name == "SIGKILL" or not left)) and not left_next and not alive
            runs.append(KillRun(name, count, code, stopped_in, finished_first, left, len(alive), left_next, ok))
    return runs


def _processes_in_group(group: int) -> list[int]:
    """The live processes of a process group (zombies waiting for init to reap them do not count)."""
    try:
        found = subprocess.run(["ps", "-o", "pid=,stat=", "-g", str(group)], capture_output=True, text=True,
                               timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    return [int(line.split()[0]) for line in found.splitlines() if line.split() and not line.split()[1].startswith("Z")]


# -- the report -----------------------------------------------------------------------------------------

def render(api: ApiResult, files: list[FileRun], kills: list[KillRun], argv: Sequence[str], model_dir: Path,
           quick: bool) -> str:
    crashes = api.crashes + sum(run.crash for run in files)
    lost = sum(1 for run in files if run.mode == "skip" and run.rows_in is not None and run.rows_out != run.rows_in)
    left = sum(1 for run in files if run.leftovers) + sum(1 for run in kills if run.left_after_next_run)
    lines = ["## Fuzz and faults", ""]
    if quick:
        lines += ["**Quick run (small sizes): not the reference figures.**", ""]
    lines += header_block("fuzz.py", argv, [("model", describe_model(model_dir)),
                                            ("note", "the machine is shared with other jobs; times are indicative")])
    lines += ["### Summary", ""] + md_table(["check", "result"], [
        ["crashes (tracebacks, exit code 1)", crashes],
        ["API: predictions out ≠ posts in", api.posts - api.rows_out],
        ["file runs with rows in ≠ rows out (skip mode)", lost],
        ["file runs that failed their check", sum(not run.ok for run in files)],
        ["runs leaving files behind (after the next run, for kills)", left],
        ["kill runs that failed their check", sum(not run.ok for run in kills)]])
    lines += ["### API", ""] + md_table(["posts in", "predictions out", "crashes", "batches with E110 warnings (unreadable flags)",
                                         "single = batch (checked)", "non-posts refused", "seconds"], [
        [f"{api.posts:,}", f"{api.rows_out:,}", api.crashes, f"{api.warnings:,}",
         f"{api.single_checked - api.single_mismatches:,} / {api.single_checked:,}",
         f"{api.non_posts_refused} / {api.non_posts}", f"{api.seconds:.1f}"]])
    lines += [f"- error: `{error}`" for error in api.errors[:10]] + ([""] if api.errors else [])
    lines += ["### Files", "", "Each file with `--on-error raise` and `skip`. Rows in: the rows a reader can get out "
              "of the file (– for files that cannot be read at all, which must be refused with a coded error).", ""]
    lines += md_table(["file", "mode", "exit", "rows in", "rows out", "crash", "left behind", "ok", "message"], [
        [run.case, run.mode, run.code, "–" if run.rows_in is None else run.rows_in,
         "–" if run.rows_out is None else run.rows_out, "yes" if run.crash else "no", ", ".join(run.leftovers) or "–",
         "yes" if run.ok else "**NO**", run.message.replace("|", "\\|")[:110]] for run in files])
    lines += ["### Kills", "", "A run on a large file stopped mid-way. Exit: 137 (shown as -9) for SIGKILL, 143 "
              "SIGTERM, 130 SIGINT (sent to the process group, as Ctrl-C), 129 SIGHUP. SIGKILL cannot be handled: its "
              "temporary file stays until the next run writing the same output removes it.", ""]
    lines += md_table(["signal", "workers", "exit", "stopped in (s)", "left after the kill", "live processes left (5 s grace)",
                       "left after the next run", "ok"], [
        [run.signal, run.workers, run.code, "–" if run.stopped_in is None else f"{run.stopped_in:.2f}",
         ("finished before the signal" if run.finished_first else ", ".join(run.left_after_kill) or "–"),
         run.processes_left, ", ".join(run.left_after_next_run) or "–", "yes" if run.ok else "**NO**"] for run in kills])
    return "\n".join(lines)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, help="generated posts through the API (default 100,000)")
    parser.add_argument("--kill-rows", type=int, help="posts in the file the kills run on (default 300,000)")
    parser.add_argument("--kill-workers", type=int, nargs="+", help="worker counts of the kill runs (default 1 2)")
    parser.add_argument("--model", help="model folder (default: the shipped model)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--in-process", action="store_true",
                        help="run the bad files through dialogcls.cli.main in this process (faster; no tracebacks "
                             "of the real process)")
    parser.add_argument("--quick", action="store_true", help="small sizes: 5,000 posts, kills on 40,000 rows, 1 worker")
    parser.add_argument("--workdir", help="where the files go (default: a temporary folder, removed)")
    parser.add_argument("--out", help="update the fuzz section of this Markdown file (e.g. benchmarks/RESULTS.md)")
    return parser


def run_all(args: argparse.Namespace, argv: Sequence[str]) -> tuple[str, bool]:
    """The three parts; returns the Markdown section and whether every check passed."""
    ensure_dialogcls_importable()
    import dialogcls

    model_dir = resolve_model(args.model)
    model = dialogcls.load(model_dir)
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="dialogcls-fuzz-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        log(f"API: {args.posts:,} generated posts")
        api = fuzz_api(args.posts, model=model, seed=args.seed)
        log(f"  {api.rows_out:,} out, {api.crashes} crashes, {api.seconds:.1f} s")
        cases = file_cases()
        log(f"files: {len(cases)} kinds x 2 modes")
        files = run_file_cases(cases, model_dir, workdir / "files", in_process=args.in_process)
        log(f"  {sum(not run.ok for run in files)} failed")
        stream = workdir / "stream.jsonl"
        write_stream(stream, args.kill_rows, args.seed)
        write_stream(workdir / "tiny.jsonl", 10, args.seed)
        log(f"kills on {args.kill_rows:,} rows, workers {args.kill_workers}")
        kills = run_kills(stream, model_dir, workdir / "kills", workers=args.kill_workers)
        log(f"  {sum(not run.ok for run in kills)} failed")
    finally:
        if not args.workdir:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
    markdown = render(api, files, kills, argv, model_dir, args.quick)
    passed = (api.crashes == 0 and api.rows_out == api.posts and api.single_mismatches == 0
              and api.non_posts_refused == api.non_posts and all(run.ok for run in files)
              and all(run.ok for run in kills))
    return markdown, passed


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = apply_presets(build_parser().parse_args(argv), QUICK, FULL)
    markdown, passed = run_all(args, argv)
    print(markdown)
    if args.out:
        update_section(args.out, "fuzz", markdown)
        log(f"updated the fuzz section of {args.out}")
    return 0 if passed else 1


def log(message: str) -> None:
    print(f"[fuzz {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
