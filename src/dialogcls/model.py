"""The classifier: calibrated logistic regressions over :mod:`dialogcls.features`, anchored on the
post's structure, with kinds and explanations.

:class:`DialogueClassifier` follows scikit-learn's conventions: parameters are stored in
``__init__``, learning happens in ``fit``, learned attributes end in ``_``. It takes raw posts (a
:class:`~dialogcls.records.PostBatch`, or anything :meth:`PostBatch.from_posts` reads) as ``X``.

What it learns is plain arrays (weights, intercepts, Platt calibration, kind weights): prediction is
a few matrix products with no scikit-learn object involved, and :meth:`get_arrays` /
:meth:`from_state` are all a model file needs (see :mod:`dialogcls.artifact`).

**Rule-anchored.** The structure of a post (the strata of :mod:`dialogcls.rules`: top-level,
reply-shaped) sets where a decision starts, and the text must bring strong evidence to deviate from
it: training posts are weighted to realistic label shares per stratum, and each stratum has its own
threshold, so that overriding the reply rule takes odds of 4:1. By default one calibrated model
serves both strata (it learns "a link and news wording is broadcast" from all posts, also for the
few reply-shaped ones); ``stratified=True`` fits one per stratum. Training weights come per cell of
:func:`dialogcls.rules.cells` (reply shape x question x link) from ``cell_dialogue_shares``, else per
stratum from the two ``*_share`` parameters.

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

import math
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from .errors import DialogclsError, not_fitted_error
from .estimator import (SOLVERS, check_classes, check_labels, choose_solver, fit_kinds, fit_strata, prior_weights,
                        used_columns)
from .features import FEATURE_NAMES, NGRAM_BLOCKS, Featurizer
from .records import KINDS, LABELS, BatchResult, Post, PostBatch, Prediction, duplicate_groups
from .rules import STRATA, reply_shaped, stratum
from .scoring import BlockScores, BlockWeights, top_contributions
from .sklearn_protocol import TextClassifierProtocol, check_params, flag, number, one_of

_N_NAMED = len(FEATURE_NAMES)
#: Posts featurised at once by :meth:`DialogueClassifier.batch`; bounds memory on large inputs.
DEFAULT_BATCH_SIZE = 8192


def as_batch(X: Any) -> PostBatch:
    """Accept a :class:`PostBatch`, a DataFrame with a ``text`` column (pandas, polars, Dask or a
    ``datasets.Dataset``, see :func:`dialogcls.frames.to_pandas`), a 2-D array of one column of
    texts, or an iterable of posts."""
    if isinstance(X, PostBatch):
        return X
    from .frames import to_pandas

    X = to_pandas(X)
    if getattr(X, "ndim", 1) == 2 and not hasattr(X, "columns"):
        if X.shape[1] != 1:
            raise DialogclsError("E310", f"X is an array of {X.shape[1]} columns; a DialogueClassifier takes texts: "
                                         "a list of posts, a 2-D array of one column of texts, or a DataFrame "
                                         "with a 'text' column")
        X = [row[0] for row in X]
    if hasattr(X, "columns") and hasattr(X, "to_dict"):
        return PostBatch.from_frame(X)
    if isinstance(X, str):
        raise DialogclsError("E107", "X is a single string; pass a list of posts")
    return PostBatch.from_posts(X)


class DialogueClassifier(TextClassifierProtocol):
    """Dialogue versus broadcast, with a calibrated probability, a kind and the deciding cues.

    Parameters
    ----------
    C : float
        Inverse regularisation strength of the logistic regressions.
    n_features : int
        Buckets of each hashed n-gram block.
    char_ngrams : tuple of int
        Character n-gram lengths.
    ngram_weight : float
        Scale of the n-gram blocks against the named features (see :class:`Featurizer`).
    stratified : bool
        One calibrated model per stratum (top-level, reply-shaped) instead of one for all posts (the
        default: leave-one-source-out on real posts favoured one shared model, see the model card).
    top_level_dialogue_share, reply_shaped_broadcast_share : float or None
        The share of dialogue among top-level posts and of broadcast among reply-shaped posts that
        the model should assume. A written corpus holds many more such hard cases than real streams
        do; training posts are weighted so that each stratum has these shares. None keeps the
        training data's own shares. Ignored for the cells that ``cell_dialogue_shares`` names.
    cell_dialogue_shares : mapping or None
        ``{cell name: dialogue share}`` for cells of :data:`dialogcls.rules.CELLS`: training posts
        in a named cell are weighted to that share (real posts' aggregates, see
        ``data/real_cells.py``).
    top_level_threshold, reply_shaped_threshold : float
        The ``p_dialogue`` from which a top-level (reply-shaped) post is labelled dialogue. Above
        0.5 for top-level posts and below 0.5 for reply-shaped ones, overriding the reply rule takes
        more evidence than following it.
    calibration : {"sigmoid"}
        Calibration of ``p_dialogue``: Platt scaling on out-of-fold scores.
    cv : int
        Folds for calibration.
    metadata_dropout : bool
        Also train on each post without its metadata.
    class_weight : dict, "balanced" or None
        Passed to the logistic regressions.
    max_iter : int
        Solver iterations.
    tol : float or None
        Stopping tolerance of the solver; None: 1e-3 for liblinear (its own default is 0.01,
        scikit-learn's 1e-4; 1e-3 fits the corpus about a quarter faster than 1e-4 with the same
        leave-one-source-out figures, ``benchmarks/loso.py --param tol=1e-4``), 1e-4 for L-BFGS.
    solver : {"auto", "liblinear", "lbfgs"}
        The logistic regressions' solver. liblinear copies the rows it fits on and runs its folds
        side by side; L-BFGS fits every fold on the one matrix and so holds a third of the memory.
        "auto": liblinear up to 4 million stored values in the training matrix (about 7,000 posts),
        L-BFGS above, where it is also faster (:data:`dialogcls.estimator.LIBLINEAR_MAX_VALUES`).
    random_state : int
        Seed of the fold split.
    n_jobs : int or None
        Threads for the logistic regressions of ``fit`` (None: one; -1: every core). A setting of
        the machine, not of the model: it changes neither the weights nor the model file.

    Attributes
    ----------
    classes_ : ndarray
        ``["broadcast", "dialogue"]``.
    featurizer_ : Featurizer
    coef_ : ndarray of shape (n_strata, n_columns)
        Weights of each stratum's logistic regression (one row when not stratified).
    intercept_ : ndarray of shape (n_strata,)
    calibration_ : ndarray of shape (n_strata, 2)
        Platt parameters ``(a, b)``: ``p_dialogue = 1 / (1 + exp(a * score + b))``.
    kind_classes_ : ndarray of str
        The kinds the kind model knows (empty when ``fit`` got no kinds).
    kind_coef_ : ndarray of shape (n_columns, n_kinds)
    kind_intercept_ : ndarray of shape (n_kinds,)

    ``n_features_in_`` is not set: the input is text, not a table of numeric features (as for
    scikit-learn's text vectorizers and pipelines that start with one). The width of the internal
    feature matrix is ``featurizer_.n_columns``.
    """

    def __init__(self, *, C: float = 8.0, n_features: int = 2**18, char_ngrams: tuple[int, ...] = (3, 4),
                 ngram_weight: float = 1.0, stratified: bool = False,
                 top_level_dialogue_share: float | None = 0.10, reply_shaped_broadcast_share: float | None = 0.05,
                 cell_dialogue_shares: Mapping[str, float] | None = None,
                 top_level_threshold: float = 0.8, reply_shaped_threshold: float = 0.2,
                 calibration: str = "sigmoid", cv: int = 5, metadata_dropout: bool = True,
                 class_weight: Any = "balanced", max_iter: int = 2000, tol: float | None = None,
                 solver: str = "auto", random_state: int = 0, n_jobs: int | None = None) -> None:
        self.C = C
        self.n_features = n_features
        self.char_ngrams = char_ngrams
        self.ngram_weight = ngram_weight
        self.stratified = stratified
        self.top_level_dialogue_share = top_level_dialogue_share
        self.reply_shaped_broadcast_share = reply_shaped_broadcast_share
        self.cell_dialogue_shares = cell_dialogue_shares
        self.top_level_threshold = top_level_threshold
        self.reply_shaped_threshold = reply_shaped_threshold
        self.calibration = calibration
        self.cv = cv
        self.metadata_dropout = metadata_dropout
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.tol = tol
        self.solver = solver
        self.random_state = random_state
        self.n_jobs = n_jobs

    # -- scikit-learn's parameter protocol (see dialogcls.sklearn_protocol) ----------------------
    _PARAMS = ("C", "n_features", "char_ngrams", "ngram_weight", "stratified", "top_level_dialogue_share",
               "reply_shaped_broadcast_share", "cell_dialogue_shares", "top_level_threshold",
               "reply_shaped_threshold", "calibration", "cv", "metadata_dropout",
               "class_weight", "max_iter", "tol", "solver", "random_state", "n_jobs")
    #: Parameters of the machine, not of the model: a model file does not hold them.
    RUNTIME_PARAMS = ("n_jobs",)
    #: What each parameter may be: checked by ``fit`` (E340) and when a model file is read (E208).
    PARAM_RULES = {
        "C": number(0, low_open=True), "n_features": number(16, 2**26, integer=True),
        "char_ngrams": lambda v: None if isinstance(v, (tuple, list)) and all(
            number(1, 8, integer=True)(n) is None for n in v) else "a list of lengths from 1 to 8",
        "ngram_weight": number(0), "stratified": flag, "metadata_dropout": flag,
        "top_level_dialogue_share": number(0, 1, optional=True),
        "reply_shaped_broadcast_share": number(0, 1, optional=True),
        "cell_dialogue_shares": lambda v: None if v is None or isinstance(v, Mapping) and all(
            number(0, 1)(share) is None for share in v.values()) else "None or {cell: share from 0 to 1}",
        "top_level_threshold": number(0, 1), "reply_shaped_threshold": number(0, 1),
        "cv": number(2, integer=True), "max_iter": number(1, integer=True), "tol": number(0, low_open=True, optional=True),
        "solver": one_of(*SOLVERS),
        "random_state": number(0, integer=True, optional=True),
        "n_jobs": number(-math.inf, integer=True, optional=True),
    }

    def __sklearn_is_fitted__(self) -> bool:
        """Whether ``fit`` ran (or the model was loaded), for ``sklearn.utils.validation.check_is_fitted``."""
        return hasattr(self, "coef_")

    # -- learning -------------------------------------------------------------------------------
    def fit(self, X: Any, y: Sequence[str], *, kinds: Sequence[str] | None = None,
            sample_weight: Sequence[float] | None = None, featurizer: Featurizer | None = None,
            on_fold: Callable[[], None] | None = None) -> "DialogueClassifier":
        """Learn from posts ``X`` with labels ``y`` (``dialogue``/``broadcast``), optional kinds and
        optional per-post weights. ``on_fold`` is called after each logistic regression of the
        calibration folds (for a progress bar). The calibration's out-of-fold scores, one per row of
        :meth:`training_features`, stay in ``out_of_fold_scores_`` (see :meth:`out_of_fold`)."""
        check_params(self.get_params(), self.PARAM_RULES)
        posts = as_batch(X)
        y = np.asarray(list(y), dtype=object)
        check_labels(y, kinds)
        if len(y) != len(posts):
            raise DialogclsError("E301", f"{len(posts)} posts but {len(y)} labels")
        groups = duplicate_groups(posts.text)  # a repeated post never calibrates its own twin
        check_classes(y, self.cv, groups)
        for key in [key for key in self.__dict__ if key.endswith("_cache")]:
            del self.__dict__[key]  # derived from the weights a new fit replaces
        self.featurizer_ = featurizer or self.make_featurizer()
        weight = np.ones(len(posts)) if sample_weight is None else np.asarray(sample_weight, dtype=float)
        weight = weight * self._prior_weights(posts, y)
        rows = np.tile(np.arange(len(posts)), 2 if self.metadata_dropout else 1)  # as _training_posts
        y, groups, weight = y[rows], groups[rows], weight[rows]
        kinds = [kinds[row] for row in rows] if kinds is not None else None
        posts = self._training_posts(posts)
        strata = stratum(posts) if self.stratified else np.zeros(len(posts), dtype=np.int64)
        # only the columns some post uses: the regressions give the others weight 0, and the full
        # matrix is not held beside its compact copy through the fits
        used, features = used_columns(self.featurizer_.transform(posts))
        solver = {"C": self.C, "class_weight": self.class_weight, "max_iter": self.max_iter, "tol": self.tol,
                  "solver": choose_solver(self.solver, features), "n_jobs": self.n_jobs}
        self.classes_ = np.array(LABELS, dtype=object)
        coef, self.intercept_, self.calibration_, self.out_of_fold_scores_ = fit_strata(
            features, y, weight, groups, strata, len(STRATA) if self.stratified else 1, **solver, cv=self.cv,
            method=self.calibration, random_state=self.random_state, on_fold=on_fold)
        self.kind_classes_, kind_coef, self.kind_intercept_ = fit_kinds(features, y, kinds, **solver)
        self.coef_ = np.zeros((len(coef), self.featurizer_.n_columns))
        self.coef_[:, used] = coef
        self.kind_coef_ = np.zeros((self.featurizer_.n_columns, kind_coef.shape[1]))
        self.kind_coef_[used] = kind_coef
        return self

    def out_of_fold(self, X: Any) -> dict[str, BatchResult]:
        """Out-of-fold results for the posts ``X`` this model was fitted on: each post scored by the
        calibration fold model that left it out (its duplicates with it), with this model's Platt
        parameters and thresholds. ``with_metadata``, and ``text_only`` when trained with metadata
        dropout (then the fold models also scored the posts without metadata). Kinds and cues are
        not scored (``kind`` is empty).

        Example
        -------
        >>> posts = [f"@a{i} Danke!" for i in range(4)] + [f"Neu: Modell {i}" for i in range(4)]
        >>> clf = DialogueClassifier(n_features=2**10, cv=2).fit(posts, ["dialogue"] * 4 + ["broadcast"] * 4)
        >>> sorted(clf.out_of_fold(posts)), clf.out_of_fold(posts)["with_metadata"].label.shape
        (['text_only', 'with_metadata'], (8,))
        """
        posts = as_batch(X)
        n = len(posts)
        if len(getattr(self, "out_of_fold_scores_", ())) != n * (2 if self.metadata_dropout else 1):
            raise DialogclsError("E314", f"out-of-fold scores exist only for the {n} posts the model was fitted "
                                         "on, in that order; this model was not fitted on them")
        conditions = {"with_metadata": posts}
        if self.metadata_dropout:
            conditions["text_only"] = posts.without_metadata()
        results = {}
        for offset, (name, condition) in enumerate(conditions.items()):
            shaped = reply_shaped(condition)
            strata = self._strata_of(shaped)
            scores = self.out_of_fold_scores_[offset * n:(offset + 1) * n]
            p_dialogue = 1.0 / (1.0 + np.exp(self.calibration_[strata, 0] * scores + self.calibration_[strata, 1]))
            results[name] = BatchResult(self.labels(p_dialogue, shaped), p_dialogue,
                                        self.featurizer_.tokenize(condition).lang,
                                        np.full(n, "", dtype=object), [[] for _ in range(n)])
        return results

    def training_features(self, X: Any, featurizer: Featurizer | None = None) -> sp.csr_matrix:
        """The feature rows :meth:`fit` trains on for posts ``X``: the posts, then (with
        ``metadata_dropout``) the same posts without metadata.

        Example
        -------
        >>> model = DialogueClassifier(n_features=2**8)
        >>> model.training_features(["Neu im Shop", "@a Danke!"]).shape
        (4, 576)
        """
        return (featurizer or self.make_featurizer()).transform(self._training_posts(as_batch(X)))

    def _training_posts(self, posts: PostBatch) -> PostBatch:
        if not self.metadata_dropout:
            return posts
        stripped = posts.without_metadata()
        return PostBatch(**{name: getattr(posts, name) + getattr(stripped, name)
                            for name in PostBatch.__dataclass_fields__})

    def make_featurizer(self) -> Featurizer:
        """A new featurizer with this model's n-gram parameters."""
        return Featurizer(n_features=self.n_features, char_ngrams=self.char_ngrams, ngram_weight=self.ngram_weight)

    def _prior_weights(self, posts: PostBatch, y: np.ndarray) -> np.ndarray:
        """Per-post training weights that give each cell or stratum its assumed label shares."""
        return prior_weights(posts, y, top_level_dialogue_share=self.top_level_dialogue_share,
                             reply_shaped_broadcast_share=self.reply_shaped_broadcast_share,
                             cell_dialogue_shares=self.cell_dialogue_shares)

    # -- the scoring pipeline ------------------------------------------------------------------------
    def batch(self, posts: PostBatch, *, batch_size: int = DEFAULT_BATCH_SIZE, top_cues: int = 3,
              on_chunk: Callable[[int], Any] | None = None) -> BatchResult:
        """Score a :class:`PostBatch` in chunks of ``batch_size``: the one scoring loop of the library.

        Safe to call from many threads on one model: the only state that changes on read, the
        featurizer's type table, is used under its lock; everything after it is read-only.
        ``on_chunk`` is called with the number of posts after each chunk (a progress bar's ``update``).

        Example
        -------
        >>> clf = DialogueClassifier(n_features=2**10, cv=2).fit(["@a Danke!", "@b Danke dir!", "Neu: x.y/z", "Neu: a.b/c"],
        ...                                                    ["dialogue", "dialogue", "broadcast", "broadcast"])
        >>> clf.batch(PostBatch.from_columns(["@b Danke dir!"])).label.tolist()
        ['dialogue']
        """
        if batch_size < 1:
            raise DialogclsError("E108", f"batch_size must be at least 1, not {batch_size}")
        self._check_fitted()
        parts = []
        for start in range(0, len(posts), batch_size):
            chunk = posts if len(posts) <= batch_size else posts.take(range(start, min(start + batch_size, len(posts))))
            tokens, blocks = self.featurizer_.featurize(chunk)
            scores = self._block_weights().score(blocks)
            shaped = reply_shaped(chunk)
            strata = self._strata_of(shaped)
            p_dialogue = self.p_dialogue(scores, strata)
            label = self.labels(p_dialogue, shaped)
            parts.append(BatchResult(label, p_dialogue, tokens.lang, self.predict_kind(scores, label),
                                     self.explain(scores, label, strata, top=top_cues)))
            if on_chunk is not None:
                on_chunk(len(chunk))
        if not parts:
            empty = np.empty(0, dtype=object)
            return BatchResult(empty, np.empty(0), empty, empty, [])
        return BatchResult(*(np.concatenate([getattr(p, name) for p in parts]) for name in
                             ("label", "p_dialogue", "lang", "kind")),
                           [cue for part in parts for cue in part.cues])

    def pipe(self, posts: Iterable[str | Mapping[str, Any] | Post], *, batch_size: int = 1024,
             top_cues: int = 3) -> Iterator[Prediction]:
        """Score a stream of posts lazily, ``batch_size`` at a time: one :class:`Prediction` per post,
        in order, with memory bounded by the batch (as spaCy's ``Language.pipe``).

        Example
        -------
        >>> clf = DialogueClassifier(n_features=2**10, cv=2).fit(["@a Danke!", "@b Danke dir!", "Neu: x.y/z", "Neu: a.b/c"],
        ...                                                    ["dialogue", "dialogue", "broadcast", "broadcast"])
        >>> [p.label for p in clf.pipe(iter(["@b Danke dir!", "Neu: a.b/c"]), batch_size=1)]
        ['dialogue', 'broadcast']
        """
        if batch_size < 1:
            raise DialogclsError("E108", f"batch_size must be at least 1, not {batch_size}")
        pending: list[Any] = []
        for post in posts:
            pending.append(post)
            if len(pending) == batch_size:
                yield from self._predictions(pending, top_cues)
                pending = []
        if pending:
            yield from self._predictions(pending, top_cues)

    def __call__(self, post: str | Mapping[str, Any] | Post) -> Prediction:
        """Score one post; the same result as the post scored inside any batch."""
        return self._predictions([post], 3)[0]

    def _predictions(self, posts: Sequence[Any], top_cues: int) -> list[Prediction]:
        batch = PostBatch.from_posts(posts)
        return self.batch(batch, batch_size=max(len(batch), 1), top_cues=top_cues).predictions(batch.id)

    # -- prediction -----------------------------------------------------------------------------
    def block_scores(self, posts: PostBatch) -> BlockScores:
        """What each feature block of ``posts`` adds to each stratum's score and to each kind's
        (:mod:`dialogcls.scoring`): what :meth:`p_dialogue`, :meth:`predict_kind` and
        :meth:`explain` read."""
        self._check_fitted()
        return self._block_weights().score(self.featurizer_.featurize(posts)[1])

    def _block_weights(self) -> BlockWeights:
        """This model's weights arranged per feature block, made once (a fit drops them)."""
        cached = self.__dict__.get("_block_weights_cache")
        if cached is None:
            cached = self.__dict__["_block_weights_cache"] = BlockWeights(
                self.coef_, self.kind_coef_, n_named=_N_NAMED, n_features=self.featurizer_.n_features)
        return cached

    def predict_proba(self, X: Any) -> np.ndarray:
        """Calibrated probabilities, columns in the order of ``classes_``."""
        self._check_fitted()
        posts = as_batch(X)
        p = self.p_dialogue(self.block_scores(posts), self.strata(posts))
        return np.column_stack([1 - p, p])

    def decision_function(self, X: Any) -> np.ndarray:
        """Per post, the log-odds of dialogue minus the log-odds of the post's threshold: positive
        where :meth:`predict` says ``dialogue`` (``classes_[1]``), as for scikit-learn's binary
        classifiers. Within a stratum it orders posts as ``p_dialogue`` does; the thresholds differ
        between top-level and reply-shaped posts, so across strata it may not.

        Example
        -------
        >>> clf = DialogueClassifier(n_features=2**10, cv=2).fit(["@a Danke!", "@b Danke dir!", "Neu: x.y/z", "Neu: a.b/c"],
        ...                                                    ["dialogue", "dialogue", "broadcast", "broadcast"])
        >>> (clf.decision_function(["@b Danke dir!", "Neu: a.b/c"]) > 0).tolist()
        [True, False]
        """
        self._check_fitted()
        posts = as_batch(X)
        shaped = reply_shaped(posts)
        threshold = np.where(shaped, self.reply_shaped_threshold, self.top_level_threshold)
        threshold = np.clip(threshold, 1e-12, 1 - 1e-12)
        return self._log_odds(self.block_scores(posts), self._strata_of(shaped)) - np.log(threshold / (1 - threshold))

    def predict(self, X: Any) -> np.ndarray:
        """``dialogue`` or ``broadcast`` per post."""
        self._check_fitted()
        posts = as_batch(X)
        return self.labels(self.predict_proba(posts)[:, 1], reply_shaped(posts))

    def labels(self, p_dialogue: np.ndarray, shaped: np.ndarray) -> np.ndarray:
        """The label of each post from its ``p_dialogue`` and whether it is reply-shaped (the two
        thresholds)."""
        threshold = np.where(shaped, self.reply_shaped_threshold, self.top_level_threshold)
        return np.where(np.asarray(p_dialogue) >= threshold, "dialogue", "broadcast").astype(object)

    def score(self, X: Any, y: Sequence[str]) -> float:
        """Accuracy on posts ``X`` with labels ``y``."""
        return float(np.mean(self.predict(X) == np.asarray(list(y), dtype=object)))

    def strata(self, posts: PostBatch) -> np.ndarray:
        """Per post, which row of ``coef_`` scores it."""
        return self._strata_of(reply_shaped(posts))

    def _strata_of(self, shaped: np.ndarray) -> np.ndarray:
        """The row of ``coef_`` for posts whose reply shape is ``shaped`` (one row when not stratified)."""
        return shaped.astype(np.int64) if len(self.coef_) > 1 else np.zeros(len(shaped), dtype=np.int64)

    def p_dialogue(self, scores: BlockScores, strata: np.ndarray) -> np.ndarray:
        """Calibrated probability of dialogue from a batch's :class:`BlockScores` and each post's stratum."""
        return 1.0 / (1.0 + np.exp(-self._log_odds(scores, strata)))

    def _log_odds(self, scores: BlockScores, strata: np.ndarray) -> np.ndarray:
        """Calibrated log-odds of dialogue, ``-(a * score + b)`` with each stratum's Platt ``(a, b)``."""
        self._check_fitted()
        a, b = self.calibration_[strata, 0], self.calibration_[strata, 1]
        return -(a * (scores.stratum_scores(strata) + self.intercept_[strata]) + b)

    def predict_kind(self, scores: BlockScores, labels: np.ndarray) -> np.ndarray:
        """The most likely kind consistent with each label (``reply``/``invite`` for dialogue …)."""
        if not len(self.kind_classes_):
            return np.where(labels == "dialogue", "dialogue", "broadcast").astype(object)
        classes = self.kind_classes_
        allowed = {label: np.isin(classes, KINDS[label]) for label in LABELS}
        mask = np.where((labels == "dialogue")[:, None], allowed["dialogue"], allowed["broadcast"])
        return classes[np.argmax(np.where(mask, scores.kinds + self.kind_intercept_, -np.inf), axis=1)]

    def explain(self, scores: BlockScores, labels: np.ndarray, strata: np.ndarray | None = None, *,
                top: int = 3) -> list[tuple[str, ...]]:
        """The named features (or n-gram blocks) that pushed each post towards its label most.

        Returns, per post, up to ``top`` names, strongest first; only those that pushed towards the
        predicted label.
        """
        self._check_fitted()
        strata = np.zeros(len(scores), dtype=np.int64) if strata is None else strata
        rows = np.arange(len(scores))
        contributions = np.hstack([scores.named * self.coef_[strata, :_N_NAMED],
                                   scores.by_block[1, rows, strata][:, None], scores.by_block[2, rows, strata][:, None]])
        sign = np.where(labels == self.classes_[1], 1.0, -1.0)
        return top_contributions(contributions, sign, _CUE_NAMES, top)

    def _check_fitted(self) -> None:
        if not hasattr(self, "coef_"):
            raise not_fitted_error("E307", "this DialogueClassifier is not fitted yet; call "
                                           "fit(posts, labels) or load a model with dialogcls.load()")

    def to_disk(self, directory: Any, **card: Any) -> Any:
        """Write this model as an artifact folder (see :func:`dialogcls.artifact.save`)."""
        from .artifact import save

        return save(self, directory, **card)

    @classmethod
    def from_disk(cls, directory: Any) -> "DialogueClassifier":
        """Read a model folder after auditing it; nothing stored in it is executed (see
        :func:`dialogcls.artifact.load`)."""
        from .artifact import load

        return load(directory)

    # -- state: what a model file holds ------------------------------------------------------------
    _ARRAYS = ("coef_", "intercept_", "calibration_", "kind_coef_", "kind_intercept_")

    def get_arrays(self) -> dict[str, np.ndarray]:
        """The learned numbers, as plain float arrays (what ``weights.npz`` stores)."""
        self._check_fitted()
        return {name.rstrip("_"): np.asarray(getattr(self, name), dtype=np.float64) for name in self._ARRAYS}

    def get_config(self) -> dict[str, Any]:
        """Everything else a fitted model is, as JSON-ready values: parameters, featurizer and labels."""
        self._check_fitted()
        params = {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.get_params().items()
                  if k not in self.RUNTIME_PARAMS}
        return {"params": params, "classes": [str(c) for c in self.classes_],
                "kind_classes": [str(k) for k in self.kind_classes_],
                "featurizer": self.featurizer_.get_config()}

    @classmethod
    def from_state(cls, config: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> "DialogueClassifier":
        """A fitted model from :meth:`get_config` and :meth:`get_arrays` output, checked for shape.

        Raises
        ------
        DialogclsError
            E208 when a parameter, an array or a shape does not fit.
        """
        try:
            params = dict(config["params"])
            params["char_ngrams"] = tuple(params["char_ngrams"])
            model = cls(**params)
            check_params(model.get_params(), cls.PARAM_RULES, code="E208")
            model.featurizer_ = Featurizer.from_config(config["featurizer"])
            stored = config["featurizer"]
            check_params({"max_types": stored["max_types"]}, {"max_types": number(1, integer=True)}, code="E208")
            if [stored["n_features"], list(stored["char_ngrams"]), stored["ngram_weight"]] != [
                    model.n_features, list(model.char_ngrams), model.ngram_weight] or type(stored["n_features"]) is not int:
                raise ValueError("the featurizer's n_features, char_ngrams or ngram_weight differ from the model's")
            model.classes_ = np.array(config["classes"], dtype=object)
            model.kind_classes_ = np.array(config["kind_classes"], dtype=object)
        except (KeyError, TypeError, ValueError) as error:
            reason = error.message if isinstance(error, DialogclsError) else repr(error)
            raise DialogclsError("E208", f"the model's configuration is not usable ({reason}); retrain it") from None
        if list(model.classes_) != list(LABELS):
            raise DialogclsError("E208", f"the model's labels are {list(model.classes_)}; expected {list(LABELS)}")
        from .artifact import check_arrays

        n_strata, n_kinds = len(STRATA) if model.stratified else 1, len(model.kind_classes_)
        check_arrays(arrays, n_strata=n_strata, n_columns=model.featurizer_.n_columns, n_kinds=n_kinds)
        for name in arrays:
            setattr(model, f"{name}_", arrays[name])
        if n_kinds and not set(model.kind_classes_) <= {k for kinds in KINDS.values() for k in kinds}:
            raise DialogclsError("E208", f"unknown kinds {list(model.kind_classes_)} in the model")
        return model


_CUE_NAMES = FEATURE_NAMES + list(NGRAM_BLOCKS)


__all__ = ["DialogueClassifier", "DEFAULT_BATCH_SIZE", "as_batch"]
