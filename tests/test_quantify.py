"""Tests for the share estimators (dialogcls.quantify) on synthetic data where the truth is known,
and for the rates that cross-validation stores in a model artifact."""
from __future__ import annotations

import json

import numpy as np
import pytest

from dialogcls.errors import DialogclsError
from dialogcls.quantify import (MIN_CLASS_POSTS, Rates, default_estimator, estimate, measure_rates, rate_cells,
                                wilson_interval)

TOP, REPLY = 0, 1


def simulate(shares, n_posts, tpr, fpr, rng):
    """Posts of groups with known dialogue shares, labelled by a classifier with rates tpr / fpr."""
    groups = np.repeat(np.arange(len(shares)), n_posts)
    truth = rng.random(len(groups)) < np.repeat(shares, n_posts)
    labelled = np.where(truth, rng.random(len(groups)) < tpr, rng.random(len(groups)) < fpr)
    return groups, truth, labelled


def exact_rates(tpr, fpr, n=100_000):
    """Rates measured on so many posts that their uncertainty is negligible."""
    tp, fp = round(tpr * n), round(fpr * n)
    return Rates({"*|top-level": (tp, n - tp, fp, n - fp), "*|*": (tp, n - tp, fp, n - fp)}, source="known")


def test_acc_recovers_known_shares_where_cc_is_biased():
    rng = np.random.default_rng(1)
    shares = np.array([0.02, 0.1, 0.3, 0.6, 0.9])
    groups, truth, labelled = simulate(shares, 20_000, tpr=0.7, fpr=0.05, rng=rng)
    cells, names = rate_cells(["en"] * len(groups), np.zeros(len(groups), dtype=int), exact_rates(0.7, 0.05))
    table = estimate(groups, labelled, None, cells, rates=exact_rates(0.7, 0.05), cell_names=names,
                     estimator="acc", n_resamples=200)
    assert names == ["*|top-level"]
    np.testing.assert_allclose(table["acc"], shares, atol=0.01)
    # Classify and count is off by fpr * (1 - s) - (1 - tpr) * s: up to 18 points here.
    assert np.max(np.abs(table["cc"] - shares)) > 0.15
    assert np.all((table["low"] <= shares + 0.01) & (shares - 0.01 <= table["high"]))


def test_acc_adjusts_each_stratum_with_its_own_rates():
    rng = np.random.default_rng(2)
    n = 25_000
    strata = np.repeat([TOP, TOP, TOP, TOP, REPLY], n)  # 4 top-level posts to 1 reply-shaped
    truth = rng.random(5 * n) < np.where(strata == TOP, 0.1, 0.9)  # true share 0.26
    tpr, fpr = np.where(strata == TOP, 0.6, 0.99), np.where(strata == TOP, 0.01, 0.4)
    labelled = np.where(truth, rng.random(5 * n) < tpr, rng.random(5 * n) < fpr)
    counts = {"*|top-level": (60_000, 40_000, 1_000, 99_000), "*|reply-shaped": (99_000, 1_000, 40_000, 60_000),
              "*|*": (159_000, 41_000, 41_000, 159_000)}
    rates = Rates(counts, source="known")
    cells, names = rate_cells([None] * (5 * n), strata, rates)
    table = estimate(np.zeros(5 * n, dtype=int), labelled, None, cells, rates=rates, cell_names=names,
                     estimator="acc", n_resamples=100)
    assert table["acc"][0] == pytest.approx(truth.mean(), abs=0.01)
    # One pooled rate for all posts cannot do this: the strata's errors differ in direction.
    pooled_cells, pooled_names = rate_cells([None] * (5 * n), strata, Rates({"*|*": counts["*|*"]}))
    pooled = estimate(np.zeros(5 * n, dtype=int), labelled, None, pooled_cells, rates=Rates({"*|*": counts["*|*"]}),
                      cell_names=pooled_names, estimator="acc", n_resamples=100)
    assert abs(pooled["acc"][0] - truth.mean()) > 0.1


def test_acc_intervals_cover_the_truth_with_uncertain_rates():
    """With rates measured on only 150 posts of each label, 95 % intervals still hold the truth for
    about 95 % of groups: the rates' uncertainty is part of the interval."""
    rng = np.random.default_rng(3)
    shares = rng.uniform(0.05, 0.6, size=200)
    tpr, fpr = 0.75, 0.06
    covered = widths = 0.0
    for repeat in range(5):
        tp, fp = rng.binomial(150, tpr), rng.binomial(150, fpr)
        rates = Rates({"*|*": (tp, 150 - tp, fp, 150 - fp)}, source="small sample")
        groups, truth, labelled = simulate(shares, 300, tpr, fpr, rng)
        table = estimate(groups, labelled, None, np.zeros(len(groups), dtype=int), rates=rates,
                         cell_names=["*|*"], estimator="acc", n_resamples=400, seed=repeat)
        true_share = np.bincount(groups, weights=truth) / 300
        covered += np.mean((table["low"] <= true_share) & (true_share <= table["high"]))
        widths += np.mean(table["high"] - table["low"])
    assert 0.88 <= covered / 5 <= 0.995
    # Narrower intervals that ignore the rates' uncertainty would cover clearly less.
    assert widths / 5 > 0.1


def test_pcc_is_the_mean_probability_and_cc_the_labelled_share():
    groups = np.array([0, 0, 0, 1, 1])
    labelled = np.array([True, False, False, True, True])
    p = np.array([0.9, 0.2, 0.1, 0.8, 0.6])
    table = estimate(groups, labelled, p, np.zeros(5, dtype=int), rates=None, estimator="pcc", n_resamples=300)
    np.testing.assert_allclose(table["pcc"], [0.4, 0.7])
    np.testing.assert_allclose(table["cc"], [1 / 3, 1.0])
    assert np.all(table["low"] <= table["pcc"]) and np.all(table["pcc"] <= table["high"])
    assert np.isnan(table["acc"]).all()
    cc = estimate(groups, labelled, p, np.zeros(5, dtype=int), rates=None, estimator="cc")
    low, high = wilson_interval([1, 2], [3, 2])
    np.testing.assert_allclose(cc["low"], low) and np.testing.assert_allclose(cc["high"], high)


def test_pcc_recovers_a_calibrated_share():
    rng = np.random.default_rng(4)
    p = rng.beta(1, 4, size=50_000)  # calibrated: each post is dialogue with its probability
    truth = rng.random(len(p)) < p
    table = estimate(np.zeros(len(p), dtype=int), p >= 0.5, p, np.zeros(len(p), dtype=int), rates=None,
                     estimator="pcc", n_resamples=200)
    assert table["pcc"][0] == pytest.approx(truth.mean(), abs=0.01)
    assert table["low"][0] <= truth.mean() + 0.005 and truth.mean() - 0.005 <= table["high"][0]


def test_acc_interval_of_a_group_without_dialogue_labels_is_not_a_point():
    rates = Rates({"*|*": (70, 30, 5, 95)}, source="x")
    table = estimate(np.zeros(30, dtype=int), np.zeros(30, dtype=bool), None, np.zeros(30, dtype=int),
                     rates=rates, cell_names=["*|*"], estimator="acc", n_resamples=500)
    assert table["acc"][0] == 0.0 and table["high"][0] > 0.02


def test_weak_separation_keeps_the_labelled_share():
    rates = Rates({"*|*": (50, 50, 45, 55)}, source="x")  # tpr 0.5, fpr 0.45: no information
    table = estimate(np.zeros(10, dtype=int), np.arange(10) < 3, None, np.zeros(10, dtype=int),
                     rates=rates, cell_names=["*|*"], estimator="acc", n_resamples=50)
    assert table["acc"][0] == pytest.approx(0.3)


def test_empty_groups_are_nan():
    table = estimate(np.array([1, 1]), np.array([True, False]), np.array([0.9, 0.1]), np.zeros(2, dtype=int),
                     rates=None, estimator="pcc", n_groups=3, n_resamples=50)
    assert np.isnan(table["pcc"][[0, 2]]).all() and np.isnan(table["low"][[0, 2]]).all()
    assert table["pcc"][1] == pytest.approx(0.5)


def test_measure_rates_and_the_cell_fallbacks():
    n = MIN_CLASS_POSTS
    truth = ["dialogue"] * n + ["broadcast"] * n + ["dialogue", "broadcast"]
    predicted = ["dialogue"] * (n - 2) + ["broadcast"] * 2 + ["broadcast"] * n + ["dialogue", "dialogue"]
    lang = ["de"] * (2 * n) + ["en", "en"]
    rates = measure_rates(truth, predicted, lang, [0] * (2 * n + 2), source="test")
    assert rates.counts["de|top-level"] == (n - 2, 2, 0, n)
    assert rates.counts["en|top-level"] == (1, 0, 1, 0)
    # de has enough posts of each label; en does not and borrows its stratum's pooled rates.
    assert rates.lookup("de", 0) == "de|top-level"
    assert rates.lookup("en", 0) == "*|top-level"
    assert rates.lookup("fr", 1) == "*|*"  # no reply-shaped posts: all posts' rates
    cells, names = rate_cells(["de", "en", None], [0, 0, 0], rates)
    assert [names[c] for c in cells] == ["de|top-level", "*|top-level", "*|top-level"]


def test_rates_round_trip_and_malformed_rates():
    rates = Rates({"*|*": (1, 2, 3, 4)}, source="cv")
    data = json.loads(json.dumps(rates.to_dict()))
    assert data["cells"]["*|*"]["tpr"] == pytest.approx(1 / 3, abs=1e-4)
    assert Rates.from_dict(data) == rates
    with pytest.raises(DialogclsError, match="E452"):
        Rates.from_dict({"cells": {"*|*": {"tp": 1}}})
    with pytest.raises(DialogclsError, match="E450"):
        estimate(np.zeros(1, dtype=int), np.zeros(1, dtype=bool), None, np.zeros(1, dtype=int), rates=None,
                 estimator="median")


def test_estimators_need_their_inputs():
    with pytest.raises(DialogclsError, match="E454"):
        estimate(np.zeros(2, dtype=int), np.zeros(2, dtype=bool), None, np.zeros(2, dtype=int), rates=None,
                 estimator="pcc")
    with pytest.raises(DialogclsError, match="E455"):
        estimate(np.zeros(2, dtype=int), np.zeros(2, dtype=bool), None, np.zeros(2, dtype=int), rates=None,
                 estimator="acc")


def test_default_estimator_is_the_measured_one():
    assert default_estimator(reply_metadata=True) == "cc"
    assert default_estimator(reply_metadata=False) == "acc"
    assert default_estimator(reply_metadata=True, hand_coded=True) == "acc"


def test_cross_validation_rates_are_stored_in_the_artifact(tmp_path):
    from dialogcls.training import train_artifact

    rows = [{"text": f"@u{i} Danke für deine Nachricht, wir kümmern uns!", "label": "dialogue"} for i in range(12)]
    rows += [{"text": f"Was meint ihr zu Modell {i}? Schreibt es uns!", "label": "dialogue"} for i in range(12)]
    rows += [{"text": f"Neu im Shop: Modell {i} https://t.co/{i}", "label": "broadcast"} for i in range(24)]
    data = tmp_path / "train.jsonl"
    data.write_text("\n".join(map(json.dumps, rows)), encoding="utf-8")
    result = train_artifact(data, tmp_path / "model", cv=2, n_features=2**10)
    meta = json.loads((tmp_path / "model" / "meta.json").read_text(encoding="utf-8"))
    stored = meta["metrics"]["rates"]
    assert set(stored) == {"with_metadata", "text_only"} and result["rates"] == stored
    rates = Rates.from_dict(stored["with_metadata"])
    tp, fn, fp, tn = rates.counts["*|*"]
    assert (tp + fn, fp + tn) == (24, 24)  # every post scored once, out of fold
    assert rates.counts["*|reply-shaped"][0] + rates.counts["*|reply-shaped"][1] == 12
    assert "2-fold cross-validation on train.jsonl" in rates.source
    assert "out_of_fold" not in meta["metrics"]["cross_validation"]
    assert "Out-of-fold rates per reply stratum" in (tmp_path / "model" / "README.md").read_text(encoding="utf-8")
