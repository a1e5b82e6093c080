"""Which files make up a ledger, their content fingerprint, and validation cached by that fingerprint."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

# Modules whose rules decide validity; a change to them invalidates earlier validation stamps.
VALIDATION_CODE = ("validate.py", "figures.py", "csvio.py", "dates.py", "vocabulary.py")


def data_files(data_dir: Path) -> list[Path]:
    """datapackage.json and every table file it names. A descriptor that cannot be read names
    no tables here: the validator says what is wrong with it."""
    descriptor_path = Path(data_dir) / "datapackage.json"
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [descriptor_path]
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    tables = [r["path"] for r in resources or [] if isinstance(r, dict) and isinstance(r.get("path"), str)]
    return [descriptor_path, *(Path(data_dir) / t for t in tables)]


def _digest(paths: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(path.name.encode())
        digest.update(path.read_bytes() if path.exists() else b"<missing>")
    return digest.hexdigest()


def data_version(data_dir: Path) -> str:
    """Content hash of the data files alone: the ledger version a report names."""
    return _digest(data_files(data_dir))


def fingerprint(data_dir: Path) -> str:
    """Content hash of the data files and of the code that validates them (keys validation stamps)."""
    here = Path(__file__).parent
    return _digest([*data_files(data_dir), *(here / m for m in VALIDATION_CODE)])


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
    from armsledger.validate import validate

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
