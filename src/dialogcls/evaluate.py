"""Evaluation: scores of a model on labelled posts, next to the reply rule.

The reply rule ("a reply or a leading @handle is dialogue", :func:`dialogcls.rules.reply_rule`) is
the baseline every figure is shown against: it is strong on real posts, and the model earns its
place where the rule is wrong. So besides precision, recall and F1 this module gives what decides
whether it does:

- :func:`override_table`: how often the model overrides the rule, how many rule errors it fixes,
  how many right posts it breaks, and its override precision;
- :func:`bootstrap_macro_f1`: 95 % bootstrap intervals for the model's and the rule's macro-F1 and
  for their difference;
- :func:`share_errors`: per group (account), the error of the estimated dialogue share, in points.

Example
-------
>>> override_table(["dialogue", "broadcast", "dialogue"], ["dialogue", "dialogue", "broadcast"],
...                ["broadcast", "broadcast", "broadcast"])["override_precision"]
0.5
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from .errors import DialogclsError
from .records import LABELS, PostBatch
from .rules import reply_rule, reply_shaped


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
             groups: dict[str, Sequence[str | None]] | None = None, n_resamples: int = 2000,
             min_group_posts: int = 15) -> dict[str, Any]:
    """Score ``model`` (default model if None) and the reply rule on labelled posts.

    Returns a JSON-ready dict: ``model`` and ``rule`` scores overall, the ``overrides`` table, the
    ``bootstrap`` intervals, ``ece``, and the same scores per language and per platform
    (``by_lang``, ``by_platform``) and per extra ``groups`` (``{"author": [...]}``); for each extra
    group also ``shares_by_<name>``: the dialogue share error of the groups with at least
    ``min_group_posts`` posts.

    ``posts`` may also be a table (pandas, polars or Dask DataFrame, ``datasets.Dataset``) with a
    ``text`` column and metadata columns, and ``labels`` then the name of its label column.
    """
    from .api import score
    from .frames import column_values, to_pandas
    from .model import as_batch

    table = to_pandas(posts)
    if isinstance(labels, str) and hasattr(table, "columns"):
        labels = table[labels]
    posts = as_batch(table)
    labels = np.asarray(column_values(labels), dtype=object)
    if len(labels) == 0:
        raise DialogclsError("E338", "there are no labelled posts to evaluate; give posts with a label "
                                     "'dialogue' or 'broadcast' (a coded sample sheet needs its label column filled)")
    result = score(posts, model=model)
    rule = reply_rule(posts)
    shaped = reply_shaped(posts)
    out: dict[str, Any] = {
        "model": scores(labels, result.label),
        "rule": scores(labels, rule),
        "overrides": override_table(labels, result.label, rule),
        "bootstrap": bootstrap_macro_f1(labels, result.label, rule, n_resamples=n_resamples),
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
                         "rule": scores(labels[values == value], rule[values == value]),
                         "overrides": override_table(labels[values == value], result.label[values == value],
                                                     rule[values == value])}
            for value in sorted(set(values))}
        if name in (groups or {}):
            out[f"shares_by_{name}"] = share_errors(labels, result.label, result.p_dialogue, rule, values,
                                                    min_posts=min_group_posts)
    return out


def override_table(y_true: Sequence[str], y_model: Sequence[str], y_rule: Sequence[str]) -> dict[str, Any]:
    """Where the model and the rule disagree: how often, how often the model is right, what it fixes
    and breaks.

    Returns ``overrides`` (posts where the model differs from the rule), ``fixes`` (of those, the
    model is right), ``breaks`` (the rule was right), ``override_precision`` (fixes / overrides),
    ``rule_errors`` and ``fixed_share`` (fixes / rule errors), and the same split by the direction
    of the override (``to_dialogue``, ``to_broadcast``).
    """
    truth, model, rule = (np.asarray(v, dtype=object) for v in (y_true, y_model, y_rule))
    differ = model != rule
    fixes, breaks = differ & (model == truth), differ & (rule == truth)
    rule_errors = int(np.sum(rule != truth))

    def ratio(a: int, b: int) -> float | None:
        return round(a / b, 4) if b else None

    table: dict[str, Any] = {"overrides": int(differ.sum()), "fixes": int(fixes.sum()), "breaks": int(breaks.sum()),
                             "override_precision": ratio(int(fixes.sum()), int(differ.sum())),
                             "rule_errors": rule_errors, "fixed_share": ratio(int(fixes.sum()), rule_errors)}
    for label in LABELS:
        towards = differ & (model == label)
        table[f"to_{label}"] = {"overrides": int(towards.sum()), "fixes": int((towards & fixes).sum()),
                                "breaks": int((towards & breaks).sum())}
    return table


def _macro_f1_rows(truth: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """Macro-F1 of each row of boolean (dialogue) arrays; a class absent from truth and prediction
    scores 0, as in :func:`scores`."""
    tp = np.sum(truth & predicted, axis=-1)
    tn = np.sum(~truth & ~predicted, axis=-1)
    wrong = np.sum(truth != predicted, axis=-1)
    with np.errstate(invalid="ignore", divide="ignore"):
        f1_dialogue = np.where(2 * tp + wrong > 0, 2 * tp / (2 * tp + wrong), 0.0)
        f1_broadcast = np.where(2 * tn + wrong > 0, 2 * tn / (2 * tn + wrong), 0.0)
    return (f1_dialogue + f1_broadcast) / 2


def bootstrap_macro_f1(y_true: Sequence[str], y_model: Sequence[str], y_rule: Sequence[str], *,
                       n_resamples: int = 2000, level: float = 0.95, seed: int = 0,
                       clusters: Sequence[Any] | None = None) -> dict[str, Any]:
    """Percentile bootstrap intervals of the model's and the rule's macro-F1 and of the difference
    (model minus rule), resampling posts (or whole ``clusters``, e.g. accounts) with replacement.

    Example
    -------
    >>> result = bootstrap_macro_f1(["dialogue", "broadcast"] * 20, ["dialogue", "broadcast"] * 20,
    ...                             ["dialogue", "dialogue"] * 20, n_resamples=200)
    >>> result["difference"] > 0 and result["difference_interval"][0] > 0
    True
    """
    truth = np.asarray(y_true, dtype=object) == "dialogue"
    model = np.asarray(y_model, dtype=object) == "dialogue"
    rule = np.asarray(y_rule, dtype=object) == "dialogue"
    if not len(truth):
        return {"n_resamples": 0}
    rng = np.random.default_rng(seed)
    if clusters is None:
        index = rng.integers(0, len(truth), size=(n_resamples, len(truth)))
    else:
        codes, members = np.unique(np.asarray([str(c) for c in clusters], dtype=object), return_inverse=True)
        by_cluster = [np.flatnonzero(members == c) for c in range(len(codes))]
        picks = rng.integers(0, len(codes), size=(n_resamples, len(codes)))
        index = [np.concatenate([by_cluster[c] for c in row]) for row in picks]
    model_f1 = np.array([_macro_f1_rows(truth[i], model[i]) for i in index])
    rule_f1 = np.array([_macro_f1_rows(truth[i], rule[i]) for i in index])
    tail = (1 - level) / 2 * 100

    def interval(values: np.ndarray) -> list[float]:
        return [round(float(v), 4) for v in np.percentile(values, [tail, 100 - tail])]

    return {"n_resamples": n_resamples, "level": level, "unit": "post" if clusters is None else "cluster",
            "model_interval": interval(model_f1), "rule_interval": interval(rule_f1),
            "difference": round(float(_macro_f1_rows(truth, model) - _macro_f1_rows(truth, rule)), 4),
            "difference_interval": interval(model_f1 - rule_f1)}


def share_errors(y_true: Sequence[str], y_model: Sequence[str], p_dialogue: Sequence[float],
                 y_rule: Sequence[str], groups: Sequence[Any], *, min_posts: int = 15) -> dict[str, Any]:
    """Per group with at least ``min_posts`` posts, the true dialogue share and the error (in points)
    of three estimates: classify and count (``cc``), the mean calibrated probability (``pcc``) and
    the reply rule's count (``rule``); with the mean and worst absolute error of each.
    """
    truth = np.asarray(y_true, dtype=object) == "dialogue"
    estimates = {"cc": np.asarray(y_model, dtype=object) == "dialogue", "pcc": np.asarray(p_dialogue, dtype=float),
                 "rule": np.asarray(y_rule, dtype=object) == "dialogue"}
    groups = np.asarray([str(g) for g in groups], dtype=object)
    per_group = {}
    for group in sorted(set(groups.tolist())):
        members = groups == group
        if members.sum() < min_posts:
            continue
        share = truth[members].mean()
        per_group[group] = {"n": int(members.sum()), "share": round(float(share) * 100, 2),
                            **{name: round(float(values[members].mean() - share) * 100, 2)
                               for name, values in estimates.items()}}
    summary = {name: {"mean_abs": round(float(np.mean([abs(g[name]) for g in per_group.values()])), 2),
                      "worst_abs": round(float(np.max([abs(g[name]) for g in per_group.values()])), 2)}
               for name in estimates} if per_group else {}
    return {"min_posts": min_posts, "groups": per_group, "summary": summary}


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
    boot = evaluation["bootstrap"]
    if boot.get("n_resamples"):
        lines.append(f"  95% bootstrap intervals: model {boot['model_interval']}, rule {boot['rule_interval']}, "
                     f"model - rule {boot['difference']:+.4f} {boot['difference_interval']}")
    lines.append("  " + format_overrides(evaluation["overrides"]))
    lines.append(f"  dialogue F1 on top-level posts: {evaluation['top_level_dialogue_f1']}")
    lines.append(f"  broadcast F1 on reply-shaped posts: {evaluation['reply_shaped_broadcast_f1']}")
    for key in evaluation:
        if key.startswith("by_"):
            for value, pair in evaluation[key].items():
                block(f"{key[3:]} = {value}", pair["model"], pair["rule"])
                if pair["model"]["n"]:
                    lines.append("  " + format_overrides(pair["overrides"]))
        if key.startswith("shares_by_") and evaluation[key]["summary"]:
            table = evaluation[key]
            lines.append(f"dialogue share per {key[10:]} (groups with at least {table['min_posts']} posts; "
                         "error in points: classify and count, mean probability, reply rule)")
            for group, row in table["groups"].items():
                lines.append(f"  {group[:30]:30} n={row['n']:<5d} true {row['share']:6.2f}   cc {row['cc']:+7.2f}"
                             f"   pcc {row['pcc']:+7.2f}   rule {row['rule']:+7.2f}")
            summary = table["summary"]
            lines.append("  mean |error| " + ", ".join(f"{k} {v['mean_abs']:.2f}" for k, v in summary.items())
                         + "; worst " + ", ".join(f"{k} {v['worst_abs']:.2f}" for k, v in summary.items()))
    return "\n".join(lines)


def format_overrides(table: dict[str, Any]) -> str:
    """One line for people: the override table."""
    precision = "n/a" if table["override_precision"] is None else f"{table['override_precision']:.0%}"
    fixed = "n/a" if table["fixed_share"] is None else f"{table['fixed_share']:.0%}"
    return (f"overrides of the rule: {table['overrides']} (to dialogue {table['to_dialogue']['overrides']}, "
            f"to broadcast {table['to_broadcast']['overrides']}); fixes {table['fixes']}, breaks {table['breaks']}, "
            f"override precision {precision}; rule errors {table['rule_errors']}, fixed {fixed}")


__all__ = ["evaluate", "scores", "reply_rule", "override_table", "bootstrap_macro_f1", "share_errors",
           "expected_calibration_error", "format_scores", "format_overrides"]
