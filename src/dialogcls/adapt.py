"""Adapting a model to one's own accounts: retrain it on its corpus plus hand-coded posts.

``python -m dialogcls train --base default --add coded.csv -o mymodel`` (or
``dialogcls.train(base="default", add="coded.csv")``) refits the base model's pipeline, with the
base's own parameters (its ``meta.json``), on the corpus it was trained on plus the coded posts of a
sample sheet (:mod:`dialogcls.sampling`).

**Weighting.** The coded posts together carry a fixed share of the training weight,
:data:`ADDED_SHARE` (a quarter) by default: each coded post weighs
``share / (1 - share) * corpus posts / coded posts``, so 200 coded posts next to the 3,065 corpus
posts weigh about 5 each. A fixed share means the coded posts pull as hard whether there are 50 or
500 of them (more posts spread the pull, so single posts matter less), and the corpus still holds
three quarters of the weight, so that what a sample of one's own accounts lacks (such as the
hard cases of other sectors) is not forgotten. The per-stratum prior weights of the model
(:class:`~dialogcls.model.DialogueClassifier`) apply on top, as for every post.

Coded posts without a ``kind`` get the base model's kind within their coded label, so the kind
model keeps its data. The artifact's card and ``meta.json`` say what was added (rows, labels,
sha256 of the file, the weight), never the texts.

Example
-------
>>> added_weight(n_corpus=3065, n_added=200, share=0.25)
5.1083
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np

from .errors import DialogclsError, DialogclsWarning
from .records import LABELS, PostBatch

#: The share of the total training weight that the added coded posts carry together.
ADDED_SHARE = 0.25


@dataclass
class AdaptedData:
    """The training set of an adapted model: corpus and coded posts, with weights and provenance."""

    posts: PostBatch
    labels: list[str]
    kinds: list[str] | None
    weights: np.ndarray
    params: dict[str, Any]
    n_corpus: int
    base_model: Any = field(repr=False, default=None)
    training: dict[str, Any] = field(default_factory=dict)
    #: Per coded post, how the sample picked it (``random``, ``uncertain``; all ``random`` for a
    #: table that is not a sample sheet).
    picked: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=object))

    @property
    def added(self) -> np.ndarray:
        """Positions of the coded posts (they follow the corpus)."""
        return np.arange(self.n_corpus, len(self.labels))


def added_weight(n_corpus: float, n_added: int, share: float = ADDED_SHARE) -> float:
    """The weight of each added post so that ``n_added`` posts carry ``share`` of the weight next to
    ``n_corpus`` posts of weight 1.

    Example
    -------
    >>> added_weight(100, 50, share=0.5)
    2.0
    """
    if not 0 < share < 1:
        raise DialogclsError("E335", f"the added posts' share of the training weight must be between 0 and 1 "
                                     f"(exclusive), not {share!r}")
    return round(share / (1 - share) * n_corpus / max(n_added, 1), 4)


def base_model(base: Any = "default") -> tuple[Any, str]:
    """The base model and how to name it: ``"default"`` (the shipped model), a model folder, or a
    fitted :class:`~dialogcls.model.DialogueClassifier`."""
    from .api import load

    if base is None or (isinstance(base, str) and base == "default"):
        return load(), "default"
    if isinstance(base, (str, os.PathLike)):
        return load(base), Path(base).name
    if not hasattr(base, "get_params"):
        raise DialogclsError("E334", f"base must be 'default', a model folder or a fitted DialogueClassifier, "
                                     f"not a {type(base).__name__}")
    return base, "a model in memory"


def corpus_source(corpus: Any) -> Any:
    """What to read the corpus from: ``corpus`` itself (a file, a frame, rows), the ``train.jsonl`` of
    a corpus folder, or the checkout's ``data/train.jsonl`` when ``corpus`` is None."""
    from .io import _default_corpus_dir

    if corpus is None:
        folder = _default_corpus_dir()
        if folder is None:
            raise DialogclsError("E474", "the labelled corpus the base model was trained on is not installed with "
                                         "dialogcls (it lives in the repository's data/ folder); pass --corpus PATH "
                                         "(Python: data=PATH), the data/ folder or its train.jsonl")
        return folder / "train.jsonl"
    if isinstance(corpus, (str, os.PathLike)) and Path(corpus).is_dir() and (Path(corpus) / "train.jsonl").is_file():
        return Path(corpus) / "train.jsonl"
    return corpus


def _describe(data: Any, labels: Sequence[str], kinds: Sequence[str] | None = None) -> dict[str, Any]:
    """Name, rows, sha256 and label counts of a data set; never its texts."""
    from .artifact import file_sha256

    is_file = isinstance(data, (str, os.PathLike)) and Path(data).is_file()
    out = {"name": Path(data).name if is_file else "in-memory data", "rows": len(labels),
           "sha256": file_sha256(data) if is_file else None,
           "labels": {label: int(sum(1 for v in labels if v == label)) for label in LABELS}}
    if kinds is not None:
        out["kinds"] = {kind: int(sum(1 for v in kinds if v == kind)) for kind in sorted(set(kinds))}
    return out


def prepare(add: Any, *, base: Any = "default", corpus: Any = None, share: float = ADDED_SHARE,
            fmt: str | None = None, text_column: str = "text", label_column: str = "label",
            kind_column: str | None = "kind", columns: Mapping[str, str] | None = None) -> AdaptedData:
    """Read the base model's corpus and the coded posts ``add`` (a sample sheet or any labelled
    table; uncoded rows of a sheet are left out) and weigh them for training.

    The column options apply to ``add``; the corpus is read with the project's fields.

    Raises
    ------
    DialogclsError
        E474 when the corpus is not found, E336 when the base was itself adapted, E335 for a share
        outside (0, 1), and the coded sheet's errors (:func:`dialogcls.sampling.read_coded`).
    """
    from .io import read_labelled
    from .sampling import read_coded

    model, base_name = base_model(base)
    meta = getattr(model, "meta_", {})
    earlier = (meta.get("training_data") or {}).get("added")
    if earlier:
        raise DialogclsError("E336", f"the base model {base_name} is itself adapted (with {earlier.get('rows')} coded "
                                     f"posts from {earlier.get('name')}); adapting it again would drop those posts. "
                                     "Adapt the model it was built from and pass all coded posts in one file.")
    source = corpus_source(corpus)
    corpus_posts, corpus_labels, corpus_kinds = read_labelled(source)
    corpus_info = _describe(source, corpus_labels)
    trained_on = meta.get("training_data") or {}
    if trained_on.get("sha256") and corpus_info["sha256"] and trained_on["sha256"] != corpus_info["sha256"]:
        warnings.warn(f"[W470] the base model {base_name} was trained on {trained_on.get('name')} (sha256 "
                      f"{trained_on['sha256'][:12]}…), not on {corpus_info['name']} (sha256 "
                      f"{corpus_info['sha256'][:12]}…); the adapted model is trained on the corpus given",
                      DialogclsWarning, stacklevel=2)
    frame, uncoded = read_coded(add, fmt=fmt, label_column=label_column, kind_column=kind_column)
    added_posts, added_labels, _ = read_labelled(frame, text_column=text_column, label_column=label_column,
                                                 kind_column=None, columns=columns)
    added_kinds = _kinds_for(frame, kind_column, added_posts, added_labels, model)
    weight = added_weight(len(corpus_labels), len(added_labels), share)
    posts = PostBatch(**{name: getattr(corpus_posts, name) + getattr(added_posts, name)
                         for name in PostBatch.__dataclass_fields__})
    kinds = corpus_kinds + added_kinds if corpus_kinds is not None and added_kinds is not None else None
    added_info = {**_describe(add, added_labels, added_kinds), "uncoded_rows_left_out": uncoded,
                  "kinds_coded": int(sum(1 for k in _coded_kinds(frame, kind_column) if k)),
                  "weight_per_post": weight, "share_of_weight": share}
    training = {"name": f"{corpus_info['name']} + {added_info['name']}", "rows": len(corpus_labels) + len(added_labels),
                "sha256": corpus_info["sha256"],
                "labels": {label: corpus_info["labels"][label] + added_info["labels"][label] for label in LABELS},
                "corpus": corpus_info, "added": added_info, "base": {"name": base_name,
                                                                     "created": meta.get("created"),
                                                                     "weights_sha256": meta.get("weights_sha256")}}
    params = {k: (tuple(v) if isinstance(v, list) else v) for k, v in model.get_params().items()}
    return AdaptedData(posts, list(corpus_labels) + list(added_labels), kinds,
                       np.concatenate([np.ones(len(corpus_labels)), np.full(len(added_labels), weight)]),
                       params, len(corpus_labels), model, training,
                       np.asarray(frame["picked"].astype(str).tolist() if "picked" in frame.columns
                                  else ["random"] * len(added_labels), dtype=object))


def _kinds_for(frame: Any, kind_column: str | None, posts: PostBatch, labels: Sequence[str],
               model: Any) -> list[str] | None:
    """The coded kinds; where a coder left one empty, the base model's kind within the coded label
    (None when the base model has no kind model)."""
    coded = _coded_kinds(frame, kind_column)
    if all(coded):
        return coded
    if not len(model.kind_classes_):
        return None
    guessed = model.predict_kind(model.block_scores(posts), np.asarray(labels, dtype=object))
    return [kind or str(guess) for kind, guess in zip(coded, guessed)]


def _coded_kinds(frame: Any, kind_column: str | None) -> list[str]:
    """The kind column of coded rows in lower case, empty where not coded."""
    values = frame[kind_column].tolist() if kind_column and kind_column in frame.columns else [""] * len(frame)
    return ["" if k is None or (isinstance(k, float) and k != k) else str(k).strip().lower() for k in values]


def cross_validate_added(data: AdaptedData, params: Mapping[str, Any], *, cv: int | None = None) -> dict[str, Any]:
    """Out-of-fold scores on the coded posts: each fold of them is scored by a model trained on the
    corpus and the other folds (weighted as the final model), next to the base model and the rule.

    Returns the keys of :func:`dialogcls.training.cross_validate` (``folds``, ``macro_f1``,
    ``accuracy``, ``rule_macro_f1`` and the ``rates`` the report's ``acc`` estimator corrects with,
    measured on the coded posts drawn at random) plus ``on`` (what was scored), ``n``, the base
    model's and the rule's scores and the Cohen's kappa of each. When the coded posts are too few
    for two folds with both labels (an account that only broadcasts), the base model's recorded
    cross-validation on its corpus stands instead (recomputed if the base has none).
    """
    from sklearn.model_selection import StratifiedKFold

    from .agreement import cohen_kappa
    from .evaluate import scores
    from .model import DialogueClassifier
    from .quantify import measure_rates
    from .rules import reply_rule, stratum

    added = data.added
    truth = np.asarray(data.labels, dtype=object)[added]
    folds = min(cv or params.get("cv", 5), *(int(np.sum(truth == label)) for label in LABELS))
    if folds < 2:  # no kappa and no folds possible: the corpus figures stand
        from .training import cross_validate

        metrics = getattr(data.base_model, "meta_", {}).get("metrics") or {}
        if metrics.get("cross_validation") and metrics.get("rates"):
            figures = {**metrics["cross_validation"], "rates": metrics["rates"]}
        else:
            figures = cross_validate(data.posts.take(range(data.n_corpus)), data.labels[:data.n_corpus], **params)
            del figures["model"], figures["out_of_fold"]  # the corpus-only model is not the adapted one
        return {**figures, "on": "the base model's corpus (too few coded posts of each label to score them out "
                                 "of fold)", "n": len(added)}
    coded_posts = data.posts.take(added)
    conditions = {"with_metadata": coded_posts, "text_only": coded_posts.without_metadata()}
    predicted = {name: np.empty(len(added), dtype=object) for name in conditions}
    lang = {name: np.empty(len(added), dtype=object) for name in conditions}
    corpus = np.arange(data.n_corpus)
    share = data.training["added"]["share_of_weight"]
    for fit_part, test_part in StratifiedKFold(n_splits=folds, shuffle=True, random_state=0).split(added, truth):
        rows = np.concatenate([corpus, added[fit_part]])
        weights = np.concatenate([np.ones(data.n_corpus),
                                  np.full(len(fit_part), added_weight(data.n_corpus, len(fit_part), share))])
        model = DialogueClassifier(**{**params, "cv": min(params.get("cv", 5), 3)})
        model.fit(data.posts.take(rows), np.asarray(data.labels, dtype=object)[rows], sample_weight=weights)
        for name, condition in conditions.items():
            result = model.batch(condition.take(test_part))
            predicted[name][test_part], lang[name][test_part] = result.label, result.lang
    base = data.base_model.predict(coded_posts)
    rule = reply_rule(coded_posts)
    adapted_scores, base_scores = scores(truth, predicted["with_metadata"]), scores(truth, base)
    rule_scores = scores(truth, rule)
    drawn = data.picked != "uncertain"  # the rates stand for the input: the random part only
    source = f"{folds}-fold cross-validation on the {int(drawn.sum())} coded posts drawn at random"
    rates = {name: measure_rates(truth[drawn], predicted[name][drawn], lang[name][drawn],
                                 stratum(condition.take(np.flatnonzero(drawn))),
                                 source=source + (", text only" if name == "text_only" else "")).to_dict()
             for name, condition in conditions.items()}
    return {"on": "coded posts, out of fold", "n": len(added), "folds": folds,
            "macro_f1": adapted_scores["macro_f1"], "accuracy": adapted_scores["accuracy"],
            "rule_macro_f1": rule_scores["macro_f1"], "base_macro_f1": base_scores["macro_f1"],
            "base_accuracy": base_scores["accuracy"], "rule_accuracy": rule_scores["accuracy"],
            "kappa": _kappa(cohen_kappa(truth, predicted["with_metadata"])),
            "base_kappa": _kappa(cohen_kappa(truth, base)), "rule_kappa": _kappa(cohen_kappa(truth, rule)),
            "rates": rates}


def _kappa(value: float) -> float | None:
    return None if value != value else round(value, 4)


def adapted_card(card: str, training: Mapping[str, Any], cross: Mapping[str, Any]) -> str:
    """The model card of an adapted model: the base card's text with a section on what was added
    (counts, weight, sha256 of the file; never the texts) and how it scores on those posts."""
    added, corpus, base = training["added"], training["corpus"], training["base"]
    labels = ", ".join(f"{v} {k}" for k, v in added["labels"].items())
    section = [
        "## Adapted with hand-coded posts", "",
        f"Retrained from the base model `{base['name']}` (created {base.get('created')}, weights sha256 "
        f"`{str(base.get('weights_sha256'))[:16]}…`) with its parameters, on its corpus `{corpus['name']}` "
        f"({corpus['rows']} posts, sha256 `{corpus['sha256']}`) plus {added['rows']} coded posts ({labels}) from "
        f"`{added['name']}` (sha256 `{added['sha256']}`"
        + (f"; {added['uncoded_rows_left_out']} uncoded rows left out" if added.get("uncoded_rows_left_out") else "")
        + f"). The coded posts carry {added['share_of_weight']:.0%} of the training weight "
        f"({added['weight_per_post']} per post). Their texts are not stored here.", ""]
    if cross.get("on", "").startswith("coded"):
        section += [f"On the coded posts, out of fold ({cross['folds']} folds; each fold scored by a model trained on "
                    f"the corpus and the other folds): macro-F1 {cross['macro_f1']:.3f}, Cohen's kappa "
                    f"{_number(cross['kappa'])} (base model {cross['base_macro_f1']:.3f}, kappa "
                    f"{_number(cross['base_kappa'])}; reply rule {cross['rule_macro_f1']:.3f}). The coded posts "
                    "include those picked where the base model was least sure, so these figures are harder than "
                    "a random sample's.", ""]
    else:
        section += ["Too few coded posts of each label for out-of-fold scores.", ""]
    section += [f"Reproduce: `python -m dialogcls train --base {base['name']} --add {added['name']} "
                "-o DIR` with the same files.", ""]
    lines = [line for line in card.split("\n") if not line.startswith("Reproduce: ")]
    if lines and lines[0].startswith("# "):
        lines[0] = f"# dialogcls model adapted from {base['name']}"
    at = next((i for i, line in enumerate(lines) if line == "## Intended use"), len(lines))
    text = "\n".join(lines[:at] + section + lines[at:])
    if not cross.get("on", "").startswith("coded"):
        return text
    return text.replace("-fold cross-validation on the training data",
                        "-fold cross-validation on the added coded posts")


def _number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


__all__ = ["ADDED_SHARE", "AdaptedData", "added_weight", "base_model", "corpus_source", "prepare",
           "cross_validate_added", "adapted_card"]
