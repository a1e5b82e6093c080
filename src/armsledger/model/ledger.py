"""The Ledger: the CSV tables as typed DataFrames plus one row per record with derived dates,
converted values, certainty and as-of visibility; selection by edition and a currency view."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from armsledger.model import cells, fx, lineage, store
from armsledger.model import certainty as cert
from armsledger.model import schema as schema_module
from armsledger.model.csvfile import read_csv
from armsledger.model.dates import date_columns, parse_edtf

# Money and precision fields every record carries in `records`, blank where its table has none.
RECORD_VALUE_COLUMNS = ("amount", "amount_max", "amount_kind", "currency", "value_date", "value_basis",
                        "count", "count_kind", "certainty_override", "certainty_note", "note")
NUMERIC_RECORD_COLUMNS = ("amount", "amount_max", "count")
ALL_RECORD_TABLES = schema_module.ALL_RECORD_TABLES


def read_tables(data_dir: Path, only: set[str] | None = None) -> dict[str, pd.DataFrame]:
    """Every table as a DataFrame; strings stay strings ('' for blank), numbers typed per schema.

    With `only`, the other record tables are left empty (columns kept), so whatever is computed
    from the result provably does not depend on them: the build relies on this to re-execute
    only the notebooks that read an edited table. The files are read by the same reader as the
    validator's, so both see the same cells.
    """
    schema = schema_module.load(data_dir)
    tables = {}
    for table in schema.tables:
        columns = list(table.field_names)
        if only is not None and table.name not in only and table.role == "record":
            frame = pd.DataFrame({c: pd.Series(dtype=str) for c in columns})
        else:
            frame = _typed_table(Path(data_dir) / table.path, table)
        tables[table.name] = frame
    return tables


def _typed_table(path: Path, table: schema_module.Table) -> pd.DataFrame:
    """One table read and typed."""
    csv_file = read_csv(path)
    header = csv_file.header or []
    frame = pd.DataFrame({name: pd.Series(_column(csv_file.rows, header.index(name) if name in header else -1),
                                          dtype=object)
                          for name in table.field_names})
    for spec in table.fields:
        # Numbers are read in the one syntax the validator accepts (model.cells), never more loosely.
        if spec.type == "number":
            frame[spec.name] = pd.Series([_number(v, False) for v in frame[spec.name]], dtype=float)
        elif spec.type == "integer":
            frame[spec.name] = pd.Series([_number(v, True) for v in frame[spec.name]], dtype="Int64")
        elif _repeats(table, spec):
            # One string object per distinct value (the CSV reader makes one per cell): a column of
            # references or codes repeats a few values (claims.source_id: 680,000 cells and 65,000
            # values at 300,000 records), and every kernel holds the ledger.
            distinct: dict[str, str] = {}
            frame[spec.name] = pd.Series([distinct.setdefault(v, v) for v in frame[spec.name]], dtype=object)
    # Text stays in object columns of Python strings: pandas' own text type hands out its values one
    # __getitem__ at a time when a column is iterated, three times slower, and the analysis iterates a lot.
    return frame


# Claims and corrections name any record (no foreign key can say so) and the fields they support.
_REPEATING = {"claims": ("record_id", "fields"), "corrections": ("record_id",)}


def _repeats(table: schema_module.Table, spec: schema_module.Field) -> bool:
    """Whether a text field takes its values from a small set: references, codes, dates, enumerations;
    not words (ours or a source's), which are as many as the rows."""
    return (spec.name in table.references or spec.kind in ("edtf", "currency", "country", "id_list")
            or "enum" in spec.descriptor.get("constraints", {}) or spec.name in _REPEATING.get(table.role, ()))


def _number(text: str, integer: bool) -> float | int | None:
    value = cells.parse_number(text, integer)
    return None if value is None else int(value) if integer else float(value)


def release_cached_ledger() -> None:
    """Forget the whole ledger this process keeps (see _whole): as if the process started afresh. A
    notebook loads its ledger several times and gains from the memo; a long-lived process that loads a
    ledger once (the build's own process no longer does: its data steps run in processes of their own,
    pipeline.child) would otherwise hold it, a gigabyte at 300,000 records."""
    _whole_memo.clear()


def _column(rows: list[list[str]], position: int) -> list[str]:
    """One column's cells; blank where the column or a ragged row's cell is missing."""
    if position < 0:
        return [""] * len(rows)
    return [cells[position] if position < len(cells) else "" for cells in rows]


@dataclass
class Ledger:
    """The validated tables plus `records`: one row per record with derived columns."""

    tables: dict[str, pd.DataFrame]
    records: pd.DataFrame
    claims: pd.DataFrame
    data_dir: Path
    schema: schema_module.Schema
    as_of: dt.date | None = None
    filters: dict = field(default_factory=dict)
    # What the as-of date hides: (record id, field) pairs only later sources supported, and the
    # records no source published by then supports, with the reason (see hidden_records).
    masked: frozenset[tuple[str, str]] = frozenset()
    hidden: pd.DataFrame | None = None

    def entity_name(self, entity_id: str) -> str:
        names = self._entity_names()
        return names.get(entity_id, entity_id) if entity_id else ""

    def _entity_names(self) -> dict[str, str]:
        # Cached per entities frame: tables and the listings call this once per row.
        entities = self.tables["entities"]
        cached = self.__dict__.get("_names")
        if cached is None or cached[0] is not entities:
            cached = (entities, dict(zip(entities["entity_id"], entities["name"], strict=True)))
            self.__dict__["_names"] = cached
        return cached[1]

    def table(self, name: str) -> pd.DataFrame:
        """A record table restricted to the records that survive the edition's filters."""
        frame = self.tables[name]
        spec = self.schema.table(name)
        if spec.role == "record":
            frame = frame[frame[spec.primary_key].isin(self.records["record_id"])]
        return frame

    def in_currency(self, currency: str, frame: pd.DataFrame | None = None) -> pd.DataFrame:
        """`frame` (default: the records) with its values in `currency` under the names every value
        table shares: value, low, high, fx_rate, fx_date."""
        frame = self.records if frame is None else frame
        return frame.assign(**converted(frame, currency))

    def select(
        self,
        min_certainty: str = "possible",
        include_disputed: bool = True,
        period_start: str | None = None,
        period_end: str | None = None,
    ) -> Ledger:
        """Records passing the certainty filter and overlapping the period (undated ones are kept)."""
        recs = self.records
        keep = [
            cert.passes(c, e, min_certainty, include_disputed)
            for c, e in zip(recs["certainty"], recs["evidence_certainty"], strict=True)
        ]
        recs = recs[pd.Series(keep, index=recs.index, dtype=bool)]  # a bare [] would select no columns
        if period_start:
            start = pd.Timestamp(parse_edtf(period_start).earliest)
            recs = recs[recs["latest"].isna() | (recs["latest"] >= start)]
        if period_end:
            end = pd.Timestamp(parse_edtf(period_end).latest)
            recs = recs[recs["earliest"].isna() | (recs["earliest"] <= end)]
        kept = set(recs["record_id"])
        filters = dict(self.filters, min_certainty=min_certainty, include_disputed=include_disputed,
                       period_start=period_start, period_end=period_end)
        return replace(self, records=recs.reset_index(drop=True),
                       claims=self.claims[self.claims["record_id"].isin(kept)], filters=filters)


def converted(source, currency: str) -> dict:
    """The converted value (point, low, high) and the rate and window it used, from a records frame
    or one record, under the names the value tables share."""
    c = currency.lower()
    names = {"value": f"value_{c}", "low": f"value_low_{c}", "high": f"value_high_{c}",
             "fx_rate": f"fx_rate_{c}", "fx_date": f"fx_date_{c}"}
    return {key: source[column] for key, column in names.items()}


def _published_bounds(sources: pd.DataFrame) -> pd.DataFrame:
    bounds = date_columns(sources["published"])
    return pd.DataFrame({"source_id": sources["source_id"], "published": sources["published"].values,
                         "published_earliest": bounds["earliest"].values,
                         "published_latest": bounds["latest"].values})


HIDDEN_AFTER = "published after the edition's date"
HIDDEN_VAGUE = "publication date too vague to place before the edition's date"


def hidden_records(records: pd.DataFrame, every_claim: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """The records an as-of edition leaves out, and why: every supporting source appeared after
    `as_of`, or one may have appeared before it but its date (a year, an open interval) cannot
    show that it did."""
    cutoff = pd.Timestamp(as_of)
    supporting = every_claim[every_claim["stance"] == "supports"]
    visible = set(supporting.loc[supporting["published_latest"] <= cutoff, "record_id"])
    missing = records[~records["record_id"].isin(visible)]
    could_be_earlier = set(supporting.loc[supporting["published_earliest"].isna()
                                          | (supporting["published_earliest"] <= cutoff), "record_id"])
    reasons = [HIDDEN_VAGUE if r in could_be_earlier else HIDDEN_AFTER for r in missing["record_id"]]
    return pd.DataFrame({"record_id": missing["record_id"].values, "table": missing["table"].values,
                         "reason": reasons})


def _first_filled(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """Per row, the first non-blank of `columns` ('' when all are blank)."""
    result = frame[columns[-1]].fillna("")
    for column in reversed(columns[:-1]):
        result = frame[column].where(frame[column].fillna("") != "", result)
    return result


def _placing_dates(schema: schema_module.Schema, tables: dict[str, pd.DataFrame]) -> dict[str, pd.Series]:
    """Per record table, the date that places each record: the first filled of its `placed_by`
    fields, else (contract lines) the date of the record its `placed_by_parent` names."""
    dates: dict[str, pd.Series] = {}
    pending = list(schema.records)
    while pending:
        spec = pending.pop(0)
        own = _first_filled(tables[spec.name], spec.placed_by) if spec.placed_by else \
            pd.Series("", index=tables[spec.name].index)
        if spec.placed_by_parent:
            parent_table, _ = spec.references.get(spec.placed_by_parent, ("", ""))
            if parent_table not in dates and parent_table in schema.record_names and \
                    any(p.name == parent_table for p in pending):
                pending.append(spec)  # its parent first
                continue
            if parent_table in dates:
                parent_spec = schema.table(parent_table)
                parent_dates = pd.Series(dates[parent_table].values,
                                         index=tables[parent_table][parent_spec.primary_key].values)
                fallback = tables[spec.name][spec.placed_by_parent].map(parent_dates).fillna("")
                own = own.where(own != "", fallback).fillna("")
        dates[spec.name] = own
    return dates


def _record_frame(schema: schema_module.Schema, tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    frames = []
    placing = _placing_dates(schema, tables)
    for spec in schema.records:
        src = tables[spec.name]
        frame = pd.DataFrame({"record_id": src[spec.primary_key], "table": spec.name})
        frame["date"] = placing[spec.name].values
        for col in RECORD_VALUE_COLUMNS:
            frame[col] = src[col].values if col in src else (pd.NA if col in NUMERIC_RECORD_COLUMNS else "")
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["record_id", "table", "date", *RECORD_VALUE_COLUMNS])
    records = pd.concat(frames, ignore_index=True)
    records["amount"] = pd.to_numeric(records["amount"]).astype(float)
    records["amount_max"] = pd.to_numeric(records["amount_max"]).astype(float)
    records["count"] = pd.to_numeric(records["count"]).astype("Int64")
    records["value_date"] = records["value_date"].where(records["value_date"] != "", records["date"])
    return records


def _original_publications(sources: pd.DataFrame) -> dict[str, str]:
    """Each source's earliest publication along its `derived_from` chain, as written: a
    republication of a BIRN story was first reported when BIRN published it."""
    latest = dict(zip(sources["source_id"], date_columns(sources["published"])["latest"], strict=True))
    written = dict(zip(sources["source_id"], sources["published"], strict=True))
    parents = dict(zip(sources["source_id"], sources["derived_from"], strict=True))
    earliest = {}
    for source, line in lineage.ancestry(parents).items():
        best = source
        for node in line[1:]:
            if node not in written:
                break
            if not pd.isna(latest[node]) and (pd.isna(latest[best]) or latest[node] < latest[best]):
                best = node
        earliest[source] = written[best]
    return earliest


def _first_reports(claims: pd.DataFrame, sources: pd.DataFrame) -> pd.DataFrame:
    """Per record: `visible_from`, the first day a supporting source we cite was certainly public
    (the latest possible day where its date is a month or a year), which the as-of filter uses;
    and `first_reported`, the earliest publication behind those sources (an original they
    republish included) as written, which labels and placement of undated records use."""
    supporting = claims[claims["stance"] == "supports"].sort_values(["published_latest", "source_id"],
                                                                    kind="stable")
    first = supporting.drop_duplicates("record_id").set_index("record_id")
    originals = _original_publications(sources)
    texts = sorted(set(originals.values()))
    bounds = dict(zip(texts, date_columns(pd.Series(texts, dtype=object))["latest"], strict=True))
    reported: dict[str, str] = {}
    for record_id, source_id in zip(supporting["record_id"], supporting["source_id"], strict=True):
        text = originals.get(source_id, "")
        current = reported.get(record_id)
        if current is None or (not pd.isna(bounds.get(text)) and
                               (pd.isna(bounds.get(current)) or bounds[text] < bounds[current])):
            reported[record_id] = text
    return pd.DataFrame({"visible_from": first["published_latest"],
                         "first_reported": pd.Series(reported).reindex(first.index)})


def _later_only_fields(schema: schema_module.Schema, tables: dict[str, pd.DataFrame], all_claims: pd.DataFrame,
                       visible_claims: pd.DataFrame) -> set[tuple[str, str]]:
    """(record id, field) pairs that only claims published after the as-of date support, our own
    wording (prose fields), ids and required fields aside."""

    def cited(claims: pd.DataFrame) -> set[tuple[str, str]]:
        supporting = claims[claims["stance"] == "supports"]
        return {(record_id, name.strip()) for record_id, fields in zip(supporting["record_id"],
                                                                        supporting["fields"], strict=True)
                for name in str(fields).split("|") if name.strip()}

    later_only = cited(all_claims) - cited(visible_claims)
    kept = set()
    for spec in schema.records:
        # A required field stays: a total without its period or an event without its summary is no record.
        required = {f.name for f in spec.fields if f.required}
        columns = set(tables[spec.name].columns) - set(spec.of_kind("prose")) - {spec.primary_key} - required
        ids = set(tables[spec.name][spec.primary_key])
        kept |= {(r, c) for r, c in later_only if c in columns and r in ids}
    return kept


def _mask_later_fields(schema: schema_module.Schema, tables: dict[str, pd.DataFrame],
                       later_only: set[tuple[str, str]]) -> dict[str, pd.DataFrame]:
    """Blank the record fields that only claims published after the as-of date support, so an
    edition "as of" a date shows each record as it was known then (Norway's 2019 release names
    no vendor; the Cellebrite link came with Amnesty's 2024 report). Our own wording (prose
    fields) is kept, since a blank description would leave the row unreadable."""
    if not later_only:
        return tables
    masked = dict(tables)
    for spec in schema.records:
        frame = tables[spec.name]
        ids = set(frame[spec.primary_key])
        hidden = [(record_id, column) for record_id, column in later_only
                  if column in frame.columns and record_id in ids]
        if not hidden:
            continue
        frame = frame.copy()
        by_column: dict[str, set[str]] = {}
        for record_id, column in hidden:
            by_column.setdefault(column, set()).add(record_id)
        for column, record_ids in by_column.items():
            kind = frame[column].dtype.kind
            blank = float("nan") if kind == "f" else (pd.NA if kind in "iu" else "")
            frame.loc[frame[spec.primary_key].isin(record_ids), column] = blank
        masked[spec.name] = frame
    return masked


def build(tables: dict[str, pd.DataFrame], data_dir: Path, as_of: dt.date | None = None,
          schema: schema_module.Schema | None = None) -> Ledger:
    """Derive the records frame; with `as_of`, keep only what sources published by then support."""
    schema = schema or schema_module.load(data_dir)
    published = _published_bounds(tables["sources"])
    claims = tables["claims"].merge(published, on="source_id", how="left")
    masked: set[tuple[str, str]] = set()
    hidden = None
    if as_of is not None:
        every_claim = claims
        claims = claims[claims["published_latest"] <= pd.Timestamp(as_of)]
        masked = _later_only_fields(schema, tables, every_claim, claims)
        tables = _mask_later_fields(schema, tables, masked)
    records = _record_frame(schema, tables)
    if as_of is not None:
        hidden = hidden_records(records, every_claim, as_of)
    first = _first_reports(claims, tables["sources"])
    # Through a dict and to_datetime, so that no visible record at all still gives a datetime column.
    records["visible_from"] = pd.to_datetime(records["record_id"].map(first["visible_from"].to_dict()))
    reported = first["first_reported"].to_dict()
    records["first_reported"] = pd.Series([reported.get(r, "") for r in records["record_id"]],
                                          index=records.index, dtype=object)
    # A value whose date was not yet reported (an as-of edition) is converted at the rate of the
    # day it became public, the one date that edition knows for it.
    public_day = records["visible_from"].dt.strftime("%Y-%m-%d").fillna("")
    records["value_date"] = records["value_date"].where(records["value_date"] != "", public_day)
    if as_of is not None:
        records = records[records["visible_from"].notna()]
    records = records.reset_index(drop=True)
    claims = claims[claims["record_id"].isin(records["record_id"])].reset_index(drop=True)

    records = pd.concat([records, date_columns(records["date"])], axis=1)
    for currency in fx.CURRENCIES:
        records = pd.concat([records, fx.convert_values(records, currency)], axis=1)
    # R4 reads what a record is (a table of published totals, an event's kind): pass both along.
    kinds = cert.record_kinds(tables, {spec.name: spec.primary_key for spec in schema.records})
    tiers = cert.record_certainty(claims, tables["sources"],
                                  records[["record_id", "table", "certainty_override", "certainty_note"]]
                                  .assign(kind=records["record_id"].map(kinds).fillna("")))
    records = records.merge(tiers, on="record_id", how="left")
    supporting = claims[claims["stance"] == "supports"]
    sources_by_record: dict[str, set[str]] = {}
    for record_id, source_id in zip(supporting["record_id"], supporting["source_id"], strict=True):
        sources_by_record.setdefault(record_id, set()).add(source_id)
    records["source_ids"] = pd.Series([sorted(sources_by_record.get(r, ())) for r in records["record_id"]],
                                      index=records.index, dtype=object)
    return Ledger(tables=tables, records=records, claims=claims, data_dir=data_dir, schema=schema, as_of=as_of,
                  masked=frozenset(masked), hidden=hidden)


def load(data_dir: Path | str, as_of: str | dt.date | None = None, only: set[str] | None = None) -> Ledger:
    """Load the ledger in `data_dir`, as known on `as_of`; `only` restricts the record tables read
    (see read_tables). It does not validate: callers that take data from people validate first
    (armsledger.validate.cache.ensure_valid).

    The whole ledger is derived once per version of the data and as-of date (in this process, and in a
    data folder with a ledger cache, once for every process) and `only` cuts it down: a record's derived
    columns depend on its own table, claims and sources alone (tests/unit/test_ledger_store.py holds the
    two ways equal), except for a table placed by a parent table left out, which is derived on its own."""
    data_dir = Path(data_dir)
    if isinstance(as_of, str) and as_of:
        as_of = parse_edtf(as_of).latest
    as_of = as_of or None
    if only is not None:
        schema = schema_module.load(data_dir)
        if any(schema.table(name).placed_by_parent and _parent_table(schema, name) not in only
               for name in only if name in schema.record_names):
            return build(read_tables(data_dir, only), data_dir, as_of, schema)
    whole = _whole(data_dir, as_of)
    return whole if only is None else restricted(whole, set(only))


def _parent_table(schema: schema_module.Schema, name: str) -> str:
    spec = schema.table(name)
    return spec.references.get(spec.placed_by_parent, ("", ""))[0]


_whole_memo: dict = {}  # at most one whole ledger per process: at 300,000 records one is a gigabyte


def _whole(data_dir: Path, as_of: dt.date | None) -> Ledger:
    """The whole ledger, derived once per process for the same file contents, code and as-of date (by
    content hash: a file rewritten within the clock's resolution at the same size is still new; hashing
    the 300,000-record ledger takes half a second). Callers share its frames: pandas copies on write,
    so none can change another's."""
    content = store.key(data_dir, as_of)
    memo_key = (str(data_dir.resolve()), content)
    if _whole_memo.get("key") == memo_key:
        return _whole_memo["ledger"]
    _whole_memo.clear()
    ledger = store.cached(data_dir, content, lambda: build(read_tables(data_dir), data_dir, as_of))
    _whole_memo.update(key=memo_key, ledger=ledger)
    return ledger


def restricted(ledger: Ledger, only: set[str]) -> Ledger:
    """The ledger as `build` derives it when the record tables outside `only` are empty (read_tables)."""
    schema = ledger.schema
    tables = {}
    for spec in schema.tables:
        frame = ledger.tables[spec.name]
        if spec.role == "record" and spec.name not in only:
            frame = pd.DataFrame({c: pd.Series(dtype=str) for c in spec.field_names})
        tables[spec.name] = frame
    kept_tables = [spec.name for spec in schema.records if spec.name in only]
    records = ledger.records[ledger.records["table"].isin(kept_tables)].reset_index(drop=True)
    claims = ledger.claims[ledger.claims["record_id"].isin(set(records["record_id"]))].reset_index(drop=True)
    ids = {i for name in kept_tables for i in ledger.tables[name][schema.table(name).primary_key]}
    hidden = None if ledger.hidden is None else \
        ledger.hidden[ledger.hidden["table"].isin(kept_tables)].reset_index(drop=True)
    return replace(ledger, tables=tables, records=records, claims=claims, hidden=hidden,
                   masked=frozenset(pair for pair in ledger.masked if pair[0] in ids))


def for_edition(params, reads: tuple[str, ...] | str = ALL_RECORD_TABLES, within_period: bool = False) -> Ledger:
    """The ledger as an edition (model.params.Params) shows it: known on `as_of`, filtered by
    certainty, and by period when asked. `reads` names the record tables to read; the others are
    left empty."""
    only = None if reads == ALL_RECORD_TABLES else set(reads)
    ledger = load(params.data_path, as_of=params.as_of or None, only=only)
    if only is not None and only - set(ledger.schema.record_names):
        unknown = ", ".join(sorted(only - set(ledger.schema.record_names)))
        raise schema_module.SchemaError(f"reads names {unknown}, which are no record tables")
    return ledger.select(
        min_certainty=params.min_certainty,
        include_disputed=params.include_disputed,
        period_start=params.period_start if within_period else None,
        period_end=params.period_end if within_period else None,
    )


def entity_lineage(entities: pd.DataFrame) -> dict[str, set[str]]:
    """Each entity with everything it belongs to: its parents and the state of its country.

    Yugoimport-SDPR (country SRB) → {yugoimport-sdpr, serbia}, so a total published for
    "Serbia → Israel" covers the exports of Serbian companies.
    """
    states = {
        country: entity
        for entity, kind, country in zip(entities["entity_id"], entities["type"], entities["country"], strict=True)
        if kind == "state" and country
    }
    country_of = dict(zip(entities["entity_id"], entities["country"], strict=True))
    result: dict[str, set[str]] = {}
    for entity, line in lineage.ancestry(dict(zip(entities["entity_id"], entities["parent_id"],
                                                   strict=True))).items():
        members = set(line)
        members |= {states[country_of[m]] for m in line if country_of.get(m) in states}
        result[entity] = members
    return result
