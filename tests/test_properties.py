"""Property tests: any text and any metadata give a valid prediction, the same alone and in a batch."""
from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dialogcls
from dialogcls.errors import DialogclsError
from dialogcls.features import FEATURE_NAMES, NGRAM_BLOCKS
from dialogcls.records import KINDS, LABELS, Post, PostBatch
from dialogcls.rules import reply_shaped

KNOWN_CUES = set(FEATURE_NAMES) | set(NGRAM_BLOCKS)
SETTINGS = settings(max_examples=100, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
LANGS = {None: None, "de": "de", "en": "en", "mixed": "mixed", "DE": "de", "en-GB": "en", "German": "de"}

optional_text = st.none() | st.text(max_size=30)
posts = st.builds(
    Post,
    text=st.text(max_size=300),
    is_reply=st.sampled_from([True, False, None]),
    reply_to=optional_text,
    author=optional_text,
    platform=st.none() | st.sampled_from(["twitter", "facebook", "instagram", "linkedin", "mastodon", "other"])
    | st.text(max_size=12),
    lang=st.sampled_from(sorted(LANGS, key=str)),
)


def check(prediction, given_lang=None, *, post=None, model=None) -> None:
    assert prediction.label in LABELS
    assert math.isfinite(prediction.p_dialogue) and 0.0 <= prediction.p_dialogue <= 1.0
    if model is not None:  # the label follows p_dialogue and the threshold of the post's stratum
        shaped = bool(reply_shaped(PostBatch.from_posts([post]))[0])
        threshold = model.reply_shaped_threshold if shaped else model.top_level_threshold
        assert (prediction.label == "dialogue") == (prediction.p_dialogue >= threshold)
    expected = LANGS[given_lang]
    if expected is None:
        assert prediction.lang in ("de", "en", "mixed")
    else:
        assert prediction.lang == expected
    assert prediction.kind in KINDS[prediction.label]
    assert isinstance(prediction.cues, list) and set(prediction.cues) <= KNOWN_CUES


@SETTINGS
@given(text=st.text())
def test_any_text_gives_a_valid_prediction(tiny_model, text):
    prediction = dialogcls.classify(text, model=tiny_model)
    check(prediction, post=text, model=tiny_model)
    result = dialogcls.classify_batch([text], model=tiny_model)
    assert (result.label[0], float(result.p_dialogue[0]), result.lang[0], result.kind[0], result.cues[0]) == \
        (prediction.label, prediction.p_dialogue, prediction.lang, prediction.kind, prediction.cues)


@pytest.mark.parametrize("text", ["", " ", "\n\t", "\x00", "🙂", "?" * 50, "@", "#", "https://", "a" * 5000])
def test_degenerate_texts(tiny_model, text):
    check(dialogcls.classify(text, model=tiny_model), post=text, model=tiny_model)


@SETTINGS
@given(post=posts)
def test_any_post_with_metadata_gives_a_valid_prediction(tiny_model, post):
    prediction = dialogcls.classify(post, model=tiny_model)
    check(prediction, post.lang, post=post, model=tiny_model)
    result = dialogcls.classify_batch([post.text], is_reply=[post.is_reply], reply_to=[post.reply_to],
                                      author=[post.author], platform=[post.platform], lang=[post.lang],
                                      model=tiny_model)
    assert result.predictions()[0] == prediction


@SETTINGS
@given(batch=st.lists(posts, min_size=1, max_size=12), batch_size=st.integers(1, 5))
def test_batches_of_random_posts_equal_single_posts(tiny_model, batch, batch_size):
    together = dialogcls.classify(batch, model=tiny_model, batch_size=batch_size)
    assert len(together) == len(batch)
    for post, prediction in zip(batch, together):
        check(prediction, post.lang, post=post, model=tiny_model)
        assert dialogcls.classify(post, model=tiny_model) == prediction


def test_lone_surrogate_is_scored_or_refused_cleanly(tiny_model):
    try:
        prediction = dialogcls.classify("Hallo \ud800 Welt", model=tiny_model)
    except DialogclsError:
        return
    check(prediction, post="Hallo \ud800 Welt", model=tiny_model)


_WORDS = st.text(alphabet=st.characters(categories=("L", "N", "Pc")), min_size=1, max_size=8)
#: Social-media-like texts: words, handles, hashtags and links between punctuation, emoji and white
#: space. Built from pieces, not with ``st.from_regex``, whose filtered draws can take minutes.
_SOCIAL_TEXTS = st.lists(st.one_of(
    _WORDS, _WORDS.map("@{}".format), _WORDS.map("#{}".format), _WORDS.map("https://t.co/{}".format),
    st.sampled_from([" ", "  ", "\n", "\t", ".", ",", "!", "?", "…", ":", ";", "-", "–", "/", "^", "*", "&amp;",
                     "'", '"', "(", ")", "🙏", "👍🏽", "❤️"]),
    st.characters(blacklist_categories=("Cs",))), max_size=30).map("".join)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=200) | _SOCIAL_TEXTS)
def test_fast_tokenizer_equals_one_regex_pass(text):
    from dialogcls.prep import TOKEN_PATTERN, tokenize

    assert tokenize(text) == TOKEN_PATTERN.findall(text)


_JSON_SCALARS = (st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
                 | st.lists(st.text(max_size=8), max_size=3) | st.tuples(st.text(max_size=8)))
#: A column: mostly one type (the fast routines), sometimes a mix, a nested value or a numpy scalar.
_JSON_COLUMNS = st.one_of(
    st.sampled_from([st.text(max_size=20), st.integers(), st.booleans(), st.floats(),
                     st.lists(st.text(max_size=8), max_size=3)])
    .flatmap(lambda values: st.lists(st.none() | values, min_size=3, max_size=3)),
    st.lists(_JSON_SCALARS | st.dictionaries(st.text(max_size=5), _JSON_SCALARS, max_size=2)
             | st.integers(-2**63, 2**63 - 1).map(__import__("numpy").int64), min_size=3, max_size=3))


@settings(max_examples=300, deadline=None)
@given(keys=st.lists(st.text(max_size=6), min_size=1, max_size=4, unique=True), data=st.data())
def test_json_lines_equal_one_json_dumps_per_record(keys, data):
    import json

    from dialogcls.json_rows import json_default, json_lines

    columns = [data.draw(_JSON_COLUMNS) for _ in keys]
    absent = data.draw(st.lists(st.lists(st.sampled_from(keys), unique=True).map(tuple), min_size=3, max_size=3))
    records = [{key: value for key, value in zip(keys, row) if key not in fields}
               for row, fields in zip(zip(*columns), absent)]
    expected = "".join(json.dumps(record, ensure_ascii=False, default=json_default) + "\n" for record in records)
    assert json_lines(keys, columns, absent) == expected
    assert json_lines(keys, columns) == "".join(json.dumps(dict(zip(keys, row)), ensure_ascii=False,
                                                           default=json_default) + "\n" for row in zip(*columns))
