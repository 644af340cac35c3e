"""Preprocessing: social-media tokenisation, per-type annotation and language detection.

The batch path never builds one spaCy ``Doc`` per post: it splits each text with one compiled
regular expression, maps every token to a row of a bounded :class:`TypeTable` (the equivalent of
spaCy's lexeme table: attributes computed once per distinct string), and hands flat numpy arrays to
:mod:`dialogcls.features`. The same tokenizer is also a spaCy tokenizer
(:mod:`dialogcls.spacy_tokenizer`), so ``make_nlp`` gives a ``spacy.blank`` pipeline, or an
installed trained one, that sees exactly the tokens the classifier sees.

Lemmas come from spaCy's lookup tables (``spacy-lookups-data``), reduced at training time to the
forms whose lemma is a cue word, and stored with the model: nothing is loaded from a hub.

Example
-------
>>> tokenize("@anna Danke! Infos: https://t.co/x1 #bahn ^AB")
['@anna', 'Danke', '!', 'Infos', ':', 'https://t.co/x1', '#bahn', '^AB']
"""
from __future__ import annotations

import html
import re
import zlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterable, Mapping, Sequence

import numpy as np

from .lexicon import CUE_NAMES, cues_for, function_words, verb_first

LANGUAGES = ("de", "en")

_EMOJI = (
    r"[\U0001F000-\U0001FAFF\u2600-\u27BF\u2300-\u23FF\u2B00-\u2BFF\u3030\u303D]"
    r"(?:[\uFE0F\U0001F3FB-\U0001F3FF]|\u200D[\U0001F000-\U0001FAFF\u2600-\u27BF])*"
)
#: One alternation, tried left to right: the order is what keeps handles, links and emoji whole.
TOKEN_PATTERN = re.compile(
    r"(?:https?://|www\.)[^\s<>\"]+"                       # links
    r"|\b[\w-]+\.(?:com|de|ch|at|org|net|io|ly|co|eu|info|gl|me)/[^\s<>\"]*"  # bare short links
    r"|[\w.+-]+@[\w-]+\.[\w.-]*\w"                          # e-mail addresses
    r"|@\w+(?:@[\w-]+(?:\.[\w-]+)+)?"                       # @handles, @user@instance
    r"|[#＃]\w+"                                             # hashtags
    r"|\$[A-Za-z]{1,6}\b"                                   # cashtags
    r"|&(?:[a-zA-Z]{2,8}|#\d{2,5});"                        # HTML entities
    r"|(?<!\S)[\^*/][A-Za-z]{1,3}\b(?!\S)"                  # agent signatures ^AB /je *MS
    r"|" + _EMOJI +                                         # emoji, with modifiers and ZWJ
    r"|\d+(?:[.,:/]\d+)*"                                   # numbers, times, dates
    r"|\w+(?:[-'’/]\w+)*"                                   # words, m/w/d, you're
    r"|[?!]+|\.{2,}|[^\w\s]"                              # punctuation, … and ?!
)

# Token kinds; the numbers index the TypeTable.kind column.
WORD, NUMBER, URL, EMAIL, HANDLE, HASHTAG, CASHTAG, ENTITY, SIGNATURE, EMOJI, PUNCT = range(11)
KIND_NAMES = ("word", "number", "url", "email", "handle", "hashtag", "cashtag", "entity",
              "signature", "emoji", "punct")
_PLACEHOLDER = {URL: "<url>", EMAIL: "<email>", HANDLE: "<handle>", NUMBER: "<num>",
                SIGNATURE: "<sig>", CASHTAG: "<cashtag>"}
_EMOJI_RE = re.compile(_EMOJI)
_SENTENCE_END = frozenset({".", "!", "?", "…", ":", ";"})


def tokenize(text: str) -> list[str]:
    """Split a post into tokens, keeping handles, hashtags, links, emoji and signatures whole.

    Example
    -------
    >>> tokenize("RT @DB_Bahn: Neu &amp; schnell 🚄 www.bahn.de/x")
    ['RT', '@DB_Bahn', ':', 'Neu', '&amp;', 'schnell', '🚄', 'www.bahn.de/x']
    """
    tokens: list[str] = []
    for chunk in text.split():
        # No token spans white space, so each chunk can be split alone; most are plain words.
        if chunk.isalpha():
            tokens.append(chunk)
        else:
            tokens += _findall(chunk)
    return tokens


_findall = TOKEN_PATTERN.findall


def token_kind(token: str) -> int:
    """Return the kind code (``WORD``, ``URL``, ``HANDLE`` …) of one token from :func:`tokenize`.

    Example
    -------
    >>> KIND_NAMES[token_kind("@anna")], KIND_NAMES[token_kind("/je")]
    ('handle', 'signature')
    """
    first = token[0]
    if "://" in token or token.startswith("www.") or ("/" in token and "." in token.split("/")[0]):
        return URL
    if first == "@":
        return HANDLE
    if "@" in token:
        return EMAIL
    if first in "#＃":
        return HASHTAG
    if first == "$" and len(token) > 1:
        return CASHTAG
    if first == "&" and token.endswith(";") and len(token) > 2:
        return ENTITY
    if first in "^*/" and len(token) > 1 and token[1:].isalpha():
        return SIGNATURE
    if first.isdigit():
        return NUMBER
    if first.isalnum() or first == "_":
        return WORD
    if _EMOJI_RE.match(token):
        return EMOJI
    return PUNCT


def normalise_token(token: str, kind: int) -> str:
    """The form used for n-grams: placeholders for open-class strings, lower case otherwise.

    Example
    -------
    >>> normalise_token("@anna", HANDLE), normalise_token("Danke", WORD)
    ('<handle>', 'danke')
    """
    if kind in _PLACEHOLDER:
        return _PLACEHOLDER[kind]
    if kind == ENTITY:
        return html.unescape(token)
    return token.lower()


def stable_hash(text: str) -> int:
    """A process-independent 32-bit hash (``hash()`` is salted per process)."""
    return zlib.crc32(text.encode("utf-8", errors="surrogatepass"))


@lru_cache(maxsize=None)
def _cue_entries(lang: str) -> tuple[dict[str, int], dict[str, int], dict[tuple[str, ...], int]]:
    """Compile a language's lexicon into word -> cue bits (plain, case-sensitive) and phrase -> bits."""
    plain: dict[str, int] = {}
    exact: dict[str, int] = {}
    phrases: dict[tuple[str, ...], int] = {}
    for bit, name in enumerate(CUE_NAMES):
        for entry in cues_for(lang).get(name, ()):
            if entry.startswith("="):
                exact[entry[1:]] = exact.get(entry[1:], 0) | (1 << bit)
            elif " " in entry:
                key = tuple(entry.split())
                phrases[key] = phrases.get(key, 0) | (1 << bit)
            else:
                plain[entry] = plain.get(entry, 0) | (1 << bit)
    return plain, exact, phrases


def phrase_cues(lang: str) -> dict[tuple[str, ...], int]:
    """Multi-token cue entries of ``lang`` as token tuples mapped to cue bit masks."""
    return _cue_entries(lang)[2]


@lru_cache(maxsize=None)
def _phrase_first_words() -> frozenset[str]:
    return frozenset(phrase[0] for lang in LANGUAGES for phrase in phrase_cues(lang))


def build_lemma_map(lang: str) -> dict[str, str]:
    """Forms whose spaCy lookup lemma is a single-word cue entry, lower-cased: ``{"dankt": "danke"}``.

    Reads the table of ``spacy-lookups-data`` (the file spaCy's lookups registry names for ``lang``)
    without importing spaCy, which would add a second to training. The result is small and is
    stored with the model, so scoring never needs the full table.

    Example
    -------
    >>> build_lemma_map("de").get("bedankt")
    'bedanken'
    """
    import spacy_lookups_data
    import srsly

    path = str(getattr(spacy_lookups_data, lang)["lemma_lookup"])
    table = srsly.read_gzip_json(path + ".gz") if not path.endswith(".gz") else srsly.read_gzip_json(path)
    plain, _, _ = _cue_entries(lang)
    return {form.lower(): lemma.lower() for form, lemma in table.items()
            if lemma.lower() in plain and form.lower() not in plain}


class TypeTable:
    """Per-type (distinct token string) attributes, computed once and kept in bounded memory.

    Parameters
    ----------
    lemma_maps : mapping
        ``{"de": {...}, "en": {...}}`` from :func:`build_lemma_map`.
    n_features : int
        Size of the hashed n-gram space; ``unigram`` holds each type's bucket.
    char_ngrams : tuple of int
        Lengths of character n-grams taken from each word type.
    max_types : int
        When more distinct strings than this have been seen, the table starts afresh. Together with
        the shared rows of links, handles and numbers, this bounds memory on endless streams.

    Example
    -------
    >>> table = TypeTable({"de": {}, "en": {}}, n_features=2**10)
    >>> ids = table.ids(["Danke", "@anna", "Danke"])
    >>> int(ids[0]) == int(ids[2]), KIND_NAMES[int(table.kind[ids[1]])]
    (True, 'handle')
    """

    _COLUMNS = ("kind", "unigram", "norm_id", "cues_de", "cues_en", "fw_de", "fw_en",
                "umlaut", "verb_first", "question_word", "qmark", "sent_end",
                "exclaim", "thread_marker", "phrase_start")

    def __init__(self, lemma_maps: Mapping[str, Mapping[str, str]], *, n_features: int = 2**18,
                 char_ngrams: tuple[int, ...] = (3, 4), max_types: int = 200_000) -> None:
        self.lemma_maps = lemma_maps
        self.n_features = n_features
        self.char_ngrams = char_ngrams
        self.max_types = max_types
        self.resets = 0
        self._clear()

    def _clear(self) -> None:
        self._index: dict[str, int] = {}
        self._placeholders: dict[int, int] = {}
        self._size = 0
        self._char_grams: list[np.ndarray | None] = []
        self._grams_pending: list[tuple[int, str]] = []
        self._pending: dict[str, list[int]] = {name: [] for name in self._COLUMNS}
        self._arrays: dict[str, np.ndarray] = {name: np.empty(0, dtype=_dtype(name)) for name in self._COLUMNS}

    def __len__(self) -> int:
        return self._size

    def ids(self, tokens: Sequence[str]) -> np.ndarray:
        """Type ids of ``tokens``; adds unseen strings. Starts afresh first when the table holds more
        than ``max_types`` strings.

        Links, handles, e-mail addresses, signatures, cashtags and plain numbers share one row per
        kind (their placeholder), so the endless stream of fresh ones costs no memory.
        """
        if self._size > self.max_types:
            self.resets += 1
            self._clear()
        found = list(map(self._index.get, tokens))
        if None in found:
            missing = [position for position, type_id in enumerate(found) if type_id is None]
            new_ids = self._add_unseen(list(dict.fromkeys([tokens[p] for p in missing])))
            for position in missing:
                found[position] = new_ids[tokens[position]]
        return np.array(found, dtype=np.int64)

    def __getattr__(self, name: str) -> np.ndarray:
        if name in TypeTable._COLUMNS:
            pending = self.__dict__["_pending"][name]
            arrays = self.__dict__["_arrays"]
            if pending:
                arrays[name] = np.concatenate([arrays[name], np.asarray(pending, dtype=_dtype(name))])
                pending.clear()
            return arrays[name]
        raise AttributeError(name)

    def _add_unseen(self, unseen: list[str]) -> dict[str, int]:
        """Rows for strings not in the table; placeholder kinds map to their shared row."""
        ids: dict[str, int] = {}
        new_tokens: list[str] = []
        new_kinds: list[int] = []
        for token in unseen:
            kind = token_kind(token)
            if kind in _PLACEHOLDER and not (kind == NUMBER and "/" in token):
                if kind not in self._placeholders:
                    self._placeholders[kind] = self._add_rows([_PLACEHOLDER[kind]], [kind])
                ids[token] = self._placeholders[kind]
            else:
                new_tokens.append(token)
                new_kinds.append(kind)
        first = self._add_rows(new_tokens, new_kinds)
        added = dict(zip(new_tokens, range(first, first + len(new_tokens))))
        self._index.update(added)
        ids.update(added)
        return ids

    def _add_rows(self, tokens: list[str], kinds: list[int]) -> int:
        """Append one row per token, column by column; returns the first new id."""
        first = self._size
        self._size += len(tokens)
        norms = [normalise_token(token, kind) for token, kind in zip(tokens, kinds)]
        hashes = [stable_hash(norm) for norm in norms]
        cues_de = [self._cue_bits(t, n, k, "de") for t, n, k in zip(tokens, norms, kinds)]
        cues_en = [self._cue_bits(t, n, k, "en") for t, n, k in zip(tokens, norms, kinds)]
        words = [norm if kind == WORD else None for norm, kind in zip(norms, kinds)]
        puncts = [token if kind == PUNCT else "" for token, kind in zip(tokens, kinds)]
        fw_de, fw_en = function_words("de"), function_words("en")
        vf = verb_first("de") | verb_first("en")
        phrase_words = _phrase_first_words()
        rows = self._pending
        rows["kind"] += kinds
        rows["unigram"] += [h % self.n_features for h in hashes]
        rows["norm_id"] += hashes
        rows["cues_de"] += cues_de
        rows["cues_en"] += cues_en
        rows["fw_de"] += [w in fw_de for w in words]
        rows["fw_en"] += [w in fw_en for w in words]
        rows["umlaut"] += [w is not None and any(ch in "äöüß" for ch in w) for w in words]
        rows["verb_first"] += [w in vf for w in words]
        rows["question_word"] += [w is not None and bool((d | e) & _QUESTION_BIT)
                                  for w, d, e in zip(words, cues_de, cues_en)]
        rows["qmark"] += ["?" in p for p in puncts]
        rows["sent_end"] += [bool(p) and p[-1] in _SENTENCE_END for p in puncts]
        rows["exclaim"] += ["!" in p for p in puncts]
        rows["phrase_start"] += [norm in phrase_words for norm in norms]
        rows["thread_marker"] += [token == "🧵" or (kind == NUMBER and token.count("/") == 1 and len(token) <= 5)
                                  for token, kind in zip(tokens, kinds)]
        self._char_grams += [None if w is not None else _EMPTY for w in words]
        self._grams_pending += [(first + i, w) for i, w in enumerate(words) if w is not None]
        return first

    def _cue_bits(self, token: str, norm: str, kind: int, lang: str) -> int:
        if kind not in (WORD, PUNCT, HASHTAG):
            return 0
        plain, exact, _ = _cue_entries(lang)
        word = norm.lstrip("#＃")
        bits = plain.get(word, 0) | exact.get(token, 0)
        lemma = self.lemma_maps.get(lang, {}).get(word)
        if lemma is not None:
            bits |= plain.get(lemma, 0)
        return bits

    def char_grams(self, type_ids: Iterable[int]) -> list[np.ndarray]:
        """Hashed character n-gram buckets of each type (empty for anything but words).

        Computed in bulk for all words added since the last call: one vectorised pass instead of one
        hash call per n-gram.
        """
        if self._grams_pending:
            ids, norms = zip(*self._grams_pending)
            for type_id, buckets in zip(ids, char_gram_buckets(norms, self.char_ngrams, self.n_features)):
                self._char_grams[type_id] = buckets
            self._grams_pending = []
        return [self._char_grams[t] for t in type_ids]


def char_gram_buckets(words: Sequence[str], lengths: Sequence[int], n_features: int) -> list[np.ndarray]:
    """For each word, the buckets of its character n-grams (of ``lengths``, with ``<`` and ``>``
    marking the word's edges), by a polynomial hash over Unicode code points.

    Example
    -------
    >>> [len(b) for b in char_gram_buckets(["ab", "danke"], (3, 4), 2**10)]
    [3, 9]
    """
    padded = [f"<{word}>" for word in words]
    sizes = np.fromiter(map(len, padded), dtype=np.int64, count=len(padded))
    points = np.frombuffer("".join(padded).encode("utf-32-le", errors="surrogatepass"),
                           dtype=np.uint32).astype(np.uint64)
    owner = np.repeat(np.arange(len(padded)), sizes)
    hashes, owners = [], []
    with np.errstate(over="ignore"):
        for n in lengths:
            windows = len(points) - n + 1
            if windows <= 0:
                continue
            value = np.full(windows, np.uint64(n) * _MIX, dtype=np.uint64)
            for k in range(n):
                value = value * _PRIME + points[k:k + windows]
            inside = owner[:windows] == owner[n - 1:]
            hashes.append(value[inside])
            owners.append(owner[:windows][inside])
        if not hashes:
            return [_EMPTY] * len(padded)
        value = np.concatenate(hashes)
        buckets = ((value * _MIX) >> np.uint64(17)) % np.uint64(n_features)
    owned = np.concatenate(owners)
    order = np.argsort(owned, kind="stable")
    counts = np.bincount(owned, minlength=len(padded))
    return np.split(buckets[order].astype(np.int64), np.cumsum(counts)[:-1])


_EMPTY = np.empty(0, dtype=np.int64)
_MIX = np.uint64(0x9E3779B97F4A7C15)
_PRIME = np.uint64(1_000_003)


def _dtype(column: str) -> type:
    return np.int64 if column in ("unigram", "cues_de", "cues_en", "norm_id") else np.int8
_QUESTION_BIT = 1 << list(CUE_NAMES).index("question_word")


@dataclass
class TokenBatch:
    """Tokens of a batch of posts as flat arrays.

    Attributes
    ----------
    tokens : list of list of str
        The tokens of each post, as in the text.
    offsets : ndarray of int64, shape (n_posts + 1,)
        Post ``i`` owns ``type_ids[offsets[i]:offsets[i + 1]]``.
    type_ids : ndarray of int64
        Row of each token in ``table``.
    doc_index : ndarray of int64
        Post index of each token.
    lang : ndarray of str
        ``"de"``, ``"en"`` or ``"mixed"`` per post (given languages win).
    table : TypeTable
        The table the ids point into.
    """

    tokens: list[list[str]]
    offsets: np.ndarray
    type_ids: np.ndarray
    doc_index: np.ndarray
    lang: np.ndarray
    table: TypeTable

    def __len__(self) -> int:
        return len(self.tokens)

    def column(self, name: str) -> np.ndarray:
        """A TypeTable column gathered for every token of the batch."""
        return getattr(self.table, name)[self.type_ids]


def tokenize_batch(texts: Sequence[str], table: TypeTable, *,
                   lang: Sequence[str | None] | None = None, default_lang: str = "en") -> TokenBatch:
    """Tokenise ``texts`` into a :class:`TokenBatch` and detect each post's language.

    Example
    -------
    >>> table = TypeTable({"de": {}, "en": {}}, n_features=2**10)
    >>> batch = tokenize_batch(["Wir sind für euch da", "We are here for you"], table)
    >>> batch.lang.tolist()
    ['de', 'en']
    """
    tokens = [tokenize(text) for text in texts]
    lengths = np.fromiter((len(t) for t in tokens), dtype=np.int64, count=len(tokens))
    offsets = np.zeros(len(tokens) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = [token for post in tokens for token in post]
    type_ids = table.ids(flat)
    doc_index = np.repeat(np.arange(len(tokens), dtype=np.int64), lengths)
    batch = TokenBatch(tokens, offsets, type_ids, doc_index, np.empty(0, dtype=object), table)
    batch.lang = detect_languages(batch, given=lang, default=default_lang)
    return batch


def per_post_sum(batch: TokenBatch, values: np.ndarray) -> np.ndarray:
    """Sum a per-token array over each post (vectorised)."""
    return np.bincount(batch.doc_index, weights=values, minlength=len(batch)).astype(np.float64)


def detect_languages(batch: TokenBatch, *, given: Sequence[str | None] | None = None,
                     default: str = "en") -> np.ndarray:
    """German, English or mixed per post, from function words and umlauts; ``given`` wins.

    A post with no evidence either way gets ``default``.
    """
    de = per_post_sum(batch, batch.column("fw_de")) + 0.5 * per_post_sum(batch, batch.column("umlaut"))
    en = per_post_sum(batch, batch.column("fw_en"))
    lang = np.where(de > en, "de", np.where(en > de, "en", default)).astype(object)
    mixed = (np.minimum(de, en) >= 2) & (np.minimum(de, en) >= 0.5 * np.maximum(de, en))
    lang[mixed] = "mixed"
    if given is not None:
        for i, value in enumerate(given):
            if value and value.strip().lower() not in UNDETERMINED:
                lang[i] = normalise_lang(value)
    return lang


#: Language codes that say no language was determined (ISO 639 ``und``, ``zxx`` and ``mul``; X's
#: ``qme`` media only, ``qam`` mentions only, ``qct`` cashtags, ``qht`` hashtags, ``qst`` very short,
#: ``qtm`` emoji only, ``art``): the post's language is detected as if none were given.
UNDETERMINED = frozenset({"und", "zxx", "mul", "qme", "qam", "qct", "qht", "qst", "qtm", "art"})


def normalise_lang(value: str) -> str:
    """Map ``"de-CH"``, ``"German"``, ``"EN"`` … to ``"de"``/``"en"``; other values pass through."""
    value = value.strip().lower()
    if value.startswith(("de", "ger")):
        return "de"
    if value.startswith(("en", "eng")):
        return "en"
    return value


__all__ = [
    "TOKEN_PATTERN", "KIND_NAMES", "TypeTable", "TokenBatch",
    "tokenize", "token_kind", "normalise_token", "tokenize_batch", "detect_languages",
    "build_lemma_map", "phrase_cues", "per_post_sum", "stable_hash", "UNDETERMINED",
]
