"""Whatever validates, builds: Hypothesis generates valid ledgers (tests/pipeline/ledgers.py) and every
analysis and presentation step the notebooks call runs on them, for every edition's parameters,
in-process (the notebooks' own cells, executed here); a few go through the full build."""

from __future__ import annotations

import copy
import json
import multiprocessing
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
from hypothesis import HealthCheck, given, settings

from armsledger import paths
from armsledger.model.params import edition_names, load_edition
from armsledger.pipeline.config import BuildConfig
from armsledger.pipeline.notebooks import notebook_names
from armsledger.pipeline.runner import run
from armsledger.validate import validate

from .ledgers import ledgers, write_ledger

IN_PROCESS_EXAMPLES = 200
FULL_BUILDS = 5


def _code_cells(name: str) -> list[str]:
    cells = json.loads((paths.NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells
            if c["cell_type"] == "code" and "parameters" not in c.get("metadata", {}).get("tags", [])]


NOTEBOOKS = {name: _code_cells(name) for name in notebook_names(paths.NOTEBOOKS)}
EDITIONS = {name: load_edition(name).params for name in edition_names()}


def run_edition(edition: str, data_dir: Path, out_dir: Path) -> None:
    """Each notebook's cells in a fresh namespace holding the injected parameters, as papermill would."""
    injected = {**EDITIONS[edition].as_dict(), "data_dir": str(data_dir), "out_dir": str(out_dir / edition)}
    for name, cells in NOTEBOOKS.items():
        namespace = dict(injected)
        for number, source in enumerate(cells, start=1):
            try:
                exec(compile(source, f"{name}.ipynb cell {number}", "exec"), namespace)  # noqa: S102
            except Exception as error:
                raise AssertionError(f"[{edition}] {name} cell {number} raised {type(error).__name__}: "
                                     f"{error}\n{source}") from None
        plt.close("all")


def run_notebooks(data_dir: Path, out_dir: Path) -> None:
    """Every edition, two at a time in forked workers (they inherit the fixture's patches)."""
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("fork")) as pool:
        for future in [pool.submit(run_edition, edition, data_dir, out_dir) for edition in EDITIONS]:
            future.result()


@pytest.fixture
def quiet_notebooks(monkeypatch):
    """Figures are built but neither drawn nor encoded as PNG, nothing is displayed, and the ledger
    an edition's notebooks share is loaded once per ledger (each notebook gets its own copy): the
    rest is the build's business, which the full builds below cover."""
    from armsledger.present import figures, notebook

    loaded: dict = {}

    def for_edition(params, reads="all", within_period=False):
        key = (params.data_dir, params.as_of, params.min_certainty, params.include_disputed, params.period_start,
               params.period_end, str(reads), within_period)
        if key not in loaded:
            loaded[key] = real_for_edition(params, reads, within_period)
        return copy.deepcopy(loaded[key])

    real_for_edition = notebook.for_edition
    monkeypatch.setattr(notebook, "for_edition", for_edition)
    monkeypatch.setattr(notebook, "show_figure", lambda fig, params, name, **data: figures.as_chart(fig).close())
    monkeypatch.setattr(notebook, "display", lambda *args, **kwargs: None)


@pytest.mark.slow
@settings(max_examples=IN_PROCESS_EXAMPLES, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(ledger=ledgers())
def test_every_valid_ledger_runs_through_every_notebook_step(ledger, tmp_path_factory, quiet_notebooks):
    folder = write_ledger(ledger, tmp_path_factory.mktemp("ledger") / "data")
    result = validate(folder)
    if not result.ok:
        # Only a hostile value may make it invalid, and only by the rule that guards against it.
        assert {p.rule for p in result.problems} <= ledger["_may_fail"], \
            "the generator made an invalid ledger:\n" + "\n".join(map(str, result.problems))
        return
    run_notebooks(folder, folder.parent / "build")


@pytest.mark.slow
@settings(max_examples=FULL_BUILDS, derandomize=True, deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(ledger=ledgers())
def test_valid_ledgers_build_and_publish(ledger, tmp_path_factory):
    root = tmp_path_factory.mktemp("site")
    write_ledger(ledger, root / "data")
    if not validate(root / "data").ok:
        return  # rejected for a hostile value (the test above holds it to the rules it may break)
    shutil.copytree(paths.EDITIONS, root / "editions")
    config = BuildConfig(editions=list(EDITIONS), renderer="pandoc", jobs=2, data_dir=root / "data",
                         public_dir=root / "public", build_dir=root / "build", editions_dir=root / "editions")
    assert run(config) == 0
    for edition in EDITIONS:
        assert (root / "public" / edition / "index.html").exists()
        assert (root / "public" / edition / "report.pdf").exists()
