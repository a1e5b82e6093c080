"""How numbers, money and dates read in the report: currency symbols, ≈ and ≥, millions, English
date labels and counted nouns, in one place."""

from __future__ import annotations

import calendar
import math

from armsledger.model.dates import DateRange, parse_edtf
from armsledger.model.fx import is_missing

SYMBOLS = {"EUR": "€", "USD": "$"}
# A value's precision written before it: ≈ €14 million, ≥ 15 flights.
QUALIFIERS = {"approx": "≈ ", "at_least": "≥ ", "at_most": "≤ "}


def symbol(currency: str) -> str:
    """€ or $; any other currency as its code and a space (RSD 100)."""
    return SYMBOLS.get(currency, currency + " ")


def count_of(number: int, singular: str, plural: str | None = None) -> str:
    """"1 procurement", "3 procurements", "0 makers": generated sentences read as written ones."""
    return f"{number} {singular if number == 1 else (plural or singular + 's')}"


def format_money(value: float, currency: str, digits: int = 1, compact: bool = False) -> str:
    """Display string for prose: €42.3 million, $335.0 million, €540,120; compact: €42.3m, €0.54m."""
    if is_missing(value) or (isinstance(value, float) and not math.isfinite(value)):
        return "undisclosed"
    sign = symbol(currency)
    if compact:
        if abs(value) >= 1_000_000_000:
            return f"{sign}{value / 1_000_000_000:,.{digits + 1}f}bn"
        return f"{sign}{value / 1_000_000:,.{2 if abs(value) < 1_000_000 else digits}f}m"
    if abs(value) >= 1_000_000_000:
        return f"{sign}{value / 1_000_000_000:,.{digits + 1}f} billion"
    if abs(value) >= 1_000_000:
        return f"{sign}{value / 1_000_000:,.{digits}f} million"
    return f"{sign}{value:,.0f}"


def format_as_written(value: float, currency: str) -> str:
    """A figure from a source with no more decimals than it was stored with, so a reported
    €42.3 million does not print as €42.30 million nor $335 million as $335.0 million."""
    if is_missing(value) or (isinstance(value, float) and not math.isfinite(value)) or abs(value) < 1_000_000:
        return format_money(value, currency)
    if abs(value) >= 1_000_000_000:
        billions = f"{abs(value) / 1_000_000_000:.3f}".rstrip("0")
        return format_money(value, currency, digits=len(billions.split(".")[1]) - 1)  # billions print digits + 1
    millions = f"{abs(value) / 1_000_000:.3f}".rstrip("0")
    return format_money(value, currency, digits=len(millions.split(".")[1]))


def reported_text(amount: float, currency: str, kind: str, amount_max: float = math.nan) -> str:
    """A value as its sources report it: ≈ €14 million, ≥ €7.3 million, $1 million – $2 million;
    "undisclosed" when there is no amount."""
    if is_missing(amount) or (isinstance(amount, float) and math.isnan(amount)):
        return "undisclosed"
    text = QUALIFIERS.get(kind, "") + format_as_written(float(amount), currency)
    if kind == "range" and not (is_missing(amount_max) or math.isnan(float(amount_max))):
        text += " – " + format_as_written(float(amount_max), currency)
    return text


def money_cell(value: float, currency: str) -> str:
    """A table cell: – for unknown, "open" for an unbounded sum."""
    if value is None or (isinstance(value, float) and (math.isnan(value))):
        return "–"
    if isinstance(value, float) and math.isinf(value):
        return "open"
    return format_money(value, currency, digits=2)


def amount_cell(value: float, unit: str, kind: str = "", as_written: bool = False) -> str:
    """A money or flight-count cell; `as_written` keeps a published figure's own precision."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, float) and math.isinf(value):
        return "open"
    prefix = "≥ " if kind == "at_least" else ("≈ " if kind == "approx" else "")
    if unit == "flights":
        return prefix + count_of(round(value), "flight")
    if as_written:
        return prefix + format_as_written(value, unit)
    return prefix + format_money(value, unit, digits=2)


def rounded_cell(value: float, unit: str) -> str:
    """A tolerance to two significant figures: 599007 → €0.60 million, 55000 → €55,000."""
    digits = 2 - int(math.floor(math.log10(abs(value)))) - 1 if value else 0
    return amount_cell(float(round(value, digits)), unit)


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _single_label(rng: DateRange) -> str:
    if rng.earliest is None or rng.latest is None:
        start, _, end = rng.text.partition("/")
        if rng.earliest is None:
            return f"by {_single_label(parse_edtf(end.rstrip('~?%')))}"
        return f"from {_single_label(parse_edtf(start.rstrip('~?%')))}"
    first, last = rng.earliest, rng.latest
    whole_months = first.day == 1 and last.day == calendar.monthrange(last.year, last.month)[1]
    if first == last:
        return f"{first.day} {MONTHS[first.month - 1]} {first.year}"
    if whole_months and first.month == 1 and last.month == 12:
        return str(first.year) if first.year == last.year else f"{first.year}–{last.year}"
    if whole_months:
        if (first.year, first.month) == (last.year, last.month):
            return f"{MONTHS[first.month - 1]} {first.year}"
        if first.year == last.year:
            return f"{MONTHS[first.month - 1]}–{MONTHS[last.month - 1]} {first.year}"
        return f"{MONTHS[first.month - 1]} {first.year}–{MONTHS[last.month - 1]} {last.year}"
    if first.year == last.year and first.month == last.month:
        return f"{first.day}–{last.day} {MONTHS[first.month - 1]} {first.year}"
    return f"{first.day} {MONTHS[first.month - 1]} {first.year}–{last.day} {MONTHS[last.month - 1]} {last.year}"


def period_label(text: str) -> str:
    """Readable English label for an EDTF string: 2024-01/2024-07 → Jan–Jul 2024;
    {2024-02,2024-03,2024-05} → Feb + Mar + May 2024; a trailing ~ or ? is kept as 'about'/'?';
    a blank date is "undated"."""
    if not isinstance(text, str) or not text.strip():
        return "undated"
    rng = parse_edtf(text)
    if rng.members:
        years = {m.earliest.year for m in rng.members if m.earliest}
        if len(years) == 1 and all(m.precision == "month" for m in rng.members):
            return " + ".join(MONTHS[m.earliest.month - 1] for m in rng.members) + f" {years.pop()}"
        return " + ".join(_single_label(m) for m in rng.members)
    label = _single_label(rng)
    if rng.uncertain:
        label += "?"
    if rng.approximate:
        label = "about " + label if "/" not in text else label + " (approx.)"
    return label
