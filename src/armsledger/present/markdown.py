"""DataFrame → Markdown tables that survive both HTML and Typst, with text from data escaped."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from armsledger.model.lineage import lines
from armsledger.present.format import period_label

# Pandoc Markdown gives meaning to these characters (raw HTML, emphasis, citations, links,
# table pipes, math, shortcodes, smart quotes); a backslash makes each one literal text, so a
# value from the data prints exactly as it was written.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#+!|@$~^&='\"])")
# Pandoc's `smart` extension (on in both renderers, for our own prose) turns `--` into an en dash,
# `---` into an em dash and `...` into an ellipsis; escaped, data text prints them as written.
_SMART_RUNS = re.compile(r"([-.])(?=\1)")


def escape(text: object) -> str:
    """Make any value literal Markdown text: `<script>` stays visible text, `@id` is no citation."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or text is pd.NA:
        return ""
    value = " ".join(str(text).split())
    return _SMART_RUNS.sub(r"\\\1", _MARKDOWN_SPECIAL.sub(r"\\\1", value))


NO_ROWS = "No records match this edition's filters."
# The longest table the report prints, about 8 PDF pages of the condensed appendix (three times the
# real ledger's longest table). Pandoc and Typst take time and memory in proportion to the printed rows
# (at 30,000 records a dozen tables of 1,000 rows made a render of 5 GB), and a reader looks such a
# record up in the data package anyway.
MAX_PRINTED_ROWS = 250


DATA_PACKAGE = "the published data package (data/armsledger-data.zip)"
# A long cell of these columns is no place for the closing note: citations are raw Markdown.
_NOT_FOR_NOTES = ("sources",)


def closing_note(total: int, noun: str = "rows", where: str = DATA_PACKAGE) -> str:
    """The line that ends a capped table: how many rows it leaves out and where all of them are."""
    return (f"{total - MAX_PRINTED_ROWS:,} more {noun} in the data: this table lists the first "
            f"{MAX_PRINTED_ROWS:,} of {total:,}. Every one is in {where}.")


def _note_columns(frame: pd.DataFrame) -> tuple[str, str]:
    """(note column, mark column) of a table that names neither: the note goes in the visible text
    column with the longest cells (it is the widest on the page), the mark "…" in the first other column."""
    visible = [c for c in frame.columns if not str(c).startswith("_")]
    if not visible:
        return frame.columns[0], frame.columns[0]
    candidates = [c for c in visible if c not in _NOT_FOR_NOTES] or visible
    head = frame.head(50)  # enough rows to tell a text column from a column of counts
    note = max(candidates, key=lambda c: head[c].astype(str).str.len().mean() if len(head) else 0)
    return note, next((c for c in visible if c != note), note)


def truncated(frame: pd.DataFrame, noun: str, note_column: str, mark_column: str,
              where: str = DATA_PACKAGE) -> pd.DataFrame:
    """`frame`, or its first MAX_PRINTED_ROWS rows and a closing row saying how many `noun` there are
    and `where` all of them are."""
    if len(frame) <= MAX_PRINTED_ROWS or frame.attrs.get("capped"):
        return frame
    closing = pd.DataFrame([{column: "" for column in frame.columns}
                            | {mark_column: "…", note_column: closing_note(len(frame), noun, where)}])
    out = pd.concat([frame.iloc[:MAX_PRINTED_ROWS], closing], ignore_index=True)
    out.attrs = {**frame.attrs, "capped": True}  # printed once: a second pass keeps it as it is
    return out


def printed(frame: pd.DataFrame, where: str = DATA_PACKAGE) -> pd.DataFrame:
    """The rows a page prints of any table frame: all of them, or the first MAX_PRINTED_ROWS and a
    closing row. attrs["truncate"] (noun, note column, mark column) words the note; without it the
    noun is "rows" and _note_columns picks the columns, so no table escapes the cap."""
    if len(frame) <= MAX_PRINTED_ROWS:
        return frame
    if "truncate" in frame.attrs:
        noun, note_column, mark_column = frame.attrs["truncate"]
    else:
        noun, (note_column, mark_column) = "rows", _note_columns(frame)
    return truncated(frame, noun, note_column=note_column, mark_column=mark_column, where=where)


def citations(source_ids: list[str] | None, lineage: Mapping[str, str] | None = None) -> str:
    """Pandoc citation for a list of source ids, grouped by line of reporting: each original first, then
    the relays it was read through, each marked "via":

        [@birn-haaretz-2024-06-arms-flown; via @eurasiaro-…; via @fonet-…; @defensepost-…]

    `lineage` maps every source the edition's bibliography holds to the original it republishes or
    summarises ('' for none; model.reporting.citation_lineage gives an edition's). Without it, the ids
    are cited as they are: [@a; @b]. ("via" is a prefix of each relay: Pandoc reads "@a, @b" inside one
    item as a citation nested in a suffix.)"""
    ids = [s for s in (source_ids or []) if s]
    if not ids:
        return ""
    if lineage is None:
        return "[" + "; ".join(f"@{s}" for s in ids) + "]"
    items = []
    for root, relays in lines(ids, lineage):
        items.append(f"@{root}")
        items.extend(f"via @{relay}" for relay in relays)
    return "[" + "; ".join(items) + "]"


def lines_of_reporting_table(lines_frame: pd.DataFrame) -> pd.DataFrame:
    """The Sources section's table: one row per line of reporting (model.reporting.lines_of_reporting),
    the original cited (`original`, our Markdown: print it as a raw column), whether we read it (an
    original we did not read is known only through the outlets listed), the outlets it is known through
    with their language and date, and how many of the edition's records the line supports."""
    columns = ["original", "read", "known through (outlet, language, date)", "records"]
    if lines_frame.empty:
        return pd.DataFrame(columns=columns)
    rows = []
    for line, group in lines_frame.groupby("line", sort=False):
        original = group[group["role"] == "original"].iloc[0]
        relays = group[group["role"] == "relay"]
        through = "; ".join(f"{r.publisher} ({r.language}, {_published(r.published, r.published_basis)})"
                            for r in relays.itertuples(index=False))
        rows.append({
            "original": f"[@{line}]",
            "read": "yes" if original["read"] else "no",
            "known through (outlet, language, date)": through or "read directly",
            "records": str(int(original["records"])),
        })
    return pd.DataFrame(rows, columns=columns)


def _published(published: str, basis: str) -> str:
    """A source's date as the table prints it; a page that shows none says so."""
    return "date not shown" if basis == "not_shown" else period_label(published)


def to_markdown(frame: pd.DataFrame, raw_columns: tuple[str, ...] = (), align: dict[str, str] | None = None,
                where: str = DATA_PACKAGE) -> str:
    """Pipe table of at most MAX_PRINTED_ROWS rows and a closing row (`printed`: the one place every
    report table is capped, so none can escape it); every cell escaped except `raw_columns` (our own
    Markdown, e.g. citations). Columns named with a leading `_` are data for the table's download
    (present.downloads), not shown."""
    frame = printed(frame, where)
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
# A citation key prints as "Publisher Year" and a separator: about this many characters.
CITATION_CHARACTERS = 22
# Each cell's padding, in characters.
PADDING = 2


def _visible(text: str, raw: bool) -> tuple[int, int, float]:
    """(rendered length, longest unbreakable word, mean word length) of a cell; a citation key renders
    as 'Publisher Year', about CITATION_CHARACTERS characters with breaks inside."""
    if raw and "@" in text:
        return CITATION_CHARACTERS * len(_CITATION.findall(text)), 12, 7.0
    plain = text.replace("\\", "")
    words = [len(w) for w in _BREAKS.split(plain) if w]
    return len(plain), max(words, default=0), (sum(words) / len(words) if words else 0.0)


def _table_height(lengths: np.ndarray, widths: np.ndarray, words: np.ndarray) -> float:
    """Printed height of a table in lines, about: each row is as tall as its tallest cell, a cell takes
    its length over its column's width less the half word that wrapping leaves empty on each line;
    plus a twentieth of every cell's lines, which breaks ties towards columns long in many rows."""
    lines = np.ceil(lengths / np.maximum(widths - PADDING - words / 2, 1))
    return float(lines.max(axis=1).sum() + 0.05 * lines.sum())


def _width_weights(cells: pd.DataFrame, raw_columns: tuple[str, ...]) -> list[int]:
    """Column widths in characters, for a printed line of LINE_CHARACTERS: every column gets its
    longest word (a word is never broken), and what is left of the line goes, a few characters at a
    time, to the column where it saves the most printed lines. So a column of long texts widens and a
    column of ids wraps at its hyphens instead of taking a quarter of the page."""
    minimum, rows, words = [], [], []
    for column in cells.columns:
        measured = [_visible(str(v), column in raw_columns) for v in cells[column]]
        header = str(column)
        longest_word = max([w for _, w, _ in measured] + [len(word) for word in header.split()])
        minimum.append(longest_word + PADDING)
        rows.append([len(header)] + [n for n, _, _ in measured])
        filled = [m for n, _, m in measured if n]
        words.append(sum(filled) / len(filled) if filled else 0.0)
    widths = np.array(minimum, dtype=float)
    lengths = np.array(rows, dtype=float).T  # one row per table row, the header first
    words = np.array(words)
    spare = LINE_CHARACTERS - widths.sum()
    steps = (1, 2, 4, 8, 16, 32)
    height = _table_height(lengths, widths, words)
    while spare >= 1:
        best = (0.0, -1, 0, height)  # lines saved per character, column, characters, new height
        for column in range(len(widths)):
            for step in steps:
                if step > spare:
                    break
                trial = widths.copy()
                trial[column] += step
                new = _table_height(lengths, trial, words)
                if (height - new) / step > best[0] + 1e-9:
                    best = ((height - new) / step, column, step, new)
        if best[1] < 0:
            break  # no column prints shorter for being wider: the rest of the line stays unused
        _, column, step, height = best
        widths[column] += step
        spare -= step
    return [int(w) for w in widths]


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
