"""Lines of reporting: which original publications (roots of `sources.derived_from`) stand behind a
set of records, and through which relays the ledger knows them. Charts name these in their source
line; the converted-copy rule (analysis.exports.converted_copies) groups totals by them."""

from __future__ import annotations

import pandas as pd

from armsledger.model.certainty import root_sources
from armsledger.model.ledger import Ledger

LINE_COLUMNS = ["root", "publisher", "published", "read", "relays", "relay_publishers", "records"]


def supporting_roots(ledger: Ledger) -> dict[str, set[str]]:
    """Record id → the roots of the sources whose claims support it."""
    roots = root_sources(ledger.tables["sources"])
    claims = ledger.claims[ledger.claims["stance"] == "supports"]
    out: dict[str, set[str]] = {}
    for record_id, source_id in zip(claims["record_id"], claims["source_id"], strict=True):
        out.setdefault(record_id, set()).add(roots.get(source_id, source_id))
    return out


def lines_of_reporting(ledger: Ledger, record_ids) -> pd.DataFrame:
    """One row per line of reporting behind `record_ids`, most records first: the root source, its
    publisher and date, whether the ledger cites the root itself (`read`) or only relays of it, the
    relaying sources (most-cited first) and their publishers, and how many of the records it supports."""
    sources, roots, claims = _context(ledger, set(record_ids))
    return _lines(claims, sources, roots)


def lines_of_reporting_each(ledger: Ledger, record_ids) -> dict[str, pd.DataFrame]:
    """lines_of_reporting of each record alone, in one pass over the claims (one call per record would
    read every claim and every source once per record: hours at 300,000 records)."""
    wanted = list(dict.fromkeys(record_ids))
    sources, roots, claims = _context(ledger, set(wanted))
    groups = dict(list(claims.groupby("record_id", sort=False)))
    return {record_id: _lines(groups.get(record_id, claims.iloc[0:0]), sources, roots) for record_id in wanted}


def _context(ledger: Ledger, wanted: set[str]) -> tuple[pd.DataFrame, dict[str, str], pd.DataFrame]:
    claims = ledger.claims[(ledger.claims["stance"] == "supports") & ledger.claims["record_id"].isin(wanted)]
    return ledger.tables["sources"].set_index("source_id"), root_sources(ledger.tables["sources"]), claims


def _lines(claims: pd.DataFrame, sources: pd.DataFrame, roots: dict[str, str]) -> pd.DataFrame:
    lines: dict[str, dict] = {}
    for record_id, source_id in zip(claims["record_id"], claims["source_id"], strict=True):
        root = roots.get(source_id, source_id)
        line = lines.setdefault(root, {"records": set(), "relays": {}, "read": False})
        line["records"].add(record_id)
        if source_id == root:
            line["read"] = True
        else:
            line["relays"].setdefault(source_id, set()).add(record_id)
    rows = []
    for root, line in lines.items():
        relays = sorted(line["relays"], key=lambda s: (-len(line["relays"][s]), _publisher(sources, s), s))
        rows.append({
            "root": root,
            "publisher": _publisher(sources, root),
            "published": str(sources.at[root, "published"]) if root in sources.index else "",
            "read": line["read"],
            "relays": relays,
            "relay_publishers": list(dict.fromkeys(_publisher(sources, s) for s in relays)),
            "records": len(line["records"]),
        })
    frame = pd.DataFrame(rows, columns=LINE_COLUMNS)
    if frame.empty:
        return frame
    return frame.sort_values(["records", "publisher", "root"], ascending=[False, True, True]).reset_index(drop=True)


def _publisher(sources: pd.DataFrame, source_id: str) -> str:
    if source_id in sources.index:
        name = str(sources.at[source_id, "publisher"] or "").strip()
        if name:
            return name
    return source_id
