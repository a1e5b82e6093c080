"""The parts of armsledger.pipeline that run without executing a notebook: the notebooks' declared reads,
the DAG's inputs and variables, publishing, the bibliography, failure messages, the published-file checks,
the data dictionary and the command line around them. (Papermill runs and builds: tests/pipeline.)"""

from __future__ import annotations

import json
import subprocess
import zipfile
from pathlib import Path

import nbformat
import pypandoc
import pytest
from papermill.exceptions import PapermillExecutionError

from armsledger import cli, paths
from armsledger.model import schema as schema_module
from armsledger.model.ledger import read_tables
from armsledger.model.params import load_edition
from armsledger.pipeline import dag, datadict, notebooks, publish, references, runner
from armsledger.pipeline.checks import expected_figures, pdf_problems
from armsledger.pipeline.config import BuildConfig
from armsledger.pipeline.execute import failure_message
from tests.common import NOTEBOOKS, SMALL, copy_ledger

NOTEBOOK_NAMES = ["01-ledger", "02-timeline", "03-values", "04-reconciliation", "05-surveillance"]


# --------------------------------------------------------------------------- what each notebook reads


def test_the_notebooks_and_what_they_read():
    """The notebook's own `notebook.setup(reads=...)` says which record tables it reads: the build re-executes
    it only when one of them changes (this replaces a hand-kept table of notebooks and tables)."""
    assert notebooks.notebook_names(NOTEBOOKS) == NOTEBOOK_NAMES
    read = {name: notebooks.reads(NOTEBOOKS / f"{name}.ipynb") for name in NOTEBOOK_NAMES}
    assert read == {
        "01-ledger": "all",
        "02-timeline": ("contracts", "transfers", "flights", "events"),
        "03-values": ("contracts", "transfers", "aggregates"),
        "04-reconciliation": "all",
        "05-surveillance": ("contracts", "events"),
    }
    record_tables = set(schema_module.load(SMALL).record_names)
    for tables in read.values():
        assert tables == schema_module.ALL_RECORD_TABLES or set(tables) <= record_tables


def test_reads_is_parsed_from_the_setup_call(tmp_path):
    def write(source: str) -> Path:
        path = tmp_path / "99-x.ipynb"
        nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# x"),
                                                       nbformat.v4.new_code_cell("x = (")]
                                                + [nbformat.v4.new_code_cell(source)]), path)
        return path

    assert notebooks.reads(write("params, ledger = notebook.setup(globals(), reads=['flights'])")) == ("flights",)
    path = write("params, ledger = notebook.setup(globals(), within_period=True)")
    assert notebooks.reads(path) == "all"
    with pytest.raises(ValueError, match="no notebook.setup"):
        notebooks.reads(write("print('no setup here')"))
    assert notebooks.notebook_names(tmp_path) == ["99-x"]
    (tmp_path / "scratch.ipynb").write_text("{}", encoding="utf-8")
    assert notebooks.notebook_names(tmp_path) == ["99-x"]  # NN-name only


# --------------------------------------------------------------------------- the DAG


@pytest.fixture
def config(tmp_path) -> BuildConfig:
    return BuildConfig(editions=["default-2025-02", "usd-confirmed"], renderer="pandoc", data_dir=SMALL,
                       build_dir=tmp_path / "build", public_dir=tmp_path / "public")


def test_a_notebook_depends_on_the_tables_it_reads(config):
    inputs = dag.notebook_inputs(config, "03-values")
    assert inputs[0] == NOTEBOOKS / "03-values.ipynb"
    data = {p.name for p in inputs if p.parent == SMALL}
    assert data == {"datapackage.json", "sources.csv", "entities.csv", "claims.csv", "categories.csv",
                    "contracts.csv", "transfers.csv", "aggregates.csv"}
    code = {p.relative_to(dag.PACKAGE).parts[0] for p in inputs if dag.PACKAGE in p.parents}
    assert code == {"model", "validate", "analysis", "present", "paths.py"}
    everything = {p.name for p in dag.notebook_inputs(config, "01-ledger") if p.parent == SMALL}
    assert {"flights.csv", "events.csv", "contract_lines.csv"} <= everything


def test_the_tasks_of_a_build(config):
    names = [task["name"] for task in dag.tasks(config, "pandoc")]
    for edition in config.editions:
        assert [n for n in names if n.startswith(f"execute:{edition}:")] == [
            f"execute:{edition}:{n}" for n in NOTEBOOK_NAMES]
        for step in ("variables", "references", "render", "publish"):
            assert f"{step}:{edition}" in names
    assert names[-1] == "index"
    execute = next(t for t in dag.tasks(config, "pandoc") if t["name"] == "execute:default-2025-02:02-timeline")
    assert str(SMALL / "flights.csv") in execute["file_dep"]
    assert str(SMALL / "aggregates.csv") not in execute["file_dep"]
    assert str(paths.EDITIONS / "default-2025-02.yml") in execute["file_dep"]


def test_the_edition_data_are_written_while_the_later_notebooks_run(config):
    """doit starts ready steps in the order listed: the data step comes after one notebook per worker,
    so that it and the FtM export after it overlap the remaining notebooks."""
    names = [task["name"] for task in dag.tasks(config, "pandoc")]
    edition = config.editions[0]
    data = names.index(f"data:{edition}")
    executions = [names.index(f"execute:{edition}:{n}") for n in NOTEBOOK_NAMES]
    assert sum(position < data for position in executions) == dag.EXECUTED_BEFORE_DATA
    assert names.index(f"ftm:{edition}") == data + 1  # the longest step that reads only the data


def test_a_step_in_a_child_process_reports_its_failure_with_the_traceback(tmp_path):
    from armsledger.pipeline import child

    with pytest.raises(child.StepFailed, match=r"(?s)exited with 1.*FileNotFoundError.*nowhere"):
        child.run("ftm", str(tmp_path / "nowhere"))  # no such edition folder
    with pytest.raises(KeyError, match="no step"):
        child.run("no-such-step")


def test_what_a_child_step_writes_to_stderr_is_passed_on(monkeypatch, capsys):
    from armsledger.pipeline import child

    monkeypatch.setattr(child, "run", lambda step, *args: "UserWarning: the ledger cache was not written\n")
    assert dag._in_child("ftm", "somewhere")
    assert "the ledger cache was not written" in capsys.readouterr().err


def test_edition_variables(config, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735689600")
    shown = dag.edition_variables(config, load_edition("usd-confirmed"), "pandoc")
    cite_this = shown.pop("cite_this")
    version = schema_module.data_version(SMALL)[:12]
    assert "Confirmed records, in US dollars" in cite_this and version in cite_this and "2025-01-01" in cite_this
    assert shown == {
        "edition_name": "usd-confirmed", "edition_title": "Confirmed records, in US dollars",
        "edition_description": load_edition("usd-confirmed").description,
        "as_of": "", "as_of_shown": "none (everything published)", "currency": "USD", "min_certainty": "confirmed",
        "include_disputed": "left out",
        "period": "Jan 2023 to Dec 2028", "build_date": "2025-01-01", "renderer": "pandoc",
        "data_version": schema_module.data_version(SMALL)[:12],
    }


def test_invalid_data_stops_the_build_before_any_step(make_ledger, tmp_path):
    data = make_ledger("bad/type")
    problems = runner.validate_step(BuildConfig(editions=["default-2025-02"], data_dir=data))
    assert problems == ['data/transfers.csv:2:amount: type: must be a number, got "14m"']
    clean = copy_ledger(SMALL, tmp_path / "ok")
    assert runner.validate_step(BuildConfig(editions=["default-2025-02"], data_dir=clean)) == []


# --------------------------------------------------------------------------- publishing


def test_the_data_package_is_the_same_bytes_for_the_same_data(tmp_path):
    data = copy_ledger(SMALL, tmp_path / "data")
    (data / "README.md").write_text("# dictionary\n", encoding="utf-8")
    publish.data_package_zip(data, tmp_path / "a.zip")
    publish.data_package_zip(data, tmp_path / "b.zip")
    assert (tmp_path / "a.zip").read_bytes() == (tmp_path / "b.zip").read_bytes()
    with zipfile.ZipFile(tmp_path / "a.zip") as archive:
        names = archive.namelist()
        assert names[0] == "datapackage.json"  # at the root, where data-package tools look
        assert set(names) == {p.name for p in schema_module.data_files(data)} | {"README.md"}
        assert archive.read("claims.csv") == (data / "claims.csv").read_bytes()


def test_interrupted_publish_is_recovered(tmp_path):
    public = tmp_path / "public"
    (public / ".default.old").mkdir(parents=True)
    (public / ".default.old" / "index.html").write_text("previous", encoding="utf-8")
    (public / ".default.tmpabc").mkdir()
    publish.recover(public, "default")
    assert (public / "default" / "index.html").read_text(encoding="utf-8") == "previous"
    assert not (public / ".default.tmpabc").exists()
    (public / ".default.old").mkdir()
    publish.recover(public, "default")  # a finished publish left its old copy: dropped
    assert not (public / ".default.old").exists() and (public / "default").exists()


def test_the_index_lists_each_published_edition(tmp_path, config):
    for name in ("latest", "usd-confirmed", "odd<b>", ".latest.tmp1"):
        (config.public_dir / name).mkdir(parents=True)
    html = publish.write_index(config).read_text(encoding="utf-8")
    assert '<a href="latest/index.html">Latest edition</a>' in html
    assert 'href="usd-confirmed/report.pdf"' in html and 'href="usd-confirmed/data/armsledger-data.zip"' in html
    assert ">odd&lt;b&gt;</a>" in html and "odd<b>" not in html  # a folder with no edition file: its name
    assert ".latest.tmp1" not in html


# --------------------------------------------------------------------------- bibliography


@pytest.fixture(scope="module")
def sources():
    return read_tables(SMALL, only=set())["sources"]


@pytest.fixture(scope="module")
def csl(sources) -> dict[str, dict]:
    return {item["id"]: item for item in references.csl_items(sources)}


def test_csl_items(csl, sources):
    assert len(csl) == len(sources) == 15
    assert list(csl) == sorted(csl)
    echo = csl["small-rep-1"]
    assert echo["type"] == "article-newspaper"
    assert echo["author"] == [{"literal": "Fixture Echo One"}]
    assert echo["issued"] == {"date-parts": [[2024, 4, 3]]}  # day precision
    assert echo["note"] == "Republishes or summarises: Fictional investigation of exports"
    assert echo["title"] == '<span class="nocase">Fictional republication one</span>'
    assert csl["small-weak"]["issued"] == {"date-parts": [[2024, 6]]}  # month precision
    assert csl["small-ngo"]["type"] == "report"
    assert csl["small-official"]["type"] == "webpage" and csl["small-company"]["type"] == "webpage"
    assert csl["small-blog"]["type"] == "post-weblog"


def test_csl_dates_are_never_more_precise_than_known(csl):
    uncertain = csl["small-indep"]  # "2024-05?"
    assert uncertain["issued"] == {"date-parts": [[2024, 5]], "circa": True}
    assert "inferred from the page's context" in uncertain["note"]
    undated = csl["small-blog"]  # "../2024-12-31"
    assert "issued" not in undated and "EDTF ../2024-12-31" in undated["note"]
    assert "URL" not in csl["small-nourl"]  # known only through a republication
    assert references._issued("2024-03%") == {"date-parts": [[2024, 3]], "circa": True}
    assert references._issued("2024-XX") == {"date-parts": [[2024]]}
    assert references._issued("2025") == {"date-parts": [[2025]]}
    assert references._issued("2024-01/2024-06") is None


def test_an_original_not_read_names_the_outlets_it_is_known_through(csl, sources):
    assert csl["small-nourl"]["note"] == "Original not read; known through Fixture Echo Six"
    assert "note" not in csl["small-orig"]  # read: it has an address
    # Relays of relays count; an edition's bibliography names only the relays it holds.
    assert references.known_through(sources)["small-orig"] == [
        "Fixture Echo Five", "Fixture Echo Four", "Fixture Echo One", "Fixture Echo Three", "Fixture Echo Two"]
    alone = references.csl_items(sources[sources["source_id"] == "small-nourl"])
    assert alone[0]["note"] == "Original not read"


def test_csl_urls_show_non_latin_paths_as_text(csl):
    assert csl["small-rep-6"]["URL"] == "https://example.org/ارتفاع-small"
    assert references._readable_url("https://example.org/a%20b") == "https://example.org/a%20b"
    assert references._readable_url("https://example.org/%FF") == "https://example.org/%FF"


def test_bibliography_works_with_citeproc(sources, tmp_path):
    path = references.write(sources, tmp_path / "sub" / "references.json")
    assert json.loads(path.read_text(encoding="utf-8"))[0]["id"] == "small-blog"
    result = subprocess.run(
        [pypandoc.get_pandoc_path(), "--citeproc", "--bibliography", str(path), "-t", "plain"],
        input="See [@small-rep-1; @small-blog].\n", capture_output=True, text=True, check=True, encoding="utf-8")
    assert "(Fixture Echo One 2024; Fixture Blog, n.d.)" in " ".join(result.stdout.split())
    assert "WARNING" not in result.stderr


def test_script_in_a_title_stays_text_in_the_bibliography(sources, tmp_path):
    path = references.write(sources, tmp_path / "references.json")
    result = subprocess.run(
        [pypandoc.get_pandoc_path(), "--citeproc", "--bibliography", str(path), "-t", "html"],
        input="See [@small-ngo].\n", capture_output=True, text=True, check=True, encoding="utf-8")
    assert "<script" not in result.stdout.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result.stdout.lower()  # citeproc title-cases it


# --------------------------------------------------------------------------- failure messages


def _error(cell_index: int, source: str) -> PapermillExecutionError:
    return PapermillExecutionError(cell_index=cell_index, exec_count=7, source=source, ename="KeyError",
                                   evalue="'domain'", traceback=[])


def test_failure_message_counts_cells_as_written():
    notebook = NOTEBOOKS / "03-values.ipynb"
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
    message = failure_message(NOTEBOOKS / "03-values.ipynb", tmp_path / "o.ipynb", _error(2, 'currency = "XXX"'))
    assert message.startswith('notebook 03-values.ipynb failed in cell 2 of the executed notebook, In [7]: currency')
    missing = failure_message(tmp_path / "gone.ipynb", tmp_path / "o.ipynb", _error(4, "x = 1"))
    assert missing.startswith("notebook gone.ipynb failed in cell 4 of the executed notebook")


# --------------------------------------------------------------------------- checks on published files


def test_pdf_check_catches_a_letter_size_pdf_without_figures(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.write(tmp_path / "letter.pdf")
    problems = pdf_problems(tmp_path / "letter.pdf", figures=5)
    assert any("only 1 page" in p for p in problems)
    assert any("not A4" in p for p in problems)
    assert any("0 image(s)" in p for p in problems)


def test_expected_figures_counts_the_embedded_fig_labels(tmp_path):
    (tmp_path / "index.qmd").write_text("{{< embed notebooks/01-a.ipynb#fig-a >}}\n"
                                        "{{< embed notebooks/01-a.ipynb#tbl-b >}}\n"
                                        "{{< embed notebooks/02-b.ipynb#fig-c >}}\n", encoding="utf-8")
    assert expected_figures(tmp_path / "index.qmd") == 2
    real = (paths.REPORT / "index.qmd").read_text(encoding="utf-8")
    assert expected_figures(paths.REPORT / "index.qmd") == real.count("ipynb#fig-")


# --------------------------------------------------------------------------- data dictionary


def test_the_data_dictionary_is_generated_from_the_schema(tmp_path, capsys):
    data = copy_ledger(SMALL, tmp_path / "data")
    text = datadict.render(data)
    assert text.startswith("<!-- Generated by `armsledger datadict` from datapackage.json. Do not edit by hand. -->")
    for table in schema_module.load(data).tables:
        assert f"## `{table.name}`" in text and f"Role: `{table.role}`" in text
    assert "Placed in time by: `signed`, `announced`, `delivery`." in text
    assert "| `entity_ids` | string | required | kind `id_list` of entities, claimable |" in text
    assert all(f"- `{kind}`: " in text for kind in schema_module.KINDS)
    assert cli.main(["datadict", "--data", str(data), "--check"]) == 1
    assert "README.md is stale: run `armsledger datadict`" in capsys.readouterr().err
    assert cli.main(["datadict", "--data", str(data)]) == 0
    assert (data / "README.md").read_text(encoding="utf-8") == text
    assert cli.main(["datadict", "--data", str(data), "--check"]) == 0
    assert capsys.readouterr().out.endswith("README.md is up to date\n")


# --------------------------------------------------------------------------- the build command


def test_dry_run_checks_the_steps_of_the_renderer_that_would_run(monkeypatch, capsys):
    """With Quarto on PATH, `--dry-run` must not report every pandoc render step as stale."""
    from types import SimpleNamespace

    from armsledger import render

    seen = {}
    monkeypatch.setattr(render, "get_renderer", lambda name: SimpleNamespace(name="quarto"))
    monkeypatch.setattr(runner, "stale", lambda cfg, renderer_name: seen.setdefault("renderer", renderer_name) and [])
    assert cli.main(["build", "--dry-run"]) == 0
    assert seen == {"renderer": "quarto"}
    assert "nothing to do" in capsys.readouterr().out


def test_an_unknown_edition_is_a_command_line_error(capsys):
    assert cli.main(["build", "--edition", "nope"]) == 2
    known = "as-of-2024-06, default-2025-02, latest, usd-confirmed"
    assert capsys.readouterr().err == f"armsledger: unknown edition 'nope'; known: {known}\n"
