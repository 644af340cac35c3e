"""Tokenizer, token kinds, language detection and the bounded type table, per language."""
from __future__ import annotations

import pytest

from dialogcls.prep import KIND_NAMES, TypeTable, normalise_token, token_kind, tokenize, tokenize_batch
from dialogcls.spacy_tokenizer import DocMaker, make_nlp


@pytest.mark.parametrize("text, tokens", [
    ("@anna Danke! /je", ["@anna", "Danke", "!", "/je"]),
    ("Mehr: https://t.co/AbC123 #Bahn", ["Mehr", ":", "https://t.co/AbC123", "#Bahn"]),
    ("Tom &amp; Jerry ^AB", ["Tom", "&amp;", "Jerry", "^AB"]),
    ("Buy $AAPL now *MS", ["Buy", "$AAPL", "now", "*MS"]),
    ("Toll 👍🏽 und 👨‍👩‍👧 ok", ["Toll", "👍🏽", "und", "👨‍👩‍👧", "ok"]),
    ("@user@mastodon.social hi", ["@user@mastodon.social", "hi"]),
    ("Entwickler (m/w/d) gesucht", ["Entwickler", "(", "m/w/d", ")", "gesucht"]),
    ("We're live… what?!", ["We're", "live", "…", "what", "?!"]),
    ("Info unter www.bahn.de/service.", ["Info", "unter", "www.bahn.de/service."]),
])
def test_tokenizer_keeps_social_tokens_whole(text, tokens):
    assert tokenize(text) == tokens


@pytest.mark.parametrize("token, kind", [
    ("@anna", "handle"), ("#bahn", "hashtag"), ("https://t.co/x", "url"), ("t.co/x", "url"),
    ("$AAPL", "cashtag"), ("&amp;", "entity"), ("/je", "signature"), ("^AB", "signature"),
    ("🙂", "emoji"), ("12:30", "number"), ("Danke", "word"), ("?", "punct"), ("a@b.de", "email"),
])
def test_token_kinds(token, kind):
    assert KIND_NAMES[token_kind(token)] == kind


def test_normalised_forms_replace_open_class_strings():
    assert normalise_token("@Anna", token_kind("@Anna")) == "<handle>"
    assert normalise_token("https://t.co/x", token_kind("https://t.co/x")) == "<url>"
    assert normalise_token("&amp;", token_kind("&amp;")) == "&"
    assert normalise_token("Danke", token_kind("Danke")) == "danke"


@pytest.mark.parametrize("lang", ["de", "en"])
def test_spacy_pipeline_uses_the_same_tokens_and_keeps_text(lang):
    nlp = make_nlp(lang)
    text = "@anna  Danke für eure Hilfe!  https://t.co/x 🙂 /je "
    doc = nlp(text)
    assert doc.text == text
    assert [t.text for t in doc if not t.is_space] == tokenize(text)


def test_lookup_lemmas_per_language():
    assert [t.lemma_ for t in make_nlp("en")("We thanked them")][1] == "thank"
    assert make_nlp("de")("Wir bedankten uns")[1].lemma_ == "bedanken"


def table():
    return TypeTable({"de": {}, "en": {}}, n_features=2**10)


@pytest.mark.parametrize("text, lang", [
    ("Wir sind heute für euch da und helfen gerne", "de"),
    ("Grüezi! Schön, dass ihr dabei seid.", "de"),
    ("We are here for you today and happy to help", "en"),
    ("Thanks for your patience, we will get back to you", "en"),
    ("Habt ihr Fragen? Dann sind wir hier für euch da. Let us know what you think of the new app", "mixed"),
])
def test_language_detection(text, lang):
    assert tokenize_batch([text], table()).lang.tolist() == [lang]


def test_given_language_wins():
    assert tokenize_batch(["We are here for you"], table(), lang=["de-CH"]).lang.tolist() == ["de"]


@pytest.mark.parametrize("code", ["und", "zxx", "qme", "UND "])
def test_a_code_for_no_language_is_detected_as_if_none_were_given(code):
    # X gives 'und' (undetermined) and 'qme' (media only): they passed through as the post's language,
    # so that no language feature fired and the output said 'und'.
    texts = ["Wir sind heute für euch da und helfen gerne", "We are here for you today"]
    assert tokenize_batch(texts, table(), lang=[code, code]).lang.tolist() == ["de", "en"]


def test_type_table_is_bounded_on_endless_fresh_strings():
    types = TypeTable({"de": {}, "en": {}}, n_features=2**10, max_types=1_000)
    for start in range(0, 20_000, 100):
        types.ids([f"wort{i}" for i in range(start, start + 100)] + ["danke"])
        assert len(types) <= 1_000 + 101  # the bound plus one call's new strings
    assert types.resets > 0


def test_fresh_handles_links_and_numbers_share_one_row_per_kind():
    types = TypeTable({"de": {}, "en": {}}, n_features=2**10)
    ids = types.ids([f"@user{i}" for i in range(500)] + [f"https://t.co/{i}" for i in range(500)]
                    + [str(i) for i in range(500)])
    assert len(set(ids.tolist())) == 3 and len(types) == 3
    assert [KIND_NAMES[int(types.kind[i])] for i in ids[[0, 500, 1000]]] == ["handle", "url", "number"]


def test_doc_maker_rebuilds_pipelines_to_bound_the_string_store():
    maker = DocMaker(max_strings=2_000)
    for i in range(3_000):
        maker(f"@user{i} https://t.co/{i} danke", "de")
    assert maker.rebuilds > 0
    assert len(maker.nlp("de").vocab.strings) <= 2_000 + 10


@pytest.mark.parametrize("lang", ["de", "en"])
def test_a_social_pipeline_round_trips_through_to_disk_and_spacy_load(tmp_path, lang):
    import spacy

    make_nlp(lang).to_disk(tmp_path / "nlp")
    loaded = spacy.load(tmp_path / "nlp")
    assert [t.text for t in loaded("@anna Danke 🙏 /je https://t.co/x")] == ["@anna", "Danke", "🙏", "/je", "https://t.co/x"]
    (tmp_path / "nlp" / "tokenizer").write_text('{"tokenizer": "other"}', encoding="utf-8")
    with pytest.raises(Exception, match="E231"):
        spacy.load(tmp_path / "nlp")
