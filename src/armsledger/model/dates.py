"""EDTF dates: parse with the `edtf` package and expose only strict bounds and precision."""

from __future__ import annotations

import calendar
import contextlib
import datetime as dt
import io
import math
import re
import time
from dataclasses import dataclass, field
from functools import lru_cache

Precision = str  # "day" | "month" | "year" | "interval" | "set"


class EDTFError(ValueError):
    """A string is not a valid EDTF date for this project."""


@dataclass(frozen=True)
class DateRange:
    """Strict bounds of an EDTF expression; None for an open (`..`) end."""

    text: str
    earliest: dt.date | None
    latest: dt.date | None
    precision: Precision
    approximate: bool = False
    uncertain: bool = False
    members: tuple[DateRange, ...] = field(default=(), repr=False)

    def contains(self, day: dt.date) -> bool:
        """True when `day` falls inside the range (inside any member, for sets)."""
        if self.members:
            return any(m.contains(day) for m in self.members)
        lower_ok = self.earliest is None or self.earliest <= day
        upper_ok = self.latest is None or day <= self.latest
        return lower_ok and upper_ok

    def covers(self, other: DateRange) -> bool:
        """True when `other` lies entirely within this range (within one member, for sets)."""
        if other.earliest is None or other.latest is None:
            return False
        if self.members:
            return any(m.covers(other) for m in self.members)
        return self.contains(other.earliest) and self.contains(other.latest)


def _to_date(value: object) -> dt.date | None:
    if isinstance(value, float) and math.isinf(value):
        return None
    if isinstance(value, time.struct_time):
        year, month, day = value.tm_year, value.tm_mon, value.tm_mday
        # struct_time carries no validation of its own; clamp to the month's length.
        day = min(day, calendar.monthrange(year, month)[1])
        return dt.date(year, month, day)
    raise EDTFError(f"unexpected bound {value!r}")


def _precision(obj: object) -> Precision:
    name = type(obj).__name__
    if name in ("Interval", "Level1Interval", "Level2Interval"):
        return "interval"
    if name in ("MultipleDates", "OneOfASet"):
        return "set"
    inner = getattr(obj, "date", None)
    if inner is not None and inner is not obj and hasattr(inner, "lower_strict"):
        return _precision(inner)
    precision = getattr(obj, "precision", None)
    if precision in ("day", "month", "year"):
        return precision
    # Season, decade, unspecified digits: coarser than a month, report as year.
    return "year"


def _flags(obj: object) -> tuple[bool, bool]:
    approximate = bool(getattr(obj, "is_approximate", False) or getattr(obj, "_is_approximate", False))
    uncertain = bool(getattr(obj, "is_uncertain", False) or getattr(obj, "_is_uncertain", False))
    # `%` (uncertain and approximate) sets neither flag above in edtf, only its own.
    both = bool(getattr(obj, "is_uncertain_and_approximate", False))
    return approximate or both, uncertain or both


_SIMPLE_DATE = re.compile(r"([1-9]\d{3})(?:-(\d{2})(?:-(\d{2}))?)?")


def _simple_bounds(text: str) -> tuple[dt.date, dt.date, Precision] | None:
    """Bounds of a plain `YYYY`, `YYYY-MM` or `YYYY-MM-DD`; None for anything else (or an impossible day)."""
    match = _SIMPLE_DATE.fullmatch(text)
    if match is None:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if day is not None:
            first = last = dt.date(year, month, day)
            return first, last, "day"
        if month is not None:
            return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1]), "month"
        return dt.date(year, 1, 1), dt.date(year, 12, 31), "year"
    except ValueError:
        return None


def _parse_simple(text: str) -> DateRange | None:
    """The common forms (a plain date or an interval of two) without the `edtf` grammar, which costs
    about 5 ms a string: tens of thousands of records carry a thousand distinct dates. Anything else,
    and anything invalid, goes to the full parser; tests check both give the same result."""
    start, slash, end = text.partition("/")
    first = _simple_bounds(start)
    if first is None:
        return None
    if not slash:
        return DateRange(text, first[0], first[1], first[2])
    last = _simple_bounds(end)
    if last is None or first[0] > last[1]:
        return None
    return DateRange(text, first[0], last[1], "interval")


@lru_cache(maxsize=4096)
def parse_edtf(text: str) -> DateRange:
    """Parse an EDTF string into strict bounds; raise EDTFError with a readable reason."""
    if text is None or not str(text).strip():
        raise EDTFError("empty date")
    text = str(text).strip()
    simple = _parse_simple(text)
    if simple is not None:
        return simple
    return _parse_full(text)


def _member_as_interval(member: str) -> str:
    """A set's consecutive run (2024-02..2024-04, ..2024-03) written as the interval it is."""
    if member.startswith(".."):
        return "../" + member[2:]
    if member.endswith(".."):
        return member[:-2] + "/.."
    return member.replace("..", "/") if ".." in member else member


def _parse_full(text: str) -> DateRange:
    # edtf fills an empty interval end with an arbitrary ten-year offset; the project
    # writes an open end as `..` and keeps it open.
    if "/" in text and (text.startswith("/") or text.endswith("/")):
        raise EDTFError(f"{text!r} has an empty interval end; write an open end as '..'")
    import edtf  # builds its grammar on import (0.1 s); plain dates never need it

    try:
        # The parser prints debugging lines for some inputs (2024-1X); they must not end up in
        # the validator's one-problem-per-line output.
        with contextlib.redirect_stdout(io.StringIO()):
            parsed = edtf.parse_edtf(text)
    except Exception as exc:  # the parser raises several exception types
        raise EDTFError(f"{text!r} is not a valid EDTF date") from exc
    precision = _precision(parsed)
    members: tuple[DateRange, ...] = ()
    if precision == "set":
        members = tuple(parse_edtf(_member_as_interval(str(obj))) for obj in parsed.objects)
    approximate, uncertain = _flags(parsed)
    try:
        earliest = _to_date(parsed.lower_strict())
        latest = _to_date(parsed.upper_strict())
    except (ValueError, OverflowError) as exc:
        raise EDTFError(f"{text!r} has an impossible date") from exc
    if earliest is not None and latest is not None and earliest > latest:
        raise EDTFError(f"{text!r} ends before it starts")
    if precision in ("day", "month") and earliest is not None and latest is not None:
        # Unspecified digits (2024-XX, 2024-03-XX) widen the bounds; edtf still reports the
        # written precision, so take it from the bounds instead.
        if (earliest.year, earliest.month) != (latest.year, latest.month):
            precision = "year"
        elif precision == "day" and earliest != latest:
            precision = "month"
    return DateRange(text, earliest, latest, precision, approximate, uncertain, members)


def is_valid_edtf(text: str) -> bool:
    try:
        parse_edtf(text)
    except EDTFError:
        return False
    return True


def _date_row(value) -> tuple:
    import pandas as pd

    if value is None or (isinstance(value, float) and math.isnan(value)) or str(value).strip() == "":
        return pd.NaT, pd.NaT, None
    parsed = parse_edtf(str(value))
    return (
        pd.Timestamp(parsed.earliest) if parsed.earliest else pd.NaT,
        pd.Timestamp(parsed.latest) if parsed.latest else pd.NaT,
        parsed.precision,
    )


def date_columns(values, prefix: str = ""):
    """Derive `earliest`, `latest` (Timestamps, NaT when open or blank) and `precision` columns
    from a Series of EDTF strings."""
    import pandas as pd  # imported here so that parsing dates alone stays light

    derived: dict = {}  # a ledger repeats few distinct dates; derive each once
    rows = []
    for value in values:
        row = derived.get(value) if isinstance(value, str) else None
        if row is None:
            row = _date_row(value)
            if isinstance(value, str):
                derived[value] = row
        rows.append(row)
    frame = pd.DataFrame(rows, columns=[f"{prefix}earliest", f"{prefix}latest", f"{prefix}precision"],
                         index=values.index)
    for col in (f"{prefix}earliest", f"{prefix}latest"):
        frame[col] = pd.to_datetime(frame[col])
    return frame
