"""Picking posts to code by hand, and reading them back once coded.

:func:`sample` draws ``n`` posts from a file or frame of an organisation's posts:

- a share (:data:`UNCERTAIN_SHARE`, a third by default) where the model is least sure: the posts
  whose ``p_dialogue`` is nearest, in log-odds, to the threshold that decides their label
  (``top_level_threshold`` for top-level posts, ``reply_shaped_threshold`` for reply-shaped ones,
  :func:`dialogcls.rules.reply_shaped`). Coding them teaches a retrained model most;
- the rest at random, stratified by account, language and reply shape: a systematic sample over
  the posts sorted by account, language, reply shape and a random key, so that every stratum gets
  its share. With ``allocation="proportional"`` every post has the same chance (the random part is
  a miniature of the input); with ``"equal"`` every account gets the same number of posts (as far
  as it has them), for per-account figures.

Each row records how it was drawn (``picked``: ``random`` or ``uncertain``) and its design weight
(``design_weight``: the number of input posts it stands for, 1 for an uncertain pick, which stands
for itself). The agreement to publish is the one on the random part; the confusion rates that
correct account shares use the weights (:mod:`dialogcls.agreement`).

The sheet holds what a coder needs (text, reply flags, the account replied to, author, platform,
time, a link to the post where known) and empty ``label``, ``kind`` and ``note`` columns; the
short coding rules go into a second file next to it (``NAME.codebook.md``). The model's own label
is not shown unless asked for (``show_model=True``): coders who see a suggestion follow it more
often than they should (anchoring), which inflates exactly the agreement the sample is meant to
measure.

Example
-------
>>> rows = [{"text": f"@kunde{i} Danke für deine Nachricht!", "author": "acme", "is_reply": True} for i in range(6)]
>>> rows += [{"text": f"Neu im Shop: Modell {i} https://t.co/{i}", "author": "acme"} for i in range(6)]
>>> sheet = sample(rows, n=4, seed=1)
>>> len(sheet), sorted(set(sheet["picked"])), sheet["label"].tolist()
(4, ['random', 'uncertain'], ['', '', '', ''])
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np

from .errors import DialogclsError
from .model import DEFAULT_BATCH_SIZE
from .records import KINDS, LABELS, PostBatch, platform_name

#: The share of a sample picked where the model is least sure (the rest is drawn at random).
UNCERTAIN_SHARE = 1 / 3
#: How the random part is spread over accounts.
ALLOCATIONS = ("proportional", "equal")
#: Input columns that hold a link to the post, in order of preference.
LINK_COLUMNS = ("link", "url", "permalink", "post_url")
#: The columns a coder fills in.
CODING_COLUMNS = ("label", "kind", "note")
#: The columns that say how a row was drawn; they mark a file as a sample sheet.
DESIGN_COLUMNS = ("picked", "design_weight")

#: The codebook's rules in short, written next to every sample sheet (the full text is the
#: project's codebook; where they differ, the codebook wins).
CODING_RULES = """\
# How to code these posts (dialogcls codebook, short form)

Fill `label` in every row with `dialogue` or `broadcast`; fill `kind` when you can (else leave it
empty); use `note` for doubts. Judge each post by its main function, from its text and the reply
columns (`is_reply`, `reply_to`), as if you had found it in the account's feed. Leave `picked` and
`design_weight` as they are: they record how the row was drawn, not what it is.

- **dialogue** talks *with* people. `reply`: answers, thanks, apologises, helps, asks for details
  or a DM, follows up, redirects, banters with a specific person. `invite`: genuinely asks the
  audience for an answer (open question, poll, "tell us in the comments", call for feedback).
- **broadcast** talks *at* an audience: `promo`, `news` (PR, CSR, awards, reports), `recruiting`,
  `event`, `notice` (delays, outages, opening hours for everyone), `share` (retweets), `other`.

In order of precedence:

1. A reply that deals with the person's message is dialogue, even with a link or canned wording.
2. A reply that only pushes promotion, taking up nothing the person said, is broadcast.
3. An account replying to itself (a thread) is judged by content; usually broadcast.
4. Mentions are not address: a tagged partner, sponsor or speaker, or a leading ".@name", in an
   announcement is broadcast.
5. Thanking a specific user for their message, praise or patience is dialogue; thanking partners
   or "all our customers" in PR style is broadcast.
6. A question the audience is meant to answer is dialogue (invite); a teaser question answered by
   the post itself or followed by a link or call to action is broadcast.
7. If the only action asked for is like, share, follow, tag, click, buy, register or apply, it is
   broadcast ("comment to win" too); asking for a real answer is dialogue.
8. Announcing a live chat is broadcast; the answers inside it are dialogue.
9. A service notice to everyone is broadcast; the same sent to a person who asked is dialogue.
10. A plain retweet or share is broadcast; a quote that answers or thanks its author is dialogue.
11. Mixed posts: the function that carries the post wins.
12. German, English and mixed posts alike; truncated posts by what is visible; signatures such as
    "/je" or "^AB" are no cue.
"""


def _read_frames(data: Any, *, fmt: str | None, text_column: str, batch_size: int) -> list[Any] | Iterator[Any]:
    """The input as pandas frames: streamed chunks of a file (re-read on each call), or slices of an
    in-memory table or standard input."""
    from .io import read_chunks, read_table

    if isinstance(data, (str, os.PathLike)) and str(data) != "-":
        return (chunk.frame for chunk in read_chunks(data, fmt=fmt, chunk_size=batch_size, text_column=text_column))
    if isinstance(data, (str, os.PathLike)):
        return [chunk.frame for chunk in read_chunks(data, fmt=fmt, chunk_size=batch_size, text_column=text_column)]
    frame = read_table(data).reset_index(drop=True)
    if text_column not in frame.columns:
        raise DialogclsError("E405", f"the data: no column {text_column!r}; the columns are {list(frame.columns)}")
    return [frame.iloc[start:start + batch_size] for start in range(0, len(frame), batch_size)]


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(np.asarray(p, dtype=float), 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def _account_quotas(accounts: np.ndarray, n: int, allocation: str) -> np.ndarray:
    """Per post, its chance to be drawn so that the chances sum to ``n``: equal for every post
    (proportional) or the same expected count per account, capped at the account's size (equal)."""
    if allocation == "proportional" or not len(accounts):
        return np.full(len(accounts), n / max(len(accounts), 1))
    names, inverse, sizes = np.unique(accounts, return_inverse=True, return_counts=True)
    quota = np.zeros(len(names))
    open_ = np.ones(len(names), dtype=bool)
    left = float(n)
    while open_.any() and left > 1e-9:  # water-filling: small accounts give all they have
        share = left / open_.sum()
        full = open_ & (sizes - quota <= share)
        if not full.any():
            quota[open_] += share
            break
        left -= float(np.sum(sizes[full] - quota[full]))
        quota[full] = sizes[full]
        open_ &= ~full
    return (quota / sizes)[inverse.ravel()]


def _systematic(chances: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Positions drawn by systematic sampling with unequal chances (each at most 1, summing to an
    integer): every position ``i`` is drawn with probability ``chances[i]`` exactly."""
    total = int(round(chances.sum()))
    if total <= 0:
        return np.empty(0, dtype=np.int64)
    cumulative = np.cumsum(chances)
    cumulative *= total / cumulative[-1]
    points = rng.uniform(0, 1) + np.arange(total)
    return np.unique(np.minimum(np.searchsorted(cumulative, points, side="right"), len(chances) - 1))


def sample(data: Any, n: int = 200, *, seed: int = 0, uncertain_share: float = UNCERTAIN_SHARE,
           allocation: str = "proportional", model: Any = None, fmt: str | None = None, text_column: str = "text",
           columns: Mapping[str, str] | None = None, keep: Sequence[str] = (), show_model: bool = False,
           batch_size: int = DEFAULT_BATCH_SIZE) -> Any:
    """Pick ``n`` posts of ``data`` to code by hand; returns the sample sheet as a pandas DataFrame.

    Parameters
    ----------
    data : path, DataFrame or list of mappings
        Posts (any format ``classify`` reads; ``-`` for standard input), with the metadata columns
        named as for ``classify`` or mapped by ``columns``.
    n : int
        Posts to pick (all of them when the input has fewer).
    seed : int
        The same seed, input and model always give the same sheet.
    uncertain_share : float
        Share of ``n`` picked where the model is least sure (0 for a purely random sample).
    allocation : {"proportional", "equal"}
        The random part: every post the same chance, or every account the same number of posts.
    model : DialogueClassifier, optional
        The model whose uncertainty counts (the default model if None).
    keep : sequence of str
        Further input columns to copy into the sheet (e.g. the message a post replies to).
    show_model : bool
        Add the model's label and ``p_dialogue`` (``model_label``, ``model_p_dialogue``); off by
        default, because a shown suggestion biases the coders towards it.

    Returns
    -------
    pandas.DataFrame
        One row per picked post, in random order: ``input_row`` (1-based row of the input), ``id``,
        ``author``, ``platform``, ``created_at``, ``is_reply``, ``reply_to``, ``link``, the ``keep``
        columns, ``text``, the empty ``label``, ``kind`` and ``note``, then ``picked`` and
        ``design_weight``.

    Example
    -------
    >>> rows = [{"text": f"Neu im Shop: Modell {i} https://t.co/{i}", "author": a} for i in range(8) for a in "ab"]
    >>> sheet = sample(rows, n=6, seed=3, uncertain_share=0, allocation="equal")
    >>> sheet["author"].value_counts().to_dict(), sheet["design_weight"].tolist()[0]
    ({'a': 3, 'b': 3}, 2.6667)
    """
    import pandas as pd

    from .api import load, score
    from .io import _text_problem
    from .rules import reply_shaped

    if not isinstance(n, (int, np.integer)) or n < 1:
        raise DialogclsError("E470", f"the sample size must be a positive whole number, not {n!r}")
    if not 0 <= uncertain_share <= 1:
        raise DialogclsError("E471", f"uncertain_share must be between 0 and 1, not {uncertain_share!r}")
    if allocation not in ALLOCATIONS:
        raise DialogclsError("E472", f"unknown allocation {allocation!r}; choose one of {list(ALLOCATIONS)}")
    model = model if model is not None else load()
    columns = dict(columns or {})
    frames = _read_frames(data, fmt=fmt, text_column=text_column, batch_size=batch_size)
    parts: dict[str, list[Any]] = {"p": [], "label": [], "shaped": [], "lang": [], "author": []}
    for frame in frames:
        for column in keep:
            if column not in frame.columns:
                raise DialogclsError("E476", f"{_where(data)}: no column {column!r} to keep; the columns are "
                                             f"{list(frame.columns)}")
        for row, text in enumerate(frame[text_column].tolist()):
            problem = _text_problem(text)
            if problem:
                raise DialogclsError("E406", f"{_where(data)}, row {sum(map(len, parts['p'])) + row + 1}: {problem}")
        posts = PostBatch.from_frame(frame, text_column=text_column, columns=columns)
        result = score(posts, model=model, batch_size=batch_size)
        parts["p"].append(result.p_dialogue)
        parts["label"].append(result.label)
        parts["shaped"].append(reply_shaped(posts))
        parts["lang"].append(result.lang)
        parts["author"].append(np.asarray([a or "" for a in posts.author], dtype=object))
    if not parts["p"]:
        raise DialogclsError("E473", f"{_where(data)} holds no posts to sample from")
    p, label, shaped, lang, author = (np.concatenate(parts[name])
                                      for name in ("p", "label", "shaped", "lang", "author"))
    total = len(p)
    chosen, picked, weight = _choose(p, shaped, lang, author, model, min(int(n), total), seed=seed,
                                     uncertain_share=uncertain_share, allocation=allocation)
    # A file is read a second time for the picked rows rather than held in memory.
    again = frames if isinstance(frames, list) else _read_frames(data, fmt=fmt, text_column=text_column,
                                                                 batch_size=batch_size)
    rows = _rows_at(again, chosen, text_column=text_column, columns=columns, keep=keep)
    sheet = pd.DataFrame(rows)
    for column in CODING_COLUMNS:
        sheet[column] = ""
    sheet["picked"] = picked
    sheet["design_weight"] = np.round(weight, 4)
    if show_model:
        sheet["model_label"] = label[chosen]
        sheet["model_p_dialogue"] = np.round(p[chosen], 6)
    order = np.random.default_rng([seed, 1]).permutation(len(sheet))  # no order that hints at anything
    return sheet.iloc[order].reset_index(drop=True)


def _where(data: Any) -> str:
    return str(data) if isinstance(data, (str, os.PathLike)) else "the data"


def _choose(p: np.ndarray, shaped: np.ndarray, lang: np.ndarray, author: np.ndarray, model: Any, n: int, *,
            seed: int, uncertain_share: float, allocation: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Positions of the picked posts (ascending), how each was picked and its design weight."""
    total = len(p)
    rng = np.random.default_rng(seed)
    key = rng.permutation(total)
    if n >= total:
        return np.arange(total), np.full(total, "random", dtype=object), np.ones(total)
    threshold = np.where(shaped, model.reply_shaped_threshold, model.top_level_threshold)
    distance = np.abs(_logit(p) - _logit(threshold))
    n_uncertain = int(round(n * uncertain_share))
    uncertain = np.lexsort((key, distance))[:n_uncertain]
    rest = np.setdiff1d(np.arange(total), uncertain)
    # Implicit stratification: sorted by account, language, reply shape, then at random.
    rest = rest[np.lexsort((key[rest], shaped[rest], lang[rest].astype(str), author[rest].astype(str)))]
    chances = _account_quotas(author[rest].astype(str), n - n_uncertain, allocation)
    drawn = rest[_systematic(chances, rng)]
    weight = np.ones(total)
    weight[rest] = np.divide(1, chances, out=np.zeros(len(rest)), where=chances > 0)
    chosen = np.concatenate([uncertain, drawn])
    picked = np.array(["uncertain"] * len(uncertain) + ["random"] * len(drawn), dtype=object)
    order = np.argsort(chosen, kind="stable")
    return chosen[order], picked[order], weight[chosen[order]]


def _rows_at(frames: Any, positions: np.ndarray, *, text_column: str, columns: Mapping[str, str],
             keep: Sequence[str]) -> list[dict[str, Any]]:
    """The sheet's context columns for the input rows at ``positions`` (ascending)."""
    wanted = set(positions.tolist())
    rows, offset = [], 0
    for frame in frames:
        local = [i for i in range(len(frame)) if offset + i in wanted]
        if local:
            part = frame.iloc[local]
            posts = PostBatch.from_frame(part, text_column=text_column, columns=columns)
            link_column = next((c for c in LINK_COLUMNS if c in part.columns), None)
            for j, i in enumerate(local):
                reply = posts.is_reply[j]
                link = part[link_column].iloc[j] if link_column else None
                rows.append({"input_row": offset + i + 1, "id": posts.id[j] or "", "author": posts.author[j] or "",
                             "platform": posts.platform[j] or "", "created_at": posts.created_at[j] or "",
                             "is_reply": "" if reply is None else ("true" if reply else "false"),
                             "reply_to": posts.reply_to[j] or "",
                             "link": _link(link, posts.platform[j], posts.author[j], posts.id[j]),
                             **{column: part[column].iloc[j] for column in keep},
                             "text": posts.text[j]})
        offset += len(frame)
    return rows


def _link(given: Any, platform: str | None, author: str | None, post_id: str | None) -> str:
    """The post's address: as given, else built for a tweet whose id and author are known."""
    if isinstance(given, str) and given.strip():
        return given.strip()
    if platform_name(platform) == "twitter" and author and post_id and str(post_id).isdigit():
        return f"https://x.com/{author}/status/{post_id}"
    return ""


def codebook_path(path: str | os.PathLike) -> Path:
    """Where the coding rules for the sheet at ``path`` go: ``NAME.codebook.md`` next to it.

    Example
    -------
    >>> codebook_path("out/to_label.csv").as_posix()
    'out/to_label.codebook.md'
    """
    path = Path(path)
    return path.with_name(f"{path.stem}.codebook.md")


def write_sample(sheet: Any, path: str | os.PathLike, *, fmt: str | None = None) -> tuple[Path, Path]:
    """Write a sample sheet (CSV, TSV, JSON Lines or Parquet, by extension or ``fmt``) and the coding
    rules next to it; returns both paths. Both files appear only when complete.

    Example
    -------
    >>> import tempfile, pathlib
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> sheet = sample([{"text": "Was meint ihr?"}, {"text": "@a Danke!"}], n=2)
    >>> [p.name for p in write_sample(sheet, folder / "to_label.csv")]
    ['to_label.csv', 'to_label.codebook.md']
    """
    from .io import AtomicWriter

    if str(path) == "-":
        raise DialogclsError("E477", "a sample sheet needs a file name (-o to_label.csv): its coding rules are "
                                     "written next to it")
    with AtomicWriter(path, fmt=fmt) as writer:
        writer.write(sheet)
    rules = codebook_path(path)
    tmp = rules.with_name(f".{rules.name}.tmp")
    tmp.write_text(CODING_RULES, encoding="utf-8")
    os.replace(tmp, rules)
    return Path(path), rules


def is_sample_sheet(frame: Any) -> bool:
    """Whether a table is a sample sheet written by :func:`sample` (it has the design columns)."""
    return set(DESIGN_COLUMNS) <= set(frame.columns)


def read_coded(data: Any, *, fmt: str | None = None, label_column: str = "label",
               kind_column: str | None = "kind") -> tuple[Any, int]:
    """A coded sample sheet as a DataFrame of its coded rows, with labels and kinds in lower case
    (an empty kind stays empty); also the number of rows not coded yet. A table that is not a
    sample sheet is returned whole, as read.

    Raises
    ------
    DialogclsError
        E478 without a label column, E331 for a label outside the codebook, E332 for a kind that
        does not belong to its label, E333 when no row is coded.

    Example
    -------
    >>> design = {"kind": "", "picked": "random", "design_weight": 1}
    >>> coded, left = read_coded([{"text": "a", "label": "Dialogue", **design}, {"text": "b", "label": "", **design}])
    >>> coded["label"].tolist(), left
    (['dialogue'], 1)
    """
    from .io import read_table

    frame = read_table(data, fmt=fmt)
    if not is_sample_sheet(frame):
        return frame, 0
    where = _where(data)
    if label_column not in frame.columns:
        raise DialogclsError("E478", f"{where}: no column {label_column!r}; a coded sheet has the hand codes there")

    def clean(values: Any) -> list[str]:
        return ["" if v is None or (isinstance(v, float) and v != v) else str(v).strip().lower() for v in values]

    labels = clean(frame[label_column].tolist())
    kinds = clean(frame[kind_column].tolist()) if kind_column and kind_column in frame.columns else [""] * len(frame)
    for row, (label, kind) in enumerate(zip(labels, kinds)):
        if label and label not in LABELS:
            raise DialogclsError("E331", f"{where}, row {row + 1}: label {label!r} is not one of the codebook's "
                                         f"labels {list(LABELS)}; correct it or leave it empty (not coded)")
        if kind and (not label or kind not in KINDS[label]):
            raise DialogclsError("E332", f"{where}, row {row + 1}: kind {kind!r} does not belong to label "
                                         f"{label or '(empty)'!r}; allowed: {list(KINDS.get(label, ()))} or empty")
    coded = np.asarray([bool(label) for label in labels])
    if not coded.any():
        raise DialogclsError("E333", f"{where}: no row is coded yet; fill the {label_column!r} column with "
                                     f"{' or '.join(LABELS)} (see the .codebook.md file next to it)")
    out = frame.loc[coded].copy()
    out[label_column] = [label for label in labels if label]
    if kind_column:
        out[kind_column] = [kind for label, kind in zip(labels, kinds) if label]
    return out.reset_index(drop=True), int((~coded).sum())


__all__ = ["sample", "write_sample", "read_coded", "is_sample_sheet", "codebook_path", "CODING_RULES",
           "UNCERTAIN_SHARE", "ALLOCATIONS", "DESIGN_COLUMNS", "CODING_COLUMNS", "LINK_COLUMNS"]
