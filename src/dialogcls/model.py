"""The classifier: a calibrated logistic regression over :mod:`dialogcls.features`, with explanations.

:class:`DialogueClassifier` follows scikit-learn's conventions: parameters are stored in
``__init__``, learning happens in ``fit``, learned attributes end in ``_``. It takes raw posts (a
:class:`~dialogcls.types.PostBatch`, or anything :meth:`PostBatch.from_posts` reads) as ``X``.

Training copies every post once without its metadata ("metadata dropout"), so that one model serves
inputs with and without reply flags; cross-validation groups the two copies of a post together, so
the calibration never sees a post it was fitted on.

Example
-------
>>> clf = DialogueClassifier(n_features=2**12, cv=2)
>>> posts = ["@a Thanks for the feedback!", "Our new app is out now: https://x.y/z",
...          "@b Sorry about that, please DM us", "Join our webinar on Friday https://x.y/w"] * 3
>>> labels = ["dialogue", "broadcast", "dialogue", "broadcast"] * 3
>>> clf.fit(posts, labels).predict(["@c Thank you for the kind words!"]).tolist()
['dialogue']
"""
from __future__ import annotations

from typing import Any, Iterable, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.calibration import CalibratedClassifierCV
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.multiclass import OneVsRestClassifier
from sklearn.utils.validation import check_is_fitted

from .errors import DialogclsError
from .features import FEATURE_NAMES, NGRAM_BLOCKS, Featurizer
from .types import KINDS, LABELS, PostBatch

_N_NAMED = len(FEATURE_NAMES)


def as_batch(X: Any) -> PostBatch:
    """Accept a :class:`PostBatch`, a pandas DataFrame with a ``text`` column, or an iterable of posts."""
    if isinstance(X, PostBatch):
        return X
    if hasattr(X, "columns") and hasattr(X, "to_dict"):
        return PostBatch.from_frame(X)
    if isinstance(X, str):
        raise DialogclsError("E107", "X is a single string; pass a list of posts")
    return PostBatch.from_posts(X)


class DialogueClassifier(ClassifierMixin, BaseEstimator):
    """Dialogue versus broadcast, with a calibrated probability, a kind and the deciding cues.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of the logistic regression.
    n_features : int
        Buckets of each hashed n-gram block.
    char_ngrams : tuple of int
        Character n-gram lengths.
    ngram_weight : float
        Scale of the n-gram blocks against the named features (see :class:`Featurizer`).
    top_level_dialogue_share, reply_shaped_broadcast_share : float or None
        The share of dialogue among top-level posts and of broadcast among reply-shaped posts (a
        reply to another account, or a leading @handle) that the model should assume. A written
        corpus holds many more such hard cases than real streams do, where most top-level posts are
        broadcast and most replies are dialogue; training posts are weighted so that each stratum
        has these shares. None keeps the training data's own shares.
    calibration : {"sigmoid", "isotonic"}
        Calibration method for ``p_dialogue``.
    cv : int
        Folds for calibration.
    metadata_dropout : bool
        Also train on each post without its metadata.
    class_weight : dict, "balanced" or None
        Passed to the logistic regressions.
    max_iter : int
        Solver iterations.
    random_state : int
        Seed of the fold split.

    Attributes
    ----------
    classes_ : ndarray
        ``["broadcast", "dialogue"]``.
    featurizer_ : Featurizer
    calibrated_ : CalibratedClassifierCV
    kind_model_ : OneVsRestClassifier or None
        Predicts the kind; None when ``fit`` got no kinds.
    coef_ : ndarray
        Weights of the underlying logistic regression (for explanations).
    """

    def __init__(self, *, C: float = 8.0, n_features: int = 2**18, char_ngrams: tuple[int, ...] = (3, 4),
                 ngram_weight: float = 1.0, top_level_dialogue_share: float | None = 0.10,
                 reply_shaped_broadcast_share: float | None = 0.05,
                 calibration: str = "sigmoid", cv: int = 5, metadata_dropout: bool = True,
                 class_weight: Any = "balanced", max_iter: int = 2000, random_state: int = 0) -> None:
        self.C = C
        self.n_features = n_features
        self.char_ngrams = char_ngrams
        self.ngram_weight = ngram_weight
        self.top_level_dialogue_share = top_level_dialogue_share
        self.reply_shaped_broadcast_share = reply_shaped_broadcast_share
        self.calibration = calibration
        self.cv = cv
        self.metadata_dropout = metadata_dropout
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.random_state = random_state

    # -- learning -------------------------------------------------------------------------------
    def fit(self, X: Any, y: Sequence[str], *, kinds: Sequence[str] | None = None,
            sample_weight: Sequence[float] | None = None,
            featurizer: Featurizer | None = None) -> "DialogueClassifier":
        """Learn from posts ``X`` with labels ``y`` (``dialogue``/``broadcast``), optional kinds and
        optional per-post weights."""
        posts = as_batch(X)
        y = np.asarray(list(y), dtype=object)
        check_labels(y, kinds)
        if len(y) != len(posts):
            raise DialogclsError("E301", f"{len(posts)} posts but {len(y)} labels")
        self.featurizer_ = featurizer or Featurizer(n_features=self.n_features, char_ngrams=self.char_ngrams,
                                                      ngram_weight=self.ngram_weight)
        groups = np.arange(len(posts))
        weight = np.ones(len(posts)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        weight = weight * self._prior_weights(posts, y)
        if self.metadata_dropout:
            stripped = posts.without_metadata()
            posts = PostBatch(**{name: getattr(posts, name) + getattr(stripped, name)
                                 for name in PostBatch.__dataclass_fields__})
            y = np.concatenate([y, y])
            groups = np.concatenate([groups, groups])
            weight = np.concatenate([weight, weight])
            kinds = list(kinds) * 2 if kinds is not None else None
        features = self.featurizer_.transform(posts)
        folds = list(StratifiedGroupKFold(n_splits=self.cv, shuffle=True, random_state=self.random_state)
                     .split(features, y, groups))
        self.calibrated_ = CalibratedClassifierCV(self._logistic(), method=self.calibration, cv=folds,
                                                  ensemble=False)
        self.calibrated_.fit(features, y, sample_weight=weight)
        self.classes_ = self.calibrated_.classes_
        self.coef_ = self.calibrated_.calibrated_classifiers_[0].estimator.coef_.ravel()
        self.kind_model_ = None
        if kinds is not None:
            self.kind_model_ = OneVsRestClassifier(self._logistic()).fit(features, np.asarray(kinds, dtype=object))
        self.n_features_in_ = features.shape[1]
        return self

    def _prior_weights(self, posts: PostBatch, y: np.ndarray) -> np.ndarray:
        """Per-post weights that give each reply-shape stratum its assumed label shares."""
        weight = np.ones(len(y))
        shaped = posts.reply_shaped()
        for in_stratum, label, share in ((~shaped, "dialogue", self.top_level_dialogue_share),
                                         (shaped, "broadcast", self.reply_shaped_broadcast_share)):
            minority = in_stratum & (y == label)
            n_minority, n_rest = minority.sum(), (in_stratum & (y != label)).sum()
            if share is not None and n_minority and n_rest:
                weight[minority] = share / (1 - share) * n_rest / n_minority
        return weight

    def _logistic(self) -> LogisticRegression:
        return LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=self.max_iter,
                                  solver="liblinear")

    # -- prediction -----------------------------------------------------------------------------
    def transform(self, X: Any) -> sp.csr_matrix:
        """Feature matrix of ``X``."""
        check_is_fitted(self, "calibrated_")
        return self.featurizer_.transform(as_batch(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated probabilities, columns in the order of ``classes_``."""
        return self.predict_proba_features(self.transform(X))

    def predict_proba_features(self, features: sp.csr_matrix) -> np.ndarray:
        check_is_fitted(self, "calibrated_")
        return self.calibrated_.predict_proba(features)

    def predict(self, X: Any) -> np.ndarray:
        """``dialogue`` or ``broadcast`` per post."""
        proba = self.predict_proba(X)
        return self.classes_[np.argmax(proba, axis=1)]

    def predict_kind(self, features: sp.csr_matrix, labels: np.ndarray) -> np.ndarray:
        """The most likely kind consistent with each label (``reply``/``invite`` for dialogue …)."""
        if self.kind_model_ is None:
            return np.where(labels == "dialogue", "dialogue", "broadcast").astype(object)
        weights, intercepts = self._kind_weights()
        scores = features @ weights + intercepts
        classes = self.kind_model_.classes_
        allowed = {label: np.isin(classes, KINDS[label]) for label in LABELS}
        mask = np.where((labels == "dialogue")[:, None], allowed["dialogue"], allowed["broadcast"])
        scores = np.where(mask, scores, -np.inf)
        return classes[np.argmax(scores, axis=1)]

    def explain(self, features: sp.csr_matrix, labels: np.ndarray, *, top: int = 3) -> list[tuple[str, ...]]:
        """The named features (or n-gram blocks) that pushed each post towards its label most.

        Returns, per post, up to ``top`` names, strongest first; only those that pushed towards the
        predicted label.
        """
        check_is_fitted(self, "coef_")
        named = features[:, :_N_NAMED].toarray() * self.coef_[:_N_NAMED]
        contributions = np.hstack([named, features @ self._ngram_block_weights()])
        sign = np.where(labels == self.classes_[1], 1.0, -1.0)[:, None]
        pushed = contributions * sign
        order = np.argsort(-pushed, axis=1)[:, :top]
        strong = np.take_along_axis(pushed, order, axis=1) > 1e-3
        # Few distinct cue combinations occur: name each once, then look the rows up.
        codes = np.where(strong, order + 1, 0) @ (len(_CUE_NAMES) + 1) ** np.arange(order.shape[1])
        unique, inverse = np.unique(codes, return_inverse=True)
        named_rows = [tuple(_CUE_NAMES[j] for j, ok in zip(row, keep) if ok) for row, keep in
                      zip(order[_first_index(inverse, len(unique))].tolist(),
                          strong[_first_index(inverse, len(unique))].tolist())]
        return [named_rows[i] for i in inverse.ravel().tolist()]

    # -- derived weights, computed once per loaded model ------------------------------------------
    def _ngram_block_weights(self) -> np.ndarray:
        """``(n_columns, 2)``: the word n-gram weights in one column, the character ones in the other,
        zero elsewhere; ``features @ it`` sums each block's contribution."""
        cached = self.__dict__.get("_explain_cache")
        if cached is None:
            n = self.featurizer_.n_features
            cached = np.zeros((len(self.coef_), 2))
            cached[_N_NAMED:_N_NAMED + n, 0] = self.coef_[_N_NAMED:_N_NAMED + n]
            cached[_N_NAMED + n:, 1] = self.coef_[_N_NAMED + n:]
            self.__dict__["_explain_cache"] = cached
        return cached

    def _kind_weights(self) -> tuple[np.ndarray, np.ndarray]:
        """The one-vs-rest kind models as one weight matrix and an intercept row."""
        cached = self.__dict__.get("_kind_cache")
        if cached is None:
            estimators = self.kind_model_.estimators_
            weights = np.column_stack([e.coef_.ravel() for e in estimators])
            cached = (weights, np.array([e.intercept_[0] for e in estimators]))
            self.__dict__["_kind_cache"] = cached
        return cached

    def __getstate__(self) -> dict:
        state = self.__dict__.copy()
        state.pop("_explain_cache", None)
        state.pop("_kind_cache", None)
        return state


_CUE_NAMES = FEATURE_NAMES + list(NGRAM_BLOCKS)


def _first_index(inverse: np.ndarray, n_unique: int) -> np.ndarray:
    """For each of ``n_unique`` values, the first position where ``inverse`` points to it."""
    first = np.full(n_unique, len(inverse), dtype=np.int64)
    np.minimum.at(first, inverse.ravel(), np.arange(len(inverse)))
    return first


def check_labels(y: Iterable[str], kinds: Iterable[str] | None = None) -> None:
    """Refuse labels and kinds outside the codebook, naming the first offender and its row."""
    for row, label in enumerate(y):
        if label not in LABELS:
            raise DialogclsError("E302", f"row {row + 1}: unknown label {label!r}; the codebook's labels are {list(LABELS)}")
    if kinds is not None:
        for row, (label, kind) in enumerate(zip(y, kinds)):
            if kind not in KINDS[label]:
                raise DialogclsError("E303", f"row {row + 1}: kind {kind!r} does not belong to label {label!r}; "
                                             f"allowed: {list(KINDS[label])}")


__all__ = ["DialogueClassifier", "as_batch", "check_labels"]
