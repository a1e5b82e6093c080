"""Surveillance technology in Serbia: procurements, donations, licences, incidents and publications."""

from __future__ import annotations

import pandas as pd

from armsledger.dates import period_label
from armsledger.ledger import Ledger
from armsledger.money import format_money, reported_text
from armsledger.tables import citations, escape

SURVEILLANCE_DOMAINS = ("surveillance", "dual_use")


def surveillance_timeline(items: pd.DataFrame) -> pd.DataFrame:
    return items[items["lane"] == "Surveillance"].reset_index(drop=True)


def span(items: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """From the January of the first item to the December of the last."""
    if items.empty:
        return pd.Timestamp("2015-01-01"), pd.Timestamp("2025-12-31")
    return (pd.Timestamp(year=items["earliest"].min().year, month=1, day=1),
            pd.Timestamp(year=items["latest"].max().year, month=12, day=31))


def _contracts(ledger: Ledger) -> pd.DataFrame:
    contracts = ledger.table("contracts")
    return contracts[contracts["domain"].isin(SURVEILLANCE_DOMAINS)]


def _maker(contract) -> str:
    """Who made the technology: the producer, else a vendor that sold it. A donor is no maker."""
    if contract.producer_id:
        return contract.producer_id
    return "" if contract.kind == "donation" else contract.supplier_id


def procurements_table(ledger: Ledger, currency: str) -> pd.DataFrame:
    recs = ledger.records.set_index("record_id")
    rows = []
    for row in _contracts(ledger).itertuples(index=False):
        rec = recs.loc[row.contract_id]
        dated = row.signed or row.delivery or row.announced
        when = period_label(dated) if dated else f"first reported {period_label(rec['first_reported'])}"
        maker = ledger.entity_name(_maker(row)) or "not named"
        value = "" if pd.isna(row.amount) else reported_text(row.amount, row.currency, row.amount_kind)
        converted = rec[f"value_{currency.lower()}"]
        if value and row.currency != currency and not pd.isna(converted):
            value += f" ({format_money(float(converted), currency)})"
        rows.append({
            "earliest": rec["earliest"] if not pd.isna(rec["earliest"]) else rec["visible_from"],
            "when": when,
            "what": row.title,
            "maker": maker,
            "supplier": ledger.entity_name(row.supplier_id),
            "for": ledger.entity_name(row.end_user_id or row.recipient_id),
            "kind": row.kind.replace("_", " "),
            "value": value or "undisclosed",
            "certainty": rec["certainty"],
            "sources": citations(rec["source_ids"]),
        })
    if not rows:
        return pd.DataFrame(rows)
    ordered = pd.DataFrame(rows).sort_values("earliest", kind="stable", na_position="last")
    return ordered.drop(columns="earliest").reset_index(drop=True)


def events_table(ledger: Ledger) -> pd.DataFrame:
    events = ledger.table("events")
    events = events[events["domain"] == "surveillance"]
    recs = ledger.records.set_index("record_id")
    rows = [{
        "earliest": recs.at[row.event_id, "earliest"],
        "date": period_label(row.date) if row.date else "undated",
        "what": row.summary,
        "kind": row.kind.replace("_", " "),
        "where": row.place,
        "certainty": recs.at[row.event_id, "certainty"],
        "sources": citations(recs.at[row.event_id, "source_ids"]),
    } for row in events.itertuples(index=False)]
    if not rows:
        return pd.DataFrame(rows)
    ordered = pd.DataFrame(rows).sort_values("earliest", kind="stable", na_position="last")
    return ordered.drop(columns="earliest").reset_index(drop=True)


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


def display_summary(summary: dict) -> dict[str, str]:
    from armsledger.variables import count_of

    names = summary["israeli_maker_names"]
    makers, israeli = len(summary["makers"]), len(summary["israeli_makers"])
    if not summary["procurements"]:
        text = "The ledger records no procurement, licence or donation of surveillance technology in this edition"
    else:
        records = count_of(summary["procurements"], "procurement, licence or donation",
                           "procurements, licences or donations")
        text = f"The ledger records {records} of surveillance technology for Serbian state bodies"
        if makers:
            if not israeli:
                which = "none of them is Israeli" if makers > 1 else "it is not Israeli"
            else:
                subject = "it is" if makers == 1 else f"{israeli} of them {'is' if israeli == 1 else 'are'}"
                which = f"{subject} Israeli ({escape(', '.join(names))})"
            text += f", from {count_of(makers, 'named maker')}; {which}"
    text += f", and {count_of(summary['incidents'], 'documented incident')}."
    return {
        "surveillance_procurements": str(summary["procurements"]),
        "surveillance_makers": str(makers),
        "surveillance_israeli_makers": str(israeli),
        "surveillance_israeli_makers_named": escape(", ".join(names) if names else "none"),
        "surveillance_incidents": str(summary["incidents"]),
        "surveillance_summary": text,
    }
