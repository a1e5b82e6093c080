"""Lines of reporting: each original investigation or report, and the republications and summaries
through which the ledger knows it (`derived_from` in sources.csv). Citations name the line (the
original first, then the relays read), and the Sources section lists the lines.

An edition's bibliography holds the sources its claims cite and the originals behind them that were
published by its date (armsledger.pipeline.edition_data keeps the same set); a citation names an
original only when that bibliography holds it.
"""

from __future__ import annotations

import pandas as pd

from armsledger.model import lineage
from armsledger.model.dates import date_columns
from armsledger.model.ledger import Ledger

LINE_COLUMNS = ["line", "source_id", "role", "publisher", "title", "language", "published", "published_basis",
                "earliest", "read", "records"]


def known_sources(ledger: Ledger) -> set[str]:
    """The sources published by the edition's date (every source when it has none): the originals an
    edition may name."""
    sources = ledger.tables["sources"]
    if ledger.as_of is None:
        return set(sources["source_id"])
    latest = date_columns(sources["published"])["latest"]
    return {s for s, day in zip(sources["source_id"], latest, strict=True)
            if pd.notna(day) and day.date() <= ledger.as_of}


def citation_lineage(ledger: Ledger) -> dict[str, str]:
    """Each source → the nearest source above it along `derived_from` that the edition may name ('' for
    none): the mapping present.markdown.citations groups by. An original published after the
    edition's date is skipped, as the edition's bibliography leaves it out."""
    sources = ledger.tables["sources"]
    parents = dict(zip(sources["source_id"], sources["derived_from"], strict=True))
    known = known_sources(ledger)
    return {source: next((s for s in lineage.chain(parents, source)[0][1:] if s in known), "")
            for source in parents}


def lines_of_reporting(ledger: Ledger) -> pd.DataFrame:
    """The edition's lines of reporting, one row per source: each original (`role` original) and the
    sources it is known through (`role` relay), for every source the edition's claims cite. `read` is
    whether we read the page itself (an original known only through relays has no address); `records`
    counts the edition's records whose claims cite the source (for an original, those of its whole line).
    Lines are ordered by the original's publication date, relays within a line by theirs (`earliest`: the
    first day it can have appeared, or the day it is known to predate)."""
    sources = ledger.tables["sources"].set_index("source_id")
    parents = citation_lineage(ledger)
    cited_by: dict[str, set[str]] = {}
    for record_id, source_id in zip(ledger.claims["record_id"], ledger.claims["source_id"], strict=True):
        cited_by.setdefault(source_id, set()).add(record_id)
    grouped = lineage.lines(sorted(cited_by), parents)
    bounds = date_columns(sources["published"])
    # Ordered by the first day a source can have appeared; one known only to predate a day, by that day.
    earliest = dict(zip(sources.index, bounds["earliest"].fillna(bounds["latest"]), strict=True))
    rows = []
    for root, relays in grouped:
        line_records = set().union(*(cited_by.get(s, set()) for s in [root, *relays]))
        for source_id, role in [(root, "original"), *((r, "relay") for r in sorted(
                relays, key=lambda r: (pd.isna(earliest[r]), earliest[r] if pd.notna(earliest[r]) else 0, r)))]:
            row = sources.loc[source_id]
            rows.append({
                "line": root, "source_id": source_id, "role": role, "publisher": row["publisher"],
                "title": row["title"], "language": row["language"], "published": row["published"],
                "published_basis": row["published_basis"], "earliest": earliest[source_id],
                "read": bool(str(row["url"]).strip()),
                "records": len(line_records if role == "original" else cited_by.get(source_id, set())),
            })
    frame = pd.DataFrame(rows, columns=LINE_COLUMNS)
    if frame.empty:
        return frame
    first = frame[frame["role"] == "original"].set_index("line")["earliest"]
    frame["_first"] = frame["line"].map(first)
    frame["_original"] = frame["role"] != "original"
    frame = frame.sort_values(["_first", "line", "_original"], kind="stable", na_position="last")
    return frame.drop(columns=["_first", "_original"]).reset_index(drop=True)
