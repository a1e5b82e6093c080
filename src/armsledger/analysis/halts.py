"""Halts and moratoria: events that last a period (an export stop in force from its start until an
open end), and the transfers and flights that sources reported inside that period anyway."""

from __future__ import annotations

import pandas as pd

from armsledger.model.ledger import Ledger

HALT = "halt"
HALT_COLUMNS = ["record_id", "summary", "date", "earliest", "latest", "certainty", "source_ids"]
FLOW_COLUMNS = ["halt_id", "record_id", "table", "date", "earliest", "latest", "placement", "certainty",
                "source_ids"]


def halts(ledger: Ledger) -> pd.DataFrame:
    """The edition's halt events; `latest` is NaT while a halt has no reported end."""
    events = ledger.table("events")
    events = events[events["kind"] == HALT]
    recs = ledger.records.set_index("record_id")
    rows = [{"record_id": e.event_id, "summary": e.summary, "date": e.date,
             "earliest": recs.at[e.event_id, "earliest"], "latest": recs.at[e.event_id, "latest"],
             "certainty": recs.at[e.event_id, "certainty"], "source_ids": recs.at[e.event_id, "source_ids"]}
            for e in events.itertuples(index=False)]
    frame = pd.DataFrame(rows, columns=HALT_COLUMNS)
    return frame.sort_values(["earliest", "record_id"], na_position="last").reset_index(drop=True)


def flows_during(ledger: Ledger, halt_frame: pd.DataFrame,
                 tables: tuple[str, ...] = ("transfers", "flights")) -> pd.DataFrame:
    """Transfers and flights dated inside a halt (`inside`) or overlapping its start or end (`partly`)."""
    recs = ledger.records[ledger.records["table"].isin(tables)].dropna(subset=["earliest", "latest"])
    rows = []
    for halt in halt_frame.itertuples(index=False):
        if pd.isna(halt.earliest):
            continue
        end = halt.latest if not pd.isna(halt.latest) else pd.Timestamp.max
        overlapping = recs[(recs["latest"] >= halt.earliest) & (recs["earliest"] <= end)]
        for rec in overlapping.itertuples(index=False):
            inside = rec.earliest >= halt.earliest and rec.latest <= end
            rows.append({"halt_id": halt.record_id, "record_id": rec.record_id, "table": rec.table, "date": rec.date,
                         "earliest": rec.earliest, "latest": rec.latest,
                         "placement": "inside" if inside else "partly", "certainty": rec.certainty,
                         "source_ids": rec.source_ids})
    frame = pd.DataFrame(rows, columns=FLOW_COLUMNS)
    return frame.sort_values(["halt_id", "earliest", "record_id"]).reset_index(drop=True)
