"""The notebooks under papermill: every edition on the real data and on the fixture ledger (read from the two
shared builds), the notebooks' own defaults, parameters given on the papermill command line, and failures
that name notebook and cell. On the real data these tests compare with what the model computes
(armsledger.present.headline), never with counts written here."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import nbformat
import pypandoc
import pytest
import yaml

from armsledger.model.ledger import for_edition
from armsledger.model.params import Params, edition_names, load_edition
from armsledger.pipeline import variables
from armsledger.present import headline
from tests.common import NOTEBOOKS
from tests.pipeline.conftest import NOTEBOOK_NAMES, group

pytestmark = pytest.mark.slow

def _labels(notebook: str, kind: str) -> set[str]:
    """The names a notebook's `kind-` cells save under: their labels without the prefix."""
    book = nbformat.read(NOTEBOOKS / f"{notebook}.ipynb", as_version=4)
    return {m.group(1) for cell in book.cells if cell.cell_type == "code"
            for m in re.finditer(rf"^#\| label: {kind}-([a-z0-9-]+)", cell.source, re.M)}


# Every table and figure cell saves its file under its label's name (tbl-x → tables/x.md, fig-x →
# figures/x.png, plus figures/x-narrow.png for a chart with a phone variant).
EXPECTED_TABLES = {name: _labels(name, "tbl") for name in NOTEBOOK_NAMES}
EXPECTED_FIGURES = set().union(*(_labels(name, "fig") for name in NOTEBOOK_NAMES))


def _figures(folder: Path) -> set[str]:
    return {p.stem.removesuffix("-narrow") for p in (folder / "figures").glob("*.png")}
SITES = ["real_site", "fixture_site"]


def _edition(name: str, data_dir: Path) -> Params:
    return Params(**{**load_edition(name).params.as_dict(), "data_dir": str(data_dir)})


def _summary(folder: Path) -> dict:
    return json.loads((folder / "summary.json").read_text(encoding="utf-8"))


def _labelled_outputs(book: nbformat.NotebookNode):
    """(label, outputs) of every table and figure cell."""
    for cell in book.cells:
        match = re.search(r"^#\| label: ((?:fig|tbl)-[a-z0-9-]+)", cell.source, re.M)
        if cell.cell_type == "code" and match:
            yield match.group(1), cell.get("outputs", [])


def _check_executed(book: nbformat.NotebookNode, out_dir: Path, notebook: str) -> None:
    code = [c for c in book.cells if c.cell_type == "code"]
    assert all(c.get("execution_count") for c in code), f"{notebook}: a cell did not run"
    assert not [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    injected = [c for c in code if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1 and f"out_dir = {str(out_dir)!r}" in injected[0].source.replace('"', "'")
    assert (out_dir / "fragments" / f"{notebook}.json").exists()
    assert EXPECTED_TABLES[notebook] <= {p.stem for p in (out_dir / "tables").glob("*.md")}


# --------------------------------------------------------------------------- every edition, both ledgers


@pytest.mark.parametrize("site", SITES)
def test_every_notebook_of_every_edition_runs_top_to_bottom(site, request):
    config = request.getfixturevalue(site)
    assert config.editions == edition_names() == ["as-of-2024-06", "default-2025-02", "latest", "usd-confirmed"]
    for edition in config.editions:
        folder = config.build_dir / edition
        for notebook in NOTEBOOK_NAMES:
            _check_executed(nbformat.read(folder / "notebooks" / f"{notebook}.ipynb", as_version=4), folder,
                            notebook)
        assert _figures(folder) == EXPECTED_FIGURES


@pytest.mark.parametrize("site", SITES)
def test_table_and_figure_cells_have_exactly_one_output(site, request, runs):
    """What Quarto and the built-in renderer embed: one Markdown table or one PNG, never a second output
    such as a returned path (`PosixPath(...)`) or a figure drawn twice."""
    config = request.getfixturevalue(site)
    books = [config.build_dir / e / "notebooks" / f"{n}.ipynb" for e in config.editions for n in NOTEBOOK_NAMES]
    books += [run.output for run in runs.values() if run.how == "execute"]
    for path in books:
        book = nbformat.read(path, as_version=4)
        labelled = dict(_labelled_outputs(book))
        assert labelled, path
        for label, outputs in labelled.items():
            assert len(outputs) == 1, f"{path.name}#{label}: {len(outputs)} outputs"
            kind = "image/png" if label.startswith("fig-") else "text/markdown"
            assert outputs[0]["output_type"] == "display_data" and kind in outputs[0]["data"], f"{path.name}#{label}"
        assert "PosixPath" not in json.dumps([cell.get("outputs", []) for cell in book.cells]), path


@pytest.mark.parametrize("site", SITES)
def test_each_summary_agrees_with_the_models_headline_numbers(site, request):
    """summary.json is what the notebooks computed; headline.edition_numbers computes the same in-process."""
    config = request.getfixturevalue(site)
    for edition in config.editions:
        summary = _summary(config.build_dir / edition)
        assert set(summary) - {"edition"} == set(NOTEBOOK_NAMES)  # and the edition's own block
        numbers = headline.edition_numbers(_edition(edition, config.data_dir))
        ledger, items, values, recon, watch = (summary[n] for n in NOTEBOOK_NAMES)
        assert ledger["records"] == numbers["records"], edition
        assert ledger["by_certainty"] == numbers["records_by_certainty"], edition
        assert ledger["by_table"] == numbers["records_by_table"], edition
        assert (ledger["claims"], ledger["sources"], ledger["independent_lines"]) == (
            numbers["claims"], numbers["sources"], numbers["independent_lines"]), edition
        assert (items["items"], items["undated_items"]) == (numbers["timeline_items"], numbers["timeline_undated"])
        assert values["currency"] == numbers["currency"]
        assert (values["export_records"], values["export_records_undisclosed"]) == (
            numbers["export_records"], numbers["export_records_undisclosed"]), edition
        assert {year: round(y["disclosed_sum"], 2) for year, y in values["by_year"].items()} == \
            numbers["exports_by_year"], edition
        for year, total in values["published_by_year"].items():
            assert round(total["value"], 2) == numbers["published_totals"][total["aggregate_id"]], (edition, year)
        largest = values["largest_contract"]
        assert (None if largest is None else {"record_id": largest["record_id"], "value": round(largest["value"], 2)}
                ) == numbers["largest_contract"], edition
        assert recon["by_status"] == numbers["reconciliation"], edition
        assert recon["contradictions"] == numbers["contradictions"], edition
        gap = recon["largest_gap"]
        assert (None if gap is None else {"aggregate_id": gap["aggregate_id"], "gap": round(gap["gap_display"], 2)}
                ) == numbers["largest_gap"], edition
        assert (watch["procurements"], watch["makers"], watch["incidents"]) == (
            numbers["surveillance_procurements"], numbers["surveillance_makers"], numbers["surveillance_incidents"])


@pytest.mark.parametrize("site", SITES)
def test_fragments_merge_into_display_strings(site, request):
    config = request.getfixturevalue(site)
    for edition in config.editions:
        shown = yaml.safe_load((config.build_dir / edition / "_variables.yml").read_text(encoding="utf-8"))
        assert all(isinstance(v, str) for v in shown.values())
        for key in ("records_total", "timeline_items", "exports_published_2024", "recon_totals", "recon_summary",
                    "surveillance_procurements", "contract_largest_value", "edition_title", "data_version"):
            assert key in shown, (edition, key)
        # Every year of the edition's period has its keys, whatever the data hold.
        for year in load_edition(edition).params.period_years:
            assert f"exports_ledger_{year}" in shown and f"exports_published_{year}" in shown


def test_the_as_of_edition_shows_only_what_was_known_then(real_site):
    """On the real data: the appendix of the as-of edition lists exactly the records visible on its date."""
    params = _edition("as-of-2024-06", real_site.data_dir)
    ledger = for_edition(params)
    rows = (real_site.build_dir / "as-of-2024-06" / "tables" / "records.md").read_text("utf-8").splitlines()[2:]
    listed = {row.split("|")[1].strip() for row in rows}
    assert listed == set(ledger.records["record_id"])
    assert (ledger.records["visible_from"].dt.date <= ledger.as_of).all()


def test_the_usd_confirmed_edition_shows_nothing_below_confirmed(real_site):
    summary = _summary(real_site.build_dir / "usd-confirmed")
    ledger = summary["01-ledger"]
    assert ledger["by_certainty"]["probable"] == ledger["by_certainty"]["possible"] == 0
    assert ledger["by_certainty"]["disputed"] == 0
    assert ledger["by_certainty"]["confirmed"] == ledger["records"]
    assert summary["03-values"]["currency"] == "USD"
    shown = yaml.safe_load((real_site.build_dir / "usd-confirmed" / "_variables.yml").read_text(encoding="utf-8"))
    assert shown["records_probable"] == shown["records_possible"] == shown["records_disputed"] == "0"
    assert shown["currency"] == "USD"
    assert shown["contract_largest_value"].startswith("$") or shown["contract_largest_value"] == (
        "no contract reported yet")
    records = (real_site.build_dir / "usd-confirmed" / "tables" / "records.md").read_text(encoding="utf-8")
    assert "| probable" not in records and "| possible" not in records and "| disputed" not in records


# --------------------------------------------------------------------------- the fixture ledger, exactly


def test_the_fixture_editions_numbers(fixture_site):
    default = _summary(fixture_site.build_dir / "default-2025-02")
    assert default["01-ledger"]["records"] == 35
    assert default["01-ledger"]["independent_lines"] == 9
    assert default["02-timeline"]["items"] == 25
    assert default["03-values"]["by_year"]["2024"]["records"] == 7
    assert default["04-reconciliation"]["gaps"]["small-total-jan-feb"]["status"] == "rows fall short of total"
    assert default["04-reconciliation"]["largest_gap"]["aggregate_id"] == "small-total-feb-apr"
    assert default["05-surveillance"]["israeli_makers"] == ["small-maker"]
    early = _summary(fixture_site.build_dir / "as-of-2024-06")
    assert early["01-ledger"]["records"] == 19
    assert early["03-values"]["largest_contract"] is None  # the deal was announced in October 2024
    assert early["05-surveillance"]["makers"] == []  # the donated kits' maker was named in September 2024
    shown = yaml.safe_load((fixture_site.build_dir / "as-of-2024-06" / "_variables.yml").read_text("utf-8"))
    assert shown["contract_largest_value"] == "no contract reported yet"
    assert shown["exports_published_2025"] == "not yet published"
    usd = _summary(fixture_site.build_dir / "usd-confirmed")
    assert usd["01-ledger"]["by_certainty"] == {"confirmed": 15, "probable": 0, "possible": 0, "disputed": 0}
    assert usd["03-values"]["largest_contract"]["value"] == 100e6  # reported in dollars: no conversion
    assert yaml.safe_load((fixture_site.build_dir / "usd-confirmed" / "_variables.yml").read_text("utf-8"))[
        "contract_largest_value"] == "$100.0 million"


def test_markup_in_the_data_stays_text_in_notebook_tables(fixture_site):
    tables = fixture_site.build_dir / "default-2025-02" / "tables"
    timeline = (tables / "timeline.md").read_text("utf-8")
    assert r"\<script\>" in timeline and "<script>" not in timeline.replace(r"\<script\>", "")
    html = subprocess.run([pypandoc.get_pandoc_path(), "-f", "markdown", "-t", "html", str(tables / "records.md")],
                          capture_output=True, text=True, check=True, encoding="utf-8").stdout
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "@everyone" in html and "citation" in html  # the sources column stays real citations


# --------------------------------------------------------------------------- defaults and the command line


def test_the_notebooks_defaults_run_on_the_real_data(runs):
    """No parameter but out_dir: the latest edition (everything published) on data/."""
    chosen = group(runs, "defaults-real")
    for run in chosen:
        assert run.returncode == 0, f"{run.notebook}: {run.message}"
        _check_executed(run.executed, run.out_dir, run.notebook)
    out_dir = chosen[0].out_dir
    _, summary_path = variables.merge(out_dir)
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    numbers = headline.edition_numbers(Params())
    assert summary["01-ledger"]["records"] == numbers["records"]
    assert summary["04-reconciliation"]["contradictions"] == numbers["contradictions"]
    assert summary["03-values"]["currency"] == "EUR"
    assert _figures(out_dir) == EXPECTED_FIGURES


def test_the_default_edition_equals_the_notebooks_defaults(runs, fixture_site):
    """The defaults are the latest edition; on a ledger with nothing published after the default edition's
    date, they give the same bytes: tables, figures and numbers (two separate executions of the same
    inputs, so this is also the reproducibility check)."""
    for run in group(runs, "defaults-fixture"):
        assert run.returncode == 0, f"{run.notebook}: {run.message}"
        _check_executed(run.executed, run.out_dir, run.notebook)
    first, second = fixture_site.build_dir / "default-2025-02", group(runs, "defaults-fixture")[0].out_dir
    for kind, pattern in (("fragments", "*.json"), ("tables", "*.md"), ("figures", "*.png")):
        a = {p.name: p.read_bytes() for p in sorted((first / kind).glob(pattern))}
        b = {p.name: p.read_bytes() for p in sorted((second / kind).glob(pattern))}
        assert a and a.keys() == b.keys(), kind
        different = [name for name in a if a[name] != b[name]]
        assert not different, f"{kind} differ between the two runs: {different}"
    _, summary = variables.merge(second)
    built = json.loads((first / "summary.json").read_text(encoding="utf-8"))
    built.pop("edition")  # the build adds the edition's parameters, data version and build date
    assert json.loads(summary.read_text(encoding="utf-8")) == built


def test_papermill_reads_an_edition_file_and_shows_its_view(runs):
    """`papermill notebooks/03-values.ipynb out.ipynb -f report/editions/usd-confirmed.yml` gives the
    edition's view: values in US dollars, confirmed records only."""
    run = runs["usd-view/03-values"]
    assert run.returncode == 0, run.message
    outputs = dict(_labelled_outputs(run.executed))
    exports = outputs["tbl-exports-monthly"][0]["data"]["text/markdown"]
    assert "in USD" in exports.splitlines()[0] and "in EUR" not in exports
    assert "| probable" not in exports and "| possible" not in exports
    assert "in USD" in outputs["tbl-contracts"][0]["data"]["text/markdown"].splitlines()[0]
    summary = run.executed.cells[-1].outputs[0]["data"]["text/plain"]
    assert "'currency': 'USD'" in summary
    fragment = json.loads((run.out_dir / "fragments" / "03-values.json").read_text(encoding="utf-8"))
    assert fragment["summary"]["currency"] == "USD"


def test_a_false_on_the_command_line_is_false(runs, fixture_site):
    """`-p include_disputed false`: papermill passes the text "false", the notebook reads False."""
    run = runs["no-disputes/01-ledger"]
    assert run.returncode == 0, run.message
    injected = next(c for c in run.executed.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert 'include_disputed = "false"' in injected.source
    counts = json.loads((run.out_dir / "fragments" / "01-ledger.json").read_text(encoding="utf-8"))["summary"]
    assert counts["by_certainty"]["disputed"] == 0
    with_disputes = _summary(fixture_site.build_dir / "default-2025-02")["01-ledger"]
    assert with_disputes["by_certainty"]["disputed"] > 0  # the fixture has a disputed record to leave out
    assert counts["records"] == len(for_edition(Params(data_dir=str(fixture_site.data_dir),
                                                       include_disputed=False)).records)


@pytest.mark.parametrize(("name", "message"), [
    ("unknown-name", "unknown parameter(s): colour; known: title, description, as_of"),
    ("bad-value", "parameter include_disputed: expected true or false, got 'maybe'"),
])
def test_a_bad_parameter_on_the_command_line_fails_naming_it(runs, name, message):
    run = runs[f"{name}/03-values"]
    assert run.returncode != 0
    assert message in run.message
    errors = [o for c in run.executed.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert len(errors) == 1 and errors[0]["ename"] == "ParameterError" and message in errors[0]["evalue"]
    assert not (run.out_dir / "fragments").exists()


def test_a_bad_parameter_names_notebook_and_cell(runs):
    run = runs["bad-parameter/03-values"]
    assert run.returncode == 1
    cells = nbformat.read(NOTEBOOKS / "03-values.ipynb", as_version=4).cells
    setup = next(i for i, c in enumerate(cells) if "notebook.setup(globals()" in c.source)
    first = cells[setup].source.splitlines()[0]
    assert f"notebook 03-values.ipynb failed in cell {setup + 1} of {len(cells)}, In [" in run.message
    assert f"]: {first}" in run.message
    assert ("ParameterError: parameter min_certainty: must be one of confirmed, probable, possible, "
            "got 'certain'") in run.message
    assert not (run.out_dir / "fragments").exists()


def test_a_failing_cell_names_notebook_and_cell(runs):
    run = runs["broken/99-broken"]
    assert run.returncode == 1
    message = run.message
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
    failing = [c for c in run.executed.cells if c.get("execution_count") == exec_count]
    assert len(failing) == 1 and "boom in the test" in failing[0].source
    assert any(o.get("output_type") == "error" for o in failing[0].outputs)


def test_a_kernel_forked_from_the_template_is_a_fresh_kernel_with_the_imports_done(tmp_path, monkeypatch):
    from armsledger.pipeline import kernels
    from armsledger.pipeline.execute import execute

    monkeypatch.setenv("ARMSLEDGER_KERNEL_TEST", "from the parent")
    source = tmp_path / "probe.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import os, sys\nx = globals().get('x', 0) + 1\n"
        "print(os.getcwd(), os.environ['ARMSLEDGER_KERNEL_TEST'], 'armsledger.present.charts' in sys.modules, x, "
        "os.getpid())"
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
