"""Formula safety of published copies (OWASP "CSV injection"): a text cell that begins with a
character a spreadsheet reads as the start of a formula is published with a leading apostrophe.

Only published copies are escaped (the data package, the XLSX workbook), never the ledger in data/
nor an edition's working copy in build/<edition>/data/, which the bibliography and the database
read. Only text fields are escaped: a number (a negative amount) is not text, and EDTF dates are
kept as they are (an EDTF date may begin with `-`, a year before 1 CE, which our data never hold;
a spreadsheet reads `-0100` as a number, not a formula).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from armsledger.model.schema import Table

# OWASP: =, +, -, @, tab (0x09) and carriage return (0x0D).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ESCAPE = "'"


def needs_escape(value: str) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def escape_cell(value: str) -> str:
    """`'=HYPERLINK(…)` for `=HYPERLINK(…)`; any other value unchanged."""
    return ESCAPE + value if needs_escape(value) else value


def unescape_cell(value: str) -> str:
    """The cell as it was entered, from its published copy."""
    return value[1:] if isinstance(value, str) and value.startswith(ESCAPE) and needs_escape(value[1:]) else value


def escaped_fields(table: Table) -> frozenset[str]:
    """The fields whose cells are escaped: text fields, EDTF dates aside."""
    return frozenset(f.name for f in table.fields if f.type == "string" and f.kind != "edtf")


def safe_csv_text(source: Path, table: Table) -> tuple[str, int]:
    """The CSV file `source` (a table of `table`) with its text cells escaped, written as the ledger's
    own CSV files are (UTF-8, `\\n` line ends, minimal quoting); and how many cells were escaped."""
    with open(source, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    escaped = 0
    if rows:
        text_columns = [i for i, name in enumerate(rows[0]) if name in escaped_fields(table)]
        for row in rows[1:]:
            for i in text_columns:
                if i < len(row) and needs_escape(row[i]):
                    row[i] = escape_cell(row[i])
                    escaped += 1
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue(), escaped
