"""Papermill runs of the five notebooks: defaults, editions, the small fixture ledger, reproducibility, failures."""

from __future__ import annotations

import difflib
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import nbformat
import pypandoc
import pytest
import yaml
from papermill.exceptions import PapermillExecutionError

from armsledger import paths, variables
from armsledger.execute import failure_message
from armsledger.params import Params, edition_names, load_edition

slow = pytest.mark.slow

NOTEBOOKS = ("01-ledger", "02-timeline", "03-values", "04-reconciliation", "05-surveillance")
SMALL = paths.FIXTURES / "ledger_small"
EXPECTED_TABLES = {
    "01-ledger": {"ledger-rows", "sources", "certainty", "records"},
    "02-timeline": {"timeline"},
    "03-values": {"exports-monthly", "exports-yearly", "exports-exporter", "contracts", "delivery-schedule"},
    "04-reconciliation": {"reconciliation", "contradictions"},
    "05-surveillance": {"surveillance-procurements", "surveillance-events"},
}
EXPECTED_FIGURES = {"coverage", "timeline", "exports-monthly", "reconciliation", "surveillance"}


@dataclass
class Run:
    name: str
    notebook: str
    source: Path
    output: Path
    out_dir: Path
    parameters: dict
    returncode: int = -1
    stderr: str = ""


def _execute(run: Run) -> Run:
    """One notebook, one process (as the build does), through armsledger.execute.run."""
    result = subprocess.run(
        [sys.executable, "-m", "armsledger.execute", str(run.source), str(run.output), json.dumps(run.parameters)],
        capture_output=True, text=True, encoding="utf-8", env=dict(os.environ), timeout=300,
    )
    run.returncode, run.stderr = result.returncode, result.stderr
    return run


def _broken_copy(folder: Path) -> Path:
    """01-ledger with its certainty table cell replaced by one that raises."""
    notebook = nbformat.read(paths.NOTEBOOKS / "01-ledger.ipynb", as_version=4)
    for cell in notebook.cells:
        if "#| label: tbl-certainty" in cell.source:
            cell.source = "#| label: tbl-certainty\n#| tbl-cap: \"Broken.\"\nraise RuntimeError(\"boom in the test\")"
            break
    else:  # pragma: no cover - the notebook changed
        raise AssertionError("01-ledger has no tbl-certainty cell")
    path = folder / "99-broken.ipynb"
    nbformat.write(notebook, path)
    return path


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[tuple[str, str], Run]:
    """Every run the tests below look at, executed in parallel once per module."""
    base = tmp_path_factory.mktemp("notebooks")
    plan: dict[tuple[str, str], Run] = {}

    def add(name: str, notebook: str, parameters: dict, source: Path | None = None) -> None:
        out_dir = base / name
        params = dict(parameters, out_dir=str(out_dir))
        source = source or paths.NOTEBOOKS / f"{notebook}.ipynb"
        plan[(name, notebook)] = Run(name, notebook, source, out_dir / f"{source.stem}.ipynb", out_dir, params)

    for notebook in NOTEBOOKS:
        add("defaults", notebook, {})  # only out_dir: the notebook's own defaults on the real data
        add("small", notebook, {"data_dir": str(SMALL)})
        for edition in edition_names():
            add(f"edition-{edition}", notebook, load_edition(edition).params.as_dict())
        add("edition-usd-confirmed-again", notebook, load_edition("usd-confirmed").params.as_dict())
    add("broken", "99-broken", {}, source=_broken_copy(base))
    add("bad-parameter", "03-values", {"min_certainty": "certain"})

    workers = max(2, (os.cpu_count() or 2) + 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(_execute, plan.values()))
    return plan


def _succeeded(runs, name: str) -> list[Run]:
    chosen = [r for (n, _), r in runs.items() if n == name]
    assert len(chosen) == len(NOTEBOOKS)
    for run in chosen:
        assert run.returncode == 0, f"{run.name}/{run.notebook} failed:\n{run.stderr}"
    return chosen


def _summary(runs, name: str) -> dict:
    _succeeded(runs, name)
    out_dir = next(r.out_dir for (n, _), r in runs.items() if n == name)
    _, summary_path = variables.merge(out_dir)
    return json.loads(summary_path.read_text(encoding="utf-8"))


def _variables(runs, name: str) -> dict:
    out_dir = next(r.out_dir for (n, _), r in runs.items() if n == name)
    var_path, _ = variables.merge(out_dir)
    return yaml.safe_load(var_path.read_text(encoding="utf-8"))


RUN_NAMES = ["defaults", "small", *(f"edition-{e}" for e in edition_names())]


def test_the_editions_are_the_expected_ones():
    assert edition_names() == ["as-of-2024-06", "default", "usd-confirmed"]
    assert load_edition("default").params == Params()  # the notebooks' defaults are the default edition


@slow
@pytest.mark.parametrize("name", RUN_NAMES)
def test_every_notebook_runs_top_to_bottom(runs, name):
    for run in _succeeded(runs, name):
        executed = nbformat.read(run.output, as_version=4)
        code = [c for c in executed.cells if c.cell_type == "code"]
        assert all(c.get("execution_count") for c in code), f"{run.notebook}: a cell did not run"
        errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors
        injected = [c for c in code if "injected-parameters" in c.metadata.get("tags", [])]
        assert len(injected) == 1 and f"out_dir = {str(run.out_dir)!r}" in injected[0].source.replace('"', "'")
        assert (run.out_dir / "fragments" / f"{run.notebook}.json").exists()
        tables = {p.stem for p in (run.out_dir / "tables").glob("*.md")}
        assert EXPECTED_TABLES[run.notebook] <= tables
    figures = {p.stem for p in (runs[(name, "01-ledger")].out_dir / "figures").glob("*.png")}
    assert figures == EXPECTED_FIGURES


@slow
@pytest.mark.parametrize("name", RUN_NAMES)
def test_fragments_merge_without_clashes(runs, name):
    _succeeded(runs, name)
    values = _variables(runs, name)
    assert all(isinstance(v, str) for v in values.values())
    for key in ("records_total", "timeline_items", "exports_published_2024", "recon_totals",
                "surveillance_procurements", "contract_largest_value"):
        assert key in values


@slow
def test_defaults_on_the_real_data(runs):
    summary = _summary(runs, "defaults")
    assert summary["01-ledger"]["records"] == 56
    assert summary["01-ledger"]["by_certainty"] == {"confirmed": 12, "probable": 31, "possible": 13, "disputed": 0}
    assert summary["02-timeline"]["items"] == 40
    assert summary["03-values"]["by_year"]["2023"]["disclosed_sum"] == 1_320_120.0
    gap = summary["04-reconciliation"]["gaps"]["agg-2024-feb-mar-may-arms-exports-eur"]
    assert 1.1e6 <= gap["gap"] <= 1.3e6 and gap["months_without_rows"] == ["2024-05"]
    assert summary["04-reconciliation"]["contradictions"] == 4
    assert summary["05-surveillance"]["israeli_makers"] == ["cellebrite", "circles"]
    shown = _variables(runs, "defaults")
    assert shown["records_total"] == "56"
    assert shown["exports_published_2024"] == "€42.3 million"
    assert shown["contract_largest_value"] == "€323.6 million"


@slow
def test_default_edition_equals_the_notebook_defaults(runs):
    _succeeded(runs, "defaults")
    _succeeded(runs, "edition-default")
    _assert_same_outputs(runs[("defaults", "01-ledger")].out_dir, runs[("edition-default", "01-ledger")].out_dir)


def _assert_same_outputs(first: Path, second: Path) -> None:
    for kind, pattern in (("fragments", "*.json"), ("tables", "*.md"), ("figures", "*.png")):
        a = {p.name: p.read_bytes() for p in sorted((first / kind).glob(pattern))}
        b = {p.name: p.read_bytes() for p in sorted((second / kind).glob(pattern))}
        assert a and a.keys() == b.keys()
        different = [name for name in a if a[name] != b[name]]
        if different and kind != "figures":
            name = different[0]
            diff = difflib.unified_diff(a[name].decode().splitlines(), b[name].decode().splitlines(), lineterm="")
            raise AssertionError(f"{kind}/{name} differs between two runs:\n" + "\n".join(list(diff)[:40]))
        assert not different, f"{kind} differ between two runs: {different}"


@slow
def test_as_of_edition_shows_only_what_was_known(runs):
    summary = _summary(runs, "edition-as-of-2024-06")
    assert summary["01-ledger"]["records"] == 22
    assert summary["03-values"]["published_by_year"] == {}  # the 2023 and 2024 totals came out in 2025
    assert summary["03-values"]["largest_contract"] is None  # the Elbit deal was announced in November 2024
    assert "agg-2024-arms-exports-eur" not in summary["04-reconciliation"]["gaps"]
    assert summary["04-reconciliation"]["contradictions"] == 0
    shown = _variables(runs, "edition-as-of-2024-06")
    assert shown["exports_published_2024"] == "not yet published"
    assert shown["contract_largest_value"] == "no contract reported yet"
    records = (runs[("edition-as-of-2024-06", "01-ledger")].out_dir / "tables" / "records.md").read_text("utf-8")
    assert "elbit-puls-hermes-2024" not in records and "yi-israel-2024-03" in records


@slow
def test_usd_confirmed_edition_shows_nothing_below_confirmed(runs):
    summary = _summary(runs, "edition-usd-confirmed")
    ledger = summary["01-ledger"]
    assert ledger["by_certainty"]["probable"] == 0
    assert ledger["by_certainty"]["possible"] == 0
    assert ledger["by_certainty"]["disputed"] == 0
    assert ledger["by_certainty"]["confirmed"] == ledger["records"] == 12
    values = summary["03-values"]
    assert values["currency"] == "USD"
    assert values["largest_contract"]["value"] == 335e6  # reported in dollars: no conversion
    shown = _variables(runs, "edition-usd-confirmed")
    assert shown["contract_largest_value"] == "$335.0 million"
    assert shown["records_probable"] == shown["records_possible"] == shown["records_disputed"] == "0"
    certainty = (runs[("edition-usd-confirmed", "01-ledger")].out_dir / "tables" / "records.md").read_text("utf-8")
    assert "| probable" not in certainty and "| possible" not in certainty and "| disputed" not in certainty


@slow
def test_small_fixture_ledger(runs):
    summary = _summary(runs, "small")
    assert summary["01-ledger"]["records"] == 17
    assert summary["01-ledger"]["independent_lines"] == 6
    assert summary["03-values"]["by_year"]["2024"]["records"] == 6
    assert summary["04-reconciliation"]["gaps"]["small-total-jan-feb"]["status"] == "rows fall short of total"
    assert summary["05-surveillance"]["israeli_makers"] == ["small-maker"]


@slow
def test_markup_in_the_data_stays_text_in_notebook_tables(runs):
    _succeeded(runs, "small")
    table = (runs[("small", "02-timeline")].out_dir / "tables" / "timeline.md").read_text("utf-8")
    assert r"\<script\>" in table and "<script>" not in table.replace(r"\<script\>", "")
    records = runs[("small", "01-ledger")].out_dir / "tables" / "records.md"
    html = subprocess.run([pypandoc.get_pandoc_path(), "-f", "markdown", "-t", "html", str(records)],
                          capture_output=True, text=True, check=True, encoding="utf-8").stdout
    assert "<script" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "@everyone" in html and "citation" in html  # the sources column stays real citations


@slow
def test_two_runs_of_one_edition_are_identical(runs):
    first = _succeeded(runs, "edition-usd-confirmed")[0].out_dir
    second = _succeeded(runs, "edition-usd-confirmed-again")[0].out_dir
    _assert_same_outputs(first, second)
    assert variables.merge(first)[1].read_bytes() == variables.merge(second)[1].read_bytes()


@slow
def test_a_failing_cell_names_notebook_and_cell(runs):
    run = runs[("broken", "99-broken")]
    assert run.returncode == 1
    message = run.stderr
    assert "notebook 99-broken.ipynb failed in cell" in message
    assert "(tbl-certainty)" in message
    assert "RuntimeError: boom in the test" in message
    assert str(run.output) in message
    # The number counts cells of the notebook as written, from 1 ...
    number, total = (int(n) for n in message.split("failed in cell ")[1].split(" (")[0].split(" of "))
    written = nbformat.read(run.source, as_version=4).cells
    assert total == len(written)
    assert "boom in the test" in written[number - 1].source
    # ... and In [n] finds it in the executed copy that is kept for reading.
    exec_count = int(message.split("In [")[1].split("]")[0])
    executed = nbformat.read(run.output, as_version=4)
    failing = [c for c in executed.cells if c.get("execution_count") == exec_count]
    assert len(failing) == 1 and "boom in the test" in failing[0].source
    assert any(o.get("output_type") == "error" for o in failing[0].outputs)


@slow
def test_a_bad_parameter_names_notebook_and_cell(runs):
    run = runs[("bad-parameter", "03-values")]
    assert run.returncode == 1
    assert "notebook 03-values.ipynb failed in cell" in run.stderr
    assert "ValueError: min_certainty must be one of confirmed, probable, possible, got 'certain'" in run.stderr
    assert "failed in cell 3 of 10, In [3]: from armsledger.params import Params" in run.stderr
    assert not (run.out_dir / "fragments").exists()


def _error(cell_index: int, source: str) -> PapermillExecutionError:
    return PapermillExecutionError(cell_index=cell_index, exec_count=7, source=source, ename="KeyError",
                                   evalue="'domain'", traceback=[])


def test_failure_message_counts_cells_as_written():
    notebook = paths.NOTEBOOKS / "03-values.ipynb"
    cells = nbformat.read(notebook, as_version=4).cells
    position = next(i for i, c in enumerate(cells) if "#| label: tbl-contracts" in c.source)
    message = failure_message(notebook, Path("build/x/03-values.ipynb"), _error(position + 1, cells[position].source))
    first = next(line for line in cells[position].source.splitlines() if not line.startswith("#|"))
    assert message.splitlines() == [
        f"notebook 03-values.ipynb failed in cell {position + 1} of {len(cells)} (tbl-contracts), In [7]: {first}",
        "  KeyError: 'domain'",
        "  the executed notebook with the traceback is kept at build/x/03-values.ipynb",
    ]


def test_failure_message_for_a_cell_not_in_the_notebook(tmp_path):
    # e.g. the parameters cell papermill injects
    message = failure_message(paths.NOTEBOOKS / "03-values.ipynb", tmp_path / "o.ipynb",
                              _error(2, 'currency = "XXX"'))
    assert message.startswith('notebook 03-values.ipynb failed in cell 2 of the executed notebook, In [7]: currency')
    missing = failure_message(tmp_path / "gone.ipynb", tmp_path / "o.ipynb", _error(4, "x = 1"))
    assert missing.startswith("notebook gone.ipynb failed in cell 4 of the executed notebook")


@slow
def test_a_kernel_forked_from_the_template_is_a_fresh_kernel_with_the_imports_done(tmp_path, monkeypatch):
    from armsledger import kernels
    from armsledger.execute import execute

    monkeypatch.setenv("ARMSLEDGER_KERNEL_TEST", "from the parent")
    source = tmp_path / "probe.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os, sys\nx = globals().get('x', 0) + 1\n"
        "print(os.getcwd(), os.environ['ARMSLEDGER_KERNEL_TEST'], 'armsledger.charts' in sys.modules, x, os.getpid())"
    )]), source)
    kernels.start()
    try:
        printed = []
        for run in ("first", "second"):
            output = tmp_path / run / "probe.ipynb"
            assert execute(source, output, {}, kernel_manager_class=kernels.kernel_manager_class()) == ""
            text = "".join(nbformat.read(output, as_version=4).cells[0].outputs[0]["text"])
            printed.append(text.split())
    finally:
        kernels.stop()
    for run, (cwd, *env, preloaded, x, _) in zip(("first", "second"), printed, strict=True):
        assert cwd == str(tmp_path / run)  # started in the output's folder, as papermill's cwd would
        assert " ".join(env) == "from the parent" and preloaded == "True" and x == "1"
    assert printed[0][-1] != printed[1][-1]  # two processes
