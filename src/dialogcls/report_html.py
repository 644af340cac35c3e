"""The account report as one self-contained HTML page: summary, charts, tables that sort and filter
(a small inline script, allowed by its hash in the page's Content-Security-Policy; nothing is loaded
from the network), examples per kind with links to the posts, the method and a provenance footer.

Example
-------
>>> from dialogcls.reporting import report
>>> import pandas as pd
>>> page = render(report(pd.DataFrame({"author": ["a"] * 5, "text": ["Hi"] * 5, "label": ["dialogue"] * 5}),
...                      period=None, estimator="cc"))
>>> page.startswith("<!DOCTYPE html>") and "sha256-" in page
True
"""
from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pandas as pd

from .accounts import DIALOGUE_KINDS, LABELS
from .quantify import ESTIMATOR_NAMES
from .report_charts import (BROADCAST_THRESHOLD, DIALOGUE_THRESHOLD, answers_svg, composition_svg, pct, ranking_svg,
                            trend_svg)

if TYPE_CHECKING:  # pragma: no cover
    from .reporting import AccountReport

PERIOD_NAMES = {"W": "week", "M": "month", "Q": "quarter", "Y": "year"}

# -- summary text -----------------------------------------------------------------------------------


def summary_text(rep: "AccountReport") -> str:
    """Which accounts talk with their audience (share >= 50 %), which only broadcast (< 10 %)."""
    table = rep.accounts
    ranked = table[table["rank"].notna()]
    if table.empty:
        why = rep.provenance.get("empty_because")
        return why.capitalize() + "." if why else "There are no posts by the accounts to report on."
    if ranked.empty:
        return (f"No account has at least {rep.min_posts} labelled posts, too few to judge whether "
                "it talks with its audience or only broadcasts.")
    talkers = ranked[ranked["dialogue_share"] >= DIALOGUE_THRESHOLD]
    broadcasters = ranked[ranked["dialogue_share"] < BROADCAST_THRESHOLD]
    mixed = ranked.drop(index=talkers.index.union(broadcasters.index))
    if len(talkers):
        first = (f"{_name_list(talkers, rep.by)} {_verb(talkers, 'talks', 'talk')} with "
                 f"{_verb(talkers, 'its', 'their')} audience: at least half of "
                 f"{_verb(talkers, 'its', 'their')} posts are dialogue.")
    else:
        first = "No account talks with its audience in at least half of its posts."
    rest = []
    if len(broadcasters):
        verb = _verb(broadcasters, "only broadcasts", "only broadcast")
        rest.append(f"{_name_list(broadcasters, rep.by)} {verb} (under {pct(BROADCAST_THRESHOLD)} dialogue)")
    if len(mixed):
        rest.append(f"{_name_list(mixed, rep.by)} mostly {_verb(mixed, 'broadcasts', 'broadcast')} "
                    "with some dialogue")
    return first if not rest else f"{first} {'; '.join(rest)}."


def facts(rep: "AccountReport") -> list[str]:
    """Short supporting facts: how sure the verdicts are, answered questions, promotional replies."""
    table = rep.accounts
    out = []
    ranked = table[table["rank"].notna() & table["ci_low"].notna()]
    if len(ranked):
        sure, unsure = [], []
        for _, row in ranked.iterrows():
            side = [row["ci_low"] >= DIALOGUE_THRESHOLD or row["ci_high"] < DIALOGUE_THRESHOLD,
                    row["ci_low"] >= BROADCAST_THRESHOLD or row["ci_high"] < BROADCAST_THRESHOLD]
            (sure if all(side) else unsure).append(f"{row[rep.by]} ({pct(row['ci_low'])}–{pct(row['ci_high'])})")
        text = "How sure: the 95 % interval"
        if sure:
            text += f" keeps {_join(sure)} on one side of {pct(BROADCAST_THRESHOLD)} and {pct(DIALOGUE_THRESHOLD)}"
        if unsure:
            text += ("; it" if sure else "") + f" crosses a line for {_join(unsure)}: more posts would decide"
        out.append(text + ".")
    if rep.has_threads:
        asked = table[table["questions_received"] > 0]
        parts = [f"{row[rep.by]} {row['questions_answered']} of {row['questions_received']}"
                 + (f" (median {minutes(row['median_answer_minutes'])})"
                    if pd.notna(row["median_answer_minutes"]) else "")
                 for _, row in asked.iterrows()]
        if parts:
            out.append(f"Users' questions answered: {_join(parts)}.")
    promo = table[table["promotional_replies"] > 0]
    if len(promo):
        parts = [f"{row[rep.by]} {row['promotional_replies']} of {row['structural_replies']}"
                 for _, row in promo.iterrows()]
        out.append(f"Replies that only promote (broadcast): {_join(parts)}.")
    return out


def _name_list(table: pd.DataFrame, by: str) -> str:
    return _join([f"{row[by]} ({pct(row['dialogue_share'])})" for _, row in table.iterrows()])


def _join(items: list[str], limit: int = 6) -> str:
    """``a``, ``a and b``, ``a, b and c``; beyond ``limit`` items: ``a, b, ... and 7 more``."""
    if len(items) > limit:
        items = [*items[:limit], f"{len(items) - limit} more"]
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _verb(table: pd.DataFrame, singular: str, plural: str) -> str:
    return singular if len(table) == 1 else plural


# -- cells --------------------------------------------------------------------------------------------


def pct1(value: Any) -> str:
    return "–" if pd.isna(value) else f"{100 * value:.1f} %"


def count(value: Any) -> str:
    return "–" if pd.isna(value) else f"{int(value)}"


def minutes(value: Any) -> str:
    if pd.isna(value):
        return "–"
    if abs(value) < 120:
        return f"{value:.0f} min"
    if abs(value) < 48 * 60:
        return f"{value / 60:.1f} h"
    return f"{value / 1440:.1f} d"


def points(value: Any) -> str:
    return "–" if pd.isna(value) else f"{100 * value:+.1f} pp"


#: A table column: header, cell text (row -> str), sort value (row -> number or None), CSS class; a
#: row is a mapping of column name to value.
Column = tuple[str, Callable[[Any], str], Callable[[Any], Any], str]


def col(name: str, header: str, fmt: Callable[[Any], str] = str, css: str = "num") -> Column:
    return header, lambda row: fmt(row[name]), (lambda row: row[name]) if css == "num" else (lambda row: None), css


def _ci(row: Mapping[str, Any]) -> str:
    if pd.isna(row["ci_low"]):
        return "–"
    return f"{100 * row['ci_low']:.0f}–{100 * row['ci_high']:.0f} %"


def _answered(row: Mapping[str, Any]) -> str:
    if pd.isna(row["questions_received"]):
        return "–"
    return f"{int(row['questions_answered'])} / {int(row['questions_received'])}"


def _main_broadcast_kinds(row: Mapping[str, Any], top: int = 2) -> str:
    """The most frequent broadcast kinds of a row, e.g. ``news 10, promo 5``."""
    counts = {name.removeprefix("kind_"): row[name] for name in row
              if name.startswith("kind_") and name.removeprefix("kind_") not in DIALOGUE_KINDS}
    ranked = sorted((item for item in counts.items() if item[1] > 0), key=lambda item: -item[1])
    return ", ".join(f"{kind} {number}" for kind, number in ranked[:top]) or "–"


def core_columns(rep: "AccountReport", table: pd.DataFrame, *, kinds: bool, threads: bool = True) -> list[Column]:
    """Columns shown in the HTML tables; kinds and thread columns only where the data has them."""
    columns = [col("posts", "Posts", count), col("dialogue_share", "Dialogue share", pct1),
               ("95 % interval", _ci, lambda row: row["ci_low"], "num")]
    if rep.estimator != "cc":
        columns.append(col("share_cc", "Labelled dialogue", pct1))
    if kinds and any(column.startswith("kind_") for column in table.columns):
        columns += [col("kind_reply", "Reply", count), col("kind_invite", "Invite", count),
                    ("Top broadcast kinds", _main_broadcast_kinds, lambda row: None, "wrap")]
    columns += [col("structural_reply_share", "Reply-shaped", pct1),
                col("promotional_replies", "Promo replies", count)]
    if rep.has_threads and threads:
        columns += [("Questions answered", _answered, lambda row: row["questions_received"], "num"),
                    col("answer_rate", "Answer rate", pct),
                    col("median_answer_minutes", "Median answer time", minutes)]
    return columns


def _sort_value(value: Any) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    try:
        return repr(float(value))
    except (TypeError, ValueError):
        return ""


def html_table(table: pd.DataFrame, columns: Sequence[Column], caption: str, name: str, label: str) -> str:
    """A table that sorts (click a header) and filters (the search box above it)."""
    head = "".join(f'<th class="{css}" scope="col"><button type="button">{html.escape(header)}</button></th>'
                   for header, _, _, css in columns)
    body = "".join(
        "<tr>" + "".join(
            f'<td class="{css}"' + (f' data-v="{_sort_value(key(row))}"' if css == "num" else "")
            + f">{html.escape(fmt(row))}</td>" for _, fmt, key, css in columns) + "</tr>\n"
        for row in table.to_dict("records"))  # plain dicts: fast on tables of thousands of rows
    return (f'<div class="tools"><label>Filter {html.escape(label)} '
            f'<input type="search" id="{name}-filter" data-table="{name}-table" placeholder="type to filter">'
            f'</label> <span class="shown" id="{name}-table-shown">{len(table)} rows</span></div>'
            f'<div class="table-wrap"><table class="explore" id="{name}-table"><thead><tr>{head}</tr></thead>'
            f'<tbody>\n{body}</tbody></table></div><p class="note">{html.escape(caption)}</p>')


# -- the page -----------------------------------------------------------------------------------------

SCRIPT = """(function () {
  function value(cell, numeric) {
    if (!numeric) { return cell.textContent.trim().toLowerCase(); }
    var v = cell.getAttribute('data-v');
    return v === null || v === '' ? null : parseFloat(v);
  }
  document.querySelectorAll('table.explore').forEach(function (table) {
    var body = table.tBodies[0];
    var shown = document.getElementById(table.id + '-shown');
    table.querySelectorAll('thead th').forEach(function (th, column) {
      th.querySelector('button').addEventListener('click', function () {
        var ascending = th.getAttribute('aria-sort') !== 'ascending';
        table.querySelectorAll('thead th').forEach(function (other) { other.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        var numeric = th.classList.contains('num');
        var keyed = Array.prototype.map.call(body.rows, function (row, index) {
          return {row: row, key: value(row.cells[column], numeric), index: index};
        });
        keyed.sort(function (a, b) {
          var x = a.key, y = b.key;
          if (x === y) { return a.index - b.index; }
          if (x === null) { return 1; }
          if (y === null) { return -1; }
          return (x < y ? -1 : 1) * (ascending ? 1 : -1);
        });
        var next = body.nextSibling;
        table.removeChild(body);  // reorder off the page: one layout instead of one per row
        keyed.forEach(function (item) { body.appendChild(item.row); });
        table.insertBefore(body, next);
      });
    });
    var input = document.querySelector('input[data-table="' + table.id + '"]');
    if (input) {
      input.addEventListener('input', function () {
        var query = input.value.trim().toLowerCase(), visible = 0;
        Array.prototype.forEach.call(body.rows, function (row) {
          row.hidden = query !== '' && row.textContent.toLowerCase().indexOf(query) < 0;
          visible += row.hidden ? 0 : 1;
        });
        if (shown) { shown.textContent = visible + ' of ' + body.rows.length + ' rows'; }
      });
    }
  });
})();"""

CSS = """
:root { --ink:#1f2933; --muted:#616e7c; --line:#d9e2ec; --dialogue:#1b7f79; --broadcast:#c8553d;
        --bg:#f7f9fb; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--ink);
       font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Helvetica Neue",Arial,sans-serif,
       "Apple Color Emoji","Segoe UI Emoji","Segoe UI Symbol","Noto Color Emoji"; }
main { max-width:1240px; margin:0 auto; padding:24px 24px 48px; }
h1 { font-size:28px; margin:0 0 4px; }
h2 { font-size:20px; margin:36px 0 10px; padding-bottom:4px; border-bottom:2px solid var(--line); }
h3 { font-size:16px; margin:0 0 8px; }
h4 { font-size:13px; text-transform:uppercase; letter-spacing:.04em; margin:0 0 6px; }
nav { margin:10px 0 0; font-size:14px; } nav a { margin-right:14px; color:var(--dialogue); }
.meta { color:var(--muted); margin:0; }
.summary { background:#fff; border-left:5px solid var(--dialogue); padding:14px 18px;
           margin-top:20px; border-radius:4px; box-shadow:0 1px 2px rgba(0,0,0,.06); }
.summary p { margin:6px 0; } .summary .lead { font-size:17px; }
.summary .facts { color:var(--muted); font-size:14px; }
figure { margin:0 0 12px; background:#fff; padding:12px; border-radius:4px;
         box-shadow:0 1px 2px rgba(0,0,0,.06); }
figure svg { display:block; max-width:100%; height:auto; margin:0 auto; }
figcaption { color:var(--muted); font-size:13px; padding:6px 2px; }
.tools { margin:6px 0; font-size:14px; } .tools input { font:inherit; padding:3px 6px; min-width:220px; }
.shown { color:var(--muted); font-size:13px; margin-left:8px; }
.table-wrap { overflow-x:auto; background:#fff; border-radius:4px; box-shadow:0 1px 2px rgba(0,0,0,.06); }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { padding:6px 8px; border-bottom:1px solid var(--line); text-align:left; }
td { white-space:nowrap; } td.wrap { white-space:normal; min-width:150px; }
th { background:#eef2f6; font-weight:600; vertical-align:bottom; }
th button { all:unset; cursor:pointer; } th button:focus-visible { outline:2px solid var(--dialogue); }
th[aria-sort="ascending"] button::after { content:" \\25B2"; font-size:10px; }
th[aria-sort="descending"] button::after { content:" \\25BC"; font-size:10px; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
tbody tr:nth-child(even) { background:#fafcfd; }
.examples { background:#fff; padding:12px 16px; margin:12px 0; border-radius:4px;
            box-shadow:0 1px 2px rgba(0,0,0,.06); }
.pair { display:grid; grid-template-columns:1fr 1fr; gap:18px; }
.pair ul { margin:0 0 8px; padding-left:0; list-style:none; }
.pair li { padding:6px 8px; margin:0 0 6px; border-radius:3px; background:var(--bg);
           overflow-wrap:anywhere; font-size:14px; }
.kind { display:inline-block; min-width:80px; font-size:12px; font-weight:600; color:var(--muted); }
.dialogue h4 { color:var(--dialogue); } .broadcast h4 { color:var(--broadcast); }
.dialogue li { border-left:3px solid var(--dialogue); }
.broadcast li { border-left:3px solid var(--broadcast); }
.p { display:inline-block; min-width:62px; color:var(--muted); font-size:12px;
     font-variant-numeric:tabular-nums; }
.open { font-size:12px; margin-left:6px; white-space:nowrap; }
li.none { color:var(--muted); border:none; }
.note { color:var(--muted); font-size:13px; margin:6px 2px; }
footer { margin-top:36px; color:var(--muted); font-size:13px; }
footer dt { font-weight:600; color:var(--ink); } footer dd { margin:0 0 6px; }
@media (max-width:760px) { .pair { grid-template-columns:1fr; } }
"""


def _p(value: Any) -> str:
    return "–" if pd.isna(value) else f"{value:.2f}"


def examples_html(rep: "AccountReport") -> str:
    """Per account, the most confident posts of each kind, dialogue beside broadcast."""
    if rep.examples.empty:
        return "<p>No labelled posts.</p>"
    blocks = []
    by_account: dict[Any, list[dict[str, Any]]] = {}
    for row in rep.examples.to_dict("records"):  # one pass over plain dicts: fast for many accounts
        by_account.setdefault(row[rep.by], []).append(row)
    for account in rep.accounts[rep.by]:
        posts = by_account.get(account)
        if not posts:
            continue
        lists = []
        for label in LABELS:
            items = "".join(
                f'<li><span class="kind">{html.escape(str(row["kind"]))}</span>'
                f'<span class="p">p = {_p(row["p_dialogue"])}</span>{html.escape(row["text"])}'
                + (f' <a class="open" href="{html.escape(row["link"], quote=True)}" rel="noreferrer noopener">'
                   "open post ↗</a>" if isinstance(row.get("link"), str) else "") + "</li>"
                for row in posts if row["label"] == label) or '<li class="none">none</li>'
            lists.append(f'<div class="{label}"><h4>{label.capitalize()}</h4><ul>{items}</ul></div>')
        blocks.append(f'<article class="examples"><h3>{html.escape(str(account))}</h3>'
                      f'<div class="pair">{"".join(lists)}</div></article>')
    return "\n".join(blocks)


def meta_line(rep: "AccountReport") -> str:
    table = rep.accounts
    text = f"{int(table['posts'].sum())} labelled posts by {len(table)} accounts, grouped by '{rep.by}'"
    if rep.period and not rep.periods.empty:
        ordered = rep.periods.sort_values("period_start", kind="stable")["period"]
        text += f", per {PERIOD_NAMES.get(rep.period, rep.period)} from {ordered.iloc[0]} to {ordered.iloc[-1]}"
    return text + f"; shares by {ESTIMATOR_NAMES.get(rep.estimator, rep.estimator)} ({rep.estimator})."


def method_html(rep: "AccountReport") -> str:
    """What the shares and intervals mean, for the estimator used."""
    prov = rep.provenance
    rates = prov.get("rates_source")
    text = {
        "cc": "The share of posts labelled dialogue. Its 95 % Wilson interval covers the sampling of posts only, "
              "not the classifier's own errors, which do not cancel out.",
        "pcc": "The mean calibrated probability of dialogue (p_dialogue) of the account's posts. Its 95 % interval "
               "is a Bayesian bootstrap over the posts; it does not include calibration error.",
        "acc": "The labelled share corrected per language and reply stratum with the classifier's true- and "
               "false-positive rates, (labelled − fpr) / (tpr − fpr), clipped to 0–100 % and weighted by posts. "
               "Its 95 % interval is a Bayesian bootstrap over the posts that also draws the rates from their "
               "binomial uncertainty.",
    }[rep.estimator]
    notes = "".join(f"<dd>{html.escape(note)}</dd>" for note in prov.get("notes", []))
    return (f"<dl><dt>Dialogue share: {html.escape(ESTIMATOR_NAMES.get(rep.estimator, rep.estimator))} "
            f"({rep.estimator})</dt><dd>{html.escape(text)}</dd>"
            + (f"<dd>Rates: {html.escape(rates)}.</dd>" if rates and rep.estimator == "acc" else "") + notes
            + "<dt>Reply-shaped vs. dialogue</dt><dd>Reply-shaped posts are marked as a reply to another account "
              "or open with an @handle (the reply rule's dialogue). A reply-shaped share far above the dialogue "
              "share means many replies only push promotion.</dd>"
              "<dt>Questions answered</dt><dd>Questions (posts with '?') by other users that reply to the account "
              "or mention it, answered when the account replied to that very post; the answer time runs from "
              "question to first answer.</dd>"
            + ("" if rep.has_threads else "<dd>The input has no thread columns (id, reply_to_id), so answered "
                                          "questions are not measured.</dd>")
            + f"<dt>Trends</dt><dd>Drawn only for periods with at least {rep.min_period_posts} posts, with their "
              "95 % intervals as bands.</dd></dl>")


def provenance_html(rep: "AccountReport") -> str:
    prov = rep.provenance
    model = prov.get("model") or {}
    items = [("Input", f"{prov.get('input') or 'posts passed in Python'}: {prov.get('rows', 0)} rows, "
                       f"{int(rep.accounts['posts'].sum())} labelled posts of {len(rep.accounts)} accounts"),
             ("Estimator", f"{rep.estimator} ({ESTIMATOR_NAMES.get(rep.estimator, '')})"
                           + (f"; rates from {prov['rates_source']}" if prov.get("rates_source") else "")),
             ("Model", model.get("summary") or "labels as given in the input"),
             ("Made", f"{prov.get('generated', '')} by dialogcls {prov.get('dialogcls', '')}")]
    return "".join(f"<dt>{html.escape(name)}</dt><dd>{html.escape(str(value))}</dd>" for name, value in items)


def _figure(svg: str, caption: str) -> str:
    return f"<figure>{svg}<figcaption>{html.escape(caption)}</figcaption></figure>" if svg else ""


def render(rep: "AccountReport") -> str:
    """The report as one self-contained HTML document."""
    period_name = PERIOD_NAMES.get(rep.period or "", "period")
    script_hash = base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode("ascii")
    lead = "".join(f'<p class="facts">{html.escape(fact)}</p>' for fact in facts(rep))
    ranking = _figure(ranking_svg(rep), f"Dialogue share ({rep.estimator}) with 95 % intervals; grey bars: fewer "
                                        f"than {rep.min_posts} posts (not ranked). Dashed lines: "
                                        f"{pct(BROADCAST_THRESHOLD)} and {pct(DIALOGUE_THRESHOLD)}.")
    kinds = _figure(composition_svg(rep), "Share of each account's posts by kind: reply and invite are dialogue, "
                                          "the others broadcast.")
    trend = _figure(trend_svg(rep), f"Dialogue share per {period_name} and account (the accounts with most "
                                    f"posts), only periods with at least {rep.min_period_posts} posts; bands: 95 % "
                                    "intervals; marker area grows with the number of posts.")
    answers = _figure(answers_svg(rep), "Share of users' questions the account answered (95 % Wilson interval) and "
                                        "the median time to its answer.")
    answer_trend = _figure(trend_svg(rep, metric="answer_rate"),
                           f"Answer rate per {period_name}, periods with at least 5 questions; bands: 95 % intervals.")
    accounts_caption = (f"One row per account. Ranked: accounts with at least {rep.min_posts} posts, by dialogue share. "
                        "Click a header to sort, type to filter. 'Reply-shaped': share of posts marked as a reply to "
                        "another account or opening with an @handle; promotional replies are those labelled "
                        "broadcast. All columns are in the CSV output.")
    columns = [col("rank", "Rank", count), col(rep.by, "Account", str, css="text"),
               *core_columns(rep, rep.accounts, kinds=True)]
    if rep.period:
        columns.append(col("trend", f"Trend per {period_name}", points))
    sections = [
        ("ranking", "Dialogue share per account", ranking or '<p class="note">No labelled posts.</p>'),
        ("kinds", "What the accounts post", kinds or '<p class="note">The posts have no kind column.</p>'),
        ("accounts", "Accounts", html_table(rep.accounts, columns, accounts_caption, "accounts", "accounts")),
        ("trend", "Trend", trend or '<p class="note">No trend: no period has enough posts with a usable '
                                    'created_at.</p>'),
        ("answers", "Questions and answers", (answers + answer_trend) if rep.has_threads else
         '<p class="note">The input has no post ids and reply-to ids (id, reply_to_id), so answers are not '
         'measured.</p>'),
        ("periods", "Per period", html_table(rep.periods, [col(rep.by, "Account", str, css="text"),
                                                           col("period", "Period", str, css="text"),
                                                           *core_columns(rep, rep.periods, kinds=False)],
                                             "One row per account and period with posts or questions.", "periods",
                                             "periods") if not rep.periods.empty else '<p class="note">No periods.</p>'),
        ("platforms", "Per platform", html_table(rep.platforms, [col(rep.by, "Account", str, css="text"),
                                                                 col("platform", "Platform", str, css="text"),
                                                                 *core_columns(rep, rep.platforms, kinds=False,
                                                                               threads=False)],
                                                 "One row per account and platform.", "platforms", "platforms")
         if not rep.platforms.empty else '<p class="note">The posts have no platform column.</p>'),
        ("examples", "Examples per kind", examples_html(rep)),
        ("method", "How the numbers are made", method_html(rep)),
    ]
    nav = "".join(f'<a href="#{key}">{html.escape(title)}</a>' for key, title, _ in sections)
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
        f"style-src 'unsafe-inline'; script-src 'sha256-{script_hash}'\">",
        "<title>Dialogue or broadcast? Account report</title>",
        f"<style>{CSS}</style></head><body><main>",
        "<header><h1>Dialogue or broadcast?</h1>",
        f'<p class="meta">{html.escape(meta_line(rep))}</p><nav>{nav}</nav></header>',
        '<section class="summary" id="summary">',
        f'<p class="lead">{html.escape(rep.summary())}</p>{lead}</section>',
        *(f'<section id="{key}"><h2>{html.escape(title)}</h2>{body}</section>' for key, title, body in sections),
        f"<footer><dl>{provenance_html(rep)}</dl></footer></main>",
        f"<script>{SCRIPT}</script></body></html>",
    ]
    return "\n".join(parts) + "\n"


__all__ = ["render", "summary_text", "facts", "SCRIPT", "CSS"]
