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

from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import scipy.sparse as sp

from .errors import DialogclsError
from .records import KINDS, LABELS, PostBatch
from .rules import CELLS, cells, stratum


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


def check_classes(y: np.ndarray, cv: int) -> None:
    """Refuse training labels that cannot make a model: one class only, or fewer posts of a label
    than the ``cv`` calibration folds need (E305, instead of a solver's message from inside a fold)."""
    counts = {label: int(np.sum(y == label)) for label in LABELS}
    if min(counts.values()) == 0:
        raise DialogclsError("E305", f"the training labels hold only one class, {sorted(set(y.tolist()))}; a "
                                     "model needs posts of both classes, dialogue and broadcast")
    rare, common = sorted(LABELS, key=counts.get)
    if counts[rare] < cv:
        raise DialogclsError("E305", f"the training labels hold {counts[rare]} {rare} and {counts[common]} "
                                     f"{common} posts; calibration splits them into cv={cv} folds, so "
                                     f"each class needs at least {cv} posts: add {rare} posts or lower cv")


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


def fit_calibrated(features: sp.csr_matrix, y: np.ndarray, weight: np.ndarray, groups: np.ndarray, *,
                   C: float, class_weight: Any, max_iter: int, cv: int, method: str,
                   random_state: int) -> tuple[np.ndarray, float, np.ndarray]:
    """A logistic regression with Platt calibration on out-of-fold scores (as scikit-learn's
    ``CalibratedClassifierCV(ensemble=False)``), folds grouped by ``groups``; returns its weights,
    intercept and ``(a, b)``."""
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold

    folds = list(StratifiedGroupKFold(n_splits=cv, shuffle=True, random_state=random_state)
                 .split(features, y, groups))
    logistic = LogisticRegression(C=C, class_weight=class_weight, max_iter=max_iter, solver="liblinear")
    calibrated = CalibratedClassifierCV(logistic, method=method, cv=folds, ensemble=False)
    calibrated.fit(features, y, sample_weight=weight)
    if list(calibrated.classes_) != list(LABELS):
        raise DialogclsError("E305", f"training labels {list(calibrated.classes_)}; expected {list(LABELS)}")
    fitted = calibrated.calibrated_classifiers_[0]
    platt = fitted.calibrators[0]
    return (fitted.estimator.coef_.ravel().copy(), float(fitted.estimator.intercept_[0]),
            np.array([platt.a_, platt.b_], dtype=float))


def fit_kinds(features: sp.csr_matrix, kinds: Sequence[str] | None, *, C: float, class_weight: Any,
              max_iter: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One-vs-rest logistic regressions for the kind: ``(classes, coef (n_columns, n_kinds),
    intercept (n_kinds,))``, empty when there are no kinds."""
    if kinds is None:
        return np.empty(0, dtype=object), np.zeros((features.shape[1], 0)), np.zeros(0)
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

    kind_model = OneVsRestClassifier(LogisticRegression(C=C, class_weight=class_weight, max_iter=max_iter,
                                                        solver="liblinear"))
    kind_model.fit(features, np.asarray(kinds, dtype=object))
    return (np.asarray(kind_model.classes_, dtype=object),
            np.column_stack([e.coef_.ravel() for e in kind_model.estimators_]),
            np.array([e.intercept_[0] for e in kind_model.estimators_]))


__all__ = ["check_labels", "check_classes", "prior_weights", "fit_calibrated", "fit_kinds"]
