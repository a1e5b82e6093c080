"""The lead and the generated sentences read as written ones in every edition: no "0 … exceed 0", no
"€0" for a value nobody disclosed, no "1 flights", and a filtered edition says what it leaves out."""

from __future__ import annotations

import re

import pytest

from armsledger.analysis import contracts as contract_values
from armsledger.analysis import exports as export_values
from armsledger.analysis import halts, inventory, reconcile, surveillance, timeline
from armsledger.model.ledger import for_edition
from armsledger.model.params import Params, edition_names, load_edition
from armsledger.present import sentences, story
from tests.common import SMALL

ODD = [
    (r"\b(?:exceed|of|match|short of|leave|from|for) 0\b(?![.,]\d)", "a zero where a clause should be left out"),
    (r"[€$]0(?:\.0+)?\b(?! ?[.,]\d)", "a zero sum"),
    (r"\b1 (?:flights|records|totals|shipments|cases|makers|sources)\b", "a plural after 1"),
    (r"\bnot stated\b", "a window or date we say nothing about"),
    (r"  |\s[,.;]|\.\.(?!\.)|,,", "broken punctuation or spacing"),
    (r"\{\{<|\bnan\b|\bNaT\b|None", "a leftover or a missing value"),
]


def _params(name: str) -> Params:
    return Params(**{**load_edition(name).params.as_dict(), "data_dir": str(SMALL)})


def _all_sentences(params: Params) -> dict[str, str]:
    whole, in_period = for_edition(params), for_edition(params, within_period=True)
    currency = params.currency
    exports = export_values.customs_exports(in_period, currency)
    contracts = contract_values.contract_values(in_period, currency)
    totals = export_values.published_totals(in_period, currency)
    values = sentences.values_summary(exports, contracts, totals, currency)
    recon = reconcile.reconcile(in_period, currency)
    conflicts = reconcile.contradictions(in_period)
    stopped = halts.halts(in_period)
    return {
        **story.variables(params, SMALL.parent.parent.parent / "report"),
        **sentences.ledger_variables(inventory.headline_counts(whole)),
        **sentences.values_variables(values, currency, params.period_years),
        **sentences.reconciliation_variables(reconcile.summarise(recon, conflicts), currency),
        **sentences.surveillance_variables(surveillance.summarise(whole)),
        **sentences.timeline_variables(timeline.summarise(timeline.build_timeline(in_period))),
        **sentences.halt_variables(stopped, halts.flows_during(in_period, stopped)),
    }


@pytest.mark.parametrize("edition", edition_names())
def test_every_editions_sentences_read_as_written_ones(edition):
    texts = _all_sentences(_params(edition))
    for key, text in texts.items():
        for pattern, what in ODD:
            assert not re.search(pattern, text), f"{edition}: {key} has {what}: {text!r}"


def test_the_standfirst_states_the_latest_total_the_year_before_and_no_ratio_of_its_own():
    lead = story.variables(_params("latest"), SMALL.parent.parent.parent / "report")["standfirst"]
    assert lead.startswith("Serbia exported arms and ammunition worth")
    assert "in 2024" in lead and "up from" in lead and "in 2023" in lead and "times" not in lead
    assert lead.endswith(".")


def test_a_filtered_edition_says_what_it_leaves_out():
    usd = story.leaves_out(_params("usd-confirmed"))
    assert usd.startswith("This edition shows only records the certainty rules grade confirmed, without disputed ones")
    assert re.search(r"it leaves out \d+ records? of \d+", usd)
    dated = story.leaves_out(_params("as-of-2024-06"))
    assert "Written as the report could have been on 30 Jun 2024" in dated and "the latest edition shows them" in dated
    assert story.leaves_out(_params("latest")) == ""


def test_converted_approximate_values_keep_two_significant_figures():
    assert story._approx(550_530.0, "USD", converted=True) == "≈ $550,000"
    assert story._approx(42_300_000.0, "EUR", converted=False) == "€42.3 million"
    assert story._approx(1_375_600_000.0, "EUR", converted=True) == "≈ €1.4 billion"


def test_context_sentences_appear_only_with_the_records_they_rest_on(tmp_path):
    (tmp_path / "story.yml").write_text(
        "why_this_matters:\n"
        "  - needs: [small-2023-11]\n    text: The first shipment {cite:small-2023-11}.\n"
        "  - needs: [no-such-record]\n    text: Never shown.\n", encoding="utf-8")
    text = story.context(_params("latest"), tmp_path)
    assert text.startswith("The first shipment [@") and "Never shown" not in text
