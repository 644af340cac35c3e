"""Account report: does an organisation talk with its audience or only broadcast?

The report turns scored posts (one row per post with ``label`` and ``p_dialogue``) into tables per
account, overall and per period, and renders them as one self-contained HTML file.

Definitions used throughout (the labels follow the codebook):

* **dialogue share**: dialogue posts / labelled posts, with a 95 % Wilson interval.
* **structural reply share**: posts the platform marks as a reply / posts where that is known.
  Compared with the dialogue share it exposes replies that only promote.
* **promotional replies**: posts marked as a reply but labelled ``broadcast`` (codebook rule 2).
* **questions received / answered**: posts by other users (authors that are not among the reported
  accounts) containing ``?`` that reply to one of the account's posts (``reply_to_id``) or mention
  ``@account``; answered when the account has a post whose ``reply_to_id`` is the question's ``id``.
  Only available when the input has the columns ``id`` and ``reply_to_id``.
"""

from __future__ import annotations

import html
import io
import re
import warnings
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from .errors import DialogclsError
from .records import KINDS, parse_bool

__all__ = ["AccountReport", "report", "wilson_interval"]

LABELS = ("dialogue", "broadcast")
DIALOGUE_KINDS = KINDS["dialogue"]
BROADCAST_KINDS = KINDS["broadcast"]

#: Accounts at or above this dialogue share are said to talk with their audience.
DIALOGUE_THRESHOLD = 0.5
#: Accounts below this dialogue share are said to (almost) only broadcast.
BROADCAST_THRESHOLD = 0.1
#: At most this many accounts in each chart (the rest stay in the tables).
MAX_BAR_ACCOUNTS = 40
MAX_TREND_ACCOUNTS = 8
N_EXAMPLES = 3

_PERIOD_NAMES = {"W": "week", "M": "month", "Q": "quarter", "Y": "year"}
_MENTION = re.compile(r"(?<![\w@])@(\w+)")

_COUNT_COLUMNS = ["posts", "dialogue", "broadcast"]
_THREAD_COLUMNS = [
    "questions_received",
    "questions_answered",
    "answer_rate",
    "median_answer_minutes",
]


# --------------------------------------------------------------------------------------------
# Public helpers
# --------------------------------------------------------------------------------------------


def wilson_interval(
    successes: int | np.ndarray | Sequence[int],
    n: int | np.ndarray | Sequence[int],
    z: float = 1.96,
) -> tuple[Any, Any]:
    """Wilson score interval for a binomial proportion.

    Parameters
    ----------
    successes, n : int or array-like of int
        Number of successes and of trials; arrays are broadcast against each other.
    z : float, default 1.96
        Standard normal quantile (1.96 for a 95 % interval).

    Returns
    -------
    (low, high) : tuple of float or of numpy arrays
        The bounds; NaN where ``n`` is 0. Floats for scalar input, arrays otherwise.

    Raises
    ------
    ValueError
        If a count is negative or ``successes`` exceeds ``n``.

    Example
    -------
    >>> low, high = wilson_interval(3, 10)
    >>> round(low, 4), round(high, 4)
    (0.1078, 0.6032)
    """
    k = np.asarray(successes, dtype=float)
    total = np.asarray(n, dtype=float)
    if np.any(k < 0) or np.any(total < 0) or np.any(k > total):
        raise ValueError("wilson_interval needs 0 <= successes <= n for every pair of counts.")
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / total
        z2 = z * z
        denom = 1.0 + z2 / total
        centre = (p + z2 / (2.0 * total)) / denom
        half = z * np.sqrt(p * (1.0 - p) / total + z2 / (4.0 * total * total)) / denom
        # The bounds are exactly 0 and 1 at the extremes; avoid rounding noise there.
        low = np.where(k == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
        high = np.where(k == total, 1.0, np.clip(centre + half, 0.0, 1.0))
        low = np.where(total > 0, low, np.nan)
        high = np.where(total > 0, high, np.nan)
    if low.ndim == 0:
        return float(low), float(high)
    return low, high


# --------------------------------------------------------------------------------------------
# The report object
# --------------------------------------------------------------------------------------------


@dataclass
class AccountReport:
    """Tables of an account report, with HTML and CSV output.

    Attributes
    ----------
    accounts : pandas.DataFrame
        One row per account, sorted by rank (unranked accounts last).
    periods : pandas.DataFrame
        One row per account and period with the same core columns (empty without ``created_at``).
    examples : pandas.DataFrame
        Per account up to 3 most confident dialogue and 3 most confident broadcast posts.
    by, period, min_posts
        The parameters the report was built with (``period`` is None without periods).
    has_threads
        Whether the input had ``id`` and ``reply_to_id``, i.e. the question columns are filled.

    Example
    -------
    >>> rep = report(scored_posts, by="author", period="M")   # doctest: +SKIP
    >>> rep.accounts[["author", "dialogue_share", "rank"]]    # doctest: +SKIP
    >>> rep.to_html("report.html"); rep.to_csv("report_csv")  # doctest: +SKIP
    """

    accounts: pd.DataFrame
    periods: pd.DataFrame
    examples: pd.DataFrame
    by: str = "author"
    period: str | None = "M"
    min_posts: int = 5
    has_threads: bool = False

    def summary(self) -> str:
        """One or two sentences saying which accounts talk with their audience and which broadcast.

        Example
        -------
        >>> rep.summary()  # doctest: +SKIP
        'CityWorks (64 %) talks with its audience: ... NewsDesk (0 %) only broadcasts: ...'
        """
        return _summary_text(self)

    def render_html(self) -> str:
        """Return the report as one self-contained HTML document (no scripts, no external files).

        Example
        -------
        >>> "<svg" in rep.render_html()  # doctest: +SKIP
        True
        """
        return _render_html(self)

    def to_html(self, path: str | Path) -> Path:
        """Write the HTML report to ``path`` (UTF-8) and return the path.

        Example
        -------
        >>> rep.to_html("out/report.html")  # doctest: +SKIP
        PosixPath('out/report.html')
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.render_html(), encoding="utf-8")
        return path

    def to_csv(self, directory: str | Path) -> list[Path]:
        """Write ``accounts.csv``, ``periods.csv`` and ``examples.csv`` into ``directory``.

        Returns
        -------
        list of pathlib.Path
            The written files, in that order.

        Example
        -------
        >>> [path.name for path in rep.to_csv("out")]  # doctest: +SKIP
        ['accounts.csv', 'periods.csv', 'examples.csv']
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = []
        for name in ("accounts", "periods", "examples"):
            paths.append(directory / f"{name}.csv")
            getattr(self, name).to_csv(paths[-1], index=False)
        return paths


# --------------------------------------------------------------------------------------------
# Building the tables
# --------------------------------------------------------------------------------------------


def report(
    posts: pd.DataFrame | Iterable[Mapping[str, Any]],
    *,
    by: str = "author",
    period: str | None = "M",
    accounts: Sequence[Any] | None = None,
    min_posts: int = 5,
    model: Any = None,
) -> AccountReport:
    """Build the account report from scored posts.

    Parameters
    ----------
    posts : pandas.DataFrame or iterable of dict
        One row per post with ``text`` and the ``by`` column, the scores ``label``
        (``dialogue``/``broadcast``) and ``p_dialogue``, and optionally ``kind``, ``is_reply``,
        ``reply_to``, ``id``, ``reply_to_id``, ``created_at`` (ISO 8601 strings or datetimes, naive
        means UTC) and ``is_org``. Without a ``label`` column the posts are scored first with
        :func:`dialogcls.api.classify_frame`. Existing labels are never re-scored: with ``label`` but
        no ``p_dialogue`` the labels are used as they are (e.g. hand-coded data) and the examples
        are taken in input order.
    by : str, default "author"
        The grouping column. Its values are the account identities: thread answers are matched on
        it and ``@value`` mentions address it.
    period : {"W", "M", "Q"} or other pandas period alias, or None, default "M"
        The period of the ``periods`` table and of the trend (needs ``created_at``).
    accounts : sequence, optional
        The accounts to report (values of ``by``). If None: the ``by`` values with a truthy
        ``is_org`` where that column exists, otherwise every ``by`` value with at least
        ``min_posts`` labelled posts. Everybody else counts as "other users" whose questions the
        accounts may answer; so in thread data, pass ``accounts`` or ``is_org`` when a user posts
        as often as an organisation.
    min_posts : int, default 5
        Minimum labelled posts for an account to be ranked (and, with ``accounts=None`` and no
        ``is_org``, to be reported at all).
    model : optional
        The model passed to :func:`dialogcls.api.classify_frame` when the posts need scoring;
        None uses the default model.

    Returns
    -------
    AccountReport
        ``accounts``: posts, dialogue, broadcast, dialogue_share, ci_low, ci_high, kind_* counts
        (with a ``kind`` column), structural_replies, structural_reply_share, reply_gap
        (structural minus dialogue share), promotional_replies, questions_received,
        questions_answered, answer_rate, median_answer_minutes (NaN without thread columns),
        trend (least-squares change of the dialogue share per period, weighted by posts) and
        rank (1 = highest dialogue share; empty below ``min_posts``). ``periods`` has the core
        columns per account and period, ``examples`` the most confident posts.

    Raises
    ------
    ValueError
        If ``text`` or the ``by`` column is missing, or ``min_posts`` < 1.

    Example
    -------
    >>> import pandas as pd
    >>> posts = pd.DataFrame({
    ...     "author": ["cityworks"] * 5,
    ...     "text": ["@ann Sorry, fixed now!", "New tariffs: link", "What do you think?",
    ...              "Opening hours", "@bob Thanks!"],
    ...     "label": ["dialogue", "broadcast", "dialogue", "broadcast", "dialogue"],
    ...     "p_dialogue": [0.9, 0.1, 0.8, 0.2, 0.95],
    ... })
    >>> rep = report(posts, period=None)
    >>> row = rep.accounts.iloc[0]
    >>> row["author"], int(row["posts"]), int(row["dialogue"]), float(row["dialogue_share"])
    ('cityworks', 5, 3, 0.6)
    """
    if min_posts < 1:
        raise ValueError(f"min_posts must be at least 1, got {min_posts}.")
    frame = _as_frame(posts, by)
    if "label" not in frame.columns:
        from .api import classify_frame

        frame = classify_frame(frame, model=model)

    labels = frame["label"].astype("string").str.strip().str.lower()
    labelled = labels.isin(LABELS).fillna(False).astype(bool)
    account_list = _resolve_accounts(frame, by, accounts, labelled, min_posts)
    is_account = frame[by].isin(account_list)

    unlabelled = int((is_account & ~labelled).sum())
    if unlabelled:
        warnings.warn(
            f"{unlabelled} posts of the reported accounts have no label 'dialogue' or "
            "'broadcast' and are left out of the numbers.",
            stacklevel=2,
        )

    times = _to_utc(frame["created_at"]) if "created_at" in frame.columns else None
    periods = _to_periods(times, period) if times is not None and period else None
    rows = _post_rows(frame, by, labels, is_account & labelled, periods)
    questions = _questions(frame, by, account_list, times, periods)
    kinds = _kind_list(rows) if "kind" in frame.columns else None

    has_threads = questions is not None
    overall = _aggregate(rows, questions, [by], kinds)
    overall = overall.reindex(pd.Index(account_list, name=by))
    overall = _finish(overall, has_threads=has_threads).reset_index()

    if periods is None:
        per_period = _empty_period_table(overall, by)
    else:
        per_period = _aggregate(rows, questions, [by, "_period"], kinds)
        per_period = _label_periods(_finish(per_period, has_threads=has_threads).reset_index(), by)
    overall["trend"] = overall[by].map(_trend(per_period, by, period)).astype(float)
    overall = _rank(overall, by, min_posts)
    position = {account: index for index, account in enumerate(overall[by])}
    per_period = per_period.sort_values(
        [by, "period_start"], key=lambda c: c.map(position) if c.name == by else c, kind="stable"
    ).reset_index(drop=True)

    return AccountReport(
        accounts=overall,
        periods=per_period,
        examples=_examples(frame, by, labels, is_account & labelled, times),
        by=by,
        period=period if periods is not None else None,
        min_posts=min_posts,
        has_threads=has_threads,
    )


def _as_frame(posts: pd.DataFrame | Iterable[Mapping[str, Any]], by: str) -> pd.DataFrame:
    """Copy the input into a DataFrame with a fresh RangeIndex and check the required columns."""
    frame = posts.copy() if isinstance(posts, pd.DataFrame) else pd.DataFrame(list(posts))
    frame = frame.reset_index(drop=True)
    missing = [column for column in ("text", by) if column not in frame.columns]
    if missing:
        raise ValueError(
            f"The posts have no column {', '.join(map(repr, missing))}; the report needs 'text' "
            f"and the grouping column by={by!r}. Columns found: {list(frame.columns)}."
        )
    frame["text"] = frame["text"].fillna("").astype(str)
    return frame


def _resolve_accounts(
    frame: pd.DataFrame,
    by: str,
    accounts: Sequence[Any] | None,
    labelled: pd.Series,
    min_posts: int,
) -> list[Any]:
    """The reported accounts: given, flagged by ``is_org``, or frequent labelled authors."""
    if accounts is not None:
        return list(dict.fromkeys(accounts))
    if "is_org" in frame.columns:
        flagged = frame.loc[_to_bool(frame["is_org"]) == 1.0, by].dropna()
        return sorted(flagged.unique(), key=str)
    counts = frame.loc[labelled, by].value_counts()
    return sorted(counts.index[counts >= min_posts], key=str)


def _post_rows(
    frame: pd.DataFrame,
    by: str,
    labels: pd.Series,
    mask: pd.Series,
    periods: pd.Series | None,
) -> pd.DataFrame:
    """One row per labelled account post with the flags that the aggregation sums."""
    dialogue = (labels[mask] == "dialogue").astype(bool)
    rows = pd.DataFrame({by: frame.loc[mask, by], "_dialogue": dialogue})
    rows["_reply"] = _structural_replies(frame)[mask]
    rows["_promo"] = (rows["_reply"] == 1.0) & ~rows["_dialogue"]
    if "kind" in frame.columns:
        rows["_kind"] = frame.loc[mask, "kind"].astype("string").str.strip().str.lower()
    if periods is not None:
        rows["_period"] = periods[mask]
    return rows


def _structural_replies(frame: pd.DataFrame) -> pd.Series:
    """1.0 / 0.0 / NaN: is the post a reply (``is_reply``, else ``reply_to_id``, else ``reply_to``)."""
    if "is_reply" in frame.columns:
        return _to_bool(frame["is_reply"])
    for column in ("reply_to_id", "reply_to"):
        if column in frame.columns:
            return _id_keys(frame[column]).notna().astype(float)
    return pd.Series(np.nan, index=frame.index)


def _questions(
    frame: pd.DataFrame,
    by: str,
    accounts: list[Any],
    times: pd.Series | None,
    periods: pd.Series | None,
) -> pd.DataFrame | None:
    """One row per (question, account it is directed at), with answer flag and minutes.

    Returns None when the input has no thread structure (``id`` and ``reply_to_id``).
    """
    if not {"id", "reply_to_id"} <= set(frame.columns):
        return None
    ids = _id_keys(frame["id"])
    parents = _id_keys(frame["reply_to_id"])
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


def _kind_list(rows: pd.DataFrame) -> list[str]:
    """The codebook kinds, plus any other kind found in the data (sorted)."""
    known = DIALOGUE_KINDS + BROADCAST_KINDS
    extra = sorted(set(rows["_kind"].dropna()) - set(known))
    return [*known, *extra]


def _aggregate(
    rows: pd.DataFrame,
    questions: pd.DataFrame | None,
    keys: list[str],
    kinds: list[str] | None,
) -> pd.DataFrame:
    """The core columns per group of ``keys`` (shared by the account and the period table)."""
    grouped = rows.groupby(keys, sort=True)
    table = grouped.agg(
        posts=("_dialogue", "size"),
        dialogue=("_dialogue", "sum"),
        structural_replies=("_reply", "sum"),
        _reply_known=("_reply", "count"),
        promotional_replies=("_promo", "sum"),
    )
    if kinds is not None:
        counts = rows.groupby([*keys, "_kind"]).size().unstack("_kind", fill_value=0)
        counts = counts.reindex(index=table.index, columns=kinds, fill_value=0)
        table = table.join(counts.add_prefix("kind_"))
    if questions is not None:
        answered = questions.groupby(keys, sort=True).agg(
            questions_received=("_answered", "size"),
            questions_answered=("_answered", "sum"),
            median_answer_minutes=("_minutes", "median"),
        )
        table = table.join(answered, how="outer")
    return table


def _finish(table: pd.DataFrame, *, has_threads: bool) -> pd.DataFrame:
    """Zero counts for groups without posts or questions, then the derived share columns."""
    counts = ["posts", "dialogue", "structural_replies", "_reply_known", "promotional_replies"]
    counts += [column for column in table.columns if column.startswith("kind_")]
    if has_threads:
        counts += ["questions_received", "questions_answered"]
    table = table.copy()
    for column in counts:
        table[column] = table[column].fillna(0).astype(int)
    return _derive(table, has_threads=has_threads)


def _derive(table: pd.DataFrame, *, has_threads: bool) -> pd.DataFrame:
    """Shares, Wilson interval, reply gap and answer rate from the counts; fixed column order."""
    posts = table["posts"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["broadcast"] = table["posts"] - table["dialogue"]
        table["dialogue_share"] = np.where(posts > 0, table["dialogue"] / posts, np.nan)
        table["ci_low"], table["ci_high"] = wilson_interval(table["dialogue"], table["posts"])
        known = table["_reply_known"].to_numpy(dtype=float)
        share = np.where(known > 0, table["structural_replies"] / known, np.nan)
        table["structural_reply_share"] = share
        table["reply_gap"] = table["structural_reply_share"] - table["dialogue_share"]
        if has_threads:
            received = table["questions_received"].to_numpy(dtype=float)
            table["answer_rate"] = np.where(
                received > 0, table["questions_answered"] / received, np.nan
            )
            table["median_answer_minutes"] = table["median_answer_minutes"].astype(float)
        else:
            for column in _THREAD_COLUMNS:
                table[column] = np.nan
    kinds = [column for column in table.columns if column.startswith("kind_")]
    order = [
        *_COUNT_COLUMNS, "dialogue_share", "ci_low", "ci_high", *kinds,
        "structural_replies", "structural_reply_share", "reply_gap", "promotional_replies",
        *_THREAD_COLUMNS,
    ]
    return table[order]


def _label_periods(table: pd.DataFrame, by: str) -> pd.DataFrame:
    """Replace the Period objects by a readable label and a start date; sort by account, time."""
    period = table.pop("_period")
    table.insert(1, "period", period.astype(str))
    table.insert(2, "period_start", period.dt.start_time)
    return table.sort_values([by, "period_start"], kind="stable").reset_index(drop=True)


def _empty_period_table(overall: pd.DataFrame, by: str) -> pd.DataFrame:
    columns = [by, "period", "period_start", *overall.columns[1:]]
    return pd.DataFrame(columns=columns)


def _ordinals(periods: pd.DataFrame, freq: str | None) -> pd.Series:
    """Consecutive integers for the periods of the table (gaps stay gaps)."""
    return periods["period_start"].dt.to_period(freq).map(lambda p: p.ordinal).astype(int)


def _trend(periods: pd.DataFrame, by: str, freq: str | None) -> dict[Any, float]:
    """Weighted least-squares slope of the dialogue share over the period index, per account."""
    slopes = {}
    periods = periods[periods["posts"] > 0]
    ordinals = _ordinals(periods, freq) if len(periods) else None
    for account, group in periods.groupby(by, sort=False):
        x = ordinals[group.index].to_numpy(dtype=float)
        if len(np.unique(x)) < 2:
            continue
        y = group["dialogue_share"].to_numpy(dtype=float)
        w = group["posts"].to_numpy(dtype=float)
        x_mean = np.average(x, weights=w)
        y_mean = np.average(y, weights=w)
        slopes[account] = float(
            np.sum(w * (x - x_mean) * (y - y_mean)) / np.sum(w * (x - x_mean) ** 2)
        )
    return slopes


def _rank(table: pd.DataFrame, by: str, min_posts: int) -> pd.DataFrame:
    """Rank accounts with at least ``min_posts`` posts by dialogue share (ties: lower CI bound)."""
    eligible = table[table["posts"] >= min_posts].sort_values(
        ["dialogue_share", "ci_low", "posts"], ascending=False, kind="stable"
    )
    rank = pd.Series(np.arange(1, len(eligible) + 1), index=eligible.index)
    table = table.assign(rank=rank.reindex(table.index).astype("Int64"))
    order = table.assign(_unranked=table["rank"].isna()).sort_values(
        ["_unranked", "rank", "posts"], ascending=[True, True, False], kind="stable"
    )
    return table.loc[order.index].reset_index(drop=True)


def _examples(
    frame: pd.DataFrame,
    by: str,
    labels: pd.Series,
    mask: pd.Series,
    times: pd.Series | None,
) -> pd.DataFrame:
    """Per account the most confident dialogue (highest p) and broadcast (lowest p) posts."""
    columns = [by, "label", "p_dialogue", "text"]
    if "kind" in frame.columns:
        columns.insert(2, "kind")
    posts = frame.loc[mask, [c for c in columns if c not in ("label", "p_dialogue")]].copy()
    posts["label"] = labels[mask]
    posts["p_dialogue"] = (
        pd.to_numeric(frame.loc[mask, "p_dialogue"], errors="coerce")
        if "p_dialogue" in frame.columns
        else np.nan
    )
    if times is not None:
        posts["created_at"] = times[mask]
    picked = []
    for label, ascending in (("dialogue", False), ("broadcast", True)):
        ranked = posts[posts["label"] == label].sort_values(
            "p_dialogue", ascending=ascending, kind="stable", na_position="last"
        )
        picked.append(ranked.groupby(by, sort=False).head(N_EXAMPLES))
    examples = pd.concat(picked).sort_values(
        [by, "label"], key=_example_order, kind="stable"
    )
    columns += ["created_at"] if times is not None else []
    return examples[columns].reset_index(drop=True)


def _example_order(column: pd.Series) -> pd.Series:
    """Sort key for the examples: accounts by name, dialogue before broadcast."""
    if column.name == "label":
        return column.map({label: index for index, label in enumerate(LABELS)})
    return column.astype(str)


# --------------------------------------------------------------------------------------------
# Value normalisation
# --------------------------------------------------------------------------------------------


def _to_bool(values: pd.Series) -> pd.Series:
    """1.0 for true, 0.0 for false, NaN for unknown or unreadable, by the one truth table of
    :func:`dialogcls.records.parse_bool`."""

    def convert(value: Any) -> float:
        try:
            flag = parse_bool(value)
        except DialogclsError:
            return np.nan
        return np.nan if flag is None else float(flag)

    return values.map(convert).astype(float)


def _id_keys(values: pd.Series) -> pd.Series:
    """Post ids as comparable strings (``12``, ``12.0`` and ``"12"`` agree); missing stays missing."""

    def convert(value: Any) -> str | None:
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return None
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            return str(int(value))
        text = str(value).strip()
        return text or None

    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        present = values.notna()
        if (values[present] % 1 == 0).all():  # vectorised path for integer ids (also as floats)
            keys = pd.Series(None, index=values.index, dtype=object)
            keys[present] = values[present].astype("int64").astype(str).to_numpy(dtype=object)
            return keys
    return values.map(convert).astype(object)


def _to_utc(values: pd.Series) -> pd.Series:
    """Timestamps in UTC; naive values are taken as UTC, unparseable ones become NaT."""
    return pd.to_datetime(values, utc=True, errors="coerce", format="ISO8601")


def _to_periods(times: pd.Series, period: str) -> pd.Series:
    try:
        return times.dt.tz_localize(None).dt.to_period(period)
    except (ValueError, TypeError) as error:
        raise ValueError(
            f"period={period!r} is not a pandas period alias; use 'W', 'M' or 'Q'."
        ) from error


# --------------------------------------------------------------------------------------------
# Summary text
# --------------------------------------------------------------------------------------------


def _summary_text(rep: AccountReport) -> str:
    table = rep.accounts
    ranked = table[table["rank"].notna()]
    if table.empty:
        return "There are no posts by the accounts to report on."
    if ranked.empty:
        return (
            f"No account has at least {rep.min_posts} labelled posts, too few to judge whether "
            "it talks with its audience or only broadcasts."
        )
    talkers = ranked[ranked["dialogue_share"] >= DIALOGUE_THRESHOLD]
    broadcasters = ranked[ranked["dialogue_share"] < BROADCAST_THRESHOLD]
    mixed = ranked.drop(index=talkers.index.union(broadcasters.index))

    if len(talkers):
        first = (
            f"{_name_list(talkers, rep.by)} {_verb(talkers, 'talks', 'talk')} with "
            f"{_verb(talkers, 'its', 'their')} audience: at least half of "
            f"{_verb(talkers, 'its', 'their')} posts are dialogue."
        )
    else:
        first = "No account talks with its audience in at least half of its posts."
    rest = []
    if len(broadcasters):
        verb = _verb(broadcasters, "only broadcasts", "only broadcast")
        rest.append(
            f"{_name_list(broadcasters, rep.by)} {verb} (under {_pct(BROADCAST_THRESHOLD)} dialogue)"
        )
    if len(mixed):
        rest.append(
            f"{_name_list(mixed, rep.by)} mostly {_verb(mixed, 'broadcasts', 'broadcast')} "
            "with some dialogue"
        )
    return first if not rest else f"{first} {'; '.join(rest)}."


def _facts(rep: AccountReport) -> list[str]:
    """Short supporting facts: answered questions and promotional replies, per account."""
    table = rep.accounts
    facts = []
    if rep.has_threads:
        asked = table[table["questions_received"] > 0]
        parts = [
            f"{row[rep.by]} {row['questions_answered']} of {row['questions_received']}"
            + (
                f" (median {_minutes(row['median_answer_minutes'])})"
                if pd.notna(row["median_answer_minutes"])
                else ""
            )
            for _, row in asked.iterrows()
        ]
        if parts:
            facts.append(f"Users' questions answered: {_join(parts)}.")
    promo = table[table["promotional_replies"] > 0]
    if len(promo):
        parts = [
            f"{row[rep.by]} {row['promotional_replies']} of {row['structural_replies']}"
            for _, row in promo.iterrows()
        ]
        facts.append(f"Replies that only promote (broadcast): {_join(parts)}.")
    return facts


def _name_list(table: pd.DataFrame, by: str) -> str:
    return _join([f"{row[by]} ({_pct(row['dialogue_share'])})" for _, row in table.iterrows()])


def _join(items: list[str], limit: int = 6) -> str:
    """``a``, ``a and b``, ``a, b and c``; beyond ``limit`` items: ``a, b, ... and 7 more``."""
    if len(items) > limit:
        items = [*items[:limit], f"{len(items) - limit} more"]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _verb(table: pd.DataFrame, singular: str, plural: str) -> str:
    return singular if len(table) == 1 else plural


# --------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------


def _pct(value: Any) -> str:
    return "–" if pd.isna(value) else f"{100 * value:.0f} %"


def _pct1(value: Any) -> str:
    return "–" if pd.isna(value) else f"{100 * value:.1f} %"


def _count(value: Any) -> str:
    return "–" if pd.isna(value) else f"{int(value)}"


def _minutes(value: Any) -> str:
    if pd.isna(value):
        return "–"
    if abs(value) < 120:
        return f"{value:.0f} min"
    if abs(value) < 48 * 60:
        return f"{value / 60:.1f} h"
    return f"{value / 1440:.1f} d"


def _points(value: Any) -> str:
    return "–" if pd.isna(value) else f"{100 * value:+.1f} pp"


#: A table column: header, cell formatter (row -> str), CSS class ("num", "text" or "wrap").
_Column = tuple[str, Callable[[pd.Series], str], str]


def _col(name: str, header: str, fmt: Callable[[Any], str] = str, css: str = "num") -> _Column:
    return header, lambda row: fmt(row[name]), css


def _ci(row: pd.Series) -> str:
    if pd.isna(row["ci_low"]):
        return "–"
    return f"{100 * row['ci_low']:.0f}–{100 * row['ci_high']:.0f} %"


def _answered(row: pd.Series) -> str:
    if pd.isna(row["questions_received"]):
        return "–"
    return f"{int(row['questions_answered'])} / {int(row['questions_received'])}"


def _core_columns(rep: AccountReport, table: pd.DataFrame, *, kinds: bool) -> list[_Column]:
    """Columns shown in the HTML tables; kinds and thread columns only where the data has them."""
    columns = [
        _col("posts", "Posts", _count),
        _col("dialogue_share", "Dialogue share", _pct1),
        ("95 % CI", _ci, "num"),
    ]
    if kinds and any(column.startswith("kind_") for column in table.columns):
        columns += [
            _col("kind_reply", "Reply", _count),
            _col("kind_invite", "Invite", _count),
            ("Top broadcast kinds", _main_broadcast_kinds, "wrap"),
        ]
    columns += [
        _col("structural_reply_share", "Marked as reply", _pct1),
        _col("promotional_replies", "Promo replies", _count),
    ]
    if rep.has_threads:
        columns += [
            ("Questions answered", _answered, "num"),
            _col("answer_rate", "Answer rate", _pct),
            _col("median_answer_minutes", "Median answer time", _minutes),
        ]
    return columns


def _main_broadcast_kinds(row: pd.Series, top: int = 2) -> str:
    """The most frequent broadcast kinds of a row, e.g. ``news 10, promo 5``."""
    counts = {
        name.removeprefix("kind_"): row[name]
        for name in row.index
        if name.startswith("kind_") and name.removeprefix("kind_") not in DIALOGUE_KINDS
    }
    ranked = sorted((item for item in counts.items() if item[1] > 0), key=lambda item: -item[1])
    return ", ".join(f"{kind} {count}" for kind, count in ranked[:top]) or "–"


def _html_table(table: pd.DataFrame, columns: Sequence[_Column], caption: str) -> str:
    head = "".join(
        f'<th class="{css}" scope="col">{html.escape(header)}</th>' for header, _, css in columns
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{css}">{html.escape(fmt(row))}</td>' for _, fmt, css in columns
        )
        + "</tr>\n"
        for _, row in table.iterrows()
    )
    return (
        f'<div class="table-wrap"><table><thead><tr>{head}</tr></thead>'
        f'<tbody>\n{body}</tbody></table></div><p class="note">{html.escape(caption)}</p>'
    )


def _accounts_table(rep: AccountReport) -> str:
    table = rep.accounts
    columns = [
        _col("rank", "Rank", _count),
        _col(rep.by, "Account", str, css="text"),
        *_core_columns(rep, table, kinds=True),
    ]
    if rep.period:
        name = _PERIOD_NAMES.get(rep.period, "period")
        columns.append(_col("trend", f"Trend per {name}", _points))
    caption = (
        f"One row per account. Ranked: accounts with at least {rep.min_posts} posts, by dialogue "
        "share. 'Marked as reply': share of posts the platform marks as replies; promotional "
        "replies are replies labelled broadcast. All kind counts are in the CSV output."
    )
    return _html_table(table, columns, caption)


def _periods_table(rep: AccountReport) -> str:
    table = rep.periods
    columns = [
        _col(rep.by, "Account", str, css="text"),
        _col("period", "Period", str, css="text"),
        *_core_columns(rep, table, kinds=False),
    ]
    return _html_table(table, columns, "One row per account and period with posts or questions.")


def _examples_html(rep: AccountReport) -> str:
    if rep.examples.empty:
        return "<p>No labelled posts.</p>"
    blocks = []
    for account in rep.accounts[rep.by]:
        posts = rep.examples[rep.examples[rep.by] == account]
        if posts.empty:
            continue
        lists = []
        for label in LABELS:
            items = "".join(
                f'<li><span class="p">p = {_p(row["p_dialogue"])}</span>'
                f'{html.escape(row["text"])}</li>'
                for _, row in posts[posts["label"] == label].iterrows()
            ) or "<li class=none>none</li>"
            lists.append(f'<div class="{label}"><h4>{label.capitalize()}</h4><ul>{items}</ul></div>')
        blocks.append(
            f'<article class="examples"><h3>{html.escape(str(account))}</h3>'
            f'<div class="pair">{"".join(lists)}</div></article>'
        )
    return "\n".join(blocks)


def _p(value: Any) -> str:
    return "–" if pd.isna(value) else f"{value:.2f}"


def _meta_line(rep: AccountReport) -> str:
    table = rep.accounts
    text = (
        f"{int(table['posts'].sum())} labelled posts by {len(table)} accounts, grouped by "
        f"'{rep.by}'"
    )
    if rep.period and not rep.periods.empty:
        ordered = rep.periods.sort_values("period_start", kind="stable")["period"]
        text += (
            f", per {_PERIOD_NAMES.get(rep.period, rep.period)}"
            f" from {ordered.iloc[0]} to {ordered.iloc[-1]}"
        )
    return text + "."


_CSS = """
:root { --ink:#1f2933; --muted:#616e7c; --line:#d9e2ec; --dialogue:#1b7f79; --broadcast:#c8553d;
        --bg:#f7f9fb; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
       font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
main { max-width:1240px; margin:0 auto; padding:24px 24px 48px; }
h1 { font-size:28px; margin:0 0 4px; }
h2 { font-size:20px; margin:36px 0 10px; padding-bottom:4px; border-bottom:2px solid var(--line); }
h3 { font-size:16px; margin:0 0 8px; }
h4 { font-size:13px; text-transform:uppercase; letter-spacing:.04em; margin:0 0 6px; }
.meta { color:var(--muted); margin:0; }
.summary { background:#fff; border-left:5px solid var(--dialogue); padding:14px 18px;
           margin-top:20px; border-radius:4px; box-shadow:0 1px 2px rgba(0,0,0,.06); }
.summary p { margin:6px 0; } .summary .lead { font-size:17px; }
.summary .facts { color:var(--muted); font-size:14px; }
figure { margin:0; background:#fff; padding:12px; border-radius:4px;
         box-shadow:0 1px 2px rgba(0,0,0,.06); }
figure svg { display:block; max-width:100%; height:auto; margin:0 auto; }
figcaption { color:var(--muted); font-size:13px; padding:6px 2px; }
.table-wrap { overflow-x:auto; background:#fff; border-radius:4px;
              box-shadow:0 1px 2px rgba(0,0,0,.06); }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { padding:6px 8px; border-bottom:1px solid var(--line); text-align:left; }
td { white-space:nowrap; } td.wrap { white-space:normal; min-width:150px; }
th { background:#eef2f6; font-weight:600; vertical-align:bottom; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
tbody tr:nth-child(even) { background:#fafcfd; }
.examples { background:#fff; padding:12px 16px; margin:12px 0; border-radius:4px;
            box-shadow:0 1px 2px rgba(0,0,0,.06); }
.pair { display:grid; grid-template-columns:1fr 1fr; gap:18px; }
.pair ul { margin:0; padding-left:0; list-style:none; }
.pair li { padding:6px 8px; margin:0 0 6px; border-radius:3px; background:var(--bg);
           overflow-wrap:anywhere; font-size:14px; }
.dialogue h4 { color:var(--dialogue); } .broadcast h4 { color:var(--broadcast); }
.dialogue li { border-left:3px solid var(--dialogue); }
.broadcast li { border-left:3px solid var(--broadcast); }
.p { display:inline-block; min-width:62px; color:var(--muted); font-size:12px;
     font-variant-numeric:tabular-nums; }
li.none { color:var(--muted); border:none; }
.note { color:var(--muted); font-size:13px; margin:6px 2px; }
footer { margin-top:36px; color:var(--muted); font-size:13px; }
footer dt { font-weight:600; color:var(--ink); } footer dd { margin:0 0 6px; }
@media (max-width:760px) { .pair { grid-template-columns:1fr; } }
"""


def _render_html(rep: AccountReport) -> str:
    bar = _bar_chart_svg(rep)
    trend = _trend_chart_svg(rep)
    facts = "".join(f'<p class="facts">{html.escape(fact)}</p>' for fact in _facts(rep))
    period_name = _PERIOD_NAMES.get(rep.period or "", "period")
    if trend:
        trend_section = (
            f"<figure>{trend}<figcaption>Dialogue share per {html.escape(period_name)} and "
            "account (the accounts with most posts); marker area grows with the number of "
            "posts.</figcaption></figure>"
        )
    else:
        trend_section = '<p class="note">No trend: the posts have no usable created_at.</p>'
    threads_note = (
        "" if rep.has_threads
        else "<dd>The input has no thread columns (id, reply_to_id), so answered questions "
        "are not measured.</dd>"
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">",
        "<title>Dialogue or broadcast? Account report</title>",
        f"<style>{_CSS}</style></head><body><main>",
        "<header><h1>Dialogue or broadcast?</h1>",
        f'<p class="meta">{html.escape(_meta_line(rep))}</p></header>',
        '<section class="summary" id="summary">',
        f'<p class="lead">{html.escape(rep.summary())}</p>{facts}</section>',
        '<section id="ranking"><h2>Dialogue share per account</h2>',
        f"<figure>{bar}<figcaption>Share of posts labelled dialogue with 95 % Wilson intervals; "
        f"grey bars: fewer than {rep.min_posts} posts (not ranked). Dashed lines: "
        f"{_pct(BROADCAST_THRESHOLD)} and {_pct(DIALOGUE_THRESHOLD)}.</figcaption></figure>"
        if bar else '<p class="note">No labelled posts.</p>',
        "</section>",
        f'<section id="trend"><h2>Trend</h2>{trend_section}</section>',
        f'<section id="accounts"><h2>Accounts</h2>{_accounts_table(rep)}</section>',
        '<section id="periods"><h2>Per period</h2>',
        _periods_table(rep) if not rep.periods.empty else '<p class="note">No periods.</p>',
        "</section>",
        f'<section id="examples"><h2>Examples</h2>{_examples_html(rep)}</section>',
        "<footer><dl>",
        "<dt>Dialogue share</dt><dd>Posts labelled dialogue (replies that deal with a person's "
        "message, and invitations to answer) divided by all labelled posts of the account.</dd>",
        "<dt>Marked as reply vs. dialogue</dt><dd>A reply share far above the dialogue share "
        "means many replies only push promotion.</dd>",
        "<dt>Questions answered</dt><dd>Questions (posts with '?') by other users that reply to "
        "the account or mention it, answered when the account replied to that very post; the "
        "answer time runs from question to first answer.</dd>",
        threads_note,
        "</dl></footer></main></body></html>",
    ]
    return "\n".join(parts) + "\n"


# --------------------------------------------------------------------------------------------
# Charts (matplotlib, rendered to inline SVG without pyplot or a global backend switch)
# --------------------------------------------------------------------------------------------

_COLOURS = {"dialogue": "#1b7f79", "muted": "#9aa5b1", "ink": "#1f2933", "grid": "#d9e2ec"}
_RC = {
    "svg.fonttype": "path",
    "svg.hashsalt": "dialogcls-report",
    "font.size": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.edgecolor": "#9aa5b1",
    "axes.labelcolor": "#1f2933",
    "xtick.color": "#52606d",
    "ytick.color": "#1f2933",
}


def _figure(width: float, height: float) -> Any:
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasSVG(fig)
    return fig


def _svg(fig: Any, prefix: str) -> str:
    """The figure as an inline ``<svg>`` element with ids made unique by ``prefix``."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = re.sub(
        r"#([^\s\"')]+)(?=[\"')])",
        lambda m: f"#{prefix}-{m.group(1)}" if m.group(1) in ids else m.group(0),
        svg,
    )
    return svg.replace("<svg", '<svg role="img"', 1)


def _bar_chart_svg(rep: AccountReport) -> str:
    """Ranked horizontal bars of the dialogue share with Wilson intervals as error bars."""
    import matplotlib

    table = rep.accounts[rep.accounts["posts"] > 0].head(MAX_BAR_ACCOUNTS)
    if table.empty:
        return ""
    table = table.iloc[::-1]  # matplotlib draws bottom-up: rank 1 on top
    share = table["dialogue_share"].to_numpy(dtype=float)
    errors = np.vstack([share - table["ci_low"], table["ci_high"] - share]) * 100
    colours = np.where(table["rank"].isna(), _COLOURS["muted"], _COLOURS["dialogue"])
    names = [
        f"{_chart_label(name, 28)}  (n={posts})" for name, posts in zip(table[rep.by], table["posts"])
    ]
    with matplotlib.rc_context(_RC):
        fig = _figure(9.5, 0.42 * len(table) + 1.3)
        ax = fig.add_subplot()
        y = np.arange(len(table))
        ax.barh(y, share * 100, color=colours, height=0.62, xerr=errors,
                error_kw={"ecolor": _COLOURS["ink"], "capsize": 3, "elinewidth": 1})
        for threshold in (BROADCAST_THRESHOLD, DIALOGUE_THRESHOLD):
            ax.axvline(threshold * 100, color=_COLOURS["muted"], linestyle="--", linewidth=0.8)
        for position, (value, high) in enumerate(zip(share, table["ci_high"])):
            ax.text(high * 100 + 1.5, position, _pct(value), va="center", fontsize=9,
                    color=_COLOURS["ink"])
        ax.set_yticks(y, names)
        ax.set_xlim(0, 109)
        ax.set_xticks(range(0, 101, 20), [f"{tick} %" for tick in range(0, 101, 20)])
        ax.set_xlabel("dialogue share (posts labelled dialogue)")
        ax.grid(axis="x", color=_COLOURS["grid"], linewidth=0.6)
        ax.set_axisbelow(True)
        return _svg(fig, "bars")


def _trend_chart_svg(rep: AccountReport) -> str:
    """Lines of the dialogue share per period for the accounts with most posts."""
    import matplotlib

    periods = rep.periods[rep.periods["posts"] > 0]
    if periods.empty:
        return ""
    top = rep.accounts.sort_values("posts", ascending=False, kind="stable")[rep.by]
    top = list(top.head(MAX_TREND_ACCOUNTS))
    ordinals = _ordinals(periods, rep.period)
    first, last = int(ordinals.min()), int(ordinals.max())
    labels = _period_labels(rep.period, first, last)
    step = max(1, len(labels) // 12)
    with matplotlib.rc_context(_RC):
        from matplotlib import colormaps

        palette = colormaps["tab10"]
        fig = _figure(9.5, 4.2)
        ax = fig.add_subplot()
        for index, account in enumerate(top):
            rows = periods[periods[rep.by] == account]
            if rows.empty:
                continue
            x = ordinals[rows.index] - first
            colour = palette(index % 10)
            ax.plot(x, rows["dialogue_share"] * 100, color=colour, linewidth=1.6,
                    label=_chart_label(account, 24))
            ax.scatter(x, rows["dialogue_share"] * 100, s=12 + 6 * np.sqrt(rows["posts"]),
                       color=colour, zorder=3)
        ax.set_xticks(range(0, len(labels), step), labels[::step])
        ax.set_xlim(-0.5, len(labels) - 0.5)
        ax.set_ylim(-3, 103)
        ax.set_yticks(range(0, 101, 25), [f"{tick} %" for tick in range(0, 101, 25)])
        ax.set_ylabel("dialogue share")
        ax.grid(axis="y", color=_COLOURS["grid"], linewidth=0.6)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        if len(labels) > 6:
            for tick in ax.get_xticklabels():
                tick.set_rotation(30)
                tick.set_horizontalalignment("right")
        return _svg(fig, "trend")


def _period_labels(period: str | None, first: int, last: int) -> list[str]:
    """Labels for every period from ``first`` to ``last`` (ordinals), gaps included."""
    span = [pd.Period(ordinal=ordinal, freq=period) for ordinal in range(first, last + 1)]
    if (period or "").upper().startswith("W"):
        return [str(p.start_time.date()) for p in span]
    return [str(p) for p in span]


def _chart_label(value: Any, width: int) -> str:
    """An account name for a chart: shortened to ``width``, ``$`` escaped (no mathtext)."""
    text = str(value)
    text = text if len(text) <= width else text[: width - 1] + "…"
    return text.replace("$", r"\$")
