"""The pipeline lane: papermill, the build, the renderers and the browser.

Every edition is executed once per ledger and shared by the whole lane: one build of all editions from a copy
of the real data (`real_site`) and one from a copy of the small fixture ledger with hostile markup in its text
(`fixture_site`). A test that only reads an executed notebook, a table or summary.json reads them from
build/<edition>/. Papermill runs that no edition covers (the notebooks' own defaults, `-p` and `-f` on the
command line, failures) run once, in parallel, in `runs`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest

from armsledger import paths
from armsledger.model.params import edition_names
from armsledger.pipeline.config import BuildConfig
from armsledger.pipeline.notebooks import notebook_names
from tests.common import EDITIONS, NOTEBOOKS, SMALL, copy_ledger, rewrite_cell

NOTEBOOK_NAMES = notebook_names(NOTEBOOKS)

# Markup that would run if the report did not escape text from the data.
HOSTILE = {
    "script": "<script>window.__xss = 'script'</script>",
    "img": "<img src=x onerror=\"window.__xss = 'img'\">",
    "markdown": "Drone deal @evil [link](javascript:x) *bold*",
}


def inject_hostile_text(data: Path) -> None:
    """Put hostile markup into free-text fields the report prints: tables, timeline, bibliography."""
    rewrite_cell(data, "contracts", "contract_id", "small-surveillance", "title",
                 f"Tracking {HOSTILE['script']} system")
    rewrite_cell(data, "contracts", "contract_id", "small-rumoured-deal", "title", HOSTILE["markdown"])
    rewrite_cell(data, "sources", "source_id", "small-company", "title", f"Deal {HOSTILE['img']}")
    rewrite_cell(data, "transfers", "transfer_id", "small-2024-01", "items", f"goods {HOSTILE['img']}")


def _build(root: Path, data: Path) -> BuildConfig:
    from armsledger.pipeline.runner import run

    shutil.copytree(EDITIONS, root / "editions")
    config = BuildConfig(editions=edition_names(), renderer="pandoc", jobs=2, data_dir=data,
                         public_dir=root / "public", build_dir=root / "build", editions_dir=root / "editions")
    assert run(config) == 0, "the shared build failed: see the output above"
    return config


@pytest.fixture(scope="session")
def real_site(tmp_path_factory) -> BuildConfig:
    """Every edition, built once from a copy of data/ with the built-in renderer."""
    root = tmp_path_factory.mktemp("real-site")
    return _build(root, copy_ledger(paths.DATA, root / "data"))


@pytest.fixture(scope="session")
def fixture_site(tmp_path_factory) -> BuildConfig:
    """Every edition, built once from a copy of the small fixture ledger carrying hostile markup."""
    root = tmp_path_factory.mktemp("fixture-site")
    data = copy_ledger(SMALL, root / "data")
    inject_hostile_text(data)
    return _build(root, data)


# --------------------------------------------------------------------------- papermill runs


@dataclass
class Run:
    """One notebook executed outside a build: by armsledger's executor, by the papermill command line, or by
    `python -m armsledger.pipeline.execute`."""

    name: str
    notebook: str
    output: Path
    out_dir: Path
    how: str  # "execute" (in-process, warm kernels), "papermill" (its CLI) or "module"
    parameters: dict = field(default_factory=dict)
    cli: list[str] = field(default_factory=list)  # papermill's -p/-f arguments
    source: Path | None = None
    returncode: int = -1
    message: str = ""  # what failed (the executor's message, or the command's stderr)

    @property
    def executed(self) -> nbformat.NotebookNode:
        return nbformat.read(self.output, as_version=4)


def _broken_copy(folder: Path) -> Path:
    """01-ledger with its certainty table cell replaced by one that raises."""
    notebook = nbformat.read(NOTEBOOKS / "01-ledger.ipynb", as_version=4)
    for cell in notebook.cells:
        if "#| label: tbl-certainty" in cell.source:
            cell.source = "#| label: tbl-certainty\n#| tbl-cap: \"Broken.\"\nraise RuntimeError(\"boom in the test\")"
            break
    else:  # pragma: no cover - the notebook changed
        raise AssertionError("01-ledger has no tbl-certainty cell")
    path = folder / "99-broken.ipynb"
    nbformat.write(notebook, path)
    return path


def _in_process(run: Run, kernel_manager_class) -> Run:
    from armsledger.pipeline.execute import execute

    run.message = execute(NOTEBOOKS / f"{run.notebook}.ipynb", run.output, run.parameters,
                          kernel_manager_class=kernel_manager_class)
    run.returncode = 1 if run.message else 0
    return run


def _subprocess(run: Run) -> Run:
    source = run.source or NOTEBOOKS / f"{run.notebook}.ipynb"
    if run.how == "papermill":
        command = [sys.executable, "-m", "papermill", str(source), str(run.output), "--no-progress-bar", *run.cli]
    else:
        command = [sys.executable, "-m", "armsledger.pipeline.execute", str(source), str(run.output),
                   json.dumps(run.parameters)]
    result = subprocess.run(command, capture_output=True, text=True, encoding="utf-8", env=dict(os.environ),
                            timeout=300, cwd=run.out_dir)
    run.returncode, run.message = result.returncode, result.stderr
    return run


@pytest.fixture(scope="session")
def runs(tmp_path_factory, fixture_site) -> dict[str, Run]:
    """Every run outside the builds, executed once: the notebooks' own defaults on the real data and on the
    fixture (the fixture site's data, so that its default edition can be compared byte for byte), the
    papermill command line with -p and -f, and two failures."""
    from armsledger.pipeline import kernels

    base = tmp_path_factory.mktemp("runs")
    plan: dict[str, Run] = {}

    def add(name: str, notebook: str, how: str, parameters: dict | None = None, cli: list[str] | None = None,
            source: Path | None = None) -> None:
        out_dir = base / name
        output = out_dir / "notebooks" / f"{(source.stem if source else notebook)}.ipynb"
        output.parent.mkdir(parents=True, exist_ok=True)
        parameters = dict(parameters or {}, out_dir=str(out_dir))
        cli = [*(cli or []), "-p", "out_dir", str(out_dir)]
        plan[f"{name}/{notebook}"] = Run(name, notebook, output, out_dir, how, parameters, cli, source)

    fixture_data = str(fixture_site.data_dir)
    for notebook in NOTEBOOK_NAMES:
        add("defaults-real", notebook, "execute")  # only out_dir: the notebook's defaults on data/
        add("defaults-fixture", notebook, "execute", {"data_dir": fixture_data})
    add("usd-view", "03-values", "papermill", cli=["-f", str(EDITIONS / "usd-confirmed.yml")])
    add("no-disputes", "01-ledger", "papermill", cli=["-p", "include_disputed", "false", "-p", "data_dir",
                                                      fixture_data])
    add("unknown-name", "03-values", "papermill", cli=["-p", "colour", "red", "-p", "data_dir", fixture_data])
    add("bad-value", "03-values", "papermill", cli=["-p", "include_disputed", "maybe", "-p", "data_dir",
                                                    fixture_data])
    add("bad-parameter", "03-values", "module", {"min_certainty": "certain", "data_dir": fixture_data})
    add("broken", "99-broken", "module", {"data_dir": fixture_data}, source=_broken_copy(base))

    kernels.start()
    try:
        manager = kernels.kernel_manager_class()
        with ThreadPoolExecutor(max_workers=3) as pool:
            futures = [pool.submit(_in_process, run, manager) for run in plan.values() if run.how == "execute"]
            futures += [pool.submit(_subprocess, run) for run in plan.values() if run.how != "execute"]
            for future in futures:
                future.result()
    finally:
        kernels.stop()
    return plan


def group(runs: dict[str, Run], name: str) -> list[Run]:
    chosen = [run for run in runs.values() if run.name == name]
    assert chosen, f"no run named {name}"
    return chosen
