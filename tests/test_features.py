"""Each named feature on hand-built posts, German and English, and the codebook's edge cases."""
from __future__ import annotations

import numpy as np
import pytest

from dialogcls.features import FEATURE_NAMES, Featurizer
from dialogcls.records import PostBatch

FEATURIZER = Featurizer(n_features=2**12)


def named(text: str, **metadata) -> dict[str, float]:
    batch = PostBatch.from_columns([text], **{k: [v] for k, v in metadata.items()})
    row = FEATURIZER.transform(batch)[0, :len(FEATURE_NAMES)].toarray()[0]
    return dict(zip(FEATURE_NAMES, row))


@pytest.mark.parametrize("text, feature", [
    ("@anna Vielen Dank für den Hinweis!", "thanks"),
    ("@tom Thank you so much!", "thanks"),
    ("@jan Das tut uns leid.", "apology"),
    ("@jo We apologize for the inconvenience.", "apology"),
    ("Hallo Maria, wir schauen nach.", "greeting"),
    ("Kannst du uns mehr sagen?", "second_person"),
    ("Können Sie uns Ihre Nummer nennen?", "second_person"),
    ("Could you tell us more?", "second_person"),
    ("Schick uns bitte eine DM.", "dm_request"),
    ("Please send us a direct message.", "dm_request"),
    ("Was meint ihr? Schreibt es in die Kommentare!", "invite_response"),
    ("Let us know in the comments!", "invite_response"),
    ("Tell us in the replies which one you'd pick", "invite_response"),
    ("Theories welcome 👀", "invite_response"),
    ("Wie viele sind es? Schreibt eure Zahl in die Antworten", "invite_response"),
    ("Stellen Sie Ihre Fragen bis Freitag", "invite_response"),
    ("Her mit euren Ideen! 💡", "invite_response"),
    ("Helfen Sie uns mit Ihren Vorschlägen", "invite_response"),
    ("Caption this photo 👇", "invite_response"),
    ("Fill in the blanks: My perfect Sunday is ___", "invite_response"),
    ("Finish this sentence: Summer is ...", "invite_response"),
    ("Bildunterschrift gesucht: Was ist hier auf dem Foto los? 📸", "invite_response"),
    ("Ergänzt den Satz: Ein perfekter Tag beginnt mit …", "invite_response"),
    ("Was sagt ihr dazu?", "invite_response"),
    ("Jetzt anmelden und mehr erfahren", "cta"),
    ("Learn more and sign up today", "cta"),
    ("Wir suchen Verstärkung (m/w/d) – jetzt bewerben!", "recruiting"),
    ("We're hiring! Apply now.", "recruiting"),
    ("Wegen einer Störung entfallen Fahrten.", "notice"),
    ("We are experiencing delays on the Northern line.", "notice"),
    ("Stolz auf die Auszeichnung!", "pr"),
    ("Proud to announce our award!", "pr"),
])
def test_cue_lexicons_per_language(text, feature):
    assert named(text)[feature] > 0


def test_formal_sie_is_address_but_lower_case_sie_is_not():
    assert named("Haben Sie Fragen dazu?")["second_person"] > 0
    assert named("Die Kollegen melden sich, sobald sie zurück sind.")["second_person"] == 0


def test_lemmas_extend_cues_to_inflected_forms():
    assert named("Wir bedankten uns herzlich.")["thanks"] > 0


@pytest.mark.parametrize("text, feature, value", [
    ("Habt ihr schon das neue Menü probiert?", "verb_first_question", 1),
    ("Ihr habt das neue Menü probiert.", "verb_first_question", 0),
    ("Have you tried the new menu?", "verb_first_question", 1),
    ("What is your favourite dish?", "question_word_question", 1),
    ("Looking for a new phone? Our deals: https://t.co/x", "question_then_link", 1),
    ("What's your favourite way to help? #neighbours https://t.co/picture", "question_then_link", 0),
    ("Wie sicher ist Ihr Netzwerk? Jetzt Whitepaper laden", "question_then_cta", 1),
    ("What do you think? 🤔 #poll", "ends_with_question", 1),
    ("Which one? https://t.co/x #a", "ends_with_question", 1),
])
def test_question_features(text, feature, value):
    assert named(text)[feature] == value


def test_leading_address_versus_mention():
    address = named("@anna Danke dir!")
    assert address["leading_handle"] == 1 and address["inner_handles"] == 0
    mention = named(".@Partner und wir starten heute!")
    assert mention["dot_handle"] == 1 and mention["leading_handle"] == 0
    inside = named("Proud to sponsor @AutismSpeaksSTL today!")
    assert inside["leading_handle"] == 0 and inside["inner_handles"] > 0


def test_retweets_are_shares():
    assert named("RT @kunde: Toller Service heute!")["retweet"] == 1
    assert named("Retweet this!")["retweet"] == 0


def test_reply_metadata():
    reply = named("Gern geschehen, Anna!", is_reply=True, reply_to="anna", author="acme")
    assert reply["is_reply"] == 1 and reply["reply_to_other"] == 1 and reply["not_reply"] == 0
    top = named("Neu im Shop", is_reply=False)
    assert top["not_reply"] == 1 and top["is_reply"] == 0
    thread = named("2/3 Und weiter geht's.", is_reply=True, reply_to="acme", author="ACME")
    assert thread["self_thread"] == 1 and thread["reply_to_other"] == 0
    unknown = named("Hallo")
    assert unknown["no_reply_flag"] == 1 and unknown["is_reply"] == 0 and unknown["not_reply"] == 0


@pytest.mark.parametrize("reply_to", ["anna", "ANNA", None])
def test_a_reply_flag_that_mirrors_the_leading_handle_adds_nothing_to_the_text(reply_to):
    # Twitter marks a tweet that opens with @anna as a reply to anna, also "@anna, our new
    # professor, ..." (codebook rule 4), so the flag is read as absent there.
    flagged = named("@anna, unsere neue Professorin, spricht heute", is_reply=True, reply_to=reply_to, author="acme")
    plain = named("@anna, unsere neue Professorin, spricht heute")
    assert flagged == plain and flagged["no_reply_flag"] == 1 and flagged["handle_as_subject"] == 1


def test_a_reply_flag_says_more_than_the_handle_when_it_names_another_account_or_the_author():
    other = named("@anna Danke!", is_reply=True, reply_to="ben", author="acme")
    assert other["is_reply"] == 1 and other["reply_to_other"] == 1
    thread = named("@anna 2/2 und weiter", is_reply=True, reply_to="acme", author="acme")
    assert thread["is_reply"] == 1 and thread["self_thread"] == 1
    marked_not = named("@anna zeigt heute ihr Projekt", is_reply=False)
    assert marked_not["not_reply"] == 1


def test_links_hashtags_emoji_signature_thread_truncation():
    f = named("Neu: https://t.co/a und www.x.de/b #eins #zwei 🎉 1/3 ^AB …")
    assert f["toplevel_links"] == pytest.approx(np.log1p(2))
    assert f["hashtags"] == pytest.approx(np.log1p(2))
    assert f["emoji"] == pytest.approx(np.log1p(1))
    assert f["signature"] == 1 and f["thread_marker"] == 1 and f["truncated"] == 1


def test_a_link_in_a_reply_is_part_of_the_answer_not_a_cue():
    # Codebook rule 1: "@anna Sorry to hear that! Here is how to reset it: <link>" is dialogue.
    assert named("@anna So geht es: https://t.co/a")["toplevel_links"] == 0
    assert named("So geht es: https://t.co/a", is_reply=True, reply_to="anna", author="acme")["toplevel_links"] == 0
    assert named("So geht es: https://t.co/a")["toplevel_links"] == pytest.approx(np.log1p(1))


def test_a_question_mark_alone_is_no_feature():
    # Codebook rule 6: what the question asks for decides, not the punctuation. Two question marks
    # and one give the same row once the words are the same.
    assert "question_marks" not in FEATURE_NAMES
    assert named("Neu bei uns?") == named("Neu bei uns??")


def test_a_quoted_question_is_a_quote_or_a_title_not_a_question_to_the_audience():
    # Codebook rule 6: a talk or episode title or a quote is not the organisation asking.
    assert named('Talk heute: „Wem gehören die Daten?“ 18 Uhr, Saal 2')["quoted_question"] == 1
    assert named('«Permafrost als Zeitbombe?» – Mittwoch, 16 Uhr')["quoted_question"] == 1
    assert named('Neue Folge "Who owns the night?" ist online. Und was meint ihr?')["quoted_question"] == 0
    assert named("Was meint ihr?")["quoted_question"] == 0
    assert named('Unser Motto: "Gemeinsam mehr"')["quoted_question"] == 0
    # a query string's "?" is part of the link, not a question outside the quotation marks
    assert named('Neue Folge "Who owns the night?" https://x.de/ep?id=7')["quoted_question"] == 1
    assert named('Neu im Shop: "Sommer" https://x.de/s?utm=tw')["quoted_question"] == 0


def test_platform_one_hot():
    assert named("x", platform="LinkedIn")["platform_linkedin"] == 1
    assert named("x", platform="myspace")["platform_unknown"] == 1


@pytest.mark.parametrize("name", ["X", " x ", "x.com", "Twitter", "X/Twitter"])
def test_x_is_twitter(name):
    """X is Twitter's name since 2023: an export that says so gets the Twitter feature, not 'unknown'."""
    row = named("x", platform=name)
    assert row["platform_twitter"] == 1 and row["platform_unknown"] == 0


def test_rows_do_not_depend_on_the_rest_of_the_batch():
    texts = ["@a Danke!", "Neu: https://t.co/x", "Was meint ihr?"]
    together = FEATURIZER.transform(PostBatch.from_columns(texts)).toarray()
    alone = np.vstack([FEATURIZER.transform(PostBatch.from_columns([t])).toarray() for t in texts])
    np.testing.assert_array_equal(together, alone)


def test_empty_batch_and_empty_text():
    assert FEATURIZER.transform(PostBatch.from_columns([])).shape == (0, FEATURIZER.n_columns)
    assert FEATURIZER.transform(PostBatch.from_columns([""])).shape == (1, FEATURIZER.n_columns)


@pytest.mark.parametrize("text, turn", [
    ("A3: Cigna-style answer to a participant's question #MoneyChat", 1.0),
    ("Q1: What's the biggest money myth you grew up with? #MoneyChat", 1.0),
    ("A2 (1/2): Gute Frage! Die Förderung gilt auch für Altbauten.", 1.0),
    ("Antwort 2: Ja, die Anmeldung geht auch online.", 1.0),
    ("A380: our biggest aircraft is back on the Dubai route", 0.0),
    ("Q1 2026: revenue up 4 %", 0.0),
])
def test_chat_turn_labels_open_questions_and_answers_inside_a_chat(text, turn):
    assert named(text)["chat_turn"] == turn


def test_only_an_explicit_request_for_answers_is_a_top_level_invitation():
    # Codebook rule 6: "are you …?" and "favourite" open rhetorical teasers as often as invitations.
    assert named("Are you ready for summer? Our favourite deals are here")["toplevel_invite"] == 0
    assert named("Coffee or tea? Tell us in the comments!")["toplevel_invite"] > 0
    assert named("@anna Tell us more, please!")["toplevel_invite"] == 0  # reply-shaped


def test_large_inputs_are_featurised_in_chunks_with_the_same_matrix(monkeypatch):
    from dialogcls import features

    texts = [f"@u{i} Danke für die Nachricht {i}! https://t.co/{i}" if i % 3 else f"Neu im Shop: Modell {i} #neu"
             for i in range(50)]
    posts = PostBatch.from_columns(texts, is_reply=[i % 2 == 0 for i in range(50)])
    whole = Featurizer(n_features=2**10).transform(posts)
    monkeypatch.setattr(features, "TRANSFORM_CHUNK", 7)
    chunked = Featurizer(n_features=2**10).transform(posts)
    assert (whole != chunked).nnz == 0 and whole.shape == chunked.shape


@pytest.mark.parametrize("sizes", [[1], [3, 1, 4], [5, 0, 2, 9], [2, 2, 2, 2, 2, 2]])
def test_stack_rows_gives_the_matrix_vstack_gives(sizes):
    import scipy.sparse as sp

    from dialogcls.features import stack_rows

    rng = np.random.default_rng(len(sizes))
    # densities that change from chunk to chunk: the buffer has to grow more than once
    chunks = [sp.random(n, 30, density=0.05 + 0.3 * (k % 2), format="csr", random_state=rng)
              for k, n in enumerate(sizes)]
    stacked = stack_rows(iter(chunks), sum(sizes), 30)
    expected = sp.vstack(chunks, format="csr")
    assert stacked.shape == expected.shape and stacked.nnz == expected.nnz
    assert np.array_equal(stacked.indptr, expected.indptr) and np.array_equal(stacked.indices, expected.indices)
    assert np.array_equal(stacked.data, expected.data) and len(stacked.data) == stacked.nnz
    with pytest.raises(ValueError, match="rows"):
        stack_rows(iter(chunks), sum(sizes) + 1, 30)
