"""``benchmarks/loso.py`` finds the shipped design from the classifier's defaults, so that the benchmarks
that score "the shipped model" (``benchmarks/shares.py``) score the design the default model is."""
from __future__ import annotations

from pathlib import Path

import pytest

from dialogcls.model import DialogueClassifier

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture
def loso(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import loso as module

    return module


def test_the_shipped_design_has_the_classifiers_default_parameters(loso):
    name = loso.shipped_design()
    defaults = DialogueClassifier().get_params()
    assert name == "shared-priors-4to1"  # the design the model card names
    assert all(defaults[key] == value for key, value in loso.DESIGNS[name]["params"].items())


def test_defaults_that_no_design_has_are_refused_not_guessed(loso, monkeypatch):
    monkeypatch.setattr(loso, "DESIGNS", {name: design for name, design in loso.DESIGNS.items()
                                          if name != "shared-priors-4to1"})
    with pytest.raises(LookupError):
        loso.shipped_design()
