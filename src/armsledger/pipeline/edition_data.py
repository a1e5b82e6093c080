"""An edition's own copy of the data: only the records, claims and sources it shows, as known on its
date (fields only later sources gave are blank), so that its data package and bibliography never
tell more than its report. References to rows the edition does not show are blanked."""

from __future__ import annotations

import csv
import itertools
import json
import shutil
from collections.abc import Iterable, Iterator
from pathlib import Path

import pandas as pd

from armsledger.model import lineage
from armsledger.model.dates import date_columns
from armsledger.model.ledger import Ledger, for_edition
from armsledger.model.params import Params
from armsledger.model.schema import DESCRIPTOR

EXTRAS = ("README.md", "LICENSE.md")  # the data dictionary and the licence


def _sources_shown(ledger: Ledger) -> set[str]:
    """Sources the edition's claims cite, and the originals they republish when those were
    published by the edition's date."""
    sources = ledger.tables["sources"]
    cited = set(ledger.claims["source_id"])
    parents = dict(zip(sources["source_id"], sources["derived_from"], strict=True))
    if ledger.as_of is not None:
        latest = dict(zip(sources["source_id"], date_columns(sources["published"])["latest"], strict=True))
        known = {s for s, day in latest.items() if pd.notna(day) and day.date() <= ledger.as_of}
    else:
        known = set(parents)
    shown = set(cited)
    for source in cited:
        shown |= {s for s in lineage.chain(parents, source)[0][1:] if s in known}
    return shown


def _entities_shown(ledger: Ledger, keep: dict[str, set[str]]) -> set[str]:
    """Entities the shown rows refer to (as the edition knows them: fields only later sources gave are
    blank), with the bodies they belong to."""
    entities = ledger.schema.core("entities")
    referred: set[str] = set()
    for table in ledger.schema.tables:
        if table.role == "entities" or table.name not in keep:
            continue
        targets = [name for name, target, _ in table.foreign_keys if target == entities.name]
        lists = [f.name for f in table.fields if f.kind == "id_list" and entities.name in (f.list_of or ())]
        frame = ledger.tables[table.name]
        frame = frame[frame[table.primary_key].isin(keep[table.name])]
        for name in targets:
            referred |= {value for value in frame[name] if isinstance(value, str) and value}
        for name in lists:
            referred |= {item for value in frame[name] if isinstance(value, str) for item in value.split("|") if item}
    frame = ledger.tables[entities.name]
    parents = dict(zip(frame[entities.primary_key], frame["parent_id"], strict=True))
    return {ancestor for entity in referred for ancestor in lineage.chain(parents, entity)[0]}


HIDDEN_FILE = "hidden.json"
RECORDS_FILE = "records.json"
CORRECTED_ID = "record_id"  # the field of a corrections table naming the corrected row


def write(data_dir: Path, params: Params, target: Path) -> dict[str, int]:
    """Write the edition's tables, datapackage.json, data dictionary and licence to `target`, and
    beside them how many records its `as_of` hides and why (`hidden.json`) and one row per record it
    shows with what the model derives (`records.json`); rows per table.

    The tables are written one at a time from their files, cells as written: at 300,000 records every
    table's rows held at once as dicts took gigabytes."""
    ledger = for_edition(Params(**{**params.as_dict(), "data_dir": str(data_dir)}))
    schema = ledger.schema
    keep: dict[str, set[str]] = {}
    record_ids = set(ledger.records["record_id"])
    for table in schema.records:
        keep[table.name] = record_ids
    keep[schema.core("claims").name] = set(ledger.claims["claim_id"])
    keep[schema.core("sources").name] = _sources_shown(ledger)
    entities = schema.core("entities")
    keep[entities.name] = _entities_shown(ledger, keep)
    for table in schema.tables:
        if table.name not in keep and table.role != "corrections":  # vocabularies (categories) are shown whole
            keep[table.name] = set(ledger.tables[table.name][table.primary_key])
    shown_ids = set().union(*keep.values())
    for table in schema.with_role("corrections"):
        # A correction is shown with the row it corrects; one to a row the edition hides would tell of it.
        corrections = ledger.tables[table.name]
        keep[table.name] = set(corrections.loc[corrections[CORRECTED_ID].isin(shown_ids), table.primary_key])
    every_id = set().union(*keep.values())
    masked: dict[str, set[str]] = {}  # record id → the fields only later sources gave
    for record_id, name in ledger.masked:
        masked.setdefault(record_id, set()).add(name)

    target.mkdir(parents=True, exist_ok=True)
    counts = {table.name: _write_table(Path(data_dir) / table.path, target / table.path, table, keep, every_id,
                                       masked)
              for table in schema.tables}
    hidden = ledger.hidden if ledger.hidden is not None else pd.DataFrame(columns=["record_id", "reason"])
    (target.parent / HIDDEN_FILE).write_text(json.dumps({
        "as_of": params.as_of,
        "hidden": {reason: sorted(group["record_id"]) for reason, group in hidden.groupby("reason")},
    }, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    write_records(record_rows(ledger), target.parent / RECORDS_FILE)
    shutil.copy2(Path(data_dir) / DESCRIPTOR, target / DESCRIPTOR)
    for name in EXTRAS:
        if (Path(data_dir) / name).exists():
            shutil.copy2(Path(data_dir) / name, target / name)
    return counts


def _write_table(source: Path, out: Path, table, keep: dict[str, set[str]], every_id: set[str],
                 masked: dict[str, set[str]]) -> int:
    """The rows of `table` the edition shows, cells as written in `source`; references to rows it does
    not show blanked, and fields only later sources gave."""
    # Streamed, not model.csvfile.read_csv (which holds a file whole to locate its problems): the
    # snapshot is validated, and the claims of 300,000 records held as lists took most of a gigabyte.
    refs = {name: target_table for name, target_table, _ in table.foreign_keys}
    # The ids each list field may keep, once per table: a union per row was quadratic.
    allowed_in = {f.name: every_id if f.list_of is None else set().union(*(keep.get(t, set()) for t in f.list_of))
                  for f in table.fields if f.kind == "id_list"}
    kept = keep[table.name]
    written = 0
    with (open(source, encoding="utf-8-sig", newline="") as given,
          open(out, "w", encoding="utf-8", newline="") as handle):
        reader = csv.reader(given, strict=False)
        header = next(reader, None) or list(table.field_names)
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue  # a trailing blank line (validation rejects any other)
            row = dict(zip(header, cells, strict=False))
            row_id = row.get(table.primary_key, "")
            if row_id not in kept:
                continue
            for name in masked.get(row_id, ()):
                if name in row:
                    row[name] = ""
            for name, target_table in refs.items():
                if row.get(name) and row[name] not in keep.get(target_table, set()):
                    row[name] = ""
            for name, allowed in allowed_in.items():
                row[name] = "|".join(i for i in row.get(name, "").split("|") if i in allowed)
            writer.writerow([row.get(name, "") for name in header])
            written += 1
    return written


def write_records(rows: Iterable[dict], path: Path) -> Path:
    """records.json: a JSON array with one record per line, so that read_records can stream it."""
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("[\n")
        for i, row in enumerate(rows):
            handle.write(("," if i else "") + json.dumps(row, ensure_ascii=False) + "\n")
        handle.write("]\n")
    return path


def read_records(path: Path):
    """The records of records.json one at a time (a 300,000-record edition parsed whole takes gigabytes);
    a file written otherwise (indented) is parsed whole."""
    with open(path, encoding="utf-8") as handle:
        first, second = handle.readline().strip(), handle.readline().strip().removeprefix(",")
        if first != "[" or not (second == "]" or (second.startswith("{") and second.endswith("}"))):
            handle.seek(0)
            yield from json.load(handle)
            return
        for line in itertools.chain([second], handle):
            line = line.strip().removeprefix(",")
            if line and line != "]":
                yield json.loads(line)


# What `records.json` holds per record, beside its label and value as reported: the model's
# derived columns (model.ledger), dates as ISO text.
RECORD_COLUMNS = ("record_id", "table", "date", "earliest", "latest", "precision", "amount", "amount_max",
                  "amount_kind", "currency", "value_date", "value_basis", "value_eur", "value_usd", "fx_rate_eur",
                  "fx_date_eur", "fx_rate_usd", "fx_date_usd", "count", "count_kind", "certainty",
                  "certainty_reason", "best_grade", "independent_sources", "supporting_claims", "opposing_claims",
                  "first_reported", "visible_from", "source_ids")


def _plain(value):
    """A cell as JSON: None for blank or missing, ISO text for timestamps, Python numbers."""
    if isinstance(value, list | tuple):
        return list(value)
    if value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    return value.item() if hasattr(value, "item") else value  # numpy scalars as Python numbers


def record_rows(ledger: Ledger) -> Iterator[dict]:
    """One dict per record the edition shows: a label (the fields that name its row, else its own
    wording), the value as its sources report it, and the model's derived columns. Made a block of
    rows at a time: 300,000 of them at once took a gigabyte."""
    labels: dict[str, str] = {}
    for spec in ledger.schema.records:
        naming = [f.name for f in spec.fields if f.names_row] + [f.name for f in spec.fields
                                                                  if f.kind == "prose" and not f.names_row]
        frame = ledger.tables[spec.name]
        for row in frame[[spec.primary_key, *naming]].itertuples(index=False):
            labels[row[0]] = next((str(v) for v in row[1:] if isinstance(v, str) and v.strip()), "")
    ordered = ledger.records.sort_values(["table", "record_id"])
    for start in range(0, len(ordered), RECORD_BLOCK):
        yield from _record_block(ordered.iloc[start:start + RECORD_BLOCK], labels)


RECORD_BLOCK = 5_000


def _record_block(block: pd.DataFrame, labels: dict[str, str]) -> Iterator[dict]:
    from armsledger.present.format import reported_text

    for record in block.to_dict("records"):
        row = {"record_id": record["record_id"], "table": record["table"], "label": labels.get(record["record_id"], "")}
        row.update({name: _plain(record.get(name)) for name in RECORD_COLUMNS[2:]})
        amount = record.get("amount")
        disclosed = amount is not None and amount == amount
        row["value_reported"] = (reported_text(amount, record["currency"], record["amount_kind"],
                                               record.get("amount_max", float("nan")))
                                 if disclosed or record.get("amount_kind") == "undisclosed" else "")
        yield row


def hidden_warning(edition: str, build_dir: Path) -> str:
    """One line saying how many records the edition's `as_of` hides and why; '' when none."""
    path = Path(build_dir) / edition / HIDDEN_FILE
    if not path.exists():
        return ""
    report = json.loads(path.read_text(encoding="utf-8"))
    counts = {reason: len(ids) for reason, ids in report["hidden"].items()}
    if not counts:
        return ""
    detail = "; ".join(f"{n} {reason}" for reason, n in sorted(counts.items()))
    return f"! [{edition}] as_of {report['as_of']} hides {sum(counts.values())} record(s): {detail}"
