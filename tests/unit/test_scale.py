"""Scale: a ledger of many copies of the small fixture (benchmarks/synthetic.py) through every table
function of present.tables and the printed-row cap; the chart aggregation thresholds on synthetic frames."""

from __future__ import annotations

import importlib.util
import inspect

import pandas as pd
import pytest

from armsledger import paths
from armsledger.analysis import contracts as contract_values
from armsledger.analysis import exports as export_values
from armsledger.analysis import halts, inventory, reconcile, surveillance, timeline
from armsledger.model.ledger import load
from armsledger.present import markdown as md
from armsledger.present import tables
from tests.common import SMALL

# The cap during these tests: small, so that a ledger of a few hundred records overflows every table
# that grows with the ledger, as 300,000 records overflow the real cap of 250.
CAP = 12
COPIES = 12


def _synthetic():
    """benchmarks/synthetic.py as a module (the benchmarks folder is no package)."""
    spec = importlib.util.spec_from_file_location("synthetic", paths.BENCHMARKS / "synthetic.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """The small fixture ledger copied COPIES times with new ids: every record table grows."""
    folder = tmp_path_factory.mktemp("big") / "data"
    per_copy = len(load(SMALL).records)
    _synthetic().generate(folder, records=per_copy * COPIES, data=SMALL)
    return load(folder)


def _table_frames(ledger) -> dict[str, pd.DataFrame]:
    """Every table function of present.tables on `ledger`, as the notebooks call them."""
    items = timeline.build_timeline(ledger)
    exports = export_values.customs_exports(ledger, "EUR")
    contracts = contract_values.contract_values(ledger, "EUR")
    stopped = halts.halts(ledger)
    return {
        "ledger_rows": tables.ledger_rows(inventory.rows_per_table(ledger)),
        "as_text": tables.as_text(inventory.sources_by_type_and_language(ledger)),
        "record_table": tables.record_table(ledger),
        "record_list": tables.record_list(ledger),
        "timeline_items": tables.timeline_items(items),
        "timeline_table": tables.timeline_table(items),
        "exports_table": tables.exports_table(exports, "EUR"),
        "yearly_table": tables.yearly_table(exports, "EUR"),
        "exporter_table": tables.exporter_table(exports, "EUR"),
        "contracts_table": tables.contracts_table(contracts, "EUR"),
        "labelled_totals": tables.labelled_totals(export_values.published_totals(ledger, "EUR"), "EUR"),
        "reconciliation_table": tables.reconciliation_table(reconcile.reconcile(ledger, "EUR"), "EUR"),
        "contradictions_table": tables.contradictions_table(reconcile.contradictions(ledger), ledger),
        "procurements_table": tables.procurements_table(surveillance.procurements(ledger, "EUR"), "EUR"),
        "surveillance_events_table": tables.surveillance_events_table(surveillance.events(ledger)),
        "halts_table": tables.halts_table(stopped, halts.flows_during(ledger, stopped), ledger),
    }


def _frame_functions() -> set[str]:
    """The functions of present.tables that return a table frame."""
    return {name for name, function in inspect.getmembers(tables, inspect.isfunction)
            if function.__module__ == tables.__name__
            and inspect.signature(function).return_annotation == "pd.DataFrame"}


def test_every_table_function_is_in_the_scale_test():
    """A new table function must be added to _table_frames, so that the cap is tested on it too."""
    source = inspect.getsource(_table_frames)
    assert {name for name in _frame_functions() if f"tables.{name}(" not in source} == set()


def test_every_printed_table_is_capped_with_a_line_saying_how_many_more(big, monkeypatch):
    monkeypatch.setattr(md, "MAX_PRINTED_ROWS", CAP)
    frames = _table_frames(big)
    overflowing = []
    for name, frame in frames.items():
        body = md.to_markdown(frame, raw_columns=("sources",)).splitlines()[2:]  # header and separator rows
        assert len(body) <= CAP + 1, name
        if len(frame) > CAP:
            overflowing.append(name)
            assert len(body) == CAP + 1, name
            assert f"{len(frame) - CAP:,} more " in body[-1] and " in the data" in body[-1], (name, body[-1])
            assert "…" in body[-1], name
    # The tables that grow with the ledger did overflow: the test saw what 300,000 records do.
    assert {"record_list", "timeline_table", "contracts_table", "reconciliation_table", "contradictions_table",
            "surveillance_events_table", "procurements_table"} <= set(overflowing)


def test_a_table_with_no_note_column_is_capped_too(monkeypatch):
    monkeypatch.setattr(md, "MAX_PRINTED_ROWS", 3)
    frame = pd.DataFrame({"_record_id": range(10), "year": [str(2000 + i) for i in range(10)],
                          "what happened": ["a long sentence about it"] * 10, "sources": ["[@a; @b; @c]"] * 10})
    shown = md.printed(frame)
    assert len(shown) == 4 and shown["year"].iloc[-1] == "…"
    assert shown["what happened"].iloc[-1].startswith("7 more rows in the data: this table lists the first 3 of 10.")
    assert md.printed(shown).equals(shown)  # capping twice changes nothing


# =========================================================================== halts: each flow once


def _halt(record_id: str, start: str, end: str | None) -> dict:
    return {"record_id": record_id, "summary": "stop", "date": start, "earliest": pd.Timestamp(start),
            "latest": pd.Timestamp(end) if end else pd.NaT, "certainty": "confirmed", "source_ids": ["s"]}


def test_a_flow_is_listed_once_under_the_first_halt_in_force():
    """Many halts over the same months (a synthetic ledger copies one halt thousands of times) must not
    multiply the flows: each flow goes under the first halt whose period it meets."""
    from types import SimpleNamespace

    stops = pd.DataFrame([_halt("h1", "2024-03-01", None), _halt("h2", "2024-03-01", None),
                          _halt("h3", "2024-06-01", "2024-06-30"), _halt("h4", "2026-01-01", "2026-02-01")])
    days = pd.to_datetime(["2024-02-01", "2024-03-15", "2024-06-10", "2024-02-20"])
    ends = pd.to_datetime(["2024-02-28", "2024-03-15", "2024-06-10", "2024-03-10"])
    records = pd.DataFrame({"record_id": ["before", "mar", "jun", "across"], "table": "flights",
                            "date": ["x"] * 4, "earliest": days, "latest": ends, "certainty": "confirmed",
                            "source_ids": [["s"]] * 4})
    during = halts.flows_during(SimpleNamespace(records=records), stops)
    assert list(during["record_id"]) == ["across", "mar", "jun"] and set(during["halt_id"]) == {"h1"}
    assert dict(zip(during["record_id"], during["placement"], strict=True)) == {
        "across": "partly", "mar": "inside", "jun": "inside"}
    assert halts.within_earlier(stops) == {"h2", "h3", "h4"}  # h1 has no end: every later halt meets it


def test_a_download_cell_lists_at_most_max_listed_ids():
    ids = [f"r{i}" for i in range(tables.MAX_LISTED_IDS + 5)]
    assert tables.listed_ids(ids[:3]) == ids[:3]
    listed = tables.listed_ids(ids)
    assert len(listed) == tables.MAX_LISTED_IDS + 1 and listed[-1] == "… 5 more in the data"


# =========================================================================== charts: aggregate, don't overplot


@pytest.fixture
def agg():
    import matplotlib

    matplotlib.use("Agg")
    from armsledger.present import charts

    return charts


START, END = pd.Timestamp("2023-01-01"), pd.Timestamp("2025-12-31")


def test_month_counts_count_each_item_in_its_first_month_within_the_axis(agg):
    items = pd.DataFrame({"earliest": pd.to_datetime(["2022-05-01", "2023-01-10", "2023-01-31", "2023-03-02"])})
    counts = agg.month_counts(items, START, END)
    assert len(counts) == 36 and counts.sum() == 4
    assert counts[pd.Period("2023-01", "M")] == 3 and counts[pd.Period("2023-02", "M")] == 0  # the first clipped


def test_a_lane_of_count_items_from_is_bars_per_month_and_fewer_a_strip(small, agg):
    import matplotlib.pyplot as plt

    items = timeline.build_timeline(small)
    flights = items[items["lane"] == "Flights"]
    copies = -(-agg.COUNT_ITEMS_FROM // len(flights))
    many = pd.concat([flights] * copies, ignore_index=True).iloc[:agg.COUNT_ITEMS_FROM]
    fig = agg.timeline_chart(pd.concat([items[items["lane"] != "Flights"], many], ignore_index=True), START, END)
    texts = [t.get_text().replace("\n", " ") for t in fig.axes[1].texts]
    assert any(t.startswith(f"Flights: {agg.COUNT_ITEMS_FROM:,} items, bars count them per month (most:")
               for t in texts), texts
    assert len(fig.axes[1].patches) < 200  # one bar per month, not one mark per item
    plt.close(fig)
    fewer = many.iloc[:agg.COUNT_ITEMS_FROM - 1]
    fig = agg.timeline_chart(pd.concat([items[items["lane"] != "Flights"], fewer], ignore_index=True), START, END)
    texts = [t.get_text().replace("\n", " ") for t in fig.axes[1].texts]
    assert f"Flights: {len(fewer):,} items, labelled in the table below" in texts
    plt.close(fig)


def test_more_than_max_labelled_halts_share_one_label_over_merged_bands(small, agg):
    import matplotlib.pyplot as plt

    items = timeline.build_timeline(small)
    # The fixture has no halt: an event item made into one, in force from March 2024 with no end.
    halt = items[items["lane"] == "Diplomacy & statements"].iloc[:1].assign(
        kind=halts.HALT, date="2024-03", earliest=pd.Timestamp("2024-03-01"), latest=pd.NaT, is_span=True)
    heights = {}
    for n in (agg.MAX_LABELLED_HALTS, agg.MAX_LABELLED_HALTS + 1, 400):
        copies = pd.concat([halt] * n, ignore_index=True).assign(record_id=[f"h{i}" for i in range(n)])
        fig = agg.timeline_chart(pd.concat([items[items["kind"] != halts.HALT], copies], ignore_index=True),
                                 START, END)
        texts = [t.get_text().replace("\n", " ") for t in fig.axes[1].texts]
        heights[n] = fig.get_size_inches()[1]
        if n > agg.MAX_LABELLED_HALTS:
            assert any(t.startswith(f"{n:,} export halts (shaded)") for t in texts), texts
            assert sum("Export halt from" in t for t in texts) == 0
        else:
            assert sum("Export halt from" in t for t in texts) == n
        plt.close(fig)
    assert heights[400] == heights[agg.MAX_LABELLED_HALTS + 1]  # the chart does not grow with the halts
    spans = agg.merged_spans(pd.DataFrame({
        "earliest": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-06-01"]),
        "latest": pd.to_datetime(["2024-03-01", pd.NaT, "2024-07-01"])}), END)
    assert spans == [(pd.Timestamp("2024-01-01"), END)]


@pytest.mark.parametrize(("months", "unit", "bars"), [(72, "month", 72), (73, "quarter", 25), (360, "year", 30)])
def test_coverage_counts_per_quarter_or_year_over_a_long_period(agg, months, unit, bars):
    index = pd.period_range("1990-01", periods=months, freq="M")
    coverage = pd.DataFrame({"Flights": 1, "Transfers": 2}, index=index)
    binned, word = agg.coverage_bins(coverage)
    assert (word, len(binned)) == (unit, bars)
    assert binned.to_numpy().sum() == coverage.to_numpy().sum()  # every record still counted


# =========================================================================== the bibliography Pandoc reads


def test_pandoc_reads_only_the_sources_the_report_cites(tmp_path):
    import json

    from armsledger.render.pandoc import cited_bibliography

    references = tmp_path / "references.json"
    references.write_text(json.dumps([{"id": f"src-{i}", "title": str(i)} for i in range(1000)]), encoding="utf-8")
    page = tmp_path / "index.md"
    page.write_text("As [@src-1; @src-20] say, and @src-300. Not src-4.", encoding="utf-8")
    cited = json.loads(cited_bibliography([page], references, tmp_path / "cited.json").read_text(encoding="utf-8"))
    assert [entry["id"] for entry in cited] == ["src-1", "src-20", "src-300"]


# =========================================================================== downloads in constant memory


def test_records_json_is_valid_json_and_read_one_record_at_a_time(tmp_path):
    import json

    from armsledger.pipeline.edition_data import read_records, write_records

    rows = [{"record_id": f"r{i}", "source_ids": ["a", "b"], "note": "x,\n]"} for i in range(3)]
    path = write_records(rows, tmp_path / "records.json")
    assert json.loads(path.read_text(encoding="utf-8")) == rows
    assert list(read_records(path)) == rows
    assert list(read_records(write_records([], tmp_path / "none.json"))) == []
    (tmp_path / "indented.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")  # an older build's
    assert list(read_records(tmp_path / "indented.json")) == rows


def test_the_workbook_streams_one_sheet_per_csv_after_a_readme(tmp_path):
    from openpyxl import load_workbook

    from armsledger.pipeline import downloads

    files = []
    for name in ("table-a", "table-b"):
        path = tmp_path / f"{name}.csv"
        path.write_text("id,value\nx,1.5\n'=y,2\n", encoding="utf-8")
        files.append(path)
    about = dict.fromkeys(("edition", "title", "version", "build_date"), "")
    target = downloads.write_workbook(files, tmp_path / "book.xlsx", about)
    book = load_workbook(target, read_only=True)
    assert book.sheetnames == ["README", "a", "b"]
    assert [list(r) for r in book["a"].iter_rows(values_only=True)] == [["id", "value"], ["x", 1.5], ["'=y", 2.0]]
    readme = [r[0] for r in book["README"].iter_rows(values_only=True) if r]
    assert "a" in readme and "b" in readme


def test_the_lead_chart_draws_a_few_other_totals_per_year_and_counts_the_rest(big):
    """At 300,000 records a year held thousands of totals, and the lead chart grew to a 7 GB raster."""
    import matplotlib.pyplot as plt

    from armsledger.present import charts

    exports = export_values.customs_exports(big, "EUR")
    view = export_values.years_as_published(export_values.published_totals(big, "EUR"), exports)
    others = view[view["role"] == "other"].groupby("year").size()
    crowded = others[others > charts.OTHER_TOTALS_PER_YEAR]
    assert not crowded.empty
    heights = []
    for copies in (1, 3):
        more = pd.concat([view, *[view[view["role"] == "other"]] * (copies - 1)], ignore_index=True)
        fig = charts.years_chart(more.sort_values("year", kind="stable"), "EUR")
        texts = [t.get_text().replace("\n", " ") for t in fig.axes[-1].texts]
        for year, n in crowded.items():
            assert f"… and {n * copies - charts.OTHER_TOTALS_PER_YEAR:,} more totals for {year}, not drawn " \
                   "(every one is in the figure's data)" in " ".join(texts)
        heights.append(fig.get_size_inches()[1])
        plt.close(fig)
    assert heights[0] == heights[1]  # the chart does not grow with the totals


def test_a_chart_note_names_a_few_converted_copies_and_counts_the_rest(big):
    """At 300,000 records the note under the reconciliation chart named tens of thousands of copies and
    drawing it took minutes."""
    from armsledger.present import figures

    exports = export_values.customs_exports(big, "EUR")
    totals = export_values.published_totals(big, "EUR")
    copies = figures._copies(big, exports, totals)
    copied = int(copies["is_copy"].sum())
    assert copied > figures.NAMED_IN_NOTE
    note = figures.copies_note(totals, copies, big)
    assert note.count(" for ") == figures.NAMED_IN_NOTE
    assert f"and {copied - figures.NAMED_IN_NOTE} other totals" in note


def test_a_long_table_fills_its_sheet_to_the_cap_and_says_where_the_rest_is(tmp_path, monkeypatch):
    from openpyxl import load_workbook

    from armsledger.pipeline import downloads

    monkeypatch.setattr(downloads, "WORKBOOK_MAX_ROWS", 3)
    path = tmp_path / "table-long.csv"
    path.write_text("id,note\n" + "".join(f'r{i},"two\nlines"\n' for i in range(5)), encoding="utf-8")
    short = tmp_path / "table-short.csv"
    short.write_text("id\n" + "".join(f"s{i}\n" for i in range(3)), encoding="utf-8")
    about = dict.fromkeys(("edition", "title", "version", "build_date"), "")
    book = load_workbook(downloads.write_workbook([path, short], tmp_path / "book.xlsx", about), read_only=True)
    rows = [list(r) for r in book["long"].iter_rows(values_only=True)]
    assert rows[:4] == [["id", "note"], ["r0", "two\nlines"], ["r1", "two\nlines"], ["r2", "two\nlines"]]
    assert rows[4][0] == "… and 2 more rows: every row is in data/tables/table-long.csv" and len(rows) == 5
    assert len(list(book["short"].iter_rows())) == 4  # exactly at the cap: no closing row
    readme = " ".join(str(r[0]) for r in book["README"].iter_rows(values_only=True) if r)
    assert "at most 3 rows" in readme


# =========================================================================== validation's quick pass


@pytest.mark.parametrize("overlay", [None, *sorted(p.name for p in (SMALL.parent / "bad").iterdir())])
def test_the_quick_pass_finds_what_frictionless_finds(make_ledger, monkeypatch, overlay):
    """validate.fastpath may only skip Frictionless where Frictionless finds nothing: on the valid
    fixture and every broken one, validation reports the same problems with the quick pass as with
    Frictionless always run."""
    from armsledger.validate import fastpath, tabular, validate

    data = make_ledger(f"bad/{overlay}" if overlay else None)
    verdicts = []
    monkeypatch.setattr(tabular, "surely_clean", lambda *a: verdicts.append(fastpath.surely_clean(*a)) or verdicts[-1])
    quick = validate(data).problems
    monkeypatch.setattr(tabular, "surely_clean", lambda *a: False)
    assert validate(data).problems == quick, overlay
    if overlay is None:
        assert verdicts == [True]  # the valid fixture takes the quick way


# =========================================================================== contradictions: pairs grow linearly


def test_a_large_group_of_totals_is_compared_with_its_first_and_what_each_restates():
    from types import SimpleNamespace

    from armsledger.analysis.reconcile import MAX_PAIRWISE_TOTALS, _compared_pairs

    def pairs(n: int, restates: dict[str, str]) -> set[tuple[str, str]]:
        group = [SimpleNamespace(aggregate_id=f"t{i}") for i in range(n)]
        return {(a.aggregate_id, b.aggregate_id) for a, b in _compared_pairs(group, restates)}

    small = MAX_PAIRWISE_TOTALS
    assert len(pairs(small, {})) == small * (small - 1) // 2  # every pair, as before
    big = pairs(1000, {"t7": "t5"})
    assert len(big) == 999 + 1 and ("t0", "t7") in big and ("t5", "t7") in big
