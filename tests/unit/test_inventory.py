"""armsledger.analysis.inventory (what the ledger holds) and the appendix and inventory tables
armsledger.present makes of it, on the whole small fixture ledger (as notebook 01 sees it)."""

from __future__ import annotations

import pandas as pd

from armsledger.analysis import inventory
from armsledger.present import downloads, sentences, tables


def test_headline_counts(small):
    counts = inventory.headline_counts(small)
    assert counts == {
        "records": 35, "claims": 49, "sources": 14, "independent_lines": 9,
        "by_certainty": {"confirmed": 15, "probable": 12, "possible": 7, "disputed": 1},
        "by_table": {"contracts": 4, "contract_lines": 1, "transfers": 10, "flights": 7, "events": 4,
                     "aggregates": 9},
        "latest_source": "2024-12-02",
    }
    display = sentences.ledger_variables(counts)
    assert display == {"records_total": "35", "claims_total": "49", "sources_total": "14", "independent_lines": "9",
                       "records_confirmed": "15", "records_probable": "12", "records_possible": "7",
                       "sources_up_to": "2 Dec 2024",
                       "records_disputed": "1"}


def test_table_titles_come_from_the_schema(small):
    assert inventory.table_titles(small) == {
        "contracts": "Contracts", "contract_lines": "Contract lines", "transfers": "Transfers", "flights": "Flights",
        "events": "Events", "aggregates": "Published totals"}


def test_rows_per_table(small):
    raw = inventory.rows_per_table(small).set_index("table")
    assert raw.at["Transfers", "records"] == 10 and raw.at["Transfers", "disputed"] == 1
    assert raw.at["Claims (evidence rows)", "records"] == 49 and pd.isna(raw.at["Claims (evidence rows)", "confirmed"])
    rows = tables.ledger_rows(inventory.rows_per_table(small)).set_index("table")
    assert rows.at["Transfers", "records"] == "10"
    assert rows.at["Transfers", "disputed"] == "1"
    assert rows.at["Flights", "confirmed"] == "0"
    assert rows.at["Claims (evidence rows)", "records"] == "49"
    assert rows.at["Claims (evidence rows)", "confirmed"] == ""
    assert rows.at["Sources cited", "records"] == "14"


def test_certainty_mix_and_sources(small):
    mix = tables.as_text(inventory.certainty_mix(small)).set_index("table")
    assert mix.loc["All records"].to_dict() == {"confirmed": "15", "probable": "12", "possible": "7", "disputed": "1"}
    assert mix.loc["Transfers"].to_dict() == {"confirmed": "3", "probable": "4", "possible": "2", "disputed": "1"}
    sources = tables.as_text(inventory.sources_by_type_and_language(small))
    assert sum(int(n) for n in sources["sources"]) == 14
    assert sources.iloc[0].to_dict() == {"type": "news", "language": "en", "sources": "3", "independent lines": "3"}
    # Five republications of one story, each in its own language: one line within each row.
    republications = sources[sources["type"] == "republication"]
    assert set(republications["language"]) == {"ar", "de", "en", "fr", "it", "sr"}
    assert set(republications["independent lines"]) == {"1"}


def test_coverage_by_month(small):
    coverage = inventory.coverage_by_month(small, pd.Timestamp("2024-01-01"), pd.Timestamp("2024-12-31"))
    assert len(coverage) == 12
    feb = coverage.loc[pd.Period("2024-02", "M")]
    assert (feb["Flights"], feb["Published totals"], feb["Transfers"]) == (2, 2, 1)
    assert coverage.loc[pd.Period("2024-12", "M")].sum() == 0
    # Month-spanning records (Dec 2023–Jan 2024) are left out; two days within July are one month.
    assert coverage.loc[pd.Period("2024-01", "M"), "Flights"] == 1
    assert coverage.loc[pd.Period("2024-07", "M"), "Flights"] == 1


def test_record_list(small):
    appendix = downloads.shown(tables.record_list(small))
    assert len(appendix) == 35
    assert list(appendix.columns) == ["id", "table", "date", "what", "value or count", "certainty", "why this tier",
                                      "sources"]
    rows = appendix.set_index("id")
    assert all(reason.startswith(("R1", "R2", "R3", "R4", "R5", "R6", "R7", "analyst override"))
               for reason in appendix["why this tier"])
    assert rows.at["small-donation-2019", "value or count"] == "≈ €600,000"
    assert rows.at["small-flights-2024-10", "value or count"] == "≥ 3"
    assert rows.at["small-2024-05", "value or count"] == "undisclosed"
    assert rows.at["small-2024-08", "value or count"] == "€200,000 – €300,000"
    assert rows.at["small-2024-03", "value or count"] == "≥ €500,000"
    assert rows.at["small-meeting-2024-09-11", "value or count"] == ""  # an event has no value
    assert rows.at["small-deal-2024-launchers", "what"] == "Launcher X (line of small-deal-2024)"
    assert rows.at["small-flights-jan-feb", "what"] == "Published total, cargo flights, Serbia → Israel"
    assert rows.at["small-2024-03", "what"] == "Čačak Fixture Works → Fixture Air Force: fictional shells"
    assert rows.at["small-flight-2024-01-15", "what"] == "2 × Fixture 707 BEG → Fixture base"
    # Five republications of one story, cited under the original they are known through.
    assert rows.at["small-2024-02", "sources"] == (
        "[@small-orig; via @small-rep-1; via @small-rep-2; via @small-rep-3; via @small-rep-4; via @small-rep-5]")
    assert rows.at["small-2024-01", "sources"] == "[@small-indep; @small-orig]"  # two lines, no relay
    assert rows.at["small-rumoured-deal", "sources"] == "[@small-nourl; via @small-rep-6]"
    assert rows.at["small-total-jan-feb", "date"] == "Jan + Feb 2024"
    assert rows.at["small-donation-2019", "date"] == "22 Jun 2019"
    assert rows.at["small-view-2024", "date"] == "by Nov 2024"
    assert rows.at["small-surveillance", "date"] == ""
    # Tables in the schema's order: contracts first, published totals last; within a table by date.
    assert appendix["table"].iloc[0] == "Contracts" and appendix["table"].iloc[-1] == "Published totals"
    assert list(appendix["id"].iloc[:4]) == ["small-donation-2019", "small-deal-2024", "small-rumoured-deal",
                                             "small-surveillance"]  # undated last, then by id


def test_record_descriptions(small):
    described = tables.record_descriptions(small, {"small-2024-10", "small-view-2024", "small-sea", "nothing"})
    assert described == {
        "small-2024-10": "Fixture Trade Co. → Israel: fictional shells, Oct 2024",
        "small-view-2024": "A fictional official said the exports would go on., by Nov 2024",
        "small-sea": "Fixture Trade Co. → Israel: fictional shells",
        "nothing": "nothing",
    }
    # A table this code does not know is described by its first prose field.
    assert tables.describe({"licence_id": "x", "description": "An export licence"}, "licences", str) == (
        "An export licence")
