"""The examples in the docstrings run and show what they say (each module of the installed package)."""
from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import dialogcls

MODULES = sorted(info.name for info in pkgutil.walk_packages(dialogcls.__path__, "dialogcls.")
                 if not info.name.endswith("__main__"))


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, report=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples of {name} fail (run pytest --doctest-modules src/{name.replace('.', '/')}.py)"


def test_the_examples_are_found():
    assert len(MODULES) > 20 and "dialogcls.scoring" in MODULES
    found = sum(len(doctest.DocTestFinder().find(importlib.import_module(name))) for name in MODULES)
    assert found > 100
