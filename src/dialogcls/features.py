"""Features: named cue values and hashed n-grams, one sparse row per post, vectorised over a batch.

A row has three blocks:

* the named features of :data:`FEATURE_NAMES` (cue counts from :mod:`dialogcls.lexicon`, position
  and question cues, metadata), documented in :data:`FEATURE_DOCS`;
* hashed word unigrams and bigrams of normalised tokens (handles, links and numbers replaced by
  placeholders; a start marker makes "starts with a handle" an n-gram too), L2-normalised;
* hashed character 3- and 4-grams of the words, L2-normalised.

Everything is computed on flat token arrays of the whole batch; no step loops over tokens in Python
except the one dictionary lookup per token in :meth:`dialogcls.prep.TypeTable.ids`.

Example
-------
>>> from dialogcls.records import PostBatch
>>> featurizer = Featurizer(n_features=2**12)
>>> X = featurizer.transform(PostBatch.from_columns(["@anna Danke dir!"], is_reply=[True]))
>>> X.shape == (1, featurizer.n_columns)
True
>>> float(X[0, FEATURE_NAMES.index("thanks")]) > 0
True
"""
from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Iterable, Mapping

import numpy as np
import scipy.sparse as sp

from .lexicon import CUE_NAMES
from .prep import (HANDLE, HASHTAG, SIGNATURE, URL, EMOJI, WORD, TokenBatch, TypeTable,
                   build_lemma_map, phrase_cues, per_post_sum, stable_hash, tokenize_batch)
from .records import PostBatch, platform_name
from .rules import reply_shaped, without_links

#: Bump when the meaning or order of features changes; stored with every model and checked on load.
FEATURE_SCHEMA_VERSION = 12

PLATFORMS = ("twitter", "facebook", "instagram", "linkedin", "mastodon")

FEATURE_DOCS: dict[str, str] = {
    **{name: f"cue: {doc}" for name, doc in CUE_NAMES.items()},
    "ends_with_question": "the text ends with a question (links, hashtags, emoji aside)",
    "question_then_link": "a question, then more words and a link (teaser); a bare link after the "
                          "question is usually an attached picture and does not count",
    "question_then_cta": "a question followed by a call to action (teaser)",
    "verb_first_question": "a sentence opens with a finite verb and the post asks (Habt ihr …?)",
    "question_word_question": "a sentence opens with a question word and the post asks",
    "leading_handle": "the post opens with an @handle (address)",
    "leading_handles": "how many @handles open the post",
    "dot_handle": "the post opens with '.@handle' (a public mention, not address)",
    "retweet": "a plain share: 'RT @handle'",
    "inner_handles": "@handles inside the text (mentions)",
    "greeting_start": "the first word after the handles is a greeting",
    "address_start": "the first word after the handles addresses the reader or thanks",
    "hashtags": "number of hashtags",
    "emoji": "number of emoji",
    "exclamations": "number of exclamation marks",
    "signature": "an agent signature (^AB, /je, *MS)",
    "thread_marker": "a thread marker such as 1/3 or a thread emoji",
    "truncated": "the text ends in an ellipsis",
    "is_reply": "metadata: marked as a reply",
    "not_reply": "metadata: marked as not a reply",
    "no_reply_flag": "metadata: no reply flag, or one that only repeats the leading @handle",
    "reply_to_other": "metadata: replies to another account",
    "self_thread": "metadata: replies to its own author (a thread)",
    "handle_as_subject": "the leading @handle is what the post reports about (a comma, a dash or a reporting "
                         "verb follows): about someone, not to them (codebook rule 4)",
    "name_dash_start": "opens with a name and a dash, as replies to comments do ('Jana K. - ...')",
    "chat_turn": "opens with a live-chat turn label ('Q1:', 'A3:', 'F2:', 'Antwort 2:'): a question or an "
                 "answer inside a chat (codebook rule 8)",
    "quoted_question": "every question mark stands inside quotation marks: a quote, a talk or episode title, "
                       "not the organisation asking its audience (codebook rule 6)",
    "words_after_question": "words after the last question mark (a question the post answers itself)",
    "replyish_promo": "reply-shaped and promotional (promo, cta, event; a link alone is no promotion)",
    "replyish_personal": "reply-shaped and personal (thanks, apology, help, you)",
    "toplevel_invite": "not reply-shaped and asks the audience for their answer (tell us, in the comments, "
                       "what's yours); a question mark, 'are you' or 'favourite' alone is no invitation (rule 6)",
    "toplevel_links": "number of links in a post that is not reply-shaped; in a reply a link is part of the "
                      "answer, no sign of promotion (codebook rule 1)",
    "lang_de": "language: German",
    "lang_en": "language: English",
    "lang_mixed": "language: mixed",
    **{f"platform_{p}": f"platform: {p}" for p in PLATFORMS},
    "platform_unknown": "platform unknown or other",
}
#: The named features, in column order.
FEATURE_NAMES: list[str] = list(FEATURE_DOCS)
#: Names of the two hashed blocks as they appear in explanations.
NGRAM_BLOCKS = ("word_ngrams", "char_ngrams")

_N_CUES = len(CUE_NAMES)
_CUE = {name: i for i, name in enumerate(CUE_NAMES)}
_FEATURE = {name: i for i, name in enumerate(FEATURE_NAMES)}
_BOS = stable_hash("<s>")
_MIX = np.uint64(0x9E3779B97F4A7C15)


#: Posts featurised in one pass by :meth:`Featurizer.transform`; larger inputs go in chunks.
TRANSFORM_CHUNK = 8192


def stack_rows(chunks: Iterable[sp.csr_matrix], n_rows: int, n_columns: int) -> sp.csr_matrix:
    """The rows of ``chunks`` (CSR, ``n_rows`` in all) one under another, as ``sp.vstack`` gives
    them, copied into one buffer as each chunk comes: only one chunk is held beside the result,
    where ``sp.vstack`` holds every chunk and the result (twice the matrix, for a training set).

    Example
    -------
    >>> rows = stack_rows(iter([sp.csr_matrix([[1.0, 0.0]]), sp.csr_matrix([[0.0, 2.0], [3.0, 0.0]])]), 3, 2)
    >>> rows.toarray().tolist()
    [[1.0, 0.0], [0.0, 2.0], [3.0, 0.0]]
    """
    data, indices = np.empty(0), np.empty(0, dtype=np.int32)
    indptr = np.zeros(n_rows + 1, dtype=np.int64)
    row = nnz = 0
    for chunk in chunks:
        end = nnz + chunk.nnz
        if end > len(data):  # room for the rows still to come, at this chunk's density and 5 % more
            capacity = max(end, int(end / (row + chunk.shape[0]) * n_rows * 1.05))
            data.resize(capacity, refcheck=False)
            indices.resize(capacity, refcheck=False)
        data[nnz:end], indices[nnz:end] = chunk.data, chunk.indices
        indptr[row + 1:row + 1 + chunk.shape[0]] = chunk.indptr[1:] + nnz
        row, nnz = row + chunk.shape[0], end
    if row != n_rows:
        raise ValueError(f"the chunks hold {row} rows, not {n_rows}")
    data.resize(nnz, refcheck=False)  # in place: the 5 % spare is given back without a copy
    indices.resize(nnz, refcheck=False)
    return sp.csr_matrix((data, indices, indptr), shape=(n_rows, n_columns))


@dataclass(frozen=True)
class FeatureBlocks:
    """The three blocks of the feature rows of a batch, kept apart for scoring: the named features
    as a dense ``(n_posts, len(FEATURE_NAMES))`` array, the hashed word and character n-grams as
    sparse ``(n_posts, n_features)`` matrices. :meth:`matrix` joins them into the rows that
    training reads.

    Example
    -------
    >>> blocks = Featurizer(n_features=2**8).blocks(PostBatch.from_columns(["@anna Danke dir!"]))
    >>> len(blocks), blocks.named.shape[1] == len(FEATURE_NAMES), blocks.matrix().shape
    (1, True, (1, 576))
    """

    named: np.ndarray
    words: sp.csr_matrix
    chars: sp.csr_matrix

    def __len__(self) -> int:
        return self.named.shape[0]

    def matrix(self) -> sp.csr_matrix:
        """The blocks side by side: named, word n-grams, character n-grams."""
        return sp.hstack([sp.csr_matrix(self.named), self.words, self.chars], format="csr")


class Featurizer:
    """Turn a :class:`~dialogcls.records.PostBatch` into a sparse feature matrix.

    Parameters
    ----------
    n_features : int
        Buckets of each hashed n-gram block.
    char_ngrams : tuple of int
        Character n-gram lengths.
    lemma_maps : mapping or None
        Per-language ``{form: lemma}`` for cue words; built from spaCy's lookup tables when None.
    ngram_weight : float
        Scale of the two L2-normalised n-gram blocks against the named features; below 1 the model
        leans on the named cues, which carry over better from the written corpus to real posts.
    max_types : int
        Bound of the type table (see :class:`~dialogcls.prep.TypeTable`).
    """

    def __init__(self, *, n_features: int = 2**18, char_ngrams: tuple[int, ...] = (3, 4), ngram_weight: float = 1.0,
                 lemma_maps: Mapping[str, Mapping[str, str]] | None = None,
                 max_types: int = 200_000) -> None:
        self.n_features = n_features
        self.char_ngrams = tuple(char_ngrams)
        self.lemma_maps = dict(lemma_maps) if lemma_maps is not None else {
            lang: build_lemma_map(lang) for lang in ("de", "en")}
        self.max_types = max_types
        self.ngram_weight = ngram_weight
        self._table: TypeTable | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict:
        """Pickle (e.g. for joblib or a process pool) without the lock and the type table, which
        is a cache that fills again as posts are read."""
        return {**self.__dict__, "_lock": None, "_table": None}

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state, _lock=threading.Lock())

    @property
    def n_columns(self) -> int:
        return len(FEATURE_NAMES) + 2 * self.n_features

    @property
    def table(self) -> TypeTable:
        if self._table is None:
            self._table = TypeTable(self.lemma_maps, n_features=self.n_features,
                                    char_ngrams=self.char_ngrams, max_types=self.max_types)
        return self._table

    def get_config(self) -> dict:
        """The featurizer as JSON-ready values (the lemma maps included: the model is data)."""
        return {"n_features": self.n_features, "char_ngrams": list(self.char_ngrams),
                "ngram_weight": self.ngram_weight, "max_types": self.max_types,
                "lemma_maps": {lang: dict(mapping) for lang, mapping in self.lemma_maps.items()}}

    @classmethod
    def from_config(cls, config: Mapping) -> "Featurizer":
        """The featurizer that :meth:`get_config` described."""
        lemma_maps = {str(lang): {str(k): str(v) for k, v in mapping.items()}
                      for lang, mapping in config["lemma_maps"].items()}
        return cls(n_features=int(config["n_features"]), char_ngrams=tuple(int(n) for n in config["char_ngrams"]),
                   ngram_weight=float(config["ngram_weight"]), max_types=int(config["max_types"]),
                   lemma_maps=lemma_maps)

    def featurize(self, posts: PostBatch) -> tuple[TokenBatch, FeatureBlocks]:
        """Tokens and the feature blocks of ``posts``, safe to call from many threads: the type table
        grows (and starts afresh when full) as posts are read, so both steps run under one lock."""
        with self._lock:
            tokens = self.tokenize(posts)
            return tokens, self.blocks(posts, tokens)

    def tokenize(self, posts: PostBatch) -> TokenBatch:
        """Tokens and languages of ``posts``."""
        return tokenize_batch(posts.text, self.table, lang=posts.lang)

    def transform(self, posts: PostBatch, tokens: TokenBatch | None = None) -> sp.csr_matrix:
        """The feature matrix of ``posts`` (``tokens`` may be passed when already computed). Many
        posts (training sets) are featurised :data:`TRANSFORM_CHUNK` at a time: the intermediate
        arrays of one pass take several times the matrix's memory."""
        if len(posts) == 0:
            return sp.csr_matrix((0, self.n_columns))
        if tokens is None and len(posts) > TRANSFORM_CHUNK:
            chunks = (self.transform(posts.take(range(start, min(start + TRANSFORM_CHUNK, len(posts)))))
                      for start in range(0, len(posts), TRANSFORM_CHUNK))
            return stack_rows(chunks, len(posts), self.n_columns)
        return self.blocks(posts, tokens).matrix()

    def blocks(self, posts: PostBatch, tokens: TokenBatch | None = None) -> FeatureBlocks:
        """The feature rows of ``posts`` as their three blocks (``tokens`` may be passed when
        already computed); what scoring reads, one product per block."""
        tokens = tokens if tokens is not None else self.tokenize(posts)
        return FeatureBlocks(named_features(tokens, posts), *self._ngrams(tokens))

    def _ngrams(self, batch: TokenBatch) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        n_docs, n = len(batch), self.n_features
        table = batch.table
        norm_id = table.norm_id[batch.type_ids].astype(np.uint64)
        same_doc = batch.doc_index[1:] == batch.doc_index[:-1]
        with np.errstate(over="ignore"):
            bigram = ((norm_id[:-1] * _MIX) ^ norm_id[1:])[same_doc] % np.uint64(n)
            first = batch.offsets[:-1][batch.offsets[:-1] < batch.offsets[1:]]
            bos = ((np.uint64(_BOS) * _MIX) ^ norm_id[first]) % np.uint64(n)
        rows = np.concatenate([batch.doc_index, batch.doc_index[1:][same_doc], batch.doc_index[first]])
        cols = np.concatenate([table.unigram[batch.type_ids], bigram.astype(np.int64), bos.astype(np.int64)])
        words = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n_docs, n))
        words.sum_duplicates()
        np.log1p(words.data, out=words.data)

        unique, inverse = _distinct(batch.type_ids)
        grams = table.char_grams(unique.tolist())
        lengths = np.fromiter((len(g) for g in grams), dtype=np.int64, count=len(grams))
        indptr = np.zeros(len(grams) + 1, dtype=np.int64)
        np.cumsum(lengths, out=indptr[1:])
        indices = np.concatenate(grams) if grams else np.empty(0, dtype=np.int64)
        type_grams = sp.csr_matrix((np.ones(len(indices)), indices, indptr), shape=(len(unique), n))
        doc_types = sp.csr_matrix((np.ones(len(inverse)), (batch.doc_index, inverse.ravel())),
                                  shape=(n_docs, len(unique)))
        chars = doc_types @ type_grams
        chars.sort_indices()  # column order, not type-id order: results never depend on the table's history
        np.log1p(chars.data, out=chars.data)
        _normalize_rows(words)
        _normalize_rows(chars)
        if self.ngram_weight != 1.0:
            words.data *= self.ngram_weight
            chars.data *= self.ngram_weight
        return words, chars


def _distinct(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(ids, return_inverse=True)`` for non-negative integer ids, by marking them in a table
    as long as the largest id instead of sorting: type ids are dense, so the table is small and one
    pass over it is cheaper than a sort (about 4 % of a large batch's time).

    Example
    -------
    >>> [a.tolist() for a in _distinct(np.array([7, 2, 7, 5]))]
    [[2, 5, 7], [2, 0, 2, 1]]
    """
    present = np.zeros(int(ids.max()) + 1 if len(ids) else 0, dtype=bool)
    present[ids] = True
    return np.flatnonzero(present), (np.cumsum(present) - 1)[ids]


def _normalize_rows(matrix: sp.csr_matrix) -> None:
    """Scale each row of a CSR matrix to unit L2 norm in place (empty rows stay empty)."""
    counts = np.diff(matrix.indptr)
    squares = np.add.reduceat(matrix.data ** 2, matrix.indptr[:-1][counts > 0]) if len(matrix.data) else np.empty(0)
    norms = np.ones(len(counts))
    norms[counts > 0] = np.sqrt(squares)
    norms[norms == 0] = 1.0
    matrix.data /= np.repeat(norms, counts)


def _first_true_position(batch: TokenBatch, mask: np.ndarray, default: np.ndarray) -> np.ndarray:
    """Per post, the position (within the post) of the first token where ``mask`` holds."""
    out = default.copy()
    position = np.arange(len(mask)) - batch.offsets[batch.doc_index]
    np.minimum.at(out, batch.doc_index[mask], position[mask])
    return out


def _last_true_position(batch: TokenBatch, mask: np.ndarray) -> np.ndarray:
    out = np.full(len(batch), -1, dtype=np.int64)
    position = np.arange(len(mask)) - batch.offsets[batch.doc_index]
    np.maximum.at(out, batch.doc_index[mask], position[mask])
    return out


def _phrase_table(lang: str, length: int) -> tuple[np.ndarray, np.ndarray]:
    """Sorted keys and cue bits of the ``length``-token phrases of ``lang``'s lexicon."""
    cached = _PHRASE_TABLES.get((lang, length))
    if cached is None:
        items = {}
        for phrase, phrase_bits in phrase_cues(lang).items():
            if len(phrase) == length:
                ids = np.array([stable_hash(word) for word in phrase], dtype=np.uint64)
                key = int(_ngram_keys([ids[i:i + 1] for i in range(length)])[0])
                items[key] = items.get(key, 0) | phrase_bits
        keys = np.array(sorted(items), dtype=np.uint64)
        cached = _PHRASE_TABLES[(lang, length)] = (keys, np.array([items[int(k)] for k in keys], dtype=np.int64))
    return cached


_PHRASE_TABLES: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}


def _ngram_keys(parts: list[np.ndarray]) -> np.ndarray:
    """Combine aligned arrays of 32-bit token ids into one 64-bit key per position."""
    key = parts[0].astype(np.uint64)
    with np.errstate(over="ignore"):
        for part in parts[1:]:
            key = (key * _MIX) ^ part.astype(np.uint64)
    return key


def cue_bits(batch: TokenBatch) -> np.ndarray:
    """Per token, the bit mask of cues it (or the phrase it starts) belongs to, by post language."""
    table = batch.table
    lang = batch.lang[batch.doc_index]
    is_de, is_en = lang == "de", lang == "en"
    de, en = table.cues_de[batch.type_ids], table.cues_en[batch.type_ids]
    bits = np.where(is_de, de, np.where(is_en, en, de | en))
    norm_id = table.norm_id[batch.type_ids]
    n = len(norm_id)
    candidates = np.flatnonzero(table.phrase_start[batch.type_ids])  # tokens that may open a phrase
    for length in (2, 3):
        start = candidates[candidates <= n - length]
        same_doc = batch.doc_index[start + length - 1] == batch.doc_index[start]
        keys = _ngram_keys([norm_id[start + i] for i in range(length)])
        for lang_code, in_lang in (("de", ~is_en), ("en", ~is_de)):
            phrase_keys, phrase_bits = _phrase_table(lang_code, length)
            if not len(phrase_keys) or not len(keys):
                continue
            where = np.searchsorted(phrase_keys, keys).clip(0, len(phrase_keys) - 1)
            hit = (phrase_keys[where] == keys) & same_doc & in_lang[start]
            bits[start[hit]] |= phrase_bits[where[hit]]
    return bits


def named_features(batch: TokenBatch, posts: PostBatch) -> np.ndarray:
    """The named feature block (:data:`FEATURE_NAMES`) as a dense ``(n_posts, n_named)`` array."""
    n_docs = len(batch)
    table = batch.table
    out = np.zeros((n_docs, len(FEATURE_NAMES)), dtype=np.float64)
    kind = table.kind[batch.type_ids]
    lengths = np.diff(batch.offsets)
    bits = cue_bits(batch)
    cued = np.flatnonzero(bits)  # few tokens carry a cue: count only those
    cued_bits, cued_posts = bits[cued], batch.doc_index[cued]
    for i in range(_N_CUES):
        out[:, i] = np.log1p(np.bincount(cued_posts[(cued_bits >> i) & 1 == 1], minlength=n_docs))

    def put(name: str, values: np.ndarray) -> None:
        out[:, _FEATURE[name]] = values

    is_handle = kind == HANDLE
    lead = _first_true_position(batch, ~is_handle, lengths)  # handles before the first other token
    first_token = batch.offsets[:-1]
    position = np.arange(len(kind)) - first_token[batch.doc_index]
    first_text = [post[0] if post else "" for post in batch.tokens]
    second_kind = np.full(n_docs, -1)
    has_two = lengths > 1
    second_kind[has_two] = kind[first_token[has_two] + 1]
    put("leading_handle", (lead > 0).astype(float))
    put("leading_handles", np.log1p(lead))
    opens_with = lambda words: np.array([t in words for t in first_text], dtype=bool)  # noqa: E731
    put("dot_handle", (opens_with((".",)) & (second_kind == HANDLE)).astype(float))
    put("retweet", (opens_with(("RT", "rt", "MT")) & (second_kind == HANDLE)).astype(float))
    put("inner_handles", np.log1p(per_post_sum(batch, is_handle) - lead))

    qmark = table.qmark[batch.type_ids].astype(bool)
    # No count of question marks: a question mark alone is no invitation (codebook rule 6). What the
    # question asks for (opinion_ask, toplevel_invite) and where it stands decide.
    n_q = per_post_sum(batch, qmark)
    content = ~np.isin(kind, (URL, HASHTAG, EMOJI, SIGNATURE, HANDLE))
    last_content = _last_true_position(batch, content)
    ends_q = np.zeros(n_docs, dtype=bool)
    ok = last_content >= 0
    ends_q[ok] = qmark[batch.offsets[:-1][ok] + last_content[ok]]
    put("ends_with_question", ends_q.astype(float))
    first_q = _first_true_position(batch, qmark, np.full(n_docs, 1 << 40))
    last_url = _last_true_position(batch, kind == URL)
    cta = ((bits >> _CUE["cta"]) & 1).astype(bool)
    last_cta = _last_true_position(batch, cta)
    last_q = _last_true_position(batch, qmark)
    words_after_q = per_post_sum(batch, (kind == WORD) & (position > last_q[batch.doc_index]))
    put("question_then_link", ((last_url > last_q) & (last_q >= 0) & (words_after_q >= 2)).astype(float))
    put("words_after_question", np.log1p(words_after_q * (last_q >= 0)))
    put("question_then_cta", (last_cta > first_q).astype(float))

    previous_ends = np.zeros(len(kind), dtype=bool)
    previous_ends[1:] = table.sent_end[batch.type_ids][:-1].astype(bool)
    sentence_start = (position == lead[batch.doc_index]) | (previous_ends & (position > 0))
    asks = n_q > 0
    put("verb_first_question", asks * per_post_sum(
        batch, sentence_start & table.verb_first[batch.type_ids].astype(bool)).clip(0, 1))
    put("question_word_question", asks * per_post_sum(
        batch, sentence_start & table.question_word[batch.type_ids].astype(bool)).clip(0, 1))
    after_lead = position == lead[batch.doc_index]
    greeting = ((bits >> _CUE["greeting"]) & 1).astype(bool)
    personal = np.zeros(len(kind), dtype=np.int64)
    for name in ("second_person", "thanks", "apology", "sympathy", "positive_reaction"):
        personal |= (bits >> _CUE[name]) & 1
    put("greeting_start", per_post_sum(batch, after_lead & greeting))
    put("address_start", per_post_sum(batch, after_lead & personal.astype(bool)))

    links = np.log1p(per_post_sum(batch, kind == URL))
    put("hashtags", np.log1p(per_post_sum(batch, kind == HASHTAG)))
    put("emoji", np.log1p(per_post_sum(batch, kind == EMOJI)))
    put("exclamations", np.log1p(per_post_sum(batch, table.exclaim[batch.type_ids])))
    put("signature", per_post_sum(batch, kind == SIGNATURE).clip(0, 1))
    put("thread_marker", per_post_sum(batch, table.thread_marker[batch.type_ids]).clip(0, 1))
    put("truncated", np.array([t.rstrip().endswith(("…", "...")) for t in posts.text], dtype=float))

    put("handle_as_subject", _handle_as_subject(batch, bits, lead, lengths))
    put("name_dash_start", np.fromiter((_NAME_DASH.match(text) is not None for text in posts.text),
                                       dtype=float, count=n_docs))
    put("quoted_question", np.fromiter((_quoted_question(text) for text in posts.text), dtype=float, count=n_docs))
    put("chat_turn", np.fromiter((_CHAT_TURN.match(text) is not None for text in posts.text),
                                 dtype=float, count=n_docs))
    _metadata_features(out, batch, posts, lead, links)
    for lang in ("de", "en", "mixed"):
        put(f"lang_{lang}", (batch.lang == lang).astype(float))
    return out


_NAME_DASH = re.compile(r"\s*[A-ZÄÖÜ][\w.'-]*(?: [A-ZÄÖÜ][\w.'-]*){0,2} [-–] ")
_CHAT_TURN = re.compile(r"\s*(?:[QAF]|Frage|Antwort)\s?\d{1,2}(?:\s*\(\d+/\d+\))?\s*[:.)]\s", re.IGNORECASE)
#: A span in double quotation marks of any of the usual styles ("…", “…”, „…“, «…», »…«).
_QUOTED = re.compile(r'"[^"\n]*"|“[^“”\n]*[”“]|„[^„“”\n]*[“”]|«[^«»\n]*»|»[^«»\n]*«')


def _quoted_question(text: str) -> bool:
    """Whether the text has a question mark outside its links and all of them stand inside quotation marks.

    Example
    -------
    >>> _quoted_question('Talk: „Wer besitzt die Daten?“ heute 18 Uhr'), _quoted_question('"Neu?" Was meint ihr?')
    (True, False)
    >>> _quoted_question('Talk: "Wer besitzt die Daten?" https://x.de/?id=7')
    True
    """
    if "?" not in text:  # most posts: no second pass over the text
        return False
    text = without_links(text)
    return "?" in text and "?" not in _QUOTED.sub(" ", text)


_SUBJECT_PUNCTUATION = frozenset({",", "-", "–", "—"})


def _handle_as_subject(batch: TokenBatch, bits: np.ndarray, lead: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """1.0 where the token after the leading @handles is a comma, a dash or a reporting verb."""
    out = np.zeros(len(batch))
    opens = np.flatnonzero((lead > 0) & (lead < lengths))
    follower = batch.offsets[:-1][opens] + lead[opens]
    reporting = ((bits[follower] >> _CUE["reporting_verb"]) & 1).astype(bool)
    punctuation = np.fromiter((batch.tokens[i][lead[i]] in _SUBJECT_PUNCTUATION for i in opens.tolist()),
                              dtype=bool, count=len(opens))
    out[opens] = reporting | punctuation
    return out


def _metadata_features(out: np.ndarray, batch: TokenBatch, posts: PostBatch, lead: np.ndarray,
                       links: np.ndarray) -> None:
    """Reply metadata, platform and the reply-shape interactions (``links``: log1p of each post's
    link count)."""
    col = _FEATURE
    for i, (is_reply, reply_to, author, platform) in enumerate(
            zip(posts.is_reply, posts.reply_to, posts.author, posts.platform)):
        row = out[i]
        target = reply_to.lower() if reply_to else None
        self_reply = target is not None and author is not None and target == author.lower()
        if is_reply is not False and lead[i] > 0 and not self_reply and (
                target is None or target in {t[1:].split("@")[0].lower() for t in batch.tokens[i][:lead[i]]}):
            # Twitter marks a tweet that opens with @handle as a reply to that handle, so the flag
            # says what the text already says, also of "@Partner zeigt ..." (codebook rule 4: a
            # mention is not address). Such a post is scored on its text, as without metadata.
            is_reply, target = None, None
        row[col["is_reply"]] = is_reply is True
        row[col["not_reply"]] = is_reply is False
        row[col["no_reply_flag"]] = is_reply is None
        if target is not None:
            row[col["self_thread"]] = self_reply
            row[col["reply_to_other"]] = not self_reply
        key = f"platform_{platform_name(platform)}"
        row[col[key] if key in col else col["platform_unknown"]] = 1.0
    cues = out[:, :_N_CUES]
    replyish = reply_shaped(posts).astype(float)
    promo = cues[:, _CUE["promo"]] + cues[:, _CUE["cta"]] + cues[:, _CUE["event"]]
    personal = sum(cues[:, _CUE[name]] for name in (
        "thanks", "apology", "second_person", "help_offer", "dm_request", "sympathy", "greeting",
        "details_request", "redirect", "positive_reaction"))
    # Only an explicit request for the audience's answer counts: "are you …?", "do you …?" and
    # "favourite" open rhetorical teasers as often as real invitations (codebook rule 6).
    invite = cues[:, _CUE["invite_response"]]
    out[:, col["replyish_promo"]] = replyish * promo
    out[:, col["replyish_personal"]] = replyish * personal
    out[:, col["toplevel_invite"]] = (1 - replyish) * invite
    out[:, col["toplevel_links"]] = (1 - replyish) * links


__all__ = ["Featurizer", "FeatureBlocks", "FEATURE_NAMES", "FEATURE_DOCS", "FEATURE_SCHEMA_VERSION", "NGRAM_BLOCKS",
           "named_features", "cue_bits"]
