"""armsledger: validate the ledger, write its data dictionary, build and check the report.

Exit status: 0 success; 1 a failed build or check; 2 invalid data (validate, build) or a
command-line error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from armsledger import paths


def _cmd_validate(args: argparse.Namespace) -> int:
    from armsledger.validate import validate
    from armsledger.validate.cache import mark_valid, stamp_for
    from armsledger.validate.problems import SHOWN_PER_RULE, capped, more_line

    stamp = stamp_for(Path(args.data))  # of the files as they were when validation began
    result = validate(Path(args.data), Path(args.archive) if args.archive else None)
    if result.ok:
        mark_valid(Path(args.data), stamp)  # a build of these files need not validate them again
    status = 0 if result.ok else 2
    shown, hidden = capped([*result.problems, *result.warnings], 0 if args.all else SHOWN_PER_RULE)
    try:
        if args.format == "json":
            print(json.dumps(_problems_json(result, shown, hidden), indent=2, ensure_ascii=False))
        elif args.format == "github":
            for problem in shown:
                print(_github_annotation(problem))
            for line in [*(more_line(rule, n) for rule, n in hidden.items()), *result.summary_lines()]:
                print(line)
        else:
            print("\n".join([*map(str, shown), *(more_line(rule, n) for rule, n in hidden.items()),
                             *result.summary_lines()]))
    except BrokenPipeError:  # `armsledger validate | head`: the verdict stands
        _silence_stdout()
    return status


def _problem_dict(problem) -> dict:
    from armsledger.validate import display_path

    return {"file": display_path(problem.path), "row": problem.row, "line": _file_line(problem.path, problem.row),
            "column": problem.column, "column_number": _column_number(problem.path, problem.column),
            "rule": problem.rule, "severity": problem.severity, "message": problem.message,
            "text": str(problem)}


def _problems_json(result, shown: list, hidden: dict[str, int]) -> dict:
    from collections import Counter

    return {"problems": [_problem_dict(p) for p in shown], "not_shown": hidden,
            "summary": {"ok": result.ok, "errors": len(result.problems), "warnings": len(result.warnings),
                        "tables": len(result.tables), "rows": sum(len(r) for r in result.tables.values()),
                        "by_rule": dict(sorted(Counter(p.rule for p in result.problems).items())),
                        "lines": result.summary_lines()}}


def _github_escape(text: str, property_value: bool = False) -> str:
    """GitHub workflow-command escaping: a cell quoted in a message cannot end the annotation or start
    another command on a new line."""
    text = str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def _github_annotation(problem) -> str:
    """`::error file=data/x.csv,line=N,col=M::rule: message` (a warning as ::warning)."""
    from armsledger.validate import display_path

    level = "warning" if problem.severity == "warning" else "error"
    where = [f"file={_github_escape(display_path(problem.path), True)}"]
    line = _file_line(problem.path, problem.row)
    if line is not None:
        where.append(f"line={line}")
    column = _column_number(problem.path, problem.column)
    if column is not None:
        where.append(f"col={column}")
    message = f"{problem.rule}: {problem.message}"
    return f"::{level} {','.join(where)}::{_github_escape(message)}"


def _csv_layout(path: Path) -> tuple[list[str], list[int]]:
    """A CSV file's header and the line on which each row starts (row 1 = the header); a quoted cell
    may span lines, so row and line numbers can differ."""
    import csv

    cached = _LAYOUTS.get(path)
    if cached is None:
        header, starts = [], []
        try:
            with open(path, encoding="utf-8-sig", newline="") as handle:
                reader = csv.reader(handle)
                line = 1
                for cells in reader:
                    starts.append(line)
                    header = header or cells
                    line = reader.line_num + 1
        except (OSError, UnicodeDecodeError, csv.Error):
            pass
        cached = _LAYOUTS[path] = (header, starts)
    return cached


_LAYOUTS: dict[Path, tuple[list[str], list[int]]] = {}


def _file_line(path: Path, row: int | None) -> int | None:
    if row is None:
        return None
    starts = _csv_layout(Path(path))[1] if str(path).endswith(".csv") else []
    return starts[row - 1] if 0 < row <= len(starts) else row


def _column_number(path: Path, column: str | None) -> int | None:
    if not column or not str(path).endswith(".csv"):
        return None
    header = _csv_layout(Path(path))[0]
    return header.index(column) + 1 if column in header else None


def _cmd_editions(args: argparse.Namespace) -> int:
    from armsledger.model.params import edition_names, load_edition
    from armsledger.pipeline.package import edition_parameters

    editions = [load_edition(name, Path(args.editions)) for name in edition_names(Path(args.editions))]
    if args.format == "json":
        print(json.dumps([{"name": e.name, "title": e.title, "description": e.description,
                           "parameters": edition_parameters(e)} for e in editions], indent=2, ensure_ascii=False))
        return 0
    for edition in editions:
        params = edition_parameters(edition)
        shown = "  ".join(f"{k}={'' if v is None else str(v).lower() if isinstance(v, bool) else v}"
                          for k, v in params.items())
        print(f"{edition.name}\t{edition.title}\n    {shown}")
    return 0


def _cmd_datadict(args: argparse.Namespace) -> int:
    from armsledger.pipeline import datadict

    data_dir = Path(args.data)
    if args.check:
        current = (data_dir / "README.md").read_text(encoding="utf-8") if (data_dir / "README.md").exists() else ""
        if current != datadict.render(data_dir):
            print(f"armsledger: {data_dir / 'README.md'} is stale: run `armsledger datadict`", file=sys.stderr)
            return 1
        print(f"{data_dir / 'README.md'} is up to date")
        return 0
    print(f"wrote {datadict.write(data_dir)}")
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from armsledger.model.params import edition_names
    from armsledger.pipeline.config import BuildConfig
    from armsledger.pipeline.runner import run

    editions = edition_names() if args.all else [args.edition]
    unknown = [e for e in editions if e not in edition_names()]
    if unknown:
        print(f"armsledger: unknown edition {unknown[0]!r}; known: {', '.join(edition_names())}", file=sys.stderr)
        return 2
    config = BuildConfig(editions=editions, renderer=args.renderer, jobs=args.jobs, data_dir=Path(args.data).resolve(),
                         public_dir=Path(args.public).resolve(), build_dir=Path(args.build).resolve())
    if args.dry_run:
        from armsledger.pipeline.runner import stale
        from armsledger.render import RenderError, get_renderer

        try:
            renderer_name = get_renderer(config.renderer).name  # the render steps are keyed by it
        except RenderError as exc:
            print(f"armsledger: {exc}", file=sys.stderr)
            return 1
        steps = stale(config, renderer_name)
        print("\n".join(steps) if steps else "nothing to do: every step is up to date")
        return 0
    return run(config)


def _cmd_snapshot(args: argparse.Namespace) -> int:
    from armsledger.present import headline
    from armsledger.validate.cache import InvalidData, ensure_valid

    data = Path(args.data)
    try:
        ensure_valid(data)
    except InvalidData as error:
        print("\n".join(error.problems), file=sys.stderr)
        return 2
    text = headline.dumps(headline.snapshot(data))
    target = Path(args.out)
    if args.check:
        old = json.loads(target.read_text(encoding="utf-8")) if target.exists() else {}
        changed = headline.differences(old, json.loads(text))
        for line in changed:
            print(line)
        print(f"{len(changed)} headline number(s) differ from {target}" if changed else f"{target} is up to date")
        return 1 if changed else 0
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0


def _cmd_check_published(args: argparse.Namespace) -> int:
    from armsledger.model.params import edition_names
    from armsledger.pipeline.checks import check_public

    problems = check_public(Path(args.public), paths.REPORT / "index.qmd", edition_names())
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s) in {args.public}")
    return 1 if problems else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="armsledger", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)

    validate = sub.add_parser(
        "validate", help="check the ledger: schema, keys, dates, rules, evidence",
        description="Check every table of the ledger and print every problem, one per line, as "
                    "data/<table>.csv:<row>:<column>: <rule>: <message> (row 1 is the header), then a "
                    "summary. Exit status 0 when the ledger is clean, 2 when it is not.")
    validate.add_argument("--data", default=str(paths.DATA),
                          help=f"folder with datapackage.json and the CSV tables (default: {paths.DATA})")
    validate.add_argument("--archive", nargs="?", const=str(paths.DEFAULT_ARCHIVE), default=None,
                          help="folder of saved source texts; each claim's figure must occur in its source's "
                               f"file (--archive alone: {paths.DEFAULT_ARCHIVE})")
    validate.add_argument("--format", choices=("text", "json", "github"), default="text",
                          help="text: one problem per line (default); json: a list of problem objects and the "
                               "summary; github: workflow-command annotations (::error file=…,line=…,col=…::…)")
    validate.add_argument("--all", action="store_true",
                          help="print every problem (default: the first 20 of each rule, then how many more)")
    validate.set_defaults(func=_cmd_validate)

    editions = sub.add_parser("editions", help="list the editions and their parameters")
    editions.add_argument("--editions", default=str(paths.EDITIONS), help="folder of edition files")
    editions.add_argument("--format", choices=("text", "json"), default="text")
    editions.set_defaults(func=_cmd_editions)

    datadict = sub.add_parser("datadict", help="write data/README.md (the data dictionary) from datapackage.json")
    datadict.add_argument("--data", default=str(paths.DATA), help="folder with datapackage.json")
    datadict.add_argument("--check", action="store_true", help="exit 1 if data/README.md is stale; write nothing")
    datadict.set_defaults(func=_cmd_datadict)
    build = sub.add_parser("build", help="validate, execute the notebooks, render and publish editions")
    which = build.add_mutually_exclusive_group()
    which.add_argument("--edition", default="latest", help="edition name (report/editions/NAME.yml)")
    which.add_argument("--all", action="store_true", help="build every edition")
    build.add_argument("--renderer", choices=("auto", "quarto", "pandoc"), default="auto",
                       help="quarto when on PATH (auto), or the built-in Pandoc + Typst renderer")
    build.add_argument("--jobs", type=int, default=2, help="notebooks executed in parallel")
    build.add_argument("--data", default=str(paths.DATA), help="folder with the ledger (default: data/)")
    build.add_argument("--public", default=str(paths.PUBLIC), help="where editions are published (default: public/)")
    build.add_argument("--build", default=str(paths.BUILD),
                       help="working folder for executed notebooks and renders (default: build/)")
    build.add_argument("--dry-run", action="store_true", help="list the steps whose inputs changed; run nothing")
    build.set_defaults(func=_cmd_build)

    snap = sub.add_parser("snapshot", help="write (or --check) every edition's headline numbers as JSON",
                          description="Compute every edition's headline numbers in-process, as the notebooks "
                                      "would, and write them to --out; with --check, print what changed and "
                                      "exit 1 if anything did.")
    snap.add_argument("--data", default=str(paths.DATA), help="folder with the ledger (default: data/)")
    snap.add_argument("--out", required=True, help="the snapshot file (tests/data/snapshot.json)")
    snap.add_argument("--check", action="store_true", help="compare with --out instead of writing it")
    snap.set_defaults(func=_cmd_snapshot)

    check = sub.add_parser("check-published", help="check published editions: every configured edition "
                           "published whole and world-readable, no page loading from elsewhere; PDF pages, figures "
                           "and fonts; the HTML in headless Chromium")
    check.add_argument("--public", default=str(paths.PUBLIC), help="folder of published editions")
    check.set_defaults(func=_cmd_check_published)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Messages quote cells in any script (Cyrillic, arrows); a console in a legacy encoding shows
    # them escaped instead of failing.
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    args = build_parser().parse_args(argv)
    from armsledger.model.params import ParameterError
    from armsledger.model.schema import SchemaError

    try:
        return args.func(args)
    except BrokenPipeError:  # the reader of our output went away before the end
        _silence_stdout()
        return 1
    except (ParameterError, SchemaError) as error:  # a malformed edition file or descriptor: no traceback
        print(f"armsledger: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("armsledger: interrupted", file=sys.stderr)
        return 130


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("armsledger")
    except PackageNotFoundError:
        return "unknown"


def _silence_stdout() -> None:
    """Send what is still buffered for a closed pipe to /dev/null, so exit does not fail flushing it."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
