"""An edition's data as FollowTheMoney entities (JSON lines), for Aleph, OpenAleph and other FtM
tools: who is involved, which contracts and transfers link them, and which publications say so.

Schemata (followthemoney 4.x), chosen for what each record is:

- entities: ministries, agencies and armed forces are `PublicBody` ("a ministry, department or state
  company"). A state is one too: in this ledger a state appears as a party, the buyer of a contract
  or the importer of a shipment, that is as its government acting, and FtM has no schema for a
  country as a party (`Territory` is a place, not a legal entity, and cannot be a contract's
  authority or a shipment's receiver). Companies and factories (state-owned or not) are `Company`,
  persons `Person`, NGOs, media and international organisations `Organization`.
- contracts are `Contract` (the buyer as its `authority`) with one `ContractAward` linking it to the
  supplier, carrying the value; each contract line (one system within the deal, SIPRI style) is a
  further `ContractAward`, FtM's "contract lot as awarded to a supplier", with the designation as
  its lot and the producer (else the contract's supplier) as supplier. Lines carry a value only
  where one was reported for the line itself, so award values never add up to more than reported.
- transfers are `EconomicActivity`, FtM's schema for customs-declared foreign trade: sender
  (exporter), receiver (importer), goods, customs value, contract. Not `Payment`: a transfer is a
  flow of goods, and a customs value is no payment.
- flights are `Trip` (an event with a vehicle, a start and an end) when origin and destination are
  known, with the aircraft as `Airplane` where its type or serial is; `Event` otherwise.
- events are `Event`, their entities `involved`.
- sources are `Article`; every record cites the articles that support it as `proof` (sources that
  contradict a record are not its proof).
- published totals (aggregates) are left out: FtM has no schema for a statistic, and a total written
  as an `EconomicActivity` would be added to the shipments it sums.

Ids are stable: `make_id` over the project, the table and our own id. No external identifiers are
added: the data hold none (no Wikidata QIDs). Every value goes through the FtM type's cleaner and an
invalid one raises instead of being dropped; every entity must have its schema's required
properties and survive a round trip through `model.get_proxy`.
"""

from __future__ import annotations

import csv
import functools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path

from followthemoney import model
from followthemoney.proxy import EntityProxy

from armsledger.model.dates import EDTFError, parse_edtf
from armsledger.model.schema import load as load_schema
from armsledger.pipeline.edition_data import read_records

FTM_NAME = "ftm.jsonl"
NAMESPACE = "armsledger"
ENTITY_SCHEMATA = {
    "state": "PublicBody", "ministry": "PublicBody", "agency": "PublicBody", "armed_force": "PublicBody",
    "company": "Company", "factory": "Company", "person": "Person",
    "ngo": "Organization", "media": "Organization", "international_organisation": "Organization",
}
NAME_LENGTH = 200
# Types whose cleaning reads only the value (an entity reference also reads the entity: no self-links).
# Their cleaned values are remembered: every record repeats the URLs of the sources it cites, and URL
# and date parsing was most of the export's time at 300,000 records.
CONTEXT_FREE_TYPES = frozenset({"url", "date", "country", "language"})


class FtMError(ValueError):
    """A value the FollowTheMoney model rejects, or an entity without a required property."""


def entity_id(table: str, row_id: str) -> str:
    proxy = model.make_entity("Thing")
    return proxy.make_id(NAMESPACE, table, row_id)


def put(proxy: EntityProxy, name: str, value, where: str = "") -> None:
    """Add a value cleaned by the property's type; blank values are skipped, invalid ones raise."""
    if value is None or value == "" or (isinstance(value, float) and value != value):
        return
    prop = proxy.schema.get(name)
    if prop is None:
        raise FtMError(f"{where}: {proxy.schema.name} has no property {name!r}")
    cleaned = _clean(prop, value, proxy)
    if cleaned is None:
        raise FtMError(f"{where}: {value!r} is not a valid {prop.type.name} for {proxy.schema.name}.{name}")
    proxy.add(prop, cleaned, cleaned=True)


def _clean(prop, value, proxy: EntityProxy) -> str | None:
    if prop.type.name in CONTEXT_FREE_TYPES and isinstance(value, str):
        return _clean_value(prop.type.name, value)
    return prop.type.clean(value, proxy=proxy)


@functools.lru_cache(maxsize=200_000)
def _clean_value(type_name: str, value: str) -> str | None:
    from followthemoney import registry

    return registry.get(type_name).clean(value)


def _prefix(day, precision: str) -> str:
    return day.isoformat()[:{"year": 4, "month": 7}.get(precision, 10)]


def date_properties(text: str) -> dict[str, str]:
    """An EDTF date as FtM dates, no more precise than written: `date` for a single date,
    `startDate`/`endDate` for an interval or set (an open end is left out)."""
    if not text:
        return {}
    try:
        rng = parse_edtf(text)
    except EDTFError:
        return {}
    if rng.precision in ("day", "month", "year") and rng.earliest:
        return {"date": _prefix(rng.earliest, rng.precision)}
    out = {}
    start, _, end = text.partition("/")
    for key, part, bound in (("startDate", start, "earliest"), ("endDate", end or start, "latest")):
        if part in ("", ".."):
            continue
        try:
            side = parse_edtf(part)
        except EDTFError:
            side = rng
        day = getattr(side, bound)
        if day is not None:
            out[key] = _prefix(day, side.precision if side.precision in ("day", "month", "year") else "day")
    return out


def _dated(proxy: EntityProxy, text: str, where: str) -> None:
    for name, value in date_properties(text).items():
        put(proxy, name, value, where)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= NAME_LENGTH else text[:NAME_LENGTH - 1].rsplit(" ", 1)[0] + "…"


def _read(path: Path) -> Iterator[dict]:
    if not path.exists():
        return
    with open(path, encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


class Exporter:
    """Builds the entities of one edition's data folder."""

    def __init__(self, data_dir: Path, records: Iterable[dict]):
        self.data_dir = Path(data_dir)
        self.schema = load_schema(data_dir)
        self.records = {r["record_id"]: r for r in records}
        self.entities: dict[str, EntityProxy] = {}
        self.ids: dict[tuple[str, str], str] = {}
        self.countries, self.names = {}, {}
        for row in self.rows("entities"):
            self.countries[row["entity_id"]] = row.get("country", "")
            self.names[row["entity_id"]] = row.get("name", "")
        self.source_urls = {row["source_id"]: row.get("url", "") for row in self.rows("sources")}

    def rows(self, table: str) -> Iterator[dict]:
        """A table's rows, read one at a time each time (the claims, which the export does not read,
        and the large record tables are never held whole)."""
        return _read(self.data_dir / self.schema.table(table).path) if table in self.schema else iter(())

    def make(self, schema: str, table: str, row_id: str) -> EntityProxy:
        proxy = model.make_entity(schema)
        proxy.id = entity_id(table, row_id)
        self.ids[(table, row_id)] = proxy.id
        self.entities[proxy.id] = proxy
        return proxy

    def ref(self, table: str, row_id: str) -> str | None:
        return self.ids.get((table, row_id)) if row_id else None

    def party(self, row_id: str) -> str | None:
        return self.ref("entities", row_id)

    def evidence(self, proxy: EntityProxy, record_id: str, where: str) -> None:
        """The record's supporting sources as proof, and its id where the schema has a place for it."""
        if proxy.schema.get("recordId") is not None:
            put(proxy, "recordId", record_id, where)
        record = self.records.get(record_id, {})
        for source_id in record.get("source_ids") or []:
            put(proxy, "proof", self.ref("sources", source_id), where)
            put(proxy, "sourceUrl", self.source_urls.get(source_id, ""), where)

    def money(self, proxy: EntityProxy, record_id: str, where: str) -> None:
        record = self.records.get(record_id, {})
        if record.get("amount") is None:
            return
        put(proxy, "amount", record["amount"], where)
        put(proxy, "currency", record.get("currency"), where)
        put(proxy, "amountEur", record.get("value_eur"), where)
        put(proxy, "amountUsd", record.get("value_usd"), where)

    def country(self, entity: str) -> str:
        return self.countries.get(entity, "")

    # ---------------------------------------------------------------- tables

    def add_sources(self) -> None:
        for row in self.rows("sources"):
            where = f"sources {row['source_id']}"
            article = self.make("Article", "sources", row["source_id"])
            put(article, "title", row.get("title"), where)
            put(article, "name", _short(row.get("title", "")) or row["source_id"], where)
            put(article, "publisher", row.get("publisher"), where)
            put(article, "author", row.get("publisher"), where)
            put(article, "language", row.get("language"), where)
            put(article, "sourceUrl", row.get("url"), where)
            put(article, "description", row.get("note"), where)
            dates = date_properties(row.get("published", ""))
            put(article, "publishedAt", dates.get("date") or dates.get("endDate"), where)

    def add_entities(self) -> None:
        for row in self.rows("entities"):
            where = f"entities {row['entity_id']}"
            proxy = self.make(ENTITY_SCHEMATA.get(row.get("type", ""), "Organization"), "entities", row["entity_id"])
            put(proxy, "name", row.get("name"), where)
            for alias in filter(None, row.get("aliases", "").split("|")):
                put(proxy, "alias", alias, where)
            put(proxy, "country", row.get("country"), where)
            if proxy.schema.name == "PublicBody" and row.get("type") == "state":
                put(proxy, "jurisdiction", row.get("country"), where)
            put(proxy, "address", row.get("location"), where)
            put(proxy, "description", " ".join(filter(None, [row.get("role", ""), row.get("note", "")])), where)
        for row in self.rows("entities"):  # parents once every entity has its id
            put(self.entities[self.party(row["entity_id"])], "parent", self.party(row.get("parent_id", "")),
                f"entities {row['entity_id']}")

    def add_contracts(self) -> None:
        for row in self.rows("contracts"):
            record_id, where = row["contract_id"], f"contracts {row['contract_id']}"
            contract = self.make("Contract", "contracts", record_id)
            put(contract, "title", row.get("title"), where)
            put(contract, "name", _short(row.get("title", "")), where)
            put(contract, "authority", self.party(row.get("recipient_id", "")), where)
            put(contract, "type", row.get("kind"), where)
            put(contract, "classification", row.get("domain"), where)
            put(contract, "status", row.get("status"), where)
            put(contract, "contractDate", date_properties(row.get("signed", "")).get("date"), where)
            put(contract, "country", self.country(row.get("recipient_id", "")), where)
            notes = [row.get("note", "")]
            for label, field in (("End user", "end_user_id"), ("Producer", "producer_id"),
                                 ("Intermediary", "intermediary_id")):
                if row.get(field):
                    notes.append(f"{label}: {self.names.get(row[field], row[field])}.")
            put(contract, "description", " ".join(filter(None, notes)), where)
            self.money(contract, record_id, where)
            self.evidence(contract, record_id, where)
            supplier = self.party(row.get("supplier_id", ""))
            if supplier:
                award = self.make("ContractAward", "contract-awards", record_id)
                put(award, "contract", contract.id, where)
                put(award, "supplier", supplier, where)
                put(award, "role", "supplier", where)
                put(award, "status", row.get("status"), where)
                _dated(award, row.get("delivery", ""), where) if row.get("delivery") else None
                self.money(award, record_id, where)
                self.evidence(award, record_id, where)

    def add_contract_lines(self) -> None:
        suppliers = {row["contract_id"]: row.get("supplier_id", "") for row in self.rows("contracts")}
        for row in self.rows("contract_lines"):
            record_id, where = row["line_id"], f"contract_lines {row['line_id']}"
            contract = self.ref("contracts", row.get("contract_id", ""))
            supplier = self.party(row.get("producer_id", "")) or self.party(suppliers.get(row.get("contract_id"), ""))
            if not contract or not supplier:
                continue  # an award needs both (the edition may not show the contract)
            award = self.make("ContractAward", "contract_lines", record_id)
            put(award, "contract", contract, where)
            put(award, "supplier", supplier, where)
            put(award, "lotNumber", row.get("designation"), where)
            put(award, "role", "contract line", where)
            put(award, "description", " ".join(filter(None, [row.get("description", ""), row.get("note", "")])),
                where)
            _dated(award, row.get("delivery", ""), where)
            self.money(award, record_id, where)
            self.evidence(award, record_id, where)

    def add_transfers(self) -> None:
        for row in self.rows("transfers"):
            record_id, where = row["transfer_id"], f"transfers {row['transfer_id']}"
            flow = self.make("EconomicActivity", "transfers", record_id)
            exporter, importer = row.get("exporter_id", ""), row.get("importer_id", "")
            put(flow, "sender", self.party(exporter), where)
            put(flow, "receiver", self.party(importer), where)
            put(flow, "departureCountry", self.country(exporter), where)
            put(flow, "destinationCountry", self.country(importer), where)
            put(flow, "originCountry", self.country(row.get("producer_id", "")), where)
            put(flow, "goodsDescription", row.get("items"), where)
            put(flow, "directionOfTransportation", "export", where)
            put(flow, "contract", self.ref("contracts", row.get("contract_id", "")), where)
            record = self.records.get(record_id, {})
            value = record.get("value_reported", "")
            if value and value != "undisclosed":
                put(flow, "customsAmount" if row.get("value_basis") == "customs_declared" else "invoiceAmount",
                    value, where)
            put(flow, "summary", row.get("note"), where)
            producer = self.names.get(row.get("producer_id", ""), "")
            put(flow, "description", " ".join(filter(None, [f"Producer: {producer}." if producer else "",
                                                            f"Mode: {row['mode']}." if row.get("mode") else ""])),
                where)
            _dated(flow, row.get("date", ""), where)
            self.evidence(flow, record_id, where)

    def _place(self, name: str, where: str) -> str | None:
        if not name:
            return None
        address = self.make("Address", "places", name)
        put(address, "full", name, where)
        return address.id

    def add_flights(self) -> None:
        for row in self.rows("flights"):
            record_id, where = row["flight_id"], f"flights {row['flight_id']}"
            origin, destination = row.get("origin", ""), row.get("destination", "")
            trip = self.make("Trip" if origin and destination else "Event", "flights", record_id)
            count = row.get("count", "")
            flights = f"{count} flight{'s' if count != '1' else ''}" if count else "Flights"
            if row.get("count_kind") == "at_least":
                flights = "At least " + flights.lower()
            route = f" {origin or '?'} → {destination or '?'}" if origin or destination else ""
            put(trip, "name", f"{flights}{route}, {row.get('date') or 'undated'}", where)
            operator = self.party(row.get("operator_id", ""))
            put(trip, "involved", operator, where)
            put(trip, "organizer", operator, where)
            put(trip, "summary", " ".join(filter(None, [f"Cargo: {row['cargo']}." if row.get("cargo") else "",
                                                        row.get("note", "")])), where)
            if trip.schema.name == "Trip":
                put(trip, "startLocation", self._place(origin, where), where)
                put(trip, "endLocation", self._place(destination, where), where)
                if row.get("aircraft") or row.get("serial_or_registration"):
                    plane = self.make("Airplane", "aircraft", f"{row.get('operator_id', '')}:"
                                      f"{row.get('aircraft', '')}:{row.get('serial_or_registration', '')}")
                    put(plane, "name", " ".join(filter(None, [row.get("aircraft"), row.get("serial_or_registration")])),
                        where)
                    put(plane, "model", row.get("aircraft"), where)
                    put(plane, "serialNumber", row.get("serial_or_registration"), where)
                    put(plane, "operator", operator, where)
                    put(trip, "vehicle", plane.id, where)
            else:
                put(trip, "location", " → ".join(filter(None, [origin, destination])), where)
            _dated(trip, row.get("date", ""), where)
            self.evidence(trip, record_id, where)

    def add_events(self) -> None:
        for row in self.rows("events"):
            record_id, where = row["event_id"], f"events {row['event_id']}"
            event = self.make("Event", "events", record_id)
            put(event, "name", _short(row.get("summary", "")) or record_id, where)
            put(event, "summary", row.get("summary"), where)
            put(event, "description", row.get("note"), where)
            put(event, "important", row.get("kind"), where) if row.get("kind") == "halt" else None
            for entity in filter(None, row.get("entity_ids", "").split("|")):
                put(event, "involved", self.party(entity), where)
            put(event, "location", row.get("place"), where)
            _dated(event, row.get("date", ""), where)
            self.evidence(event, record_id, where)

    def export(self) -> Iterator[dict]:
        """Every entity as a dict, in id order (one at a time: they are written as they come)."""
        self.add_sources()
        self.add_entities()
        self.add_contracts()
        self.add_contract_lines()
        self.add_transfers()
        self.add_flights()
        self.add_events()
        for entity_id_ in sorted(self.entities):
            yield checked(self.entities[entity_id_])


def checked(proxy: EntityProxy) -> dict:
    """The entity as a dict, once the model has accepted it: required properties present, and every
    value one that the model reads back unchanged (cleaning it again gives it again), which is what
    a round trip through `model.get_proxy` checks (tests do that round trip), with each distinct
    URL or date cleaned once rather than once per entity that carries it."""
    missing = [name for name in proxy.schema.required if not proxy.get(name)]
    if missing:
        raise FtMError(f"{proxy.schema.name} {proxy.id}: missing required {', '.join(sorted(missing))}")
    for prop, value in proxy.itervalues():
        if _clean(prop, value, proxy) != value:
            raise FtMError(f"{proxy.schema.name} {proxy.id}: does not survive a round trip through the FtM model "
                           f"({prop.name} {value!r})")
    return proxy.to_dict()


def write(edition_dir: Path) -> Path:
    """build/<edition>/ftm.jsonl from build/<edition>/data/ and records.json."""
    edition_dir = Path(edition_dir)
    # Streamed, and only the fields the exporter reads: records.json of 300,000 records parsed whole
    # takes gigabytes.
    records = ({k: r.get(k) for k in RECORD_FIELDS_USED if k in r} | {"record_id": r["record_id"]}
               for r in read_records(edition_dir / "records.json"))
    target = edition_dir / FTM_NAME
    partial = target.with_suffix(".jsonl.partial")  # entities are written as they come; a rejected one stops it
    try:
        with open(partial, "w", encoding="utf-8") as handle:
            for entity in Exporter(edition_dir / "data", records).export():
                handle.write(json.dumps(entity, ensure_ascii=False, sort_keys=True) + "\n")
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(target)
    return target


# The fields of records.json the exporter reads (Exporter._sources, _amounts, _value_reported).
RECORD_FIELDS_USED = ("source_ids", "amount", "currency", "value_eur", "value_usd", "value_reported")


def read(path: Path) -> list[EntityProxy]:
    """The entities of an ftm.jsonl file, through the FtM model."""
    with open(path, encoding="utf-8") as handle:
        return [model.get_proxy(json.loads(line), cleaned=False) for line in handle if line.strip()]
