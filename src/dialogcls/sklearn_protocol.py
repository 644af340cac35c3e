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

from typing import Any

from .errors import DialogclsError


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


__all__ = ["TextClassifierProtocol"]
