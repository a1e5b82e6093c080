"""The project's own rules on single rows and tables: finite numbers, EDTF dates, money fields,
ISO codes, certainty overrides, operator scope and `derived_from` cycles."""

from __future__ import annotations

import re
from functools import cache

import pycountry

from armsledger.model import cells, figures, lineage
from armsledger.model.dates import EDTFError, parse_edtf
from armsledger.validate.problems import display_path
from armsledger.validate.structure import Context
from armsledger.validate.tabular import non_finite

# User-assigned but universal code for Kosovo; pycountry does not list it.
EXTRA_COUNTRIES = frozenset({"XKX"})


@cache
def is_currency(code: str) -> bool:
    return bool(re.fullmatch(r"[A-Z]{3}", code)) and pycountry.currencies.get(alpha_3=code) is not None


@cache
def is_country(code: str) -> bool:
    return (code in EXTRA_COUNTRIES or pycountry.countries.get(alpha_3=code) is not None
            or pycountry.historic_countries.get(alpha_3=code) is not None)


def check_numbers(ctx: Context) -> None:
    """Numbers in the one syntax the Ledger reads (model.cells): Python and Frictionless would also take
    `780_000`, Arabic-Indic digits or `1e7`, and the build would then read what no one wrote."""
    for table in ctx.tables.values():
        numeric = {f.name: f.type == "integer" for f in table.spec.fields if f.type in ("number", "integer")}
        for i, row in enumerate(table.rows):
            for name, integer in numeric.items():
                cell = row[name]
                if not cell:
                    continue
                if non_finite(cell):
                    ctx.at(table, i, name, "type", f'must be a finite number, got "{cell}"')
                    continue
                problem = cells.number_problem(cell, integer)
                if problem is not None:
                    ctx.at(table, i, name, "type", cells.escape_controls(problem))


def check_edtf(ctx: Context) -> None:
    for table in ctx.tables.values():
        for name in table.present("edtf"):
            for i, row in enumerate(table.rows):
                value = row[name]
                if not value.strip():
                    continue
                try:
                    parse_edtf(value)
                except EDTFError as exc:
                    ctx.at(table, i, name, "edtf", str(exc))


def check_money(ctx: Context) -> None:
    for table in ctx.tables.values():
        if not table.spec.has_money:
            continue
        fields = table.fields
        for i, row in enumerate(table.rows):
            amount, high = row["amount"].strip(), row.get("amount_max", "").strip()
            kind = row.get("amount_kind", "").strip()
            currency = row.get("currency", "").strip()
            if high and kind != "range":
                ctx.at(table, i, "amount_max", "amount-max",
                       f'amount_max is only for amount_kind=range (amount_kind is "{kind}")')
            elif high:
                low_value, high_value = figures.as_decimal(amount), figures.as_decimal(high)
                if low_value is not None and high_value is not None and high_value < low_value:
                    ctx.at(table, i, "amount_max", "amount-max", f"must be at least amount ({high} < {amount})")
            elif kind == "range" and "amount_max" in fields:
                ctx.at(table, i, "amount_max", "amount-max", "amount_kind=range needs amount_max")
            if "amount_kind" in fields and "amount_kind" not in table.missing_columns:
                if amount and not kind:
                    ctx.at(table, i, "amount_kind", "amount-kind",
                           "an amount needs amount_kind (exact, approx, at_least, at_most or range)")
                elif kind == "range" and not amount and high:
                    ctx.at(table, i, "amount", "amount-kind", "a range needs amount, its low end")
            if (amount or high) and not currency and "currency" in fields:
                ctx.at(table, i, "currency", "currency-missing", "a currency is required when an amount is given")
            if kind == "undisclosed" and amount:
                ctx.at(table, i, "amount", "undisclosed-amount",
                       f'must be blank when amount_kind=undisclosed, got "{amount}"')
            for name in table.spec.of_kind("currency"):
                code = row[name].strip()
                if re.fullmatch(r"[A-Z]{3}", code) and not is_currency(code):
                    ctx.at(table, i, name, "currency-code", f'"{code}" is not an ISO 4217 currency code')


def check_operator_scope(ctx: Context) -> None:
    """An operator narrows a count of flights; on a money total it would be silently ignored."""
    table = ctx.tables.get("aggregates")
    if table is None or "operator_id" not in table.fields or "scope" not in table.fields:
        return
    for i, row in enumerate(table.rows):
        scope = row["scope"].strip()
        if row["operator_id"].strip() and scope != "military_flights":
            ctx.at(table, i, "operator_id", "operator-scope",
                   f'operator_id is only for scope=military_flights (scope is "{scope}")')


def check_countries(ctx: Context) -> None:
    for table in ctx.tables.values():
        names = table.spec.of_kind("country")
        for i, row in enumerate(table.rows):
            for name in names:
                value = row[name].strip()
                if re.fullmatch(r"[A-Z]{3}", value) and not is_country(value):
                    ctx.at(table, i, name, "country-code",
                           f'"{value}" is not an ISO 3166-1 alpha-3 country code (current or historic)')


def check_states(ctx: Context) -> None:
    """A party belongs to the state of its country (model.ledger.entity_lineage): with two states for one
    country, exports would be credited to one of them and silently missing from the other."""
    entities = ctx.core("entities")
    if entities is None or not {"type", "country"} <= set(entities.fields) - entities.missing_columns:
        return
    first: dict[str, int] = {}
    for i, row in enumerate(entities.rows):
        country = row["country"].strip()
        if row["type"].strip() != "state" or not country:
            continue
        if first.setdefault(country, i) != i:
            other = entities.rows[first[country]][entities.spec.primary_key].strip()
            ctx.at(entities, i, "country", "duplicate-state",
                   f'{country} is already the country of the state "{other}" '
                   f"({display_path(entities.path)}:{entities.row_numbers[first[country]]}): one state per "
                   "country, or the parties of that country would belong to one of them only")


def check_certainty(ctx: Context) -> None:
    for table in ctx.tables.values():
        if "certainty_override" not in table.fields:
            continue
        for i, row in enumerate(table.rows):
            override = row["certainty_override"].strip()
            if override and not row.get("certainty_note", "").strip():
                ctx.at(table, i, "certainty_note", "certainty-note",
                       f'certainty_override "{override}" needs a certainty_note saying why')


def check_cycles(ctx: Context) -> None:
    sources = ctx.core("sources")
    if sources is None or "derived_from" in sources.missing_columns:
        return
    parents: dict[str, str] = {}
    position: dict[str, int] = {}
    for i, row in enumerate(sources.rows):
        sid = row["source_id"].strip()
        if sid and sid not in position:
            position[sid] = i
            parents[sid] = row["derived_from"].strip()
    reported: set[frozenset[str]] = set()
    for start in position:
        walked, looped = lineage.chain(parents, start)
        if not looped:
            continue
        back_to = parents[walked[-1]]
        cycle = walked[walked.index(back_to):]
        if frozenset(cycle) in reported:
            continue
        reported.add(frozenset(cycle))
        first = min(cycle, key=position.__getitem__)
        turn = cycle.index(first)
        ordered = cycle[turn:] + cycle[:turn]
        if len(ordered) == 1:
            message = f'source "{first}" derives from itself'
        else:
            message = "derived_from forms a cycle: " + " → ".join([*ordered, first])
        ctx.at(sources, position[first], "derived_from", "derived-cycle", message)


def _rows_by_id(table) -> dict[str, int]:
    pk = table.primary_key
    return {row[pk].strip(): i for i, row in reversed(list(enumerate(table.rows))) if row[pk].strip()}


def _bounds(text: str):
    try:
        parsed = parse_edtf(text)
    except EDTFError:
        return None
    return parsed.earliest, parsed.latest


def check_restates(ctx: Context) -> None:
    """A restatement gives a new figure for the same total: same scope, parties and period."""
    table = ctx.loaded("aggregates")
    if table is None or "restates_id" not in table.fields or "restates_id" in table.missing_columns:
        return
    index = _rows_by_id(table)
    for i, row in enumerate(table.rows):
        target = row["restates_id"].strip()
        if not target or target not in index:
            continue  # blank, or reported as a foreign-key problem
        if target == row["aggregate_id"].strip():
            ctx.at(table, i, "restates_id", "restates-scope", "a total cannot restate itself")
            continue
        other = table.rows[index[target]]
        differing = [name for name in ("scope", "exporter_id", "importer_id", "operator_id")
                     if name in table.fields and row[name].strip() != other[name].strip()]
        if _bounds(row["period"]) != _bounds(other["period"]):
            differing.append("period")
        if differing:
            ctx.at(table, i, "restates_id", "restates-scope",
                   f'restates "{target}", which differs in {", ".join(differing)}; a restatement gives a new figure '
                   "for the same period, scope and parties (link other totals with compared_to)")


def check_follows(ctx: Context) -> None:
    """A contract that follows another has the same supplier and buyer, and comes after it."""
    table = ctx.loaded("contracts")
    if table is None or "follows_id" not in table.fields or "follows_id" in table.missing_columns:
        return
    index = _rows_by_id(table)
    for i, row in enumerate(table.rows):
        target = row["follows_id"].strip()
        if not target or target not in index:
            continue
        if target == row["contract_id"].strip():
            ctx.at(table, i, "follows_id", "follows-parties", "a contract cannot follow itself")
            continue
        other = table.rows[index[target]]
        differing = [name for name in ("supplier_id", "recipient_id") if row[name].strip() != other[name].strip()]
        if differing:
            ctx.at(table, i, "follows_id", "follows-parties",
                   f'follows "{target}", which has another {" and ".join(differing)}; a contract follows an earlier '
                   "one with the same supplier and buyer (relate others with related_ids)")
            continue
        mine = next((row[n].strip() for n in ("signed", "announced") if row[n].strip()), "")
        theirs = next((other[n].strip() for n in ("signed", "announced") if other[n].strip()), "")
        mine_bounds, their_bounds = _bounds(mine) if mine else None, _bounds(theirs) if theirs else None
        if mine_bounds and their_bounds and mine_bounds[1] and their_bounds[0] and mine_bounds[1] < their_bounds[0]:
            ctx.at(table, i, "follows_id", "follows-parties",
                   f'is dated {mine}, before "{target}" ({theirs}), which it is said to follow')


def check_halts(ctx: Context) -> None:
    """A halt lasts a period: its date is an interval, an open end written `..`."""
    table = ctx.loaded("events")
    if table is None or not {"kind", "date"} <= set(table.fields) - table.missing_columns:
        return
    for i, row in enumerate(table.rows):
        if row["kind"].strip() != "halt" or not row["date"].strip():
            continue
        if "/" not in row["date"]:
            ctx.at(table, i, "date", "halt-period",
                   f'a halt is dated by the period it lasts (2025-06-23/.. while it is in force), got "{row["date"]}"')
