"""armsledger.model.certainty: Admiralty grades, source independence and the derived certainty tier of each record."""

from __future__ import annotations

import pandas as pd
import pytest

from armsledger.model.certainty import (
    DISPUTED,
    TIERS,
    admiralty_grade,
    grade_at_most_b2,
    passes,
    record_certainty,
    root_sources,
    tier_rank,
)

# source_id: (source_type, reliability, derived_from)
SOURCES = {
    "birn": ("investigation", "B", ""),
    "rep-1": ("republication", "B", "birn"),
    "rep-2": ("republication", "B", "birn"),
    "rep-3": ("news", "B", "birn"),
    "rep-4": ("news", "A", "rep-1"),  # republishes a republication: still the BIRN line
    "rep-5": ("republication", "B", "birn"),
    "avaz": ("news", "B", ""),
    "haaretz": ("investigation", "A", ""),
    "elbit": ("company", "B", ""),
    "ministry": ("official", "D", ""),
    "blog": ("blog", "D", ""),
    "weak": ("news", "C", ""),
}


def sources_frame() -> pd.DataFrame:
    return pd.DataFrame(
        [{"source_id": s, "source_type": t, "reliability": r, "derived_from": d} for s, (t, r, d) in SOURCES.items()]
    )


def tier(*claims: tuple[str, int, str], override: str = "", note: str = "") -> pd.Series:
    """Certainty row of one record `r` supported (or opposed) by (source_id, credibility, stance) claims."""
    frame = pd.DataFrame(
        [{"record_id": "r", "source_id": s, "credibility": c, "stance": st} for s, c, st in claims],
        columns=["record_id", "source_id", "credibility", "stance"],
    )
    records = pd.DataFrame({"record_id": ["r"], "certainty_override": [override], "certainty_note": [note]})
    result = record_certainty(frame, sources_frame(), records)
    assert list(result["record_id"]) == ["r"]
    return result.iloc[0]


def test_tiers_are_listed_strongest_first():
    assert TIERS == ("confirmed", "probable", "possible")
    assert DISPUTED == "disputed" and DISPUTED not in TIERS


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


def test_primary_source_with_credibility_two_is_confirmed():
    row = tier(("elbit", 2, "supports"))
    assert row["certainty"] == "confirmed"
    assert "primary source elbit" in row["certainty_reason"]
    # An official source is primary whatever its reliability grade.
    assert tier(("ministry", 1, "supports"))["certainty"] == "confirmed"


def test_primary_source_with_credibility_three_is_not_confirmed():
    row = tier(("elbit", 3, "supports"))
    assert row["certainty"] == "possible"  # B3 is weaker than B2, and there is no second line


def test_two_independent_b2_sources_are_confirmed():
    row = tier(("birn", 2, "supports"), ("avaz", 2, "supports"))
    assert row["certainty"] == "confirmed"
    assert row["independent_sources"] == 2
    assert "2 independent sources" in row["certainty_reason"]


def test_five_republications_of_one_story_are_one_source():
    claims = [(f"rep-{i}", 2, "supports") for i in range(1, 6)]
    row = tier(*claims)
    assert row["certainty"] == "probable"
    assert row["independent_sources"] == 1
    assert row["supporting_claims"] == 5
    # ... and adding the original itself changes nothing.
    assert tier(*claims, ("birn", 1, "supports"))["certainty"] == "probable"
    # One genuinely independent B2 line does.
    assert tier(*claims, ("avaz", 2, "supports"))["certainty"] == "confirmed"


def test_one_b2_claim_is_probable():
    row = tier(("avaz", 2, "supports"))
    assert row["certainty"] == "probable"
    assert row["best_grade"] == "B2"


def test_independent_but_weak_lines_do_not_confirm():
    # Two independent sources, but one is graded C2: only one strong line.
    assert tier(("avaz", 2, "supports"), ("weak", 2, "supports"))["certainty"] == "probable"


@pytest.mark.parametrize("claims", [
    [("weak", 2, "supports")],
    [("blog", 1, "supports")],
    [("avaz", 3, "supports"), ("weak", 5, "supports")],
])
def test_only_weaker_claims_are_possible(claims):
    row = tier(*claims)
    assert row["certainty"] == "possible"
    assert row["certainty_reason"].startswith("supported only by claims graded below B2")


def test_best_grade_is_the_strongest_claim():
    assert tier(("weak", 5, "supports"), ("avaz", 3, "supports"), ("weak", 2, "supports"))["best_grade"] == "B3"


@pytest.mark.parametrize("stance", ["contradicts", "denies"])
def test_an_opposing_claim_makes_the_record_disputed(stance):
    row = tier(("birn", 2, "supports"), ("avaz", 2, "supports"), ("blog", 5, stance))
    assert row["certainty"] == "disputed"
    assert row["evidence_certainty"] == "confirmed"  # what the evidence says, disregarding the dispute
    assert row["opposing_claims"] == 1 and row["supporting_claims"] == 2
    assert row["certainty_reason"] == f"{stance} by blog"


def test_override_with_note_wins():
    row = tier(("birn", 2, "supports"), ("blog", 5, "contradicts"), override="confirmed",
               note="The dispute concerns only the date.")
    assert row["certainty"] == "confirmed"
    assert row["evidence_certainty"] == "probable"
    assert row["certainty_reason"] == "analyst override: The dispute concerns only the date."
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
    records = pd.DataFrame({"record_id": ["b", "a", "c"]})  # no override columns at all
    result = record_certainty(claims, sources_frame(), records)
    assert list(result["record_id"]) == ["b", "a", "c"]
    assert list(result["certainty"]) == ["confirmed", "probable", ""]


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
