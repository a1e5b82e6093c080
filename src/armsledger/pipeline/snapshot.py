"""The data a build uses: a copy of the ledger taken before validation, validated, and read by every
later step, so that a file edited while the build runs is neither used nor published unvalidated."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path

from armsledger.model.schema import DESCRIPTOR
from armsledger.model.store import CACHE_DIR as LEDGER_CACHE
from armsledger.validate.problems import display_path

SNAPSHOT_DIR = "_data"  # in build/
EXTRAS = ("README.md", "LICENSE.md")  # published in the data package beside the tables


def _names(descriptor: bytes) -> list[str]:
    """The table files a descriptor names (inside the data folder), as far as it can be read."""
    try:
        resources = json.loads(descriptor.decode("utf-8")).get("resources") or []
    except (ValueError, AttributeError):
        return []
    names = []
    for resource in resources:
        path = resource.get("path") if isinstance(resource, dict) else None
        if isinstance(path, str) and path and not Path(path).is_absolute() and ".." not in Path(path).parts:
            names.append(Path(path).as_posix())
    return names


def read(data_dir: Path) -> dict[str, bytes]:
    """The ledger's files as bytes, each read once: datapackage.json, the tables it names, README and
    LICENSE. A file that does not exist is left out (validation names it)."""
    files: dict[str, bytes] = {}
    try:
        files[DESCRIPTOR] = (data_dir / DESCRIPTOR).read_bytes()
    except FileNotFoundError:
        return files
    for name in [*_names(files[DESCRIPTOR]), *EXTRAS]:
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            files[name] = (data_dir / name).read_bytes()
    return files


def write(files: dict[str, bytes], target: Path) -> Path:
    """`target` holds exactly `files`; a file whose bytes are unchanged is not rewritten (its time is
    kept), and each one that is, is replaced whole."""
    target.mkdir(parents=True, exist_ok=True)
    for name, body in files.items():
        path = target / name
        if path.is_file() and path.read_bytes() == body:
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.tmp")
        temporary.write_bytes(body)
        os.replace(temporary, path)
    for path in sorted(target.rglob("*"), reverse=True):
        name = path.relative_to(target).as_posix()
        if any(part.startswith(".") for part in path.relative_to(target).parts):
            continue  # the build's own: the validation stamp, the ledger cache (model.store)
        if path.is_file() and name not in files:
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    return target


def validated(data_dir: Path, build_dir: Path) -> tuple[Path | None, list[str]]:
    """Copy the ledger, validate the copy, and when it passes make it build/_data/ (stamped as
    validated) for the rest of the build. Returns (the snapshot, []) or (None, the problems), the
    problems naming the files in `data_dir`, as the analyst knows them."""
    from armsledger.validate.cache import InvalidData, ensure_valid, mark_valid, stamp_for

    files = read(data_dir)
    staging = Path(tempfile.mkdtemp(prefix="armsledger-data-"))
    try:
        write(files, staging)
        try:
            ensure_valid(staging)
        except InvalidData as error:
            return None, [_relocate(p, staging, data_dir) for p in error.problems]
        except FileNotFoundError as error:
            return None, [_relocate(f"{error.filename}: missing-file: no such file", staging, data_dir)]
        stamp = stamp_for(staging)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    snapshot = write(files, build_dir / SNAPSHOT_DIR)
    mark_valid(snapshot, stamp, local=True)
    # The build's processes derive the ledger from this folder once, not once each (model.store).
    with contextlib.suppress(OSError):
        (snapshot / LEDGER_CACHE).mkdir(exist_ok=True)
    return snapshot, []


def _relocate(problem: str, staging: Path, data_dir: Path) -> str:
    """A problem found in the copy, naming the analyst's file instead."""
    for copy in (display_path(staging), str(staging)):
        problem = problem.replace(copy, display_path(data_dir))
    return problem
