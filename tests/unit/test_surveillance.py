"""armsledger.analysis.surveillance (procurements, makers, events) and its tables and sentence, on the whole
small fixture ledger (as notebook 05 sees it)."""

from __future__ import annotations

from types import SimpleNamespace

import pandas as pd

from armsledger.analysis import surveillance, timeline
from armsledger.model.fx import fx_rate
from armsledger.model.ledger import load
from armsledger.present import sentences, tables
from tests.common import SMALL


def test_surveillance_summary(small):
    summary = surveillance.summarise(small)
    assert summary == {
        "procurements": 2,
        # The maker is the producer, else a vendor that sold it; the donor state is no maker.
        "makers": ["small-forensics", "small-maker"],
        "makers_country_unknown": [],
        "makers_country_unknown_names": [],
        "israeli_makers": ["small-maker"],
        "israeli_maker_names": ["Fixture Systems Ltd"],
        "events": 2,
        "incidents": 1,  # the unlocked phone; the vendor's statement is no incident
    }
    shown = sentences.surveillance_variables(summary)
    assert shown["surveillance_israeli_makers_named"] == "Fixture Systems Ltd"
    assert (shown["surveillance_procurements"], shown["surveillance_makers"], shown["surveillance_israeli_makers"],
            shown["surveillance_incidents"]) == ("2", "2", "1", "1")


def test_procurements_in_date_order(small):
    frame = surveillance.procurements(small, "EUR")
    assert list(frame.columns) == surveillance.PROCUREMENT_COLUMNS
    assert list(frame["record_id"]) == ["small-donation-2019", "small-surveillance"]  # undated: at its first report
    assert frame.iloc[1]["earliest"] == pd.Timestamp("2024-09-30")


def test_surveillance_tables(small):
    procurements = tables.procurements_table(surveillance.procurements(small, "EUR"), "EUR").set_index("what")
    donation = procurements.loc["Fictional donation of forensic kits to the agency"]
    assert (donation["when"], donation["value"]) == ("22 Jun 2019", "≈ €600,000")
    # The donor's own release confirms the donation (R1); only the NGO names the maker (R5).
    assert donation["certainty"] == "confirmed"
    assert donation["maker"] == "Fixture Forensics AB (probable, per Fixture Watch)"
    assert (donation["kind"], donation["supplier"], donation["for"]) == ("donation", "Fixture Kingdom",
                                                                         "Fixture Security Agency")
    tracking = procurements.loc["Fictional phone-tracking system | used by *the* agency"]
    assert tracking["when"] == "first reported Sep 2024" and tracking["value"] == "undisclosed"
    assert tracking["maker"] == "Fixture Systems Ltd"  # no producer named: the vendor that sold it, as sure as the deal
    usd = tables.procurements_table(surveillance.procurements(small, "USD"), "USD").set_index("what")
    in_usd = 600_000 * fx_rate("EUR", "USD", "2019-06-22").rate
    assert usd.loc[donation.name, "value"] == f"≈ €600,000 (${in_usd:,.0f})"
    events = tables.surveillance_events_table(surveillance.events(small))
    assert list(events["date"]) == ["20 Jul 2024", "Nov 2024"]
    assert list(events["kind"]) == ["surveillance incident", "statement"]
    assert events.iloc[0]["where"] == "Niš"


def test_surveillance_sentence(small):
    text = sentences.surveillance_variables(surveillance.summarise(small))["surveillance_summary"]
    assert text == ("The ledger records 2 procurements, licences or donations of surveillance technology for "
                    "Serbian state bodies, from 2 named makers; 1 of them is Israeli (Fixture Systems Ltd), "
                    "and 1 documented incident.")


def test_generated_sentences_count_in_words_that_agree():
    one = {"procurements": 1, "makers": ["x"], "israeli_makers": ["x"], "israeli_maker_names": ["X"],
           "events": 1, "incidents": 1}
    assert sentences.surveillance_variables(one)["surveillance_summary"] == (
        "The ledger records 1 procurement, licence or donation of surveillance technology for Serbian state "
        "bodies, from 1 named maker; it is Israeli (X), and 1 documented incident.")
    four = {**one, "procurements": 5, "makers": ["a", "b", "c", "x"], "incidents": 2}
    assert "from 4 named makers; 1 of them is Israeli (X), and 2 documented incidents." in (
        sentences.surveillance_variables(four)["surveillance_summary"])
    none_israeli = {**one, "makers": ["a", "b"], "israeli_makers": [], "israeli_maker_names": []}
    assert "from 2 named makers; none of them is Israeli, and" in (
        sentences.surveillance_variables(none_israeli)["surveillance_summary"])
    nothing = {"procurements": 0, "makers": [], "israeli_makers": [], "israeli_maker_names": [], "events": 0,
               "incidents": 0}
    shown = sentences.surveillance_variables(nothing)
    assert shown["surveillance_summary"] == ("The ledger records no procurement, licence or donation of "
                                             "surveillance technology in this edition, and 0 documented incidents.")
    assert shown["surveillance_israeli_makers_named"] == "none"


def test_surveillance_timeline_and_span(small):
    lane = surveillance.surveillance_timeline(timeline.build_timeline(small))
    assert set(lane["lane"]) == {"Surveillance"} and len(lane) == 4
    assert surveillance.span(lane) == (pd.Timestamp("2019-01-01"), pd.Timestamp("2024-12-31"))
    assert surveillance.span(lane.iloc[:0]) == (pd.Timestamp("2015-01-01"), pd.Timestamp("2025-12-31"))


def test_the_maker_carries_its_own_tier(small):
    frame = surveillance.procurements(small, "EUR").set_index("record_id")
    donation = frame.loc["small-donation-2019"]
    assert (donation["maker_certainty"], donation["maker_lines"], donation["certainty"]) == (
        "probable", ["Fixture Watch"], "confirmed")
    assert frame.at["small-surveillance", "maker_certainty"] == frame.at["small-surveillance", "certainty"]
    # Before the NGO named the maker, the donation has none (the field is blank as of then).
    early = surveillance.procurements(load(SMALL, as_of="2024-06-30"), "EUR").set_index("record_id")
    assert early.at["small-donation-2019", "maker"] == "" and early.at["small-donation-2019", "maker_certainty"] == ""
    assert tables.procurements_table(early.reset_index(), "EUR").iloc[0]["maker"] == "not named"


def test_maker_text_says_when_the_maker_is_weaker_or_unsourced():
    row = SimpleNamespace(maker="Cellebrite", maker_certainty="probable", maker_lines=["Amnesty International"],
                          certainty="confirmed", evidence_certainty="confirmed")
    assert tables.maker_text(row) == "Cellebrite (probable, per Amnesty International)"
    assert tables.maker_text(SimpleNamespace(**{**vars(row), "maker_certainty": "confirmed"})) == "Cellebrite"
    assert tables.maker_text(SimpleNamespace(**{**vars(row), "maker_certainty": ""})) == (
        "Cellebrite (no source read names the maker)")
    # A disputed record is compared by what its evidence gives.
    disputed = SimpleNamespace(**{**vars(row), "certainty": "disputed", "evidence_certainty": "probable"})
    assert tables.maker_text(disputed) == "Cellebrite"
    assert tables.maker_text(SimpleNamespace(**{**vars(row), "maker": ""})) == "not named"


def test_israeli_makers_are_counted_among_those_whose_country_is_recorded():
    base = {"procurements": 6, "events": 2, "incidents": 2}
    blank = {**base, "makers": ["cellebrite", "circles", "nso", "genasys"], "israeli_makers": ["cellebrite", "circles"],
             "israeli_maker_names": ["Cellebrite", "Circles"], "makers_country_unknown": ["nso"],
             "makers_country_unknown_names": ["NSO Group"]}
    shown = sentences.surveillance_variables(blank)
    assert shown["surveillance_summary"] == (
        "The ledger records 6 procurements, licences or donations of surveillance technology for Serbian state "
        "bodies, from 4 named makers, and 2 documented incidents. Of the 3 makers whose country is recorded, 2 are "
        "Israeli (Cellebrite, Circles); the country of the other one (NSO Group) is not recorded.")
    assert (shown["surveillance_makers_country_known"], shown["surveillance_makers_country_unknown"]) == ("3", "1")
    both = {**blank, "makers": ["cellebrite", "circles", "nso", "cytrox"],
            "makers_country_unknown": ["cytrox", "nso"], "makers_country_unknown_names": ["Cytrox", "NSO Group"]}
    assert ("Of the 2 makers whose country is recorded, both are Israeli (Cellebrite, Circles); the country of the "
            "other 2 (Cytrox, NSO Group) is not recorded.") in sentences.surveillance_variables(both)[
        "surveillance_summary"]
    one = {**blank, "makers": ["circles", "nso"], "israeli_makers": ["circles"], "israeli_maker_names": ["Circles"]}
    assert ("The one maker whose country is recorded is Israeli (Circles); the country of the other one (NSO Group) "
            "is not recorded.") in sentences.surveillance_variables(one)["surveillance_summary"]
    unknown = {**blank, "makers": ["nso"], "israeli_makers": [], "israeli_maker_names": []}
    assert "No maker's country is recorded (NSO Group)." in sentences.surveillance_variables(unknown)[
        "surveillance_summary"]
