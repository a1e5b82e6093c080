"""Check the ledger's CSV tables against the data package schema and the project's rules,
reporting every problem at once as `file:row:column: rule: message`."""

from __future__ import annotations

import copy
import csv
import difflib
import json
import math
import os
import re
import tempfile
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pycountry

from armsledger import figures
from armsledger.csvio import CsvFile, decode_utf8, read_csv
from armsledger.dates import EDTFError, parse_edtf
from armsledger.vocabulary import LEDGER_TABLES, RECORD_TABLES

ENTITY_TABLE = "entities"
# `|`-separated id lists, which Frictionless cannot check; None means an id of any table.
LIST_REFERENCES: dict[tuple[str, str], tuple[str, ...] | None] = {
    ("events", "entity_ids"): (ENTITY_TABLE,),
    ("contracts", "related_ids"): None,
}
# Columns that name a referenced row, for figures cited for a reference field.
LABEL_COLUMNS = ("name", "aliases", "title", "designation", "label", "items", "description")
# User-assigned but universal code for Kosovo; pycountry does not list it.
EXTRA_COUNTRIES = frozenset({"XKX"})
NON_FINITE = frozenset({"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity",
                        "-infinity"})
SLUG = "^[a-z0-9]+(-[a-z0-9]+)*$"
PATTERN_HINTS = {
    SLUG: "a lowercase slug (a-z, 0-9, single hyphens)",
    "^[A-Z]{3}$": "three capital letters",
    "^[a-z]{2}$": "two lowercase letters (ISO 639-1)",
}
TYPE_HINTS = {
    "number": "a number",
    "integer": "a whole number",
    "boolean": "true or false",
    "date": "a date (YYYY-MM-DD)",
    "year": "a year",
}
KIND_HINTS = {"money": "an amount", "date": "a date or duration", "count": "a count"}

# Every rule name the validator reports, with what it checks. Names are stable: tests,
# scripts and analysts grep for them.
RULES = {
    "missing-file": "datapackage.json or a table's CSV file does not exist",
    "datapackage": "datapackage.json is not valid JSON or describes its resources wrongly",
    "encoding": "a file is not UTF-8 (a BOM is accepted); gives the byte offset",
    "empty-file": "a table file has zero bytes or no header row",
    "empty-table": "sources, entities or claims has a header but no rows (other tables may be empty)",
    "delimiter": "a table is separated by semicolons or tabs instead of commas",
    "csv-syntax": "a file cannot be parsed as CSV at all",
    "blank-row": "an empty row between data rows",
    "ragged-row": "a row has more or fewer cells than the header",
    "unknown-column": "a header names a column the schema does not have",
    "missing-column": "a schema field has no column in the header",
    "duplicate-header": "a column name appears twice in the header",
    "type": "a value is not of the field's type (number, integer), or not finite",
    "format": "a value is not in the field's format (e.g. URI)",
    "enum": "a value is not one of the field's allowed values",
    "required": "a required field is blank",
    "pattern": "a value does not match the field's pattern (ids, codes)",
    "minimum": "a number is below the field's minimum",
    "maximum": "a number is above the field's maximum",
    "constraint": "any other Frictionless field constraint",
    "duplicate-id": "a primary-key value repeats within its table",
    "foreign-key": "a reference (including |-separated id lists) matches no row",
    "list-item": "a |-separated id list has an empty item or spaces around an item",
    "schema": "any other problem Frictionless reports",
    "shared-id": "a primary-key value is already used by another table",
    "derived-cycle": "sources.derived_from loops back to itself",
    "edtf": "a date field is not valid EDTF, ends before it starts, or has an empty end",
    "amount-max": "amount_max without amount_kind=range, below amount, or missing for a range",
    "currency-missing": "an amount without a currency",
    "amount-kind": "an amount without amount_kind, or a range without its low end",
    "operator-scope": "aggregates.operator_id on a total that is not a flight count",
    "undisclosed-amount": "amount_kind=undisclosed with an amount",
    "currency-code": "currency is not an ISO 4217 code",
    "country-code": "country is not an ISO 3166-1 alpha-3 code (historic codes allowed)",
    "certainty-note": "certainty_override without certainty_note",
    "no-claim": "a record has no claim with stance supports",
    "claim-record": "claims.record_id matches no record",
    "claim-fields": "claims.fields names a column the record's table does not have",
    "figure-fields": "a claim has a figure but no fields",
    "figure-length": f"a claim's figure is longer than {figures.FIGURE_MAX_WORDS} words",
    "figure-unparsed": "a figure cannot be read as the amount, date or count it is cited for",
    "figure-agreement": "a record value agrees with none of the figures cited for it",
    "archive-missing": "the archive folder or a source's archive file does not exist",
    "archive-figure": "a claim's figure does not occur in its source's archived text",
}


def _non_finite(cell: str) -> bool:
    """NaN, infinity, or a number too large to hold (1e400 reads as infinity)."""
    text = cell.strip().lower()
    if text in NON_FINITE:
        return True
    try:
        return math.isinf(float(text))
    except ValueError:
        return False


def _spaces_hint(cell: str) -> str:
    """Spreadsheets keep a stray space typed before or after a value, and it is invisible there."""
    return " (remove the spaces around it)" if cell != cell.strip() else ""


# Tables whose rows everything else cites; a header-only copy of one is a mistake, not a ledger.
NEVER_EMPTY = {"sources": "a source", "entities": "its parties", "claims": "a supporting claim"}

# ---------------------------------------------------------------------------
# Results

def display_path(path: Path) -> str:
    """The path relative to the current directory when it lies below it, else as given."""
    try:
        return Path(os.path.abspath(path)).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Problem:
    """One problem, located by file, spreadsheet row (header = 1) and column."""

    path: Path
    row: int | None
    column: str | None
    rule: str
    message: str

    def location(self) -> str:
        text = display_path(self.path)
        if self.row is not None:
            text += f":{self.row}"
        if self.column is not None:
            text += f":{self.column}" if self.row is not None else f"::{self.column}"
        return text

    def __str__(self) -> str:
        # A cell quoted in a message may hold a line break; one problem stays on one line.
        message = self.message.replace("\r", "\\r").replace("\n", "\\n")
        return f"{self.location()}: {self.rule}: {message}"


@dataclass
class ArchiveStats:
    """What the archive check could and could not establish."""

    folder: Path
    verified: int = 0
    failed: int = 0
    file_missing: int = 0
    unverified: int = 0
    blank: int = 0


@dataclass
class ValidationResult:
    """Problems found, plus the tables as read (cells as strings, blank = "")."""

    data_dir: Path
    problems: list[Problem] = field(default_factory=list)
    tables: dict[str, list[Row]] = field(default_factory=dict)
    row_numbers: dict[str, list[int]] = field(default_factory=dict)
    archive: ArchiveStats | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary_lines(self) -> list[str]:
        rows = sum(len(rows) for rows in self.tables.values())
        count = len(self.problems)
        if count:
            by_rule = Counter(p.rule for p in self.problems)
            detail = ", ".join(f"{rule} {n}" for rule, n in sorted(by_rule.items()))
            verdict = f"{count} problem{'s' if count != 1 else ''} ({detail})"
        else:
            verdict = "no problems"
        lines = [f"checked {len(self.tables)} tables, {rows} rows in "
                 f"{display_path(self.data_dir)}: {verdict}"]
        a = self.archive
        if a is None:
            lines.append("archive: not checked (no --archive folder given)")
        else:
            lines.append(
                f"archive: {a.verified} claim figures verified in {display_path(a.folder)}, "
                f"{a.failed} not found in their source's text, "
                f"{a.file_missing} not checkable (archive file missing); "
                f"{a.unverified} unverified (their source has no archive file; not counted as "
                f"passing); {a.blank} claims with a blank figure not checked"
            )
        return lines


# ---------------------------------------------------------------------------
# Tables

class Row(dict):
    """A row's cells by column name; a column the schema lacks reads as blank."""

    def __missing__(self, key: str) -> str:
        return ""


@dataclass
class Table:
    """One resource: its schema and the rows read from its CSV file."""

    name: str
    path: Path
    schema: dict
    order: int
    fields: list[str] = field(default_factory=list)
    loaded: bool = False
    header: list[str] = field(default_factory=list)
    missing_columns: set[str] = field(default_factory=set)
    rows: list[Row] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)

    @property
    def field_defs(self) -> dict[str, dict]:
        return {f["name"]: f for f in self.schema.get("fields", [])
                if isinstance(f, dict) and isinstance(f.get("name"), str)}

    @property
    def primary_key(self) -> str | None:
        pk = self.schema.get("primaryKey")
        if isinstance(pk, str):
            return pk
        if isinstance(pk, list) and len(pk) == 1:
            return pk[0]
        return None

    def edtf_fields(self) -> list[str]:
        return [name for name, f in self.field_defs.items() if "EDTF" in str(f.get("description", ""))]

    def references(self) -> dict[str, tuple[str, str]]:
        """Single-field foreign keys: field → (table, field)."""
        refs = {}
        for fk in self.schema.get("foreignKeys", []) or []:
            if not isinstance(fk, dict) or not isinstance(fk.get("reference"), dict):
                continue
            fields, ref = fk.get("fields"), fk["reference"]
            ref_fields = ref.get("fields")
            fields = [fields] if isinstance(fields, str) else fields
            ref_fields = [ref_fields] if isinstance(ref_fields, str) else ref_fields
            if fields and ref_fields and len(fields) == 1 and len(ref_fields) == 1:
                refs[fields[0]] = (ref.get("resource") or self.name, ref_fields[0])
        return refs


class _Validator:
    def __init__(self, data_dir: Path, archive_dir: Path | None):
        self.data_dir = data_dir
        self.archive_dir = archive_dir
        self.problems: dict[tuple, Problem] = {}
        self.tables: dict[str, Table] = {}
        self.datapackage = data_dir / "datapackage.json"
        # table → primary-key value → first data index / spreadsheet row
        self.first_index: dict[str, dict[str, int]] = {}
        self.first_row: dict[str, dict[str, int]] = {}
        # primary-key value → the table that first uses it
        self.owner: dict[str, Table] = {}
        self._languages: dict[str, str | None] | None = None
        self.archive_stats: ArchiveStats | None = None

    # -- reporting -----------------------------------------------------------

    def add(self, path: Path, row: int | None, column: str | None, rule: str, message: str) -> None:
        problem = Problem(path, row, column, rule, message)
        self.problems.setdefault((path, row, column, rule, message), problem)

    def at(self, table: Table, index: int, column: str | None, rule: str, message: str) -> None:
        self.add(table.path, table.row_numbers[index], column, rule, message)

    # -- loading -------------------------------------------------------------

    def load_datapackage(self) -> list[dict] | None:
        path = self.datapackage
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            self.add(path, None, None, "missing-file", "file not found; the data folder needs its schema")
            return None
        except OSError as exc:
            self.add(path, None, None, "missing-file", f"cannot be read: {exc.strerror or exc}")
            return None
        text, issue = decode_utf8(data)
        if issue is not None:
            self.add(path, None, None, issue.rule, issue.message)
        try:
            descriptor = json.loads(text)
        except json.JSONDecodeError as exc:
            self.add(path, None, None, "datapackage",
                     f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
            return None
        resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
        if not isinstance(resources, list):
            self.add(path, None, None, "datapackage", "has no list of resources")
            return None
        good = []
        names: set[str] = set()
        for number, resource in enumerate(resources, start=1):
            ok = (isinstance(resource, dict) and isinstance(resource.get("name"), str)
                  and isinstance(resource.get("path"), str)
                  and isinstance(resource.get("schema"), dict)
                  and isinstance(resource["schema"].get("fields"), list))
            if ok and (Path(resource["path"]).is_absolute() or ".." in Path(resource["path"]).parts):
                self.add(path, None, None, "datapackage",
                         f'resource "{resource["name"]}" must name a file inside the data folder')
                continue
            if ok and resource["name"] in names:
                self.add(path, None, None, "datapackage", f'resource name "{resource["name"]}" is used twice')
                continue
            if ok:
                names.add(resource["name"])
                good.append(resource)
            else:
                self.add(path, None, None, "datapackage",
                         f"resource {number} needs a name, a path and a schema with fields")
        for name in LEDGER_TABLES:
            if name not in names:
                self.add(path, None, None, "datapackage",
                         f'has no resource "{name}"; the ledger needs all of {", ".join(LEDGER_TABLES)}')
        return good

    def load_tables(self, resources: list[dict]) -> None:
        for order, resource in enumerate(resources):
            table = Table(resource["name"], self.data_dir / resource["path"], resource["schema"], order)
            table.fields = list(table.field_defs)
            self.tables[table.name] = table
            self.load_table(table, read_csv(table.path))

    def load_table(self, table: Table, csv_file: CsvFile) -> None:
        for issue in csv_file.issues:
            self.add(table.path, issue.row, issue.column, issue.rule, issue.message)
        if not csv_file.readable:
            return
        assert csv_file.header is not None
        header = csv_file.header
        table.header = header
        table.loaded = True
        known = set(table.fields)
        index: dict[str, int] = {}
        for position, name in enumerate(header):
            if name in index:
                self.add(table.path, 1, name, "duplicate-header",
                         f'column "{name}" appears more than once (columns {index[name] + 1} '
                         f"and {position + 1}); the first is used")
                continue
            index[name] = position
            if name in known:
                continue
            if not name.strip():
                self.add(table.path, 1, None, "unknown-column", f"column {position + 1} has no name")
                continue
            close = difflib.get_close_matches(name, table.fields, n=1)
            hint = f'; did you mean "{close[0]}"?' if close else ""
            self.add(table.path, 1, name, "unknown-column",
                     f'"{name}" is not a field of {table.name} in datapackage.json{hint}')
        for name in table.fields:
            if name not in index:
                table.missing_columns.add(name)
                self.add(table.path, 1, name, "missing-column", "column is missing from the header")
        if not csv_file.rows and table.name in NEVER_EMPTY:
            self.add(table.path, None, None, "empty-table",
                     f"has a header but no rows; every record needs {NEVER_EMPTY[table.name]}")
        width = len(header)
        positions = [(name, index[name]) for name in table.fields if name in index]
        for cells, row in zip(csv_file.rows, csv_file.row_numbers, strict=True):
            if len(cells) != width:
                self.add(table.path, row, None, "ragged-row",
                         f"has {len(cells)} cells but the header has {width}")
            record = Row.fromkeys(table.fields, "")
            for name, position in positions:
                if position < len(cells):
                    record[name] = cells[position]
            table.rows.append(record)
            table.row_numbers.append(row)

    def loaded(self, name: str) -> Table | None:
        table = self.tables.get(name)
        return table if table is not None and table.loaded else None

    # -- schema (Frictionless) ------------------------------------------------

    def check_schema(self) -> None:
        from frictionless import Dialect, Package, Resource, Schema, formats

        valid: set[str] = set()
        for table in self.tables.values():
            if not table.loaded:
                continue
            try:
                Schema.from_descriptor({**table.schema, "foreignKeys": []})
            except Exception as exc:  # frictionless raises its own FrictionlessException
                self.add(self.datapackage, None, None, "datapackage",
                         f"schema of {table.name} is invalid: {str(exc).strip()}")
                continue
            valid.add(table.name)
        with tempfile.TemporaryDirectory(prefix="armsledger-validate-") as folder:
            resources = []
            for table in self.tables.values():
                if table.name not in valid:
                    continue
                try:
                    schema = Schema.from_descriptor(self.checkable_schema(table, valid))
                except Exception as exc:
                    self.add(self.datapackage, None, None, "datapackage",
                             f"foreign keys of {table.name} are invalid: {str(exc).strip()}")
                    continue
                # Frictionless reads a clean copy: UTF-8, one column per schema field, in
                # schema order. Inline data would be deep-copied for every foreign-key lookup.
                name = f"{len(resources)}.csv"
                with open(Path(folder) / name, "w", encoding="utf-8", newline="") as out:
                    writer = csv.writer(out, lineterminator="\n")
                    writer.writerow(table.fields)
                    writer.writerows([row[f] for f in table.fields] for row in table.rows)
                dialect = Dialect(controls=[formats.CsvControl(delimiter=",", quote_char='"')])
                resources.append(Resource(path=name, basepath=folder, name=table.name, schema=schema,
                                          format="csv", encoding="utf-8", dialect=dialect))
            if not resources:
                return
            try:
                report = Package(resources=resources, basepath=folder).validate(limit_errors=10**9)
            except Exception as exc:
                self.add(self.datapackage, None, None, "schema",
                         f"Frictionless could not check the tables: {str(exc).strip()}")
                return
        for task in report.tasks:
            table = self.tables[task.name]
            for error in task.errors:
                self.translate(table, error)

    def checkable_schema(self, table: Table, valid: set[str]) -> dict:
        """The table's schema without foreign keys that would only repeat a missing-table or
        missing-column problem once per row."""
        descriptor = copy.deepcopy(table.schema)
        kept = []
        for fk in descriptor.get("foreignKeys", []) or []:
            reference = fk.get("reference", {}) if isinstance(fk, dict) else {}
            target_name = reference.get("resource") or table.name
            if target_name not in self.tables:
                self.add(self.datapackage, None, None, "datapackage",
                         f'a foreign key of {table.name} refers to unknown resource "{target_name}"')
                continue
            target = self.tables[target_name]
            fields = fk.get("fields")
            fields = [fields] if isinstance(fields, str) else fields or []
            ref_fields = reference.get("fields")
            ref_fields = [ref_fields] if isinstance(ref_fields, str) else ref_fields or []
            if (target_name in valid and not set(fields) & table.missing_columns
                    and not set(ref_fields) & target.missing_columns):
                kept.append(fk)
        descriptor["foreignKeys"] = kept
        return descriptor

    def translate(self, table: Table, error) -> None:
        row_number = getattr(error, "row_number", None)
        index = row_number - 2 if isinstance(row_number, int) else None
        if index is None or not 0 <= index < len(table.rows):
            self.add(table.path, None, None, "schema", error.message.strip())
            return
        kind = error.type
        if kind == "blank-row":
            self.at(table, index, None, "blank-row", "no value in any column of the schema")
            return
        if kind in ("unique-error", "primary-key"):
            name = getattr(error, "field_name", None) or table.primary_key
            if name and name not in table.missing_columns:
                self.duplicate(table, index, name)
            return
        if kind == "foreign-key":
            ref_table = error.reference_name or table.name
            for name, cell, ref_field in zip(error.field_names, error.field_cells,
                                             error.reference_field_names, strict=False):
                self.at(table, index, name, "foreign-key", f'"{cell}" does not match any {ref_table}.{ref_field}')
            return
        name = getattr(error, "field_name", None)
        if name is None or name in table.missing_columns:
            if name is None:
                self.at(table, index, None, "schema", error.message.strip())
            return
        cell = str(getattr(error, "cell", ""))
        definition = table.field_defs.get(name, {})
        if definition.get("type") in ("number", "integer") and _non_finite(cell):
            return  # reported by check_numbers
        if kind == "type-error":
            type_name = definition.get("type", "string")
            fmt = definition.get("format", "default")
            if type_name == "string" and fmt != "default":
                self.at(table, index, name, "format", f'must be a {fmt.upper()}, got "{cell}"')
            else:
                hint = TYPE_HINTS.get(type_name, f"of type {type_name}")
                self.at(table, index, name, "type", f'must be {hint}, got "{cell}"')
            return
        if kind == "constraint-error":
            match = re.search(r'constraint "(\w+)"', error.note or "")
            constraint = match.group(1) if match else "constraint"
            value = definition.get("constraints", {}).get(constraint)
            if constraint == "required":
                self.at(table, index, name, "required", "is required")
            elif constraint == "enum":
                options = ", ".join(str(v) for v in value or [])
                self.at(table, index, name, "enum", f'must be one of {options}, got "{cell}"{_spaces_hint(cell)}')
            elif constraint == "pattern":
                hint = PATTERN_HINTS.get(value, f"match {value}")
                self.at(table, index, name, "pattern", f'must be {hint}, got "{cell}"{_spaces_hint(cell)}')
            elif constraint == "minimum":
                self.at(table, index, name, "minimum", f'must be at least {value}, got "{cell}"')
            elif constraint == "maximum":
                self.at(table, index, name, "maximum", f'must be at most {value}, got "{cell}"')
            else:
                self.at(table, index, name, "constraint", f'violates {constraint} {value}, got "{cell}"')
            return
        self.at(table, index, name, "schema", error.message.strip())

    def duplicate(self, table: Table, index: int, name: str) -> None:
        value = table.rows[index][name]
        if name == table.primary_key:
            first = self.first_row.get(table.name, {}).get(value.strip())
        else:
            first = next((table.row_numbers[i] for i, row in enumerate(table.rows) if row[name] == value), None)
        where = f" (first at row {first})" if first is not None else ""
        self.at(table, index, name, "duplicate-id", f'duplicate id "{value}"{where}')

    # -- own rules ------------------------------------------------------------

    def index_ids(self) -> None:
        """Remember where each primary-key value first occurs, per table."""
        for table in self.tables.values():
            pk = table.primary_key
            first: dict[str, int] = {}
            if table.loaded and pk and pk not in table.missing_columns:
                for index, row in enumerate(table.rows):
                    value = row[pk].strip()
                    if value:
                        first.setdefault(value, index)
            self.first_index[table.name] = first
            self.first_row[table.name] = {k: table.row_numbers[i] for k, i in first.items()}

    def check_shared_ids(self) -> None:
        owner: dict[str, Table] = {}
        for table in self.tables.values():
            pk = table.primary_key
            if not table.loaded or not pk or pk in table.missing_columns:
                continue
            for i, row in enumerate(table.rows):
                value = row[pk].strip()
                if not value:
                    continue
                other = owner.get(value)
                if other is None:
                    owner[value] = table
                elif other is not table:
                    first = self.first_row[other.name][value]
                    self.at(table, i, pk, "shared-id",
                            f'id "{value}" is already used at {display_path(other.path)}:{first}; '
                            "ids must be unique across all tables")
        self.owner = owner

    def check_numbers(self) -> None:
        for table in self.tables.values():
            numeric = [n for n, f in table.field_defs.items() if f.get("type") in ("number", "integer")]
            for i, row in enumerate(table.rows):
                for name in numeric:
                    if _non_finite(row[name]):
                        self.at(table, i, name, "type", f'must be a finite number, got "{row[name]}"')

    def check_edtf(self) -> None:
        for table in self.tables.values():
            for name in table.edtf_fields():
                if name in table.missing_columns:
                    continue
                for i, row in enumerate(table.rows):
                    value = row[name]
                    if not value.strip():
                        continue
                    try:
                        parse_edtf(value)
                    except EDTFError as exc:
                        self.at(table, i, name, "edtf", str(exc))

    def check_money(self) -> None:
        for table in self.tables.values():
            if "amount" not in table.fields:
                continue
            for i, row in enumerate(table.rows):
                amount, high = row["amount"].strip(), row.get("amount_max", "").strip()
                kind = row.get("amount_kind", "").strip()
                currency = row.get("currency", "").strip()
                if high and kind != "range":
                    self.at(table, i, "amount_max", "amount-max",
                            f'amount_max is only for amount_kind=range (amount_kind is "{kind}")')
                elif high:
                    low_value, high_value = figures.as_decimal(amount), figures.as_decimal(high)
                    if low_value is not None and high_value is not None and high_value < low_value:
                        self.at(table, i, "amount_max", "amount-max",
                                f"must be at least amount ({high} < {amount})")
                elif kind == "range" and "amount_max" in table.fields:
                    self.at(table, i, "amount_max", "amount-max", "amount_kind=range needs amount_max")
                if "amount_kind" in table.fields and "amount_kind" not in table.missing_columns:
                    if amount and not kind:
                        self.at(table, i, "amount_kind", "amount-kind",
                                "an amount needs amount_kind (exact, approx, at_least, at_most or range)")
                    elif kind == "range" and not amount and high:
                        self.at(table, i, "amount", "amount-kind", "a range needs amount, its low end")
                if (amount or high) and not currency and "currency" in table.fields:
                    self.at(table, i, "currency", "currency-missing", "a currency is required when an amount is given")
                if kind == "undisclosed" and amount:
                    self.at(table, i, "amount", "undisclosed-amount",
                            f'must be blank when amount_kind=undisclosed, got "{amount}"')
                if re.fullmatch(r"[A-Z]{3}", currency) and not _is_currency(currency):
                    self.at(table, i, "currency", "currency-code", f'"{currency}" is not an ISO 4217 currency code')

    def check_operator_scope(self) -> None:
        """An operator narrows a count of flights; on a money total it would be silently ignored."""
        table = self.tables.get("aggregates")
        if table is None or "operator_id" not in table.fields or "scope" not in table.fields:
            return
        for i, row in enumerate(table.rows):
            scope = row["scope"].strip()
            if row["operator_id"].strip() and scope != "military_flights":
                self.at(table, i, "operator_id", "operator-scope",
                        f'operator_id is only for scope=military_flights (scope is "{scope}")')

    def check_countries(self) -> None:
        for table in self.tables.values():
            names = [n for n in table.fields if n == "country" or n.endswith("_country")]
            for i, row in enumerate(table.rows):
                for name in names:
                    value = row[name].strip()
                    if re.fullmatch(r"[A-Z]{3}", value) and not _is_country(value):
                        self.at(table, i, name, "country-code",
                                f'"{value}" is not an ISO 3166-1 alpha-3 country code (current or historic)')

    def check_certainty(self) -> None:
        for table in self.tables.values():
            if "certainty_override" not in table.fields:
                continue
            for i, row in enumerate(table.rows):
                override = row["certainty_override"].strip()
                if override and not row.get("certainty_note", "").strip():
                    self.at(table, i, "certainty_note", "certainty-note",
                            f'certainty_override "{override}" needs a certainty_note saying why')

    def check_cycles(self) -> None:
        sources = self.loaded("sources")
        if sources is None or "derived_from" in sources.missing_columns:
            return
        parent: dict[str, str] = {}
        position: dict[str, int] = {}
        for i, row in enumerate(sources.rows):
            sid = row["source_id"].strip()
            if sid and sid not in position:
                position[sid] = i
                parent[sid] = row["derived_from"].strip()
        done: set[str] = set()
        for start in position:
            path: list[str] = []
            on_path: dict[str, int] = {}
            node = start
            while node and node in position and node not in done and node not in on_path:
                on_path[node] = len(path)
                path.append(node)
                node = parent[node]
            if node in on_path:
                cycle = path[on_path[node]:]
                first = min(cycle, key=position.__getitem__)
                turn = cycle.index(first)
                ordered = cycle[turn:] + cycle[:turn]
                if len(ordered) == 1:
                    message = f'source "{first}" derives from itself'
                else:
                    message = "derived_from forms a cycle: " + " → ".join([*ordered, first])
                self.at(sources, position[first], "derived_from", "derived-cycle", message)
            done.update(path)

    def check_lists(self) -> None:
        for (name, column), targets in LIST_REFERENCES.items():
            table = self.loaded(name)
            if table is None or column in table.missing_columns:
                continue
            if targets is None:
                ids = self.owner.keys()
                described = "id in any table"
            else:
                target_tables = [self.loaded(t) for t in targets]
                if any(t is None for t in target_tables):
                    continue
                ids = set().union(*(self.first_row[t] for t in targets))
                described = " or ".join(f"{t}.{self.tables[t].primary_key}" for t in targets)
            for i, row in enumerate(table.rows):
                value = row[column]
                if not value.strip():
                    continue
                for item in value.split("|"):
                    if not item.strip():
                        self.at(table, i, column, "list-item", f'empty item in the |-separated list "{value}"')
                    elif item != item.strip():
                        self.at(table, i, column, "list-item", f'item "{item}" has spaces around it')
                    elif item not in ids:
                        self.at(table, i, column, "foreign-key", f'"{item}" does not match any {described}')

    # -- evidence ---------------------------------------------------------------

    def check_evidence(self) -> None:
        claims = self.loaded("claims")
        if claims is None or not {"record_id", "stance"} <= set(claims.fields) - claims.missing_columns:
            return  # without these columns every record would look unsupported
        if not claims.rows:
            return  # reported once as empty-table, not once per record
        records: dict[str, tuple[Table, int]] = {}
        for name in RECORD_TABLES:
            table = self.loaded(name)
            pk = table.primary_key if table else None
            if table is None or pk is None or pk in table.missing_columns:
                continue
            for i, row in enumerate(table.rows):
                if row[pk].strip():
                    records.setdefault(row[pk].strip(), (table, i))
        all_loaded = all(
            (t := self.loaded(name)) is not None and t.primary_key and t.primary_key not in t.missing_columns
            for name in RECORD_TABLES
        )
        by_record: dict[str, list[int]] = defaultdict(list)
        for c, claim in enumerate(claims.rows):
            record_id = claim["record_id"].strip()
            figure = claim.get("figure", "")
            listed = claim.get("fields", "")
            if figure.strip() and not listed.strip():
                self.at(claims, c, "fields", "figure-fields", "a claim with a figure must name the fields it supports")
            if figures.figure_too_long(figure):
                self.at(claims, c, "figure", "figure-length",
                        f"{len(figure.split())} words; a figure is the value as printed, "
                        f"at most {figures.FIGURE_MAX_WORDS} words")
            if not record_id:
                continue
            if record_id not in records:
                if not all_loaded:
                    continue  # the record may be in a table that could not be read
                other = self.owner.get(record_id)
                hint = f" (it is an id in {other.name}; claims cite records)" if other else ""
                self.at(claims, c, "record_id", "claim-record",
                        f'"{record_id}" does not match any record id in {", ".join(RECORD_TABLES)}{hint}')
                continue
            table, _ = records[record_id]
            for item in listed.split("|") if listed.strip() else []:
                if item.strip() not in table.fields:
                    self.at(claims, c, "fields", "claim-fields",
                            f'"{item.strip()}" is not a column of {table.name}')
            by_record[record_id].append(c)
        for record_id, (table, i) in records.items():
            supporting = [c for c in by_record.get(record_id, [])
                          if claims.rows[c]["stance"].strip() == "supports"]
            if not supporting:
                others = len(by_record.get(record_id, []))
                extra = f" ({others} claim(s) contradict or deny it)" if others else ""
                self.at(table, i, table.primary_key, "no-claim",
                        f'no claim with stance "supports" cites record "{record_id}"{extra}')
                continue
            self.check_agreement(table, i, claims, supporting)

    def source_language(self, source_id: str) -> str | None:
        sources = self.loaded("sources")
        if sources is None:
            return None
        if self._languages is None:
            self._languages = {r["source_id"].strip(): r.get("language", "").strip() or None
                               for r in sources.rows}
        return self._languages.get(source_id.strip())

    def check_agreement(self, table: Table, i: int, claims: Table, supporting: list[int]) -> None:
        row = table.rows[i]
        listed: dict[str, list[int]] = defaultdict(list)
        for c in supporting:
            claim = claims.rows[c]
            if not claim.get("figure", "").strip():
                continue
            for item in claim.get("fields", "").split("|"):
                name = item.strip()
                if name in table.fields and c not in listed[name]:
                    listed[name].append(c)
        for name, claim_rows in listed.items():
            kind = figures.field_kind(name, table.primary_key)
            if kind in ("money", "date", "count"):
                self.check_value_field(table, i, name, kind, claims, claim_rows)
            else:
                self.check_text_field(table, i, name, kind, claims, claim_rows)
        amount = row.get("amount", "").strip()
        if amount and "amount" not in listed and figures.as_decimal(amount) is not None:
            self.at(table, i, "amount", "figure-agreement",
                    f"{_money_text(row)} is backed by no supporting claim figure; add the figure as "
                    "printed to a claim and list amount in its fields")

    def check_value_field(self, table: Table, i: int, name: str, kind: str,
                          claims: Table, claim_rows: list[int]) -> None:
        if name in table.missing_columns:
            return  # reported once as missing-column, not once per row
        row = table.rows[i]
        value = row[name].strip()
        if kind == "date" and value:
            try:
                parse_edtf(value)
            except EDTFError:
                return  # reported by check_edtf
        if kind in ("money", "count") and value and figures.as_decimal(value) is None:
            return  # reported as a type problem
        readings = []
        agreed = False
        for c in claim_rows:
            claim = claims.rows[c]
            figure = claim["figure"].strip()
            try:
                parsed = figures.parse_figure(kind, figure, self.source_language(claim.get("source_id", "")))
            except figures.FigureError as exc:
                self.at(claims, c, "figure", "figure-unparsed",
                        f'"{figure}" cannot be read as {KIND_HINTS[kind]} for {table.name}.{name}: {exc}')
                continue
            if not value:
                agrees = False
            elif isinstance(parsed, figures.Money):
                # A blank or invalid currency is reported by the money rules; compare amounts only.
                currency = row.get("currency", "").strip()
                currency = currency if _is_currency(currency) else None
                agrees = figures.money_agrees(parsed, value, currency, upper=name == "amount_max")
            elif isinstance(parsed, figures.DateFigure):
                agrees = figures.date_agrees(parsed, value)
            else:
                agrees = figures.count_agrees(parsed, value)
            agreed = agreed or agrees
            readings.append(f'claim {claim["claim_id"]}: "{figure}" = {parsed.describe()}')
        if agreed or not readings:
            return
        shown = _money_text(row, name) if kind == "money" else value
        if not value:
            message = f"is blank, but supporting claims give it a figure ({'; '.join(readings)})"
        else:
            message = f"{shown} agrees with no claim figure ({'; '.join(readings)})"
        self.at(table, i, name, "figure-agreement", message)

    def check_text_field(self, table: Table, i: int, name: str, kind: str,
                         claims: Table, claim_rows: list[int]) -> None:
        if name in table.missing_columns:
            return
        row = table.rows[i]
        value = row[name].strip()
        record_id = row[table.primary_key] if table.primary_key else ""
        names: list[str] | None = None
        if kind == "reference" and value:
            names = self.reference_names(table, name, value)
        for c in claim_rows:
            figure = claims.rows[c]["figure"].strip()
            if not value:
                message = f'"{figure}" is cited for {table.name}.{name}, which is blank in record "{record_id}"'
            elif names is not None:
                if not names or figures.reference_agrees(figure, names):
                    continue
                message = (f'"{figure}" does not match {table.name}.{name} of record "{record_id}" '
                           f'({"; ".join(names)})')
            else:
                if value and figures.text_agrees(figure, value):
                    continue
                message = f'"{figure}" does not match {table.name}.{name} "{value}" of record "{record_id}"'
            self.at(claims, c, "figure", "figure-agreement", message)

    def reference_names(self, table: Table, name: str, value: str) -> list[str]:
        """Names, aliases or labels of the rows a reference field points to; [] if unresolved."""
        targets: tuple[str, ...] | None
        if (table.name, name) in LIST_REFERENCES:
            targets = LIST_REFERENCES[(table.name, name)]
        elif name in table.references():
            targets = (table.references()[name][0],)
        else:
            targets = None
        names: list[str] = []
        for ref_id in (v.strip() for v in value.split("|")):
            if targets is None:
                owner = self.owner.get(ref_id)
            else:
                owner = next((self.tables[t] for t in targets if ref_id in self.first_index.get(t, {})), None)
            if owner is None or ref_id not in self.first_index.get(owner.name, {}):
                continue
            ref_row = owner.rows[self.first_index[owner.name][ref_id]]
            for column in LABEL_COLUMNS:
                names.extend(label.strip() for label in ref_row.get(column, "").split("|") if label.strip())
            if owner.name != ENTITY_TABLE:
                names.append(ref_id)
        return names

    # -- archive ----------------------------------------------------------------

    def check_archive(self) -> None:
        folder = self.archive_dir
        if folder is None:
            return
        stats = ArchiveStats(folder)
        self.archive_stats = stats
        if not folder.is_dir():
            found = "is a file, not a folder" if folder.is_file() else "archive folder not found"
            self.add(folder, None, None, "archive-missing", found)
        sources, claims = self.loaded("sources"), self.loaded("claims")
        if sources is None or claims is None:
            return
        texts: dict[str, str | None] = {}
        for i, row in enumerate(sources.rows):
            name = row.get("archive", "").strip()
            sid = row["source_id"].strip()
            if not name or sid in texts:
                continue
            path = folder / name
            if not path.resolve().is_relative_to(folder.resolve()):
                texts[sid] = None
                self.at(sources, i, "archive", "archive-missing",
                        f'"{name}" must name a file inside the archive folder {display_path(folder)}')
                continue
            if folder.is_dir() and path.is_file():
                text, _ = decode_utf8(path.read_bytes())
                texts[sid] = figures.normalise_for_archive(text)
            else:
                texts[sid] = None
                if folder.is_dir():
                    self.at(sources, i, "archive", "archive-missing",
                            f'"{name}" not found in {display_path(folder)}')
        for c, claim in enumerate(claims.rows):
            figure = claim.get("figure", "").strip()
            if not figure:
                stats.blank += 1
                continue
            sid = claim["source_id"].strip()
            if sid not in texts:
                stats.unverified += 1
                continue
            text = texts[sid]
            if text is None:
                stats.file_missing += 1
            elif figures.occurs_in_archive(figure, text):
                stats.verified += 1
            else:
                stats.failed += 1
                self.at(claims, c, "figure", "archive-figure",
                        f'"{figure}" does not occur in the archived text of source "{sid}"')

    # -- driver -------------------------------------------------------------------

    def run(self) -> ValidationResult:
        resources = self.load_datapackage()
        if resources is not None:
            self.load_tables(resources)
            self.index_ids()
            self.check_schema()
            self.check_shared_ids()
            self.check_numbers()
            self.check_edtf()
            self.check_money()
            self.check_operator_scope()
            self.check_countries()
            self.check_certainty()
            self.check_cycles()
            self.check_lists()
            self.check_evidence()
            self.check_archive()
        return ValidationResult(
            data_dir=self.data_dir,
            problems=sorted(self.without_echoes(), key=self.sort_key),
            tables={t.name: t.rows for t in self.tables.values() if t.loaded},
            row_numbers={t.name: t.row_numbers for t in self.tables.values() if t.loaded},
            archive=self.archive_stats,
        )

    def without_echoes(self) -> list[Problem]:
        """Drop a foreign-key problem on a cell already reported as malformed ("Bad Id" breaks the
        slug pattern; that it also matches no row is the same mistake said twice)."""
        malformed = {(p.path, p.row, p.column) for p in self.problems.values()
                     if p.rule in ("pattern", "type", "list-item") and p.row is not None}
        return [p for p in self.problems.values()
                if not (p.rule == "foreign-key" and (p.path, p.row, p.column) in malformed)]

    def sort_key(self, problem: Problem) -> tuple:
        by_path = {t.path: t for t in self.tables.values()}
        table = by_path.get(problem.path)
        table_order = table.order if table else len(by_path)
        if problem.path == self.datapackage:
            table_order = -1
        columns = table.fields if table else []
        column = columns.index(problem.column) if problem.column in columns else len(columns)
        return (table_order, problem.row or 0, column, problem.rule, problem.message)


def _money_text(row: dict[str, str], name: str = "amount") -> str:
    return f"{row.get(name, '').strip()} {row.get('currency', '').strip()}".strip()


@cache
def _is_currency(code: str) -> bool:
    return bool(re.fullmatch(r"[A-Z]{3}", code)) and pycountry.currencies.get(alpha_3=code) is not None


@cache
def _is_country(code: str) -> bool:
    return (code in EXTRA_COUNTRIES or pycountry.countries.get(alpha_3=code) is not None
            or pycountry.historic_countries.get(alpha_3=code) is not None)


def validate(data_dir: Path, archive_dir: Path | None = None) -> ValidationResult:
    """Check every table in `data_dir` (and claim figures against `archive_dir`); never raises
    for bad input."""
    return _Validator(Path(data_dir), Path(archive_dir) if archive_dir is not None else None).run()
