"""Tolerant CSV reading for hand-edited tables: accepts a BOM and any line ending, keeps
ragged rows, and reports encoding and layout issues instead of raising."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

BOM = b"\xef\xbb\xbf"

# A hand-typed unclosed quote swallows the rest of the file into one cell; let it,
# so the damage shows up as a ragged row rather than an exception.
csv.field_size_limit(1 << 30)


@dataclass(frozen=True)
class CsvIssue:
    """Something wrong with a file's bytes or layout; row is the spreadsheet row."""

    rule: str
    message: str
    row: int | None = None
    column: str | None = None


@dataclass
class CsvFile:
    """A CSV file as read: header, data rows (cells as strings) and their spreadsheet rows."""

    path: Path
    exists: bool = True
    header: list[str] | None = None
    rows: list[list[str]] = field(default_factory=list)
    row_numbers: list[int] = field(default_factory=list)
    issues: list[CsvIssue] = field(default_factory=list)

    @property
    def readable(self) -> bool:
        """True when there is a header to check data against."""
        return self.exists and self.header is not None


def decode_utf8(data: bytes) -> tuple[str, CsvIssue | None]:
    """Decode UTF-8 (dropping a BOM); on bad bytes, say where and decode with replacement."""
    offset = 0
    if data.startswith(BOM):
        data = data[len(BOM):]
        offset = len(BOM)
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start:exc.start + 1].hex()
        issue = CsvIssue(
            "encoding",
            f"not UTF-8: byte 0x{bad} at byte offset {exc.start + offset} (line {line}) "
            "is not valid UTF-8; save the file as UTF-8",
        )
        return data.decode("utf-8", errors="replace"), issue


_UNDECODED = re.compile("[\udc80-\udcff]+")


def _bad_bytes(records: list[list[str]]) -> list[CsvIssue]:
    """One encoding issue per cell holding bytes that are not UTF-8, located by spreadsheet row and
    column; the bytes become U+FFFD in the cell."""
    issues = []
    header = records[0] if records else []
    for index, cells in enumerate(records):
        for position, cell in enumerate(cells):
            runs = _UNDECODED.findall(cell)
            if not runs:
                continue
            shown = " ".join(f"0x{ord(ch) - 0xDC00:02x}" for run in runs for ch in run)
            many = sum(map(len, runs)) > 1
            column = header[position] if index > 0 and position < len(header) else None
            where = "" if column is not None else f" (column {position + 1})"
            issues.append(CsvIssue("encoding", f"not UTF-8: byte{'s' if many else ''} {shown}{where} "
                                               f"{'are' if many else 'is'} not valid UTF-8; save the file as UTF-8",
                                   row=index + 1, column=column))
            cells[position] = _UNDECODED.sub("\ufffd", cell)
    return issues


def read_csv(path: Path) -> CsvFile:
    """Read one table; never raises for missing, empty, mis-encoded or malformed files."""
    result = CsvFile(path=path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        result.exists = False
        result.issues.append(CsvIssue("missing-file", "file not found"))
        return result
    except OSError as exc:
        result.exists = False
        result.issues.append(CsvIssue("missing-file", f"cannot be read: {exc.strerror or exc}"))
        return result
    if not data:
        result.issues.append(CsvIssue("empty-file", "file is empty (0 bytes); it needs at least a header row"))
        return result
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # Excel's "Unicode Text" export; decoding it as UTF-8 would bury this under follow-on errors.
        result.issues.append(CsvIssue("encoding", "is UTF-16 (a spreadsheet's \"Unicode text\" export); "
                                                  "save it as CSV UTF-8, comma-separated"))
        return result
    text, issue = decode_utf8(data)
    if issue is not None:
        # Bad bytes kept as lone surrogates, which valid text never holds, to find the cells they are in.
        text = data.removeprefix(BOM).decode("utf-8", errors="surrogateescape")
    records: list[list[str]] = []
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=False))
    except csv.Error as exc:
        result.issues.append(CsvIssue("csv-syntax", f"cannot be parsed as CSV: {exc}"))
    if issue is not None:
        result.issues.extend(_bad_bytes(records) or [issue])
    if not records or not any(cell.strip() for cell in records[0]):
        if not result.issues:
            result.issues.append(CsvIssue("empty-file", "has no header row"))
        return result
    if len(records[0]) == 1:
        for sign, name in ((";", "semicolon"), ("\t", "tab")):
            if sign in records[0][0]:
                # Spreadsheets in many European locales save CSV with semicolons.
                result.issues.append(CsvIssue("delimiter", f"the header is one cell holding {name}s: the file "
                                                           f"is {name}-separated; save it comma-separated"))
                return result
    result.header = records[0]
    # Trailing blank lines are an editor artefact, not rows anyone meant to add.
    last = len(records)
    while last > 1 and not any(records[last - 1]):
        last -= 1
    for index in range(1, last):
        cells = records[index]
        row = index + 1
        if not any(cell.strip() for cell in cells):
            result.issues.append(CsvIssue("blank-row", "blank row", row=row))
            continue
        result.rows.append(cells)
        result.row_numbers.append(row)
    return result
