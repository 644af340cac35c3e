"""The spaCy component: found through the entry point, doc.cats and doc._.dialogcls, the batch path
in nlp.pipe, metadata from user_data and extensions, to_disk / spacy.load, and classify(doc)."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
import spacy
from spacy.tokens import Doc, DocBin

import dialogcls

POSTS = [("@anna Danke für dein Feedback! Wir geben es weiter.", True),
         ("Neu im Shop: die Herbstkollektion. Jetzt entdecken: https://t.co/abc", False),
         ("What's your favourite feature of the app? Let us know below!", None),
         ("@mia Sorry about the delay! Could you DM us your order number?", True)]


def docs_with_flags(nlp):
    docs = []
    for text, reply in POSTS:
        doc = nlp.make_doc(text)
        if reply is not None:
            doc.user_data["is_reply"] = reply
        docs.append(doc)
    return docs


def test_the_factory_is_found_through_the_entry_point_without_importing_dialogcls():
    code = ("import sys, spacy; nlp = spacy.blank('en'); nlp.add_pipe('dialogcls'); "
            "doc = nlp('@anna Sorry to hear that! Could you DM us?'); "
            "print(doc._.dialogcls['label'], sorted(doc.cats))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["dialogue", "['broadcast',", "'dialogue']"]


@pytest.mark.parametrize("lang", ["de", "en"])
def test_pipe_matches_classify_batch_on_hand_built_docs(lang, default_model):
    nlp = spacy.blank(lang)
    nlp.add_pipe("dialogcls")
    docs = list(nlp.pipe(docs_with_flags(nlp), batch_size=3))
    expected = dialogcls.classify_batch([t for t, _ in POSTS], is_reply=[r for _, r in POSTS], model=default_model)
    for doc, label, p, lang_, kind, cues in zip(docs, expected.label, expected.p_dialogue, expected.lang,
                                                expected.kind, expected.cues):
        assert doc.cats == {"dialogue": p, "broadcast": 1 - p}
        assert doc._.dialogcls == {"label": label, "p_dialogue": p, "lang": lang_, "kind": kind, "cues": list(cues),
                                   "id": None}
    single = nlp(docs_with_flags(nlp)[0])
    assert single._.dialogcls == docs[0]._.dialogcls
    DocBin(docs=docs, store_user_data=True).to_bytes()  # the prediction is plain data: Docs still serialise


def test_metadata_from_a_doc_extension(default_model):
    Doc.set_extension("is_reply", default=None, force=True)
    try:
        nlp = spacy.blank("en")
        nlp.add_pipe("dialogcls")
        text = "@tom Neu: unser Angebot https://t.co/x"
        flagged = nlp.make_doc(text)
        flagged._.is_reply = True
        assert nlp(flagged)._.dialogcls["p_dialogue"] == dialogcls.classify(
            {"text": text, "is_reply": True}, model=default_model).p_dialogue
        assert nlp(text)._.dialogcls["p_dialogue"] == dialogcls.classify(text, model=default_model).p_dialogue
    finally:
        Doc.remove_extension("is_reply")


def test_default_model_round_trips_as_a_reference(tmp_path):
    nlp = spacy.blank("de")
    nlp.add_pipe("dialogcls", config={"top_cues": 2})
    nlp.to_disk(tmp_path / "pipeline")
    assert json.loads((tmp_path / "pipeline" / "dialogcls" / "dialogcls.json").read_text()) == \
        {"model": "default", "top_cues": 2}
    assert not (tmp_path / "pipeline" / "dialogcls" / "model").exists()
    loaded = spacy.load(tmp_path / "pipeline")
    doc = loaded("Was meint ihr? Schreibt es in die Kommentare!")
    assert doc._.dialogcls == nlp("Was meint ihr? Schreibt es in die Kommentare!")._.dialogcls
    assert len(doc._.dialogcls["cues"]) <= 2


def test_a_model_folder_or_a_trained_model_is_saved_with_the_pipeline(tmp_path, tiny_model):
    dialogcls.save(tiny_model, tmp_path / "tiny")
    nlp = spacy.blank("en")
    nlp.add_pipe("dialogcls", config={"model_path": str(tmp_path / "tiny")})
    nlp.to_disk(tmp_path / "pipeline")
    (tmp_path / "tiny" / "weights.npz").unlink()  # the pipeline holds its own copy
    loaded = spacy.load(tmp_path / "pipeline")
    text = "@anna Danke dir!"
    assert loaded(text)._.dialogcls["p_dialogue"] == dialogcls.classify(text, model=tiny_model).p_dialogue
    loaded.to_disk(tmp_path / "pipeline")  # saving over the folder it was loaded from
    in_memory = spacy.blank("en")
    in_memory.add_pipe("dialogcls").model = tiny_model
    in_memory.to_disk(tmp_path / "second")
    assert spacy.load(tmp_path / "second")(text)._.dialogcls == loaded(text)._.dialogcls


def test_damaged_component_folder_is_E230(tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("dialogcls")
    nlp.to_disk(tmp_path / "pipeline")
    (tmp_path / "pipeline" / "dialogcls" / "dialogcls.json").write_text("{", encoding="utf-8")
    with pytest.raises(dialogcls.DialogclsError) as info:
        spacy.load(tmp_path / "pipeline")
    assert info.value.code == "E230"


def test_classify_takes_spacy_docs(default_model):
    nlp = spacy.blank("en")
    doc = nlp.make_doc(POSTS[0][0])
    doc.user_data["is_reply"] = True
    single = dialogcls.classify(doc, model=default_model)
    assert single == dialogcls.classify({"text": POSTS[0][0], "is_reply": True}, model=default_model)
    assert [p.label for p in dialogcls.classify([doc, nlp.make_doc(POSTS[1][0])], model=default_model)] == \
        [single.label, dialogcls.classify(POSTS[1][0], model=default_model).label]


def test_spacy_probing_for_a_model_attribute_does_not_stop_loading(tmp_path, tiny_model):
    # spacy.load asks hasattr(component, "model") before from_disk has pointed it at its own copy;
    # whether it asks depends on set order, so the probe is made here directly.
    # (Built directly: add_pipe itself may probe, and so load the model before the file goes.)
    from dialogcls.spacy_component import DialogclsComponent

    dialogcls.save(tiny_model, tmp_path / "tiny")
    nlp = spacy.blank("en")
    component = DialogclsComponent(nlp, model_path=str(tmp_path / "tiny"))
    (tmp_path / "tiny" / "weights.npz").unlink()
    assert not hasattr(component, "model")
    with pytest.raises(dialogcls.DialogclsError) as info:
        component(nlp.make_doc("@anna Danke!"))
    assert info.value.code == "E205"
