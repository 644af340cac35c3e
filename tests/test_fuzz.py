"""A small version of ``benchmarks/fuzz.py`` (the fuzz and fault benchmark) in CI: generated posts through
the API, every kind of bad file through the command line in both modes, and kills mid-run."""
from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

import pytest

from dialogcls import artifact

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def fuzz():
    sys.path.insert(0, str(BENCHMARKS))
    spec = importlib.util.spec_from_file_location("fuzz_benchmark", BENCHMARKS / "fuzz.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    yield module
    sys.modules.pop(spec.name, None)


@pytest.fixture(scope="module")
def tiny_dir(tiny_model, tmp_path_factory):
    return artifact.save(tiny_model, tmp_path_factory.mktemp("tiny") / "model")


def test_generated_posts_through_the_api(fuzz, tiny_model):
    result = fuzz.fuzz_api(1_500, model=tiny_model, seed=3, batch=500, single=300)
    assert result.crashes == 0, result.errors
    assert result.rows_out == result.posts == 1_500
    assert result.single_checked == 300 and result.single_mismatches == 0  # one post alone = in a batch
    assert result.non_posts_refused == result.non_posts


@pytest.mark.skipif(os.name != "posix", reason="FIFOs and symlinks")
def test_every_bad_file_in_both_modes(fuzz, tiny_dir, tmp_path):
    runs = fuzz.run_file_cases(fuzz.file_cases(), tiny_dir, tmp_path, in_process=True)
    assert len(runs) >= 90
    failed = [(run.case, run.mode, run.code, run.rows_in, run.rows_out, run.leftovers, run.message)
              for run in runs if not run.ok]
    assert not failed
    assert not any(run.crash for run in runs)
    assert all(run.rows_out == run.rows_in for run in runs if run.mode == "skip" and run.rows_in is not None)


@pytest.mark.slow
@pytest.mark.skipif(os.name != "posix", reason="POSIX signals")
def test_kills_mid_run_leave_nothing_after_the_next_run(fuzz, tiny_dir, tmp_path):
    stream = tmp_path / "stream.jsonl"
    fuzz.write_stream(stream, 40_000)
    fuzz.write_stream(tmp_path / "tiny.jsonl", 10)
    runs = fuzz.run_kills(stream, tiny_dir, tmp_path / "kills", workers=[1], signals=("SIGKILL", "SIGTERM"))
    assert [run.signal for run in runs] == ["SIGKILL", "SIGTERM"]
    assert all(run.ok for run in runs), runs
    assert all(not run.left_after_next_run for run in runs)
