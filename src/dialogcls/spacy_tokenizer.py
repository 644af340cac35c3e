"""The social tokenizer as a spaCy tokenizer, and spaCy pipelines built on it.

:mod:`dialogcls.prep` tokenises for the classifier without spaCy; this module gives the same tokens
to spaCy: :class:`SocialTokenizer` (registered as ``dialogcls.SocialTokenizer.v1`` through the
``spacy_tokenizers`` entry point), :func:`make_nlp` (a ``spacy.blank`` pipeline with lookup lemmas,
or an installed trained one; never downloaded) and :class:`DocMaker` (Docs per language with bounded
memory). spaCy is imported when a pipeline or a Doc is made, not when this module is.

====  ==========================================================================
E231  a saved pipeline's tokenizer data names another tokenizer or is damaged
====  ==========================================================================

Example
-------
>>> [t.lemma_ for t in make_nlp("en")("We thanked you")]
['We', 'thank', 'you']
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Mapping

from .errors import DialogclsError
from .prep import LANGUAGES, TOKEN_PATTERN

if TYPE_CHECKING:  # pragma: no cover
    import spacy


class SocialTokenizer:
    """The regex tokenizer as a spaCy tokenizer: ``nlp.tokenizer = SocialTokenizer(nlp.vocab)``.

    Example
    -------
    >>> import spacy
    >>> nlp = spacy.blank("de")
    >>> nlp.tokenizer = SocialTokenizer(nlp.vocab)
    >>> [t.text for t in nlp("@anna Danke 🙏 /je")]
    ['@anna', 'Danke', '🙏', '/je']
    """

    def __init__(self, vocab: "spacy.vocab.Vocab") -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> "spacy.tokens.Doc":
        from spacy.tokens import Doc

        words: list[str] = []
        spaces: list[bool] = []
        position = 0
        for match in TOKEN_PATTERN.finditer(text):
            self._add_gap(text[position:match.start()], words, spaces)
            words.append(match.group())
            spaces.append(False)
            position = match.end()
        self._add_gap(text[position:], words, spaces)
        return Doc(self.vocab, words=words, spaces=spaces)

    @staticmethod
    def _add_gap(gap: str, words: list[str], spaces: list[bool]) -> None:
        """Whitespace between tokens, the way spaCy keeps it: one space on the token, the rest as tokens."""
        if not gap:
            return
        if words and gap[0] == " ":
            spaces[-1] = True
            gap = gap[1:]
        if gap:
            words.append(gap)
            spaces.append(False)

    def pipe(self, texts: Iterable[str], batch_size: int = 1000) -> Iterable["spacy.tokens.Doc"]:
        for text in texts:
            yield self(text)

    # The tokenizer has no state beyond the compiled pattern: what it writes names its version, so
    # that ``nlp.to_disk`` / ``spacy.load`` round-trip a pipeline that uses it.
    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:
        return json.dumps({"tokenizer": SOCIAL_TOKENIZER}).encode("utf-8")

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()) -> "SocialTokenizer":
        _check_tokenizer_data(data)
        return self

    def to_disk(self, path: str | os.PathLike, *, exclude: Iterable[str] = ()) -> None:
        Path(path).write_bytes(self.to_bytes())

    def from_disk(self, path: str | os.PathLike, *, exclude: Iterable[str] = ()) -> "SocialTokenizer":
        return self.from_bytes(Path(path).read_bytes())


#: The name under which spaCy finds the tokenizer (the ``spacy_tokenizers`` entry point).
SOCIAL_TOKENIZER = "dialogcls.SocialTokenizer.v1"


def create_social_tokenizer() -> "Callable[[spacy.language.Language], SocialTokenizer]":
    """The registered tokenizer factory: ``[nlp.tokenizer] @tokenizers = "dialogcls.SocialTokenizer.v1"``
    in a pipeline's config (spaCy finds it through the package's entry points, without importing
    dialogcls first)."""
    def make(nlp: "spacy.language.Language") -> SocialTokenizer:
        return SocialTokenizer(nlp.vocab)

    return make


def _check_tokenizer_data(data: bytes) -> None:
    try:
        name = json.loads(data.decode("utf-8")).get("tokenizer")
    except (UnicodeDecodeError, ValueError, AttributeError):
        name = None
    if name != SOCIAL_TOKENIZER:
        raise DialogclsError("E231", f"the tokenizer data names {name!r}, not {SOCIAL_TOKENIZER!r}: the pipeline "
                                     "folder was written by another tokenizer or is damaged; rebuild it with "
                                     "dialogcls.spacy_tokenizer.make_nlp")


def make_nlp(lang: str, *, pipeline: str | None = None) -> "spacy.language.Language":
    """A spaCy pipeline for ``lang`` with the social tokenizer and lookup lemmas.

    ``pipeline`` names an installed trained pipeline (such as ``"de_core_news_sm"``) to use instead
    of ``spacy.blank(lang)``; it is never required and never downloaded.

    Example
    -------
    >>> nlp = make_nlp("en")
    >>> [t.lemma_ for t in nlp("We thanked you")]
    ['We', 'thank', 'you']
    """
    import spacy

    if pipeline is not None:
        nlp = spacy.load(pipeline)
        nlp.tokenizer = SocialTokenizer(nlp.vocab)
    else:
        nlp = spacy.blank(lang, config={"nlp": {"tokenizer": {"@tokenizers": SOCIAL_TOKENIZER}}})
        nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
        nlp.initialize()
    return nlp


class DocMaker:
    """Turn posts into spaCy ``Doc`` objects per language with bounded memory.

    spaCy's ``StringStore`` keeps every string it has seen; a stream with fresh handles and links in
    every post would grow it without limit. ``DocMaker`` rebuilds its pipelines once they hold more
    than ``max_strings`` strings.

    Example
    -------
    >>> maker = DocMaker(max_strings=50_000)
    >>> doc = maker("Wir danken euch!", "de")
    >>> doc.lang_, len(doc)
    ('de', 4)
    """

    def __init__(self, *, max_strings: int = 500_000, pipelines: Mapping[str, str] | None = None) -> None:
        self.max_strings = max_strings
        self.pipelines = dict(pipelines or {})
        self._nlp: dict[str, "spacy.language.Language"] = {}
        self.rebuilds = 0

    def nlp(self, lang: str) -> "spacy.language.Language":
        lang = lang if lang in LANGUAGES else "en"
        nlp = self._nlp.get(lang)
        if nlp is None or len(nlp.vocab.strings) > self.max_strings:
            if nlp is not None:
                self.rebuilds += 1
            nlp = self._nlp[lang] = make_nlp(lang, pipeline=self.pipelines.get(lang))
        return nlp

    def __call__(self, text: str, lang: str) -> "spacy.tokens.Doc":
        return self.nlp(lang)(text)


__all__ = ["SocialTokenizer", "SOCIAL_TOKENIZER", "create_social_tokenizer", "make_nlp", "DocMaker"]
