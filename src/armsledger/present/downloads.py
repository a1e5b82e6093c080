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


def _cites(values: pd.Series) -> bool:
    """Whether a text column holds citations ("[@id; @id]")."""
    return any(isinstance(v, str) and v.startswith("[@") for v in values.to_numpy(dtype=object))


def _published(values: pd.Series) -> pd.Series | list:
    """A column as its CSV cells: dates as ISO days, missing values blank, lists joined, text
    formula-safe. Column by column: a pandas `map` per cell boxes every date of a 300,000-row table."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.dt.strftime("%Y-%m-%d").fillna("")
    if pd.api.types.is_numeric_dtype(values):
        return values.astype(object).where(values.notna(), "")
    return [formula.escape_cell(cell) if isinstance(cell, str) else cell
            for cell in map(_cell, values.to_numpy(dtype=object))]


def data_frame(frame: pd.DataFrame, ledger: Ledger | None = None) -> pd.DataFrame:
    """The download of a table or figure frame: visible columns as text (citations as source ids),
    the hidden ones under their own names, and per record its dates and values from the ledger."""
    out = pd.DataFrame(index=frame.index)
    for column in frame.columns:
        name = str(column)
        values = frame[column]
        if name.startswith(HIDDEN):
            out[name[len(HIDDEN):]] = values
        elif _text(values) and _cites(values):  # only text holds citations
            out[name] = ["; ".join(CITATION.findall(v)) if isinstance(v, str) else "" for v in values]
        else:
            out[name] = values
    if ledger is not None and "record_id" in out:
        records = ledger.records.drop_duplicates("record_id").set_index("record_id")
        ids = out["record_id"].astype(object)
        for column, target in RECORD_COLUMNS.items():
            if target not in out and column in records:
                # Looked up by index, keeping the column's type (dates stay dates for _published).
                out[target] = pd.Series(records[column].reindex(ids).to_numpy(), index=out.index)
    return pd.DataFrame({column: _published(out[column]) for column in out.columns}, index=out.index,
                        columns=out.columns)


def write_csv(frame: pd.DataFrame, path, ledger: Ledger | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data_frame(frame, ledger).to_csv(path, index=False, lineterminator="\n")
