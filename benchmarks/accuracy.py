"""Accuracy of dialogcls next to the reply rule and a TF-IDF + logistic-regression pipeline.

Evaluated on the corpus' test split and, when present, on a real set given by path (``--real``;
only aggregate numbers are ever written, never a text). Five systems:

- dialogcls with the metadata a stream carries (is_reply, reply_to, author, platform), and text only;
- the reply rule "a reply or a leading @handle is dialogue" (reply = is_reply true and, when both are
  known, reply_to != author), and its text-only form (leading @handle only);
- TF-IDF over word 1-2 grams + logistic regression, fitted on the train split
  (C chosen on the dev split); it reads text only, so it is the same in both conditions.

Reported: macro-F1, F1 per class, macro-F1 per language (de, en), recall per kind, the dialogue F1 on
top-level posts (is_reply not true and no leading @handle), the broadcast F1 on reply-shaped posts
(is_reply true or a leading @handle), the expected calibration error of p_dialogue (10 equal-width
bins), a reliability diagram (``--plot``), the targets on the real set (PASS/MISS), and counts of
misclassified posts by kind x reply shape.

Usage (from the repository root)::

    python benchmarks/accuracy.py --out benchmarks/RESULTS.md
"""
from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

from _common import (BENCH_DIR, DEFAULT_DATA, DEFAULT_REAL, LABELS, describe_model, display_path,
                     ensure_dialogcls_importable, fmt, header_block, md_table, metadata_columns, read_jsonl,
                     reply_rule, reply_shaped, resolve_model, split_path, tfidf_pipeline, publish,
                     verdict)

#: Targets on the real set: (metric key, condition, comparison, threshold, description).
TARGETS = (
    ("macro_f1", "dialogcls (metadata)", ">=", 0.975, "macro-F1 with metadata"),
    ("macro_f1", "dialogcls (text only)", ">=", 0.96, "macro-F1 text only"),
    ("toplevel_dialogue_f1", "dialogcls (metadata)", ">=", 0.70, "dialogue F1 on top-level posts"),
    ("replyshaped_broadcast_f1", "dialogcls (metadata)", ">=", 0.60, "broadcast F1 on reply-shaped posts"),
    ("ece", "dialogcls (metadata)", "<", 0.05, "expected calibration error (10 bins)"),
)
SYSTEMS = ("dialogcls (metadata)", "dialogcls (text only)", "reply rule (metadata)",
           "reply rule (text only)", "TF-IDF + LR (text only)")
BINS = 10
C_GRID = (0.5, 2.0, 8.0, 32.0)
KIND_ORDER = ("reply", "invite", "promo", "news", "event", "notice", "recruiting", "share", "other")


# -- metrics ----------------------------------------------------------------------------------------
def class_f1(truth: Sequence[str], predicted: Sequence[str], label: str) -> float | None:
    """F1 of one class; None when the class is neither in the truth nor predicted."""
    tp = sum(t == label and p == label for t, p in zip(truth, predicted))
    fp = sum(t != label and p == label for t, p in zip(truth, predicted))
    fn = sum(t == label and p != label for t, p in zip(truth, predicted))
    return None if tp + fp + fn == 0 else 2 * tp / (2 * tp + fp + fn)


def macro_f1(truth: Sequence[str], predicted: Sequence[str]) -> float | None:
    """Mean of the two classes' F1; None for an empty set."""
    if not truth:
        return None
    return sum(class_f1(truth, predicted, label) or 0.0 for label in LABELS) / len(LABELS)


def reliability(truth: Sequence[str], p_dialogue: Sequence[float], bins: int = BINS) -> list[tuple[float, float, int]]:
    """Per equal-width bin of p_dialogue: (mean p_dialogue, share of dialogue, count); empty bins skipped."""
    grouped: list[list[tuple[float, bool]]] = [[] for _ in range(bins)]
    for t, p in zip(truth, p_dialogue):
        grouped[min(int(p * bins), bins - 1)].append((p, t == "dialogue"))
    return [(sum(p for p, _ in g) / len(g), sum(d for _, d in g) / len(g), len(g)) for g in grouped if g]


def expected_calibration_error(truth: Sequence[str], p_dialogue: Sequence[float], bins: int = BINS) -> float:
    """Sum over bins of (share of posts in the bin) x |share of dialogue - mean p_dialogue|."""
    n = len(truth)
    return sum(count / n * abs(observed - mean_p) for mean_p, observed, count in reliability(truth, p_dialogue, bins))


@dataclass
class Scores:
    """The figures of one system on one set."""

    macro_f1: float | None
    f1: dict[str, float | None]
    lang_macro_f1: dict[str, tuple[float | None, int]]
    kind_recall: dict[str, tuple[float, int]]
    toplevel_dialogue_f1: float | None
    replyshaped_broadcast_f1: float | None
    ece: float | None
    misses: dict[tuple[str, bool], int]


def score(rows: Sequence[Mapping[str, Any]], predicted: Sequence[str], p_dialogue: Sequence[float] | None,
          shaped: Sequence[bool]) -> Scores:
    """Every figure of one system on one set of labelled rows."""
    truth = [r["label"] for r in rows]

    def subset(keep: Sequence[bool]) -> tuple[list[str], list[str]]:
        return ([t for t, k in zip(truth, keep) if k], [p for p, k in zip(predicted, keep) if k])

    lang = {}
    for code in ("de", "en"):
        t, p = subset([r.get("lang") == code for r in rows])
        lang[code] = (macro_f1(t, p), len(t))
    kinds = {}
    for kind in sorted({r["kind"] for r in rows}, key=kind_rank):
        t, p = subset([r["kind"] == kind for r in rows])
        kinds[kind] = (sum(a == b for a, b in zip(t, p)) / len(t), len(t))
    misses: dict[tuple[str, bool], int] = {}
    for row, guess, is_shaped in zip(rows, predicted, shaped):
        if guess != row["label"]:
            misses[row["kind"], is_shaped] = misses.get((row["kind"], is_shaped), 0) + 1
    return Scores(
        macro_f1=macro_f1(truth, predicted),
        f1={label: class_f1(truth, predicted, label) for label in LABELS},
        lang_macro_f1=lang,
        kind_recall=kinds,
        toplevel_dialogue_f1=class_f1(*subset([not s for s in shaped]), "dialogue"),
        replyshaped_broadcast_f1=class_f1(*subset(shaped), "broadcast"),
        ece=expected_calibration_error(truth, p_dialogue) if p_dialogue is not None else None,
        misses=misses)


def kind_rank(kind: str) -> tuple[int, str]:
    return (KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER), kind)


# -- the systems ------------------------------------------------------------------------------------
def fit_baseline(train: Sequence[Mapping[str, Any]], dev: Sequence[Mapping[str, Any]]) -> tuple[Any, float, float | None]:
    """The TF-IDF + LR pipeline fitted on ``train``, with C chosen by macro-F1 on ``dev`` (8 without dev).

    Returns the pipeline, C and the dev macro-F1 of that C.
    """
    texts, labels = [r["text"] for r in train], [r["label"] for r in train]
    if not dev:
        return tfidf_pipeline(8.0).fit(texts, labels), 8.0, None
    best = None
    for C in C_GRID:
        pipeline = tfidf_pipeline(C).fit(texts, labels)
        f1 = macro_f1([r["label"] for r in dev], list(pipeline.predict([r["text"] for r in dev])))
        if best is None or f1 > best[2]:
            best = (pipeline, C, f1)
    return best


@dataclass
class SetResult:
    """All systems on one labelled set."""

    name: str
    n: int
    dialogue_share: float
    shaped_share: float
    scores: dict[str, Scores]
    curves: dict[str, list[tuple[float, float, int]]] = field(default_factory=dict)
    ece: dict[str, float] = field(default_factory=dict)


def evaluate_set(name: str, rows: Sequence[Mapping[str, Any]], model: Any, baseline: Any) -> SetResult:
    """Run the five systems on ``rows`` and score them."""
    import dialogcls

    texts = [r["text"] for r in rows]
    with_meta = dialogcls.classify_batch(texts, model=model, **metadata_columns(rows))
    text_only = dialogcls.classify_batch(texts, model=model)
    dialogue_column = list(baseline.classes_).index("dialogue")
    p_baseline = baseline.predict_proba(texts)[:, dialogue_column]
    outputs = {
        "dialogcls (metadata)": (list(with_meta.label), list(with_meta.p_dialogue)),
        "dialogcls (text only)": (list(text_only.label), list(text_only.p_dialogue)),
        "reply rule (metadata)": (reply_rule(rows, metadata=True), None),
        "reply rule (text only)": (reply_rule(rows, metadata=False), None),
        "TF-IDF + LR (text only)": (["dialogue" if p >= 0.5 else "broadcast" for p in p_baseline],
                                    list(p_baseline)),
    }
    shaped = reply_shaped(rows)
    truth = [r["label"] for r in rows]
    result = SetResult(name, len(rows), truth.count("dialogue") / len(rows), sum(shaped) / len(rows),
                       {system: score(rows, labels, p, shaped) for system, (labels, p) in outputs.items()})
    for system, (_, p) in outputs.items():
        if p is not None:
            result.curves[system] = reliability(truth, p)
    return result


# -- output -----------------------------------------------------------------------------------------
def plot_reliability(results: Sequence[SetResult], path: Path) -> None:
    """Reliability diagrams (one panel per set) with the count of posts per bin underneath."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, len(results), figsize=(5.2 * len(results), 6.4), squeeze=False,
                             gridspec_kw={"height_ratios": [3, 1]}, sharex=True)
    styles = {"dialogcls (metadata)": ("tab:blue", "o-"), "dialogcls (text only)": ("tab:cyan", "s--"),
              "TF-IDF + LR (text only)": ("tab:orange", "^:")}
    width = 1 / BINS
    for column, result in enumerate(results):
        top, bottom = axes[0][column], axes[1][column]
        top.plot([0, 1], [0, 1], color="0.6", lw=1, label="perfect calibration")
        for offset, (system, (colour, style)) in enumerate(styles.items()):
            curve = result.curves.get(system)
            if not curve:
                continue
            ece = result.scores[system].ece
            top.plot([c[0] for c in curve], [c[1] for c in curve], style, color=colour, ms=4,
                     label=f"{system}, ECE {ece:.3f}")
            centres = [(min(int(c[0] * BINS), BINS - 1) + 0.5) * width for c in curve]
            bottom.bar([x + (offset - 1) * width / 3.5 for x in centres], [c[2] for c in curve],
                       width=width / 3.5, color=colour)
        top.set(title=f"{result.name} (n={result.n:,})", ylabel="share of dialogue", xlim=(0, 1), ylim=(0, 1))
        top.legend(loc="upper left", fontsize=8)
        bottom.set(xlabel="p_dialogue (10 equal-width bins)", ylabel="posts", yscale="log", ylim=(0.5, None))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def render(results: Sequence[SetResult], argv: Sequence[str], details: Sequence[tuple[str, str]],
           skipped_real: str | None, plot: Path | None) -> str:
    """The Markdown accuracy section."""
    lines = ["## Accuracy", ""] + header_block("accuracy.py", argv, details)
    real = next((r for r in results if r.name == "real set"), None)
    lines += ["### Targets (real set)", ""]
    if real is None:
        lines += [f"Not judged: {skipped_real}", ""]
    else:
        rows = []
        for key, system, op, threshold, description in TARGETS:
            value = getattr(real.scores[system], key)
            ok = None if value is None else (value >= threshold if op == ">=" else value < threshold)
            rows.append([f"{description} {op} {threshold}", system, fmt(value), verdict(ok)])
        lines += md_table(["target", "system", "measured", "verdict"], rows)
    for result in results:
        lines += set_section(result)
    if plot is not None:
        lines += [f"Reliability diagram: `{display_path(plot)}` (p_dialogue in 10 equal-width bins against the "
                  "observed share of dialogue; bars: posts per bin).", "", f"![reliability]({plot.name})", ""]
    lines += ["### Definitions", "",
              "- *metadata*: is_reply, reply_to, author and platform as given with each post; *text only*: "
              "the text alone (for the rule: a leading @handle only). The gold `lang` is never passed.",
              "- *reply-shaped*: is_reply true or a leading @handle; *top-level*: the rest. The subsets are "
              "fixed from each post's metadata and text, the same for every system and condition.",
              "- Macro-F1 is the mean of the two classes' F1; per language, over the posts labelled de or en.",
              "- ECE: the sum over 10 equal-width bins of p_dialogue of (share of posts) x |share of "
              "dialogue - mean p_dialogue|.", ""]
    return "\n".join(lines)


def set_section(result: SetResult) -> list[str]:
    """Tables of one set: overall figures, recall per kind, misses by kind x reply shape."""
    lines = [f"### {result.name.capitalize()} (n={result.n:,}; {result.dialogue_share:.0%} dialogue, "
             f"{result.shaped_share:.0%} reply-shaped)", ""]
    first = result.scores[SYSTEMS[0]]
    n_de, n_en = first.lang_macro_f1["de"][1], first.lang_macro_f1["en"][1]
    rows = [[system, fmt(s.macro_f1), fmt(s.f1["broadcast"]), fmt(s.f1["dialogue"]),
             fmt(s.lang_macro_f1["de"][0]), fmt(s.lang_macro_f1["en"][0]), fmt(s.toplevel_dialogue_f1),
             fmt(s.replyshaped_broadcast_f1), fmt(s.ece)] for system, s in result.scores.items()]
    lines += md_table(["system", "macro-F1", "F1 broadcast", "F1 dialogue", f"macro-F1 de (n={n_de})",
                       f"macro-F1 en (n={n_en})", "dialogue F1, top-level", "broadcast F1, reply-shaped",
                       "ECE"], rows)
    kinds = list(first.kind_recall)
    lines += ["Recall per kind (share of the kind's posts given the right label):", ""]
    lines += md_table(["system", *[f"{k} (n={first.kind_recall[k][1]})" for k in kinds]],
                      [[system, *[fmt(s.kind_recall[k][0]) for k in kinds]] for system, s in result.scores.items()])
    shown = ("dialogcls (metadata)", "dialogcls (text only)", "reply rule (metadata)", "TF-IDF + LR (text only)")
    lines += ["Misclassified posts by kind and reply shape (counts; RS = reply-shaped, TL = top-level):", ""]
    rows = []
    for kind in kinds:
        cells = []
        for system in shown:
            misses = result.scores[system].misses
            cells.append(f"{misses.get((kind, True), 0)} / {misses.get((kind, False), 0)}")
        rows.append([kind, *cells])
    totals = [f"{sum(v for (k, s), v in result.scores[system].misses.items() if s)} / "
              f"{sum(v for (k, s), v in result.scores[system].misses.items() if not s)}" for system in shown]
    rows.append(["**all**", *totals])
    lines += md_table(["kind", *[f"{s}: RS / TL" for s in shown]], rows)
    return lines


# -- main -------------------------------------------------------------------------------------------
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="model directory (default: $DIALOGCLS_MODEL or models/default)")
    parser.add_argument("--data", default=str(DEFAULT_DATA),
                        help="folder with train.jsonl, dev.jsonl (optional) and test.jsonl (default: data/)")
    parser.add_argument("--real", default=str(DEFAULT_REAL),
                        help="real labelled posts (JSON Lines); skipped with a message when absent "
                             "(default: ../shared/data/real-dev.jsonl)")
    parser.add_argument("--no-real", action="store_true", help="do not evaluate on the real set")
    parser.add_argument("--plot", default=str(BENCH_DIR / "reliability.png"),
                        help="where the reliability diagram goes (default: benchmarks/reliability.png)")
    parser.add_argument("--out", help="update the accuracy section of this Markdown file (e.g. benchmarks/RESULTS.md)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    ensure_dialogcls_importable()
    import dialogcls

    model_dir = resolve_model(args.model)
    model = dialogcls.load(model_dir)
    train, test = read_jsonl(split_path(args.data, "train")), read_jsonl(split_path(args.data, "test"))
    dev_path = Path(args.data) / "dev.jsonl"
    dev = read_jsonl(dev_path) if dev_path.is_file() else []

    log(f"fitting the TF-IDF + LR baseline on {len(train):,} posts")
    baseline, C, dev_f1 = fit_baseline(train, dev)
    sets = [("test split", test)]
    skipped_real = None
    real_path = Path(args.real)
    if args.no_real:
        skipped_real = "the real set was left out (--no-real)."
    elif not real_path.is_file():
        skipped_real = f"no real set at {args.real}; skipped."
        log(skipped_real)
    else:
        sets.append(("real set", read_jsonl(real_path)))
    results = []
    for name, rows in sets:
        log(f"evaluating on the {name} ({len(rows):,} posts)")
        results.append(evaluate_set(name, rows, model, baseline))

    plot = Path(args.plot) if args.plot else None
    if plot is not None:
        plot_reliability(results, plot)
        log(f"wrote {plot}")
    details = [("model", describe_model(model_dir)),
               ("data", f"`{display_path(args.data)}`: train {len(train):,}, dev {len(dev):,}, test {len(test):,} posts"),
               ("real set", f"`{display_path(real_path)}`, {len(sets[1][1]):,} posts (aggregates only)"
                if len(sets) > 1 else skipped_real),
               ("TF-IDF + LR", f"word 1-2 grams, sublinear tf, balanced liblinear LR, C={C:g}"
                + (f" (best dev macro-F1 {dev_f1:.3f} of C in {list(C_GRID)})" if dev_f1 is not None else ""))]
    markdown = render(results, argv, details, skipped_real, plot)
    publish(markdown, "accuracy", out=args.out)
    return 0


def log(message: str) -> None:
    print(f"[accuracy {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
