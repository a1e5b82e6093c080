"""Validation remembered by content: a stamp named by the fingerprint of the data files and the
validation code, holding that fingerprint, says these exact files passed. The cache is optional:
a stamp that cannot be read or written is a warning, and the data are validated again."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from armsledger.model.schema import data_files, digest
from armsledger.validate import validate

# The code that decides validity: the validator and the model it reads the data with. A change to
# any of it invalidates earlier validation stamps.
PACKAGE = Path(__file__).resolve().parents[1]
VALIDATION_CODE = ("validate", "model")
# A stamp kept inside a data folder itself: the build's snapshot of the data (pipeline.snapshot)
# carries one, so that its notebooks need no cache to know the data they read passed.
LOCAL_STAMP = ".armsledger-validated"

_warned: set[str] = set()


def warn(message: str) -> None:
    """A cache problem, said once per process on stderr; validation goes on without the cache."""
    if message not in _warned:
        _warned.add(message)
        print(f"armsledger: warning: {message}", file=sys.stderr, flush=True)


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


def _holds(stamp: Path, expected: str, local: bool = False) -> bool:
    """Whether `stamp` says `expected` passed. A cache stamp (named by what it holds) with other
    content is corrupt: it is removed, with a warning, and does not count; an empty one is from an
    earlier version and does not count. A local stamp with other content is merely out of date."""
    try:
        text = stamp.read_text(encoding="ascii").strip()
    except (FileNotFoundError, NotADirectoryError):  # no stamp (a cache that is a file: said when writing)
        return False
    except (OSError, ValueError) as error:  # not a file, unreadable, not text
        warn(f"validation cache {stamp} is unreadable ({error.__class__.__name__}); validating without it")
        return False
    if text == expected:
        return True
    if text and not local:
        warn(f"validation cache entry {stamp} is corrupt; it is removed and the data are validated again")
        with contextlib.suppress(OSError):
            stamp.unlink()
    return False


def is_validated(data_dir: Path) -> bool:
    """Whether these exact files (and validation code) have passed validation before."""
    return _passed(Path(data_dir), stamp_for(Path(data_dir)))


def _passed(data_dir: Path, stamp: Path | None) -> bool:
    if stamp is None:
        return False
    return _holds(data_dir / LOCAL_STAMP, stamp.name, local=True) or _holds(stamp, stamp.name)


def ensure_valid(data_dir: Path) -> None:
    """Validate once per content: a passing run leaves a stamp named by the fingerprint, so the
    five notebooks of three editions do not validate the same files fifteen times."""
    data_dir = Path(data_dir)
    stamp = stamp_for(data_dir)
    if _passed(data_dir, stamp):
        return
    result = validate(data_dir)
    if not result.ok:
        raise InvalidData([str(p) for p in result.problems])
    mark_valid(data_dir, stamp)


def mark_valid(data_dir: Path, stamp: Path | None = None, local: bool = False) -> None:
    """Leave the stamp saying these files passed validation. Callers pass the `stamp` computed before
    validating, so that a file edited meanwhile is validated again. `local` also writes it into the
    data folder (a snapshot the build owns). A stamp that cannot be written is a warning."""
    stamp = stamp or stamp_for(Path(data_dir))
    if stamp is None:
        return
    targets = [Path(data_dir) / LOCAL_STAMP] if local else []
    for target in [*targets, stamp]:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            temporary.write_text(stamp.name + "\n", encoding="ascii")
            os.replace(temporary, target)  # whole or absent: a kill never leaves a half-written stamp
        except OSError as error:
            warn(f"validation cache {target.parent} is not writable ({error.strerror or error}); "
                 "the data will be validated again next time")
