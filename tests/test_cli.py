"""The command line, in-process through ``dialogcls.cli.main`` and (a few times) as a real subprocess."""
from __future__ import annotations

import json
import math
import os
import stat
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import dialogcls
from dialogcls import artifact
from dialogcls.cli import main

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "posts.csv"

ADDED = ["label", "p_dialogue", "lang", "kind", "cues"]

ROWS = [
    {"text": "@anna Danke für dein Feedback! Wir geben es weiter.", "is_reply": True, "reply_to": "anna",
     "author": "acme", "platform": "twitter", "note": "n1"},
    {"text": "Neu im Shop: die Herbstkollektion. Jetzt entdecken: https://t.co/abc", "is_reply": False,
     "reply_to": "", "author": "acme", "platform": "twitter", "note": "n2"},
    {"text": "What's your favourite feature of the app? Let us know below!", "is_reply": None,
     "reply_to": "", "author": "bank", "platform": "facebook", "note": "n3"},
    {"text": "We are experiencing delays on the Northern line", "is_reply": False, "reply_to": "",
     "author": "tfl", "platform": "twitter", "note": "n4"},
    {"text": "@tom Sorry about the delay! Could you DM us your order number?", "is_reply": True,
     "reply_to": "tom", "author": "shop", "platform": "twitter", "note": "n5"},
]

# Invented labelled posts for training (none of them from the project's data).
TRAIN = [
    ("@lena Danke für die Blumen! Wir sagen es dem Team weiter.", "dialogue", "reply", True),
    ("@karl Oh nein, das tut uns leid. Schick uns bitte deine Kundennummer per DM.", "dialogue", "reply", True),
    ("@mo Gute Frage! Die Filiale hat samstags bis 18 Uhr geöffnet.", "dialogue", "reply", True),
    ("@ute Schreib uns gern eine Nachricht, dann schauen wir uns das an.", "dialogue", "reply", True),
    ("@sam Thanks for flagging this, we have passed it on to our engineers.", "dialogue", "reply", True),
    ("@priya So sorry for the trouble! Could you send us your booking reference?", "dialogue", "reply", True),
    ("@leo Glad you liked it! Enjoy your weekend.", "dialogue", "reply", True),
    ("@zoe Happy to help, just reply here if anything else comes up.", "dialogue", "reply", True),
    ("Was war euer schönster Urlaubsmoment? Erzählt es uns in den Kommentaren!", "dialogue", "invite", False),
    ("Welche Funktion wünscht ihr euch als Nächstes? Wir sind gespannt auf eure Ideen!", "dialogue", "invite", False),
    ("Which city should we visit next? Tell us in the replies!", "dialogue", "invite", False),
    ("How do you take your coffee? Share your answer below!", "dialogue", "invite", False),
    ("Unsere neue Sommerkollektion ist da. Jetzt bestellen: https://t.co/s1", "broadcast", "promo", False),
    ("Nur heute: 20 % Rabatt auf alle Schuhe. Jetzt zugreifen: https://t.co/s2", "broadcast", "promo", False),
    ("Wir suchen dich! Werde Teil unseres Teams als Filialleitung (m/w/d): https://t.co/j1", "broadcast", "recruiting", False),
    ("Linie 7: Wegen Bauarbeiten fallen am Wochenende einzelne Fahrten aus.", "broadcast", "notice", False),
    ("Wir freuen uns über den Nachhaltigkeitspreis 2024! Mehr dazu: https://t.co/n1", "broadcast", "news", False),
    ("Save the date: unser Sommerfest am 12. Juli. Jetzt anmelden: https://t.co/e1", "broadcast", "event", False),
    ("Our new mobile app is out now. Download it today: https://t.co/a1", "broadcast", "promo", False),
    ("We're hiring! Apply now for our graduate programme: https://t.co/j2", "broadcast", "recruiting", False),
    ("Service update: our branches are closed on Monday for the bank holiday.", "broadcast", "notice", False),
    ("Proud to partner with @GreenCity on this year's tree planting day!", "broadcast", "news", False),
    ("Register now for our free webinar on saving for retirement: https://t.co/w1", "broadcast", "event", False),
    ("Read our annual report for 2024: https://t.co/r1", "broadcast", "news", False),
]


def write_jsonl(path: Path, rows) -> Path:
    with open(path, "w", encoding="utf-8") as handle:
        for row in rows:
            handle.write((row if isinstance(row, str) else json.dumps(row, ensure_ascii=False)) + "\n")
    return path


def write_table(path: Path, rows, fmt: str) -> Path:
    frame = pd.DataFrame(rows)
    if fmt == "jsonl":
        return write_jsonl(path, rows)
    if fmt == "parquet":
        frame.to_parquet(path, index=False)
        return path
    frame = frame.copy()
    frame["is_reply"] = [{True: "true", False: "false", None: ""}[v] for v in frame["is_reply"]]
    frame.to_csv(path, sep="\t" if fmt == "tsv" else ",", index=False)
    return path


def read_output(path: Path, fmt: str) -> pd.DataFrame:
    if fmt == "jsonl":
        return pd.read_json(path, lines=True, dtype=False)
    if fmt == "parquet":
        return pd.read_parquet(path)
    return pd.read_csv(path, sep="\t" if fmt == "tsv" else ",", keep_default_na=False, dtype=str)


@pytest.fixture(scope="module")
def tiny_dir(tiny_model, tmp_path_factory):
    return artifact.save(tiny_model, tmp_path_factory.mktemp("tiny") / "model")


@pytest.fixture(scope="module")
def train_file(tmp_path_factory):
    rows = [{"text": t, "label": l, "kind": k, "is_reply": r, "lang": "de" if i % 2 else None}
            for i, (t, l, k, r) in enumerate(TRAIN)]
    return write_jsonl(tmp_path_factory.mktemp("train") / "train.jsonl", rows)


@pytest.fixture(scope="module")
def trained(train_file, tmp_path_factory):
    """Train once through the CLI, with a small hashing space so that it takes seconds."""
    out = tmp_path_factory.mktemp("trained") / "model"
    code = main(["train", str(train_file), "-o", str(out), "--cv", "2", "--n-features", "4096", "--quiet"])
    return code, out


# -- classify: formats and columns ---------------------------------------------------------------

@pytest.mark.parametrize("fmt", ["csv", "tsv", "jsonl", "parquet"])
@pytest.mark.parametrize("how", ["extension", "option"])
def test_classify_formats(tmp_path, capsys, fmt, how, tiny_model, tiny_dir):
    suffix = f".{fmt}" if how == "extension" else ".data"
    source = write_table(tmp_path / f"in{suffix}", ROWS, fmt)
    target = tmp_path / f"out{suffix}"
    argv = ["classify", str(source), "-o", str(target), "--model", str(tiny_dir)]
    if how == "option":
        argv += ["--format", fmt, "--output-format", fmt]
    assert main(argv) == 0
    captured = capsys.readouterr()
    assert f"scored {len(ROWS)} posts" in captured.err
    out = read_output(target, fmt)
    assert len(out) == len(ROWS)
    assert list(out.columns) == list(ROWS[0]) + ADDED
    assert out["text"].tolist() == [r["text"] for r in ROWS]
    assert out["note"].tolist() == [r["note"] for r in ROWS]
    assert set(out["label"]) <= {"dialogue", "broadcast"}
    expected = dialogcls.classify_batch([r["text"] for r in ROWS], is_reply=[r["is_reply"] for r in ROWS],
                                        reply_to=[r["reply_to"] for r in ROWS],
                                        author=[r["author"] for r in ROWS],
                                        platform=[r["platform"] for r in ROWS], model=tiny_model)
    assert out["label"].tolist() == expected.label.tolist()
    assert [float(p) for p in out["p_dialogue"]] == pytest.approx(expected.p_dialogue.tolist(), abs=1e-6)
    assert out["lang"].tolist() == expected.lang.tolist()
    assert out["kind"].tolist() == expected.kind.tolist()
    assert [cue_list(c) for c in out["cues"]] == expected.cues


def cue_list(value) -> list:
    """Cues as read back: a JSON array in CSV and TSV, a list in JSON Lines and Parquet."""
    return json.loads(value) if isinstance(value, str) else list(value)


def test_classify_column_mapping(tmp_path, tiny_model, tiny_dir):
    rows = [{"message": r["text"], "is_comment": r["is_reply"], "to": r["reply_to"], "account": r["author"],
             "network": r["platform"], "sprache": "de", "post": f"id{i}"} for i, r in enumerate(ROWS)]
    source = write_jsonl(tmp_path / "mapped.jsonl", rows)
    target = tmp_path / "mapped.out.jsonl"
    assert main(["classify", str(source), "-o", str(target), "--model", str(tiny_dir), "--quiet",
                 "--text-column", "message", "--reply-column", "is_comment", "--reply-to-column", "to",
                 "--author-column", "account", "--platform-column", "network", "--lang-column", "sprache",
                 "--id-column", "post"]) == 0
    out = read_output(target, "jsonl")
    assert list(out.columns) == list(rows[0]) + ADDED
    expected = dialogcls.classify_batch([r["message"] for r in rows], is_reply=[r["is_comment"] for r in rows],
                                        reply_to=[r["to"] for r in rows], author=[r["account"] for r in rows],
                                        platform=[r["network"] for r in rows], lang="de", model=tiny_model)
    assert out["p_dialogue"].tolist() == pytest.approx(expected.p_dialogue.tolist(), abs=1e-6)
    assert out["lang"].tolist() == ["de"] * len(rows)  # the mapped language column was used
    # and the reply column made a difference compared with no mapping at all
    unmapped = dialogcls.classify_batch([r["message"] for r in rows], model=tiny_model)
    assert out["p_dialogue"].tolist() != pytest.approx(unmapped.p_dialogue.tolist(), abs=1e-6)


def test_platform_x_is_twitter(tmp_path, tiny_dir):
    source = write_jsonl(tmp_path / "posts.jsonl", [{"text": r["text"]} for r in ROWS])
    outputs = {}
    for name in ("X", "twitter"):
        target = tmp_path / f"{name}.jsonl"
        assert main(["classify", str(source), "-o", str(target), "--model", str(tiny_dir), "--quiet",
                     "--platform", name]) == 0
        outputs[name] = target.read_bytes()
    assert outputs["X"] == outputs["twitter"]


@pytest.mark.parametrize("option", ["--reply-column", "--text-column", "--author-column"])
def test_unknown_column_exits_3_and_lists_columns(tmp_path, capsys, tiny_dir, option):
    source = write_jsonl(tmp_path / "in.jsonl", ROWS)
    target = tmp_path / "out.jsonl"
    assert main(["classify", str(source), "-o", str(target), "--model", str(tiny_dir), option, "nope"]) == 3
    err = capsys.readouterr().err
    assert "nope" in err
    for column in ROWS[0]:
        assert column in err
    assert not target.exists()


def test_missing_file_exits_3(tmp_path, capsys, tiny_dir):
    assert main(["classify", str(tmp_path / "absent.csv"), "-o", str(tmp_path / "o.csv"),
                 "--model", str(tiny_dir)]) == 3
    assert "absent.csv" in capsys.readouterr().err


def test_unknown_extension_exits_3(tmp_path, capsys, tiny_dir):
    source = tmp_path / "in.xyz"
    source.write_text("text\nhi\n", encoding="utf-8")
    assert main(["classify", str(source), "-o", str(tmp_path / "o.csv"), "--model", str(tiny_dir)]) == 3
    assert "--format" in capsys.readouterr().err


def test_missing_model_exits_4(tmp_path, capsys):
    source = write_jsonl(tmp_path / "in.jsonl", ROWS)
    assert main(["classify", str(source), "-o", str(tmp_path / "o.jsonl"), "--model", str(tmp_path / "nomodel")]) == 4
    assert "E201" in capsys.readouterr().err


def test_usage_error_exits_2(capsys):
    assert main(["classify"]) == 2
    assert main(["frobnicate"]) == 2


# -- bad rows -------------------------------------------------------------------------------------

LONG = "x" * 100_001


def _bad_input(tmp_path: Path, kind: str) -> tuple[Path, int]:
    """A file with one bad row of ``kind``; returns it and the bad row's line number."""
    if kind == "malformed-json":
        path = write_jsonl(tmp_path / "bad.jsonl", [ROWS[0], '{"text": "unterminated', ROWS[1]])
        return path, 2
    if kind == "invalid-utf8":
        path = tmp_path / "bad.csv"
        path.write_bytes(b"text,author\nHallo zusammen,a\n\xff\xfe kaputt,b\nHello,c\n")
        return path, 3
    if kind == "text-not-a-string":
        path = write_jsonl(tmp_path / "bad.jsonl", [ROWS[0], ROWS[1], {"text": 42, "author": "x"}])
        return path, 3
    if kind == "too-long":
        path = write_jsonl(tmp_path / "bad.jsonl", [ROWS[0], ROWS[1], {"text": LONG, "author": "x"}])
        return path, 3
    raise AssertionError(kind)


@pytest.mark.parametrize("kind", ["malformed-json", "invalid-utf8", "text-not-a-string", "too-long"])
def test_bad_row_exits_3_naming_file_and_line(tmp_path, capsys, tiny_dir, kind):
    source, line = _bad_input(tmp_path, kind)
    target = tmp_path / ("out" + source.suffix)
    assert main(["classify", str(source), "-o", str(target), "--model", str(tiny_dir)]) == 3
    err = capsys.readouterr().err
    assert str(source) in err
    assert f"line {line}" in err
    assert "--on-error skip" in err
    assert not target.exists()
    assert not list(tmp_path.glob(".*.tmp"))


def test_on_error_skip_marks_bad_rows(tmp_path, capsys, tiny_dir):
    lines = [json.dumps(ROWS[0]), '{"text": "broken', json.dumps({**ROWS[1], "text": ""}),
             json.dumps({**ROWS[2], "text": LONG}), json.dumps(ROWS[3]), '["not", "an", "object"]',
             json.dumps({**ROWS[4], "text": 42}), json.dumps(ROWS[4])]
    source = tmp_path / "mixed.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with open(source, "ab") as handle:
        handle.write(b'{"text": "\xff invalid"}\n')
    target = tmp_path / "out.jsonl"
    assert main(["classify", str(source), "-o", str(target), "--model", str(tiny_dir), "--on-error", "skip",
                 "--batch-size", "3"]) == 0
    assert "5 bad rows" in capsys.readouterr().err
    out = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(out) == 9
    bad = [i for i, row in enumerate(out) if not _missing(row["error"])]
    assert bad == [1, 3, 5, 6, 8]  # the empty text (row 2) is a post, scored
    for i, row in enumerate(out):
        if i in bad:
            assert _missing(row["label"]) and _missing(row["p_dialogue"])
            assert row["error"]
        else:
            assert row["label"] in ("dialogue", "broadcast") and 0 <= row["p_dialogue"] <= 1
    assert "malformed JSON" in out[1]["error"] and out[1]["error"].startswith("line 2:")
    assert out[2]["text"] == "" and out[2]["label"] in ("dialogue", "broadcast")
    assert "100,000" in out[3]["error"] and out[3]["text"] == LONG  # kept as it was read
    assert out[6]["text"] == 42 and out[6]["note"] == "n5"
    assert "UTF-8" in out[8]["error"]
    assert out[0]["note"] == "n1" and out[7]["note"] == "n5"


def _missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def test_on_error_skip_csv(tmp_path, tiny_dir):
    source = tmp_path / "bad.csv"
    source.write_bytes(b'text,author\nHallo zusammen,a\n\xff\xfe kaputt,b\n"",c\nHello,d\n')
    target = tmp_path / "out.csv"
    assert main(["classify", str(source), "-o", str(target), "--model", str(tiny_dir), "--on-error", "skip",
                 "--quiet"]) == 0
    out = read_output(target, "csv")
    assert len(out) == 4
    assert out["author"].tolist() == ["a", "b", "c", "d"]  # an undecodable row keeps its readable fields
    assert [bool(e) for e in out["error"]] == [False, True, False, False]
    assert out["label"][1] == "" and out["label"][2] in ("dialogue", "broadcast")  # "" is an empty post


# -- atomic output --------------------------------------------------------------------------------

def _six_rows_bad_fifth(tmp_path: Path) -> Path:
    rows = [dict(ROWS[i % len(ROWS)]) for i in range(6)]
    rows[4]["text"] = LONG
    return write_jsonl(tmp_path / "in.jsonl", rows)


def test_failure_midway_leaves_existing_output_unchanged(tmp_path, capsys, tiny_dir):
    source = _six_rows_bad_fifth(tmp_path)
    target = tmp_path / "out.csv"
    target.write_text("previous,content\n1,2\n", encoding="utf-8")
    assert main(["classify", str(source), "-o", str(target), "--model", str(tiny_dir), "--batch-size", "2",
                 "--on-error", "raise"]) == 3
    assert "line 5" in capsys.readouterr().err
    assert target.read_text(encoding="utf-8") == "previous,content\n1,2\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.csv"]


def test_interrupt_midway_leaves_existing_output_unchanged(tmp_path, capsys, monkeypatch, tiny_dir):
    from dialogcls import api

    rows = [dict(ROWS[i % len(ROWS)]) for i in range(6)]
    source = write_jsonl(tmp_path / "in.jsonl", rows)
    target = tmp_path / "out.parquet"
    target.write_bytes(b"old bytes")
    calls = []
    real_score = api.score

    def score(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_score(*args, **kwargs)

    monkeypatch.setattr(api, "score", score)
    assert main(["classify", str(source), "-o", str(target), "--model", str(tiny_dir), "--batch-size", "2"]) == 130
    assert target.read_bytes() == b"old bytes"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.jsonl", "out.parquet"]


# -- other commands -------------------------------------------------------------------------------

def test_train_writes_a_complete_artifact(trained, capsys):
    code, out = trained
    assert code == 0
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "meta.json", "weights.npz"]
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    assert meta["training_data"]["rows"] == len(TRAIN)
    assert meta["training_data"]["labels"] == {"broadcast": 12, "dialogue": 12}
    assert meta["metrics"]["cross_validation"]["folds"] == 2
    assert "train.jsonl" in (out / "README.md").read_text(encoding="utf-8")
    assert "n_jobs" not in (out / "README.md").read_text(encoding="utf-8")  # a setting of the machine
    assert "n_jobs" not in meta["config"]["params"]
    artifact.load(out)


def test_train_prints_a_summary(train_file, tmp_path, capsys, monkeypatch):
    """The non-quiet output of train, with training itself replaced (it is covered above)."""
    from dialogcls import training

    jobs = []

    def fake(data, output, **kwargs):
        assert kwargs["cv"] == 2 and kwargs["C"] == 0.5
        jobs.append(kwargs["n_jobs"])
        return {"rows": 24, "path": str(output), "held_out": {},
                "cross_validation": {"macro_f1": 0.9, "rule_macro_f1": 0.7, "accuracy": 0.91}}

    monkeypatch.setattr(training, "train_artifact", fake)
    assert main(["train", str(train_file), "-o", str(tmp_path / "m"), "--cv", "2", "--C", "0.5"]) == 0
    out = capsys.readouterr().out
    assert "trained on 24 posts" in out and "macro-F1 0.900" in out
    assert main(["train", str(train_file), "-o", str(tmp_path / "m"), "--cv", "2", "--C", "0.5", "--jobs", "1"]) == 0
    assert jobs == [-1, 1]  # every core unless told


def test_train_unknown_label_exits_5_naming_the_row(tmp_path, capsys):
    rows = [{"text": t, "label": l} for t, l, _, _ in TRAIN[:6]]
    rows[2]["label"] = "smalltalk"
    source = write_jsonl(tmp_path / "bad.jsonl", rows)
    assert main(["train", str(source), "-o", str(tmp_path / "m"), "--cv", "2"]) == 5
    err = capsys.readouterr().err
    assert "smalltalk" in err and "row" in err and "bad.jsonl" in err
    assert not (tmp_path / "m").exists()


def test_train_unknown_kind_exits_5(tmp_path, capsys):
    rows = [{"text": t, "label": l, "kind": k} for t, l, k, _ in TRAIN[:6]]
    rows[1]["kind"] = "promo"  # a broadcast kind on a dialogue post
    source = write_jsonl(tmp_path / "bad.jsonl", rows)
    assert main(["train", str(source), "-o", str(tmp_path / "m"), "--cv", "2"]) == 5
    assert "promo" in capsys.readouterr().err


def test_train_unknown_label_row_is_numbered_like_other_row_errors(tmp_path, capsys):
    rows = [{"text": t, "label": l} for t, l, _, _ in TRAIN[:6]]
    rows[2]["label"] = "smalltalk"
    assert main(["train", str(write_jsonl(tmp_path / "bad.jsonl", rows)), "-o", str(tmp_path / "m")]) == 5
    rows[2]["label"] = "dialogue"
    rows[2]["text"] = 42  # (an empty text is a post, not an error)
    assert main(["train", str(write_jsonl(tmp_path / "number.jsonl", rows)), "-o", str(tmp_path / "m")]) == 3
    label_err, text_err = capsys.readouterr().err.strip().splitlines()
    assert "row 3" in text_err
    assert "row 3" in label_err


def test_evaluate_text_and_json(train_file, capsys, default_model):
    assert main(["evaluate", str(train_file)]) == 0
    text = capsys.readouterr().out
    assert "macro-F1" in text and "all posts (n=24)" in text
    assert main(["evaluate", str(train_file), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    for key in ("model", "rule", "ece", "by_lang", "by_platform"):
        assert key in result, key
    assert result["model"]["n"] == 24
    assert 0 <= result["model"]["macro_f1"] <= 1
    assert set(result["by_lang"]) <= {"de", "en", "mixed"}
    assert main(["evaluate", str(train_file), "--json", "--text-only"]) == 0
    assert json.loads(capsys.readouterr().out)["model"]["n"] == 24


def test_round_trip_train_evaluate_classify(trained, train_file, tmp_path, capsys):
    code, model_dir = trained
    assert code == 0
    assert main(["evaluate", str(train_file), "--model", str(model_dir), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["model"]["macro_f1"] >= 0.8  # scored on its own training data
    target = tmp_path / "scored.csv"
    assert main(["classify", str(train_file), "-o", str(target), "--model", str(model_dir), "--quiet"]) == 0
    out = read_output(target, "csv")
    assert len(out) == len(TRAIN)
    agreement = (out["label"] == pd.Series([l for _, l, _, _ in TRAIN])).mean()
    assert agreement >= 0.8
    model = dialogcls.load(model_dir)
    expected = dialogcls.classify_batch([t for t, *_ in TRAIN], model=model,
                                        is_reply=[r for *_, r in TRAIN],
                                        lang=["de" if i % 2 else None for i in range(len(TRAIN))])
    assert out["label"].tolist() == expected.label.tolist()
    assert main(["info", "--model", str(model_dir)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["model"]["weights_sha256"] == artifact.file_sha256(model_dir / "weights.npz")


def test_info_prints_versions(capsys, default_model):
    assert main(["info"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["versions"]["dialogcls"] == dialogcls.__version__
    for library in ("scikit-learn", "numpy", "spacy"):
        assert library in info["versions"]
    assert info["model"]["format_version"] == artifact.FORMAT_VERSION
    assert info["n_named_features"] > 0


@pytest.mark.parametrize("command", ["classify", "train", "evaluate", "info", "report"])
def test_help_of_every_command(capsys, command):
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "examples:" in out
    assert "python -m dialogcls " + command in out


def test_top_level_help(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for command in ("classify", "train", "evaluate", "info", "report"):
        assert command in out


# -- known bugs -----------------------------------------------------------------------------------

def test_jsonl_keys_missing_from_the_first_row_are_kept(tmp_path, tiny_dir):
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": "Hallo zusammen"},
                                                  {"text": "@anna Danke!", "is_reply": True, "author": "acme"}])
    target = tmp_path / "out.jsonl"
    assert main(["classify", str(source), "-o", str(target), "--model", str(tiny_dir), "--quiet"]) == 0
    out = read_output(target, "jsonl")
    assert "is_reply" in out.columns and "author" in out.columns


def test_skip_with_only_bad_rows_in_first_chunk_keeps_columns_aligned(tmp_path, tiny_dir):
    source = write_jsonl(tmp_path / "in.jsonl", ['{"text": ', '{"text": ',
                                                  {"text": "Hallo zusammen", "author": "x"},
                                                  {"text": "Hello there", "author": "y"}])
    target = tmp_path / "out.csv"
    assert main(["classify", str(source), "-o", str(target), "--model", str(tiny_dir), "--quiet",
                 "--on-error", "skip", "--batch-size", "2"]) == 0
    out = read_output(target, "csv")
    assert list(out.columns) == ["text", "author"] + ADDED + ["error"]
    assert out["author"].tolist() == ["", "", "x", "y"]
    assert set(out["label"].tolist()[2:]) <= {"dialogue", "broadcast"}


def test_parquet_output_with_bad_row_in_a_later_chunk(tmp_path, tiny_dir):
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": "Hallo zusammen"}, {"text": "Hi there"},
                                                  {"text": LONG}, {"text": "Hi"}])
    target = tmp_path / "out.parquet"
    assert main(["classify", str(source), "-o", str(target), "--model", str(tiny_dir), "--quiet",
                 "--on-error", "skip", "--batch-size", "2"]) == 0
    out = pd.read_parquet(target)
    assert len(out) == 4 and out["error"].notna().tolist() == [False, False, True, False]


def _refuse_constant(name):
    raise ValueError(f"non-standard JSON constant {name}")


def test_jsonl_output_with_skipped_rows_is_strict_json(tmp_path, tiny_dir):
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": "ok", "n": 1}, {"text": ["a", "list"]}, {"text": "Hi", "n": 2}])
    target = tmp_path / "out.jsonl"
    assert main(["classify", str(source), "-o", str(target), "--model", str(tiny_dir), "--quiet",
                 "--on-error", "skip"]) == 0
    out = [json.loads(line, parse_constant=_refuse_constant)
           for line in target.read_text(encoding="utf-8").splitlines()]
    assert [row["error"] for row in out] == [None, "line 2: the text is a list, not a string", None]
    assert [row.get("n") for row in out] == [1, None, 2] and "n" not in out[1]  # left out, as in its record


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_output_file_respects_umask(tmp_path, tiny_dir):
    source = write_jsonl(tmp_path / "in.jsonl", ROWS[:1])
    target = tmp_path / "out.csv"
    old = os.umask(0o022)
    try:
        assert main(["classify", str(source), "-o", str(target), "--model", str(tiny_dir), "--quiet"]) == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


# -- real subprocesses ------------------------------------------------------------------------------

def _run(args, cwd, **kwargs) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DIALOGCLS_MODEL"}
    return subprocess.run([sys.executable, "-m", "dialogcls", *args], cwd=cwd, env=env, capture_output=True,
                          timeout=120, **kwargs)


@pytest.mark.slow
def test_subprocess_classify_with_the_shipped_model(tmp_path, default_model):
    source = write_table(tmp_path / "posts.csv", ROWS, "csv")
    result = _run(["classify", "posts.csv", "-o", "scored.csv"], tmp_path)
    assert result.returncode == 0, result.stderr.decode()
    assert b"scored 5 posts into scored.csv" in result.stderr
    out = read_output(tmp_path / "scored.csv", "csv")
    assert list(out.columns) == list(ROWS[0]) + ADDED
    frame = pd.read_csv(source, keep_default_na=False, dtype=str)
    expected = dialogcls.classify_frame(frame, model=default_model)
    assert out["label"].tolist() == expected["label"].tolist()
    assert [float(p) for p in out["p_dialogue"]] == pytest.approx(expected["p_dialogue"].tolist(), abs=1e-6)


@pytest.mark.slow
def test_subprocess_stdin_to_stdout(tmp_path, tiny_dir):
    data = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in ROWS).encode("utf-8")
    result = _run(["classify", "-", "--quiet", "--model", str(tiny_dir)], tmp_path, input=data)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b""
    out = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]
    assert [row["text"] for row in out] == [row["text"] for row in ROWS]
    assert all(set(ADDED) <= set(row) for row in out)
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # nothing written to disk


@pytest.mark.slow
def test_subprocess_workers_give_the_same_output(tmp_path, tiny_dir):
    rows = [dict(ROWS[i % len(ROWS)], note=f"r{i}") for i in range(11)]
    write_jsonl(tmp_path / "in.jsonl", rows)
    outputs = {}
    for workers in ("1", "2"):
        name = f"out{workers}.jsonl"
        result = _run(["classify", "in.jsonl", "-o", name, "--model", str(tiny_dir), "--quiet",
                       "--batch-size", "3", "--workers", workers], tmp_path)
        assert result.returncode == 0, result.stderr.decode()
        outputs[workers] = (tmp_path / name).read_bytes()
    assert outputs["1"] == outputs["2"]
    assert [json.loads(line)["note"] for line in outputs["1"].decode().splitlines()] == [r["note"] for r in rows]


@pytest.mark.slow
def test_subprocess_train_evaluate_info_report(tmp_path, train_file):
    model = tmp_path / "model"
    trained = _run(["train", str(train_file), "-o", str(model), "--cv", "2", "--n-features", "4096"], tmp_path)
    assert trained.returncode == 0, trained.stderr.decode()
    assert b"cross-validated macro-F1" in trained.stdout and (model / "meta.json").is_file()

    evaluated = _run(["evaluate", str(train_file), "--model", str(model), "--json"], tmp_path)
    assert evaluated.returncode == 0, evaluated.stderr.decode()
    assert set(json.loads(evaluated.stdout)) >= {"model", "rule", "ece", "by_lang"}

    info = _run(["info", "--model", str(model)], tmp_path)
    assert info.returncode == 0 and json.loads(info.stdout)["model"]["feature_schema_version"] >= 1

    example = Path(__file__).resolve().parents[1] / "examples" / "posts.csv"
    report = _run(["report", str(example), "--by", "author", "-o", "report.html", "--model", str(model)], tmp_path)
    assert report.returncode == 0, report.stderr.decode()
    assert "nordbahn" in (tmp_path / "report.html").read_text(encoding="utf-8")


@pytest.mark.slow
def test_subprocess_bad_input_exit_code(tmp_path):
    result = _run(["classify", "missing.csv"], tmp_path)
    assert result.returncode == 3 and b"missing.csv: no such file" in result.stderr


def test_report_reads_a_named_column_beside_one_with_the_fields_name(tmp_path, capsys, tiny_dir):
    # Exports often have an 'author' (the person) and an 'account' column; --author-column account wins.
    source = tmp_path / "posts.csv"
    source.write_text("id,author,account,text\n1,x,a,@anna danke dir!\n2,x,a,Neue Jobs https://x.y\n"
                      "3,x,b,Sale https://s.y\n", encoding="utf-8")
    code = main(["report", str(source), "--author-column", "account", "--min-posts", "1", "--model", str(tiny_dir),
                 "-o", str(tmp_path / "r.html"), "--csv", str(tmp_path / "tables")])
    accounts = pd.read_csv(tmp_path / "tables" / "accounts.csv")
    assert code == 0 and dict(zip(accounts["author"], accounts["posts"])) == {"a": 2, "b": 1}
    assert "the column 'author' is not used: 'account' is read as the author" in capsys.readouterr().err


def test_report_reads_the_decimal_commas_of_excel_output(tmp_path, tiny_dir):
    scored = tmp_path / "scored.csv"
    assert main(["classify", str(EXAMPLE), "-o", str(scored), "--excel", "--quiet", "--model", str(tiny_dir)]) == 0
    assert main(["report", str(scored), "--estimator", "pcc", "-o", str(tmp_path / "r.html"),
                 "--csv", str(tmp_path / "tables")]) == 0
    shares = pd.read_csv(tmp_path / "tables" / "accounts.csv")["share_pcc"]
    assert shares.notna().all() and ((shares > 0) & (shares < 1)).any()


def test_evaluate_without_labelled_posts_says_so(tmp_path, capsys, tiny_dir):
    source = tmp_path / "empty.csv"
    source.write_text("id,text,label\n", encoding="utf-8")
    assert main(["evaluate", str(source), "--model", str(tiny_dir)]) == 5
    assert "[E338] there are no labelled posts to evaluate" in capsys.readouterr().err


@pytest.mark.parametrize("option, code", [(["--cv", "0"], "E424"), (["--n-features", "0"], "E340"), (["--C", "nan"], "E340")])
def test_train_refuses_unusable_options_with_a_code(tmp_path, capsys, option, code):
    # --cv 0 trained with 5 folds (cv or 5) and recorded cv=5; the others ended in a traceback.
    corpus = Path(__file__).resolve().parents[1] / "data" / "train.jsonl"
    small = tmp_path / "small.jsonl"
    small.write_text("".join(corpus.read_text(encoding="utf-8").splitlines(keepends=True)[:60]), encoding="utf-8")
    assert main(["train", str(small), "-o", str(tmp_path / "model"), *option]) != 0
    assert f"[{code}]" in capsys.readouterr().err and not (tmp_path / "model").exists()
