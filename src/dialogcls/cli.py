"""The command line: ``python -m dialogcls classify|train|evaluate|info|report|sample``.

Each command calls one importable function; the options and their help texts are in
:mod:`dialogcls.cli_parser`. Exit codes:

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

from .cli_parser import COLUMN_OPTIONS, build_parser

EXIT_OK, EXIT_BUG, EXIT_USAGE, EXIT_INPUT, EXIT_MODEL, EXIT_TRAINING, EXIT_INTERRUPTED = 0, 1, 2, 3, 4, 5, 130


def _reading(args: argparse.Namespace, path: str) -> object:
    """``path`` with the reading options of the command line (standard input, ``-``, as it is)."""
    from .io import InputFile

    if path == "-":
        return path
    return InputFile(path, fmt=args.format, encoding=args.encoding, delimiter=args.delimiter)


def _columns(args: argparse.Namespace) -> dict[str, str]:
    return {field: getattr(args, f"col_{field}") for field, _, _ in COLUMN_OPTIONS
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
    # A named column wins over one that has the field's own name (--author-column account beside 'author').
    replaced = [field for column, field in renames.items() if field != column and field in frame.columns
                and field not in renames]
    for field in replaced:
        source = next(column for column, target in renames.items() if target == field)
        print(f"note: the column {field!r} is not used: {source!r} is read as the {field}", file=sys.stderr)
    frame = frame.drop(columns=replaced).rename(columns=renames)
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
