"""Evidence: every record is supported by a claim, claims name fields their record has, and each
record's amounts, dates, counts and names agree with the figures its claims quote."""

from __future__ import annotations

from collections import defaultdict

from armsledger.model import figures
from armsledger.model.dates import EDTFError, parse_edtf
from armsledger.model.evidence import READABLE_KINDS, Reading, disagreeing, reading, record_reading, value_reading
from armsledger.validate.rules import is_currency
from armsledger.validate.structure import Context, Table

KIND_HINTS = {"money": "an amount", "date": "a date or duration", "count": "a count"}
# The schema's field kinds as the figure parsers read them.
FIGURE_KINDS = {"amount": "money", "edtf": "date", "count": "count"}


def figure_kind(table: Table, name: str) -> str:
    """How a figure cited for `name` is read: money, date, count, reference (to named rows) or text."""
    spec = table.spec.field(name)
    if spec is None:
        return "text"
    if spec.kind in FIGURE_KINDS:
        return FIGURE_KINDS[spec.kind]
    if spec.kind == "id_list" or name in table.spec.references:
        return "reference"
    return "text"


def _money_text(row: dict[str, str], name: str = "amount") -> str:
    return f"{row.get(name, '').strip()} {row.get('currency', '').strip()}".strip()


def check_evidence(ctx: Context) -> None:
    claims = ctx.core("claims")
    if claims is None or not {"record_id", "stance"} <= set(claims.fields) - claims.missing_columns:
        return  # without these columns every record would look unsupported
    if not claims.rows:
        return  # reported once as empty-table, not once per record
    records: dict[str, tuple[Table, int]] = {}
    for table in ctx.records:
        pk = table.primary_key
        if not table.loaded or pk is None or pk in table.missing_columns:
            continue
        for i, row in enumerate(table.rows):
            if row[pk].strip():
                records.setdefault(row[pk].strip(), (table, i))
    all_loaded = all(t.loaded and t.primary_key and t.primary_key not in t.missing_columns for t in ctx.records)
    record_tables = ", ".join(t.name for t in ctx.records)
    sources = ctx.core("sources")
    languages = {r["source_id"].strip(): r.get("language", "").strip() or None
                 for r in (sources.rows if sources else [])}
    by_record: dict[str, list[int]] = defaultdict(list)
    for c, claim in enumerate(claims.rows):
        record_id = claim["record_id"].strip()
        figure = claim.get("figure", "")
        listed = claim.get("fields", "")
        if figure.strip() and not listed.strip():
            ctx.at(claims, c, "fields", "figure-fields", "a claim with a figure must name the fields it supports")
        if figures.figure_too_long(figure):
            ctx.at(claims, c, "figure", "figure-length",
                    f"{len(figure.split())} words; a figure is the value as printed, "
                    f"at most {figures.FIGURE_MAX_WORDS} words")
        if not record_id:
            continue
        if record_id not in records:
            if not all_loaded:
                continue  # the record may be in a table that could not be read
            other = ctx.owner.get(record_id)
            hint = f" (it is an id in {other.name}; claims cite records)" if other else ""
            ctx.at(claims, c, "record_id", "claim-record",
                    f'"{record_id}" does not match any record id in {record_tables}{hint}')
            continue
        table, _ = records[record_id]
        _check_claim_value(ctx, claims, c, table)
        for item in listed.split("|") if listed.strip() else []:
            if item.strip() not in table.fields:
                ctx.at(claims, c, "fields", "claim-fields", f'"{item.strip()}" is not a column of {table.name}')
            elif not table.spec.field(item.strip()).claimable:
                ctx.at(claims, c, "fields", "claim-fields",
                       f'{table.name}.{item.strip()} is not a field claims support (the analyst\'s own; '
                       'see "claimable" in datapackage.json)')
        by_record[record_id].append(c)
    for record_id, (table, i) in records.items():
        supporting = [c for c in by_record.get(record_id, [])
                      if claims.rows[c]["stance"].strip() == "supports"]
        if not supporting:
            others = len(by_record.get(record_id, []))
            extra = f" ({others} claim(s) contradict or deny it)" if others else ""
            ctx.at(table, i, table.primary_key, "no-claim",
                    f'no claim with stance "supports" cites record "{record_id}"{extra}')
            continue
        _check_agreement(ctx, table, i, claims, supporting, languages)


def _check_claim_value(ctx: Context, claims: Table, c: int, table: Table) -> None:
    """`value` is our reading of the one amount or count a claim supports where its printed figure
    is not recorded."""
    claim = claims.rows[c]
    value = claim.get("value", "").strip()
    if not value:
        return
    listed = [f.strip() for f in claim.get("fields", "").split("|") if f.strip()]
    kinds = [table.spec.field(f).kind if table.spec.field(f) else "" for f in listed]
    if claim.get("figure", "").strip():
        ctx.at(claims, c, "value", "claim-value",
               "a claim with a printed figure needs no value: the figure is read; keep value for claims "
               "whose printed form is not recorded")
    elif len(listed) != 1 or kinds[0] not in READABLE_KINDS:
        ctx.at(claims, c, "value", "claim-value",
               f'a value is read for one amount or count field; fields is "{claim.get("fields", "")}"')
    elif value_reading(value) is None:
        ctx.at(claims, c, "value", "claim-value", f'must be a plain number (14000000, not 14m), got "{value}"')


def _check_agreement(ctx: Context, table: Table, i: int, claims: Table, supporting: list[int],
                     languages: dict[str, str | None]) -> None:
    row = table.rows[i]
    listed: dict[str, list[int]] = defaultdict(list)  # field → claims with a figure or a value for it
    named: set[str] = set()  # fields some supporting claim lists, with or without a figure
    for c in supporting:
        claim = claims.rows[c]
        has_reading = bool(claim.get("figure", "").strip() or claim.get("value", "").strip())
        for item in claim.get("fields", "").split("|"):
            name = item.strip()
            named.add(name)
            if has_reading and name in table.fields and c not in listed[name]:
                listed[name].append(c)
    for name, claim_rows in listed.items():
        kind = figure_kind(table, name)
        if kind in ("money", "date", "count"):
            _check_value_field(ctx, table, i, name, kind, claims, claim_rows, languages)
        else:
            _check_text_field(ctx, table, i, name, kind, claims, [c for c in claim_rows
                                                                  if claims.rows[c].get("figure", "").strip()])
    for name in (f.name for f in table.spec.fields if figure_kind(table, f.name) in ("money", "date", "count")):
        if not row.get(name, "").strip() or name in table.missing_columns:
            continue
        if name in listed:
            ctx.stats.quoted += 1
        elif name in named:
            ctx.stats.unquoted += 1  # supported, but the printed figure is not recorded
        elif name == "amount" and figures.as_decimal(row[name]) is not None:
            ctx.at(table, i, "amount", "figure-agreement",
                   f"{_money_text(row)} is backed by no supporting claim; list amount in the fields of a "
                   "claim (with the figure as printed, or blank when its printed form is not recorded)")


def _check_value_field(ctx: Context, table: Table, i: int, name: str, kind: str,
                       claims: Table, claim_rows: list[int], languages: dict[str, str | None]) -> None:
    if name in table.missing_columns:
        return  # reported once as missing-column, not once per row
    row = table.rows[i]
    value = row[name].strip()
    if kind == "date" and value:
        try:
            parse_edtf(value)
        except EDTFError:
            return  # reported by check_edtf
    if kind in ("money", "count") and value and figures.as_decimal(value) is None:
        return  # reported as a type problem
    readings = []
    agreed = False
    currency = row.get("currency", "").strip()
    currency = currency if is_currency(currency) else None
    found: list[Reading] = []
    for c in claim_rows:
        claim = claims.rows[c]
        figure = claim["figure"].strip()
        language = languages.get(claim.get("source_id", "").strip())
        if not figure:
            number = value_reading(claim.get("value", ""))
            if number is None or kind == "date":
                continue  # reported by claim-value
            # A reading of ours (no printed figure) can show that sources disagree; it never makes a
            # record value wrong, since a claim without a figure may be where the record's value came from.
            found.append(reading(claim["claim_id"], claim["source_id"], name, kind, "", claim["value"], language,
                                 currency))
            continue
        try:
            parsed = figures.parse_figure(kind, figure, language)
            if kind in READABLE_KINDS.values():
                one = reading(claim["claim_id"], claim["source_id"], name, kind, figure, "", language, currency)
                if one is not None:
                    found.append(one)
        except figures.FigureError as exc:
            ctx.at(claims, c, "figure", "figure-unparsed",
                    f'"{figure}" cannot be read as {KIND_HINTS[kind]} for {table.name}.{name}: {exc}')
            continue
        if not value:
            agrees = False
        elif isinstance(parsed, figures.Money):
            # A blank or invalid currency is reported by the money rules; compare amounts only.
            agrees = figures.money_agrees(parsed, value, currency, upper=name == "amount_max")
        elif isinstance(parsed, figures.DateFigure):
            agrees = figures.date_agrees(parsed, value)
        else:
            agrees = figures.count_agrees(parsed, value)
        agreed = agreed or agrees
        readings.append(f'claim {claim["claim_id"]}: "{figure}" = {parsed.describe()}')
    # The record's own value counts only where no source's figure is printed: then it is what the
    # figure-less claims gave, and a reading that differs from it is a disagreement between sources.
    mine = record_reading(row[table.primary_key], name, value, row.get("amount_kind", "").strip()) \
        if name == "amount" and not any(r.printed for r in found) else None
    if found and disagreeing(found + ([mine] if mine else [])):
        ordered = sorted(found + ([mine] if mine else []), key=lambda r: (r.point, r.source_id))
        given = "; ".join(r.text if not r.source_id else
                          f'{r.text}{"" if r.printed else " (value; printed form not recorded)"} ({r.source_id})'
                          for r in ordered)
        ctx.warn(table, i, name, "conflicting-values",
                 f"its sources give values that differ beyond their rounding: {given}; the record keeps one, "
                 "the report shows the range")
    if agreed or not readings:
        return
    shown = _money_text(row, name) if kind == "money" else value
    if not value:
        message = f"is blank, but supporting claims give it a figure ({'; '.join(readings)})"
    else:
        message = f"{shown} agrees with no claim figure ({'; '.join(readings)})"
    ctx.at(table, i, name, "figure-agreement", message)


def _check_text_field(ctx: Context, table: Table, i: int, name: str, kind: str,
                     claims: Table, claim_rows: list[int]) -> None:
    if name in table.missing_columns:
        return
    row = table.rows[i]
    value = row[name].strip()
    record_id = row[table.primary_key] if table.primary_key else ""
    names: list[str] | None = None
    if kind == "reference" and value:
        names = _reference_names(ctx, table, name, value)
    for c in claim_rows:
        figure = claims.rows[c]["figure"].strip()
        if not value:
            message = f'"{figure}" is cited for {table.name}.{name}, which is blank in record "{record_id}"'
        elif names is not None:
            if not names or figures.reference_agrees(figure, names):
                continue
            message = (f'"{figure}" does not match {table.name}.{name} of record "{record_id}" '
                       f'({"; ".join(names)})')
        else:
            if value and figures.text_agrees(figure, value):
                continue
            message = f'"{figure}" does not match {table.name}.{name} "{value}" of record "{record_id}"'
        ctx.at(claims, c, "figure", "figure-agreement", message)


def _reference_names(ctx: Context, table: Table, name: str, value: str) -> list[str]:
    """Names, aliases or labels of the rows a reference field points to; [] if unresolved."""
    spec = table.spec.field(name)
    targets: tuple[str, ...] | None
    if spec is not None and spec.kind == "id_list":
        targets = spec.list_of
    elif name in table.spec.references:
        targets = (table.spec.references[name][0],)
    else:
        targets = None
    names: list[str] = []
    for ref_id in (v.strip() for v in value.split("|")):
        if targets is None:
            owner = ctx.owner.get(ref_id)
        else:
            owner = next((ctx.tables[t] for t in targets if ref_id in ctx.first_index.get(t, {})), None)
        if owner is None or ref_id not in ctx.first_index.get(owner.name, {}):
            continue
        ref_row = owner.rows[ctx.first_index[owner.name][ref_id]]
        for column in (f.name for f in owner.spec.fields if f.names_row):
            names.extend(label.strip() for label in ref_row.get(column, "").split("|") if label.strip())
        if owner.spec.role != "entities":
            names.append(ref_id)
    return names
