"""The loop on the bundled example: sample, code by hand, evaluate, adapt (``train --base --add``)."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import dialogcls
from dialogcls.adapt import ADDED_SHARE, added_weight, prepare
from dialogcls.cli import main
from dialogcls.errors import DialogclsError

from conftest import TINY_POSTS

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "posts.csv"

# The bundled example, coded by hand with the codebook (label, kind).
EXAMPLE_CODES = {
    "e01": ("broadcast", "notice"), "e02": ("dialogue", "reply"), "e03": ("dialogue", "reply"),
    "e04": ("dialogue", "invite"), "e05": ("dialogue", "reply"), "e06": ("broadcast", "recruiting"),
    "e07": ("dialogue", "reply"), "e08": ("broadcast", "promo"), "e09": ("dialogue", "reply"),
    "e10": ("broadcast", "notice"), "e11": ("broadcast", "promo"), "e12": ("broadcast", "event"),
    "e13": ("broadcast", "news"), "e14": ("broadcast", "promo"), "e15": ("broadcast", "promo"),
    "e16": ("broadcast", "share"), "e17": ("broadcast", "recruiting"), "e18": ("broadcast", "news"),
    "e19": ("broadcast", "news"), "e20": ("broadcast", "event"), "e21": ("dialogue", "invite"),
    "e22": ("dialogue", "reply"), "e23": ("dialogue", "reply"), "e24": ("broadcast", "promo"),
    "e25": ("dialogue", "invite"), "e26": ("dialogue", "reply"), "e27": ("broadcast", "promo"),
    "e28": ("dialogue", "reply"),
}


@pytest.fixture(scope="module")
def tiny_corpus(tmp_path_factory):
    """A small labelled corpus (invented posts) and a tiny model trained on it, as a base."""
    folder = tmp_path_factory.mktemp("tiny")
    promo_replies = [("@jan Check out our new summer deals! https://t.co/x", "broadcast", "promo", True),
                     ("@ute Jetzt neu: unser Herbstangebot im Shop https://t.co/y", "broadcast", "promo", True)]
    rows = [{"text": f"{text} ({n})", "label": label, "kind": kind, "is_reply": reply}
            for n in range(3) for text, label, kind, reply in TINY_POSTS + promo_replies]
    (folder / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    from dialogcls.training import train_artifact

    train_artifact(folder / "train.jsonl", folder / "base", cv=2, n_features=2**10)
    return folder


def coded_sheet(path: Path, n: int = 20, seed: int = 0, leave_uncoded: int = 0) -> Path:
    """Sample the example, then code the sheet as a coder would (kinds left empty on every other row)."""
    assert main(["sample", str(EXAMPLE), "-n", str(n), "--seed", str(seed), "-o", str(path)]) == 0
    sheet = pd.read_csv(path, dtype=str, keep_default_na=False)
    sheet["label"] = [EXAMPLE_CODES[i][0] for i in sheet["id"]]
    sheet["kind"] = [EXAMPLE_CODES[i][1] if row % 2 else "" for row, i in enumerate(sheet["id"])]
    if leave_uncoded:
        sheet.loc[:leave_uncoded - 1, ["label", "kind"]] = ""
    sheet.to_csv(path, index=False)
    return path


def test_added_weight_gives_the_added_posts_their_share():
    weight = added_weight(3065, 200)
    assert 200 * weight / (3065 + 200 * weight) == pytest.approx(ADDED_SHARE, abs=1e-4)
    assert added_weight(100, 50, share=0.5) == 2.0
    with pytest.raises(DialogclsError, match="E335"):
        added_weight(100, 50, share=1.0)


def test_prepare_weighs_fills_kinds_and_records_provenance(tiny_corpus, tmp_path):
    sheet = coded_sheet(tmp_path / "coded.csv", leave_uncoded=2)
    data = prepare(sheet, base=tiny_corpus / "base", corpus=tiny_corpus, share=0.3)
    added = data.weights[data.added]
    assert len(added) == 18 and data.n_corpus == 3 * (len(TINY_POSTS) + 2)
    assert added.sum() / data.weights.sum() == pytest.approx(0.3, abs=1e-4)
    assert all(data.kinds) and len(data.kinds) == len(data.labels)  # empty kinds filled by the base model
    info = data.training["added"]
    assert info["rows"] == 18 and info["uncoded_rows_left_out"] == 2 and info["kinds_coded"] == 9
    assert info["sha256"] == dialogcls.artifact.file_sha256(sheet) and info["share_of_weight"] == 0.3
    assert data.training["corpus"]["name"] == "train.jsonl" and data.params["n_features"] == 2**10


def test_the_loop_end_to_end_on_the_example(tiny_corpus, tmp_path, capsys):
    sheet = coded_sheet(tmp_path / "to_label.csv", n=20, seed=1)
    capsys.readouterr()
    # evaluate: agreement with intervals, per language and account, confusion per stratum
    assert main(["evaluate", str(sheet), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)["agreement"]
    assert report["all"]["n"] == 20 and report["random"]["n"] == 13 and report["uncertain"] == 7
    assert set(report["all"]["cohen_kappa"]) == {"value", "interval"}
    assert set(report["confusion"]["by_author"]) == {"nordbahn", "lumencloud", "kaffeehaus_mira"}
    assert set(report["confusion"]["by_cell"]["*|*"]) == {"tpr", "fpr", "n_pos", "n_neg"}
    assert main(["evaluate", str(sheet), "--min-group-posts", "5"]) == 0
    text = capsys.readouterr().out
    assert "Krippendorff's alpha" in text and "author = nordbahn" in text and "true positive rate" in text
    # adapt the tiny base with the coded sheet
    out = tmp_path / "mymodel"
    assert main(["train", "--base", str(tiny_corpus / "base"), "--corpus", str(tiny_corpus / "train.jsonl"),
                 "--add", str(sheet), "-o", str(out), "--cv", "2"]) == 0
    printed = capsys.readouterr().out
    assert "with 20 coded posts" in printed and "out of fold (2 folds)" in printed
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    card = (out / "README.md").read_text(encoding="utf-8")
    assert meta["training_data"]["added"]["rows"] == 20
    assert meta["training_data"]["added"]["sha256"] in card and "## Adapted with hand-coded posts" in card
    assert meta["metrics"]["cross_validation"]["on"] == "coded posts, out of fold"
    assert set(meta["metrics"]["rates"]) == {"with_metadata", "text_only"}
    texts = pd.read_csv(sheet, dtype=str, keep_default_na=False)["text"]
    for text in texts:  # what was added, never the texts
        assert text[:25] not in card and text[:25] not in json.dumps(meta, ensure_ascii=False)
    adapted = dialogcls.load(out)
    assert adapted.get_params()["n_features"] == 2**10
    assert main(["evaluate", str(sheet), "--model", str(out)]) == 0


def test_api_train_with_base_and_add(tiny_corpus, tmp_path):
    sheet = coded_sheet(tmp_path / "coded.csv", n=28)
    model = dialogcls.train(tiny_corpus / "train.jsonl", base=tiny_corpus / "base", add=sheet, cv=2)
    assert model.predict(["@anna Danke dir für die Nachricht!"]).tolist() == ["dialogue"]
    with pytest.raises(DialogclsError, match="E337"):
        dialogcls.train(tiny_corpus / "train.jsonl", base=tiny_corpus / "base")


def test_adapt_errors(tiny_corpus, tmp_path, monkeypatch, capsys):
    sheet = coded_sheet(tmp_path / "coded.csv", n=12)
    out = tmp_path / "adapted"
    assert main(["train", "--base", str(tiny_corpus / "base"), "--corpus", str(tiny_corpus), "--add", str(sheet),
                 "-o", str(out), "--cv", "2", "--quiet"]) == 0
    with pytest.raises(DialogclsError, match="E336"):  # adapting an adapted model would drop its posts
        prepare(sheet, base=out, corpus=tiny_corpus)
    import dialogcls.io

    monkeypatch.setattr(dialogcls.io, "_default_corpus_dir", lambda: None)  # as installed from a wheel
    assert main(["train", "--base", "default", "--add", str(sheet), "-o", str(tmp_path / "m")]) == 3
    assert "E474" in capsys.readouterr().err and not (tmp_path / "m").exists()
    assert main(["train", "-o", str(tmp_path / "m")]) == 2
    assert main(["train", "--base", "default", "-o", str(tmp_path / "m")]) == 2
    assert main(["train", str(sheet), "--add", str(sheet), "-o", str(tmp_path / "m")]) == 2


@pytest.mark.slow
def test_adapt_the_shipped_model_with_the_checkout_corpus(tmp_path, capsys):
    sheet = coded_sheet(tmp_path / "coded.csv", n=28)
    out = tmp_path / "mymodel"
    assert main(["train", "--base", "default", "--add", str(sheet), "-o", str(out),
                 "--n-features", "1024", "--cv", "2"]) == 0
    meta = json.loads((out / "meta.json").read_text(encoding="utf-8"))
    shipped = json.loads((Path(dialogcls.api.default_model_path()) / "meta.json").read_text(encoding="utf-8"))
    assert meta["training_data"]["corpus"]["sha256"] == shipped["training_data"]["sha256"]
    assert meta["training_data"]["base"]["name"] == "default"
    assert meta["config"]["params"]["C"] == shipped["config"]["params"]["C"]
    assert dialogcls.load(out).predict(["@anna Danke dir!"]).tolist() == ["dialogue"]
