"""What adapting the model to one's own accounts gains: the curve against the number of coded posts.

For each source of the real set held out in turn (the source is a post id's letter prefix, as in
``loso.py``), and for each number of coded posts (``--sizes``, default 50, 100, 200) and seed
(``--seeds``): ``dialogcls.sampling.sample`` picks that many of the source's posts (a third where
the shipped model is least sure, the rest stratified at random), their real labels and kinds are
revealed as if a coder had filled in the sheet, the shipped model is adapted exactly as
``python -m dialogcls train --base default --add SHEET`` does (``dialogcls.adapt.prepare``: the
corpus plus the coded posts at their share of the training weight, the shipped model's
parameters), and the source is scored, in two protocols (``--protocols``):

- ``rest``: the posts of the source that were not coded, as a user would do it. The sample takes the
  posts the shipped model is least sure of, so the rest is easier than the source and shrinks as
  more are coded; a size is skipped when fewer than ``--min-rest`` posts would be left.
- ``half``: a fixed random half of the source (per seed); the coded posts are sampled from the
  other half, so the same posts, hard ones included, are scored at every size.

The shipped model and the reply rule are scored on the same posts.

Reported, with metadata and text only, averaged over the seeds: macro-F1 and accuracy, the override
table (overrides of the rule, fixes, breaks, override precision) and the per-account dialogue share
error (classify and count; accounts with at least ``--min-account-posts`` posts among the scored
ones), per source and pooled over the sources scored at that size. The adapted models skip the kind
model (it does not change a label) and are not kept. Only aggregates are written; the real set's
texts never leave it.

Usage (from the repository root)::

    python benchmarks/adapt.py --real ../shared/data/real-dev.jsonl --out benchmarks/RESULTS.md
    python benchmarks/adapt.py --sources F --sizes 50 --seeds 1          # a quick look
"""
from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any, Mapping, Sequence

from _common import (SINGLE_THREAD_ENV, display_path, ensure_dialogcls_importable, fmt,
                     header_block, md_table, split_path, publish, read_real_set, real_set_parser)
from loso import source_of

CONDITIONS = ("metadata", "text only")
SYSTEMS = ("adapted", "shipped", "rule")


def log(message: str) -> None:
    print(f"[adapt {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def sheet_input(rows: Sequence[Mapping[str, Any]]) -> Any:
    """The source's posts as a user's file would hold them: text and stream metadata, no labels,
    no kinds and no gold language."""
    import pandas as pd

    keep = ("id", "text", "platform", "is_reply", "reply_to", "author", "created_at")
    return pd.DataFrame([{k: r.get(k) for k in keep} for r in rows])


def code_sheet(sheet: Any, rows: Sequence[Mapping[str, Any]]) -> Any:
    """The sheet as a coder would return it: the real label and kind of each picked row."""
    coded = sheet.copy()
    coded["label"] = [rows[i - 1]["label"] for i in coded["input_row"]]
    coded["kind"] = [rows[i - 1].get("kind") or "" for i in coded["input_row"]]
    return coded


def figures(truth: Any, labels: Any, rule: Any, p: Any, authors: Sequence[Any], min_account_posts: int) -> dict[str, Any]:
    """Macro-F1, accuracy, override table and per-account share error of one system on some posts."""
    import numpy as np

    from dialogcls.evaluate import override_table, scores, share_errors

    s = scores(truth, labels)
    shares = share_errors(truth, labels, np.asarray(p, dtype=float), rule, authors, min_posts=min_account_posts)
    return {"n": s["n"], "macro_f1": s["macro_f1"], "accuracy": s["accuracy"],
            "overrides": override_table(truth, labels, rule),
            "share_error": shares["summary"]["cc"]["mean_abs"] if shares["summary"] else None,
            "accounts": len(shares["groups"])}


def run_one(rows: Sequence[Mapping[str, Any]], n: int, seed: int, *, shipped: Any, corpus: Path, share: float,
            scored: Sequence[Mapping[str, Any]] | None = None) -> dict[str, dict[str, Any]]:
    """Sample ``n`` of ``rows``, code, adapt, and score ``scored`` (default: the rows not picked);
    returns per condition the scored posts' truth, each system's labels and probabilities, and the
    authors."""
    import numpy as np

    from dialogcls.adapt import prepare
    from dialogcls.api import score
    from dialogcls.model import DialogueClassifier
    from dialogcls.records import PostBatch
    from dialogcls.rules import reply_rule
    from dialogcls.sampling import sample

    sheet = code_sheet(sample(sheet_input(rows), n, seed=seed, model=shipped), rows)
    adapted = prepare(sheet, base=shipped, corpus=corpus, share=share)
    model = DialogueClassifier(**adapted.params).fit(adapted.posts, adapted.labels, sample_weight=adapted.weights)
    picked = set((sheet["input_row"] - 1).tolist())
    rest = [r for i, r in enumerate(rows) if i not in picked] if scored is None else list(scored)
    frame = sheet_input(rest)
    out = {}
    for condition in CONDITIONS:
        posts = PostBatch.from_frame(frame)
        if condition == "text only":
            posts = posts.without_metadata()
        adapted_result, shipped_result = score(posts, model=model), score(posts, model=shipped)
        rule = reply_rule(posts)
        out[condition] = {"truth": np.array([r["label"] for r in rest], dtype=object),
                          "authors": [r.get("author") for r in rest],
                          "adapted": (adapted_result.label, adapted_result.p_dialogue),
                          "shipped": (shipped_result.label, shipped_result.p_dialogue),
                          "rule": (rule, (rule == "dialogue").astype(float))}
    return out


def summarise(runs: Sequence[Mapping[str, Any]], min_account_posts: int) -> dict[str, dict[str, Any]]:
    """Per system, the figures of each run (seed) and their mean."""
    import numpy as np

    out: dict[str, dict[str, Any]] = {}
    for system in SYSTEMS:
        per_seed = []
        for run in runs:
            labels, p = run[system]
            per_seed.append(figures(run["truth"], labels, run["rule"][0], p, run["authors"], min_account_posts))

        def mean(key: str, values: Sequence[Any]) -> float | None:
            present = [v for v in values if v is not None]
            return float(np.mean(present)) if present else None

        over = [f["overrides"] for f in per_seed]
        precision = [o["override_precision"] for o in over]
        out[system] = {"n": mean("n", [f["n"] for f in per_seed]),
                       "macro_f1": mean("macro_f1", [f["macro_f1"] for f in per_seed]),
                       "macro_f1_range": [min(f["macro_f1"] for f in per_seed), max(f["macro_f1"] for f in per_seed)],
                       "accuracy": mean("accuracy", [f["accuracy"] for f in per_seed]),
                       "overrides": mean("o", [o["overrides"] for o in over]),
                       "fixes": mean("f", [o["fixes"] for o in over]), "breaks": mean("b", [o["breaks"] for o in over]),
                       # pooled over seeds: all fixes over all overrides
                       "override_precision": (sum(o["fixes"] for o in over) / sum(o["overrides"] for o in over)
                                              if sum(o["overrides"] for o in over) else None),
                       "share_error": mean("s", [f["share_error"] for f in per_seed]),
                       "accounts": per_seed[0]["accounts"], "seeds": len(per_seed),
                       "precision_per_seed": precision}
    return out


def pool(parts: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One run made of several sources' rests (same size and seed)."""
    import numpy as np

    return {"truth": np.concatenate([p["truth"] for p in parts]),
            "authors": [a for p in parts for a in p["authors"]],
            **{system: tuple(np.concatenate([p[system][i] for p in parts]) for i in range(2)) for system in SYSTEMS}}


PROTOCOLS = {
    "rest": ("Code part of a source, score the rest",
             "As a user would: the coded posts come out of the source and the rest of it is scored. The sample "
             "takes the posts the shipped model is least sure of, so the rest is easier than the source, and "
             "it shrinks as more are coded."),
    "half": ("Code from one half of a source, score the other half",
             "A fixed test half per source and seed (drawn at random), the coded posts sampled from the other "
             "half: the same posts are scored at every size, hard cases included, so this is the curve."),
}


def render_protocol(protocol: str, results: Mapping[str, Any]) -> list[str]:
    title, note = PROTOCOLS[protocol]
    lines = [f"### {title}", "", note, ""]
    for condition in CONDITIONS:
        lines += [f"#### {condition.capitalize()}", ""]
        rows = []
        for key in results["order"]:
            entry = results["summary"][condition].get(key)
            if entry is None:
                continue
            source, size = key.split("@")
            a, s, r = entry["adapted"], entry["shipped"], entry["rule"]
            rows.append([source, size, f"{a['n']:.0f}",
                         f"**{fmt(a['macro_f1'])}** [{fmt(a['macro_f1_range'][0])}, {fmt(a['macro_f1_range'][1])}]",
                         fmt(s["macro_f1"]), fmt(r["macro_f1"]),
                         f"{fmt(a['accuracy'])} / {fmt(s['accuracy'])} / {fmt(r['accuracy'])}",
                         f"{a['overrides']:.1f} / {a['fixes']:.1f} / {a['breaks']:.1f}",
                         f"{s['overrides']:.1f} / {s['fixes']:.1f} / {s['breaks']:.1f}",
                         f"{fmt(a['override_precision'], 2)} ({fmt(s['override_precision'], 2)})",
                         (f"{fmt(a['share_error'], 1)} / {fmt(s['share_error'], 1)} / {fmt(r['share_error'], 1)}"
                          f" ({a['accounts']})") if a["share_error"] is not None else "n/a"])
        lines += md_table(["source", "coded", "scored", "macro-F1 adapted [seed range]", "shipped", "rule",
                           "accuracy adapted / shipped / rule", "overrides / fixes / breaks, adapted",
                           "shipped", "override precision adapted (shipped)",
                           "account share error adapted / shipped / rule, points (accounts)"], rows)
    return lines + results["verdicts"] + [""]


def render(by_protocol: Mapping[str, Mapping[str, Any]], argv: Sequence[str], details: Sequence[tuple[str, str]],
           min_account_posts: int) -> str:
    lines = ["## Adapting to one's own accounts", ""] + header_block("adapt.py", argv, details)
    for protocol, results in by_protocol.items():
        lines += render_protocol(protocol, results)
    lines += ["Each row: the scored posts of a source, by the shipped model adapted with the coded posts, by the "
              "shipped model and by the reply rule; means over the seeds (macro-F1 range over seeds in brackets). "
              "*pooled*: every source scored at that size, together. Overrides: posts where the model's label "
              "differs from the rule's; fixes: of those, the model is right; override precision = fixes / "
              "overrides over all seeds. Account share error: mean |estimated - true dialogue share| (classify "
              f"and count) over accounts with at least {min_account_posts} scored posts. Source I holds dialogue "
              "only, so its macro-F1 is at most 0.5 and its accuracy is the figure to read.", ""]
    return "\n".join(lines)


def verdicts(summary: Mapping[str, Mapping[str, Any]], sources: Sequence[str], sizes: Sequence[int]) -> list[str]:
    """For each condition: the sizes at which the shipped model's accuracy is below the rule's on a
    source (accuracy, the README's per-source figure: one source holds one label only) and whether
    the adapted model is above the rule there; else the source where the shipped model comes closest
    to the rule (leaving out sources that both get entirely right)."""
    lines = []
    for condition in CONDITIONS:
        table = summary[condition]
        losing, closest = [], None
        for source in sources:
            for size in sizes:
                entry = table.get(f"{source}@{size}")
                if entry is None:
                    continue
                adapted, shipped, rule = (entry[name]["accuracy"] for name in SYSTEMS)
                if shipped < rule:
                    verdict = "above" if adapted > rule else "level with" if adapted == rule else "below"
                    losing.append(f"{source} at {size} coded (shipped {shipped:.3f}, rule {rule:.3f}; adapted "
                                  f"{adapted:.3f}, {verdict} the rule)")
                elif not (shipped == rule == 1.0) and (closest is None or shipped - rule < closest[1]):
                    closest = (source, shipped - rule, size, adapted - rule)
        if losing:
            lines.append(f"- **{condition}**: the shipped model's accuracy is below the rule's on " + "; ".join(losing)
                         + ".")
        if closest:
            lines.append(f"- **{condition}**: " + ("elsewhere, " if losing else "the shipped model is not below the "
                                                   "rule on any source; ")
                         + f"closest is {closest[0]} at {closest[2]} coded (shipped {closest[1]:+.3f} accuracy "
                         f"against the rule, adapted {closest[3]:+.3f}).")
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = real_set_parser(__doc__, "adapt")
    parser.add_argument("--sizes", default="50,100,200", help="numbers of coded posts, comma-separated")
    parser.add_argument("--seeds", type=int, default=5, help="repetitions (seeds 0, 1, ...) of each sample "
                        "(default 5: about 20 minutes on the shared 2-core machine)")
    parser.add_argument("--sources", help="only these sources, comma-separated (default: all)")
    parser.add_argument("--share", type=float, default=None, help="the coded posts' share of the training weight "
                        "(default: dialogcls.adapt.ADDED_SHARE)")
    parser.add_argument("--protocols", default="rest,half", help="rest (score what is not coded), half (score a "
                        "fixed random half, code from the other), or both (default)")
    parser.add_argument("--min-rest", type=int, default=10, help="fewest posts left to score (default 10)")
    parser.add_argument("--min-account-posts", type=int, default=10,
                        help="accounts with fewer scored posts are left out of the share error (default 10)")
    args = parser.parse_args(argv)
    for name, value in SINGLE_THREAD_ENV.items():  # the machine is shared: one core per fit
        os.environ.setdefault(name, value)
    ensure_dialogcls_importable()
    import numpy as np

    import dialogcls
    from dialogcls.adapt import ADDED_SHARE

    real = read_real_set(args.real)
    if real is None:
        return 0
    started = time.perf_counter()
    corpus = split_path(args.data, "train")
    share = ADDED_SHARE if args.share is None else args.share
    shipped = dialogcls.load()
    by_source: dict[str, list[dict[str, Any]]] = {}
    for row in real:
        by_source.setdefault(source_of(row), []).append(row)
    sources = sorted(args.sources.split(",")) if args.sources else sorted(by_source)
    sizes = [int(s) for s in args.sizes.split(",")]
    by_protocol, fits = {}, 0
    for protocol in args.protocols.split(","):
        runs: dict[str, dict[str, list[Any]]] = {condition: {} for condition in CONDITIONS}
        for source in sources:
            rows = by_source[source]
            for size in sizes:
                available = len(rows) - args.min_rest if protocol == "rest" else len(rows) - (len(rows) + 1) // 2
                if size > available:
                    log(f"{protocol}: {source} has {len(rows)} posts, too few to code {size}; skipped")
                    continue
                for seed in range(args.seeds):
                    t0 = time.perf_counter()
                    if protocol == "rest":
                        result = run_one(rows, size, seed, shipped=shipped, corpus=corpus, share=share)
                    else:
                        order = np.random.default_rng([seed, 7]).permutation(len(rows))
                        test = [rows[i] for i in order[:(len(rows) + 1) // 2]]
                        pool_rows = [rows[i] for i in order[(len(rows) + 1) // 2:]]
                        result = run_one(pool_rows, size, seed, shipped=shipped, corpus=corpus, share=share,
                                         scored=test)
                    fits += 1
                    for condition in CONDITIONS:
                        runs[condition].setdefault(f"{source}@{size}", []).append(result[condition])
                    log(f"{protocol}: {source}, coded {size}, seed {seed}: adapted model in "
                        f"{time.perf_counter() - t0:.0f} s")
        summary: dict[str, dict[str, Any]] = {condition: {} for condition in CONDITIONS}
        order_keys = []
        for size in sizes:
            scored_sources = [s for s in sources if f"{s}@{size}" in runs["metadata"]]
            order_keys += [f"{s}@{size}" for s in scored_sources]
            if len(scored_sources) > 1:
                order_keys.append(f"pooled ({'+'.join(scored_sources)})@{size}")
                for condition in CONDITIONS:
                    runs[condition][order_keys[-1]] = [
                        pool([runs[condition][f"{s}@{size}"][seed] for s in scored_sources])
                        for seed in range(args.seeds)]
        for condition in CONDITIONS:
            for key in order_keys:
                summary[condition][key] = summarise(runs[condition][key], args.min_account_posts)
        by_protocol[protocol] = {"order": order_keys, "summary": summary,
                                 "verdicts": verdicts(summary, sources, sizes)}
    elapsed = time.perf_counter() - started
    details = [("real set", f"`{display_path(args.real)}`, {len(real):,} posts, sources "
                            + ", ".join(f"{s} {len(by_source[s])}" for s in sources) + " (aggregates only)"),
               ("training data", f"`{display_path(corpus)}` plus the coded posts, which carry {share:.0%} of the "
                                 "training weight (`dialogcls.adapt`); the shipped model's parameters"),
               ("sample", "`dialogcls.sample`: a third where the shipped model is least sure, the rest stratified "
                          "at random by account, language and reply shape; labels and kinds revealed from the set"),
               ("run", f"{args.seeds} seeds, {fits} adapted models, {elapsed / 60:.1f} min in all on the shared "
                       "2-core machine (other agents' jobs running)")]
    markdown = render(by_protocol, argv, details, args.min_account_posts)
    publish(markdown, "adapt", out=args.out, figures=by_protocol, json_path=args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
