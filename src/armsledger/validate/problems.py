"""What validation reports: each problem located as `file:row:column: rule: message`, the rules by
name, and the summary of a run."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from armsledger.model import cells
from armsledger.model.figures import FIGURE_MAX_WORDS

RULES = {
    "missing-file": "datapackage.json or a table's CSV file does not exist",
    "datapackage": "datapackage.json is not valid JSON or describes its resources wrongly",
    "encoding": "a file is not UTF-8 (a BOM is accepted); gives the byte offset",
    "empty-file": "a table file has zero bytes or no header row",
    "empty-table": "sources, entities or claims has a header but no rows (other tables may be empty)",
    "delimiter": "a table is separated by semicolons or tabs instead of commas",
    "csv-syntax": "a file cannot be parsed as CSV at all",
    "blank-row": "an empty row between data rows",
    "ragged-row": "a row has more or fewer cells than the header",
    "unknown-column": "a header names a column the schema does not have",
    "missing-column": "a schema field has no column in the header",
    "duplicate-header": "a column name appears twice in the header",
    "type": "a value is not of the field's type (number, integer), or not finite",
    "format": "a value is not in the field's format (e.g. URI)",
    "enum": "a value is not one of the field's allowed values",
    "required": "a required field is blank",
    "pattern": "a value does not match the field's pattern (ids, codes)",
    "minimum": "a number is below the field's minimum",
    "maximum": "a number is above the field's maximum",
    "constraint": "any other Frictionless field constraint",
    "duplicate-id": "a primary-key value repeats within its table",
    "foreign-key": "a reference (including |-separated id lists) matches no row",
    "list-item": "a |-separated id list has an empty item or spaces around an item",
    "schema": "any other problem Frictionless reports",
    "shared-id": "a primary-key value is already used by another table",
    "derived-cycle": "sources.derived_from loops back to itself",
    "edtf": "a date field is not valid EDTF, ends before it starts, or has an empty end",
    "amount-max": "amount_max without amount_kind=range, below amount, or missing for a range",
    "currency-missing": "an amount without a currency",
    "amount-kind": "an amount without amount_kind, or a range without its low end",
    "operator-scope": "aggregates.operator_id on a total that is not a flight count",
    "undisclosed-amount": "amount_kind=undisclosed with an amount",
    "currency-code": "currency is not an ISO 4217 code",
    "country-code": "country is not an ISO 3166-1 alpha-3 code (historic codes allowed)",
    "duplicate-state": "two entities of type state with the same country",
    "certainty-note": "certainty_override without certainty_note",
    "no-claim": "a record has no claim with stance supports",
    "claim-record": "claims.record_id matches no record",
    "claim-fields": "claims.fields names a column the record's table does not have",
    "figure-fields": "a claim has a figure but no fields",
    "figure-length": f"a claim's figure is longer than {FIGURE_MAX_WORDS} words",
    "figure-unparsed": "a figure cannot be read as the amount, date or count it is cited for",
    "figure-agreement": "a record value agrees with none of the figures cited for it",
    "archive-missing": "the archive folder or a source's archive file does not exist",
    "archive-figure": "a claim's figure does not occur in its source's archived text",
    "claim-value": "a claim's value (our reading where the printed figure is not recorded) is not one number for "
                   "one amount or count field, or stands beside a printed figure",
    "restates-scope": "aggregates.restates_id names a total of another scope, parties or period, or itself",
    "follows-parties": "contracts.follows_id names a contract with another supplier or buyer, a later one, or itself",
    "halt-period": "an event of kind halt is not dated by a period (an interval, an open end written ..)",
    "control-character": "a cell holds a control character (NUL, ESC, BEL…); tabs and line breaks only in prose",
    "bidi-control": "a cell holds a bidirectional embedding, override or isolate character (U+202A–E, U+2066–9)",
    "whitespace": "a cell holds only spaces or tabs (blank means unknown: leave it empty)",
    "id-length": f"an id is longer than {cells.MAX_ID_LENGTH} characters",
    "cell-size": f"a cell is longer than {cells.MAX_CELL_LENGTH:,} characters",
    "url-scheme": "a URL is not a web address (http or https); javascript:, data:, file: and the like are refused",
    "published-future": "a source's publication date is after today",
    "published-late": f"a source was published more than {cells.MAX_REPORTING_LAG_YEARS} years after the record it "
                      "supports (a typo in one of the dates)",
    "source-predates": "a source was published before the dated record it supports, and the claim names no planned "
                       "field (a plan or an announcement)",
    "duplicate-source": "two sources with the same URL, or the same publisher, title and date",
    "currency-rate": "a currency the bundled ECB reference rates do not cover (e.g. RSD): the build cannot convert it",
    "rate-date": "an amount's conversion date lies outside the bundled ECB rate history, is open-ended, or is missing",
    "conflicting-values": "(warning) a record's sources give values that differ beyond their rounding",
}
# Rules that warn: the data are valid and build; the report shows what the warning names.
WARNINGS = frozenset({"conflicting-values"})
# How many problems of one rule `armsledger validate` prints before it counts the rest: a pasted block
# of 200,000 copies of a row is one mistake, not 200,000 lines to scroll.
SHOWN_PER_RULE = 20




def display_path(path: Path) -> str:
    """The path relative to the current directory when it lies below it, else as given."""
    try:
        return Path(os.path.abspath(path)).relative_to(Path.cwd()).as_posix()
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Problem:
    """One problem, located by file, spreadsheet row (header = 1) and column."""

    path: Path
    row: int | None
    column: str | None
    rule: str
    message: str
    severity: str = "error"  # or "warning"

    def location(self) -> str:
        text = display_path(self.path)
        if self.row is not None:
            text += f":{self.row}"
        if self.column is not None:
            text += f":{self.column}" if self.row is not None else f"::{self.column}"
        return text

    def __str__(self) -> str:
        # A cell quoted in a message may hold a line break; one problem stays on one line.
        message = self.message.replace("\r", "\\r").replace("\n", "\\n")
        warning = "warning: " if self.severity == "warning" else ""
        return f"{self.location()}: {warning}{self.rule}: {message}"


def capped(problems: list[Problem], per_rule: int = SHOWN_PER_RULE) -> tuple[list[Problem], dict[str, int]]:
    """The problems to print, the first `per_rule` of each rule in their order (all when `per_rule` is
    0), and per rule with more, how many are not shown."""
    if per_rule <= 0:
        return list(problems), {}
    seen: Counter = Counter()
    shown = []
    for problem in problems:
        seen[problem.rule] += 1
        if seen[problem.rule] <= per_rule:
            shown.append(problem)
    return shown, {rule: n - per_rule for rule, n in seen.items() if n > per_rule}


def more_line(rule: str, hidden: int) -> str:
    return (f"… and {hidden:,} more {rule} problem{'s' if hidden != 1 else ''} "
            "(armsledger validate --all prints every one)")


@dataclass
class ArchiveStats:
    """What the archive check could and could not establish."""

    folder: Path
    verified: int = 0
    failed: int = 0
    file_missing: int = 0
    unverified: int = 0
    blank: int = 0


@dataclass
class EvidenceStats:
    """How the records' amounts, dates and counts are backed."""

    quoted: int = 0  # a claim quotes the figure as printed (or gives our reading of it)
    unquoted: int = 0  # claims support the value, but its printed form is not recorded


@dataclass
class ValidationResult:
    """Problems found, plus the tables as read (cells as strings, blank = "")."""

    data_dir: Path
    problems: list[Problem] = field(default_factory=list)
    tables: dict[str, list[dict]] = field(default_factory=dict)
    row_numbers: dict[str, list[int]] = field(default_factory=dict)
    archive: ArchiveStats | None = None
    warnings: list[Problem] = field(default_factory=list)
    evidence: EvidenceStats = field(default_factory=EvidenceStats)

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary_lines(self) -> list[str]:
        rows = sum(len(rows) for rows in self.tables.values())
        count = len(self.problems)
        if count:
            by_rule = Counter(p.rule for p in self.problems)
            detail = ", ".join(f"{rule} {n}" for rule, n in sorted(by_rule.items()))
            verdict = f"{count} problem{'s' if count != 1 else ''} ({detail})"
        else:
            verdict = "no problems"
        if self.warnings:
            verdict += f", {len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}"
        lines = [f"checked {len(self.tables)} tables, {rows} rows in "
                 f"{display_path(self.data_dir)}: {verdict}"]
        a = self.archive
        if a is None:
            lines.append("archive: not checked (no --archive folder given)")
        else:
            lines.append(
                f"archive: {a.verified} claim figures verified in {display_path(a.folder)}, "
                f"{a.failed} not found in their source's text, "
                f"{a.file_missing} not checkable (archive file missing); "
                f"{a.unverified} unverified (their source has no archive file; not counted as "
                f"passing); {a.blank} claims with a blank figure not checked"
            )
        lines.append(f"evidence: {self.evidence.quoted} record values (amounts, dates, counts) backed by a figure as "
                     f"printed; {self.evidence.unquoted} backed by claims whose printed figure is not recorded "
                     "(figure not recorded: counted apart, not as verified)")
        return lines
