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


def only_sets(data, notebooks_only: bool = False) -> list[set[str]]:
    """Each record table alone (unless `notebooks_only`), the tables each notebook reads, and none."""
    from armsledger.model import schema as schema_module
    from armsledger.pipeline.notebooks import notebook_names, reads

    schema = schema_module.load(data)
    sets = [] if notebooks_only else [{name} for name in schema.record_names]
    read = [reads(NOTEBOOKS / f"{name}.ipynb") for name in notebook_names(NOTEBOOKS)]
    sets += [set(r) for r in read if not isinstance(r, str)]
    return [*sets, set()]


def assert_same_ledger(a, b) -> None:
    """Two model.ledger.Ledger objects hold the same frames."""
    import pandas as pd

    for name in a.tables:
        pd.testing.assert_frame_equal(a.tables[name], b.tables[name], obj=f"tables[{name}]")
    # An empty frame's column types are pandas' guess from nothing: only its columns must agree.
    pd.testing.assert_frame_equal(a.records, b.records, obj="records", check_dtype=not b.records.empty)
    pd.testing.assert_frame_equal(a.claims, b.claims, obj="claims", check_dtype=not b.claims.empty)
    assert a.masked == b.masked
    assert (a.hidden is None) == (b.hidden is None)
    if a.hidden is not None:
        pd.testing.assert_frame_equal(a.hidden, b.hidden, obj="hidden", check_dtype=not b.hidden.empty)
