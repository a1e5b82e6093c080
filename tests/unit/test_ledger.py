"""armsledger.model.ledger on the fixture ledgers: typed tables, derived records, as-of visibility, filters,
entity lineage, `only=` and the edition's view (for_edition); and validation before loading
(armsledger.validate.cache), which load itself no longer does."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from armsledger.model import fx
from armsledger.model import ledger as L
from armsledger.model import schema as schema_module
from armsledger.model.dates import parse_edtf
from armsledger.model.params import Params
from armsledger.pipeline.notebooks import notebook_names, reads
from armsledger.validate import cache
from tests.common import NOTEBOOKS, SMALL


@pytest.fixture(scope="module")
def small() -> L.Ledger:
    return L.load(SMALL)


def records_by_id(ledger: L.Ledger) -> pd.DataFrame:
    return ledger.records.set_index("record_id")


# --------------------------------------------------------------------------- loading


def test_tables_are_typed_and_blank_stays_blank(small):
    transfers = small.tables["transfers"].set_index("transfer_id")
    assert transfers["amount"].dtype == float
    assert transfers.at["small-2023-11", "amount"] == 540_120.0
    assert pd.isna(transfers.at["small-2024-05", "amount"])
    assert str(small.tables["flights"]["count"].dtype) == "Int64"
    assert str(small.tables["claims"]["credibility"].dtype) == "Int64"
    # Text fields: '' for blank, never NaN or "nan".
    assert (transfers["value_date"] == "").all()
    assert not small.tables["sources"]["derived_from"].isna().any()
    assert "nan" not in set(small.tables["sources"]["derived_from"])
    # Names keep their diacritics.
    assert small.entity_name("small-works") == "Čačak Fixture Works"


def test_every_record_table_row_becomes_one_record(small):
    record_tables = small.schema.record_names
    expected = sum(len(small.tables[t]) for t in record_tables)
    assert len(small.records) == expected == 35
    assert small.records["record_id"].is_unique
    counts = small.records["table"].value_counts().to_dict()
    assert counts == {t: len(small.tables[t]) for t in record_tables}
    for column in ("earliest", "latest", "precision", "visible_from", "first_reported", "certainty",
                   "evidence_certainty", "value_eur", "value_usd", "fx_rate_eur", "fx_date_usd", "source_ids"):
        assert column in small.records


def test_record_dates_and_contract_fallbacks(small):
    recs = records_by_id(small)
    assert recs.at["small-deal-2024", "date"] == "2024-10"  # signed, though announced and delivery are given
    assert recs.at["small-donation-2019", "date"] == "2019-06-22"  # no signed/announced: the delivery
    assert recs.at["small-surveillance", "date"] == ""
    assert pd.isna(recs.at["small-surveillance", "earliest"])
    assert recs.at["small-deal-2024-launchers", "date"] == "2024-10"  # a line without delivery: its contract's date
    assert recs.at["small-total-jan-feb", "earliest"] == pd.Timestamp("2024-01-01")
    assert recs.at["small-total-jan-feb", "latest"] == pd.Timestamp("2024-02-29")
    assert recs.at["small-total-jan-feb", "precision"] == "set"
    assert recs.at["small-view-2024", "precision"] == "interval"  # ../2024-11: known only to be by then
    assert pd.isna(recs.at["small-view-2024", "earliest"])
    assert recs.at["small-view-2024", "latest"] == pd.Timestamp("2024-11-30")
    assert recs.at["small-flight-2024-07-21", "precision"] == "interval"


def test_values_are_converted_at_the_record_date(small):
    recs = records_by_id(small)
    deal = recs.loc["small-deal-2024"]
    assert deal["value_date"] == "2024-10"
    assert deal["fx_date_eur"] == "2024-10"
    assert deal["value_eur"] == pytest.approx(100e6 * fx.fx_rate("USD", "EUR", "2024-10").rate)
    assert deal["value_usd"] == 100e6
    assert recs.at["small-2024-01", "value_eur"] == 1e6 and recs.at["small-2024-01", "fx_rate_eur"] == 1.0
    assert recs.at["small-2024-03", "value_high_eur"] == float("inf")  # at least €500,000
    assert pd.isna(recs.at["small-2024-05", "value_eur"])  # undisclosed
    assert recs.at["small-2024-05", "value_low_eur"] == 0.0
    assert recs.at["small-2024-05", "value_high_eur"] == float("inf")


def test_in_currency_and_converted_name_the_shared_columns(small):
    view = small.in_currency("USD")
    row = view.set_index("record_id").loc["small-2024-06"]
    assert (row["value"], row["fx_rate"], row["fx_date"]) == (1_100_000.0, 1.0, "2024-06")
    assert set(L.converted(small.records, "EUR")) == {"value", "low", "high", "fx_rate", "fx_date"}
    frame = small.records[small.records["table"] == "transfers"]
    assert len(small.in_currency("EUR", frame)) == len(frame)


def test_certainty_of_the_fixture_records(small):
    recs = records_by_id(small)
    assert recs.at["small-2024-01", "certainty"] == "confirmed"  # two independent B2 lines
    assert recs.at["small-2024-02", "certainty"] == "probable"  # five republications: one line
    assert recs.at["small-2024-02", "supporting_claims"] == 5 and recs.at["small-2024-02", "independent_sources"] == 1
    assert recs.at["small-2024-03", "certainty"] == "possible"
    assert recs.at["small-2024-05", "certainty"] == "disputed"
    assert recs.at["small-deal-2024-launchers", "certainty"] == "confirmed"  # company source, credibility 1
    assert recs.at["small-donation-2019", "certainty"] == "confirmed"  # official source
    assert recs.at["small-donation-2019", "certainty_reason"] == (
        "R1: primary source, the party's own release or record (Royal Fixture Embassy B1)")
    assert recs.at["small-meeting-2024-09-11", "certainty"] == "possible"  # override
    assert recs.at["small-meeting-2024-09-11", "evidence_certainty"] == "confirmed"
    # A published total: one B2 line confirms that it was published (R4), not that it is right.
    feb_apr = recs.loc["small-total-feb-apr"]
    assert feb_apr["certainty"] == "confirmed"
    assert (feb_apr["supporting_claims"], feb_apr["independent_sources"]) == (2, 2)
    assert feb_apr["certainty_reason"] == ("R4: published total reported by Fixture Daily B2; confirms that it was "
                                           "published, not that it is accurate")
    # A statement likewise (R4); the same grade on a shipment only makes it probable (R5).
    assert recs.at["small-statement-2024-11", "certainty"] == "confirmed"
    assert recs.at["small-statement-2024-11", "certainty_reason"].startswith("R4: statement reported by ")
    assert recs.at["small-2024-02", "certainty_reason"] == (
        "R5: one line graded B2 or better (Fixture Investigations via Fixture Echo One B2)")
    # A timing-only contradiction: the analysts keep the evidence's grade, with a reason.
    assert recs.at["small-2024-10", "certainty"] == recs.at["small-2024-10", "evidence_certainty"] == "probable"
    assert recs.at["small-2024-10", "certainty_reason"].startswith("analyst override")
    assert recs.at["small-2024-10", "opposing_claims"] == 1
    # An override despite a contradicting claim.
    assert recs.at["small-deal-2024", "certainty"] == "confirmed"
    assert recs.at["small-deal-2024", "certainty_reason"].startswith("analyst override")
    for source_ids in small.records["source_ids"]:
        assert source_ids == sorted(source_ids)
    assert recs.at["small-2024-01", "source_ids"] == ["small-indep", "small-orig"]
    assert recs.at["small-2024-05", "source_ids"] == ["small-late"]  # contradicting sources are not support


# --------------------------------------------------------------------------- as of


def _expected_visible_from(ledger: L.Ledger) -> dict[str, pd.Timestamp]:
    published = {s: parse_edtf(p).latest for s, p in zip(ledger.tables["sources"]["source_id"],
                                                          ledger.tables["sources"]["published"], strict=True)}
    claims = ledger.tables["claims"]
    out: dict[str, dt.date] = {}
    for record, source, stance in zip(claims["record_id"], claims["source_id"], claims["stance"], strict=True):
        if stance == "supports":
            out[record] = min(out.get(record, dt.date.max), published[source])
    return {k: pd.Timestamp(v) for k, v in out.items()}


def test_visible_from_is_the_earliest_supporting_publication(small):
    got = small.records.set_index("record_id")["visible_from"].to_dict()
    assert got == _expected_visible_from(small)


def test_visible_from_and_first_report_examples(small):
    recs = records_by_id(small)
    # "2024-05?" is not earlier than the original's 2 April; the earliest source wins.
    assert recs.at["small-2024-01", "visible_from"] == pd.Timestamp("2024-04-02")
    assert recs.at["small-2024-02", "visible_from"] == pd.Timestamp("2024-04-03")
    # A source dated "2024-05?": the latest possible day counts.
    assert recs.at["small-total-2024", "visible_from"] == pd.Timestamp("2024-05-31")
    # Cited from a republication of 2 September; first reported in the original of August, as it is dated.
    assert recs.at["small-rumoured-deal", "visible_from"] == pd.Timestamp("2024-09-02")
    assert recs.at["small-rumoured-deal", "first_reported"] == "2024-08"
    assert recs.at["small-2024-02", "first_reported"] == "2024-04-02"  # the original of the republications


def test_as_of_shows_what_was_published_then(small):
    ledger = L.load(SMALL, as_of="2024-04-30")
    assert ledger.as_of == dt.date(2024, 4, 30)
    ids = set(ledger.records["record_id"])
    # The May and June shipments were first reported in October and December.
    assert ids == {"small-2023-11", "small-2024-01", "small-2024-02", "small-af-flights", "small-donation-2019",
                   "small-flight-2023-12-2024-01",
                   "small-flight-2024-01-15", "small-flight-2024-02-20", "small-flights-2024-02",
                   "small-flights-jan-feb", "small-total-jan-feb"}
    assert (ledger.records["visible_from"] <= pd.Timestamp("2024-04-30")).all()
    assert "small-total-2024" not in ids  # first reported in May 2024 ("2024-05?": by 31 May)
    # Only claims from sources published by then remain.
    assert (ledger.claims["published_latest"] <= pd.Timestamp("2024-04-30")).all()
    assert set(ledger.claims["record_id"]) <= ids
    # Everything visible then is also in the full ledger, visible from the same day.
    full = records_by_id(small)
    for rec in ledger.records.itertuples(index=False):
        assert full.at[rec.record_id, "visible_from"] == rec.visible_from


def test_as_of_recomputes_certainty_from_what_was_known(small):
    early = records_by_id(L.load(SMALL, as_of="2024-04-30"))
    # The independent source ("2024-05?") was not yet out: one line only.
    assert early.at["small-2024-01", "certainty"] == "probable"
    assert early.at["small-2024-01", "source_ids"] == ["small-orig"]
    # The blog contradicting May is dated "../2024-12-31", so in mid-December it may not exist yet.
    assert records_by_id(L.load(SMALL, as_of="2024-12-15")).at["small-2024-05", "certainty"] == "probable"
    assert records_by_id(small).at["small-2024-01", "certainty"] == "confirmed"


@pytest.mark.parametrize("as_of", ["2024-06", dt.date(2024, 6, 30), "2024-06-30"])
def test_as_of_accepts_edtf_and_dates(as_of):
    ledger = L.load(SMALL, as_of=as_of)
    assert ledger.as_of == dt.date(2024, 6, 30)
    assert len(ledger.records) == 19


def test_as_of_before_anything_was_published_is_empty():
    ledger = L.load(SMALL, as_of="2019-01-01")
    assert ledger.records.empty and ledger.claims.empty
    assert str(ledger.records["visible_from"].dtype).startswith("datetime64")


@pytest.mark.parametrize("as_of", ["", None])
def test_no_as_of_shows_everything(as_of, small):
    assert len(L.load(SMALL, as_of=as_of).records) == len(small.records)


def test_an_as_of_edition_shows_only_the_fields_known_then(small):
    """The donor's 2019 announcement names no maker: the maker came with the NGO's 2024 report."""
    early = L.load(SMALL, as_of="2024-06-30")
    donation = lambda led: led.tables["contracts"].set_index("contract_id").loc["small-donation-2019"]  # noqa: E731
    assert donation(small)["producer_id"] == "small-forensics"
    assert donation(early)["producer_id"] == "" and donation(early)["amount"] == 600_000
    assert donation(early)["title"] == donation(small)["title"]  # descriptions are kept


def test_a_value_whose_date_came_later_is_converted_at_its_first_publication(small):
    early = records_by_id(L.load(SMALL, as_of="2024-04-30"))
    assert records_by_id(small).at["small-2024-01", "date"] == "2024-01"
    record = early.loc["small-2024-01"]
    assert record["date"] == "" and record["value_date"] == f"{record['visible_from']:%Y-%m-%d}"
    assert not pd.isna(record["value_eur"])


# --------------------------------------------------------------------------- select


def test_select_by_certainty(small):
    confirmed = small.select(min_certainty="confirmed", include_disputed=False)
    assert set(confirmed.records["record_id"]) == {
        "small-2023-11", "small-2024-01", "small-2024-06", "small-deal-2024", "small-deal-2024-launchers",
        "small-donation-2019",
        # R4: published totals and statements, confirmed as published or said
        "small-af-flights", "small-flights-jan-feb", "small-scg-2004-2007", "small-total-2023", "small-total-2024",
        "small-total-feb-apr", "small-total-jan-feb", "small-statement-2024-11", "small-view-2024"}
    assert set(confirmed.records["certainty"]) == {"confirmed"}
    assert set(confirmed.claims["record_id"]) == set(confirmed.records["record_id"])
    assert confirmed.filters["min_certainty"] == "confirmed" and confirmed.filters["include_disputed"] is False
    # The original ledger is untouched.
    assert len(small.records) == 35

    probable = small.select(min_certainty="probable", include_disputed=False)
    assert set(probable.records["certainty"]) == {"confirmed", "probable"}
    assert len(probable.records) == 15 + 12


def test_select_disputed_records_need_the_evidence(small):
    ids = lambda led: set(led.records["record_id"])  # noqa: E731
    disputed = {"small-2024-05"}  # contradicted; its supporting evidence alone: probable
    assert records_by_id(small).at["small-2024-05", "evidence_certainty"] == "probable"
    assert not disputed & ids(small.select("confirmed", include_disputed=True))
    assert disputed <= ids(small.select("probable", include_disputed=True))
    assert not disputed & ids(small.select("possible", include_disputed=False))
    assert disputed <= ids(small.select("possible", include_disputed=True))


def test_select_by_period_keeps_overlapping_and_undated(small):
    picked = small.select(period_start="2024-02", period_end="2024-06")
    recs = records_by_id(picked)
    assert "small-2024-02" in recs.index
    assert "small-2024-01" not in recs.index  # January
    assert "small-deal-2024" not in recs.index  # October
    assert "small-total-2024" in recs.index  # the year overlaps
    assert "small-flights-jan-feb" in recs.index  # starts before, ends inside
    assert "small-flight-2023-12-2024-01" not in recs.index  # ends before
    assert "small-surveillance" in recs.index and "small-sea" in recs.index  # undated records are kept
    assert "small-view-2024" in recs.index  # open start, ends after the period
    dated = picked.records.dropna(subset=["earliest", "latest"])
    assert (dated["latest"] >= pd.Timestamp("2024-02-01")).all()
    assert (dated["earliest"] <= pd.Timestamp("2024-06-30")).all()
    assert (picked.filters["period_start"], picked.filters["period_end"]) == ("2024-02", "2024-06")


def test_table_is_restricted_to_selected_records(small):
    picked = small.select(min_certainty="confirmed", include_disputed=False)
    transfers = picked.table("transfers")
    assert set(transfers["transfer_id"]) == {"small-2023-11", "small-2024-01", "small-2024-06"}
    assert len(picked.table("entities")) == len(small.tables["entities"])  # not a record table: unfiltered


# --------------------------------------------------------------------------- lineage


def test_entity_lineage(small):
    lineage = L.entity_lineage(small.tables["entities"])
    assert lineage["small-exporter"] == {"small-exporter", "serbia"}
    assert lineage["small-agency"] == {"small-agency", "serbia"}
    assert lineage["small-works"] == {"small-works", "small-exporter", "serbia"}  # country through the parent
    assert lineage["small-air-force"] == {"small-air-force", "israel"}
    assert lineage["serbia"] == {"serbia"}
    assert lineage["small-scg"] == {"small-scg"}  # a state of its own, not Serbia
    assert lineage["small-broker"] == {"small-broker"}  # no country recorded


def test_entity_lineage_survives_a_parent_cycle():
    entities = pd.DataFrame({"entity_id": ["a", "b"], "parent_id": ["b", "a"], "type": ["company"] * 2,
                             "country": ["", ""]})
    assert L.entity_lineage(entities) == {"a": {"a", "b"}, "b": {"a", "b"}}


def test_entity_name(small):
    assert small.entity_name("small-exporter") == "Fixture Trade Co."
    assert small.entity_name("") == ""
    assert small.entity_name("unknown-id") == "unknown-id"


# --------------------------------------------------------------------------- only=


def test_only_leaves_other_record_tables_empty(small):
    ledger = L.load(SMALL, only={"transfers"})
    assert set(ledger.records["table"]) == {"transfers"}
    for table in small.schema.record_names:
        if table != "transfers":
            assert ledger.tables[table].empty
            assert list(ledger.tables[table].columns) == list(small.tables[table].columns)
    # Tables that are not record tables (sources, entities, claims, vocabularies) are always read whole.
    always = [t.name for t in small.schema.tables if t.role != "record"]
    assert always == ["sources", "entities", "claims", "categories", "corrections"]
    for table in always:
        assert len(ledger.tables[table]) == len(small.tables[table])
    assert set(ledger.claims["record_id"]) <= set(ledger.records["record_id"])


@pytest.mark.parametrize("notebook", notebook_names(NOTEBOOKS))
def test_only_gives_the_same_records_as_a_full_load(notebook, small):
    """What each notebook reads (its `notebook.setup(reads=...)`) gives the records a full load gives."""
    wanted = reads(NOTEBOOKS / f"{notebook}.ipynb")
    tables = set(small.schema.record_names) if wanted == schema_module.ALL_RECORD_TABLES else set(wanted)
    partial = L.load(SMALL, only=tables).records
    full = small.records[small.records["table"].isin(tables)]
    pd.testing.assert_frame_equal(
        partial.set_index("record_id").sort_index(), full.set_index("record_id").sort_index(), check_like=True
    )


# --------------------------------------------------------------------------- for_edition


def test_for_edition_applies_as_of_certainty_and_period():
    params = Params(data_dir=str(SMALL), as_of="2024-06-30", min_certainty="probable", include_disputed=False,
                    period_start="2024-01", period_end="2024-03")
    whole = L.for_edition(params)
    assert (whole.records["visible_from"] <= pd.Timestamp("2024-06-30")).all()
    assert set(whole.records["certainty"]) <= {"confirmed", "probable"}
    assert "small-donation-2019" in set(whole.records["record_id"])  # no period unless asked
    in_period = L.for_edition(params, within_period=True)
    assert "small-donation-2019" not in set(in_period.records["record_id"])
    assert set(in_period.records["record_id"]) < set(whole.records["record_id"])
    assert in_period.filters == {"min_certainty": "probable", "include_disputed": False,
                                 "period_start": "2024-01", "period_end": "2024-03"}
    flights = L.for_edition(params, reads=("flights",))
    assert set(flights.records["table"]) == {"flights"}
    assert flights.tables["transfers"].empty


def test_for_edition_refuses_a_table_that_is_no_record_table():
    with pytest.raises(schema_module.SchemaError, match="reads names shipments, which are no record tables"):
        L.for_edition(Params(data_dir=str(SMALL)), reads=("transfers", "shipments"))


# --------------------------------------------------------------------------- validation before loading


def test_invalid_data_is_refused_before_it_is_used(make_ledger):
    """load() no longer validates; whoever takes data from people calls cache.ensure_valid first."""
    data = make_ledger("bad/type")
    with pytest.raises(cache.InvalidData) as info:
        cache.ensure_valid(data)
    assert any("transfers.csv:2:amount: type" in p for p in info.value.problems)
    assert str(info.value).startswith("1 data problem(s):\n")


def test_validation_is_stamped_by_content(make_ledger, monkeypatch, tmp_path):
    monkeypatch.setenv("ARMSLEDGER_CACHE", str(tmp_path / "cache"))
    data = make_ledger()
    before = cache.fingerprint(data)
    assert not cache.is_validated(data)
    cache.ensure_valid(data)
    assert (tmp_path / "cache" / "validated" / before).exists()
    assert cache.is_validated(data)
    # An edit changes the fingerprint, so the edited ledger is validated again (and fails).
    path = data / "transfers.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("14000000", "14m"), encoding="utf-8")
    assert cache.fingerprint(data) != before
    assert not cache.is_validated(data)
    with pytest.raises(cache.InvalidData):
        cache.ensure_valid(data)


def test_an_unreadable_package_has_no_stamp(tmp_path):
    assert cache.stamp_for(tmp_path / "nowhere") is not None  # only missing files: still a fingerprint
    (tmp_path / "datapackage.json").mkdir()  # a folder where the file should be
    assert cache.stamp_for(tmp_path) is None
    assert not cache.is_validated(tmp_path)


def test_data_files_list_the_package(small):
    names = [p.name for p in schema_module.data_files(SMALL)]
    assert names[0] == "datapackage.json"
    assert set(names[1:]) == {t.path for t in small.schema.tables}


def test_small_fixture_is_a_valid_ledger():
    from armsledger.validate import validate

    result = validate(SMALL)
    assert result.ok, "\n".join(str(p) for p in result.problems)


def test_repeated_references_are_one_string_object_and_words_are_left_alone():
    """A kernel holds the whole ledger: a reference repeated over many claims is one object."""
    tables = L.read_tables(SMALL)
    claims = tables["claims"]
    for column in ("source_id", "record_id", "stance"):
        first = {}
        assert all(first.setdefault(value, value) is value for value in claims[column]), column
    schema = schema_module.load(SMALL)
    assert not L._repeats(schema.table("claims"), next(f for f in schema.table("claims").fields if f.name == "note"))
