"""The scoring pipeline of one model: batch, lazy pipe and single calls agree, also from many threads."""
from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from dialogcls.features import Featurizer
from dialogcls.model import DialogueClassifier
from dialogcls.records import PostBatch


@pytest.fixture(scope="module")
def small_table_model(tiny_rows):
    """A model whose type table holds 300 strings, so that scoring new words resets it often."""
    model = DialogueClassifier(n_features=2**12, cv=2)
    model.fit([r["text"] for r in tiny_rows] * 2, [r["label"] for r in tiny_rows] * 2,
              kinds=[r["kind"] for r in tiny_rows] * 2)
    config = model.featurizer_.get_config()
    model.featurizer_ = Featurizer.from_config({**config, "max_types": 300})
    return model


def _posts(seed: int, n: int) -> list[str]:
    rng = np.random.default_rng(seed)
    words = ["danke", "neu", "shop", "bitte", "thanks", "webinar", "sorry", "jetzt", "what", "you"]
    return [f"@u{seed}x{i} " + " ".join(f"{rng.choice(words)}{seed}w{i}k{j}" for j in range(8)) + " danke!"
            for i in range(n)]


def test_pipe_is_lazy_and_gives_the_batch_results(small_table_model):
    texts = _posts(1, 25)
    consumed = []

    def stream():
        for text in texts:
            consumed.append(text)
            yield text

    predictions = small_table_model.pipe(stream(), batch_size=10)
    first = next(predictions)
    assert len(consumed) == 10  # one batch read, not the whole stream
    rest = list(predictions)
    batch = small_table_model.batch(PostBatch.from_columns(texts))
    assert [first, *rest] == batch.predictions()
    assert small_table_model(texts[3]) == batch.predictions()[3]


def test_eight_threads_give_exactly_the_serial_results_while_the_type_table_resets(small_table_model):
    jobs = [_posts(seed, 40) for seed in range(64)]
    serial = [small_table_model.batch(PostBatch.from_columns(texts)) for texts in jobs]
    resets_before = small_table_model.featurizer_.table.resets
    start = threading.Barrier(8)

    def run(texts):
        try:
            start.wait(timeout=5)
        except threading.BrokenBarrierError:
            pass
        return small_table_model.batch(PostBatch.from_columns(texts), batch_size=7)

    with ThreadPoolExecutor(max_workers=8) as pool:
        threaded = list(pool.map(run, jobs))
    assert small_table_model.featurizer_.table.resets > resets_before  # the table did start afresh
    for one, other in zip(serial, threaded):
        np.testing.assert_array_equal(one.p_dialogue, other.p_dialogue)
        assert one.label.tolist() == other.label.tolist()
        assert one.kind.tolist() == other.kind.tolist() and one.cues == other.cues
    # and the model still scores serially as before
    again = small_table_model.batch(PostBatch.from_columns(jobs[0]))
    np.testing.assert_array_equal(again.p_dialogue, serial[0].p_dialogue)


def test_to_disk_and_from_disk_round_trip(small_table_model, tmp_path):
    folder = small_table_model.to_disk(tmp_path / "model")
    loaded = DialogueClassifier.from_disk(folder)
    texts = _posts(3, 12)
    np.testing.assert_array_equal(loaded.batch(PostBatch.from_columns(texts)).p_dialogue,
                                  small_table_model.batch(PostBatch.from_columns(texts)).p_dialogue)
    assert sorted(p.name for p in folder.iterdir()) == ["README.md", "meta.json", "weights.npz"]


def test_a_fitted_model_pickles_for_process_pools(tiny_model):
    import pickle

    texts = ["@anna Danke dir!", "Neu im Shop: https://t.co/x"]
    copy = pickle.loads(pickle.dumps(tiny_model))
    assert copy.batch(PostBatch.from_columns(texts)).p_dialogue.tolist() == \
        tiny_model.batch(PostBatch.from_columns(texts)).p_dialogue.tolist()


def test_refitting_a_model_that_has_scored_forgets_the_old_weights(tiny_rows):
    texts = [row["text"] for row in tiny_rows] * 2
    labels = [row["label"] for row in tiny_rows] * 2
    flipped = ["broadcast" if label == "dialogue" else "dialogue" for label in labels]
    posts = PostBatch.from_columns(texts[:6])
    model = DialogueClassifier(n_features=2**10, cv=2).fit(texts, labels)
    model.batch(posts)  # fills the caches derived from the weights
    model.fit(texts, flipped)
    fresh = DialogueClassifier(n_features=2**10, cv=2).fit(texts, flipped)
    refitted, expected = model.batch(posts), fresh.batch(posts)
    assert refitted.p_dialogue.tolist() == expected.p_dialogue.tolist()
    assert refitted.cues == expected.cues and refitted.kind.tolist() == expected.kind.tolist()
