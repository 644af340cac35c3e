"""The labelled corpus in data/: schema, the corpus requirements, splits, near-duplicates, loading.

The counts are never hard-coded: the splits may be regenerated with more posts, and every check is a
share or a minimum computed from the files as they are. The reference for labels and kinds is
/work/shared/codebook.md; the near-duplicate rule is the one of the writers' checker
(/work/corpus_tools/check_part.py): lower-case, replace links, handles, hashtags and numbers by
placeholders, take word bigrams, and call two posts near-duplicates at a Jaccard similarity >= 0.6.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
SPLITS = ("train", "dev", "test")
#: the Hugging Face split name of each file in the YAML header of data/README.md
HF_SPLITS = {"train": "train", "dev": "validation", "test": "test"}
FIELDS = {"id", "text", "label", "kind", "lang", "platform", "is_reply", "reply_to", "author", "rule", "sector"}
LABEL_KINDS = {"dialogue": {"reply", "invite"},
               "broadcast": {"promo", "news", "recruiting", "event", "notice", "share", "other"}}
LANGS = {"de", "en", "mixed"}
PLATFORMS = {"twitter", "facebook", "instagram", "linkedin", "mastodon", "other"}
RULES = range(1, 13)
TARGET_SHARES = {"train": 0.70, "dev": 0.10, "test": 0.20}


# --- reading ------------------------------------------------------------------------------------

def _read(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            assert isinstance(row, dict), f"{path.name}:{number} is not a JSON object"
            rows.append(row)
    return rows


@pytest.fixture(scope="module")
def splits() -> dict[str, list[dict]]:
    missing = [name for name in SPLITS if not (DATA / f"{name}.jsonl").is_file()]
    assert not missing, f"missing split files: {missing} in {DATA}"
    return {name: _read(DATA / f"{name}.jsonl") for name in SPLITS}


@pytest.fixture(scope="module")
def posts(splits) -> list[dict]:
    return [row for name in SPLITS for row in splits[name]]


def _share(count: int, total: int) -> float:
    return count / total if total else 0.0


# --- near-duplicates (same normalisation and rule as corpus_tools/check_part.py) -----------------

_URL = re.compile(r"https?://\S+|www\.\S+|\b\w+\.(?:com|de|ch|at|org|net|io|ly|co)/\S*")
_HANDLE = re.compile(r"@\w+")
_TAG = re.compile(r"#\w+")
_NUM = re.compile(r"\d+")
_WORD = re.compile(r"\w+")
NEAR_DUPLICATE_JACCARD = 0.6


def normalise(text: str) -> list[str]:
    """Lower-cased words with links, handles, hashtags and numbers replaced by placeholders."""
    text = text.lower()
    text = _URL.sub(" urlx ", text)
    text = _HANDLE.sub(" userx ", text)
    text = _TAG.sub(" tagx ", text)
    text = _NUM.sub(" 0 ", text)
    return _WORD.findall(text)


def shingles(words: list[str]) -> frozenset:
    """Word bigrams; a post of fewer than three words is one shingle (all its words)."""
    if len(words) < 3:
        return frozenset({tuple(words)})
    return frozenset(zip(words, words[1:]))


def near_duplicate_pairs(texts: list[str], threshold: float = NEAR_DUPLICATE_JACCARD) -> list[tuple[int, int, float]]:
    """All pairs ``(i, j, jaccard)`` with ``i < j`` and bigram Jaccard >= ``threshold``.

    An inverted index from shingle to posts gives, for each post, the posts sharing at least one
    shingle and how many; the Jaccard follows from the overlap and the two set sizes, so every
    candidate is scored exactly (not only the most similar few).
    """
    sets = [shingles(normalise(text)) for text in texts]
    index: dict[tuple, list[int]] = defaultdict(list)
    for i, shingle_set in enumerate(sets):
        for shingle in shingle_set:
            index[shingle].append(i)
    pairs = []
    for i, shingle_set in enumerate(sets):
        overlap: Counter = Counter()
        for shingle in shingle_set:
            for j in index[shingle]:
                if j > i:
                    overlap[j] += 1
        for j, shared in overlap.items():
            similarity = shared / (len(shingle_set) + len(sets[j]) - shared)
            if similarity >= threshold:
                pairs.append((i, j, similarity))
    return pairs


def test_near_duplicate_detector_finds_what_the_checker_would():
    texts = [
        "@anna_k Sorry for the wait! Order 4711 ships today, tracking: https://t.co/abc #service",
        "@ben99 Sorry for the wait! Order 815 ships today, tracking: https://t.co/xyz #help",
        "Unsere neue Filiale in Kellersdorf öffnet am Samstag um 9 Uhr. Wir freuen uns auf euch!",
        "Thanks, Ben!",
        "Thanks, Anna!",
    ]
    found = {(i, j) for i, j, _ in near_duplicate_pairs(texts)}
    assert (0, 1) in found  # same post once handles, numbers, links and hashtags are normalised
    assert (3, 4) not in found and not any(2 in pair for pair in found)


# --- schema ---------------------------------------------------------------------------------------

def test_every_post_has_exactly_the_corpus_fields(posts):
    bad = [(row.get("id"), sorted(set(row) ^ FIELDS)) for row in posts if set(row) != FIELDS]
    assert not bad, f"{len(bad)} posts with missing or extra fields, e.g. {bad[:5]}"


def test_texts_are_non_empty_strings(posts):
    bad = [row.get("id") for row in posts if not isinstance(row.get("text"), str) or not row["text"].strip()]
    assert not bad, f"empty or non-string text: {bad[:10]}"


def test_labels_and_kinds_follow_the_codebook(posts):
    bad = [(row.get("id"), row.get("label"), row.get("kind")) for row in posts
           if row.get("label") not in LABEL_KINDS or row.get("kind") not in LABEL_KINDS[row["label"]]]
    assert not bad, f"{len(bad)} posts with an unknown label or a kind that does not belong to it: {bad[:10]}"


def test_languages_and_platforms_are_known(posts):
    bad_lang = [(row["id"], row.get("lang")) for row in posts if row.get("lang") not in LANGS]
    bad_platform = [(row["id"], row.get("platform")) for row in posts if row.get("platform") not in PLATFORMS]
    assert not bad_lang, f"unknown lang: {bad_lang[:10]}"
    assert not bad_platform, f"unknown platform: {bad_platform[:10]}"


def test_is_reply_is_true_false_or_null(posts):
    bad = [(row["id"], row.get("is_reply")) for row in posts
           if not (row.get("is_reply") is None or type(row.get("is_reply")) is bool)]
    assert not bad, f"is_reply must be true, false or null: {bad[:10]}"


def test_rule_is_null_or_one_to_twelve(posts):
    bad = [(row["id"], row.get("rule")) for row in posts
           if not (row.get("rule") is None or (type(row.get("rule")) is int and row["rule"] in RULES))]
    assert not bad, f"rule must be null or an integer 1..12: {bad[:10]}"


def test_ids_are_unique_across_splits(posts):
    repeated = {key: n for key, n in Counter(row["id"] for row in posts).items() if n > 1}
    assert not repeated, f"ids used more than once: {dict(list(repeated.items())[:10])}"


# --- the corpus requirements ---------------------------------------------------------------------

def test_at_least_3000_posts(posts):
    assert len(posts) >= 3000, f"{len(posts)} posts, need >= 3000"


@pytest.mark.parametrize("lang, minimum", [("de", 0.45), ("en", 0.40)])
def test_language_shares(posts, lang, minimum):
    count = sum(row["lang"] == lang for row in posts)
    share = _share(count, len(posts))
    assert share >= minimum, f"{lang}: {count}/{len(posts)} = {share:.1%}, need >= {minimum:.0%}"


@pytest.mark.parametrize("label", sorted(LABEL_KINDS))
def test_each_label_at_least_35_percent(posts, label):
    count = sum(row["label"] == label for row in posts)
    share = _share(count, len(posts))
    assert share >= 0.35, f"{label}: {count}/{len(posts)} = {share:.1%}, need >= 35%"


def test_invite_at_least_10_percent(posts):
    count = sum(row["kind"] == "invite" for row in posts)
    share = _share(count, len(posts))
    assert share >= 0.10, f"invite: {count}/{len(posts)} = {share:.1%}, need >= 10%"


def test_every_broadcast_kind_is_present(posts):
    present = {row["kind"] for row in posts if row["label"] == "broadcast"}
    missing = LABEL_KINDS["broadcast"] - present
    assert not missing, f"broadcast kinds without a single post: {sorted(missing)}"


def test_at_least_20_percent_hard_cases(posts):
    count = sum(row["rule"] is not None for row in posts)
    share = _share(count, len(posts))
    assert share >= 0.20, f"hard cases (rule set): {count}/{len(posts)} = {share:.1%}, need >= 20%"


def test_at_least_30_posts_per_rule(posts):
    counts = Counter(row["rule"] for row in posts)
    short = {rule: counts[rule] for rule in RULES if counts[rule] < 30}
    assert not short, f"rules with fewer than 30 posts: {short}"


# --- splits ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", SPLITS)
def test_split_proportions(splits, name):
    total = sum(len(rows) for rows in splits.values())
    share = _share(len(splits[name]), total)
    target = TARGET_SHARES[name]
    assert abs(share - target) <= 0.03, f"{name}: {len(splits[name])}/{total} = {share:.1%}, want {target:.0%} ± 3 points"


@pytest.mark.parametrize("name", SPLITS)
def test_splits_are_stratified_by_label(splits, posts, name):
    overall = _share(sum(row["label"] == "dialogue" for row in posts), len(posts))
    rows = splits[name]
    share = _share(sum(row["label"] == "dialogue" for row in rows), len(rows))
    assert abs(share - overall) <= 0.05, f"{name}: dialogue {share:.1%} vs {overall:.1%} overall (± 5 points)"


def test_test_split_shares_no_text_with_train(splits):
    def key(text: str) -> str:
        return " ".join(text.casefold().split())

    train = {key(row["text"]) for row in splits["train"]}
    shared = [row["id"] for row in splits["test"] if key(row["text"]) in train]
    assert not shared, f"{len(shared)} test posts have the text of a train post: {shared[:10]}"


def test_at_most_1_percent_near_duplicates(posts):
    pairs = near_duplicate_pairs([row["text"] for row in posts])
    involved = {i for i, _, _ in pairs} | {j for _, j, _ in pairs}
    share = _share(len(involved), len(posts))
    examples = [(posts[i]["id"], posts[j]["id"], round(sim, 2)) for i, j, sim in pairs[:10]]
    assert share <= 0.01, (f"{len(involved)}/{len(posts)} posts = {share:.2%} have a near-duplicate "
                           f"(Jaccard >= {NEAR_DUPLICATE_JACCARD}), allowed 1%: {examples}")


# --- loading --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hf_cache(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("hf-cache"))


def test_loads_with_datasets_json(splits, hf_cache):
    datasets = pytest.importorskip("datasets")
    files = {name: str(DATA / f"{name}.jsonl") for name in SPLITS}
    loaded = datasets.load_dataset("json", data_files=files, cache_dir=hf_cache)
    assert {name: loaded[name].num_rows for name in SPLITS} == {name: len(rows) for name, rows in splits.items()}
    assert set(loaded["train"].column_names) == FIELDS
    assert loaded["test"]["id"] == [row["id"] for row in splits["test"]]


def test_loads_with_the_readme_yaml_config(splits, hf_cache):
    datasets = pytest.importorskip("datasets")
    loaded = datasets.load_dataset(str(DATA), cache_dir=hf_cache)
    assert set(loaded) == set(HF_SPLITS.values())
    for name, hf_name in HF_SPLITS.items():
        assert loaded[hf_name].num_rows == len(splits[name]), f"{hf_name} should be data/{name}.jsonl"
        assert loaded[hf_name]["id"] == [row["id"] for row in splits[name]]
    assert set(loaded["train"].column_names) == FIELDS


@pytest.mark.parametrize("name", SPLITS + ("all",))
def test_loads_with_dialogcls_load_corpus(splits, name):
    import dialogcls

    frame = dialogcls.load_corpus(name)
    expected = [row for split in (SPLITS if name == "all" else (name,)) for row in splits[split]]
    assert len(frame) == len(expected)
    assert FIELDS <= set(frame.columns)
    assert frame["id"].tolist() == [row["id"] for row in expected]
    assert frame["rule"].isna().sum() == sum(row["rule"] is None for row in expected)
    if name == "all":
        assert frame["split"].value_counts().to_dict() == {split: len(rows) for split, rows in splits.items()}


def test_load_corpus_explains_a_missing_split(tmp_path):
    from dialogcls.io import InputError, load_corpus

    with pytest.raises(InputError, match="no such file"):
        load_corpus("dev", path=tmp_path)
    with pytest.raises(InputError, match="unknown split"):
        load_corpus("validation")
