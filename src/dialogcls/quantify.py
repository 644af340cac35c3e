"""Dialogue shares that account for the classifier's errors (quantification).

An account's dialogue share is a quantity, not a post label: counting labels ("classify and count")
carries the classifier's errors straight into the share, and they do not cancel out. This module
gives three estimators of the share of a group of posts (an account, an account's month):

- ``cc``, **classify and count**: the share of posts labelled dialogue.
- ``pcc``, **probabilistic classify and count**: the mean calibrated ``p_dialogue``.
- ``acc``, **adjusted classify and count** (Forman 2008): per cell (language x reply stratum of
  :func:`dialogcls.rules.stratum`) the labelled share ``q`` is corrected with the classifier's true-
  and false-positive rates measured on labelled posts, ``(q - fpr) / (tpr - fpr)`` clipped to
  [0, 1], and the cells are added up with their post counts as weights. If ``tpr - fpr`` is below
  :data:`MIN_SEPARATION` the cell keeps ``q``.

The rates (:class:`Rates`) come from the out-of-fold predictions of cross-validation at training
time (stored in the model's ``meta.json``), or from posts hand-coded by the user. A cell with fewer
than :data:`MIN_CLASS_POSTS` posts of either label borrows the rates of its reply stratum over all
languages, and that one of all posts.

Intervals (95 %): ``cc`` gets the Wilson interval (sampling only). ``pcc`` and ``acc`` get a
percentile Bayesian bootstrap with :data:`N_RESAMPLES` resamples: the posts' weights are
Dirichlet(1, ..., 1) (Rubin 1981), drawn per (cell, label) category as Gamma variates; ``acc`` adds a
Jeffreys half-post to each label of a cell the group has posts in (so that a cell with no dialogue
label can still hide some), and in every resample it draws each cell's ``tpr`` and ``fpr`` from
their Beta(k + 1/2, n - k + 1/2) posteriors, so the interval carries the uncertainty of the rates.
For ``pcc`` a category's weighted mean ``p`` is drawn from its normal limit.

Example
-------
>>> import numpy as np
>>> rates = Rates({"*|top-level": (80, 20, 10, 90)}, source="example")     # tpr 0.8, fpr 0.1
>>> rates.tpr_fpr("*|top-level")
(0.8, 0.1)
>>> table = estimate(np.zeros(100, dtype=int), np.arange(100) < 31, np.full(100, 0.3),
...                  np.zeros(100, dtype=int), rates=rates, cell_names=["*|top-level"], estimator="acc")
>>> round(float(table["acc"][0]), 3)     # (0.31 - 0.1) / (0.8 - 0.1)
0.3
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np

from .errors import DialogclsError
from .rules import STRATA

#: The estimators, in the order they are shown.
ESTIMATORS = ("cc", "pcc", "acc")
#: What each estimator is called in tables and the report.
ESTIMATOR_NAMES = {"cc": "classify and count", "pcc": "probabilistic classify and count (mean p_dialogue)",
                   "acc": "adjusted classify and count"}
#: The default estimator per input, chosen by the per-account share error on real posts under
#: leave-one-source-out (``benchmarks/shares.py``, section "shares" of ``benchmarks/RESULTS.md``):
#: with reply metadata ``cc`` had the lowest mean error (0.8 points, against 1.0 for ``acc`` and 2.1
#: for ``pcc``); on text alone ``acc`` did (4.1 against 4.9 and 5.7); with rates measured on labelled
#: real posts (as hand-coded posts give them) ``acc`` had the lowest worst error with metadata and
#: the lowest mean and worst error on text alone.
DEFAULT_ESTIMATORS = {"with_metadata": "cc", "text_only": "acc", "hand_coded": "acc"}
DEFAULT_ESTIMATOR = DEFAULT_ESTIMATORS["with_metadata"]
#: A cell of rates needs this many posts of each label; otherwise its stratum's pooled rates are used.
MIN_CLASS_POSTS = 10
#: Below this ``tpr - fpr`` a cell's labelled share is not adjusted (the correction would explode).
MIN_SEPARATION = 0.1
#: Resamples of the bootstrap intervals.
N_RESAMPLES = 1000
#: The wildcard of a rate cell (all languages, or all posts).
ANY = "*"


def wilson_interval(
    successes: int | np.ndarray | Sequence[int],
    n: int | np.ndarray | Sequence[int],
    z: float = 1.96,
) -> tuple[Any, Any]:
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    successes, n : int or array-like of int
        Number of successes and of trials; arrays are broadcast against each other.
    z : float, default 1.96
        Standard normal quantile (1.96 for a 95 % interval).

    Returns
    -------
    (low, high) : tuple of float or of numpy arrays
        The bounds; NaN where ``n`` is 0. Floats for scalar input, arrays otherwise.

    Raises
    ------
    ValueError
        If a count is negative or ``successes`` exceeds ``n``.

    Example
    -------
    >>> low, high = wilson_interval(3, 10)
    >>> round(low, 4), round(high, 4)
    (0.1078, 0.6032)
    """
    k = np.asarray(successes, dtype=float)
    total = np.asarray(n, dtype=float)
    if np.any(k < 0) or np.any(total < 0) or np.any(k > total):
        raise ValueError("wilson_interval needs 0 <= successes <= n for every pair of counts.")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / total
        z2 = z * z
        denom = 1.0 + z2 / total
        centre = (p + z2 / (2.0 * total)) / denom
        half = z * np.sqrt(p * (1.0 - p) / total + z2 / (4.0 * total * total)) / denom
        # The bounds are exactly 0 and 1 at the extremes; avoid rounding noise there.
        low = np.where(k == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
        high = np.where(k == total, 1.0, np.clip(centre + half, 0.0, 1.0))
        low = np.where(total > 0, low, np.nan)
        high = np.where(total > 0, high, np.nan)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


def cell_name(lang: str, stratum_index: int | None) -> str:
    """The key of a rate cell: ``"de|top-level"``, ``"*|reply-shaped"``, ``"*|*"``.

    Example
    -------
    >>> cell_name("en", 1), cell_name(ANY, None)
    ('en|reply-shaped', '*|*')
    """
    return f"{lang}|{ANY if stratum_index is None else STRATA[stratum_index]}"


@dataclass(frozen=True)
class Rates:
    """A classifier's confusion counts per cell, measured on labelled posts.

    Attributes
    ----------
    counts : dict
        ``{cell: (tp, fn, fp, tn)}``: true dialogue labelled dialogue, true dialogue labelled
        broadcast, true broadcast labelled dialogue, true broadcast labelled broadcast.
    source : str
        Where the counts come from (shown in the report).

    Example
    -------
    >>> Rates({"*|*": (9, 1, 2, 8)}, source="x").tpr_fpr("*|*")
    (0.9, 0.2)
    """

    counts: Mapping[str, tuple[int, int, int, int]]
    source: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)

    def tpr_fpr(self, cell: str) -> tuple[float, float]:
        """The observed true- and false-positive rate of ``cell`` (NaN where a label has no posts)."""
        tp, fn, fp, tn = self.counts[cell]
        return (tp / (tp + fn) if tp + fn else float("nan"), fp / (fp + tn) if fp + tn else float("nan"))

    def usable(self, cell: str) -> bool:
        """Whether ``cell`` has at least :data:`MIN_CLASS_POSTS` posts of each label."""
        if cell not in self.counts:
            return False
        tp, fn, fp, tn = self.counts[cell]
        return tp + fn >= MIN_CLASS_POSTS and fp + tn >= MIN_CLASS_POSTS

    def lookup(self, lang: str, stratum_index: int) -> str | None:
        """The cell whose rates apply to a post: its language's, else its stratum's over all
        languages, else all posts'; None if none has enough posts."""
        for cell in (cell_name(lang, stratum_index), cell_name(ANY, stratum_index), cell_name(ANY, None)):
            if self.usable(cell):
                return cell
        return None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready form (what ``meta.json`` stores).

        Example
        -------
        >>> Rates.from_dict(Rates({"*|*": (1, 2, 3, 4)}, source="cv").to_dict()).counts["*|*"]
        (1, 2, 3, 4)
        """
        return {"source": self.source, **({"meta": dict(self.meta)} if self.meta else {}),
                "cells": {cell: {"tp": tp, "fn": fn, "fp": fp, "tn": tn,
                                 "tpr": _round(tp / (tp + fn)) if tp + fn else None,
                                 "fpr": _round(fp / (fp + tn)) if fp + tn else None}
                          for cell, (tp, fn, fp, tn) in self.counts.items()}}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Rates":
        """Read :meth:`to_dict`'s form; raises :class:`DialogclsError` (E452) when it is malformed."""
        try:
            counts = {str(cell): tuple(int(entry[key]) for key in ("tp", "fn", "fp", "tn"))
                      for cell, entry in dict(data["cells"]).items()}
        except (KeyError, TypeError, ValueError) as error:
            raise DialogclsError("E452", f"the classifier rates are malformed ({error!r}); retrain the model "
                                         "with this dialogcls version or pass hand-coded posts") from None
        if any(value < 0 for entry in counts.values() for value in entry):
            raise DialogclsError("E452", "the classifier rates hold negative counts; retrain the model")
        return cls(counts, source=str(data.get("source", "")), meta=dict(data.get("meta") or {}))


def _round(value: float) -> float:
    return round(float(value), 4)


def measure_rates(y_true: Sequence[str], y_pred: Sequence[str], lang: Sequence[Any], strata: Sequence[int], *,
                  source: str, meta: Mapping[str, Any] | None = None) -> Rates:
    """Confusion counts of predictions against true labels per cell: each language x stratum,
    each stratum over all languages (``*|top-level``), and all posts (``*|*``).

    Example
    -------
    >>> rates = measure_rates(["dialogue", "dialogue", "broadcast"], ["dialogue", "broadcast", "broadcast"],
    ...                       ["de", "de", "en"], [0, 0, 0], source="test")
    >>> rates.counts["de|top-level"], rates.counts["*|*"]
    ((1, 1, 0, 0), (1, 1, 0, 1))
    """
    truth = np.asarray(y_true, dtype=object) == "dialogue"
    predicted = np.asarray(y_pred, dtype=object) == "dialogue"
    langs = np.asarray([str(value) if value is not None else ANY for value in lang], dtype=object)
    strata = np.asarray(strata, dtype=np.int64)
    if not len(truth) == len(predicted) == len(langs) == len(strata):
        raise DialogclsError("E453", "measure_rates needs one true label, prediction, language and stratum per post")

    def counts(members: np.ndarray) -> tuple[int, int, int, int]:
        t, p = truth[members], predicted[members]
        return int(np.sum(t & p)), int(np.sum(t & ~p)), int(np.sum(~t & p)), int(np.sum(~t & ~p))

    table = {cell_name(ANY, None): counts(np.ones(len(truth), dtype=bool))}
    for index in range(len(STRATA)):
        in_stratum = strata == index
        table[cell_name(ANY, index)] = counts(in_stratum)
        for value in sorted(set(langs[in_stratum].tolist()) - {ANY}):
            table[cell_name(value, index)] = counts(in_stratum & (langs == value))
    return Rates(table, source=source, meta=dict(meta or {}))


def default_estimator(*, reply_metadata: bool, hand_coded: bool = False) -> str:
    """The measured default estimator for an input (see :data:`DEFAULT_ESTIMATORS`).

    Example
    -------
    >>> default_estimator(reply_metadata=True), default_estimator(reply_metadata=False)
    ('cc', 'acc')
    """
    if hand_coded:
        return DEFAULT_ESTIMATORS["hand_coded"]
    return DEFAULT_ESTIMATORS["with_metadata" if reply_metadata else "text_only"]


def check_estimator(estimator: str) -> str:
    """``estimator`` if it is one of :data:`ESTIMATORS`; else a :class:`DialogclsError` (E450)."""
    if estimator not in ESTIMATORS:
        raise DialogclsError("E450", f"unknown estimator {estimator!r}; choose one of {list(ESTIMATORS)}")
    return estimator


def estimate(groups: np.ndarray, labelled_dialogue: np.ndarray, p_dialogue: np.ndarray | None,
             cells: np.ndarray, *, rates: Rates | None, cell_names: Sequence[str] | None = None,
             estimator: str = DEFAULT_ESTIMATOR, n_groups: int | None = None, n_resamples: int = N_RESAMPLES,
             level: float = 0.95, seed: int = 0) -> dict[str, np.ndarray]:
    """The dialogue share of each group by every estimator, and the interval of ``estimator``.

    Parameters
    ----------
    groups : array of int
        Per post, its group (0 .. n_groups - 1).
    labelled_dialogue : array of bool
        Per post, whether the classifier labelled it dialogue.
    p_dialogue : array of float or None
        Per post, the calibrated probability (None: no ``pcc``).
    cells : array of int
        Per post, the index of its rate cell in ``cell_names`` (see :func:`rate_cells`).
    rates : Rates or None
        The rates of the cells (None: no ``acc``).
    cell_names : sequence of str, optional
        The rate cell of each cell index (needed with ``rates``).
    estimator : {"cc", "pcc", "acc"}
        Whose interval is returned as ``low`` / ``high``.

    Returns
    -------
    dict of arrays, one value per group
        ``n``, ``cc``, ``pcc``, ``acc`` (NaN where not available), ``low``, ``high``.
    """
    check_estimator(estimator)
    groups = np.asarray(groups, dtype=np.int64)
    n_groups = int(groups.max()) + 1 if n_groups is None and len(groups) else int(n_groups or 0)
    if n_groups == 0:  # no account reached the report (too few posts): nothing to estimate
        return {name: np.zeros(0) for name in ("n", "cc", "pcc", "acc", "low", "high")}
    cells = np.asarray(cells, dtype=np.int64)
    n_cells = max(int(cells.max()) + 1 if len(cells) else 1, len(cell_names or ()))
    labelled = np.asarray(labelled_dialogue, dtype=bool)
    code = (groups * n_cells + cells) * 2 + labelled
    size = n_groups * n_cells * 2
    count = np.bincount(code, minlength=size).reshape(n_groups, n_cells, 2).astype(float)
    n = count.sum(axis=(1, 2))
    with np.errstate(divide="ignore", invalid="ignore"):
        out: dict[str, np.ndarray] = {"n": n, "cc": np.where(n > 0, count[:, :, 1].sum(axis=1) / n, np.nan)}
        p_sum = p_sq = None
        if p_dialogue is not None:
            p = np.asarray(p_dialogue, dtype=float)
            p_sum = np.bincount(code, weights=p, minlength=size).reshape(count.shape)
            p_sq = np.bincount(code, weights=p * p, minlength=size).reshape(count.shape)
            out["pcc"] = np.where(n > 0, p_sum.sum(axis=(1, 2)) / n, np.nan)
        else:
            out["pcc"] = np.full(n_groups, np.nan)
        tpr = fpr = None
        if rates is not None:
            if cell_names is None:
                raise DialogclsError("E453", "estimate needs cell_names together with rates")
            pairs = [rates.tpr_fpr(name) for name in cell_names]
            tpr, fpr = (np.array([pair[i] for pair in pairs], dtype=float) for i in (0, 1))
            out["acc"] = _acc(count, tpr, fpr)
        else:
            out["acc"] = np.full(n_groups, np.nan)
    if estimator == "cc":
        out["low"], out["high"] = wilson_interval(count[:, :, 1].sum(axis=1), n)
        return out
    if estimator == "pcc" and p_sum is None:
        raise DialogclsError("E454", "the pcc estimator needs p_dialogue; score the posts or choose cc")
    if estimator == "acc" and rates is None:
        raise DialogclsError("E455", "the acc estimator needs the classifier's rates; choose pcc or cc")
    low, high = np.full(n_groups, np.nan), np.full(n_groups, np.nan)
    rng = np.random.default_rng(seed)
    draws = None
    if estimator == "acc":
        counts = np.array([rates.counts[name] for name in cell_names], dtype=float)  # type: ignore[union-attr]
        draws = (rng.beta(counts[:, 0] + 0.5, counts[:, 1] + 0.5, size=(n_resamples, len(counts))),
                 rng.beta(counts[:, 2] + 0.5, counts[:, 3] + 0.5, size=(n_resamples, len(counts))))
    tail = (1 - level) / 2 * 100
    chunk = max(1, 2_000_000 // max(1, n_resamples * n_cells * 2))
    for start in range(0, n_groups, chunk):
        rows = slice(start, min(start + chunk, n_groups))
        part = count[rows]
        if estimator == "acc":
            occupied = part.sum(axis=2, keepdims=True) > 0
            weights = rng.standard_gamma(part + 0.5 * occupied, size=(n_resamples, *part.shape))
            values = _acc(weights, draws[0][:, None, :], draws[1][:, None, :])
        else:
            weights = rng.standard_gamma(part, size=(n_resamples, *part.shape))
            mean = np.divide(p_sum[rows], part, out=np.zeros_like(part), where=part > 0)  # type: ignore[index]
            var = np.maximum(np.divide(p_sq[rows], part, out=np.zeros_like(part), where=part > 0) - mean ** 2, 0)  # type: ignore[index]
            drawn = np.clip(mean + rng.standard_normal(weights.shape) * np.sqrt(var / (part + 1)), 0, 1)
            total = weights.sum(axis=(2, 3))
            values = np.divide((weights * drawn).sum(axis=(2, 3)), total, out=np.full(total.shape, np.nan),
                               where=total > 0)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # groups without posts: all-NaN columns
            bounds = np.nanpercentile(values, [tail, 100 - tail], axis=0) if values.size else None
        if bounds is not None:
            low[rows], high[rows] = bounds
    empty = n == 0
    low[empty], high[empty] = np.nan, np.nan
    out["low"], out["high"] = low, high
    return out


def _acc(count: np.ndarray, tpr: np.ndarray, fpr: np.ndarray) -> np.ndarray:
    """Adjusted classify and count over the last two axes of ``count`` (cell, label): per cell the
    labelled share corrected with ``tpr`` / ``fpr``, weighted by the cell's posts."""
    with np.errstate(divide="ignore", invalid="ignore"):
        per_cell = count.sum(axis=-1)
        labelled = np.divide(count[..., 1], per_cell, out=np.zeros_like(per_cell), where=per_cell > 0)
        separation = tpr - fpr
        adjusted = np.where(separation >= MIN_SEPARATION, (labelled - fpr) / np.where(
            separation >= MIN_SEPARATION, separation, 1.0), labelled)
        adjusted = np.clip(np.nan_to_num(adjusted, nan=0.0), 0.0, 1.0)
        total = per_cell.sum(axis=-1)
        return np.where(total > 0, (adjusted * per_cell).sum(axis=-1) / np.where(total > 0, total, 1.0), np.nan)


def rate_cells(lang: Sequence[Any], strata: Sequence[int], rates: Rates | None) -> tuple[np.ndarray, list[str]]:
    """Per post, the index of the rate cell that applies to it (:meth:`Rates.lookup`), and the cells.

    Without rates every post is in one cell ``*|*``. Posts whose cells all have too few posts go to
    ``*|*`` as well (so ``acc`` cannot be used: :func:`estimate` then needs ``*|*`` to be usable).

    Example
    -------
    >>> rates = Rates({"*|*": (10, 10, 10, 10), "*|top-level": (10, 10, 10, 10)}, source="x")
    >>> rate_cells(["de", "en"], [0, 1], rates)
    (array([0, 1]), ['*|top-level', '*|*'])
    """
    strata = np.asarray(strata, dtype=np.int64)
    if rates is None:
        return np.zeros(len(strata), dtype=np.int64), [cell_name(ANY, None)]
    names: list[str] = []
    index: dict[tuple[str, int], int] = {}
    out = np.empty(len(strata), dtype=np.int64)
    for position, (value, stratum_index) in enumerate(zip(lang, strata.tolist())):
        key = (str(value) if value is not None else ANY, stratum_index)
        if key not in index:
            cell = rates.lookup(key[0], stratum_index) or cell_name(ANY, None)
            if cell not in names:
                names.append(cell)
            index[key] = names.index(cell)
        out[position] = index[key]
    return out, names


def usable_for_acc(rates: Rates | None, cell_names: Sequence[str]) -> bool:
    """Whether every cell in ``cell_names`` has rates with enough posts of each label."""
    return rates is not None and all(rates.usable(name) for name in cell_names)


__all__ = ["wilson_interval", "ESTIMATORS", "ESTIMATOR_NAMES", "DEFAULT_ESTIMATOR", "DEFAULT_ESTIMATORS", "default_estimator", "MIN_CLASS_POSTS", "MIN_SEPARATION", "N_RESAMPLES",
           "Rates", "cell_name", "measure_rates", "check_estimator", "estimate", "rate_cells", "usable_for_acc"]
