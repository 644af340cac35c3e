"""Platform exports recognised from their fields: X/Twitter, Facebook, Instagram, Mastodon, LinkedIn.

A file saved from a platform's API or export tool does not have dialogcls' columns (``text``,
``is_reply``, ``reply_to``, ``author``, ``platform``, ``lang``), but its fields say the same things.
:func:`detect` tells the platform from a file's field names, :func:`derive` reads a record's post
fields from them, and :func:`unpack` opens the envelopes that API responses come in.

=========  ======================================================================================
preset     recognised from, and read as
=========  ======================================================================================
twitter    API v2 tweets (``edit_history_tweet_ids``, ``referenced_tweets``, ``in_reply_to_user_id``,
           ``conversation_id``, ``author_id``; the ``data``/``includes`` envelope, also one response
           per line as twarc writes it; twarc's flattened CSV ``author.username`` …) and v1.1 tweets
           (``in_reply_to_status_id``, ``user``, ``retweeted_status``, ``full_text``). A reply id
           means a reply; ``author_id`` and ``in_reply_to_user_id`` become user names from
           ``includes.users``; ``lang`` codes without a language (``zxx``, ``qme``, ``und`` …) become
           unknown; a long tweet's ``note_tweet.text`` is its text.
facebook   Graph API posts and comments (``message``, ``created_time``, ``from``; ``parent``: a reply).
           A photo-only post has no ``message``: an empty text, scored like any post.
instagram  Graph API media (``caption``, ``media_type``, ``timestamp``, ``username``).
mastodon   API statuses (``content`` as HTML, ``account.acct``, ``in_reply_to_id``,
           ``in_reply_to_account_id``, ``reblog``, ``language``) and the account archive's
           ActivityPub ``outbox.json`` (``Create`` and ``Announce`` activities).
linkedin   Posts API (``commentary``, ``author``, ``createdAt``, ``reshareContext``), ``ugcPosts``
           (``specificContent``), and the page and member CSV exports (``Post title``/``Update
           Title``, ``Created date``, ``Posted by``; ``ShareCommentary``, ``Date``, ``ShareLink``).
=========  ======================================================================================

A plain share (a retweet, a reblog, a LinkedIn reshare or a Facebook share without own words) is
broadcast of kind ``share`` by codebook rule 10 and is not scored as text: its cue is the platform's
word for it (:data:`SHARE_CUES`). A quote is scored: it may answer its author (also rule 10).

Example
-------
>>> response = {"data": [{"id": "2", "text": "@ann Sorry! DM us?", "author_id": "1", "lang": "en",
...                       "in_reply_to_user_id": "9", "referenced_tweets": [{"type": "replied_to", "id": "5"}]}],
...             "includes": {"users": [{"id": "1", "username": "acme"}, {"id": "9", "username": "ann"}]}}
>>> tweets = unpack(response)
>>> preset = detect(tweets[0])
>>> preset, derive(tweets[0], preset)
('twitter', ({'platform': 'twitter', 'id': '2', 'text': '@ann Sorry! DM us?', 'author': 'acme', 'is_reply': True, 'reply_to': 'ann', 'lang': 'en'}, None))
"""
from __future__ import annotations

import datetime as _dt
import html
import json
from html.parser import HTMLParser
from typing import Any, Callable, Iterable, Mapping

from .prep import UNDETERMINED

#: The platforms whose exports are recognised, in the order they are tried.
PRESETS = ("mastodon", "twitter", "instagram", "facebook", "linkedin")
#: The cue of a plain share on each platform (codebook rule 10: broadcast, kind ``share``).
SHARE_CUES = {"twitter": "retweet", "mastodon": "reblog", "linkedin": "reshare", "facebook": "share"}
#: Fields whose derived value wins over a same-named column of the export (the others fill gaps).
OVERRIDES = {"twitter": ("text", "lang")}
#: The ``lang`` codes of X that name no language (one set with the detection step's).
TWITTER_NO_LANGUAGE = UNDETERMINED
#: The post fields each platform's records give (``lang`` is not added as a column: scoring writes it).
DERIVED_FIELDS = {
    "twitter": ("id", "text", "is_reply", "reply_to", "author", "platform", "created_at"),
    "mastodon": ("id", "text", "is_reply", "reply_to", "author", "platform", "created_at"),
    "facebook": ("id", "text", "is_reply", "author", "platform", "created_at"),
    "instagram": ("id", "text", "is_reply", "author", "platform", "created_at"),
    "linkedin": ("id", "text", "is_reply", "author", "platform", "created_at"),
}
#: Human-readable names for messages.
NAMES = {"twitter": "X/Twitter", "facebook": "Facebook", "instagram": "Instagram", "mastodon": "Mastodon",
         "linkedin": "LinkedIn"}

_TWITTER_FIELDS = frozenset({"edit_history_tweet_ids", "referenced_tweets", "in_reply_to_user_id", "conversation_id",
                             "author_id", "note_tweet", "in_reply_to_status_id", "in_reply_to_status_id_str",
                             "in_reply_to_screen_name", "retweeted_status", "full_text", "id_str",
                             "author.username", "in_reply_to_user.username"})
_MASTODON_FIELDS = frozenset({"account", "account.acct", "in_reply_to_id", "in_reply_to_account_id", "reblog",
                              "visibility", "spoiler_text"})
_FACEBOOK_POST_FIELDS = frozenset({"status_type", "story", "permalink_url", "full_picture", "attachments",
                                   "is_published", "shares"})
_LINKEDIN_FIELDS = frozenset({"commentary", "specificContent", "ShareCommentary", "Post title", "Update Title"})


def detect(fields: Iterable[str]) -> str | None:
    """The platform whose export has these field names, or None for a file of plain posts.

    Example
    -------
    >>> detect(["id", "content", "account", "in_reply_to_id"]), detect(["id", "text", "author"])
    ('mastodon', None)
    """
    names = set(fields)
    if "content" in names and names & _MASTODON_FIELDS or {"type", "actor", "object"} <= names:
        return "mastodon"
    if names & {"text", "full_text"} and (names & _TWITTER_FIELDS
                                            or any(name.startswith("referenced_tweets.") for name in names)):
        return "twitter"
    if names & {"caption", "media_type", "media_product_type"}:
        return "instagram"
    if "created_time" in names or "from" in names and "id" in names or "message" in names and (
            names & _FACEBOOK_POST_FIELDS or "parent" in names):
        return "facebook"
    if names & _LINKEDIN_FIELDS:
        return "linkedin"
    return None


def unpack(value: Any) -> list[dict] | None:
    """The records in a parsed JSON value: an object is one record, an array its objects, and an API
    response its posts (``data`` with ``includes`` of Twitter or ``paging`` of the Graph API, or
    ActivityPub's ``orderedItems``). None when the value holds no records.

    Twitter's ``includes.users`` are resolved into ``author.username`` and
    ``in_reply_to_user.username``, as twarc's flattened files name them.

    Example
    -------
    >>> unpack([{"text": "a"}, {"text": "b"}]), unpack({"data": [{"message": "Hi"}], "paging": {}}), unpack(3)
    ([{'text': 'a'}, {'text': 'b'}], [{'message': 'Hi'}], None)
    """
    if isinstance(value, list):
        records = [item for item in value if isinstance(item, dict)]
        return records if len(records) == len(value) else None
    if not isinstance(value, dict):
        return None
    items = value.get("orderedItems")
    if isinstance(items, list) and value.get("type") in ("OrderedCollection", "OrderedCollectionPage"):
        return [item for item in items if isinstance(item, dict)]
    data = value.get("data")
    envelope = set(value) <= {"data", "includes", "meta", "errors", "paging", "summary"}
    if isinstance(data, (list, dict)) and envelope:
        records = [data] if isinstance(data, dict) else [item for item in data if isinstance(item, dict)]
        users = value.get("includes", {}).get("users", []) if isinstance(value.get("includes"), dict) else []
        names = {str(user.get("id")): user.get("username") for user in users if isinstance(user, dict)}
        if names:
            records = [_with_usernames(record, names) for record in records]
        return records
    return [value]


def _with_usernames(tweet: dict, names: Mapping[str, Any]) -> dict:
    tweet = dict(tweet)
    for field, target in (("author_id", "author.username"), ("in_reply_to_user_id", "in_reply_to_user.username")):
        if _present(tweet.get(field)) and target not in tweet and str(tweet[field]) in names:
            tweet[target] = names[str(tweet[field])]
    return tweet


def derive(record: Mapping[str, Any], preset: str) -> tuple[dict[str, Any], str | None]:
    """The post fields an export record gives (only those it determines; ``None`` for a field it
    says is unknown), and the share cue when the record is a plain share (else None).

    Example
    -------
    >>> derive({"content": "<p>Danke <span>@ann</span>!</p>", "account": {"acct": "bahn"},
    ...         "in_reply_to_id": None, "reblog": None}, "mastodon")
    ({'platform': 'mastodon', 'text': 'Danke @ann!', 'author': 'bahn', 'is_reply': False}, None)
    """
    return _DERIVE[preset](record)


# -- the platforms ----------------------------------------------------------------------------------

def _twitter(record: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    out: dict[str, Any] = {"platform": "twitter"}
    _put(out, "id", _first(record, "id", "id_str"))
    text = _first(record, "note_tweet.text", "extended_tweet.full_text", "full_text", "text")
    if text is not None:
        out["text"] = text
    author = _first(record, "author.username", "user.screen_name", "author_id", "user.id_str")
    _put(out, "author", author)
    referenced = record.get("referenced_tweets")
    if isinstance(referenced, str) and referenced.startswith("["):
        try:
            referenced = json.loads(referenced)
        except ValueError:
            referenced = None
    kinds = {str(ref.get("type")) for ref in referenced if isinstance(ref, Mapping)} if isinstance(referenced, list) else set()
    kinds |= {kind for kind in ("replied_to", "retweeted", "quoted") if _present(record.get(f"referenced_tweets.{kind}.id"))}
    if _present(record.get("retweeted_status")):
        kinds.add("retweeted")
    replied_user = _first(record, "in_reply_to_user_id", "in_reply_to_user_id_str")
    if "replied_to" in kinds or replied_user is not None or _present(record.get("in_reply_to_status_id")):
        out["is_reply"] = True
        own = _first(record, "author_id", "user.id_str")
        if replied_user is not None and own is not None and str(replied_user) == str(own):
            _put(out, "reply_to", author)  # a thread of its own (codebook rule 3)
        else:
            _put(out, "reply_to", _first(record, "in_reply_to_user.username", "in_reply_to_screen_name") or replied_user)
    elif "referenced_tweets" in record or any(key.startswith("referenced_tweets.") for key in record) or (
            _present(record.get("conversation_id")) and str(record.get("conversation_id")) == str(record.get("id"))):
        out["is_reply"] = False
    lang = record.get("lang")
    if "lang" in record:
        out["lang"] = None if not _present(lang) or str(lang).lower() in TWITTER_NO_LANGUAGE else str(lang)
    _put(out, "created_at", record.get("created_at"))
    return out, SHARE_CUES["twitter"] if "retweeted" in kinds else None


def _mastodon(record: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    if "object" in record and "actor" in record:
        return _activity(record)
    out: dict[str, Any] = {"platform": "mastodon"}
    _put(out, "id", record.get("id"))
    reblog = record.get("reblog")
    shown = reblog if isinstance(reblog, Mapping) else record
    text = html_to_text(_first(shown, "content") or "")
    warning = _first(shown, "spoiler_text")
    out["text"] = f"{warning}\n\n{text}" if warning else text
    author = _first(record, "account.acct", "account.username")
    _put(out, "author", author)
    if "in_reply_to_id" in record:
        replied = record.get("in_reply_to_id")
        out["is_reply"] = _present(replied)
        if _present(replied):
            target = record.get("in_reply_to_account_id")
            if _present(target) and str(target) == str(_first(record, "account.id")):
                _put(out, "reply_to", author)
            else:
                mentions = record.get("mentions") if isinstance(record.get("mentions"), list) else []
                named = [m.get("acct") for m in mentions if isinstance(m, Mapping) and str(m.get("id")) == str(target)]
                _put(out, "reply_to", named[0] if named else target)
    _put(out, "lang", record.get("language"))
    _put(out, "created_at", record.get("created_at"))
    return out, SHARE_CUES["mastodon"] if _present(reblog) else None


def _activity(record: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """An ActivityPub activity of a Mastodon archive's ``outbox.json``."""
    out: dict[str, Any] = {"platform": "mastodon"}
    _put(out, "id", record.get("id"))
    _put(out, "created_at", record.get("published"))
    actor = record.get("actor")
    if isinstance(actor, str) and actor.rstrip("/"):
        out["author"] = actor.rstrip("/").rsplit("/", 1)[-1]
    post = record.get("object")
    if record.get("type") == "Announce":
        out["text"] = ""
        return out, SHARE_CUES["mastodon"]
    if isinstance(post, Mapping):
        out["text"] = html_to_text(str(post.get("content") or ""))
        out["is_reply"] = _present(post.get("inReplyTo"))
        languages = post.get("contentMap")
        if isinstance(languages, Mapping) and len(languages) == 1:
            out["lang"] = str(next(iter(languages)))
    else:
        out["text"] = ""
    return out, None


def _facebook(record: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    out: dict[str, Any] = {"platform": "facebook", "text": _text(record.get("message"))}
    _put(out, "id", record.get("id"))
    _put(out, "author", _first(record, "from.name", "from.id"))
    _put(out, "created_at", record.get("created_time"))
    if _present(record.get("parent")) or _present(record.get("parent.id")):
        out["is_reply"] = True
    elif set(record) & _FACEBOOK_POST_FIELDS:
        out["is_reply"] = False
    share = record.get("status_type") == "shared_story" and not out["text"].strip()
    return out, SHARE_CUES["facebook"] if share else None


def _instagram(record: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    out: dict[str, Any] = {"platform": "instagram", "text": _text(record.get("caption"))}
    _put(out, "id", record.get("id"))
    _put(out, "author", record.get("username"))
    _put(out, "created_at", record.get("timestamp"))
    if _present(record.get("media_type")) or _present(record.get("media_product_type")):
        out["is_reply"] = False
    return out, None


def _linkedin(record: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    out: dict[str, Any] = {"platform": "linkedin", "is_reply": False}
    content = record.get("specificContent")
    ugc = content.get("com.linkedin.ugc.ShareContent") if isinstance(content, Mapping) else None
    ugc_text = ugc.get("shareCommentary", {}).get("text") if isinstance(ugc, Mapping) and isinstance(
        ugc.get("shareCommentary"), Mapping) else None
    out["text"] = _text(_first(record, "commentary", "ShareCommentary", "Post title", "Update Title") or ugc_text)
    _put(out, "id", _first(record, "id", "Post link", "Update Link", "ShareLink"))
    _put(out, "author", _first(record, "author", "Posted by"))
    created = _first(record, "createdAt", "publishedAt", "created.time", "Created date", "Date")
    if isinstance(created, (int, float)) and not isinstance(created, bool) and created > 10**11:
        created = _dt.datetime.fromtimestamp(created / 1000, _dt.timezone.utc).isoformat().replace("+00:00", "Z")
    _put(out, "created_at", created)
    share = _present(record.get("reshareContext")) and not out["text"].strip()
    return out, SHARE_CUES["linkedin"] if share else None


_DERIVE: dict[str, Callable[[Mapping[str, Any]], tuple[dict[str, Any], str | None]]] = {
    "twitter": _twitter, "mastodon": _mastodon, "facebook": _facebook, "instagram": _instagram,
    "linkedin": _linkedin}


# -- helpers -----------------------------------------------------------------------------------------

def _present(value: Any) -> bool:
    """Not missing: not None, NaN, an empty string or an empty container."""
    if value is None or (isinstance(value, float) and value != value) or type(value).__name__ == "NAType":
        return False
    return not (isinstance(value, (str, list, dict, tuple)) and len(value) == 0)


def _get(record: Mapping[str, Any], path: str) -> Any:
    """``record[path]``, or the nested value ``record["a"]["b"]`` for ``path="a.b"``."""
    if path in record:
        return record[path]
    value: Any = record
    for part in path.split("."):
        if not isinstance(value, Mapping):
            return None
        value = value.get(part)
    return value


def _first(record: Mapping[str, Any], *paths: str) -> Any:
    """The first of ``paths`` that is present in ``record``, or None."""
    for path in paths:
        value = _get(record, path)
        if _present(value):
            return value
    return None


def _put(out: dict[str, Any], field: str, value: Any) -> None:
    if _present(value):
        out[field] = value


def _text(value: Any) -> Any:
    """A text field: missing means an empty post (a photo without words); other values stay as they are."""
    return value if _present(value) else ""


class _TextOfHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_to_text(markup: str) -> str:
    """The text of a status's HTML: tags dropped, ``<br>`` and paragraphs as line breaks, entities decoded.

    Example
    -------
    >>> html_to_text('<p>Hallo <a href="https://x.y/@ann" class="mention">@<span>ann</span></a>!</p><p>Danke &amp; tschüss</p>')
    'Hallo @ann!\\n\\nDanke & tschüss'
    """
    if "<" not in markup:
        return html.unescape(markup)
    parser = _TextOfHtml()
    parser.feed(markup)
    parser.close()
    return "".join(parser.parts).strip()


__all__ = ["PRESETS", "SHARE_CUES", "OVERRIDES", "DERIVED_FIELDS", "NAMES", "TWITTER_NO_LANGUAGE", "detect", "unpack", "derive",
           "html_to_text"]
