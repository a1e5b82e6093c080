"""Fixtures every lane shares. The lanes: tests/unit (fixture ledgers only, never data/),
tests/data (invariants of the real ledger and the committed snapshot of its headline numbers) and
tests/pipeline (papermill, the build, the renderers and the browser, on one shared build)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.common import FIXTURES, MINI


@pytest.fixture
def make_ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Return a function that writes `mini` overlaid with fixtures/<overlay> to tmp_path/data.

    An overlay holds only the files that differ from `mini`; its `_remove.txt` lists files
    to delete. The working directory becomes tmp_path, so problems print as `data/...`.
    """
    monkeypatch.chdir(tmp_path)

    def build(overlay: str | None = None) -> Path:
        data = tmp_path / "data"
        if data.exists():
            shutil.rmtree(data)
        shutil.copytree(MINI, data)
        if overlay:
            for path in (FIXTURES / overlay).iterdir():
                if path.name == "_remove.txt":
                    for name in path.read_text(encoding="utf-8").split():
                        (data / name).unlink()
                else:
                    shutil.copyfile(path, data / path.name)
        return data

    return build


@pytest.fixture(scope="session", autouse=True)
def _private_validation_cache(tmp_path_factory: pytest.TempPathFactory):
    """Validation stamps (armsledger.validate.cache.ensure_valid) go to a per-session folder, never
    ~/.cache; notebook subprocesses inherit it through the environment."""
    previous = os.environ.get("ARMSLEDGER_CACHE")
    os.environ["ARMSLEDGER_CACHE"] = str(tmp_path_factory.mktemp("armsledger-cache"))
    yield
    if previous is None:
        os.environ.pop("ARMSLEDGER_CACHE", None)
    else:
        os.environ["ARMSLEDGER_CACHE"] = previous
