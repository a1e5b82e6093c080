"""The published HTML in a real browser (Debian's Chromium driven by Playwright): it loads cleanly, shows every
figure, links every source, and keeps hostile text from the data inert. Reads the lane's shared builds."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from armsledger.pipeline.checks import (
    CHROMIUM,
    PHONE_WIDTH,
    expected_figures,
    html_problems,
    launch_chromium,
    phone_problems,
)
from tests.pipeline.conftest import HOSTILE

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


@pytest.mark.parametrize("site", ["real_site", "fixture_site"])
def test_report_opens_without_errors_and_shows_every_figure_on_laptop_and_phone(site, request, browser):
    config = request.getfixturevalue(site)
    for edition in config.editions:
        index = config.public_dir / edition / "index.html"
        assert html_problems(index, browser, expected_figures(config.report_dir / "index.qmd")) == [], edition


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


def test_phone_check_names_what_is_wider_than_the_screen_and_captions_that_scroll(tmp_path, browser):
    page = tmp_path / "index.html"
    page.write_text(
        '<html><head><meta name="viewport" content="width=device-width"></head><body style="margin:0">'
        '<pre style="overflow-x:auto">' + "x" * 200 + '</pre>'
        '<p>fine</p><div class="table-scroll" style="overflow-x:auto"><table><caption>Table 1: inside</caption>'
        '<tr><td style="white-space:nowrap">' + "wide " * 100 + '</td></tr></table></div>'
        '<table><tr><td>loose</td></tr></table></body></html>', encoding="utf-8")
    opened, _, _ = _open(browser, page, width=PHONE_WIDTH)
    problems = phone_problems(opened, page)
    opened.close()
    assert any("pre holds" in p for p in problems), problems  # a scrolling block that is not a table's box
    assert any("1 table(s) outside a scroll box" in p for p in problems)
    assert any("caption 'Table 1: inside'" in p for p in problems)
    assert not any("): td" in p or "table-scroll" in p for p in problems)  # a table's scroll box may scroll


@pytest.mark.parametrize("site", ["real_site", "fixture_site"])
def test_on_a_phone_every_table_cell_is_on_screen_and_wide_tables_are_cards(site, request, browser):
    """At 390 px a table either fits or is set as cards: every row's certainty and sources are read without
    scrolling sideways, and each card line is labelled with its column's name."""
    index = request.getfixturevalue(site).public_dir / "default-2025-02" / "index.html"
    page, _, _ = _open(browser, index, width=PHONE_WIDTH)
    found = page.evaluate("""() => {
      const cells = Array.from(document.querySelectorAll('.table-scroll td'));
      const off = cells.filter(td => { const b = td.getBoundingClientRect();
                                       return b.width > 0 && (b.left < -1 || b.right > innerWidth + 1); });
      const certainty = cells.filter(td => td.dataset.label === 'certainty' && td.textContent.trim());
      const cards = Array.from(document.querySelectorAll('.table-cards td')).filter(td => td.textContent.trim());
      const labelled = cards.filter(td => getComputedStyle(td, '::before').content.includes(td.dataset.label));
      return {cells: cells.length, off: off.length, certainty: certainty.length, cards: cards.length,
              labelled: labelled.length,
              scrolling: Array.from(document.querySelectorAll('.table-scroll'))
                           .filter(b => b.scrollWidth > b.clientWidth + 1).length};
    }""")
    page.close()
    assert found["cells"] and found["certainty"] and found["cards"], found
    assert found["off"] == 0 and found["scrolling"] == 0, found
    assert found["labelled"] == found["cards"], found


def test_browser_check_catches_chart_text_too_small_on_a_phone(tmp_path, browser):
    """A chart laid out for 6.7 in shown on a 390 px phone reads at about 6 px: the check says so; with
    its narrow variant served by a <picture> it reads at 9 px or more, and so does the wide one at 1366 px."""
    import matplotlib.pyplot as plt

    from armsledger.present import charts, figures

    wide, narrow = charts.empty_chart("A chart"), charts.empty_chart("A chart", width=charts.NARROW_IN)
    wide_png, narrow_png = figures.png_bytes(wide), figures.png_bytes(narrow)
    plt.close(wide), plt.close(narrow)
    page = tmp_path / "index.html"
    page.write_text(f'<html><body style="margin:0 13px">{figures.picture_html(wide_png, None, "wide only")}'
                    '</body></html>', encoding="utf-8")
    problems = html_problems(page, browser, figures=1, bare_images_on_phone=True)
    assert any("(390px): figure 1's smallest text is" in p and "under 9px" in p for p in problems), problems
    assert not any("(1366px): figure 1's smallest" in p for p in problems)
    assert not any("smallest text" in p for p in html_problems(page, browser, figures=1, bare_images_on_phone=False))
    page.write_text(f'<html><body style="margin:0 13px">{figures.picture_html(wide_png, narrow_png, "both")}'
                    '</body></html>', encoding="utf-8")
    assert html_problems(page, browser, figures=1) == []
    bare = tmp_path / "bare.html"  # an image that does not say its font size cannot be vouched for
    bare.write_text('<html><body><img alt="x" src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAf'
                    'FcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="></body></html>', encoding="utf-8")
    assert any("does not say its smallest font size" in p for p in html_problems(bare, browser, figures=1))


@pytest.mark.parametrize("site", ["real_site", "fixture_site"])
def test_report_links_every_cited_source(site, request, browser):
    edition = request.getfixturevalue(site).public_dir / "default-2025-02"
    page, _, _ = _open(browser, edition / "index.html")
    hrefs = set(page.evaluate("Array.from(document.querySelectorAll('a[href]')).map(a => a.href)"))
    cited = set(page.evaluate("Array.from(document.querySelectorAll('.csl-entry')).map(e => e.id.replace('ref-', ''))"))
    references = {item["id"]: item for item in json.loads((edition / "references.json").read_text(encoding="utf-8"))}
    assert cited, "the bibliography lists the cited sources"
    assert cited <= set(references)
    for source_id in cited:
        url = references[source_id].get("URL")
        if url:
            assert url in hrefs or quote(url, safe=":/?&=%#~+,;@!$'()*") in hrefs, f"{source_id}: {url}"
    page.close()


def test_hostile_text_in_the_data_stays_text(fixture_site, browser):
    index = fixture_site.public_dir / "default-2025-02" / "index.html"
    html = index.read_text(encoding="utf-8")
    assert "<script>window.__xss" not in html and "<img src=x" not in html
    page, errors, dialogs = _open(browser, index)
    assert page.evaluate("window.__xss === undefined"), "injected markup ran"
    assert dialogs == [] and errors == []
    text = page.evaluate("document.body.innerText")
    assert HOSTILE["script"] in text, "the script tag is shown as text"
    assert HOSTILE["img"] in text
    assert HOSTILE["markdown"] in text, "Markdown in data is not interpreted"
    assert "Deal <img src=x onerror=" in text, "a source title is printed as text in the bibliography"
    assert page.evaluate("document.querySelectorAll('a[href^=\"javascript\"]').length") == 0
    page.close()
