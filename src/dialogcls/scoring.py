"""Scoring: from a batch's feature blocks to each stratum's score, the kind scores and the
explanation, with one product per block.

A fitted :class:`~dialogcls.model.DialogueClassifier` holds per-stratum weights over the feature
columns and per-kind weights over the same columns. :class:`BlockWeights` arranges them per block of
:class:`~dialogcls.features.FeatureBlocks` (named, word n-grams, character n-grams): one matrix per
block whose columns are the strata and then the kinds. One product per block thus gives what the
block adds to each stratum's score (which is also its share in the explanation) and to each kind's
score; the blocks are never joined into one matrix.

Example
-------
>>> import numpy as np, scipy.sparse as sp
>>> from dialogcls.features import FeatureBlocks
>>> weights = BlockWeights(np.array([[1.0, 2.0, 3.0, 4.0]]), np.zeros((4, 0)), n_named=2, n_features=1)
>>> blocks = FeatureBlocks(np.array([[1.0, 1.0]]), sp.csr_matrix([[1.0]]), sp.csr_matrix([[0.5]]))
>>> weights.score(blocks).by_block[:, 0, 0].tolist()
[3.0, 3.0, 2.0]
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .features import FeatureBlocks


@dataclass(frozen=True)
class BlockScores:
    """What each block of a batch's features adds to each stratum's score, and the kind scores.

    Attributes
    ----------
    named : ndarray of shape (n_posts, n_named)
        The named feature values (the explanation weighs each by its stratum's weight).
    by_block : ndarray of shape (3, n_posts, n_strata)
        Per block (named, word n-grams, character n-grams), its part of each stratum's score.
    kinds : ndarray of shape (n_posts, n_kinds)
        The kind scores, intercepts not included.
    """

    named: np.ndarray
    by_block: np.ndarray
    kinds: np.ndarray

    def __len__(self) -> int:
        return self.named.shape[0]

    def stratum_scores(self, strata: np.ndarray) -> np.ndarray:
        """Each post's score in its own stratum, intercept not included."""
        rows = np.arange(len(self))
        return self.by_block[:, rows, strata].sum(axis=0)


class BlockWeights:
    """A model's stratum weights ``coef`` ``(n_strata, n_columns)`` and kind weights ``kind_coef``
    ``(n_columns, n_kinds)`` arranged per feature block, each block's matrix C-contiguous (scipy
    copies any other operand of a sparse product on every call).

    Parameters
    ----------
    coef, kind_coef : ndarray
    n_named, n_features : int
        Width of the named block and of each n-gram block.
    """

    def __init__(self, coef: np.ndarray, kind_coef: np.ndarray, *, n_named: int, n_features: int) -> None:
        self.n_strata = coef.shape[0]
        bounds = (0, n_named, n_named + n_features, n_named + 2 * n_features)
        self.blocks = [np.ascontiguousarray(np.hstack([coef[:, start:stop].T, kind_coef[start:stop]]))
                       for start, stop in zip(bounds[:-1], bounds[1:])]

    def score(self, blocks: FeatureBlocks) -> BlockScores:
        """The :class:`BlockScores` of ``blocks``: three sparse products, one per block. (The named
        block goes sparse too: a dense product goes through BLAS, whose sums for one row depend on
        how many rows there are, and a post must score the same alone as in any batch.)"""
        parts = [np.asarray(sp.csr_matrix(blocks.named) @ self.blocks[0]), np.asarray(blocks.words @ self.blocks[1]),
                 np.asarray(blocks.chars @ self.blocks[2])]
        k = self.n_strata
        return BlockScores(blocks.named, np.stack([part[:, :k] for part in parts]),
                           parts[0][:, k:] + parts[1][:, k:] + parts[2][:, k:])


def top_contributions(contributions: np.ndarray, sign: np.ndarray, names: list[str], top: int) -> list[tuple[str, ...]]:
    """Per row of ``contributions`` (columns named by ``names``), the names of the up to ``top``
    columns that pushed most in the direction ``sign`` (+1 or -1 per row), strongest first; only
    those that pushed that way by more than 1e-3.

    Example
    -------
    >>> top_contributions(np.array([[0.5, -2.0, 1.0]]), np.array([1.0]), ["a", "b", "c"], 2)
    [('c', 'a')]
    """
    pushed = contributions * sign[:, None]
    order = np.argsort(-pushed, axis=1, kind="stable")[:, :top]
    strong = np.take_along_axis(pushed, order, axis=1) > 1e-3
    # Few distinct cue combinations occur: name each once, then look the rows up.
    codes = np.where(strong, order + 1, 0) @ (len(names) + 1) ** np.arange(order.shape[1])
    unique, inverse = np.unique(codes, return_inverse=True)
    first = np.full(len(unique), len(inverse), dtype=np.int64)
    np.minimum.at(first, inverse.ravel(), np.arange(len(inverse)))
    named_rows = [tuple(names[j] for j, ok in zip(row, keep) if ok)
                  for row, keep in zip(order[first].tolist(), strong[first].tolist())]
    return [named_rows[i] for i in inverse.ravel().tolist()]


__all__ = ["BlockScores", "BlockWeights", "top_contributions"]
