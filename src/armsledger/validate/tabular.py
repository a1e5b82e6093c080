"""Types, constraints, primary and foreign keys, checked by Frictionless and reported in the
project's own words (`must be a number, got "14m"`)."""

from __future__ import annotations

import copy
import csv
import math
import re
import tempfile
from pathlib import Path

from armsledger.model import cells
from armsledger.validate.structure import Context, Table

NON_FINITE = frozenset({"nan", "+nan", "-nan", "inf", "+inf", "-inf", "infinity", "+infinity",
                        "-infinity"})
SLUG = "^[a-z0-9]+(-[a-z0-9]+)*$"
# Frictionless stops checking a table after this many problems (each costs about a millisecond to
# make); no hand-edited table comes near it, and a pasted or generated one is reported in seconds.
LIMIT_ERRORS = 2000
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


def non_finite(cell: str) -> bool:
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


def check_schema(ctx: Context) -> None:
    from frictionless import Dialect, Package, Resource, Schema, formats

    valid: set[str] = set()
    for table in ctx.tables.values():
        if not table.loaded:
            continue
        try:
            Schema.from_descriptor({**table.descriptor, "foreignKeys": []})
        except Exception as exc:  # frictionless raises its own FrictionlessException
            ctx.package_problem(f"schema of {table.name} is invalid: {str(exc).strip()}")
            continue
        valid.add(table.name)
    written: dict[str, list[int]] = {}  # table → the row indexes given to Frictionless, in order
    with tempfile.TemporaryDirectory(prefix="armsledger-validate-") as folder:
        resources = []
        for table in ctx.tables.values():
            if table.name not in valid:
                continue
            try:
                schema = Schema.from_descriptor(_checkable_schema(ctx, table, valid))
            except Exception as exc:
                ctx.package_problem(f"foreign keys of {table.name} are invalid: {str(exc).strip()}")
                continue
            # Frictionless reads a clean copy: UTF-8, one column per schema field, in
            # schema order. Inline data would be deep-copied for every foreign-key lookup.
            name = f"{len(resources)}.csv"
            written[table.name] = _distinct_rows(table)
            with open(Path(folder) / name, "w", encoding="utf-8", newline="") as out:
                writer = csv.writer(out, lineterminator="\n")
                writer.writerow(table.fields)
                writer.writerows([table.rows[i][f] for f in table.fields] for i in written[table.name])
            dialect = Dialect(controls=[formats.CsvControl(delimiter=",", quote_char='"')])
            resources.append(Resource(path=name, basepath=folder, name=table.name, schema=schema,
                                      format="csv", encoding="utf-8", dialect=dialect))
        if not resources:
            return
        try:
            report = Package(resources=resources, basepath=folder).validate(limit_errors=LIMIT_ERRORS)
        except Exception as exc:
            ctx.package_problem(f"Frictionless could not check the tables: {str(exc).strip()}", "schema")
            return
    for task in report.tasks:
        table = ctx.tables[task.name]
        for error in task.errors:
            _translate(ctx, table, error, written[table.name])
        if len(task.errors) >= LIMIT_ERRORS:
            ctx.add(table.path, None, None, "schema",
                    f"types and constraints were checked up to the first {LIMIT_ERRORS:,} problems in this table; "
                    "fix those and validate again")


def _checkable_schema(ctx: Context, table: Table, valid: set[str]) -> dict:
    """The table's schema without foreign keys that would only repeat a missing-table or
    missing-column problem once per row."""
    descriptor = copy.deepcopy(table.descriptor)
    kept = []
    for fk in descriptor.get("foreignKeys", []) or []:
        reference = fk.get("reference", {}) if isinstance(fk, dict) else {}
        target_name = reference.get("resource") or table.name
        if target_name not in ctx.tables:
            ctx.package_problem(f'a foreign key of {table.name} refers to unknown resource "{target_name}"')
            continue
        target = ctx.tables[target_name]
        fields = fk.get("fields")
        fields = [fields] if isinstance(fields, str) else fields or []
        ref_fields = reference.get("fields")
        ref_fields = [ref_fields] if isinstance(ref_fields, str) else ref_fields or []
        if (target_name in valid and not set(fields) & table.missing_columns
                and not set(ref_fields) & target.missing_columns):
            kept.append(fk)
    descriptor["foreignKeys"] = kept
    # Uniqueness is checked by check_unique: Frictionless makes an error object per duplicate row at
    # about a millisecond each, and a pasted block of 200,000 copies of one row took minutes.
    descriptor.pop("primaryKey", None)
    for spec in descriptor.get("fields", []):
        if isinstance(spec, dict) and isinstance(spec.get("constraints"), dict):
            spec["constraints"].pop("unique", None)
    return descriptor


def unique_fields(table: Table) -> list[str]:
    """The primary key and the fields constrained `unique`, that the file has a column for."""
    names = [table.primary_key] if table.primary_key else []
    names += [f.name for f in table.spec.fields
              if (f.descriptor.get("constraints") or {}).get("unique") is True and f.name not in names]
    return [name for name in names if name not in table.missing_columns]


def check_unique(ctx: Context) -> None:
    """A primary-key or `unique` value that repeats within its table, located with its first row."""
    for table in ctx.tables.values():
        if not table.loaded:
            continue
        for name in unique_fields(table):
            first: dict[str, int] = {}
            for i, row in enumerate(table.rows):
                value = row[name]
                if not value:
                    continue
                seen = first.setdefault(value, i)
                if seen != i:
                    ctx.at(table, i, name, "duplicate-id",
                           f'duplicate id "{value}" (first at row {table.row_numbers[seen]})')


def _distinct_rows(table: Table) -> list[int]:
    """The indexes of the rows Frictionless needs to see: a row identical to an earlier one with the
    same (non-blank) id is a duplicate-id problem, and any other problem of its cells is reported on
    the first copy. A pasted block of 200,000 copies of one row is checked as one row."""
    key = table.primary_key if table.primary_key not in table.missing_columns else None
    seen: set[tuple[str, ...]] = set()
    kept = []
    for i, row in enumerate(table.rows):
        if key and row[key]:
            cells = tuple(row.values())
            if cells in seen:
                continue
            seen.add(cells)
        kept.append(i)
    return kept


def _translate(ctx: Context, table: Table, error, written: list[int]) -> None:
    row_number = getattr(error, "row_number", None)
    position = row_number - 2 if isinstance(row_number, int) else None
    index = written[position] if position is not None and 0 <= position < len(written) else None
    if index is None or not 0 <= index < len(table.rows):
        ctx.add(table.path, None, None, "schema", error.message.strip())
        return
    kind = error.type
    if kind == "blank-row":
        ctx.at(table, index, None, "blank-row", "no value in any column of the schema")
        return
    if kind == "foreign-key":
        ref_table = error.reference_name or table.name
        for name, cell, ref_field in zip(error.field_names, error.field_cells,
                                         error.reference_field_names, strict=False):
            ctx.at(table, index, name, "foreign-key", f'"{cell}" does not match any {ref_table}.{ref_field}')
        return
    name = getattr(error, "field_name", None)
    if name is None or name in table.missing_columns:
        if name is None:
            ctx.at(table, index, None, "schema", error.message.strip())
        return
    cell = str(getattr(error, "cell", ""))
    definition = table.definition(name)
    if definition.get("type") in ("number", "integer") and (
            non_finite(cell) or cells.number_problem(cell, definition.get("type") == "integer")):
        return  # reported by rules.check_numbers
    if kind == "type-error":
        type_name = definition.get("type", "string")
        fmt = definition.get("format", "default")
        if type_name == "string" and fmt != "default":
            ctx.at(table, index, name, "format", f'must be a {fmt.upper()}, got "{cell}"')
        else:
            hint = TYPE_HINTS.get(type_name, f"of type {type_name}")
            ctx.at(table, index, name, "type", f'must be {hint}, got "{cell}"')
        return
    if kind == "constraint-error":
        match = re.search(r'constraint "(\w+)"', error.note or "")
        constraint = match.group(1) if match else "constraint"
        value = definition.get("constraints", {}).get(constraint)
        if constraint == "required":
            ctx.at(table, index, name, "required", "is required")
        elif constraint == "enum":
            options = ", ".join(str(v) for v in value or [])
            ctx.at(table, index, name, "enum", f'must be one of {options}, got "{cell}"{_spaces_hint(cell)}')
        elif constraint == "pattern":
            hint = PATTERN_HINTS.get(value, f"match {value}")
            ctx.at(table, index, name, "pattern", f'must be {hint}, got "{cell}"{_spaces_hint(cell)}')
        elif constraint == "minimum":
            ctx.at(table, index, name, "minimum", f'must be at least {value}, got "{cell}"')
        elif constraint == "maximum":
            ctx.at(table, index, name, "maximum", f'must be at most {value}, got "{cell}"')
        else:
            ctx.at(table, index, name, "constraint", f'violates {constraint} {value}, got "{cell}"')
        return
    ctx.at(table, index, name, "schema", error.message.strip())
