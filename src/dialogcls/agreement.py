"""Agreement between hand codes and the model: what a study publishes before it trusts a coder.

Two coders (the hand codes and the model), nominal codes:

- :func:`percent_agreement`, :func:`cohen_kappa` and :func:`krippendorff_alpha` (the last for any
  number of coders and missing values, as in Krippendorff's "Computing Krippendorff's
  Alpha-Reliability", 2011);
- :func:`agreement`: the three with percentile bootstrap intervals over posts;
- :func:`confusion_rates`: per stratum the model's true and false positive rates (positive =
  dialogue) on coded posts, weighted by the sample's design weights, as the plain dict
  ``{"tpr", "fpr", "n_pos", "n_neg"}`` that an adjusted classify-and-count takes;
- :func:`agreement_report` / :func:`format_agreement`: all of it per language, per account and per
  reply shape, for ``python -m dialogcls evaluate`` on a coded sample.

Example
-------
>>> a = ["broadcast", "dialogue", "broadcast", "broadcast"]
>>> b = ["broadcast", "dialogue", "dialogue", "broadcast"]
>>> percent_agreement(a, b), round(cohen_kappa(a, b), 3), round(krippendorff_alpha([a, b]), 3)
(0.75, 0.5, 0.533)
"""
from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np

from .errors import DialogclsError
from .records import LABELS

#: The agreement statistics :func:`agreement` reports, in order.
STATISTICS = ("percent_agreement", "cohen_kappa", "krippendorff_alpha")


def _codes(a: Sequence[Any], b: Sequence[Any]) -> tuple[np.ndarray, np.ndarray, int]:
    """Both coders' values as integer codes over their joint categories."""
    a, b = np.asarray(list(a), dtype=object), np.asarray(list(b), dtype=object)
    if len(a) != len(b):
        raise DialogclsError("E330", f"the two coders coded {len(a)} and {len(b)} posts; agreement needs "
                                     "both codes for every post")
    _, inverse = np.unique(np.concatenate([a, b]).astype(str), return_inverse=True)
    inverse = inverse.ravel()
    return inverse[:len(a)], inverse[len(a):], int(inverse.max()) + 1 if len(inverse) else 0


def _tables(a: np.ndarray, b: np.ndarray, k: int, index: np.ndarray) -> np.ndarray:
    """Contingency tables ``(rows of index, k, k)`` of the posts each row of ``index`` picks."""
    cells = a[index] * k + b[index] + (k * k) * np.arange(len(index))[:, None]
    return np.bincount(cells.ravel(), minlength=len(index) * k * k).reshape(len(index), k, k).astype(float)


def _from_tables(tables: np.ndarray) -> dict[str, np.ndarray]:
    """Percent agreement, Cohen's kappa and Krippendorff's alpha (nominal, two coders, no missing
    values) of each contingency table; NaN where a statistic is undefined (one category only)."""
    n = tables.sum(axis=(1, 2))
    agree = np.trace(tables, axis1=1, axis2=2)
    rows, columns = tables.sum(axis=2), tables.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        observed = agree / n
        expected = np.sum(rows * columns, axis=1) / n ** 2
        kappa = np.where(expected < 1, (observed - expected) / (1 - expected), np.nan)
        # Coincidences: each post pairs its two values both ways; 2n pairable values in all.
        pooled = rows + columns
        disagreeing_pairs = 2 * (n - agree)
        expected_pairs = (2 * n) ** 2 - np.sum(pooled ** 2, axis=1)
        alpha = np.where(expected_pairs > 0, 1 - (2 * n - 1) * disagreeing_pairs / expected_pairs, np.nan)
    return {"percent_agreement": observed, "cohen_kappa": kappa, "krippendorff_alpha": alpha}


def percent_agreement(a: Sequence[Any], b: Sequence[Any]) -> float:
    """The share of posts both coders put in the same category.

    Example
    -------
    >>> percent_agreement(["dialogue", "broadcast"], ["dialogue", "dialogue"])
    0.5
    """
    a, b = np.asarray(list(a), dtype=object), np.asarray(list(b), dtype=object)
    return float(np.mean(a == b)) if len(a) else float("nan")


def cohen_kappa(a: Sequence[Any], b: Sequence[Any]) -> float:
    """Cohen's kappa of two coders: ``(p_o - p_e) / (1 - p_e)`` with ``p_e`` from each coder's own
    marginal shares; NaN when both coders used one and the same category only.

    Example
    -------
    Cohen (1960)-style table: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no gives kappa 0.4.

    >>> a = ["yes"] * 25 + ["no"] * 25
    >>> b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    >>> round(cohen_kappa(a, b), 4)
    0.4
    """
    codes_a, codes_b, k = _codes(a, b)
    if not len(codes_a):
        return float("nan")
    return float(_from_tables(_tables(codes_a, codes_b, k, np.arange(len(codes_a))[None]))["cohen_kappa"][0])


def krippendorff_alpha(data: Sequence[Sequence[Any]]) -> float:
    """Krippendorff's alpha for nominal codes: ``1 - D_o / D_e`` from the coincidence matrix.

    ``data`` is the reliability data matrix: one sequence per coder, one value per unit (post);
    None (or NaN) is a missing value. Units with fewer than two values are not pairable and left
    out. NaN when fewer than two pairable values or no variation at all.

    Example
    -------
    Krippendorff (2011), example A: two observers, ten units, binary codes; alpha = 0.095.

    >>> round(krippendorff_alpha([[0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]]), 3)
    0.095
    """
    def missing(value: Any) -> bool:
        return value is None or (isinstance(value, float) and value != value)

    columns = list(zip(*[list(coder) for coder in data])) if len(data) else []
    categories = sorted({str(v) for unit in columns for v in unit if not missing(v)})
    index = {c: i for i, c in enumerate(categories)}
    coincidences = np.zeros((len(categories), len(categories)))
    for unit in columns:
        values = [index[str(v)] for v in unit if not missing(v)]
        if len(values) < 2:
            continue
        counts = np.bincount(values, minlength=len(categories)).astype(float)
        # Every ordered pair of values from different coders, weighted 1 / (m_u - 1).
        coincidences += (np.outer(counts, counts) - np.diag(counts)) / (len(values) - 1)
    n_c = coincidences.sum(axis=1)
    n = n_c.sum()
    observed = coincidences.sum() - np.trace(coincidences)
    expected = n ** 2 - np.sum(n_c ** 2)
    if n < 2 or expected <= 0:
        return float("nan")
    return float(1 - (n - 1) * observed / expected)


def agreement(a: Sequence[Any], b: Sequence[Any], *, n_resamples: int = 2000, level: float = 0.95,
              seed: int = 0) -> dict[str, Any]:
    """Percent agreement, Cohen's kappa and Krippendorff's alpha of two coders with percentile
    bootstrap intervals (posts resampled with replacement).

    Returns ``{"n": posts, statistic: {"value": v, "interval": [low, high]}, ...}``; a value or a
    bound is None where the statistic is undefined (e.g. every post coded alike).

    Example
    -------
    >>> result = agreement(["dialogue", "broadcast"] * 20, ["dialogue", "broadcast"] * 19 + ["dialogue"] * 2,
    ...                    n_resamples=200)
    >>> result["percent_agreement"]["value"], result["cohen_kappa"]["interval"][1]
    (0.975, 1.0)
    """
    codes_a, codes_b, k = _codes(a, b)
    n = len(codes_a)
    out: dict[str, Any] = {"n": n, "n_resamples": n_resamples, "level": level}
    if not n:
        return {**out, **{name: {"value": None, "interval": [None, None]} for name in STATISTICS}}
    point = _from_tables(_tables(codes_a, codes_b, k, np.arange(n)[None]))
    rng = np.random.default_rng(seed)
    resampled: dict[str, list[np.ndarray]] = {name: [] for name in STATISTICS}
    block = max(1, min(n_resamples, 4_000_000 // n))
    for start in range(0, n_resamples, block):
        index = rng.integers(0, n, size=(min(block, n_resamples - start), n))
        for name, values in _from_tables(_tables(codes_a, codes_b, k, index)).items():
            resampled[name].append(values)
    tail = (1 - level) / 2 * 100
    for name in STATISTICS:
        values = np.concatenate(resampled[name]) if resampled[name] else np.empty(0)
        values = values[np.isfinite(values)]
        # An interval only when (nearly) every resample defines the statistic.
        interval = ([_round(v) for v in np.percentile(values, [tail, 100 - tail])]
                    if len(values) >= 0.9 * n_resamples and len(values) else [None, None])
        out[name] = {"value": _round(point[name][0]), "interval": interval}
    return out


def _round(value: float) -> float | None:
    return None if not np.isfinite(value) else round(float(value), 4)


def confusion_rates(truth: Sequence[str], predicted: Sequence[str],
                    weights: Sequence[float] | None = None) -> dict[str, Any]:
    """The model's true and false positive rates (positive = dialogue) on hand-coded posts.

    ``tpr`` is the (weighted) share of coded dialogue posts the model calls dialogue, ``fpr`` the
    share of coded broadcast posts it calls dialogue (None when the stratum has no such post).
    ``weights`` are the sample's design weights (the ``design_weight`` column of a sample sheet), so
    that posts picked where the model is unsure count for themselves only. ``n_pos`` and ``n_neg``
    are the coded dialogue and broadcast posts, as Kish's effective number when the weights differ
    (so that an interval built on them is not too narrow).

    Example
    -------
    >>> confusion_rates(["dialogue", "dialogue", "broadcast", "broadcast"],
    ...                 ["dialogue", "broadcast", "broadcast", "broadcast"])
    {'tpr': 0.5, 'fpr': 0.0, 'n_pos': 2, 'n_neg': 2}
    """
    truth = np.asarray(list(truth), dtype=object) == "dialogue"
    said = np.asarray(list(predicted), dtype=object) == "dialogue"
    weight = np.ones(len(truth)) if weights is None else np.asarray(weights, dtype=float)

    def rate(members: np.ndarray) -> tuple[float | None, int]:
        w = weight[members]
        if not len(w) or w.sum() <= 0:
            return None, 0
        effective = int(round(w.sum() ** 2 / np.sum(w ** 2)))
        return round(float(np.sum(w * said[members]) / w.sum()), 4), effective

    tpr, n_pos = rate(truth)
    fpr, n_neg = rate(~truth)
    return {"tpr": tpr, "fpr": fpr, "n_pos": n_pos, "n_neg": n_neg}


def confusion_by(truth: Sequence[str], predicted: Sequence[str], strata: Sequence[Any],
                 weights: Sequence[float] | None = None) -> dict[str, dict[str, Any]]:
    """:func:`confusion_rates` per value of ``strata`` (e.g. each post's account).

    Example
    -------
    >>> confusion_by(["dialogue", "broadcast"], ["dialogue", "dialogue"], ["a", "b"])["b"]["fpr"]
    1.0
    """
    truth, predicted = np.asarray(list(truth), dtype=object), np.asarray(list(predicted), dtype=object)
    strata = np.asarray(["unknown" if s is None else str(s) for s in strata], dtype=object)
    weight = np.ones(len(truth)) if weights is None else np.asarray(weights, dtype=float)
    return {str(value): confusion_rates(truth[strata == value], predicted[strata == value], weight[strata == value])
            for value in sorted(set(strata.tolist()))}


def confusion_by_cell(truth: Sequence[str], predicted: Sequence[str], lang: Sequence[Any], strata: Sequence[int],
                      weights: Sequence[float] | None = None) -> dict[str, dict[str, Any]]:
    """:func:`confusion_rates` per rate cell of :mod:`dialogcls.quantify`: each language x reply
    stratum (``"de|top-level"``), each stratum over all languages (``"*|reply-shaped"``) and all posts
    (``"*|*"``), named by :func:`dialogcls.quantify.cell_name`.

    Example
    -------
    >>> table = confusion_by_cell(["dialogue", "broadcast", "dialogue"], ["dialogue", "broadcast", "broadcast"],
    ...                           ["de", "de", "en"], [1, 0, 1])
    >>> table["*|reply-shaped"]["tpr"], table["de|top-level"]["fpr"], table["*|*"]["n_neg"]
    (0.5, 0.0, 1)
    """
    from .quantify import ANY, cell_name
    from .rules import STRATA

    truth, predicted = np.asarray(list(truth), dtype=object), np.asarray(list(predicted), dtype=object)
    langs = np.asarray([ANY if v is None else str(v) for v in lang], dtype=object)
    strata = np.asarray(strata, dtype=np.int64)
    weight = np.ones(len(truth)) if weights is None else np.asarray(weights, dtype=float)
    table = {cell_name(ANY, None): confusion_rates(truth, predicted, weight)}
    for index in range(len(STRATA)):
        members = strata == index
        table[cell_name(ANY, index)] = confusion_rates(truth[members], predicted[members], weight[members])
        for value in sorted(set(langs[members].tolist()) - {ANY}):
            both = members & (langs == value)
            table[cell_name(value, index)] = confusion_rates(truth[both], predicted[both], weight[both])
    return table


def agreement_report(truth: Sequence[str], predicted: Sequence[str], *, groups: Mapping[str, Sequence[Any]],
                     weights: Sequence[float] | None = None, picked: Sequence[str] | None = None,
                     kinds: tuple[Sequence[Any], Sequence[Any]] | None = None,
                     cells: tuple[Sequence[Any], Sequence[int]] | None = None, min_group_posts: int = 15,
                     n_resamples: int = 2000) -> dict[str, Any]:
    """Agreement of hand codes (``truth``) with the model (``predicted``), overall, on the randomly
    drawn part of a sample, per value of each of ``groups`` with at least ``min_group_posts`` posts,
    and the confusion rates per stratum (all groups, any size).

    ``picked`` is a sample sheet's ``picked`` column: the posts drawn at random (not ``uncertain``)
    stand for the whole input, so their agreement is the one to publish; all coded posts include
    those picked where the model was least sure. ``kinds`` is ``(coded kinds, model kinds)``: the
    kind agreement is computed on the posts with a coded kind. ``cells`` is ``(languages, strata)``:
    the confusion rates also per rate cell (:func:`confusion_by_cell`, key ``by_cell``).

    Example
    -------
    >>> report = agreement_report(["dialogue", "broadcast"] * 10, ["dialogue", "broadcast"] * 10,
    ...                           groups={"lang": ["de"] * 20}, n_resamples=100)
    >>> report["all"]["cohen_kappa"]["value"], report["confusion"]["all"]["tpr"]
    (1.0, 1.0)
    """
    truth, predicted = np.asarray(list(truth), dtype=object), np.asarray(list(predicted), dtype=object)
    weight = None if weights is None else np.asarray(weights, dtype=float)
    out: dict[str, Any] = {"coders": ["hand codes", "model"], "categories": list(LABELS),
                           "all": agreement(truth, predicted, n_resamples=n_resamples)}
    if picked is not None:
        drawn = np.asarray([p != "uncertain" for p in picked])
        out["random"] = agreement(truth[drawn], predicted[drawn], n_resamples=n_resamples)
        out["uncertain"] = int((~drawn).sum())
    out["min_group_posts"] = min_group_posts
    confusion: dict[str, Any] = {"all": confusion_rates(truth, predicted, weight)}
    for name, values in groups.items():
        values = np.asarray(["unknown" if v is None else str(v) for v in values], dtype=object)
        out[f"by_{name}"] = {str(value): agreement(truth[values == value], predicted[values == value],
                                                   n_resamples=n_resamples)
                             for value in sorted(set(values.tolist())) if np.sum(values == value) >= min_group_posts}
        out[f"small_{name}"] = sorted(str(v) for v in set(values.tolist()) if np.sum(values == v) < min_group_posts)
        confusion[f"by_{name}"] = confusion_by(truth, predicted, values, weight)
    if cells is not None:
        confusion["by_cell"] = confusion_by_cell(truth, predicted, cells[0], cells[1], weight)
    out["confusion"] = confusion
    if kinds is not None:
        coded, model = (np.asarray(["" if k is None else str(k) for k in column], dtype=object) for column in kinds)
        present = (coded != "") & (coded != "nan")
        out["kind"] = agreement(coded[present], model[present], n_resamples=n_resamples)
    return out


def format_agreement(report: Mapping[str, Any]) -> str:
    """A plain-text account of an :func:`agreement_report`, for people.

    Example
    -------
    >>> print(format_agreement(agreement_report(["dialogue", "broadcast"] * 10, ["dialogue", "broadcast"] * 10,
    ...                                         groups={}, n_resamples=50)).splitlines()[1])
      all coded posts (n=20): agreement 100.0% [100.0, 100.0], Cohen's kappa 1.000 [1.000, 1.000], Krippendorff's alpha 1.000 [1.000, 1.000]
    """
    def line(title: str, result: Mapping[str, Any]) -> str:
        def number(value: float | None, percent: bool = False) -> str:
            return "n/a" if value is None else (f"{value * 100:.1f}" if percent else f"{value:.3f}")

        def stat(name: str, label: str, percent: bool = False) -> str:
            low, high = result[name]["interval"]
            return (f"{label} {number(result[name]['value'], percent)}{'%' if percent else ''} "
                    f"[{number(low, percent)}, {number(high, percent)}]")

        return (f"  {title} (n={result['n']}): " + stat("percent_agreement", "agreement", True) + ", "
                + stat("cohen_kappa", "Cohen's kappa") + ", " + stat("krippendorff_alpha", "Krippendorff's alpha"))

    level = report["all"].get("level", 0.95)
    lines = [f"agreement of the hand codes with the model ({level:.0%} bootstrap intervals, "
             f"{report['all'].get('n_resamples', 0)} resamples of posts)", line("all coded posts", report["all"])]
    if "random" in report:
        lines.append(line("drawn at random (stands for the input; publish this one)", report["random"]))
        lines.append(f"  ({report['uncertain']} posts were picked where the model was least sure)")
    if "kind" in report and report["kind"]["n"]:
        lines.append(line("kind, posts with a coded kind", report["kind"]))
    for key in report:
        if key.startswith("by_"):
            name = key[3:]
            for value, result in report[key].items():
                lines.append(line(f"{name} = {value}", result))
            if report.get(f"small_{name}"):
                lines.append(f"  {name} with fewer than {report['min_group_posts']} coded posts, left out: "
                             + ", ".join(report[f"small_{name}"][:12])
                             + (" …" if len(report[f"small_{name}"]) > 12 else ""))
    lines.append("confusion of the model against the hand codes (positive = dialogue; weighted by the "
                 "sample's design weights; n = coded posts, effective number when weighted)")

    def rate(value: float | None) -> str:
        return "  n/a" if value is None else f"{value:.3f}"

    def confusion_line(title: str, c: Mapping[str, Any]) -> str:
        return (f"  {title[:40]:40} true positive rate {rate(c['tpr'])} (n={c['n_pos']}), "
                f"false positive rate {rate(c['fpr'])} (n={c['n_neg']})")

    confusion = report["confusion"]
    lines.append(confusion_line("all", confusion["all"]))
    for key, table in confusion.items():
        if key.startswith("by_"):
            shown = report.get(key)  # groups: those with enough coded posts (all of them in --json)
            for value, c in table.items():
                if shown is None or value in shown:
                    lines.append(confusion_line(f"{key[3:]} = {value}", c))
    return "\n".join(lines)


def evaluate_agreement(posts: Any, labels: Sequence[str], *, model: Any = None, kinds: Sequence[Any] | None = None,
                       weights: Sequence[float] | None = None, picked: Sequence[str] | None = None,
                       min_group_posts: int = 15, n_resamples: int = 2000) -> dict[str, Any]:
    """Score hand-coded ``posts`` with ``model`` (the default model if None) and build the
    :func:`agreement_report` per language (as given or detected), account and reply shape.

    Example
    -------
    >>> from dialogcls.records import PostBatch
    >>> posts = PostBatch.from_columns(["@anna Danke dir!", "Neu im Shop: https://t.co/x"] * 8, author="acme")
    >>> report = evaluate_agreement(posts, ["dialogue", "broadcast"] * 8, n_resamples=100)
    >>> report["all"]["percent_agreement"]["value"], sorted(report["by_author"])
    (1.0, ['acme'])
    """
    from .api import score
    from .rules import STRATA, stratum

    result = score(posts, model=model)
    strata = stratum(posts)
    groups = {"lang": result.lang.tolist(), "author": list(posts.author),
              "reply_shape": [STRATA[s] for s in strata]}
    return agreement_report(labels, result.label, groups=groups, weights=weights, picked=picked,
                            kinds=None if kinds is None else (kinds, result.kind.tolist()),
                            cells=(result.lang.tolist(), strata), min_group_posts=min_group_posts,
                            n_resamples=n_resamples)


def coded_confusion(data: Any, *, by: str = "cell", model: Any = None, fmt: str | None = None,
                    text_column: str = "text", columns: Mapping[str, str] | None = None) -> dict[str, dict[str, Any]]:
    """The model's confusion rates on a coded sample sheet (a path or a frame; see
    :func:`dialogcls.sampling.sample`), weighted by its design weights: per rate cell of
    :mod:`dialogcls.quantify` (``by="cell"``: ``"de|top-level"`` …, ``"*|*"``), or ``"all"`` plus
    one entry per value of a column (``by="author"``). Each entry is the plain dict
    ``{"tpr", "fpr", "n_pos", "n_neg"}`` an adjusted classify-and-count corrects with.

    Example
    -------
    >>> rows = [row for i in range(3) for row in (
    ...     {"text": f"@anna{i} Danke dir!", "author": "acme", "label": "dialogue"},
    ...     {"text": f"Neu im Shop: https://t.co/x{i}", "author": "acme", "label": "broadcast"})]
    >>> coded_confusion(rows, by="author")["acme"]
    {'tpr': 1.0, 'fpr': 0.0, 'n_pos': 3, 'n_neg': 3}
    >>> coded_confusion(rows)["*|reply-shaped"]["n_pos"]
    3
    """
    from .api import score
    from .io import read_labelled
    from .rules import stratum
    from .sampling import read_coded

    frame, _ = read_coded(data, fmt=fmt)
    posts, labels, _ = read_labelled(frame, text_column=text_column, kind_column=None, columns=columns)
    weights = frame["design_weight"].astype(float).tolist() if "design_weight" in frame.columns else None
    result = score(posts, model=model)
    if by == "cell":
        return confusion_by_cell(labels, result.label, result.lang.tolist(), stratum(posts), weights)
    if by in ("author", "platform"):
        values = list(getattr(posts, by))
    elif by == "lang":
        values = result.lang.tolist()
    elif by in frame.columns:
        values = frame[by].tolist()
    else:
        raise DialogclsError("E479", f"no column {by!r} to group the confusion rates by; the columns are "
                                     f"{list(frame.columns)}")
    return {"all": confusion_rates(labels, result.label, weights),
            **confusion_by(labels, result.label, values, weights)}


__all__ = ["percent_agreement", "cohen_kappa", "krippendorff_alpha", "agreement", "confusion_rates", "confusion_by",
           "confusion_by_cell",
           "agreement_report", "format_agreement", "evaluate_agreement", "coded_confusion", "STATISTICS"]
