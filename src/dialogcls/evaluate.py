"""Evaluation: scores of a model on labelled posts, next to the reply rule.

The reply rule ("a reply or a leading @handle is dialogue") is the baseline every figure is shown
against: it is strong on real posts, and the model earns its place where the rule is wrong.

Example
-------
>>> from dialogcls.types import PostBatch
>>> reply_rule(PostBatch.from_columns(["@anna Danke!", "Neu im Shop"])).tolist()
['dialogue', 'broadcast']
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .types import LABELS, PostBatch


def reply_rule(posts: PostBatch) -> np.ndarray:
    """The baseline: dialogue when the post is reply-shaped (see :meth:`PostBatch.reply_shaped`)."""
    return np.where(posts.reply_shaped(), "dialogue", "broadcast").astype(object)


def scores(y_true: Sequence[str], y_pred: Sequence[str]) -> dict[str, Any]:
    """Precision, recall and F1 per class, macro-F1, accuracy and the confusion matrix.

    Example
    -------
    >>> scores(["dialogue", "broadcast"], ["dialogue", "dialogue"])["macro_f1"]
    0.3333
    """
    from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

    y_true, y_pred = np.asarray(y_true, dtype=object), np.asarray(y_pred, dtype=object)
    if len(y_true) == 0:
        return {"n": 0}
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=list(LABELS), zero_division=0)
    return {
        "n": int(len(y_true)),
        "macro_f1": round(float(f1_score(y_true, y_pred, labels=list(LABELS), average="macro",
                                         zero_division=0)), 4),
        "accuracy": round(float(np.mean(y_true == y_pred)), 4),
        "per_class": {label: {"precision": round(float(p), 4), "recall": round(float(r), 4),
                              "f1": round(float(f), 4), "support": int(s)}
                      for label, p, r, f, s in zip(LABELS, precision, recall, f1, support)},
        "confusion": {"labels": list(LABELS),
                      "matrix": confusion_matrix(y_true, y_pred, labels=list(LABELS)).tolist()},
    }


def expected_calibration_error(y_true: Sequence[str], p_dialogue: Sequence[float], bins: int = 10) -> float:
    """Expected calibration error of ``p_dialogue`` over equal-width bins.

    Example
    -------
    >>> expected_calibration_error(["dialogue", "broadcast"], [1.0, 0.0])
    0.0
    """
    truth = np.asarray(y_true, dtype=object) == "dialogue"
    p = np.asarray(p_dialogue, dtype=float)
    which = np.minimum((p * bins).astype(int), bins - 1)
    error = 0.0
    for b in range(bins):
        in_bin = which == b
        if in_bin.any():
            error += in_bin.mean() * abs(truth[in_bin].mean() - p[in_bin].mean())
    return round(float(error), 4)


def evaluate(posts: PostBatch, labels: Sequence[str], *, model: Any = None,
             groups: dict[str, Sequence[str | None]] | None = None) -> dict[str, Any]:
    """Score ``model`` (default model if None) and the reply rule on labelled posts.

    Returns a JSON-ready dict: ``model`` and ``rule`` scores overall, ``ece``, and the same scores per
    language and per platform (``by_lang``, ``by_platform``), plus any extra ``groups``.
    """
    from .api import score

    labels = np.asarray(labels, dtype=object)
    result = score(posts, model=model)
    rule = reply_rule(posts)
    shaped = posts.reply_shaped()
    out: dict[str, Any] = {
        "model": scores(labels, result.label),
        "rule": scores(labels, rule),
        "ece": expected_calibration_error(labels, result.p_dialogue),
        "top_level_dialogue_f1": _class_f1(labels[~shaped], result.label[~shaped], "dialogue"),
        "reply_shaped_broadcast_f1": _class_f1(labels[shaped], result.label[shaped], "broadcast"),
    }
    columns = {"lang": [lang for lang in result.lang], "platform": [p or "unknown" for p in posts.platform]}
    columns.update(groups or {})
    for name, values in columns.items():
        values = np.asarray([v if v is not None else "unknown" for v in values], dtype=object)
        out[f"by_{name}"] = {
            str(value): {"model": scores(labels[values == value], result.label[values == value]),
                         "rule": scores(labels[values == value], rule[values == value])}
            for value in sorted(set(values))}
    return out


def _class_f1(y_true: np.ndarray, y_pred: np.ndarray, label: str) -> float | None:
    from sklearn.metrics import f1_score

    if not (y_true == label).any():
        return None
    return round(float(f1_score(y_true, y_pred, pos_label=label, average="binary",
                                labels=[label], zero_division=0)), 4)


def format_scores(evaluation: dict[str, Any]) -> str:
    """A plain-text table of an :func:`evaluate` result, for people."""
    lines = []

    def block(title: str, model: dict, rule: dict) -> None:
        lines.append(f"{title} (n={model['n']})")
        if not model["n"]:
            return
        lines.append(f"  {'':10} {'precision':>9} {'recall':>7} {'F1':>7} {'support':>8}   rule F1")
        for label in LABELS:
            m, r = model["per_class"][label], rule["per_class"][label]
            lines.append(f"  {label:10} {m['precision']:9.3f} {m['recall']:7.3f} {m['f1']:7.3f} "
                         f"{m['support']:8d}   {r['f1']:7.3f}")
        lines.append(f"  {'macro-F1':10} {'':9} {'':7} {model['macro_f1']:7.3f} {'':8}   {rule['macro_f1']:7.3f}")

    block("all posts", evaluation["model"], evaluation["rule"])
    matrix = evaluation["model"]["confusion"]["matrix"]
    lines.append(f"  confusion (rows true, columns predicted; {', '.join(LABELS)}): {matrix}")
    lines.append(f"  calibration error (ECE, 10 bins): {evaluation['ece']:.3f}")
    lines.append(f"  dialogue F1 on top-level posts: {evaluation['top_level_dialogue_f1']}")
    lines.append(f"  broadcast F1 on reply-shaped posts: {evaluation['reply_shaped_broadcast_f1']}")
    for key in evaluation:
        if key.startswith("by_"):
            for value, pair in evaluation[key].items():
                block(f"{key[3:]} = {value}", pair["model"], pair["rule"])
    return "\n".join(lines)


__all__ = ["evaluate", "scores", "reply_rule",
           "expected_calibration_error", "format_scores"]
