"""The numbers the prose quotes, as display strings for _variables.yml, and the sentences generated
from them; plus the raw numbers the values notebook reports (summary.json)."""

from __future__ import annotations

import pandas as pd

from armsledger.analysis.contracts import largest
from armsledger.analysis.exports import by_year, yearly_headlines
from armsledger.model.dates import parse_edtf
from armsledger.present.format import count_of, format_money, period_label, reported_text
from armsledger.present.markdown import escape


def ledger_variables(counts: dict) -> dict[str, str]:
    """Counts of the ledger and the date of its latest source ("sources published up to …")."""
    display = {
        "records_total": str(counts["records"]),
        "claims_total": str(counts["claims"]),
        "sources_total": str(counts["sources"]),
        "independent_lines": str(counts["independent_lines"]),
    }
    display.update({f"records_{tier}": str(n) for tier, n in counts["by_certainty"].items()})
    display["sources_up_to"] = period_label(counts["latest_source"]) if counts["latest_source"] else "no dated source"
    return {k: escape(v) for k, v in display.items()}


def halt_variables(halt_frame: pd.DataFrame, flows: pd.DataFrame) -> dict[str, str]:
    """A sentence on the halts of this edition and what was reported while they were in force."""
    if halt_frame.empty:
        return {"halts_total": "0", "halt_summary": "No export halt is recorded in this edition."}
    first = halt_frame.iloc[0]
    inside = flows[flows["placement"] == "inside"]
    flights = int((inside["table"] == "flights").sum())
    transfers = int((inside["table"] == "transfers").sum())
    reported = " and ".join(part for part in (count_of(flights, "flight") if flights else "",
                                              count_of(transfers, "transfer") if transfers else "") if part)
    since = period_label(first["date"]).replace("from ", "on ")
    partly = int(len(flows) - len(inside))
    overlap = (f" {count_of(partly, 'other record')}, dated only to a period that overlaps the halt, may or may not "
               "fall inside it." if partly else "")
    opening = ("The export halt in this edition" if len(halt_frame) == 1
               else f"The first of {len(halt_frame)} export halts in this edition")
    text = (f"{opening} began {since}. "
            + (f"Sources report {reported} while it was in force" if reported
               else "Sources report no flow while it was in force")
            + (", graded " + " or ".join(sorted(set(inside["certainty"]))) + "." if reported else ".") + overlap)
    return {"halts_total": str(len(halt_frame)), "halt_summary": text}


def timeline_variables(summary: dict) -> dict[str, str]:
    return {
        "timeline_items": str(summary["items"]),
        "timeline_undated": str(summary["undated_items"]),
        "timeline_flights": str(summary["by_lane"]["Flights"]),
    }


def values_summary(exports: pd.DataFrame, contracts: pd.DataFrame, totals: pd.DataFrame, currency: str) -> dict:
    """The raw numbers of the values notebook (summary.json), with values as reported."""
    years = by_year(exports)
    year_totals = {str(int(r.year)): {"records": int(r.records), "undisclosed": int(r.undisclosed),
                                      "disclosed_sum": float(r.reported_sum)} for r in years.itertuples(index=False)}
    top_export = largest(exports)
    biggest = largest(contracts)
    by_id = {row.aggregate_id: row for row in totals.itertuples(index=False)}

    def total(aggregate_id: str) -> dict:
        row = by_id[aggregate_id]
        return {"aggregate_id": aggregate_id, "value": float(row.published), "period": row.period,
                "reported": reported_text(row.amount, row.currency, row.amount_kind),
                "restated_by": row.restated_by, "first_reported": row.first_reported}

    published = {}
    for row in yearly_headlines(totals).itertuples(index=False):
        published[row.year] = {**total(row.aggregate_id), "others": [total(other) for other in row.others]}
    whole_years = set(published)
    partial = totals[[parse_edtf(p).precision != "year" and str(parse_edtf(p).earliest.year) not in whole_years
                      for p in totals["period"]]] if not totals.empty else totals
    latest_partial = None
    if not partial.empty:
        latest_partial = total(partial.sort_values(["latest", "aggregate_id"]).iloc[-1]["aggregate_id"])
    return {
        "currency": currency,
        "export_records": len(exports),
        "export_records_undisclosed": int(exports["value"].isna().sum()),
        "by_year": year_totals,
        "published_by_year": published,
        "latest_partial_total": latest_partial,
        "largest_export": None if top_export is None else {
            "record_id": top_export["record_id"], "period": top_export["period"], "value": float(top_export["value"]),
            "reported": reported_text(top_export["amount"], top_export["currency"], top_export["amount_kind"])},
        "largest_contract": None if biggest is None else {
            "record_id": biggest["record_id"], "title": biggest["title"],
            "reported": reported_text(biggest["amount"], biggest["currency"], biggest["amount_kind"]),
            "value": float(biggest["value"]), "fx_rate": float(biggest["fx_rate"]), "fx_date": biggest["fx_date"],
            "delivery": biggest["delivery"]},
    }


def values_variables(summary: dict, currency: str, years: tuple[str, ...] | None = None) -> dict[str, str]:
    """Display strings. The per-year keys exist for every year in `years` (an edition's period, so
    that every edition has them, with a plain-words fallback); by default the years with data."""
    if years is None:
        years = tuple(sorted(set(summary["by_year"]) | set(summary["published_by_year"])))
    out = {
        "exports_records": str(summary["export_records"]),
        "exports_undisclosed": str(summary["export_records_undisclosed"]),
    }
    for year in years:
        ledger_year = summary["by_year"].get(year)
        if not ledger_year:
            out[f"exports_ledger_{year}"] = "no recorded shipment"
        elif ledger_year["undisclosed"] == ledger_year["records"]:
            out[f"exports_ledger_{year}"] = "no disclosed value"  # never €0 for values nobody disclosed
        else:
            out[f"exports_ledger_{year}"] = format_money(ledger_year["disclosed_sum"], currency)
        published = summary["published_by_year"].get(year)
        out[f"exports_published_{year}"] = (format_money(published["value"], currency)
                                             if published else "not yet published")
    largest = summary["largest_export"]
    out["exports_largest_month"] = period_label(largest["period"]) if largest else "none"
    out["exports_largest_value"] = format_money(largest["value"], currency) if largest else "none"
    contract = summary["largest_contract"]
    if contract:
        out["contract_largest_title"] = escape(contract["title"])
        # Money strings are our own format (a currency sign before digits), safe as Markdown.
        out["contract_largest_reported"] = contract["reported"]
        out["contract_largest_value"] = format_money(contract["value"], currency)
        rate = contract["fx_rate"]
        out["contract_largest_fx"] = ("no conversion" if rate == 1.0 else
                                      f"{rate:.4f} ({period_label(contract['fx_date'])} ECB mean)")
        out["contract_largest_delivery"] = (period_label(contract["delivery"]) if contract["delivery"]
                                            else "not reported")
    else:
        for key in ("title", "reported", "value", "fx", "delivery"):
            out[f"contract_largest_{key}"] = "no contract reported yet"
    out["exports_summary"] = _exports_sentence(summary, out, years, currency)
    if not contract:
        out["contract_summary"] = "No contract with a reported value falls in this edition's period."
    else:
        converted = ("" if contract["fx_rate"] == 1.0 else
                     f", which is {out['contract_largest_value']} at an ECB rate of {out['contract_largest_fx']}")
        delivery = (f"; deliveries are expected over {out['contract_largest_delivery']}" if contract["delivery"]
                    else "; its delivery schedule is not reported")
        out["contract_summary"] = (
            f"The largest contract in this edition's period, *{out['contract_largest_title']}*, was reported at "
            f"{out['contract_largest_reported']}{converted}{delivery}.")
    return out


def _exports_sentence(summary: dict, out: dict[str, str], years: tuple[str, ...], currency: str) -> str:
    """The summary's sentence on exports, worded for whatever this edition knows (an early as-of
    edition predates the published yearly totals)."""
    published = [y for y in years if summary["published_by_year"].get(y)]

    def beside(year: str) -> str:
        """The year's other totals, named beside the one that leads."""
        others = summary["published_by_year"][year].get("others", [])
        if not others:
            return ""
        named = " and ".join(format_money(o["value"], currency) for o in others)
        lead = summary["published_by_year"][year]
        if any(o.get("restated_by") == lead.get("aggregate_id") for o in others):
            return f" (a restatement; first published as {named})"
        return f" (other sources: {named})"

    if len(published) >= 2:
        first, last = published[0], published[-1]
        text = (f"The totals the sources published rise from {out[f'exports_published_{first}']} for {first}"
                f"{beside(first)} to {out[f'exports_published_{last}']} for {last}{beside(last)}.")
    elif published:
        year = published[0]
        text = f"The sources published a total of {out[f'exports_published_{year}']} for {year}{beside(year)}."
    else:
        text = "No published yearly total passes this edition's filters (its date and minimum certainty)."
    partial = summary.get("latest_partial_total")
    if partial and published and partial["period"][:4] > published[-1]:
        text += (f" For {period_label(partial['period'])} alone they published "
                 f"{format_money(partial['value'], currency)}.")
    recorded = [y for y in years if summary["by_year"].get(y)]
    if recorded:
        parts = " and ".join(f"{out[f'exports_ledger_{y}']} for {y}" for y in recorded)
        text += (f" The individual customs-recorded shipments in the ledger add up to {parts} (values that were "
                 f"never disclosed are not counted); the largest single month is {out['exports_largest_month']}, "
                 f"at {out['exports_largest_value']}.")
    else:
        text += " The ledger holds no customs-recorded shipment for this edition."
    return text


def reconciliation_variables(summary: dict, currency: str) -> dict[str, str]:
    largest = summary["largest_gap"]
    status = summary["by_status"]
    out = {
        "recon_totals": str(summary["totals"]),
        "recon_consistent": str(status.get("consistent", 0)),
        "recon_short": str(status.get("rows fall short of total", 0)),
        "recon_exceed": str(status.get("rows exceed total", 0)),
        "recon_open": str(sum(n for s, n in status.items() if s.startswith("open"))),
        "recon_largest_gap": format_money(largest["gap_display"], currency) if largest else "none",
        "recon_largest_gap_period": period_label(largest["period"]) if largest else "none",
        "recon_largest_gap_total": format_money(largest["published_display"], currency) if largest else "none",
        "contradictions_total": str(summary["contradictions"]),
    }
    if summary["totals"]:
        total = summary["totals"]
        consistent, short = int(out["recon_consistent"]), int(out["recon_short"])
        exceed, open_ = int(out["recon_exceed"]), int(out["recon_open"])
        clauses = []
        if consistent:
            clauses.append(f"match {_of(consistent, total)} within the rounding of their figures")
        if short:
            clauses.append(f"add up to less than {_of(short, total)}, because "
                           "sources reported some months or shipments only as part of a total")
        if exceed:
            clauses.append(f"add up to more than {_of(exceed, total)}")
        if open_:
            clauses.append(f"cannot settle {_of(open_, total)}, since some shipments were reported without a value")
        rowless = int(status.get("no ledger rows", 0))
        if rowless:
            clauses.append(f"hold nothing to set against {_of(rowless, total)}")
        text = (f"Set against the {count_of(total, 'total')} the sources published, the ledger's own records "
                + _joined(clauses) + "." if rowless < total else
                f"None of the {count_of(total, 'published total')} has ledger records to compare with.")
        if largest:
            months = summary["gaps"][largest["aggregate_id"]]["months_without_rows"]
            missing = " + ".join(period_label(m) for m in months)
            text += (f" The clearest gap: {out['recon_largest_gap']} of the {out['recon_largest_gap_total']} "
                     f"reported for {out['recon_largest_gap_period']}"
                     + (f" is in no single record, since {missing} was never reported on its own." if missing
                        else " is in no single record."))
    else:
        text = "No published total passes this edition's filters."
    n = summary["contradictions"]
    text += (" No two sources contradict each other in this edition." if not n else
             f" Where sources disagree ({count_of(n, 'case')}), the report shows both sides instead of averaging "
             "them.")
    out["recon_summary"] = text
    return out


def _of(part: int, total: int) -> str:
    """"all of them", "it", "2 of them": how many of the totals a clause is about."""
    if part == total:
        return "all of them" if total > 1 else "it"
    return f"{part} of them"


def _joined(clauses: list[str]) -> str:
    return clauses[0] if len(clauses) == 1 else "; they ".join([clauses[0], *clauses[1:]])


def surveillance_variables(summary: dict) -> dict[str, str]:
    """The surveillance sentence. A count of Israeli makers is given among the makers whose country the
    ledger records, and the others are named: a blank country is unknown, not "not Israeli"."""
    names = summary["israeli_maker_names"]
    makers, israeli = len(summary["makers"]), len(summary["israeli_makers"])
    unknown = summary.get("makers_country_unknown", [])
    unknown_names = summary.get("makers_country_unknown_names", unknown)
    known = makers - len(unknown)
    incidents = count_of(summary["incidents"], "documented incident")
    if not summary["procurements"]:
        text = ("The ledger records no procurement, licence or donation of surveillance technology in this edition"
                f", and {incidents}.")
    else:
        records = count_of(summary["procurements"], "procurement, licence or donation",
                           "procurements, licences or donations")
        text = f"The ledger records {records} of surveillance technology for Serbian state bodies"
        if makers and not unknown:
            if not israeli:
                which = "none of them is Israeli" if makers > 1 else "it is not Israeli"
            else:
                subject = "it is" if makers == 1 else f"{israeli} of them {'is' if israeli == 1 else 'are'}"
                which = f"{subject} Israeli ({escape(', '.join(names))})"
            text += f", from {count_of(makers, 'named maker')}; {which}, and {incidents}."
        elif makers:
            text += f", from {count_of(makers, 'named maker')}, and {incidents}. "
            others = escape(", ".join(unknown_names))
            if not known:
                text += f"No maker's country is recorded ({others})."
            else:
                how_many = {known: "both" if known == 2 else f"all {known}"}.get(israeli, str(israeli))
                is_israeli = (f"{how_many} {'is' if israeli == 1 else 'are'} Israeli ({escape(', '.join(names))})"
                              if israeli else "none is Israeli")
                if known == 1 and israeli:
                    lead = f"The one maker whose country is recorded is Israeli ({escape(', '.join(names))})"
                elif known == 1:
                    lead = "The one maker whose country is recorded is not Israeli"
                else:
                    lead = f"Of the {known} makers whose country is recorded, {is_israeli}"
                rest = (f"the country of the other one ({others}) is not recorded" if len(unknown) == 1 else
                        f"the country of the other {len(unknown)} ({others}) is not recorded")
                text += f"{lead}; {rest}."
        else:
            text += f", and {incidents}."
    return {
        "surveillance_procurements": str(summary["procurements"]),
        "surveillance_makers": str(makers),
        "surveillance_makers_country_known": str(known),
        "surveillance_makers_country_unknown": str(len(unknown)),
        "surveillance_israeli_makers": str(israeli),
        "surveillance_israeli_makers_named": escape(", ".join(names) if names else "none"),
        "surveillance_incidents": str(summary["incidents"]),
        "surveillance_summary": text,
    }
