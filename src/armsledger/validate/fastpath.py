"""A quick, conservative pass over the tables before Frictionless: when it finds nothing that
Frictionless could report (types, constraints, keys), Frictionless is not run at all.

Frictionless checks a ledger cell by cell in Python: about ten minutes of CPU for 300,000 records,
most of a large build. This pass checks the same things column by column on the rows already read.
It never reports a problem itself: anything it is not sure of (a type, format or constraint it does
not know, a number written as 1e5, a space around a value, a missing column) sends every table
through Frictionless, whose messages the validator translates. So a valid ledger is quick, and an
invalid one is checked exactly as before."""

from __future__ import annotations

import datetime as dt
import functools
import re

# Cells these accept are read by Frictionless as the same type; others may be too (Frictionless is
# more lenient), but then Frictionless decides.
_INTEGER = re.compile(r"-?[0-9]+")
_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_KNOWN_SCHEMA_KEYS = {"fields", "primaryKey", "foreignKeys", "missingValues"}
_KNOWN_CONSTRAINTS = {"required", "pattern", "enum", "minimum", "maximum", "unique"}
_KNOWN_FIELD_KEYS = {"name", "type", "format", "constraints", "description", "title", "armsledger"}


@functools.lru_cache(maxsize=1)
def _uri_validator():
    import rfc3986

    return rfc3986.validators.Validator().require_presence_of("scheme")


def _uri(cell: str) -> bool:
    """Frictionless's own test of a `uri` cell (rfc3986, a scheme required): the same answer."""
    import rfc3986

    try:
        _uri_validator().validate(rfc3986.uri_reference(cell))
    except rfc3986.exceptions.ValidationError:
        return False
    return True


def _typed(cell: str, type_name: str, fmt: str) -> tuple[bool, object]:
    """(sure, value): whether Frictionless certainly reads `cell` as `type_name`, and the value."""
    if cell != cell.strip():
        return False, None
    if type_name == "string":
        if fmt == "default":
            return True, cell
        return (fmt == "uri" and _uri(cell)), cell
    if fmt != "default":
        return False, None
    if type_name == "integer":
        return (True, int(cell)) if _INTEGER.fullmatch(cell) else (False, None)
    if type_name == "number":
        return (True, float(cell)) if _NUMBER.fullmatch(cell) else (False, None)
    if type_name == "date" and _DATE.fullmatch(cell):
        try:
            return True, dt.date.fromisoformat(cell)
        except ValueError:
            return False, None
    return False, None


def _column_clean(cells: list[str], definition: dict) -> bool:
    """No cell of a column breaks its type or constraints (as far as this pass can tell)."""
    if set(definition) - _KNOWN_FIELD_KEYS:
        return False
    constraints = definition.get("constraints", {}) or {}
    if set(constraints) - _KNOWN_CONSTRAINTS:
        return False
    type_name, fmt = definition.get("type", "string"), definition.get("format", "default")
    required = bool(constraints.get("required"))
    pattern = re.compile(constraints["pattern"]) if "pattern" in constraints else None
    enum = constraints.get("enum")
    if (enum is not None or pattern is not None) and type_name != "string":
        return False  # enum and pattern of typed values: Frictionless compares its own readings
    enum = set(enum) if enum is not None else None
    low, high = constraints.get("minimum"), constraints.get("maximum")
    if (low is not None or high is not None) and type_name not in ("integer", "number"):
        return False
    present = [c for c in cells if c != ""]  # the schema's one missing value is the empty cell
    if required and len(present) != len(cells):
        return False
    if constraints.get("unique") and len(set(present)) != len(present):
        return False
    for cell in present:
        sure, value = _typed(cell, type_name, fmt)
        if not sure:
            return False
        if pattern is not None and pattern.fullmatch(cell) is None:
            return False
        if enum is not None and cell not in enum:
            return False
        if (low is not None and value < low) or (high is not None and value > high):
            return False
    return True


def _keys_clean(name: str, schema: dict, columns: dict[str, dict[str, list[str]]],
                types: dict[str, dict[str, str]]) -> bool:
    """The primary key is filled and unique; every foreign key value is a value of the field it names."""
    pk = schema.get("primaryKey")
    pk = [pk] if isinstance(pk, str) else pk or []
    if len(pk) > 1:
        return False
    if pk:
        values = columns[name][pk[0]]
        if "" in values or len(set(values)) != len(values):
            return False
    for fk in schema.get("foreignKeys", []) or []:
        fields = fk.get("fields")
        fields = [fields] if isinstance(fields, str) else fields or []
        reference = fk.get("reference", {}) or {}
        target = reference.get("resource") or name
        ref_fields = reference.get("fields")
        ref_fields = [ref_fields] if isinstance(ref_fields, str) else ref_fields or []
        if len(fields) != 1 or len(ref_fields) != 1 or target not in columns:
            return False
        if types[name].get(fields[0]) != "string" or types[target].get(ref_fields[0]) != "string":
            return False
        allowed = set(columns[target][ref_fields[0]])
        if any(c != "" and c not in allowed for c in columns[name][fields[0]]):
            return False
    return True


def surely_clean(tables: list, schemas: dict[str, dict]) -> bool:
    """Whether Frictionless would certainly find nothing in `tables` (validate.structure.Table, all
    loaded) checked against `schemas` (table name → the schema Frictionless would get)."""
    columns: dict[str, dict[str, list[str]]] = {}
    types: dict[str, dict[str, str]] = {}
    for table in tables:
        schema = schemas[table.name]
        if table.missing_columns or set(schema) - _KNOWN_SCHEMA_KEYS or schema.get("missingValues", [""]) != [""]:
            return False
        if any(all(row[f] == "" for f in table.fields) for row in table.rows):
            return False  # a blank row
        columns[table.name] = {f: [row[f] for row in table.rows] for f in table.fields}
        types[table.name] = {d["name"]: d.get("type", "string") for d in schema["fields"]}
        if [d["name"] for d in schema["fields"]] != list(table.fields):
            return False
        for definition in schema["fields"]:
            if not _column_clean(columns[table.name][definition["name"]], definition):
                return False
    return all(_keys_clean(table.name, schemas[table.name], columns, types) for table in tables)
