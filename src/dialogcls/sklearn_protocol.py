"""scikit-learn's estimator protocol for a classifier of texts, by hand: importing dialogcls must not
import scikit-learn, so :class:`~dialogcls.model.DialogueClassifier` does not derive from
``sklearn.base.BaseEstimator`` but from :class:`TextClassifierProtocol`, which gives it what
scikit-learn's tools read (``get_params``/``set_params``, a ``repr`` of the changed parameters and the
estimator tags).

Example
-------
>>> class Tiny(TextClassifierProtocol):
...     _PARAMS = ("C",)
...     def __init__(self, *, C=1.0):
...         self.C = C
>>> Tiny(C=2.0), Tiny().set_params(C=3.0).get_params()
(Tiny(C=2.0), {'C': 3.0})
"""
from __future__ import annotations

import math
from numbers import Integral, Real
from typing import Any, Callable, Mapping

from .errors import DialogclsError

#: A rule takes a parameter's value and returns what is wrong with it, or None.
Rule = Callable[[Any], "str | None"]


def number(low: float, high: float = math.inf, *, integer: bool = False, low_open: bool = False,
           optional: bool = False) -> Rule:
    """A rule for a number in ``[low, high]`` (``(low, high]`` with ``low_open``), an integer with
    ``integer``, or None with ``optional``.

    Example
    -------
    >>> number(0, low_open=True)(0), number(2, integer=True)(5), number(0, 1, optional=True)(None)
    ('a number above 0', None, None)
    """
    def check(value: Any) -> str | None:
        if value is None and optional:
            return None
        kind = Integral if integer else Real
        ok = isinstance(value, kind) and not isinstance(value, bool) and math.isfinite(value) \
            and (value > low if low_open else value >= low) and value <= high
        wanted = "an integer" if integer else "a number"
        bounds = (f"above {_shown(low)}" if low_open else f"of at least {_shown(low)}") + (
            "" if high == math.inf else f" and at most {_shown(high)}")
        return None if ok else f"{wanted} {bounds}" + (" (or None)" if optional else "")
    return check


def _shown(bound: float) -> str:
    return f"{int(bound):,}" if float(bound).is_integer() else f"{bound:g}"


def one_of(*choices: Any) -> Rule:
    """A rule for one of ``choices`` (compared with ``==``, so ``True`` is not ``1``)."""
    def check(value: Any) -> str | None:
        ok = any(value == choice and type(value) is type(choice) for choice in choices)
        return None if ok else "one of " + ", ".join(map(repr, choices))
    return check


def flag(value: Any) -> str | None:
    """A rule for True or False (numpy's booleans too)."""
    return None if isinstance(value, bool) or type(value).__name__ == "bool_" else "True or False"


def check_params(params: Mapping[str, Any], rules: Mapping[str, Rule], *, code: str = "E340") -> None:
    """Raise :class:`~dialogcls.errors.DialogclsError` ``code`` naming the first parameter that
    breaks its rule, and what it should be.

    Example
    -------
    >>> try:
    ...     check_params({"C": 0}, {"C": number(0, low_open=True)})
    ... except DialogclsError as error:
    ...     print(error)
    [E340] C=0 is not usable: it must be a number above 0
    """
    for name, rule in rules.items():
        problem = rule(params.get(name))
        if problem:
            raise DialogclsError(code, f"{name}={params.get(name)!r} is not usable: it must be {problem}")


class TextClassifierProtocol:
    """``get_params``, ``set_params``, ``repr`` and estimator tags for a class that names its
    constructor's keyword parameters in ``_PARAMS`` and stores each under its own name."""

    _PARAMS: tuple[str, ...] = ()
    #: Read by ``sklearn.base.is_classifier`` before scikit-learn 1.6.
    _estimator_type = "classifier"

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self._PARAMS}

    def set_params(self, **params: Any) -> Any:
        for name, value in params.items():
            if name not in self._PARAMS:
                raise DialogclsError("E304", f"unknown parameter {name!r}; the parameters are {list(self._PARAMS)}")
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        default = type(self)()
        changed = {k: v for k, v in self.get_params().items() if v != getattr(default, k)}
        return f"{type(self).__name__}({', '.join(f'{k}={v!r}' for k, v in changed.items())})"

    def __sklearn_tags__(self) -> Any:
        """Tags for scikit-learn >= 1.6: a binary classifier of texts (a list of posts, a 2-D array of
        one text column, or a DataFrame with ``text`` and metadata columns), fitted with labels."""
        from sklearn.utils import ClassifierTags, InputTags, Tags, TargetTags

        return Tags(estimator_type="classifier", target_tags=TargetTags(required=True),
                    classifier_tags=ClassifierTags(multi_class=False),
                    input_tags=InputTags(one_d_array=True, two_d_array=True, string=True))

    def _more_tags(self) -> dict[str, Any]:
        """The same tags for scikit-learn < 1.6."""
        return {"binary_only": True, "requires_y": True, "X_types": ["1darray", "2darray", "string"]}


__all__ = ["TextClassifierProtocol", "check_params", "flag", "number", "one_of"]
