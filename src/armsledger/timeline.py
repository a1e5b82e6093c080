"""One table of dated items (contracts, exports, flights, events) for the timeline."""

from __future__ import annotations

import pandas as pd

from armsledger.ledger import Ledger

LANES = ("Contracts", "Transfers", "Flights", "Surveillance", "Diplomacy & statements")
COLUMNS = ["record_id", "lane", "kind", "label", "text", "date", "earliest", "latest", "precision",
           "is_span", "dated_by_report", "first_reported", "certainty", "source_ids"]


def _short(text: str, limit: int = 52) -> str:
    """Cut at a word boundary so chart labels stay on one short line."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _contract_items(ledger: Ledger) -> list[dict]:
    items = []
    for row in ledger.table("contracts").itertuples(index=False):
        lane = "Contracts" if row.domain == "arms" else "Surveillance"
        items.append({"record_id": row.contract_id, "lane": lane, "kind": f"contract ({row.kind})",
                      "text": row.title})
        if row.delivery and "/" in row.delivery:
            items.append({"record_id": row.contract_id, "lane": lane, "kind": "delivery window",
                          "text": f"Deliveries: {row.title}", "date_override": row.delivery})
    return items


def _transfer_items(ledger: Ledger) -> list[dict]:
    items = []
    from armsledger.money import format_money

    for row in ledger.table("transfers").itertuples(index=False):
        who = ledger.entity_name(row.exporter_id)
        mode = "" if row.mode in ("air", "unknown") else f" by {row.mode}"
        value = "" if pd.isna(row.amount) else " " + format_money(float(row.amount), row.currency, compact=True)
        prefix = {"approx": " ≈", "at_least": " ≥"}.get(row.amount_kind, "") if value else ""
        items.append({"record_id": row.transfer_id, "lane": "Transfers",
                      "kind": f"transfer{mode}", "text": f"{who}{mode}{prefix}{value}"})
    return items


def _flight_items(ledger: Ledger) -> list[dict]:
    items = []
    for row in ledger.table("flights").itertuples(index=False):
        count = "" if pd.isna(row.count) else f"{'≥' if row.count_kind == 'at_least' else ''}{row.count} "
        plural = "flight" if count.strip() in ("1", "") else "flights"
        route = " → ".join(part for part in (row.origin, row.destination) if part)
        if row.destination and not row.origin:
            route = f"→ {route}"  # "2 flights → Israel", not "2 flights Israel"
        items.append({"record_id": row.flight_id, "lane": "Flights", "kind": "flight",
                      "text": f"{count}{plural} {route}".strip()})
    return items


def _event_items(ledger: Ledger) -> list[dict]:
    lanes = {"surveillance": "Surveillance", "diplomacy": "Diplomacy & statements", "arms": "Diplomacy & statements"}
    return [
        {"record_id": row.event_id, "lane": lanes[row.domain], "kind": row.kind, "text": row.summary}
        for row in ledger.table("events").itertuples(index=False)
    ]


def build_timeline(ledger: Ledger) -> pd.DataFrame:
    """Timeline rows sorted by date, each with its full `text` and a short chart `label`. Undated
    records are placed at their first report (`dated_by_report`), so the sea-route claim still
    shows when it surfaced."""
    from armsledger.dates import date_columns

    items = _contract_items(ledger) + _transfer_items(ledger) + _flight_items(ledger) + _event_items(ledger)
    if not items:
        return pd.DataFrame(columns=COLUMNS)
    frame = pd.DataFrame(items)
    frame["text"] = [" ".join(str(text).split()) for text in frame["text"]]
    frame["label"] = [_short(text) for text in frame["text"]]
    records = ledger.records.set_index("record_id")
    frame["date"] = frame["record_id"].map(records["date"])
    if "date_override" in frame:
        frame["date"] = frame["date_override"].where(frame["date_override"].notna(), frame["date"])
    bounds = date_columns(frame["date"].fillna(""))
    frame = pd.concat([frame, bounds], axis=1)
    frame["dated_by_report"] = frame["earliest"].isna() & frame["latest"].isna()
    frame["first_reported"] = frame["record_id"].map(records["first_reported"]).fillna("")
    undated = frame["dated_by_report"]
    reported = date_columns(frame.loc[undated, "first_reported"])
    reported.index = frame.index[undated]
    public_day = frame.loc[undated, "record_id"].map(records["visible_from"])
    # Placed over the first report as its source dates it (a month is a span), or on the day the
    # source we cite became public when that date is unknown.
    known = reported["earliest"].notna() & reported["latest"].notna()
    frame.loc[undated, "earliest"] = reported["earliest"].where(known, public_day)
    frame.loc[undated, "latest"] = reported["latest"].where(known, public_day)
    frame.loc[undated, "precision"] = reported["precision"].where(known, "day")
    frame["is_span"] = frame["precision"] != "day"
    frame["certainty"] = frame["record_id"].map(records["certainty"])
    frame["source_ids"] = frame["record_id"].map(records["source_ids"])
    return frame[COLUMNS].sort_values(["earliest", "lane", "record_id"], kind="stable").reset_index(drop=True)


def _when(row) -> str:
    from armsledger.dates import period_label

    if row.dated_by_report:
        return f"undated (first reported {period_label(row.first_reported)})"
    return period_label(row.date)


def timeline_table(items: pd.DataFrame) -> pd.DataFrame:
    """The timeline as a table for readers who cannot see the chart; beyond tables.MAX_PRINTED_ROWS
    (1,000) items, the first ones and a row saying how many there are."""
    from armsledger.tables import citations, truncated

    return truncated(pd.DataFrame({
        "date": [_when(r) for r in items.itertuples(index=False)],
        "lane": items["lane"],
        "item": items["text"],
        "kind": items["kind"].str.replace("_", " "),
        "certainty": items["certainty"],
        "sources": [citations(s) for s in items["source_ids"]],
    }), "items", note_column="item", mark_column="date")


def summarise(items: pd.DataFrame) -> dict:
    dated = items[~items["dated_by_report"]]
    return {
        "items": len(items),
        "undated_items": int(items["dated_by_report"].sum()),
        "by_lane": {lane: int((items["lane"] == lane).sum()) for lane in LANES},
        "first_date": None if dated.empty else f"{dated['earliest'].min():%Y-%m-%d}",
        "last_date": None if dated.empty else f"{dated['latest'].max():%Y-%m-%d}",
    }


def display_summary(summary: dict) -> dict[str, str]:
    return {
        "timeline_items": str(summary["items"]),
        "timeline_undated": str(summary["undated_items"]),
        "timeline_flights": str(summary["by_lane"]["Flights"]),
    }
