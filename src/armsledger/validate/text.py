"""What any cell may hold, whatever its table: no control or bidi characters, no whitespace-only
values, ids and cells within their length limits, web addresses only in URL fields. The fields
each rule applies to come from the schema (kinds, patterns, formats), so a new table gets them."""

from __future__ import annotations

from armsledger.model import cells
from armsledger.validate.structure import Context, Table
from armsledger.validate.tabular import SLUG


def _id_fields(table: Table) -> set[str]:
    """Fields that hold ids: the primary key, slug-patterned references and `|`-separated id lists."""
    names = {f.name for f in table.spec.fields if f.kind == "id_list"
             or (f.descriptor.get("constraints") or {}).get("pattern") == SLUG}
    if table.primary_key:
        names.add(table.primary_key)
    return names - table.missing_columns


def check_text(ctx: Context) -> None:
    for table in ctx.tables.values():
        if not table.loaded:
            continue
        ids = _id_fields(table)
        prose = set(table.spec.of_kind("prose"))
        urls = {f.name for f in table.spec.fields if f.descriptor.get("format") == "uri"}
        required = {f.name for f in table.spec.fields if f.required}
        # A whitespace-only value in a field with an enum or pattern is reported by that constraint.
        constrained = {f.name for f in table.spec.fields
                       if {"enum", "pattern"} & set(f.descriptor.get("constraints") or {})
                       or f.type in ("number", "integer")}
        columns = [name for name in table.fields if name not in table.missing_columns]
        for i, row in enumerate(table.rows):
            for name in columns:
                cell = row[name]
                if not cell:
                    continue
                if len(cell) > cells.MAX_CELL_LENGTH:
                    ctx.at(table, i, name, "cell-size", f"{len(cell):,} characters; a cell holds at most "
                                                        f"{cells.MAX_CELL_LENGTH:,}")
                if not cell[0].isspace() and cells.SUSPECT.search(cell) is None:  # most cells: one search
                    if name in ids or name in urls:
                        _check_id_and_url(ctx, table, i, name, cell, name in ids, name in urls)
                    continue
                controls = cells.control_characters(cell, prose=name in prose)
                if controls:
                    allowed = " (tabs and line breaks only in prose fields)" if name not in prose else ""
                    ctx.at(table, i, name, "control-character",
                           f"holds control character{'s' if len(controls) > 1 else ''} {', '.join(controls)}"
                           f"{allowed}; remove {'them' if len(controls) > 1 else 'it'}")
                bidi = cells.bidi_controls(cell)
                if bidi:
                    ctx.at(table, i, name, "bidi-control",
                           f"holds bidirectional control character{'s' if len(bidi) > 1 else ''} {', '.join(bidi)}, "
                           "which reorder how text displays; remove "
                           f"{'them' if len(bidi) > 1 else 'it'}")
                if not cell.strip():
                    if name in required:
                        ctx.at(table, i, name, "required", "is required (the cell holds only whitespace)")
                    elif name not in constrained:
                        ctx.at(table, i, name, "whitespace",
                               "holds only whitespace; leave it empty (blank means unknown)")
                    continue
                _check_id_and_url(ctx, table, i, name, cell, name in ids, name in urls)


def _check_id_and_url(ctx: Context, table: Table, i: int, name: str, cell: str, is_id: bool, is_url: bool) -> None:
    if is_id:
        for item in cell.split("|"):
            if len(item.strip()) > cells.MAX_ID_LENGTH:
                ctx.at(table, i, name, "id-length",
                       f"an id of {len(item.strip()):,} characters; ids have at most {cells.MAX_ID_LENGTH}")
    if is_url:
        problem = cells.url_scheme_problem(cell)
        if problem:
            ctx.at(table, i, name, "url-scheme", problem)
