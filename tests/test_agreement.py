"""Agreement statistics against textbook values, and the confusion rates the account report takes."""
from __future__ import annotations

import numpy as np
import pytest

from dialogcls.agreement import (agreement, agreement_report, cohen_kappa, confusion_by, confusion_by_cell,
                                 confusion_rates, format_agreement, krippendorff_alpha, percent_agreement)
from dialogcls.errors import DialogclsError

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", example A: binary, 2 observers.
EXAMPLE_A = ([0, 1, 0, 0, 0, 0, 0, 0, 1, 0], [1, 1, 1, 0, 0, 1, 0, 0, 0, 0])
# Example C: nominal values 1-5, 4 observers, 12 units, missing values (None).
N = None
EXAMPLE_C = [[1, 2, 3, 3, 2, 1, 4, 1, 2, N, N, N],
             [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, N, 3],
             [N, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, N],
             [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, N]]


def test_krippendorff_alpha_textbook_examples():
    # Example A by hand: coincidences o01 = 4, n0 = 14, n1 = 6, n = 20: 1 - 19 * 4 / (14 * 6).
    assert krippendorff_alpha(EXAMPLE_A) == pytest.approx(1 - 19 * 4 / 84)
    assert round(krippendorff_alpha(EXAMPLE_A), 3) == 0.095
    assert round(krippendorff_alpha(EXAMPLE_C), 3) == 0.743


def test_cohen_kappa_textbook_table_and_scikit_learn():
    # 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no: p_o 0.7, p_e 0.5, kappa 0.4.
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)
    assert percent_agreement(a, b) == pytest.approx(0.7)
    # Example A: p_o 0.6, p_e 0.2 * 0.4 + 0.8 * 0.6 = 0.56.
    assert cohen_kappa(*EXAMPLE_A) == pytest.approx((0.6 - 0.56) / 0.44)
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(3)
    for _ in range(5):
        x = rng.choice(["dialogue", "broadcast"], size=60)
        y = np.where(rng.random(60) < 0.8, x, rng.choice(["dialogue", "broadcast"], size=60))
        assert cohen_kappa(x, y) == pytest.approx(cohen_kappa_score(x, y))


def test_two_coder_fast_path_matches_the_general_alpha():
    rng = np.random.default_rng(0)
    for k in (2, 3, 7):
        x = rng.integers(0, k, size=40)
        y = np.where(rng.random(40) < 0.6, x, rng.integers(0, k, size=40))
        fast = agreement(x.tolist(), y.tolist(), n_resamples=10)["krippendorff_alpha"]["value"]
        assert fast == pytest.approx(krippendorff_alpha([x.tolist(), y.tolist()]), abs=1e-4)


def test_agreement_intervals_hold_the_value_and_are_reproducible():
    rng = np.random.default_rng(1)
    truth = rng.choice(["dialogue", "broadcast"], size=150).tolist()
    model = [t if rng.random() < 0.85 else ("dialogue" if t == "broadcast" else "broadcast") for t in truth]
    result = agreement(truth, model, n_resamples=500, seed=4)
    for name in ("percent_agreement", "cohen_kappa", "krippendorff_alpha"):
        low, high = result[name]["interval"]
        assert low < result[name]["value"] < high
    assert result["cohen_kappa"]["value"] == pytest.approx(cohen_kappa(truth, model), abs=1e-4)
    assert agreement(truth, model, n_resamples=500, seed=4) == result


def test_undefined_statistics_are_none_not_nan():
    result = agreement(["broadcast"] * 10, ["broadcast"] * 10, n_resamples=50)
    assert result["percent_agreement"]["value"] == 1.0
    assert result["cohen_kappa"] == {"value": None, "interval": [None, None]}
    assert result["krippendorff_alpha"]["value"] is None
    assert agreement([], [], n_resamples=10)["n"] == 0
    with pytest.raises(DialogclsError, match="E330"):
        agreement(["dialogue"], [])


def test_confusion_rates_weighted_by_hand():
    truth = ["dialogue", "dialogue", "broadcast", "broadcast"]
    model = ["dialogue", "broadcast", "dialogue", "broadcast"]
    assert confusion_rates(truth, model) == {"tpr": 0.5, "fpr": 0.5, "n_pos": 2, "n_neg": 2}
    # Weights 3 and 1 on the dialogue posts: tpr 3 / 4; Kish's effective n (3 + 1)^2 / (9 + 1) = 1.6.
    assert confusion_rates(truth, model, [3, 1, 1, 1]) == {"tpr": 0.75, "fpr": 0.5, "n_pos": 2, "n_neg": 2}
    assert confusion_rates(["broadcast"], ["broadcast"]) == {"tpr": None, "fpr": 0.0, "n_pos": 0, "n_neg": 1}
    by = confusion_by(truth, model, ["a", "a", "b", None])
    assert set(by) == {"a", "b", "unknown"} and by["a"]["tpr"] == 0.5


def test_confusion_by_cell_uses_the_quantify_cell_names():
    from dialogcls.quantify import cell_name

    table = confusion_by_cell(["dialogue", "broadcast", "dialogue", "broadcast"],
                              ["dialogue", "dialogue", "broadcast", "broadcast"], ["de", "de", "en", "en"],
                              [1, 0, 1, 0])
    assert cell_name("de", 1) in table and cell_name("*", None) in table and cell_name("*", 0) in table
    assert table[cell_name("*", 1)] == {"tpr": 0.5, "fpr": None, "n_pos": 2, "n_neg": 0}
    assert table[cell_name("de", 0)]["fpr"] == 1.0
    assert all(set(entry) == {"tpr", "fpr", "n_pos", "n_neg"} for entry in table.values())


def test_agreement_report_groups_random_part_and_text():
    truth = ["dialogue", "broadcast"] * 15
    model = ["dialogue", "broadcast"] * 14 + ["broadcast", "broadcast"]
    picked = ["random"] * 20 + ["uncertain"] * 10
    report = agreement_report(truth, model, groups={"author": ["a"] * 20 + ["b"] * 10}, picked=picked,
                              min_group_posts=15, n_resamples=100)
    assert report["all"]["n"] == 30 and report["random"]["n"] == 20 and report["uncertain"] == 10
    assert report["random"]["percent_agreement"]["value"] == 1.0
    assert list(report["by_author"]) == ["a"] and report["small_author"] == ["b"]
    assert report["confusion"]["by_author"]["b"]["tpr"] == pytest.approx(0.8)
    text = format_agreement(report)
    assert "Krippendorff's alpha" in text and "drawn at random" in text and "author = a" in text
