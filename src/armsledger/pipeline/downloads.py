"""The downloads behind an edition's report: one CSV per table and figure (written by the notebooks,
present.downloads), a flat records.csv of every record the edition shows, and one XLSX workbook
with a sheet per table and a README sheet; all under build/<edition>/data-tables/, published
as public/<edition>/data/tables/."""

from __future__ import annotations

import csv
import io
import itertools
import re
import shutil
import zipfile
from pathlib import Path

from armsledger.model import formula
from armsledger.paths import DOWNLOADS

TABLES_DIR = "data-tables"  # in build/<edition>/ (its tables/ holds the Markdown the notebooks print)
PUBLISHED_DIR = "tables"  # under public/<edition>/data/
RECORDS_CSV = "records.csv"
WORKBOOK = "armsledger-tables.xlsx"
# Rows per sheet: the workbook is for browsing a table in a spreadsheet, and every row of a longer one
# is in its CSV file and the database. Writing XLSX costs about 25 µs a cell (openpyxl, pure Python):
# 300,000 records would take many minutes for a copy of what the CSV files already hold, and 10,000 rows
# a sheet still took a minute.
WORKBOOK_MAX_ROWS = 5_000
README = """armsledger: the data behind the report's tables and figures, one sheet each.

Edition: {title} ({edition}). Data version {version}; built {build_date}.
Each sheet holds the rows and columns the report shows, plus ids, ISO dates (earliest and latest day a
date allows) and values converted to euros and US dollars at the ECB reference rate of the value's date.
`records` lists every record the edition shows, with its certainty tier, dates as EDTF and as ISO
bounds, the value as reported and converted, and the sources that support it.
Text cells that begin with = + - @ are prefixed with an apostrophe so that no spreadsheet runs them.
A sheet holds at most {max_rows:,} rows; a longer table's sheet ends with a row saying how many more
there are, and its CSV file (listed below) holds every row.
Licence: CC BY 4.0 for the data; the quoted figures, titles and URLs are bibliographic data of the
third-party publications, which keep their own copyright. Cite the original reporting as well.
"""


def write_records_csv(records_json: Path, target: Path) -> int:
    """records.json (pipeline.edition_data) as a flat CSV, lists joined with '; ', text formula-safe."""
    from armsledger.pipeline.edition_data import read_records

    rows = read_records(records_json)
    first = next(rows, None)
    header = list(first) if first else ["record_id", "table"]
    count = 0
    with open(target, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        for row in itertools.chain([first] if first else [], rows):
            writer.writerow([_cell(row.get(name)) for name in header])
            count += 1
    return count


def _cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, list):
        value = "; ".join(str(v) for v in value)
    return formula.escape_cell(value) if isinstance(value, str) else value


def write(edition_dir: Path, about: dict) -> Path:
    """Collect the downloads of build/<edition>/ into its data-tables/ folder; the workbook last."""
    target = edition_dir / TABLES_DIR
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for path in sorted((edition_dir / DOWNLOADS).glob("*.csv")):
        shutil.copy2(path, target / path.name)
    write_records_csv(edition_dir / "records.json", target / RECORDS_CSV)
    write_workbook(sorted(target.glob("*.csv")), target / WORKBOOK, about)
    return target


def write_workbook(csv_files: list[Path], target: Path, about: dict) -> Path:
    """One sheet per CSV (named after it, at most 31 characters; its first WORKBOOK_MAX_ROWS rows) and a
    README sheet first. Cells are written as the CSV holds them (already formula-safe); openpyxl would
    read a leading = as a formula.

    Written in openpyxl's write-only mode: rows stream to disk as they are read, so memory stays
    constant (the default mode keeps every cell as an object: gigabytes for 300,000 records)."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    names: list[str] = []
    for path in csv_files:  # named first: the README lists them before they are written
        names.append(_sheet_name(path.stem, names))
    readme = book.create_sheet("README")
    for line in README.format(**about, max_rows=WORKBOOK_MAX_ROWS).splitlines():
        readme.append([line])
    readme.append([])
    readme.append(["sheet", "file"])
    for name, path in zip(names, csv_files, strict=True):
        readme.append([name, f"data/tables/{path.name}"])
    for name, path in zip(names, csv_files, strict=True):
        sheet = book.create_sheet(name)
        with open(path, encoding="utf-8", newline="") as handle:
            rows = csv.reader(handle)
            for row in itertools.islice(rows, WORKBOOK_MAX_ROWS + 1):  # the header and the first rows
                sheet.append([_number(cell) for cell in row])
            more = sum(1 for _ in rows)
        if more:
            sheet.append([f"… and {more:,} more rows: every row is in data/tables/{path.name}"])
    # Fixed metadata: two builds of the same data give the same workbook.
    book.properties.creator = "armsledger"
    book.properties.created = book.properties.modified = _fixed_time(about.get("build_date"))
    buffer = io.BytesIO()
    book.save(buffer)
    target.write_bytes(reproducible_zip(buffer.getvalue(), book.properties.created))
    return target


ZIP_EPOCH = (2025, 1, 1, 0, 0, 0)  # as pipeline.package: the same files give the same zip bytes
_MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)")


def reproducible_zip(data: bytes, modified) -> bytes:
    """An Office file (a zip) made byte-reproducible: openpyxl stamps each entry and the workbook's
    `modified` property with the time of saving; here every entry gets a fixed time and `modified` the
    given one, entries in the order written."""
    stamp = modified.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for entry in source.infolist():
            body = source.read(entry)
            if entry.filename == "docProps/core.xml":
                body = _MODIFIED.sub(rb"\g<1>" + stamp + rb"\g<2>", body)
            fixed = zipfile.ZipInfo(entry.filename, date_time=ZIP_EPOCH)
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            copy.writestr(fixed, body)
    return out.getvalue()


def _sheet_name(stem: str, taken: list[str]) -> str:
    name = stem.removeprefix("table-").removeprefix("figure-fig-")[:31]
    base, n = name, 2
    while name in taken:
        name = f"{base[:28]}-{n}"
        n += 1
    return name


_DECIMAL = re.compile(r"\s*-?(\d+\.?\d*|\.\d+)\s*")


def _number(cell: str) -> object:
    """Numbers as numbers, so a spreadsheet can sum them; anything else as text."""
    return float(cell) if _DECIMAL.fullmatch(cell) else cell


def _fixed_time(build_date: str | None = None):
    """The workbook's creation time: the build date (midnight UTC), else a fixed date."""
    import datetime as dt

    return dt.datetime.fromisoformat(build_date) if build_date else dt.datetime(2025, 1, 1)
