"""The non-linear combiner of the accuracy issue, next to the shipped linear model, on real posts.

Issue 9 proposes, beside the rule-anchored logistic regression, "a non-linear combiner
(scikit-learn's ``HistGradientBoostingClassifier`` over the named cues and out-of-fold n-gram
scores) where interactions such as reply x link pay". This builds it from the shipped design's own
parts and scores the real set with the same figures as ``benchmarks/loso.py``:

1. the corpus is cut into ``--folds`` folds (repeats of a post kept together); a
   :class:`dialogcls.model.DialogueClassifier` with the default parameters is fitted on the other
   folds, and each post of a fold gets, with and without its metadata, its named features, what the
   word and the character n-grams add to its score, and its reply shape;
2. the combiner is fitted on those rows (both copies of every post), weighted to the same stratum
   priors as the linear model (``dialogcls.estimator.prior_weights``) and to balanced classes;
3. the real posts get the same columns from the linear model fitted on the whole corpus, and the
   combiner's probability is labelled with the same override bars (4:1, and 2:1 for comparison).

Real posts train nothing here, so scoring them all at once is leave-one-source-out. Only aggregates
are written.

Usage (from the repository root)::

    python benchmarks/combiner.py --out benchmarks/RESULTS.md
"""
from __future__ import annotations

import json
import sys
from typing import Any, Sequence

from _common import (display_path, ensure_dialogcls_importable, posts_of, publish, read_jsonl, read_real_set,
                     real_set_parser, split_path)

#: The combiner's settings: shallow trees, shrinkage and a floor on leaf sizes (the corpus is small).
COMBINER = {"max_iter": 300, "learning_rate": 0.05, "max_leaf_nodes": 7, "min_samples_leaf": 40,
            "l2_regularization": 1.0, "random_state": 0}
#: Override bars: (top-level post dialogue from, reply-shaped post broadcast below).
BARS = {"4:1": (0.8, 0.2), "2:1": (2 / 3, 1 / 3)}


def columns(model: Any, posts: Any) -> Any:
    """Per post: the named features, the word and the character n-gram blocks' part of the score,
    and whether the post is reply-shaped."""
    import numpy as np

    from dialogcls.rules import reply_shaped

    scores = model.block_scores(posts)
    return np.column_stack([scores.named, scores.by_block[1, :, 0], scores.by_block[2, :, 0], reply_shaped(posts)])


def out_of_fold_columns(corpus: Sequence[dict], folds: int) -> tuple[Any, Any]:
    """:func:`columns` of every corpus post with and without its metadata, each from a model that
    did not see the post."""
    import numpy as np
    from sklearn.model_selection import GroupKFold

    from dialogcls.model import DialogueClassifier
    from dialogcls.records import duplicate_groups

    labels = [r["label"] for r in corpus]
    with_meta, text_only = None, None
    splits = GroupKFold(folds).split(np.zeros(len(corpus)), labels, duplicate_groups([r["text"] for r in corpus]))
    for number, (fitted, held) in enumerate(splits, 1):
        rows = [corpus[i] for i in fitted]
        model = DialogueClassifier(n_jobs=-1).fit(posts_of(rows), [r["label"] for r in rows],
                                                  kinds=[r["kind"] for r in rows])
        scored = [corpus[i] for i in held]
        a, b = columns(model, posts_of(scored)), columns(model, posts_of(scored, metadata=False))
        if with_meta is None:
            with_meta, text_only = np.zeros((len(corpus), a.shape[1])), np.zeros((len(corpus), a.shape[1]))
        with_meta[held], text_only[held] = a, b
        print(f"fold {number} of {folds} done", file=sys.stderr, flush=True)
    return with_meta, text_only


def fit_combiner(corpus: Sequence[dict], folds: int) -> Any:
    """The combiner, fitted on the out-of-fold columns of both copies of every corpus post."""
    import numpy as np
    from sklearn.ensemble import HistGradientBoostingClassifier

    from dialogcls.estimator import prior_weights
    from dialogcls.model import DialogueClassifier

    defaults = DialogueClassifier()
    labels = np.array([r["label"] for r in corpus], dtype=object)
    with_meta, text_only = out_of_fold_columns(corpus, folds)
    weight = np.concatenate([prior_weights(posts_of(corpus, metadata=metadata), labels,
                                           top_level_dialogue_share=defaults.top_level_dialogue_share,
                                           reply_shaped_broadcast_share=defaults.reply_shaped_broadcast_share)
                             for metadata in (True, False)])
    y = np.concatenate([labels, labels]) == "dialogue"
    for value in (True, False):  # balanced classes, as the linear model's class_weight
        weight[y == value] *= weight.sum() / (2 * weight[y == value].sum())
    return HistGradientBoostingClassifier(**COMBINER).fit(np.vstack([with_meta, text_only]), y, sample_weight=weight)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = real_set_parser(__doc__, "combiner")
    parser.add_argument("--folds", type=int, default=5, help="folds of the out-of-fold n-gram scores")
    args = parser.parse_args(argv)
    ensure_dialogcls_importable()
    import numpy as np

    from loso import (CONDITIONS, DESIGNS, figures, render, rule_figures, run_design, shipped_design, source_of,
                      train_model)

    from dialogcls.rules import reply_rule, reply_shaped

    real = read_real_set(args.real)
    if real is None:
        return 0
    corpus = read_jsonl(split_path(args.data, "train"))
    groups = [source_of(r) for r in real]
    shipped = shipped_design()
    linear_outputs = run_design(shipped, DESIGNS[shipped], corpus, real, groups, {})
    linear = train_model(corpus, DESIGNS[shipped]["params"], None)  # the fit run_design used
    combiner = fit_combiner(corpus, args.folds)
    shaped_with_metadata = reply_shaped(posts_of(real))
    results: dict[str, dict[str, dict[str, Any]]] = {f"linear ({shipped}, shipped)": {}}
    results.update({f"combiner, {odds}": {} for odds in BARS})
    for condition in CONDITIONS:
        posts = posts_of(real, metadata=condition == "metadata")
        rule, shaped = reply_rule(posts), reply_shaped(posts)
        extra = rule_figures(real, rule, groups, shaped_with_metadata)
        out = linear_outputs[condition]
        results[f"linear ({shipped}, shipped)"][condition] = {
            **figures(real, out["label"], out["p"], rule, groups, shaped_with_metadata), **extra}
        p = combiner.predict_proba(columns(linear, posts))[:, 1]
        for odds, (top, reply) in BARS.items():
            labels = np.where(p >= np.where(shaped, reply, top), "dialogue", "broadcast").astype(object)
            results[f"combiner, {odds}"][condition] = {
                **figures(real, labels, p, rule, groups, shaped_with_metadata), **extra}
    details = [("real set", f"`{display_path(args.real)}`, {len(real):,} posts, {len(set(groups))} sources "
                            "(aggregates only)"),
               ("training data", f"`{display_path(args.data)}` train, {len(corpus):,} posts"),
               ("combiner", f"`HistGradientBoostingClassifier` with {json.dumps(COMBINER)}, over the named "
                            "features, the word and character n-gram scores (out of fold) and the reply shape")]
    markdown = render(results, argv, details, "source", title="Non-linear combiner on real posts",
                      script="combiner.py")
    publish(markdown, "combiner", out=args.out, figures=results, json_path=args.json)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
