"""The report's tables as readers see them: analysis frames turned into columns of display text
(dates in words, values as reported and converted, citations). Markdown is made from these by
armsledger.present.markdown.

Sources are cited by line of reporting (markdown.citations): the original first, then the relays read.
Tables built from a ledger take the edition's lineage from it; the others take it as `lineage`
(model.reporting.citation_lineage(ledger)) and, without it, cite the sources as they are."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from armsledger.analysis import exports as exports_analysis
from armsledger.analysis import halts as halt_analysis
from armsledger.analysis.inventory import TIER_COLUMNS, ordered_records, rows_by_id, table_titles
from armsledger.model.certainty import TIERS, tier_rank
from armsledger.model.ledger import Ledger
from armsledger.model.reporting import citation_lineage
from armsledger.present.format import (
    amount_cell,
    format_as_written,
    format_money,
    money_cell,
    period_label,
    reported_text,
    rounded_cell,
)
from armsledger.present.markdown import citations

NUMERIC_ALIGN = {c: "right" for c in ("rows", "records", "sources", "independent lines", "claims", *TIER_COLUMNS)}

# ----------------------------------------------------------------------------- the ledger (01)


def ledger_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """inventory.rows_per_table as text: tier counts blank where they do not apply."""
    frame = rows.copy()
    for tier in TIER_COLUMNS:
        frame[tier] = frame[tier].map(lambda v: "" if pd.isna(v) else str(int(v)))
    frame["records"] = frame["records"].astype(str)
    return frame


def as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Every cell as text (counts in the sources and certainty tables)."""
    return frame.astype(str)


def value_text(row) -> str:
    """The value as reported; blank for a record that has no value at all (a flight, an event)."""
    if pd.isna(row.amount) and row.amount_kind != "undisclosed":
        return ""
    return reported_text(row.amount, row.currency, row.amount_kind, row.amount_max)


def describe(row: dict, table: str, name) -> str:
    """One line saying what a record is; `row` is its table row, `name` maps an entity id to its name.
    A table this function does not know is described by its first prose field."""
    if table == "contracts":
        return row["title"]
    if table == "contract_lines":
        return f"{row['designation']} (line of {row['contract_id']})"
    if table == "transfers":
        return f"{name(row['exporter_id'])} → {name(row['importer_id'])}: {row['items']}"
    if table == "flights":
        count = "" if pd.isna(row["count"]) else f"{'≥' if row['count_kind'] == 'at_least' else ''}{row['count']} × "
        route = " → ".join(p for p in (row["origin"], row["destination"]) if p)
        return f"{count}{row['aircraft'] or 'flight'} {route}".strip()
    if table == "events":
        return row["summary"]
    if table == "aggregates":
        scope = "arms exports" if row["scope"] == "arms_exports" else "cargo flights"
        return f"Published total, {scope}, {name(row['exporter_id'])} → {name(row['importer_id'])}"
    return next((str(v) for k, v in row.items() if k in _PROSE_FIRST and v), "")


# A new record table is described by the first of these it has.
_PROSE_FIRST = ("title", "summary", "designation", "items", "description", "note")


def record_descriptions(ledger: Ledger, record_ids: set[str]) -> dict[str, str]:
    """What each of `record_ids` is, in words ("Yugoimport-SDPR → Israel: arms and/or ammunition,
    Oct 2024"), for tables that name records."""
    tables = rows_by_id(ledger)
    dates = dict(zip(ledger.records["record_id"], ledger.records["date"], strict=True))
    table_of = dict(zip(ledger.records["record_id"], ledger.records["table"], strict=True))
    out = {}
    for record_id in record_ids:
        table = table_of.get(record_id)
        if table is None:
            out[record_id] = record_id
            continue
        text = describe(tables[table][record_id], table, ledger.entity_name)
        out[record_id] = f"{text}, {period_label(dates[record_id])}" if dates.get(record_id) else text
    return out


def record_table(ledger: Ledger) -> pd.DataFrame:
    """Every record with date, value as reported, certainty with the rule that set it (model.certainty),
    and citations (the appendix, uncapped)."""
    lineage = citation_lineage(ledger)
    rows = []
    titles = table_titles(ledger)
    tables = rows_by_id(ledger)
    for row in ordered_records(ledger).itertuples(index=False):
        count = "" if pd.isna(row.count) else f"{'≥ ' if row.count_kind == 'at_least' else ''}{row.count}"
        rows.append({
            "_record_id": row.record_id,
            "id": row.record_id,
            "table": titles[row.table],
            "date": period_label(row.date) if row.date else "",
            "what": describe(tables[row.table][row.record_id], row.table, ledger.entity_name),
            "value or count": value_text(row) or count,
            "certainty": row.certainty,
            "why this tier": row.certainty_reason,
            "sources": citations(row.source_ids, lineage),
        })
    return pd.DataFrame(rows)


def record_list(ledger: Ledger) -> pd.DataFrame:
    """The appendix: record_table, printed to markdown.MAX_PRINTED_ROWS rows with a closing row saying
    how many there are (notebook.show_table reads attrs["truncate"]); its download holds every row."""
    frame = record_table(ledger)
    frame.attrs["truncate"] = ("records", "what", "id")
    return frame


# ----------------------------------------------------------------------------- timeline (02, 05)


def _short(text: str, limit: int = 52) -> str:
    """Cut at a word boundary so chart labels stay on one short line."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _item_text(item) -> str:
    if item.lane == "Transfers":
        mode = f" by {item.mode}" if isinstance(item.mode, str) and item.mode else ""
        if pd.isna(item.amount):  # with no value to show, what was shipped says what the record is
            items = item.items if isinstance(item.items, str) else ""
            return f"{item.party}{mode}: {items}" if items else f"{item.party}{mode}"
        prefix = {"approx": " ≈", "at_least": " ≥"}.get(item.amount_kind, "")
        return f"{item.party}{mode}{prefix} {format_money(float(item.amount), item.currency, compact=True)}"
    if item.lane == "Flights":
        count = "" if pd.isna(item.count) else f"{'≥' if item.count_kind == 'at_least' else ''}{int(item.count)} "
        plural = "flight" if count.strip() in ("1", "") else "flights"
        route = " → ".join(part for part in (item.origin, item.destination) if part)
        if item.destination and not item.origin:
            route = f"→ {route}"  # "2 flights → Israel", not "2 flights Israel"
        return f"{count}{plural} {route}".strip()
    if item.kind == "delivery window":
        return f"Deliveries: {item.subject}"
    return str(item.subject)


def timeline_items(items: pd.DataFrame) -> pd.DataFrame:
    """Timeline items with their full `text` and a short chart `label`."""
    texts = [" ".join(_item_text(item).split()) for item in items.itertuples(index=False)]
    return items.assign(text=pd.Series(texts, index=items.index, dtype=object),
                        label=pd.Series([_short(t) for t in texts], index=items.index, dtype=object))


def _when(row) -> str:
    if row.dated_by_report:
        return f"undated (first reported {period_label(row.first_reported)})"
    return period_label(row.date)


def timeline_table(items: pd.DataFrame, lineage: Mapping[str, str] | None = None) -> pd.DataFrame:
    """The timeline as a table for readers who cannot see the chart; beyond markdown.MAX_PRINTED_ROWS
    (250) items, the first ones and a row saying how many there are."""
    items = timeline_items(items)
    frame = pd.DataFrame({
        "_record_id": items["record_id"],
        "date": [_when(r) for r in items.itertuples(index=False)],
        "lane": items["lane"],
        "item": items["text"],
        "kind": items["kind"].str.replace("_", " "),
        "certainty": items["certainty"],
        "sources": [citations(s, lineage) for s in items["source_ids"]],
    })
    frame.attrs["truncate"] = ("items", "item", "date")
    return frame


# ----------------------------------------------------------------------------- values (03)


def _rate_cells(frame: pd.DataFrame) -> list[str]:
    """The ECB rate each conversion used and the day or window it was taken over; – for none."""
    return [f"{r:.4f} ({d})" if not pd.isna(r) and r != 1.0 else "–"
            for r, d in zip(frame["fx_rate"], frame["fx_date"], strict=True)]


def reported_column(frame: pd.DataFrame) -> list[str]:
    """Each row's value as its sources report it."""
    highs = frame["amount_max"] if "amount_max" in frame else [float("nan")] * len(frame)
    return [reported_text(a, c, k, h) for a, c, k, h in zip(frame["amount"], frame["currency"], frame["amount_kind"],
                                                             highs, strict=True)]


def exports_table(exports: pd.DataFrame, currency: str, lineage: Mapping[str, str] | None = None) -> pd.DataFrame:
    table = pd.DataFrame({
        "_record_id": exports["record_id"],
        "period": [period_label(p) for p in exports["period"]],
        "exporter": exports["exporter"],
        "as reported": reported_column(exports),
        f"in {currency}": [money_cell(v, currency) for v in exports["value"]],
        "rate (date)": _rate_cells(exports),
        "certainty": exports["certainty"],
        "sources": [citations(s, lineage) for s in exports["source_ids"]],
    })
    # In an edition whose currency is the one reported, a column of dashes says nothing.
    return table if (table["rate (date)"] != "–").any() else table.drop(columns="rate (date)")


def _disclosed_sum(value: float, records: int, undisclosed: int, currency: str) -> str:
    """A sum of disclosed values; where no value was disclosed there is no sum, not a zero."""
    return "none disclosed" if records and records == undisclosed else money_cell(value, currency)


def yearly_table(exports: pd.DataFrame, currency: str) -> pd.DataFrame:
    years = exports_analysis.by_year(exports)
    if years.empty:
        return years
    return pd.DataFrame({
        "_currency": currency, "_sum_of_disclosed_values": years["reported_sum"], "_upper_bound": years["high"],
        "year": years["year"].astype(str),
        "records": years["records"].astype(str),
        "value undisclosed": years["undisclosed"].astype(str),
        f"sum of disclosed values ({currency})": [_disclosed_sum(r.reported_sum, r.records, r.undisclosed, currency)
                                                  for r in years.itertuples(index=False)],
        "upper bound": [money_cell(v, currency) for v in years["high"]],
    })


def exporter_table(exports: pd.DataFrame, currency: str) -> pd.DataFrame:
    table = exports_analysis.by_exporter(exports)
    if table.empty:
        return table
    return pd.DataFrame({
        "_currency": currency, "_sum_of_disclosed_values": table["reported_sum"],
        "_first": table["first"], "_last": table["last"],
        "exporter": table["exporter"],
        "records": table["records"].astype(str),
        "value undisclosed": table["undisclosed"].astype(str),
        f"sum of disclosed values ({currency})": [_disclosed_sum(r.reported_sum, r.records, r.undisclosed, currency)
                                                  for r in table.itertuples(index=False)],
        "first": [f"{d:%Y-%m}" if not pd.isna(d) else "undated" for d in table["first"]],
        "last": [f"{d:%Y-%m}" if not pd.isna(d) else "undated" for d in table["last"]],
    })


def contracts_table(contracts: pd.DataFrame, currency: str, lineage: Mapping[str, str] | None = None) -> pd.DataFrame:
    arms = contracts[contracts["domain"] == "arms"]
    titles = dict(zip(contracts["record_id"], contracts["title"], strict=True))
    table = pd.DataFrame({
        "_record_id": arms["record_id"],
        "contract": arms["title"],
        "supplier": arms["supplier"],
        "signed": [period_label(s) if s else "" for s in arms["signed"]],
        "delivery": [period_label(d) if d else "" for d in arms["delivery"]],
        "as reported": reported_column(arms),
        f"in {currency}": [money_cell(v, currency) for v in arms["value"]],
        "rate (date)": _rate_cells(arms),
        "certainty": arms["certainty"],
        "sources": [citations(s, lineage) for s in arms["source_ids"]],
    })
    follows = [titles.get(f, f) if f else "" for f in arms["follows"]]
    if any(follows):  # a contract that follows an earlier one is listed beside it, never added to it
        table.insert(1, "follows", follows)
    return table


def labelled_totals(totals: pd.DataFrame, currency: str) -> pd.DataFrame:
    """Published totals with `reported` (as the source gives it) and a chart `label`
    ("2024: ≈ €42.30m", a converted total with its equivalent)."""
    labels = []
    for row in totals.itertuples(index=False):
        bound = "≥ " if row.amount_kind == "at_least" else ""
        shown = bound + format_money(row.amount, row.currency, compact=True)
        if row.currency != currency:
            shown += f" (≈ {format_money(row.published, currency, compact=True)})"
        labels.append(f"{period_label(row.period)}: {shown}")
    return totals.assign(reported=reported_column(totals) if len(totals) else [],
                         label=pd.Series(labels, index=totals.index, dtype=object))


# ----------------------------------------------------------------------------- reconciliation (04)

# The most record ids a download cell lists. A total over every flight of a large ledger covers tens of
# thousands of rows, and thousands of such totals would make the download grow with totals × rows;
# the rest are counted in the cell and found by the total's period and parties in records.csv.
MAX_LISTED_IDS = 200


def listed_ids(record_ids: list[str]) -> list[str]:
    """`record_ids`, or the first MAX_LISTED_IDS and a last item saying how many more there are."""
    if len(record_ids) <= MAX_LISTED_IDS:
        return record_ids
    return [*record_ids[:MAX_LISTED_IDS], f"… {len(record_ids) - MAX_LISTED_IDS:,} more in the data"]



def reconciliation_table(recon: pd.DataFrame, currency: str) -> pd.DataFrame:
    """Reader's version: figures in the total's own currency; gaps restated in `currency`."""
    by_id = {r.aggregate_id: r for r in recon.itertuples(index=False)}
    rows = []
    for r in recon.itertuples(index=False):
        unit = r.unit
        tolerance = f" ± {rounded_cell(r.tolerance, unit)}" if r.tolerance and unit != "flights" else ""
        lower_bound = "≥ " if r.published_kind == "at_least" else ""
        gap = lower_bound + amount_cell(r.gap, unit) + tolerance if not pd.isna(r.gap) else "–"
        if unit not in ("flights", currency) and not pd.isna(r.gap_display):
            gap += f" ({amount_cell(r.gap_display, currency)})"
        missing = ", ".join(r.months_without_rows)
        note = []
        if r.rows_undisclosed:
            note.append(f"{r.rows_undisclosed} row(s) with undisclosed value")
        if missing:
            note.append(f"no ledger row for {missing}")
        if r.partly_overlapping:
            note.append(f"{len(r.partly_overlapping)} row(s) only partly in the period, left out")
        for linked, words in ((r.restated_by, "restated by a later total"), (r.restates, "restates an earlier total")):
            other = by_id.get(linked)
            if other is not None:
                figure = amount_cell(other.published, other.unit, other.published_kind, as_written=True)
                note.append(f"{words} of {figure}")
        rows.append({
            "_record_id": r.aggregate_id, "_unit": unit, "_published": r.published, "_rows_sum": r.rows_sum,
            "_gap": r.gap, "_tolerance": r.tolerance, "_ledger_record_ids": listed_ids(r.record_ids),
            "period": period_label(r.period),
            "what": ("arms exports" if r.scope == "arms_exports"
                     else f"cargo flights ({r.operator})" if r.operator else "cargo flights"),
            "published": amount_cell(r.published, unit, r.published_kind, as_written=True),
            "ledger rows": str(r.rows),
            "sum of rows": amount_cell(r.rows_sum, unit),
            "gap": gap,
            "status": r.status,
            "notes": "; ".join(note),
        })
    return pd.DataFrame(rows)


def comparison_text(comparison: dict, restated: bool = False) -> str:
    """Two totals that disagree, in words: "$17.5 million vs $17.1 million for Jan–Jun 2024: …";
    a restatement as "€42.3 million restated as €47.9 million for 2024 (+13.2%)"."""
    if comparison["unit"] == "flights":
        link = "restated as" if restated else "vs"
        return f"{comparison['first']} {link} {comparison['second']} flights for {comparison['period']}"
    (a, a_currency), (b, b_currency) = comparison["first"], comparison["second"]
    if restated:
        change = "+" if b >= a else "−"
        return (f"{format_as_written(a, a_currency)} restated as {format_as_written(b, b_currency)} for "
                f"{period_label(comparison['period'])} ({change}{comparison['percent_apart']:.1f}% of the larger); "
                "the later figure leads, the earlier is kept")
    verdict = "compatible (one is a lower bound)" if comparison["compatible"] else "differ"
    why = "" if a_currency == b_currency else f"; {a_currency} vs {b_currency}, compared at the period's mean ECB rate"
    return (f"{format_money(a, a_currency)} vs {format_money(b, b_currency)}"
            f" for {period_label(comparison['period'])}: {verdict}, {comparison['percent_apart']:.1f}% apart{why}")


def _named(record_ids: list[str], described: dict[str, str]) -> str:
    """Records in words; two totals that read alike (the same period and parties) are named once."""
    names = list(dict.fromkeys(described[i] for i in record_ids))
    return "; ".join(names) if len(names) == len(record_ids) else f"{len(record_ids)} × " + "; ".join(names)


def values_text(values: dict) -> str:
    """The range a record's sources give, and each reading: "$1.6 billion to $1.64 billion (…)"."""
    def shown(number: float) -> str:
        return format_as_written(number, values["currency"]) if values["field"].startswith("amount") else f"{number:g}"

    readings = "; ".join(text if printed else f"{shown(point)} (our reading; printed form not recorded)"
                         for text, _, printed, point in values["readings"])
    return f"its sources give {shown(values['low'])} to {shown(values['high'])} ({readings}); the record keeps one"


def _conflict_detail(row) -> str:
    if isinstance(row.values, dict):
        return values_text(row.values)
    if isinstance(row.totals, dict):
        return comparison_text(row.totals, restated=row.kind == "total restated")
    return row.note


def contradictions_table(conflicts: pd.DataFrame, ledger: Ledger) -> pd.DataFrame:
    if conflicts.empty:
        return pd.DataFrame(columns=["kind", "records", "detail", "sources"])
    described = record_descriptions(ledger, {i for ids in conflicts["record_ids"] for i in ids})
    lineage = citation_lineage(ledger)
    return pd.DataFrame({
        "_record_ids": conflicts["record_ids"],
        "kind": conflicts["kind"],
        "records": [_named(ids, described) for ids in conflicts["record_ids"]],
        "detail": [_conflict_detail(row) for row in conflicts.itertuples(index=False)],
        "sources": [citations(s, lineage) for s in conflicts["source_ids"]],
    })


# ----------------------------------------------------------------------------- surveillance (05)


def maker_text(row) -> str:
    """The maker of a procurement as the table prints it: with its own tier and the lines of reporting
    it rests on where that is weaker than the record's ("Cellebrite (probable, per Amnesty
    International)": Norway's release confirms the donation, only Amnesty names the maker)."""
    if not row.maker:
        return "not named"
    if not row.maker_certainty:
        return f"{row.maker} (no source read names the maker)"
    record = row.certainty if row.certainty in TIERS else row.evidence_certainty
    if tier_rank(row.maker_certainty) <= tier_rank(record):
        return row.maker
    per = f", per {' and '.join(row.maker_lines)}" if len(row.maker_lines) else ""
    return f"{row.maker} ({row.maker_certainty}{per})"


def procurements_table(procurements: pd.DataFrame, currency: str,
                       lineage: Mapping[str, str] | None = None) -> pd.DataFrame:
    rows = []
    for row in procurements.itertuples(index=False):
        when = period_label(row.dated) if row.dated else f"first reported {period_label(row.first_reported)}"
        value = "" if pd.isna(row.amount) else reported_text(row.amount, row.currency, row.amount_kind)
        if value and row.currency != currency and not pd.isna(row.value):
            value += f" ({format_money(float(row.value), currency)})"
        rows.append({
            "_record_id": row.record_id,
            "when": when,
            "what": row.title,
            "maker": maker_text(row),
            "supplier": row.supplier,
            "for": row.end_user,
            "kind": row.kind.replace("_", " "),
            "value": value or "undisclosed",
            "certainty": row.certainty,
            "sources": citations(row.source_ids, lineage),
        })
    return pd.DataFrame(rows)


def surveillance_events_table(events: pd.DataFrame, lineage: Mapping[str, str] | None = None) -> pd.DataFrame:
    return pd.DataFrame([{
        "_record_id": row.record_id,
        "date": period_label(row.date) if row.date else "undated",
        "what": row.summary,
        "kind": row.kind.replace("_", " "),
        "where": row.place,
        "certainty": row.certainty,
        "sources": citations(row.source_ids, lineage),
    } for row in events.itertuples(index=False)])


# ----------------------------------------------------------------------------- halts (02)


def halts_table(halt_frame: pd.DataFrame, flows: pd.DataFrame, ledger: Ledger) -> pd.DataFrame:
    """Each halt, and the transfers and flights sources reported while it was in force (each flow once,
    under the first halt in force: analysis.halts.flows_during)."""
    described = record_descriptions(ledger, set(flows["record_id"]))
    lineage = citation_lineage(ledger)
    later = halt_analysis.within_earlier(halt_frame)
    by_halt = dict(tuple(flows.groupby("halt_id", sort=False)))
    rows = []
    for halt in halt_frame.itertuples(index=False):
        inside = by_halt.get(halt.record_id, flows.iloc[:0])
        base = {"_halt_id": halt.record_id, "halt": f"{period_label(halt.date)}: {halt.summary}"}
        if inside.empty:
            # A flow is listed once, under the first halt in force: a later halt over the same months says so.
            none = "none besides those listed under an earlier halt" if halt.record_id in later else \
                "none in this edition"
            rows.append({**base, "reported during the halt": none, "certainty": "", "sources": ""})
        for flow in inside.itertuples(index=False):
            where = "" if flow.placement == "inside" else " (dated only to a period that overlaps the halt)"
            rows.append({**base, "_record_id": flow.record_id,
                         "reported during the halt": described[flow.record_id] + where,
                         "certainty": flow.certainty, "sources": citations(flow.source_ids, lineage)})
    return pd.DataFrame(rows, columns=["_halt_id", "_record_id", "halt", "reported during the halt", "certainty",
                                       "sources"])
