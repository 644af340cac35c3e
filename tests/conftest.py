"""Shared fixtures: a tiny model trained in seconds, and the shipped default model."""
from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL_DEV = ROOT.parent / "shared" / "data" / "real-dev.jsonl"

TINY_POSTS = [
    ("@anna Danke für dein Feedback! Wir geben es weiter.", "dialogue", "reply", True),
    ("@jan Das tut uns leid. Schreib uns bitte eine DM mit deiner Bestellnummer.", "dialogue", "reply", True),
    ("@mia Sorry about the delay! Could you DM us your order number?", "dialogue", "reply", True),
    ("@tom Thanks for the kind words, we passed them on to the team!", "dialogue", "reply", True),
    ("Was ist euer Lieblingsrezept für den Herbst? Erzählt es uns in den Kommentaren!", "dialogue", "invite", False),
    ("What's your favourite feature of the app? Let us know below!", "dialogue", "invite", False),
    ("Neu im Shop: die Herbstkollektion. Jetzt entdecken: https://t.co/abc", "broadcast", "promo", False),
    ("Our new savings account is here. Learn more: https://t.co/xyz", "broadcast", "promo", False),
    ("Wir suchen Verstärkung! Jetzt bewerben als Entwickler (m/w/d): https://t.co/job", "broadcast", "recruiting", False),
    ("Join our webinar on cloud security next Tuesday. Register now: https://t.co/web", "broadcast", "event", False),
    ("Linie 16: Wegen einer Störung entfallen heute einzelne Fahrten.", "broadcast", "notice", False),
    ("Proud to sponsor @CityMarathon today! #running", "broadcast", "news", False),
]


@pytest.fixture(scope="session")
def tiny_rows():
    return [{"text": t, "label": label, "kind": kind, "is_reply": reply}
            for t, label, kind, reply in TINY_POSTS]


@pytest.fixture(scope="session")
def tiny_model(tiny_rows):
    import dialogcls

    return dialogcls.train(tiny_rows * 2, n_features=2**12, cv=2)


@pytest.fixture(scope="session")
def default_model():
    import dialogcls

    return dialogcls.load()
