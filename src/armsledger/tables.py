"""DataFrame → Markdown tables that survive both HTML and Typst, with text from data escaped."""

from __future__ import annotations

import math
import re

import pandas as pd

from armsledger.money import format_money

# Pandoc Markdown gives meaning to these characters (raw HTML, emphasis, citations, links,
# table pipes, math, shortcodes); a backslash makes each one literal text.
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>#+!|@$~^&=])")


def escape(text: object) -> str:
    """Make any value literal Markdown text: `<script>` stays visible text, `@id` is no citation."""
    if text is None or (isinstance(text, float) and math.isnan(text)) or text is pd.NA:
        return ""
    value = " ".join(str(text).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", value)


def citations(source_ids: list[str] | None) -> str:
    """Pandoc citation for a list of source ids: [@a; @b]."""
    ids = [s for s in (source_ids or []) if s]
    return "[" + "; ".join(f"@{s}" for s in ids) + "]" if ids else ""


def money_cell(value: float, currency: str) -> str:
    if value is None or (isinstance(value, float) and (math.isnan(value))):
        return "–"
    if isinstance(value, float) and math.isinf(value):
        return "open"
    return format_money(value, currency, digits=2)


def to_markdown(frame: pd.DataFrame, raw_columns: tuple[str, ...] = (), align: dict[str, str] | None = None) -> str:
    """Pipe table; every cell escaped except `raw_columns` (our own Markdown, e.g. citations)."""
    if frame.empty:
        return "*No records match this edition's filters.*"
    cells = frame.copy()
    for column in cells.columns:
        if column not in raw_columns:
            cells[column] = [escape(v) for v in cells[column]]
        else:
            cells[column] = ["" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)
                             for v in cells[column]]
    colalign = [(align or {}).get(c, "left") for c in cells.columns]
    return cells.to_markdown(index=False, tablefmt="pipe", colalign=colalign, disable_numparse=True)
