"""One table of dated items (contracts, exports, flights, events) for the timeline, one lane per kind."""

from __future__ import annotations

import pandas as pd

from armsledger.model.dates import date_columns
from armsledger.model.ledger import Ledger

LANES = ("Contracts", "Transfers", "Flights", "Surveillance", "Diplomacy & statements")
EVENT_LANES = {"surveillance": "Surveillance", "diplomacy": "Diplomacy & statements", "arms": "Diplomacy & statements"}
# What an item is, beside its record's derived columns: the words the present layer turns into its text.
DETAIL_COLUMNS = ["subject", "party", "mode", "items", "amount", "amount_kind", "currency", "count", "count_kind",
                  "origin", "destination"]
COLUMNS = ["record_id", "lane", "kind", *DETAIL_COLUMNS, "date", "earliest", "latest", "precision",
           "is_span", "dated_by_report", "first_reported", "certainty", "source_ids"]


def _contract_items(ledger: Ledger) -> list[dict]:
    items = []
    for row in ledger.table("contracts").itertuples(index=False):
        lane = "Contracts" if row.domain == "arms" else "Surveillance"
        items.append({"record_id": row.contract_id, "lane": lane, "kind": f"contract ({row.kind})",
                      "subject": row.title})
        if row.delivery and "/" in row.delivery:
            items.append({"record_id": row.contract_id, "lane": lane, "kind": "delivery window",
                          "subject": row.title, "date_override": row.delivery})
    return items


def _transfer_items(ledger: Ledger) -> list[dict]:
    items = []
    for row in ledger.table("transfers").itertuples(index=False):
        mode = "" if row.mode in ("air", "unknown") else row.mode
        items.append({"record_id": row.transfer_id, "lane": "Transfers",
                      "kind": f"transfer by {mode}" if mode else "transfer",
                      "party": ledger.entity_name(row.exporter_id), "mode": mode, "items": row.items,
                      "amount": row.amount,
                      "amount_kind": row.amount_kind, "currency": row.currency})
    return items


def _flight_items(ledger: Ledger) -> list[dict]:
    return [{"record_id": row.flight_id, "lane": "Flights", "kind": "flight", "count": row.count,
             "count_kind": row.count_kind, "origin": row.origin, "destination": row.destination}
            for row in ledger.table("flights").itertuples(index=False)]


def _event_items(ledger: Ledger) -> list[dict]:
    return [{"record_id": row.event_id, "lane": EVENT_LANES[row.domain], "kind": row.kind, "subject": row.summary}
            for row in ledger.table("events").itertuples(index=False)]


def build_timeline(ledger: Ledger) -> pd.DataFrame:
    """Timeline rows sorted by date. Undated records are placed at their first report
    (`dated_by_report`), so the sea-route claim still shows when it surfaced."""
    items = _contract_items(ledger) + _transfer_items(ledger) + _flight_items(ledger) + _event_items(ledger)
    if not items:
        return pd.DataFrame(columns=COLUMNS)
    frame = pd.DataFrame(items)
    for column in DETAIL_COLUMNS:
        if column not in frame:
            frame[column] = pd.NA
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


def summarise(items: pd.DataFrame) -> dict:
    dated = items[~items["dated_by_report"].astype(bool)] if not items.empty else items
    return {
        "items": len(items),
        "undated_items": int(items["dated_by_report"].sum()),
        "by_lane": {lane: int((items["lane"] == lane).sum()) for lane in LANES},
        "first_date": _day(dated["earliest"].min()),
        "last_date": _day(dated["latest"].max()),
    }


def _day(value) -> str | None:
    return None if pd.isna(value) else f"{value:%Y-%m-%d}"


# An interval longer than this is placed by its start when the chart's horizon is sought: a delivery
# window to 2028 or a two-year "2024/2025" export does not stretch the axis; a year or a month does.
LONG_SPAN_DAYS = 400
HORIZON_MARGIN_DAYS = 45


def horizon(items: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
            margin_days: int = HORIZON_MARGIN_DAYS) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The time window a timeline of `items` should show inside the edition's period [start, end]:
    from the start of the month of the first item to the end of the month `margin_days` after the
    last dated item, where an item longer than LONG_SPAN_DAYS (or still open) counts by its start.
    Items beyond the horizon are drawn to its edge with an arrow (their end in words)."""
    if items.empty:
        return start, end
    earliest, latest = items["earliest"], items["latest"]
    length = (latest - earliest).dt.days
    long_or_open = latest.isna() | (length > LONG_SPAN_DAYS)
    reach = earliest.where(long_or_open, latest)
    reach = reach.where(reach.notna(), latest)
    first = pd.concat([earliest, latest]).dropna()
    reach = reach.dropna()
    if first.empty or reach.empty:
        return start, end
    lo = max(start, pd.Timestamp(first.min()).to_period("M").to_timestamp())
    hi = (pd.Timestamp(reach.max()) + pd.Timedelta(days=margin_days)).to_period("M").to_timestamp(how="end").normalize()
    hi = min(end, hi)
    if hi <= lo:
        hi = min(end, lo + pd.offsets.MonthEnd(3))
    return lo, hi
