"""Threads for the account report: users' questions to an account, its answers, links to posts.

Works on the standard columns ``id`` and ``reply_to_id`` (the id of the post a post replies to),
which :mod:`dialogcls.exports` fills from platform exports (X/Twitter's ``referenced_tweets`` and
``in_reply_to_*`` fields, Mastodon's ``in_reply_to_id``) and the command line maps with
``--id-column`` / ``--reply-to-id-column``.

- A **question** is a post by another user (an author that is not among the reported accounts)
  containing ``?`` that replies to one of the account's posts (``reply_to_id``) or mentions
  ``@account``.
- It is **answered** when the account has a post whose ``reply_to_id`` is the question's ``id``;
  the answer time runs from the question to the account's first such post.

Example
-------
>>> import pandas as pd
>>> frame = pd.DataFrame({"id": [1, 2], "reply_to_id": [None, 1], "author": ["ann", "acme"],
...                       "text": ["@acme is the shop open?", "@ann Yes, until 8!"]})
>>> questions = find_questions(frame, "author", ["acme"], None, None)
>>> questions[["author", "_answered"]].values.tolist()
[['acme', True]]
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from .records import platform_name

_MENTION = re.compile(r"(?<![\w@])@(\w+)")
_FLOAT_ID = re.compile(r"\d+\.0+")
_NUMERIC_ID = re.compile(r"\d{6,20}")
#: Where a post of a platform lives, from its author and id (used when the input has no ``url``).
_POST_URLS = {"twitter": "https://x.com/{author}/status/{id}"}


def _replied_to(value: Any) -> str | None:
    """The ``replied_to`` id in an X/Twitter API v2 ``referenced_tweets`` value (list or JSON text)."""
    if isinstance(value, str) and value.startswith("["):
        import json

        try:
            value = json.loads(value)
        except ValueError:
            return None
    if isinstance(value, (list, tuple, np.ndarray)):
        for reference in value:
            if isinstance(reference, dict) and reference.get("type") == "replied_to" and reference.get("id"):
                return str(reference["id"])
    return None


#: Export fields that hold the id of the post replied to, in the order they are tried: X/Twitter API
#: v1.1 and archives, twarc's flattened CSV, Mastodon statuses.
REPLY_TO_ID_FIELDS = ("in_reply_to_status_id_str", "in_reply_to_status_id", "referenced_tweets.replied_to.id",
                      "in_reply_to_tweet_id", "in_reply_to_id")


def add_thread_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Fill the standard thread columns from platform export fields where they are missing:
    ``id`` from ``id_str``; ``reply_to_id`` from X/Twitter's ``referenced_tweets`` (type
    ``replied_to``) and ``in_reply_to_status_id(_str)``, or Mastodon's ``in_reply_to_id``; ``url``
    from Mastodon's ``url``/``uri`` is used as it is. Columns that exist are left alone.

    Example
    -------
    >>> frame = pd.DataFrame({"id": ["2"], "referenced_tweets": [[{"type": "replied_to", "id": "1"}]]})
    >>> add_thread_columns(frame)["reply_to_id"].tolist()
    ['1']
    """
    frame = frame.copy()
    if "id" not in frame.columns and "id_str" in frame.columns:
        frame["id"] = frame["id_str"]
    if "reply_to_id" in frame.columns:
        return frame
    found = pd.Series(None, index=frame.index, dtype=object)
    if "referenced_tweets" in frame.columns:
        found = frame["referenced_tweets"].map(_replied_to).astype(object)
    for name in REPLY_TO_ID_FIELDS:
        if name in frame.columns:
            keys = id_keys(frame[name])
            found = found.where(found.notna(), keys)
    if found.notna().any() or "referenced_tweets" in frame.columns or set(REPLY_TO_ID_FIELDS) & set(frame.columns):
        frame["reply_to_id"] = found
    return frame


def has_threads(frame: pd.DataFrame) -> bool:
    """Whether the posts carry the thread columns ``id`` and ``reply_to_id``."""
    return {"id", "reply_to_id"} <= set(frame.columns)


def id_keys(values: pd.Series) -> pd.Series:
    """Post ids as comparable strings (``12``, ``12.0``, ``"12.0"`` and ``"12"`` agree); missing stays missing.

    Example
    -------
    >>> [key if isinstance(key, str) else None for key in id_keys(pd.Series([12.0, None, " 7 "]))]
    ['12', None, '7']
    """

    def convert(value: Any) -> str | None:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            return str(int(value))
        text = str(value).strip()
        if _FLOAT_ID.fullmatch(text):  # "12.0": an integer id written by a float column (CSV)
            text = text.split(".", 1)[0]
        return text or None

    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        present = values.notna()
        if (values[present] % 1 == 0).all():  # vectorised path for integer ids (also as floats)
            keys = pd.Series(None, index=values.index, dtype=object)
            keys[present] = values[present].astype("int64").astype(str).to_numpy(dtype=object)
            return keys
    return values.map(convert).astype(object)


def find_questions(frame: pd.DataFrame, by: str, accounts: list[Any], times: pd.Series | None,
                   periods: pd.Series | None) -> pd.DataFrame | None:
    """One row per (question, account it is directed at), with the answer flag and minutes.

    Returns None when the input has no thread structure (``id`` and ``reply_to_id``).
    """
    if not has_threads(frame):
        return None
    ids = id_keys(frame["id"])
    parents = id_keys(frame["reply_to_id"])
    owners = frame[by]
    is_account = owners.isin(accounts)
    if times is None:
        times = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns, UTC]")

    owner_of_id = pd.Series(owners.to_numpy(), index=ids.to_numpy())
    owner_of_id = owner_of_id[owner_of_id.index.notna()]
    owner_of_id = owner_of_id[~owner_of_id.index.duplicated()]
    asks = ~is_account & owners.notna() & frame["text"].str.contains("?", regex=False)

    account_of_handle = {str(account).lstrip("@").lower(): account for account in accounts}
    mentioned = (
        frame.loc[asks, "text"].str.findall(_MENTION).explode().dropna().str.lower()
        .map(account_of_handle).dropna()
    )
    replied_to = parents[asks].map(owner_of_id)
    replied_to = replied_to[replied_to.isin(accounts)]
    targets = pd.concat([replied_to, mentioned])
    pairs = pd.DataFrame({by: targets.to_numpy(), "_row": targets.index}).drop_duplicates()

    rows = pairs["_row"].to_numpy(dtype=int)
    questions = pd.DataFrame({
        by: pairs[by].array,
        "_qid": ids.iloc[rows].array,
        "_qtime": times.iloc[rows].array,
    })
    if periods is not None:
        questions["_period"] = periods.iloc[rows].array

    answers = pd.DataFrame({by: owners, "_qid": parents, "_atime": times})[is_account]
    answers = answers[answers["_qid"].notna()].groupby([by, "_qid"], sort=False).agg(
        _atime=("_atime", "min"), _n=("_atime", "size")
    )
    questions = questions.join(answers, on=[by, "_qid"])
    questions["_answered"] = questions["_n"].notna() & questions["_qid"].notna()
    minutes = (questions["_atime"] - questions["_qtime"]).dt.total_seconds() / 60.0
    questions["_minutes"] = minutes.where(questions["_answered"])
    return questions.drop(columns=["_atime", "_n"])


def post_links(frame: pd.DataFrame, by: str) -> pd.Series:
    """Per post, a link to it where one is known, else None: the ``url`` column (http and https
    only), else for X/Twitter posts with a numeric id the status URL built from author and id.

    Example
    -------
    >>> frame = pd.DataFrame({"author": ["acme", "acme"], "id": ["1234567890", "x"],
    ...                       "platform": ["twitter", "twitter"]})
    >>> [link if isinstance(link, str) else None for link in post_links(frame, "author")]
    ['https://x.com/acme/status/1234567890', None]
    """
    links = pd.Series(None, index=frame.index, dtype=object)
    if "url" in frame.columns:
        urls = frame["url"].astype("string").str.strip()
        links = links.where(~urls.str.match(r"https?://", na=False), urls.astype(object))
    if "id" in frame.columns and "platform" in frame.columns:
        ids = id_keys(frame["id"]).astype("string")
        handles = frame[by].astype("string").str.strip().str.lstrip("@")
        platforms = frame["platform"].map(platform_name).astype("string")
        for platform, template in _POST_URLS.items():
            usable = (links.isna() & (platforms == platform).fillna(False)
                      & ids.str.fullmatch(_NUMERIC_ID.pattern).fillna(False)
                      & handles.str.fullmatch(r"\w{1,50}").fillna(False)).astype(bool)
            if usable.any():
                prefix, middle = template.split("{author}")[0], template.split("{author}")[1].split("{id}")[0]
                links[usable] = (prefix + handles[usable] + middle + ids[usable]).astype(object)
    return links


__all__ = ["add_thread_columns", "REPLY_TO_ID_FIELDS", "has_threads", "id_keys", "find_questions", "post_links"]
