"""The words on the charts, computed from the data they draw: a title that states the finding in the
edition's numbers (a plain title when the edition has nothing to show), and a source line naming the
lines of reporting behind the records drawn. Nothing here is typed per edition."""

from __future__ import annotations

import math

import pandas as pd

from armsledger.analysis.exports import by_year
from armsledger.present.format import count_of, format_as_written, format_money, period_label, symbol

CREDIT = "chart: armsledger"


def words_list(items: list[str], more: int = 0, noun: str = "others", limit: int | None = None) -> str:
    """"A", "A and B", "A, B and C"; with `more`, "A, B and 3 others"; with `limit`, the first `limit`
    items named and the rest counted the same way."""
    items = [i for i in items if i]
    if limit is not None and len(items) > limit:
        items, more = items[:limit], more + len(items) - limit
    if more:
        items = [*items, f"{more} {noun if more != 1 else noun.rstrip('s')}"]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def source_line(lines: pd.DataFrame, what: str = "", max_publishers: int = 3, max_relays: int = 2) -> str:
    """"Sources: BIRN / Haaretz (customs data), as relayed by Crolens, TRT Balkan and 2 others; …;
    chart: armsledger", from analysis.reporting.lines_of_reporting. Lines with the same publisher are
    named once; beyond `max_publishers` the rest are counted."""
    if lines is None or lines.empty:
        return f"Sources: none in this edition; {CREDIT}."
    groups: dict[str, dict] = {}
    for line in lines.itertuples(index=False):
        group = groups.setdefault(line.publisher, {"roots": 0, "records": 0, "read": False, "relays": {}})
        group["roots"] += 1
        group["records"] += line.records
        group["read"] |= bool(line.read)
        for rank, relay in enumerate(line.relay_publishers):
            if relay != line.publisher:
                group["relays"][relay] = min(group["relays"].get(relay, rank), rank) - 1e-3 * line.records
    ordered = sorted(groups.items(), key=lambda kv: (-kv[1]["records"], kv[0]))
    parts = []
    for publisher, group in ordered[:max_publishers]:
        text = publisher + (f" ({what})" if what else "")
        if group["roots"] > 1:
            text += f", {group['roots']} reports"
        relays = sorted(group["relays"], key=lambda r: (group["relays"][r], r))
        if relays and not group["read"]:
            text += ", as relayed by " + words_list(relays, limit=max_relays)
        elif relays:
            text += ", also relayed by " + words_list(relays, limit=max_relays)
        parts.append(text)
    rest = len(ordered) - max_publishers
    if rest > 0:
        parts.append(f"{rest} more {'publisher' if rest == 1 else 'publishers'} (see the table)")
    return "Sources: " + "; ".join(parts) + f"; {CREDIT}."


def _title_money(value: float, currency: str) -> str:
    """Money in a title: millions throughout ("$0.57 million", not "$570,504", beside "$15.8 million")."""
    if 100_000 <= abs(value) < 1_000_000:
        return f"{symbol(currency)}{value / 1e6:.2f} million"
    return format_money(value, currency)


def _money(value: float, currency: str, at_least: bool = False) -> str:
    return ("at least " if at_least else "") + _title_money(value, currency)


def _trend(first: float, last: float) -> str:
    if not first or math.isnan(first):
        return "rose" if last > 0 else "stayed"
    change = (last - first) / abs(first)
    return "rose" if change > 0.05 else "fell" if change < -0.05 else "held steady"


def exports_title(exports: pd.DataFrame, currency: str) -> str:
    """"Customs-recorded exports in the ledger rose from €1.3 million in 2023 to at least €21.8 million
    in 2024": the ledger's sum of disclosed values per year, "at least" where a row of the year is
    undisclosed or a lower bound."""
    years = by_year(exports) if not exports.empty else pd.DataFrame()
    valued = [] if years.empty else [r for r in years.itertuples(index=False) if r.records > r.undisclosed]
    if not valued:
        if not exports.empty:
            return f"{count_of(len(exports), 'customs-recorded shipment')} reported, none with a disclosed value"
        return "Customs-recorded exports by month"

    def open_year(year: int) -> bool:
        group = exports[exports["earliest"].dt.year == year]
        return bool(group["value"].isna().any() or (group["amount_kind"] == "at_least").any())

    if len(valued) == 1:
        r = valued[0]
        return (f"Customs-recorded exports in the ledger: {_money(r.reported_sum, currency, open_year(r.year))} "
                f"in {r.year}")
    first, last = valued[0], valued[-1]
    verb = _trend(first.reported_sum, last.reported_sum)
    return (f"Customs-recorded exports in the ledger {verb} from "
            f"{_money(first.reported_sum, currency, open_year(first.year))} in {first.year} to "
            f"{_money(last.reported_sum, currency, open_year(last.year))} in {last.year}")


def years_title(view: pd.DataFrame, currency: str) -> str:
    """The lead chart's finding: the headline published total of the first and last whole years, and
    a later part-year total beside them ("… and €55.5 million in Jan–Jun 2025 alone")."""
    heads = view[view["role"] == "headline"]
    part = view[view["role"] == "part-year"]
    if heads.empty and part.empty:
        ledger = view[(view["role"] == "ledger") & view["published"].notna()]
        if ledger.empty:
            return "Serbian arms exports to Israel by year: no published total in this edition"
        sums = [f"{'at least ' if r.amount_kind == 'at_least' else ''}{_title_money(r.published, currency)} in {r.year}"
                for r in ledger.itertuples(index=False)]
        return ("No published yearly total passes this edition's filters; the ledger's customs-recorded rows "
                f"add up to {words_list(sums)}")
    text = ""
    if len(heads) >= 2:
        first, last = heads.iloc[0], heads.iloc[-1]
        verb = _trend(first["published"], last["published"])
        text = (f"Published totals of Serbian arms exports to Israel {verb} from "
                f"{format_money(first['published'], currency)} in {first['year']} to "
                f"{format_money(last['published'], currency)} in {last['year']}")
    elif len(heads) == 1:
        head = heads.iloc[0]
        text = (f"Serbian arms exports to Israel: {format_money(head['published'], currency)} published for "
                f"{head['year']}")
    later = part[part["year"] > (heads["year"].max() if not heads.empty else "")]
    if not later.empty:
        p = later.iloc[-1]
        clause = f"{format_money(p['published'], currency)} in {period_label(p['period'])} alone"
        text = (f"{text}, and {clause}" if text else
                f"Serbian arms exports to Israel: the sources published {format_money(p['published'], currency)} "
                f"for {period_label(p['period'])} alone")
    return text


def timeline_title(items: pd.DataFrame, halts: pd.DataFrame | None = None, during: pd.DataFrame | None = None) -> str:
    """Where shipments and flights cluster, and what sources reported after a halt began."""
    if items.empty:
        return "Timeline: no dated record in this edition"
    flows = items[items["lane"].isin(["Transfers", "Flights"]) & ~items["dated_by_report"].astype(bool)]
    flows = flows[flows["earliest"].notna()]
    dated = items[items["earliest"].notna()]
    if dated.empty:  # every item placed by nothing a chart can show (an open start, no report date)
        return f"Timeline: {count_of(len(items), 'record')}, none with a date to place"
    parts = []
    if not flows.empty:
        top, n = _busiest_year(flows["earliest"])
        parts.append(f"Reported shipments and flights peak in {top} ({n} of {len(flows)})")
    else:
        top, n = _busiest_year(dated["earliest"])
        parts.append(f"Most dated reports fall in {top} ({n} of {len(dated)})")
    if halts is not None and not halts.empty:
        halt = halts.iloc[0]
        of_halt = None if during is None else during[during["halt_id"] == halt["record_id"]]
        # Only flows dated inside the halt count: one dated to a wider period may predate it.
        reported = 0 if of_halt is None else int((of_halt["placement"] == "inside").sum())
        when = period_label(str(halt["date"]).split("/")[0])
        parts.append(f"{count_of(reported, 'flow')} reported during the export halt from {when}" if reported
                     else f"an export halt is in force from {when}")
    return "; ".join(parts)


def _busiest_year(dates: pd.Series) -> tuple[int, int]:
    """The year with most dates (the earliest of equals) and its count."""
    counts = dates.dropna().dt.year.value_counts()
    top = int(min(counts[counts == counts.max()].index))
    return top, int(counts[top])


def surveillance_title(items: pd.DataFrame) -> str:
    if items.empty:
        return "Surveillance technology: no record in this edition"
    years = items["earliest"].dropna().dt.year
    if years.empty:
        return f"{count_of(len(items), 'surveillance record')}, none dated"
    top, n = _busiest_year(items["earliest"])
    return (f"{count_of(len(items), 'surveillance record')} from {int(years.min())} to {int(years.max())}; "
            f"most in {top} ({n})")


def reconciliation_title(recon: pd.DataFrame, currency: str) -> str:
    """How many published money totals the ledger rows fall short of, and the largest such gap."""
    money = recon[recon["scope"] == "arms_exports"]
    if money.empty:
        return "Published totals against the ledger: none in this edition"
    short = money[money["status"].isin(["rows fall short of total"]) | money["status"].str.startswith("open")]
    if short.empty:
        return f"The ledger's rows account for every one of {count_of(len(money), 'published total')}"
    head = f"{len(short)} of {count_of(len(money), 'published total')} exceed the ledger rows they cover"
    gaps = short["gap_display"].dropna()
    if gaps.empty:  # every gap unknown (a total with no amount, or rows with none): nothing to name
        return head
    biggest = short.loc[gaps.idxmax()]
    return (f"{head}; the largest gap is {format_money(float(biggest['gap_display']), currency)} "
            f"({period_label(biggest['period'])})")


def coverage_title(coverage: pd.DataFrame) -> str:
    if coverage.empty or int(coverage.to_numpy().sum()) == 0:
        return "Dated records per month: none in this edition"
    per_month = coverage.sum(axis=1)
    per_year = per_month.groupby(per_month.index.year).sum()
    top = int(per_year.sort_values(ascending=False, kind="stable").index[0])
    busiest = per_month.idxmax()
    return (f"Most dated records fall in {top} ({int(per_year[top])} of {int(per_month.sum())}); the busiest month "
            f"is {busiest.strftime('%b %Y')} ({int(per_month.max())})")


def windows_title(windows: pd.DataFrame, currency: str) -> str:
    dated = windows.dropna(subset=["start"])
    if dated.empty:
        return "Delivery windows: none reported in this edition"
    valued = dated.dropna(subset=["value"])
    row = valued.loc[valued["value"].idxmax()] if not valued.empty else dated.iloc[0]
    when = period_label(row["delivery"])
    value = "" if pd.isna(row["amount"]) else f"{format_as_written(float(row['amount']), row['currency'])} "
    return (f"The {value}{row['supplier']} contract is reported for delivery over {when}; "
            "no source gives a yearly schedule")


def span_words(first: pd.Timestamp, last: pd.Timestamp) -> str:
    """"18 Mar 2024", "Jan 2025", "Oct 2023 to Jun 2025": the dates a set of records covers."""
    if pd.isna(first) or pd.isna(last):
        return "undated"
    if first == last:
        return period_label(f"{first:%Y-%m-%d}")
    whole_month = first.day == 1 and (last + pd.Timedelta(days=1)).day == 1
    if whole_month and (first.year, first.month) == (last.year, last.month):
        return f"{first:%b %Y}"
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{last.day} {first:%b %Y}"
    return f"{first:%b %Y} to {last:%b %Y}"


def routes_title(routes: pd.DataFrame) -> str:
    """"Most reported flights with a known route ran Belgrade (BEG) → Nevatim air base: 8 of 9"."""
    placed = routes[routes["placed"]] if not routes.empty else routes
    if placed.empty:
        return "Reported cargo-flight routes: none with both ends known in this edition"
    top = placed.iloc[0]
    total = int(placed["flights"].sum())
    at_least = "at least " if top["at_least"] else ""
    route = f"{top['origin_name']} → {top['destination_name']}"
    if len(placed) == 1:
        flights = count_of(int(top["flights"]), "flight")
        return f"Every reported flight with a known route ran {route}: {at_least}{flights}"
    return (f"Most reported flights with a known route ran {route}: {at_least}{int(top['flights'])} of "
            f"{'at least ' if placed['at_least'].any() else ''}{total}")
