"""The project's own bibliographic data, read from CITATION.cff (the one place that holds them): what
every data package, the Datasette metadata and editions.json say about who made the data, under
which licence, and where the project lives."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from armsledger import paths

CITATION = paths.ROOT / "CITATION.cff"
DATA_LICENCE = {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
                "title": "Creative Commons Attribution 4.0"}


@dataclass(frozen=True)
class Project:
    title: str = "armsledger"
    authors: tuple[str, ...] = ("armsledger contributors",)
    repository: str = ""
    abstract: str = ""
    keywords: tuple[str, ...] = ()
    version: str = ""


def load(path: Path = CITATION) -> Project:
    """The project as CITATION.cff describes it; defaults for what it does not say (or a missing file)."""
    try:
        cff = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        return Project()
    authors = tuple(a.get("name") or " ".join(filter(None, (a.get("given-names"), a.get("family-names"))))
                    for a in cff.get("authors") or [] if isinstance(a, dict))
    return Project(title=str(cff.get("title", "armsledger")), authors=authors or Project.authors,
                   repository=str(cff.get("repository-code", "")),
                   abstract=" ".join(str(cff.get("abstract", "")).split()),
                   keywords=tuple(str(k) for k in cff.get("keywords") or ()), version=str(cff.get("version", "")))
