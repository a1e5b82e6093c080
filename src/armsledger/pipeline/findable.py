"""Citable and findable: how to cite an edition (with its data version and date), and what its page
tells search engines and link previews (Open Graph, a Twitter card, schema.org `Dataset` JSON-LD),
written as build/<edition>/_meta.html for both renderers to put in the page's head."""

from __future__ import annotations

import json
import re
from html import escape
from pathlib import Path

import yaml

from armsledger.pipeline.project import DATA_LICENCE, Project

META_FILE = "_meta.html"
DISTRIBUTION = (("data/datapackage.json", "application/json", "Frictionless data package"),
                ("data/armsledger-data.zip", "application/zip", "data package (zip)"),
                ("data/tables/armsledger-tables.xlsx",
                 "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "tables (XLSX)"),
                ("armsledger.db", "application/vnd.sqlite3", "SQLite database"),
                ("ftm.jsonl", "application/json", "FollowTheMoney entities"))


def _plain(markdown: str) -> str:
    """Markdown display text as plain text: escapes, emphasis and citations out."""
    text = re.sub(r"\[@[^\]]*\]", "", markdown)
    text = re.sub(r"\\(.)", r"\1", text).replace("*", "")
    return " ".join(text.split())


def citation(project: Project, edition, data_version: str, build_date: str) -> str:
    """"armsledger contributors (2026). <title>. Latest edition, data version …, built …. <url>"."""
    authors = ", ".join(project.authors)
    where = f" {project.repository}" if project.repository else ""
    return (f"{authors} ({build_date[:4]}). {project.title}. {edition.title}, data version {data_version[:12]}, "
            f"built {build_date}.{where}")


def page_head(project: Project, edition, variables: dict, data_version: str, build_date: str) -> str:
    """The head elements of an edition's page: its description for link previews and JSON-LD."""
    title = f"{project.title}: {edition.title}"
    description = _plain(variables.get("standfirst", "")) or _plain(edition.description) or project.abstract
    short = description if len(description) <= 300 else description[:297].rsplit(" ", 1)[0] + "…"
    dataset = {
        "@context": "https://schema.org", "@type": "Dataset", "name": title, "description": description,
        "version": data_version[:12], "dateModified": build_date, "license": DATA_LICENCE["path"],
        "creator": [{"@type": "Organization", "name": name} for name in project.authors],
        "keywords": list(project.keywords), "isAccessibleForFree": True,
        "spatialCoverage": ["Serbia", "Israel"],
        "distribution": [{"@type": "DataDownload", "contentUrl": url, "encodingFormat": kind, "name": name}
                         for url, kind, name in DISTRIBUTION],
        **({"url": project.repository} if project.repository else {}),
    }
    # No "<" at all inside the script element: nothing in the data can end it or open a comment.
    ld = json.dumps(dataset, ensure_ascii=False, sort_keys=True).replace("<", "\\u003c")
    return "\n".join([
        f'<meta name="description" content="{escape(short)}">',
        f'<meta property="og:title" content="{escape(title)}">',
        f'<meta property="og:description" content="{escape(short)}">',
        '<meta property="og:type" content="article">',
        '<meta name="twitter:card" content="summary">',
        f'<meta name="twitter:title" content="{escape(title)}">',
        f'<meta name="twitter:description" content="{escape(short)}">',
        f'<script type="application/ld+json">{ld}</script>',
    ]) + "\n"


def write_head(edition_dir: Path, project: Project, edition, data_version: str, build_date: str) -> Path:
    variables = yaml.safe_load((edition_dir / "_variables.yml").read_text(encoding="utf-8")) or {}
    target = edition_dir / META_FILE
    target.write_text(page_head(project, edition, variables, data_version, build_date), encoding="utf-8")
    return target
