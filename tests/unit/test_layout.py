"""The report's layout on a phone and on paper: tables in scroll boxes or cards (assets/tables.lua), captions
kept with their figures and tables and alt text on every figure in the PDF (the Typst rules both renderers
share, render/filters/figure-alt.lua), the condensed appendix, and the checks that hold them
(pipeline.checks). Each renders a small fixture project with the built-in renderer: Pandoc and Typst, no
browser (the browser checks are in tests/pipeline/test_browser.py)."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pypandoc
import pytest
import yaml

from armsledger import paths
from armsledger.pipeline.checks import caption_problems, captioned
from armsledger.present import markdown as md
from armsledger.render.pandoc import FILTERS, TYPST_HEADER, TYPST_RULES, PandocRenderer
from armsledger.render.project import FONTS

ASSETS = paths.REPORT / "assets"
TABLES_LUA = ASSETS / "tables.lua"


def pandoc(markdown: str, *args: str) -> str:
    result = subprocess.run([pypandoc.get_pandoc_path(), "-f", "markdown", *args], input=markdown,
                            capture_output=True, text=True, check=True, encoding="utf-8")
    return result.stdout


# =========================================================================== the PDF rules, in both renderers


def test_quartos_pdf_rules_are_the_built_in_renderers_word_for_word():
    report_typ = (ASSETS / "report.typ").read_text(encoding="utf-8")
    assert TYPST_RULES.strip() in report_typ
    assert TYPST_RULES.strip() in TYPST_HEADER.format(fonts='"Noto Serif"', code_font="DejaVu Sans Mono")
    # the rule that made every figure breakable, and so could part an image from its caption, is gone
    assert "#show figure: set block(breakable: true)" not in report_typ + TYPST_HEADER


def test_quarto_runs_the_table_filter_and_unwraps_embedded_cells_for_typst():
    quarto = yaml.safe_load((paths.REPORT / "_quarto.yml").read_text(encoding="utf-8"))
    assert {"at": "post-render", "path": "assets/tables.lua"} in quarto["filters"]
    embed = (ASSETS / "embed-attributes.lua").read_text(encoding="utf-8")
    assert 'FORMAT:match("typst") and el.classes:includes("quarto-embed-nb-cell")' in embed


# =========================================================================== tables on screen (tables.lua)

WIDE = """| date | lane | item | kind | value | certainty | sources |
|:--|:--|:--|:--|:--|:--|:--|
| 5 Feb 2024 | Flights | One Boeing 707-300 flew to Nevatim | flight | undisclosed | probable | several publications |
| 6 Feb 2024 | Diplomacy | "Quoted" item & more | statement | €1.2 million | possible | one |

: Table 1: A wide table. {#tbl-wide}
"""
NARROW = """| year | n |
|:--|--:|
| 2023 | 2 |
|  | 7 |

: Table 2: A narrow table. {#tbl-narrow}
"""


def _html(markdown: str) -> str:
    return pandoc(markdown, "-t", "html5", "--lua-filter", str(TABLES_LUA))


def test_a_wide_table_is_a_labelled_card_list_on_a_phone_with_its_caption_above_the_scroll_box():
    html = _html(WIDE)
    assert re.search(r'<figure class="table-figure" id="tbl-wide">\s*<figcaption id="tbl-wide-caption">\s*'
                     r'Table 1: A wide table\.\s*</figcaption>\s*<div class="table-scroll table-cards table-keyed"'
                     r'\s+role="region"\s+tabindex="0"\s+aria-labelledby="tbl-wide-caption">\s*<table', html), html
    assert "<caption" not in html  # it would scroll sideways with the table
    assert 'data-label="certainty">probable</td>' in html and 'data-label="sources">one</td>' in html
    assert html.count('data-label="date"') == 2  # body cells only; the head row is the labels


def test_a_table_that_fits_a_phone_stays_a_table_and_an_empty_first_cell_is_no_key():
    html = _html(NARROW)
    assert '<div class="table-scroll" role="region"' in html
    assert "table-cards" not in html and "table-keyed" not in html
    wide_unkeyed = WIDE.replace("| 6 Feb 2024 |", "|  |")
    assert "table-cards table-keyed" not in _html(wide_unkeyed) and "table-cards" in _html(wide_unkeyed)


def test_a_table_without_caption_gets_a_named_scroll_box_and_other_formats_are_untouched():
    html = _html(NARROW.split("\n\n:")[0] + "\n")
    assert '<div class="table-scroll" role="region" tabindex="0" aria-label="Table">' in html
    typst = pandoc(WIDE, "-t", "typst", "--lua-filter", str(TABLES_LUA))
    assert "table-scroll" not in typst and "A wide table." in typst


def test_quartos_table_floats_are_named_in_order():
    # at post-render Quarto's tables sit in div#tbl-… without a caption of their own
    bare = [table.split("\n\n:")[0] for table in (NARROW, WIDE)]
    markdown = f"::: {{#tbl-a}}\n{bare[0]}\n:::\n\n::: {{#tbl-b}}\n{bare[1]}\n:::\n"
    html = _html(markdown)
    assert 'aria-label="Table 1"' in html and 'aria-label="Table 2"' in html


# =========================================================================== column widths for print


def test_column_widths_go_where_they_save_the_most_lines():
    frame = pd.DataFrame({
        "id": ["apple-threat-notifications-2023-10-30", "genasys-mup-2021"] * 20,
        "what": ["Apple sent threat notifications to targeted Serbian civil-society members " * 2] * 40,
        "n": ["1"] * 40,
    })
    widths = md._width_weights(frame.astype(str), ())
    assert widths[1] > widths[0] > widths[2]
    assert widths[0] == len("notifications-2023-10-30") + md.PADDING  # ids wrap at their hyphens, no wider
    assert sum(widths) <= md.LINE_CHARACTERS


def test_column_widths_are_quick_for_the_longest_printed_table():
    import time

    rows = range(md.MAX_PRINTED_ROWS)
    frame = pd.DataFrame({"id": [f"record-{i}" for i in rows],
                          "what": ["a long description of what happened " * (1 + i % 5) for i in rows],
                          "sources": ["[@a; @b]"] * len(rows)})
    start = time.perf_counter()
    md._width_weights(frame, ("sources",))
    assert time.perf_counter() - start < 2


# =========================================================================== the PDF: a fixture straddling page breaks


def _png(width: int, height: int) -> str:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (31, 95, 139)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def _cell(label: str, caption: str, output: dict, alt: str | None = None) -> dict:
    key = "fig-cap" if label.startswith("fig") else "tbl-cap"
    source = f"#| label: {label}\n#| {key}: \"{caption}\"\n" + (f"#| fig-alt: \"{alt}\"\n" if alt else "") + "x"
    return {"cell_type": "code", "source": source, "outputs": [{"output_type": "display_data", "data": output,
                                                                "metadata": {}}],
            "metadata": {}, "execution_count": 1}


def _rows(n: int) -> str:
    return "| id | what |\n|:--|:--|\n" + "\n".join(f"| row-{i} | what happened in row {i} |" for i in range(n))


def _project(root: Path, header_rules: str | None = None) -> Path:
    """A report whose tables and figures fall near page ends: a spacer pushes each one a little lower
    than the last, so that one of them has room for its caption and not for its first row (or for a
    figure and not for its caption under it), and a long table straddles a page break."""
    root.mkdir(parents=True)
    cells, body = [], ["---\ntitle: Layout\n---\n"]
    for k in range(9):
        cells.append(_cell(f"tbl-t{k}", f"Table caption {k}", {"text/markdown": _rows(3)}))
        body += ["```{=typst}\n#pagebreak(weak: true)\n#v(" + f"{23.4 + 0.2 * k:.1f}" + "cm)\n```",
                 f"{{{{< embed notebooks/01-x.ipynb#tbl-t{k} >}}}}"]
    png = _png(600, 300)
    for k in range(8):
        cells.append(_cell(f"fig-f{k}", f"Figure caption {k}", {"image/png": png}, alt=f"A blue block, number {k}"))
        body += ["```{=typst}\n#pagebreak(weak: true)\n#v(" + f"{15.6 + 0.2 * k:.1f}" + "cm)\n```",
                 f"{{{{< embed notebooks/01-x.ipynb#fig-f{k} >}}}}", "Text after the figure. " * 40]
    cells.append(_cell("tbl-long", "A long table", {"text/markdown": _rows(120)}))
    body += ["```{=typst}\n#pagebreak(weak: true)\n#v(18cm)\n```", "{{< embed notebooks/01-x.ipynb#tbl-long >}}"]
    (root / "notebooks").mkdir()
    book = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (root / "notebooks" / "01-x.ipynb").write_text(json.dumps(book), encoding="utf-8")
    (root / "index.qmd").write_text("\n\n".join(body) + "\n", encoding="utf-8")
    (root / "_variables.yml").write_text("n: '1'\n", encoding="utf-8")
    (root / "references.json").write_text("[]", encoding="utf-8")
    (root / "assets").mkdir()
    for name in ("report.css", "tables.lua"):
        shutil.copy2(ASSETS / name, root / "assets" / name)
    shutil.copytree(FONTS, root / "assets" / "fonts", ignore=shutil.ignore_patterns("*.txt"))
    return root


@pytest.fixture(scope="module")
def layout_pdf(tmp_path_factory) -> Path:
    return PandocRenderer().render(_project(tmp_path_factory.mktemp("layout") / "project")).pdf


def test_every_caption_stays_with_its_figure_or_table_across_page_breaks(layout_pdf):
    items = captioned(layout_pdf)
    assert [i.kind for i in items].count("Table") == 10 and [i.kind for i in items].count("Figure") == 8
    assert caption_problems(layout_pdf, figures=8) == []
    long = items[-1]
    assert long.kind == "Table" and long.caption_pages == [long.body_page]


def test_every_figure_carries_its_alt_text_in_the_pdf(layout_pdf):
    figures = [i for i in captioned(layout_pdf) if i.kind == "Figure"]
    assert [f.alt for f in figures] == [f"A blue block, number {k}" for k in range(8)]


def test_the_check_catches_captions_parted_from_their_tables_and_figures(layout_pdf, tmp_path):
    """The same report with the rules this layout replaced: every figure breakable, no sticky caption,
    no float, and images without alt text (Pandoc's own Typst image call)."""
    typ = layout_pdf.with_name("index.typ").read_text(encoding="utf-8")
    old = typ.replace(TYPST_RULES.strip(), "#show figure: set block(breakable: true)")
    old = re.sub(r'#\{image\(("[^"]+"), alt: "[^"]*", (width: [\d.]+%)\)\}', r"#image(\1, \2)", old)
    assert old != typ
    (layout_pdf.parent / "old.typ").write_text(old, encoding="utf-8")
    from armsledger.render.pandoc import _typst

    _typst(layout_pdf.parent / "old.typ", tmp_path / "old.pdf", layout_pdf.parent.parent)
    problems = caption_problems(tmp_path / "old.pdf", figures=8)
    assert any(re.search(r"Table \d: the caption is on page (\d+), its head row and first rows on page (?!\1)", p)
               for p in problems), problems
    assert any(re.search(r"Figure \d: the caption is on page (\d+), the figure on page (?!\1)", p)
               for p in problems), problems
    assert sum("has no alt text" in p for p in problems) == 8


def test_an_untagged_pdf_is_reported(tmp_path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595.3, height=841.9)
    writer.write(tmp_path / "blank.pdf")
    assert caption_problems(tmp_path / "blank.pdf", figures=1) == [
        f"{tmp_path / 'blank.pdf'}: the PDF has no tagged figures or tables, so captions and alt text cannot be "
        "checked"]


def test_figure_alt_filter_escapes_typst_strings_and_falls_back_to_the_caption():
    markdown = '![Figure 1: cap](x.png){#fig-a alt="the \\"alt\\" \\\\ text" width=100%}\n\n![A caption](y.png)\n'
    typst = pandoc(markdown, "-t", "typst", "--lua-filter", str(FILTERS / "figure-alt.lua"))
    assert '#{image("x.png", alt: "the \\"alt\\" \\\\ text", width: 100%)}' in typst
    assert '#{image("y.png", alt: "A caption")}' in typst
    html = pandoc(markdown, "-t", "html5", "--lua-filter", str(FILTERS / "figure-alt.lua"))
    assert 'alt="the &quot;alt&quot; \\ text"' in html  # other formats untouched


def test_the_appendix_record_list_is_condensed_in_both_pdfs():
    assert "#show <tbl-records>: it => {\n  show table: set text(size: 6.5pt)" in TYPST_RULES
    assert "{{< embed notebooks/01-ledger.ipynb#tbl-records >}}" in (paths.REPORT / "index.qmd").read_text(
        encoding="utf-8")
