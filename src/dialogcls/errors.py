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


__all__ = ["DialogclsError", "ArtifactError", "DialogclsWarning"]
