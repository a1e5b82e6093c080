"""What the ledger holds: rows per table, sources, certainty mix, monthly coverage, headline counts."""

from __future__ import annotations

import pandas as pd

from armsledger.model.certainty import DISPUTED, TIERS, root_sources
from armsledger.model.dates import date_columns
from armsledger.model.ledger import Ledger

TIER_COLUMNS = (*TIERS, DISPUTED)


def table_titles(ledger: Ledger) -> dict[str, str]:
    """Record table name → its title in the schema ("aggregates" → "Published totals")."""
    return {t.name: t.title for t in ledger.schema.records}


def cited_sources(ledger: Ledger) -> pd.DataFrame:
    cited = set(ledger.claims["source_id"])
    sources = ledger.tables["sources"]
    return sources[sources["source_id"].isin(cited)]


def rows_per_table(ledger: Ledger) -> pd.DataFrame:
    """Records per record table and tier, then the claims and the sources cited (no tiers)."""
    titles = table_titles(ledger)
    rows = []
    for table in ledger.schema.record_names:
        recs = ledger.records[ledger.records["table"] == table]
        row = {"table": titles[table], "records": len(recs)}
        row.update({tier: int((recs["certainty"] == tier).sum()) for tier in TIER_COLUMNS})
        rows.append(row)
    rows.append({"table": "Claims (evidence rows)", "records": len(ledger.claims)})
    rows.append({"table": "Sources cited", "records": len(cited_sources(ledger))})
    return pd.DataFrame(rows, columns=["table", "records", *TIER_COLUMNS])


def sources_by_type_and_language(ledger: Ledger) -> pd.DataFrame:
    sources = cited_sources(ledger)
    roots = root_sources(ledger.tables["sources"])
    frame = sources.assign(root=sources["source_id"].map(roots))
    grouped = frame.groupby(["source_type", "language"]).agg(
        sources=("source_id", "count"), independent_lines=("root", "nunique")
    ).reset_index()
    grouped = grouped.sort_values(["sources", "source_type", "language"], ascending=[False, True, True])
    grouped.columns = ["type", "language", "sources", "independent lines"]
    return grouped.reset_index(drop=True)


def certainty_mix(ledger: Ledger) -> pd.DataFrame:
    recs = ledger.records
    table = pd.crosstab(recs["table"].map(table_titles(ledger)), recs["certainty"]).reindex(
        columns=list(TIER_COLUMNS), fill_value=0)
    table.loc["All records"] = table.sum()
    table = table.reset_index()
    table.columns.name = None
    return table


def coverage_by_month(ledger: Ledger, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Records whose date is a single day or month, counted in that month (by table)."""
    recs = ledger.records.dropna(subset=["earliest", "latest"])
    recs = recs[recs["earliest"].dt.to_period("M") == recs["latest"].dt.to_period("M")]
    recs = recs[(recs["earliest"] >= start) & (recs["latest"] <= end)]
    months = pd.period_range(start, end, freq="M")
    counts = pd.crosstab(recs["earliest"].dt.to_period("M"), recs["table"].map(table_titles(ledger)))
    return counts.reindex(months, fill_value=0)


def rows_by_id(ledger: Ledger) -> dict[str, dict[str, dict]]:
    """Each record table as {record id: row}, built once (a lookup per record was quadratic)."""
    out = {}
    for spec in ledger.schema.records:
        frame = ledger.tables[spec.name]
        columns = list(frame.columns)
        values = zip(*(frame[c].to_numpy(dtype=object).tolist() for c in columns), strict=True)  # fast on strings
        rows = [dict(zip(columns, row, strict=True)) for row in values]
        out[spec.name] = {row[spec.primary_key]: row for row in rows}
    return out


def ordered_records(ledger: Ledger) -> pd.DataFrame:
    """The records in the appendix's order: by table (schema order), then date, then id."""
    order = {t: i for i, t in enumerate(ledger.schema.record_names)}
    recs = ledger.records.assign(_order=ledger.records["table"].map(order))
    return recs.sort_values(["_order", "earliest", "record_id"], na_position="last").drop(columns="_order")


def headline_counts(ledger: Ledger) -> dict:
    recs = ledger.records
    cited = cited_sources(ledger)
    roots = root_sources(ledger.tables["sources"])
    return {
        "records": len(recs),
        "claims": len(ledger.claims),
        "sources": len(cited),
        "independent_lines": len({roots[s] for s in cited["source_id"]}),
        "by_certainty": {tier: int((recs["certainty"] == tier).sum()) for tier in TIER_COLUMNS},
        "by_table": {t: int((recs["table"] == t).sum()) for t in ledger.schema.record_names},
        "latest_source": latest_source(cited),
    }


def latest_source(sources: pd.DataFrame) -> str:
    """The publication date (EDTF, as written) of the latest of `sources`, by the first day it can have
    appeared: a page dated only "2025" may be from January, and one known only to predate a day
    ("../2025-12-31", date not shown) says nothing. '' when no source is dated."""
    if sources.empty:
        return ""
    earliest = date_columns(sources["published"])["earliest"]
    if earliest.isna().all():
        return ""
    return str(sources["published"].loc[earliest.idxmax()])
