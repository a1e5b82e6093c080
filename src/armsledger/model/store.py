"""The whole ledger as derived once for a version of the data and an as-of date, kept on disk so that the
build's notebooks and its own process derive it once instead of once each (a minute at 300,000 records).

A data folder opts in by holding a `.ledger-cache/` folder (the build's snapshot of the data does); an
analyst's data/ has none and is derived afresh as before. The cache is optional: an entry that cannot be
read, written or unpickled is a warning, and the ledger is derived again."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import pickle
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from armsledger.model import schema as schema_module

CACHE_DIR = ".ledger-cache"  # inside a data folder
KEEP = 6  # entries kept: one per as-of date of the editions, with room for the previous data version
PACKAGE = Path(__file__).resolve().parents[1]
# The code a derived ledger depends on: the model (its derivation) and nothing above it.
MODEL_CODE = ("model",)


def _warn(message: str) -> None:
    print(f"armsledger: warning: {message}", file=sys.stderr, flush=True)


def key(data_dir: Path, as_of) -> str:
    """What a derived ledger depends on: the data files' contents, the model's code, the as-of date,
    and the versions of Python and pandas that pickled it."""
    code = sorted(p for folder in MODEL_CODE for p in (PACKAGE / folder).glob("*.py"))
    hasher = hashlib.sha256()
    hasher.update(schema_module.digest([*schema_module.data_files(data_dir), *code]).encode())
    hasher.update(f"|{as_of}|{platform.python_version()}|{pd.__version__}".encode())
    return hasher.hexdigest()[:32]


def cached(data_dir: Path, entry_key: str, derive: Callable[[], object]) -> object:
    """derive(), or what an earlier derive() under the same `key` (of the data, code and as-of date) left
    in the cache.

    Processes that ask at once (the build runs notebooks side by side) take turns on a lock: the first
    derives and writes, the others wait and read."""
    folder = Path(data_dir) / CACHE_DIR
    if not folder.is_dir():
        return derive()
    try:
        entry = folder / f"{entry_key}.pickle"
        lock = open(folder / f"{entry.stem}.lock", "a+b")  # noqa: SIM115 (held across derive and write)
    except OSError as error:
        _warn(f"ledger cache {folder} is unusable ({error.__class__.__name__}); deriving the ledger without it")
        return derive()
    with lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = _read(entry)
        if found is not None:
            return found
        ledger = derive()
        _write(entry, ledger)
        _prune(folder)
        return ledger


def _read(entry: Path) -> object | None:
    try:
        with open(entry, "rb") as handle:
            return pickle.load(handle)
    except FileNotFoundError:
        return None
    except Exception as error:  # truncated, corrupt, or pickled by code that no longer exists
        _warn(f"ledger cache entry {entry} is unreadable ({error.__class__.__name__}); it is derived again")
        with contextlib.suppress(OSError):
            entry.unlink()
        return None


def _write(entry: Path, ledger: object) -> None:
    """Written whole or not at all: a killed build leaves a temporary file, never half an entry."""
    temporary = None
    try:
        with tempfile.NamedTemporaryFile("wb", dir=entry.parent, prefix=".", suffix=".tmp", delete=False) as handle:
            temporary = Path(handle.name)
            pickle.dump(ledger, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, entry)
    except Exception as error:  # a full disk, a read-only folder, an object that will not pickle
        _warn(f"ledger cache entry {entry} could not be written ({error.__class__.__name__}); going on without it")
        if temporary is not None:
            with contextlib.suppress(OSError):
                temporary.unlink()


def _prune(folder: Path) -> None:
    """The KEEP newest entries stay; older ones, their locks and stray temporary files go."""
    entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[KEEP:]:
        with contextlib.suppress(OSError):
            old.unlink()
            old.with_suffix(".lock").unlink()
    for stray in folder.glob(".*.tmp"):  # left by a killed process; one being written now is younger
        with contextlib.suppress(OSError):
            if stray.stat().st_mtime < time.time() - 3600:
                stray.unlink()
