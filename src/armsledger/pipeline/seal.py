"""Build outputs sealed by content hash: a step records the SHA-256 of what it wrote when it succeeds
(in doit's record of the step), a step whose outputs no longer match counts as not up to date and runs
again, and publishing checks every copy against the seal, so a truncated or altered file in build/ is
rebuilt, never published. (doit itself checks the inputs of a step, not its outputs.)"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable
from pathlib import Path

KEY = "target_sha256"  # in the step's saved values
_known: dict[str, str | None] = {}  # every output this process made or checked: path -> hash
_lock = threading.Lock()


class Broken(RuntimeError):
    """A build output differs from what the step that made it wrote."""


def file_hash(path: Path | str) -> str | None:
    """SHA-256 of a file's bytes; None when it is missing or not a file."""
    hasher = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                hasher.update(block)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None
    return hasher.hexdigest()


def hashes(paths: Iterable[Path | str]) -> dict[str, str | None]:
    return {str(path): file_hash(path) for path in paths}


def record(targets: list[str]) -> dict:
    """The last action of a step: its outputs' hashes, saved by doit with the step."""
    found = hashes(targets)
    with _lock:
        _known.update(found)
    return {KEY: found}


def intact(targets: list[str]):
    """A doit `uptodate` check: the step's outputs are those it recorded (doit passes the step's saved values)."""

    def check(task, values) -> bool:
        found = hashes(targets)
        if values.get(KEY) != found or None in found.values():
            return False
        with _lock:
            _known.update(found)
        return True

    return check


def seal(task: dict) -> dict:
    """A doit task dict that records its targets' hashes when it succeeds and reruns when they change."""
    targets = [str(t) for t in task.get("targets", [])]
    if not targets:
        return task
    return {**task, "actions": [*task["actions"], (record, [targets])],
            "uptodate": [*task.get("uptodate", []), intact(targets)]}


def verify(pairs: Iterable[tuple[Path, Path]]) -> None:
    """Each (build output, its published copy): the copy has the hash its step sealed. Outputs no step
    sealed in this process are not checked. Raises Broken naming every file that differs."""
    broken = []
    for source, copy in pairs:
        with _lock:
            expected = _known.get(str(source), "unsealed")
        if expected != "unsealed" and file_hash(copy) != expected:
            broken.append(str(source))
    if broken:
        raise Broken("changed since the step that made it (truncated or edited?); the next build makes it "
                     "again: " + ", ".join(broken))
