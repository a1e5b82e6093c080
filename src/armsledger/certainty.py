"""Certainty in two layers: an Admiralty grade per claim, a derived tier per record (DESIGN §3)."""

from __future__ import annotations

import pandas as pd

from armsledger.vocabulary import CERTAINTY_TIERS as TIERS
from armsledger.vocabulary import DISPUTED  # noqa: F401  (re-exported for callers)
PRIMARY_SOURCE_TYPES = frozenset({"official", "company"})
OPPOSING_STANCES = frozenset({"contradicts", "denies"})
_RELIABILITY_ORDER = "ABCDEF"
RESULT_COLUMNS = ["record_id", "certainty", "evidence_certainty", "certainty_reason", "best_grade",
                  "independent_sources", "supporting_claims", "opposing_claims"]


def admiralty_grade(reliability: str, credibility: int) -> str:
    """NATO/Admiralty grade, e.g. ("B", 2) -> "B2"."""
    return f"{reliability}{int(credibility)}"


def grade_at_most_b2(reliability: str, credibility: int) -> bool:
    return _RELIABILITY_ORDER.index(reliability) <= 1 and int(credibility) <= 2


def root_sources(sources: pd.DataFrame) -> dict[str, str]:
    """Map each source to the original it ultimately derives from (itself if none).

    Independence follows `derived_from`: five republications of one BIRN story share one root.
    """
    parent = {
        sid: (df if isinstance(df, str) and df else None)
        for sid, df in zip(sources["source_id"], sources["derived_from"], strict=True)
    }
    roots: dict[str, str] = {}
    for sid in parent:
        seen, node = {sid}, sid
        while parent.get(node) and parent[node] not in seen:
            node = parent[node]
            seen.add(node)
        roots[sid] = node
    return roots


def tier_rank(tier: str) -> int:
    """0 for confirmed … 2 for possible; disputed ranks below every tier."""
    return TIERS.index(tier) if tier in TIERS else len(TIERS)


def _evidence_tier(supporting: pd.DataFrame) -> tuple[str, str]:
    if supporting.empty:
        return "", "no supporting claim"
    strong = supporting[supporting["strong"]]
    primary = supporting[supporting["primary"] & (supporting["credibility"] <= 2)]
    if not primary.empty:
        return "confirmed", f"primary source {primary['source_id'].iloc[0]} ({primary['grade'].iloc[0]})"
    roots = sorted(set(strong["root"]))
    if len(roots) >= 2:
        return "confirmed", f"{len(roots)} independent sources graded B2 or better ({', '.join(roots)})"
    if not strong.empty:
        return "probable", f"one source line graded B2 or better ({strong['grade'].iloc[0]}, {roots[0]})"
    best = supporting.sort_values(["reliability", "credibility"])["grade"].iloc[0]
    return "possible", f"supported only by claims graded below B2 (best {best})"


def record_certainty(claims: pd.DataFrame, sources: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """One row per record id: `certainty`, `certainty_reason`, `best_grade`, `independent_sources`.

    `claims` needs record_id, source_id, credibility, stance; `sources` needs source_id,
    reliability, source_type, derived_from; `records` needs record_id and may carry
    certainty_override and certainty_note.
    """
    roots = root_sources(sources)
    info = sources.set_index("source_id")
    graded = claims.copy()
    graded["credibility"] = graded["credibility"].astype(int)
    graded["reliability"] = graded["source_id"].map(info["reliability"])
    graded["grade"] = [admiralty_grade(r, c) for r, c in zip(graded["reliability"], graded["credibility"], strict=True)]
    graded["strong"] = [grade_at_most_b2(r, c) for r, c in zip(graded["reliability"], graded["credibility"], strict=True)]
    graded["primary"] = graded["source_id"].map(info["source_type"]).isin(PRIMARY_SOURCE_TYPES)
    graded["root"] = graded["source_id"].map(roots)
    by_record = dict(tuple(graded.groupby("record_id", sort=False)))

    rows = []
    overrides = records.set_index("record_id")
    for record_id in records["record_id"]:
        mine = by_record.get(record_id, graded.iloc[0:0])
        supporting = mine[mine["stance"] == "supports"]
        opposing = mine[mine["stance"].isin(OPPOSING_STANCES)]
        tier, reason = _evidence_tier(supporting)
        evidence_tier = tier
        if not opposing.empty:
            tier = DISPUTED
            reason = f"{opposing['stance'].iloc[0]} by {', '.join(opposing['source_id'])}"
        override = overrides.at[record_id, "certainty_override"] if "certainty_override" in overrides else ""
        if isinstance(override, str) and override:
            note = overrides.at[record_id, "certainty_note"]
            tier, reason = override, f"analyst override: {note}"
        best = supporting.sort_values(["reliability", "credibility"])["grade"].iloc[0] if not supporting.empty else ""
        rows.append({
            "record_id": record_id,
            "certainty": tier,
            "evidence_certainty": evidence_tier,
            "certainty_reason": reason,
            "best_grade": best,
            "independent_sources": len(set(supporting["root"])),
            "supporting_claims": len(supporting),
            "opposing_claims": len(opposing),
        })
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def passes(certainty: str, evidence_certainty: str, min_certainty: str, include_disputed: bool) -> bool:
    """Whether a record is shown under an edition's certainty filter.

    A disputed record is shown only when disputes are included and the evidence for it,
    disregarding the dispute, reaches the minimum tier.
    """
    if certainty == DISPUTED:
        return include_disputed and tier_rank(evidence_certainty) <= tier_rank(min_certainty)
    return tier_rank(certainty) <= tier_rank(min_certainty)
