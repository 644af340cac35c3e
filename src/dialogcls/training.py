"""Training a complete model artifact: fit, cross-validate, evaluate held-out sets, write the card.

``python -m dialogcls train data/train.jsonl -o models/default --eval data/test.jsonl`` is the one
command that reproduces the shipped model.

Example
-------
>>> import tempfile, json, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> rows = [{"text": f"@u{i} Danke für deine Nachricht!", "label": "dialogue"} for i in range(6)]
>>> rows += [{"text": f"Neu im Shop: Modell {i} https://t.co/{i}", "label": "broadcast"} for i in range(6)]
>>> _ = (folder / "train.jsonl").write_text("\\n".join(map(json.dumps, rows)), encoding="utf-8")
>>> result = train_artifact(folder / "train.jsonl", folder / "model", cv=2, n_features=2**10)
>>> (folder / "model" / "meta.json").exists()
True
"""
from __future__ import annotations

import os
import textwrap
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from .artifact import file_sha256, save
from .evaluate import evaluate, scores
from .rules import STRATA, reply_rule
from .io import check_training_data, read_labelled
from .model import DialogueClassifier


def cross_validate(posts: Any, labels: Sequence[str], *, cv: int = 5, kinds: Sequence[str] | None = None,
                   sample_weight: Sequence[float] | None = None, source: str = "the training data",
                   progress: bool | None = None, **params: Any) -> dict[str, Any]:
    """Fit a classifier with ``params`` and give its out-of-fold macro-F1 and accuracy, next to the
    reply rule, and its true- and false-positive rates per language and reply stratum.

    The model is fitted once: every post is scored by the calibration fold model that left it out
    (:meth:`~dialogcls.model.DialogueClassifier.out_of_fold`), with its metadata and without (text
    only), and labelled with the model's Platt parameters and thresholds, which are fitted on those
    same out-of-fold scores (two numbers per stratum). Returns ``folds``, ``macro_f1``,
    ``accuracy``, ``rule_macro_f1``; ``rates``: ``{"with_metadata": ..., "text_only": ...}`` in the
    form of :meth:`dialogcls.quantify.Rates.to_dict` (what the share estimator ``acc`` corrects
    with); ``out_of_fold``: the out-of-fold ``label``, ``p_dialogue`` and ``lang`` arrays per
    condition; and ``model``, the fitted classifier. ``progress`` shows a bar of the fold fits (on
    a terminal or in a notebook when None).

    Example
    -------
    >>> from dialogcls.records import PostBatch
    >>> texts = [f"@u{i} Danke für deine Nachricht!" for i in range(6)] + [f"Neu: Modell {i}" for i in range(6)]
    >>> result = cross_validate(PostBatch.from_columns(texts), ["dialogue"] * 6 + ["broadcast"] * 6, cv=2,
    ...                         n_features=2**10)
    >>> sorted(result["rates"]), result["out_of_fold"]["with_metadata"]["label"].shape
    (['text_only', 'with_metadata'], (12,))
    """
    from tqdm.auto import tqdm

    from .quantify import measure_rates
    from .rules import stratum

    labels = np.asarray(labels, dtype=object)
    model = DialogueClassifier(**{**params, "cv": cv})
    n_fits = (len(STRATA) if model.stratified else 1) * (cv + 1)
    with tqdm(total=n_fits, desc="calibration folds", leave=False,
              disable=None if progress is None else not progress) as bar:  # None: on a terminal or notebook
        model.fit(posts, labels, kinds=kinds, sample_weight=sample_weight, on_fold=bar.update)
    results = model.out_of_fold(posts)
    conditions = {"with_metadata": posts, "text_only": posts.without_metadata()}
    out_of_fold = {name: {key: getattr(result, key) for key in ("label", "p_dialogue", "lang")}
                   for name, result in results.items()}
    model_scores = scores(labels, results["with_metadata"].label)
    rule_scores = scores(labels, reply_rule(posts))
    rates = {name: measure_rates(labels, result.label, result.lang, stratum(conditions[name]),
                                 source=f"{cv}-fold cross-validation on {source}"
                                        + (", text only" if name == "text_only" else "")).to_dict()
             for name, result in results.items()}
    return {"folds": cv, "macro_f1": model_scores["macro_f1"], "accuracy": model_scores["accuracy"],
            "rule_macro_f1": rule_scores["macro_f1"], "rates": rates, "out_of_fold": out_of_fold,
            "model": model}


def cell_dialogue_shares(posts: Any, labels: Sequence[str], *, prior_strength: float = 20.0) -> dict[str, dict[str, float]]:
    """Per cell of :func:`dialogcls.rules.cells`, the dialogue share of labelled posts, smoothed
    towards its stratum's share with ``prior_strength`` pseudo-posts (so that a cell with few posts
    keeps its stratum's share rather than 0 or 1).

    Returns ``{cell: {"n": posts, "dialogue": dialogue posts, "share": smoothed share}}``; the
    shares are what :class:`~dialogcls.model.DialogueClassifier` takes as ``cell_dialogue_shares``.

    Example
    -------
    >>> from dialogcls.records import PostBatch
    >>> table = cell_dialogue_shares(PostBatch.from_columns(["@a Danke!", "Neu", "Neu!", "Was meint ihr?"]),
    ...                              ["dialogue", "broadcast", "broadcast", "dialogue"])
    >>> table["top-level, no question, no link"]["n"], table["top-level, no question, no link"]["dialogue"]
    (2, 0)
    """
    from .rules import CELLS, cells, stratum

    truth = np.asarray(labels, dtype=object) == "dialogue"
    post_cells, strata = cells(posts), stratum(posts)
    table = {}
    for index, name in enumerate(CELLS):
        in_stratum = strata == index // 4
        prior = (truth[in_stratum].sum() + 1) / (in_stratum.sum() + 2)
        members = post_cells == index
        n, dialogue = int(members.sum()), int(truth[members].sum())
        table[name] = {"n": n, "dialogue": dialogue,
                       "share": round(float((dialogue + prior_strength * prior) / (n + prior_strength)), 4)}
    return table


def train_artifact(data: str | os.PathLike | None, output: str | os.PathLike, *, fmt: str | None = None,
                   text_column: str = "text", label_column: str = "label", kind_column: str | None = "kind",
                   columns: Mapping[str, str] | None = None, eval_sets: Sequence[str | os.PathLike] = (),
                   cv: int | None = None, base: Any = None, add: Any = None, add_share: float | None = None,
                   **params: Any) -> dict[str, Any]:
    """Train on ``data``, cross-validate, score ``eval_sets``, and write the artifact to ``output``.

    With ``add`` (coded posts, e.g. a sample sheet), the model ``base`` (``"default"``, a model
    folder) is adapted instead: retrained with its own parameters on ``data`` (its corpus; None for
    the checkout's ``data/train.jsonl``) plus the coded posts, weighted to ``add_share`` of the
    training weight (:mod:`dialogcls.adapt`); ``cv`` folds of the coded posts are scored out of fold.
    The column options then apply to ``add``. ``cv`` defaults to 5 (to the base's for ``add``).

    Returns a summary: rows, cross-validation scores, held-out scores and the artifact path.
    """
    adapted = None
    if add is not None or base is not None:
        from .adapt import ADDED_SHARE, cross_validate_added, prepare
        from .errors import DialogclsError

        if add is None:
            raise DialogclsError("E337", "a base model is retrained only with coded posts to add: pass add= "
                                         "(--add FILE)")
        adapted = prepare(add, base=base if base is not None else "default", corpus=data,
                          share=ADDED_SHARE if add_share is None else add_share, fmt=fmt, text_column=text_column,
                          label_column=label_column, kind_column=kind_column, columns=columns)
        posts, labels, kinds = adapted.posts, adapted.labels, adapted.kinds
        params = {**adapted.params, **params, "cv": adapted.params.get("cv", 5) if cv is None else cv}
        cross = cross_validate_added(adapted, params)
    else:
        posts, labels, kinds = read_labelled(data, text_column=text_column, label_column=label_column,
                                             kind_column=kind_column, columns=columns, fmt=fmt)
        params = {**params, "cv": 5 if cv is None else cv}
        from_file = isinstance(data, (str, os.PathLike))
        check_training_data(labels, params["cv"], str(data) if from_file else "in-memory data")
        source = Path(data).name if from_file else "in-memory data"
        cross = cross_validate(posts, labels, kinds=kinds, source=source, **params)
    rates = cross.pop("rates")
    cross.pop("out_of_fold", None)
    model = cross.pop("model", None) or DialogueClassifier(**params).fit(
        posts, labels, kinds=kinds, sample_weight=None if adapted is None else adapted.weights)
    held_out = {}
    for path in eval_sets:
        eval_posts, eval_labels, _ = read_labelled(path, text_column=text_column, label_column=label_column,
                                                   kind_column=None, columns=columns)
        held_out[Path(path).name] = {
            "with_metadata": _summary(evaluate(eval_posts, eval_labels, model=model)),
            "text_only": _summary(evaluate(eval_posts.without_metadata(), eval_labels, model=model)),
        }
    training = {"name": Path(data).name if isinstance(data, (str, os.PathLike)) else "in-memory data",
                "rows": len(labels),
                "sha256": file_sha256(data) if isinstance(data, (str, os.PathLike)) and Path(data).is_file() else None,
                "labels": {label: int(np.sum(np.asarray(labels) == label)) for label in sorted(set(labels))}}
    if adapted is not None:  # what was added: counts, weight and sha256 of the file, never the texts
        training = adapted.training
    # "rates": what the report's share estimator acc corrects with (dialogcls.quantify).
    metrics = {"cross_validation": cross, "held_out": held_out, "rates": rates}
    card = model_card(training, metrics, {k: v for k, v in model.get_params().items()
                                          if k not in DialogueClassifier.RUNTIME_PARAMS})
    if adapted is not None:
        from .adapt import adapted_card

        card = adapted_card(card, training, cross)
    path = save(model, output, training=training, metrics=metrics, card=card)
    return {"rows": len(labels), "cross_validation": cross, "held_out": held_out, "rates": rates, "path": str(path),
            "training": training}


def _summary(evaluation: Mapping[str, Any]) -> dict[str, Any]:
    """The figures worth keeping in meta.json from an :func:`~dialogcls.evaluate.evaluate` result."""
    return {
        "n": evaluation["model"]["n"],
        "macro_f1": evaluation["model"]["macro_f1"],
        "rule_macro_f1": evaluation["rule"]["macro_f1"],
        "ece": evaluation["ece"],
        "f1": {label: value["f1"] for label, value in evaluation["model"]["per_class"].items()},
        "by_lang": {lang: {"n": pair["model"]["n"], "macro_f1": pair["model"]["macro_f1"],
                           "rule_macro_f1": pair["rule"]["macro_f1"]}
                    for lang, pair in evaluation["by_lang"].items()},
        "top_level_dialogue_f1": evaluation["top_level_dialogue_f1"],
        "reply_shaped_broadcast_f1": evaluation["reply_shaped_broadcast_f1"],
    }


def _rates_lines(rates: Mapping[str, Any] | None) -> list[str]:
    """The card's table of the out-of-fold true- and false-positive rates per stratum (for ``acc``)."""
    if not rates:
        return []
    lines = ["Out-of-fold rates per reply stratum, as the account report's adjusted share estimator (`acc`)",
             "uses them (`metrics.rates` in `meta.json` has them per language too):", "",
             "| input | stratum | dialogue posts | true-positive rate | broadcast posts | false-positive rate |",
             "| --- | --- | --- | --- | --- | --- |"]
    for condition, table in rates.items():
        for cell, entry in table.get("cells", {}).items():
            if cell.startswith("*|"):
                lines.append(f"| {condition.replace('_', ' ')} | {cell[2:].replace('*', 'all posts')} | "
                             f"{entry['tp'] + entry['fn']} | {entry['tpr']} | {entry['fp'] + entry['tn']} | "
                             f"{entry['fpr']} |")
    return lines + [""]


def _model_description(params: Mapping[str, Any]) -> str:
    """The card's paragraph on the model, from the parameters it was trained with."""
    strata = ("Each stratum of `dialogcls.rules` (top-level posts; reply-shaped posts, i.e. replies to another "
              "account or posts that open with an @handle) has its own logistic regression"
              if params.get("stratified") else
              "One logistic regression serves both strata of `dialogcls.rules` (top-level posts; reply-shaped "
              "posts, i.e. replies to another account or posts that open with an @handle)")
    dialogue, broadcast = params.get("top_level_dialogue_share"), params.get("reply_shaped_broadcast_share")
    top = "the training data's own share" if dialogue is None else f"{dialogue:.0%} dialogue"
    reply = "the training data's own share" if broadcast is None else f"{broadcast:.0%} broadcast"
    t, r = params.get("top_level_threshold", 0.5), params.get("reply_shaped_threshold", 0.5)
    odds = lambda p: f"{p / (1 - p):.3g}:1" if 0 < p < 1 else "no odds"  # noqa: E731
    return (f"Rule-anchored: the codebook's structure decides where a decision starts, and the text must bring "
            f"strong evidence to deviate from it. {strata}, over named cue features (questions, address, reply "
            f"metadata, thanks and apologies, invitations to answer, promotion and calls to action, a handle that "
            f"is reported about rather than spoken to …) and hashed word and character n-grams, with Platt "
            f"calibration on out-of-fold scores (the same scores give the cross-validated figures). The kind "
            f"comes from one logistic regression per kind against the other kinds of its label. Training posts "
            f"are weighted to priors per stratum ({top} among top-level posts, {reply} among reply-shaped ones: "
            f"`top_level_dialogue_share`, `reply_shaped_broadcast_share`). Overriding the reply rule takes odds "
            f"of {odds(t)} for a top-level post, which is dialogue from `p_dialogue` {t:g} "
            f"(`top_level_threshold`), and {(1 - r) / r:.3g}:1 for a reply-shaped post, which is broadcast below "
            f"{r:g} (`reply_shaped_threshold`); `p_dialogue` itself stays the calibrated probability. Every post "
            f"is also trained on once without its metadata, so the model serves inputs with and without reply "
            f"flags.")


def model_card(training: Mapping[str, Any], metrics: Mapping[str, Any], params: Mapping[str, Any]) -> str:
    """The model card (Markdown): data, metrics per language, limits and intended use."""
    cross = metrics["cross_validation"]
    lines = [
        "# dialogcls default model",
        "",
        "Classifies posts by organisations' social-media accounts as **dialogue** (talks *with* people:",
        "replies, invitations to answer) or **broadcast** (talks *at* an audience), following the",
        "project's codebook. German and English.",
        "",
        "## Intended use",
        "",
        "Measuring how much of an organisation's social-media output is dialogue, post by post and",
        "account by account (communication research, social-media and customer-service teams).",
        "Not for judging individual people: the unit is an organisation's post.",
        "",
        "## Model",
        "",
        *textwrap.wrap(_model_description(params), 100),
        "",
        "Why the default design: it was chosen by leave-one-source-out evaluation on real posts",
        "(`benchmarks/loso.py`, figures in `benchmarks/RESULTS.md`) among one shared model or one model per",
        "stratum, with stratum priors or with per-cell shares (reply shape x question x link) derived",
        "from the other sources, and override odds of 1:1, 2:1, 4:1 and 9:1. One shared model with",
        "stratum priors fixed more of the rule's errors than one model per stratum, with metadata and",
        "text only, at the same or a higher override precision: the few reply-shaped broadcast posts of",
        "the corpus are too few for a model of their own, and the shared model learns what announces",
        "from all posts. Per-cell shares fixed fewer errors and broke more. A non-linear combiner",
        "(gradient-boosted trees over the named features, the out-of-fold n-gram scores and the reply",
        "shape, `benchmarks/combiner.py`) fixed fewer of the rule's errors at a lower override precision,",
        "with metadata and text only, so the model stays linear. Odds of 2:1 scored a macro-F1",
        "within a few posts of 4:1 but were right less often when they overrode the rule; on",
        "organisations that no evaluation here has seen, overrides are right less often still, so the",
        "higher bar was kept. No named feature counts question marks (codebook rule 6), and links count",
        "in top-level posts only (rule 1): written posts pair a question with an invitation and a",
        "reply's link with promotion far more often than real posts do; without the two features the",
        "model overrode the rule wrongly less often, with the same number of the rule's errors fixed.",
        "A question inside quotation marks reads as a quote or a title (`quoted_question`, rule 6).",
        "The cost: with metadata it scores below the rule on one of the four sources (1 of 60 posts),",
        "and a promotional reply without a call to action (\"@jan Check out our new summer deals!",
        "<link>\") can stay dialogue, where one model per stratum called it broadcast. Real posts never",
        "train the model.",
        "",
        "Parameters: " + ", ".join(f"`{k}={v}`" for k, v in sorted(params.items())) + ".",
        "",
        "## Training data",
        "",
        f"`{training['name']}`: {training['rows']} posts ({', '.join(f'{v} {k}' for k, v in training['labels'].items())}),"
        f" sha256 `{training.get('sha256')}`. See `data/README.md` for how the corpus was written.",
        "",
        "Reproduce: `python -m dialogcls train data/train.jsonl -o models/default --eval data/test.jsonl`.",
        "",
        "## Metrics",
        "",
        f"{cross['folds']}-fold cross-validation on the training data (each post scored by the calibration fold "
        f"model that left it out): macro-F1 {cross['macro_f1']:.3f}, accuracy {cross['accuracy']:.3f} "
        f"(reply rule: macro-F1 {cross['rule_macro_f1']:.3f}).",
        "",
    ]
    for name, result in metrics["held_out"].items():
        lines += [f"Held out, `{name}`:", "",
                  "| input | posts | macro-F1 | rule macro-F1 | F1 dialogue | F1 broadcast | ECE | de macro-F1 | en macro-F1 |",
                  "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
        for variant, summary in result.items():
            by_lang = summary["by_lang"]
            lines.append(
                f"| {variant.replace('_', ' ')} | {summary['n']} | {summary['macro_f1']:.3f} | "
                f"{summary['rule_macro_f1']:.3f} | {summary['f1']['dialogue']:.3f} | {summary['f1']['broadcast']:.3f} | "
                f"{summary['ece']:.3f} | {by_lang.get('de', {}).get('macro_f1', float('nan')):.3f} | "
                f"{by_lang.get('en', {}).get('macro_f1', float('nan')):.3f} |")
        lines.append("")
    lines += [
        *_rates_lines(metrics.get("rates")),
        "Scores on real posts are in `benchmarks/RESULTS.md` (run `python benchmarks/accuracy.py`).",
        "",
        "## Limits",
        "",
        "- Trained on a written corpus (see its card), not on real posts; real posts differ in topics,",
        "  length and habits. Check it on a labelled sample of your own data before relying on it.",
        "- German and English only; other languages are scored with the English cues.",
        "- Top-level posts that invite answers and reply-shaped posts that only announce are the hard",
        "  cases: a teaser question followed by a link is the most frequent confusion.",
        "- Images, videos and the thread a post belongs to are not seen; only the text and metadata.",
        "",
    ]
    return "\n".join(lines)


__all__ = ["train_artifact", "cross_validate", "cell_dialogue_shares", "model_card"]
