"""The model card describes the model it was written for, not the shipped default."""
from dialogcls.model import DialogueClassifier
from dialogcls.training import _model_description


def test_card_describes_a_shared_model_with_its_thresholds():
    text = _model_description(DialogueClassifier().get_params())
    assert "One logistic regression serves both strata" in text
    assert "odds of 4:1 for a top-level post" in text and "10% dialogue among top-level posts" in text


def test_card_describes_a_stratified_model_with_other_odds_and_shares():
    params = DialogueClassifier(stratified=True, top_level_threshold=0.9, reply_shaped_threshold=0.5,
                                top_level_dialogue_share=None).get_params()
    text = _model_description(params)
    assert "has its own logistic regression" in text and "serves both strata" not in text
    assert "odds of 9:1 for a top-level post" in text and "and 1:1 for a reply-shaped post" in text
    assert "the training data's own share among top-level posts" in text
