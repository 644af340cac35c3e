"""The grammar of ``python -m dialogcls``: its commands, options, help texts and examples.

:mod:`dialogcls.cli` parses with :func:`build_parser` and runs the command; nothing here reads a
file or a model.

Example
-------
>>> build_parser().parse_args(["classify", "posts.csv", "-o", "scored.csv"]).output
'scored.csv'
"""
from __future__ import annotations

import argparse

from .records import platform_name

#: Input formats on the command line (``json``: a JSON document such as an API response, or JSON Lines).
_INPUT_FORMATS = ["csv", "tsv", "jsonl", "json", "parquet"]
_OUTPUT_FORMATS = ["csv", "tsv", "jsonl", "parquet"]
_PLATFORMS = ["twitter", "facebook", "instagram", "linkedin", "mastodon", "other"]

COLUMN_OPTIONS = (
    ("id", "--id-column", "post id"),
    ("is_reply", "--reply-column", "reply flag (true/false, 1/0; empty = unknown)"),
    ("reply_to", "--reply-to-column", "account replied to"),
    ("author", "--author-column", "organisation's account"),
    ("platform", "--platform-column", "platform (twitter, facebook …)"),
    ("lang", "--lang-column", "language (de, en); wins over detection"),
    ("created_at", "--time-column", "time of posting"),
)

EPILOGS = {
    "classify": """examples:
  python -m dialogcls classify examples/posts.csv -o scored.csv
  python -m dialogcls classify posts.jsonl -o scored.parquet --text-column message --reply-column is_comment
  cat posts.jsonl | python -m dialogcls classify - --quiet > scored.jsonl
  python -m dialogcls classify big.jsonl -o out.jsonl --workers 2 --on-error skip
  python -m dialogcls classify "in/*.parquet" -o out/ --scheduler local
  python -m dialogcls classify "in/*.parquet" -o out/ --scheduler tcp://scheduler-host:8786
  python -m dialogcls classify excel.csv -o scored.csv --excel          # ; or , and the encoding are detected
  python -m dialogcls classify tweets.json -o scored.csv                # an X/Twitter API v2 response
  python -m dialogcls classify statuses.json -o scored.csv --preset mastodon
  python -m dialogcls classify export.csv -o out.csv --encoding cp1252 --delimiter ';' --platform facebook""",
    "train": """examples:
  python -m dialogcls train data/train.jsonl -o models/default
  python -m dialogcls train labelled.csv -o my-model --text-column message --label-column code
  python -m dialogcls train --base default --add to_label.csv -o my-model     # adapt to your coded posts
  python -m dialogcls train --base default --add coded.csv --corpus dialogcls/data -o my-model""",
    "evaluate": """examples:
  python -m dialogcls evaluate data/test.jsonl
  python -m dialogcls evaluate ../shared/data/real-dev.jsonl --by author
  python -m dialogcls evaluate ../shared/data/real-dev.jsonl --model my-model --json""",
    "info": """examples:
  python -m dialogcls info
  python -m dialogcls info --model my-model""",
    "sample": """examples:
  python -m dialogcls sample posts.csv -n 200 -o to_label.csv --seed 1
  python -m dialogcls sample posts.jsonl -n 300 -o to_label.csv --allocation equal --keep parent_text
then fill the label (and kind) column following to_label.codebook.md, and:
  python -m dialogcls evaluate to_label.csv
  python -m dialogcls train --base default --add to_label.csv -o my-model""",
    "report": """examples:
  python -m dialogcls report examples/posts.csv --by author -o report.html
  python -m dialogcls report scored.jsonl --by author --period Q -o report.html --csv tables/
  python -m dialogcls report posts.csv --estimator acc --coded my_coded_sample.csv -o report.html
  python -m dialogcls report export.jsonl --id-column tweet_id --reply-to-id-column parent_id""",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dialogcls",
        description="Does an organisation talk with its audience on social media, or only at it?",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run 'python -m dialogcls COMMAND --help' for the options and examples of a command.")
    parser.add_argument("--version", action="version", version=f"dialogcls {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help_text, description=help_text, epilog=EPILOGS[name],
                                   formatter_class=argparse.RawDescriptionHelpFormatter)

    classify = command("classify", "score posts in a CSV, TSV, JSON Lines, JSON or Parquet file")
    classify.add_argument("input", help="input file, or - for standard input")
    classify.add_argument("-o", "--output", default="-", help="output file, or - for standard output (default)")
    classify.add_argument("--format", choices=_INPUT_FORMATS, help="input format (default: from the extension)")
    classify.add_argument("--output-format", choices=_OUTPUT_FORMATS, help="output format (default: from the extension; jsonl on standard output)")
    _add_reading(classify)
    classify.add_argument("--preset", default="auto", choices=["auto", "none", "twitter", "facebook", "instagram",
                                                               "mastodon", "linkedin"],
                          help="read a platform export's fields (default auto: recognised from the field names; "
                               "none: the columns as they are)")
    classify.add_argument("--platform", type=platform_name, choices=_PLATFORMS,
                          help="the platform of every post in the file (x is twitter)")
    classify.add_argument("--excel", action="store_true",
                          help="CSV for German and other European spreadsheets: byte-order mark, ';', decimal comma")
    _add_columns(classify)
    _add_model(classify)
    classify.add_argument("--batch-size", type=int, default=None,
                          help="posts per chunk (default 4096: a chunk's arrays set the peak memory)")
    classify.add_argument("--workers", type=int, default=None,
                          help="worker processes (default 1; with --scheduler local, one per core)")
    classify.add_argument("--scheduler", metavar="local|ADDRESS",
                          help="score Parquet files on Dask: 'local' starts a cluster on this machine, an address "
                               "(tcp://host:8786) uses a running one; input may be a quoted pattern (\"in/*.parquet\") "
                               "or a folder, and -o names a new folder of Parquet parts")
    classify.add_argument("--on-error", choices=["raise", "skip"], default="raise",
                          help="stop at the first bad row (raise, default) or mark it and go on (skip)")
    classify.add_argument("--quiet", action="store_true", help="no progress bar or summary")

    train = command("train", "train a model from labelled posts and write a complete model artifact")
    train.add_argument("data", nargs="?", help="labelled data: CSV, TSV, JSON Lines, Parquet, or a folder saved by "
                       "datasets (not with --add: the base model's corpus is --corpus)")
    train.add_argument("-o", "--output", required=True, help="model folder to write")
    train.add_argument("--format", choices=_INPUT_FORMATS, help="input format")
    _add_reading(train)
    _add_columns(train)
    train.add_argument("--label-column", default="label", help="label column (dialogue/broadcast)")
    train.add_argument("--kind-column", default="kind", help="kind column, used when present")
    train.add_argument("--C", type=float, default=None, help="inverse regularisation strength")
    train.add_argument("--n-features", type=int, default=None, metavar="N",
                       help="buckets of each hashed n-gram block (default 262144; small data trains faster with less)")
    train.add_argument("--eval", action="append", default=[], metavar="FILE",
                       help="held-out labelled file to score and record in the card (repeatable)")
    train.add_argument("--jobs", type=int, default=-1, metavar="N",
                       help="threads for the logistic regressions (default -1: every core); the model is the same")
    train.add_argument("--cv", type=int, default=None,
                       help="folds for the cross-validated scores and calibration (default 5; the base's with --add)")
    adapt = train.add_argument_group("adapting a model to your coded posts")
    adapt.add_argument("--add", metavar="FILE", help="coded posts (a sample sheet with its label column filled, or "
                       "any labelled table) to retrain the --base model with; the column options apply to it")
    adapt.add_argument("--base", metavar="MODEL", help="the model to adapt: 'default' (the shipped model; the "
                       "default with --add) or a model folder; retrained with its parameters")
    adapt.add_argument("--corpus", metavar="PATH", help="the base model's corpus: the repository's data/ folder or "
                       "its train.jsonl (default: data/train.jsonl of a checkout)")
    adapt.add_argument("--add-share", type=float, default=None, metavar="S",
                       help="share of the training weight the coded posts carry together (default 0.25)")
    train.add_argument("--quiet", action="store_true", help="print only errors")

    evaluate = command("evaluate", "precision, recall and F1 of a model next to the reply rule")
    evaluate.add_argument("data", help="labelled data (as for train)")
    evaluate.add_argument("--format", choices=["csv", "tsv", "jsonl", "parquet"], help="input format")
    _add_columns(evaluate)
    evaluate.add_argument("--label-column", default="label", help="label column")
    evaluate.add_argument("--text-only", action="store_true", help="drop all metadata before scoring")
    evaluate.add_argument("--by", action="append", choices=["author", "platform", "lang"], default=[],
                          help="also report per value of this field, with the override table and each "
                               "group's dialogue share error (repeatable; e.g. --by author)")
    evaluate.add_argument("--min-group-posts", type=int, default=15,
                          help="groups with fewer posts are left out of the share errors (default 15)")
    _add_reading(evaluate)
    _add_model(evaluate)
    evaluate.add_argument("--json", action="store_true", help="print JSON for machines")

    info = command("info", "versions and the model's metadata")
    _add_model(info)

    report = command("report", "an account report: who talks with their audience, and who only broadcasts")
    report.add_argument("input", help="posts, scored or not (any format classify reads)")
    report.add_argument("-o", "--output", default="report.html", help="HTML file to write (default report.html)")
    report.add_argument("--by", default="author", help="column to group by (default author)")
    report.add_argument("--period", default="M", choices=["W", "M", "Q"], help="period of the trend (default M)")
    report.add_argument("--min-posts", type=int, default=5, help="accounts with fewer posts are not ranked")
    report.add_argument("--accounts", metavar="A,B", help="the organisations' accounts, comma-separated "
                        "(default: every author with at least --min-posts posts)")
    report.add_argument("--csv", metavar="DIR", help="also write the tables as CSV files into DIR")
    report.add_argument("--format", choices=["csv", "tsv", "jsonl", "parquet"], help="input format")
    report.add_argument("--estimator", choices=["cc", "pcc", "acc"],
                        help="how dialogue shares are estimated: cc classify and count, pcc mean p_dialogue, "
                             "acc adjusted for the model's error rates (default: the measured best for the input)")
    report.add_argument("--coded", metavar="FILE", help="posts you hand-coded (text, label): the model's error "
                        "rates on them correct the shares (acc) instead of its cross-validated ones")
    report.add_argument("--min-period-posts", type=int, default=10,
                        help="periods with fewer posts are left out of the trend chart (default 10)")
    _add_columns(report)
    report_columns = [action for action in report._action_groups if action.title == "columns"][0]
    report_columns.add_argument("--reply-to-id-column", dest="col_reply_to_id", metavar="NAME",
                                help="column with the id of the post replied to (default: reply_to_id, or an "
                                     "export's referenced_tweets / in_reply_to_status_id / in_reply_to_id)")
    report_columns.add_argument("--url-column", dest="col_url", metavar="NAME",
                                help="column with the post's URL (default: url, when present)")
    _add_reading(report)
    _add_model(report)

    sample = command("sample", "pick posts to code by hand: stratified by account, language and reply shape, "
                               "a third where the model is least sure")
    sample.add_argument("input", help="posts (any format classify reads; - for standard input)")
    sample.add_argument("-n", type=int, default=200, help="posts to pick (default 200)")
    sample.add_argument("-o", "--output", default="to_label.csv",
                        help="sample sheet to write (default to_label.csv); the coding rules go next to it, "
                             "NAME.codebook.md")
    sample.add_argument("--seed", type=int, default=0, help="random seed: the same seed gives the same sheet")
    sample.add_argument("--uncertain-share", type=float, default=1 / 3, metavar="S",
                        help="share picked where the model is least sure (default 1/3; 0 for a random sample)")
    sample.add_argument("--allocation", choices=["proportional", "equal"], default="proportional",
                        help="random part: every post the same chance (default) or every account the same "
                             "number of posts")
    sample.add_argument("--keep", action="append", default=[], metavar="COLUMN",
                        help="also copy this input column into the sheet (repeatable)")
    sample.add_argument("--show-model", action="store_true",
                        help="add the model's label and p_dialogue (off by default: a shown suggestion biases "
                             "the coders towards it)")
    sample.add_argument("--format", choices=["csv", "tsv", "jsonl", "parquet"], help="input format")
    _add_reading(sample)
    sample.add_argument("--output-format", choices=["csv", "tsv", "jsonl", "parquet"],
                        help="sheet format (default: from the extension)")
    _add_columns(sample)
    _add_model(sample)
    return parser


def _add_columns(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("columns")
    group.add_argument("--text-column", default="text", help="text column (default text)")
    for field, option, help_text in COLUMN_OPTIONS:
        group.add_argument(option, dest=f"col_{field}", metavar="NAME",
                           help=f"column with the {help_text} (default: {field}, when present)")


def _add_reading(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("reading the input")
    group.add_argument("--encoding", default="auto", help="the file's encoding: auto (default: a byte-order mark, "
                       "UTF-16, cp1252 from Excel, else UTF-8), utf-8, utf-16, cp1252, latin-1 …")
    group.add_argument("--delimiter", help="the field delimiter of CSV: ';', ',', '|' or tab (default: detected)")


def _version() -> str:
    from . import __version__

    return __version__


def _add_model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="DIR", help="model folder (default: the shipped model)")


__all__ = ["build_parser", "COLUMN_OPTIONS", "EPILOGS"]
