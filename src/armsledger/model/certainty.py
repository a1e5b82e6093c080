"""Certainty in two layers (DESIGN §3): an Admiralty grade per claim, and a tier per record derived by
written rules. Each rule is one small function; the first that applies gives the record its tier and
the reason it names (`certainty_reason`). The rules as readers see them are the method section of the
report (report/index.qmd, "Method and caveats"), which names each rule by its number.

- R1 primary source: the party's own statement, release or record, read directly (a source of type
  official or company), with credibility 1 or 2, confirms.
- R2 independent lines: two or more independent lines of reporting (different originals along
  `derived_from`), each with a claim graded B2 or better, confirm.
- R3 documentary evidence: a claim of credibility 1 from a source of reliability A or B confirms.
  Credibility 1 is kept for claims whose source rests the fact on evidence anyone could check (a
  photo, video, document, flight-tracking record, the system on public display), and the claim's note
  names it ("Evidence: …"); an assertion, however reliable, is graded 2 at best.
- R4 said or published: for statements, publications and meetings, and for published totals, one
  line graded B2 or better confirms that the statement was made, the report published, the meeting
  held or the total published; not that what was said or published is true.
- R5 one line: one line graded B2 or better makes a record probable.
- R6 weaker support: a record supported otherwise is possible.
- R7 disputed: a claim that contradicts or denies the record makes it disputed, whatever the support.
An analyst may override the tier with a written reason (`certainty_override`, `certainty_note`); the
reason then names the override and what the rules alone give.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import pandas as pd

from armsledger.model import lineage

TIERS = ("confirmed", "probable", "possible")  # strongest first
DISPUTED = "disputed"

PRIMARY_SOURCE_TYPES = frozenset({"official", "company"})
OPPOSING_STANCES = frozenset({"contradicts", "denies"})
DOCUMENTARY_RELIABILITY = frozenset({"A", "B"})
EVIDENCE_NOTE = "Evidence:"  # how a credibility-1 claim's note names the evidence it rests on
_RELIABILITY_ORDER = "ABCDEF"

# R4: records whose content is that something was said, published or held. Event kinds (any record
# table's `kind`) and record tables of published totals, with what a confirmation covers.
SAID_KINDS = {
    "statement": ("statement", "that it was made, not that what was said is true"),
    "publication": ("publication", "that it was published, not that its findings are right"),
    "meeting": ("meeting", "that it took place, not the account of what was discussed"),
}
PUBLISHED_TOTAL_TABLES = {"aggregates": ("published total", "that it was published, not that it is accurate")}

RULES = {
    "R1": "primary source",
    "R2": "independent lines",
    "R3": "documentary evidence",
    "R4": "said or published",
    "R5": "one line",
    "R6": "weaker support",
    "R7": "disputed",
}
RESULT_COLUMNS = ["record_id", "certainty", "evidence_certainty", "certainty_reason", "best_grade",
                  "independent_sources", "supporting_claims", "opposing_claims"]
FIELD_COLUMNS = ["record_id", "field", "certainty", "certainty_reason", "lines", "line_names"]


def admiralty_grade(reliability: str, credibility: int) -> str:
    """NATO/Admiralty grade, e.g. ("B", 2) -> "B2"."""
    return f"{reliability}{int(credibility)}"


def grade_at_most_b2(reliability: str, credibility: int) -> bool:
    return isinstance(reliability, str) and reliability in _RELIABILITY_ORDER and \
        _RELIABILITY_ORDER.index(reliability) <= 1 and int(credibility) <= 2


def root_sources(sources: pd.DataFrame) -> dict[str, str]:
    """Map each source to the original it ultimately derives from (itself if none).

    Independence follows `derived_from`: five republications of one BIRN story share one root.
    """
    return lineage.roots(dict(zip(sources["source_id"], sources["derived_from"].fillna(""), strict=True)))


def tier_rank(tier: str) -> int:
    """0 for confirmed … 2 for possible; disputed (and no tier) rank below every tier."""
    return TIERS.index(tier) if tier in TIERS else len(TIERS)


# --------------------------------------------------------------------------- claims as the rules read them


def graded_claims(claims: pd.DataFrame, sources: pd.DataFrame) -> list[dict]:
    """One dict per claim with what the rules read: its grade, whether it is B2 or better (`strong`),
    from a primary source, its line of reporting (`root`) and that line's name in words ("BIRN / Haaretz
    via eurasia.ro"), the fields it lists and its note."""
    roots = root_sources(sources)
    info = sources.set_index("source_id")
    publisher = info["publisher"].to_dict() if "publisher" in info else {}
    reliability = info["reliability"].to_dict()
    source_type = info["source_type"].to_dict()
    columns = ["record_id", "source_id", "stance", "credibility"]
    optional = {name: claims[name].fillna("").astype(str).tolist() if name in claims else [""] * len(claims)
                for name in ("fields", "note")}
    # What a claim takes from its source, worked out once per source and grade rather than per claim
    # (680,000 claims cite 64,000 sources at 300,000 records).
    about_source: dict[str, dict] = {}
    about_grade: dict[tuple, dict] = {}
    out = []
    # to_numpy first: tolist() on a pandas string column fetches its items one __getitem__ at a time.
    for i, values in enumerate(zip(*(claims[c].to_numpy(dtype=object).tolist() for c in columns), strict=True)):
        claim = dict(zip(columns, values, strict=True))
        source = claim["source_id"]
        if source not in about_source:
            root = roots.get(source, source)
            name = publisher.get(source) or source
            about_source[source] = {
                "reliability": reliability.get(source),
                "primary": source_type.get(source) in PRIMARY_SOURCE_TYPES,
                "root": root,
                "line": name if root == source else f"{publisher.get(root) or root} via {name}",
            }
        credibility = int(claim["credibility"])
        grade_of = about_source[source]["reliability"]
        key = (grade_of, credibility)
        if key not in about_grade:
            about_grade[key] = {
                "grade": admiralty_grade(grade_of if isinstance(grade_of, str) else "?", credibility),
                "strong": grade_at_most_b2(grade_of, credibility),
            }
        claim["credibility"] = credibility
        claim.update(about_source[source])
        claim.update(about_grade[key])
        fields = optional["fields"][i]
        claim["fields"] = [f.strip() for f in fields.split("|") if f.strip()] if fields else []
        claim["note"] = optional["note"][i]
        out.append(claim)
    return out


def _best(claims: list[dict]) -> dict:
    """The most reliable, then most credible claim (the first of equals; a missing reliability last)."""
    def key(claim: dict) -> tuple:
        reliability = claim["reliability"]
        known = isinstance(reliability, str) and reliability in _RELIABILITY_ORDER
        return (not known, _RELIABILITY_ORDER.index(reliability) if known else 0, claim["credibility"])

    return min(claims, key=key)


def _cited(claim: dict) -> str:
    return f"{claim['line']} {claim['grade']}"


def evidence_named(note: str) -> str:
    """What a credibility-1 claim's note says the fact rests on ("Evidence: planespotter video and flight
    tracking. …" → "planespotter video and flight tracking"); '' when the note does not say."""
    text = (note or "").strip()
    if not text.startswith(EVIDENCE_NOTE):
        return ""
    return text[len(EVIDENCE_NOTE):].strip().split(". ")[0].rstrip(".").strip()


# --------------------------------------------------------------------------- the rules


Rule = Callable[[list[dict], Mapping[str, str]], "str | None"]


def r1_primary_source(supporting: list[dict], record: Mapping[str, str]) -> str | None:
    """R1: the party's own statement, release or record, read directly, with credibility 1 or 2."""
    primary = [c for c in supporting if c["primary"] and c["credibility"] <= 2]
    if not primary:
        return None
    return f"R1: primary source, the party's own release or record ({_cited(_best(primary))})"


def r2_independent_lines(supporting: list[dict], record: Mapping[str, str]) -> str | None:
    """R2: two or more independent lines of reporting, each with a claim graded B2 or better."""
    by_line: dict[str, list[dict]] = {}
    for claim in supporting:
        if claim["strong"]:
            by_line.setdefault(claim["root"], []).append(claim)
    if len(by_line) < 2:
        return None
    named = "; ".join(_cited(_best(by_line[root])) for root in sorted(by_line))
    return f"R2: {len(by_line)} independent lines graded B2 or better ({named})"


def r3_documentary_evidence(supporting: list[dict], record: Mapping[str, str]) -> str | None:
    """R3: a claim of credibility 1 (documentary evidence) from a source of reliability A or B."""
    documentary = [c for c in supporting if c["credibility"] == 1 and c["reliability"] in DOCUMENTARY_RELIABILITY]
    if not documentary:
        return None
    best = _best(documentary)
    what = next((evidence_named(c["note"]) for c in documentary if evidence_named(c["note"])), "")
    return f"R3: documentary evidence{f' ({what})' if what else ''}, {_cited(best)}"


def said_or_published(record: Mapping[str, str]) -> tuple[str, str] | None:
    """(what the record is, what a confirmation covers) for the records R4 reads: statements,
    publications, meetings and published totals; None for any other record."""
    return PUBLISHED_TOTAL_TABLES.get(record.get("table", "")) or SAID_KINDS.get(record.get("kind", ""))


def r4_said_or_published(supporting: list[dict], record: Mapping[str, str]) -> str | None:
    """R4: for a statement, publication, meeting or published total, one line graded B2 or better
    confirms that it was said, published or held (not that its content is true)."""
    what = said_or_published(record)
    strong = [c for c in supporting if c["strong"]]
    if what is None or not strong:
        return None
    noun, covers = what
    return f"R4: {noun} reported by {_cited(_best(strong))}; confirms {covers}"


def r5_one_line(supporting: list[dict], record: Mapping[str, str]) -> str | None:
    """R5: one line graded B2 or better makes a record probable."""
    strong = [c for c in supporting if c["strong"]]
    return f"R5: one line graded B2 or better ({_cited(_best(strong))})" if strong else None


def r6_weaker_support(supporting: list[dict], record: Mapping[str, str]) -> str | None:
    """R6: any other support makes a record possible."""
    return f"R6: no line graded B2 or better (best {_cited(_best(supporting))})" if supporting else None


# In order: the first rule that applies gives the tier.
RULE_TIERS: tuple[tuple[Rule, str], ...] = (
    (r1_primary_source, "confirmed"),
    (r2_independent_lines, "confirmed"),
    (r3_documentary_evidence, "confirmed"),
    (r4_said_or_published, "confirmed"),
    (r5_one_line, "probable"),
    (r6_weaker_support, "possible"),
)


def evidence_tier(supporting: list[dict], record: Mapping[str, str] | None = None) -> tuple[str, str]:
    """Tier and reason from one record's supporting claims (dicts from graded_claims); ('', reason)
    when nothing supports it."""
    record = record or {}
    for rule, tier in RULE_TIERS:
        reason = rule(supporting, record)
        if reason:
            return tier, reason
    return "", "no supporting claim"


def r7_disputed(opposing: list[dict], evidence_reason: str) -> str | None:
    """R7: a claim that contradicts or denies the record makes it disputed; the reason keeps what the
    evidence alone gives."""
    if not opposing:
        return None
    verbs = {"contradicts": "contradicted", "denies": "denied"}
    named = "; ".join(f"{verbs.get(c['stance'], c['stance'])} by {_cited(c)}" for c in opposing)
    return f"R7: {named}; without the dispute, {evidence_reason}"


# --------------------------------------------------------------------------- per record and per field


def record_kinds(tables: Mapping[str, pd.DataFrame], keys: Mapping[str, str]) -> dict[str, str]:
    """Each record's own `kind` (an event's meeting or statement, a contract's purchase), from the
    record tables named in `keys` (table → primary key) that have one; R4 reads it."""
    kinds: dict[str, str] = {}
    for table, key in keys.items():
        frame = tables[table]
        if "kind" in frame:
            kinds.update(zip(frame[key], frame["kind"], strict=True))
    return kinds


def _context(records: pd.DataFrame) -> dict[str, dict[str, str]]:
    columns = [c for c in ("table", "kind") if c in records]
    values = zip(records["record_id"], *(records[c].fillna("").astype(str) for c in columns), strict=True)
    return {row[0]: dict(zip(columns, row[1:], strict=True)) for row in values}


def _overridden(note: str, reason: str) -> str:
    """The reason of an analyst's override: the written note, then what the rules alone give."""
    note = note.strip()
    return f"analyst override: {note}{'' if note.endswith('.') else '.'} Without the override, {reason}"


def record_certainty(claims: pd.DataFrame, sources: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """One row per record id: `certainty`, `evidence_certainty` (disregarding disputes and overrides),
    `certainty_reason` (the rule that gave it), `best_grade`, `independent_sources`.

    `claims` needs record_id, source_id, credibility, stance (and note, for R3's reason); `sources`
    needs source_id, reliability, source_type, derived_from (and publisher, to name lines); `records`
    needs record_id and may carry table and kind (for R4) and certainty_override and certainty_note.
    """
    # One pass over plain dicts: DataFrame operations per record made this quadratic in practice
    # (about three minutes for 30,000 records).
    by_record: dict[str, list[dict]] = {}
    for claim in graded_claims(claims, sources):
        by_record.setdefault(claim["record_id"], []).append(claim)
    context = _context(records)
    has_override = "certainty_override" in records
    overrides = dict(zip(records["record_id"], records["certainty_override"], strict=True)) if has_override else {}
    notes = dict(zip(records["record_id"], records["certainty_note"], strict=True)) if has_override else {}
    rows = []
    for record_id in records["record_id"]:
        mine = by_record.get(record_id, [])
        supporting = [c for c in mine if c["stance"] == "supports"]
        opposing = [c for c in mine if c["stance"] in OPPOSING_STANCES]
        tier, reason = evidence_tier(supporting, context.get(record_id, {}))
        evidence = tier
        disputed = r7_disputed(opposing, reason)
        if disputed:
            tier, reason = DISPUTED, disputed
        override = overrides.get(record_id, "")
        if isinstance(override, str) and override:
            tier, reason = override, _overridden(str(notes[record_id]), reason)
        rows.append({
            "record_id": record_id,
            "certainty": tier,
            "evidence_certainty": evidence,
            "certainty_reason": reason,
            "best_grade": _best(supporting)["grade"] if supporting else "",
            "independent_sources": len({c["root"] for c in supporting}),
            "supporting_claims": len(supporting),
            "opposing_claims": len(opposing),
        })
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def field_certainty(claims: pd.DataFrame, sources: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """One row per (record, field) that a claim lists in `fields`: the tier the same rules give from
    only the claims that list that field, its reason, and the lines of reporting behind it (`lines`:
    originals' ids; `line_names`: their publishers). A field may rest on weaker evidence than its
    record: Norway's own release confirms the 2019 donation, while its maker rests on Amnesty alone.
    A field no claim lists has no row (field_tier gives '')."""
    context = _context(records)
    names = dict(zip(sources["source_id"], sources["publisher"], strict=True)) if "publisher" in sources else {}
    by_field: dict[tuple[str, str], list[dict]] = {}
    for claim in graded_claims(claims, sources):
        for name in claim["fields"]:
            by_field.setdefault((claim["record_id"], name), []).append(claim)
    rows = []
    for (record_id, name), mine in sorted(by_field.items()):
        supporting = [c for c in mine if c["stance"] == "supports"]
        opposing = [c for c in mine if c["stance"] in OPPOSING_STANCES]
        tier, reason = evidence_tier(supporting, context.get(record_id, {}))
        disputed = r7_disputed(opposing, reason)
        if disputed:
            tier, reason = DISPUTED, disputed
        roots = sorted({c["root"] for c in supporting})
        rows.append({"record_id": record_id, "field": name, "certainty": tier, "certainty_reason": reason,
                     "lines": roots, "line_names": [names.get(r) or r for r in roots]})
    return pd.DataFrame(rows, columns=FIELD_COLUMNS)


def field_tier(fields: pd.DataFrame, record_id: str, field: str) -> str:
    """The tier of one record's field in a field_certainty frame; '' when no claim lists the field."""
    found = fields[(fields["record_id"] == record_id) & (fields["field"] == field)]
    return str(found["certainty"].iloc[0]) if len(found) else ""


def passes(certainty: str, evidence_certainty: str, min_certainty: str, include_disputed: bool) -> bool:
    """Whether a record is shown under an edition's certainty filter.

    A disputed record is shown only when disputes are included and the evidence for it,
    disregarding the dispute, reaches the minimum tier.
    """
    if certainty == DISPUTED:
        return include_disputed and tier_rank(evidence_certainty) <= tier_rank(min_certainty)
    return tier_rank(certainty) <= tier_rank(min_certainty)
