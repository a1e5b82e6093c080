"""Value summaries: customs-recorded exports by period and exporter, contract values and delivery schedules."""

from __future__ import annotations

import math

import pandas as pd

from armsledger.dates import parse_edtf
from armsledger.ledger import Ledger, entity_lineage
from armsledger.money import reported_text

CUSTOMS = "customs_declared"


def _converted(source, currency: str) -> dict:
    """The converted value (point, low, high) and the rate and window it used, from a records
    frame or one record, under the names the value tables share."""
    c = currency.lower()
    names = {"value": f"value_{c}", "low": f"value_low_{c}", "high": f"value_high_{c}",
             "fx_rate": f"fx_rate_{c}", "fx_date": f"fx_date_{c}"}
    return {key: source[column] for key, column in names.items()}


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
        "amount_kind": flows["amount_kind"],
        "reported": [reported_text(a, c, k)
                     for a, c, k in zip(flows["amount"], flows["currency"], flows["amount_kind"], strict=True)],
        **_converted(flows, currency),
        "certainty": flows["certainty"],
        "source_ids": flows["source_ids"],
    })
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


def contract_values(ledger: Ledger, currency: str) -> pd.DataFrame:
    """Contracts with a value or a delivery window, the value as reported and converted."""
    contracts = ledger.table("contracts")
    recs = ledger.records.set_index("record_id")
    rows = []
    for row in contracts.itertuples(index=False):
        rec = recs.loc[row.contract_id]
        rows.append({
            "record_id": row.contract_id,
            "title": row.title,
            "supplier": ledger.entity_name(row.supplier_id),
            "recipient": ledger.entity_name(row.recipient_id),
            "domain": row.domain,
            "status": row.status,
            "signed": row.signed or row.announced,
            "delivery": row.delivery,
            "reported": reported_text(row.amount, row.currency, row.amount_kind),
            **_converted(rec, currency),
            "certainty": rec["certainty"],
            "source_ids": rec["source_ids"],
        })
    columns = ["record_id", "title", "supplier", "recipient", "domain", "status", "signed", "delivery", "reported",
               "value", "low", "high", "fx_rate", "fx_date", "certainty", "source_ids"]
    return pd.DataFrame(rows, columns=columns)


def delivery_schedule(contracts: pd.DataFrame) -> pd.DataFrame:
    """Expected value delivered per calendar year, ASSUMING the value is spread evenly over the
    delivery interval (by days). No source reports a schedule; this is analysis, not a record."""
    rows = []
    for row in contracts.itertuples(index=False):
        if not row.delivery or pd.isna(row.value):
            continue
        window = parse_edtf(row.delivery)
        if window.earliest is None or window.latest is None:
            continue
        total_days = (window.latest - window.earliest).days + 1
        for year in range(window.earliest.year, window.latest.year + 1):
            start = max(window.earliest, window.earliest.replace(year=year, month=1, day=1))
            end = min(window.latest, window.latest.replace(year=year, month=12, day=31))
            days = (end - start).days + 1
            rows.append({"record_id": row.record_id, "title": row.title, "year": year, "days": days,
                         "share": days / total_days, "expected_value": row.value * days / total_days})
    return pd.DataFrame(rows, columns=["record_id", "title", "year", "days", "share", "expected_value"])


def published_totals(ledger: Ledger, currency: str, exporter: str = "serbia", importer: str = "israel") -> pd.DataFrame:
    """Published money totals for the flow, converted to `currency` at their period's mean rate."""
    from armsledger import money
    from armsledger.dates import period_label

    lineage = entity_lineage(ledger.tables["entities"])
    aggregates = ledger.table("aggregates")
    rows = []
    for agg in aggregates.itertuples(index=False):
        if agg.scope != "arms_exports" or pd.isna(agg.amount):
            continue
        if exporter not in lineage.get(agg.exporter_id, {agg.exporter_id}):
            continue
        if importer not in lineage.get(agg.importer_id, {agg.importer_id}):
            continue
        window = parse_edtf(agg.period)
        rate = money.fx_rate(agg.currency, currency, agg.value_date or agg.period).rate
        reported = reported_text(agg.amount, agg.currency, agg.amount_kind)
        converted = agg.amount * rate
        bound = "≥ " if agg.amount_kind == "at_least" else ""
        shown = bound + money.format_money(agg.amount, agg.currency, compact=True)
        if agg.currency != currency:
            shown += f" (≈ {money.format_money(converted, currency, compact=True)})"
        rows.append({
            "aggregate_id": agg.aggregate_id,
            "period": agg.period,
            "earliest": pd.Timestamp(window.earliest),
            "latest": pd.Timestamp(window.latest),
            "published": converted,
            "reported": reported,
            "label": f"{period_label(agg.period)}: {shown}",
        })
    columns = ["aggregate_id", "period", "earliest", "latest", "published", "reported", "label"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["earliest"] = pd.to_datetime(frame["earliest"])
    frame["latest"] = pd.to_datetime(frame["latest"])
    return frame.sort_values(["latest", "aggregate_id"]).reset_index(drop=True)


def year_to_date(totals: pd.DataFrame) -> pd.DataFrame:
    """Published totals that run from 1 January of a year: comparable with a running total per year."""
    starts_january = (totals["earliest"].dt.month == 1) & (totals["earliest"].dt.day == 1)
    same_year = totals["earliest"].dt.year == totals["latest"].dt.year
    return totals[starts_january & same_year].reset_index(drop=True)


def last_dated_month(exports: pd.DataFrame, totals: pd.DataFrame) -> pd.Timestamp:
    """End of the last month any export or published total reaches (the chart stops there)."""
    candidates = [d for d in (exports["latest"].max(), totals["latest"].max() if not totals.empty else pd.NaT)
                  if not pd.isna(d)]
    last = max(candidates) if candidates else pd.Timestamp("2025-12-31")
    return (last + pd.offsets.MonthEnd(0)) + pd.Timedelta(days=20)


def _rate_cells(frame: pd.DataFrame) -> list[str]:
    """The ECB rate each conversion used and the day or window it was taken over; – for none."""
    return [f"{r:.4f} ({d})" if not pd.isna(r) and r != 1.0 else "–"
            for r, d in zip(frame["fx_rate"], frame["fx_date"], strict=True)]


def exports_table(exports: pd.DataFrame, currency: str) -> pd.DataFrame:
    from armsledger.dates import period_label
    from armsledger.tables import citations, money_cell

    table = pd.DataFrame({
        "period": [period_label(p) for p in exports["period"]],
        "exporter": exports["exporter"],
        "as reported": exports["reported"],
        f"in {currency}": [money_cell(v, currency) for v in exports["value"]],
        "rate (date)": _rate_cells(exports),
        "certainty": exports["certainty"],
        "sources": [citations(s) for s in exports["source_ids"]],
    })
    # In an edition whose currency is the one reported, a column of dashes says nothing.
    return table if (table["rate (date)"] != "–").any() else table.drop(columns="rate (date)")


def yearly_table(exports: pd.DataFrame, currency: str) -> pd.DataFrame:
    from armsledger.tables import money_cell

    years = by_year(exports)
    if years.empty:
        return years
    return pd.DataFrame({
        "year": years["year"].astype(str),
        "records": years["records"].astype(str),
        "value undisclosed": years["undisclosed"].astype(str),
        f"sum of disclosed values ({currency})": [money_cell(v, currency) for v in years["reported_sum"]],
        "upper bound": [money_cell(v, currency) for v in years["high"]],
    })


def exporter_table(exports: pd.DataFrame, currency: str) -> pd.DataFrame:
    from armsledger.tables import money_cell

    table = by_exporter(exports)
    if table.empty:
        return table
    return pd.DataFrame({
        "exporter": table["exporter"],
        "records": table["records"].astype(str),
        "value undisclosed": table["undisclosed"].astype(str),
        f"sum of disclosed values ({currency})": [money_cell(v, currency) for v in table["reported_sum"]],
        "first": [f"{d:%Y-%m}" for d in table["first"]],
        "last": [f"{d:%Y-%m}" for d in table["last"]],
    })


def contracts_table(contracts: pd.DataFrame, currency: str) -> pd.DataFrame:
    from armsledger.dates import period_label
    from armsledger.tables import citations, money_cell

    arms = contracts[contracts["domain"] == "arms"]
    return pd.DataFrame({
        "contract": arms["title"],
        "supplier": arms["supplier"],
        "signed": [period_label(s) if s else "" for s in arms["signed"]],
        "delivery": [period_label(d) if d else "" for d in arms["delivery"]],
        "as reported": arms["reported"],
        f"in {currency}": [money_cell(v, currency) for v in arms["value"]],
        "rate (date)": _rate_cells(arms),
        "certainty": arms["certainty"],
        "sources": [citations(s) for s in arms["source_ids"]],
    })


def schedule_table(schedule: pd.DataFrame, currency: str) -> pd.DataFrame:
    from armsledger.tables import money_cell

    if schedule.empty:
        return schedule
    return pd.DataFrame({
        "contract": schedule["title"],
        "year": schedule["year"].astype(str),
        "days of delivery window": schedule["days"].astype(str),
        "share": [f"{s:.1%}" for s in schedule["share"]],
        f"expected value ({currency})": [money_cell(v, currency) for v in schedule["expected_value"]],
    })


def summarise(exports: pd.DataFrame, contracts: pd.DataFrame, schedule: pd.DataFrame,
              totals: pd.DataFrame, currency: str) -> dict:
    years = by_year(exports)
    year_totals = {str(int(r.year)): {"records": int(r.records), "undisclosed": int(r.undisclosed),
                                      "disclosed_sum": float(r.reported_sum)} for r in years.itertuples(index=False)}
    disclosed = exports.dropna(subset=["value"])
    largest = disclosed.loc[disclosed["value"].idxmax()] if not disclosed.empty else None
    valued = contracts.dropna(subset=["value"])
    biggest = valued.loc[valued["value"].idxmax()] if not valued.empty else None
    published = {}
    for row in totals.itertuples(index=False):
        window = parse_edtf(row.period)
        if window.precision == "year":
            published[str(window.earliest.year)] = {"aggregate_id": row.aggregate_id, "value": float(row.published),
                                                    "reported": row.reported}
    return {
        "currency": currency,
        "export_records": len(exports),
        "export_records_undisclosed": int(exports["value"].isna().sum()),
        "by_year": year_totals,
        "published_by_year": published,
        "largest_export": None if largest is None else {
            "record_id": largest["record_id"], "period": largest["period"], "value": float(largest["value"]),
            "reported": largest["reported"]},
        "largest_contract": None if biggest is None else {
            "record_id": biggest["record_id"], "title": biggest["title"], "reported": biggest["reported"],
            "value": float(biggest["value"]), "fx_rate": float(biggest["fx_rate"]), "fx_date": biggest["fx_date"],
            "delivery": biggest["delivery"]},
        "schedule": {f"{r.record_id}:{r.year}": float(r.expected_value) for r in schedule.itertuples(index=False)},
    }


def display_summary(summary: dict, currency: str, years: tuple[str, ...] | None = None) -> dict[str, str]:
    """Display strings. The per-year keys exist for every year in `years` (an edition's period, so
    that every edition has them, with a plain-words fallback); by default the years with data."""
    if years is None:
        years = tuple(sorted(set(summary["by_year"]) | set(summary["published_by_year"])))
    from armsledger.dates import period_label
    from armsledger.money import format_money
    from armsledger.tables import escape

    out = {
        "exports_records": str(summary["export_records"]),
        "exports_undisclosed": str(summary["export_records_undisclosed"]),
    }
    for year in years:
        ledger_year = summary["by_year"].get(year)
        out[f"exports_ledger_{year}"] = (format_money(ledger_year["disclosed_sum"], currency)
                                         if ledger_year else "no recorded shipment")
        published = summary["published_by_year"].get(year)
        out[f"exports_published_{year}"] = (format_money(published["value"], currency)
                                             if published else "not yet published")
    largest = summary["largest_export"]
    out["exports_largest_month"] = period_label(largest["period"]) if largest else "none"
    out["exports_largest_value"] = format_money(largest["value"], currency) if largest else "none"
    contract = summary["largest_contract"]
    if contract:
        out["contract_largest_title"] = escape(contract["title"])
        # Money strings are our own format (a currency sign before digits), safe as Markdown.
        out["contract_largest_reported"] = contract["reported"]
        out["contract_largest_value"] = format_money(contract["value"], currency)
        rate = contract["fx_rate"]
        out["contract_largest_fx"] = ("no conversion" if rate == 1.0 else
                                      f"{rate:.4f} ({period_label(contract['fx_date'])} ECB mean)")
        out["contract_largest_delivery"] = period_label(contract["delivery"]) if contract["delivery"] else "not stated"
    else:
        for key in ("title", "reported", "value", "fx", "delivery"):
            out[f"contract_largest_{key}"] = "no contract reported yet"
    out["exports_summary"] = _exports_sentence(summary, out, years)
    if not contract:
        out["contract_summary"] = "No contract with a reported value falls in this edition's period."
    else:
        converted = ("" if contract["fx_rate"] == 1.0 else
                     f", which is {out['contract_largest_value']} at an ECB rate of {out['contract_largest_fx']}")
        out["contract_summary"] = (
            f"The largest contract in this edition's period, *{out['contract_largest_title']}*, was reported at "
            f"{out['contract_largest_reported']}{converted}; deliveries are expected over "
            f"{out['contract_largest_delivery']}.")
    return out


def _exports_sentence(summary: dict, out: dict[str, str], years: tuple[str, ...]) -> str:
    """The summary's sentence on exports, worded for whatever this edition knows (an early as-of
    edition predates the published yearly totals)."""
    published = [y for y in years if summary["published_by_year"].get(y)]
    if len(published) >= 2:
        first, last = published[0], published[-1]
        text = (f"The totals the sources published rise from {out[f'exports_published_{first}']} for {first} "
                f"to {out[f'exports_published_{last}']} for {last}.")
    elif published:
        text = f"The sources published a total of {out[f'exports_published_{published[0]}']} for {published[0]}."
    else:
        text = "No published yearly total passes this edition's filters (its date and minimum certainty)."
    recorded = [y for y in years if summary["by_year"].get(y)]
    if recorded:
        parts = " and ".join(f"{out[f'exports_ledger_{y}']} for {y}" for y in recorded)
        text += (f" The individual customs-recorded shipments in the ledger add up to {parts} (values that were "
                 f"never disclosed are not counted); the largest single month is {out['exports_largest_month']}, "
                 f"at {out['exports_largest_value']}.")
    else:
        text += " The ledger holds no customs-recorded shipment for this edition."
    return text
