"""Sources against the calendar and each other: no publication after today, none that predates the
event it reports (unless it reports a plan or announcement) or comes implausibly long after it, and one
publication is one source."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from armsledger.model import cells
from armsledger.model.dates import DateRange, EDTFError, parse_edtf
from armsledger.validate.problems import display_path
from armsledger.validate.structure import Context, Table

# Query parameters that track a reader or pick a page variant, not a different publication.
_TRACKING = re.compile(r"^(utm_.*|fbclid|gclid|mc_cid|mc_eid|amp|outputtype)$", re.IGNORECASE)


def _range(text: str) -> DateRange | None:
    try:
        return parse_edtf(text) if text.strip() else None
    except EDTFError:
        return None  # reported by the edtf rule


def check_published(ctx: Context) -> None:
    """A source dated after today is a typo (2205 for 2025): an as-of edition would hide what it supports."""
    sources = ctx.core("sources")
    if sources is None or "published" in sources.missing_columns:
        return
    for i, row in enumerate(sources.rows):
        published = _range(row["published"])
        if published is not None and published.earliest is not None and published.earliest > ctx.today:
            ctx.at(sources, i, "published", "published-future",
                   f'"{row["published"]}" is after today ({ctx.today.isoformat()}); a source is dated when it was '
                   "published")


def _years_after(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _placing(table: Table, row: dict) -> tuple[str, DateRange] | None:
    """The field that places a record in time and its date (the first filled of placed_by)."""
    for name in table.spec.placed_by:
        if row.get(name, "").strip():
            parsed = _range(row[name])
            return (name, parsed) if parsed is not None else None
    return None


def check_source_dates(ctx: Context) -> None:
    """Each supporting claim's source against the date of the record it supports."""
    claims, sources = ctx.core("claims"), ctx.core("sources")
    if claims is None or sources is None or not {"record_id", "source_id", "stance"} <= set(claims.fields) - \
            claims.missing_columns or "published" in sources.missing_columns:
        return
    published = {}
    for row in sources.rows:
        sid = row["source_id"].strip()
        if sid and sid not in published:
            published[sid] = (row["published"], _range(row["published"]))
    records: dict[str, tuple[Table, int]] = {}
    for table in ctx.records:
        if table.loaded and table.primary_key and table.primary_key not in table.missing_columns:
            for record_id, index in ctx.first_index.get(table.name, {}).items():
                records.setdefault(record_id, (table, index))
    lag = cells.MAX_REPORTING_LAG_YEARS
    for c, claim in enumerate(claims.rows):
        if claim["stance"].strip() != "supports":
            continue
        found = records.get(claim["record_id"].strip())
        source = published.get(claim["source_id"].strip())
        if found is None or source is None or source[1] is None:
            continue
        if source[1].earliest is not None and source[1].earliest > ctx.today:
            continue  # reported as published-future
        table, index = found
        row = table.rows[index]
        placed = _placing(table, row)
        if placed is None:
            continue
        name, when = placed
        text, source_date = source
        record_id = row[table.primary_key].strip()
        what = f'{table.name} record "{record_id}" ({name} {row[name]})'
        if source_date.earliest and when.latest and source_date.earliest > _years_after(when.latest, lag):
            ctx.at(claims, c, "source_id", "published-late",
                   f'source "{claim["source_id"].strip()}" was published {text}, more than {lag} years after the '
                   f"{what} it supports; one of the two dates is likely a typo")
        if source_date.latest and when.earliest and source_date.latest < when.earliest:
            plans = [f.name for f in table.spec.fields if f.plan]
            listed = {f.strip() for f in claim.get("fields", "").split("|")}
            if table.spec.field(name).plan or listed & set(plans):
                continue  # the source reports a plan or an announcement
            hint = (f"; if it reports a plan or an announcement, name the planned or announced field "
                    f"({', '.join(plans)}) in the claim's fields" if plans else
                    "; a plan or an announcement is recorded as the statement that made it")
            ctx.at(claims, c, "source_id", "source-predates",
                   f'source "{claim["source_id"].strip()}" was published {text}, before the {what} it supports: '
                   f"a source cannot report what had not happened yet{hint}")


def normal_url(url: str) -> str:
    """A URL as a publication's address: scheme, `www.`, case of the host, default port, trailing slash,
    fragment, percent-encoding and tracking parameters aside."""
    text = unicodedata.normalize("NFC", url.strip())
    try:
        parts = urlsplit(text)
        port = f":{parts.port}" if parts.port not in (None, 80, 443) else ""
    except ValueError:  # a malformed URL (reported as a format problem) is compared as written
        return text
    host = (parts.hostname or "").lower().removeprefix("www.")
    path = unquote(parts.path).rstrip("/")
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not _TRACKING.match(k)))
    return f"{host}{port}{path}" + (f"?{query}" if query else "")


def _words(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def check_duplicate_sources(ctx: Context) -> None:
    """One publication under two ids would count as two independent lines of reporting, and could lift
    a record to `confirmed`."""
    sources = ctx.core("sources")
    if sources is None:
        return
    by_url: dict[str, int] = {}
    by_citation: dict[tuple[str, str, str], int] = {}
    has = set(sources.fields) - sources.missing_columns
    for i, row in enumerate(sources.rows):
        if "url" in has and row["url"].strip():
            first = by_url.setdefault(normal_url(row["url"]), i)
            if first != i:
                _duplicate(ctx, sources, i, first, "url", "the same URL")
                continue
        if {"publisher", "title", "published"} <= has and all(row[n].strip() for n in ("publisher", "title")):
            citation = (_words(row["publisher"]), _words(row["title"]), row["published"].strip())
            first = by_citation.setdefault(citation, i)
            if first != i:
                _duplicate(ctx, sources, i, first, "title", "the same publisher, title and date")


def _duplicate(ctx: Context, sources: Table, i: int, first: int, column: str, same: str) -> None:
    other = sources.rows[first]["source_id"].strip()
    ctx.at(sources, i, column, "duplicate-source",
           f'{same} as source "{other}" ({display_path(sources.path)}:{sources.row_numbers[first]}): one '
           "publication is one source; under two ids it would count as two independent confirmations")
