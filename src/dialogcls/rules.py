"""The codebook's structural rules, written once: reply shape, self-threads and the reply rule.

Every other module (features, training weights, evaluation, the report, the benchmarks) takes these
from here, so the baseline the model is measured against and the strata the model is built on are
the same thing everywhere.

- A post is **reply-shaped** when the platform marks it as a reply to another account, or when it
  opens with an ``@handle`` (address; a leading ``.@handle`` is a public mention, codebook rule 4).
- A **self-thread** is a reply to the author's own account (codebook rule 3): not reply-shaped by
  its metadata.
- The **reply rule**, the baseline: a reply-shaped post is dialogue, every other post broadcast.

Example
-------
>>> from dialogcls.records import PostBatch
>>> posts = PostBatch.from_columns(["@anna Danke!", "Neu im Shop", "2/3 Mehr dazu", ".@b Neu!"],
...                                is_reply=[None, None, True, None], reply_to=[None, None, "acme", None],
...                                author="acme")
>>> reply_shaped(posts).tolist()
[True, False, False, False]
>>> reply_rule(posts).tolist()
['dialogue', 'broadcast', 'broadcast', 'broadcast']
"""
from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from .records import PostBatch

#: The strata the model and the evaluation are built on, in index order.
STRATA = ("top-level", "reply-shaped")


_LEADING_HANDLE = re.compile(r"\s*@\w")
_LINK = re.compile(r"(?:https?://|www\.)\S*")


def without_links(text: str) -> str:
    """The text with each link replaced by a space: a ``?`` in a query string is no question.

    Example
    -------
    >>> without_links("Neu: https://x.de/a?utm_source=tw !")
    'Neu:   !'
    """
    return _LINK.sub(" ", text)


def leading_handle(texts: Sequence[str]) -> np.ndarray:
    """Per text, whether it opens with an ``@handle`` (``.@handle`` and a bare ``@`` do not count)."""
    match = _LEADING_HANDLE.match
    return np.fromiter((match(text) is not None for text in texts), dtype=bool, count=len(texts))


def self_thread(posts: PostBatch) -> np.ndarray:
    """Per post, whether it replies to its own author's account (a thread continued)."""
    return np.fromiter(
        (bool(reply_to and author and reply_to.lower() == author.lower())
         for reply_to, author in zip(posts.reply_to, posts.author)), dtype=bool, count=len(posts))


def marked_reply(posts: PostBatch) -> np.ndarray:
    """Per post, whether the platform marks it as a reply to another account."""
    flagged = np.fromiter((flag is True for flag in posts.is_reply), dtype=bool, count=len(posts))
    return flagged & ~self_thread(posts)


def reply_shaped(posts: PostBatch) -> np.ndarray:
    """Per post, whether it is marked as a reply to another account or opens with an @handle."""
    return marked_reply(posts) | leading_handle(posts.text)


def stratum(posts: PostBatch) -> np.ndarray:
    """Per post, the index into :data:`STRATA` (0 top-level, 1 reply-shaped)."""
    return reply_shaped(posts).astype(np.int64)


def reply_rule(posts: PostBatch) -> np.ndarray:
    """The baseline: ``dialogue`` for reply-shaped posts, ``broadcast`` for the rest."""
    return np.where(reply_shaped(posts), "dialogue", "broadcast").astype(object)


#: The cells of :func:`cells`, in index order: reply shape x has a question mark x has a link.
CELLS = tuple(f"{shape}, {'question' if q else 'no question'}, {'link' if link else 'no link'}"
              for shape in STRATA for q in (False, True) for link in (False, True))


def cells(posts: PostBatch) -> np.ndarray:
    """Per post, the index into :data:`CELLS`: the structure that real posts and a written corpus
    share least (reply shape x question mark x link; a ``?`` inside a link is no question); training
    weights are set per cell.

    Example
    -------
    >>> CELLS[int(cells(PostBatch.from_columns(["Was meint ihr? https://t.co/x"]))[0])]
    'top-level, question, link'
    >>> CELLS[int(cells(PostBatch.from_columns(["Neu: https://x.de/a?utm_source=tw"]))[0])]
    'top-level, no question, link'
    """
    question = np.fromiter(("?" in without_links(text) for text in posts.text), dtype=bool, count=len(posts))
    link = np.fromiter((_LINK.search(text) is not None for text in posts.text), dtype=bool, count=len(posts))
    return stratum(posts) * 4 + question * 2 + link


__all__ = ["STRATA", "CELLS", "leading_handle", "self_thread", "marked_reply", "reply_shaped", "stratum",
           "reply_rule", "cells", "without_links"]
