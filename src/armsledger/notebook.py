"""The few calls every notebook makes: open the ledger for its parameters, show and save figures and tables."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Image, Markdown, display

from armsledger import charts
from armsledger.ledger import Ledger, load
from armsledger.params import Params
from armsledger.vocabulary import NOTEBOOK_TABLES


def open_ledger(params: Params, notebook: str, within_period: bool = False) -> Ledger:
    """The ledger as known on `as_of`, filtered by certainty (and by period when asked)."""
    ledger = load(params.data_path, as_of=params.as_of or None, check=True, only=set(NOTEBOOK_TABLES[notebook]))
    return ledger.select(
        min_certainty=params.min_certainty,
        include_disputed=params.include_disputed,
        period_start=params.period_start if within_period else None,
        period_end=params.period_end if within_period else None,
    )


def period_bounds(params: Params) -> tuple[pd.Timestamp, pd.Timestamp]:
    from armsledger.dates import parse_edtf

    return (pd.Timestamp(parse_edtf(params.period_start).earliest),
            pd.Timestamp(parse_edtf(params.period_end).latest))


def show_figure(fig: plt.Figure, params: Params, name: str) -> Path:
    """Save the figure under out_dir/figures and display those same PNG bytes as the cell output."""
    path = charts.save(fig, params.out_path / "figures" / f"{name}.png")
    plt.close(fig)
    display(Image(data=path.read_bytes(), format="png"))
    return path


def show_table(markdown: str, params: Params, name: str) -> Path:
    """Save the Markdown table under out_dir/tables and display it as the cell output."""
    path = params.out_path / "tables" / f"{name}.md"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(markdown + "\n", encoding="utf-8")
    display(Markdown(markdown))
    return path
