"""The account report's charts: matplotlib figures rendered to inline SVG, without pyplot or a global
backend switch (so rendering leaves the caller's matplotlib state alone).

- :func:`ranking_svg`: the dialogue share per account with its interval;
- :func:`composition_svg`: per account, the share of each kind (reply, invite, each broadcast kind);
- :func:`trend_svg`: the dialogue share (or the answer rate) per period with intervals, drawn only for
  periods with enough posts (or questions);
- :func:`answers_svg`: the answered-question rate per account with Wilson intervals and the median
  time to an answer.

Example
-------
>>> from dialogcls.reporting import report
>>> import pandas as pd
>>> rep = report(pd.DataFrame({"author": ["a"] * 5, "text": ["x"] * 5, "label": ["dialogue"] * 5}),
...              period=None, estimator="cc")
>>> ranking_svg(rep).startswith("<svg")
True
"""
from __future__ import annotations

import io
import re
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .accounts import DIALOGUE_KINDS, answer_interval, period_ordinals

if TYPE_CHECKING:  # pragma: no cover
    from .reporting import AccountReport

#: Accounts at or above this dialogue share are said to talk with their audience.
DIALOGUE_THRESHOLD = 0.5
#: Accounts below this dialogue share are said to (almost) only broadcast.
BROADCAST_THRESHOLD = 0.1
#: At most this many accounts in each bar chart (the rest stay in the tables).
MAX_BAR_ACCOUNTS = 40
MAX_TREND_ACCOUNTS = 8
#: A period of the answer-rate trend needs this many questions to be drawn.
MIN_PERIOD_QUESTIONS = 5

COLOURS = {"dialogue": "#1b7f79", "muted": "#9aa5b1", "ink": "#1f2933", "grid": "#d9e2ec"}
#: Colours of the kinds: dialogue kinds in teal shades, broadcast kinds in warm and grey tones.
KIND_COLOURS = {"reply": "#1b7f79", "invite": "#5fb8a9", "promo": "#c8553d", "news": "#e09f3e",
                "recruiting": "#9e2a2b", "event": "#7d5ba6", "notice": "#3d5a80", "share": "#98a6b5",
                "other": "#cbd2d9"}
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


def _svg(fig: Any, prefix: str, title: str) -> str:
    """The figure as an inline ``<svg>`` element with ids made unique by ``prefix``."""
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    svg = re.sub(r'\s+xmlns(:\w+)?="[^"]*"', "", svg)
    ids = set(re.findall(r'\bid="([^"]+)"', svg))
    svg = re.sub(r'\bid="([^"]+)"', lambda m: f'id="{prefix}-{m.group(1)}"', svg)
    svg = re.sub(r"#([^\s\"')]+)(?=[\"')])",
                 lambda m: f"#{prefix}-{m.group(1)}" if m.group(1) in ids else m.group(0), svg)
    from html import escape

    return svg.replace("<svg", f'<svg role="img" aria-label="{escape(title)}"', 1)


def chart_label(value: Any, width: int) -> str:
    """An account name for a chart: shortened to ``width``, ``$`` escaped (no mathtext)."""
    text = str(value)
    text = text if len(text) <= width else text[: width - 1] + "…"
    return text.replace("$", r"\$")


def pct(value: Any) -> str:
    return "–" if pd.isna(value) else f"{100 * value:.0f} %"


def ranking_svg(rep: "AccountReport") -> str:
    """Ranked horizontal bars of the dialogue share with the estimator's intervals as error bars."""
    import matplotlib

    table = rep.accounts[rep.accounts["posts"] > 0].head(MAX_BAR_ACCOUNTS)
    if table.empty:
        return ""
    table = table.iloc[::-1]  # matplotlib draws bottom-up: rank 1 on top
    share = table["dialogue_share"].to_numpy(dtype=float)
    low = np.nan_to_num(table["ci_low"].to_numpy(dtype=float), nan=0.0)
    high = np.nan_to_num(table["ci_high"].to_numpy(dtype=float), nan=0.0)
    errors = np.clip(np.vstack([share - np.minimum(low, share), np.maximum(high, share) - share]), 0, 1) * 100
    colours = np.where(table["rank"].isna(), COLOURS["muted"], COLOURS["dialogue"])
    names = [f"{chart_label(name, 28)}  (n={posts})" for name, posts in zip(table[rep.by], table["posts"])]
    with matplotlib.rc_context(_RC):
        fig = _figure(9.5, 0.42 * len(table) + 1.3)
        ax = fig.add_subplot()
        y = np.arange(len(table))
        ax.barh(y, share * 100, color=colours, height=0.62, xerr=errors,
                error_kw={"ecolor": COLOURS["ink"], "capsize": 3, "elinewidth": 1})
        for threshold in (BROADCAST_THRESHOLD, DIALOGUE_THRESHOLD):
            ax.axvline(threshold * 100, color=COLOURS["muted"], linestyle="--", linewidth=0.8)
        for position, (value, top) in enumerate(zip(share, np.maximum(high, share))):
            ax.text(top * 100 + 1.5, position, pct(value), va="center", fontsize=9, color=COLOURS["ink"])
        ax.set_yticks(y, names)
        ax.set_xlim(0, 109)
        ax.set_xticks(range(0, 101, 20), [f"{tick} %" for tick in range(0, 101, 20)])
        ax.set_xlabel(f"dialogue share ({rep.estimator}), 95 % interval")
        ax.grid(axis="x", color=COLOURS["grid"], linewidth=0.6)
        ax.set_axisbelow(True)
        return _svg(fig, "bars", "Dialogue share per account")


def composition_svg(rep: "AccountReport") -> str:
    """Stacked horizontal bars per account: the share of its posts of each kind."""
    import matplotlib

    kinds = [column for column in rep.accounts.columns if column.startswith("kind_")]
    table = rep.accounts[rep.accounts["posts"] > 0].head(MAX_BAR_ACCOUNTS)
    if not kinds or table.empty:
        return ""
    counts = table[kinds].to_numpy(dtype=float)
    present = counts.sum(axis=0) > 0
    kinds, counts = [k for k, keep in zip(kinds, present) if keep], counts[:, present]
    shares = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) * 100
    shares, names = shares[::-1], [chart_label(name, 28) for name in table[rep.by]][::-1]
    with matplotlib.rc_context(_RC):
        fig = _figure(9.5, 0.36 * len(table) + 1.6)
        ax = fig.add_subplot()
        y = np.arange(len(names))
        left = np.zeros(len(names))
        for index, column in enumerate(kinds):
            kind = column.removeprefix("kind_")
            ax.barh(y, shares[:, index], left=left, height=0.66, label=kind,
                    color=KIND_COLOURS.get(kind, "#52606d"), edgecolor="white", linewidth=0.5,
                    hatch=None if kind in DIALOGUE_KINDS else None)
            left += shares[:, index]
        ax.set_yticks(y, names)
        ax.set_xlim(0, 100)
        ax.set_xticks(range(0, 101, 20), [f"{tick} %" for tick in range(0, 101, 20)])
        ax.set_xlabel("share of the account's posts by kind (dialogue kinds first)")
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, fontsize=9)
        return _svg(fig, "kinds", "Kinds of posts per account")


def _period_labels(period: str | None, first: int, last: int) -> list[str]:
    """Labels for every period from ``first`` to ``last`` (ordinals), gaps included."""
    span = [pd.Period(ordinal=ordinal, freq=period) for ordinal in range(first, last + 1)]
    if (period or "").upper().startswith("W"):
        return [str(p.start_time.date()) for p in span]
    return [str(p) for p in span]


def trend_svg(rep: "AccountReport", *, metric: str = "dialogue_share") -> str:
    """Lines per account over the periods with enough posts (``rep.min_period_posts``) or, for the
    answer rate, questions (:data:`MIN_PERIOD_QUESTIONS`), with their 95 % intervals as bands."""
    import matplotlib

    if rep.periods.empty:
        return ""
    if metric == "answer_rate":
        if not rep.has_threads:
            return ""
        periods = rep.periods[rep.periods["questions_received"] >= MIN_PERIOD_QUESTIONS].copy()
        periods["_low"], periods["_high"] = answer_interval(periods) if len(periods) else (np.array([]),) * 2
        label, sizes = "answer rate", "questions_received"
    else:
        periods = rep.periods[rep.periods["posts"] >= rep.min_period_posts].copy()
        periods["_low"], periods["_high"] = periods["ci_low"], periods["ci_high"]
        label, sizes = f"dialogue share ({rep.estimator})", "posts"
    if periods.empty:
        return ""
    top = rep.accounts.sort_values("posts", ascending=False, kind="stable")[rep.by]
    drawn = set(periods[rep.by])
    top = [account for account in top if account in drawn][:MAX_TREND_ACCOUNTS]
    ordinals = period_ordinals(rep.periods, rep.period)
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
            x = (ordinals[rows.index] - first).to_numpy()
            colour = palette(index % 10)
            value = rows[metric].to_numpy(dtype=float) * 100
            ax.fill_between(x, rows["_low"].to_numpy(dtype=float) * 100, rows["_high"].to_numpy(dtype=float) * 100,
                            color=colour, alpha=0.13, linewidth=0)
            ax.plot(x, value, color=colour, linewidth=1.6, label=chart_label(account, 24))
            ax.scatter(x, value, s=12 + 6 * np.sqrt(rows[sizes].to_numpy(dtype=float)), color=colour, zorder=3)
        ax.set_xticks(range(0, len(labels), step), labels[::step])
        ax.set_xlim(-0.5, len(labels) - 0.5)
        ax.set_ylim(-3, 103)
        ax.set_yticks(range(0, 101, 25), [f"{tick} %" for tick in range(0, 101, 25)])
        ax.set_ylabel(label)
        ax.grid(axis="y", color=COLOURS["grid"], linewidth=0.6)
        ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
        if len(labels) > 6:
            for tick in ax.get_xticklabels():
                tick.set_rotation(30)
                tick.set_horizontalalignment("right")
        return _svg(fig, f"trend-{metric.replace('_', '-')}", f"{label} per period")


def answers_svg(rep: "AccountReport") -> str:
    """Per account with questions: the answer rate with its Wilson interval, and the median minutes
    to an answer (second panel, log scale)."""
    import matplotlib

    if not rep.has_threads:
        return ""
    table = rep.accounts[rep.accounts["questions_received"] > 0].head(MAX_BAR_ACCOUNTS)
    if table.empty:
        return ""
    table = table.iloc[::-1]
    rate = table["answer_rate"].to_numpy(dtype=float)
    low, high = answer_interval(table)
    names = [f"{chart_label(name, 24)}  ({a}/{q})" for name, a, q in
             zip(table[rep.by], table["questions_answered"], table["questions_received"])]
    minutes = table["median_answer_minutes"].to_numpy(dtype=float)
    with matplotlib.rc_context(_RC):
        fig = _figure(9.5, 0.42 * len(table) + 1.4)
        ax, ax_time = fig.subplots(1, 2, sharey=True, gridspec_kw={"width_ratios": [3, 2], "wspace": 0.08})
        y = np.arange(len(table))
        ax.barh(y, rate * 100, color=COLOURS["dialogue"], height=0.62,
                xerr=np.vstack([rate - low, high - rate]) * 100,
                error_kw={"ecolor": COLOURS["ink"], "capsize": 3, "elinewidth": 1})
        ax.set_yticks(y, names)
        ax.set_xlim(0, 105)
        ax.set_xticks(range(0, 101, 25), [f"{tick} %" for tick in range(0, 101, 25)])
        ax.set_xlabel("users' questions answered (95 % interval)")
        ax.grid(axis="x", color=COLOURS["grid"], linewidth=0.6)
        ax.set_axisbelow(True)
        shown = np.where(np.isnan(minutes), 0.0, np.maximum(minutes, 1.0))
        ax_time.barh(y, shown, color=COLOURS["muted"], height=0.62)
        ax_time.set_xscale("log")
        ax_time.set_xlim(1, max(10_000.0, float(np.nanmax(shown)) * 3 if shown.any() else 10_000.0))
        ticks = [(1, "1 min"), (10, "10 min"), (60, "1 h"), (600, "10 h"), (1440, "1 d"), (10080, "1 wk")]
        ax_time.set_xticks([t for t, _ in ticks], [name for _, name in ticks])
        ax_time.minorticks_off()
        ax_time.set_xlabel("median time to an answer")
        ax_time.tick_params(axis="y", left=False)
        for tick in ax_time.get_xticklabels():
            tick.set_rotation(30)
        return _svg(fig, "answers", "Users' questions answered per account")


__all__ = ["ranking_svg", "composition_svg", "trend_svg", "answers_svg", "chart_label", "DIALOGUE_THRESHOLD",
           "BROADCAST_THRESHOLD", "KIND_COLOURS", "MIN_PERIOD_QUESTIONS"]
