"""Add written corpus parts to the fixed train/dev/test splits.

Run when parts are added or changed: ``python data/make_splits.py data/parts``. Every post already in
``data/train.jsonl``, ``data/dev.jsonl`` or ``data/test.jsonl`` keeps its split (the first six
parts, ``p1``-``p6``, live only there), so adding a part never moves a post that was scored before;
a post of a ``part-*.jsonl`` replaces its earlier version, and posts with new ids are cut 70/10/20,
stratified by language, label and kind, seeded. Posts dropped from a part leave the splits. The
test split is never used for training or tuning.
"""
from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from pathlib import Path

FIELDS = ["id", "text", "label", "kind", "lang", "platform", "is_reply", "reply_to", "author", "rule", "sector"]
SHARES = (("train", 0.7), ("dev", 0.1), ("test", 0.2))


def part_of(post_id: str) -> str:
    """The part a post belongs to: the prefix of its id (``p7`` of ``p7-0012``)."""
    return post_id.split("-", 1)[0]


def read(path: Path) -> list[dict]:
    return [{field: row.get(field) for field in FIELDS}
            for row in map(json.loads, filter(str.strip, path.read_text(encoding="utf-8").splitlines()))]


def cut(posts: list[dict], seed: int) -> dict[str, list[dict]]:
    """Stratified 70/10/20 split of ``posts`` by (language, label, kind)."""
    strata = defaultdict(list)
    for post in posts:
        strata[(post["lang"], post["label"], post["kind"])].append(post)
    rng = random.Random(seed)
    splits: dict[str, list[dict]] = {name: [] for name, _ in SHARES}
    for key in sorted(strata):
        group = sorted(strata[key], key=lambda p: p["id"])
        rng.shuffle(group)
        n_test = round(len(group) * SHARES[2][1])
        n_dev = round(len(group) * SHARES[1][1])
        splits["test"] += group[:n_test]
        splits["dev"] += group[n_test:n_test + n_dev]
        splits["train"] += group[n_test + n_dev:]
    return splits


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("parts", type=Path, help="folder with part-*.jsonl files")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args(argv)
    written = [post for path in sorted(args.parts.glob("part-*.jsonl")) for post in read(path)]
    by_id = {post["id"]: post for post in written}
    parts = {part_of(post_id) for post_id in by_id}
    splits: dict[str, list[dict]] = {}
    for name, _ in SHARES:
        old = read(args.out / f"{name}.jsonl") if (args.out / f"{name}.jsonl").is_file() else []
        splits[name] = [by_id.pop(post["id"], post) for post in old
                        if part_of(post["id"]) not in parts or post["id"] in by_id]
    for name, rows in cut(list(by_id.values()), args.seed).items():
        splits[name] += rows
    for name, rows in splits.items():
        rows.sort(key=lambda p: (int(part_of(p["id"])[1:]), p["id"]))
        with open(args.out / f"{name}.jsonl", "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{name}: {len(rows)} posts")


if __name__ == "__main__":
    main()
