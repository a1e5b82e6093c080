"""The build end to end (armsledger.pipeline.runner): what an edition publishes, incremental rebuilds,
failures that publish nothing, on the lane's two shared builds."""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from armsledger import paths
from armsledger.model.ledger import for_edition
from armsledger.model.params import Params, load_edition
from armsledger.model.schema import data_files
from armsledger.pipeline.checks import expected_figures, pdf_problems
from armsledger.pipeline.notebooks import ALL_RECORD_TABLES, reads
from armsledger.pipeline.runner import run, stale
from tests.common import NOTEBOOKS
from tests.pipeline.conftest import NOTEBOOK_NAMES

pytestmark = pytest.mark.slow


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("site", ["real_site", "fixture_site"])
def test_every_edition_is_published(site, request):
    config = request.getfixturevalue(site)
    for edition in config.editions:
        folder = config.public_dir / edition
        assert (folder / "index.html").stat().st_size > 100_000
        assert (folder / "report.pdf").read_bytes().startswith(b"%PDF")
        assert (folder / "data" / "armsledger-data.zip").exists()
        for name in NOTEBOOK_NAMES:
            assert (folder / "notebooks" / f"{name}.ipynb").exists()
            assert (folder / "notebooks" / f"{name}.html").exists()
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        assert set(summary) == {*NOTEBOOK_NAMES, "edition"}
        assert summary["edition"]["name"] == edition
        assert (folder / "summary.json").read_bytes() == (config.build_dir / edition / "summary.json").read_bytes()
        # The bibliography holds every source the edition cites (citeproc would print "???" otherwise).
        references = {item["id"] for item in json.loads((folder / "references.json").read_text(encoding="utf-8"))}
        params = Params(**{**load_edition(edition, config.editions_dir).params.as_dict(),
                           "data_dir": str(config.data_dir)})
        cited = {source for ids in for_edition(params).records["source_ids"] for source in ids}
        assert cited and cited <= references, edition
    index = (config.public_dir / "index.html").read_text(encoding="utf-8")
    assert 'href="latest/index.html"' in index and 'href="usd-confirmed/report.pdf"' in index
    assert 'href="as-of-2024-06/data/armsledger-data.zip"' in index


def test_the_latest_editions_data_package_holds_every_record_and_claim(real_site):
    with zipfile.ZipFile(real_site.public_dir / "latest" / "data" / "armsledger-data.zip") as archive:
        names = archive.namelist()
        assert "README.md" in names and "datapackage.json" in names
        for path in data_files(real_site.data_dir):
            if path.suffix != ".csv" or path.name in ("sources.csv", "entities.csv"):
                continue  # sources and entities: those the records cite (checked in test_edition_data)
            published = list(csv.reader(io.StringIO(archive.read(path.name).decode("utf-8"))))
            original = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
            assert published == original, path.name


def test_an_as_of_editions_downloads_hold_only_what_was_known_then(fixture_site):
    with zipfile.ZipFile(fixture_site.public_dir / "as-of-2024-06" / "data" / "armsledger-data.zip") as archive:
        claims = archive.read("claims.csv").decode("utf-8")
    assert "small-statement-2024-11-late" not in claims  # its source was published in December 2024
    sources = json.loads((fixture_site.public_dir / "as-of-2024-06" / "references.json").read_text("utf-8"))
    assert "small-late" not in {item["id"] for item in sources}


def test_html_is_self_contained_and_prints_the_edition(real_site):
    html = (real_site.public_dir / "default-2025-02" / "index.html").read_text(encoding="utf-8")
    assert not re.search(r'<img[^>]+src="(?!data:)', html), "every image is embedded"
    assert not re.search(r'<link[^>]+href="(?!data:)[^"]+\.css', html), "the stylesheet is embedded"
    assert "as_of" in html and "2025-02-28" in html
    assert "{{<" not in html, "no shortcode is left unrendered"


@pytest.mark.parametrize("site", ["real_site", "fixture_site"])
def test_pdf_has_pages_figures_and_only_checked_fonts(site, request):
    config = request.getfixturevalue(site)
    for edition in config.editions:
        pdf = config.public_dir / edition / "report.pdf"
        assert pdf_problems(pdf, expected_figures(config.report_dir / "index.qmd")) == [], edition


def test_the_pdf_draws_diacritics_and_arabic(fixture_site):
    pdf = fixture_site.public_dir / "default-2025-02" / "report.pdf"
    text = "".join(page.extract_text() for page in PdfReader(pdf).pages)
    assert "Čačak Fixture Works" in text and "Niš" in text
    assert any("\u0600" <= ch <= "\u06ff" or "\ufb50" <= ch <= "\ufeff" for ch in text), "Arabic glyphs"


def test_noop_rebuild_runs_nothing(real_site, capfd):
    assert stale(real_site) == []
    assert run(real_site) == 0
    assert "0 step(s) ran" in capfd.readouterr().out


def test_one_table_change_reexecutes_only_the_notebooks_that_read_it(real_site):
    flights = real_site.data_dir / "flights.csv"
    original = flights.read_bytes()
    try:
        flights.write_bytes(original + b"\n")  # any edit of the file: the build compares content hashes
        steps = stale(real_site)
    finally:
        flights.write_bytes(original)
    readers = [n for n in NOTEBOOK_NAMES
               if (wanted := reads(NOTEBOOKS / f"{n}.ipynb")) == ALL_RECORD_TABLES or "flights" in wanted]
    assert readers == ["01-ledger", "02-timeline", "04-reconciliation"]
    executed = {s for s in steps if s.startswith("execute:")}
    assert executed == {f"execute:{e}:{n}" for e in real_site.editions for n in readers}


def test_edition_change_reexecutes_only_that_edition(real_site):
    edition = real_site.editions_dir / "usd-confirmed.yml"
    original = edition.read_text(encoding="utf-8")
    try:
        edition.write_text(original.replace("in US dollars", "in United States dollars"), encoding="utf-8")
        steps = stale(real_site)
    finally:
        edition.write_text(original, encoding="utf-8")
    # The index page lists every edition's title, so it is rebuilt too; no step of another edition is.
    assert steps and all(":usd-confirmed" in s for s in steps if s != "index"), steps
    assert {f"execute:usd-confirmed:{n}" for n in NOTEBOOK_NAMES} <= set(steps)


def test_invalid_data_publishes_nothing_and_exits_2(fixture_site, tmp_path, capfd):
    data = tmp_path / "data"
    shutil.copytree(fixture_site.data_dir, data)
    transfers = data / "transfers.csv"
    transfers.write_text(transfers.read_text(encoding="utf-8").replace(",2500000,", ",2.5m,", 1), encoding="utf-8")
    before = _digest(fixture_site.public_dir / "default-2025-02" / "index.html")
    config = dataclasses.replace(fixture_site, data_dir=data, build_dir=tmp_path / "build")
    assert run(config) == 2
    captured = capfd.readouterr()
    out = captured.out + captured.err
    assert re.search(r"transfers\.csv:\d+:amount: type: must be a number, got \"2\.5m\"", out), out
    assert "nothing was built or published" in out
    assert _digest(fixture_site.public_dir / "default-2025-02" / "index.html") == before
    assert not (tmp_path / "build").exists()


def test_failing_notebook_names_notebook_and_cell_and_keeps_publication(fixture_site, tmp_path, capfd):
    notebooks = tmp_path / "notebooks"
    shutil.copytree(fixture_site.notebooks_dir, notebooks)
    broken = notebooks / "03-values.ipynb"
    book = json.loads(broken.read_text(encoding="utf-8"))
    cell = next(c for c in book["cells"] if "label: tbl-contracts" in "".join(c["source"]))
    cell["source"] = "".join(cell["source"]) + "\nraise RuntimeError('deliberately broken for a test')\n"
    broken.write_text(json.dumps(book), encoding="utf-8")
    build = tmp_path / "build"
    shutil.copytree(fixture_site.build_dir, build)
    before = _digest(fixture_site.public_dir / "default-2025-02" / "index.html")
    config = dataclasses.replace(fixture_site, editions=["default-2025-02"], notebooks_dir=notebooks, build_dir=build)
    assert run(config) == 1
    captured = capfd.readouterr()
    out = captured.out + captured.err
    assert "03-values.ipynb failed in cell" in out and "tbl-contracts" in out
    assert "RuntimeError: deliberately broken for a test" in out
    kept = build / "default-2025-02" / "notebooks" / "03-values.ipynb"
    assert "deliberately broken" in kept.read_text(encoding="utf-8")
    assert _digest(fixture_site.public_dir / "default-2025-02" / "index.html") == before


def test_report_sources_stay_within_the_supported_subset():
    from armsledger.render.project import check_sources

    assert check_sources(paths.REPORT) == []
