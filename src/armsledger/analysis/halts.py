"""Halts and moratoria: events that last a period (an export stop in force from its start until an
open end), and the transfers and flights that sources reported inside that period anyway."""

from __future__ import annotations

import numpy as np
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


def within_earlier(halt_frame: pd.DataFrame) -> set[str]:
    """Halts whose period meets that of an earlier halt (flows_during lists their flows under the
    earlier one). `halt_frame` is sorted by start, so it is enough to compare each start with the
    latest end before it."""
    ends = halt_frame["latest"].astype("datetime64[ns]").fillna(pd.Timestamp.max)  # an open end: for ever
    latest_before = ends.cummax().shift(1)
    meets = halt_frame["earliest"].notna() & (halt_frame["earliest"] <= latest_before)
    return set(halt_frame.loc[meets, "record_id"])


def flows_during(ledger: Ledger, halt_frame: pd.DataFrame,
                 tables: tuple[str, ...] = ("transfers", "flights")) -> pd.DataFrame:
    """Transfers and flights dated inside a halt (`inside`) or overlapping its start or end (`partly`),
    each under the first halt (by start) whose period it meets.

    A flow is listed once, not once per halt: a large ledger holds many halts over the same months
    (restatements, several exporters), and listing every pair grows with halts × flows (36 million
    rows for a 300,000-record ledger). Matching is column-wise over the flows, one halt at a time."""
    recs = ledger.records[ledger.records["table"].isin(tables)].dropna(subset=["earliest", "latest"])
    recs = recs.reset_index(drop=True)
    first = recs["earliest"].to_numpy()
    last = recs["latest"].to_numpy()
    owner = np.full(len(recs), -1)
    inside = np.zeros(len(recs), dtype=bool)
    for position, halt in enumerate(halt_frame.itertuples(index=False)):
        if pd.isna(halt.earliest):
            continue
        end = np.datetime64(halt.latest if not pd.isna(halt.latest) else pd.Timestamp.max)
        start = np.datetime64(halt.earliest)
        meets = (owner < 0) & (last >= start) & (first <= end)
        owner[meets] = position
        inside[meets] = (first[meets] >= start) & (last[meets] <= end)
        if (owner >= 0).all():
            break  # every flow has its halt
    matched = owner >= 0
    flows = recs[matched]
    frame = pd.DataFrame({
        "halt_id": halt_frame["record_id"].to_numpy()[owner[matched]] if len(halt_frame) else [],
        "record_id": flows["record_id"].to_numpy(), "table": flows["table"].to_numpy(),
        "date": flows["date"].to_numpy(), "earliest": flows["earliest"].to_numpy(),
        "latest": flows["latest"].to_numpy(), "placement": np.where(inside[matched], "inside", "partly"),
        "certainty": flows["certainty"].to_numpy(), "source_ids": flows["source_ids"].to_numpy(),
    }, columns=FLOW_COLUMNS)
    return frame.sort_values(["halt_id", "earliest", "record_id"]).reset_index(drop=True)
