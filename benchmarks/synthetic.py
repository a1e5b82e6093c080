"""A synthetic, valid ledger of any size (SIPRI scale: tens of thousands of records) for benchmarks.

The values are random but consistent: every record has claims whose figures agree with it, so the
whole ledger passes `armsledger validate`. Nothing here is real data.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
from pathlib import Path

MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]


def _write(path: Path, fields: list[str], rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({f: row.get(f, "") for f in fields})


def generate(target: Path, records: int = 30_000, schema: Path | None = None, seed: int = 7) -> dict[str, int]:
    """Write a ledger of about `records` records (plus sources, entities and claims) to `target`."""
    rng = random.Random(seed)
    from armsledger import paths

    schema = schema or paths.DATAPACKAGE
    target.mkdir(parents=True, exist_ok=True)
    shutil.copy2(schema, target / "datapackage.json")
    package = json.loads(schema.read_text(encoding="utf-8"))
    fields = {r["name"]: [f["name"] for f in r["schema"]["fields"]] for r in package["resources"]}

    n_sources = max(records // 15, 10)
    sources = [{"source_id": f"src-{i:05d}", "publisher": f"Outlet {i % 97}", "title": f"Synthetic report {i}",
                "published": f"{2015 + i % 11}-{1 + i % 12:02d}-{1 + i % 28:02d}", "published_basis": "page",
                "url": f"https://example.org/report/{i}", "language": "en", "source_type": "news",
                "reliability": "ABC"[i % 3],
                "derived_from": f"src-{i - 1:05d}" if i % 5 == 4 else ""} for i in range(n_sources)]
    # Sources are dated 2015–2025; every record below dates from a year before its sources (`year`, set
    # before each record's claims), and the ledger is read as of the end of 2025.
    states = [("serbia", "Serbia", "SRB"), ("israel", "Israel", "ISR")] + [
        (f"state-{c.lower()}", f"State {c}", c) for c in ("FRA", "DEU", "ITA", "POL", "AUT", "HUN", "GRC", "ROU")]
    entities = [{"entity_id": e, "name": n, "type": "state", "country": c} for e, n, c in states]
    companies = [f"company-{i:03d}" for i in range(150)]
    entities += [{"entity_id": c, "name": f"Company {i}", "aliases": f"Co{i}", "type": "company",
                  "country": states[i % len(states)][2]} for i, c in enumerate(companies)]
    categories = [{"category": "ammunition", "label": "Ammunition"}, {"category": "uav", "label": "UAV"}]

    transfers, flights, events, contracts, lines, aggregates, claims = [], [], [], [], [], [], []

    def claim(record: str, figure: str = "", fields_: str = "", credibility: int = 2) -> None:
        source = rng.randrange(n_sources)
        while int(sources[source]["published"][:4]) <= year:  # a source reports what had happened
            source = rng.randrange(n_sources)
        claims.append({"claim_id": f"c-{len(claims):06d}", "record_id": record, "source_id": f"src-{source:05d}",
                       "figure": figure, "fields": fields_ if figure else "", "credibility": credibility,
                       "stance": "supports"})

    share = {"transfers": 0.6, "flights": 0.15, "events": 0.12, "contracts": 0.1, "aggregates": 0.03}
    for i in range(int(records * share["transfers"])):
        year, month = 2014 + i % 10, 1 + (i // 10) % 12
        amount = rng.randrange(10, 9_999) * 1000
        record = f"tr-{i:06d}"
        transfers.append({"transfer_id": record, "date": f"{year}-{month:02d}", "exporter_id": rng.choice(companies),
                          "importer_id": rng.choice(states)[0], "items": "ammunition", "category": "ammunition",
                          "amount": amount, "amount_kind": "exact", "currency": "EUR",
                          "value_basis": "customs_declared", "mode": "air"})
        claim(record, f"{amount:,} euros", "amount")
        if i % 3 == 0:
            claim(record, "", "", credibility=3)
    for i in range(int(records * share["flights"])):
        year, month, day = 2014 + i % 10, 1 + i % 12, 1 + i % 28
        record = f"fl-{i:06d}"
        count = 1 + i % 5
        flights.append({"flight_id": record, "date": f"{year}-{month:02d}-{day:02d}", "aircraft": "Boeing 707",
                        "origin": "BEG", "destination": "Nevatim", "count": count, "count_kind": "exact"})
        claim(record, f"{MONTHS[month - 1]} {day}", "date")
    for i in range(int(records * share["events"])):
        record, year = f"ev-{i:06d}", 2014 + i % 10
        events.append({"event_id": record, "date": f"{2014 + i % 10}-{1 + i % 12:02d}", "kind": "meeting",
                       "domain": "diplomacy", "entity_ids": "serbia|israel",
                       "summary": f"Synthetic meeting number {i} between officials."})
        claim(record)
    for i in range(int(records * share["contracts"])):
        record, year = f"ct-{i:06d}", 2014 + i % 10
        amount = rng.randrange(1, 900) * 1_000_000
        contracts.append({"contract_id": record, "kind": "purchase", "supplier_id": rng.choice(companies),
                          "recipient_id": rng.choice(states)[0], "title": f"Synthetic contract {i}",
                          "domain": "arms", "status": "signed", "signed": f"{2014 + i % 10}-{1 + i % 12:02d}",
                          "delivery": f"{2015 + i % 10}-01/{2017 + i % 10}-06", "amount": amount,
                          "amount_kind": "exact", "currency": "USD", "value_basis": "contract_total"})
        claim(record, f"${amount // 1_000_000} million", "amount")
        if i % 4 == 0:
            lines.append({"line_id": f"ln-{i:06d}", "contract_id": record, "designation": "Hermes 900",
                          "category": "uav"})
            claim(f"ln-{i:06d}", "Hermes 900", "designation")
    for i in range(int(records * share["aggregates"])):
        record = f"ag-{i:06d}"
        year = 2014 + i % 10
        amount = rng.randrange(1, 500) * 100_000
        aggregates.append({"aggregate_id": record, "period": str(year), "exporter_id": rng.choice(states)[0],
                           "importer_id": "israel", "scope": "arms_exports", "basis": "customs", "amount": amount,
                           "amount_kind": "approx", "currency": "EUR", "value_basis": "customs_declared"})
        claim(record, f"{amount / 1_000_000:.1f} million euros", "amount")

    tables = {"sources": sources, "entities": entities, "categories": categories, "transfers": transfers,
              "flights": flights, "events": events, "contracts": contracts, "contract_lines": lines,
              "aggregates": aggregates, "claims": claims}
    for name in fields:  # every table the schema names (corrections: header only)
        _write(target / f"{name}.csv", fields[name], tables.get(name, []))
    return {name: len(rows) for name, rows in tables.items()}


if __name__ == "__main__":
    import sys

    counts = generate(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 30_000)
    print(counts)
