"""The full build, twice, with one record changed in between: the second publication says what
changed (exactly that record, and the headline totals it moved), the first is archived and linked
from the index, and an unchanged build runs no step.

Run alone with: .venv/bin/pytest -q --noconftest -p no:cacheprovider tests/pipeline/test_open_data_build.py
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
import yaml

from armsledger import paths
from armsledger.pipeline.config import BuildConfig
from armsledger.pipeline.runner import run, stale

FIRST, SECOND = dt.date(2025, 3, 1), dt.date(2025, 3, 8)
RECORD, CLAIM = "yi-israel-2023-10", "yi-israel-2023-10-serbianmonitor"


def _epoch(day: dt.date) -> str:
    return str(int(dt.datetime.combine(day, dt.time(12), dt.UTC).timestamp()))


def _edit(path: Path, key: str, row_id: str, column: str, old: str, new: str) -> None:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    row = next(r for r in rows[1:] if r[header.index(key)] == row_id)
    assert row[header.index(column)] == old
    row[header.index(column)] = new
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


@pytest.mark.slow
def test_a_changed_record_is_named_in_the_next_publication(tmp_path, monkeypatch):
    monkeypatch.setenv("ARMSLEDGER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("CI", "true")  # plain progress lines
    data = tmp_path / "data"
    shutil.copytree(paths.DATA, data)
    public = tmp_path / "public"
    cfg = BuildConfig(editions=["latest"], renderer="pandoc", jobs=2, data_dir=data, public_dir=public,
                      build_dir=tmp_path / "build")

    monkeypatch.setenv("SOURCE_DATE_EPOCH", _epoch(FIRST))
    assert run(cfg) == 0
    assert stale(cfg) == [], "an unchanged build runs nothing"
    first = json.loads((public / "latest" / "changes.json").read_text(encoding="utf-8"))
    assert first["previous"] is None
    summary = json.loads((public / "latest" / "summary.json").read_text(encoding="utf-8"))
    assert summary["edition"]["build_date"] == FIRST.isoformat()
    assert summary["edition"]["parameters"]["currency"] == "EUR"
    before = summary["03-values"]["by_year"]["2023"]["disclosed_sum"]

    # One record changes: its amount, and the figure its claim quotes (so that the data stay valid).
    _edit(data / "transfers.csv", "transfer_id", RECORD, "amount", "540120", "640120")
    _edit(data / "claims.csv", "claim_id", CLAIM, "figure", "540,120 euros", "640,120 euros")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", _epoch(SECOND))
    assert run(cfg) == 0
    assert stale(cfg) == []

    changes = json.loads((public / "latest" / "changes.json").read_text(encoding="utf-8"))
    assert changes["previous"]["build_date"] == FIRST.isoformat()
    assert changes["current"]["build_date"] == SECOND.isoformat()
    assert changes["records"] == {"added": [], "removed": [], "changed": [
        {"table": "transfers", "id": RECORD, "fields": {"amount": {"old": "540120", "new": "640120"}}}]}
    assert changes["rows"]["changed"] == [
        {"table": "claims", "id": CLAIM, "fields": {"figure": {"old": "540,120 euros", "new": "640,120 euros"}}}]
    moved = {t["key"]: (t["old"], t["new"]) for t in changes["totals"]}
    assert moved["03-values.by_year.2023.disclosed_sum"] == (before, before + 100_000)
    # Only totals that can depend on a 2023 export's value moved: no count of records, sources or claims.
    assert not [key for key in moved if key.startswith("01-ledger.")]
    assert not [key for key in moved if key.startswith(("02-timeline.", "05-surveillance."))]

    variables = yaml.safe_load((public / "latest" / "_variables.yml").read_text(encoding="utf-8"))
    assert variables["changes_since"] == "the publication of 1 March 2025"
    assert "0 records added, 1 changed, 0 removed" in variables["changes_summary"]
    assert variables["changes_records"] == f"Changed: transfers {RECORD} (amount)"

    # The first publication is archived (moved, not copied) and linked from the index.
    archived = public / "archive" / FIRST.isoformat() / "latest"
    old_summary = json.loads((archived / "summary.json").read_text(encoding="utf-8"))
    assert old_summary["03-values"]["by_year"]["2023"]["disclosed_sum"] == before
    assert not list(public.glob(".latest*"))
    index = (public / "index.html").read_text(encoding="utf-8")
    assert f'href="archive/{FIRST.isoformat()}/latest/index.html"' in index
    listing = json.loads((public / "editions.json").read_text(encoding="utf-8"))
    assert [e["name"] for e in listing["editions"]] == ["latest"]
    assert listing["editions"][0]["build_date"] == SECOND.isoformat()
    assert listing["editions"][0]["files"]["sqlite"] == "latest/armsledger.db"
    assert [a["path"] for a in listing["archive"]] == [f"archive/{FIRST.isoformat()}/latest"]
