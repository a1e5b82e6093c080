"""DataFrame → Markdown tables that survive both HTML and Typst, with text from data escaped."""

from __future__ import annotations

import math
import re

import pandas as pd

# Pandoc Markdown gives meaning to these characters (raw HTML, emphasis, citations, links,
# table pipes, math, shortcodes, smart quotes); a backslash makes each one literal text, so a
# value from the data prints exactly as it was written.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#+!|@$~^&='\"])")


def escape(text: object) -> str:
    """Make any value literal Markdown text: `<script>` stays visible text, `@id` is no citation."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or text is pd.NA:
        return ""
    value = " ".join(str(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", value)


NO_ROWS = "No records match this edition's filters."
# The longest table the report prints, about 30 PDF pages. Pandoc and Typst take minutes and gigabytes
# over tables of tens of thousands of rows (a 30,000-record appendix is a 1,000-page PDF), and a reader
# looks such a record up in the data package anyway.
MAX_PRINTED_ROWS = 1_000


def truncated(frame: pd.DataFrame, noun: str, note_column: str, mark_column: str,
              where: str = "the published data package (data/armsledger-data.zip)") -> pd.DataFrame:
    """`frame`, or its first MAX_PRINTED_ROWS rows and a closing row saying how many `noun` there are
    and `where` all of them are."""
    if len(frame) <= MAX_PRINTED_ROWS:
        return frame
    note = (f"{len(frame) - MAX_PRINTED_ROWS:,} more {noun} are not listed: this table lists the first "
            f"{MAX_PRINTED_ROWS:,} of {len(frame):,}. Every one is in {where}.")
    closing = pd.DataFrame([{column: "" for column in frame.columns} | {mark_column: "…", note_column: note}])
    return pd.concat([frame.iloc[:MAX_PRINTED_ROWS], closing], ignore_index=True)


def printed(frame: pd.DataFrame, where: str = "the published data package (data/armsledger-data.zip)") -> pd.DataFrame:
    """The rows a page prints of a table frame: all of them, or as many as its attrs["truncate"]
    (noun, note column, mark column) allows, with the closing row."""
    if "truncate" not in frame.attrs:
        return frame
    noun, note_column, mark_column = frame.attrs["truncate"]
    return truncated(frame, noun, note_column=note_column, mark_column=mark_column, where=where)


def citations(source_ids: list[str] | None) -> str:
    """Pandoc citation for a list of source ids: [@a; @b]."""
    ids = [s for s in (source_ids or []) if s]
    return "[" + "; ".join(f"@{s}" for s in ids) + "]" if ids else ""


def to_markdown(frame: pd.DataFrame, raw_columns: tuple[str, ...] = (), align: dict[str, str] | None = None) -> str:
    """Pipe table; every cell escaped except `raw_columns` (our own Markdown, e.g. citations). Columns
    named with a leading `_` are data for the table's download (present.downloads), not shown."""
    frame = frame[[c for c in frame.columns if not str(c).startswith("_")]]
    if frame.empty:
        # Still a table, with its header and one row saying so: readers and both renderers see a table.
        columns = list(frame.columns) or ["note"]
        frame = pd.DataFrame([{c: (NO_ROWS if i == 0 else "") for i, c in enumerate(columns)}])
    cells = frame.copy()
    for column in cells.columns:
        if column not in raw_columns:
            cells[column] = [escape(v) for v in cells[column]]
        else:
            cells[column] = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                             for v in cells[column]]
    colalign = [(align or {}).get(c, "left") for c in cells.columns]
    markdown = cells.to_markdown(index=False, tablefmt="pipe", colalign=colalign, disable_numparse=True)
    return _set_widths(markdown, _width_weights(cells, raw_columns), colalign)


_CITATION = re.compile(r"@[\w-]+")
# Where a line may break: at spaces and after a hyphen before a letter (Unicode line breaking, which
# browsers and Typst follow), so a long record id such as agg-2024-jan-jul-arms-exports wraps.
_BREAKS = re.compile(r"\s+|(?<=-)(?=[^\W\d])")
# About how many characters of 7.5-point text fit across an A4 page with 2 cm margins.
LINE_CHARACTERS = 125


def _visible(text: str, raw: bool) -> tuple[int, int]:
    """(rendered length, longest unbreakable word) of a cell; a citation key renders as
    'Publisher Year', about 18 characters with breaks inside."""
    if raw and "@" in text:
        return 18 * len(_CITATION.findall(text)), 12
    plain = text.replace("\\", "")
    return len(plain), max((len(w) for w in _BREAKS.split(plain)), default=0)


def _width_weights(cells: pd.DataFrame, raw_columns: tuple[str, ...]) -> list[int]:
    """Column widths in characters: every column gets its longest word, and what is left of a
    line goes to the columns with long text, in proportion to how much more they need."""
    minimum, wanted = [], []
    for column in cells.columns:
        measured = [_visible(str(v), column in raw_columns) for v in cells[column]]
        longest_word = max([w for _, w in measured] + [len(word) for word in str(column).split()])
        longest_cell = max([n for n, _ in measured] + [len(str(column))])
        minimum.append(longest_word + 2)
        wanted.append(max(min(longest_cell, 60) + 2 - (longest_word + 2), 0))
    spare = LINE_CHARACTERS - sum(minimum)
    if spare <= 0 or not sum(wanted):
        return minimum
    share = min(1.0, spare / sum(wanted))
    return [m + round(w * share) for m, w in zip(minimum, wanted, strict=True)]


def _set_widths(markdown: str, weights: list[int], colalign: list[str]) -> str:
    """Rewrite the separator row so Pandoc gives columns widths in proportion to their content.

    Pandoc reads relative column widths from the dash counts of a pipe table whose lines exceed
    its 72-column limit; tabulate pads every cell to the longest one, which lets one long cell
    (a list of citation keys) crush every other column, most visibly in the PDF.
    """
    lines = markdown.splitlines()
    separators = []
    for weight, how in zip(weights, colalign, strict=True):
        dashes = "-" * max(3, weight)
        separators.append(f"{dashes}:" if how == "right" else f":{dashes}")
    lines[1] = "|" + "|".join(separators) + "|"
    return "\n".join(lines)
