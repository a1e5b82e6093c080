"""armsledger.present.headline: an edition's headline numbers computed in-process, the snapshot of every
edition, and the readable list of what changed; with `armsledger snapshot` on a fixture ledger."""

from __future__ import annotations

import json

import pytest

from armsledger import cli
from armsledger.model.params import Params, edition_names, load_edition
from armsledger.present import headline
from tests.common import SMALL, copy_ledger


def _edition(name: str, data=SMALL) -> Params:
    return Params(**{**load_edition(name).params.as_dict(), "data_dir": str(data)})


@pytest.fixture(scope="module")
def snapshot() -> dict:
    return headline.snapshot(SMALL)


def test_the_default_editions_numbers(snapshot):
    numbers = snapshot["default-2025-02"]
    assert numbers == headline.edition_numbers(_edition("default-2025-02"))
    assert (numbers["currency"], numbers["records"], numbers["claims"], numbers["sources"],
            numbers["independent_lines"]) == ("EUR", 35, 49, 14, 9)
    assert numbers["records_by_certainty"] == {"confirmed": 15, "probable": 12, "possible": 7, "disputed": 1}
    assert numbers["records_by_table"] == {"contracts": 4, "contract_lines": 1, "transfers": 10, "flights": 7,
                                           "events": 4, "aggregates": 9}
    assert (numbers["timeline_items"], numbers["timeline_undated"]) == (25, 3)
    assert (numbers["export_records"], numbers["export_records_undisclosed"]) == (8, 3)
    assert numbers["exports_by_year"] == {"2023": 540_120.0, "2024": 5_022_399.85}  # rounded to the cent
    assert numbers["published_totals"]["small-total-2024"] == 6e6
    assert numbers["largest_contract"] == {"record_id": "small-deal-2024", "value": 91_706_539.07}
    assert numbers["reconciliation"] == {"consistent": 1, "rows fall short of total": 5,
                                         "open: undisclosed or lower-bound rows may cover the gap": 2}
    assert numbers["largest_gap"] == {"aggregate_id": "small-total-feb-apr", "gap": 300_000.0}
    assert numbers["contradictions"] == 4
    assert numbers["surveillance_procurements"] == 2 and numbers["surveillance_incidents"] == 1
    assert numbers["surveillance_makers"] == ["small-forensics", "small-maker"]


def test_each_edition_shows_its_own_view(snapshot):
    assert sorted(snapshot) == edition_names()
    usd = snapshot["usd-confirmed"]
    assert usd["currency"] == "USD"
    assert usd["records_by_certainty"] == {"confirmed": 15, "probable": 0, "possible": 0, "disputed": 0}
    assert usd["largest_contract"] == {"record_id": "small-deal-2024", "value": 100e6}  # reported in dollars
    # Published totals are confirmed as published (R4) by one B2 line, so the confirmed view keeps them.
    assert set(usd["published_totals"]) == {"small-total-2023", "small-total-jan-feb", "small-total-feb-apr",
                                            "small-total-2024"}
    assert usd["reconciliation"] == {"no ledger rows": 3, "rows fall short of total": 3}
    early = snapshot["as-of-2024-06"]
    assert early["records"] == 19 and early["largest_contract"] is None  # the deal was announced in October
    assert early["surveillance_makers"] == []  # the maker of the donated kits was named only in September
    assert early["contradictions"] == 1  # the totals of February; the blog is dated "by the end of 2024"


def test_dumps_is_stable_json():
    numbers = {"b": {"y": 1, "x": [2, 1]}, "a": "Krušik", "c": None}
    text = headline.dumps(numbers)
    assert text.endswith("}\n") and "Krušik" in text
    assert text.index('"a"') < text.index('"b"') and text.index('"x"') < text.index('"y"')
    assert json.loads(text) == numbers
    assert headline._money(1.004999) == 1.0 and headline._money(float("inf")) is None
    assert headline._money(float("nan")) is None and headline._money(None) is None


def test_differences_name_every_changed_number():
    old = {"default": {"records": 56, "exports_by_year": {"2024": 21.8, "2023": 1.3}, "makers": ["a"], "gone": 1}}
    new = {"default": {"records": 57, "exports_by_year": {"2024": 21.8, "2025": 0.5, "2023": 1.3},
                       "makers": ["a", "b"]},
           "usd": {"records": 12}}
    assert headline.differences(old, new) == [
        "default.exports_by_year.2025: \"(absent)\" → 0.5",
        "default.gone: 1 → \"(absent)\"",
        "default.makers: [\"a\"] → [\"a\", \"b\"]",
        "default.records: 56 → 57",
        "usd: \"(absent)\" → {\"records\": 12}",
    ]
    assert headline.differences(new, new) == []


def test_the_snapshot_command_writes_checks_and_names_changes(tmp_path, capsys, monkeypatch, snapshot):
    data = copy_ledger(SMALL, tmp_path / "data")
    out = tmp_path / "snapshot.json"
    # The numbers of the unchanged copy are the fixture's, computed once above (two seconds a snapshot).
    monkeypatch.setattr(headline, "snapshot", lambda data_dir, editions_dir=None: snapshot)
    assert cli.main(["snapshot", "--data", str(data), "--out", str(out)]) == 0
    assert capsys.readouterr().out == f"wrote {out}\n"
    assert out.read_text(encoding="utf-8") == headline.dumps(snapshot)
    assert cli.main(["snapshot", "--data", str(data), "--out", str(out), "--check"]) == 0
    assert capsys.readouterr().out == f"{out} is up to date\n"
    monkeypatch.undo()
    # One more customs-recorded shipment, confirmed by the company, as a new record would come.
    with (data / "transfers.csv").open("a", encoding="utf-8") as handle:
        handle.write("small-2024-11,2024-10,small-exporter,israel,,fictional shells,small-ammunition,400000,,exact,"
                     "EUR,,customs_declared,air,,Test fixture.,,\n")
    with (data / "claims.csv").open("a", encoding="utf-8") as handle:
        handle.write('small-2024-11-company,small-2024-11,small-company,"400,000 euros",,amount,,1,supports,'
                     "Test fixture.\n")
    assert cli.main(["snapshot", "--data", str(data), "--out", str(out), "--check"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert "default-2025-02.records: 35 → 36" in lines
    assert "usd-confirmed.records_by_certainty.confirmed: 15 → 16" in lines
    assert "default-2025-02.exports_by_year.2024: 5022399.85 → 5422399.85" in lines
    assert "as-of-2024-06.records: 21 → 21" not in lines  # not yet published then: no change, no line
    assert not any(line.startswith("as-of-2024-06.") for line in lines)
    assert lines[-1] == f"{len(lines) - 1} headline number(s) differ from {out}"


def test_the_snapshot_command_refuses_invalid_data(make_ledger, tmp_path, capsys):
    data = make_ledger("bad/type")
    assert cli.main(["snapshot", "--data", str(data), "--out", str(tmp_path / "s.json")]) == 2
    assert "data/transfers.csv:2:amount: type" in capsys.readouterr().err
    assert not (tmp_path / "s.json").exists()
