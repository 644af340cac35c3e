"""Assemble the corpus from its written parts and cut the fixed train/dev/test splits.

Run once when parts are added: ``python data/make_splits.py PARTS_DIR``. Writes ``data/train.jsonl``,
``data/dev.jsonl`` and ``data/test.jsonl`` (70/10/20), stratified by language, label and kind, seeded,
so the same parts always give the same splits. The test split is never used for training or tuning.
"""
from __future__ import annotations

import argparse
import json
import random
from collections import defaultdict
from pathlib import Path

FIELDS = ["id", "text", "label", "kind", "lang", "platform", "is_reply", "reply_to", "author", "rule", "sector"]
SHARES = (("train", 0.7), ("dev", 0.1), ("test", 0.2))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("parts", type=Path, help="folder with part-*.jsonl files")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent)
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args(argv)
    posts = []
    for path in sorted(args.parts.glob("part-*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                posts.append({field: row.get(field) for field in FIELDS})
    strata = defaultdict(list)
    for post in posts:
        strata[(post["lang"], post["label"], post["kind"])].append(post)
    rng = random.Random(args.seed)
    splits = {name: [] for name, _ in SHARES}
    for key in sorted(strata):
        group = sorted(strata[key], key=lambda p: p["id"])
        rng.shuffle(group)
        n_test = round(len(group) * SHARES[2][1])
        n_dev = round(len(group) * SHARES[1][1])
        splits["test"] += group[:n_test]
        splits["dev"] += group[n_test:n_test + n_dev]
        splits["train"] += group[n_test + n_dev:]
    for name, rows in splits.items():
        rows.sort(key=lambda p: p["id"])
        with open(args.out / f"{name}.jsonl", "w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False) + "\n")
        print(f"{name}: {len(rows)} posts")


if __name__ == "__main__":
    main()
