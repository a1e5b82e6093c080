"""CSL-JSON bibliography generated from sources.csv, for citeproc (Pandoc or Quarto)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import pandas as pd

from armsledger.model.dates import parse_edtf

CSL_TYPES = {
    "investigation": "article-newspaper",
    "news": "article-newspaper",
    "republication": "article-newspaper",
    "ngo_report": "report",
    "official": "webpage",
    "company": "webpage",
    "blog": "post-weblog",
}


def _issued(published: str) -> dict | None:
    """Date parts only as precise as the source's date really is; none for unknown dates."""
    rng = parse_edtf(published)
    if rng.earliest is None or rng.latest is None:
        return None
    if rng.precision == "day":
        parts = [rng.earliest.year, rng.earliest.month, rng.earliest.day]
    elif rng.precision == "month":
        parts = [rng.earliest.year, rng.earliest.month]
    elif rng.precision == "year":
        parts = [rng.earliest.year]
    else:
        return None
    # A date read from context ("2024-03?") is printed as approximate rather than dropped to n.d.
    return {"date-parts": [parts], **({"circa": True} if rng.uncertain else {})}


def _readable_url(url: str) -> str:
    """An address with its percent-encoded non-Latin path decoded (Arabic headlines in the slug), as
    browsers show it; browsers encode it again when the link is followed."""
    try:
        decoded = unquote(url, errors="strict")
    except UnicodeDecodeError:  # bytes that are not UTF-8 text: keep the address as written
        return url
    return url if any(c.isspace() or c in '"<>' for c in decoded) else decoded


def csl_items(sources: pd.DataFrame) -> list[dict]:
    titles = dict(zip(sources["source_id"], sources["title"], strict=True))
    items = []
    for row in sources.sort_values("source_id").itertuples(index=False):
        item = {
            "id": row.source_id,
            "type": CSL_TYPES.get(row.source_type, "webpage"),
            # The outlet stands in as author, so citations read "(Citizen Lab 2020)" rather than
            # repeating long headlines; most sources name no author we could cite.
            "author": [{"literal": row.publisher}],
            # nocase: citeproc must not re-case a title ("srbija lani za 30-krat…" stays as published).
            "title": f'<span class="nocase">{row.title}</span>',
            "publisher": row.publisher,
            "language": row.language,
        }
        issued = _issued(row.published)
        if issued:
            item["issued"] = issued
        if row.url:
            item["URL"] = _readable_url(row.url)
        notes = []
        if row.derived_from:
            notes.append(f"Republishes or summarises: {titles.get(row.derived_from, row.derived_from)}")
        if not issued:
            notes.append(f"Publication date not shown (EDTF {row.published})")
        elif issued.get("circa"):
            notes.append("Publication date not shown; inferred from the page's context")
        if notes:
            item["note"] = ". ".join(notes)
        items.append(item)
    return items


def write(sources: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(csl_items(sources), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
