"""The spaCy component ``dialogcls``: ``nlp.add_pipe("dialogcls")`` in any pipeline.

Registered through the package's entry points (``spacy_factories`` in ``pyproject.toml``), so an
installed dialogcls is found by spaCy without being imported first. Importing this module imports
spaCy; ``import dialogcls`` never does.

Per document the component writes, as spaCy's text classifiers do,
``doc.cats = {"dialogue": p, "broadcast": 1 - p}``, and the full prediction as a plain dict
(:meth:`dialogcls.records.Prediction.to_dict`: ``label``, ``p_dialogue``, ``lang``, ``kind``,
``cues``, ``id``) on ``doc._.dialogcls``; plain data, so Docs still serialise (``DocBin``,
``nlp.pipe(n_process=2)``). ``nlp.pipe`` scores each batch of Docs with the vectorised batch path
(:meth:`dialogcls.model.DialogueClassifier.batch`).

The post's metadata (``is_reply``, ``reply_to``, ``author``, ``platform``, ``lang``, ``created_at``,
``id``) comes from ``doc.user_data[field]`` or, when not there, a ``Doc`` extension of that name
(``Doc.set_extension("is_reply", default=None)``). The language is detected from the text unless
given: the pipeline's language (``spacy.blank("de")``) does not set it.

``config={"model_path": "my-model"}`` uses a model folder instead of the default model (the model is
loaded on first use). ``nlp.to_disk`` stores a reference to the default model, or a copy of the
model folder (data only, see :mod:`dialogcls.artifact`); ``spacy.load`` reads it back.

====  ==========================================================================
E230  the component's folder in a saved pipeline lacks or misstates ``dialogcls.json``
====  ==========================================================================

Example
-------
>>> import spacy
>>> nlp = spacy.blank("en")
>>> _ = nlp.add_pipe("dialogcls")
>>> doc = nlp.make_doc("@anna Sorry to hear that! Could you DM us your order number?")
>>> doc.user_data["is_reply"] = True
>>> doc = nlp(doc)
>>> doc._.dialogcls["label"], doc.cats["dialogue"] > 0.9
('dialogue', True)
"""
import json
import shutil
from pathlib import Path
from typing import Any, Iterable, Iterator, List, Optional, Union

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

from .errors import DialogclsError
from .records import METADATA_FIELDS, PostBatch

#: Name of the factory and of the ``Doc`` extension that holds the prediction.
NAME = "dialogcls"
#: The component's file in a saved pipeline, and the folder of a bundled model.
CONFIG_FILE = "dialogcls.json"
MODEL_FOLDER = "model"
#: Where spaCy keeps the value of ``doc._.dialogcls`` (set directly: faster than ``setattr(doc._, …)``).
_EXTENSION_KEY = ("._.", NAME, None, None)


def doc_columns(docs: List[Doc]) -> dict:
    """Posts from Docs as columns: ``text`` and each metadata field some Doc has, from
    ``doc.user_data[field]`` or else a Doc extension of that name.

    Example
    -------
    >>> import spacy
    >>> nlp = spacy.blank("de")
    >>> docs = [nlp("@jan Danke!"), nlp("Neu im Shop")]
    >>> docs[0].user_data["is_reply"] = True
    >>> doc_columns(docs)
    {'text': ['@jan Danke!', 'Neu im Shop'], 'is_reply': [True, None]}
    """
    columns: dict = {"text": [doc.text for doc in docs]}
    for field in METADATA_FIELDS:
        extension = Doc.has_extension(field)
        values = [doc.user_data[field] if field in doc.user_data else getattr(doc._, field) if extension else None
                  for doc in docs]
        if any(value is not None for value in values):
            columns[field] = values
    return columns


def doc_record(doc: Doc) -> dict:
    """One Doc as a post: its text and the metadata it has (see :func:`doc_columns`).

    Example
    -------
    >>> import spacy
    >>> doc = spacy.blank("de")("@jan Danke!")
    >>> doc.user_data["is_reply"] = True
    >>> doc_record(doc)
    {'text': '@jan Danke!', 'is_reply': True}
    """
    return {name: values[0] for name, values in doc_columns([doc]).items()}


class DialogclsComponent:
    """The pipeline component (made by the ``dialogcls`` factory).

    Parameters
    ----------
    nlp : Language
    name : str
    model_path : str or None
        A model folder; None uses the default model (:func:`dialogcls.load`).
    top_cues : int
        Cues kept per post.

    Attributes
    ----------
    model : DialogueClassifier
        The classifier, loaded on first use; assign a fitted one to use it instead (``to_disk`` then
        saves it with the pipeline).
    """

    def __init__(self, nlp: Language, name: str = NAME, *, model_path: Optional[str] = None, top_cues: int = 3) -> None:
        self.name = name
        self.model_path = model_path
        self.top_cues = top_cues
        self._model: Any = None
        self._assigned = False  # a model given in Python, not read from a folder
        if not Doc.has_extension(NAME):
            Doc.set_extension(NAME, default=None)

    @property
    def model(self) -> Any:
        # spaCy probes components with hasattr(component, "model") while it builds a pipeline from
        # its config (before from_disk points model_path at the saved copy): a model that cannot be
        # loaded is then "no attribute", not an error that stops spacy.load.
        try:
            return self._loaded_model()
        except DialogclsError as error:
            raise AttributeError(str(error)) from error

    def _loaded_model(self) -> Any:
        """The classifier, loaded on first use (errors are coded: E2xx for the model folder)."""
        if self._model is None:
            from .api import load

            self._model = load(self.model_path)
        return self._model

    @model.setter
    def model(self, model: Any) -> None:
        model._check_fitted()
        self._model, self._assigned = model, True

    def __call__(self, doc: Doc) -> Doc:
        self._score([doc])
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int = 1000) -> Iterator[Doc]:
        """Score Docs ``batch_size`` at a time with the batch path; yields them in order."""
        for docs in minibatch(stream, size=batch_size):
            self._score(docs)
            yield from docs

    def _score(self, docs: List[Doc]) -> None:
        columns = doc_columns(docs)
        posts = PostBatch.from_columns(columns.pop("text"), **columns)
        result = self._loaded_model().batch(posts, batch_size=max(len(posts), 1), top_cues=self.top_cues)
        for doc, record in zip(docs, result.records(posts.id)):
            doc.cats["dialogue"], doc.cats["broadcast"] = record["p_dialogue"], 1.0 - record["p_dialogue"]
            doc.user_data[_EXTENSION_KEY] = record

    def to_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = ()) -> None:
        """Write ``dialogcls.json`` and, unless the default model is used, the model folder."""
        from .artifact import CARD_FILE, META_FILE, read_meta, save

        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        target = path / MODEL_FOLDER
        if self._assigned:
            save(self._model, target)
        elif self.model_path is not None:
            source = Path(self.model_path)
            meta = read_meta(source)
            target.mkdir(exist_ok=True)
            for name in (META_FILE, meta["weights_file"], CARD_FILE):
                if not (source / name).is_file():
                    continue
                if (target / name).exists() and (target / name).samefile(source / name):
                    continue  # saving the pipeline over the folder it was loaded from
                shutil.copyfile(source / name, target / name)
        bundled = self._assigned or self.model_path is not None
        settings = {"model": "bundled" if bundled else "default", "top_cues": self.top_cues}
        (path / CONFIG_FILE).write_text(json.dumps(settings, indent=2) + "\n", encoding="utf-8")

    def from_disk(self, path: Union[str, Path], *, exclude: Iterable[str] = ()) -> "DialogclsComponent":
        """Read what :meth:`to_disk` wrote; a bundled model is loaded (and checked) now."""
        from .api import load

        path = Path(path)
        try:
            settings = json.loads((path / CONFIG_FILE).read_text(encoding="utf-8"))
            model, top_cues = settings["model"], int(settings.get("top_cues", self.top_cues))
        except (OSError, ValueError, KeyError, TypeError) as error:
            raise DialogclsError("E230", f"{path / CONFIG_FILE} is missing or damaged ({error}); save the pipeline "
                                         "again with nlp.to_disk") from None
        if model not in ("bundled", "default"):
            raise DialogclsError("E230", f"{path / CONFIG_FILE}: model is {model!r}, not 'bundled' or 'default'")
        self.top_cues, self._assigned = top_cues, False
        if model == "bundled":
            self.model_path = str(path / MODEL_FOLDER)
            self._model = load(self.model_path)
        else:
            self.model_path, self._model = None, None
        return self


@Language.factory(NAME, default_config={"model_path": None, "top_cues": 3},
                  assigns=["doc.cats", f"doc._.{NAME}"])
def make_dialogcls(nlp: Language, name: str, model_path: Optional[str], top_cues: int) -> DialogclsComponent:
    """The ``dialogcls`` factory: ``nlp.add_pipe("dialogcls", config={"model_path": ...})``."""
    return DialogclsComponent(nlp, name, model_path=model_path, top_cues=top_cues)


__all__ = ["DialogclsComponent", "make_dialogcls", "doc_record", "doc_columns", "NAME"]
