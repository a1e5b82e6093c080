"""Reading a ledger for validation: the descriptor, each table's header and rows (through the CSV
reader the Ledger uses), the index of ids; and the structural rules (headers, ids shared across
tables, `|`-separated id lists)."""

from __future__ import annotations

import datetime as dt
import difflib
import json
from dataclasses import dataclass, field
from pathlib import Path

from armsledger.model import schema as schema_module
from armsledger.model.csvfile import CsvFile, decode_utf8, read_csv
from armsledger.validate.problems import EvidenceStats, Problem, display_path

# Core tables whose rows everything else cites; a header-only copy of one is a mistake, not a ledger.
NEVER_EMPTY = {"sources": "a source", "entities": "its parties", "claims": "a supporting claim"}


class Row(dict):
    """A row's cells by column name; a column the schema lacks reads as blank."""

    def __missing__(self, key: str) -> str:
        return ""


@dataclass
class Table:
    """One resource: its schema (as the model reads it) and the rows read from its CSV file."""

    spec: schema_module.Table
    path: Path
    order: int
    loaded: bool = False
    header: list[str] = field(default_factory=list)
    missing_columns: set[str] = field(default_factory=set)
    rows: list[Row] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def fields(self) -> tuple[str, ...]:
        return self.spec.field_names

    @property
    def primary_key(self) -> str | None:
        return self.spec.primary_key

    @property
    def descriptor(self) -> dict:
        return self.spec.descriptor["schema"]

    def definition(self, name: str) -> dict:
        spec = self.spec.field(name)
        return spec.descriptor if spec else {}

    def present(self, kind: str) -> list[str]:
        """Fields of `kind` that the file has a column for."""
        return [name for name in self.spec.of_kind(kind) if name not in self.missing_columns]


class Context:
    """Everything validation has read and found so far, shared by the checks of each module."""

    def __init__(self, data_dir: Path, archive_dir: Path | None, today: dt.date | None = None):
        self.data_dir = data_dir
        # Publication dates are checked against this day (no source is published in the future).
        self.today = today or dt.date.today()
        self.archive_dir = archive_dir
        self.datapackage = data_dir / schema_module.DESCRIPTOR
        self.problems: dict[tuple, Problem] = {}
        self.tables: dict[str, Table] = {}
        # table → primary-key value → first data index / spreadsheet row
        self.first_index: dict[str, dict[str, int]] = {}
        self.first_row: dict[str, dict[str, int]] = {}
        # primary-key value → the table that first uses it
        self.owner: dict[str, Table] = {}
        self.warnings: dict[tuple, Problem] = {}
        self.stats = EvidenceStats()

    def add(self, path: Path, row: int | None, column: str | None, rule: str, message: str) -> None:
        self.problems.setdefault((path, row, column, rule, message), Problem(path, row, column, rule, message))

    def at(self, table: Table, index: int, column: str | None, rule: str, message: str) -> None:
        self.add(table.path, table.row_numbers[index], column, rule, message)

    def warn(self, table: Table, index: int, column: str | None, rule: str, message: str) -> None:
        path, row = table.path, table.row_numbers[index]
        self.warnings.setdefault((path, row, column, rule, message),
                                 Problem(path, row, column, rule, message, severity="warning"))

    def package_problem(self, message: str, rule: str = "datapackage") -> None:
        self.add(self.datapackage, None, None, rule, message)

    def loaded(self, name: str) -> Table | None:
        table = self.tables.get(name)
        return table if table is not None and table.loaded else None

    def with_role(self, role: str) -> list[Table]:
        return [t for t in self.tables.values() if t.spec.role == role]

    def core(self, role: str) -> Table | None:
        """The loaded sources, entities or claims table."""
        found = [t for t in self.with_role(role) if t.loaded]
        return found[0] if len(found) == 1 else None

    @property
    def records(self) -> list[Table]:
        return self.with_role("record")


def load_descriptor(ctx: Context) -> list[dict] | None:
    """The resources of datapackage.json that can be read as tables; what is wrong with the rest is reported."""
    path = ctx.datapackage
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        ctx.package_problem("file not found; the data folder needs its schema", "missing-file")
        return None
    except OSError as exc:
        ctx.package_problem(f"cannot be read: {exc.strerror or exc}", "missing-file")
        return None
    text, issue = decode_utf8(data)
    if issue is not None:
        ctx.package_problem(issue.message, issue.rule)
    try:
        descriptor = json.loads(text)
    except json.JSONDecodeError as exc:
        ctx.package_problem(f"not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}")
        return None
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list):
        ctx.package_problem("has no list of resources")
        return None
    good = []
    names: set[str] = set()
    for number, resource in enumerate(resources, start=1):
        ok = (isinstance(resource, dict) and isinstance(resource.get("name"), str)
              and isinstance(resource.get("path"), str)
              and isinstance(resource.get("schema"), dict)
              and isinstance(resource["schema"].get("fields"), list))
        if ok and (Path(resource["path"]).is_absolute() or ".." in Path(resource["path"]).parts):
            ctx.package_problem(f'resource "{resource["name"]}" must name a file inside the data folder')
            continue
        if ok and resource["name"] in names:
            ctx.package_problem(f'resource name "{resource["name"]}" is used twice')
            continue
        if ok:
            names.add(resource["name"])
            good.append(resource)
        else:
            ctx.package_problem(f"resource {number} needs a name, a path and a schema with fields")
    return good


def load_tables(ctx: Context, resources: list[dict]) -> None:
    for order, resource in enumerate(resources):
        annotation_problems: list[str] = []
        spec = schema_module.table_from_resource(resource, annotation_problems)
        for message in annotation_problems:
            ctx.package_problem(message)
        table = Table(spec, ctx.data_dir / resource["path"], order)
        ctx.tables[table.name] = table
        load_table(ctx, table, read_csv(table.path))
    roles = [t.spec.role for t in ctx.tables.values()]
    for role in schema_module.CORE_ROLES:
        if roles.count(role) != 1:
            ctx.package_problem(f"needs exactly one resource with {schema_module.ANNOTATION}.role \"{role}\", "
                                f"found {roles.count(role)}; the ledger needs its sources, entities and claims")


def load_table(ctx: Context, table: Table, csv_file: CsvFile) -> None:
    for issue in csv_file.issues:
        ctx.add(table.path, issue.row, issue.column, issue.rule, issue.message)
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
            ctx.add(table.path, 1, name, "duplicate-header",
                    f'column "{name}" appears more than once (columns {index[name] + 1} '
                    f"and {position + 1}); the first is used")
            continue
        index[name] = position
        if name in known:
            continue
        if not name.strip():
            ctx.add(table.path, 1, None, "unknown-column", f"column {position + 1} has no name")
            continue
        close = difflib.get_close_matches(name, table.fields, n=1)
        hint = f'; did you mean "{close[0]}"?' if close else ""
        ctx.add(table.path, 1, name, "unknown-column",
                f'"{name}" is not a field of {table.name} in datapackage.json{hint}')
    for name in table.fields:
        if name not in index:
            table.missing_columns.add(name)
            ctx.add(table.path, 1, name, "missing-column", "column is missing from the header")
    role = table.spec.role
    if not csv_file.rows and role in NEVER_EMPTY:
        ctx.add(table.path, None, None, "empty-table",
                f"has a header but no rows; every record needs {NEVER_EMPTY[role]}")
    width = len(header)
    positions = [(name, index[name]) for name in table.fields if name in index]
    for cells, row in zip(csv_file.rows, csv_file.row_numbers, strict=True):
        if len(cells) != width:
            ctx.add(table.path, row, None, "ragged-row", f"has {len(cells)} cells but the header has {width}")
        record = Row.fromkeys(table.fields, "")
        for name, position in positions:
            if position < len(cells):
                record[name] = cells[position]
        table.rows.append(record)
        table.row_numbers.append(row)


def index_ids(ctx: Context) -> None:
    """Remember where each primary-key value first occurs, per table."""
    for table in ctx.tables.values():
        pk = table.primary_key
        first: dict[str, int] = {}
        if table.loaded and pk and pk not in table.missing_columns:
            for index, row in enumerate(table.rows):
                value = row[pk].strip()
                if value:
                    first.setdefault(value, index)
        ctx.first_index[table.name] = first
        ctx.first_row[table.name] = {k: table.row_numbers[i] for k, i in first.items()}


def check_shared_ids(ctx: Context) -> None:
    owner: dict[str, Table] = {}
    for table in ctx.tables.values():
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
                first = ctx.first_row[other.name][value]
                ctx.at(table, i, pk, "shared-id",
                       f'id "{value}" is already used at {display_path(other.path)}:{first}; '
                       "ids must be unique across all tables")
    ctx.owner = owner


def check_lists(ctx: Context) -> None:
    """`|`-separated id lists (fields of kind id_list), which Frictionless cannot check."""
    for table in ctx.tables.values():
        if not table.loaded:
            continue
        for column in table.present("id_list"):
            targets = table.spec.field(column).list_of
            if targets is None:
                ids = ctx.owner.keys()
                described = "id in any table"
            else:
                if any(ctx.loaded(t) is None for t in targets):
                    continue
                ids = set().union(*(ctx.first_row[t] for t in targets))
                described = " or ".join(f"{t}.{ctx.tables[t].primary_key}" for t in targets)
            for i, row in enumerate(table.rows):
                value = row[column]
                if not value.strip():
                    continue
                for item in value.split("|"):
                    if not item.strip():
                        ctx.at(table, i, column, "list-item", f'empty item in the |-separated list "{value}"')
                    elif item != item.strip():
                        ctx.at(table, i, column, "list-item", f'item "{item}" has spaces around it')
                    elif item not in ids:
                        ctx.at(table, i, column, "foreign-key", f'"{item}" does not match any {described}')
