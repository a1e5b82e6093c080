"""armsledger.model.reporting and armsledger.model.lineage: lines of reporting (an original and the
republications and summaries it is known through), the lineage citations group by, and the Sources
table's rows, on the small fixture ledger."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pandas as pd
import pytest

from armsledger.model import lineage, reporting
from armsledger.model.ledger import load
from tests.common import SMALL


@pytest.fixture(scope="module")
def small():
    return load(SMALL)


def test_lines_group_cited_sources_under_their_original():
    parents = {"orig": "", "a": "orig", "b": "a", "solo": ""}
    assert lineage.lines(["b", "solo", "a", "b"], parents) == [("orig", ["b", "a"]), ("solo", [])]
    assert lineage.lines(["orig", "a"], parents) == [("orig", ["a"])]
    assert lineage.root_within(parents, "b") == "orig"
    assert lineage.root_within({"x": "gone"}, "x") == "x"  # an original outside the mapping is not named
    assert lineage.descendants(parents) == {"orig": ["a", "b"], "a": ["b"]}


def test_citation_lineage_names_only_originals_the_edition_holds(small):
    parents = reporting.citation_lineage(small)
    assert parents["small-rep-4"] == "small-rep-1" and parents["small-rep-1"] == "small-orig"
    assert parents["small-rep-6"] == "small-nourl" and parents["small-orig"] == ""
    # As of a day before the original appeared, its republication stands alone.
    sources = small.tables["sources"].copy()
    sources.loc[sources["source_id"] == "small-nourl", "published"] = "2024-09-05"
    early = SimpleNamespace(tables={"sources": sources}, as_of=dt.date(2024, 9, 3), claims=small.claims)
    assert reporting.citation_lineage(early)["small-rep-6"] == ""
    assert "small-nourl" not in reporting.known_sources(early)
    assert reporting.citation_lineage(SimpleNamespace(tables={"sources": sources}, as_of=dt.date(2024, 9, 30),
                                                      claims=small.claims))["small-rep-6"] == "small-nourl"


def test_lines_of_reporting(small):
    frame = reporting.lines_of_reporting(small)
    assert list(frame.columns) == reporting.LINE_COLUMNS
    cited = set(small.claims["source_id"])
    assert cited <= set(frame["source_id"])  # every cited source, under its line
    originals = frame[frame["role"] == "original"]
    assert originals["line"].is_unique and (originals["line"] == originals["source_id"]).all()
    orig = frame[frame["line"] == "small-orig"]
    assert list(orig["role"]) == ["original"] + ["relay"] * 5
    assert list(orig["source_id"]) == ["small-orig", "small-rep-1", "small-rep-2", "small-rep-3", "small-rep-4",
                                       "small-rep-5"]  # relays by publication date
    nourl = frame[frame["line"] == "small-nourl"].set_index("source_id")
    assert not nourl.at["small-nourl", "read"] and nourl.at["small-rep-6", "read"]
    # The line counts every record its sources support; a relay counts its own.
    line_records = set(small.claims.loc[small.claims["source_id"].isin(orig["source_id"]), "record_id"])
    assert orig.iloc[0]["records"] == len(line_records)
    first = pd.Series(frame.drop_duplicates("line")["earliest"]).dropna()
    assert first.is_monotonic_increasing  # lines in the order their originals appeared


def test_lines_of_an_edition_without_records_are_empty():
    assert reporting.lines_of_reporting(load(SMALL, as_of="2019-01-01")).empty


def test_the_lines_of_each_record_in_one_pass_are_those_of_the_record_alone(small):
    from armsledger.analysis.reporting import lines_of_reporting, lines_of_reporting_each

    ids = [*small.records["record_id"], "no-such-record"]
    each = lines_of_reporting_each(small, ids)
    assert list(each) == ids
    for record_id in ids:
        pd.testing.assert_frame_equal(each[record_id], lines_of_reporting(small, [record_id]), obj=record_id)
    assert each["no-such-record"].empty
