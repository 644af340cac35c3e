"""The account tables of the report: counts, dialogue shares with intervals, kinds, reply shape,
answers, periods, platforms, trends, ranks and examples.

:func:`dialogcls.reporting.report` prepares the posts (scores them, picks the estimator and its rates)
and calls :func:`build_tables`; rendering is in :mod:`dialogcls.report_html`.

Definitions (the labels follow the codebook):

* **dialogue share**: estimated by the chosen estimator of :mod:`dialogcls.quantify` (``cc``,
  ``pcc`` or ``acc``), with its 95 % interval; the other two estimates are kept as ``share_*``.
* **reply-shaped posts** (``structural_replies``): posts that :func:`dialogcls.rules.reply_shaped`
  calls reply-shaped (marked as a reply to another account, or opening with an @handle). Their
  share is what the reply rule would call the dialogue share; set against the dialogue share it
  exposes replies that only promote.
* **promotional replies**: reply-shaped posts labelled ``broadcast`` (codebook rule 2).
* **questions received / answered**: see :mod:`dialogcls.threads`.

Example
-------
>>> import pandas as pd
>>> frame = pd.DataFrame({"author": ["a", "a"], "text": ["@x Danke!", "Neu"], "label": ["dialogue", "broadcast"]})
>>> tables = build_tables(prepare_posts(frame, "author"), "author", None, ShareSettings("cc"), min_posts=1)
>>> tables["accounts"][["author", "posts", "dialogue_share"]].values.tolist()
[['a', 2, 0.5]]
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .errors import DialogclsError
from .quantify import Rates, estimate, rate_cells, wilson_interval
from .records import KINDS, PostBatch, parse_bool, platform_name
from .rules import reply_shaped, stratum
from .threads import find_questions, post_links

LABELS = ("dialogue", "broadcast")
DIALOGUE_KINDS = KINDS["dialogue"]
BROADCAST_KINDS = KINDS["broadcast"]
#: Per account and kind, at most this many example posts.
N_EXAMPLES = 2

_COUNT_COLUMNS = ["posts", "dialogue", "broadcast"]
_SHARE_COLUMNS = ["dialogue_share", "ci_low", "ci_high", "share_cc", "share_pcc", "share_acc"]
THREAD_COLUMNS = ["questions_received", "questions_answered", "answer_rate", "median_answer_minutes"]


@dataclass
class ShareSettings:
    """How shares are estimated: the estimator, the rates for ``acc`` and the bootstrap size."""

    estimator: str
    rates: Rates | None = None
    n_resamples: int = 1000
    notes: list[str] = field(default_factory=list)


def as_frame(posts: pd.DataFrame | Iterable[Mapping[str, Any]], by: str) -> pd.DataFrame:
    """Copy the input into a DataFrame with a fresh RangeIndex and check the required columns."""
    frame = posts.copy() if isinstance(posts, pd.DataFrame) else pd.DataFrame(list(posts))
    frame = frame.reset_index(drop=True)
    missing = [column for column in ("text", by) if column not in frame.columns]
    if missing:
        raise DialogclsError(
            "E458", f"the posts have no column {', '.join(map(repr, missing))}; the report needs 'text' "
                    f"and the grouping column by={by!r} (--by): choose one of {list(frame.columns)}")
    frame["text"] = frame["text"].fillna("").astype(str)
    return frame


def flags(values: pd.Series, column: str) -> list[bool | None]:
    """A flag column read by :func:`dialogcls.records.parse_bool`; an unreadable value is an error
    (E456) that names the row and the column."""
    out = []
    for row, value in enumerate(values.tolist()):
        try:
            out.append(parse_bool(value))
        except DialogclsError as error:
            raise DialogclsError("E456", f"row {row + 1}, column {column!r}: {error.message}") from None
    return out


def prepare_posts(frame: pd.DataFrame, by: str) -> pd.DataFrame:
    """Add the per-post columns the tables need: ``_labelled``, ``_dialogue``, ``_shaped`` and
    ``_stratum`` (by :mod:`dialogcls.rules`), ``_lang`` and ``_p``.

    A post without ``is_reply`` that has a ``reply_to_id`` is marked as a reply, and replies to a
    known post get that post's author as ``reply_to`` when it is missing (so replies in one's own
    thread are self-threads, as the codebook wants).
    """
    from .threads import id_keys

    frame = frame.copy()
    labels = frame["label"].astype("string").str.strip().str.lower() if "label" in frame.columns else \
        pd.Series(pd.NA, index=frame.index, dtype="string")
    frame["_label"] = labels
    frame["_labelled"] = labels.isin(LABELS).fillna(False).astype(bool)
    frame["_dialogue"] = (labels == "dialogue").fillna(False).astype(bool)
    is_reply = flags(frame["is_reply"], "is_reply") if "is_reply" in frame.columns else [None] * len(frame)
    reply_to = frame["reply_to"].tolist() if "reply_to" in frame.columns else [None] * len(frame)
    if "reply_to_id" in frame.columns:
        parents = id_keys(frame["reply_to_id"])
        if "is_reply" not in frame.columns:
            is_reply = [True if isinstance(parent, str) else None for parent in parents]
        if "id" in frame.columns:
            ids = id_keys(frame["id"])
            author_of = pd.Series(frame[by].to_numpy(), index=ids.to_numpy())
            author_of = author_of[author_of.index.notna() & ~author_of.index.duplicated()]
            parent_author = parents.map(author_of)
            reply_to = [r if isinstance(r, str) and r.strip() else a if isinstance(a, str) else None
                        for r, a in zip(reply_to, parent_author.tolist())]
    authors = frame["author" if "author" in frame.columns else by].tolist()
    batch = PostBatch.from_columns(frame["text"].tolist(), is_reply=is_reply, reply_to=reply_to, author=authors)
    frame["_shaped"] = reply_shaped(batch)
    frame["_stratum"] = stratum(batch)
    frame["_reply_metadata"] = any(flag is not None for flag in batch.is_reply) or any(batch.reply_to)
    frame["_lang"] = (frame["lang"].astype("string").str.strip().str.lower() if "lang" in frame.columns
                      else pd.Series(pd.NA, index=frame.index, dtype="string"))
    frame["_p"] = _numbers(frame["p_dialogue"]) if "p_dialogue" in frame.columns else np.nan
    return frame


def _numbers(column: pd.Series) -> pd.Series:
    """A column read as numbers, also with a decimal comma (``0,25``, as ``classify --excel`` and
    German spreadsheets write them); what is not a number becomes NaN.

    Example
    -------
    >>> _numbers(pd.Series(["0,25", "3,8e-05", "0.5", 1, None, "x"])).tolist()
    [0.25, 3.8e-05, 0.5, 1.0, nan, nan]
    """
    if column.dtype != object and not pd.api.types.is_string_dtype(column):
        return pd.to_numeric(column, errors="coerce")
    text = column.astype("string").str.strip()
    comma = text.str.fullmatch(r"[-+]?\d*,\d+(?:[eE][-+]?\d+)?").fillna(False).astype(bool)
    return pd.to_numeric(text.where(~comma, text.str.replace(",", ".", regex=False)), errors="coerce").astype(float)


def resolve_accounts(frame: pd.DataFrame, by: str, accounts: Sequence[Any] | None, min_posts: int) -> list[Any]:
    """The reported accounts: given, flagged by ``is_org``, or frequent labelled authors."""
    if accounts is not None:
        return list(dict.fromkeys(accounts))
    if "is_org" in frame.columns:
        flagged = pd.Series(flags(frame["is_org"], "is_org"), index=frame.index, dtype=object) == True  # noqa: E712
        return sorted(frame.loc[flagged, by].dropna().unique(), key=str)
    counts = frame.loc[frame["_labelled"], by].value_counts()
    return sorted(counts.index[counts >= min_posts], key=str)


def to_utc(values: pd.Series) -> pd.Series:
    """Timestamps in UTC; naive values are taken as UTC, unparseable ones become NaT."""
    return pd.to_datetime(values, utc=True, errors="coerce", format="ISO8601")


def to_periods(times: pd.Series, period: str) -> pd.Series:
    """The period of each timestamp (a pandas period alias: ``W``, ``M``, ``Q``)."""
    try:
        return times.dt.tz_localize(None).dt.to_period(period)
    except (ValueError, TypeError) as error:
        raise DialogclsError("E459", f"period={period!r} is not a pandas period alias; use 'W', 'M' or 'Q' (--period)") from error


def build_tables(frame: pd.DataFrame, by: str, period: str | None, settings: ShareSettings, *,
                 accounts: Sequence[Any] | None = None, min_posts: int = 5) -> dict[str, Any]:
    """All tables of the report from posts prepared by :func:`prepare_posts`.

    Returns ``accounts``, ``periods``, ``platforms``, ``examples``, ``account_list``, ``has_threads``,
    ``period`` (None without usable times) and ``unlabelled`` (account posts without a label).
    """
    account_list = resolve_accounts(frame, by, accounts, min_posts)
    is_account = frame[by].isin(account_list)
    mask = is_account & frame["_labelled"]
    times = to_utc(frame["created_at"]) if "created_at" in frame.columns else None
    periods = to_periods(times, period) if times is not None and period else None
    if periods is not None and periods[mask].isna().all():
        periods = None
    rows = _post_rows(frame, by, mask, periods, settings)
    questions = find_questions(frame, by, account_list, times, periods)
    kinds = _kind_list(rows) if "kind" in frame.columns else None
    has_threads = questions is not None

    overall = _aggregate(rows, questions, [by], kinds, settings)
    overall = overall.reindex(pd.Index(account_list, name=by))
    overall = _finish(overall, has_threads=has_threads).reset_index()
    if periods is None:
        per_period = pd.DataFrame(columns=[by, "period", "period_start", *overall.columns[1:]])
    else:
        per_period = _aggregate(rows, questions, [by, "_period"], kinds, settings)
        per_period = _label_periods(_finish(per_period, has_threads=has_threads).reset_index(), by)
    overall["trend"] = overall[by].map(trend_slopes(per_period, by, period)).astype(float)
    overall = _rank(overall, min_posts)
    position = {account: index for index, account in enumerate(overall[by])}
    per_period = per_period.sort_values(
        [by, "period_start"], key=lambda c: c.map(position) if c.name == by else c, kind="stable"
    ).reset_index(drop=True)
    if "_platform" in rows.columns:
        platforms = _aggregate(rows, None, [by, "_platform"], None, settings)
        platforms = _finish(platforms, has_threads=False).reset_index().rename(columns={"_platform": "platform"})
        platforms = platforms.drop(columns=THREAD_COLUMNS).sort_values(
            [by, "posts"], key=lambda c: c.map(position) if c.name == by else -c, kind="stable").reset_index(drop=True)
    else:
        platforms = pd.DataFrame(columns=[by, "platform", *_COUNT_COLUMNS, *_SHARE_COLUMNS])
    return {"accounts": overall, "periods": per_period, "platforms": platforms,
            "examples": _examples(frame, by, mask, times), "account_list": account_list,
            "has_threads": has_threads, "period": period if periods is not None else None,
            "unlabelled": int((is_account & ~frame["_labelled"]).sum())}


def _post_rows(frame: pd.DataFrame, by: str, mask: pd.Series, periods: pd.Series | None,
               settings: ShareSettings) -> pd.DataFrame:
    """One row per labelled account post with the flags that the aggregation sums."""
    rows = pd.DataFrame({by: frame.loc[mask, by], "_dialogue": frame.loc[mask, "_dialogue"],
                         "_reply": frame.loc[mask, "_shaped"], "_p": frame.loc[mask, "_p"]})
    rows["_promo"] = rows["_reply"] & ~rows["_dialogue"]
    lang = frame.loc[mask, "_lang"].astype(object).where(frame.loc[mask, "_lang"].notna(), None).tolist()
    cells, names = rate_cells(lang, frame.loc[mask, "_stratum"].to_numpy(), settings.rates)
    rows["_cell"] = cells
    rows.attrs["cell_names"] = names
    if "kind" in frame.columns:
        rows["_kind"] = frame.loc[mask, "kind"].astype("string").str.strip().str.lower()
    if "platform" in frame.columns:
        platforms = frame.loc[mask, "platform"].map(lambda value: platform_name(value) or "unknown")
        rows["_platform"] = platforms.astype("string")
    if periods is not None:
        rows["_period"] = periods[mask]
    return rows


def _kind_list(rows: pd.DataFrame) -> list[str]:
    """The codebook kinds, plus any other kind found in the data (sorted)."""
    known = DIALOGUE_KINDS + BROADCAST_KINDS
    extra = sorted(set(rows["_kind"].dropna()) - set(known))
    return [*known, *extra]


def _aggregate(rows: pd.DataFrame, questions: pd.DataFrame | None, keys: list[str], kinds: list[str] | None,
               settings: ShareSettings) -> pd.DataFrame:
    """The core columns per group of ``keys`` (shared by the account, period and platform tables)."""
    grouped = rows.groupby(keys, sort=True)
    table = grouped.agg(posts=("_dialogue", "size"), dialogue=("_dialogue", "sum"),
                        structural_replies=("_reply", "sum"), promotional_replies=("_promo", "sum"))
    p = rows["_p"].to_numpy(dtype=float)
    estimates = estimate(grouped.ngroup().to_numpy(), rows["_dialogue"].to_numpy(dtype=bool),
                         None if np.isnan(p).any() or not len(p) else p, rows["_cell"].to_numpy(),
                         rates=settings.rates, cell_names=rows.attrs.get("cell_names"),
                         estimator=settings.estimator, n_groups=len(table), n_resamples=settings.n_resamples)
    table["dialogue_share"] = estimates[settings.estimator]
    table["ci_low"], table["ci_high"] = estimates["low"], estimates["high"]
    for name in ("cc", "pcc", "acc"):
        table[f"share_{name}"] = estimates[name]
    if kinds is not None:
        counts = rows.groupby([*keys, "_kind"]).size().unstack("_kind", fill_value=0)
        counts = counts.reindex(index=table.index, columns=kinds, fill_value=0)
        table = table.join(counts.add_prefix("kind_"))
    if questions is not None:
        answered = questions.groupby(keys, sort=True).agg(
            questions_received=("_answered", "size"), questions_answered=("_answered", "sum"),
            median_answer_minutes=("_minutes", "median"))
        table = table.join(answered, how="outer")
    return table


def _finish(table: pd.DataFrame, *, has_threads: bool) -> pd.DataFrame:
    """Zero counts for groups without posts or questions, then the derived columns in a fixed order."""
    counts = ["posts", "dialogue", "structural_replies", "promotional_replies"]
    counts += [column for column in table.columns if column.startswith("kind_")]
    if has_threads:
        counts += ["questions_received", "questions_answered"]
    table = table.copy()
    for column in counts:
        table[column] = table[column].fillna(0).astype(int)
    posts = table["posts"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        table["broadcast"] = table["posts"] - table["dialogue"]
        for column in _SHARE_COLUMNS:
            table[column] = table[column].astype(float) if column in table.columns else np.nan
        table["structural_reply_share"] = np.where(posts > 0, table["structural_replies"] / posts, np.nan)
        table["reply_gap"] = table["structural_reply_share"] - table["dialogue_share"]
        if has_threads:
            received = table["questions_received"].to_numpy(dtype=float)
            table["answer_rate"] = np.where(received > 0, table["questions_answered"] / received, np.nan)
            table["median_answer_minutes"] = table["median_answer_minutes"].astype(float)
        else:
            for column in THREAD_COLUMNS:
                table[column] = np.nan
    kinds = [column for column in table.columns if column.startswith("kind_")]
    order = [*_COUNT_COLUMNS, *_SHARE_COLUMNS, *kinds, "structural_replies", "structural_reply_share", "reply_gap",
             "promotional_replies", *THREAD_COLUMNS]
    return table[order]


def _label_periods(table: pd.DataFrame, by: str) -> pd.DataFrame:
    """Replace the Period objects by a readable label and a start date; sort by account, time."""
    period = table.pop("_period")
    table.insert(1, "period", period.astype(str))
    table.insert(2, "period_start", period.dt.start_time)
    return table.sort_values([by, "period_start"], kind="stable").reset_index(drop=True)


def period_ordinals(periods: pd.DataFrame, freq: str | None) -> pd.Series:
    """Consecutive integers for the periods of the table (gaps stay gaps)."""
    return periods["period_start"].dt.to_period(freq).map(lambda p: p.ordinal).astype(int)


def trend_slopes(periods: pd.DataFrame, by: str, freq: str | None) -> dict[Any, float]:
    """Weighted least-squares slope of the dialogue share over the period index, per account."""
    slopes = {}
    periods = periods[periods["posts"] > 0]
    ordinals = period_ordinals(periods, freq) if len(periods) else None
    for account, group in periods.groupby(by, sort=False):
        x = ordinals[group.index].to_numpy(dtype=float)
        if len(np.unique(x)) < 2:
            continue
        y = group["dialogue_share"].to_numpy(dtype=float)
        w = group["posts"].to_numpy(dtype=float)
        x_mean, y_mean = np.average(x, weights=w), np.average(y, weights=w)
        slopes[account] = float(np.sum(w * (x - x_mean) * (y - y_mean)) / np.sum(w * (x - x_mean) ** 2))
    return slopes


def _rank(table: pd.DataFrame, min_posts: int) -> pd.DataFrame:
    """Rank accounts with at least ``min_posts`` posts by dialogue share (ties: lower CI bound)."""
    eligible = table[table["posts"] >= min_posts].sort_values(
        ["dialogue_share", "ci_low", "posts"], ascending=False, kind="stable")
    rank = pd.Series(np.arange(1, len(eligible) + 1), index=eligible.index)
    table = table.assign(rank=rank.reindex(table.index).astype("Int64"))
    order = table.assign(_unranked=table["rank"].isna()).sort_values(
        ["_unranked", "rank", "posts"], ascending=[True, True, False], kind="stable")
    return table.loc[order.index].reset_index(drop=True)


def _examples(frame: pd.DataFrame, by: str, mask: pd.Series, times: pd.Series | None) -> pd.DataFrame:
    """Per account and kind (per label without kinds) the most confident posts: highest
    ``p_dialogue`` for dialogue, lowest for broadcast; input order without probabilities."""
    columns = [by, "label", "kind", "p_dialogue", "text", "link"]
    posts = pd.DataFrame({by: frame.loc[mask, by], "label": frame.loc[mask, "_label"].astype(object),
                          "kind": (frame.loc[mask, "kind"].astype("string").str.strip().str.lower().astype(object)
                                   if "kind" in frame.columns else frame.loc[mask, "_label"].astype(object)),
                          "p_dialogue": frame.loc[mask, "_p"], "text": frame.loc[mask, "text"]})
    if times is not None:
        posts["created_at"] = times[mask]
        columns.append("created_at")
    posts["_order"] = np.where(posts["label"] == "dialogue", -posts["p_dialogue"], posts["p_dialogue"])
    ranked = posts.sort_values("_order", kind="stable", na_position="last")
    picked = ranked.groupby([by, "label", "kind"], sort=False, dropna=False).head(N_EXAMPLES)
    kind_order = {kind: index for index, kind in enumerate(("dialogue", *DIALOGUE_KINDS, "broadcast",
                                                            *BROADCAST_KINDS))}

    def order(column: pd.Series) -> pd.Series:
        if column.name == "label":
            return column.map({label: index for index, label in enumerate(LABELS)})
        if column.name == "kind":
            return column.map(lambda kind: kind_order.get(kind, len(kind_order)))
        if column.name == "_order":
            return column
        return column.astype(str)

    picked = picked.sort_values([by, "label", "kind", "_order"], key=order, kind="stable")
    picked["link"] = post_links(frame.loc[picked.index], by)  # links of the picked posts only
    return picked[columns].reset_index(drop=True)


def answer_interval(table: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The 95 % Wilson interval of each row's answer rate."""
    return wilson_interval(table["questions_answered"].to_numpy(dtype=int),
                           table["questions_received"].to_numpy(dtype=int))


__all__ = ["ShareSettings", "as_frame", "prepare_posts", "resolve_accounts", "build_tables", "trend_slopes",
           "period_ordinals", "to_utc", "to_periods", "answer_interval", "THREAD_COLUMNS", "N_EXAMPLES"]
