"""The account report's share estimators, hand-coded rates, threads from exports, platforms and
links (dialogcls.report with dialogcls.quantify, dialogcls.threads)."""
from __future__ import annotations

import types

import numpy as np
import pandas as pd
import pytest

from dialogcls.errors import DialogclsError
from dialogcls.quantify import Rates
from dialogcls.reporting import report

from test_report import COLUMNS, ROWS


@pytest.fixture
def posts() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=COLUMNS)


def shares(rep):
    return rep.accounts.set_index("author")


def test_pcc_is_the_mean_probability(posts):
    rep = report(posts, period=None, estimator="pcc", model=types.SimpleNamespace())
    assert rep.estimator == "pcc"
    city = shares(rep).loc["cityworks"]
    assert city["dialogue_share"] == pytest.approx((0.05 + 0.95 + 0.85 + 0.90 + 0.10 + 0.92) / 6)
    assert city["share_cc"] == pytest.approx(4 / 6)  # the label count stays beside it
    assert city["ci_low"] <= city["dialogue_share"] <= city["ci_high"]


def test_acc_uses_the_given_rates_per_stratum(posts):
    # Top-level: tpr 0.5, fpr 0.0 (so 1 labelled of 3 means 2 of 3); reply-shaped: tpr 1, fpr 0.
    rates = Rates({"*|top-level": (50, 50, 0, 100), "*|reply-shaped": (100, 0, 0, 100), "*|*": (150, 50, 0, 200)},
                  source="a test")
    rep = report(posts, period=None, estimator="acc", rates=rates)
    city = shares(rep).loc["cityworks"]
    # cityworks: top-level posts 1, 3, 5 with 1 labelled dialogue -> 2/3 dialogue -> 2 posts;
    # reply-shaped 2, 4, 6 all dialogue -> 3 posts; (2 + 3) / 6.
    assert city["dialogue_share"] == pytest.approx(5 / 6)
    assert city["share_acc"] == pytest.approx(5 / 6)
    assert rep.provenance["rates_source"] == "a test"
    assert "a test" in rep.render_html()


def test_acc_without_rates_falls_back_to_pcc_with_a_note(posts):
    with pytest.warns(UserWarning, match="no measured true- and false-positive rates"):
        rep = report(posts, period=None, estimator="acc", model=types.SimpleNamespace())
    assert rep.estimator == "pcc"
    assert any("instead of acc" in note for note in rep.provenance["notes"])
    assert "instead of acc" in rep.render_html()


def test_hand_coded_labels_without_probabilities_are_counted(posts):
    rep = report(posts.drop(columns="p_dialogue"), period=None)
    assert rep.estimator == "cc"
    assert shares(rep).loc["shopco", "dialogue_share"] == pytest.approx(0.3)
    with pytest.raises(DialogclsError, match="E454"):
        report(posts.drop(columns="p_dialogue"), period=None, estimator="pcc")


def test_unknown_estimator_is_refused(posts):
    with pytest.raises(DialogclsError, match="E450"):
        report(posts, estimator="median")


@pytest.fixture(scope="module")
def small_model():
    from dialogcls.model import DialogueClassifier

    texts = [f"@u{i} Danke für deine Nachricht!" for i in range(8)] + [f"Neu im Shop: Modell {i}" for i in range(8)]
    return DialogueClassifier(n_features=2**10, cv=2).fit(texts, ["dialogue"] * 8 + ["broadcast"] * 8)


def test_hand_coded_posts_give_the_rates(posts, small_model, tmp_path):
    coded = pd.DataFrame({"text": [f"@k{i} Danke dir!" for i in range(12)] + [f"Neu: Modell {i}" for i in range(12)]
                          + [f"Was meint ihr zu Modell {i}?" for i in range(12)],
                          "label": ["dialogue"] * 12 + ["broadcast"] * 12 + ["dialogue"] * 12})
    path = tmp_path / "coded.csv"
    coded.to_csv(path, index=False)
    rep = report(posts, period=None, model=small_model, coded=path)
    assert rep.estimator == "acc"  # the measured default with hand-coded rates
    assert rep.provenance["rates_source"] == "36 hand-coded posts (coded.csv)"
    assert rep.accounts["dialogue_share"].between(0, 1).all()


@pytest.mark.parametrize(("rows", "code"), [
    ([{"text": "a"}], "E451"),
    ([{"text": "a", "label": "dialog"}], "E320"),
    ([{"text": "a", "label": "dialogue"}, {"text": "b", "label": "dialogue"}], "E321"),
])
def test_unusable_hand_coded_posts_are_explained(posts, small_model, rows, code):
    with pytest.raises(DialogclsError, match=code):
        report(posts, period=None, model=small_model, coded=rows)


def test_twitter_export_fields_give_threads_and_links():
    # X/Twitter API v2 records: a user's question and the account's answer (referenced_tweets).
    records = [
        {"id": "1700000000000000001", "text": "@acme is the shop open on Sunday?", "author": "ann",
         "created_at": "2024-05-01T10:00:00Z", "platform": "twitter"},
        {"id": "1700000000000000002", "text": "@ann Yes, from 10 to 4!", "author": "acme", "label": "dialogue",
         "p_dialogue": 0.95, "created_at": "2024-05-01T10:45:00Z", "platform": "twitter",
         "referenced_tweets": [{"type": "replied_to", "id": "1700000000000000001"}]},
    ] + [{"id": f"17000000000000001{i:02d}", "text": f"News {i}", "author": "acme", "label": "broadcast",
          "p_dialogue": 0.05, "platform": "twitter", "referenced_tweets": None,
          "created_at": "2024-05-02T10:00:00Z"} for i in range(4)]
    rep = report(records, accounts=["acme"], estimator="cc")
    acme = shares(rep).loc["acme"]
    assert (acme["questions_received"], acme["questions_answered"]) == (1, 1)
    assert acme["median_answer_minutes"] == pytest.approx(45.0)
    assert acme["structural_replies"] == 1
    link = rep.examples.loc[rep.examples["label"] == "dialogue", "link"].iloc[0]
    assert link == "https://x.com/acme/status/1700000000000000002"
    page = rep.render_html()
    assert 'href="https://x.com/acme/status/1700000000000000002"' in page
    assert page.count("<svg") >= 2 and 'id="answers"' in page


def test_mastodon_in_reply_to_id_is_read():
    records = [{"id": "10", "content": "<p>@acme Habt ihr heute offen?</p>", "account": {"acct": "ann"},
                "in_reply_to_id": None, "reblog": None, "created_at": "2024-05-01T10:00:00Z",
                "url": "https://example.social/@ann/10"},
               {"id": "11", "content": "<p>@ann Ja, bis 18 Uhr!</p>", "account": {"acct": "acme"},
                "in_reply_to_id": "10", "reblog": None, "created_at": "2024-05-01T11:00:00Z",
                "url": "https://example.social/@acme/11", "label": "dialogue", "p_dialogue": 0.9}]
    rep = report(records, accounts=["acme"], min_posts=1, estimator="cc")
    assert rep.has_threads
    assert shares(rep).loc["acme", "questions_answered"] == 1
    assert rep.examples["link"].tolist() == ["https://example.social/@acme/11"]


def test_platform_split(posts):
    posts["platform"] = np.where(posts["id"] % 2 == 0, "twitter", "facebook")
    rep = report(posts, period=None, estimator="cc")
    shop = rep.platforms[rep.platforms["author"] == "shopco"].set_index("platform")
    # shopco: ids 12-21, even ids on twitter (12, 14, 16, 18, 20: dialogue 16) and odd on facebook
    # (13, 15, 17, 19, 21: dialogue 13, 17).
    assert shop.loc["twitter", ["posts", "dialogue"]].tolist() == [5, 1]
    assert shop.loc["facebook", ["posts", "dialogue"]].tolist() == [5, 2]
    assert 'id="platforms-table"' in rep.render_html()


def test_one_platform_under_two_names_is_one_row(posts):
    posts["platform"] = np.where(posts["id"] % 2 == 0, "Twitter", "X")
    rep = report(posts, period=None, estimator="cc")
    shop = rep.platforms[rep.platforms["author"] == "shopco"].set_index("platform")
    assert shop.index.tolist() == ["twitter"]
    assert shop.loc["twitter", ["posts", "dialogue"]].tolist() == [10, 3]


def test_trend_chart_only_for_periods_with_enough_posts(posts):
    rep = report(posts, estimator="cc", min_period_posts=11)
    assert 'id="trend-dialogue-share' not in rep.render_html()  # no period has 11 posts
    rep = report(posts, estimator="cc", min_period_posts=3)
    assert 'aria-label="dialogue share (cc) per period"' in rep.render_html()


def test_provenance_footer(posts, tmp_path):
    rep = report(posts, source="posts.csv", estimator="cc")
    page = rep.render_html()
    assert "posts.csv: 30 rows" in page
    assert "by dialogcls" in page and rep.provenance["generated"][:10] in page


def test_report_command_with_estimator_and_columns(tmp_path, capsys):
    from test_report import ROWS as rows

    from dialogcls.cli import main

    frame = pd.DataFrame(rows, columns=COLUMNS).rename(columns={"id": "post", "reply_to_id": "parent"})
    source = tmp_path / "posts.csv"
    frame.to_csv(source, index=False)
    out, tables = tmp_path / "report.html", tmp_path / "tables"
    assert main(["report", str(source), "-o", str(out), "--csv", str(tables), "--estimator", "pcc",
                 "--id-column", "post", "--reply-to-id-column", "parent", "--model", "/nonexistent"]) == 0
    accounts = pd.read_csv(tables / "accounts.csv").set_index("author")
    assert accounts.loc["cityworks", "questions_answered"] == 3
    assert accounts.loc["cityworks", "dialogue_share"] == pytest.approx(0.628333, abs=1e-5)
    assert "pcc" in out.read_text(encoding="utf-8")
    assert main(["report", str(source), "-o", str(out), "--reply-to-id-column", "nope"]) == 3
    assert "E457" in capsys.readouterr().err
    assert main(["report", str(source), "-o", str(out), "--estimator", "median"]) == 2


def test_report_by_a_missing_column_is_a_coded_input_error(tmp_path):
    from dialogcls.cli import main

    source = tmp_path / "posts.csv"
    source.write_text("text,author\nHallo,a\n", encoding="utf-8")
    assert main(["report", str(source), "--by", "nosuch", "-o", str(tmp_path / "r.html")]) == 3
    assert not (tmp_path / "r.html").exists()


def test_too_few_posts_per_account_says_so_instead_of_an_empty_report(tmp_path):
    import dialogcls
    from dialogcls.cli import main

    rows = [{"text": t, "author": "x"} for t in ("@a Danke!", "Neu im Shop", "Was meint ihr?", "@b Sorry!")]
    rep = dialogcls.report(rows, by="author")
    assert rep.accounts.empty and "at least 5 posts" in rep.summary() and "min_posts" in rep.summary()
    source = tmp_path / "four.csv"
    source.write_text("text,author\n" + "".join(f'"{r["text"]}",x\n' for r in rows), encoding="utf-8")
    assert main(["report", str(source), "--by", "author", "-o", str(tmp_path / "r.html")]) == 3
    assert not (tmp_path / "r.html").exists()
    assert main(["report", str(source), "--by", "author", "--min-posts", "4", "-o", str(tmp_path / "r.html")]) == 0
