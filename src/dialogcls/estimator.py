"""Learning the arrays of a :class:`~dialogcls.model.DialogueClassifier`: label checks, prior
weights, calibrated logistic regressions per stratum and the kind model.

Everything here runs at training time only, and only here is scikit-learn used; what it returns is
plain arrays, which is all a model needs to score (see :mod:`dialogcls.model`).

Example
-------
>>> import numpy as np
>>> from dialogcls.records import PostBatch
>>> posts = PostBatch.from_columns(["Was meint ihr?", "Neu im Shop", "Neu!", "@a Danke!"])
>>> prior_weights(posts, np.array(["dialogue", "broadcast", "broadcast", "dialogue"], dtype=object),
...               top_level_dialogue_share=0.1, reply_shaped_broadcast_share=None).round(3).tolist()
[0.222, 1.0, 1.0, 1.0]
"""
from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any, Callable, Iterable, Mapping, Sequence, TypeVar

import numpy as np
import scipy.sparse as sp

from .errors import DialogclsError
from .records import KINDS, LABELS, PostBatch
from .rules import CELLS, cells, stratum

_Job = TypeVar("_Job")
_Result = TypeVar("_Result")


def effective_n_jobs(n_jobs: int | None) -> int:
    """The number of threads ``n_jobs`` asks for, as in scikit-learn: None is 1, -1 every core the
    process may use, -2 all but one.

    Example
    -------
    >>> effective_n_jobs(None), effective_n_jobs(3), effective_n_jobs(-1) >= 1
    (1, 3, True)
    """
    if n_jobs is None or n_jobs == 0:
        return 1
    if n_jobs > 0:
        return int(n_jobs)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores + 1 + int(n_jobs))


def run_jobs(work: Callable[[_Job], _Result], jobs: Sequence[_Job], n_jobs: int | None, *,
             on_done: Callable[[], None] | None = None) -> list[_Result]:
    """``[work(job) for job in jobs]``, on ``n_jobs`` threads; ``on_done`` is called in the calling
    thread after each job. liblinear releases the GIL, so its folds fit side by side; L-BFGS holds it
    between its matrix products (two threads: 1.18 times one on 50,000 posts). The results do not
    depend on the number of threads. BLAS is held to one thread meanwhile: its threads only spin
    beside the solvers' short vector operations (on the corpus with liblinear, 24 s of processor
    time for 14 s of training without the limit, 12.6 s with it).

    Example
    -------
    >>> run_jobs(lambda x: x * x, [1, 2, 3], 2)
    [1, 4, 9]
    """
    from threadpoolctl import threadpool_limits  # a dependency of scikit-learn, which training needs

    threads = min(effective_n_jobs(n_jobs), len(jobs))
    with threadpool_limits(limits=1, user_api="blas"):
        if threads <= 1:
            results = []
            for job in jobs:
                results.append(work(job))
                if on_done is not None:
                    on_done()
            return results
        return _run_threads(work, jobs, threads, on_done)


def _run_threads(work: Callable[[_Job], _Result], jobs: Sequence[_Job], threads: int,
                 on_done: Callable[[], None] | None) -> list[_Result]:
    with ThreadPoolExecutor(max_workers=threads, thread_name_prefix="dialogcls-fit") as pool:
        futures = {pool.submit(work, job): position for position, job in enumerate(jobs)}
        results: list[Any] = [None] * len(jobs)
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            if on_done is not None:
                on_done()
    return results


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


def check_classes(y: np.ndarray, cv: int, groups: np.ndarray | None = None) -> None:
    """Refuse training labels that cannot make a model: one class only, or fewer posts of a label
    than the ``cv`` calibration folds need (E305, instead of a solver's message from inside a fold).
    With ``groups`` (:func:`dialogcls.records.duplicate_groups`), repeats of a post count once: the
    folds keep them together."""
    groups = np.arange(len(y)) if groups is None else np.asarray(groups)
    counts = {label: len(np.unique(groups[y == label])) for label in LABELS}
    if min(counts.values()) == 0:
        raise DialogclsError("E305", f"the training labels hold only one class, {sorted(set(y.tolist()))}; a "
                                     "model needs posts of both classes, dialogue and broadcast")
    rare, common = sorted(LABELS, key=counts.get)
    if counts[rare] < cv:
        raise DialogclsError("E305", f"the training labels hold {counts[rare]} {rare} and {counts[common]} "
                                     f"{common} distinct posts; calibration splits them into cv={cv} folds, so "
                                     f"each class needs at least {cv} distinct posts (repeats of a post stay in "
                                     f"one fold): add {rare} posts or lower cv")


def prior_weights(posts: PostBatch, y: np.ndarray, *, top_level_dialogue_share: float | None,
                  reply_shaped_broadcast_share: float | None,
                  cell_dialogue_shares: Mapping[str, float] | None = None) -> np.ndarray:
    """Per-post weights that give each named cell of :data:`dialogcls.rules.CELLS` its dialogue
    share, and each stratum's other posts the assumed share of their minority label (dialogue among
    top-level posts, broadcast among reply-shaped ones); a share of None leaves the data's own."""
    weight = np.ones(len(y))
    strata = stratum(posts)
    post_cells = cells(posts)
    named = dict(cell_dialogue_shares or {})
    unknown = set(named) - set(CELLS)
    if unknown:
        raise DialogclsError("E306", f"unknown cells {sorted(unknown)} in cell_dialogue_shares; the cells are {list(CELLS)}")
    covered = np.isin(post_cells, [CELLS.index(name) for name in named])
    targets = [(post_cells == CELLS.index(name), "dialogue", share) for name, share in named.items()]
    targets += [((strata == 0) & ~covered, "dialogue", top_level_dialogue_share),
                ((strata == 1) & ~covered, "broadcast", reply_shaped_broadcast_share)]
    for in_group, label, share in targets:
        minority = in_group & (y == label)
        n_minority, n_rest = minority.sum(), (in_group & (y != label)).sum()
        if share is not None and n_minority and n_rest:
            share = min(max(float(share), 0.005), 0.995)
            weight[minority] = share / (1 - share) * n_rest / n_minority
    return weight


def grouped_folds(y: np.ndarray, groups: np.ndarray, n_splits: int, *,
                  random_state: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stratified ``(train, test)`` folds that keep each group in one fold: scikit-learn's
    ``StratifiedKFold`` over the groups, each stratified by its first post's label, mapped back to
    the posts. (``StratifiedGroupKFold`` searches a fold per group in Python: 9 of the 44 s that
    training the shipped model took.)

    Example
    -------
    >>> y = np.array(["dialogue", "dialogue", "broadcast", "broadcast", "dialogue", "broadcast"], dtype=object)
    >>> folds = grouped_folds(y, np.array([0, 0, 2, 3, 4, 5]), 2, random_state=0)
    >>> [bool(np.isin([0, 1], test).all() or not np.isin([0, 1], test).any()) for _, test in folds]
    [True, True]
    """
    from sklearn.model_selection import StratifiedKFold

    unique, first, inverse = np.unique(groups, return_index=True, return_inverse=True)
    group_fold = np.empty(len(unique), dtype=np.int64)
    splitter = StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    for fold, (_, test) in enumerate(splitter.split(np.zeros(len(unique)), np.asarray(y)[first])):
        group_fold[test] = fold
    post_fold = group_fold[inverse.ravel()]
    return [(np.flatnonzero(post_fold != fold), np.flatnonzero(post_fold == fold)) for fold in range(n_splits)]


def fit_calibrated(features: sp.csr_matrix, y: np.ndarray, weight: np.ndarray, groups: np.ndarray, *,
                   C: float, class_weight: Any, max_iter: int, tol: float | None, solver: str, cv: int, method: str,
                   random_state: int, n_jobs: int | None = None, on_fold: Callable[[], None] | None = None
                   ) -> tuple[np.ndarray, float, np.ndarray, np.ndarray]:
    """A logistic regression with Platt calibration on out-of-fold scores (as scikit-learn's
    ``CalibratedClassifierCV(ensemble=False)``), folds grouped by ``groups``.

    Returns the weights, the intercept, Platt's ``(a, b)`` and the out-of-fold scores they were
    fitted on: each row scored by the fold model that left it out, which is what cross-validation
    of the whole model reads (:func:`dialogcls.training.cross_validate`) instead of refitting it.
    The ``cv`` fold fits and the final fit run on ``n_jobs`` threads (see :func:`run_jobs`), each
    fold on the rows :func:`fold_rows` gives ``solver``.
    """
    if method != "sigmoid":
        raise DialogclsError("E313", f"calibration {method!r} is not available; a model file holds Platt's two "
                                     "parameters per stratum: use calibration='sigmoid'")
    n_columns = features.shape[1]
    used, compact = used_columns(features)

    def fit(rows: np.ndarray | None) -> Any:  # None: all rows, fitted on the matrix itself, not a copy
        matrix, index, row_weight = (compact, slice(None), weight) if rows is None else fold_rows(
            compact, rows, weight, solver)
        return logistic(matrix, y[index], row_weight, C=C, class_weight=class_weight, max_iter=max_iter, tol=tol,
                        solver=solver)

    folds = grouped_folds(y, groups, cv, random_state=random_state)
    # the final fit, the largest, goes first: two threads then finish at about the same time
    final, *fold_models = run_jobs(fit, [None] + [train for train, _ in folds], n_jobs, on_done=on_fold)
    out_of_fold = np.empty(len(y))
    for (_, test), fold_model in zip(folds, fold_models):
        out_of_fold[test] = fold_model.decision_function(compact[test])
    if list(final.classes_) != list(LABELS):
        raise DialogclsError("E305", f"training labels {list(final.classes_)}; expected {list(LABELS)}")
    coef = np.zeros(n_columns)
    coef[used] = final.coef_.ravel()
    return coef, float(final.intercept_[0]), platt(out_of_fold, y == LABELS[1], weight), out_of_fold


def fit_strata(features: sp.csr_matrix, y: np.ndarray, weight: np.ndarray, groups: np.ndarray,
               strata: np.ndarray, n_strata: int, **calibration: Any
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """One :func:`fit_calibrated` per stratum (``strata`` gives each row's, 0 to ``n_strata - 1``);
    a stratum with fewer distinct posts (``groups``) of a label than the folds need gets the model
    of all rows. Returns the weights ``(n_strata, n_columns)``, the intercepts, Platt's ``(a, b)``
    per stratum and each row's out-of-fold score."""
    coef = np.zeros((n_strata, features.shape[1]))
    intercept, calibrated, out_of_fold = np.zeros(n_strata), np.zeros((n_strata, 2)), np.zeros(len(y))
    shared = None
    for s in range(n_strata):
        rows = np.flatnonzero(strata == s)
        # distinct posts (groups), not rows: metadata dropout doubles the rows, not the posts
        if min(len(np.unique(groups[rows][y[rows] == label])) for label in LABELS) < calibration["cv"]:
            shared = shared or fit_calibrated(features, y, weight, groups, **calibration)
            coef[s], intercept[s], calibrated[s], scores = shared
            out_of_fold[rows] = scores[rows]
        elif len(rows) == len(y):  # one stratum: the matrix itself, not a copy of all its rows
            coef[s], intercept[s], calibrated[s], out_of_fold[:] = fit_calibrated(
                features, y, weight, groups, **calibration)
        else:
            coef[s], intercept[s], calibrated[s], out_of_fold[rows] = fit_calibrated(
                features[rows], y[rows], weight[rows], groups[rows], **calibration)
    return coef, intercept, calibrated, out_of_fold


def platt(scores: np.ndarray, positive: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """Platt's ``(a, b)`` with ``P(positive) = 1 / (1 + exp(a * score + b))``, fitted by weighted
    log-loss on Platt's smoothed targets, as scikit-learn's sigmoid calibration does.

    Example
    -------
    >>> a, b = platt(np.array([-2.0, -1.0, 1.0, 2.0]), np.array([False, False, True, True]), np.ones(4))
    >>> bool(a < 0)
    True
    """
    from scipy.optimize import minimize

    largest = float(np.max(np.abs(scores)))
    scale = largest if largest >= 30 else 1.0  # as scikit-learn: keeps exp() in range
    f = scores / scale
    prior1, prior0 = float(weight[positive].sum()), float(weight[~positive].sum())
    target = np.where(positive, (prior1 + 1.0) / (prior1 + 2.0), 1.0 / (prior0 + 2.0))

    def loss_and_gradient(ab: np.ndarray) -> tuple[float, np.ndarray]:
        z = ab[0] * f + ab[1]  # log-odds of the negative class
        p = 1.0 / (1.0 + np.exp(-z))  # P(negative)
        loss = np.sum(weight * (np.logaddexp(0.0, z) - (1.0 - target) * z))
        residual = weight * (p - (1.0 - target))
        return float(loss), np.array([residual @ f, residual.sum()])

    start = np.array([0.0, np.log((prior0 + 1.0) / (prior1 + 1.0))])
    result = minimize(loss_and_gradient, start, jac=True, method="L-BFGS-B",
                      options={"gtol": 1e-6, "ftol": 64 * np.finfo(float).eps})
    return np.array([result.x[0] / scale, result.x[1]], dtype=float)


def fit_kinds(features: sp.csr_matrix, y: np.ndarray, kinds: Sequence[str] | None, *, C: float,
              class_weight: Any, max_iter: int, tol: float | None, solver: str, n_jobs: int | None = None
              ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per kind, a logistic regression of that kind against the other kinds of its label (a
    reply against invitations, promotion against news …), fitted on that label's posts only (the
    rows :func:`fold_rows` gives ``solver``): the kind is read after the label. Returns
    ``(classes, coef (n_columns, n_kinds), intercept (n_kinds,))``, empty when there are no kinds.
    (One-vs-rest over all posts gave the same kinds on the corpus test split, in 2.5 times the
    time.) The regressions run on ``n_jobs`` threads."""
    if kinds is None:
        return np.empty(0, dtype=object), np.zeros((features.shape[1], 0)), np.zeros(0)
    kinds = np.asarray(kinds, dtype=object)
    classes = np.array(sorted(set(kinds.tolist())), dtype=object)
    coef, intercept = np.zeros((features.shape[1], len(classes))), np.zeros(len(classes))
    for label in LABELS:  # one label's rows at a time: at most one copy of them is held
        rows = np.flatnonzero(y == label)
        matrix, index, row_weight = fold_rows(features, rows, np.ones(len(y)), solver)
        used, matrix = used_columns(matrix)
        present = [k for k, kind in enumerate(classes) if kind in KINDS[label]]
        fitted_kinds = []
        for k in present:
            if len(present) == 1 or (kinds[rows] == classes[k]).all():  # the label's only kind: it always wins
                intercept[k] = 1.0
            else:
                fitted_kinds.append(k)

        def fit(k: int, matrix: sp.csr_matrix = matrix, target: np.ndarray = kinds[index],
                row_weight: np.ndarray = row_weight) -> Any:
            return logistic(matrix, target == classes[k], row_weight, C=C, class_weight=class_weight,
                            max_iter=max_iter, tol=tol, solver=solver)

        for k, fitted in zip(fitted_kinds, run_jobs(fit, fitted_kinds, n_jobs)):
            coef[used, k], intercept[k] = fitted.coef_.ravel(), fitted.intercept_[0]
    return classes, coef, intercept


#: Training matrices with more stored values than this are fitted by L-BFGS, smaller ones by
#: liblinear (``solver="auto"``). Measured (``train``, cross-validation included): the corpus,
#: 2.0 million values, 8.1 s with liblinear and 10.9 s with L-BFGS; 10,000 posts, about 5.5
#: million values, 19.4 s and 645 MB against 17.4 s and 451 MB; 50,000 posts, 27.6 million
#: values, 106 s and 2,269 MB against 48.9 s and 857 MB.
LIBLINEAR_MAX_VALUES = 4_000_000
#: Each solver's default stopping tolerance (``tol=None``): liblinear's at 1e-3 fits the corpus
#: about a quarter faster than at scikit-learn's 1e-4 with the same leave-one-source-out figures;
#: L-BFGS needs 1e-4 (at 1e-3 its weights correlate 0.976 with liblinear's, at 1e-4 0.993).
DEFAULT_TOL = {"liblinear": 1e-3, "lbfgs": 1e-4}
SOLVERS = ("auto", "liblinear", "lbfgs")


def choose_solver(solver: str, features: sp.csr_matrix) -> str:
    """The solver ``"auto"`` stands for on ``features`` (see :data:`LIBLINEAR_MAX_VALUES`).

    Example
    -------
    >>> choose_solver("auto", sp.csr_matrix(np.eye(3))), choose_solver("lbfgs", sp.csr_matrix(np.eye(3)))
    ('liblinear', 'lbfgs')
    """
    if solver != "auto":
        return solver
    return "liblinear" if features.nnz <= LIBLINEAR_MAX_VALUES else "lbfgs"


def fold_rows(features: sp.csr_matrix, rows: np.ndarray, weight: np.ndarray, solver: str
              ) -> tuple[sp.csr_matrix, np.ndarray | slice, np.ndarray]:
    """The matrix, row index and weights of a fit on ``rows`` alone. liblinear copies whatever it
    is given into its own structure, so it gets a copy of those rows; L-BFGS reads the matrix only
    through products with it, so it gets the matrix itself with the other rows at weight 0. The
    objective is the same (scikit-learn counts the classes of ``class_weight="balanced"`` by
    weight), without a copy.

    Example
    -------
    >>> X = sp.csr_matrix(np.eye(3))
    >>> matrix, index, weight = fold_rows(X, np.array([0, 2]), np.ones(3), "lbfgs")
    >>> matrix is X, weight.tolist()
    (True, [1.0, 0.0, 1.0])
    >>> fold_rows(X, np.array([0, 2]), np.ones(3), "liblinear")[0].shape
    (2, 3)
    """
    if solver == "liblinear":
        return features[rows], rows, weight[rows]
    in_rows = np.zeros(features.shape[0])
    in_rows[rows] = weight[rows]
    return features, slice(None), in_rows


def logistic(features: sp.csr_matrix, y: np.ndarray, weight: np.ndarray, *, C: float, class_weight: Any,
             max_iter: int, tol: float | None, solver: str) -> Any:
    """scikit-learn's L2-penalised logistic regression, fitted by ``solver`` ("liblinear" or
    "lbfgs") to ``tol`` (None: :data:`DEFAULT_TOL`)."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, class_weight=class_weight, max_iter=max_iter, solver=solver,
                              tol=DEFAULT_TOL[solver] if tol is None else tol).fit(features, y, sample_weight=weight)


def used_columns(features: sp.csr_matrix) -> tuple[np.ndarray, sp.csr_matrix]:
    """The columns with a value in some row, and the matrix of those columns only. An L2-penalised
    logistic regression gives the other columns weight 0, so it is fitted on these alone: the
    solvers spend time on every column, and 15 % of the 2 x 2**18 hashed ones are used in the corpus.
    When every column is used, the matrix itself is returned, not a copy.

    Example
    -------
    >>> used, compact = used_columns(sp.csr_matrix(np.array([[0.0, 2.0, 0.0], [0.0, 0.0, 1.0]])))
    >>> used.tolist(), compact.toarray().tolist()
    ([1, 2], [[2.0, 0.0], [0.0, 1.0]])
    """
    present = np.zeros(features.shape[1], dtype=bool)
    present[features.indices] = True
    used = np.flatnonzero(present)
    if len(used) == features.shape[1]:
        return used, features
    new_column = np.cumsum(present, dtype=features.indices.dtype) - 1  # increasing: rows stay sorted
    # the values and row pointers are shared, not copied; only the column numbers are new
    return used, sp.csr_matrix((features.data, new_column[features.indices], features.indptr),
                               shape=(features.shape[0], len(used)), copy=False)


__all__ = ["check_labels", "check_classes", "prior_weights", "grouped_folds", "fit_calibrated", "platt",
           "fit_kinds", "choose_solver", "fold_rows", "logistic", "used_columns", "effective_n_jobs", "run_jobs",
           "SOLVERS", "DEFAULT_TOL", "LIBLINEAR_MAX_VALUES"]
