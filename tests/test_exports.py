"""Platform exports recognised from their fields (issue 12, item 2); all records are invented."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

import dialogcls
from dialogcls import artifact, exports
from dialogcls.cli import main
from dialogcls.io import read_table


@pytest.fixture(scope="module")
def tiny_dir(tiny_model, tmp_path_factory):
    return artifact.save(tiny_model, tmp_path_factory.mktemp("tiny") / "model")


def run(tmp_path: Path, tiny_dir: Path, source: Path, *options: str) -> list[dict]:
    target = tmp_path / "out.jsonl"
    assert main(["classify", str(source), "-o", str(target), "--model", str(tiny_dir), "--quiet", *options]) == 0
    return [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]


TWEETS = [
    {"id": "101", "text": "@ann Das tut uns leid! Schreib uns bitte eine DM.", "author_id": "1", "lang": "de",
     "in_reply_to_user_id": "9", "conversation_id": "90", "edit_history_tweet_ids": ["101"],
     "referenced_tweets": [{"type": "replied_to", "id": "95"}]},
    {"id": "102", "text": "RT @bob: Tolles Team!", "author_id": "1", "lang": "de", "conversation_id": "102",
     "edit_history_tweet_ids": ["102"], "referenced_tweets": [{"type": "retweeted", "id": "80"}]},
    {"id": "103", "text": "https://t.co/abc", "author_id": "1", "lang": "zxx", "conversation_id": "103",
     "edit_history_tweet_ids": ["103"]},
    {"id": "104", "text": "2/2 Mehr dazu morgen.", "author_id": "1", "lang": "qme", "in_reply_to_user_id": "1",
     "conversation_id": "100", "edit_history_tweet_ids": ["104"],
     "referenced_tweets": [{"type": "replied_to", "id": "100"}]},
    {"id": "105", "text": "Genau so! https://t.co/q", "author_id": "1", "lang": "und", "conversation_id": "105",
     "edit_history_tweet_ids": ["105"], "referenced_tweets": [{"type": "quoted", "id": "70"}]},
]
USERS = [{"id": "1", "username": "acme"}, {"id": "9", "username": "ann"}]


def check_tweets(out: list[dict], tiny_model) -> None:
    assert [row["id"] for row in out] == ["101", "102", "103", "104", "105"]
    assert [row["author"] for row in out] == ["acme"] * 5
    assert [row["is_reply"] for row in out] == [True, False, False, True, False]
    assert out[0]["reply_to"] == "ann" and out[3]["reply_to"] == "acme"  # a thread of its own
    assert (out[1]["label"], out[1]["kind"], out[1]["cues"], out[1]["p_dialogue"]) == ("broadcast", "share",
                                                                                       ["retweet"], 0.0)
    assert out[4]["cues"] != ["retweet"]  # a quote is scored (codebook rule 10)
    assert {out[2]["lang"], out[3]["lang"], out[4]["lang"]} <= {"de", "en", "mixed"}  # zxx/qme/und: unknown
    expected = dialogcls.classify_batch([t["text"] for t in TWEETS], is_reply=[True, False, False, True, False],
                                        reply_to=["ann", None, None, "acme", None], author="acme",
                                        platform="twitter", lang=["de", "de", None, None, None], model=tiny_model)
    assert out[0]["p_dialogue"] == pytest.approx(float(expected.p_dialogue[0]), abs=1e-6)
    assert out[4]["p_dialogue"] == pytest.approx(float(expected.p_dialogue[4]), abs=1e-6)


def test_a_twitter_api_v2_response_saved_as_json(tmp_path, tiny_model, tiny_dir):
    source = tmp_path / "search.json"
    source.write_text(json.dumps({"data": TWEETS, "includes": {"users": USERS}, "meta": {"result_count": 5}},
                                 indent=2), encoding="utf-8")
    check_tweets(run(tmp_path, tiny_dir, source), tiny_model)


def test_json_lines_of_api_pages_as_twarc_writes_them(tmp_path, tiny_model, tiny_dir):
    source = tmp_path / "pages.jsonl"
    source.write_text(json.dumps({"data": TWEETS[:2], "includes": {"users": USERS}}) + "\n"
                      + json.dumps({"data": TWEETS[2:], "includes": {"users": USERS}}) + "\n", encoding="utf-8")
    check_tweets(run(tmp_path, tiny_dir, source), tiny_model)


def test_json_lines_of_tweets_and_twarcs_flat_csv(tmp_path, tiny_model, tiny_dir):
    rows = [{"id": t["id"], "text": t["text"], "author_id": t["author_id"], "author.username": "acme",
             "in_reply_to_user_id": t.get("in_reply_to_user_id", ""),
             "in_reply_to_user.username": {"9": "ann", "1": "acme"}.get(t.get("in_reply_to_user_id", ""), ""),
             "referenced_tweets.replied_to.id": next((r["id"] for r in t.get("referenced_tweets", [])
                                                      if r["type"] == "replied_to"), ""),
             "referenced_tweets.retweeted.id": next((r["id"] for r in t.get("referenced_tweets", [])
                                                     if r["type"] == "retweeted"), ""),
             "lang": t["lang"]} for t in TWEETS]
    source = tmp_path / "flat.csv"
    pd.DataFrame(rows).to_csv(source, index=False)
    out = run(tmp_path, tiny_dir, source)
    assert [row["is_reply"] for row in out] == [True, False, False, True, False]
    assert out[1]["cues"] == ["retweet"] and out[0]["reply_to"] == "ann" and out[3]["reply_to"] == "acme"
    lines = tmp_path / "tweets.jsonl"
    lines.write_text("".join(json.dumps(t) + "\n" for t in TWEETS), encoding="utf-8")
    out = run(tmp_path, tiny_dir, lines)
    assert out[1]["cues"] == ["retweet"] and out[0]["author"] == "1"  # no includes: the author's id


def test_a_v1_tweet(tmp_path, tiny_dir):
    source = tmp_path / "v1.jsonl"
    source.write_text(json.dumps({"id_str": "5", "full_text": "@ann Danke!", "user": {"screen_name": "acme"},
                                  "in_reply_to_status_id": 4, "in_reply_to_screen_name": "ann", "lang": "de"}) + "\n"
                      + json.dumps({"id_str": "6", "full_text": "RT @x: y", "user": {"screen_name": "acme"},
                                    "retweeted_status": {"id_str": "1"}, "lang": "de"}) + "\n", encoding="utf-8")
    out = run(tmp_path, tiny_dir, source)
    assert out[0]["is_reply"] is True and out[0]["reply_to"] == "ann" and out[0]["author"] == "acme"
    assert out[1]["kind"] == "share" and out[1]["cues"] == ["retweet"]


def test_facebook_graph_export_with_a_photo_only_post(tmp_path, tiny_model, tiny_dir):
    source = tmp_path / "page.json"
    source.write_text(json.dumps({"data": [
        {"id": "1_1", "message": "Neu bei uns: die Herbstkollektion!", "created_time": "2024-09-01T08:00:00+0000",
         "from": {"name": "Acme", "id": "1"}, "status_type": "added_photos"},
        {"id": "1_2", "created_time": "2024-09-02T08:00:00+0000", "from": {"name": "Acme", "id": "1"},
         "status_type": "added_photos"},
        {"id": "1_3", "message": "@Jana Danke dir!", "created_time": "2024-09-03T08:00:00+0000",
         "from": {"name": "Acme", "id": "1"}, "parent": {"id": "1_9"}}], "paging": {"next": "x"}}),
        encoding="utf-8")
    out = run(tmp_path, tiny_dir, source)
    assert [row["text"] for row in out] == ["Neu bei uns: die Herbstkollektion!", "", "@Jana Danke dir!"]
    assert [row["is_reply"] for row in out] == [False, False, True] and {row["platform"] for row in out} == {"facebook"}
    assert out[1]["label"] == dialogcls.classify({"text": "", "platform": "facebook", "is_reply": False},
                                                 model=tiny_model).label  # the photo is a post, scored
    assert "error" not in out[1]


def test_instagram_media(tmp_path, tiny_dir):
    source = tmp_path / "media.json"
    source.write_text(json.dumps({"data": [{"id": "9", "caption": "Was ist euer Lieblingsort? Schreibt es uns!",
                                            "media_type": "IMAGE", "timestamp": "2024-05-01T10:00:00+0000",
                                            "username": "acme"}, {"id": "10", "media_type": "VIDEO"}]}),
                      encoding="utf-8")
    out = run(tmp_path, tiny_dir, source)
    assert [row["platform"] for row in out] == ["instagram"] * 2 and out[1]["text"] == ""
    assert out[0]["author"] == "acme" and out[0]["created_at"] == "2024-05-01T10:00:00+0000"


def test_mastodon_statuses(tmp_path, tiny_dir):
    statuses = [
        {"id": "1", "content": '<p><span class="h-card"><a href="https://x.social/@ann" class="u-url mention">'
                               '@<span>ann</span></a></span> Danke für den Hinweis!<br>Wir kümmern uns.</p>',
         "account": {"id": "7", "acct": "bahn"}, "in_reply_to_id": "50", "in_reply_to_account_id": "3",
         "mentions": [{"id": "3", "acct": "ann@x.social"}], "reblog": None, "language": "de",
         "created_at": "2024-01-01T00:00:00Z", "visibility": "public"},
        {"id": "2", "content": "", "account": {"id": "7", "acct": "bahn"}, "in_reply_to_id": None,
         "reblog": {"id": "40", "content": "<p>Super &amp; danke!</p>"}, "language": None, "visibility": "public"},
        {"id": "3", "content": "<p>Teil 2 des Threads</p>", "account": {"id": "7", "acct": "bahn"},
         "in_reply_to_id": "1", "in_reply_to_account_id": "7", "reblog": None, "language": "de"},
    ]
    source = tmp_path / "statuses.json"
    source.write_text(json.dumps(statuses), encoding="utf-8")
    out = run(tmp_path, tiny_dir, source)
    assert out[0]["text"] == "@ann Danke für den Hinweis!\nWir kümmern uns." and out[0]["reply_to"] == "ann@x.social"
    assert out[0]["is_reply"] is True and out[0]["author"] == "bahn"
    assert (out[1]["text"], out[1]["kind"], out[1]["cues"]) == ("Super & danke!", "share", ["reblog"])
    assert out[2]["reply_to"] == "bahn"  # a thread of its own


def test_a_mastodon_archive_outbox(tmp_path, tiny_dir):
    outbox = {"@context": "https://www.w3.org/ns/activitystreams", "type": "OrderedCollection", "orderedItems": [
        {"id": "a1", "type": "Create", "actor": "https://x.social/users/bahn", "published": "2024-01-01T00:00:00Z",
         "object": {"content": "<p>Neuer Fahrplan ab Montag</p>", "inReplyTo": None, "contentMap": {"de": "x"}}},
        {"id": "a2", "type": "Announce", "actor": "https://x.social/users/bahn", "object": "https://y/1"}]}
    source = tmp_path / "outbox.json"
    source.write_text(json.dumps(outbox), encoding="utf-8")
    out = run(tmp_path, tiny_dir, source)
    assert out[0]["text"] == "Neuer Fahrplan ab Montag" and out[0]["author"] == "bahn" and out[0]["is_reply"] is False
    assert out[1]["cues"] == ["reblog"]


def test_linkedin_posts_api_and_page_export(tmp_path, tiny_dir):
    source = tmp_path / "posts.json"
    source.write_text(json.dumps([
        {"id": "urn:li:share:1", "commentary": "Wir stellen ein! Jetzt bewerben.", "author": "urn:li:organization:5",
         "createdAt": 1700000000000},
        {"id": "urn:li:share:2", "commentary": "", "author": "urn:li:organization:5", "createdAt": 1700000100000,
         "reshareContext": {"parent": "urn:li:share:0"}}]), encoding="utf-8")
    out = run(tmp_path, tiny_dir, source)
    assert out[0]["platform"] == "linkedin" and out[0]["created_at"] == "2023-11-14T22:13:20Z"
    assert out[1]["cues"] == ["reshare"]
    page = tmp_path / "page.csv"
    page.write_text("Post title,Post link,Post type,Posted by,Created date\n"
                    "Was wünscht ihr euch? Schreibt es in die Kommentare,https://lnkd.in/1,Organic,Anna,09/01/2024\n",
                    encoding="utf-8")
    out = run(tmp_path, tiny_dir, page)
    assert out[0]["text"].startswith("Was wünscht") and out[0]["author"] == "Anna" and out[0]["is_reply"] is False


def test_platform_constant_and_preset_none(tmp_path, tiny_model, tiny_dir):
    source = tmp_path / "plain.csv"
    source.write_text("text\nNeu im Shop\n", encoding="utf-8")
    out = run(tmp_path, tiny_dir, source, "--platform", "linkedin")
    expected = dialogcls.classify({"text": "Neu im Shop", "platform": "linkedin"}, model=tiny_model)
    assert out[0]["platform"] == "linkedin" and out[0]["p_dialogue"] == pytest.approx(expected.p_dialogue, abs=1e-6)
    tweets = tmp_path / "tweets.jsonl"
    tweets.write_text(json.dumps(TWEETS[1]) + "\n", encoding="utf-8")
    assert run(tmp_path, tiny_dir, tweets, "--preset", "none")[0]["cues"] != ["retweet"]


def test_plain_files_are_not_taken_for_exports():
    assert exports.detect(["id", "text", "author", "is_reply", "platform"]) is None
    assert exports.detect(["text", "message_id"]) is None


def test_read_table_gives_the_report_the_post_fields(tmp_path):
    source = tmp_path / "statuses.json"
    source.write_text(json.dumps([{"id": "1", "content": "<p>Hallo</p>", "account": {"acct": "bahn"},
                                   "in_reply_to_id": None, "reblog": None}]), encoding="utf-8")
    frame = read_table(source)
    assert frame.loc[0, "text"] == "Hallo" and frame.loc[0, "author"] == "bahn" and frame.loc[0, "platform"] == "mastodon"
