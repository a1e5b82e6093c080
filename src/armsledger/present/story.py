"""The report's lead: a standfirst that states the edition's key numbers in sentences that read as
written ones in every edition, what a filtered edition leaves out, and the sourced context
("Why this matters") from report/story.yml, whose sentences appear only where the edition shows
the records they rest on."""

from __future__ import annotations

import math
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import yaml

from armsledger import paths
from armsledger.analysis import contracts as contract_values
from armsledger.analysis import exports as export_values
from armsledger.analysis import halts as halt_analysis
from armsledger.analysis import surveillance
from armsledger.model.certainty import root_sources
from armsledger.model.ledger import Ledger, for_edition
from armsledger.model.params import Params
from armsledger.present.format import count_of, format_as_written, format_money, period_label
from armsledger.present.markdown import citations, escape

STORY_FILE = "story.yml"


# ----------------------------------------------------------------------------- the standfirst


def _money(value: float, currency: str) -> str:
    """A total in prose: the precision it was published with (€47.9 million, $335 million)."""
    return format_as_written(value, currency)


def _approx(value: float, currency: str, converted: bool) -> str:
    """A value converted by us keeps the precision of the figure it comes from: two significant
    figures for an approximate one (≈ $1.6 billion, not $1,600,000,000 × a rate to the dollar)."""
    if not converted or not value or not math.isfinite(value):
        return _money(value, currency)
    digits = 2 - int(math.floor(math.log10(abs(value)))) - 1
    return "≈ " + format_as_written(round(value, digits), currency)


def _line_of(record_id: str, ledger: Ledger) -> str:
    """Who reported a record: the publishers of the originals behind its sources ("BIRN and Haaretz")."""
    sources = ledger.tables["sources"].set_index("source_id")
    roots = root_sources(ledger.tables["sources"])
    rec = ledger.records.set_index("record_id")
    names = []
    for source in rec.at[record_id, "source_ids"] if record_id in rec.index else []:
        root = roots.get(source, source)
        publisher = sources.at[root, "publisher"] if root in sources.index else source
        for part in re.split(r"\s*/\s*", str(publisher)):
            if part and part not in names and "Balkan Insight" not in part:
                names.append(part)
    return " and ".join(names[:3])


def exports_lead(ledger: Ledger, currency: str) -> str:
    """The export sentence: the latest yearly total the sources published (by the headline rule), an
    earlier count it replaced, the year before it, and a later part-year total. No ratio of our own: a
    reader would quote it as the sources'."""
    totals = export_values.published_totals(ledger, currency)
    heads = export_values.yearly_headlines(totals)
    by_id = totals.set_index("aggregate_id")
    converted = {a: c != currency for a, c in zip(totals["aggregate_id"], totals["currency"], strict=True)}
    if heads.empty:
        exports = export_values.customs_exports(ledger, currency)
        disclosed = exports["value"].dropna()
        if disclosed.empty:
            return ""
        return (f"Serbian customs records obtained by reporters show {count_of(len(exports), 'shipment')} of arms and "
                f"ammunition to Israel, worth at least {format_money(disclosed.sum(), currency)} where a value was "
                "disclosed.")
    last = heads.iloc[-1]
    lead = by_id.loc[last["aggregate_id"]]
    worth = _approx(lead["published"], currency, converted[last["aggregate_id"]])
    text = f"Serbia exported arms and ammunition worth {worth} to Israel in {last['year']}"
    earlier = [o for o in last["others"] if by_id.at[o, "restated_by"] == last["aggregate_id"]]
    if earlier:
        first = by_id.loc[earlier[0]]
        text += (f" by the latest published count (an earlier count gave "
                 f"{_approx(first['published'], currency, converted[earlier[0]])})")
    if len(heads) >= 2:
        previous = heads.iloc[-2]
        before = by_id.loc[previous["aggregate_id"]]
        if before["published"] and int(previous["year"]) == int(last["year"]) - 1:
            shown = _approx(before["published"], currency, converted[previous["aggregate_id"]])
            direction = "up from" if lead["published"] > before["published"] else "against"
            text += f", {direction} {shown} in {previous['year']}"
    line = _line_of(last["aggregate_id"], ledger)
    if line:
        text += f", according to customs data analysed by {line}"
    later = totals[(totals["earliest"] > pd.Timestamp(f"{last['year']}-12-31"))]
    if not later.empty:
        part = later.sort_values("latest").iloc[-1]
        text += (f"; in {period_label(part['period'])} alone the total reached "
                 f"{_approx(part['published'], currency, converted[part['aggregate_id']])}")
    return text + "."


def _month(day: pd.Timestamp) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def flights_lead(ledger: Ledger) -> str:
    flights = ledger.table("flights")
    if flights.empty:
        return ""
    counted = flights["count"].fillna(1).astype(int)
    at_least = (flights["count_kind"] == "at_least").any() or flights["count"].isna().any()
    places = sorted({o for o in flights["origin"] if o}, key=lambda o: (o != "BEG", o))
    names = {"BEG": "Belgrade"}
    origin = " and ".join(names.get(p, p) for p in places) or "Serbia"
    dated = ledger.records[ledger.records["table"] == "flights"].dropna(subset=["earliest", "latest"])
    span = ""
    if not dated.empty:
        first, last = period_label(_month(dated["earliest"].min())), period_label(_month(dated["latest"].max()))
        span = f" between {first} and {last}" if first != last else f" in {first}"
    # Our sum of the flight records, said as such: no source counted these flights together.
    text = (f"The flights reported one by one add up to {'at least ' if at_least else ''}"
            f"{count_of(int(counted.sum()), 'cargo flight')} to Israel from {origin}{span}")
    to_nevatim = flights["destination"] == "Nevatim"
    if to_nevatim.all():
        text += ", to the Nevatim air base"
    elif to_nevatim.any():
        text += ", most to the Nevatim air base"
    return text + "."


def halt_lead(ledger: Ledger) -> str:
    stopped = halt_analysis.halts(ledger)
    if stopped.empty:
        return ""
    during = halt_analysis.flows_during(ledger, stopped)
    inside = during[during["placement"] == "inside"]
    first = stopped.iloc[0]
    text = f"Serbia announced a halt to arms exports {period_label(first['date']).replace('from ', 'on ')}"
    flights = ledger.table("flights").set_index("flight_id")
    flown = inside[inside["table"] == "flights"]
    if not flown.empty:
        n = int(flights.loc[flown["record_id"], "count"].fillna(1).sum())
        verb = "was" if n == 1 else "were"
        tiers = " or ".join(sorted(set(flown["certainty"])))
        unknown = not flights.loc[flown["record_id"], "cargo"].fillna("").str.strip().any()
        cargo = f"; what {'it' if n == 1 else 'they'} carried was not reported" if unknown else ""
        text += f"; {count_of(n, 'cargo flight')} to Israel {verb} reported while it was in force ({tiers}{cargo})"
    return text + "."


def contracts_lead(ledger: Ledger, currency: str) -> str:
    contracts = contract_values.contract_values(ledger, currency)
    arms = contracts[(contracts["domain"] == "arms") & contracts["amount"].notna()]
    if arms.empty:
        return ""
    arms = arms.assign(_when=[period_label(s) if s else "" for s in arms["signed"]])
    ordered = arms.sort_values("signed")
    first = ordered.iloc[0]
    lines = ledger.table("contract_lines")
    systems = {c: list(g["designation"]) for c, g in lines.groupby("contract_id")} if not lines.empty else {}
    text = (f"In the other direction, Serbia bought Israeli weapons from {escape(first['supplier'])}: a "
            f"{_deal(first, systems)}")
    follows = ordered[ordered["follows"] == first["record_id"]]
    if not follows.empty:
        text += f", then a further {_deal(follows.iloc[0], systems)}"
    return text + "."


def _deal(row, systems: dict[str, list[str]]) -> str:
    """"deal worth $335 million for systems including PULS and Hermes 900 (Jan 2025)": the value as
    reported, the systems its contract lines name, and when; a deal not confirmed says its tier."""
    value = format_as_written(row["amount"], row["currency"])
    kind = {"approx": "about ", "at_least": "at least "}.get(row["amount_kind"], "")
    named = systems.get(row["record_id"], [])
    # The contract lines name the systems the sources name; a deal may cover more than they list.
    what = f" for systems including {escape(' and '.join(named))}" if named else ""
    when = f" ({period_label(row['signed'])})" if row["signed"] else ""
    reported = "" if row["certainty"] == "confirmed" else f"{row['certainty']} "
    return f"{reported}deal worth {kind}{value}{what}{when}"


def surveillance_lead(ledger: Ledger) -> str:
    summary = surveillance.summarise(ledger)
    names = summary["israeli_maker_names"]
    if not names:
        return ""
    firms = ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else names[0]
    return (f"Serbian security services have been reported using surveillance technology from the Israeli "
            f"{'firms' if len(names) > 1 else 'firm'} {escape(firms)}.")


def standfirst(params: Params) -> str:
    """One paragraph with the edition's key numbers; every sentence is left out when the edition
    has nothing to say it with."""
    in_period = for_edition(params, within_period=True)
    whole = for_edition(params)
    parts = [exports_lead(in_period, params.currency), flights_lead(in_period), halt_lead(in_period),
             contracts_lead(in_period, params.currency), surveillance_lead(whole)]
    text = " ".join(p for p in parts if p)
    return text or "This edition's filters leave no record of the trade to report."


# ----------------------------------------------------------------------------- what an edition leaves out


def leaves_out(params: Params) -> str:
    """What a filtered or dated edition does not show, said near its headline; '' for the latest
    edition with every record."""
    shown = for_edition(params)
    unfiltered = replace(params, min_certainty="possible", include_disputed=True)
    dated = for_edition(unfiltered)
    sentences = []
    if len(dated.records) > len(shown.records):
        missing = dated.records[~dated.records["record_id"].isin(shown.records["record_id"])]
        tiers = missing["certainty"].value_counts()
        detail = ", ".join(count_of(int(tiers[t]), f"{t} record") for t in ("probable", "possible", "disputed")
                           if t in tiers)
        rule = ("records the certainty rules grade confirmed" if params.min_certainty == "confirmed" else
                f"records graded {params.min_certainty} or better")
        disputes = "" if params.include_disputed else ", without disputed ones"
        sentences.append(f"This edition shows only {rule}{disputes}: it leaves out "
                         f"{count_of(len(missing), 'record')} of {len(dated.records)} ({detail}).")
        dropped = missing[missing["table"] == "aggregates"]
        if not dropped.empty:
            totals = export_values.published_totals(dated, params.currency)
            left = totals[totals["aggregate_id"].isin(dropped["record_id"])]
            if not left.empty:
                named = "; ".join(f"{period_label(r.period)}, {format_as_written(r.amount, r.currency)}"
                                  for r in left.itertuples(index=False))
                sentences.append(f"Among them are the published export totals ({named}).")
    if params.as_of:
        everything = for_edition(replace(unfiltered, as_of=""))
        later = len(everything.records) - len(dated.records)
        if later > 0:
            sentences.append(f"Written as the report could have been on {period_label(params.as_of)}, it leaves out "
                             f"{count_of(later, 'record')} that sources published later or whose publication date "
                             "cannot be placed before that day; the latest edition shows them.")
    return " ".join(sentences)


# ----------------------------------------------------------------------------- context


def context(params: Params, report_dir: Path) -> str:
    """The "Why this matters" paragraph: each sentence of report/story.yml whose records the
    edition shows, with {cite:record-id} replaced by those records' citations in this edition."""
    path = Path(report_dir) / STORY_FILE
    if not path.exists():
        return ""
    story = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    ledger = for_edition(params)
    cited = dict(zip(ledger.records["record_id"], ledger.records["source_ids"], strict=True))
    cited.update({source: [source] for source in set(ledger.claims["source_id"])})  # a source the edition cites
    kept = []
    for item in story.get("why_this_matters", []):
        if any(needed not in cited for needed in item.get("needs", [])):
            continue
        text = re.sub(r"\{cite:([a-z0-9-]+)\}", lambda m: citations(cited.get(m.group(1), [])), item["text"])
        kept.append(" ".join(text.split()))
    return " ".join(kept)


def variables(params: Params, report_dir: Path = paths.REPORT) -> dict[str, str]:
    """The lead's display strings for _variables.yml."""
    return {"standfirst": standfirst(params), "edition_leaves_out": leaves_out(params),
            "why_this_matters": context(params, report_dir) or
            "The context of this trade rests on records this edition does not show."}
