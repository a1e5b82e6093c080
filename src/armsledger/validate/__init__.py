"""Validation of a ledger folder: every problem at once, as `file:row:column: rule: message`.

The checks run in the order of this module's `validate`: structure (descriptor, headers, ids),
types and keys (Frictionless), the project's row rules, evidence (claims and their figures) and,
with an archive folder, the archive check.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from armsledger.validate import archive, conversion, evidence, rules, sources, structure, tabular, text
from armsledger.validate.problems import RULES, ArchiveStats, Problem, ValidationResult, display_path

__all__ = ["RULES", "ArchiveStats", "Problem", "ValidationResult", "display_path", "validate"]


def validate(data_dir: Path, archive_dir: Path | None = None, today: dt.date | None = None) -> ValidationResult:
    """Check every table in `data_dir` (and claim figures against `archive_dir`); never raises
    for bad input. Publication dates must not be after `today` (default: the day it runs)."""
    ctx = structure.Context(Path(data_dir), Path(archive_dir) if archive_dir is not None else None, today)
    stats = None
    resources = structure.load_descriptor(ctx)
    if resources is not None:
        structure.load_tables(ctx, resources)
        structure.index_ids(ctx)
        tabular.check_schema(ctx)
        tabular.check_unique(ctx)
        structure.check_shared_ids(ctx)
        text.check_text(ctx)
        rules.check_numbers(ctx)
        rules.check_edtf(ctx)
        rules.check_money(ctx)
        rules.check_operator_scope(ctx)
        rules.check_countries(ctx)
        rules.check_states(ctx)
        rules.check_certainty(ctx)
        rules.check_cycles(ctx)
        rules.check_restates(ctx)
        rules.check_follows(ctx)
        rules.check_halts(ctx)
        sources.check_published(ctx)
        sources.check_source_dates(ctx)
        sources.check_duplicate_sources(ctx)
        conversion.check_rates(ctx)
        structure.check_lists(ctx)
        evidence.check_evidence(ctx)
        stats = archive.check_archive(ctx)
    return ValidationResult(
        data_dir=ctx.data_dir,
        problems=sorted(_without_echoes(ctx), key=_sort_key(ctx)),
        tables={t.name: t.rows for t in ctx.tables.values() if t.loaded},
        row_numbers={t.name: t.row_numbers for t in ctx.tables.values() if t.loaded},
        archive=stats,
        warnings=sorted(ctx.warnings.values(), key=_sort_key(ctx)),
        evidence=ctx.stats,
    )


def _without_echoes(ctx: structure.Context) -> list[Problem]:
    """Drop a foreign-key problem on a cell already reported as malformed ("Bad Id" breaks the
    slug pattern; that it also matches no row is the same mistake said twice)."""
    malformed = {(p.path, p.row, p.column) for p in ctx.problems.values()
                 if p.rule in ("pattern", "type", "list-item") and p.row is not None}
    return [p for p in ctx.problems.values()
            if not (p.rule == "foreign-key" and (p.path, p.row, p.column) in malformed)]


def _sort_key(ctx: structure.Context):
    """Problems in the order of the package's tables, then by row and column."""
    by_path = {t.path: t for t in ctx.tables.values()}
    columns = {t.path: {name: i for i, name in enumerate(t.fields)} for t in ctx.tables.values()}

    def key(problem: Problem) -> tuple:
        table = by_path.get(problem.path)
        table_order = table.order if table else len(by_path)
        if problem.path == ctx.datapackage:
            table_order = -1
        order = columns.get(problem.path, {})
        return (table_order, problem.row or 0, order.get(problem.column, len(order)), problem.rule, problem.message)

    return key
