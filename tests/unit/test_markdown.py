"""armsledger.present.markdown: DataFrames as pipe tables that Pandoc reads (and Typst prints), with text
from the data escaped; the cap on printed rows; and every table of an edition that shows nothing."""

from __future__ import annotations

import json
import math
import subprocess

import pandas as pd
import pypandoc
import pytest

from armsledger.analysis import contracts as contract_values
from armsledger.analysis import exports as export_values
from armsledger.analysis import inventory, reconcile, surveillance, timeline
from armsledger.model.ledger import load
from armsledger.present import markdown as md
from armsledger.present import sentences, tables
from tests.common import SMALL

INF = math.inf


def pandoc(markdown: str, to: str = "html", reader: str = "markdown") -> str:
    result = subprocess.run([pypandoc.get_pandoc_path(), "-f", reader, "-t", to], input=markdown,
                            capture_output=True, text=True, check=True, encoding="utf-8")
    return result.stdout


HOSTILE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", "@id", "a | b", "*bold* and _it_",
           "$x$ costs $5", "{{< var records_total >}}", "[click](javascript:alert(1))", "`code`", "# heading",
           "&lt;b&gt;", "<!-- hidden -->", "~~strike~~ ^sup^", "\\<script>", "1999--2001 -- and --- so ...",
           "\"quoted\" and Sa'ar's", "x.....y ----"]


@pytest.mark.parametrize(
    ("text", "escaped"),
    [
        ("<script>alert(1)</script>", r"\<script\>alert(1)\</script\>"),
        ("<img src=x onerror=alert(1)>", r"\<img src\=x onerror\=alert(1)\>"),
        ("@id", r"\@id"),
        ("a|b", r"a\|b"),
        ("*x*", r"\*x\*"),
        ("$5", r"\$5"),
        ("back\\slash", r"back\\slash"),
        ("two\n lines\t here", "two lines here"),
        (None, ""),
        (math.nan, ""),
        (pd.NA, ""),
        (42, "42"),
        ("Krušik, Čačak, Vučić", "Krušik, Čačak, Vučić"),
    ],
)
def test_escape(text, escaped):
    assert md.escape(text) == escaped


@pytest.mark.parametrize("text", HOSTILE)
def test_escaped_text_is_literal_in_pandoc_html(text):
    html = pandoc(md.escape(text))
    assert "<script" not in html and "<img" not in html and "<a " not in html
    assert "<em>" not in html and "<strong>" not in html and "<code>" not in html and "<h1" not in html
    assert "<span class=\"math" not in html and "citation" not in html and "<!--" not in html
    assert "<del>" not in html and "<sup>" not in html
    # The text is all there, as written: Pandoc's smart typography (on for our prose) leaves it alone.
    plain = pandoc(md.escape(text), to="plain").strip()
    assert plain == " ".join(text.split())


@pytest.mark.parametrize("text", ["1999--2001", "a --- b", "wait...", "\"so-called\" 'deal'"])
def test_dashes_dots_and_quotes_reach_typst_as_written(text):
    """Typst, too, reads `--` as an en dash and `...` as an ellipsis: the PDF prints the data as written."""
    typst = pandoc(md.escape(text), to="typst")
    assert not any(mark in typst for mark in "–—…“”‘’")
    assert "--" not in typst.replace("\\-", "")


def test_pipe_table_survives_hostile_cells():
    frame = pd.DataFrame({"title": HOSTILE, "n": [str(i) for i in range(len(HOSTILE))],
                          "sources": ["[@a; @b]"] + [""] * (len(HOSTILE) - 1)})
    markdown = md.to_markdown(frame, raw_columns=("sources",), align={"n": "right"})
    html = pandoc(markdown)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert html.count("<table") == 1 and html.count("</th>") == 3
    assert html.count("<tr") == len(HOSTILE) + 1
    # The raw column is our own Markdown: a citation stays a citation.
    assert 'data-cites="a b"' in html


def _pandoc_tables(markdown: str) -> list[dict]:
    document = json.loads(pandoc(markdown, to="json"))
    return [block for block in document["blocks"] if block["t"] == "Table"]


def test_to_markdown_is_a_pipe_table_pandoc_reads(small):
    frame = tables.ledger_rows(inventory.rows_per_table(small))
    markdown = md.to_markdown(frame, align=tables.NUMERIC_ALIGN)
    lines = markdown.splitlines()
    assert all(line.startswith("|") and line.endswith("|") for line in lines)
    assert len(lines) == len(frame) + 2
    separator = lines[1].strip("|").split("|")
    assert len(separator) == len(frame.columns)
    assert separator[0].startswith(":") and separator[1].endswith(":")  # table: left; records: right
    found = _pandoc_tables(markdown)
    assert len(found) == 1
    colspecs = found[0]["c"][2]
    assert len(colspecs) == len(frame.columns)
    assert [spec[0]["t"] for spec in colspecs][:2] == ["AlignLeft", "AlignRight"]
    body_rows = found[0]["c"][4][0][3]
    assert len(body_rows) == len(frame)


def test_to_markdown_of_an_appendix_parses_with_every_row(small):
    appendix = tables.record_list(small)
    markdown = md.to_markdown(appendix, raw_columns=("sources",))
    found = _pandoc_tables(markdown)
    assert len(found) == 1
    assert len(found[0]["c"][2]) == len([c for c in appendix.columns if not c.startswith("_")])
    assert len(found[0]["c"][4][0][3]) == len(appendix)


def test_to_markdown_empty_and_missing_cells():
    empty = md.to_markdown(pd.DataFrame(columns=["period", "value"]))
    assert empty.splitlines()[0].replace(" ", "") == "|period|value|"
    assert "No records match this edition" in empty.splitlines()[2]
    assert "No records match" in md.to_markdown(pd.DataFrame())
    markdown = md.to_markdown(pd.DataFrame({"a": [None, "x"], "sources": [math.nan, "[@s]"]}),
                                  raw_columns=("sources",))
    assert "nan" not in markdown and "None" not in markdown
    assert "[@s]" in markdown


def test_citations():
    assert md.citations(["a", "b-2"]) == "[@a; @b-2]"
    assert md.citations([]) == "" and md.citations(None) == ""


def test_citations_name_the_line_of_reporting():
    lineage = {"birn": "", "echo": "birn", "digest": "birn", "copy": "echo", "post": "", "avaz": ""}
    # The original first, each relay read after it marked "via"; lines in the order of their original.
    assert md.citations(["digest", "echo", "post"], lineage) == "[@birn; via @digest; via @echo; @post]"
    assert md.citations(["copy"], lineage) == "[@birn; via @copy]"  # a relay of a relay: still BIRN's line
    assert md.citations(["birn", "echo"], lineage) == "[@birn; via @echo]"  # the original read itself
    assert md.citations(["avaz"], lineage) == "[@avaz]"
    # An original the edition's bibliography does not hold is not named.
    assert md.citations(["lost-copy"], {"lost-copy": ""}) == "[@lost-copy]"
    assert md.citations([], lineage) == ""


def test_grouped_citations_render_with_citeproc(tmp_path):
    items = [{"id": i, "type": "article-newspaper", "author": [{"literal": name}], "title": i,
              "issued": {"date-parts": [[2024]]}} for i, name in (("birn", "BIRN"), ("echo", "Echo"),
                                                                  ("digest", "Digest"), ("post", "Post"))]
    bibliography = tmp_path / "refs.json"
    bibliography.write_text(json.dumps(items), encoding="utf-8")
    cited = md.citations(["digest", "echo", "post"], {"birn": "", "echo": "birn", "digest": "birn", "post": ""})
    result = subprocess.run([pypandoc.get_pandoc_path(), "--citeproc", "--bibliography", str(bibliography), "-t",
                             "plain"], input=f"X {cited}.\n", capture_output=True, text=True, check=True,
                            encoding="utf-8")
    assert " ".join(result.stdout.split()).startswith("X (BIRN 2024; via Digest 2024; via Echo 2024; Post 2024).")
    assert "WARNING" not in result.stderr


def test_lines_of_reporting_table(small):
    from armsledger.model import reporting

    shown = md.lines_of_reporting_table(reporting.lines_of_reporting(small))
    assert list(shown.columns) == ["original", "read", "known through (outlet, language, date)", "records"]
    rows = shown.set_index("original")
    assert rows.at["[@small-orig]", "read"] == "yes"
    assert rows.at["[@small-orig]", "known through (outlet, language, date)"] == (
        "Fixture Echo One (en, 3 Apr 2024); Fixture Echo Two (sr, 4 Apr 2024); Fixture Echo Three (de, 5 Apr 2024); "
        "Fixture Echo Four (fr, 6 Apr 2024); Fixture Echo Five (it, 7 Apr 2024)")
    assert (rows.at["[@small-nourl]", "read"], rows.at["[@small-nourl]", "known through (outlet, language, date)"]) \
        == ("no", "Fixture Echo Six (ar, 2 Sep 2024)")
    assert rows.at["[@small-blog]", "known through (outlet, language, date)"] == "read directly"
    assert md.lines_of_reporting_table(reporting.lines_of_reporting(load(SMALL, as_of="2019-01-01"))).empty
    markdown = md.to_markdown(shown, raw_columns=("original",))
    assert "[@small-orig]" in markdown and "\\@" not in markdown


def test_column_widths_follow_the_content():
    frame = pd.DataFrame({"id": ["agg-2024-jan-jul-arms-exports"], "n": ["3"], "what": ["x " * 80]})
    separator = md.to_markdown(frame, align={"n": "right"}).splitlines()[1]
    widths = [len(cell.strip(":")) for cell in separator.strip("|").split("|")]
    assert separator.split("|")[2].endswith(":")  # right-aligned
    assert widths[2] > widths[0] > widths[1]  # the long text gets most of the line; the id keeps its longest word
    assert sum(widths) <= md.LINE_CHARACTERS + 10


# =========================================================================== long tables


def test_long_tables_list_the_first_rows_and_say_how_many_there_are(small, items, monkeypatch):
    monkeypatch.setattr(md, "MAX_PRINTED_ROWS", 10)
    appendix = md.printed(tables.record_list(small))
    assert len(appendix) == 11
    assert list(appendix["id"].iloc[:10]) == list(tables.record_table(small)["id"].iloc[:10])
    closing = appendix.iloc[-1]
    assert closing["id"] == "…" and closing["sources"] == ""
    assert closing["what"] == ("25 more records are not listed: this table lists the first 10 of 35. Every one is "
                               "in the published data package (data/armsledger-data.zip).")
    shown = md.printed(tables.timeline_table(timeline.build_timeline(small)))
    assert len(shown) == 11 and shown["item"].iloc[-1].startswith(f"{len(timeline.build_timeline(small)) - 10} more")
    assert shown["date"].iloc[-1] == "…"


def test_a_short_appendix_is_complete(small):
    assert len(small.records) <= md.MAX_PRINTED_ROWS
    assert tables.record_list(small).equals(tables.record_table(small))


# =========================================================================== nothing to show


def test_every_analysis_runs_on_an_empty_ledger():
    """An edition whose filters leave nothing (as of a day before any source) still gives tables and numbers."""
    empty = load(SMALL, as_of="2019-01-01").select("probable", False, "2024-01", "2024-12")
    assert empty.records.empty
    items = timeline.build_timeline(empty)
    exports = export_values.customs_exports(empty, "EUR")
    contracts = contract_values.contract_values(empty, "EUR")
    totals = export_values.published_totals(empty, "EUR")
    recon = reconcile.reconcile(empty, "EUR")
    conflicts = reconcile.contradictions(empty)
    frames = [
        tables.timeline_table(items), tables.exports_table(exports, "EUR"), tables.yearly_table(exports, "EUR"),
        tables.exporter_table(exports, "EUR"), tables.contracts_table(contracts, "EUR"),
        tables.reconciliation_table(recon, "EUR"),
        tables.contradictions_table(conflicts, empty), tables.ledger_rows(inventory.rows_per_table(empty)),
        tables.as_text(inventory.sources_by_type_and_language(empty)), tables.as_text(inventory.certainty_mix(empty)),
        tables.record_list(empty), tables.procurements_table(surveillance.procurements(empty, "EUR"), "EUR"),
        tables.surveillance_events_table(surveillance.events(empty)), tables.labelled_totals(totals, "EUR"),
    ]
    for frame in frames:
        markdown = md.to_markdown(frame)
        assert markdown.startswith("| "), markdown
    assert sentences.values_variables(sentences.values_summary(exports, contracts, totals, "EUR"), "EUR",
                                      ("2024",))["exports_ledger_2024"] == "no recorded shipment"
    shown = sentences.reconciliation_variables(reconcile.summarise(recon, conflicts), "EUR")
    assert shown["recon_largest_gap"] == "none"
    assert shown["recon_summary"] == (
        "No published total passes this edition's filters. No two sources contradict each other in this edition.")
    assert inventory.headline_counts(empty)["records"] == 0
    watch = sentences.surveillance_variables(surveillance.summarise(empty))
    assert watch["surveillance_israeli_makers_named"] == "none"
