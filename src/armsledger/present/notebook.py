"""The calls every notebook makes: `setup` (typed parameters, validated data, the ledger the
edition shows), showing and saving figures and tables, and saving the numbers the prose quotes."""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Image, Markdown, display

from armsledger.model.dates import parse_edtf
from armsledger.model.ledger import ALL_RECORD_TABLES, Ledger, for_edition
from armsledger.model.params import Params
from armsledger.paths import DOWNLOADS, FIGURES, FRAGMENTS, TABLES
from armsledger.present import charts, downloads, figures
from armsledger.present.markdown import to_markdown
from armsledger.validate.cache import ensure_valid

# Values papermill can inject; anything else in a notebook's namespace (modules, functions,
# IPython's own names) is not a parameter.
_PARAMETER_TYPES = (str, bool, int, float, type(None), dt.date, list, dict)


def parameters_from(namespace: dict) -> Params:
    """The edition's parameters from a notebook's namespace: those papermill injected, the rest
    defaults. A name papermill injected that no parameter has is an error naming it."""
    hidden: set[str] = set()
    shell = namespace.get("get_ipython")
    if callable(shell):
        hidden = set(getattr(shell(), "user_ns_hidden", {}) or {})
    given = {name: value for name, value in namespace.items()
             if not name.startswith("_") and name not in hidden and isinstance(value, _PARAMETER_TYPES)}
    return Params.from_mapping(given)


def setup(namespace: dict, reads: tuple[str, ...] | str = ALL_RECORD_TABLES,
          within_period: bool = False) -> tuple[Params, Ledger]:
    """Typed parameters and the ledger as this edition shows it: known on `as_of`, filtered by
    certainty (and by period when asked). `reads` names the record tables the notebook uses
    (the build re-executes it only when one of them changes); the others are left empty."""
    params = parameters_from(namespace)
    ensure_valid(params.data_path)
    ledger = for_edition(params, reads, within_period)
    return params, ledger


def period_bounds(params: Params) -> tuple[pd.Timestamp, pd.Timestamp]:
    return (pd.Timestamp(parse_edtf(params.period_start).earliest),
            pd.Timestamp(parse_edtf(params.period_end).latest))


def show_figure(fig: plt.Figure | figures.Chart, params: Params, name: str, data: pd.DataFrame | None = None,
                ledger: Ledger | None = None) -> None:
    """Save the figure under out_dir/figures, and the data it draws as out_dir/downloads/figure-<name>.csv;
    display those same PNG bytes as the cell's only output. A figures.Chart (both widths) is shown by
    figures.show: image/png for the PDF and a <picture> serving its narrow variant to phones."""
    if isinstance(fig, figures.Chart):
        figures.show(fig, params, name, data=data, ledger=ledger)
        return
    path = charts.save(fig, params.out_path / FIGURES / f"{name}.png")
    plt.close(fig)
    if data is not None:
        downloads.write_csv(data, params.out_path / DOWNLOADS / f"figure-{name}.csv", ledger)
    display(Image(data=path.read_bytes(), format="png"))


def show_table(table: pd.DataFrame, params: Params, name: str, ledger: Ledger | None = None,
               align: dict[str, str] | None = None, raw_columns: tuple[str, ...] = ("sources",)) -> None:
    """Save the table as Markdown under out_dir/tables and its data as out_dir/downloads/table-<name>.csv
    (every row, ids, ISO dates, values in EUR and USD), and display the Markdown as the cell's only
    output. Any table longer than markdown.MAX_PRINTED_ROWS is printed to that length by to_markdown,
    with a line saying how many more rows are in the data (attrs["truncate"] may name the noun)."""
    downloads.write_csv(table, params.out_path / DOWNLOADS / f"table-{name}.csv", ledger)
    text = to_markdown(table, raw_columns=raw_columns, align=align,
                       where=f"this table's data file (data/tables/table-{name}.csv)")
    path = params.out_path / TABLES / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    display(Markdown(text))


def _plain(value):
    """JSON-safe and stable: NaN/inf become None, numpy scalars become Python numbers."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def save_numbers(params: Params, notebook: str, display_strings: dict[str, str], raw: dict) -> Path:
    """Called at the end of each notebook: the display strings the prose quotes and the raw values,
    as a fragment the build merges into _variables.yml and summary.json."""
    path = params.out_path / FRAGMENTS / f"{notebook}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    bad = [k for k, v in display_strings.items() if not isinstance(v, str)]
    if bad:
        raise TypeError(f"display values must be strings: {', '.join(bad)}")
    payload = {"variables": _plain(display_strings), "summary": _plain(raw)}
    path.write_text(json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return path
