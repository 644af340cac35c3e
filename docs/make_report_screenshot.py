"""Render the README screenshot of the account report (docs/report.png) from fictional posts.

Every account, user and post below is made up. The posts are scored already (``label``,
``p_dialogue``, ``kind``), so no model is needed; threads of user questions and account answers make
the answer-rate columns come alive.

Usage (from the repository root; needs /usr/bin/chromium)::

    PYTHONPATH=src python docs/make_report_screenshot.py [--output docs/report.png] [--html FILE]
"""

from __future__ import annotations

import argparse
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from dialogcls.reporting import report

CHROMIUM = "/usr/bin/chromium"
MONTHS = pd.period_range("2024-01", "2024-06", freq="M")

# kind -> texts; dialogue kinds first. All fictional.
TEXTS = {
    "reply": [
        "@{user} Sorry to hear that! We have passed it on to the team and will get back to you.",
        "@{user} Danke für den Hinweis, die Störung ist behoben.",
        "@{user} Thanks for your patience! Could you send us your customer number by DM?",
        "@{user} Gute Frage! Der Tarif gilt ab dem 1. des Monats.",
        "@{user} Thank you for the kind words, we will tell the crew!",
    ],
    "invite": [
        "Which service should we improve next? Tell us in the comments!",
        "Was wünscht ihr euch für den neuen Bahnhof? Schreibt uns eure Ideen!",
        "Poll: how do you get to work? Let us know below.",
    ],
    "promo": [
        "Spring deals are here: 20 % off all tickets. https://example.org/deals",
        "Jetzt wechseln und sparen: unser Ökostrom-Tarif. https://example.org/strom",
        "Check out our new collection! https://example.org/new",
    ],
    "news": [
        "Annual report 2023: record number of passengers.",
        "Neue Ladesäulen in der Innenstadt in Betrieb genommen.",
        "Council votes on the harbour plan today.",
    ],
    "notice": [
        "Line 4: delays of up to 15 minutes due to construction.",
        "Wartungsarbeiten am Samstag von 22 bis 2 Uhr.",
    ],
    "event": ["Join our open day on Saturday, 10 am to 4 pm."],
    "recruiting": ["We are hiring: engineers (m/f/d) in Musterstadt. Apply now."],
    "share": ["RT @citycouncil: The summer festival programme is out."],
}
QUESTIONS = [
    "@{account} why is my train late again?",
    "@{account} wann kommt die Rechnung?",
    "@{account} is the store open on Sunday?",
    "@{account} kann ich meinen Zählerstand online melden?",
]
PROMO_REPLY = "@{user} Don't miss our spring deals! https://example.org/deals"

# account -> (dialogue share in January, in June, mean posts and user questions per month,
#             answer rate, typical minutes to an answer)
ACCOUNTS = {
    "StadtwerkeMusterstadt": (0.55, 0.65, 9, 3, 0.85, 40),
    "NordBahn": (0.25, 0.55, 10, 4, 0.70, 25),
    "ShopCo": (0.20, 0.15, 8, 2, 0.60, 300),
    "Tagesblatt": (0.02, 0.04, 7, 2, 0.10, 600),
    "GreenFund": (0.40, 0.40, 0.7, 0, 0.0, 0),
}
BROADCAST_KINDS = ["promo", "news", "notice", "event", "recruiting", "share"]


def synthetic_posts(seed: int = 5) -> pd.DataFrame:
    """Fictional scored posts of five accounts and their users over six months."""
    rng = np.random.default_rng(seed)
    rows: list[dict] = []

    def add(**row) -> int:
        row["id"] = len(rows) + 1
        rows.append(row)
        return row["id"]

    for account, (start, end, per_month, questions, answer_rate, minutes) in ACCOUNTS.items():
        for month_index, month in enumerate(MONTHS):
            share = start + (end - start) * month_index / (len(MONTHS) - 1)
            for _ in range(rng.poisson(per_month)):
                when = month.start_time + pd.Timedelta(minutes=int(rng.integers(0, 28 * 24 * 60)))
                user = f"user{rng.integers(1, 40)}"
                if rng.random() < share:
                    kind = "reply" if rng.random() < 0.7 else "invite"
                    label, p = "dialogue", rng.uniform(0.65, 0.99)
                else:
                    kind = str(rng.choice(BROADCAST_KINDS))
                    label, p = "broadcast", rng.uniform(0.01, 0.35)
                text = str(rng.choice(TEXTS[kind])).format(user=user)
                is_reply = kind == "reply"
                if account == "ShopCo" and label == "broadcast" and rng.random() < 0.3:
                    kind, text, is_reply = "promo", PROMO_REPLY.format(user=user), True
                add(author=account, created_at=when, text=text, label=label, p_dialogue=p,
                    kind=kind, is_reply=is_reply, reply_to_id=None,
                    platform=str(rng.choice(["twitter", "facebook", "instagram"], p=[0.6, 0.3, 0.1])))
            for _ in range(rng.poisson(questions)):
                asked = month.start_time + pd.Timedelta(minutes=int(rng.integers(0, 27 * 24 * 60)))
                user = f"user{rng.integers(1, 40)}"
                question = add(author=user, created_at=asked, is_reply=False, reply_to_id=None,
                               text=str(rng.choice(QUESTIONS)).format(account=account))
                if rng.random() < answer_rate:
                    delay = pd.Timedelta(minutes=float(rng.lognormal(np.log(minutes), 0.6)))
                    add(author=account, created_at=asked + delay, label="dialogue",
                        p_dialogue=rng.uniform(0.8, 0.99), kind="reply", is_reply=True,
                        reply_to_id=question,
                        text=str(rng.choice(TEXTS["reply"])).format(user=user))
    frame = pd.DataFrame(rows)
    frame["created_at"] = pd.to_datetime(frame["created_at"]).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    return frame


def screenshot(html: Path, png: Path, *, width: int = 1280, height: int = 2200) -> None:
    """Render ``html`` in headless Chromium and save a PNG of the first ``height`` pixels."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={profile}", f"--screenshot={png}",
             f"--window-size={width},{height}", html.resolve().as_uri()],
            check=True, capture_output=True, timeout=120,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path(__file__).with_name("report.png"))
    parser.add_argument("--html", type=Path, help="also keep the HTML report here")
    args = parser.parse_args()
    accounts = list(ACCOUNTS)
    rep = report(synthetic_posts(), by="author", period="M", accounts=accounts, min_posts=5, estimator="cc",
                 source="docs/make_report_screenshot.py (fictional posts)")
    with tempfile.TemporaryDirectory() as tmp:
        html = rep.to_html(args.html or Path(tmp) / "report.html")
        screenshot(html, args.output)
    print(f"wrote {args.output}")


if __name__ == "__main__":
    main()
