"""Surveillance technology in Serbia: procurements, donations, licences, incidents and publications."""

from __future__ import annotations

import pandas as pd

from armsledger.model.ledger import Ledger

SURVEILLANCE_DOMAINS = ("surveillance", "dual_use")


def surveillance_timeline(items: pd.DataFrame) -> pd.DataFrame:
    return items[items["lane"] == "Surveillance"].reset_index(drop=True)


def span(items: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """From the January of the first item to the December of the last."""
    days = pd.concat([items["earliest"], items["latest"]]).dropna() if not items.empty else pd.Series(dtype=object)
    if days.empty:
        return pd.Timestamp("2015-01-01"), pd.Timestamp("2025-12-31")
    return (pd.Timestamp(year=days.min().year, month=1, day=1), pd.Timestamp(year=days.max().year, month=12, day=31))


def _contracts(ledger: Ledger) -> pd.DataFrame:
    contracts = ledger.table("contracts")
    return contracts[contracts["domain"].isin(SURVEILLANCE_DOMAINS)]


def _maker(contract) -> str:
    """Who made the technology: the producer, else a vendor that sold it. A donor is no maker."""
    if contract.producer_id:
        return contract.producer_id
    return "" if contract.kind == "donation" else contract.supplier_id


PROCUREMENT_COLUMNS = ["record_id", "earliest", "dated", "first_reported", "title", "maker", "supplier", "end_user",
                       "kind", "amount", "amount_kind", "currency", "value", "certainty", "source_ids"]


def procurements(ledger: Ledger, currency: str) -> pd.DataFrame:
    """Surveillance contracts in date order (undated ones at their first report), with the names
    of maker, supplier and end user and the value in `currency`."""
    recs = ledger.records.set_index("record_id")
    rows = []
    for row in _contracts(ledger).itertuples(index=False):
        rec = recs.loc[row.contract_id]
        rows.append({
            "record_id": row.contract_id,
            "earliest": rec["earliest"] if not pd.isna(rec["earliest"]) else rec["visible_from"],
            "dated": row.signed or row.delivery or row.announced,
            "first_reported": rec["first_reported"],
            "title": row.title,
            "maker": ledger.entity_name(_maker(row)),
            "supplier": ledger.entity_name(row.supplier_id),
            "end_user": ledger.entity_name(row.end_user_id or row.recipient_id),
            "kind": row.kind,
            "amount": row.amount,
            "amount_kind": row.amount_kind,
            "currency": row.currency,
            "value": rec[f"value_{currency.lower()}"],
            "certainty": rec["certainty"],
            "source_ids": rec["source_ids"],
        })
    frame = pd.DataFrame(rows, columns=PROCUREMENT_COLUMNS)
    return frame.sort_values("earliest", kind="stable", na_position="last").reset_index(drop=True)


EVENT_COLUMNS = ["record_id", "earliest", "date", "summary", "kind", "place", "certainty", "source_ids"]


def events(ledger: Ledger) -> pd.DataFrame:
    """Surveillance events (incidents, publications, decisions) in date order."""
    frame = ledger.table("events")
    frame = frame[frame["domain"] == "surveillance"]
    recs = ledger.records.set_index("record_id")
    rows = [{
        "record_id": row.event_id,
        "earliest": recs.at[row.event_id, "earliest"],
        "date": row.date,
        "summary": row.summary,
        "kind": row.kind,
        "place": row.place,
        "certainty": recs.at[row.event_id, "certainty"],
        "source_ids": recs.at[row.event_id, "source_ids"],
    } for row in frame.itertuples(index=False)]
    out = pd.DataFrame(rows, columns=EVENT_COLUMNS)
    return out.sort_values("earliest", kind="stable", na_position="last").reset_index(drop=True)


def summarise(ledger: Ledger) -> dict:
    contracts = _contracts(ledger)
    entities = ledger.tables["entities"].set_index("entity_id")
    makers = {_maker(row) for row in contracts.itertuples(index=False)} - {""}
    israeli = sorted(m for m in makers if m in entities.index and entities.at[m, "country"] == "ISR")
    events = ledger.table("events")
    events = events[events["domain"] == "surveillance"]
    return {
        "procurements": len(contracts),
        "makers": sorted(makers),
        "israeli_makers": israeli,
        "israeli_maker_names": [ledger.entity_name(m) for m in israeli],
        "events": len(events),
        "incidents": int((events["kind"] == "surveillance_incident").sum()),
    }
