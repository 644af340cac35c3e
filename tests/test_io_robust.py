"""Real files in, nothing lost, every failure a clear message (issue 12), and cues as lists (issue 11).

Each test is one finding of issue 12: it failed on the code before and passes now.
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pandas as pd
import pytest

import dialogcls
from dialogcls import artifact
from dialogcls.cli import main
from dialogcls.errors import DialogclsWarning
from dialogcls.features import NGRAM_BLOCKS
from dialogcls.records import parse_bool


@pytest.fixture(scope="module")
def tiny_dir(tiny_model, tmp_path_factory):
    return artifact.save(tiny_model, tmp_path_factory.mktemp("tiny") / "model")


def classify(tmp_path: Path, tiny_dir: Path, source: Path, *options: str, out: str = "out.jsonl") -> tuple[int, Path]:
    target = tmp_path / out
    code = main(["classify", str(source), "-o", str(target), "--model", str(tiny_dir), "--quiet", *options])
    return code, target


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def written(folder: Path) -> bool:
    """Whether a temporary output in ``folder`` already holds rows."""
    for name in leftovers(folder):
        try:
            if (folder / name).stat().st_size > 0:
                return True
        except FileNotFoundError:  # moved into place between the listing and the look
            pass
    return False


# -- files people really have ------------------------------------------------------------------------

def test_german_excel_csv_with_semicolons_bom_and_crlf(tmp_path, tiny_dir):
    source = tmp_path / "excel.csv"
    source.write_bytes("\ufeffid;text;is_reply\r\n1;Danke für eure Geduld, wir melden uns!;nein\r\n"
                       "2;\"Heute geöffnet; bis 18 Uhr\";ja\r\n".encode("utf-8"))
    code, target = classify(tmp_path, tiny_dir, source)
    assert code == 0
    out = jsonl(target)
    assert [row["id"] for row in out] == ["1", "2"]  # not one merged column, no BOM in the name
    assert out[1]["text"] == "Heute geöffnet; bis 18 Uhr" and out[1]["is_reply"] == "ja"


def test_delimiter_option_and_excel_sep_line(tmp_path, tiny_dir):
    source = tmp_path / "pipes.csv"
    source.write_text("id|text\n1|Hallo, Welt; schön\n", encoding="utf-8")
    code, target = classify(tmp_path, tiny_dir, source, "--delimiter", "|")
    assert code == 0 and jsonl(target)[0]["text"] == "Hallo, Welt; schön"
    source = tmp_path / "sep.csv"
    source.write_text("sep=;\nid;text\n1;a, b\n", encoding="utf-8")
    code, target = classify(tmp_path, tiny_dir, source)
    assert code == 0 and jsonl(target)[0] | {"text": "a, b"} == jsonl(target)[0]
    assert main(["classify", str(source), "--delimiter", "ab", "--model", str(tiny_dir)]) == 3


def test_evaluate_report_and_sample_take_the_reading_options(tmp_path, tiny_dir):
    # A '|'-separated cp1252 export whose texts hold ',' and ';'.
    rows = ["author|text|label"] + [f"acme|@kunde{i} Danke, schön; bis bald|dialogue" if i % 2 else
                                     f"acme|Neu im Shop, jetzt; für alle {i}|broadcast" for i in range(12)]
    source = tmp_path / "export.csv"
    source.write_bytes("\r\n".join(rows).encode("cp1252"))
    reading = ["--delimiter", "|", "--encoding", "cp1252", "--model", str(tiny_dir)]
    assert main(["evaluate", str(source), "--json", *reading]) == 0
    assert main(["report", str(source), "-o", str(tmp_path / "r.html"), "--min-posts", "1", *reading]) == 0
    assert main(["sample", str(source), "-n", "4", "-o", str(tmp_path / "s.csv"), *reading]) == 0
    sheet = pd.read_csv(tmp_path / "s.csv", dtype=str)
    assert len(sheet) == 4 and all("schön" in t or "für" in t for t in sheet["text"])
    for command in (["evaluate", str(source)], ["report", str(source), "-o", str(tmp_path / "x.html")],
                    ["sample", str(source), "-o", str(tmp_path / "x.csv")]):  # the options are the ones read with
        assert main([*command, "--delimiter", ";", "--model", str(tiny_dir)]) != 0


def test_cp1252_file_is_read_as_such(tmp_path, tiny_dir, capsys):
    source = tmp_path / "windows.csv"
    source.write_bytes("id;text\r\n1;Grüße aus Köln – schönes Wochenende!\r\n".encode("cp1252"))
    assert main(["classify", str(source), "-o", str(tmp_path / "o.jsonl"), "--model", str(tiny_dir)]) == 0
    assert "cp1252" in capsys.readouterr().err
    assert jsonl(tmp_path / "o.jsonl")[0]["text"] == "Grüße aus Köln – schönes Wochenende!"
    code, target = classify(tmp_path, tiny_dir, source, "--encoding", "cp1252", out="explicit.jsonl")
    assert code == 0 and jsonl(target)[0]["id"] == "1"
    assert main(["classify", str(source), "--encoding", "klingon", "--model", str(tiny_dir)]) == 3


def test_a_row_that_is_not_utf8_keeps_its_id_and_says_what_to_do(tmp_path, tiny_dir, capsys):
    source = tmp_path / "mixed.csv"
    source.write_bytes("id,text\na1,Schöne Grüße\n".encode("utf-8") + b"a2,Gr\xfc\xdfe\na3,Hallo\n")
    code, target = classify(tmp_path, tiny_dir, source)
    err = capsys.readouterr().err
    assert code == 3 and "line 3" in err and "--encoding cp1252" in err and str(source) in err
    code, target = classify(tmp_path, tiny_dir, source, "--on-error", "skip")
    out = jsonl(target)
    assert [row["id"] for row in out] == ["a1", "a2", "a3"] and out[1]["error"].startswith("line 3:")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-16-be", "utf-8-sig"])
def test_utf16_and_bom_files_give_the_right_column_names(tmp_path, tiny_dir, encoding):
    source = tmp_path / "unicode.txt"  # Excel's "Unicode text": UTF-16, tab-separated
    source.write_bytes("id\ttext\r\n7\tGrüße 🙂\r\n".encode(encoding))
    code, target = classify(tmp_path, tiny_dir, source)
    assert code == 0 and jsonl(target)[0]["id"] == "7" and jsonl(target)[0]["text"] == "Grüße 🙂"


def test_json_lines_with_a_bom_keeps_its_first_post(tmp_path, tiny_dir):
    source = tmp_path / "bom.jsonl"
    source.write_bytes(b"\xef\xbb\xbf" + b'{"text": "Erster Post"}\n{"text": "Zweiter"}\n')
    code, target = classify(tmp_path, tiny_dir, source)
    assert code == 0 and [row["text"] for row in jsonl(target)] == ["Erster Post", "Zweiter"]


def test_empty_text_is_a_post_in_the_api_and_on_the_command_line(tmp_path, tiny_model, tiny_dir):
    source = tmp_path / "photos.csv"
    source.write_text('id,text\n1,Neu im Shop\n2,\n3,""\n', encoding="utf-8")
    code, target = classify(tmp_path, tiny_dir, source, out="o.csv")
    out = pd.read_csv(target, dtype=str, keep_default_na=False)
    assert code == 0 and len(out) == 3 and "error" not in out.columns
    empty = dialogcls.classify("", model=tiny_model)
    assert out["label"].tolist()[1:] == [empty.label] * 2
    assert float(out["p_dialogue"][1]) == pytest.approx(empty.p_dialogue, abs=1e-6)
    from dialogcls.io import read_table  # what the report and evaluation read: an empty text, not an error

    assert read_table(source)["text"].tolist()[1:] == ["", ""]


def test_reply_ids_mean_is_a_reply(tmp_path, tiny_model, tiny_dir):
    source = tmp_path / "tweets.csv"
    source.write_text("id,text,in_reply_to_user_id\n1,@ann Danke!,1460323737035677698\n2,Neu im Shop,\n",
                      encoding="utf-8")
    code, target = classify(tmp_path, tiny_dir, source, "--reply-column", "in_reply_to_user_id", "--preset", "none")
    assert code == 0
    expected = dialogcls.classify_batch(["@ann Danke!", "Neu im Shop"], is_reply=[True, None], model=tiny_model)
    assert [row["p_dialogue"] for row in jsonl(target)] == pytest.approx(expected.p_dialogue.tolist(), abs=1e-6)


@pytest.mark.parametrize("value, flag", [("ja", True), ("Nein", False), ("WAHR", True), ("falsch", False),
                                         ("yes", True), ("no", False), ("J", True), ("1.0", True), ("0", False),
                                         ("1460323737035677698", True), ("123_456", True), (17, True), ("", None)])
def test_truth_words_in_german_and_english(value, flag):
    assert parse_bool(value) is flag


# -- nothing lost -------------------------------------------------------------------------------------

def test_an_unclosed_quote_costs_one_row_not_the_rest_of_the_file(tmp_path, tiny_dir, capsys):
    lines = ["id,text"] + [f"{i},Post Nummer {i}" for i in range(1, 1001)]
    lines[500] = '500,"Ein Zitat, das nie endet'
    source = tmp_path / "quote.csv"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code, target = classify(tmp_path, tiny_dir, source, "--on-error", "skip", "--batch-size", "128")
    out = jsonl(target)
    assert code == 0 and len(out) == 1000
    assert [row["id"] for row in out] == [str(i) for i in range(1, 1001)]
    bad = [row for row in out if row["error"]]
    assert len(bad) == 1 and bad[0]["id"] == "500" and bad[0]["error"].startswith("line 501:")


def test_a_bad_row_keeps_every_readable_field_and_its_line(tmp_path, tiny_dir):
    source = tmp_path / "bad.jsonl"
    source.write_text('{"id": "p1", "text": "Hallo", "note": "a"}\n'
                      '{"id": "p2", "note": "b", "text": "unterminated\n'
                      '{"id": "p3", "text": 42, "note": "c"}\n', encoding="utf-8")
    code, target = classify(tmp_path, tiny_dir, source, "--on-error", "skip", out="o.csv")
    out = pd.read_csv(target, dtype=str, keep_default_na=False)
    assert out["id"].tolist() == ["p1", "p2", "p3"] and out["note"].tolist() == ["a", "b", "c"]
    assert out["error"][1].startswith("line 2: malformed JSON") and out["error"][2].startswith("line 3:")
    assert out["text"][2] == "42" and out["label"][2] == ""


@pytest.mark.parametrize("how", ["same", "dot-path", "hard-link"])
def test_output_equal_to_the_input_is_refused_before_reading(tmp_path, tiny_dir, capsys, how):
    source = tmp_path / "posts.jsonl"
    source.write_text('{"text": "Hallo"}\n', encoding="utf-8")
    output = {"same": source, "dot-path": tmp_path / "." / "posts.jsonl", "hard-link": tmp_path / "link.jsonl"}[how]
    if how == "hard-link":
        os.link(source, output)
    assert main(["classify", str(source), "-o", str(output), "--model", str(tiny_dir), "--on-error", "skip"]) == 3
    assert "E411" in capsys.readouterr().err
    assert source.read_text(encoding="utf-8") == '{"text": "Hallo"}\n' and not leftovers(tmp_path)


@pytest.mark.skipif(os.name != "posix", reason="FIFOs, devices and symlinks")
@pytest.mark.parametrize("kind", ["fifo", "device", "symlink", "folder"])
def test_an_output_that_is_not_a_regular_file_is_refused(tmp_path, tiny_dir, capsys, kind):
    source = tmp_path / "posts.jsonl"
    source.write_text('{"text": "Hallo"}\n', encoding="utf-8")
    if kind == "fifo":
        target = tmp_path / "pipe.csv"
        os.mkfifo(target)
    elif kind == "symlink":
        (tmp_path / "real.csv").write_text("keep\n", encoding="utf-8")
        target = tmp_path / "link.csv"
        target.symlink_to(tmp_path / "real.csv")
    elif kind == "folder":
        target = tmp_path / "out.csv"
        target.mkdir()
    else:
        target = Path("/dev/null")
    assert main(["classify", str(source), "-o", str(target), "--model", str(tiny_dir)]) == 3
    assert {"fifo": "E415", "device": "E415", "symlink": "E414", "folder": "E413"}[kind] in capsys.readouterr().err
    assert not leftovers(tmp_path) and not leftovers(target if target.is_dir() else target.parent)
    if kind == "symlink":
        assert target.is_symlink() and (tmp_path / "real.csv").read_text(encoding="utf-8") == "keep\n"
    if kind == "device":
        assert Path("/dev/null").is_char_device()


def test_an_existing_label_column_is_kept(tmp_path, tiny_dir):
    source = tmp_path / "gold.jsonl"
    source.write_text('{"text": "Neu im Shop", "label": "dialogue"}\n', encoding="utf-8")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DialogclsWarning)
        code, target = classify(tmp_path, tiny_dir, source)
    row = jsonl(target)[0]
    assert code == 0 and row["label"] == "dialogue" and row["predicted_label"] in ("dialogue", "broadcast")


@pytest.mark.parametrize("out", ["out.jsonl", "out.csv", "out.parquet"])
def test_integer_ids_and_counts_are_written_as_read_when_some_rows_lack_them(tmp_path, tiny_dir, out):
    # pandas keeps a column of integers with a gap as floats: 5 came out as 5.0, and a 19-digit
    # post id rounded to 1.2345678901234568e+18.
    source = tmp_path / "posts.jsonl"
    rows = [{"post_id": 1234567890123456789, "text": "Danke!", "likes": 5}, {"text": "Neu bei uns"}]
    source.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    code, target = classify(tmp_path, tiny_dir, source, out=out)
    if out.endswith(".jsonl"):
        written_rows = jsonl(target)
    elif out.endswith(".csv"):
        written_rows = pd.read_csv(target, dtype=str, keep_default_na=False).to_dict("records")
    else:
        written_rows = pd.read_parquet(target, dtype_backend="pyarrow").to_dict("records")
    first, second = written_rows
    assert code == 0 and str(first["post_id"]) == "1234567890123456789" and str(first["likes"]) == "5"
    assert second.get("post_id") in (None, "") or pd.isna(second["post_id"])  # JSON Lines leaves it out, as read


def test_stale_temporary_files_of_killed_runs_are_removed(tmp_path, tiny_dir):
    source = tmp_path / "posts.jsonl"
    source.write_text('{"text": "Hallo"}\n', encoding="utf-8")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / f".out.csv.{dead.pid}.abc123.tmp"
    stale.write_text("half a file", encoding="utf-8")
    running = tmp_path / f".out.csv.{os.getppid()}.def456.tmp"  # a live process: another run's file
    running.write_text("in progress", encoding="utf-8")
    code, _ = classify(tmp_path, tiny_dir, source, out="out.csv")
    assert code == 0 and not stale.exists() and running.exists()


# -- every failure a coded message --------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["raise", "skip"])
def test_a_lone_surrogate_in_valid_json(tmp_path, tiny_dir, capsys, mode):
    source = tmp_path / "surrogate.jsonl"
    source.write_text('{"id": "s1", "text": "Hallo \\ud800 Welt"}\n{"id": "s2", "text": "ok"}\n', encoding="utf-8")
    code, target = classify(tmp_path, tiny_dir, source, "--on-error", mode)
    if mode == "raise":
        err = capsys.readouterr().err
        assert code == 3 and "E406" in err and "line 1" in err and "'s1'" in err and "surrogate" in err
    else:
        out = jsonl(target)
        assert code == 0 and len(out) == 2 and "surrogate" in out[0]["error"] and out[1]["label"]


@pytest.mark.parametrize("content", [b"", b"PAR1 this is no parquet PAR1", b"id,text\n1,hi\n"])
@pytest.mark.parametrize("mode", ["raise", "skip"])
def test_empty_or_garbage_parquet(tmp_path, tiny_dir, capsys, content, mode):
    source = tmp_path / "posts.parquet"
    source.write_bytes(content)
    code, _ = classify(tmp_path, tiny_dir, source, "--on-error", mode)
    assert code == 3 and "[E421]" in capsys.readouterr().err and not leftovers(tmp_path)


def test_a_folder_as_input(tmp_path, tiny_dir, capsys):
    (tmp_path / "posts").mkdir()
    code, _ = classify(tmp_path, tiny_dir, tmp_path / "posts")
    assert code == 3 and "[E418]" in capsys.readouterr().err


def test_meta_json_that_is_a_list_or_null(tmp_path, capsys):
    for content in ("[]", "null"):
        folder = tmp_path / f"model-{content}"
        folder.mkdir()
        (folder / "meta.json").write_text(content, encoding="utf-8")
        assert main(["info", "--model", str(folder)]) == 4
        assert "[E202]" in capsys.readouterr().err


def _labelled(tmp_path: Path, labels: list[str]) -> Path:
    path = tmp_path / "labelled.jsonl"
    path.write_text("".join(json.dumps({"text": f"Post {i} {label}", "label": label}) + "\n"
                            for i, label in enumerate(labels)), encoding="utf-8")
    return path


@pytest.mark.parametrize("labels", [["dialogue"] * 6, ["dialogue", "broadcast", "broadcast"]])
def test_training_on_one_class_or_three_posts(tmp_path, capsys, monkeypatch, labels):
    from dialogcls import training

    # refused after reading, before any fit: cross-validation is where fitting starts
    monkeypatch.setattr(training, "cross_validate", lambda *a, **k: pytest.fail("trained"))
    assert main(["train", str(_labelled(tmp_path, labels)), "-o", str(tmp_path / "m")]) == 5
    assert "[E423]" in capsys.readouterr().err and not (tmp_path / "m").exists()


@pytest.mark.parametrize("what", ["file", "folder-with-other-files"])
def test_training_into_an_existing_file_is_refused_before_training(tmp_path, capsys, monkeypatch, what):
    from dialogcls import training

    monkeypatch.setattr(training, "train_artifact", lambda *a, **k: pytest.fail("trained before refusing"))
    target = tmp_path / "model"
    if what == "file":
        target.write_text("precious", encoding="utf-8")
    else:
        target.mkdir()
        (target / "notes.txt").write_text("precious", encoding="utf-8")
    data = _labelled(tmp_path, ["dialogue", "broadcast"] * 5)
    assert main(["train", str(data), "-o", str(target), "--cv", "2"]) == 3
    assert "[E426]" in capsys.readouterr().err or what != "file"


def test_an_unreadable_reply_flag_names_file_line_and_post(tmp_path, tiny_model, tiny_dir, capsys):
    source = tmp_path / "flags.csv"
    source.write_text("id,text,is_reply\nx1,Hallo,vielleicht\nx2,@ann Danke!,ja\n", encoding="utf-8")
    code, _ = classify(tmp_path, tiny_dir, source)
    err = capsys.readouterr().err
    assert code == 3 and str(source) in err and "line 2" in err and "'x1'" in err and "vielleicht" in err
    code, target = classify(tmp_path, tiny_dir, source, "--on-error", "skip")
    out = jsonl(target)
    assert code == 0 and out[0]["error"] and out[1]["label"] and not out[1]["error"]  # covered by skip
    with pytest.warns(DialogclsWarning, match="post 0"):  # and one bad flag does not fail a whole batch
        result = dialogcls.classify_batch(["Hallo", "@ann Danke!"], is_reply=["vielleicht", "ja"], model=tiny_model)
    assert len(result) == 2


# -- feedback -----------------------------------------------------------------------------------------

def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == f"dialogcls {dialogcls.__version__}"


def test_file_progress_has_a_total(tmp_path, tiny_dir, monkeypatch):
    from dialogcls import runner
    from dialogcls.postfile import PostFile

    source = tmp_path / "posts.jsonl"
    source.write_text("".join(json.dumps({"text": f"Post {i}"}) + "\n" for i in range(50)), encoding="utf-8")
    with PostFile(source) as opened:
        positions = [chunk.position for chunk in opened.chunks(10)]
        assert opened.total == source.stat().st_size and positions[-1] == opened.total
        assert positions == sorted(positions)
    bars = []
    real = runner._progress_bar
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    monkeypatch.setattr(runner, "_progress_bar", lambda enabled, src: bars.append(real(enabled, src)) or bars[-1])
    assert runner.classify_file(source, tmp_path / "o.jsonl", model_path=tiny_dir, progress=True,
                                batch_size=10).rows == 50
    assert bars[0].total == source.stat().st_size and bars[0].n == bars[0].total


def test_large_calls_show_a_notebook_progress_bar_with_the_same_results(tiny_model, capsys, monkeypatch):
    from dialogcls import api

    texts = [f"@u{i} Danke!" if i % 2 else f"Neu im Shop {i}" for i in range(300)]
    quiet = dialogcls.classify(texts, model=tiny_model, batch_size=64, progress=False)
    assert capsys.readouterr().err == ""
    shown = dialogcls.classify(texts, model=tiny_model, batch_size=64, progress=True)
    assert "300/300" in capsys.readouterr().err and shown == quiet
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert api._show_progress(None, api.PROGRESS_THRESHOLD) and not api._show_progress(None, 10)
    assert not api._show_progress(False, 10**6)
    monkeypatch.setenv("DIALOGCLS_PROGRESS", "0")
    assert not api._show_progress(None, 10**6)


@pytest.mark.parametrize("frame_type", ["pandas", "polars"])
def test_classify_frame_takes_progress_like_classify(tiny_model, capsys, frame_type):
    texts = [f"@u{i} Danke!" if i % 2 else f"Neu im Shop {i}" for i in range(300)]
    frame = pd.DataFrame({"text": texts})
    if frame_type == "polars":
        import polars as pl

        frame = pl.from_pandas(frame)
    quiet = dialogcls.classify_frame(frame, model=tiny_model, batch_size=64, progress=False)
    assert capsys.readouterr().err == ""
    shown = dialogcls.classify_frame(frame, model=tiny_model, batch_size=64, progress=True)
    assert "300/300" in capsys.readouterr().err and list(shown["p_dialogue"]) == list(quiet["p_dialogue"])


def test_duplicated_training_posts_give_a_warning():
    from dialogcls.io import read_labelled

    rows = [{"text": "Neu im Shop!", "label": "broadcast"}, {"text": "@a Danke!", "label": "dialogue"},
            {"text": "neu im  shop!", "label": "broadcast"}]
    with pytest.warns(DialogclsWarning, match=r"E111.*rows 1 and 3"):
        read_labelled(rows)


# -- signals --------------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
@pytest.mark.parametrize("name", ["SIGTERM", "SIGHUP"])
def test_sigterm_and_sighup_clean_up_like_ctrl_c(tmp_path, tiny_dir, name):
    source = tmp_path / "many.jsonl"
    source.write_text("".join(json.dumps({"text": f"Neu im Shop: Modell {i} https://t.co/{i}"}) + "\n"
                              for i in range(60_000)), encoding="utf-8")
    target = tmp_path / "out.csv"
    process = subprocess.Popen([sys.executable, "-m", "dialogcls", "classify", str(source), "-o", str(target),
                                "--model", str(tiny_dir), "--batch-size", "500"], stderr=subprocess.PIPE)
    deadline = time.time() + 60
    while not written(tmp_path) and time.time() < deadline and process.poll() is None:
        time.sleep(0.05)  # until the temporary output holds rows: the run is in its writing loop
    assert written(tmp_path), "the run did not start writing"
    process.send_signal(getattr(signal, name))
    code = process.wait(timeout=60)
    assert code == 128 + getattr(signal, name)
    assert b"no partial output" in process.stderr.read()
    assert not leftovers(tmp_path) and not target.exists()


# -- cues as lists (issue 11) -------------------------------------------------------------------------

def test_cue_names_have_no_spaces_and_cues_are_lists(tiny_model):
    assert NGRAM_BLOCKS == ("word_ngrams", "char_ngrams")
    result = dialogcls.classify_batch(["Neu im Shop: https://t.co/x", "@ann Danke dir!"], model=tiny_model)
    assert all(isinstance(cues, list) for cues in result.cues)
    assert isinstance(dialogcls.classify("Hallo", model=tiny_model).cues, list)


@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "parquet"])
def test_cues_are_a_list_in_parquet_and_json_lines_and_a_json_array_in_csv(tmp_path, tiny_model, tiny_dir, fmt):
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "Neu im Shop: https://t.co/x"}\n{"text": "@ann Danke dir!"}\n', encoding="utf-8")
    code, target = classify(tmp_path, tiny_dir, source, out=f"out.{fmt}")
    assert code == 0
    expected = dialogcls.classify_batch(["Neu im Shop: https://t.co/x", "@ann Danke dir!"], model=tiny_model).cues
    if fmt == "parquet":
        import pyarrow.parquet as pq

        assert str(pq.read_schema(target).field("cues").type) == "list<element: string>"
        assert [list(c) for c in pd.read_parquet(target)["cues"]] == expected
    elif fmt == "jsonl":
        assert [row["cues"] for row in jsonl(target)] == expected
    else:
        frame = pd.read_csv(target, sep="," if fmt == "csv" else "\t", dtype=str)
        assert [json.loads(c) for c in frame["cues"]] == expected


def test_json_lines_rows_are_the_records_with_missing_values_as_null(tmp_path):
    # The writer builds rows from columns; they must be what to_dict(orient="records") gave.
    import numpy as np

    from dialogcls.writers import AtomicWriter

    frame = pd.DataFrame({"flag": pd.array([True, None], dtype="boolean"), "n": pd.array([1, None], dtype="Int64"),
                          "p": [0.25, np.nan], "at": pd.to_datetime(["2020-01-01 10:00", None]),
                          "cues": [["thanks"], []], "s": pd.array(["a", pd.NA], dtype="string"),
                          "mixed": [np.float64(0.1), b"b"]})
    with AtomicWriter(tmp_path / "o.jsonl") as writer:
        writer.write(frame)
    rows = [json.loads(line) for line in (tmp_path / "o.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows == [{"flag": True, "n": 1, "p": 0.25, "at": "2020-01-01T10:00:00", "cues": ["thanks"], "s": "a",
                     "mixed": 0.1},
                    {"flag": None, "n": None, "p": None, "at": None, "cues": [], "s": None, "mixed": "b"}]


def test_excel_output_shows_formula_like_texts_as_text(tmp_path, tiny_dir):
    # "@anna ..." opens half of all replies; a spreadsheet would read it (and "=HYPERLINK(...)") as a formula.
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "@anna Danke!"}\n{"text": "=HYPERLINK(\\"http://x.y\\")"}\n{"text": "Neu"}\n',
                      encoding="utf-8")
    code, target = classify(tmp_path, tiny_dir, source, "--excel", out="excel.csv")
    texts = pd.read_csv(target, sep=";", encoding="utf-8-sig", dtype=str)["text"].tolist()
    assert code == 0 and texts == ["'@anna Danke!", "'=HYPERLINK(\"http://x.y\")", "Neu"]
    code, plain = classify(tmp_path, tiny_dir, source, out="plain.csv")
    assert pd.read_csv(plain, dtype=str)["text"].tolist()[0] == "@anna Danke!"  # only --excel guards


def test_excel_output_keeps_long_ids_and_leading_zeros_as_written(tmp_path, tiny_dir):
    # A spreadsheet opens 1234567890123456789 as 1.23457E+18 (15 digits) and 01067 as 1067; saved
    # again, the post ids no longer match their posts.
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1234567890123456789, "zip": "01067", "n": 12, "text": "Neu"}\n{"text": "@a Danke!"}\n',
                      encoding="utf-8")  # the second row has no id: a column of integers with a gap
    code, target = classify(tmp_path, tiny_dir, source, "--excel", out="excel.csv")
    row = pd.read_csv(target, sep=";", encoding="utf-8-sig", dtype=str).iloc[0]
    assert code == 0 and (row["id"], row["zip"], row["n"]) == ('="1234567890123456789"', '="01067"', "12")
    code, plain = classify(tmp_path, tiny_dir, source, out="plain.csv")
    assert pd.read_csv(plain, dtype=str)["id"][0] == "1234567890123456789"  # only --excel wraps them


def test_excel_output(tmp_path, tiny_dir):
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "Neu im Shop; jetzt"}\n', encoding="utf-8")
    code, target = classify(tmp_path, tiny_dir, source, "--excel", out="excel.csv")
    raw = target.read_bytes()
    assert code == 0 and raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    frame = pd.read_csv(target, sep=";", encoding="utf-8-sig", decimal=",")
    assert frame["text"][0] == "Neu im Shop; jetzt" and 0 <= frame["p_dialogue"][0] <= 1
    plain = pd.read_csv(target, sep=";", encoding="utf-8-sig", dtype=str)
    assert "," in plain["p_dialogue"][0] and "." not in plain["p_dialogue"][0]  # a decimal comma
    assert main(["classify", str(source), "-o", str(tmp_path / "x.jsonl"), "--excel", "--model", str(tiny_dir)]) == 3


def test_parquet_output_of_rows_with_mixed_types_writes_only_those_columns_as_text(tmp_path, tiny_dir):
    # A bad row (a number as text) kept with --on-error skip, and ids that are numbers and texts: the
    # mixed columns are written as text, the cues stay lists (they were turned into text and refused).
    import pyarrow.parquet as pq

    source = tmp_path / "in.jsonl"
    source.write_text('{"id": 1, "text": "Hallo"}\n{"id": "a2", "text": 5}\n', encoding="utf-8")
    code, target = classify(tmp_path, tiny_dir, source, "--on-error", "skip", out="out.parquet")
    table = pq.read_table(target)
    assert code == 0 and table.column("id").to_pylist() == ["1", "a2"]
    assert table.column("text").to_pylist() == ["Hallo", "5"]
    assert table.column("cues").to_pylist()[0] and table.column("cues").to_pylist()[1] is None
    assert table.column("error").to_pylist() == [None, "line 2: the text is a number, not a string"]


@pytest.mark.parametrize("out", ["out.csv", "out.tsv", "out.parquet"])
def test_a_file_with_a_header_and_no_rows_gives_the_columns(tmp_path, tiny_dir, out):
    import pyarrow.parquet as pq

    source = tmp_path / "in.csv"
    source.write_text("id,text\n", encoding="utf-8")
    code, target = classify(tmp_path, tiny_dir, source, out=out)
    expected = ["id", "text", "label", "p_dialogue", "lang", "kind", "cues"]
    if out.endswith(".parquet"):
        table = pq.read_table(target)
        assert table.num_rows == 0 and table.column_names == expected and str(table.schema.field("cues").type) == \
            "list<element: string>"
    else:
        assert target.read_text(encoding="utf-8").splitlines() == [("\t" if out.endswith(".tsv") else ",").join(expected)]
    assert code == 0


def test_json_lines_output_rows_keep_the_fields_of_their_record_whatever_the_chunks(tmp_path, tiny_dir):
    # Row 1 lacks "x"; it must not gain "x": null when a later row of its chunk has one (and so
    # depend on --batch-size). An explicit null stays.
    source = tmp_path / "in.jsonl"
    source.write_text('{"text": "a"}\n{"text": "b", "x": 1}\n{"text": "c", "x": null, "lang": "de"}\n',
                      encoding="utf-8")
    outputs = [jsonl(classify(tmp_path, tiny_dir, source, "--batch-size", size, out=f"out{size}.jsonl")[1])
               for size in ("1", "2", "4096")]
    assert outputs[0] == outputs[1] == outputs[2]  # as JSON objects (the order of keys carries nothing)
    rows = outputs[0]
    assert "x" not in rows[0] and rows[1]["x"] == 1 and rows[2]["x"] is None
    assert [row["lang"] for row in rows] == ["en", "en", "de"] and all("label" in row for row in rows)


def test_a_repeated_column_name_is_renamed_with_a_warning(tmp_path, tiny_dir, capsys):
    source = tmp_path / "in.csv"
    source.write_text("id,text,text\n1,Danke!,zweiter Text\n", encoding="utf-8")
    code, target = classify(tmp_path, tiny_dir, source, out="out.csv")
    assert code == 0 and list(pd.read_csv(target).columns[:3]) == ["id", "text", "text.1"]
    assert "warning: line 1: the header repeats column names; the repeats are read as 'text.1'" in \
        capsys.readouterr().err


@pytest.mark.parametrize("packed, says", [
    (b"\x1f\x8b\x08\x00" + b"\x00" * 20, "is gzip-compressed; decompress it first"),
    (b"PK\x03\x04" + b"\x00" * 20, "is a zip archive or an Excel workbook"),
])
def test_a_compressed_file_or_workbook_is_named_as_such(tmp_path, tiny_dir, capsys, packed, says):
    # Read as text, such a file gave "not UTF-8 ... pass --encoding cp1252": the wrong advice.
    source = tmp_path / "posts.csv"
    source.write_bytes(packed)
    code, _ = classify(tmp_path, tiny_dir, source, out="out.csv")
    assert code == 3 and says in capsys.readouterr().err


def test_a_quotation_mark_that_opens_an_unquoted_field_is_kept(tmp_path, tiny_dir):
    # Posts often open with a quote; strict CSV quoting made '"Zitat" sagt er' a bad row without its quotes.
    source = tmp_path / "in.tsv"
    source.write_text('id\ttext\n1\t"Zitat" sagt er\n2\t"ganz zitiert"\n', encoding="utf-8")
    code, target = classify(tmp_path, tiny_dir, source, "--on-error", "skip")
    rows = jsonl(target)
    assert code == 0 and [row["text"] for row in rows] == ['"Zitat" sagt er', "ganz zitiert"]
    assert [row["error"] for row in rows] == [None, None]
