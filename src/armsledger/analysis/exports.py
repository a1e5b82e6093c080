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


class FlowIndex:
    """Every transfer joined with its derived record columns, found by any (exporter, importer) pair
    it counts for through parent links. Built once for many pairs: a pass over every transfer per pair
    made reconciliation quadratic (thousands of pairs at 300,000 records)."""

    def __init__(self, ledger: Ledger):
        lineage = entity_lineage(ledger.tables["entities"])
        transfers = ledger.table("transfers")
        derived = ledger.records.drop(columns=["amount", "amount_max", "amount_kind", "currency", "value_date",
                                               "value_basis", "count", "count_kind", "note", "date",
                                               "certainty_override", "certainty_note"])
        self.joined = transfers.merge(derived, left_on="transfer_id", right_on="record_id", how="left")
        self.positions: dict[tuple[str, str], list[int]] = {}
        for position, (exporter, importer) in enumerate(zip(transfers["exporter_id"], transfers["importer_id"],
                                                            strict=True)):
            for party in lineage.get(exporter, {exporter}):
                for other in lineage.get(importer, {importer}):
                    self.positions.setdefault((party, other), []).append(position)

    def between(self, exporter: str, importer: str) -> pd.DataFrame:
        return self.joined.iloc[self.positions.get((exporter, importer), [])].reset_index(drop=True)


def flows_between(ledger: Ledger, exporter: str, importer: str) -> pd.DataFrame:
    """Transfers whose exporter belongs to `exporter` and importer to `importer` (through parent links),
    joined with their derived record columns."""
    return FlowIndex(ledger).between(exporter, importer)


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
    # What each total takes from its record, looked up in plain dicts (`.at` per cell was most of this
    # function's time with tens of thousands of totals).
    recs = ledger.records[ledger.records["record_id"].isin(aggregates["aggregate_id"])]
    derived = {name: dict(zip(recs["record_id"], recs[name].to_numpy(dtype=object), strict=True))
               for name in ("certainty", "independent_sources", "first_reported", "visible_from", "source_ids")}
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
            "certainty": derived["certainty"][agg.aggregate_id],
            "independent_sources": derived["independent_sources"][agg.aggregate_id],
            "first_reported": derived["first_reported"][agg.aggregate_id],
            "visible_from": derived["visible_from"][agg.aggregate_id],
            "restates": restates.get(agg.aggregate_id, ""),
            "restated_by": restated_by.get(agg.aggregate_id, ""),
            "source_ids": derived["source_ids"][agg.aggregate_id],
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


# --------------------------------------------------------------------------- converted copies

COPY_COLUMNS = ["aggregate_id", "is_copy", "line", "original_currency", "copy_of"]


def native_currency(exports: pd.DataFrame) -> str:
    """The currency most of the customs-recorded rows are reported in ('' when there are none or
    when two currencies tie): the currency in which the customs data reached the reporters."""
    reported = exports.loc[exports["amount"].notna() & (exports["currency"] != ""), "currency"]
    if reported.empty:
        return ""
    counts = reported.value_counts()
    if len(counts) > 1 and counts.iloc[0] == counts.iloc[1]:
        return ""
    return str(counts.index[0])


def converted_copies(totals: pd.DataFrame, roots: dict[str, set[str]], native: str) -> pd.DataFrame:
    """Which published totals are copies made by a relay: a total in another currency than `native`
    (the currency of the customs data, native_currency) whose every line of reporting (`roots`:
    record id → roots of its supporting sources, analysis.reporting.supporting_roots) also gives
    totals in `native`. Such a figure is the same evidence converted (the Jan–Jun 2024 dollar totals
    come from the September 2024 BIRN–Haaretz line whose totals are in euros), never a second
    figure. `copy_of` names the line's totals in `native` (the originals beside it)."""
    if totals.empty or not native:
        return pd.DataFrame({"aggregate_id": totals["aggregate_id"], "is_copy": False, "line": "",
                             "original_currency": native, "copy_of": [[] for _ in range(len(totals))]},
                            columns=COPY_COLUMNS)
    native_by_line: dict[str, list[str]] = {}
    for row in totals.itertuples(index=False):
        if row.currency == native:
            for root in roots.get(row.aggregate_id, ()):
                native_by_line.setdefault(root, []).append(row.aggregate_id)
    rows = []
    for row in totals.itertuples(index=False):
        lines = sorted(roots.get(row.aggregate_id, ()))
        copy = row.currency != native and bool(lines) and all(line in native_by_line for line in lines)
        rows.append({"aggregate_id": row.aggregate_id, "is_copy": copy, "line": "|".join(lines),
                     "original_currency": native,
                     "copy_of": sorted({a for line in lines for a in native_by_line.get(line, [])}) if copy else []})
    return pd.DataFrame(rows, columns=COPY_COLUMNS)


def originals(totals: pd.DataFrame, copies: pd.DataFrame) -> pd.DataFrame:
    """`totals` without the converted copies."""
    copied = set(copies.loc[copies["is_copy"], "aggregate_id"])
    return totals[~totals["aggregate_id"].isin(copied)].reset_index(drop=True)


# --------------------------------------------------------------------------- exports by year, as published

YEAR_COLUMNS = ["year", "role", "aggregate_id", "period", "published", "amount", "amount_kind", "currency",
                "first_reported", "visible_from", "restated_by", "part_year", "source_ids"]


def years_as_published(totals: pd.DataFrame, exports: pd.DataFrame) -> pd.DataFrame:
    """The lead chart's rows, by year: the headline whole-year total (`role` headline, by
    HEADLINE_RULE), every other whole-year total for that year (`other`; a restated one has
    `restated_by`), for a year without a whole-year total its latest part-year total (`part-year`,
    the one reaching furthest, then the most recently published), and the ledger's own sum of
    customs-recorded rows (`ledger`: `published` is the sum of disclosed values, `amount_kind`
    at_least when a row is undisclosed or a lower bound, NaN when no row has a value). `totals` should
    hold originals only (see converted_copies)."""
    rows = []
    heads = yearly_headlines(totals)
    by_id = totals.set_index("aggregate_id") if not totals.empty else totals
    whole_years = set(heads["year"])

    def total_row(year: str, role: str, aggregate_id: str, part_year: bool) -> dict:
        t = by_id.loc[aggregate_id]
        return {"year": year, "role": role, "aggregate_id": aggregate_id, "period": t["period"],
                "published": float(t["published"]), "amount": float(t["amount"]), "amount_kind": t["amount_kind"],
                "currency": t["currency"], "first_reported": t["first_reported"], "visible_from": t["visible_from"],
                "restated_by": t["restated_by"], "part_year": part_year, "source_ids": t["source_ids"]}

    for head in heads.itertuples(index=False):
        rows.append(total_row(head.year, "headline", head.aggregate_id, False))
        rows += [total_row(head.year, "other", other, False) for other in head.others]
    if not totals.empty:
        windows = [parse_edtf(p) for p in totals["period"]]
        single = totals[[w.precision != "year" and w.earliest is not None and w.latest is not None
                         and w.earliest.year == w.latest.year for w in windows]]
        single = single.assign(year=single["earliest"].dt.year.astype(str),
                               _seen=pd.to_datetime(single["visible_from"]).fillna(pd.Timestamp.min))
        for year, group in single.groupby("year", sort=True):
            if year in whole_years:
                continue
            best = group.sort_values(["latest", "_seen", "aggregate_id"], ascending=[False, False, True]).iloc[0]
            rows.append(total_row(year, "part-year", best["aggregate_id"], True))
    ledger_years = by_year(exports) if not exports.empty else pd.DataFrame(columns=["year"])
    ledger_by_year = {str(int(r.year)): r for r in ledger_years.itertuples(index=False)}
    years = sorted({r["year"] for r in rows} | set(ledger_by_year))
    for year in years:
        r = ledger_by_year.get(year)
        if r is None:
            continue
        group = exports[exports["earliest"].dt.year == int(year)]
        open_ended = bool(r.undisclosed) or (group["amount_kind"] == "at_least").any()
        has_value = r.records > r.undisclosed
        rows.append({"year": year, "role": "ledger", "aggregate_id": "", "period": year,
                     "published": float(r.reported_sum) if has_value else math.nan, "amount": math.nan,
                     "amount_kind": "at_least" if open_ended else "exact", "currency": "",
                     "first_reported": "", "visible_from": pd.NaT, "restated_by": "", "part_year": False,
                     "source_ids": sorted({s for ids in group["source_ids"] for s in ids})})
    frame = pd.DataFrame(rows, columns=YEAR_COLUMNS)
    order = {"headline": 0, "part-year": 0, "other": 1, "ledger": 2}
    return frame.assign(_o=frame["role"].map(order)).sort_values(["year", "_o", "aggregate_id"]) \
        .drop(columns="_o").reset_index(drop=True)
