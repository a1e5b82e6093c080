"""Contracts with their values converted at the contract date, and the delivery schedule a value
spread evenly over its delivery window would imply (an assumption, not a report)."""

from __future__ import annotations

import pandas as pd

from armsledger.model.dates import parse_edtf
from armsledger.model.ledger import Ledger, converted

CONTRACT_COLUMNS = ["record_id", "title", "supplier", "recipient", "domain", "status", "signed", "delivery", "follows",
                    "amount", "amount_max", "amount_kind", "currency", "value", "low", "high", "fx_rate", "fx_date",
                    "certainty", "source_ids"]


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
            "follows": getattr(row, "follows_id", ""),
            "amount": row.amount,
            "amount_max": row.amount_max,
            "amount_kind": row.amount_kind,
            "currency": row.currency,
            **converted(rec, currency),
            "certainty": rec["certainty"],
            "source_ids": rec["source_ids"],
        })
    return pd.DataFrame(rows, columns=CONTRACT_COLUMNS)


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


def largest(frame: pd.DataFrame) -> pd.Series | None:
    """The row with the largest converted value, None when no row has one."""
    valued = frame.dropna(subset=["value"])
    return valued.loc[valued["value"].idxmax()] if not valued.empty else None


WINDOW_COLUMNS = ["record_id", "title", "supplier", "status", "signed", "delivery", "start", "end", "end_open",
                  "end_approximate", "amount", "amount_max", "amount_kind", "currency", "value", "certainty",
                  "source_ids"]


def delivery_windows(contracts: pd.DataFrame, domain: str = "arms") -> pd.DataFrame:
    """Each contract of `domain` with its delivery window as the sources report it (start, end, whether
    the end is open or approximate) and its value as reported. Nothing is spread over the window: no
    source gives a yearly schedule. Contracts without a reported window keep NaT bounds."""
    rows = []
    for row in contracts[contracts["domain"] == domain].itertuples(index=False):
        start = end = pd.NaT
        end_open = end_approx = False
        if row.delivery:
            window = parse_edtf(row.delivery)
            start = pd.Timestamp(window.earliest) if window.earliest else pd.NaT
            end = pd.Timestamp(window.latest) if window.latest else pd.NaT
            tail = row.delivery.split("/")[-1]
            end_open = "/" in row.delivery and tail in ("..", "")
            end_approx = tail.endswith(("~", "%"))
        rows.append({"record_id": row.record_id, "title": row.title, "supplier": row.supplier, "status": row.status,
                     "signed": row.signed, "delivery": row.delivery, "start": start, "end": end,
                     "end_open": end_open, "end_approximate": end_approx, "amount": row.amount,
                     "amount_max": row.amount_max, "amount_kind": row.amount_kind, "currency": row.currency,
                     "value": row.value, "certainty": row.certainty, "source_ids": row.source_ids})
    frame = pd.DataFrame(rows, columns=WINDOW_COLUMNS)
    frame["start"] = pd.to_datetime(frame["start"])
    frame["end"] = pd.to_datetime(frame["end"])
    return frame.sort_values(["start", "record_id"], na_position="last").reset_index(drop=True)
