"""dialogcls: does an organisation talk with its audience on social media, or only at it?

Example
-------
>>> import dialogcls
>>> prediction = dialogcls.classify("@anna Sorry to hear that! Could you DM us your order number?")
>>> prediction.label, prediction.lang
('dialogue', 'en')

Nothing heavy runs at import: the public names are resolved on first use and the default model is
loaded once, lazily.
"""
from __future__ import annotations

from importlib import import_module
from typing import Any

__version__ = "0.1.0"

_PUBLIC = {
    "classify": "api", "classify_batch": "api", "classify_frame": "api", "load": "api", "train": "api",
    "BatchResult": "api", "Post": "records", "Prediction": "records", "PostBatch": "records",
    "DialogueClassifier": "model", "save": "artifact", "report": "reporting", "AccountReport": "reporting",
    "DialogclsError": "errors", "ArtifactError": "errors", "DialogclsWarning": "errors",
    "load_corpus": "io",
    "sample": "sampling", "write_sample": "sampling", "cohen_kappa": "agreement",
    "krippendorff_alpha": "agreement",
}
__all__ = sorted(_PUBLIC) + ["__version__"]


def __getattr__(name: str) -> Any:
    if name in _PUBLIC:
        value = getattr(import_module(f".{_PUBLIC[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'dialogcls' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
