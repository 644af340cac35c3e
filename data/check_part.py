"""Check one new corpus part before it joins the corpus: fields, label/kind pairs, near-duplicates.

Usage: ``python data/check_part.py data/parts/part-p14.jsonl``

Compares every post with the corpus (``data/{train,dev,test}.jsonl``) and with the other files in
``data/parts``. A near-duplicate is a pair whose character 5-gram sets overlap by Jaccard 0.6 or
more, after lower-casing, dropping links and @handles, and collapsing white space. Prints each
problem with its line and a summary of counts; exits 1 when there are problems.
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
FIELDS = {"id", "text", "label", "kind", "lang", "platform", "is_reply", "reply_to", "author", "rule", "sector"}
KINDS = {"dialogue": {"reply", "invite"},
         "broadcast": {"promo", "news", "recruiting", "event", "notice", "share", "other"}}
LANGS = {"de", "en", "mixed"}
PLATFORMS = {"twitter", "facebook", "instagram", "linkedin", "mastodon"}
_NOISE = re.compile(r"https?://\S+|@\w+")


def shingles(text: str, n: int = 5) -> frozenset[str]:
    """Character ``n``-grams of a post's normalised text."""
    norm = " ".join(_NOISE.sub(" ", text.lower()).split())
    return frozenset(norm[i:i + n] for i in range(max(len(norm) - n + 1, 1)))


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def field_problems(row: dict, part: str) -> list[str]:
    """What is wrong with one post's fields."""
    problems = []
    if set(row) != FIELDS:
        problems.append(f"fields {sorted(set(row) ^ FIELDS)} missing or extra")
        return problems
    if not re.fullmatch(rf"{re.escape(part)}-\d{{4}}", str(row["id"])):
        problems.append(f"id {row['id']!r} is not {part}-NNNN")
    if not isinstance(row["text"], str) or not row["text"].strip():
        problems.append("empty text")
    if row["label"] not in KINDS:
        problems.append(f"label {row['label']!r}")
    elif row["kind"] not in KINDS[row["label"]]:
        problems.append(f"kind {row['kind']!r} does not belong to {row['label']}")
    if row["lang"] not in LANGS:
        problems.append(f"lang {row['lang']!r}")
    if row["platform"] not in PLATFORMS:
        problems.append(f"platform {row['platform']!r}")
    if row["is_reply"] not in (True, False, None):
        problems.append(f"is_reply {row['is_reply']!r} is not true/false/null")
    if row["reply_to"] is not None and (not isinstance(row["reply_to"], str) or row["reply_to"].startswith("@")):
        problems.append(f"reply_to {row['reply_to']!r}: a handle without @, or null")
    if not isinstance(row["author"], str) or not row["author"] or row["author"].startswith("@"):
        problems.append(f"author {row['author']!r}: a handle without @")
    if row["rule"] is not None and row["rule"] not in range(1, 13):
        problems.append(f"rule {row['rule']!r}: 1-12 or null")
    return problems


def main(argv: list[str]) -> int:
    path = Path(argv[0]).resolve()
    part = path.stem.removeprefix("part-")
    rows = read(path)
    own_ids = {r.get("id") for r in rows}
    others = []
    for other in sorted((HERE / "parts").glob("part-*.jsonl")) + [HERE / f"{s}.jsonl" for s in ("train", "dev", "test")]:
        if other.resolve() != path and other.exists():
            others += [(f"{other.name}:{r.get('id')}", shingles(r.get("text") or "")) for r in read(other)
                       if r.get("id") not in own_ids]  # the part's own posts once it is in the splits
    problems = []
    seen_ids: Counter = Counter(r.get("id") for r in rows)
    mine = []
    for line, row in enumerate(rows, 1):
        for problem in field_problems(row, part):
            problems.append(f"line {line}: {problem}")
        if seen_ids[row.get("id")] > 1:
            problems.append(f"line {line}: id {row.get('id')} is used {seen_ids[row.get('id')]} times")
        grams = shingles(row.get("text") or "")
        for name, other in others + mine:
            if len(grams & other) >= 0.6 * len(grams | other):
                problems.append(f"line {line}: near-duplicate of {name}; rewrite it")
                break
        mine.append((f"{path.name}:{row.get('id')}", grams))
    for problem in problems:
        print(problem)
    labels = Counter((r.get("label"), r.get("kind")) for r in rows)
    print(f"{len(rows)} posts; " + ", ".join(f"{l}/{k} {n}" for (l, k), n in sorted(labels.items(), key=str)))
    print(f"lang {dict(Counter(r.get('lang') for r in rows))}; platform {dict(Counter(r.get('platform') for r in rows))}")
    print("no problems" if not problems else f"{len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
