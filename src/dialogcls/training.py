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
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from .artifact import file_sha256, save
from .evaluate import evaluate, reply_rule, scores
from .io import read_labelled
from .model import DialogueClassifier


def cross_validate(posts: Any, labels: Sequence[str], kinds: Sequence[str] | None, *, cv: int = 5,
                   **params: Any) -> dict[str, Any]:
    """Out-of-fold macro-F1 and accuracy of a classifier with ``params``, next to the reply rule."""
    from sklearn.model_selection import StratifiedKFold

    labels = np.asarray(labels, dtype=object)
    predicted = np.empty(len(labels), dtype=object)
    for train_index, test_index in StratifiedKFold(n_splits=cv, shuffle=True, random_state=0).split(
            np.zeros(len(labels)), labels):
        model = DialogueClassifier(**{**params, "cv": min(params.get("cv", 5), 3)})
        model.fit(posts.take(train_index), labels[train_index],
                  kinds=None if kinds is None else [kinds[i] for i in train_index])
        predicted[test_index] = model.predict(posts.take(test_index))
    model_scores, rule_scores = scores(labels, predicted), scores(labels, reply_rule(posts))
    return {"folds": cv, "macro_f1": model_scores["macro_f1"], "accuracy": model_scores["accuracy"],
            "rule_macro_f1": rule_scores["macro_f1"]}


def train_artifact(data: str | os.PathLike, output: str | os.PathLike, *, fmt: str | None = None,
                   text_column: str = "text", label_column: str = "label", kind_column: str | None = "kind",
                   columns: Mapping[str, str] | None = None, eval_sets: Sequence[str | os.PathLike] = (),
                   cv: int = 5, **params: Any) -> dict[str, Any]:
    """Train on ``data``, cross-validate, score ``eval_sets``, and write the artifact to ``output``.

    Returns a summary: rows, cross-validation scores, held-out scores and the artifact path.
    """
    posts, labels, kinds = read_labelled(data, text_column=text_column, label_column=label_column,
                                         kind_column=kind_column, columns=columns, fmt=fmt)
    params = {**params, "cv": cv}
    cross = cross_validate(posts, labels, kinds, **params)
    model = DialogueClassifier(**params).fit(posts, labels, kinds=kinds)
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
    metrics = {"cross_validation": cross, "held_out": held_out}
    path = save(model, output, training=training, metrics=metrics,
                card=model_card(training, metrics, model.get_params()))
    return {"rows": len(labels), "cross_validation": cross, "held_out": held_out, "path": str(path)}


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
        "A logistic regression over named cue features (questions, address, reply metadata, thanks and",
        "apologies, invitations, promotion and calls to action …) and hashed word and character",
        "n-grams, with sigmoid calibration (cross-validated) and a second logistic regression for the",
        "kind. Trained on every post twice, once without its metadata, so it serves inputs with and",
        "without reply flags. The written corpus holds far more hard cases than real streams, so",
        "training posts are weighted to realistic priors: 10 % dialogue among top-level posts and 5 %",
        "broadcast among reply-shaped ones (parameters `top_level_dialogue_share`,",
        "`reply_shaped_broadcast_share`).",
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
        f"{cross['folds']}-fold cross-validation on the training data: macro-F1 {cross['macro_f1']:.3f}, "
        f"accuracy {cross['accuracy']:.3f} (reply rule: macro-F1 {cross['rule_macro_f1']:.3f}).",
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


__all__ = ["train_artifact", "cross_validate", "model_card"]
