"""Customs-recorded exports between two parties (by month, year and exporter) and the totals the
sources published for them."""

from __future__ import annotations

import math

import pandas as pd

from armsledger.model import fx
from armsledger.model.certainty import tier_rank
from armsledger.model.dates import parse_edtf
from armsledger.model.ledger import Ledger, converted, entity_lineage

CUSTOMS = "customs_declared"
EXPORT_COLUMNS = ["record_id", "period", "earliest", "latest", "precision", "exporter", "amount", "amount_max",
                  "amount_kind",
                  "currency", "value", "low", "high", "fx_rate", "fx_date", "certainty", "source_ids"]


def flows_between(ledger: Ledger, exporter: str, importer: str) -> pd.DataFrame:
    """Transfers whose exporter belongs to `exporter` and importer to `importer` (through parent links),
    joined with their derived record columns."""
    lineage = entity_lineage(ledger.tables["entities"])
    transfers = ledger.table("transfers")
    mask = [
        exporter in lineage.get(e, {e}) and importer in lineage.get(i, {i})
        for e, i in zip(transfers["exporter_id"], transfers["importer_id"], strict=True)
    ]
    derived = ledger.records.drop(columns=["amount", "amount_max", "amount_kind", "currency", "value_date",
                                           "value_basis", "count", "count_kind", "note", "date",
                                           "certainty_override", "certainty_note"])
    selected = transfers[pd.Series(mask, index=transfers.index, dtype=bool)]  # a bare [] would select no columns
    return selected.merge(derived, left_on="transfer_id", right_on="record_id", how="left")


def customs_or_undisclosed(flows: pd.DataFrame) -> pd.DataFrame:
    """Rows valued from customs data, plus shipments whose value no source disclosed: those
    could sit inside a customs total, so they keep its upper bound open."""
    undisclosed = flows["amount"].isna() & flows["date"].ne("")
    return flows[(flows["value_basis"] == CUSTOMS) | undisclosed].copy()


def customs_exports(ledger: Ledger, currency: str, exporter: str = "serbia", importer: str = "israel") -> pd.DataFrame:
    """Customs-recorded transfers, one row each, with the value in `currency` as point, low and high."""
    flows = customs_or_undisclosed(flows_between(ledger, exporter, importer))
    out = pd.DataFrame({
        "record_id": flows["transfer_id"],
        "period": flows["date"],
        "earliest": flows["earliest"],
        "latest": flows["latest"],
        "precision": flows["precision"],
        "exporter": [ledger.entity_name(e) for e in flows["exporter_id"]],
        "amount": flows["amount"],
        "amount_max": flows["amount_max"],
        "amount_kind": flows["amount_kind"],
        "currency": flows["currency"],
        **converted(flows, currency),
        "certainty": flows["certainty"],
        "source_ids": flows["source_ids"],
    }, columns=EXPORT_COLUMNS)
    return out.sort_values(["earliest", "record_id"]).reset_index(drop=True)


def sum_bounds(frame: pd.DataFrame) -> dict:
    """Point sum of reported values and the low/high bounds of the total; NaN point when any is undisclosed."""
    if frame.empty:
        return {"value": 0.0, "low": 0.0, "high": 0.0, "rows": 0, "undisclosed": 0}
    undisclosed = int(frame["value"].isna().sum())
    return {
        "value": float(frame["value"].sum()) if undisclosed == 0 else math.nan,
        "reported_sum": float(frame["value"].sum(min_count=1)) if len(frame) > undisclosed else 0.0,
        "low": float(frame["low"].sum()),
        "high": float(frame["high"].sum()),
        "rows": len(frame),
        "undisclosed": undisclosed,
    }


def by_year(exports: pd.DataFrame) -> pd.DataFrame:
    """Totals per calendar year of the customs month (a record spanning two years is flagged, not split)."""
    frame = exports.copy()
    frame["year"] = frame["earliest"].dt.year
    spans = frame["earliest"].dt.year != frame["latest"].dt.year
    rows = []
    for year, group in frame.groupby("year"):
        total = sum_bounds(group)
        rows.append({"year": int(year), "records": total["rows"], "undisclosed": total["undisclosed"],
                     "reported_sum": total["reported_sum"], "low": total["low"], "high": total["high"],
                     "spans_years": int(spans[group.index].sum())})
    return pd.DataFrame(rows)


def by_exporter(exports: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for exporter, group in exports.groupby("exporter"):
        total = sum_bounds(group)
        first, last = group["earliest"].min(), group["latest"].max()
        rows.append({"exporter": exporter, "records": total["rows"], "undisclosed": total["undisclosed"],
                     "reported_sum": total["reported_sum"], "first": first, "last": last})
    if not rows:
        return pd.DataFrame(columns=["exporter", "records", "undisclosed", "reported_sum", "first", "last"])
    return pd.DataFrame(rows).sort_values("reported_sum", ascending=False).reset_index(drop=True)


TOTAL_COLUMNS = ["aggregate_id", "period", "earliest", "latest", "published", "amount", "amount_max",
                 "amount_kind", "currency", "basis", "certainty", "independent_sources", "first_reported",
                 "visible_from", "restates", "restated_by", "source_ids"]


def published_totals(ledger: Ledger, currency: str, exporter: str = "serbia", importer: str = "israel") -> pd.DataFrame:
    """Published money totals for the flow, converted to `currency` at their period's mean rate."""
    from armsledger.analysis.reconcile import restatements

    lineage = entity_lineage(ledger.tables["entities"])
    aggregates = ledger.table("aggregates")
    restates, restated_by = restatements(aggregates)
    recs = ledger.records.set_index("record_id")
    rows = []
    for agg in aggregates.itertuples(index=False):
        if agg.scope != "arms_exports" or pd.isna(agg.amount):
            continue
        if exporter not in lineage.get(agg.exporter_id, {agg.exporter_id}):
            continue
        if importer not in lineage.get(agg.importer_id, {agg.importer_id}):
            continue
        window = parse_edtf(agg.period)
        rate = fx.fx_rate(agg.currency, currency, agg.value_date or agg.period).rate
        rows.append({
            "aggregate_id": agg.aggregate_id,
            "period": agg.period,
            "earliest": pd.Timestamp(window.earliest),
            "latest": pd.Timestamp(window.latest),
            "published": agg.amount * rate,
            "amount": agg.amount,
            "amount_max": agg.amount_max,
            "amount_kind": agg.amount_kind,
            "currency": agg.currency,
            "basis": agg.basis,
            "certainty": recs.at[agg.aggregate_id, "certainty"],
            "independent_sources": recs.at[agg.aggregate_id, "independent_sources"],
            "first_reported": recs.at[agg.aggregate_id, "first_reported"],
            "visible_from": recs.at[agg.aggregate_id, "visible_from"],
            "restates": restates.get(agg.aggregate_id, ""),
            "restated_by": restated_by.get(agg.aggregate_id, ""),
            "source_ids": recs.at[agg.aggregate_id, "source_ids"],
        })
    frame = pd.DataFrame(rows, columns=TOTAL_COLUMNS)
    frame["earliest"] = pd.to_datetime(frame["earliest"])
    frame["latest"] = pd.to_datetime(frame["latest"])
    return frame.sort_values(["latest", "aggregate_id"]).reset_index(drop=True)


def year_to_date(totals: pd.DataFrame) -> pd.DataFrame:
    """Published totals that run from 1 January of a year: comparable with a running total per year."""
    starts_january = (totals["earliest"].dt.month == 1) & (totals["earliest"].dt.day == 1)
    same_year = totals["earliest"].dt.year == totals["latest"].dt.year
    return totals[starts_january & same_year].reset_index(drop=True)


# The rule that picks the headline total of a year (the report's method section states it):
HEADLINE_RULE = (
    "a total that a later one restates never leads; then the higher certainty tier; then more "
    "independent lines of reporting; then totals from customs data; then the most recently published"
)


def yearly_headlines(totals: pd.DataFrame) -> pd.DataFrame:
    """One row per calendar year that has published whole-year totals: the total that leads by
    HEADLINE_RULE (`aggregate_id`) and the others for the same year (`others`), best first."""
    years = [parse_edtf(p) for p in totals["period"]]
    keep = pd.Series([w.precision == "year" for w in years], index=totals.index, dtype=bool)
    candidates = totals[keep].assign(year=[str(w.earliest.year) for w, k in zip(years, keep, strict=True) if k])
    if candidates.empty:
        return pd.DataFrame(columns=["year", "aggregate_id", "others"])
    ranked = candidates.assign(
        _restated=candidates["restated_by"] != "",
        _tier=candidates["certainty"].map(tier_rank),
        _lines=-candidates["independent_sources"].astype(float),
        _customs=candidates["basis"] != "customs",
        _recent=pd.to_datetime(candidates["visible_from"]).fillna(pd.Timestamp.min),
    ).sort_values(["year", "_restated", "_tier", "_lines", "_customs", "_recent", "aggregate_id"],
                  ascending=[True, True, True, True, True, False, True])
    rows = [{"year": year, "aggregate_id": group["aggregate_id"].iloc[0],
             "others": list(group["aggregate_id"].iloc[1:])} for year, group in ranked.groupby("year", sort=True)]
    return pd.DataFrame(rows, columns=["year", "aggregate_id", "others"])


def last_dated_month(exports: pd.DataFrame, totals: pd.DataFrame) -> pd.Timestamp:
    """End of the last month any export or published total reaches (the chart stops there)."""
    candidates = [d for d in (exports["latest"].max(), totals["latest"].max() if not totals.empty else pd.NaT)
                  if not pd.isna(d)]
    last = max(candidates) if candidates else pd.Timestamp("2025-12-31")
    return (last + pd.offsets.MonthEnd(0)) + pd.Timedelta(days=20)
