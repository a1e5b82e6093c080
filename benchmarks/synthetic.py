"""A synthetic ledger of any size for the benchmarks: the real ledger copied over and over with new ids.

Copy 0 is the real data; copy k renames every record and claim (`<id>-x<k>`), and shares a group of
renamed sources (one per 4 copies) and entities (one per 10 copies; states are shared by all) with
other copies, so that every table grows. Names, titles and URLs are changed only as far as the
validator's duplicate checks need; figures, dates and amounts are kept, so each copy validates for the
same reasons the real ledger does. Nothing here is new data.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from armsledger import paths
from armsledger.model import schema as schema_module

# How many copies share one renamed set of sources / entities. The real ledger has about 1.3 sources
# and 0.9 entities per record, as a small ledger of one story does; a large one cites the same outlets
# and parties again and again. Shared groups give about 0.2 sources and 0.06 entities per record.
COPIES_PER_SOURCE_GROUP = 4
COPIES_PER_ENTITY_GROUP = 10


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def _reference_fields(table: schema_module.Table) -> list[str]:
    """Fields whose values (or `|`-separated items) are ids of some table."""
    fields = set(table.references) | set(table.of_kind("id_list"))
    if table.role in ("claims", "corrections"):
        fields.add("record_id")  # any record: the schema cannot declare it a foreign key
    return sorted(f for f in fields if f != table.primary_key)


def _suffix(role: str, copy: int) -> str:
    """The id suffix of `copy` for a table of `role` ("" = the real ids)."""
    if role == "sources":
        group = copy // COPIES_PER_SOURCE_GROUP
        return f"-s{group}" if group else ""
    if role == "entities":
        group = copy // COPIES_PER_ENTITY_GROUP
        return f"-g{group}" if group else ""
    if role == "vocabulary":
        return ""  # categories are a fixed vocabulary
    return f"-x{copy}" if copy else ""


def _copy_url(url: str, copy: str) -> str:
    """The address of a copy: its own path segment (a fragment would be ignored by the duplicate-source
    rule, and a segment after a query string would land in the query)."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"{parts.path.rstrip('/')}/copy-{copy}"))


def _renamed(value: str, ids: dict[str, str]) -> str:
    if "|" in value:
        return "|".join(ids.get(item, item) for item in value.split("|"))
    return ids.get(value, value)


def generate(target: Path, records: int = 30_000, data: Path | None = None) -> dict[str, int]:
    """Write a ledger of at least `records` records (rows of the record tables), made from the ledger
    in `data` (default: the project's), to `target`; returns the row count of each table."""
    data = Path(data or paths.DATA)
    schema = schema_module.load(data)
    target.mkdir(parents=True, exist_ok=True)
    (target / schema_module.DESCRIPTOR).write_bytes((data / schema_module.DESCRIPTOR).read_bytes())
    tables = {t.name: (t, *_read(data / t.path)) for t in schema.tables}
    per_copy = sum(len(rows) for t, _, rows in tables.values() if t.role == "record")
    copies = max(1, math.ceil(records / max(per_copy, 1)))
    owner_role = {row[t.primary_key]: t.role for t, _, rows in tables.values() if t.primary_key for row in rows}
    # One state per country (the validator's duplicate-state rule): states are shared by every copy.
    states = {row["entity_id"] for t, _, rows in tables.values() if t.role == "entities" for row in rows
              if row.get("type") == "state"}
    counts = dict.fromkeys(tables, 0)
    handles = {}
    try:
        writers = {}
        for name, (table, header, _) in tables.items():
            handles[name] = (target / table.path).open("w", encoding="utf-8", newline="")
            writers[name] = csv.DictWriter(handles[name], fieldnames=header, lineterminator="\n")
            writers[name].writeheader()
        for copy in range(copies):
            suffixes = {role: _suffix(role, copy) for role in schema_module.ROLES}
            ids = {old: old + suffixes[role] for old, role in owner_role.items()
                   if suffixes[role] and old not in states}
            for name, (table, _, rows) in tables.items():
                suffix = suffixes[table.role]
                # A shared group is written once, by the first copy that uses it.
                first_of_group = (table.role == "sources" and copy % COPIES_PER_SOURCE_GROUP == 0) or (
                    table.role == "entities" and copy % COPIES_PER_ENTITY_GROUP == 0)
                if (table.role in ("sources", "entities") and not first_of_group) or (
                        table.role == "vocabulary" and copy):
                    continue
                references = _reference_fields(table)
                for row in rows:
                    if suffix and table.role == "entities" and row[table.primary_key] in states:
                        continue
                    new = dict(row)
                    if table.primary_key:
                        new[table.primary_key] = row[table.primary_key] + suffix
                    for field in references:
                        if row.get(field):
                            new[field] = _renamed(row[field], ids)
                    if suffix and table.role == "sources":
                        # Distinct sources, not one source entered twice: title and address differ.
                        new["title"] = f"{row['title']} (copy {suffix[2:]})"
                        if row.get("url"):
                            new["url"] = _copy_url(row["url"], suffix[2:])
                    if suffix and table.role == "entities":
                        # A new party, still found under the name the claims quote.
                        new["name"] = f"{row['name']} {suffix[2:]}"
                        new["aliases"] = "|".join(filter(None, [row.get("aliases", ""), row["name"]]))
                    writers[name].writerow(new)
                    counts[name] += 1
    finally:
        for handle in handles.values():
            handle.close()
    return counts


if __name__ == "__main__":
    import sys

    if len(sys.argv) < 2:
        sys.exit("usage: synthetic.py TARGET [RECORDS] [DATA]")
    print(json.dumps(generate(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 30_000,
                              Path(sys.argv[3]) if len(sys.argv) > 3 else None)))
