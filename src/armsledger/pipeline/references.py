"""CSL-JSON bibliography generated from sources.csv, for citeproc (Pandoc or Quarto)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import unquote

import pandas as pd

from armsledger.model import lineage
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


def known_through(sources: pd.DataFrame) -> dict[str, list[str]]:
    """Each source with the outlets (publishers, alphabetically) of every source in `sources` that
    republishes or summarises it, directly or through another relay; sources nothing in `sources`
    derives from are left out."""
    parents = dict(zip(sources["source_id"], sources["derived_from"].fillna(""), strict=True))
    publisher = dict(zip(sources["source_id"], sources["publisher"], strict=True))
    return {root: sorted({publisher[r] for r in relays}, key=str.casefold)
            for root, relays in lineage.descendants(parents).items() if root in publisher}


def csl_items(sources: pd.DataFrame) -> list[dict]:
    """One CSL-JSON item per source. An original we did not read (it has no address) says so in its
    note, naming the outlets among `sources` it is known through: the bibliography credits the
    investigation, not only the relay that was read."""
    titles = dict(zip(sources["source_id"], sources["title"], strict=True))
    relayed_by = known_through(sources)
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
        if not row.url:
            outlets = relayed_by.get(row.source_id, [])
            notes.append("Original not read" + (f"; known through {_joined(outlets)}" if outlets else ""))
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


def _joined(names: list[str]) -> str:
    """"a", "a and b", "a, b and c"."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def write(sources: pd.DataFrame, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(csl_items(sources), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
