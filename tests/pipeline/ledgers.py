"""Hypothesis strategies for valid ledgers: every table of the real schema, with the awkward cases the
data allow (blank and undisclosed amounts, ranges and lower bounds, open-ended, year-only and
uncertain dates, undated records, totals without rows, restatements, halts, follow-on contracts,
republications, contradicting claims, readings without a printed figure). Claims carry no printed
figure, so agreement with figures is never in the way.

Now and then a value is hostile: amounts in a syntax Python would read but the ledger does not
(`780_000`, Arabic-Indic digits), a currency without ECB rates (RSD), a value date outside the bundled
rate history, control or bidi characters, a source that predates what it supports; or text a
renderer would take for markup (`$…$`, `--`, `=HYPERLINK(…)`, `<script>`). The ledger's `_may_fail`
names the rules such values may break: validate must reject them with those rules, or the build must
process them."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from hypothesis import strategies as st

from armsledger import paths
from armsledger.model.dates import parse_edtf

SOURCE_DATES = ["2019-06-22", "2023", "2023-11", "2024-03-12", "2024-06", "2024-09-02", "2024-12?",
                "2025-01", "2025-02-12", "../2025-02-28", "2025-06-25~", "2025-08", "2025"]
RECORD_DATES = ["", "2023-03/2023-04", "2023-10", "2024", "2024-02-05", "2024-03", "2024-07-21/2024-07-22",
                "2024-11~", "../2025-01", "2025-01/2028-06~", "2025-06-23/..", "{2024-02,2024-03,2024-05}",
                "2019?", "2025-06"]
PERIODS = ["2023", "2024", "2023-10/2024-05", "{2024-02,2024-03,2024-05}", "2025-01/2025-06", "2024-01/2024-07~"]
AMOUNTS = [None, 510000.0, 780000.0, 14000000.0, 42300000.0, 335000000.0]
ENTITIES = [("serbia", "Serbia", "state", "SRB", ""), ("israel", "Israel", "state", "ISR", ""),
            ("yugoimport", "Yugoimport-SDPR", "company", "SRB", "serbia"),
            ("works", "Works", "factory", "SRB", "yugoimport"), ("elbit", "Elbit Systems", "company", "ISR", ""),
            ("agency", "Agency", "agency", "", "serbia"), ("air-force", "Air force", "armed_force", "ISR", "israel")]


def _write(folder: Path, name: str, header: list[str], rows: list[dict]) -> None:
    with open(folder / name, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows({k: ("" if row.get(k) is None else row.get(k)) for k in header} for row in rows)


# Reports a record that every drawn source predates (the latest record dates begin in 2026).
LATE_SOURCE = {"source_id": "source-late", "publisher": "Outlet", "title": "Late report", "published": "2026-06",
               "published_basis": "page", "url": "https://example.org/late", "language": "en",
               "source_type": "news", "reliability": "B", "derived_from": ""}
# Hostile values: (value, the rule that rejects it, or "" when the build must process it as written).
HOSTILE_AMOUNTS = [("780_000", "type"), ("\u0667\u0668\u0660\u0660\u0660\u0660", "type"), ("1e7", "type"),
                   (" 5", "type")]
HOSTILE_CURRENCIES = [("RSD", "currency-rate")]
HOSTILE_VALUE_DATES = [("1998-05", "rate-date"), ("2205-01", "rate-date"), ("../..", "rate-date")]
HOSTILE_TEXT = [("Paid $1m to $2m, i.e. $x^2$ in cash", ""), ("1999--2001 -- and --- so ...", ""),
                ('=HYPERLINK("http://x","y")', ""), ("<script>alert(1)</script> @id {{< var x >}}", ""),
                ("Sa'ar said \"no\"", ""), ("bell\x07 and escape\x1b[2J", "control-character"),
                ("\u202eevil", "bidi-control")]


class Hostility(set):
    """The rules a ledger's hostile values may break; `on` for the ledgers (one in four) that get any."""

    on = False


def _hostile(draw, choices: list[tuple[str, str]], may_fail: Hostility) -> str | None:
    """In a hostile ledger, now and then (one draw in four) one of `choices`; the rule it may break joins
    `may_fail`."""
    if not may_fail.on or draw(st.integers(0, 3)) != 0:
        return None
    value, rule = draw(st.sampled_from(choices))
    if rule:
        may_fail.add(rule)
    return value


def _money(draw, may_fail: Hostility) -> dict:
    amount = draw(st.sampled_from(AMOUNTS))
    kind = draw(st.sampled_from(["exact", "approx", "at_least", "at_most", "range"])) if amount else \
        draw(st.sampled_from(["", "undisclosed"]))
    row = {"amount": "" if amount is None else f"{amount:.0f}", "amount_kind": kind,
           "currency": draw(st.sampled_from(["EUR", "USD", "GBP"])) if amount else "",
           "value_date": draw(st.sampled_from(["", "2024-03", "2025-01-15"])) if amount else ""}
    if kind == "range":
        row["amount_max"] = f"{amount * 1.5:.0f}"
    if amount and kind != "range":
        row["amount"] = _hostile(draw, HOSTILE_AMOUNTS, may_fail) or row["amount"]
        row["currency"] = _hostile(draw, HOSTILE_CURRENCIES, may_fail) or row["currency"]
        row["value_date"] = _hostile(draw, HOSTILE_VALUE_DATES, may_fail) or row["value_date"]
    return row


def _bounds(text: str):
    if not text:
        return None, None
    parsed = parse_edtf(text)
    return parsed.earliest, parsed.latest


def _placing(row: dict) -> str:
    return next((row[name] for name in ("signed", "announced", "delivery", "date", "period") if row.get(name)), "")


def _reporting(sources: list[dict], row: dict) -> list[str]:
    """The sources that could have reported the record: none published before it happened."""
    earliest, _ = _bounds(_placing(row))
    fit = [s["source_id"] for s in sources
           if earliest is None or (latest := _bounds(s["published"])[1]) is None or latest >= earliest]
    return fit


@st.composite
def ledgers(draw) -> dict:
    """A dict of table name → rows; `write_ledger` turns it into a data folder. `_may_fail`: the rules
    its hostile values may break."""
    may_fail = Hostility()
    may_fail.on = draw(st.integers(0, 3)) == 0
    n_sources = draw(st.integers(1, 6))
    sources = []
    for i in range(n_sources):
        parent = draw(st.sampled_from([""] + [s["source_id"] for s in sources])) if sources else ""
        sources.append({"source_id": f"source-{i}", "publisher": draw(st.sampled_from(["BIRN", "Outlet"])),
                        "title": f"Report {i}", "published": draw(st.sampled_from(SOURCE_DATES)),
                        "published_basis": "page", "url": f"https://example.org/{i}",
                        "language": draw(st.sampled_from(["en", "sr", "hr", "sq", "tr", "fr"])),
                        "source_type": draw(st.sampled_from(["investigation", "news", "republication", "official",
                                                             "company", "blog"])),
                        "reliability": draw(st.sampled_from("ABCDF")), "derived_from": parent})
    source_ids = [s["source_id"] for s in sources]
    entities = [dict(zip(["entity_id", "name", "type", "country", "parent_id"], e, strict=True)) for e in ENTITIES]
    entity_ids = [e["entity_id"] for e in entities]
    records: dict[str, list[dict]] = {t: [] for t in ("contracts", "contract_lines", "transfers", "flights",
                                                      "events", "aggregates")}
    for i in range(draw(st.integers(0, 3))):
        follows = draw(st.sampled_from(["", *[c["contract_id"] for c in records["contracts"]]]))
        records["contracts"].append({
            "contract_id": f"contract-{i}", "kind": draw(st.sampled_from(["purchase", "licence", "donation"])),
            "supplier_id": "elbit", "recipient_id": "serbia", "end_user_id": draw(st.sampled_from(["", "agency"])),
            "title": f"Contract {i}", "domain": draw(st.sampled_from(["arms", "surveillance", "dual_use"])),
            "status": "signed",
            "signed": draw(st.sampled_from(["", "2025-01", "2024-11"])) if not follows else "2025-08",
            "announced": "", "delivery": draw(st.sampled_from(["", "2025-01/2028-06~", "2026/.."])),
            "follows_id": follows, **_money(draw, may_fail)})
    for i in range(draw(st.integers(0, 2))):
        if records["contracts"]:
            records["contract_lines"].append({
                "line_id": f"line-{i}", "contract_id": draw(st.sampled_from([c["contract_id"]
                                                                            for c in records["contracts"]])),
                "designation": f"System {i}", "category": "ammunition",
                "number_ordered": draw(st.sampled_from(["", "3"]))})
    for i in range(draw(st.integers(0, 6))):
        records["transfers"].append({
            "transfer_id": f"transfer-{i}", "date": draw(st.sampled_from(RECORD_DATES)),
            "exporter_id": draw(st.sampled_from(["yugoimport", "works", "serbia"])), "importer_id": "israel",
            "items": "ammunition", "category": "ammunition",
            "value_basis": draw(st.sampled_from(["customs_declared", "", "estimate"])),
            "mode": draw(st.sampled_from(["air", "sea", "unknown"])), **_money(draw, may_fail)})
    for i in range(draw(st.integers(0, 4))):
        records["flights"].append({
            "flight_id": f"flight-{i}", "date": draw(st.sampled_from([d for d in RECORD_DATES if d])),
            "operator_id": draw(st.sampled_from(["", "air-force"])), "origin": draw(st.sampled_from(["", "BEG"])),
            "destination": draw(st.sampled_from(["", "Nevatim"])), "count": draw(st.sampled_from(["", "1", "5"])),
            "count_kind": draw(st.sampled_from(["exact", "at_least"]))})
    for i in range(draw(st.integers(1, 5))):  # a ledger has at least one record, so at least one claim
        kind = draw(st.sampled_from(["meeting", "statement", "halt", "surveillance_incident", "publication"]))
        date = draw(st.sampled_from(["2025-06-23/..", "2025-06-23/2025-09-30"])) if kind == "halt" else \
            draw(st.sampled_from(RECORD_DATES))
        records["events"].append({
            "event_id": f"event-{i}", "date": date, "kind": kind,
            "domain": draw(st.sampled_from(["arms", "surveillance", "diplomacy"])),
            "entity_ids": draw(st.sampled_from(["serbia", "serbia|israel", "agency"])),
            "summary": _hostile(draw, HOSTILE_TEXT, may_fail) or f"Event {i} happened.",
            "note": _hostile(draw, HOSTILE_TEXT, may_fail) or ""})
    for i in range(draw(st.integers(0, 5))):
        scope = draw(st.sampled_from(["arms_exports", "military_flights"]))
        period = draw(st.sampled_from(PERIODS))
        earlier = [a for a in records["aggregates"] if a["scope"] == scope and a["period"] == period
                   and a["exporter_id"] == "serbia"]
        row = {"aggregate_id": f"total-{i}", "period": period, "exporter_id": "serbia", "importer_id": "israel",
               "scope": scope, "basis": draw(st.sampled_from(["customs", "estimate", "flight_tracking"])),
               "restates_id": draw(st.sampled_from(["", earlier[0]["aggregate_id"]])) if earlier else ""}
        if scope == "arms_exports":
            row.update(_money(draw, may_fail))
        else:
            restated = next((a for a in earlier if a["aggregate_id"] == row["restates_id"]), None)
            row.update({"operator_id": restated.get("operator_id", "") if restated else
                        draw(st.sampled_from(["", "air-force"])),
                        "count": draw(st.sampled_from(["", "7", "15"])),
                        "count_kind": draw(st.sampled_from(["exact", "at_least"]))})
        records["aggregates"].append(row)
    claims = []
    for rows in records.values():
        for row in rows:
            record_id = next(iter(row.values()))
            fields = [f for f in ("amount", "count", "date", "period", "signed") if row.get(f)]
            reporting = _reporting(sources, row)
            if may_fail.on and draw(st.integers(0, 9)) == 0:
                reporting = source_ids  # a source may predate what it is said to report
                may_fail.add("source-predates")
            elif not reporting:  # every source predates it: a later report of it
                if LATE_SOURCE["source_id"] not in source_ids:
                    sources.append(dict(LATE_SOURCE))
                    source_ids.append(LATE_SOURCE["source_id"])
                reporting = [LATE_SOURCE["source_id"]]
            for j in range(draw(st.integers(1, 3))):
                claims.append({"claim_id": f"{record_id}-claim-{j}", "record_id": record_id,
                               "source_id": draw(st.sampled_from(reporting)), "fields": "|".join(fields),
                               "credibility": str(draw(st.integers(1, 6))), "stance": "supports"})
            if row.get("amount") and draw(st.booleans()):
                claims.append({"claim_id": f"{record_id}-reading", "record_id": record_id,
                               "source_id": draw(st.sampled_from(reporting)), "fields": "amount",
                               "value": f"{float(row['amount']) * draw(st.sampled_from([1, 1.02, 1.5])):.0f}",
                               "credibility": "3", "stance": "supports"})
            if draw(st.integers(0, 9)) == 0:
                claims.append({"claim_id": f"{record_id}-against", "record_id": record_id,
                               "source_id": draw(st.sampled_from(source_ids)), "fields": "",
                               "credibility": "4", "stance": draw(st.sampled_from(["contradicts", "denies"])),
                               "note": "A source disputes it."})
    return {"sources": sources, "entities": entities, **records, "claims": claims,
            "categories": [{"category": "ammunition", "label": "Ammunition"}], "_entity_ids": entity_ids,
            "_may_fail": may_fail}


def write_ledger(ledger: dict, folder: Path) -> Path:
    """A data folder: the real schema and one CSV per table."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(paths.DATA / "datapackage.json", folder / "datapackage.json")
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    for resource in descriptor["resources"]:
        header = [f["name"] for f in resource["schema"]["fields"]]
        _write(folder, resource["path"], header, ledger.get(resource["name"], []))
    return folder
