"""The data behind each report table and figure, as a CSV a reader can download: the rows and columns
the reader sees, plus ids, ISO dates and values in euros and dollars. A table frame carries those
extra columns under names starting with `_`; the page leaves them out, the download keeps them."""

from __future__ import annotations

import re

import pandas as pd

from armsledger.model import formula
from armsledger.model.ledger import Ledger

HIDDEN = "_"
CITATION = re.compile(r"@([\w-]+)")
# Per record, from the ledger: what a download adds to a table that names records.
RECORD_COLUMNS = {"date": "date_edtf", "earliest": "earliest", "latest": "latest", "amount": "amount_as_reported",
                  "currency": "currency_as_reported", "amount_kind": "amount_kind", "value_eur": "value_eur",
                  "value_usd": "value_usd", "certainty": "certainty_tier", "source_ids": "source_ids"}


def shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns a reader sees on the page."""
    return frame[[c for c in frame.columns if not str(c).startswith(HIDDEN)]]


def _cell(value) -> object:
    if isinstance(value, (list, tuple, set)):
        return "; ".join(str(v) for v in value)
    if isinstance(value, pd.Timestamp):
        return "" if pd.isna(value) else value.strftime("%Y-%m-%d")
    if value is None or (not isinstance(value, (list, dict, str)) and pd.isna(value)):
        return ""
    return value


def _text(values: pd.Series) -> bool:
    return values.dtype == object or isinstance(values.dtype, pd.StringDtype)


def data_frame(frame: pd.DataFrame, ledger: Ledger | None = None) -> pd.DataFrame:
    """The download of a table or figure frame: visible columns as text (citations as source ids),
    the hidden ones under their own names, and per record its dates and values from the ledger."""
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        name = str(column)
        values = frame[column]
        if name.startswith(HIDDEN):
            out[name[len(HIDDEN):]] = values
        elif _text(values) and values.map(lambda v: isinstance(v, str) and v.startswith("[@")).any():
            # Only text holds citations; on a datetime column `map` keeps the dtype and `any` raises.
            out[name] = ["; ".join(CITATION.findall(v)) if isinstance(v, str) else "" for v in values]
        else:
            out[name] = values
    if ledger is not None and "record_id" in out:
        records = ledger.records.drop_duplicates("record_id").set_index("record_id")
        ids = out["record_id"].astype(object)
        for column, target in RECORD_COLUMNS.items():
            if target not in out and column in records:
                values = records[column].to_dict()  # a dict: no dtype casting of an empty or mixed column
                out[target] = pd.Series([values.get(i) for i in ids], index=out.index, dtype=object)
    out = out.map(_cell)
    return out.map(lambda v: formula.escape_cell(v) if isinstance(v, str) else v)


def write_csv(frame: pd.DataFrame, path, ledger: Ledger | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data_frame(frame, ledger).to_csv(path, index=False, lineterminator="\n")
