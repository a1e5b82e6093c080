"""Validating fixture ledgers in the background.

One validation of `mini` takes about 0.6 s, nearly all of it Frictionless, and the validator's tests
run about a hundred of them. Each is declared here at import time (`case`), and the unit lane's
conftest starts two forked worker processes as the lane begins: the validations run beside the other
unit tests, and the validator's tests then read the outcomes (`outcome`). A test that asks for a case
before the workers started (or without them) validates in its own process, with the same result.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from tests.common import ARCHIVE, FIXTURES, MINI

Edit = Callable[[Path], None]
# key → (overlay of mini, edit of the copy, check the fixture archive too)
CASES: dict[str, tuple[str | None, Edit | None, bool]] = {}
_state: dict = {"pool": None, "futures": {}, "base": None}


def case(key: str, overlay: str | None = None, edit: Edit | None = None, archive: bool = False) -> str:
    """Declare a validation: `mini`, overlaid with fixtures/<overlay>, then `edit`ed, validated (with the
    fixture archive when `archive`). Call at import time, so the workers see every case."""
    if key in CASES and CASES[key] != (overlay, edit, archive):
        raise ValueError(f"validation case {key!r} declared twice, differently")
    CASES[key] = (overlay, edit, archive)
    return key


@dataclass(frozen=True)
class Outcome:
    """What a test reads of a ValidationResult, made where the ledger's folder is the working directory,
    so problems print as `data/...`."""

    located: list[str]  # `file:row:column: rule`
    messages: list[str]  # str(problem)
    rules: list[str]
    columns: list[str | None]
    summary: list[str]
    archive: tuple[int, int, int, int, int] | None  # verified, failed, file_missing, unverified, blank
    tables: dict[str, list[dict]] = field(repr=False)
    row_numbers: dict[str, list[int]] = field(repr=False)

    @property
    def ok(self) -> bool:
        return not self.messages


def write_ledger(root: Path, overlay: str | None = None, edit: Edit | None = None) -> Path:
    """root/data: mini overlaid with fixtures/<overlay> (its `_remove.txt` lists files to delete), then edited."""
    data = root / "data"
    shutil.copytree(MINI, data)
    if overlay:
        for path in (FIXTURES / overlay).iterdir():
            if path.name == "_remove.txt":
                for name in path.read_text(encoding="utf-8").split():
                    (data / name).unlink()
            else:
                shutil.copyfile(path, data / path.name)
    if edit:
        edit(data)
    return data


def _validate(key: str, base: str) -> Outcome:
    from armsledger.validate import validate

    overlay, edit, with_archive = CASES[key]
    root = Path(tempfile.mkdtemp(prefix="case-", dir=base))
    before = os.getcwd()
    os.chdir(root)
    try:
        write_ledger(root, overlay, edit)
        result = validate(Path("data"), ARCHIVE if with_archive else None)
        stats = result.archive
        return Outcome(
            located=[f"{p.location()}: {p.rule}" for p in result.problems],
            messages=[str(p) for p in result.problems],
            rules=[p.rule for p in result.problems],
            columns=[p.column for p in result.problems],
            summary=result.summary_lines(),
            archive=None if stats is None else (stats.verified, stats.failed, stats.file_missing, stats.unverified,
                                                stats.blank),
            tables={name: [dict(row) for row in rows] for name, rows in result.tables.items()},
            row_numbers=result.row_numbers,
        )
    finally:
        os.chdir(before)
        shutil.rmtree(root, ignore_errors=True)


def start(base: Path, workers: int = 2) -> None:
    """Fork the workers and hand them every declared case."""
    if _state["pool"] is not None or not CASES:
        return
    if sys.platform != "linux" or "fork" not in multiprocessing.get_all_start_methods():
        return  # forking after numpy is safe on Linux only: elsewhere each test validates for itself
    _state["base"] = str(base)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))
    _state["pool"] = pool
    _state["futures"] = {key: pool.submit(_validate, key, str(base)) for key in CASES}


def stop() -> None:
    pool = _state["pool"]
    if pool is not None:
        pool.shutdown(wait=True, cancel_futures=True)
    _state.update(pool=None, futures={})


def outcome(key: str) -> Outcome:
    """The outcome of a declared case: from the workers when they run, else validated here and now."""
    if key not in CASES:
        raise KeyError(f"validation case {key!r} is not declared (declare it with case() at import time)")
    future: Future | None = _state["futures"].get(key)
    if future is not None:
        return future.result(timeout=600)
    base = _state["base"] or tempfile.mkdtemp(prefix="armsledger-validations-")
    return _validate(key, base)
