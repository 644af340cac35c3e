"""Leave-one-source-out evaluation on real posts: the figure every modelling decision is taken on.

For each design (a set of :class:`dialogcls.model.DialogueClassifier` parameters) and each source of
the real set (or each account, ``--group author``): whatever the design derives from the real set
(the per-cell dialogue shares of :func:`dialogcls.training.cell_dialogue_shares`) is computed from
the *other* sources only, a model is trained on the corpus with it, and the held-out source is
scored. The figures pool all posts, each scored while its source was held out. A design that derives
nothing from the real set is trained once.

Reported per design, with metadata and text only: macro-F1 with a 95 % bootstrap interval, the
difference to the reply rule with its interval, the override table (overrides, fixes, breaks,
override precision, share of the rule's errors fixed), dialogue F1 on top-level posts, macro-F1 per
source next to the rule, and the per-account dialogue share error (accounts with at least 15 posts;
classify and count, mean probability, the rule). The TF-IDF word 1-2 gram + logistic regression
baseline (trained on the same corpus, text only) is shown alongside. Only aggregates are written.

Usage (from the repository root)::

    python benchmarks/loso.py --real ../shared/data/real-dev.jsonl --out benchmarks/RESULTS.md
    python benchmarks/loso.py --designs shared-priors-4to1,stratified-priors-4to1 --n-features 65536   # quicker
"""
from __future__ import annotations

import json
import re
import sys
import time
from typing import Any, Mapping, Sequence

from _common import (display_path, ensure_dialogcls_importable, fmt, header_block,
                     md_table, posts_of, read_jsonl, split_path, tfidf_pipeline, publish, read_real_set, real_set_parser)

#: The designs compared. ``cells``: derive per-cell dialogue shares from the training sources.
#: ``thresholds``: choose the two override thresholds on the training sources' scores.
DESIGNS: dict[str, dict[str, Any]] = {}
for _shape in ("shared", "stratified"):
    for _weights in ("priors", "cells"):
        for _odds, (_top, _reply) in (("1to1", (0.5, 0.5)), ("2to1", (2 / 3, 1 / 3)), ("4to1", (0.8, 0.2)), ("9to1", (0.9, 0.1))):
            DESIGNS[f"{_shape}-{_weights}-{_odds}"] = {
                "params": {"stratified": _shape == "stratified", "top_level_threshold": _top,
                           "reply_shaped_threshold": _reply}, "cells": _weights == "cells"}
DESIGNS["stratified-priors-thresholds"] = {"params": {"stratified": True}, "cells": False, "thresholds": True}
#: The designs run when ``--designs`` is not given.
DEFAULT_DESIGNS = ("shared-priors-1to1", "shared-priors-2to1", "shared-priors-4to1", "shared-priors-9to1",
                   "shared-cells-4to1", "stratified-priors-1to1", "stratified-priors-2to1", "stratified-priors-4to1",
                   "stratified-priors-9to1", "stratified-cells-4to1")
TOP_LEVEL_GRID = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)
REPLY_SHAPED_GRID = (0.5, 0.4, 0.3, 0.2, 0.1, 0.05, 0.01)
CONDITIONS = ("metadata", "text only")


def shipped_design() -> str:
    """The name of the design that :class:`dialogcls.model.DialogueClassifier`'s defaults are: the
    shipped model's (the default model is trained with the defaults)."""
    from dialogcls.model import DialogueClassifier

    defaults = DialogueClassifier().get_params()
    for name, design in DESIGNS.items():
        if (not design["cells"] and not design.get("thresholds")
                and all(defaults[key] == value for key, value in design["params"].items())):
            return name
    raise LookupError("no design of loso.DESIGNS has the classifier's default parameters")


def source_of(row: Mapping[str, Any]) -> str:
    """The source of a real-set row: its id's leading letters (one letter per public data set)."""
    match = re.match(r"[A-Za-z]+", str(row.get("id") or ""))
    return match.group(0) if match else "?"


_TRAINED: dict[str, Any] = {}


def train_model(corpus: Sequence[Mapping[str, Any]], params: Mapping[str, Any], shares: Mapping[str, float] | None) -> Any:
    """A model fitted on ``corpus``; designs that differ only in their thresholds share one fit."""
    import copy

    from dialogcls.model import DialogueClassifier

    thresholds = {k: params[k] for k in ("top_level_threshold", "reply_shaped_threshold") if k in params}
    fitted = {k: v for k, v in params.items() if k not in thresholds}
    key = json.dumps([fitted, shares, len(corpus)], sort_keys=True)
    if key not in _TRAINED:
        model = DialogueClassifier(**{**fitted, "cell_dialogue_shares": shares})
        _TRAINED[key] = model.fit(posts_of(corpus), [r["label"] for r in corpus], kinds=[r["kind"] for r in corpus])
    model = copy.copy(_TRAINED[key])
    return model.set_params(**thresholds)


def derived_shares(rows: Sequence[Mapping[str, Any]]) -> dict[str, float]:
    from dialogcls.training import cell_dialogue_shares

    table = cell_dialogue_shares(posts_of(rows), [r["label"] for r in rows])
    return {cell: entry["share"] for cell, entry in table.items()}


def choose_thresholds(truth: Any, p: Any, shaped: Any) -> tuple[float, float]:
    """The (top-level, reply-shaped) thresholds with the best macro-F1 on these posts; among equals,
    the ones closest to 0.5."""
    import numpy as np

    from dialogcls.evaluate import scores

    best = None
    for top in TOP_LEVEL_GRID:
        for reply in REPLY_SHAPED_GRID:
            labels = np.where(p >= np.where(shaped, reply, top), "dialogue", "broadcast").astype(object)
            key = (scores(truth, labels)["macro_f1"], -abs(top - 0.5) - abs(reply - 0.5))
            if best is None or key > best[0]:
                best = (key, (top, reply))
    return best[1]


def run_design(name: str, design: Mapping[str, Any], corpus: Sequence[Mapping[str, Any]],
               real: Sequence[Mapping[str, Any]], groups: Sequence[str], base: Mapping[str, Any]) -> dict[str, Any]:
    """Labels and probabilities for every real post, each scored while its group was held out."""
    import numpy as np

    from dialogcls.api import score
    from dialogcls.rules import reply_shaped

    params = {**base, **design["params"]}
    out = {condition: {"label": np.empty(len(real), dtype=object), "p": np.zeros(len(real))}
           for condition in CONDITIONS}
    truth = np.array([r["label"] for r in real], dtype=object)
    group_array = np.array(groups, dtype=object)
    model = None
    for group in sorted(set(groups)):
        started = time.perf_counter()
        others = group_array != group
        if model is None or design["cells"]:
            shares = derived_shares([r for r, keep in zip(real, others) if keep]) if design["cells"] else None
            model = train_model(corpus, params, shares)
        held = np.flatnonzero(~others)
        for condition in CONDITIONS:
            posts = posts_of(real, metadata=condition == "metadata")
            p = score(posts, model=model).p_dialogue
            shaped = reply_shaped(posts)
            if design.get("thresholds"):
                model.top_level_threshold, model.reply_shaped_threshold = choose_thresholds(
                    truth[others], p[others], shaped[others])
                log(f"{name}, {condition}, without {group}: thresholds {model.top_level_threshold}, "
                    f"{model.reply_shaped_threshold}")
            out[condition]["label"][held] = model.labels(p[held], shaped[held])
            out[condition]["p"][held] = p[held]
        log(f"{name}: held out {group} ({len(held)} posts) in {time.perf_counter() - started:.0f} s")
    return out


def choose_design_per_group(outputs: Mapping[str, Any], condition: str, real: Sequence[Mapping[str, Any]],
                            groups: Sequence[str]) -> dict[str, Any]:
    """Nested leave-one-out choice of design: for each held-out group, the design with the best
    macro-F1 on the other groups' (held-out) predictions scores it."""
    import numpy as np

    from dialogcls.evaluate import scores

    truth = np.array([r["label"] for r in real], dtype=object)
    group_array = np.array(groups, dtype=object)
    label, p, choices = np.empty(len(real), dtype=object), np.zeros(len(real)), {}
    for group in sorted(set(groups)):
        others, held = group_array != group, group_array == group
        best = max(outputs, key=lambda name: scores(truth[others], outputs[name][condition]["label"][others])["macro_f1"])
        choices[group] = best
        label[held] = outputs[best][condition]["label"][held]
        p[held] = outputs[best][condition]["p"][held]
    return {"label": label, "p": p, "choices": choices}


def figures(real: Sequence[Mapping[str, Any]], labels: Any, p: Any, rule: Any, groups: Sequence[str],
            shaped: Any) -> dict[str, Any]:
    """All figures of one system in one condition."""
    import numpy as np

    from dialogcls.evaluate import bootstrap_macro_f1, expected_calibration_error, override_table, scores, share_errors

    truth = np.array([r["label"] for r in real], dtype=object)
    top = ~np.asarray(shaped)
    top_f1 = scores(truth[top], labels[top])["per_class"]["dialogue"]["f1"]
    per_group = {}
    for group in sorted(set(groups)):
        members = np.array([g == group for g in groups])
        per_group[group] = {"n": int(members.sum()), "model": scores(truth[members], labels[members])["accuracy"],
                            "rule": scores(truth[members], rule[members])["accuracy"]}
    return {"scores": scores(truth, labels), "bootstrap": bootstrap_macro_f1(truth, labels, rule),
            "overrides": override_table(truth, labels, rule), "top_level_dialogue_f1": top_f1,
            "ece": expected_calibration_error(truth, p) if p is not None else None, "groups": per_group,
            "shares": share_errors(truth, labels, p if p is not None else (labels == "dialogue").astype(float),
                                   rule, [r.get("author") for r in real])}


def rule_figures(real: Sequence[Mapping[str, Any]], rule: Any, groups: Sequence[str], shaped: Any) -> dict[str, Any]:
    """What :func:`render` shows of the reply rule beside a system: its macro-F1 and account share error."""
    f = figures(real, rule, None, rule, groups, shaped)
    return {"rule_macro_f1": f["scores"]["macro_f1"], "rule_shares": f["shares"]["summary"]["rule"]}


def render(results: Mapping[str, Mapping[str, dict[str, Any]]], argv: Sequence[str],
           details: Sequence[tuple[str, str]], group_name: str, *,
           title: str = "Leave-one-source-out on real posts", script: str = "loso.py") -> str:
    lines = [f"## {title}", ""] + header_block(script, argv, details)
    for condition in CONDITIONS:
        lines += [f"### {condition.capitalize()}", ""]
        rows = []
        for system, by_condition in results.items():
            f = by_condition.get(condition)
            if f is None:
                continue
            boot, over = f["bootstrap"], f["overrides"]
            shares = f["shares"]["summary"]
            rows.append([system, fmt(f["scores"]["macro_f1"]), str(boot["model_interval"]),
                         f"{boot['difference']:+.3f} {boot['difference_interval']}",
                         f"{over['overrides']} / {over['fixes']} / {over['breaks']}",
                         fmt(over["override_precision"]), f"{over['fixes']}/{over['rule_errors']}",
                         fmt(f["top_level_dialogue_f1"]),
                         f"{shares['cc']['mean_abs']:.1f} / {shares['cc']['worst_abs']:.1f}" if shares else "n/a",
                         f"{shares['pcc']['mean_abs']:.1f} / {shares['pcc']['worst_abs']:.1f}" if shares else "n/a",
                         ", ".join(f"{g} {v['model']:.3f} ({v['rule']:.3f})" for g, v in f["groups"].items())])
        lines += md_table(["system", "macro-F1", "95% interval", "minus rule [95% interval]",
                           "overrides / fixes / breaks", "override precision", "rule errors fixed",
                           "dialogue F1, top-level", "account share error, cc: mean / worst (points)",
                           "pcc: mean / worst", f"accuracy per {group_name} (rule)"], rows)
    chosen = results.get("chosen on the other sources")
    if chosen:
        lines += ["*Chosen on the other sources*: for each held-out group, the design with the best macro-F1 on "
                  "the other groups scores it (a nested choice, so the choice itself never sees the group it "
                  "scores): " + "; ".join(f"{condition}: " + ", ".join(f"{g} → {d}" for g, d in
                                                                    chosen[condition]["choices"].items())
                                          for condition in CONDITIONS) + ".", ""]
    rule = next(iter(results.values()))
    lines += ["The reply rule on the same posts: " + "; ".join(
        f"{condition}: macro-F1 {fmt(rule[condition]['rule_macro_f1'])}, account share error "
        f"{rule[condition]['rule_shares']['mean_abs']:.1f} mean / {rule[condition]['rule_shares']['worst_abs']:.1f} worst"
        for condition in CONDITIONS if condition in rule) + ".", "",
        "Overrides: posts where the system's label differs from the rule's; fixes: of those, the system is "
        "right; breaks: the rule was right. Override precision = fixes / overrides. Intervals: percentile "
        "bootstrap over posts, 2,000 resamples. Account share error: |estimated - true dialogue share| over "
        "accounts with at least 15 posts; cc = classify and count, pcc = mean p_dialogue.", ""]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = real_set_parser(__doc__, "loso", data_help="corpus folder (train.jsonl, dev.jsonl)")
    parser.add_argument("--with-dev", action="store_true", help="train on train + dev (default: train only)")
    parser.add_argument("--designs", default=",".join(DEFAULT_DESIGNS), help=f"comma-separated, of {list(DESIGNS)}")
    parser.add_argument("--group", choices=["source", "author"], default="source", help="what is held out")
    parser.add_argument("--n-features", type=int, default=None, help="hashed buckets per n-gram block")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=JSON",
                        help="extra classifier parameter for every design (repeatable)")
    args = parser.parse_args(argv)
    ensure_dialogcls_importable()
    import numpy as np

    real = read_real_set(args.real)
    if real is None:
        return 0
    corpus = read_jsonl(split_path(args.data, "train"))  # as the shipped model: train split only
    if args.with_dev:
        corpus += read_jsonl(split_path(args.data, "dev"))
    groups = [source_of(r) if args.group == "source" else str(r.get("author")) for r in real]
    base = {name: json.loads(value) for name, value in (p.split("=", 1) for p in args.param)}
    if args.n_features:
        base["n_features"] = args.n_features
    from dialogcls.rules import reply_rule, reply_shaped

    results: dict[str, dict[str, dict[str, Any]]] = {}
    all_outputs: dict[str, Any] = {}
    rule_of = {condition: reply_rule(posts_of(real, metadata=condition == "metadata")) for condition in CONDITIONS}
    shaped = reply_shaped(posts_of(real))
    rule_columns = {condition: rule_figures(real, rule_of[condition], groups, shaped) for condition in CONDITIONS}
    for name in args.designs.split(","):
        outputs = all_outputs[name] = run_design(name, DESIGNS[name], corpus, real, groups, base)
        results[name] = {condition: {**figures(real, outputs[condition]["label"], outputs[condition]["p"],
                                               rule_of[condition], groups, shaped), **rule_columns[condition]}
                         for condition in CONDITIONS}
        log(f"{name}: metadata macro-F1 {results[name]['metadata']['scores']['macro_f1']:.4f}, "
            f"difference {results[name]['metadata']['bootstrap']['difference']:+.4f} "
            f"{results[name]['metadata']['bootstrap']['difference_interval']}, overrides "
            f"{results[name]['metadata']['overrides']}")
    if len(all_outputs) > 1:
        for condition in CONDITIONS:
            chosen = choose_design_per_group(all_outputs, condition, real, groups)
            log(f"design chosen per held-out {args.group} ({condition}): {chosen['choices']}")
            results.setdefault("chosen on the other sources", {})[condition] = {
                **figures(real, chosen["label"], chosen["p"], rule_of[condition], groups, shaped),
                **rule_columns[condition], "choices": chosen["choices"]}
    texts = [r["text"] for r in corpus]
    baseline = tfidf_pipeline(8.0).fit(texts, [r["label"] for r in corpus])
    p = baseline.predict_proba([r["text"] for r in real])[:, list(baseline.classes_).index("dialogue")]
    labels = np.where(p >= 0.5, "dialogue", "broadcast").astype(object)
    results["TF-IDF word 1-2 + LR"] = {"text only": {
        **figures(real, labels, p, rule_of["text only"], groups, shaped), "rule_macro_f1": None, "rule_shares": None}}
    details = [("real set", f"`{display_path(args.real)}`, {len(real):,} posts, {len(set(groups))} {args.group}s "
                            f"(aggregates only)"),
               ("training data", f"`{display_path(args.data)}` train{' + dev' if args.with_dev else ''}, {len(corpus):,} posts"),
               ("base parameters", json.dumps(base) if base else "the classifier's defaults")]
    markdown = render(results, argv, details, args.group)
    publish(markdown, "loso", out=args.out, figures=results, json_path=args.json)
    return 0


def log(message: str) -> None:
    print(f"[loso {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
