"""`cd report && quarto render` (or `quarto preview`): report/ made renderable in place for an analyst.

report/_quarto.yml keeps the profile `analyst` always active; only report/ has _quarto-analyst.yml,
whose pre-render step (report/_prepare.py) calls `main` here. It brings the edition that
the other active profiles name (`quarto render --profile usd-confirmed`; `default` otherwise) up to
date with the build's own steps (validate, execute the notebooks, write _variables.yml and
references.json, incremental as in `armsledger build`), then copies what Quarto reads into report/:

    report/_variables.yml  report/references.json  report/notebooks/*.ipynb (executed)  report/_edition.yml

all of them ignored by git (report/.gitignore). Quarto re-reads the project after a pre-render step,
so the variables and the date it finds are the ones just written. Nothing is rendered or published
here: Quarto renders into report/_output/; `armsledger build` stays the way to publish.

The build steps run through the build's own doit loader (pipeline.runner), asking doit for the
variables and references steps of one edition: doit runs the notebook steps they depend on first.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
from pathlib import Path

from armsledger import paths
from armsledger.render.project import write_edition_metadata

DEFAULT_EDITION = "latest"
COPIED = ("_variables.yml", "references.json", "_meta.html")


def edition_from_profiles(profiles: str | None, editions_dir: Path = paths.EDITIONS) -> str:
    """The first active Quarto profile (QUARTO_PROFILE, comma-separated) that names an edition file."""
    for name in (profiles or "").split(","):
        name = name.strip()
        if name and (editions_dir / f"{name}.yml").exists():
            return name
    return DEFAULT_EDITION


def _run_steps(edition: str, build_dir: Path, renderer_name: str) -> int:
    from doit.doit_cmd import DoitMain

    from armsledger.pipeline import kernels
    from armsledger.pipeline.config import BuildConfig
    from armsledger.pipeline.runner import Loader, validate_step

    cfg = BuildConfig(editions=[edition], renderer=renderer_name, build_dir=build_dir)
    problems = validate_step(cfg)
    if problems:
        print("\n".join(problems), file=sys.stderr)
        print(f"{len(problems)} data problem(s); nothing was prepared.", file=sys.stderr)
        return 2
    cfg.build_dir.mkdir(parents=True, exist_ok=True)
    kernels.start()
    try:
        # stdout carries doit's progress lines; Quarto shows them as the pre-render's output.
        return DoitMain(Loader(cfg, renderer_name)).run(
            ["run", f"variables:{edition}", f"references:{edition}"])
    finally:
        kernels.stop()


def copy_edition(build: Path, report_dir: Path) -> list[Path]:
    """Copy a prepared edition's variables, bibliography and executed notebooks into report_dir."""
    copied = []
    for name in COPIED:
        shutil.copy2(build / name, report_dir / name)
        copied.append(report_dir / name)
    notebooks = report_dir / "notebooks"
    if notebooks.exists():
        shutil.rmtree(notebooks)  # executed notebooks of another edition must not linger
    notebooks.mkdir()
    for book in sorted((build / "notebooks").glob("*.ipynb")):
        shutil.copy2(book, notebooks / book.name)
        copied.append(notebooks / book.name)
    copied.append(write_edition_metadata(report_dir))
    return copied


def prepare_source(edition: str, report_dir: Path = paths.REPORT, build_dir: Path = paths.BUILD,
                   renderer_name: str = "quarto") -> int:
    """Bring `edition` up to date under build_dir and copy it into report_dir. Exit status as the build's."""
    with contextlib.redirect_stdout(sys.stderr):  # keep Quarto's own stdout for Quarto
        status = _run_steps(edition, build_dir, renderer_name)
    if status != 0:
        print(f"✗ edition {edition} could not be prepared (status {status}); see above", file=sys.stderr)
        return status
    copy_edition(build_dir / edition, report_dir)
    print(f"✓ report/ holds edition {edition} (from {build_dir / edition})", file=sys.stderr)
    return 0


def main(report_dir: Path = paths.REPORT) -> int:
    editions_dir = report_dir / "editions"
    edition = os.environ.get("ARMSLEDGER_EDITION") or edition_from_profiles(os.environ.get("QUARTO_PROFILE"),
                                                                            editions_dir)
    if not (editions_dir / f"{edition}.yml").exists():
        print(f"✗ no edition {edition!r} in {editions_dir}", file=sys.stderr)
        return 2
    return prepare_source(edition, report_dir)


if __name__ == "__main__":
    raise SystemExit(main())
