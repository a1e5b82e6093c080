"""What the claims say about one field of one record: each supporting claim's reading of an amount
or count (its printed figure, or our normalised `value` where the printed form is not recorded),
and whether those readings disagree beyond the rounding they were written with."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pandas as pd

from armsledger.model import figures

# The claim values that a reading can be made of: the schema's kinds for amounts and counts.
READABLE_KINDS = {"amount": "money", "count": "count"}


@dataclass(frozen=True)
class Reading:
    """One claim's value for a field: [low, high] is what its written precision allows."""

    claim_id: str
    source_id: str
    field: str
    text: str
    low: Decimal
    high: Decimal
    point: Decimal
    printed: bool  # from the figure as printed, not from our normalised value

    def overlaps(self, other: Reading) -> bool:
        """Whether the two could be the same value written with different rounding. Ranges that
        only touch ($1.63bn and $1.64bn meet at 1.635) do not: their sources disagree."""
        return self.low < other.high and other.low < self.high or self.point == other.point


def half_unit(number: Decimal) -> Decimal:
    """Half a unit of the last non-zero digit as written in a normalised value: 1630000000 → 5000000."""
    exponent = number.normalize().as_tuple().exponent
    return Decimal(1).scaleb(exponent if isinstance(exponent, int) else 0) / 2


def value_reading(value: str) -> Decimal | None:
    """A claim's `value` cell as a number; None when it is not one."""
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def reading(claim_id: str, source_id: str, field: str, kind: str, figure: str, value: str,
            language: str | None, currency: str | None) -> Reading | None:
    """The claim's reading of `field` (kind money or count), None when it gives none or gives it in
    another currency (a source's own conversion is no reading of the reported value). Raises
    figures.FigureError for a figure that cannot be read."""
    figure, value = (figure or "").strip(), (value or "").strip()
    if figure:
        parsed = figures.parse_figure(kind, figure, language)
        if isinstance(parsed, figures.Money):
            if parsed.currency and currency and parsed.currency != currency:
                return None
            high = parsed.high if parsed.high is not None else parsed.value
            high_tolerance = parsed.high_tolerance if parsed.high is not None else parsed.tolerance
            return Reading(claim_id, source_id, field, figure, parsed.value - parsed.tolerance,
                           high + (high_tolerance or Decimal(0)), parsed.value, True)
        return Reading(claim_id, source_id, field, figure, parsed.value, parsed.value, parsed.value, True)
    number = value_reading(value) if value else None
    if number is None:
        return None
    tolerance = half_unit(number) if kind == "money" else Decimal(0)
    return Reading(claim_id, source_id, field, value, number - tolerance, number + tolerance, number, False)


def record_reading(record_id: str, field: str, amount: object, kind: str) -> Reading | None:
    """The record's own value as a reading: exact, or ± the rounding an approximate value carries."""
    number = value_reading(str(amount)) if amount is not None and str(amount).strip() not in ("", "nan") else None
    if number is None:
        return None
    tolerance = half_unit(number) if kind in ("approx", "at_least", "at_most") else Decimal(0)
    return Reading(record_id, "", field, f"the record's {amount}", number - tolerance, number + tolerance, number,
                   printed=False)


def disagreeing(readings: list[Reading]) -> bool:
    """Whether any two readings of one field cannot be the same value."""
    return any(not a.overlaps(b) for i, a in enumerate(readings) for b in readings[i + 1:])


def conflicting_values(claims: pd.DataFrame, records: pd.DataFrame, kinds: dict[tuple[str, str], str],
                       languages: dict[str, str]) -> pd.DataFrame:
    """One row per (record, field) whose supporting claims give values that disagree: the lowest
    and highest reading, the readings as written, and the sources. `kinds` maps (table, field) to
    the schema kind; `records` carries record_id, table and currency."""
    currency = dict(zip(records["record_id"], records["currency"], strict=True))
    table_of = dict(zip(records["record_id"], records["table"], strict=True))
    own = {(r, "amount"): (a, k) for r, a, k in zip(records["record_id"], records["amount"], records["amount_kind"],
                                                    strict=True)}
    by_field: dict[tuple[str, str], list[Reading]] = {}
    supporting = claims[claims["stance"] == "supports"]
    for row in supporting.itertuples(index=False):
        table = table_of.get(row.record_id)
        for name in (f.strip() for f in str(row.fields).split("|") if f.strip()):
            kind = READABLE_KINDS.get(kinds.get((table, name), ""))
            if kind is None:
                continue
            try:
                found = reading(row.claim_id, row.source_id, name, kind, row.figure, getattr(row, "value", ""),
                                languages.get(row.source_id), currency.get(row.record_id) or None)
            except figures.FigureError:
                continue  # the validator reports it
            if found is not None:
                by_field.setdefault((row.record_id, name), []).append(found)
    rows = []
    for (record_id, name), readings in by_field.items():
        printed = any(r.printed for r in readings)  # as in the validator: the record speaks only for unprinted claims
        mine = record_reading(record_id, name, *own[(record_id, name)]) \
            if (record_id, name) in own and not printed else None
        if not disagreeing(readings + ([mine] if mine else [])):
            continue
        ordered = sorted(readings + ([mine] if mine else []), key=lambda r: (r.point, r.source_id))
        rows.append({"record_id": record_id, "field": name, "low": float(ordered[0].point),
                     "high": float(ordered[-1].point), "currency": currency.get(record_id, ""),
                     "readings": [(r.text, r.source_id, r.printed, float(r.point)) for r in ordered],
                     "source_ids": sorted({r.source_id for r in ordered if r.source_id})})
    return pd.DataFrame(rows, columns=["record_id", "field", "low", "high", "currency", "readings", "source_ids"])
