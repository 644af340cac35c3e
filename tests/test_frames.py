"""Frames of every common kind in, the same kind out: pandas (nullable dtypes), polars, Hugging Face
datasets; gold label columns kept; dict forms of the results; train and evaluate on frames."""
from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

import dialogcls
from dialogcls.errors import DialogclsError, DialogclsWarning
from dialogcls.frames import classify_frame, to_pandas

pl = pytest.importorskip("polars")
datasets = pytest.importorskip("datasets")

TEXTS = ["@anna Danke für dein Feedback!", "Neu im Shop: https://t.co/x", "Was meint ihr? Schreibt es uns!",
         "@jan Sorry about that, please DM us"]
RESULTS = ["label", "p_dialogue", "lang", "kind", "cues"]


def plain(frame: pd.DataFrame) -> list[tuple]:
    return [(row["label"], row["p_dialogue"], row["lang"], row["kind"], list(row["cues"]))
            for row in frame[RESULTS].to_dict("records")]


def test_nullable_dtypes_are_missing_values(tiny_model):
    nullable = pd.DataFrame({
        "text": pd.array(TEXTS, dtype="string"),
        "is_reply": pd.array([True, pd.NA, None, True], dtype="boolean"),
        "id": pd.array([1, pd.NA, 3, 4], dtype="Int64"),
        "author": pd.array(["acme", pd.NA, "acme", None], dtype="string"),
        "platform": pd.array([pd.NA, "twitter", pd.NA, "twitter"], dtype="string"),
    })
    unknown = pd.DataFrame({"text": TEXTS, "is_reply": [True, None, None, True], "id": ["1", None, "3", "4"],
                            "author": ["acme", None, "acme", None], "platform": [None, "twitter", None, "twitter"]})
    assert plain(classify_frame(nullable, model=tiny_model)) == plain(classify_frame(unknown, model=tiny_model))
    assert dialogcls.classify_frame(nullable.assign(text=pd.array([pd.NA] * 4, dtype="string")),
                                    model=tiny_model)["label"].notna().all()


def test_the_corpus_with_gold_labels_keeps_them_and_writes_predictions_beside(default_model):
    gold = dialogcls.load_corpus("test").head(40)
    with pytest.warns(DialogclsWarning, match="predicted_label"):
        scored = dialogcls.classify_frame(gold, model=default_model)
    pd.testing.assert_frame_equal(scored[gold.columns], gold)  # label, kind, lang kept as they were
    assert [c for c in scored.columns if c not in gold.columns] == [f"predicted_{name}" for name in RESULTS]
    unlabelled = dialogcls.classify_frame(gold.drop(columns=["label", "kind"]), model=default_model)
    assert scored["predicted_label"].tolist() == unlabelled["label"].tolist()
    assert scored["predicted_p_dialogue"].tolist() == unlabelled["p_dialogue"].tolist()
    with pytest.raises(DialogclsError) as info, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dialogcls.classify_frame(scored, model=default_model)
    assert info.value.code == "E131" and "never overwrites" in str(info.value)


def test_polars_in_polars_out(tiny_model):
    frame = pl.DataFrame({"text": TEXTS, "is_reply": [True, None, False, True], "note": [1, 2, 3, 4]})
    scored = dialogcls.classify_frame(frame, model=tiny_model)
    assert isinstance(scored, pl.DataFrame) and scored.columns == ["text", "is_reply", "note"] + RESULTS
    assert scored.schema["cues"] == pl.List(pl.Utf8) and scored.schema["p_dialogue"] == pl.Float64
    expected = dialogcls.classify_batch(TEXTS, is_reply=[True, None, False, True], model=tiny_model)
    assert scored["label"].to_list() == expected.label.tolist()
    assert scored["p_dialogue"].to_list() == expected.p_dialogue.tolist()
    assert scored["cues"].to_list() == expected.to_dict()["cues"]


def test_dataset_in_dataset_out_and_the_batched_map_recipe(tiny_model):
    dataset = datasets.Dataset.from_dict({"text": TEXTS, "is_reply": [True, None, False, True], "n": [1, 2, 3, 4]})
    scored = dialogcls.classify_frame(dataset, model=tiny_model)
    assert isinstance(scored, datasets.Dataset) and scored.column_names == ["text", "is_reply", "n"] + RESULTS
    assert dataset.column_names == ["text", "is_reply", "n"]  # the input is untouched
    expected = dialogcls.classify_batch(TEXTS, is_reply=[True, None, False, True], model=tiny_model).to_dict()
    assert {name: scored[name] for name in RESULTS} == expected
    mapped = dataset.map(lambda b: dialogcls.classify_batch(b["text"], is_reply=b["is_reply"], model=tiny_model).to_dict(),
                         batched=True, batch_size=3)
    assert {name: mapped[name] for name in RESULTS} == expected
    with pytest.raises(DialogclsError) as info:
        dialogcls.classify_frame(datasets.DatasetDict({"train": dataset}), model=tiny_model)
    assert info.value.code == "E132" and "dataset['train']" in str(info.value)


def test_dict_forms_are_plain_and_json_ready(tiny_model):
    result = dialogcls.classify_batch(TEXTS, model=tiny_model)
    columns = result.to_dict()
    assert list(columns) == RESULTS and all(type(values) is list for values in columns.values())
    assert all(type(p) is float for p in columns["p_dialogue"]) and all(type(c) is list for c in columns["cues"])
    prediction = dialogcls.classify({"text": TEXTS[0], "id": "p1"}, model=tiny_model)
    assert json.loads(json.dumps(prediction.to_dict())) == prediction.to_dict()
    assert prediction.to_dict()["id"] == "p1"


def test_to_pandas_reads_every_kind_and_passes_other_things_through(tiny_rows):
    import dask.dataframe as dd

    frame = pd.DataFrame(tiny_rows)
    features = datasets.Features({"text": datasets.Value("string"), "label": datasets.ClassLabel(names=["broadcast", "dialogue"]),
                                  "kind": datasets.Value("string"), "is_reply": datasets.Value("bool")})
    coded = datasets.Dataset.from_dict({**frame.to_dict("list"), "label": [int(v == "dialogue") for v in frame["label"]]},
                                       features=features)
    assert to_pandas(coded)["label"].tolist() == frame["label"].tolist()  # ClassLabel codes read as names
    assert to_pandas(pl.from_pandas(frame))["text"].tolist() == frame["text"].tolist()
    assert to_pandas(dd.from_pandas(frame, npartitions=2))["text"].tolist() == frame["text"].tolist()
    assert to_pandas(tiny_rows) is tiny_rows and to_pandas("posts.csv") == "posts.csv"


def test_train_and_evaluate_take_any_frame_kind(tiny_rows):
    frame = pd.DataFrame(tiny_rows * 2)
    features = datasets.Features({"text": datasets.Value("string"), "label": datasets.ClassLabel(names=["broadcast", "dialogue"]),
                                  "kind": datasets.Value("string"), "is_reply": datasets.Value("bool")})
    coded = datasets.Dataset.from_dict({**frame.to_dict("list"), "label": [int(v == "dialogue") for v in frame["label"]]},
                                       features=features)
    by_pandas = dialogcls.train(frame, n_features=2**10, cv=2)
    for data in (coded, pl.from_pandas(frame)):
        model = dialogcls.train(data, n_features=2**10, cv=2)
        assert np.array_equal(model.coef_, by_pandas.coef_)
    from dialogcls.evaluate import evaluate

    on_frame = evaluate(pl.from_pandas(frame), "label", model=by_pandas, n_resamples=50)
    on_posts = evaluate(dialogcls.PostBatch.from_frame(frame), frame["label"].tolist(), model=by_pandas, n_resamples=50)
    assert on_frame["model"] == on_posts["model"] and on_frame["model"]["n"] == len(frame)


@pytest.mark.parametrize("missing", ["", None, "-1"])
def test_a_post_without_a_label_is_named_not_read_as_a_label(tiny_rows, missing):
    """An empty cell, a null, or datasets' unlabelled ClassLabel (-1) is a missing label; it was
    refused as the unknown label '', 'none' or 'nan'."""
    frame = pd.DataFrame(tiny_rows * 2)
    if missing == "-1":
        features = datasets.Features({"text": datasets.Value("string"),
                                      "label": datasets.ClassLabel(names=["broadcast", "dialogue"])})
        codes = [int(v == "dialogue") for v in frame["label"]]
        codes[2] = -1
        data = datasets.Dataset.from_dict({"text": frame["text"].tolist(), "label": codes}, features=features)
    else:
        frame.loc[2, "label"] = missing
        data = frame
    with pytest.raises(DialogclsError) as info:
        dialogcls.train(data, n_features=2**10, cv=2)
    assert info.value.code == "E302"
    assert "row 3: no label in column 'label'" in info.value.message


@pytest.mark.parametrize("columns", [["text", "text", "label"], ["text", "author", "author"],
                                     ["text", "label", "label"]])
def test_a_repeated_column_name_is_refused_not_misread(tiny_model, columns):
    """pandas gives a table for a name that two columns carry: classify_frame scored its str()
    and train failed with pandas' own error."""
    frame = pd.DataFrame([["@a Danke!", "dialogue", "dialogue"], ["Neu im Shop", "broadcast", "broadcast"]] * 2,
                         columns=columns)
    with pytest.raises(DialogclsError) as info:
        classify_frame(frame, model=tiny_model) if "label" not in columns else dialogcls.train(frame, cv=2)
    repeated = next(name for name in columns if columns.count(name) > 1)
    assert info.value.code == "E114" and f"2 columns are named {repeated!r}" in info.value.message


def test_unknown_table_kind_is_E130(tiny_model):
    with pytest.raises(DialogclsError) as info:
        classify_frame(np.array(TEXTS), model=tiny_model)
    assert info.value.code == "E130"


def test_command_line_reads_a_save_to_disk_folder(tmp_path, tiny_rows, capsys):
    from dialogcls.cli import main

    datasets.Dataset.from_list([{k: v for k, v in row.items() if k != "label"} for row in tiny_rows]).remove_columns(["kind"]).save_to_disk(
        str(tmp_path / "posts"))
    assert main(["classify", str(tmp_path / "posts"), "-o", str(tmp_path / "scored.jsonl"), "--quiet"]) == 0
    rows = [json.loads(line) for line in (tmp_path / "scored.jsonl").read_text(encoding="utf-8").splitlines()]
    assert [row["text"] for row in rows] == [row["text"] for row in tiny_rows]
    assert all(row["label"] in ("dialogue", "broadcast") for row in rows)
