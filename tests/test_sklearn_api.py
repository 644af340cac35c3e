"""DialogueClassifier as a scikit-learn estimator: tags, decision_function, n_features_in_, the
estimator checks (with every expected failure named and justified), and the same behaviours on
texts, where the numeric-array checks cannot look."""
from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest
import sklearn
from sklearn.base import clone, is_classifier
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import cross_val_score
from sklearn.utils.validation import check_is_fitted

from dialogcls.errors import DialogclsError
from dialogcls.model import DialogueClassifier
from dialogcls.rules import reply_shaped
from dialogcls.records import PostBatch

SKLEARN_1_6 = tuple(int(part) for part in sklearn.__version__.split(".")[:2]) >= (1, 6)

# -- the estimator checks ------------------------------------------------------------------------
# scikit-learn's checks feed numeric arrays (random floats, integer class codes). A DialogueClassifier
# reads texts (a list of posts, a 2-D array of one text column, or a DataFrame with a text column)
# and learns the codebook's two labels, so every check that fits or predicts on numbers stops at
# the first numeric cell (E105 "post 0 is a float64", or E310 for a many-column array): these
# checks test numeric input validation, not this estimator. Their text equivalents follow below.
NUMERIC_X = ("fits or predicts on a numeric array; a DialogueClassifier reads texts (E105/E310), so "
             "this numeric-array check does not apply (its text equivalent is tested below)")
_NUMERIC_CHECKS = (
    "check_classifier_data_not_an_array", "check_classifiers_classes", "check_classifiers_train",
    "check_dict_unchanged", "check_dont_overwrite_parameters", "check_estimators_fit_returns_self",
    "check_estimators_overwrite_params", "check_f_contiguous_array_estimator", "check_fit2d_1feature",
    "check_fit2d_1sample", "check_fit2d_predict1d", "check_fit_check_is_fitted", "check_fit_idempotent",
    "check_fit_score_takes_y", "check_methods_sample_order_invariance", "check_methods_subset_invariance",
    "check_n_features_in", "check_non_transformer_estimators_n_iter", "check_pipeline_consistency",
    "check_positive_only_tag_during_fit", "check_readonly_memmap_input", "check_requires_y_none",
    "check_supervised_y_2d", "check_decision_proba_consistency", "check_class_weight_classifiers",
    "check_classifiers_one_label", "check_classifiers_one_label_sample_weights",
    "check_classifier_not_supporting_multiclass",
)
EXPECTED_FAILED_CHECKS = {name: NUMERIC_X for name in _NUMERIC_CHECKS}
EXPECTED_FAILED_CHECKS.update({
    **{name: "checks how sparse numeric matrices are refused; X is text, never a matrix"
       for name in ("check_estimator_sparse_array", "check_estimator_sparse_matrix", "check_estimator_sparse_tag")},
    **{name: "checks numeric dtypes, complex numbers, NaN/inf or empty numeric arrays; X is text (a "
             "missing text is an empty post, not NaN)"
       for name in ("check_estimators_dtypes", "check_complex_data", "check_dtype_object",
                    "check_estimators_nan_inf", "check_estimators_empty_data_messages")},
    **{name: "fits with sample weights on numeric arrays; weights on texts are tested below"
       for name in ("check_sample_weights_pandas_series", "check_sample_weights_not_an_array",
                    "check_sample_weights_list", "check_sample_weights_shape", "check_sample_weights_not_overwritten",
                    "check_sample_weight_equivalence_on_dense_data", "check_all_zero_sample_weights_error")},
    "check_classifiers_regression_target": "fits a continuous target on numeric X; a continuous target on "
                                           "texts is refused as an unknown label (E302), tested below",
    "check_n_features_in_after_fitting": "expects n_features_in_ == 4 after a numeric fit; for text input "
                                         "n_features_in_ is not set, as for scikit-learn's text vectorizers",
    "check_estimators_pickle": "fits on numeric X; a fitted model is moved as data (dialogcls.save, or "
                               "ModelState for Dask), not pickled: its featurizer holds a lock",
})

if SKLEARN_1_6:
    from sklearn.utils.estimator_checks import parametrize_with_checks

    def _expected_failed(estimator):
        return EXPECTED_FAILED_CHECKS

    @parametrize_with_checks([DialogueClassifier(n_features=2**8, cv=2)],
                             expected_failed_checks=_expected_failed, xfail_strict=True)
    def test_scikit_learn_estimator_checks(estimator, check):
        check(estimator)


# -- the same behaviours on texts ----------------------------------------------------------------
TEXTS = ["@anna Danke für dein Feedback!", "Neu im Shop: die Herbstkollektion https://t.co/a",
         "@tom Thanks for the kind words!", "Join our webinar next Tuesday https://t.co/b",
         "Was ist euer Lieblingsrezept? Erzählt es uns!", "Wir suchen Verstärkung! https://t.co/c",
         "@mia Sorry about the delay, please DM us", "Linie 16: Heute entfallen einzelne Fahrten."] * 2
LABELS = ["dialogue", "broadcast", "dialogue", "broadcast", "dialogue", "broadcast", "dialogue", "broadcast"] * 2


def small() -> DialogueClassifier:
    return DialogueClassifier(n_features=2**8, cv=2)


def test_tags_say_binary_classifier_of_texts():
    clf = small()
    assert is_classifier(clf)
    if SKLEARN_1_6:
        from sklearn.utils import get_tags

        tags = get_tags(clf)
        assert tags.estimator_type == "classifier" and tags.target_tags.required
        assert tags.classifier_tags.multi_class is False
        assert tags.input_tags.string and tags.input_tags.one_d_array
        assert tags.transformer_tags is None
    assert clf._more_tags()["binary_only"] is True


def test_no_public_transform_and_no_n_features_in():
    clf = small().fit(TEXTS, LABELS)
    assert not hasattr(clf, "transform") and not hasattr(clf, "fit_transform")
    assert not hasattr(clf, "n_features_in_")
    check_is_fitted(clf)


def test_fit_returns_self_keeps_params_and_is_idempotent():
    clf = small()
    params = clone(clf).get_params()
    assert clf.fit(TEXTS, LABELS) is clf
    assert clf.get_params() == params
    first = clf.predict_proba(TEXTS)
    assert np.array_equal(clf.fit(TEXTS, LABELS).predict_proba(TEXTS), first)


def test_decision_function_is_positive_exactly_where_predict_says_dialogue():
    clf = small().fit(TEXTS, LABELS)
    posts = TEXTS + ["@jan Neu: unser Angebot https://t.co/x", "Was meint ihr dazu?"]
    decision = clf.decision_function(posts)
    assert decision.shape == (len(posts),)
    assert ((decision > 0) == (clf.predict(posts) == "dialogue")).all()
    # within a stratum it orders posts as p_dialogue does
    p = clf.predict_proba(posts)[:, 1]
    shaped = reply_shaped(PostBatch.from_columns(posts))
    for stratum in (shaped, ~shaped):
        assert (np.argsort(decision[stratum], kind="stable") == np.argsort(p[stratum], kind="stable")).all()


def test_predictions_do_not_depend_on_order_or_subset():
    clf = small().fit(TEXTS, LABELS)
    order = np.random.RandomState(0).permutation(len(TEXTS))
    full = clf.predict_proba(TEXTS)
    assert np.array_equal(clf.predict_proba([TEXTS[i] for i in order]), full[order])
    assert np.array_equal(clf.predict_proba(TEXTS[:3]), full[:3])


def test_two_dimensional_text_column_and_sample_weights_are_accepted():
    clf = small().fit(np.array(TEXTS, dtype=object).reshape(-1, 1), LABELS, sample_weight=np.ones(len(TEXTS)))
    assert clf.predict(np.array(TEXTS[:2], dtype=object).reshape(-1, 1)).tolist() == clf.predict(TEXTS[:2]).tolist()
    with pytest.raises(DialogclsError) as info:
        clf.predict(np.zeros((2, 3)))
    assert info.value.code == "E310"


def test_works_inside_scikit_learn_model_selection():
    scores = cross_val_score(small(), TEXTS, LABELS, cv=2)
    assert scores.shape == (2,) and ((0 <= scores) & (scores <= 1)).all()


def test_unfitted_raises_not_fitted_error_with_its_code():
    for method in ("predict", "predict_proba", "decision_function"):
        with pytest.raises(NotFittedError) as info:
            getattr(small(), method)(TEXTS)
        assert isinstance(info.value, DialogclsError) and info.value.code == "E307"
    error = pickle.loads(pickle.dumps(info.value))
    assert error.code == "E307" and isinstance(error, NotFittedError)


def test_one_class_is_E305_naming_the_class_not_a_solver_message():
    with pytest.raises(DialogclsError) as info:
        small().fit(TEXTS[:4], ["dialogue"] * 4)
    assert info.value.code == "E305" and "one class" in str(info.value) and "dialogue" in str(info.value)
    # one broadcast post cannot fill cv=2 calibration folds: E305 again, not liblinear's message
    with pytest.raises(DialogclsError) as info:
        small().fit(TEXTS[:5], ["dialogue", "broadcast", "dialogue", "dialogue", "dialogue"])
    assert info.value.code == "E305" and "cv=2" in str(info.value) and "liblinear" not in str(info.value)


def test_numeric_or_continuous_targets_are_unknown_labels():
    with pytest.raises(DialogclsError) as info:
        small().fit(TEXTS, np.linspace(0, 1, len(TEXTS)))
    assert info.value.code == "E302"


def test_importing_and_scoring_does_not_import_scikit_learn():
    code = ("import sys, dialogcls; dialogcls.classify('hi'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'sklearn'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
