"""The classifier's own logic: stratum prior weights and scikit-learn conventions."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from dialogcls.errors import DialogclsError
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


def test_grouped_folds_keep_repeated_posts_in_one_fold_and_split_every_post_once():
    from dialogcls.estimator import grouped_folds
    from dialogcls.records import duplicate_groups

    texts = [f"@u{i} Danke für deine Nachricht Nummer {i}!" for i in range(8)]
    texts += [f"Neu im Shop: Modell {i} https://t.co/{i}" for i in range(8)]
    texts += texts[:4]  # four posts repeated
    labels = np.array(["dialogue"] * 8 + ["broadcast"] * 8 + ["dialogue"] * 4, dtype=object)
    groups = duplicate_groups(texts)
    assert groups[16:].tolist() == [0, 1, 2, 3]
    folds = grouped_folds(labels, groups, 3, random_state=0)
    tested = np.concatenate([test for _, test in folds])
    assert sorted(tested.tolist()) == list(range(len(texts)))
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])
        assert set(labels[test]) == {"dialogue", "broadcast"}


def test_out_of_fold_scores_are_those_of_fold_models_that_never_saw_the_post(tiny_rows):
    # Reproduce the calibration folds by hand: each post's out-of-fold score must be the
    # decision of a logistic regression fitted without its fold.
    from sklearn.linear_model import LogisticRegression

    from dialogcls.estimator import DEFAULT_TOL, grouped_folds
    from dialogcls.records import duplicate_groups

    texts = [row["text"] for row in tiny_rows]
    labels = np.array([row["label"] for row in tiny_rows], dtype=object)
    clf = DialogueClassifier(n_features=2**10, cv=3, stratified=False, metadata_dropout=False, class_weight=None,
                             top_level_dialogue_share=None, reply_shaped_broadcast_share=None).fit(texts, labels)
    features = clf.training_features(texts)
    expected = np.empty(len(texts))
    for train, test in grouped_folds(labels, duplicate_groups(texts), 3, random_state=0):
        fold = LogisticRegression(C=clf.C, solver="liblinear", max_iter=clf.max_iter,
                                  tol=DEFAULT_TOL["liblinear"]).fit(features[train], labels[train])
        expected[test] = fold.decision_function(features[test])
    assert np.allclose(clf.out_of_fold_scores_, expected, atol=1e-3)
    in_sample = features @ clf.coef_[0] + clf.intercept_[0]
    assert not np.allclose(clf.out_of_fold_scores_, in_sample, atol=1e-3)
    result = clf.out_of_fold(texts)["with_metadata"]
    assert np.allclose(result.p_dialogue, 1 / (1 + np.exp(clf.calibration_[0, 0] * expected + clf.calibration_[0, 1])),
                       atol=1e-3)


def test_out_of_fold_refuses_posts_the_model_was_not_fitted_on(tiny_rows):
    import pytest

    from dialogcls.errors import DialogclsError

    texts = [row["text"] for row in tiny_rows]
    clf = DialogueClassifier(n_features=2**10, cv=2).fit(texts, [row["label"] for row in tiny_rows])
    with pytest.raises(DialogclsError) as info:
        clf.out_of_fold(texts[:-1])
    assert info.value.code == "E314"


def test_fits_on_threads_give_the_same_model_as_one_thread_and_the_file_does_not_hold_n_jobs(tiny_rows):
    texts = [row["text"] for row in tiny_rows]
    labels = [row["label"] for row in tiny_rows]
    kinds = [row["kind"] for row in tiny_rows]
    one = DialogueClassifier(n_features=2**10, cv=3).fit(texts, labels, kinds=kinds)
    two = DialogueClassifier(n_features=2**10, cv=3, n_jobs=2).fit(texts, labels, kinds=kinds)
    for name, array in one.get_arrays().items():
        assert np.array_equal(array, two.get_arrays()[name]), name
    assert np.array_equal(one.out_of_fold_scores_, two.out_of_fold_scores_)
    assert two.get_params()["n_jobs"] == 2 and clone(two).n_jobs == 2
    assert "n_jobs" not in two.get_config()["params"]
    assert two.get_config() == one.get_config()


def test_run_jobs_keeps_the_order_of_the_jobs_and_reports_each_one():
    import threading

    from dialogcls.estimator import effective_n_jobs, run_jobs

    seen, done = set(), []
    def work(job: int) -> tuple[int, str]:
        seen.add(threading.current_thread().name)
        return job * 10, threading.current_thread().name

    results = run_jobs(work, list(range(12)), 2, on_done=lambda: done.append(threading.current_thread().name))
    assert [value for value, _ in results] == [job * 10 for job in range(12)]
    assert len(done) == 12 and set(done) == {threading.main_thread().name}  # progress stays in the caller
    assert all(name.startswith("dialogcls-fit") for name in seen)
    assert [value for value, _ in run_jobs(work, [3, 1], None)] == [30, 10]
    assert effective_n_jobs(-1) >= 1 and effective_n_jobs(-2) == max(1, effective_n_jobs(-1) - 1)


def test_repeats_of_one_post_are_not_enough_posts_for_the_folds():
    import pytest

    from dialogcls.errors import DialogclsError

    with pytest.raises(DialogclsError) as info:  # was scikit-learn's ValueError from inside the folds
        DialogueClassifier(n_features=2**8, cv=2).fit(["@a Danke!", "Neu: x.y/z"] * 4, ["dialogue", "broadcast"] * 4)
    assert info.value.code == "E305" and "distinct" in str(info.value)
    DialogueClassifier(n_features=2**8, cv=2).fit(["@a Danke!", "@b Danke dir!", "Neu: x.y/z", "Neu: a.b/c"] * 2,
                                                   ["dialogue", "dialogue", "broadcast", "broadcast"] * 2)


def test_tol_is_the_solvers_stopping_tolerance_and_the_model_file_records_it(tiny_rows):
    from sklearn.linear_model import LogisticRegression

    texts = [row["text"] for row in tiny_rows]
    labels = np.array([row["label"] for row in tiny_rows], dtype=object)
    kinds = [row["kind"] for row in tiny_rows]
    params = dict(n_features=2**10, cv=3, metadata_dropout=False, class_weight=None,
                  top_level_dialogue_share=None, reply_shaped_broadcast_share=None)
    loose = DialogueClassifier(**params, tol=0.5).fit(texts, labels, kinds=kinds)
    tight = DialogueClassifier(**params, tol=1e-8).fit(texts, labels, kinds=kinds)
    assert not np.allclose(loose.coef_, tight.coef_, atol=1e-3)
    features = tight.training_features(texts)
    exact = LogisticRegression(C=tight.C, solver="liblinear", tol=1e-8, max_iter=tight.max_iter).fit(features, labels)
    assert np.allclose(tight.coef_[0], exact.coef_[0], atol=1e-6)
    assert loose.get_config()["params"]["tol"] == 0.5 and DialogueClassifier().tol is None


def test_an_lbfgs_fit_on_all_rows_with_the_others_at_weight_0_is_the_fit_on_those_rows(tiny_rows):
    # the L-BFGS folds and kind models are fitted on the one matrix: rows outside the fold must
    # change nothing, not even the class counts of class_weight="balanced"
    from sklearn.linear_model import LogisticRegression

    from dialogcls.estimator import fold_rows, logistic
    from dialogcls.features import Featurizer

    features = Featurizer(n_features=2**12).transform(PostBatch.from_columns([row["text"] for row in tiny_rows]))
    y = np.array([row["label"] for row in tiny_rows], dtype=object)
    weight = np.linspace(0.5, 2.0, len(y))
    rows = np.flatnonzero(np.arange(len(y)) % 3 != 0)
    solver = {"C": 1.0, "class_weight": "balanced", "max_iter": 5000, "tol": 1e-10, "solver": "lbfgs"}
    matrix, index, row_weight = fold_rows(features, rows, weight, "lbfgs")
    assert matrix is features and not row_weight[np.arange(len(y)) % 3 == 0].any()
    on_all = logistic(matrix, y[index], row_weight, **solver)
    on_rows = LogisticRegression(**{k: v for k, v in solver.items()}).fit(
        features[rows], y[rows], sample_weight=weight[rows])
    np.testing.assert_allclose(on_all.coef_, on_rows.coef_, atol=1e-5)
    np.testing.assert_allclose(on_all.intercept_, on_rows.intercept_, atol=1e-5)


def test_both_solvers_learn_nearly_the_same_model_and_auto_picks_by_the_size_of_the_matrix(tiny_rows, monkeypatch):
    import dialogcls.estimator as estimator

    texts = [row["text"] for row in tiny_rows] * 2
    labels = [row["label"] for row in tiny_rows] * 2
    kinds = [row["kind"] for row in tiny_rows] * 2
    params = dict(n_features=2**12, cv=2, tol=1e-8)
    used = []
    fit = estimator.logistic
    monkeypatch.setattr(estimator, "logistic", lambda *args, **kw: used.append(kw["solver"]) or fit(*args, **kw))
    liblinear = DialogueClassifier(**params).fit(texts, labels, kinds=kinds)
    assert set(used) == {"liblinear"}
    monkeypatch.setattr(estimator, "LIBLINEAR_MAX_VALUES", 0)
    used.clear()
    lbfgs = DialogueClassifier(**params).fit(texts, labels, kinds=kinds)
    assert set(used) == {"lbfgs"}
    assert lbfgs.get_params()["solver"] == "auto"  # the parameter stays what was asked for
    # not the same weights: liblinear penalises the intercept as one more weight, L-BFGS does not
    assert np.corrcoef(liblinear.coef_[0], lbfgs.coef_[0])[0, 1] > 0.9
    assert liblinear.predict(texts).tolist() == lbfgs.predict(texts).tolist()
    posts = PostBatch.from_columns(texts)
    assert liblinear.batch(posts).kind.tolist() == lbfgs.batch(posts).kind.tolist()


@pytest.mark.parametrize("params, says", [
    ({"n_features": 0}, "n_features=0"), ({"n_features": -5}, "n_features=-5"), ({"C": 0.0}, "C=0.0"),
    ({"C": float("nan")}, "C=nan"), ({"cv": 1}, "cv=1"), ({"char_ngrams": (0, 4)}, "char_ngrams=(0, 4)"),
    ({"ngram_weight": float("nan")}, "ngram_weight=nan"), ({"top_level_threshold": "0.8"}, "top_level_threshold='0.8'"),
    ({"stratified": "no"}, "stratified='no'"), ({"top_level_dialogue_share": 1.5}, "top_level_dialogue_share=1.5"),
    ({"solver": "newton-cg"}, "solver='newton-cg'"), ({"tol": 0.0}, "tol=0.0"),
])
def test_unusable_parameters_are_refused_by_fit_with_what_they_must_be(params, says):
    # Before: ZeroDivisionError, IndexError or scikit-learn's own error from deep inside fit.
    with pytest.raises(DialogclsError) as info:
        DialogueClassifier(**params).fit(["@anna Danke!", "Neu im Shop"], ["dialogue", "broadcast"])
    assert info.value.code == "E340" and says in str(info.value) and "it must be" in str(info.value)


def test_fits_on_the_used_columns_give_the_weights_of_a_fit_on_all_columns(tiny_rows):
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    from dialogcls.estimator import fit_calibrated, used_columns
    from dialogcls.features import Featurizer

    posts = PostBatch.from_columns([row["text"] for row in tiny_rows])
    features = Featurizer(n_features=2**12).transform(posts)
    y = np.array([row["label"] for row in tiny_rows], dtype=object)
    weight = np.linspace(0.5, 2.0, len(y))
    solver = {"C": 1.0, "class_weight": None, "max_iter": 1000, "tol": 1e-8, "solver": "liblinear"}
    coef, intercept, _, _ = fit_calibrated(features, y, weight, np.arange(len(y)), **solver, cv=3,
                                           method="sigmoid", random_state=0)
    direct = LogisticRegression(**solver).fit(features, y, sample_weight=weight)
    used, compact = used_columns(features)
    assert np.shares_memory(compact.data, features.data)  # only the column numbers are copied
    assert len(used) < features.shape[1] and np.all(coef[np.setdiff1d(np.arange(features.shape[1]), used)] == 0)
    np.testing.assert_allclose(coef, direct.coef_.ravel(), atol=1e-6)
    np.testing.assert_allclose(intercept, direct.intercept_[0], atol=1e-6)
    full = sp.csr_matrix(np.ones((2, 3)))
    assert used_columns(full)[1] is full  # every column used: no copy


def test_a_model_has_weights_only_on_columns_its_training_posts_use(tiny_rows):
    texts = [row["text"] for row in tiny_rows]
    model = DialogueClassifier(n_features=2**12, cv=3, metadata_dropout=False).fit(
        texts, [row["label"] for row in tiny_rows], kinds=[row["kind"] for row in tiny_rows])
    used = np.unique(model.featurizer_.transform(PostBatch.from_columns(texts)).indices)
    assert set(np.flatnonzero(np.abs(model.coef_).sum(axis=0))) <= set(used)
    assert set(np.flatnonzero(np.abs(model.kind_coef_).sum(axis=1))) <= set(used)
    assert np.count_nonzero(model.coef_) > len(used) / 2 and np.count_nonzero(model.kind_coef_) > len(used) / 2
