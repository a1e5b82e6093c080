"""Reconciliation: each published total against the sum of the ledger rows it should cover, and contradictions."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from armsledger.analysis.exports import FlowIndex, customs_or_undisclosed
from armsledger.model import fx, lineage
from armsledger.model.certainty import tier_rank
from armsledger.model.dates import DateRange, parse_edtf
from armsledger.model.evidence import conflicting_values
from armsledger.model.ledger import Ledger, entity_lineage

OPPOSING = ("contradicts", "denies")
RECONCILIATION_COLUMNS = [
    "aggregate_id", "scope", "period", "exporter_id", "importer_id", "operator", "unit", "published",
    "published_kind",
    "rows", "rows_undisclosed", "rows_sum", "rows_low", "rows_high", "gap", "tolerance", "status",
    "months_without_rows", "record_ids", "partly_overlapping", "display_rate", "published_display",
    "rows_sum_display", "gap_display", "certainty", "restates", "restated_by",
]


def rounding_half_unit(amount: float, amount_kind: str) -> float:
    """Half a unit of the last written digit of a rounded figure (14000000 approx → 500000).

    Exact figures carry no rounding; for approximate ones the unit is the largest power of
    ten that divides the stored amount, which is how the figure was written (14 million, 15.7 million).
    """
    if amount_kind not in ("approx", "at_least", "at_most") or not amount or math.isnan(amount):
        return 0.0
    unit = 1
    while amount % (unit * 10) == 0 and unit < 1e12:
        unit *= 10
    return unit / 2


def _months(window: DateRange) -> list[str]:
    if window.members:
        return [m for member in window.members for m in _months(member)]
    if window.earliest is None or window.latest is None:
        return []
    return [str(p) for p in pd.period_range(window.earliest, window.latest, freq="M")]


def _placement(window: DateRange, earliest, latest) -> str:
    if pd.isna(earliest) or pd.isna(latest):
        return "undated"
    probe = DateRange("", earliest.date(), latest.date(), "interval")
    if window.covers(probe):
        return "inside"
    overlaps = window.contains(probe.earliest) or window.contains(probe.latest) or (
        window.earliest and window.latest and probe.earliest <= window.earliest and probe.latest >= window.latest)
    return "partly" if overlaps else "outside"


def _placements(window: DateRange, earliest: pd.Series, latest: pd.Series) -> list[str]:
    """`_placement` for many rows at once; a plain interval is compared column-wise (30,000-row
    ledgers have hundreds of totals), a set of months row by row."""
    if window.members:
        return [_placement(window, first, last) for first, last in zip(earliest, latest, strict=True)]
    low = pd.Timestamp(window.earliest) if window.earliest else pd.Timestamp.min
    high = pd.Timestamp(window.latest) if window.latest else pd.Timestamp.max
    first, last = pd.to_datetime(earliest), pd.to_datetime(latest)
    undated = first.isna() | last.isna()
    inside = (first >= low) & (last <= high)
    overlaps = (first <= high) & (last >= low)
    placed = pd.Series("outside", index=first.index, dtype=object)
    placed[overlaps] = "partly"
    placed[inside] = "inside"
    placed[undated] = "undated"
    return placed.tolist()


def _pinned_months(earliests: pd.Series, latests: pd.Series) -> set[str]:
    """Months that rows dated within one month account for. A row known only to fall somewhere in
    a longer window does not show which month it filled, so it leaves every month of it open."""
    return {f"{first:%Y-%m}" for first, last in zip(earliests, latests, strict=True)
            if not pd.isna(first) and not pd.isna(last) and (first.year, first.month) == (last.year, last.month)}


def _flights_by_operator(flights: pd.DataFrame, belongs_to: dict[str, set[str]]) -> dict[str, list[int]]:
    """The positions of the flights each party counts: its own and its units' (one pass over the flights,
    not one per party)."""
    positions: dict[str, list[int]] = {}
    for position, operator in enumerate(flights["operator_id"]):
        for party in belongs_to.get(operator, {operator}):
            positions.setdefault(party, []).append(position)
    return positions


def _flights_of(flights: pd.DataFrame, operator_id: str, by_operator: dict[str, list[int]]) -> pd.DataFrame:
    """The flights a total counts: all of them, or those of `operator_id` and its units."""
    if not operator_id:
        return flights
    return flights.iloc[by_operator.get(operator_id, [])]


def _status(published_low: float, published_high: float, rows_low: float, rows_high: float,
            tolerance: float, rows: int) -> str:
    if rows == 0:
        return "no ledger rows"
    if published_low - tolerance > rows_high:
        return "rows fall short of total"
    if published_high + tolerance < rows_low:
        return "rows exceed total"
    if math.isinf(rows_high) and published_low - tolerance > rows_low:
        return "open: undisclosed or lower-bound rows may cover the gap"
    return "consistent"


def _money_rows(flow_index: FlowIndex, agg, window: DateRange, flows_by_pair: dict[tuple, pd.DataFrame],
                unit: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    pair = (agg.exporter_id, agg.importer_id)
    if pair not in flows_by_pair:  # totals repeat a few pairs of parties; match each pair's flows once
        flows_by_pair[pair] = flow_index.between(*pair)
    if agg.basis == "customs":
        if (pair, "customs") not in flows_by_pair:
            flows_by_pair[(pair, "customs")] = customs_or_undisclosed(flows_by_pair[pair])
        flows = flows_by_pair[(pair, "customs")]
    else:
        flows = flows_by_pair[pair]
    flows = flows.assign(placement=_placements(window, flows["earliest"], flows["latest"]))
    inside = flows[flows["placement"] == "inside"].copy()
    partly = flows[flows["placement"] == "partly"]
    if not inside.empty:
        dated = inside.assign(value_date=inside["value_date"].where(inside["value_date"] != "", inside["date"]))
        native = fx.convert_values(dated, unit)
        c = unit.lower()
        inside["value"], inside["low"], inside["high"] = (native[f"value_{c}"], native[f"value_low_{c}"],
                                                          native[f"value_high_{c}"])
        inside["tolerance"] = [rounding_half_unit(a, k) * (r if not math.isnan(r) else 1.0)
                               for a, k, r in zip(inside["amount"], inside["amount_kind"], native[f"fx_rate_{c}"],
                                                  strict=True)]
    return inside, partly


@dataclass(frozen=True)
class Coverage:
    """The ledger rows one total covers, summed: the same for every total of that period and parties."""

    low: float
    high: float
    point: float
    tolerance: float  # the rounding the rows' own figures carry
    record_ids: list[str]
    months: set[str]  # months the rows account for (_pinned_months)
    undisclosed: int
    partly: list[str]  # rows only partly in the period, left out


def _flight_coverage(counted: pd.DataFrame, window: DateRange) -> Coverage:
    """The flights of `counted` inside `window`: counted low (at least), high (open when a count is
    a lower bound or missing)."""
    placed = counted.assign(placement=_placements(window, counted["earliest"], counted["latest"]))
    inside = placed[placed["placement"] == "inside"]
    partly = placed[placed["placement"] == "partly"]
    low = float(inside["count"].fillna(0).sum())
    open_ended = (inside["count_kind"] == "at_least").any() or inside["count"].isna().any()
    return Coverage(low, math.inf if open_ended else low, low, 0.0, list(inside["flight_id"]),
                    _pinned_months(inside["earliest"], inside["latest"]), 0,
                    list(partly.iloc[:, 0]) if not partly.empty else [])


def _money_coverage(inside: pd.DataFrame, partly: pd.DataFrame) -> Coverage:
    """Sums of the valued rows `inside` a total (in its currency), and the rows it leaves out."""
    if inside.empty:
        return Coverage(0.0, 0.0, 0.0, 0.0, [], set(), 0, list(partly.iloc[:, 0]) if not partly.empty else [])
    point = float(inside["value"].sum(min_count=1))
    return Coverage(float(inside["low"].sum()), float(inside["high"].sum()), 0.0 if pd.isna(point) else point,
                    float(inside["tolerance"].sum()), list(inside["transfer_id"]),
                    _pinned_months(inside["earliest"], inside["latest"]), int(inside["value"].isna().sum()),
                    list(partly.iloc[:, 0]) if not partly.empty else [])


def reconcile(ledger: Ledger, currency: str) -> pd.DataFrame:
    """One row per published total: the total, the sum of covered rows (point, low, high), the gap
    (published − rows) with its rounding tolerance, the months left without rows, and the status.

    Sums are taken in the total's own currency (rows converted at their own dates), so a status
    never flips because of exchange rates; `*_display` columns restate them in `currency` at the
    total's period rate.
    """
    aggregates = ledger.table("aggregates")
    certainty = dict(zip(ledger.records["record_id"], ledger.records["certainty"], strict=True))
    flights = ledger.table("flights").merge(ledger.records[["record_id", "earliest", "latest"]],
                                            left_on="flight_id", right_on="record_id")
    flights_by_operator = _flights_by_operator(flights, entity_lineage(ledger.tables["entities"]))
    flow_index = FlowIndex(ledger)
    restates, restated_by = restatements(aggregates)
    rows = []
    flows_by_pair: dict[tuple, pd.DataFrame] = {}
    # Totals that restate, copy or convert one another share their period and parties, and so the rows
    # they cover: each distinct coverage is computed once (a large ledger has tens of thousands of totals
    # but far fewer distinct periods and parties; pandas costs milliseconds per total).
    covered_by: dict[tuple, Coverage] = {}
    for agg in aggregates.itertuples(index=False):
        window = parse_edtf(agg.period)
        months = _months(window)
        if agg.scope == "military_flights":
            published = float(agg.count) if not pd.isna(agg.count) else math.nan
            published_low = published
            published_high = math.inf if agg.count_kind == "at_least" else published
            key = ("flights", agg.operator_id, agg.period)
            if key not in covered_by:
                covered_by[key] = _flight_coverage(_flights_of(flights, agg.operator_id, flights_by_operator),
                                                   window)
            cover = covered_by[key]
            tolerance, unit, rate = 0.0, "flights", 1.0
        else:
            point, published_low, published_high = fx.value_bounds(agg.amount, agg.amount_max, agg.amount_kind)
            published = point
            # A total with no amount may have no currency either: its rows are summed in the edition's.
            sum_in = agg.currency or currency
            key = ("money", agg.exporter_id, agg.importer_id, agg.basis, agg.period, sum_in)
            if key not in covered_by:
                covered_by[key] = _money_coverage(*_money_rows(flow_index, agg, window, flows_by_pair, sum_in))
            cover = covered_by[key]
            tolerance = rounding_half_unit(agg.amount, agg.amount_kind) + cover.tolerance
            unit = agg.currency
            rate = (fx.fx_rate(agg.currency, currency, agg.value_date or agg.period).rate
                    if agg.currency else math.nan)
        rows_low, rows_high, rows_point = cover.low, cover.high, cover.point
        ids, covered, undisclosed = cover.record_ids, cover.months, cover.undisclosed
        gap = published - rows_point if not math.isnan(published) else math.nan
        rows.append({
            "aggregate_id": agg.aggregate_id,
            "scope": agg.scope,
            "period": agg.period,
            "exporter_id": agg.exporter_id,
            "importer_id": agg.importer_id,
            "operator": ledger.entity_name(agg.operator_id) if agg.scope == "military_flights" else "",
            "unit": unit,
            "published": published,
            "published_kind": agg.count_kind if agg.scope == "military_flights" else agg.amount_kind,
            "rows": len(ids),
            "rows_undisclosed": undisclosed,
            "rows_sum": rows_point,
            "rows_low": rows_low,
            "rows_high": rows_high,
            "gap": gap,
            "tolerance": tolerance,
            "status": _status(published_low, published_high, rows_low, rows_high, tolerance, len(ids)),
            "months_without_rows": ([m for m in months if m not in covered]
                                    if window.precision in ("set", "interval", "month") and len(months) <= 36 else []),
            "record_ids": ids,
            "partly_overlapping": cover.partly,
            "display_rate": rate,
            "published_display": published * rate if agg.scope != "military_flights" else published,
            "rows_sum_display": rows_point * rate if agg.scope != "military_flights" else rows_point,
            "gap_display": gap * rate if agg.scope != "military_flights" else gap,
            "certainty": certainty.get(agg.aggregate_id, ""),
            "restates": restates.get(agg.aggregate_id, ""),
            "restated_by": restated_by.get(agg.aggregate_id, ""),
        })
    return pd.DataFrame(rows, columns=RECONCILIATION_COLUMNS)


CONTRADICTION_COLUMNS = ["kind", "record_ids", "source_ids", "note", "totals", "values"]
RESTATED = "total restated"


def restatements(aggregates: pd.DataFrame) -> tuple[dict[str, str], dict[str, str]]:
    """Among the totals shown: the earlier total each restates, and the latest total that restates
    each (A restated by B, B by C: A and B are restated by C)."""
    shown = set(aggregates["aggregate_id"])
    column = aggregates["restates_id"] if "restates_id" in aggregates else pd.Series("", index=aggregates.index)
    restates = {a: r for a, r in zip(aggregates["aggregate_id"], column, strict=True) if r and r in shown and r != a}
    later_of = {earlier: later for later, earlier in sorted(restates.items())}
    return restates, {earlier: lineage.chain(later_of, earlier)[0][-1] for earlier in later_of}


# Beyond this many totals for one period, parties and scope, each is compared with the first and with
# the totals it restates, not with every other: thousands of totals for a year (a large ledger) would
# give millions of pairs, minutes of work and a table nobody reads.
MAX_PAIRWISE_TOTALS = 12


def _compared_pairs(group: list, restates: dict[str, str]):
    """The pairs of totals of one group to compare: every pair, or in a group of more than
    MAX_PAIRWISE_TOTALS the first with each other and each total with the one it restates."""
    if len(group) <= MAX_PAIRWISE_TOTALS:
        yield from ((a, b) for i, a in enumerate(group) for b in group[i + 1:])
        return
    by_id = {agg.aggregate_id: agg for agg in group}
    head = group[0]
    for other in group[1:]:
        yield head, other
        earlier = by_id.get(restates.get(other.aggregate_id, ""))
        if earlier is not None and earlier is not head:
            yield earlier, other


def contradictions(ledger: Ledger) -> pd.DataFrame:
    """Where sources disagree: claims that contradict or deny a record (with the claim's note);
    published totals that differ for the same period, parties and scope (`totals`: the two compared,
    see compare_totals), a later total that restates an earlier one among them; and records whose
    own sources give different values (`values`: model.evidence.conflicting_values)."""
    found = []
    claims = ledger.claims[ledger.claims["stance"].isin(OPPOSING)]
    for claim in claims.itertuples(index=False):
        found.append({"kind": f"claim {claim.stance}", "record_ids": [claim.record_id],
                      "source_ids": [claim.source_id], "note": claim.note, "totals": None, "values": None})
    aggregates = ledger.table("aggregates")
    restates, _ = restatements(aggregates)
    keyed = {}
    for agg in aggregates.itertuples(index=False):
        window = parse_edtf(agg.period)
        keyed.setdefault((agg.scope, agg.exporter_id, agg.importer_id, window.earliest, window.latest), []).append(agg)
    sources = ledger.records.set_index("record_id")["source_ids"]
    for group in keyed.values():
        for first, second in _compared_pairs(group, restates):
            restated = restates.get(first.aggregate_id) == second.aggregate_id or \
                restates.get(second.aggregate_id) == first.aggregate_id
            if restated and restates.get(second.aggregate_id) != first.aggregate_id:
                first, second = second, first  # earlier first
            comparison = compare_totals(first, second)
            if comparison:
                found.append({"kind": RESTATED if restated else "totals differ",
                              "record_ids": [first.aggregate_id, second.aggregate_id],
                              "source_ids": sorted(set(sources.get(first.aggregate_id, []))
                                                   | set(sources.get(second.aggregate_id, []))),
                              "note": "", "totals": comparison, "values": None})
    for row in differing_values(ledger).itertuples(index=False):
        found.append({"kind": "values differ", "record_ids": [row.record_id], "source_ids": row.source_ids,
                      "note": "", "totals": None,
                      "values": {"field": row.field, "low": row.low, "high": row.high, "currency": row.currency,
                                 "readings": row.readings}})
    return pd.DataFrame(found, columns=CONTRADICTION_COLUMNS)


def differing_values(ledger: Ledger) -> pd.DataFrame:
    """Records whose supporting claims give amounts or counts that differ beyond their rounding."""
    kinds = {(t.name, f.name): f.kind for t in ledger.schema.records for f in t.fields}
    sources = ledger.tables["sources"]
    languages = dict(zip(sources["source_id"], sources["language"], strict=True))
    return conflicting_values(ledger.claims, ledger.records, kinds, languages)


def compare_totals(first, second) -> dict | None:
    """How two totals for the same period and parties disagree, or None when they agree within
    their rounding. Money totals are compared in euros at each period's mean ECB rate."""
    if first.scope == "military_flights":
        if pd.isna(first.count) or pd.isna(second.count) or first.count == second.count:
            return None
        return {"unit": "flights", "first": first.count, "second": second.count, "period": first.period}
    values = []
    for agg in (first, second):
        if pd.isna(agg.amount):
            return None
        rate = fx.fx_rate(agg.currency, "EUR", agg.value_date or agg.period).rate
        values.append((agg.amount * rate, rounding_half_unit(agg.amount, agg.amount_kind) * rate, agg))
    (a, tol_a, agg_a), (b, tol_b, agg_b) = values
    if abs(a - b) <= tol_a + tol_b:
        return None
    compatible = (agg_a.amount_kind == "at_least" and a <= b + tol_a + tol_b) or (
        agg_b.amount_kind == "at_least" and b <= a + tol_a + tol_b)
    return {"unit": "money", "period": agg_a.period, "compatible": compatible,
            "percent_apart": abs(a - b) / max(a, b) * 100,
            "first": (agg_a.amount, agg_a.currency), "second": (agg_b.amount, agg_b.currency)}


def summarise(recon: pd.DataFrame, conflicts: pd.DataFrame) -> dict:
    """Counts by status, every gap, and the headline gap: among money totals the rows fall short
    of and no later total restates, the best-attested total first (a dollar restatement graded C3
    must not outrank the euro original), then the largest gap."""
    money_rows = recon[recon["scope"] == "arms_exports"]
    short = money_rows[(money_rows["status"] == "rows fall short of total") & (money_rows["restated_by"] == "")]
    largest = None
    if not short.empty:
        ranked = short.assign(_rank=short["certainty"].map(tier_rank), _gap=-short["gap_display"])
        largest = ranked.sort_values(["_rank", "_gap", "aggregate_id"]).iloc[0]
    return {
        "totals": len(recon),
        "by_status": {s: int((recon["status"] == s).sum()) for s in sorted(set(recon["status"]))},
        "gaps": {r.aggregate_id: {"published": r.published, "rows_sum": r.rows_sum, "gap": r.gap,
                                  "tolerance": r.tolerance, "unit": r.unit, "status": r.status,
                                  "months_without_rows": list(r.months_without_rows), "rows": int(r.rows)}
                 for r in recon.itertuples(index=False)},
        "largest_gap": None if largest is None else {
            "aggregate_id": largest["aggregate_id"], "period": largest["period"],
            "gap_display": float(largest["gap_display"]), "published_display": float(largest["published_display"])},
        "contradictions": len(conflicts),
    }
