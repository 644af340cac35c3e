"""Account report: does an organisation talk with its audience or only broadcast, and how sure is that?

:func:`report` turns posts (scored or not) into tables per account, overall, per period and per
platform, and :class:`AccountReport` renders them as one self-contained HTML file or CSV tables.
The steps live in their own modules: :mod:`dialogcls.accounts` builds the tables,
:mod:`dialogcls.quantify` estimates the dialogue shares (``cc``, ``pcc``, ``acc``) with intervals,
:mod:`dialogcls.threads` finds users' questions and the answers, :mod:`dialogcls.report_html` and
:mod:`dialogcls.report_charts` render.

The dialogue share of an account is estimated, not counted: the classifier's errors do not cancel
out. ``acc`` corrects the labelled share with the classifier's true- and false-positive rates, taken
from the model's cross-validation (``meta.json``) or, better, from posts the user hand-coded
(``coded=``). Without an estimator the measured default for the input is used
(:func:`dialogcls.quantify.default_estimator`).

Example
-------
>>> import pandas as pd
>>> posts = pd.DataFrame({"author": ["cityworks"] * 5, "text": ["@ann Sorry, fixed now!", "New tariffs",
...                       "What do you think?", "Opening hours", "@bob Thanks!"],
...                       "label": ["dialogue", "broadcast", "dialogue", "broadcast", "dialogue"]})
>>> float(report(posts, period=None).accounts.loc[0, "dialogue_share"])
0.6
"""
from __future__ import annotations

import datetime as _dt
import os
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .accounts import ShareSettings, as_frame, build_tables, prepare_posts
from .errors import DialogclsError, DialogclsWarning
from .quantify import ESTIMATOR_NAMES, Rates, check_estimator, default_estimator, measure_rates, rate_cells, \
    usable_for_acc, wilson_interval

__all__ = ["AccountReport", "report", "wilson_interval"]

#: Tables written by :meth:`AccountReport.to_csv`, in order.
TABLES = ("accounts", "periods", "platforms", "examples")


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
        Per account and kind the most confident posts, with a ``link`` where one is known.
    platforms : pandas.DataFrame
        One row per account and platform (empty without a ``platform`` column).
    by, period, min_posts, min_period_posts
        The parameters the report was built with (``period`` is None without periods).
    has_threads
        Whether the input had ``id`` and ``reply_to_id``, i.e. the question columns are filled.
    estimator
        The share estimator of ``dialogue_share``, ``ci_low`` and ``ci_high``.
    provenance
        What the report was made from: input, counts, model, rates, notes, date.

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
    platforms: pd.DataFrame = field(default_factory=pd.DataFrame)
    estimator: str = "cc"
    min_period_posts: int = 10
    provenance: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """One or two sentences saying which accounts talk with their audience and which broadcast.

        Example
        -------
        >>> rep.summary()  # doctest: +SKIP
        'CityWorks (64 %) talks with its audience: ... NewsDesk (0 %) only broadcasts: ...'
        """
        from .report_html import summary_text

        return summary_text(self)

    def render_html(self) -> str:
        """Return the report as one self-contained HTML document (inline styles, charts and script).

        Example
        -------
        >>> "<svg" in rep.render_html()  # doctest: +SKIP
        True
        """
        from .report_html import render

        return render(self)

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
        """Write ``accounts.csv``, ``periods.csv``, ``platforms.csv`` and ``examples.csv`` into
        ``directory``; returns the written files, in that order.

        Example
        -------
        >>> [path.name for path in rep.to_csv("out")]  # doctest: +SKIP
        ['accounts.csv', 'periods.csv', 'platforms.csv', 'examples.csv']
        """
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        paths = []
        for name in TABLES:
            paths.append(directory / f"{name}.csv")
            getattr(self, name).to_csv(paths[-1], index=False)
        return paths


def report(
    posts: pd.DataFrame | Iterable[Mapping[str, Any]],
    *,
    by: str = "author",
    period: str | None = "M",
    accounts: Sequence[Any] | None = None,
    min_posts: int = 5,
    model: Any = None,
    estimator: str | None = None,
    coded: Any = None,
    rates: Rates | None = None,
    min_period_posts: int = 10,
    source: str | None = None,
    n_resamples: int = 1000,
) -> AccountReport:
    """Build the account report from posts.

    Parameters
    ----------
    posts : pandas.DataFrame or iterable of dict
        One row per post with ``text`` and the ``by`` column, optionally the scores ``label``
        (``dialogue``/``broadcast``), ``p_dialogue``, ``lang`` and ``kind``, and ``is_reply``,
        ``reply_to``, ``id``, ``reply_to_id``, ``url``, ``platform``, ``created_at`` (ISO 8601
        strings or datetimes, naive means UTC) and ``is_org``. Without a ``label`` column the posts
        are scored first with :func:`dialogcls.api.classify_frame`. Labels without ``p_dialogue``
        (hand-coded data) are taken as the truth: the shares are their counts (``cc``).
    by : str, default "author"
        The grouping column; its values are the account identities (answers are matched on it and
        ``@value`` mentions address it).
    period : {"W", "M", "Q"} or other pandas period alias, or None, default "M"
        The period of the ``periods`` table and of the trends (needs ``created_at``).
    accounts : sequence, optional
        The accounts to report. If None: the ``by`` values with a truthy ``is_org`` where that
        column exists, otherwise every ``by`` value with at least ``min_posts`` labelled posts.
        Everybody else counts as "other users" whose questions the accounts may answer.
    min_posts : int, default 5
        Minimum labelled posts for an account to be ranked (and, with ``accounts=None`` and no
        ``is_org``, to be reported at all).
    model : DialogueClassifier, path or None
        The model that scores the posts (when they have no labels) and whose cross-validated rates
        ``acc`` uses; a model folder path is read for its rates only when the posts are scored
        already. None: the default model.
    estimator : {"cc", "pcc", "acc"} or None
        How dialogue shares are estimated (see :mod:`dialogcls.quantify`). None: the measured default
        for the input. ``acc`` without rates falls back to ``pcc`` with a note.
    coded : DataFrame, path, list of dict, optional
        Posts hand-coded by the user (``text`` and ``label``, with metadata like the posts): scored
        with the model, they give the true- and false-positive rates that ``acc`` uses instead of the
        model's.
    rates : Rates, optional
        Rates to use directly (wins over ``coded`` and the model's).
    min_period_posts : int, default 10
        Periods with fewer posts are left out of the trend chart.
    source : str, optional
        The name of the input (file), shown in the provenance footer.
    n_resamples : int, default 1000
        Bootstrap resamples of the ``pcc`` and ``acc`` intervals.

    Returns
    -------
    AccountReport
        ``accounts``: posts, dialogue, broadcast (label counts), dialogue_share, ci_low, ci_high (the
        estimator's share and 95 % interval), share_cc, share_pcc, share_acc, kind_* counts,
        structural_replies (reply-shaped posts, :func:`dialogcls.rules.reply_shaped`),
        structural_reply_share, reply_gap, promotional_replies, questions_received,
        questions_answered, answer_rate, median_answer_minutes (NaN without thread columns), trend
        (weighted least-squares change of the dialogue share per period) and rank.

    Raises
    ------
    ValueError
        If ``text`` or the ``by`` column is missing, ``min_posts`` < 1 or ``period`` is unknown.
    DialogclsError
        E450 unknown estimator, E451/E320/E321 unusable hand-coded posts, E454 ``pcc`` without
        probabilities, E456 an unreadable flag.

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
    >>> rep = report(posts, period=None, estimator="cc")
    >>> row = rep.accounts.iloc[0]
    >>> row["author"], int(row["posts"]), int(row["dialogue"]), float(row["dialogue_share"])
    ('cityworks', 5, 3, 0.6)
    """
    if min_posts < 1:
        raise DialogclsError("E460", f"min_posts must be at least 1, not {min_posts} (--min-posts)")
    if estimator is not None:
        check_estimator(estimator)
    frame = as_frame(standard_columns(posts), by)
    scored_here = "label" not in frame.columns
    if scored_here:
        from .api import classify_frame

        model = _loaded(model)
        frame = classify_frame(frame, model=model)
    frame = prepare_posts(frame, by)
    settings, model_info = _share_settings(frame, by, estimator, model, coded, rates, n_resamples)
    tables = build_tables(frame, by, period, settings, accounts=accounts, min_posts=min_posts)
    empty_because = None
    if tables["accounts"].empty and accounts is None and len(frame):
        counts = frame[by].value_counts()
        empty_because = (f"no account has at least {min_posts} posts: {len(counts)} account(s) have fewer (the "
                         f"most, {counts.index[0]!r}, {int(counts.iloc[0])}); lower min_posts (--min-posts) to "
                         "report them")
    if tables["unlabelled"]:
        warnings.warn(f"{tables['unlabelled']} posts of the reported accounts have no label 'dialogue' or "
                      "'broadcast' and are left out of the numbers.", DialogclsWarning, stacklevel=2)
    from . import __version__

    provenance = {
        "generated": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "dialogcls": __version__, "input": source, "rows": len(frame), "scored_here": scored_here,
        "estimator": settings.estimator, "rates_source": settings.rates.source if settings.rates else None,
        "notes": settings.notes, "model": model_info, "empty_because": empty_because,
    }
    return AccountReport(accounts=tables["accounts"], periods=tables["periods"], examples=tables["examples"],
                         platforms=tables["platforms"], by=by, period=tables["period"], min_posts=min_posts,
                         has_threads=tables["has_threads"], estimator=settings.estimator,
                         min_period_posts=min_period_posts, provenance=provenance)


def standard_columns(posts: pd.DataFrame | Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """Posts with dialogcls' standard columns: a platform export recognised by
    :mod:`dialogcls.exports` gets ``text``, ``author``, ``is_reply``, ``reply_to``, ``platform``,
    ``created_at`` and ``id`` where they are missing, and :func:`dialogcls.threads.add_thread_columns`
    adds ``reply_to_id`` from the export's reply fields.

    Example
    -------
    >>> frame = standard_columns([{"content": "<p>Danke!</p>", "account": {"acct": "bahn"}, "id": "2",
    ...                            "in_reply_to_id": "1", "reblog": None}])
    >>> frame[["text", "author", "reply_to_id"]].values.tolist()
    [['Danke!', 'bahn', '1']]
    """
    from .threads import add_thread_columns

    frame = posts.copy() if isinstance(posts, pd.DataFrame) else pd.DataFrame(list(posts))
    try:
        from .exports import DERIVED_FIELDS, OVERRIDES, derive, detect
    except ImportError:  # pragma: no cover - exports is part of the package
        return add_thread_columns(frame)
    preset = detect([str(column) for column in frame.columns])
    if preset is not None and len(frame):
        derived = pd.DataFrame([derive(record, preset)[0] for record in frame.to_dict("records")],
                               index=frame.index)
        for name in DERIVED_FIELDS[preset]:
            if name not in derived.columns:
                continue
            if name not in frame.columns or name in OVERRIDES.get(preset, ()):
                frame[name] = derived[name]
            else:
                frame[name] = frame[name].where(frame[name].notna(), derived[name])
    return add_thread_columns(frame)


def _loaded(model: Any) -> Any:
    """A model object: as given, loaded from a path, or the default model."""
    if model is None or isinstance(model, (str, os.PathLike)):
        from .api import load

        return load(model)
    return model


def _model_meta(model: Any) -> dict[str, Any] | None:
    """The ``meta.json`` of the model (object, folder, or the default model); None if unreadable."""
    from .errors import ArtifactError

    if model is not None and not isinstance(model, (str, os.PathLike)):
        meta = getattr(model, "meta_", None)
        return dict(meta) if isinstance(meta, Mapping) else None
    from .api import default_model_path
    from .artifact import read_meta

    try:
        return read_meta(model if model is not None else default_model_path())
    except ArtifactError:
        return None


def model_summary(meta: Mapping[str, Any] | None) -> dict[str, Any]:
    """A short description of a model for the provenance footer, from its ``meta.json``.

    Example
    -------
    >>> model_summary({"created": "2026-01-01", "weights_sha256": "ab" * 32,
    ...                "training_data": {"name": "train.jsonl", "rows": 10}})["summary"]
    'trained on train.jsonl (10 posts), created 2026-01-01, weights sha256 abababababab'
    """
    if not meta:
        return {}
    training = meta.get("training_data") or {}
    metrics = meta.get("metrics") or {}
    parts = [f"trained on {training.get('name', 'unknown data')} ({training.get('rows', '?')} posts)",
             f"created {meta.get('created', '?')}", f"weights sha256 {str(meta.get('weights_sha256', ''))[:12]}"]
    cross = metrics.get("cross_validation") or {}
    if "macro_f1" in cross:
        parts.append(f"cross-validated macro-F1 {cross['macro_f1']:.3f} (reply rule {cross.get('rule_macro_f1', 0):.3f})")
    for name, held_out in (metrics.get("held_out") or {}).items():
        with_metadata = held_out.get("with_metadata") or {}
        if "macro_f1" in with_metadata:
            parts.append(f"held out {name}: macro-F1 {with_metadata['macro_f1']:.3f}")
    return {"summary": ", ".join(parts), "created": meta.get("created"),
            "weights_sha256": meta.get("weights_sha256"), "training_data": training.get("name")}


def _share_settings(frame: pd.DataFrame, by: str, estimator: str | None, model: Any, coded: Any,
                    rates: Rates | None, n_resamples: int) -> tuple[ShareSettings, dict[str, Any]]:
    """The estimator and its rates for these posts, with notes on every fallback."""
    notes: list[str] = []
    labelled = frame["_labelled"]
    has_p = bool(labelled.any()) and bool(frame.loc[labelled, "_p"].notna().all())
    reply_metadata = bool(frame["_reply_metadata"].iloc[0]) if len(frame) else False
    if not has_p and (estimator is None or estimator == "cc"):
        if len(frame):
            notes.append("The labels have no p_dialogue, so they are taken as given (hand-coded): shares are "
                         "counts of labels.")
        return ShareSettings("cc", None, n_resamples, notes), {}
    if estimator == "pcc" and not has_p:
        raise DialogclsError("E454", "the pcc estimator needs a p_dialogue for every labelled post; score the "
                                     "posts with dialogcls or choose --estimator cc")
    meta = _model_meta(model)
    model_info = model_summary(meta)
    if rates is None and coded is not None:
        rates = coded_rates(coded, _loaded(model), by)
    if rates is None and meta is not None:
        stored = (meta.get("metrics") or {}).get("rates") or {}
        condition = "with_metadata" if reply_metadata else "text_only"
        if stored.get(condition):
            rates = Rates.from_dict(stored[condition])
    chosen = estimator or default_estimator(reply_metadata=reply_metadata, hand_coded=coded is not None)
    if chosen == "acc":
        lang = frame["_lang"].astype(object).where(frame["_lang"].notna(), None).tolist()
        _, cells = rate_cells(lang, frame["_stratum"].to_numpy(), rates)
        if not usable_for_acc(rates, cells):
            fallback = "pcc" if has_p else "cc"
            notes.append(("The model has no measured true- and false-positive rates (it was trained by an older "
                          "dialogcls; retrain it or pass hand-coded posts)" if rates is None else
                          f"The rates ({rates.source}) have too few posts of each label per reply stratum")
                         + f", so the shares are {ESTIMATOR_NAMES[fallback]} ({fallback}) instead of acc.")
            warnings.warn(notes[-1], DialogclsWarning, stacklevel=3)
            chosen = fallback
    if estimator is None:
        notes.append(f"Estimator {chosen}: the measured default for posts "
                     + ("with hand-coded rates." if coded is not None else
                        "with reply metadata." if reply_metadata else "without reply metadata."))
    return ShareSettings(chosen, rates, n_resamples, notes), model_info


def coded_rates(coded: Any, model: Any, by: str = "author") -> Rates:
    """The true- and false-positive rates of ``model`` on posts hand-coded by the user.

    ``coded`` is a DataFrame, a list of mappings or a file (any format :func:`dialogcls.io.read_table`
    reads) with ``text`` and ``label`` (``dialogue``/``broadcast``) and, optionally, the metadata
    columns of the posts (``is_reply``, ``reply_to``, ``author`` …).

    Example
    -------
    >>> rows = [{"text": "@a Danke!", "label": "dialogue"}, {"text": "Neu im Shop", "label": "broadcast"}]
    >>> coded_rates(rows, None).counts["*|*"]    # doctest: +SKIP
    (1, 0, 0, 1)
    """
    from .api import classify_frame
    from .io import read_table

    name = Path(coded).name if isinstance(coded, (str, os.PathLike)) else "passed in Python"
    frame = read_table(coded).reset_index(drop=True)
    missing = [column for column in ("text", "label") if column not in frame.columns]
    if missing:
        raise DialogclsError("E451", f"the hand-coded posts ({name}) have no column {', '.join(map(repr, missing))}; "
                                     f"they need 'text' and 'label'. Columns found: {list(frame.columns)}")
    truth = frame["label"].astype("string").str.strip().str.lower()
    bad = truth[~truth.isin(("dialogue", "broadcast")).fillna(False)]
    if len(bad):
        raise DialogclsError("E320", f"the hand-coded posts ({name}), row {int(bad.index[0]) + 1}: label "
                                     f"{bad.iloc[0]!r}; every label must be 'dialogue' or 'broadcast'")
    if truth.nunique() < 2:
        raise DialogclsError("E321", f"the hand-coded posts ({name}) are all {truth.iloc[0] if len(truth) else 'missing'}; "
                                     "rates need posts of both labels")
    scored = classify_frame(frame.drop(columns=["label", "p_dialogue", "lang", "kind"], errors="ignore")
                            .assign(text=frame["text"].fillna("").astype(str)), model=model)
    prepared = prepare_posts(scored.assign(**{by: scored[by] if by in scored.columns else None}), by)
    return measure_rates(truth.tolist(), scored["label"].tolist(), scored["lang"].tolist(),
                         prepared["_stratum"].tolist(), source=f"{len(frame)} hand-coded posts ({name})")
