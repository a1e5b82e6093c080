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

    stamp = stamp_for(Path(args.data))  # of the files as they were when validation began
    result = validate(Path(args.data), Path(args.archive) if args.archive else None)
    if result.ok:
        mark_valid(Path(args.data), stamp)  # a build of these files need not validate them again
    status = 0 if result.ok else 2
    try:
        for problem in [*result.problems, *result.warnings]:
            print(problem)
        for line in result.summary_lines():
            print(line)
    except BrokenPipeError:  # `armsledger validate | head`: the verdict stands
        _silence_stdout()
    return status


def _cmd_datadict(args: argparse.Namespace) -> int:
    from armsledger.pipeline import datadict

    data_dir = Path(args.data)
    if args.check:
        current = (data_dir / "README.md").read_text(encoding="utf-8") if (data_dir / "README.md").exists() else ""
        if current != datadict.render(data_dir):
            print(f"{data_dir / 'README.md'} is stale: run `armsledger datadict`")
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
        print(f"unknown edition {unknown[0]!r}; known: {', '.join(edition_names())}")
        return 2
    config = BuildConfig(editions=editions, renderer=args.renderer, jobs=args.jobs, data_dir=Path(args.data).resolve(),
                         public_dir=Path(args.public).resolve(), build_dir=Path(args.build).resolve())
    if args.dry_run:
        from armsledger.pipeline.runner import stale
        from armsledger.render import RenderError, get_renderer

        try:
            renderer_name = get_renderer(config.renderer).name  # the render steps are keyed by it
        except RenderError as exc:
            print(f"armsledger: {exc}")
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
    from armsledger.pipeline.checks import check_public

    problems = check_public(Path(args.public), paths.REPORT / "index.qmd")
    for problem in problems:
        print(problem)
    print(f"{len(problems)} problem(s) in {args.public}")
    return 1 if problems else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="armsledger", description=__doc__)
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
    validate.set_defaults(func=_cmd_validate)

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

    check = sub.add_parser("check-published", help="check published editions: PDF pages, figures and fonts; "
                           "the HTML in headless Chromium")
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
    try:
        return args.func(args)
    except BrokenPipeError:  # the reader of our output went away before the end
        _silence_stdout()
        return 1


def _silence_stdout() -> None:
    """Send what is still buffered for a closed pipe to /dev/null, so exit does not fail flushing it."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


if __name__ == "__main__":
    sys.exit(main())
