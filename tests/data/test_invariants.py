"""Invariants of the real ledger in data/: what must hold whatever the analysts add. No test here names a
record or a count; the headline numbers are the snapshot's business (test_snapshot.py)."""

from __future__ import annotations

import datetime as dt
import json
import math
import subprocess

import pandas as pd
import pypandoc
import pytest

from armsledger import cli, paths
from armsledger.analysis import reconcile, timeline
from armsledger.model import schema as schema_module
from armsledger.model.dates import parse_edtf
from armsledger.model.ledger import load
from armsledger.pipeline import references
from armsledger.pipeline.notebooks import notebook_names, reads
from armsledger.present import markdown, tables
from armsledger.validate import validate
from tests.common import MINI, SMALL

STATUSES = {"consistent", "rows fall short of total", "rows exceed total",
            "open: undisclosed or lower-bound rows may cover the gap", "no ledger rows"}


# --------------------------------------------------------------------------- validation


def test_the_real_ledger_validates_with_zero_problems():
    result = validate(paths.DATA)
    assert [str(p) for p in result.problems] == []
    assert ": no problems" in result.summary_lines()[0]


def test_the_real_ledger_validates_against_the_archive():
    if not paths.DEFAULT_ARCHIVE.is_dir():
        pytest.skip(f"the archive folder {paths.DEFAULT_ARCHIVE} is absent (it lives beside the checkout, "
                    "outside git); `armsledger validate --archive DIR` checks it where it exists")
    result = validate(paths.DATA, paths.DEFAULT_ARCHIVE)
    assert [str(p) for p in result.problems] == []
    assert result.archive is not None and result.archive.verified > 0 and result.archive.failed == 0


def test_the_data_dictionary_is_up_to_date(capsys):
    assert cli.main(["datadict", "--check"]) == 0, capsys.readouterr().out


@pytest.mark.parametrize("fixture", [SMALL, MINI], ids=["ledger_small", "mini"])
def test_the_fixture_ledgers_share_the_projects_schema(fixture):
    """The unit lane's fixtures stand for the real ledger: same tables, fields, roles and kinds."""
    assert (fixture / "datapackage.json").read_bytes() == paths.DATAPACKAGE.read_bytes(), (
        f"copy data/datapackage.json to {fixture.relative_to(paths.ROOT)}/ and update the fixture tables")


# --------------------------------------------------------------------------- evidence


def test_every_record_has_a_supporting_claim(real):
    claims = real.tables["claims"]
    supported = set(claims.loc[claims["stance"] == "supports", "record_id"])
    for spec in real.schema.records:
        ids = set(real.tables[spec.name][spec.primary_key])
        assert ids <= supported, f"{spec.name}: no supporting claim for {sorted(ids - supported)}"
    assert (real.records["supporting_claims"] >= 1).all()
    assert real.records["certainty"].isin(["confirmed", "probable", "possible", "disputed"]).all()
    assert all(real.records["source_ids"].map(len) >= 1)


def test_every_claim_cites_a_source_and_a_record_that_exist(real):
    claims = real.tables["claims"]
    assert set(claims["source_id"]) <= set(real.tables["sources"]["source_id"])
    assert set(claims["record_id"]) <= set(real.records["record_id"])
    derived = set(real.tables["sources"]["derived_from"]) - {""}
    assert derived <= set(real.tables["sources"]["source_id"])


def test_every_record_is_one_row_of_a_record_table(real):
    assert real.records["record_id"].is_unique
    assert len(real.records) == sum(len(real.tables[t]) for t in real.schema.record_names)
    for source_ids in real.records["source_ids"]:
        assert source_ids == sorted(source_ids)


def test_text_is_never_nan_and_numbers_are_typed(real):
    for spec in real.schema.tables:
        frame = real.tables[spec.name]
        for field in spec.fields:
            column = frame[field.name]
            if field.type == "number":
                assert column.dtype == float, f"{spec.name}.{field.name}"
            elif field.type == "integer":
                assert str(column.dtype) == "Int64", f"{spec.name}.{field.name}"
            else:
                assert not column.isna().any() and "nan" not in set(column), f"{spec.name}.{field.name}"


# --------------------------------------------------------------------------- as of


def _first_publication(ledger) -> dict[str, dt.date]:
    """Each record's earliest supporting source, from the tables (the latest day its date allows)."""
    published = {s: parse_edtf(p).latest for s, p in zip(ledger.tables["sources"]["source_id"],
                                                          ledger.tables["sources"]["published"], strict=True)}
    claims = ledger.tables["claims"]
    first: dict[str, dt.date] = {}
    for record, source, stance in zip(claims["record_id"], claims["source_id"], claims["stance"], strict=True):
        if stance == "supports":
            first[record] = min(first.get(record, dt.date.max), published[source])
    return first


def test_visible_from_is_the_earliest_supporting_publication(real):
    expected = {record: pd.Timestamp(day) for record, day in _first_publication(real).items()}
    assert real.records.set_index("record_id")["visible_from"].to_dict() == expected


def test_no_edition_shows_a_record_published_after_its_as_of(real, editions, shown, in_period):
    first = _first_publication(real)
    full = real.records.set_index("record_id")
    for name, params in editions.items():
        if not params.as_of:
            continue
        as_of = parse_edtf(params.as_of).latest
        for ledger in (shown[name], in_period[name]):
            late = [r for r in ledger.records["record_id"] if first[r] > as_of]
            assert late == [], f"{name} (as of {params.as_of}) shows {late}"
            assert (ledger.claims["published_latest"] <= pd.Timestamp(as_of)).all(), name
            # Seen as it was then: visible from the same day as in the full ledger.
            for record in ledger.records.itertuples(index=False):
                assert full.at[record.record_id, "visible_from"] == record.visible_from


def test_an_edition_without_as_of_shows_everything_its_filters_pass(real):
    assert set(load(paths.DATA, as_of="").records["record_id"]) == set(real.records["record_id"])


def test_certainty_filters_hold_in_every_edition(editions, shown):
    order = ["confirmed", "probable", "possible"]
    for name, params in editions.items():
        records = shown[name].records
        allowed = set(order[: order.index(params.min_certainty) + 1])
        plain = records[records["certainty"] != "disputed"]
        assert set(plain["certainty"]) <= allowed, name
        disputed = records[records["certainty"] == "disputed"]
        assert params.include_disputed or disputed.empty, name
        assert set(disputed["evidence_certainty"]) <= allowed, name


def test_reading_only_some_tables_gives_the_same_records(real):
    """What each notebook declares it reads gives the records a full load gives (the build relies on it)."""
    for notebook in notebook_names(paths.NOTEBOOKS):
        wanted = reads(paths.NOTEBOOKS / f"{notebook}.ipynb")
        tables_read = set(real.schema.record_names) if wanted == schema_module.ALL_RECORD_TABLES else set(wanted)
        partial = load(paths.DATA, only=tables_read).records
        full = real.records[real.records["table"].isin(tables_read)]
        pd.testing.assert_frame_equal(partial.set_index("record_id").sort_index(),
                                      full.set_index("record_id").sort_index(), check_like=True)


# --------------------------------------------------------------------------- reconciliation


def _explanations(shown_notes: str, analyst_note: str) -> list[str]:
    reasons = []
    if shown_notes:
        reasons.append(shown_notes)
    if analyst_note.strip():
        reasons.append(f"analyst's note: {analyst_note.strip()}")
    return reasons


def test_every_published_total_reconciles_or_is_explained(editions, in_period):
    """In every edition each published total either agrees with the ledger rows it covers, or its status
    says why not and the reconciliation notes or the analyst's note on the total explain it."""
    for name, params in editions.items():
        ledger = in_period[name]
        recon = reconcile.reconcile(ledger, params.currency)
        assert set(recon["aggregate_id"]) == set(ledger.table("aggregates")["aggregate_id"])
        shown = tables.reconciliation_table(recon, params.currency)
        notes = dict(zip(ledger.tables["aggregates"]["aggregate_id"], ledger.tables["aggregates"]["note"],
                         strict=True))
        for row, (_, shown_row) in zip(recon.itertuples(index=False), shown.iterrows(), strict=True):
            where = f"{name}: {row.aggregate_id} ({row.status})"
            assert row.status in STATUSES, where
            assert set(row.record_ids) <= set(ledger.records["record_id"]), where
            if row.status == "consistent":
                continue
            assert _explanations(shown_row["notes"], notes[row.aggregate_id]), f"{where} is not explained"
            if row.status == "rows fall short of total":
                assert row.gap > row.tolerance, where
            elif row.status == "rows exceed total":
                assert row.gap < -row.tolerance, where
            elif row.status.startswith("open"):
                assert math.isinf(row.rows_high), where
            else:
                assert row.rows == 0, where


def test_every_opposing_claim_is_listed_as_a_contradiction(editions, in_period):
    for name in editions:
        ledger = in_period[name]
        conflicts = reconcile.contradictions(ledger)
        listed = {(ids[0], sources[0]) for kind, ids, sources in zip(conflicts["kind"], conflicts["record_ids"],
                                                                      conflicts["source_ids"], strict=True)
                  if kind.startswith("claim ")}
        claims = ledger.claims[ledger.claims["stance"].isin(["contradicts", "denies"])]
        assert set(zip(claims["record_id"], claims["source_id"], strict=True)) == listed, name
        shown = tables.contradictions_table(conflicts, ledger)
        assert not any(record_id in text for text in shown["records"] for record_id in ledger.records["record_id"]), (
            f"{name}: a contradiction names a record by its id, not in words")


# --------------------------------------------------------------------------- what the report prints


def test_every_source_becomes_a_bibliography_entry_citeproc_reads(real, tmp_path):
    sources = real.tables["sources"]
    items = references.csl_items(sources)
    assert [item["id"] for item in items] == sorted(sources["source_id"])
    path = references.write(sources, tmp_path / "references.json")
    cited = "; ".join(f"@{s}" for s in sorted(sources["source_id"]))
    result = subprocess.run([pypandoc.get_pandoc_path(), "--citeproc", "--bibliography", str(path), "-t", "plain"],
                            input=f"See [{cited}].\n", capture_output=True, text=True, check=True, encoding="utf-8")
    assert "WARNING" not in result.stderr and "???" not in result.stdout
    assert json.loads(path.read_text(encoding="utf-8")) == items


def test_the_appendix_and_timeline_list_every_record_or_say_how_many_more(real):
    appendix = tables.record_list(real)
    items = timeline.build_timeline(real)
    if len(real.records) <= markdown.MAX_PRINTED_ROWS:
        assert appendix.equals(tables.record_table(real))
        assert set(appendix["id"]) == set(real.records["record_id"])
    else:
        assert len(appendix) == markdown.MAX_PRINTED_ROWS + 1 and appendix["id"].iloc[-1] == "…"
    listed = tables.timeline_table(items)
    assert len(listed) == min(len(items), markdown.MAX_PRINTED_ROWS) + (len(items) > markdown.MAX_PRINTED_ROWS)
    assert set(items["record_id"]) == set(real.records[real.records["table"].isin(
        ["contracts", "transfers", "flights", "events"])]["record_id"])


def test_the_whole_ledger_cut_to_a_notebooks_tables_equals_those_tables_derived_alone(editions):
    """model.ledger.load derives the whole ledger once and cuts it to the tables a notebook reads; on the
    real data, at every edition's as-of date, that is the ledger those tables alone give."""
    from armsledger.model import ledger as L
    from tests.common import assert_same_ledger, only_sets

    for as_of in sorted({p.as_of or None for p in editions.values()}, key=str):
        day = L.parse_edtf(as_of).latest if as_of else None
        # The notebooks' own sets (each table alone is checked on the fixtures, tests/unit/test_ledger_store.py).
        for only in only_sets(paths.DATA, notebooks_only=True):
            assert_same_ledger(L.load(paths.DATA, day, only), L.build(L.read_tables(paths.DATA, only), paths.DATA, day))
