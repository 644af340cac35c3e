"""Picking posts to code: determinism, the uncertain share, stratification, design weights, the sheet."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dialogcls.cli import main
from dialogcls.errors import DialogclsError
from dialogcls.sampling import CODING_RULES, codebook_path, read_coded, sample, write_sample

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "posts.csv"


def posts(n_per_account: int = 30) -> list[dict]:
    """Invented posts of three accounts of different sizes, in two languages, replies and not."""
    rows = []
    for account, size in (("bahn", n_per_account), ("bank", n_per_account // 2), ("cafe", n_per_account // 3)):
        for i in range(size):
            if i % 3 == 0:
                rows.append({"id": f"{account}{i}", "author": account, "is_reply": True, "reply_to": f"kunde{i}",
                             "platform": "twitter", "text": f"@kunde{i} Danke für deine Nachricht, wir kümmern uns! ({i})"})
            elif i % 3 == 1:
                rows.append({"id": f"{account}{i}", "author": account, "is_reply": False, "platform": "facebook",
                             "text": f"What do you think about our plan number {i}? Tell us in the comments!"})
            else:
                rows.append({"id": f"{account}{i}", "author": account, "is_reply": False, "platform": "linkedin",
                             "text": f"Neu im Shop: Modell {i}. Jetzt entdecken: https://t.co/m{i}"})
    return rows


def test_same_seed_same_sheet_other_seed_other_sheet():
    first, again, other = sample(posts(), 12, seed=5), sample(posts(), 12, seed=5), sample(posts(), 12, seed=6)
    pd.testing.assert_frame_equal(first, again)
    assert first["input_row"].tolist() != other["input_row"].tolist()


def test_a_third_where_the_model_is_least_sure(default_model):
    rows = posts()
    sheet = sample(rows, 12, seed=0, show_model=True)
    assert len(sheet) == 12 and (sheet["picked"] == "uncertain").sum() == 4
    # the uncertain ones are the 4 posts nearest their threshold in log-odds
    full = sample(rows, len(rows), seed=0, show_model=True)
    from dialogcls.records import PostBatch
    from dialogcls.rules import reply_shaped

    batch = PostBatch.from_posts(rows)
    p = default_model.predict_proba(batch)[:, 1]
    threshold = np.where(reply_shaped(batch), default_model.reply_shaped_threshold, default_model.top_level_threshold)
    logit = lambda x: np.log(np.clip(x, 1e-9, 1 - 1e-9) / (1 - np.clip(x, 1e-9, 1 - 1e-9)))  # noqa: E731
    distance = np.abs(logit(p) - logit(threshold))
    chosen = sheet.loc[sheet["picked"] == "uncertain", "input_row"].to_numpy() - 1
    assert distance[chosen].max() <= np.sort(distance)[3] + 1e-12
    assert (full["picked"] == "random").all() and (full["design_weight"] == 1).all()
    assert sheet["model_label"].isin(["dialogue", "broadcast"]).all()


def test_design_weights_add_up_to_the_input_and_strata_get_their_share():
    rows = posts(60)  # 60 + 30 + 20 posts
    sheet = sample(rows, 30, seed=2)
    assert sheet["design_weight"].sum() == pytest.approx(len(rows), abs=0.01)
    drawn = sheet[sheet["picked"] == "random"]
    uncertain = set(sheet.loc[sheet["picked"] == "uncertain", "input_row"])
    rest = pd.DataFrame([r for i, r in enumerate(rows, 1) if i not in uncertain])
    assert drawn["design_weight"].nunique() == 1  # proportional: one chance for every post
    expected = rest["author"].value_counts() * len(drawn) / len(rest)
    for account, count in drawn["author"].value_counts().items():
        assert abs(count - expected[account]) < 1 + 1e-9
    # reply-shaped and top-level posts of the rest get their share too
    shaped = drawn["is_reply"].eq("true").sum()
    assert abs(shaped - rest["is_reply"].sum() * len(drawn) / len(rest)) <= 3


def test_equal_allocation_gives_every_account_as_many_posts():
    sheet = sample(posts(60), 30, seed=1, uncertain_share=0, allocation="equal")
    assert sheet["author"].value_counts().to_dict() == {"bahn": 10, "bank": 10, "cafe": 10}
    weights = sheet.groupby("author")["design_weight"].first()
    assert weights.to_dict() == pytest.approx({"bahn": 6.0, "bank": 3.0, "cafe": 2.0})
    small = sample(posts(6), 9, seed=1, uncertain_share=0, allocation="equal")  # cafe has only 2 posts
    assert small["author"].value_counts()["cafe"] == 2 and small["design_weight"].sum() == pytest.approx(11)


def test_the_sheet_hides_labels_and_model_and_links_tweets():
    rows = [{"id": "1234567", "author": "bahn", "platform": "twitter", "text": "Neu: https://t.co/x"},
            {"id": "x9", "author": "bank", "platform": "facebook", "text": "Was meint ihr?",
             "url": "https://facebook.example/p/9", "label": "dialogue", "p_dialogue": 0.9, "thread": "ctx"}]
    sheet = sample(rows, 2, keep=["thread"])
    assert list(sheet.columns) == ["input_row", "id", "author", "platform", "created_at", "is_reply", "reply_to",
                                   "link", "thread", "text", "label", "kind", "note", "picked", "design_weight"]
    by_id = sheet.set_index("id")
    assert by_id.loc["1234567", "link"] == "https://x.com/bahn/status/1234567"
    assert by_id.loc["x9", "link"] == "https://facebook.example/p/9" and by_id.loc["x9", "label"] == ""
    with pytest.raises(DialogclsError, match="E476"):
        sample(rows, 2, keep=["nope"])


@pytest.mark.parametrize("kwargs, code", [({"n": 0}, "E470"), ({"uncertain_share": 1.5}, "E471"),
                                          ({"allocation": "neyman"}, "E472")])
def test_bad_arguments_are_coded_errors(kwargs, code):
    with pytest.raises(DialogclsError, match=code):
        sample(posts(), **{"n": 5, **kwargs})


def test_write_and_read_back_a_coded_sheet(tmp_path):
    sheet = sample(posts(), 6, seed=0)
    table, rules = write_sample(sheet, tmp_path / "to_label.csv")
    assert rules == codebook_path(table) and rules.read_text(encoding="utf-8") == CODING_RULES
    with pytest.raises(DialogclsError, match="E477"):
        write_sample(sheet, "-")
    with pytest.raises(DialogclsError, match="E333"):
        read_coded(table)
    frame = pd.read_csv(table, dtype=str, keep_default_na=False)
    frame.loc[0, "label"], frame.loc[0, "kind"] = "Dialogue", "reply"
    frame.loc[1, "label"] = "broadcast"
    frame.to_csv(table, index=False)
    coded, uncoded = read_coded(table)
    assert coded["label"].tolist() == ["dialogue", "broadcast"] and coded["kind"].tolist() == ["reply", ""]
    assert uncoded == 4
    frame.loc[2, "label"] = "dialog"
    frame.to_csv(table, index=False)
    with pytest.raises(DialogclsError, match=r"E331.*row 3"):
        read_coded(table)
    frame.loc[2, "label"], frame.loc[2, "kind"] = "broadcast", "reply"
    frame.to_csv(table, index=False)
    with pytest.raises(DialogclsError, match="E332"):
        read_coded(table)


def test_sample_command_is_deterministic_on_the_example(tmp_path, capsys):
    for name in ("a.csv", "b.csv"):
        assert main(["sample", str(EXAMPLE), "-n", "12", "--seed", "3", "-o", str(tmp_path / name)]) == 0
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a.codebook.md").is_file()
    assert "picked 12 posts" in capsys.readouterr().err
    sheet = pd.read_csv(tmp_path / "a.csv", dtype=str, keep_default_na=False)
    assert len(sheet) == 12 and set(sheet["author"]) <= {"nordbahn", "lumencloud", "kaffeehaus_mira"}
    assert (sheet["label"] == "").all() and "model_label" not in sheet.columns
    assert main(["sample", str(EXAMPLE), "-n", "12", "--seed", "4", "-o", str(tmp_path / "c.csv")]) == 0
    assert (tmp_path / "c.csv").read_bytes() != (tmp_path / "a.csv").read_bytes()
    assert main(["sample", str(EXAMPLE), "-n", "0", "-o", str(tmp_path / "d.csv")]) == 3
