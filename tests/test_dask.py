"""Dask: classify_frame on a Dask DataFrame (lazy, map_partitions, the model shipped once) and the
command line's ``--scheduler`` path, on a distributed LocalCluster with two worker processes."""
from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")
pytest.importorskip("distributed")

import dialogcls  # noqa: E402
from dialogcls.cli import main  # noqa: E402
from dialogcls.cluster import ModelState, model_key, parquet_pieces  # noqa: E402
from dialogcls.errors import DialogclsError  # noqa: E402

POSTS = pd.DataFrame({
    "text": ["@anna Danke für dein Feedback!", "Neu im Shop: https://t.co/x", "Was meint ihr? Schreibt es uns!",
             "@jan Sorry, please DM us", "Wir suchen Verstärkung! https://t.co/job", "Linie 16 fällt heute aus."] * 5,
    "is_reply": pd.array([True, False, None, True, False, None] * 5, dtype="boolean"),
    "id": pd.array(list(range(30)), dtype="Int64"),
})


def test_dask_frame_in_lazy_dask_frame_out_same_as_pandas(default_model):
    frame = dd.from_pandas(POSTS, npartitions=3)
    scored = dialogcls.classify_frame(frame, model=default_model)
    assert isinstance(scored, dd.DataFrame) and scored.npartitions == 3
    expected = dialogcls.classify_frame(frame.compute(), model=default_model)  # Dask's own string dtype
    pd.testing.assert_frame_equal(scored.compute(), expected)
    with pytest.raises(DialogclsError) as info:  # at graph building, not on a worker
        dialogcls.classify_frame(frame, text_column="message", model=default_model)
    assert info.value.code == "E106"


def test_model_state_is_plain_data_with_a_stable_key(default_model):
    state = pickle.loads(pickle.dumps(ModelState.of(default_model)))
    assert state.key == model_key(default_model) == model_key(state.build())
    assert state.build().predict(POSTS["text"].tolist()).tolist() == default_model.predict(POSTS["text"].tolist()).tolist()


def test_parquet_files_split_into_pieces_of_whole_row_groups(tmp_path):
    POSTS.to_parquet(tmp_path / "a.parquet", row_group_size=10)
    POSTS.iloc[:5].to_parquet(tmp_path / "b.parquet")
    pieces, columns, rows = parquet_pieces([tmp_path / "a.parquet", tmp_path / "b.parquet"], rows_per_piece=20)
    assert rows == 35 and columns[:3] == ["text", "is_reply", "id"]
    assert [(p[1], p[2]) for p in pieces] == [((0, 1), 1), ((2,), 21), ((0,), 1)]


def test_pattern_without_scheduler_is_E145(tmp_path, capsys):
    POSTS.to_parquet(tmp_path / "a.parquet")
    assert main(["classify", str(tmp_path / "*.parquet"), "-o", str(tmp_path / "out")]) == 3
    assert "E145" in capsys.readouterr().err


@pytest.fixture(scope="module")
def cluster():
    from distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        yield local


@pytest.mark.slow
def test_local_cluster_scores_like_one_process_with_the_model_sent_once(cluster, default_model):
    from distributed import Client

    frame = dd.from_pandas(POSTS, npartitions=6)
    with Client(cluster) as client:
        scored = dialogcls.classify_frame(frame, model=default_model)
        # the graph refers to the scattered model; it does not carry its ~50 MB of arrays per partition
        assert len(pickle.dumps(dict(scored.__dask_graph__()))) < 1_000_000
        result = scored.compute()
        keys = client.run(lambda: list(__import__("dialogcls.cluster").cluster._CACHE))
    pd.testing.assert_frame_equal(result, dialogcls.classify_frame(frame.compute(), model=default_model))
    assert len(keys) == 2 and all(cached == [model_key(default_model)] for cached in keys.values())


@pytest.mark.slow
def test_command_line_on_a_cluster_writes_partitioned_parquet_rows_in_equal_rows_out(cluster, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    bad = POSTS.copy()
    bad.loc[4, "text"] = "x" * 100_001  # not a post (too long): a bad row
    bad.to_parquet(folder / "p0.parquet", row_group_size=7)
    POSTS.iloc[:11].to_parquet(folder / "p1.parquet")
    out = tmp_path / "out"
    argv = ["classify", str(folder / "*.parquet"), "-o", str(out), "--scheduler", cluster.scheduler_address]
    assert main(argv) == 3 and "E406" in capsys.readouterr().err and not out.exists()
    assert main(argv + ["--on-error", "skip"]) == 0
    assert "41 posts" in capsys.readouterr().err
    written = pd.read_parquet(out)
    assert len(written) == 41 and sorted(p.name for p in out.iterdir()) == ["part.00000.parquet", "part.00001.parquet"]
    single = [tmp_path / "single0.parquet", tmp_path / "single1.parquet"]
    for source, target in zip(sorted(folder.iterdir()), single):
        assert main(["classify", str(source), "-o", str(target), "--on-error", "skip", "--quiet"]) == 0
    expected = pd.concat([pd.read_parquet(path) for path in single], ignore_index=True)
    for column in ("text", "label", "p_dialogue", "lang", "kind", "error"):
        assert written[column].astype(object).where(written[column].notna(), None).tolist() == \
            expected[column].astype(object).where(expected[column].notna(), None).tolist(), column
    assert [list(c) if c is not None else None for c in written["cues"]] == \
        [list(c) if c is not None else None for c in expected["cues"]]
    assert written["error"].notna().sum() == 1 and np.isnan(written.loc[4, "p_dialogue"])
    assert main(argv) == 3 and "E143" in capsys.readouterr().err  # never overwrites
