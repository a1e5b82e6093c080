"""armsledger.model.certainty: Admiralty grades, source independence and the derived certainty tier of each record."""

from __future__ import annotations

import pandas as pd
import pytest

from armsledger import paths
from armsledger.model.certainty import (
    DISPUTED,
    RULE_TIERS,
    RULES,
    TIERS,
    admiralty_grade,
    evidence_named,
    field_certainty,
    field_tier,
    grade_at_most_b2,
    graded_claims,
    passes,
    r1_primary_source,
    r2_independent_lines,
    r3_documentary_evidence,
    r4_said_or_published,
    record_certainty,
    record_kinds,
    root_sources,
    tier_rank,
)

# source_id: (source_type, reliability, derived_from, publisher)
SOURCES = {
    "birn": ("investigation", "B", "", "BIRN"),
    "rep-1": ("republication", "B", "birn", "Echo One"),
    "rep-2": ("republication", "B", "birn", "Echo Two"),
    "rep-3": ("news", "B", "birn", "Echo Three"),
    "rep-4": ("news", "A", "rep-1", "Echo Four"),  # republishes a republication: still the BIRN line
    "rep-5": ("republication", "B", "birn", "Echo Five"),
    "avaz": ("news", "B", "", "Avaz"),
    "haaretz": ("investigation", "A", "", "Haaretz"),
    "elbit": ("company", "B", "", "Elbit Systems"),
    "ministry": ("official", "D", "", "Ministry"),
    "blog": ("blog", "D", "", "A Blog"),
    "weak": ("news", "C", "", "Weak Daily"),
}


def sources_frame() -> pd.DataFrame:
    return pd.DataFrame([{"source_id": s, "source_type": t, "reliability": r, "derived_from": d, "publisher": p}
                         for s, (t, r, d, p) in SOURCES.items()])


def tier(*claims: tuple, override: str = "", note: str = "", table: str = "transfers", kind: str = "") -> pd.Series:
    """Certainty row of one record `r` supported (or opposed) by (source_id, credibility, stance[, note])
    claims; `table` and `kind` say what the record is (R4 reads them)."""
    frame = pd.DataFrame(
        [{"record_id": "r", "source_id": c[0], "credibility": c[1], "stance": c[2], "note": c[3] if len(c) > 3 else ""}
         for c in claims],
        columns=["record_id", "source_id", "credibility", "stance", "note"],
    )
    records = pd.DataFrame({"record_id": ["r"], "table": [table], "kind": [kind], "certainty_override": [override],
                            "certainty_note": [note]})
    result = record_certainty(frame, sources_frame(), records)
    assert list(result["record_id"]) == ["r"]
    return result.iloc[0]


def test_tiers_are_listed_strongest_first():
    assert TIERS == ("confirmed", "probable", "possible")
    assert DISPUTED == "disputed" and DISPUTED not in TIERS


def test_the_rules_are_numbered_and_each_confirming_rule_is_a_function():
    assert list(RULES) == ["R1", "R2", "R3", "R4", "R5", "R6", "R7"]
    assert [rule.__name__[:2].upper() for rule, _ in RULE_TIERS] == ["R1", "R2", "R3", "R4", "R5", "R6"]
    assert [t for _, t in RULE_TIERS] == ["confirmed"] * 4 + ["probable", "possible"]


def test_admiralty_grade():
    assert admiralty_grade("B", 2) == "B2"
    assert admiralty_grade("A", 1.0) == "A1"


@pytest.mark.parametrize(
    ("reliability", "credibility", "strong"),
    [("A", 1, True), ("A", 2, True), ("B", 2, True), ("B", 3, False), ("C", 1, False), ("C", 2, False),
     ("F", 6, False)],
)
def test_grade_at_most_b2(reliability, credibility, strong):
    assert grade_at_most_b2(reliability, credibility) is strong


def test_root_sources_follow_derived_from_to_the_original():
    roots = root_sources(sources_frame())
    assert {roots[s] for s in ("birn", "rep-1", "rep-2", "rep-3", "rep-4", "rep-5")} == {"birn"}
    assert roots["avaz"] == "avaz"


def test_root_sources_survive_a_cycle():
    frame = pd.DataFrame({"source_id": ["a", "b"], "derived_from": ["b", "a"]})
    roots = root_sources(frame)
    assert set(roots) == {"a", "b"}  # no infinite loop; the validator reports the cycle


def _claims(*claims: tuple) -> list[dict]:
    frame = pd.DataFrame([{"record_id": "r", "source_id": c[0], "credibility": c[1], "stance": "supports",
                           "note": c[2] if len(c) > 2 else ""} for c in claims])
    return graded_claims(frame, sources_frame())


# --------------------------------------------------------------------------- R1 primary source


def test_r1_the_partys_own_statement_with_credibility_two_confirms():
    assert r1_primary_source(_claims(("elbit", 2)), {}) == (
        "R1: primary source, the party's own release or record (Elbit Systems B2)")
    assert r1_primary_source(_claims(("elbit", 3)), {}) is None  # B3: an unclear reading of its own statement
    assert r1_primary_source(_claims(("haaretz", 1)), {}) is None  # an investigation is no party's own record
    row = tier(("elbit", 2, "supports"))
    assert row["certainty"] == "confirmed" and row["certainty_reason"].startswith("R1: ")
    # An official source is primary whatever its reliability grade.
    assert tier(("ministry", 1, "supports"))["certainty"] == "confirmed"
    assert tier(("elbit", 3, "supports"))["certainty"] == "possible"  # and there is no second line


# --------------------------------------------------------------------------- R2 independent lines


def test_r2_two_independent_lines_graded_b2_or_better_confirm():
    reason = r2_independent_lines(_claims(("rep-1", 2), ("avaz", 2)), {})
    assert reason == "R2: 2 independent lines graded B2 or better (Avaz B2; BIRN via Echo One B2)"
    assert r2_independent_lines(_claims(("rep-1", 2), ("rep-2", 2)), {}) is None  # one story, two copies
    assert r2_independent_lines(_claims(("avaz", 2), ("weak", 2)), {}) is None  # C2 is no strong line
    row = tier(("birn", 2, "supports"), ("avaz", 2, "supports"))
    assert row["certainty"] == "confirmed" and row["independent_sources"] == 2


def test_five_republications_of_one_story_are_one_line():
    claims = [(f"rep-{i}", 2, "supports") for i in range(1, 6)]
    row = tier(*claims)
    assert row["certainty"] == "probable"
    assert row["independent_sources"] == 1 and row["supporting_claims"] == 5
    # ... and adding the original itself changes nothing.
    assert tier(*claims, ("birn", 2, "supports"))["certainty"] == "probable"
    # One genuinely independent B2 line does.
    assert tier(*claims, ("avaz", 2, "supports"))["certainty"] == "confirmed"


# --------------------------------------------------------------------------- R3 documentary evidence


def test_r3_documentary_evidence_from_a_reliable_source_confirms_and_names_it():
    note = "Evidence: planespotter video and flight tracking. Haaretz extract."
    assert evidence_named(note) == "planespotter video and flight tracking"
    assert evidence_named("Haaretz extract.") == ""
    assert r3_documentary_evidence(_claims(("rep-1", 1, note)), {}) == (
        "R3: documentary evidence (planespotter video and flight tracking), BIRN via Echo One B1")
    assert r3_documentary_evidence(_claims(("rep-1", 1)), {}) == "R3: documentary evidence, BIRN via Echo One B1"
    assert r3_documentary_evidence(_claims(("weak", 1, note)), {}) is None  # a C source: not on its own
    assert r3_documentary_evidence(_claims(("rep-1", 2)), {}) is None  # an assertion, however reliable
    row = tier(("rep-1", 1, "supports", note))
    assert row["certainty"] == "confirmed" and row["independent_sources"] == 1
    assert tier(("weak", 1, "supports", note))["certainty"] == "possible"


# --------------------------------------------------------------------------- R4 said or published


@pytest.mark.parametrize(("table", "kind", "noun"), [
    ("events", "statement", "statement"), ("events", "publication", "publication"), ("events", "meeting", "meeting"),
    ("aggregates", "", "published total"),
])
def test_r4_one_b2_line_confirms_that_something_was_said_or_published(table, kind, noun):
    record = {"table": table, "kind": kind}
    reason = r4_said_or_published(_claims(("rep-2", 2)), record)
    assert reason.startswith(f"R4: {noun} reported by BIRN via Echo Two B2; confirms that it ")
    assert ", not " in reason  # what it does not confirm is said in the reason too
    assert tier(("rep-2", 2, "supports"), table=table, kind=kind)["certainty"] == "confirmed"
    assert tier(("weak", 2, "supports"), table=table, kind=kind)["certainty"] == "possible"  # no B2 line


@pytest.mark.parametrize(("table", "kind"), [("transfers", ""), ("flights", ""), ("events", "surveillance_incident"),
                                             ("events", "context"), ("contracts", "purchase")])
def test_r4_does_not_confirm_what_happened(table, kind):
    assert r4_said_or_published(_claims(("rep-2", 2)), {"table": table, "kind": kind}) is None
    assert tier(("rep-2", 2, "supports"), table=table, kind=kind)["certainty"] == "probable"


# --------------------------------------------------------------------------- R5, R6, R7


def test_r5_one_b2_line_is_probable():
    row = tier(("avaz", 2, "supports"))
    assert row["certainty"] == "probable" and row["best_grade"] == "B2"
    assert row["certainty_reason"] == "R5: one line graded B2 or better (Avaz B2)"
    # Two lines, only one of them graded B2 or better.
    assert tier(("avaz", 2, "supports"), ("weak", 2, "supports"))["certainty"] == "probable"


@pytest.mark.parametrize("claims", [
    [("weak", 2, "supports")],
    [("blog", 1, "supports")],
    [("avaz", 3, "supports"), ("weak", 5, "supports")],
])
def test_r6_only_weaker_claims_are_possible(claims):
    row = tier(*claims)
    assert row["certainty"] == "possible"
    assert row["certainty_reason"].startswith("R6: no line graded B2 or better (best ")


def test_best_grade_is_the_strongest_claim():
    assert tier(("weak", 5, "supports"), ("avaz", 3, "supports"), ("weak", 2, "supports"))["best_grade"] == "B3"


@pytest.mark.parametrize(("stance", "verb"), [("contradicts", "contradicted"), ("denies", "denied")])
def test_r7_an_opposing_claim_makes_the_record_disputed(stance, verb):
    row = tier(("birn", 2, "supports"), ("avaz", 2, "supports"), ("blog", 5, stance))
    assert row["certainty"] == "disputed"
    assert row["evidence_certainty"] == "confirmed"  # what the evidence says, disregarding the dispute
    assert row["opposing_claims"] == 1 and row["supporting_claims"] == 2
    assert row["certainty_reason"] == (f"R7: {verb} by A Blog D5; without the dispute, R2: 2 independent lines "
                                       "graded B2 or better (Avaz B2; BIRN B2)")


def test_override_with_note_wins_and_keeps_what_the_rules_give():
    row = tier(("birn", 2, "supports"), ("blog", 5, "contradicts"), override="confirmed",
               note="The dispute concerns only the date.")
    assert row["certainty"] == "confirmed"
    assert row["evidence_certainty"] == "probable"
    assert row["certainty_reason"] == ("analyst override: The dispute concerns only the date. Without the override, "
                                       "R7: contradicted by A Blog D5; without the dispute, R5: one line graded B2 "
                                       "or better (BIRN B2)")
    assert tier(("elbit", 1, "supports"), override="possible", note="n")["certainty"] == "possible"


def test_record_without_claims_has_no_tier():
    row = tier()
    assert row["certainty"] == "" and row["supporting_claims"] == 0


def test_records_are_kept_in_order_and_claims_of_others_ignored():
    claims = pd.DataFrame({
        "record_id": ["a", "b", "b", "zzz"],
        "source_id": ["avaz", "birn", "avaz", "elbit"],
        "credibility": [2, 2, "2", 1],  # credibility may arrive as text
        "stance": ["supports"] * 4,
    })
    records = pd.DataFrame({"record_id": ["b", "a", "c"]})  # no override, table or kind columns at all
    result = record_certainty(claims, sources_frame(), records)
    assert list(result["record_id"]) == ["b", "a", "c"]
    assert list(result["certainty"]) == ["confirmed", "probable", ""]


# --------------------------------------------------------------------------- fields


def test_a_field_may_rest_on_weaker_evidence_than_its_record():
    """The donation is the donor's own act (R1); its maker rests on one NGO line."""
    claims = pd.DataFrame([
        {"record_id": "gift", "source_id": "ministry", "credibility": 2, "stance": "supports",
         "fields": "amount|supplier_id"},
        {"record_id": "gift", "source_id": "rep-3", "credibility": 2, "stance": "supports",
         "fields": "producer_id|supplier_id"},
        {"record_id": "gift", "source_id": "blog", "credibility": 4, "stance": "contradicts", "fields": "amount"},
    ])
    records = pd.DataFrame({"record_id": ["gift"], "table": ["contracts"]})
    fields = field_certainty(claims, sources_frame(), records)
    assert list(fields["field"]) == ["amount", "producer_id", "supplier_id"]
    assert field_tier(fields, "gift", "producer_id") == "probable"
    assert field_tier(fields, "gift", "supplier_id") == "confirmed"
    assert field_tier(fields, "gift", "amount") == "disputed"
    assert field_tier(fields, "gift", "delivery") == ""  # no claim lists it
    maker = fields.set_index("field").loc["producer_id"]
    assert maker["lines"] == ["birn"] and maker["line_names"] == ["BIRN"]
    assert maker["certainty_reason"] == "R5: one line graded B2 or better (BIRN via Echo Three B2)"


def test_record_kinds_reads_the_kind_of_every_table_that_has_one():
    tables = {"events": pd.DataFrame({"event_id": ["e"], "kind": ["meeting"]}),
              "flights": pd.DataFrame({"flight_id": ["f"]})}
    assert record_kinds(tables, {"events": "event_id", "flights": "flight_id"}) == {"e": "meeting"}


def test_tier_rank_orders_tiers_and_puts_disputed_last():
    assert [tier_rank(t) for t in ("confirmed", "probable", "possible", "disputed", "")] == [0, 1, 2, 3, 3]


@pytest.mark.parametrize(
    ("certainty", "evidence", "minimum", "include_disputed", "shown"),
    [
        ("confirmed", "confirmed", "confirmed", False, True),
        ("probable", "probable", "confirmed", True, False),
        ("probable", "probable", "probable", False, True),
        ("possible", "possible", "probable", True, False),
        ("possible", "possible", "possible", False, True),
        # disputed records: only when disputes are included and the evidence reaches the minimum
        ("disputed", "confirmed", "confirmed", False, False),
        ("disputed", "confirmed", "confirmed", True, True),
        ("disputed", "probable", "confirmed", True, False),
        ("disputed", "probable", "probable", True, True),
        ("disputed", "possible", "possible", True, True),
        ("disputed", "possible", "probable", True, False),
        ("disputed", "", "possible", True, False),  # disputed and unsupported
        ("", "", "possible", True, False),
    ],
)
def test_passes(certainty, evidence, minimum, include_disputed, shown):
    assert passes(certainty, evidence, minimum, include_disputed) is shown


def test_the_method_section_states_every_rule_by_its_number():
    """The rules are written down where readers look: the report's method section names each, in order."""
    text = (paths.REPORT / "index.qmd").read_text(encoding="utf-8")
    method = text[text.index("# Method and caveats"):]
    method = method[: method.index("\n# ", 1)]
    places = [method.index(f"**{rule} · {title.capitalize()}.**") for rule, title in RULES.items()]
    assert places == sorted(places)
    assert "not that it is true" in method  # what R4 does not confirm
