"""Cue lexicons, one module per language.

Every cue word list of the project lives here and nowhere else. Each language module defines
``CUES``: a mapping from a cue name (shared across languages, see :data:`CUE_NAMES`) to a tuple of
entries. An entry is one token or a phrase of up to three tokens, separated by spaces and matched
against lower-cased tokens or their lemmas. Entries starting with ``=`` are matched case-sensitively
(German formal address: ``=Sie`` is address, ``sie`` is not). Each module also defines
``FUNCTION_WORDS`` for language identification and ``VERB_FIRST`` for verb-first questions.

Example
-------
>>> from dialogcls.lexicon import cues_for
>>> "danke" in cues_for("de")["thanks"]
True
"""
from __future__ import annotations

from types import MappingProxyType
from typing import Mapping

from . import de, en

#: Cue names and what they stand for; the order fixes the feature order.
CUE_NAMES: Mapping[str, str] = MappingProxyType({
    "thanks": "thanks someone",
    "apology": "apologises or regrets",
    "greeting": "greets a person (hi, hallo)",
    "second_person": "addresses the reader (you, du, Sie)",
    "first_person_org": "speaks as the organisation (we, our, wir, unser)",
    "question_word": "question word (what, how, was, wie)",
    "help_offer": "offers help or support",
    "dm_request": "asks for a direct message or details",
    "details_request": "asks for details such as an order or booking number",
    "invite_response": "invites answers (let us know, tell us, was meint ihr)",
    "opinion_ask": "asks for opinions, experiences, favourites",
    "poll": "poll or vote",
    "promo": "promotion (new, launch, offer, neu, Angebot)",
    "cta": "call to action (learn more, register, jetzt, mehr erfahren)",
    "engagement_bait": "like, share, follow, tag, win",
    "recruiting": "recruiting (hiring, job, Stelle, bewerben)",
    "event": "event (webinar, join us, Messe, live)",
    "pr": "PR and corporate pride (proud, award, stolz)",
    "notice": "service notice (delay, outage, Störung)",
    "sympathy": "reacts to a person's situation (sorry to hear, glad, schade)",
    "redirect": "redirects to a channel or colleague",
    "positive_reaction": "reacts to praise (glad you like, freut uns)",
    "reporting_verb": "a verb that reports about someone (zeigt, berichtet, explains, wins)",
})


def cues_for(lang: str) -> Mapping[str, tuple[str, ...]]:
    """Return the cue lexicon of ``lang`` (``"de"`` or ``"en"``).

    Example
    -------
    >>> sorted(cues_for("en"))[:2]
    ['apology', 'cta']
    """
    return {"de": de.CUES, "en": en.CUES}[lang]


def function_words(lang: str) -> frozenset[str]:
    """Frequent function words that identify ``lang`` (used by language detection)."""
    return {"de": de.FUNCTION_WORDS, "en": en.FUNCTION_WORDS}[lang]


def verb_first(lang: str) -> frozenset[str]:
    """Finite verbs that open a yes/no question (German verb-first, English auxiliaries)."""
    return {"de": de.VERB_FIRST, "en": en.VERB_FIRST}[lang]


__all__ = ["CUE_NAMES", "cues_for", "function_words", "verb_first"]
