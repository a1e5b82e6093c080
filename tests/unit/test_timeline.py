"""armsledger.analysis.timeline (the dated items, one lane per kind) and the reader's timeline table and
chart labels (armsledger.present.tables), on the small fixture ledger as the default edition sees it."""

from __future__ import annotations

import pandas as pd

from armsledger.analysis import timeline
from armsledger.model.ledger import load
from armsledger.present import downloads, sentences, tables
from tests.common import SMALL


def test_timeline_counts(items):
    summary = timeline.summarise(items)
    assert summary == {
        "items": 25,
        "undated_items": 3,
        "by_lane": {"Contracts": 3, "Transfers": 10, "Flights": 7, "Surveillance": 3, "Diplomacy & statements": 2},
        "first_date": "2023-11-01",
        "last_date": "2026-12-31",
    }
    assert sentences.timeline_variables(summary) == {"timeline_items": "25", "timeline_undated": "3",
                                                      "timeline_flights": "7"}
    assert list(items.columns) == timeline.COLUMNS
    assert timeline.LANES == ("Contracts", "Transfers", "Flights", "Surveillance", "Diplomacy & statements")


def test_analysis_frames_carry_no_display_text(items):
    """Words for readers (text, label) are added by the present layer, not by the analysis."""
    assert "label" not in items and "text" not in items
    shown = tables.timeline_items(items)
    assert list(shown.columns) == [*timeline.COLUMNS, "text", "label"]
    assert list(shown.index) == list(items.index)


def test_timeline_spans_points_and_delivery_window(items):
    rows = tables.timeline_items(items).set_index(["record_id", "kind"])
    window = rows.loc[("small-deal-2024", "delivery window")]
    assert (window["earliest"], window["latest"]) == (pd.Timestamp("2025-01-01"), pd.Timestamp("2026-12-31"))
    assert window["is_span"] and window["lane"] == "Contracts"
    assert window["label"] == "Deliveries: Fictional launcher purchase"
    signed = rows.loc[("small-deal-2024", "contract (purchase)")]
    assert signed["date"] == "2024-10" and signed["is_span"]  # a month is a span, not a point
    flight = rows.loc[("small-flight-2024-01-15", "flight")]
    assert flight["precision"] == "day" and not flight["is_span"]
    assert flight["label"] == "2 flights BEG → Fixture base"
    assert rows.loc[("small-flight-2024-02-20", "flight"), "label"] == "1 flight BEG"
    assert rows.loc[("small-flights-2024-10", "flight"), "label"] == "≥3 flights BEG"
    assert rows.loc[("small-flight-2024-08-05", "flight"), "label"] == "2 flights → Israel"  # not "2 flights Israel"
    two_days = rows.loc[("small-flight-2024-07-21", "flight")]
    assert two_days["precision"] == "interval" and two_days["is_span"]
    assert rows.loc[("small-2024-02", "transfer"), "label"] == "Fixture Trade Co. ≈ €2.5m"
    assert rows.loc[("small-2024-03", "transfer"), "label"] == "Čačak Fixture Works ≥ €0.50m"
    assert rows.loc[("small-2024-06", "transfer"), "label"] == "Fixture Trade Co. $1.1m"  # as reported, in dollars
    # undisclosed: what, not a value
    assert rows.loc[("small-2024-05", "transfer"), "label"] == "Fixture Trade Co.: fictional shells"
    assert rows.loc[("small-sea", "transfer by sea"), "lane"] == "Transfers"
    assert rows.loc[("small-to-broker-2024-04", "transfer by land"), "label"] == "Fixture Trade Co. by land ≈ €0.30m"
    assert rows.loc[("small-incident-2024-07-20", "surveillance_incident"), "lane"] == "Surveillance"
    assert rows.loc[("small-surveillance", "contract (procurement)"), "lane"] == "Surveillance"
    assert rows.loc[("small-meeting-2024-09-11", "meeting"), "lane"] == "Diplomacy & statements"
    assert rows.loc[("small-view-2024", "statement"), "lane"] == "Diplomacy & statements"  # an arms event
    assert (rows["label"].str.len() <= 52).all()


def test_undated_records_are_placed_at_their_first_report(items):
    undated = items[items["dated_by_report"]].set_index("record_id")
    assert set(undated.index) == {"small-sea", "small-surveillance", "small-rumoured-deal"}
    deal = undated.loc["small-rumoured-deal"]
    # Cited from the republication of 2 Sep 2024; first reported in its original, dated only to August.
    assert (deal["earliest"], deal["latest"]) == (pd.Timestamp("2024-08-01"), pd.Timestamp("2024-08-31"))
    assert deal["precision"] == "month" and deal["is_span"]
    table = tables.timeline_table(items).set_index(items["record_id"])
    assert table.at["small-rumoured-deal", "date"] == "undated (first reported Aug 2024)"
    # A source dated only to the month is shown as that month, not as the day the filter uses.
    sea = undated.loc["small-sea"]
    assert (sea["earliest"], sea["latest"]) == (pd.Timestamp("2024-06-01"), pd.Timestamp("2024-06-30"))
    assert table.at["small-sea", "date"] == "undated (first reported Jun 2024)"
    assert table.at["small-surveillance", "date"] == "undated (first reported Sep 2024)"


def test_a_record_known_only_by_a_date_keeps_its_open_start(items):
    view = items.set_index("record_id").loc["small-view-2024"]
    assert pd.isna(view["earliest"]) and view["latest"] == pd.Timestamp("2024-11-30")
    assert not view["dated_by_report"]
    assert tables.timeline_table(items).set_index(items["record_id"]).at["small-view-2024", "date"] == "by Nov 2024"


def test_timeline_table_keeps_the_full_text_that_chart_labels_shorten(items):
    meeting = tables.timeline_items(items).set_index("record_id").loc["small-meeting-2024-09-11"]
    assert meeting["label"].endswith("…") and len(meeting["label"]) <= 52
    assert meeting["text"].startswith(meeting["label"][:-1]) and len(meeting["text"]) > 52
    table = tables.timeline_table(items)
    assert meeting["text"] in set(table["item"])


def test_timeline_is_sorted_and_cited(items):
    dated = items["earliest"].dropna()
    assert dated.is_monotonic_increasing
    table = downloads.shown(tables.timeline_table(items))
    assert len(table) == len(items)
    assert list(table.columns) == ["date", "lane", "item", "kind", "certainty", "sources"]
    row = table[table["item"] == "Fixture Trade Co. €1.0m"].iloc[0]
    assert row["date"] == "Jan 2024"
    assert row["certainty"] == "confirmed"
    assert row["sources"] == "[@small-indep; @small-orig]"
    assert row["kind"] == "transfer"
    assert set(table[table["lane"] == "Surveillance"]["kind"]) == {"surveillance incident", "contract (procurement)",
                                                                    "statement"}  # underscores become spaces


def test_timeline_of_an_empty_ledger():
    empty = load(SMALL, as_of="2019-01-01").select("confirmed", False, "2024-01", "2024-12")
    frame = timeline.build_timeline(empty)
    assert frame.empty and list(frame.columns) == timeline.COLUMNS
    assert timeline.summarise(frame)["first_date"] is None
    assert tables.timeline_table(frame).empty
