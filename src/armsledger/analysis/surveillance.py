"""Surveillance technology in Serbia: procurements, donations, licences, incidents and publications."""

from __future__ import annotations

import pandas as pd

from armsledger.model import certainty as cert
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


def _maker_field(contract) -> str:
    """The field that names who made the technology: the producer, else a vendor that sold it (a
    donor is no maker); '' when neither applies."""
    if contract.producer_id:
        return "producer_id"
    return "" if contract.kind == "donation" or not contract.supplier_id else "supplier_id"


def _maker(contract) -> str:
    """Who made the technology: the producer, else a vendor that sold it. A donor is no maker."""
    field = _maker_field(contract)
    return getattr(contract, field) if field else ""


PROCUREMENT_COLUMNS = ["record_id", "earliest", "dated", "first_reported", "title", "maker", "maker_certainty",
                       "maker_lines", "supplier", "end_user", "kind", "amount", "amount_kind", "currency", "value",
                       "certainty", "evidence_certainty", "source_ids"]


def field_evidence(ledger: Ledger) -> pd.DataFrame:
    """The tier of each claimed field of the edition's records (model.certainty.field_certainty)."""
    records = ledger.records[["record_id", "table"]]
    return cert.field_certainty(ledger.claims, ledger.tables["sources"], records)


def procurements(ledger: Ledger, currency: str) -> pd.DataFrame:
    """Surveillance contracts in date order (undated ones at their first report), with the names
    of maker, supplier and end user and the value in `currency`. The maker carries its own tier
    (`maker_certainty`, '' when no claim names it) and the lines of reporting it rests on
    (`maker_lines`, their publishers): a maker may rest on weaker evidence than the deal."""
    recs = ledger.records.set_index("record_id")
    fields = field_evidence(ledger).set_index(["record_id", "field"])
    rows = []
    for row in _contracts(ledger).itertuples(index=False):
        rec = recs.loc[row.contract_id]
        key = (row.contract_id, _maker_field(row))
        evidence = fields.loc[key] if key in fields.index else None
        rows.append({
            "record_id": row.contract_id,
            "earliest": rec["earliest"] if not pd.isna(rec["earliest"]) else rec["visible_from"],
            "dated": row.signed or row.delivery or row.announced,
            "first_reported": rec["first_reported"],
            "title": row.title,
            "maker": ledger.entity_name(_maker(row)),
            "maker_certainty": "" if evidence is None or not _maker(row) else evidence["certainty"],
            "maker_lines": [] if evidence is None or not _maker(row) else list(evidence["line_names"]),
            "supplier": ledger.entity_name(row.supplier_id),
            "end_user": ledger.entity_name(row.end_user_id or row.recipient_id),
            "kind": row.kind,
            "amount": row.amount,
            "amount_kind": row.amount_kind,
            "currency": row.currency,
            "value": rec[f"value_{currency.lower()}"],
            "certainty": rec["certainty"],
            "evidence_certainty": rec["evidence_certainty"],
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
    country = {m: entities.at[m, "country"] if m in entities.index else "" for m in makers}
    israeli = sorted(m for m in makers if country[m] == "ISR")
    # A count of Israeli makers is a count among the makers whose country the ledger records: a
    # blank country (no source read states it) is unknown, not "not Israeli".
    unknown = sorted(m for m in makers if not country[m])
    events = ledger.table("events")
    events = events[events["domain"] == "surveillance"]
    return {
        "procurements": len(contracts),
        "makers": sorted(makers),
        "makers_country_unknown": unknown,
        "makers_country_unknown_names": [ledger.entity_name(m) for m in unknown],
        "israeli_makers": israeli,
        "israeli_maker_names": [ledger.entity_name(m) for m in israeli],
        "events": len(events),
        "incidents": int((events["kind"] == "surveillance_incident").sum()),
    }
