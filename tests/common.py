"""Paths and small helpers the three lanes share. Tests define their own fixture paths here:
armsledger.paths knows only the project's folders."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from armsledger import paths

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures"
SMALL = FIXTURES / "ledger_small"  # a valid ledger with one of everything the analyses treat specially
MINI = FIXTURES / "mini"  # the smallest valid ledger; bad/* and good/* are overlays of it
ARCHIVE = FIXTURES / "archive"  # the source texts of mini's archive check
SNAPSHOT = TESTS / "data" / "snapshot.json"
NOTEBOOKS = paths.NOTEBOOKS
EDITIONS = paths.EDITIONS


def copy_ledger(source: Path, target: Path) -> Path:
    """A private copy of a ledger folder (tests that edit data never edit the fixtures)."""
    shutil.copytree(source, target)
    return target


def rewrite_cell(data: Path, table: str, key: str, record: str, column: str, text: str) -> None:
    """Set one cell of `table` in the ledger folder `data`, where `key` equals `record`."""
    path = data / f"{table}.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    found = [row for row in rows if row[key] == record]
    assert found, f"{table}.csv has no row {key}={record}"
    for row in found:
        row[column] = text
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
