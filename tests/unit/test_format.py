"""armsledger.present.format: how money, counts and values as reported read in the report."""

from __future__ import annotations

import math

import pytest

from armsledger.model.fx import fx_rate
from armsledger.present.format import (
    amount_cell,
    count_of,
    format_as_written,
    format_money,
    money_cell,
    reported_text,
    rounded_cell,
    symbol,
)

NAN = math.nan
INF = math.inf


@pytest.mark.parametrize(
    ("value", "currency", "kwargs", "text"),
    [
        (42.3e6, "EUR", {}, "€42.3 million"),
        (335e6, "USD", {}, "$335.0 million"),
        (1_234.5e6, "EUR", {}, "€1.23 billion"),
        (540_120.0, "EUR", {}, "€540,120"),
        (15.7e6, "EUR", {"digits": 2}, "€15.70 million"),
        (1_000_000.0, "EUR", {}, "€1.0 million"),
        (999_999.0, "EUR", {}, "€999,999"),
        (42.3e6, "EUR", {"compact": True}, "€42.3m"),
        (540_120.0, "EUR", {"compact": True}, "€0.54m"),
        (1.5e6, "RSD", {}, "RSD 1.5 million"),
        (NAN, "EUR", {}, "undisclosed"),
        (INF, "EUR", {}, "undisclosed"),
        (None, "USD", {}, "undisclosed"),
    ],
)
def test_format_money(value, currency, kwargs, text):
    assert format_money(value, currency, **kwargs) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(42.3e6, "€42.3 million"), (335e6, "€335 million"), (14e6, "€14 million"), (15.75e6, "€15.75 million"),
     (1.2344e6, "€1.234 million"), (540_120.0, "€540,120"), (NAN, "undisclosed")],
)
def test_format_as_written_keeps_the_figures_own_precision(value, text):
    assert format_as_written(value, "EUR") == text


def test_the_date_is_part_of_the_number_as_printed():
    # $335 million: about €323.6 million at January-2025 rates, about €288 million at August-2025 rates.
    assert format_money(335e6 * fx_rate("USD", "EUR", "2025-01").rate, "EUR") == "€323.6 million"
    assert format_money(335e6 * fx_rate("USD", "EUR", "2025-08").rate, "EUR") == "€288.0 million"


@pytest.mark.parametrize(
    ("amount", "currency", "kind", "amount_max", "text"),
    [
        (14e6, "EUR", "approx", NAN, "≈ €14 million"),
        (7.3e6, "EUR", "at_least", NAN, "≥ €7.3 million"),
        (1e6, "EUR", "at_most", NAN, "≤ €1 million"),
        (540_120.0, "EUR", "exact", NAN, "€540,120"),
        (335e6, "USD", "exact", NAN, "$335 million"),
        (1e6, "USD", "range", 2e6, "$1 million – $2 million"),
        (200_000.0, "EUR", "range", 300_000.0, "€200,000 – €300,000"),
        (NAN, "EUR", "undisclosed", NAN, "undisclosed"),
        (None, "", "", NAN, "undisclosed"),
    ],
)
def test_reported_text(amount, currency, kind, amount_max, text):
    assert reported_text(amount, currency, kind, amount_max) == text


def test_table_cells():
    assert money_cell(NAN, "EUR") == "–"
    assert money_cell(None, "EUR") == "–"
    assert money_cell(INF, "EUR") == "open"
    assert money_cell(15.7e6, "EUR") == "€15.70 million"
    assert amount_cell(15.0, "flights", "at_least") == "≥ 15 flights"
    assert amount_cell(3.0, "flights") == "3 flights"
    assert amount_cell(15.7e6, "EUR", "approx", as_written=True) == "≈ €15.7 million"
    assert amount_cell(14.51e6, "EUR") == "€14.51 million"
    assert amount_cell(NAN, "EUR") == "–" and amount_cell(INF, "USD") == "open"


@pytest.mark.parametrize(("value", "unit", "text"), [
    (555_000.0, "EUR", "€560,000"), (599_007.0, "EUR", "€600,000"), (55_000.0, "EUR", "€55,000"),
    (100_000.0, "EUR", "€100,000"),
])
def test_rounded_cell_keeps_two_significant_figures(value, unit, text):
    assert rounded_cell(value, unit) == text


def test_count_of_and_symbol():
    assert count_of(0, "case") == "0 cases" and count_of(1, "case") == "1 case"
    assert count_of(2, "procurement, licence or donation", "procurements, licences or donations") == (
        "2 procurements, licences or donations")
    assert (symbol("EUR"), symbol("USD"), symbol("RSD")) == ("€", "$", "RSD ")
