"""How an edition is cited and what its page tells link previews; the notebook copies readers get."""

import json
import re
from types import SimpleNamespace

import nbformat

from armsledger.pipeline import findable, publish
from armsledger.pipeline.project import Project

EDITION = SimpleNamespace(name="latest", title="Latest edition", description="Everything *published*.")
PROJECT = Project(title="armsledger", authors=("A. Writer", "B. Coder"), repository="https://example.org/repo",
                  keywords=("arms trade",))


def test_a_citation_names_the_edition_its_data_version_and_date():
    cited = findable.citation(PROJECT, EDITION, "0123456789abcdef", "2026-11-30")
    assert cited == ("A. Writer, B. Coder (2026). armsledger. Latest edition, data version 0123456789ab, "
                     "built 2026-11-30. https://example.org/repo")


def test_the_page_head_describes_the_edition_in_plain_text():
    variables = {"standfirst": r"Serbia sold \$1 *bn* of arms [@birn2024]."}
    head = findable.page_head(PROJECT, EDITION, variables, "0123456789abcdef", "2026-11-30")
    assert '<meta property="og:description" content="Serbia sold $1 bn of arms .">' in head
    ld = json.loads(re.search(r'<script type="application/ld\+json">(.*)</script>', head).group(1))
    assert ld["@type"] == "Dataset" and ld["version"] == "0123456789ab" and ld["dateModified"] == "2026-11-30"
    assert {d["contentUrl"] for d in ld["distribution"]} >= {"data/datapackage.json", "armsledger.db"}


def test_data_cannot_break_out_of_the_page_head():
    variables = {"standfirst": '</script><script>alert(1)</script> "quoted" & <b>'}
    head = findable.page_head(PROJECT, EDITION, variables, "0" * 16, "2026-11-30")
    assert head.count("<script") == 1 and head.count("</script>") == 1
    ld = re.search(r'<script type="application/ld\+json">(.*)</script>', head).group(1)
    assert "<" not in ld and json.loads(ld)["description"].startswith("</script>")
    assert '"quoted"' not in head.split("<script")[0]


def test_a_long_description_is_cut_at_a_word_for_previews():
    variables = {"standfirst": "word " * 200}
    head = findable.page_head(PROJECT, EDITION, variables, "0" * 16, "2026-11-30")
    preview = re.search(r'<meta name="description" content="([^"]*)"', head).group(1)
    assert len(preview) <= 300 and preview.endswith("word…")


def test_a_readers_notebook_names_no_build_machine_folder(tmp_path):
    book = nbformat.v4.new_notebook()
    injected = nbformat.v4.new_code_cell('data_dir = "/home/ci/work/data"\nout_dir = "/tmp/x/build/latest"\nas_of = ""')
    injected.metadata.update(tags=["injected-parameters"], papermill={"duration": 1.0},
                             execution={"iopub.status.busy": "2026-11-30"})
    book.cells.append(injected)
    book.metadata["papermill"] = {"input_path": "/home/ci/work/notebooks/01.ipynb"}
    source = tmp_path / "01.ipynb"
    nbformat.write(book, str(source))
    cleaned = publish.clean_notebook(source, "latest")
    text = nbformat.writes(cleaned)
    assert "/home/ci" not in text and "/tmp/x" not in text and "2026-11-30" not in text
    assert cleaned.cells[0].source == 'data_dir = "data"\nout_dir = "build/latest"\nas_of = ""'


def test_a_notebook_page_runs_no_script(tmp_path):
    book = nbformat.v4.new_notebook()
    book.cells.append(nbformat.v4.new_markdown_cell("# Ledger"))
    source = tmp_path / "01-ledger.ipynb"
    nbformat.write(book, str(source))
    page, copy = tmp_path / "pages/01-ledger.html", tmp_path / "pages/01-ledger.ipynb"
    publish.notebook_page(source, page, copy, "latest")
    html = page.read_text()
    assert "<script" not in html and "Ledger" in html and "http" not in html.split("<body>")[0].replace(
        "http-equiv", "")
    assert copy.exists()
