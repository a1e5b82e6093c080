"""Reported cargo-flight routes: the flights table grouped by origin and destination, with the places
located from a small gazetteer (airports and air bases the reporting names), for the route diagram."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from armsledger.model.ledger import Ledger


@dataclass(frozen=True)
class Place:
    name: str  # as the report writes it
    lat: float
    lon: float
    kind: str = "airport"  # airport | air base


# Where the places the flights table names are (decimal degrees, WGS 84), by every code or spelling
# the data use. A place missing here is listed under the diagram, not drawn.
PLACES: dict[str, Place] = {}
for keys, place in (
    (("BEG", "LYBE", "Belgrade"), Place("Belgrade (BEG)", 44.8184, 20.3091)),
    (("INI", "LYNI", "Niš", "Nis"), Place("Niš (INI)", 43.3373, 21.8537)),
    (("Nevatim", "LLNV"), Place("Nevatim air base", 31.2083, 35.0123, "air base")),
):
    for key in keys:
        PLACES[key] = place
# A country or region named instead of an airport: known, but not a point to draw a line to.
REGIONS = {"Israel", "Serbia"}

ROUTE_COLUMNS = ["origin", "destination", "origin_name", "destination_name", "flights", "at_least", "records",
                 "first", "last", "record_ids", "placed", "certainty"]


def place_name(code: str, places: dict[str, Place]) -> str:
    if not code:
        return ""
    return places[code].name if code in places else code


def flight_routes(ledger: Ledger, places: dict[str, Place] | None = None) -> pd.DataFrame:
    """One row per reported route (origin, destination as the data give them, blank when not given):
    flights (the sum of `count`; `at_least` when any row is a lower bound or has no count; a row with
    no count counts as one flight), records, first and last dates, and whether both ends are located
    (`placed`). `certainty` is the weakest tier among the route's records. Most flights first."""
    places = PLACES if places is None else places
    flights = ledger.table("flights")
    recs = ledger.records.set_index("record_id")
    rows: dict[tuple[str, str], dict] = {}
    for f in flights.itertuples(index=False):
        key = (_canonical(f.origin, places), _canonical(f.destination, places))
        route = rows.setdefault(key, {"flights": 0, "at_least": False, "record_ids": [], "first": pd.NaT,
                                      "last": pd.NaT, "tiers": []})
        count = f.count
        if pd.isna(count):
            route["flights"] += 1
            route["at_least"] = True
        else:
            route["flights"] += int(count)
            route["at_least"] |= f.count_kind == "at_least"
        route["record_ids"].append(f.flight_id)
        earliest, latest = recs.at[f.flight_id, "earliest"], recs.at[f.flight_id, "latest"]
        route["first"] = earliest if pd.isna(route["first"]) else min(route["first"], earliest)
        route["last"] = latest if pd.isna(route["last"]) else max(route["last"], latest)
        route["tiers"].append(recs.at[f.flight_id, "certainty"])
    from armsledger.model.certainty import tier_rank

    out = []
    for (origin, destination), route in rows.items():
        out.append({
            "origin": origin, "destination": destination,
            "origin_name": place_name(origin, places), "destination_name": place_name(destination, places),
            "flights": route["flights"], "at_least": route["at_least"], "records": len(route["record_ids"]),
            "first": route["first"], "last": route["last"], "record_ids": sorted(route["record_ids"]),
            "placed": origin in places and destination in places,
            "certainty": max(route["tiers"], key=tier_rank) if route["tiers"] else "",
        })
    frame = pd.DataFrame(out, columns=ROUTE_COLUMNS)
    if frame.empty:
        return frame
    return frame.sort_values(["placed", "flights", "origin", "destination"], ascending=[False, False, True, True]) \
        .reset_index(drop=True)


def _canonical(code, places: dict[str, Place]) -> str:
    """The data's code or name, with the gazetteer's spelling of a place it knows under several keys
    (LYBE and BEG are one airport)."""
    code = str(code or "").strip()
    if code in places:
        first = next(key for key, place in places.items() if place == places[code])
        return first
    return code
