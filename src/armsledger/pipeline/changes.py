"""What changed since an edition was last published, and the corrections it lists.

The build compares the edition it is making (build/<edition>/package/ and the notebooks' numbers)
with the publication it will replace: public/<edition>/, or, when that one already says the same
(a rebuild after a code change), the newest earlier publication under public/archive/ that says
something else. So the comparison is the same whenever the step runs again, and a no-op build never
needs it. It writes changes.json (records added, changed and removed by table and id, with the
changed fields; other rows likewise; the headline numbers of summary.json that moved) and
_changes.yml, display strings for the report (`changes_*`, `corrections_*`).

Two publications "say the same" when their tables hash alike and their numbers (summary.json
without its edition block, which names the build date) are equal: publish keeps an earlier
publication in public/archive/ exactly when it does not say the same as the new one.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import hashlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from armsledger.model.schema import DESCRIPTOR

CHANGES_NAME = "changes.json"
VARIABLES_NAME = "_changes.yml"
ARCHIVE_DIR = "archive"
EDITION_BLOCK = "edition"
LISTED_TOTALS = 8  # moved numbers named in the display string; the rest are counted
ZIP_PREFIXES = ("", "armsledger-data/")  # the package at the zip's root; before 2025-03 in a folder


@dataclass
class Publication:
    """What a publication says: its tables (read one at a time, when asked) and its numbers.

    Tables are read lazily: a 300,000-record package held whole as dicts takes gigabytes, and two
    publications whose table hashes agree need no rows at all."""

    label: str = ""
    build_date: str = ""
    data_version: str = ""
    resources: dict[str, tuple[str, str | None]] = field(default_factory=dict)  # table → (path, primary key)
    roles: dict[str, str] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)  # without the edition block
    read: Callable[[str], str | None] = field(default=lambda name: None, repr=False)

    def rows(self, table: str) -> dict[str, dict]:
        """The table's rows by id ({} when the publication has no such table)."""
        if table not in self.resources:
            return {}
        path, key = self.resources[table]
        body = self.read(path)
        return _rows(body, key) if body is not None else {}

    def table_digest(self, table: str) -> str:
        """The table's hash as the package states it, else a digest of its rows."""
        if self.hashes:
            return self.hashes.get(table, "")
        rows = json.dumps(self.rows(table), sort_keys=True)
        return hashlib.sha256(rows.encode("utf-8")).hexdigest()

    def fingerprint(self) -> tuple:
        digests = {name: self.table_digest(name) for name in (self.hashes or self.resources)}
        return (sorted(digests.items()), json.dumps(self.summary, sort_keys=True))


def _rows(text: str, key: str | None) -> dict[str, dict]:
    reader = csv.DictReader(io.StringIO(text))
    rows = {}
    for number, row in enumerate(reader, start=2):
        rows[row.get(key) or f"row {number}" if key else f"row {number}"] = row
    return rows


def _key(resource: dict) -> str | None:
    pk = (resource.get("schema") or {}).get("primaryKey")
    return pk if isinstance(pk, str) else pk[0] if isinstance(pk, list) and len(pk) == 1 else None


def read_package(read: Callable[[str], str | None], exists: Callable[[str], bool]
                 ) -> tuple[dict, dict, dict, dict] | None:
    """Resources (table → path and key), roles and hashes of a data package, and its descriptor, given
    `read(name) -> text or None` and `exists(name)`. A table whose file is missing is left out; no
    table is read."""
    text = read(DESCRIPTOR)
    if text is None:
        return None
    descriptor = json.loads(text)
    resources, roles, hashes = {}, {}, {}
    for resource in descriptor.get("resources", []):
        if not exists(resource["path"]):
            continue
        name = resource["name"]
        resources[name] = (resource["path"], _key(resource))
        roles[name] = (resource.get("armsledger") or {}).get("role", "")
        if resource.get("hash"):
            hashes[name] = resource["hash"]
    return resources, roles, hashes, descriptor


def _summary_parts(summary: dict) -> tuple[dict, dict]:
    edition = summary.get(EDITION_BLOCK) if isinstance(summary.get(EDITION_BLOCK), dict) else {}
    return {k: v for k, v in summary.items() if k != EDITION_BLOCK}, edition


def _folder_reader(folder: Path) -> tuple[Callable[[str], str | None], Callable[[str], bool]]:
    def read(name: str) -> str | None:
        path = folder / name
        return path.read_text(encoding="utf-8") if path.exists() else None

    return read, lambda name: (folder / name).exists()


def read_publication(folder: Path) -> Publication | None:
    """A published edition (public/<edition>/ or an archived copy); None when there is none."""
    folder = Path(folder)
    if not (folder / "summary.json").exists():
        return None
    summary, edition = _summary_parts(json.loads((folder / "summary.json").read_text(encoding="utf-8")))
    data = folder / "data"
    read, exists = _folder_reader(data)
    package = read_package(read, exists)
    if package is None and (data / "armsledger-data.zip").exists():
        archive_path = data / "armsledger-data.zip"
        with zipfile.ZipFile(archive_path) as archive:
            names = set(archive.namelist())
        prefix = next((p for p in ZIP_PREFIXES if f"{p}{DESCRIPTOR}" in names), None)
        if prefix is not None:
            def read(name: str) -> str | None:  # opened per table: tables are read one at a time
                if prefix + name not in names:
                    return None
                with zipfile.ZipFile(archive_path) as archive:
                    return archive.read(prefix + name).decode("utf-8")

            package = read_package(read, lambda name: prefix + name in names)
    resources, roles, hashes, descriptor = package or ({}, {}, {}, {})
    about = descriptor.get("armsledger", {}) if isinstance(descriptor.get("armsledger"), dict) else {}
    build_date = edition.get("build_date") or about.get("build_date") or dt.datetime.fromtimestamp(
        (folder / "summary.json").stat().st_mtime, dt.UTC).date().isoformat()
    return Publication(label=str(folder), build_date=build_date,
                       data_version=edition.get("data_version") or about.get("data_version", ""),
                       resources=resources, roles=roles, hashes=hashes, summary=summary, read=read)


def new_publication(edition_dir: Path, summary: dict, build_date: str, data_version: str) -> Publication:
    """The edition being built: its package (build/<edition>/package/) and the notebooks' numbers."""
    read, exists = _folder_reader(Path(edition_dir) / "package")
    resources, roles, hashes, _ = read_package(read, exists) or ({}, {}, {}, {})
    return Publication(label=str(edition_dir), build_date=build_date, data_version=data_version,
                       resources=resources, roles=roles, hashes=hashes, summary=_summary_parts(summary)[0],
                       read=read)


def archived(public_dir: Path, edition: str) -> list[Path]:
    """Earlier publications of `edition` under public/archive/, newest first."""
    root = Path(public_dir) / ARCHIVE_DIR
    found = [p / edition for p in root.iterdir() if (p / edition).is_dir()] if root.is_dir() else []
    return sorted(found, key=lambda p: _archive_key(p.parent.name), reverse=True)


def _archive_key(name: str) -> tuple[str, int]:
    day, _, number = name.partition(".")
    return day, int(number) if number.isdigit() else 1


def archive_folder(public_dir: Path, build_date: str, edition: str) -> Path:
    """public/archive/<build date>/<edition>/, or <build date>.2, .3, … when that day has one already."""
    root = Path(public_dir) / ARCHIVE_DIR
    candidate, number = root / build_date / edition, 1
    while candidate.exists():
        number += 1
        candidate = root / f"{build_date}.{number}" / edition
    return candidate


def baseline(public_dir: Path, edition: str, new: Publication) -> Publication | None:
    """The publication the new one is compared with: the current one, unless it says the same as
    the new one (then the newest archived one that does not)."""
    for folder in [Path(public_dir) / edition, *archived(public_dir, edition)]:
        old = read_publication(folder)
        if old is not None and old.fingerprint() != new.fingerprint():
            return old
    return None


def _flatten(value, prefix: str = "") -> dict[str, float]:
    """Numeric leaves of a summary by dotted path (booleans are no numbers)."""
    out: dict[str, float] = {}
    if isinstance(value, dict):
        for key, item in value.items():
            out.update(_flatten(item, f"{prefix}.{key}" if prefix else str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            out.update(_flatten(item, f"{prefix}[{index}]"))
    elif isinstance(value, int | float) and not isinstance(value, bool):
        out[prefix] = value
    return out


def _diff_rows(old: Publication, new: Publication, tables: list[str]) -> dict:
    """Rows added, changed and removed, one table at a time; a table whose hash is the same on both
    sides is not read."""
    added, changed, removed = [], [], []
    for table in tables:
        if old.hashes and new.hashes and table in old.hashes and old.hashes.get(table) == new.hashes.get(table):
            continue
        before, after = old.rows(table), new.rows(table)
        added += [{"table": table, "id": row_id} for row_id in sorted(set(after) - set(before))]
        removed += [{"table": table, "id": row_id} for row_id in sorted(set(before) - set(after))]
        for row_id in sorted(set(before) & set(after)):
            fields = {name: {"old": before[row_id].get(name), "new": after[row_id].get(name)}
                      for name in sorted(set(before[row_id]) | set(after[row_id]))
                      if before[row_id].get(name) != after[row_id].get(name)}
            if fields:
                changed.append({"table": table, "id": row_id, "fields": fields})
    return {"added": added, "changed": changed, "removed": removed}


def compare(old: Publication | None, new: Publication) -> dict:
    """changes.json: rows added, changed and removed (records apart from the other tables), and the
    numbers that moved, with old and new values."""
    current = {"build_date": new.build_date, "data_version": new.data_version}
    if old is None:
        return {"previous": None, "current": current, "records": {"added": [], "changed": [], "removed": []},
                "rows": {"added": [], "changed": [], "removed": []}, "totals": []}
    roles = {**old.roles, **new.roles}
    names = sorted(set(old.resources) | set(new.resources))
    records = [n for n in names if roles.get(n) == "record"]
    others = [n for n in names if roles.get(n) != "record"]
    before, after = _flatten(old.summary), _flatten(new.summary)
    totals = [{"key": key, "old": before.get(key), "new": after.get(key)}
              for key in sorted(set(before) | set(after)) if before.get(key) != after.get(key)]
    return {"previous": {"build_date": old.build_date, "data_version": old.data_version},
            "current": current, "records": _diff_rows(old, new, records),
            "rows": _diff_rows(old, new, others), "totals": totals}


# ------------------------------------------------------------------------------------------ display


def long_date(text: str) -> str:
    """2025-03-01 → 1 March 2025 (anything else as given)."""
    try:
        day = dt.date.fromisoformat(text)
    except (TypeError, ValueError):
        return text or ""
    return f"{day.day} {calendar.month_name[day.month]} {day.year}"


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _number(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.2f}"
    return f"{value:,.0f}"


def changes_summary(changes: dict) -> dict[str, str]:
    """Display strings for the report's "Changes since <date>" box, as `_variables.yml` keys."""
    from armsledger.present.markdown import escape

    previous = changes.get("previous")
    if not previous:
        return {"changes_since": "", "changes_summary": "This is the edition's first publication.",
                "changes_records": "none", "changes_totals": "none", "changes_count": "0"}
    since = f"the publication of {long_date(previous.get('build_date', ''))}"
    records = changes["records"]
    counts = {kind: len(records[kind]) for kind in ("added", "changed", "removed")}
    moved = changes.get("totals", [])
    if not any(counts.values()) and not moved and not any(changes["rows"].values()):
        summary = f"Nothing in this edition's data or numbers has changed since {since}."
    else:
        parts = [f"{_count(counts['added'], 'record')} added", f"{counts['changed']} changed",
                 f"{counts['removed']} removed"]
        other = sum(len(v) for v in changes["rows"].values())
        extra = f"; {_count(other, 'other row')} (claims, sources, entities) changed" if other else ""
        summary = (f"Since {since}: {', '.join(parts)}{extra}; "
                   f"{_count(len(moved), 'headline number')} moved.")
    lists = []
    for kind in ("added", "changed", "removed"):
        items = [f"{r['table']} {r['id']}" + (f" ({', '.join(r['fields'])})" if r.get("fields") else "")
                 for r in records[kind]]
        if items:
            lists.append(f"{kind}: {'; '.join(items)}")
    totals = [f"{t['key'].replace('.', ' › ')}: {_number(t['old'])} → {_number(t['new'])}"
              for t in moved[:LISTED_TOTALS]]
    if len(moved) > LISTED_TOTALS:
        totals.append(f"and {len(moved) - LISTED_TOTALS} more (changes.json)")
    return {"changes_since": escape(since), "changes_summary": escape(summary),
            "changes_records": escape(". ".join(lists).capitalize()) if lists else "none",
            "changes_totals": escape("; ".join(totals)) if totals else "none",
            "changes_count": str(sum(counts.values()))}


def corrections_summary(rows: list[dict]) -> dict[str, str]:
    """Display strings for the corrections the edition lists; `corrections_shown` is "yes" when there are any."""
    from armsledger.model.formula import unescape_cell
    from armsledger.present.markdown import escape

    rows = [{k: unescape_cell(v) for k, v in row.items()} for row in rows]  # read from the published copy
    if not rows:
        return {"corrections_count": "0", "corrections_shown": "no",
                "corrections_summary": "No corrections have been made to the data this edition shows."}
    ordered = sorted(rows, key=lambda r: (r.get("date", ""), r.get("record_id", "")))
    items = [f"{long_date(r.get('date', ''))}, {r.get('record_id', '')}: {r.get('what_was_wrong', '')} "
             f"→ {r.get('what_changed', '')}" for r in ordered]
    return {"corrections_count": str(len(rows)), "corrections_shown": "yes",
            "corrections_summary": escape(f"{_count(len(rows), 'correction')}: " + "; ".join(items))}


def write(edition_dir: Path, public_dir: Path, edition: str, summary: dict, build_date: str,
          data_version: str) -> tuple[Path, Path]:
    """Compare the edition being built with its baseline publication; write changes.json and _changes.yml."""
    edition_dir = Path(edition_dir)
    new = new_publication(edition_dir, summary, build_date, data_version)
    changes = {"edition": edition, **compare(baseline(public_dir, edition, new), new)}
    changes_path = edition_dir / CHANGES_NAME
    changes_path.write_text(json.dumps(changes, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    corrections = [row for name, role in new.roles.items() if role == "corrections"
                   for row in new.rows(name).values()]
    variables = {**changes_summary(changes), **corrections_summary(corrections)}
    variables_path = edition_dir / VARIABLES_NAME
    variables_path.write_text(yaml.safe_dump(variables, sort_keys=True, allow_unicode=True), encoding="utf-8")
    return changes_path, variables_path
