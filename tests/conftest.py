"""Shared pytest fixtures: build a ledger folder from tests/fixtures/mini plus an overlay."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from armsledger import paths

FIXTURES = paths.FIXTURES


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
        shutil.copytree(FIXTURES / "mini", data)
        if overlay:
            for path in (FIXTURES / overlay).iterdir():
                if path.name == "_remove.txt":
                    for name in path.read_text(encoding="utf-8").split():
                        (data / name).unlink()
                else:
                    shutil.copyfile(path, data / path.name)
        return data

    return build


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory):
    """Two editions built once per session from a copy of the real data, with the built-in renderer.

    Returns the BuildConfig; its build_dir and public_dir hold the results.
    """
    from armsledger import paths
    from armsledger.build import BuildConfig, run

    root = tmp_path_factory.mktemp("site")
    shutil.copytree(paths.DATA, root / "data")
    shutil.copytree(paths.EDITIONS, root / "editions")
    config = BuildConfig(editions=["default", "usd-confirmed"], renderer="pandoc", jobs=2,
                         data_dir=root / "data", public_dir=root / "public", build_dir=root / "build",
                         editions_dir=root / "editions")
    assert run(config) == 0
    return config


@pytest.fixture(scope="session", autouse=True)
def _private_validation_cache(tmp_path_factory: pytest.TempPathFactory):
    """Validation stamps (armsledger.datastate.ensure_valid) go to a per-session folder, never ~/.cache;
    notebook subprocesses inherit it through the environment."""
    import os

    previous = os.environ.get("ARMSLEDGER_CACHE")
    os.environ["ARMSLEDGER_CACHE"] = str(tmp_path_factory.mktemp("armsledger-cache"))
    yield
    if previous is None:
        os.environ.pop("ARMSLEDGER_CACHE", None)
    else:
        os.environ["ARMSLEDGER_CACHE"] = previous
