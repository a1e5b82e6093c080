"""Quarto 1.9 renders every edition, and what a reader gets is the same as from the built-in renderer:
headings in order, the numbers in the prose, the tables (rows and cells), the figures (count and alt
text) and the bibliography, in the HTML and in the PDF's text.

Intended differences, each left out of the comparison with its reason:
- the page chrome: Quarto's title block, its Bootstrap scripts and its "In brief"/contents markup
  (compared by their text, not their elements);
- the sentence naming the renderer ("Rendered with the quarto renderer …");
- page numbers in the PDF's contents and words hyphenated at line ends (pagination differs by a page).
"""

from __future__ import annotations

import dataclasses
import re
import shutil
from collections import Counter

import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from armsledger.pipeline.checks import expected_figures, pdf_problems
from armsledger.pipeline.runner import run
from armsledger.render import quarto_available

pytestmark = [pytest.mark.quarto, pytest.mark.slow,
              pytest.mark.skipif(not quarto_available(),
                                 reason="quarto is not on PATH (.ci/run installs it from ../shared/tools/quarto)")]

NUMBER = re.compile(r"[≈≥≤]?\s?[€$]?\d[\d,.]*(?:\s(?:million|billion))?%?")
RENDERER_SENTENCE = re.compile(r"Rendered with the \S+ renderer")


@pytest.fixture(scope="module")
def quarto_site(real_site, tmp_path_factory):
    """The real data's editions rendered by Quarto, from a copy of the shared build (its notebooks
    and data steps are up to date, so only the renderer's steps run)."""
    root = tmp_path_factory.mktemp("quarto-site")
    shutil.copytree(real_site.build_dir, root / "build")
    config = dataclasses.replace(real_site, renderer="quarto", build_dir=root / "build", public_dir=root / "public")
    assert run(config) == 0, "the Quarto build failed: see the output above"
    return config


def _main(html: str) -> BeautifulSoup:
    soup = BeautifulSoup(html, "html.parser")
    for chrome in soup.select("header, nav, #TOC, #quarto-header, .quarto-title-block, script, style"):
        chrome.decompose()
    return soup


def _text(node) -> str:
    return " ".join(node.get_text(" ").split())


def _headings(soup: BeautifulSoup) -> list[str]:
    return [_text(h) for h in soup.select("h1, h2") if _text(h) and "title" not in (h.get("class") or [])]


def _numbers(text: str) -> Counter:
    return Counter(m.group().strip() for m in NUMBER.finditer(RENDERER_SENTENCE.sub("", text)))


def _tables(soup: BeautifulSoup) -> list[tuple[int, list[str]]]:
    return [(len(t.select("tbody tr")), [_text(c) for c in t.select("th, td")]) for t in soup.select("table")]


def _figures(soup: BeautifulSoup) -> list[str]:
    return [img.get("alt", "") for img in soup.select("img")]


def _references(soup: BeautifulSoup) -> list[str]:
    return sorted(entry.get("id", "") for entry in soup.select("#refs .csl-entry"))


def _prose(soup: BeautifulSoup) -> str:
    return " ".join(_text(p) for p in soup.select("p, li") if not p.find_parent(["table", "figure"])
                    and not p.find_parent(id="refs"))


def test_every_edition_renders_with_quarto_to_html_and_pdf(quarto_site):
    figures = expected_figures(quarto_site.report_dir / "index.qmd")
    for edition in quarto_site.editions:
        folder = quarto_site.public_dir / edition
        html = (folder / "index.html").read_text(encoding="utf-8")
        for leftover in ("{{<", "PosixPath(", "Invalid Date", "?? "):
            assert leftover not in html, (edition, leftover)
        assert pdf_problems(folder / "report.pdf", figures) == [], edition


@pytest.mark.parametrize("edition", ["latest", "usd-confirmed"])
def test_the_html_says_the_same_with_either_renderer(real_site, quarto_site, edition):
    built_in = _main((real_site.public_dir / edition / "index.html").read_text(encoding="utf-8"))
    quarto = _main((quarto_site.public_dir / edition / "index.html").read_text(encoding="utf-8"))
    assert _headings(quarto) == _headings(built_in)
    assert _numbers(_prose(quarto)) == _numbers(_prose(built_in))
    assert _tables(quarto) == _tables(built_in)
    assert _figures(quarto) == _figures(built_in) and all(_figures(quarto))
    assert _references(quarto) == _references(built_in) and _references(quarto)


def _pdf_text(path) -> str:
    text = "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    return re.sub(r"-\n(?=\w)", "", text)  # a word hyphenated at a line end reads as one word


def test_the_pdf_says_the_same_with_either_renderer(real_site, quarto_site):
    built_in = _pdf_text(real_site.public_dir / "latest" / "report.pdf")
    quarto = _pdf_text(quarto_site.public_dir / "latest" / "report.pdf")
    for heading in ("Why this matters", "In numbers", "Timeline", "Method and caveats", "Sources",
                    "About this edition"):
        assert heading in built_in and heading in quarto, heading
    money = re.compile(r"[€$]\d[\d,.]*(?:\s(?:million|billion))?")
    assert Counter(money.findall(quarto)) == Counter(money.findall(built_in))
    figures = expected_figures(real_site.report_dir / "index.qmd")
    assert len(re.findall(r"Figure\s\d+:", quarto)) == len(re.findall(r"Figure\s\d+:", built_in)) >= figures
