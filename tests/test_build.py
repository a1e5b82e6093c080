"""The build end to end: publication, incremental rebuilds, failures that publish nothing, determinism."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from armsledger import paths
from armsledger.build import recover, run, stale
from armsledger.published import expected_figures, pdf_problems
from armsledger.render import quarto_available
from armsledger.vocabulary import NOTEBOOK_NAMES

pytestmark = pytest.mark.slow


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_every_edition_is_published(site):
    for edition in site.editions:
        folder = site.public_dir / edition
        assert (folder / "index.html").stat().st_size > 100_000
        assert (folder / "report.pdf").read_bytes().startswith(b"%PDF")
        assert (folder / "data" / "armsledger-data.zip").exists()
        for name in NOTEBOOK_NAMES:
            assert (folder / "notebooks" / f"{name}.ipynb").exists()
            assert (folder / "notebooks" / f"{name}.html").exists()
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        assert set(summary) == set(NOTEBOOK_NAMES)
    index = (site.public_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="default/index.html"' in index and 'href="usd-confirmed/report.pdf"' in index


def test_html_is_self_contained_and_prints_the_edition(site):
    html = (site.public_dir / "default" / "index.html").read_text(encoding="utf-8")
    assert not re.search(r'<img[^>]+src="(?!data:)', html), "every image is embedded"
    assert not re.search(r'<link[^>]+href="(?!data:)[^"]+\.css', html), "the stylesheet is embedded"
    assert "as_of" in html and "2025-02-28" in html
    assert "{{<" not in html, "no shortcode is left unrendered"


def test_pdf_has_pages_figures_and_only_checked_fonts(site):
    pdf = site.public_dir / "default" / "report.pdf"
    assert pdf_problems(pdf, expected_figures(site.report_dir / "index.qmd")) == []
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Vučić" in text and "Krušik" in text
    assert any("\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufeff" for ch in text), "Arabic glyphs"


def test_pdf_check_catches_a_letter_size_pdf_without_figures(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.write(tmp_path / "letter.pdf")
    problems = pdf_problems(tmp_path / "letter.pdf", figures=5)
    assert any("only 1 page" in p for p in problems)
    assert any("not A4" in p for p in problems)
    assert any("0 image(s)" in p for p in problems)


def test_noop_rebuild_runs_nothing(site, capfd):
    assert stale(site) == []
    assert run(site) == 0
    assert "0 step(s) ran" in capfd.readouterr().out


def test_one_table_change_reexecutes_only_the_notebooks_that_read_it(site):
    flights = site.data_dir / "flights.csv"
    original = flights.read_bytes()
    try:
        flights.write_bytes(original.replace(b"Nevatim", b"Nevatim air base", 1))
        steps = stale(site)
    finally:
        flights.write_bytes(original)
    executed = {s for s in steps if s.startswith("execute:")}
    assert executed == {f"execute:{e}:{n}" for e in site.editions
                        for n in ("01-ledger", "02-timeline", "04-reconciliation")}


def test_edition_change_reexecutes_only_that_edition(site):
    edition = site.editions_dir / "usd-confirmed.yml"
    original = edition.read_text(encoding="utf-8")
    try:
        edition.write_text(original.replace("in US dollars", "in United States dollars"), encoding="utf-8")
        steps = stale(site)
    finally:
        edition.write_text(original, encoding="utf-8")
    # The index page lists every edition's title, so it is rebuilt too; no step of another edition is.
    assert steps and all(":usd-confirmed" in s for s in steps if s != "index"), steps
    assert {f"execute:usd-confirmed:{n}" for n in NOTEBOOK_NAMES} <= set(steps)


def test_invalid_data_publishes_nothing_and_exits_2(site, tmp_path, capfd):
    data = tmp_path / "data"
    shutil.copytree(site.data_dir, data)
    transfers = data / "transfers.csv"
    transfers.write_text(transfers.read_text(encoding="utf-8").replace(",14000000,", ",14m,", 1), encoding="utf-8")
    before = _digest(site.public_dir / "default" / "index.html")
    config = dataclasses.replace(site, data_dir=data, build_dir=tmp_path / "build")
    assert run(config) == 2
    out = capfd.readouterr().out
    assert re.search(r"transfers\.csv:\d+:amount: \S+: .*14m", out), out
    assert "nothing was built or published" in out
    assert _digest(site.public_dir / "default" / "index.html") == before
    assert not (tmp_path / "build").exists()


def test_failing_notebook_names_notebook_and_cell_and_keeps_publication(site, tmp_path, capfd):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(site.notebooks_dir, notebooks)
    broken = notebooks / "03-values.ipynb"
    book = json.loads(broken.read_text(encoding="utf-8"))
    cell = next(c for c in book["cells"] if "label: tbl-contracts" in "".join(c["source"]))
    cell["source"] = "".join(cell["source"]) + "\nraise RuntimeError('deliberately broken for a test')\n"
    broken.write_text(json.dumps(book), encoding="utf-8")
    build = tmp_path / "build"
    shutil.copytree(site.build_dir, build)
    before = _digest(site.public_dir / "default" / "index.html")
    config = dataclasses.replace(site, editions=["default"], notebooks_dir=notebooks, build_dir=build)
    assert run(config) == 1
    out = capfd.readouterr().out
    assert "03-values.ipynb failed in cell" in out and "tbl-contracts" in out
    assert "RuntimeError: deliberately broken for a test" in out
    kept = build / "default" / "notebooks" / "03-values.ipynb"
    assert "deliberately broken" in kept.read_text(encoding="utf-8")
    assert _digest(site.public_dir / "default" / "index.html") == before


def test_interrupted_publish_is_recovered(tmp_path):
    public = tmp_path / "public"
    (public / ".default.old").mkdir(parents=True)
    (public / ".default.old" / "index.html").write_text("previous", encoding="utf-8")
    (public / ".default.tmpabc").mkdir()
    recover(public, "default")
    assert (public / "default" / "index.html").read_text(encoding="utf-8") == "previous"
    assert not (public / ".default.tmpabc").exists()


def test_two_builds_of_the_same_inputs_are_identical(site, tmp_path):
    config = dataclasses.replace(site, editions=["default"], build_dir=tmp_path / "build",
                                 public_dir=tmp_path / "public")
    assert run(config) == 0
    first, second = site.build_dir / "default", config.build_dir / "default"
    assert (first / "summary.json").read_bytes() == (second / "summary.json").read_bytes()
    for kind in ("tables", "figures"):
        names = sorted(p.name for p in (first / kind).iterdir())
        assert names == sorted(p.name for p in (second / kind).iterdir())
        for name in names:
            assert _digest(first / kind / name) == _digest(second / kind / name), f"{kind}/{name} differs"


@pytest.mark.quarto
@pytest.mark.skipif(not quarto_available(), reason="quarto is not on PATH (it cannot be installed on this machine)")
def test_quarto_renderer_builds_the_same_report(site, tmp_path):
    config = dataclasses.replace(site, editions=["default"], renderer="quarto", build_dir=tmp_path / "build",
                                 public_dir=tmp_path / "public")
    assert run(config) == 0
    assert (config.public_dir / "default" / "report.pdf").exists()


def test_report_sources_stay_within_the_supported_subset():
    from armsledger.render.project import check_sources

    assert check_sources(paths.REPORT) == []


def test_dry_run_checks_the_steps_of_the_renderer_that_would_run(monkeypatch, capsys):
    """With Quarto on PATH, `--dry-run` must not report every pandoc render step as stale."""
    from types import SimpleNamespace

    from armsledger import build, cli, render

    seen = {}
    monkeypatch.setattr(render, "get_renderer", lambda name: SimpleNamespace(name="quarto"))
    monkeypatch.setattr(build, "stale", lambda cfg, renderer_name: seen.setdefault("renderer", renderer_name) and [])
    assert cli.main(["build", "--dry-run"]) == 0
    assert seen == {"renderer": "quarto"}
    assert "nothing to do" in capsys.readouterr().out
