"""The command line: ``python -m dialogcls classify|train|evaluate|info|report|sample``.

Argument parsing only; each command calls one importable function. Exit codes:

====  ==========================================================
0     success
1     an unexpected error (a bug: please report it)
2     wrong usage (unknown option, missing argument)
3     bad input or output: missing file, unknown column, a bad row, an output that is refused
4     the model artifact is missing, damaged or incompatible
5     bad training data (unknown label or kind, too few posts of a label for the folds)
129   hung up (SIGHUP); cleaned up as for Ctrl-C
130   interrupted (Ctrl-C, SIGINT); no partial output is left behind
143   terminated (SIGTERM); cleaned up as for Ctrl-C
====  ==========================================================
"""
from __future__ import annotations

import argparse
import json
import sys
from typing import Sequence

EXIT_OK, EXIT_BUG, EXIT_USAGE, EXIT_INPUT, EXIT_MODEL, EXIT_TRAINING, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 5, 130
#: Input formats on the command line (``json``: a JSON document such as an API response, or JSON Lines).
_INPUT_FORMATS = ["csv", "tsv", "jsonl", "json", "parquet"]
_OUTPUT_FORMATS = ["csv", "tsv", "jsonl", "parquet"]
_PLATFORMS = ["twitter", "facebook", "instagram", "linkedin", "mastodon", "other"]

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
    classify.add_argument("--platform", choices=_PLATFORMS, help="the platform of every post in the file")
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
    for field, option, help_text in _COLUMN_OPTIONS:
        group.add_argument(option, dest=f"col_{field}", metavar="NAME",
                           help=f"column with the {help_text} (default: {field}, when present)")


def _add_reading(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("reading the input")
    group.add_argument("--encoding", default="auto", help="the file's encoding: auto (default: a byte-order mark, "
                       "UTF-16, cp1252 from Excel, else UTF-8), utf-8, utf-16, cp1252, latin-1 …")
    group.add_argument("--delimiter", help="the field delimiter of CSV: ';', ',', '|' or tab (default: detected)")


def _reading(args: argparse.Namespace, path: str) -> object:
    """``path`` with the reading options of the command line (standard input, ``-``, as it is)."""
    from .io import InputFile

    if path == "-":
        return path
    return InputFile(path, fmt=args.format, encoding=args.encoding, delimiter=args.delimiter)


def _version() -> str:
    from . import __version__

    return __version__


def _add_model(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", metavar="DIR", help="model folder (default: the shipped model)")


def _columns(args: argparse.Namespace) -> dict[str, str]:
    return {field: getattr(args, f"col_{field}") for field, _, _ in _COLUMN_OPTIONS
            if getattr(args, f"col_{field}", None)}


def run_classify(args: argparse.Namespace) -> int:
    from .api import classify_file
    from .cluster import is_pattern

    if args.scheduler or is_pattern(args.input):
        return _run_classify_on_dask(args)
    args.workers = args.workers or 1
    summary = classify_file(args.input, args.output, input_format=args.format, output_format=args.output_format,
                            text_column=args.text_column, columns=_columns(args), model_path=args.model,
                            workers=args.workers, on_error=args.on_error, progress=not args.quiet, encoding=args.encoding, delimiter=args.delimiter,
                            preset=args.preset, platform=args.platform, excel=args.excel, **_chunking(args))
    if not args.quiet:
        from .exports import NAMES

        where = "standard output" if summary.output == "-" else summary.output
        read_as = [f"a {NAMES[summary.preset]} export" if summary.preset and args.preset == "auto" else "",
                   summary.encoding if summary.encoding and summary.encoding not in ("utf-8", "utf-8-sig") else "",
                   f"fields separated by {summary.delimiter!r}" if summary.delimiter not in (None, ",", "\t") else ""]
        read_as = [part for part in read_as if part]
        print(f"scored {summary.rows} posts into {where}"
              + (f" (read as {', '.join(read_as)})" if read_as else "")
              + (f"; {summary.shares} plain shares marked as broadcast/share (codebook rule 10)" if summary.shares else "")
              + (f"; {summary.bad_rows} bad rows marked in the 'error' column" if summary.bad_rows else ""),
              file=sys.stderr)
    return EXIT_OK


def _chunking(args: argparse.Namespace) -> dict:
    """``--batch-size`` when given; else each scorer's own default."""
    return {"batch_size": args.batch_size} if args.batch_size is not None else {}


def _run_classify_on_dask(args: argparse.Namespace) -> int:
    """``classify "in/*.parquet" -o out/ --scheduler local|ADDRESS`` (see :mod:`dialogcls.cluster`)."""
    from .cluster import classify_files
    from .errors import DialogclsError

    if not args.scheduler:
        raise DialogclsError("E145", f"{args.input} is a file pattern: scoring many files runs on Dask; add "
                                     "--scheduler local (this machine) or --scheduler ADDRESS (a running cluster)")
    if args.output == "-":
        raise DialogclsError("E145", "with --scheduler, -o names the folder for the Parquet parts (e.g. -o out/)")
    summary = classify_files(args.input, args.output, scheduler=args.scheduler, workers=args.workers,
                             text_column=args.text_column, columns=_columns(args), model_path=args.model,
                             on_error=args.on_error, **_chunking(args))
    if not args.quiet:
        print(f"scored {summary.rows} posts into {summary.output}/ on Dask ({args.scheduler})"
              + (f"; {summary.bad_rows} bad rows marked in the 'error' column" if summary.bad_rows else ""),
              file=sys.stderr)
    return EXIT_OK


def run_train(args: argparse.Namespace) -> int:
    from .training import train_artifact

    if args.add is None and (args.base is not None or args.corpus is not None):
        return _usage("train: --base and --corpus adapt a model and need --add FILE (the coded posts)")
    if args.add is not None and args.data is not None:
        return _usage("train: with --add, the base model's corpus is given with --corpus, not as DATA")
    if args.add is None and args.data is None:
        return _usage("train: give labelled DATA, or --add FILE to adapt the shipped model to your coded posts")
    data = _check_training(args)
    params = {"cv": args.cv, "n_jobs": args.jobs}
    if args.add is not None:
        params.update(base=args.base or "default", add=args.add, add_share=args.add_share)
    if args.C is not None:
        params["C"] = args.C
    if args.n_features is not None:
        params["n_features"] = args.n_features
    result = train_artifact(args.corpus if args.add is not None else data, args.output, fmt=args.format,
                            text_column=args.text_column, label_column=args.label_column,
                            kind_column=args.kind_column, columns=_columns(args), eval_sets=args.eval, **params)
    if not args.quiet:
        cv = result["cross_validation"]
        if args.add is not None:
            _print_adapted(result)
        else:
            print(f"trained on {result['rows']} posts; {args.cv or 5}-fold cross-validated macro-F1 "
                  f"{cv['macro_f1']:.3f} (rule {cv['rule_macro_f1']:.3f}), accuracy {cv['accuracy']:.3f}")
        for name, held_out in result["held_out"].items():
            print(f"held out {name}: macro-F1 {held_out['with_metadata']['macro_f1']:.3f} "
                  f"(rule {held_out['with_metadata']['rule_macro_f1']:.3f}), "
                  f"text only {held_out['text_only']['macro_f1']:.3f}")
        print(f"model written to {result['path']}")
    return EXIT_OK


def _check_training(args: argparse.Namespace) -> object:
    """The check that needs no data: the model folder can be written. Returns the data to train on
    (with its reading options). The labels are checked by :func:`~dialogcls.training.train_artifact`
    as soon as it has read them, before any fitting (E423, exit code 5)."""
    from .writers import check_model_output

    check_model_output(args.output, inputs=tuple(path for path in (args.data, args.add, args.corpus) if path))
    if args.add is not None or args.data == "-":
        return args.data
    return _reading(args, args.data)


def run_evaluate(args: argparse.Namespace) -> int:
    from .agreement import evaluate_agreement, format_agreement
    from .api import load
    from .evaluate import evaluate, format_scores
    from .io import read_labelled
    from .sampling import is_sample_sheet, read_coded

    # A coded sample sheet: only its coded rows count, and its design weights go to the confusion rates.
    data = _reading(args, args.data)
    sheet, uncoded = read_coded(data, fmt=args.format, label_column=args.label_column, kind_column="kind")
    coded = is_sample_sheet(sheet)
    posts, labels, _ = read_labelled(sheet if coded or args.data == "-" else data,
                                     text_column=args.text_column,
                                     label_column=args.label_column, kind_column=None, columns=_columns(args),
                                     fmt=args.format)
    groups = {name: getattr(posts, name) for name in args.by}
    if args.text_only:
        posts = posts.without_metadata()
    model = load(args.model)
    evaluation = evaluate(posts, labels, model=model, groups=groups, min_group_posts=args.min_group_posts)
    evaluation["agreement"] = evaluate_agreement(
        posts, labels, model=model, min_group_posts=args.min_group_posts,
        kinds=sheet["kind"].tolist() if "kind" in sheet.columns else None,
        weights=sheet["design_weight"].astype(float).tolist() if coded else None,
        picked=sheet["picked"].astype(str).tolist() if coded else None)
    if coded:
        evaluation["agreement"]["uncoded_rows_left_out"] = uncoded
    if args.json:
        print(json.dumps(evaluation, indent=2))
    else:
        print(format_scores(evaluation))
        print(format_agreement(evaluation["agreement"]))
        if uncoded:
            print(f"{uncoded} rows of {args.data} are not coded yet and were left out")
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
    from .reporting import report

    frame = read_table(_reading(args, args.input), fmt=args.format)
    renames = {column: field for field, column in _columns(args).items()}
    renames.update({getattr(args, f"col_{field}"): field for field in ("reply_to_id", "url")
                    if getattr(args, f"col_{field}", None)})
    if args.text_column != "text":
        renames[args.text_column] = "text"
    missing = [column for column in renames if column not in frame.columns]
    if missing:
        from .errors import DialogclsError

        raise DialogclsError("E457", f"{args.input}: no column {', '.join(map(repr, missing))}; the columns are "
                                     f"{list(frame.columns)}")
    frame = frame.rename(columns=renames)
    model = None if "label" in frame.columns and not args.coded else load(args.model)
    result = report(frame, by=args.by, period=args.period, min_posts=args.min_posts,
                    model=model if model is not None else args.model,
                    accounts=args.accounts.split(",") if args.accounts else None, estimator=args.estimator,
                    coded=args.coded, min_period_posts=args.min_period_posts, source=str(args.input))
    if result.provenance.get("empty_because"):  # nothing to report: say why instead of an empty page
        from .errors import DialogclsError

        raise DialogclsError("E461", f"{args.input}: {result.provenance['empty_because']}")
    for note in result.provenance.get("notes", []):
        print(f"note: {note}", file=sys.stderr)
    path = result.to_html(args.output)
    print(f"report written to {path}", file=sys.stderr)
    if args.csv:
        for written in result.to_csv(args.csv):
            print(f"table written to {written}", file=sys.stderr)
    return EXIT_OK


def _usage(message: str) -> int:
    print(f"dialogcls: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _print_adapted(result: dict) -> None:
    """What ``train --add`` did, for people."""
    added, cv = result["training"]["added"], result["cross_validation"]
    print(f"adapted {result['training']['base']['name']} with {added['rows']} coded posts from {added['name']} "
          f"({added['weight_per_post']} each, {added['share_of_weight']:.0%} of the training weight) next to "
          f"{result['training']['corpus']['rows']} corpus posts"
          + (f"; {added['uncoded_rows_left_out']} uncoded rows left out" if added["uncoded_rows_left_out"] else ""))
    if cv["on"].startswith("coded"):
        def kappa(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.3f}"

        print(f"on the coded posts, out of fold ({cv['folds']} folds): macro-F1 {cv['macro_f1']:.3f}, kappa "
              f"{kappa(cv['kappa'])} (base model {cv['base_macro_f1']:.3f}, kappa {kappa(cv['base_kappa'])}; "
              f"rule {cv['rule_macro_f1']:.3f})")
    else:
        print(f"too few coded posts of each label to score them out of fold; {cv['on']}: macro-F1 "
              f"{cv['macro_f1']:.3f} (rule {cv['rule_macro_f1']:.3f})")


def run_sample(args: argparse.Namespace) -> int:
    from .api import load
    from .sampling import sample, write_sample

    sheet = sample(_reading(args, args.input), args.n, seed=args.seed, uncertain_share=args.uncertain_share,
                   allocation=args.allocation, model=load(args.model), fmt=args.format,
                   text_column=args.text_column, columns=_columns(args), keep=args.keep, show_model=args.show_model)
    table, rules = write_sample(sheet, args.output, fmt=args.output_format)
    uncertain = int((sheet["picked"] == "uncertain").sum())
    print(f"picked {len(sheet)} posts into {table} ({len(sheet) - uncertain} at random, {uncertain} where the model "
          f"is least sure); coding rules in {rules}. Fill the label column, then: python -m dialogcls evaluate "
          f"{table}", file=sys.stderr)
    return EXIT_OK


COMMANDS = {"classify": run_classify, "train": run_train, "evaluate": run_evaluate, "info": run_info,
            "report": run_report, "sample": run_sample}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    from .errors import ArtifactError, DialogclsError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:
        return int(exit_.code or 0)
    try:
        with _signals_as_interrupts(), _warnings_as_messages():
            return COMMANDS[args.command](args)
    except ArtifactError as error:
        print(f"dialogcls: error: {error}", file=sys.stderr)
        return EXIT_MODEL
    except DialogclsError as error:
        from .io import TrainingDataError

        print(f"dialogcls: error: {error}", file=sys.stderr)
        return EXIT_TRAINING if error.code.startswith("E3") or isinstance(error, TrainingDataError) else EXIT_INPUT
    except FileNotFoundError as error:
        print(f"dialogcls: error: [E403] {error.filename}: no such file", file=sys.stderr)
        return EXIT_INPUT
    except (IsADirectoryError, PermissionError, NotADirectoryError) as error:
        print(f"dialogcls: error: [E425] {error.filename}: {error.strerror}; check the path and its permissions",
              file=sys.stderr)
        return EXIT_INPUT
    except _Signalled as signalled:
        print(f"dialogcls: {signalled.name}; no partial output was left", file=sys.stderr)
        return 128 + signalled.signum
    except KeyboardInterrupt:
        print("dialogcls: interrupted; no partial output was left", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK


class _Signalled(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the program is so that it cleans up exactly as for Ctrl-C."""

    def __init__(self, signum: int) -> None:
        import signal

        super().__init__(signum)
        self.signum = signum
        self.name = {getattr(signal, "SIGTERM", None): "terminated (SIGTERM)",
                     getattr(signal, "SIGHUP", None): "hung up (SIGHUP)"}.get(signum, f"signal {signum}")


class _signals_as_interrupts:
    """While a command runs, SIGTERM and SIGHUP raise :class:`_Signalled` (a KeyboardInterrupt): temporary
    files are removed and worker processes stopped as for Ctrl-C. Only in the main thread."""

    def __enter__(self) -> None:
        import signal
        import threading

        self.previous = {}
        if threading.current_thread() is not threading.main_thread():
            return
        for name in ("SIGTERM", "SIGHUP"):
            number = getattr(signal, name, None)
            if number is not None:
                self.previous[number] = signal.signal(number, self._raise)

    @staticmethod
    def _raise(signum: int, frame: object) -> None:
        import signal

        for number in (getattr(signal, "SIGTERM", None), getattr(signal, "SIGHUP", None)):
            if number is not None:
                signal.signal(number, signal.SIG_IGN)  # a second signal must not interrupt the clean-up
        raise _Signalled(signum)

    def __exit__(self, *exc: object) -> None:
        import signal

        for number, handler in self.previous.items():
            signal.signal(number, handler)


class _warnings_as_messages:
    """dialogcls' own warnings as one line each on standard error (``dialogcls: warning: …``)."""

    def __enter__(self) -> None:
        import warnings

        from .errors import DialogclsWarning

        self.catcher = warnings.catch_warnings()
        self.catcher.__enter__()
        shown = warnings.showwarning

        def show(message, category, filename, lineno, file=None, line=None):  # type: ignore[no-untyped-def]
            if issubclass(category, DialogclsWarning):
                print(f"dialogcls: warning: {message}", file=sys.stderr)
            else:
                shown(message, category, filename, lineno, file, line)

        warnings.showwarning = show

    def __exit__(self, *exc: object) -> None:
        self.catcher.__exit__(*exc)


__all__ = ["main", "build_parser"]
