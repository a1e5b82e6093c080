"""What the ledger holds: rows per table, sources, certainty mix, monthly coverage and the record list."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd

from armsledger import charts
from armsledger.certainty import DISPUTED, TIERS, root_sources
from armsledger.dates import period_label
from armsledger.ledger import RECORD_TABLES, Ledger
from armsledger.money import reported_text
from armsledger.tables import citations, escape, truncated

TIER_COLUMNS = (*TIERS, DISPUTED)
NUMERIC_ALIGN = {c: "right" for c in ("rows", "records", "sources", "independent lines", "claims", *TIER_COLUMNS)}
TABLE_LABELS = {
    "contracts": "Contracts",
    "contract_lines": "Contract lines",
    "transfers": "Transfers",
    "flights": "Flights",
    "events": "Events",
    "aggregates": "Published totals",
}


def _cited_sources(ledger: Ledger) -> pd.DataFrame:
    cited = set(ledger.claims["source_id"])
    sources = ledger.tables["sources"]
    return sources[sources["source_id"].isin(cited)]


def rows_per_table(ledger: Ledger) -> pd.DataFrame:
    rows = []
    for table in RECORD_TABLES:
        recs = ledger.records[ledger.records["table"] == table]
        row = {"table": TABLE_LABELS[table], "records": len(recs)}
        row.update({tier: int((recs["certainty"] == tier).sum()) for tier in TIER_COLUMNS})
        rows.append(row)
    rows.append({"table": "Claims (evidence rows)", "records": len(ledger.claims)})
    rows.append({"table": "Sources cited", "records": len(_cited_sources(ledger))})
    frame = pd.DataFrame(rows)
    for tier in TIER_COLUMNS:
        frame[tier] = frame[tier].map(lambda v: "" if pd.isna(v) else str(int(v)))
    frame["records"] = frame["records"].astype(str)
    return frame


def sources_by_type_and_language(ledger: Ledger) -> pd.DataFrame:
    sources = _cited_sources(ledger)
    roots = root_sources(ledger.tables["sources"])
    frame = sources.assign(root=sources["source_id"].map(roots))
    grouped = frame.groupby(["source_type", "language"]).agg(
        sources=("source_id", "count"), independent_lines=("root", "nunique")
    ).reset_index()
    grouped = grouped.sort_values(["sources", "source_type", "language"], ascending=[False, True, True])
    grouped.columns = ["type", "language", "sources", "independent lines"]
    return grouped.astype(str).reset_index(drop=True)


def certainty_mix(ledger: Ledger) -> pd.DataFrame:
    recs = ledger.records
    table = pd.crosstab(recs["table"].map(TABLE_LABELS), recs["certainty"]).reindex(columns=list(TIER_COLUMNS),
                                                                                     fill_value=0)
    table.loc["All records"] = table.sum()
    table = table.reset_index().rename(columns={"table": "table"})
    table.columns.name = None
    return table.astype(str)


def coverage_by_month(ledger: Ledger, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Records whose date is a single day or month, counted in that month (by table)."""
    recs = ledger.records.dropna(subset=["earliest", "latest"])
    recs = recs[recs["earliest"].dt.to_period("M") == recs["latest"].dt.to_period("M")]
    recs = recs[(recs["earliest"] >= start) & (recs["latest"] <= end)]
    months = pd.period_range(start, end, freq="M")
    counts = pd.crosstab(recs["earliest"].dt.to_period("M"), recs["table"].map(TABLE_LABELS))
    return counts.reindex(months, fill_value=0)


def coverage_chart(coverage: pd.DataFrame) -> plt.Figure:
    charts.apply_style()
    fig, ax = plt.subplots(figsize=(charts.WIDTH_IN, 2.4))
    bottom = pd.Series(0, index=coverage.index)
    palette = ["#1f5f8b", "#b5452f", "#d08a2c", "#3d7a4a", "#5b4a8b", "#8a8a8a"]
    x = coverage.index.to_timestamp()
    for colour, column in zip(palette, coverage.columns, strict=False):
        ax.bar(x, coverage[column], width=24, bottom=bottom, color=colour, label=column, align="edge")
        bottom = bottom + coverage[column]
    ax.set_ylabel("records")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="y", color=charts.GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.legend(ncol=3, loc="upper left")
    ax.set_ylim(0, max(float(bottom.max()), 1) * 1.35)
    fig.tight_layout()
    return fig


def _value_text(row) -> str:
    """The value as reported; blank for a record that has no value at all (a flight, an event)."""
    if pd.isna(row.amount) and row.amount_kind != "undisclosed":
        return ""
    return reported_text(row.amount, row.currency, row.amount_kind, row.amount_max)


def _describe(row: dict, table: str, name) -> str:
    """One line saying what a record is; `row` is its table row, `name` maps an entity id to its name."""
    if table == "contracts":
        return row["title"]
    if table == "contract_lines":
        return f"{row['designation']} (line of {row['contract_id']})"
    if table == "transfers":
        return f"{name(row['exporter_id'])} → {name(row['importer_id'])}: {row['items']}"
    if table == "flights":
        count = "" if pd.isna(row["count"]) else f"{'≥' if row['count_kind'] == 'at_least' else ''}{row['count']} × "
        route = " → ".join(p for p in (row["origin"], row["destination"]) if p)
        return f"{count}{row['aircraft'] or 'flight'} {route}".strip()
    if table == "events":
        return row["summary"]
    scope = "arms exports" if row["scope"] == "arms_exports" else "military flights"
    return f"Published total, {scope}, {name(row['exporter_id'])} → {name(row['importer_id'])}"


def _rows_by_id(ledger: Ledger) -> dict[str, dict[str, dict]]:
    """Each record table as {record id: row}, built once (a lookup per record was quadratic)."""
    out = {}
    for table, (id_col, _) in RECORD_TABLES.items():
        frame = ledger.tables[table]
        columns = list(frame.columns)
        values = zip(*(frame[c].tolist() for c in columns), strict=True)
        rows = [dict(zip(columns, row, strict=True)) for row in values]
        out[table] = {row[id_col]: row for row in rows}
    return out


def record_list(ledger: Ledger) -> pd.DataFrame:
    """The appendix: every record with date, value as reported, certainty and citations.

    Beyond tables.MAX_PRINTED_ROWS (1,000) records it lists the first ones (in table, then date order)
    and ends with a row saying how many there are and that all are in the data package.
    """
    return truncated(record_table(ledger), "records", note_column="what", mark_column="id")


def record_descriptions(ledger: Ledger, record_ids: set[str]) -> dict[str, str]:
    """What each of `record_ids` is, in words ("Yugoimport-SDPR → Israel: arms and/or ammunition,
    Oct 2024"), for tables that name records."""
    tables = _rows_by_id(ledger)
    dates = dict(zip(ledger.records["record_id"], ledger.records["date"], strict=True))
    table_of = dict(zip(ledger.records["record_id"], ledger.records["table"], strict=True))
    out = {}
    for record_id in record_ids:
        table = table_of.get(record_id)
        if table is None:
            out[record_id] = record_id
            continue
        text = _describe(tables[table][record_id], table, ledger.entity_name)
        out[record_id] = f"{text}, {period_label(dates[record_id])}" if dates.get(record_id) else text
    return out


def record_table(ledger: Ledger) -> pd.DataFrame:
    """Every record with date, value as reported, certainty and citations (the appendix, uncapped)."""
    rows = []
    order = {t: i for i, t in enumerate(RECORD_TABLES)}
    recs = ledger.records.assign(_order=ledger.records["table"].map(order))
    recs = recs.sort_values(["_order", "earliest", "record_id"], na_position="last")
    tables = _rows_by_id(ledger)
    for row in recs.itertuples(index=False):
        count = "" if pd.isna(row.count) else f"{'≥ ' if row.count_kind == 'at_least' else ''}{row.count}"
        rows.append({
            "id": row.record_id,
            "table": TABLE_LABELS[row.table],
            "date": period_label(row.date) if row.date else "",
            "what": _describe(tables[row.table][row.record_id], row.table, ledger.entity_name),
            "value or count": _value_text(row) or count,
            "certainty": row.certainty,
            "sources": citations(row.source_ids),
        })
    return pd.DataFrame(rows)


def headline_counts(ledger: Ledger) -> dict:
    recs = ledger.records
    cited = _cited_sources(ledger)
    roots = root_sources(ledger.tables["sources"])
    return {
        "records": len(recs),
        "claims": len(ledger.claims),
        "sources": len(cited),
        "independent_lines": len({roots[s] for s in cited["source_id"]}),
        "by_certainty": {tier: int((recs["certainty"] == tier).sum()) for tier in TIER_COLUMNS},
        "by_table": {t: int((recs["table"] == t).sum()) for t in RECORD_TABLES},
    }


def display_counts(counts: dict) -> dict[str, str]:
    display = {
        "records_total": str(counts["records"]),
        "claims_total": str(counts["claims"]),
        "sources_total": str(counts["sources"]),
        "independent_lines": str(counts["independent_lines"]),
    }
    display.update({f"records_{tier}": str(n) for tier, n in counts["by_certainty"].items()})
    return {k: escape(v) for k, v in display.items()}
