"""The renderers' building blocks: the Quarto subset check, shortcode substitution, font coverage."""

from __future__ import annotations

import json
import shutil

import pytest

from armsledger.render import RenderError
from armsledger.render.fonts import check_coverage
from armsledger.render.pandoc import EmbedResolver, PandocRenderer, substitute
from armsledger.render.project import FONTS, subset_problems


@pytest.mark.parametrize("text, fragment", [
    ("{{< include other.qmd >}}", "shortcode 'include'"),
    ("{{< embed notebooks/x.ipynb >}}", "embed must name"),
    ("See @fig-timeline.", "cross-references"),
    ("::: {.callout-note}", "fenced div"),
    ("```{python}", "executable code cells"),
    ("{{< var a b >}}", "var shortcode needs one key"),
])
def test_constructs_outside_the_subset_are_reported(text, fragment):
    problems = subset_problems(f"intro\n{text}\n", "index.qmd")
    assert len(problems) == 1 and problems[0].startswith("index.qmd:2:") and fragment in problems[0]


def test_supported_constructs_pass():
    text = ("# T\n{{< var records_total >}} [@src-a]\n{{< embed notebooks/01-ledger.ipynb#tbl-records >}}\n"
            "::: {#refs}\n:::\n")
    assert subset_problems(text) == []


def _notebook(tmp_path, outputs, label="fig-a", caption="A caption"):
    cap_key = "fig-cap" if label.startswith("fig") else "tbl-cap"
    source = f"#| label: {label}\n#| {cap_key}: \"{caption}\"\nx"
    cell = {"cell_type": "code", "source": source, "outputs": outputs, "metadata": {}, "execution_count": 1}
    book = {"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "notebooks").mkdir(exist_ok=True)
    (tmp_path / "notebooks" / "01-x.ipynb").write_text(json.dumps(book), encoding="utf-8")


def test_embed_figure_and_table(tmp_path):
    png = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
    _notebook(tmp_path, [{"output_type": "display_data", "data": {"image/png": png}, "metadata": {}}])
    resolver = EmbedResolver(tmp_path, tmp_path / "_output")
    out = substitute("{{< embed notebooks/01-x.ipynb#fig-a >}} and {{< var n >}}", {"n": 3}, resolver)
    assert out.startswith("![Figure 1: A caption](figures/fig-a.png){#fig-a") and out.endswith(" and 3")
    assert (tmp_path / "_output" / "figures" / "fig-a.png").exists()
    _notebook(tmp_path, [{"output_type": "display_data", "data": {"text/markdown": "| a |\n|:--|\n| 1 |"},
                          "metadata": {}}], label="tbl-b", caption="Rows")
    text = substitute("{{< embed notebooks/01-x.ipynb#tbl-b >}}", {}, EmbedResolver(tmp_path, tmp_path / "o"))
    assert text.endswith(": Table 1: Rows {#tbl-b}")


def test_a_chart_with_a_phone_variant_is_a_picture_in_html_and_an_image_with_alt_text_in_typst(tmp_path):
    """A figures.show output: Markdown with the <picture> (HTML) and the Typst image, beside the wide PNG."""
    import base64

    import matplotlib.pyplot as plt

    from armsledger.present import charts, figures
    from armsledger.render.pandoc import add_alt_text

    wide, narrow = charts.empty_chart("wide"), charts.empty_chart("narrow", width=charts.NARROW_IN)
    wide_png, narrow_png = (figures.png_bytes(f) for f in (wide, narrow))
    plt.close(wide), plt.close(narrow)
    alt = 'Exports rose "sharply" & $1m'
    markdown = figures.figure_markdown(figures.picture_html(wide_png, narrow_png, alt),
                                       figures.typst_image("a", alt, 6.7))
    _notebook(tmp_path, [{"output_type": "display_data", "metadata": {},
                          "data": {"image/png": base64.b64encode(wide_png).decode(), "text/markdown": markdown}}])
    out = substitute("{{< embed notebooks/01-x.ipynb#fig-a >}}", {}, EmbedResolver(tmp_path, tmp_path / "h"))
    assert out.startswith('```{=html}\n<figure id="fig-a" class="chart">\n<picture class="chart"><source media=')
    assert "\n\nFigure 1: A caption\n\n```{=html}\n</figcaption>\n</figure>\n```" in out
    resolver = EmbedResolver(tmp_path, tmp_path / "t", numbered=False, target="typst")
    out = substitute("{{< embed notebooks/01-x.ipynb#fig-a >}}", {}, resolver)
    assert out == "![A caption](figures/fig-a.png){#fig-a alt=\"Exports rose 'sharply' & $1m\" width=6.7in}"
    assert (tmp_path / "t" / "figures" / "fig-a.png").read_bytes() == wide_png  # the PDF prints the wide chart
    assert resolver.alts == {"fig-a": alt}
    typ = tmp_path / "index.typ"
    typ.write_text('#figure(image("figures/fig-a.png", width: 6.7in),\n  caption: [A caption]\n)\n', encoding="utf-8")
    add_alt_text(typ, resolver.alts)
    assert 'image("figures/fig-a.png", width: 6.7in, alt: "Exports rose \\"sharply\\" & $1m")' in typ.read_text()


def test_unknown_variable_and_missing_label_fail(tmp_path):
    _notebook(tmp_path, [])
    with pytest.raises(RenderError, match="no variable 'missing'"):
        substitute("{{< var missing >}}", {}, EmbedResolver(tmp_path, tmp_path / "o"))
    with pytest.raises(RenderError, match="no cell labelled 'fig-zzz'"):
        substitute("{{< embed notebooks/01-x.ipynb#fig-zzz >}}", {}, EmbedResolver(tmp_path, tmp_path / "o"))
    with pytest.raises(RenderError, match="has no PNG output"):
        substitute("{{< embed notebooks/01-x.ipynb#fig-a >}}", {}, EmbedResolver(tmp_path, tmp_path / "o"))


def test_font_coverage_reports_missing_glyphs():
    assert check_coverage("Vučić, Krušik, Čačak — €42.3m ≈ ≥ → ارتفاع", FONTS) == []
    missing = check_coverage("Tokyo 東京", FONTS)
    assert missing == ["U+4EAC CJK UNIFIED IDEOGRAPH-4EAC (京)", "U+6771 CJK UNIFIED IDEOGRAPH-6771 (東)"]


def test_pandoc_renderer_refuses_text_its_fonts_cannot_draw(tmp_path):
    (tmp_path / "index.qmd").write_text("---\ntitle: T\n---\n\nA city: 東京 and {{< var n >}}.\n", encoding="utf-8")
    (tmp_path / "_variables.yml").write_text("n: '1'\n", encoding="utf-8")
    (tmp_path / "references.json").write_text("[]", encoding="utf-8")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "report.css").write_text("body{}", encoding="utf-8")
    shutil.copytree(FONTS, tmp_path / "assets" / "fonts")
    with pytest.raises(RenderError, match="no glyph for: U\\+4EAC"):
        PandocRenderer().render(tmp_path)
