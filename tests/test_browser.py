"""The published HTML in a real browser (Debian's Chromium driven by Playwright): it loads cleanly,
shows every figure, links every source, and keeps hostile text from the data inert."""

from __future__ import annotations

import csv
import dataclasses
import json
import shutil
from pathlib import Path

import pytest

from armsledger.build import run
from armsledger.published import CHROMIUM, expected_figures, html_problems, launch_chromium

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.skipif(not CHROMIUM.exists(), reason=f"Chromium is not installed at {CHROMIUM} "
                       "(apt-get install chromium; .ci/run installs it)"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


def _open(browser, path: Path, width: int = 1280):
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, errors, dialogs


def test_report_opens_without_errors_and_shows_every_figure_on_laptop_and_phone(site, browser):
    for edition in site.editions:
        index = site.public_dir / edition / "index.html"
        assert html_problems(index, browser, expected_figures(site.report_dir / "index.qmd")) == []


def test_browser_check_catches_a_broken_page(tmp_path, browser):
    page = tmp_path / "index.html"
    page.write_text('<html><body><img src="missing.png"><div style="width:2000px">wide</div>'
                    '<script>undefinedFunction()</script></body></html>', encoding="utf-8")
    problems = html_problems(page, browser, figures=2)
    assert any("console error" in p or "undefinedFunction" in p for p in problems), problems
    assert any("1 image(s) shown, the report embeds 2" in p for p in problems)
    assert any("did not load" in p for p in problems)
    assert any("no alt text" in p for p in problems)
    assert any("scrolls sideways" in p for p in problems)


def test_report_links_every_cited_source(site, browser):
    edition = site.public_dir / "default"
    page, _, _ = _open(browser, edition / "index.html")
    hrefs = set(page.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"))
    cited = set(page.evaluate("Array.from(document.querySelectorAll('.csl-entry')).map(e => e.id.replace('ref-', ''))"))
    references = {item["id"]: item for item in json.loads((edition / "references.json").read_text(encoding="utf-8"))}
    assert cited, "the bibliography lists the cited sources"
    for source_id in cited:
        url = references[source_id].get("URL")
        if url:
            from urllib.parse import quote

            assert url in hrefs or quote(url, safe=":/?&=%#~+,;@!$'()*") in hrefs, f"{source_id}: {url}"
    page.close()


HOSTILE = {
    "script": "<script>window.__xss = 'script'</script>",
    "img": "<img src=x onerror=\"window.__xss = 'img'\">",
}


def _inject(data: Path) -> None:
    """Put hostile markup into free-text fields that the report prints."""
    def rewrite(table: str, key: str, record: str, column: str, text: str) -> None:
        path = data / f"{table}.csv"
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle))
        fields = list(rows[0])
        for row in rows:
            if row[key] == record:
                row[column] = text
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)

    rewrite("contracts", "contract_id", "circles-serbia-bia", "title", f"Circles {HOSTILE['script']} tracking")
    rewrite("sources", "source_id", "defensepost-2025-01-06-puls-hermes", "title", f"Deal {HOSTILE['img']}")
    rewrite("transfers", "transfer_id", "yi-israel-2023-10", "items", f"goods {HOSTILE['img']}")
    rewrite("contracts", "contract_id", "finfisher-serbia-bia", "title", "FinFisher @evil [link](javascript:x) *bold*")


def test_hostile_text_in_the_data_stays_text(site, browser, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(site.data_dir, data)
    _inject(data)
    config = dataclasses.replace(site, editions=["default"], data_dir=data, build_dir=tmp_path / "build",
                                 public_dir=tmp_path / "public")
    assert run(config) == 0
    index = config.public_dir / "default" / "index.html"
    html = index.read_text(encoding="utf-8")
    assert "<script>window.__xss" not in html and "<img src=x" not in html
    page, errors, dialogs = _open(browser, index)
    assert page.evaluate("window.__xss === undefined"), "injected markup ran"
    assert dialogs == [] and errors == []
    text = page.evaluate("document.body.innerText")
    assert HOSTILE["script"] in text, "the script tag is shown as text"
    assert HOSTILE["img"] in text
    assert "FinFisher @evil [link](javascript:x) *bold*" in text, "Markdown in data is not interpreted"
    assert "Deal <img src=x onerror=" in text, "a source title is printed as text in the bibliography"
    assert page.evaluate("document.querySelectorAll('a[href^=\"javascript\"]').length") == 0
    page.close()
