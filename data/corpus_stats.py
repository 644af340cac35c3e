"""Regenerate the "Statistics" section of data/README.md from the split files.

Run after ``data/make_splits.py``: ``python data/corpus_stats.py [--real ../shared/data/real-dev.jsonl]``.
With ``--real``, the last table sets the corpus' cue/label shares beside those of a real labelled
set; only those aggregate shares are written, never a text.
"""
from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
SPLITS = (("train", "train"), ("dev", "validation"), ("test", "test"))
KINDS = (("dialogue", "reply"), ("dialogue", "invite"), ("broadcast", "promo"), ("broadcast", "news"),
         ("broadcast", "recruiting"), ("broadcast", "event"), ("broadcast", "notice"), ("broadcast", "share"),
         ("broadcast", "other"))


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def cells(rows: list[dict]) -> list[int]:
    """Per row, its cell of :data:`dialogcls.rules.CELLS` (reply shape x question mark x link), by
    the codebook's structural rules."""
    from dialogcls.records import PostBatch
    from dialogcls.rules import cells as cells_of

    fields = ("is_reply", "reply_to", "author")
    return cells_of(PostBatch.from_columns([r["text"] for r in rows],
                                           **{f: [r.get(f) for r in rows] for f in fields})).tolist()


def signed(row: dict) -> bool:
    """Whether a post carries an agent signature (``^AB``, ``/je``, ``*MS``), as the tokenizer sees one."""
    from dialogcls.prep import SIGNATURE, token_kind, tokenize

    return any(token_kind(token) == SIGNATURE for token in tokenize(row["text"]))


def table(title: str, splits: dict[str, list[dict]], key, values) -> list[str]:
    everything = [row for rows in splits.values() for row in rows]
    lines = [f"### {title}", "", f"| {title.split(' ')[0].lower()} | train | dev | test | all |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for value, shown in values:
        cells = []
        for rows in [*splits.values(), everything]:
            n = sum(1 for row in rows if key(row) == value)
            cells.append(f"{n} ({n / len(rows):.1%})".replace("%)", " %)"))
        lines.append(f"| {shown} | " + " | ".join(cells) + " |")
    lines.append("| **total** | " + " | ".join(str(len(rows)) for rows in [*splits.values(), everything]) + " |")
    return lines + [""]


def cue_shares(rows: list[dict]) -> dict[str, float | None]:
    """The cue/label shares that a written corpus gets wrong most easily."""
    def share(selected: list[dict]) -> float | None:
        return sum(r["label"] == "dialogue" for r in selected) / len(selected) if selected else None

    which = cells(rows)  # bit 4: reply-shaped, bit 2: question mark, bit 1: link
    top = [r for r, c in zip(rows, which) if not c & 4]
    replies = [r for r, c in zip(rows, which) if c & 4]
    sig = [signed(r) for r in rows]
    return {"dialogue share of top-level posts with a question mark": share([r for r, c in zip(rows, which) if c & 6 == 2]),
            "dialogue share of reply-shaped posts with a link": share([r for r, c in zip(rows, which) if c & 5 == 5]),
            "dialogue share of top-level posts": share(top),
            "dialogue share of reply-shaped posts": share(replies),
            "share of posts with a t.co link": sum("t.co/" in r["text"] for r in rows) / len(rows),
            "share of posts with an agent signature": sum(sig) / len(rows),
            "dialogue share of top-level posts with an agent signature":
                share([r for r, c, g in zip(rows, which, sig) if g and not c & 4]),
            "dialogue share of reply-shaped posts with an agent signature":
                share([r for r, c, g in zip(rows, which, sig) if g and c & 4])}


def section(splits: dict[str, list[dict]], real: list[dict] | None) -> list[str]:
    everything = [row for rows in splits.values() for row in rows]
    lines = ["## Statistics", "", "Computed from the split files by `data/corpus_stats.py`; regenerate them when the "
             "splits change.", "", "### Size and splits", "", "| split | file | Hugging Face split | posts | share |",
             "| --- | --- | --- | ---: | ---: |"]
    for (name, hf), rows in zip(SPLITS, splits.values()):
        lines.append(f"| {name} | `{name}.jsonl` | `{hf}` | {len(rows)} | {len(rows) / len(everything):.1%} |"
                     .replace("% |", " % |"))
    lines += [f"| **all** | | | {len(everything)} | 100 % |", ""]
    lines += table("Labels", splits, lambda r: r["label"], [("dialogue", "dialogue"), ("broadcast", "broadcast")])
    lines += table("Kinds", splits, lambda r: (r["label"], r["kind"]), [(k, f"{k[0]} / `{k[1]}`") for k in KINDS])
    lines += table("Languages", splits, lambda r: r["lang"], [(v, v) for v in ("de", "en", "mixed")])
    lines += table("Platforms", splits, lambda r: r["platform"],
                   [(v, v) for v in ("twitter", "facebook", "instagram", "linkedin", "mastodon", "other")])
    lines += table("`is_reply`", splits, lambda r: r["is_reply"], [(True, "true"), (False, "false"),
                                                                    (None, "null (unknown)")])
    lines += table("Edge-case rules (hard cases)", splits, lambda r: r["rule"],
                   [(None, "null (plain case)")] + [(n, str(n)) for n in range(1, 13)])
    sectors = Counter(r["sector"] for r in everything)
    lines += ["### Sectors", "", f"{len(sectors)} sector names; the most frequent: "
              + ", ".join(f"`{s}` {n}" for s, n in sectors.most_common(12)) + ".", ""]
    lines += ["### Cues and labels", "",
              "How cues and labels go together, for the parts `p1`–`p6` (written first), the parts `p7` and later "
              "(written to match real posts), and, where given, a real labelled set (aggregates only):", ""]
    early = [r for r in everything if int(r["id"].split("-")[0][1:]) <= 6]
    late = [r for r in everything if int(r["id"].split("-")[0][1:]) > 6]
    columns = [("p1–p6", cue_shares(early)), ("p7 and later", cue_shares(late)), ("all", cue_shares(everything))]
    if real is not None:
        columns.append(("real set", cue_shares(real)))
    lines += ["| share | " + " | ".join(name for name, _ in columns) + " |",
              "| --- |" + " ---: |" * len(columns)]
    for key in columns[0][1]:
        lines.append(f"| {key} | " + " | ".join("n/a" if shares[key] is None else f"{shares[key]:.0%}"
                                                 for _, shares in columns) + " |")
    return lines + [""]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--real", type=Path, help="a real labelled set (JSON Lines) for the last table")
    parser.add_argument("--readme", type=Path, default=HERE / "README.md")
    args = parser.parse_args(argv)
    splits = {name: read(HERE / f"{name}.jsonl") for name, _ in SPLITS}
    real = read(args.real) if args.real and args.real.is_file() else None
    text = args.readme.read_text(encoding="utf-8")
    start, end = text.index("## Statistics"), text.index("## How the splits were made")
    args.readme.write_text(text[:start] + "\n".join(section(splits, real)) + "\n" + text[end:], encoding="utf-8")
    print(f"updated the statistics of {args.readme}")


if __name__ == "__main__":
    main()
