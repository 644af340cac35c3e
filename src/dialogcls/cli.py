"""The command line: ``python -m dialogcls classify|train|evaluate|info|report``.

Argument parsing only; each command calls one importable function. Exit codes:

====  ==========================================================
0     success
1     an unexpected error (a bug: please report it)
2     wrong usage (unknown option, missing argument)
3     bad input: missing file, unknown column, a bad row
4     the model artifact is missing, damaged or incompatible
5     bad training data (unknown label or kind)
130   interrupted (Ctrl-C); no partial output is left behind
====  ==========================================================
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

EXIT_OK, EXIT_BUG, EXIT_USAGE, EXIT_INPUT, EXIT_MODEL, EXIT_TRAINING, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 5, 130

_COLUMN_OPTIONS = (
    ("id", "--id-column", "post id"),
    ("is_reply", "--reply-column", "reply flag (true/false, 1/0; empty = unknown)"),
    ("reply_to", "--reply-to-column", "account replied to"),
    ("author", "--author-column", "the organisation's account"),
    ("platform", "--platform-column", "platform (twitter, facebook …)"),
    ("lang", "--lang-column", "language (de, en); wins over detection"),
    ("created_at", "--time-column", "time of posting"),
)

EPILOGS = {
    "classify": """examples:
  python -m dialogcls classify examples/posts.csv -o scored.csv
  python -m dialogcls classify posts.jsonl -o scored.parquet --text-column message --reply-column is_comment
  cat posts.jsonl | python -m dialogcls classify - --quiet > scored.jsonl
  python -m dialogcls classify big.jsonl -o out.jsonl --workers 2 --on-error skip""",
    "train": """examples:
  python -m dialogcls train data/train.jsonl -o models/default
  python -m dialogcls train labelled.csv -o my-model --text-column message --label-column code""",
    "evaluate": """examples:
  python -m dialogcls evaluate data/test.jsonl
  python -m dialogcls evaluate ../shared/data/real-dev.jsonl --by author
  python -m dialogcls evaluate ../shared/data/real-dev.jsonl --model my-model --json""",
    "info": """examples:
  python -m dialogcls info
  python -m dialogcls info --model my-model""",
    "report": """examples:
  python -m dialogcls report examples/posts.csv --by author -o report.html
  python -m dialogcls report scored.jsonl --by author --period Q -o report.html --csv tables/""",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m dialogcls",
        description="Does an organisation talk with its audience on social media, or only at it?",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Run 'python -m dialogcls COMMAND --help' for the options and examples of a command.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help_text, description=help_text, epilog=EPILOGS[name],
                                   formatter_class=argparse.RawDescriptionHelpFormatter)

    classify = command("classify", "score posts in a CSV, TSV, JSON Lines or Parquet file")
    classify.add_argument("input", help="input file, or - for standard input")
    classify.add_argument("-o", "--output", default="-", help="output file, or - for standard output (default)")
    classify.add_argument("--format", choices=["csv", "tsv", "jsonl", "parquet"], help="input format (default: from the extension)")
    classify.add_argument("--output-format", choices=["csv", "tsv", "jsonl", "parquet"], help="output format (default: from the extension; jsonl on standard output)")
    _add_columns(classify)
    _add_model(classify)
    classify.add_argument("--batch-size", type=int, default=8192, help="posts per chunk (default 8192)")
    classify.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    classify.add_argument("--on-error", choices=["raise", "skip"], default="raise",
                          help="stop at the first bad row (raise, default) or mark it and go on (skip)")
    classify.add_argument("--quiet", action="store_true", help="no progress bar or summary")

    train = command("train", "train a model from labelled posts and write a complete model artifact")
    train.add_argument("data", help="labelled data: CSV, TSV, JSON Lines, Parquet, or a folder saved by datasets")
    train.add_argument("-o", "--output", required=True, help="model folder to write")
    train.add_argument("--format", choices=["csv", "tsv", "jsonl", "parquet"], help="input format")
    _add_columns(train)
    train.add_argument("--label-column", default="label", help="label column (dialogue/broadcast)")
    train.add_argument("--kind-column", default="kind", help="kind column, used when present")
    train.add_argument("--C", type=float, default=None, help="inverse regularisation strength")
    train.add_argument("--n-features", type=int, default=None, metavar="N",
                       help="buckets of each hashed n-gram block (default 262144; small data trains faster with less)")
    train.add_argument("--eval", action="append", default=[], metavar="FILE",
                       help="held-out labelled file to score and record in the card (repeatable)")
    train.add_argument("--cv", type=int, default=5, help="folds for the cross-validated scores and calibration")
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
    _add_columns(report)
    _add_model(report)
    return parser


def _add_columns(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("columns")
    group.add_argument("--text-column", default="text", help="text column (default text)")
    for field, option, help_text in _COLUMN_OPTIONS:
        group.add_argument(option, dest=f"col_{field}", metavar="NAME",
                           help=f"column with the {help_text} (default: {field}, when present)")


def _add_model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="DIR", help="model folder (default: the shipped model)")


def _columns(args: argparse.Namespace) -> dict[str, str]:
    return {field: getattr(args, f"col_{field}") for field, _, _ in _COLUMN_OPTIONS
            if getattr(args, f"col_{field}", None)}


def run_classify(args: argparse.Namespace) -> int:
    from .api import classify_file

    summary = classify_file(args.input, args.output, input_format=args.format, output_format=args.output_format,
                            text_column=args.text_column, columns=_columns(args), model_path=args.model,
                            batch_size=args.batch_size, workers=args.workers, on_error=args.on_error,
                            progress=not args.quiet)
    if not args.quiet:
        where = "standard output" if summary.output == "-" else summary.output
        print(f"scored {summary.rows} posts into {where}"
              + (f"; {summary.bad_rows} bad rows marked in the 'error' column" if summary.bad_rows else ""),
              file=sys.stderr)
    return EXIT_OK


def run_train(args: argparse.Namespace) -> int:
    from .training import train_artifact

    params = {"cv": args.cv}
    if args.C is not None:
        params["C"] = args.C
    if args.n_features is not None:
        params["n_features"] = args.n_features
    result = train_artifact(args.data, args.output, fmt=args.format, text_column=args.text_column,
                            label_column=args.label_column, kind_column=args.kind_column,
                            columns=_columns(args), eval_sets=args.eval, **params)
    if not args.quiet:
        cv = result["cross_validation"]
        print(f"trained on {result['rows']} posts; {args.cv}-fold cross-validated macro-F1 "
              f"{cv['macro_f1']:.3f} (rule {cv['rule_macro_f1']:.3f}), accuracy {cv['accuracy']:.3f}")
        for name, held_out in result["held_out"].items():
            print(f"held out {name}: macro-F1 {held_out['with_metadata']['macro_f1']:.3f} "
                  f"(rule {held_out['with_metadata']['rule_macro_f1']:.3f}), "
                  f"text only {held_out['text_only']['macro_f1']:.3f}")
        print(f"model written to {result['path']}")
    return EXIT_OK


def run_evaluate(args: argparse.Namespace) -> int:
    from .api import load
    from .evaluate import evaluate, format_scores
    from .io import read_labelled

    posts, labels, _ = read_labelled(args.data, text_column=args.text_column, label_column=args.label_column,
                                     kind_column=None, columns=_columns(args), fmt=args.format)
    groups = {name: getattr(posts, name) for name in args.by}
    if args.text_only:
        posts = posts.without_metadata()
    evaluation = evaluate(posts, labels, model=load(args.model), groups=groups,
                          min_group_posts=args.min_group_posts)
    print(json.dumps(evaluation, indent=2) if args.json else format_scores(evaluation))
    return EXIT_OK


def run_info(args: argparse.Namespace) -> int:
    from .api import default_model_path, load
    from .artifact import library_versions

    model = load(args.model)
    meta = dict(getattr(model, "meta_", {}))
    print(json.dumps({"versions": library_versions(),
                      "model_path": str(args.model or default_model_path()),
                      "model": {k: v for k, v in meta.items() if k not in ("feature_names", "config")},
                      "params": meta.get("config", {}).get("params", {}),
                      "n_named_features": len(meta.get("feature_names", []))}, indent=2))
    return EXIT_OK


def run_report(args: argparse.Namespace) -> int:
    from .api import load
    from .io import read_table
    from .report import report

    frame = read_table(args.input, fmt=args.format)
    renames = {column: field for field, column in _columns(args).items()}
    if args.text_column != "text":
        renames[args.text_column] = "text"
    frame = frame.rename(columns=renames)
    model = None if "label" in frame.columns else load(args.model)
    result = report(frame, by=args.by, period=args.period, min_posts=args.min_posts, model=model,
                    accounts=args.accounts.split(",") if args.accounts else None)
    path = result.to_html(args.output)
    print(f"report written to {path}", file=sys.stderr)
    if args.csv:
        for written in result.to_csv(args.csv):
            print(f"table written to {written}", file=sys.stderr)
    return EXIT_OK


COMMANDS = {"classify": run_classify, "train": run_train, "evaluate": run_evaluate, "info": run_info,
            "report": run_report}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    from .errors import ArtifactError, DialogclsError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        return COMMANDS[args.command](args)
    except ArtifactError as error:
        print(f"dialogcls: error: {error}", file=sys.stderr)
        return EXIT_MODEL
    except DialogclsError as error:
        print(f"dialogcls: error: {error}", file=sys.stderr)
        return EXIT_TRAINING if error.code.startswith("E3") else EXIT_INPUT
    except FileNotFoundError as error:
        print(f"dialogcls: error: [E403] {error.filename}: no such file", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("dialogcls: interrupted; no partial output was left", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK


__all__ = ["main", "build_parser"]
