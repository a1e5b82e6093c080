"""The ledger's schema, read from data/datapackage.json: its tables, their roles and the kind of
each field. Validator, ledger, build and data dictionary ask this module; none keeps its own list.

Frictionless checks types and constraints; what it cannot express lives in an `armsledger`
object on each resource (its role, the fields that place a record in time) and field (its kind,
whether claims may support it). Frictionless keeps such properties and ignores them; it rejects
an unknown `format`, so EDTF dates are declared as `"armsledger": {"kind": "edtf"}`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path

DESCRIPTOR = "datapackage.json"
ANNOTATION = "armsledger"

# What a table is to the ledger. Exactly one sources, entities and claims table; any number of
# record tables (the things claims support), vocabularies (lookup tables such as categories) and
# corrections (the log of what was wrong in published data; no notebook reads it).
ROLES = ("sources", "entities", "claims", "record", "vocabulary", "corrections")
CORE_ROLES = ("sources", "entities", "claims")
# What a notebook that reads every record table says in `notebook.setup(reads=...)`.
ALL_RECORD_TABLES = "all"
# What a field holds, beyond its Frictionless type.
KINDS = {
    "edtf": "an EDTF date or interval (checked with the edtf package)",
    "amount": "a money amount in the row's currency (figure agreement reads money figures)",
    "currency": "an ISO 4217 currency code",
    "count": "a count or factor (figure agreement reads counts)",
    "country": "an ISO 3166-1 alpha-3 country code",
    "id_list": "ids separated by `|`, of the tables named in `of` (\"any\": any table)",
    "prose": "our own wording; kept when an as-of edition hides the fields later sources gave",
}
# A field annotated `"plan": true` holds what was planned or announced (a delivery schedule, an
# announcement): a source may report it before the date it names.


class SchemaError(ValueError):
    """The descriptor does not describe a ledger this code can read."""


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    kind: str = ""
    claimable: bool = False
    names_row: bool = False
    plan: bool = False
    list_of: tuple[str, ...] | None = None  # for id_list: target tables; None = any table
    required: bool = False
    description: str = ""
    descriptor: dict = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class Table:
    name: str
    path: str
    title: str
    role: str
    primary_key: str | None
    fields: tuple[Field, ...]
    # Record tables: the fields that place a record in time, first non-blank wins, and the
    # reference whose record's date applies when all of them are blank.
    placed_by: tuple[str, ...] = ()
    placed_by_parent: str = ""
    foreign_keys: tuple[tuple[str, str, str], ...] = ()  # (field, target table, target field)
    descriptor: dict = field(default_factory=dict, compare=False, repr=False)

    @cached_property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    def of_kind(self, kind: str) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.kind == kind)

    @property
    def references(self) -> dict[str, tuple[str, str]]:
        """Single-field foreign keys: field → (table, field)."""
        return {name: (table, target) for name, table, target in self.foreign_keys}

    @property
    def has_money(self) -> bool:
        return "amount" in self.of_kind("amount")


@dataclass(frozen=True)
class Schema:
    tables: tuple[Table, ...]
    descriptor: dict = field(default_factory=dict, compare=False, repr=False)

    def table(self, name: str) -> Table:
        for table in self.tables:
            if table.name == name:
                return table
        raise KeyError(name)

    def __contains__(self, name: str) -> bool:
        return any(t.name == name for t in self.tables)

    def with_role(self, role: str) -> tuple[Table, ...]:
        return tuple(t for t in self.tables if t.role == role)

    def core(self, role: str) -> Table:
        """The sources, entities or claims table."""
        found = self.with_role(role)
        if len(found) != 1:
            raise SchemaError(f"the data package needs exactly one {role} table, found {len(found)}")
        return found[0]

    @property
    def records(self) -> tuple[Table, ...]:
        return self.with_role("record")

    @property
    def record_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.records)

    def files(self, data_dir: Path) -> list[Path]:
        return [Path(data_dir) / t.path for t in self.tables]


def _field(descriptor: dict, problems: list[str], table: str) -> Field:
    note = descriptor.get(ANNOTATION) or {}
    if not isinstance(note, dict):
        problems.append(f"field {table}.{descriptor['name']}: `{ANNOTATION}` must be an object")
        note = {}
    kind = note.get("kind", "")
    if kind and kind not in KINDS:
        problems.append(f"field {table}.{descriptor['name']}: unknown kind {kind!r} (known: {', '.join(KINDS)})")
        kind = ""
    list_of = note.get("of", "any")
    return Field(
        name=descriptor["name"],
        type=str(descriptor.get("type", "string")),
        kind=kind,
        claimable=bool(note.get("claimable", False)),
        names_row=bool(note.get("names_row", False)),
        plan=bool(note.get("plan", False)),
        list_of=None if list_of == "any" else tuple(list_of if isinstance(list_of, list) else [list_of]),
        required=bool((descriptor.get("constraints") or {}).get("required", False)),
        description=str(descriptor.get("description", "")),
        descriptor=descriptor,
    )


def _foreign_keys(schema: dict, table: str) -> tuple[tuple[str, str, str], ...]:
    keys = []
    for fk in schema.get("foreignKeys", []) or []:
        if not isinstance(fk, dict) or not isinstance(fk.get("reference"), dict):
            continue
        fields, ref = fk.get("fields"), fk["reference"]
        ref_fields = ref.get("fields")
        fields = [fields] if isinstance(fields, str) else fields
        ref_fields = [ref_fields] if isinstance(ref_fields, str) else ref_fields
        if fields and ref_fields and len(fields) == 1 and len(ref_fields) == 1:
            keys.append((fields[0], ref.get("resource") or table, ref_fields[0]))
    return tuple(keys)


def table_from_resource(resource: dict, problems: list[str] | None = None) -> Table:
    """One resource as a Table; annotation mistakes are appended to `problems` (or raise)."""
    found: list[str] = [] if problems is None else problems
    name = resource["name"]
    schema = resource["schema"]
    note = resource.get(ANNOTATION) or {}
    role = note.get("role", "") if isinstance(note, dict) else ""
    if role not in ROLES:
        found.append(f'resource "{name}": `{ANNOTATION}.role` must be one of {", ".join(ROLES)}, got {role!r}')
    pk = schema.get("primaryKey")
    primary_key = pk if isinstance(pk, str) else pk[0] if isinstance(pk, list) and len(pk) == 1 else None
    fields = tuple(_field(f, found, name) for f in schema.get("fields", [])
                   if isinstance(f, dict) and isinstance(f.get("name"), str))
    names = {f.name for f in fields}
    placed_by = tuple(note.get("placed_by", ())) if isinstance(note, dict) else ()
    parent = note.get("placed_by_parent", "") if isinstance(note, dict) else ""
    if role == "record":
        if primary_key is None:
            found.append(f'resource "{name}": a record table needs a one-field primaryKey')
        for placing in (*placed_by, *([parent] if parent else [])):
            if placing not in names:
                found.append(f'resource "{name}": `{ANNOTATION}.placed_by` names "{placing}", which is no field')
    table = Table(name=name, path=resource["path"], title=str(resource.get("title", name)), role=role,
                  primary_key=primary_key, fields=fields, placed_by=placed_by, placed_by_parent=parent,
                  foreign_keys=_foreign_keys(schema, name), descriptor=resource)
    if problems is None and found:
        raise SchemaError("; ".join(found))
    return table


def from_descriptor(descriptor: dict) -> Schema:
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if not isinstance(resources, list):
        raise SchemaError("datapackage.json has no list of resources")
    problems: list[str] = []
    tables = tuple(table_from_resource(r, problems) for r in resources)
    for role in CORE_ROLES:
        count = sum(t.role == role for t in tables)
        if count != 1:
            problems.append(f"the data package needs exactly one {role} table, found {count}")
    if problems:
        raise SchemaError("; ".join(problems))
    return Schema(tables=tables, descriptor=descriptor)


@lru_cache(maxsize=32)
def _cached(path: str, mtime_ns: int, size: int) -> Schema:
    return from_descriptor(json.loads(Path(path).read_text(encoding="utf-8")))


def load(data_dir: Path | str) -> Schema:
    """The schema of the ledger in `data_dir` (read once per version of the file)."""
    path = Path(data_dir) / DESCRIPTOR
    stat = path.stat()
    return _cached(str(path.resolve()), stat.st_mtime_ns, stat.st_size)


def data_files(data_dir: Path) -> list[Path]:
    """datapackage.json and every table file it names. A descriptor that cannot be read names
    no tables here: the validator says what is wrong with it."""
    descriptor_path = Path(data_dir) / DESCRIPTOR
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return [descriptor_path]
    resources = descriptor.get("resources") if isinstance(descriptor, dict) else None
    tables = [r["path"] for r in resources or [] if isinstance(r, dict) and isinstance(r.get("path"), str)]
    return [descriptor_path, *(Path(data_dir) / t for t in tables)]


def digest(paths: list[Path]) -> str:
    """SHA-256 over the names and contents of `paths` (a missing file counts as such)."""
    hasher = hashlib.sha256()
    for path in paths:
        hasher.update(path.name.encode())
        hasher.update(path.read_bytes() if path.exists() else b"<missing>")
    return hasher.hexdigest()


def data_version(data_dir: Path) -> str:
    """Content hash of the data files alone: the ledger version a report names."""
    return digest(data_files(data_dir))
