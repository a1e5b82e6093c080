"""An edition's headline numbers, computed in-process with the functions the notebooks call: the
committed snapshot (`armsledger snapshot`) that shows a data change as a readable diff."""

from __future__ import annotations

import json
import math
from pathlib import Path

from armsledger.analysis import contracts as contract_values
from armsledger.analysis import exports as export_values
from armsledger.analysis import inventory, reconcile, surveillance, timeline
from armsledger.model.ledger import for_edition
from armsledger.model.params import Params, edition_names, load_edition


def _money(value: float) -> float | None:
    """Rounded to the cent, so that float noise never shows as a change."""
    return None if value is None or (isinstance(value, float) and not math.isfinite(value)) else round(value, 2)


def edition_numbers(params: Params) -> dict:
    """What an edition says in numbers: records, sources, exports by year, published totals,
    reconciliation, contradictions, contracts and surveillance."""
    whole = for_edition(params)
    in_period = for_edition(params, within_period=True)
    currency = params.currency
    counts = inventory.headline_counts(whole)
    items = timeline.summarise(timeline.build_timeline(in_period))
    exports = export_values.customs_exports(in_period, currency)
    totals = export_values.published_totals(in_period, currency)
    contracts = contract_values.contract_values(in_period, currency)
    largest = contract_values.largest(contracts)
    recon = reconcile.reconcile(in_period, currency)
    conflicts = reconcile.contradictions(in_period)
    recon_summary = reconcile.summarise(recon, conflicts)
    gap = recon_summary["largest_gap"]
    watch = surveillance.summarise(whole)
    return {
        "currency": currency,
        "records": counts["records"],
        "records_by_certainty": counts["by_certainty"],
        "records_by_table": counts["by_table"],
        "claims": counts["claims"],
        "sources": counts["sources"],
        "independent_lines": counts["independent_lines"],
        "timeline_items": items["items"],
        "timeline_undated": items["undated_items"],
        "export_records": len(exports),
        "export_records_undisclosed": int(exports["value"].isna().sum()),
        "exports_by_year": {str(int(r.year)): _money(r.reported_sum)
                            for r in export_values.by_year(exports).itertuples(index=False)},
        "published_totals": {r.aggregate_id: _money(r.published) for r in totals.itertuples(index=False)},
        "largest_contract": None if largest is None else {"record_id": largest["record_id"],
                                                          "value": _money(float(largest["value"]))},
        "reconciliation": recon_summary["by_status"],
        "largest_gap": None if gap is None else {"aggregate_id": gap["aggregate_id"],
                                                 "gap": _money(gap["gap_display"])},
        "contradictions": len(conflicts),
        "surveillance_procurements": watch["procurements"],
        "surveillance_makers": watch["makers"],
        "surveillance_incidents": watch["incidents"],
    }


def snapshot(data_dir: Path, editions_dir: Path | None = None) -> dict:
    """Every edition's numbers, by edition name."""
    out = {}
    for name in edition_names(editions_dir):
        params = load_edition(name, editions_dir).params
        out[name] = edition_numbers(Params(**{**params.as_dict(), "data_dir": str(data_dir)}))
    return out


def dumps(numbers: dict) -> str:
    return json.dumps(numbers, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def differences(old: dict, new: dict, prefix: str = "") -> list[str]:
    """Every number that changed, as `edition.key: old → new`, one per line."""
    lines = []
    for key in sorted(set(old) | set(new)):
        path = f"{prefix}{key}"
        a, b = old.get(key, "(absent)"), new.get(key, "(absent)")
        if isinstance(a, dict) and isinstance(b, dict):
            lines += differences(a, b, path + ".")
        elif a != b:
            lines.append(f"{path}: {json.dumps(a, ensure_ascii=False)} → {json.dumps(b, ensure_ascii=False)}")
    return lines
