"""Load the CSV ledger into typed DataFrames and derive dates, converted values, certainty and visibility."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from armsledger import certainty as cert
from armsledger import money
from armsledger.datastate import InvalidData, ensure_valid
from armsledger.dates import date_columns, parse_edtf
from armsledger.vocabulary import RECORD_TABLES

# Our own wording of what a record is; an as-of edition keeps it even when a later source is
# what a claim cites it from, since a blank description would leave the row unreadable.
DESCRIPTIONS = frozenset({"title", "summary", "items", "designation", "note", "certainty_note"})
# Contracts often lack a signing date; fall back in this order.
CONTRACT_DATE_FALLBACK = ("signed", "announced", "delivery")


LedgerError = InvalidData  # the name notebooks and analysts see when loading invalid data


def _schema(data_dir: Path) -> dict:
    return json.loads((data_dir / "datapackage.json").read_text(encoding="utf-8"))


def read_tables(data_dir: Path, only: set[str] | None = None) -> dict[str, pd.DataFrame]:
    """Every table as a DataFrame; strings stay strings ('' for blank), numbers typed per schema.

    With `only`, the other record tables are left empty (columns kept), so whatever is computed
    from the result provably does not depend on them: the build relies on this to re-execute
    only the notebooks that read an edited table.
    """
    schema = _schema(data_dir)
    tables = {}
    for resource in schema["resources"]:
        columns = [f["name"] for f in resource["schema"]["fields"]]
        if only is not None and resource["name"] not in only and resource["name"] in RECORD_TABLES:
            frame = pd.DataFrame({c: pd.Series(dtype=str) for c in columns})
        else:
            frame = pd.read_csv(
                data_dir / resource["path"], dtype=str, keep_default_na=False, encoding="utf-8-sig"
            )
        for fld in resource["schema"]["fields"]:
            name = fld["name"]
            if name not in frame:
                frame[name] = ""
            if fld["type"] == "number":
                frame[name] = pd.to_numeric(frame[name].replace("", None), errors="raise").astype(float)
            elif fld["type"] == "integer":
                frame[name] = pd.to_numeric(frame[name].replace("", None), errors="raise").astype("Int64")
        tables[resource["name"]] = frame
    return tables



@dataclass
class Ledger:
    """The validated tables plus `records`: one row per record with derived columns."""

    tables: dict[str, pd.DataFrame]
    records: pd.DataFrame
    claims: pd.DataFrame
    data_dir: Path
    as_of: dt.date | None = None
    filters: dict = field(default_factory=dict)

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
        if name in RECORD_TABLES:
            id_col = RECORD_TABLES[name][0]
            frame = frame[frame[id_col].isin(self.records["record_id"])]
        return frame

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


def _published_bounds(sources: pd.DataFrame) -> pd.DataFrame:
    bounds = date_columns(sources["published"])
    return pd.DataFrame({"source_id": sources["source_id"], "published": sources["published"].values,
                         "published_latest": bounds["latest"].values})


def _first_filled(frame: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    """Per row, the first non-blank of `columns` ('' when all are blank)."""
    result = frame[columns[-1]].fillna("")
    for column in reversed(columns[:-1]):
        result = frame[column].where(frame[column].fillna("") != "", result)
    return result


def _record_frame(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    frames = []
    for table, (id_col, date_col) in RECORD_TABLES.items():
        src = tables[table]
        frame = pd.DataFrame({"record_id": src[id_col], "table": table})
        if table == "contracts":
            when = _first_filled(src, CONTRACT_DATE_FALLBACK)
        elif table == "contract_lines":
            contracts = tables["contracts"]
            contract_dates = pd.Series(_first_filled(contracts, CONTRACT_DATE_FALLBACK).values,
                                       index=contracts["contract_id"].values)
            fallback = src["contract_id"].map(contract_dates).fillna("")
            when = src[date_col].where(src[date_col] != "", fallback).fillna("")
        else:
            when = src[date_col]
        frame["date"] = when.values
        for col in ("amount", "amount_max", "amount_kind", "currency", "value_date", "value_basis",
                    "count", "count_kind", "certainty_override", "certainty_note", "note"):
            frame[col] = src[col].values if col in src else (pd.NA if col in ("amount", "amount_max", "count") else "")
        frames.append(frame)
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
    parent = dict(zip(sources["source_id"], sources["derived_from"], strict=True))
    earliest = {}
    for source in written:
        best, node, seen = source, source, {source}
        while parent.get(node) and parent[node] in written and parent[node] not in seen:
            node = parent[node]
            seen.add(node)
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


def _mask_later_fields(tables: dict[str, pd.DataFrame], all_claims: pd.DataFrame,
                       visible_claims: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Blank the record fields that only claims published after the as-of date support, so an
    edition "as of" a date shows each record as it was known then (Norway's 2019 release names
    no vendor; the Cellebrite link came with Amnesty's 2024 report)."""

    def cited(claims: pd.DataFrame) -> set[tuple[str, str]]:
        supporting = claims[claims["stance"] == "supports"]
        return {(record_id, name.strip()) for record_id, fields in zip(supporting["record_id"],
                                                                        supporting["fields"], strict=True)
                for name in str(fields).split("|") if name.strip()}

    later_only = cited(all_claims) - cited(visible_claims)
    if not later_only:
        return tables
    masked = dict(tables)
    for table, (id_col, _) in RECORD_TABLES.items():
        frame = tables[table]
        hidden = [(record_id, column) for record_id, column in later_only
                  if column in frame.columns and column != id_col and column not in DESCRIPTIONS]
        if not hidden:
            continue
        frame = frame.copy()
        by_column: dict[str, set[str]] = {}
        for record_id, column in hidden:
            by_column.setdefault(column, set()).add(record_id)
        for column, record_ids in by_column.items():
            kind = frame[column].dtype.kind
            blank = float("nan") if kind == "f" else (pd.NA if kind in "iu" else "")
            frame.loc[frame[id_col].isin(record_ids), column] = blank
        masked[table] = frame
    return masked


def build(tables: dict[str, pd.DataFrame], data_dir: Path, as_of: dt.date | None = None) -> Ledger:
    """Derive the records frame; with `as_of`, keep only what sources published by then support."""
    published = _published_bounds(tables["sources"])
    claims = tables["claims"].merge(published, on="source_id", how="left")
    if as_of is not None:
        every_claim = claims
        claims = claims[claims["published_latest"] <= pd.Timestamp(as_of)]
        tables = _mask_later_fields(tables, every_claim, claims)
    records = _record_frame(tables)
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
    for currency in money.CURRENCIES:
        records = pd.concat([records, money.convert_values(records, currency)], axis=1)
    tiers = cert.record_certainty(claims, tables["sources"],
                                  records[["record_id", "certainty_override", "certainty_note"]])
    records = records.merge(tiers, on="record_id", how="left")
    supporting = claims[claims["stance"] == "supports"]
    sources_by_record: dict[str, set[str]] = {}
    for record_id, source_id in zip(supporting["record_id"], supporting["source_id"], strict=True):
        sources_by_record.setdefault(record_id, set()).add(source_id)
    records["source_ids"] = pd.Series([sorted(sources_by_record.get(r, ())) for r in records["record_id"]],
                                      index=records.index, dtype=object)
    return Ledger(tables=tables, records=records, claims=claims, data_dir=data_dir, as_of=as_of)


def load(data_dir: Path | str, as_of: str | dt.date | None = None, check: bool = True,
         only: set[str] | None = None) -> Ledger:
    """Validate (unless `check=False`) and load the ledger in `data_dir`, as known on `as_of`;
    `only` restricts the record tables read (see read_tables)."""
    data_dir = Path(data_dir)
    if check:
        ensure_valid(data_dir)
    if isinstance(as_of, str) and as_of:
        as_of = parse_edtf(as_of).latest
    return build(read_tables(data_dir, only), data_dir, as_of or None)


def entity_lineage(entities: pd.DataFrame) -> dict[str, set[str]]:
    """Each entity with everything it belongs to: its parents and the state of its country.

    Yugoimport-SDPR (country SRB) → {yugoimport-sdpr, serbia}, so a total published for
    "Serbia → Israel" covers the exports of Serbian companies.
    """
    parent = dict(zip(entities["entity_id"], entities["parent_id"], strict=True))
    states = {
        country: entity
        for entity, kind, country in zip(entities["entity_id"], entities["type"], entities["country"], strict=True)
        if kind == "state" and country
    }
    country_of = dict(zip(entities["entity_id"], entities["country"], strict=True))
    lineage: dict[str, set[str]] = {}
    for entity in parent:
        chain, node = {entity}, entity
        while parent.get(node) and parent[node] not in chain:
            node = parent[node]
            chain.add(node)
        for member in list(chain):
            if country_of.get(member) in states:
                chain.add(states[country_of[member]])
        lineage[entity] = chain
    return lineage
