"""Invariants of the real ledger's evidence: every citation names the line of reporting it belongs to,
the originals it names are in the edition's bibliography, credibility 1 is given only with the
documentary evidence named, and every record's tier comes with the rule that gave it. No test here
names a record or a count."""

from __future__ import annotations

import re

from armsledger.model import certainty, reporting
from armsledger.pipeline.edition_data import _sources_shown
from armsledger.present import tables

_ITEM = re.compile(r"^(via )?@([\w-]+)$")


def _groups(citation: str) -> list[tuple[str, list[str]]]:
    """"[@a; via @b; @c]" → [("a", ["b"]), ("c", [])]; fails on any other shape."""
    assert citation.startswith("[") and citation.endswith("]"), citation
    groups: list[tuple[str, list[str]]] = []
    for item in citation[1:-1].split("; "):
        match = _ITEM.match(item)
        assert match, f"{item!r} in {citation}"
        if match.group(1):
            assert groups, f"a relay before any original in {citation}"
            groups[-1][1].append(match.group(2))
        else:
            groups.append((match.group(2), []))
    return groups


def test_every_citation_in_the_appendix_names_its_original(editions, shown):
    """No record cites only a relay when the original it relays is in the edition's data: each citation
    group opens with the line's original, and the relays under it derive from it."""
    for name in editions:
        ledger = shown[name]
        parents = reporting.citation_lineage(ledger)
        appendix = tables.record_table(ledger).set_index("id")
        bibliography = _sources_shown(ledger)
        for record in ledger.records.itertuples(index=False):
            groups = _groups(appendix.at[record.record_id, "sources"])
            named = {s for root, relays in groups for s in (root, *relays)}
            assert named >= set(record.source_ids), f"{name}: {record.record_id} leaves a source out"
            for root, relays in groups:
                where = f"{name}: {record.record_id}, line {root}"
                assert root in bibliography, f"{where}: the original is not in the edition's bibliography"
                assert not parents.get(root), f"{where}: {root} relays {parents[root]}, which is not named"
                for relay in relays:
                    assert root in _ancestors(parents, relay), f"{where}: {relay} does not derive from it"


def _ancestors(parents: dict[str, str], source: str) -> list[str]:
    found, node = [], source
    while parents.get(node) and parents[node] not in found:
        node = parents[node]
        found.append(node)
    return found


def test_every_original_not_read_is_known_through_a_relay(real):
    """An original we did not read (no address) is in the data only as the original of what we read."""
    sources = real.tables["sources"]
    relayed = set(sources["derived_from"]) - {""}
    unread = set(sources.loc[sources["url"] == "", "source_id"])
    assert unread <= relayed, sorted(unread - relayed)
    assert not set(real.claims["source_id"]) & unread  # claims cite what was read


def test_credibility_one_names_the_documentary_evidence(real):
    """Credibility 1 is kept for documentary evidence (R3), and the claim's note says what it is."""
    claims = real.tables["claims"]
    top = claims[claims["credibility"] == 1]
    unnamed = top[[not certainty.evidence_named(note) for note in top["note"]]]
    assert unnamed.empty, f"credibility 1 without 'Evidence: …' in the note: {sorted(unnamed['claim_id'])}"


def test_every_tier_names_the_rule_that_gave_it(editions, shown):
    rules = tuple(f"{rule}: " for rule in certainty.RULES)
    for name in editions:
        for record in shown[name].records.itertuples(index=False):
            reason = record.certainty_reason
            assert reason.startswith(rules) or reason.startswith("analyst override: "), f"{name}: {reason}"
            if reason.startswith("analyst override: "):
                assert "Without the override, R" in reason, reason


def test_the_sources_table_has_one_row_per_independent_line(editions, shown):
    """The Sources section's lines of reporting are the independent lines the summary counts."""
    from armsledger.analysis import inventory
    from armsledger.present import markdown

    for name in editions:
        ledger = shown[name]
        lines = markdown.lines_of_reporting_table(reporting.lines_of_reporting(ledger))
        assert len(lines) == inventory.headline_counts(ledger)["independent_lines"], name
        assert set(reporting.lines_of_reporting(ledger)["source_id"]) >= set(ledger.claims["source_id"]), name
