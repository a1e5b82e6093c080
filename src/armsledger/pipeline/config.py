"""What a build is asked to do: which editions, which renderer, and the folders it reads and writes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from armsledger import paths


@dataclass
class BuildConfig:
    editions: list[str]
    renderer: str = "auto"
    jobs: int = 2
    data_dir: Path = paths.DATA
    public_dir: Path = paths.PUBLIC
    build_dir: Path = paths.BUILD
    report_dir: Path = paths.REPORT
    notebooks_dir: Path = paths.NOTEBOOKS
    editions_dir: Path = paths.EDITIONS
    citation: Path = paths.ROOT / "CITATION.cff"  # the project's bibliographic data (pipeline.project)
