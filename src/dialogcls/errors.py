"""Errors and warnings with codes, in the manner of spaCy's ``errors.py``.

Every message says what went wrong and what to do. Codes group by step:
E1xx input, E2xx model artifact, E3xx training, E4xx files and the command line.

Example
-------
>>> str(DialogclsError("E201", "model file changed"))
'[E201] model file changed'
"""
from __future__ import annotations


class DialogclsError(ValueError):
    """An error that the caller can act on; ``code`` identifies it."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"[{code}] {message}")

    def __reduce__(self) -> tuple:
        # Pickled as (code, message), so that an error raised in a worker process (Dask, a process
        # pool) arrives intact.
        return type(self), (self.code, self.message)


class ArtifactError(DialogclsError):
    """A model artifact is missing, damaged, or made for another format or feature schema."""


class DialogclsWarning(UserWarning):
    """A condition worth knowing that does not stop the work (such as library version drift)."""


def not_fitted_error(code: str, message: str) -> DialogclsError:
    """A :class:`DialogclsError` that is also scikit-learn's ``NotFittedError`` (as
    ``check_is_fitted`` raises). The class is made on this error path only, so that scoring never
    imports scikit-learn.

    Example
    -------
    >>> not_fitted_error("E307", "not fitted").code
    'E307'
    """
    cls = globals().get("NotFittedDialogclsError")
    if cls is None:
        try:
            from sklearn.exceptions import NotFittedError
        except ImportError:  # pragma: no cover - scikit-learn is a dependency
            return DialogclsError(code, message)
        cls = type("NotFittedDialogclsError", (DialogclsError, NotFittedError),
                   {"__module__": __name__, "__doc__": "E307: the classifier is not fitted."})
        globals()["NotFittedDialogclsError"] = cls
    return cls(code, message)


def __getattr__(name: str) -> type:
    # Lets pickle find the lazily made NotFittedDialogclsError in a fresh process.
    if name == "NotFittedDialogclsError":
        return type(not_fitted_error("E307", ""))
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["DialogclsError", "ArtifactError", "DialogclsWarning", "not_fitted_error"]
