"""The public Python API: classify, classify_batch, classify_frame, their inputs and their errors."""
from __future__ import annotations

import math

import pandas as pd
import pytest

import dialogcls
from dialogcls.api import classify_batch
from dialogcls.errors import DialogclsError
from dialogcls.features import FEATURE_NAMES, NGRAM_BLOCKS
from dialogcls.model import DialogueClassifier
from dialogcls.records import KINDS, LABELS, Post, PostBatch, Prediction

KNOWN_CUES = set(FEATURE_NAMES) | set(NGRAM_BLOCKS)
_DEFAULTS = DialogueClassifier().get_params()


def assert_valid(prediction: Prediction) -> None:
    assert isinstance(prediction, Prediction)
    assert prediction.label in LABELS
    assert isinstance(prediction.p_dialogue, float)
    assert 0.0 <= prediction.p_dialogue <= 1.0 and math.isfinite(prediction.p_dialogue)
    # the label is the probability thresholded at one of the two strata's thresholds
    low, high = sorted((_DEFAULTS["reply_shaped_threshold"], _DEFAULTS["top_level_threshold"]))
    assert not (prediction.p_dialogue >= high and prediction.label == "broadcast")
    assert not (prediction.p_dialogue < low and prediction.label == "dialogue")
    assert prediction.lang in ("de", "en", "mixed")
    assert prediction.kind in KINDS[prediction.label]
    assert isinstance(prediction.cues, list)
    assert all(" " not in cue for cue in prediction.cues)  # names can be joined and split
    assert all(isinstance(cue, str) and cue in KNOWN_CUES for cue in prediction.cues)
    assert len(prediction.cues) == len(set(prediction.cues)) <= 3


# -- shapes of input and output ------------------------------------------------------------------

def test_classify_str_returns_one_valid_prediction(tiny_model):
    prediction = dialogcls.classify("@mia Danke für deine Nachricht! Wir kümmern uns darum.", model=tiny_model)
    assert_valid(prediction)
    assert prediction.id is None
    assert prediction.lang == "de"


def test_classify_english_text_is_detected_as_english(tiny_model):
    prediction = dialogcls.classify("Thanks for your message, we are looking into it for you!", model=tiny_model)
    assert_valid(prediction)
    assert prediction.lang == "en"


def test_classify_list_returns_list_in_order(tiny_model):
    texts = ["@anna Danke für dein Feedback!", "Neu im Shop: Herbstkollektion https://t.co/a",
             "What's your favourite feature? Let us know below!", "Join our webinar. Register now: https://t.co/w"]
    predictions = dialogcls.classify(texts, model=tiny_model)
    assert isinstance(predictions, list) and len(predictions) == len(texts)
    for text, prediction in zip(texts, predictions):
        assert_valid(prediction)
        assert prediction == dialogcls.classify(text, model=tiny_model)


def test_classify_empty_list_and_generator(tiny_model):
    assert dialogcls.classify([], model=tiny_model) == []
    texts = ["Hallo", "Hello there"]
    from_generator = dialogcls.classify((t for t in texts), model=tiny_model)
    assert from_generator == dialogcls.classify(texts, model=tiny_model)


def test_dict_and_post_inputs_with_metadata_agree(tiny_model):
    record = {"text": "@jan Das tut uns leid, schreib uns bitte eine DM.", "id": "p1", "is_reply": True,
              "reply_to": "@jan", "author": "acme", "platform": "twitter", "lang": "de"}
    from_dict = dialogcls.classify(record, model=tiny_model)
    from_post = dialogcls.classify(Post(**{**record, "reply_to": "jan"}), model=tiny_model)
    assert_valid(from_dict)
    assert from_dict == from_post
    assert from_dict.id == "p1"
    assert from_dict.lang == "de"


def test_metadata_changes_the_features(tiny_model):
    text = "Danke!"
    plain = dialogcls.classify(text, model=tiny_model)
    reply = dialogcls.classify({"text": text, "is_reply": True, "reply_to": "anna"}, model=tiny_model)
    assert plain.p_dialogue != reply.p_dialogue


def test_given_lang_wins_over_detection(tiny_model):
    prediction = dialogcls.classify({"text": "We are here for you", "lang": "de"}, model=tiny_model)
    assert prediction.lang == "de"
    assert dialogcls.classify({"text": "Wir sind für euch da", "lang": "EN"}, model=tiny_model).lang == "en"


def test_ids_are_carried_through(tiny_model):
    posts = [{"text": "Hallo", "id": "a"}, {"text": "Hello", "id": 7}, {"text": "Servus"},
             Post("Hi @x", id="z")]
    predictions = dialogcls.classify(posts, model=tiny_model)
    assert [p.id for p in predictions] == ["a", "7", None, "z"]
    result = dialogcls.classify_batch(["a", "b"], id=["x1", "x2"], model=tiny_model)
    assert [p.id for p in result.predictions(["x1", "x2"])] == ["x1", "x2"]


# -- batch equals single -------------------------------------------------------------------------

VARIED_POSTS = [
    {"text": "@anna Danke für dein Feedback! Wir geben es weiter.", "is_reply": True, "reply_to": "anna"},
    {"text": "@jan Das tut uns leid. Schreib uns bitte eine DM mit deiner Bestellnummer."},
    {"text": "Neu im Shop: die Herbstkollektion. Jetzt entdecken: https://t.co/abc", "platform": "twitter"},
    {"text": "Linie 16: Folgende Fahrt entfällt", "is_reply": False, "author": "vbb"},
    {"text": "Wie sicher ist Ihr Netzwerk? Jetzt Whitepaper laden", "platform": "linkedin"},
    {"text": "Was ist euer Lieblingsrezept für den Herbst? Erzählt es uns in den Kommentaren!"},
    {"text": "Wir suchen Verstärkung! Jetzt bewerben als Entwickler (m/w/d): https://t.co/job", "lang": "de"},
    {"text": "Hallo Maria, wir schauen uns das an und melden uns. ^AB", "is_reply": True},
    {"text": "Guten Morgen! Heute ist unser Kundenservice bis 20 Uhr für euch da ☀️"},
    {"text": "@DB_Bahn @kunde123 Bitte wenden Sie sich direkt an die Kollegen.", "is_reply": True,
     "reply_to": "kunde123", "author": "DB_Bahn"},
    {"text": "RT @partner: Großartiger Abend mit tollen Gästen! #event"},
    {"text": "Stolz auf die Auszeichnung als bester Arbeitgeber 2024! 🏆", "platform": "facebook"},
    {"text": "Sorry to hear that! Here is how to reset it: https://t.co/help", "is_reply": True,
     "reply_to": "anna"},
    {"text": "@mia Sorry about the delay! Could you DM us your order number?"},
    {"text": "Proud to sponsor @AutismSpeaksSTL today!", "author": "acme", "platform": "twitter"},
    {"text": "We are experiencing delays on the Northern line", "is_reply": False},
    {"text": "Looking for a new phone? Our deals: https://t.co/deal"},
    {"text": "What's your favourite feature of the app? Let us know below!", "lang": "en"},
    {"text": "Join our webinar on cloud security next Tuesday. Register now: https://t.co/web"},
    {"text": "@tom Thanks for the kind words, we passed them on to the team!", "is_reply": True,
     "reply_to": "tom", "author": "acme", "platform": "twitter", "lang": "en"},
    {"text": "Thank you for your patience, we are working on it. /je", "is_reply": True},
    {"text": "Happy Friday everyone!!! 🎉🎉"},
    {"text": "Unser neues Sparkonto ist da – learn more: https://t.co/x", "lang": "mixed"},
    {"text": "Danke for the feedback, wir schauen uns das an and get back to you"},
    {"text": "1/3 Thread: our year in review ⬇️"},
    {"text": "..."},
    {"text": "https://t.co/onlyalink"},
    {"text": "Kannst du uns mehr dazu sagen? Dann helfen wir gern weiter.", "is_reply": None,
     "platform": "instagram"},
    {"text": "Umfrage: Kaffee oder Tee? ☕🍵 Stimmt ab!", "platform": "mastodon"},
    {"text": "   Leading and trailing whitespace, and a\nnewline inside.   "},
    {"text": "@a @b @c Danke euch allen fürs Mitmachen!", "is_reply": True, "reply_to": "b"},
]


@pytest.fixture(scope="module")
def varied_batch():
    return PostBatch.from_posts(VARIED_POSTS)


def _columns(batch: PostBatch) -> dict:
    return {name: getattr(batch, name) for name in ("is_reply", "reply_to", "author", "platform", "lang")}


def _as_tuples(result) -> list[tuple]:
    return [(str(l), float(p), str(g), str(k), tuple(c)) for l, p, g, k, c
            in zip(result.label, result.p_dialogue, result.lang, result.kind, result.cues)]


@pytest.mark.parametrize("which", ["tiny", "default"])
def test_batch_equals_single(which, tiny_model, default_model, varied_batch):
    model = tiny_model if which == "tiny" else default_model
    assert len(VARIED_POSTS) >= 30
    batch = dialogcls.classify_batch(varied_batch.text, **_columns(varied_batch), model=model)
    batched = _as_tuples(batch)
    singles = []
    for record in VARIED_POSTS:
        single = dialogcls.classify(record, model=model)
        singles.append((single.label, single.p_dialogue, single.lang, single.kind, tuple(single.cues)))
    assert batched == singles  # exact equality, p_dialogue included
    assert len({row[0] for row in batched}) == 2  # the set is varied enough to get both labels
    for batch_size in (1, 7, 1000):
        again = dialogcls.classify_batch(varied_batch.text, **_columns(varied_batch), model=model,
                                         batch_size=batch_size)
        assert _as_tuples(again) == batched, f"batch_size={batch_size}"
    listed = dialogcls.classify(VARIED_POSTS, model=model, batch_size=4)
    assert [(p.label, p.p_dialogue, p.lang, p.kind, tuple(p.cues)) for p in listed] == singles


def test_batch_scalar_metadata_is_broadcast(tiny_model):
    texts = ["@anna Danke!", "Neu im Shop"]
    scalar = dialogcls.classify_batch(texts, is_reply=True, platform="twitter", model=tiny_model)
    column = dialogcls.classify_batch(texts, is_reply=[True, True], platform=["twitter", "twitter"],
                                      model=tiny_model)
    assert _as_tuples(scalar) == _as_tuples(column)


def test_classify_batch_empty(tiny_model):
    result = dialogcls.classify_batch([], model=tiny_model)
    assert len(result) == 0 and result.cues == []


# -- frames --------------------------------------------------------------------------------------

def test_classify_frame_adds_columns_and_keeps_others(tiny_model):
    frame = pd.DataFrame({
        "text": ["@anna Danke für dein Feedback!", "Neu im Shop: https://t.co/x", "Was meint ihr?"],
        "reply": [True, False, None],
        "note": ["a", "b", "c"],
        "score": [1, 2, 3],
    })
    original = frame.copy()
    out = dialogcls.classify_frame(frame, columns={"is_reply": "reply"}, model=tiny_model)
    pd.testing.assert_frame_equal(frame, original)  # input untouched
    assert list(out.columns) == ["text", "reply", "note", "score", "label", "p_dialogue", "lang", "kind", "cues"]
    pd.testing.assert_frame_equal(out[original.columns], original)
    expected = dialogcls.classify_batch(frame["text"].tolist(), is_reply=[True, False, None], model=tiny_model)
    assert out["label"].tolist() == expected.label.tolist()
    assert out["p_dialogue"].tolist() == expected.p_dialogue.tolist()
    assert out["cues"].tolist() == expected.cues


def test_classify_frame_uses_metadata_columns_by_name(tiny_model):
    frame = pd.DataFrame({"text": ["Danke!", "Danke!"], "is_reply": [True, False], "lang": ["de", "en"]})
    out = dialogcls.classify_frame(frame, model=tiny_model)
    assert out["lang"].tolist() == ["de", "en"]
    assert out["p_dialogue"].iloc[0] != out["p_dialogue"].iloc[1]


def test_classify_frame_missing_column_errors(tiny_model):
    frame = pd.DataFrame({"message": ["x"]})
    with pytest.raises(DialogclsError) as info:
        dialogcls.classify_frame(frame, model=tiny_model)
    assert info.value.code == "E106" and "message" in str(info.value)
    with pytest.raises(DialogclsError) as info:
        dialogcls.classify_frame(frame, text_column="message", columns={"is_reply": "nope"}, model=tiny_model)
    assert info.value.code == "E106"


# -- the shipped model on the codebook's examples --------------------------------------------------

CODEBOOK_EXAMPLES = [
    ("@anna Sorry to hear that! Here is how to reset it: <link>", "dialogue"),
    ("@jan Bitte schreiben Sie nochmals an @DB_Bahn. Die Kollegen antworten Ihnen dort.", "dialogue"),
    ("Proud to sponsor @AutismSpeaksSTL today!", "broadcast"),
    ("Linie 16: Folgende Fahrt entfällt", "broadcast"),
    ("We are experiencing delays on the Northern line", "broadcast"),
    ("Looking for a new phone? Our deals: <link>", "broadcast"),
    ("Wie sicher ist Ihr Netzwerk? Jetzt Whitepaper laden", "broadcast"),
]


@pytest.mark.parametrize("text, label", CODEBOOK_EXAMPLES)
def test_shipped_model_on_codebook_examples(default_model, text, label):
    prediction = dialogcls.classify(text, model=default_model)
    assert_valid(prediction)
    assert prediction.label == label


def test_default_model_is_used_without_model_argument(default_model):
    text = "@anna Sorry to hear that! Here is how to reset it: <link>"
    assert dialogcls.classify(text) == dialogcls.classify(text, model=default_model)


# -- errors --------------------------------------------------------------------------------------

def test_post_without_text_is_E104(tiny_model):
    with pytest.raises(DialogclsError) as info:
        dialogcls.classify({"message": "hi"}, model=tiny_model)
    assert info.value.code == "E104"
    with pytest.raises(DialogclsError) as info:
        dialogcls.classify([{"text": "ok"}, {"body": "no"}], model=tiny_model)
    assert info.value.code == "E104" and "post 1" in str(info.value)


def test_wrong_type_in_list_is_E105(tiny_model):
    for bad in (5, None, 3.5, ["nested"]):
        with pytest.raises(DialogclsError) as info:
            dialogcls.classify(["fine", bad], model=tiny_model)
        assert info.value.code == "E105"


@pytest.mark.parametrize("bad", [5, None])
def test_wrong_type_single_argument_is_E105(tiny_model, bad):
    with pytest.raises(DialogclsError) as info:
        dialogcls.classify(bad, model=tiny_model)
    assert info.value.code == "E105"


@pytest.mark.parametrize("record", [{"text": "Danke!", "is_reply": True}, Post("Danke!", is_reply=True)])
def test_records_given_as_a_text_column_are_E112_not_their_repr(tiny_model, record):
    # classify_batch takes texts; a record there used to be scored as str(record), dropping its
    # reply flag without a word.
    with pytest.raises(DialogclsError) as info:
        dialogcls.classify_batch(["fine", record], model=tiny_model)
    assert info.value.code == "E112" and "text 1" in str(info.value) and "dialogcls.classify" in str(info.value)


def test_unknown_metadata_is_E103(tiny_model):
    with pytest.raises(DialogclsError) as info:
        PostBatch.from_columns(["x"], colour=["red"])
    assert info.value.code == "E103" and "colour" in str(info.value)
    frame = pd.DataFrame({"text": ["x"], "c": ["red"]})
    with pytest.raises(DialogclsError) as info:
        dialogcls.classify_frame(frame, columns={"colour": "c"}, model=tiny_model)
    assert info.value.code == "E103"


def test_metadata_length_mismatch_is_E102(tiny_model):
    with pytest.raises(DialogclsError) as info:
        dialogcls.classify_batch(["a", "b"], is_reply=[True], model=tiny_model)
    assert info.value.code == "E102"


def test_bad_reply_flag_is_unknown_with_a_warning_naming_the_post(tiny_model):
    from dialogcls.errors import DialogclsWarning

    with pytest.warns(DialogclsWarning, match=r"E110.*post 1 \(id 'b'\): 'maybe'"):
        result = dialogcls.classify_batch(["x", "y"], is_reply=[True, "maybe"], id=["a", "b"], model=tiny_model)
    unknown = dialogcls.classify_batch(["x", "y"], is_reply=[True, None], id=["a", "b"], model=tiny_model)
    assert result.p_dialogue.tolist() == unknown.p_dialogue.tolist()  # the call is not failed
    with pytest.raises(DialogclsError) as info:
        dialogcls.records.parse_bool("maybe")
    assert info.value.code == "E101"


@pytest.mark.parametrize("batch_size", [0, -1])
def test_batch_size_below_one_is_E108(tiny_model, batch_size):
    with pytest.raises(DialogclsError) as info:
        dialogcls.classify_batch(["x"], model=tiny_model, batch_size=batch_size)
    assert info.value.code == "E108"
    with pytest.raises(DialogclsError) as info:
        dialogcls.classify("x", model=tiny_model, batch_size=batch_size)
    assert info.value.code == "E108"


def test_classify_frame_reads_pandas_missing_flags(tiny_model):
    frame = pd.DataFrame({"text": ["@anna Danke dir!", "Neu im Shop"],
                          "is_reply": pd.array([True, pd.NA], dtype="boolean")})
    out = dialogcls.classify_frame(frame, model=tiny_model)
    unknown = dialogcls.classify_frame(frame.assign(is_reply=[True, None]), model=tiny_model)
    assert out["p_dialogue"].tolist() == unknown["p_dialogue"].tolist()


def test_batch_records_are_the_predictions_as_dicts(tiny_model):
    result = dialogcls.classify_batch(["@anna Danke!", "Neu im Shop https://t.co/x", ""], model=tiny_model)
    ids = ["a", None, "c"]
    assert result.records(ids) == [p.to_dict() for p in result.predictions(ids)]


@pytest.mark.parametrize("call, code", [
    (lambda: dialogcls.classify(pd.DataFrame({"text": ["@jan Danke!", "Neu"]})), "E105"),  # scored its column names
    (lambda: dialogcls.classify({"text": ["@jan Danke!", "Neu im Shop"]}), "E112"),  # scored the list's str()
    (lambda: dialogcls.classify(b"@jan Danke!"), "E105"),  # scored each byte
    (lambda: classify_batch("hello world"), "E105"),  # scored each character
    (lambda: classify_batch({"text": "a"}), "E105"),  # scored the key
    (lambda: classify_batch(["a"], top_cues=-1), "E113"),
])
def test_inputs_of_the_wrong_shape_are_refused_not_misread(call, code):
    with pytest.raises(DialogclsError) as info:
        call()
    assert info.value.code == code


def test_a_model_may_be_given_as_its_folder():
    folder = dialogcls.api.default_model_path()
    assert dialogcls.classify("Danke dir!", model=folder) == dialogcls.classify("Danke dir!")
    assert dialogcls.classify("Danke dir!", model=str(folder)) == dialogcls.classify("Danke dir!")
