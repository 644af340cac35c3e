"""The shipped model's predictions on the corpus test split, pinned: a change of the code around the
model (pipeline, readers, records) must not change what a given model predicts.

``tests/data/default-test-predictions.json`` holds, for the weights it names by sha256, each test
post's label, kind and ``p_dialogue`` (keyed by post id and a hash of its text). When the shipped
model is retrained on purpose, rewrite the snapshot with ``python tests/test_snapshot.py`` and
commit it with the model; the test then guards the next change of the code.
"""
from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SNAPSHOT = ROOT / "tests" / "data" / "default-test-predictions.json"
TEST_SPLIT = ROOT / "data" / "test.jsonl"
WEIGHTS = ROOT / "models" / "default" / "weights.npz"


def _text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:12]


def _predict() -> dict[str, dict]:
    import dialogcls
    from dialogcls.io import read_labelled

    posts, _, _ = read_labelled(TEST_SPLIT, kind_column=None)
    result = dialogcls.load(ROOT / "models" / "default").batch(posts)
    return {f"{post_id}:{_text_key(text)}": {"label": str(label), "kind": str(kind), "p_dialogue": float(p)}
            for post_id, text, label, kind, p in zip(posts.id, posts.text, result.label, result.kind,
                                                      result.p_dialogue)}


def _weights_sha256() -> str:
    return hashlib.sha256(WEIGHTS.read_bytes()).hexdigest()


def write_snapshot() -> None:
    SNAPSHOT.parent.mkdir(exist_ok=True)
    SNAPSHOT.write_text(json.dumps({"weights_sha256": _weights_sha256(), "predictions": _predict()},
                                   indent=0, sort_keys=True) + "\n", encoding="utf-8")


def test_the_code_changes_no_prediction_of_the_shipped_model():
    snapshot = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    assert snapshot["weights_sha256"] == _weights_sha256(), (
        "models/default was retrained: rewrite the snapshot with `python tests/test_snapshot.py` "
        "and commit it with the model")
    now = _predict()
    shared = sorted(set(now) & set(snapshot["predictions"]))
    assert len(shared) >= 0.9 * len(snapshot["predictions"]), "the test split changed: rewrite the snapshot"
    before = [snapshot["predictions"][key] for key in shared]
    after = [now[key] for key in shared]
    assert [p["label"] for p in after] == [p["label"] for p in before]
    assert [p["kind"] for p in after] == [p["kind"] for p in before]
    np.testing.assert_allclose([p["p_dialogue"] for p in after], [p["p_dialogue"] for p in before],
                               rtol=0, atol=1e-9)


if __name__ == "__main__":
    if not TEST_SPLIT.is_file():
        sys.exit(f"no {TEST_SPLIT}")
    write_snapshot()
    print(f"snapshot of {len(json.loads(SNAPSHOT.read_text())['predictions'])} predictions written to {SNAPSHOT}")
