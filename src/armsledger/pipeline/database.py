"""An edition's data as one queryable SQLite database (sqlite-utils), for Datasette or any SQL client.

Every table of the edition's data (build/<edition>/data/, unescaped: a database is no spreadsheet)
with typed columns, its primary key and foreign keys; full-text search (FTS5, diacritics folded, so
"Krusik" finds Krušik) over the text a reader searches: titles, names, items, designations,
summaries and notes; a `records` table of what the model derives per record (dates, value as
reported and converted, certainty, sources); and views named for the report's record listings.
Beside it, metadata.json for Datasette: title, licence, source and a description of every table.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from armsledger.model.params import Edition
from armsledger.model.schema import Schema, Table
from armsledger.model.schema import load as load_schema
from armsledger.pipeline.edition_data import read_records
from armsledger.pipeline.project import DATA_LICENCE, Project

DB_NAME = "armsledger.db"
METADATA_NAME = "metadata.json"
RECORDS_TABLE = "records"
TOKENIZER = "unicode61 remove_diacritics 2"
SQL_TYPES = {"number": float, "integer": int}
LIST_SEPARATOR = "|"

RECORD_COLUMNS = {
    "record_id": "The record's id in its table.",
    "table": "The table the record is in.",
    "label": "What the record is, in the words of the fields that name it (or our own summary).",
    "date": "The date that places the record in time (EDTF), from the first filled of its dating fields.",
    "earliest": "First day the date can mean (ISO 8601); blank when undated or open.",
    "latest": "Last day the date can mean (ISO 8601); blank when undated or open.",
    "precision": "day, month, year, interval or set.",
    "value_reported": "The value as its sources report it (≈ €14 million, ≥ …), in the reported currency.",
    "amount": "Amount as reported, in `currency`.",
    "amount_max": "Upper end of a reported range.",
    "amount_kind": "How precise the reported value is.",
    "currency": "Currency of the reported amount.",
    "value_date": "Date the value refers to (EDTF), at which it is converted.",
    "value_basis": "What kind of value it is.",
    "value_eur": "The value in euros at ECB reference rates of value_date (analysis, not data).",
    "value_usd": "The value in US dollars at ECB reference rates of value_date (analysis, not data).",
    "fx_rate_eur": "Rate used for value_eur.",
    "fx_date_eur": "Date (window) of the rate used for value_eur.",
    "fx_rate_usd": "Rate used for value_usd.",
    "fx_date_usd": "Date (window) of the rate used for value_usd.",
    "count": "Count as reported (flights, aircraft).",
    "count_kind": "How precise the count is.",
    "certainty": "Certainty tier: confirmed, probable, possible or disputed.",
    "certainty_reason": "Why the record has its tier.",
    "best_grade": "Best Admiralty grade among its supporting claims (reliability A–F, credibility 1–6).",
    "independent_sources": "Supporting sources counted once per original (republications are one source).",
    "supporting_claims": "Claims that support the record.",
    "opposing_claims": "Claims that contradict or deny it.",
    "first_reported": "Earliest publication behind its supporting sources (EDTF).",
    "visible_from": "First day a supporting source was certainly public: an as-of edition shows it from then.",
    "source_ids": "Ids of the sources whose claims support it (JSON list).",
}

# Views for the report's record listings. A view whose tables or columns a ledger lacks is left out.
VIEWS = {
    "timeline": ("Every dated record in date order (the report's timeline).", """
        SELECT record_id, "table", label, date, earliest, latest, value_reported, certainty, source_ids
        FROM records WHERE earliest IS NOT NULL ORDER BY earliest, latest, record_id"""),
    "exports": ("Customs-recorded exports and deliveries with their parties and values (Serbian exports to "
                "Israel).", """
        SELECT t.transfer_id, t.date, r.earliest, r.latest, exporter.name AS exporter,
               importer.name AS importer, producer.name AS producer, t.items, t.category, t.mode,
               r.value_reported, r.value_eur, r.value_usd, t.value_basis, r.certainty, t.contract_id
        FROM transfers t JOIN records r ON r.record_id = t.transfer_id
        LEFT JOIN entities exporter ON exporter.entity_id = t.exporter_id
        LEFT JOIN entities importer ON importer.entity_id = t.importer_id
        LEFT JOIN entities producer ON producer.entity_id = t.producer_id
        ORDER BY r.earliest, t.transfer_id"""),
    "contract_values": ("Contracts with supplier, buyer and value (Israeli systems bought by Serbia, surveillance "
                        "procurements).", """
        SELECT c.contract_id, c.title, c.kind, c.domain, c.status, supplier.name AS supplier,
               recipient.name AS recipient, end_user.name AS end_user, c.announced, c.signed, c.delivery,
               r.value_reported, r.value_eur, r.value_usd, r.certainty, c.follows_id
        FROM contracts c JOIN records r ON r.record_id = c.contract_id
        LEFT JOIN entities supplier ON supplier.entity_id = c.supplier_id
        LEFT JOIN entities recipient ON recipient.entity_id = c.recipient_id
        LEFT JOIN entities end_user ON end_user.entity_id = c.end_user_id
        ORDER BY r.earliest, c.contract_id"""),
    "contract_systems": ("The systems within each contract (contract lines, SIPRI style).", """
        SELECT l.line_id, l.contract_id, c.title AS contract, l.designation, l.description, l.category,
               producer.name AS producer, l.number_ordered, l.number_delivered, l.delivery, r.certainty
        FROM contract_lines l JOIN records r ON r.record_id = l.line_id
        LEFT JOIN contracts c ON c.contract_id = l.contract_id
        LEFT JOIN entities producer ON producer.entity_id = l.producer_id
        ORDER BY l.contract_id, l.line_id"""),
    "surveillance_procurements": ("Surveillance-technology procurements.", """
        SELECT * FROM contract_values WHERE domain = 'surveillance'"""),
    "surveillance_events": ("Surveillance incidents, statements and publications.", """
        SELECT e.event_id, e.date, r.earliest, r.latest, e.kind, e.summary, e.entity_ids, e.place, r.certainty
        FROM events e JOIN records r ON r.record_id = e.event_id
        WHERE e.domain = 'surveillance' ORDER BY r.earliest, e.event_id"""),
    "halts": ("Export halts and moratoria, with the period each lasts.", """
        SELECT e.event_id, e.date, r.earliest, r.latest, e.summary, e.entity_ids, r.certainty
        FROM events e JOIN records r ON r.record_id = e.event_id
        WHERE e.kind = 'halt' ORDER BY r.earliest"""),
    "published_totals": ("Totals as published (never sums we computed), with their parties and values.", """
        SELECT a.aggregate_id, a.period, a.scope, a.basis, exporter.name AS exporter, importer.name AS importer,
               r.value_reported, r.value_eur, r.value_usd, a.count, a.count_kind, a.restates_id, r.certainty
        FROM aggregates a JOIN records r ON r.record_id = a.aggregate_id
        LEFT JOIN entities exporter ON exporter.entity_id = a.exporter_id
        LEFT JOIN entities importer ON importer.entity_id = a.importer_id
        ORDER BY r.earliest, a.aggregate_id"""),
    "record_sources": ("Each record with each source that supports or disputes it: the claim's figure as printed, "
                       "its grade and stance (the report's appendix of records and sources).", """
        SELECT c.record_id, r."table", r.label, c.claim_id, c.stance, c.figure, c.fields,
               s.reliability || c.credibility AS grade, s.source_id, s.publisher, s.title, s.published, s.url
        FROM claims c JOIN records r ON r.record_id = c.record_id
        LEFT JOIN sources s ON s.source_id = c.source_id
        ORDER BY r."table", c.record_id, c.claim_id"""),
    "contradictions": ("Claims that contradict or deny a record.", """
        SELECT * FROM record_sources WHERE stance IN ('contradicts', 'denies')"""),
}


def _creation_order(schema: Schema) -> list[Table]:
    """Tables with the tables they refer to first (self-references aside)."""
    ordered: list[Table] = []
    pending = list(schema.tables)
    while pending:
        for table in pending:
            targets = {t for _, t, _ in table.foreign_keys if t != table.name}
            if targets <= {t.name for t in ordered} | {t for t in targets if t not in schema}:
                ordered.append(table)
                pending.remove(table)
                break
        else:  # a cycle between tables: keep the rest in schema order
            ordered += pending
            break
    return ordered


def search_fields(table: Table) -> list[str]:
    """The text a reader searches: fields that name a row, our own wording, and titles."""
    return [f.name for f in table.fields if f.type == "string" and (f.kind == "prose" or f.names_row
                                                                     or f.name == "title")]


def _rows(path: Path, table: Table):
    """The rows of a CSV file, typed, one at a time (a large table is never held whole), as tuples in
    the order of the table's fields."""
    import csv

    types = [(f.name, SQL_TYPES.get(f.type, str)) for f in table.fields]
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            yield tuple(kind(value) if (value := row.get(name)) not in ("", None) else None for name, kind in types)


def _insert(db, table: str, columns: list[str], rows) -> None:
    """Rows (tuples in `columns` order) into a table created beforehand, in one streamed executemany.
    Not sqlite-utils' insert_all: it inspects every value for JSON, and was two thirds of this step's
    time at 300,000 records. Lists are stored as JSON text, as insert_all stores them."""
    names = ", ".join(f"[{name}]" for name in columns)
    marks = ", ".join("?" for _ in columns)
    db.conn.executemany(f"INSERT INTO [{table}] ({names}) VALUES ({marks})",
                        (tuple(json.dumps(v, ensure_ascii=False) if isinstance(v, list) else v for v in row)
                         for row in rows))


def write(edition_dir: Path, edition: Edition, data_version: str, project: Project) -> tuple[Path, Path]:
    """build/<edition>/armsledger.db and metadata.json from build/<edition>/data/ and records.json."""
    import sqlite_utils

    edition_dir = Path(edition_dir)
    source = edition_dir / "data"
    schema = load_schema(source)
    target = edition_dir / DB_NAME
    partial = target.with_suffix(".db.partial")
    partial.unlink(missing_ok=True)
    db = sqlite_utils.Database(partial)
    # A scratch file renamed into place only when complete: no journal and no sync after each batch
    # (sqlite-utils commits every batch; with syncs a 300,000-record ledger spends minutes waiting on disk).
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    for table in _creation_order(schema):
        columns = {f.name: SQL_TYPES.get(f.type, str) for f in table.fields}
        db[table.name].create(columns, pk=table.primary_key,
                              foreign_keys=[(name, target_table, target_field)
                                            for name, target_table, target_field in table.foreign_keys
                                            if target_table in schema])
        _insert(db, table.name, [f.name for f in table.fields], _rows(source / table.path, table))
        fields = search_fields(table)
        if fields:
            db[table.name].enable_fts(fields, fts_version="FTS5", tokenize=TOKENIZER)
    records = read_records(edition_dir / "records.json")  # streamed: never all in memory
    columns = {name: (float if name.startswith(("amount", "value_e", "value_u", "fx_rate")) else
                      int if name in ("count", "independent_sources", "supporting_claims", "opposing_claims")
                      else str) for name in RECORD_COLUMNS}
    db[RECORDS_TABLE].create(columns, pk="record_id")
    _insert(db, RECORDS_TABLE, list(RECORD_COLUMNS), (tuple(row.get(name) for name in RECORD_COLUMNS)
                                                      for row in records))
    db[RECORDS_TABLE].enable_fts(["label"], fts_version="FTS5", tokenize=TOKENIZER)
    views = {}
    for name, (description, sql) in VIEWS.items():
        try:
            db.create_view(name, " ".join(sql.split()))
            db.execute(f"SELECT * FROM [{name}] LIMIT 0")
            views[name] = description
        except sqlite3.OperationalError:  # a ledger without the tables or columns this view reads
            db.execute(f"DROP VIEW IF EXISTS [{name}]")
    db.execute("ANALYZE")
    db.conn.commit()
    db.vacuum()
    db.close()
    partial.replace(target)
    metadata = datasette_metadata(schema, edition, data_version, project, views)
    meta_path = edition_dir / METADATA_NAME
    meta_path.write_text(json.dumps(metadata, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return target, meta_path


def datasette_metadata(schema: Schema, edition: Edition, data_version: str, project: Project,
                       views: dict[str, str]) -> dict:
    """metadata.json for `datasette armsledger.db -m metadata.json`."""
    licence = (schema.descriptor.get("licenses") or [DATA_LICENCE])[0]
    tables = {}
    for table in schema.tables:
        description = str(table.descriptor.get("description", ""))
        tables[table.name] = {
            "title": table.title,
            "description": description,
            "columns": {f.name: f.description for f in table.fields if f.description},
        }
    tables[RECORDS_TABLE] = {
        "title": "Records",
        "description": "One row per record this edition shows, with what the model derives: dates as ISO bounds, "
                       "the value as reported and converted, the certainty tier and the supporting sources.",
        "columns": RECORD_COLUMNS,
    }
    for name, description in views.items():
        tables[name] = {"description": description}
    as_of = f" as known on {edition.params.as_of}" if edition.params.as_of else ""
    return {
        "title": f"armsledger — {edition.title}",
        "description": f"{schema.descriptor.get('description', '')} This database holds the data of the edition "
                       f"“{edition.title}”{as_of} (data version {data_version[:12]}).",
        "license": licence.get("name", ""),
        "license_url": licence.get("path", ""),
        "source": project.title,
        **({"source_url": project.repository} if project.repository else {}),
        "databases": {DB_NAME.removesuffix(".db"): {"tables": tables}},
    }
