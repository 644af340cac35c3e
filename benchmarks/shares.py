"""Per-account dialogue share error on real posts, leave-one-source-out, for each share estimator.

The account report's question is a share per account, so this is the figure its estimator is chosen
by. For every account of the real set with at least ``--min-posts`` posts, the true dialogue share
(from the real labels) is compared with the estimate of

- ``cc`` (classify and count), ``pcc`` (mean calibrated ``p_dialogue``) and ``acc`` (adjusted
  classify and count) of :mod:`dialogcls.quantify`, with the true- and false-positive rates from
  cross-validation on the corpus training data (``dialogcls.training.cross_validate``, as stored in
  a model artifact): real posts never train anything;
- ``acc``, second variant: the rates measured on the *other* real sources (each source's posts
  scored while it was held out), clearly a different use of the real set;
- the reply rule's share (reply-shaped posts / posts).

Each held-out source is scored by the shipped design trained on the corpus, through
``benchmarks/loso.py`` (its functions are imported, not copied). Reported, with metadata and text
only: mean and worst absolute error in points, and how many accounts' 95 % intervals hold the true
share. Only aggregates are written; accounts are numbered, not named.

Usage (from the repository root)::

    python benchmarks/shares.py --out benchmarks/RESULTS.md
    python benchmarks/shares.py --n-features 65536 --cv 3          # quicker
"""
from __future__ import annotations

import json
import sys
import time
from typing import Any, Mapping, Sequence

from _common import (display_path, ensure_dialogcls_importable, header_block, md_table,
                     posts_of, read_jsonl, split_path, publish, read_real_set, real_set_parser)

CONDITIONS = ("metadata", "text only")
SYSTEMS = ("cc", "pcc", "acc", "acc, rates from the other real sources", "reply rule")
GOAL_MEAN, GOAL_WORST = 1.5, 5.0


def account_estimates(truth: Any, labels: Any, p: Any, lang: Any, strata: Any, rule: Any, accounts: Any,
                      rates: Any, other_rates: Mapping[str, Any], sources: Any, *, n_resamples: int) -> dict[str, Any]:
    """Per account: n, true share and every system's estimate and interval (shares in [0, 1])."""
    import numpy as np

    from dialogcls.quantify import estimate, rate_cells

    codes, names = np.unique(accounts, return_inverse=True)[1], sorted(set(accounts.tolist()))
    out: dict[str, Any] = {"accounts": names, "n": np.bincount(codes, minlength=len(names)),
                           "truth": np.bincount(codes, weights=truth, minlength=len(names))
                           / np.bincount(codes, minlength=len(names))}
    dialogue = labels == "dialogue"
    for system in ("cc", "pcc", "acc"):
        cells, cell_names = rate_cells(lang, strata, rates)
        table = estimate(codes, dialogue, p, cells, rates=rates, cell_names=cell_names, estimator=system,
                         n_groups=len(names), n_resamples=n_resamples)
        out[system] = (table[system], table["low"], table["high"])
    # acc with rates from the other real sources: each source's accounts with that source's rates.
    value, low, high = (np.full(len(names), np.nan) for _ in range(3))
    for source, source_rates in other_rates.items():
        members = sources == source
        cells, cell_names = rate_cells(lang[members], strata[members], source_rates)
        table = estimate(codes[members], dialogue[members], p[members], cells, rates=source_rates,
                         cell_names=cell_names, estimator="acc", n_groups=len(names), n_resamples=n_resamples)
        present = np.bincount(codes[members], minlength=len(names)) > 0
        value[present], low[present], high[present] = (table[k][present] for k in ("acc", "low", "high"))
    out["acc, rates from the other real sources"] = (value, low, high)
    share = np.bincount(codes, weights=rule == "dialogue", minlength=len(names)) / out["n"]
    out["reply rule"] = (share, np.full(len(names), np.nan), np.full(len(names), np.nan))
    return out


def summarise(estimates: Mapping[str, Any], min_posts: int) -> dict[str, Any]:
    """Mean and worst absolute error (points) and interval coverage over accounts with enough posts."""
    import numpy as np

    keep = estimates["n"] >= min_posts
    truth = estimates["truth"][keep]
    summary = {}
    for system in SYSTEMS:
        value, low, high = (array[keep] for array in estimates[system])
        error = (value - truth) * 100
        covered = (low - 1e-9 <= truth) & (truth <= high + 1e-9)
        summary[system] = {"mean_abs": float(np.mean(np.abs(error))), "worst_abs": float(np.max(np.abs(error))),
                           "errors": [round(float(e), 2) for e in error],
                           "covered": None if np.isnan(low).all() else int(covered.sum()), "accounts": int(keep.sum())}
    summary["accounts"] = [{"n": int(n), "share": round(float(s) * 100, 1)}
                           for n, s in zip(estimates["n"][keep], truth)]
    return summary


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = real_set_parser(__doc__, "shares")
    parser.add_argument("--min-posts", type=int, default=15, help="accounts with fewer posts are left out")
    parser.add_argument("--cv", type=int, default=5, help="folds of the cross-validated rates (as train)")
    parser.add_argument("--n-features", type=int, default=None, help="hashed buckets per n-gram block")
    parser.add_argument("--n-resamples", type=int, default=1000, help="bootstrap resamples of the intervals")
    args = parser.parse_args(argv)
    ensure_dialogcls_importable()
    import numpy as np

    from loso import DESIGNS, run_design, shipped_design, source_of, train_model

    from dialogcls.api import score
    from dialogcls.quantify import Rates, measure_rates
    from dialogcls.rules import reply_rule, stratum
    from dialogcls.training import cross_validate

    real = read_real_set(args.real)
    if real is None:
        return 0
    started = time.perf_counter()
    corpus = read_jsonl(split_path(args.data, "train"))
    base = {"n_features": args.n_features} if args.n_features else {}
    shipped = shipped_design()
    params = {**base, **DESIGNS[shipped]["params"]}
    log(f"cross-validating on {len(corpus)} corpus posts ({args.cv} folds) for the rates")
    cross = cross_validate(posts_of(corpus), [r["label"] for r in corpus], cv=args.cv, source="train.jsonl",
                           **params)
    log(f"rates ready after {time.perf_counter() - started:.0f} s; leave-one-source-out scoring")
    sources = np.array([source_of(r) for r in real], dtype=object)
    outputs = run_design(shipped, DESIGNS[shipped], corpus, real, list(sources), base)
    model = train_model(corpus, params, None)  # the fit run_design used (the shipped design derives nothing)
    truth = np.array([r["label"] == "dialogue" for r in real], dtype=float)
    accounts = np.array([str(r.get("author")) for r in real], dtype=object)
    results: dict[str, Any] = {}
    for condition in CONDITIONS:
        posts = posts_of(real, metadata=condition == "metadata")
        labels, p = outputs[condition]["label"], outputs[condition]["p"]
        lang = score(posts, model=model).lang
        strata = stratum(posts)
        rates = Rates.from_dict(cross["rates"]["with_metadata" if condition == "metadata" else "text_only"])
        true_labels = np.where(truth == 1, "dialogue", "broadcast").astype(object)
        other_rates = {source: measure_rates(true_labels[others], labels[others], lang[others], strata[others],
                                             source=f"real sources except {source}")
                       for source in sorted(set(sources.tolist())) for others in [sources != source]}
        estimates = account_estimates(truth, labels, p, lang, strata, reply_rule(posts), accounts, rates,
                                      other_rates, sources, n_resamples=args.n_resamples)
        results[condition] = summarise(estimates, args.min_posts)
        results[condition]["rates"] = {cell: rates.tpr_fpr(cell) for cell in rates.counts if cell.startswith("*|")}
        log(f"{condition}: " + ", ".join(f"{s} {results[condition][s]['mean_abs']:.2f}/"
                                         f"{results[condition][s]['worst_abs']:.2f}" for s in SYSTEMS))
    details = [("real set", f"`{display_path(args.real)}`, {len(real):,} posts, {len(set(sources.tolist()))} sources, "
                            f"{results['metadata']['cc']['accounts']} accounts with at least {args.min_posts} posts "
                            "(aggregates only)"),
               ("training data", f"`{display_path(args.data)}` train, {len(corpus):,} posts; rates from "
                                 f"{args.cv}-fold cross-validation on it"),
               ("parameters", json.dumps(params)), ("time", f"{time.perf_counter() - started:.0f} s (machine shared)")]
    markdown = render(results, argv, details)
    publish(markdown, "shares", out=args.out, figures=results, json_path=args.json)
    return 0


def render(results: Mapping[str, Any], argv: Sequence[str], details: Sequence[tuple[str, str]]) -> str:
    lines = ["## Account shares on real posts, leave-one-source-out", ""] + header_block("shares.py", argv, details)
    rows = []
    for system in SYSTEMS:
        row = [system]
        for condition in CONDITIONS:
            entry = results[condition][system]
            row += [f"{entry['mean_abs']:.1f} / {entry['worst_abs']:.1f}",
                    "n/a" if entry["covered"] is None else f"{entry['covered']} / {entry['accounts']}"]
        rows.append(row)
    lines += md_table(["estimate", "metadata: error mean / worst (points)", "95 % interval holds the truth",
                       "text only: error mean / worst", "interval holds the truth"], rows)
    best = min(("cc", "pcc", "acc"), key=lambda s: (results["metadata"][s]["mean_abs"], results["metadata"][s]["worst_abs"]))
    meta = results["metadata"]
    lines += [f"Goal: mean at most {GOAL_MEAN} points and worst at most {GOAL_WORST}. With metadata, the lowest mean "
              f"error of the three estimators that use corpus rates only is `{best}` "
              f"({meta[best]['mean_abs']:.1f} / {meta[best]['worst_abs']:.1f}); "
              f"goal {'met' if meta[best]['mean_abs'] <= GOAL_MEAN and meta[best]['worst_abs'] <= GOAL_WORST else 'not met'}.",
              "",
              "Per account (numbered by size; true share, then the error in points of cc, pcc, acc, acc with the other "
              "sources' rates, the rule), with metadata:", ""]
    order = sorted(range(len(meta["accounts"])), key=lambda i: -meta["accounts"][i]["n"])
    per = [[f"account {rank + 1}", meta["accounts"][i]["n"], f"{meta['accounts'][i]['share']:.1f}",
            *[f"{meta[s]['errors'][i]:+.1f}" for s in SYSTEMS]] for rank, i in enumerate(order)]
    lines += md_table(["account", "posts", "true share (%)", *SYSTEMS], per)
    rates = results["metadata"]["rates"]
    lines += ["Corpus rates (out-of-fold, with metadata; true-positive, false-positive rate): "
              + "; ".join(f"{cell} {tpr:.3f}, {fpr:.3f}" for cell, (tpr, fpr) in rates.items()) + ".", "",
              "Error: estimated minus true dialogue share of an account, in points. Intervals: 95 %, Wilson for cc, "
              "Bayesian bootstrap over posts (and for acc over the rates' binomial uncertainty) for pcc and acc; "
              "the rule has none.", ""]
    return "\n".join(lines)


def log(message: str) -> None:
    print(f"[shares {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
