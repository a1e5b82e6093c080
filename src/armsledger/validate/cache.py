"""Validation remembered by content: a stamp named by the fingerprint of the data files and the
validation code says these exact files passed."""

from __future__ import annotations

import os
from pathlib import Path

from armsledger.model.schema import data_files, digest
from armsledger.validate import validate

# The code that decides validity: the validator and the model it reads the data with. A change to
# any of it invalidates earlier validation stamps.
PACKAGE = Path(__file__).resolve().parents[1]
VALIDATION_CODE = ("validate", "model")


def fingerprint(data_dir: Path) -> str:
    """Content hash of the data files and of the code that validates them (keys validation stamps)."""
    code = sorted(p for folder in VALIDATION_CODE for p in (PACKAGE / folder).glob("*.py"))
    return digest([*data_files(data_dir), *code])


def _stamp_dir() -> Path:
    base = os.environ.get("ARMSLEDGER_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "armsledger")
    return Path(base) / "validated"


class InvalidData(ValueError):
    """The ledger does not validate; `problems` holds the validator's lines."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} data problem(s):\n" + "\n".join(problems))
        self.problems = problems


def stamp_for(data_dir: Path) -> Path | None:
    """The file whose existence says these files passed validation; None if the package is unreadable."""
    try:
        return _stamp_dir() / fingerprint(data_dir)
    except (OSError, ValueError, KeyError):
        return None  # unreadable package: let the validator say what is wrong


def is_validated(data_dir: Path) -> bool:
    """Whether these exact files (and validation code) have passed validation before."""
    stamp = stamp_for(Path(data_dir))
    return stamp is not None and stamp.exists()


def ensure_valid(data_dir: Path) -> None:
    """Validate once per content: a passing run leaves a stamp named by the fingerprint, so the
    five notebooks of three editions do not validate the same files fifteen times."""
    data_dir = Path(data_dir)
    stamp = stamp_for(data_dir)
    if stamp is not None and stamp.exists():
        return
    result = validate(data_dir)
    if not result.ok:
        raise InvalidData([str(p) for p in result.problems])
    mark_valid(data_dir, stamp)


def mark_valid(data_dir: Path, stamp: Path | None = None) -> None:
    """Leave the stamp saying these files passed validation. Callers pass the `stamp` computed before
    validating, so that a file edited meanwhile is validated again."""
    stamp = stamp or stamp_for(Path(data_dir))
    if stamp is not None:
        stamp.parent.mkdir(parents=True, exist_ok=True)
        stamp.touch()
