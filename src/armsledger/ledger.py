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

OTHER_TABLES = ("sources", "entities", "claims", "categories")
ALL_TABLES = (*OTHER_TABLES, *RECORD_TABLES)
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


def split_ids(value: str) -> list[str]:
    return [part.strip() for part in str(value or "").split("|") if part.strip()]


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


def _first_reports(claims: pd.DataFrame) -> pd.DataFrame:
    """Per record, its earliest supporting source's publication: `visible_from` is the first day
    it was certainly public (the latest possible day where the date is a month or a year), and
    `first_reported` is that publication date as the source gives it, for labels."""
    supporting = claims[claims["stance"] == "supports"].sort_values(["published_latest", "source_id"],
                                                                    kind="stable")
    first = supporting.drop_duplicates("record_id").set_index("record_id")
    return pd.DataFrame({"visible_from": first["published_latest"], "first_reported": first["published"]})


def build(tables: dict[str, pd.DataFrame], data_dir: Path, as_of: dt.date | None = None) -> Ledger:
    """Derive the records frame; with `as_of`, keep only what sources published by then support."""
    published = _published_bounds(tables["sources"])
    claims = tables["claims"].merge(published, on="source_id", how="left")
    if as_of is not None:
        claims = claims[claims["published_latest"] <= pd.Timestamp(as_of)]
    records = _record_frame(tables)
    first = _first_reports(claims)
    # Through a dict and to_datetime, so that no visible record at all still gives a datetime column.
    records["visible_from"] = pd.to_datetime(records["record_id"].map(first["visible_from"].to_dict()))
    records["first_reported"] = [first["first_reported"].get(r, "") for r in records["record_id"]]
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
