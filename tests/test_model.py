"""The classifier's own logic: stratum prior weights and scikit-learn conventions."""
from __future__ import annotations

import numpy as np
from sklearn.base import clone

from dialogcls.model import DialogueClassifier
from dialogcls.records import PostBatch
from dialogcls.rules import reply_shaped


def test_prior_weights_give_each_reply_stratum_its_assumed_shares():
    texts = ["Was meint ihr?"] * 4 + ["Neu im Shop"] * 6 + ["@a Danke!"] * 8 + ["@b Neu: Angebot"] * 2
    labels = np.array(["dialogue"] * 4 + ["broadcast"] * 6 + ["dialogue"] * 8 + ["broadcast"] * 2, dtype=object)
    posts = PostBatch.from_columns(texts)
    weight = DialogueClassifier(top_level_dialogue_share=0.1, reply_shaped_broadcast_share=0.05)._prior_weights(posts, labels)
    top, shaped = ~reply_shaped(posts), reply_shaped(posts)
    assert np.isclose(weight[top & (labels == "dialogue")].sum() / weight[top].sum(), 0.1)
    assert np.isclose(weight[shaped & (labels == "broadcast")].sum() / weight[shaped].sum(), 0.05)
    unweighted = DialogueClassifier(top_level_dialogue_share=None, reply_shaped_broadcast_share=None)
    assert (unweighted._prior_weights(posts, labels) == 1).all()


def test_estimator_follows_scikit_learn_conventions(tiny_rows):
    clf = DialogueClassifier(n_features=2**10, cv=2, C=3.0)
    assert clone(clf).get_params() == clf.get_params()
    assert not hasattr(clf, "coef_")
    texts = [row["text"] for row in tiny_rows] * 2
    labels = [row["label"] for row in tiny_rows] * 2
    assert clf.fit(texts, labels) is clf
    assert list(clf.classes_) == ["broadcast", "dialogue"]
    assert 0.0 <= clf.score(texts, labels) <= 1.0
    assert clf.predict_proba(texts).shape == (len(texts), 2)


def test_repeated_posts_stay_in_one_cross_validation_fold(monkeypatch):
    from dialogcls import training
    from dialogcls.records import duplicate_groups

    texts = [f"@u{i} Danke für deine Nachricht Nummer {i}!" for i in range(8)]
    texts += [f"Neu im Shop: Modell {i} https://t.co/{i}" for i in range(8)]
    texts += texts[:4]  # four posts repeated
    labels = ["dialogue"] * 8 + ["broadcast"] * 8 + ["dialogue"] * 4
    fitted_on = []
    original = DialogueClassifier.fit

    def record(self, X, y, **kwargs):
        fitted_on.append(set(X.text))
        return original(self, X, y, **kwargs)

    monkeypatch.setattr(DialogueClassifier, "fit", record)
    training.cross_validate(PostBatch.from_columns(texts), labels, cv=2, n_features=2**10, progress=False)
    held_out = [set(texts) - seen for seen in fitted_on]
    assert all(not (fold & seen) for fold, seen in zip(held_out, fitted_on))
    assert duplicate_groups(texts)[16:].tolist() == [0, 1, 2, 3]
