"""armsledger.model.fx: dated ECB conversion and value bounds by amount kind."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from armsledger.model.fx import CURRENCIES, FXError, convert_values, fx_rate, is_missing, value_bounds

NAN = math.nan
INF = math.inf


# --------------------------------------------------------------------------- daily rates


def test_usd_eur_on_a_business_day_is_the_inverse_of_the_ecb_quote():
    # ECB reference rate on Monday 6 January 2025: 1 EUR = 1.0426 USD.
    usd_eur = fx_rate("USD", "EUR", "2025-01-06")
    assert usd_eur.rate == pytest.approx(1 / 1.0426, rel=1e-12)
    assert (usd_eur.source, usd_eur.target, usd_eur.fx_date, usd_eur.days) == ("USD", "EUR", "2025-01-06", 1)
    assert fx_rate("EUR", "USD", "2025-01-06").rate == pytest.approx(1.0426, rel=1e-12)


@pytest.mark.parametrize("day", ["2025-01-04", "2025-01-05"])
def test_weekend_falls_back_to_the_previous_business_day(day):
    # Saturday and Sunday use Friday 3 January 2025 (1 EUR = 1.0299 USD).
    rate = fx_rate("EUR", "USD", day)
    assert rate.fx_date == "2025-01-03"
    assert rate.rate == pytest.approx(1.0299, rel=1e-12)
    assert fx_rate("USD", "EUR", day).rate == pytest.approx(1 / 1.0299, rel=1e-12)


def test_new_year_holiday_falls_back_to_the_last_rate_of_the_old_year():
    # 1 January is a TARGET holiday; 31 December 2024 has a rate (1.0389).
    rate = fx_rate("EUR", "USD", "2025-01-01")
    assert rate.fx_date == "2024-12-31"
    assert rate.rate == pytest.approx(1.0389, rel=1e-12)


# --------------------------------------------------------------------------- means


def test_january_2025_mean():
    eur_usd = fx_rate("EUR", "USD", "2025-01")
    # The ECB's published monthly average for January 2025 is 1.0354 (22 fixing days).
    assert eur_usd.rate == pytest.approx(1.0354, abs=5e-5)
    assert eur_usd.days == 22
    assert eur_usd.fx_date == "2025-01"


@pytest.mark.parametrize("when", ["2025-01-06", "2025-01-04", "2025-01", "2024", "2024-01/2024-07",
                                  "{2024-02,2024-03,2024-05}", "2024-11~"])
def test_round_trip_is_exactly_one(when):
    there = fx_rate("EUR", "USD", when).rate
    back = fx_rate("USD", "EUR", when).rate
    assert there * back == pytest.approx(1.0, abs=1e-12)


def test_the_date_is_part_of_the_number():
    # $335 million: about €323.6 million at January-2025 rates, about €288 million at August-2025 rates.
    january = 335e6 * fx_rate("USD", "EUR", "2025-01").rate
    august = 335e6 * fx_rate("USD", "EUR", "2025-08").rate
    assert january == pytest.approx(323.6e6, abs=0.1e6)
    assert august == pytest.approx(288.0e6, abs=0.5e6)


def test_set_mean_is_the_mean_over_its_days():
    months = ["2024-02", "2024-03", "2024-05"]
    per_month = [fx_rate("EUR", "USD", m) for m in months]
    combined = fx_rate("EUR", "USD", "{2024-02,2024-03,2024-05}")
    assert combined.days == sum(r.days for r in per_month) == 63
    weighted = sum(r.rate * r.days for r in per_month) / combined.days
    assert combined.rate == pytest.approx(weighted, rel=1e-12)
    # April is not in the set, so the set mean is not the Feb–May interval mean.
    assert combined.rate != pytest.approx(fx_rate("EUR", "USD", "2024-02/2024-05").rate, rel=1e-9)


def test_unspecified_day_uses_the_month_mean_not_the_first_day():
    assert fx_rate("USD", "EUR", "2024-03-XX").rate == pytest.approx(fx_rate("USD", "EUR", "2024-03").rate)
    assert fx_rate("USD", "EUR", "2024-03-XX").days == 20


def test_year_mean_counts_business_days():
    rate = fx_rate("EUR", "USD", "2024")
    assert 250 <= rate.days <= 260
    assert rate.rate == pytest.approx(1.0824, abs=5e-4)  # ECB annual average 2024


def test_same_currency_is_identity():
    rate = fx_rate("EUR", "EUR", "2024-03")
    assert (rate.rate, rate.days) == (1.0, 0)


@pytest.mark.parametrize(
    ("source", "target", "when", "message"),
    [
        ("XYZ", "EUR", "2024-03", "no rate for XYZ"),
        ("USD", "EUR", "1990", "no ECB USD rates"),
        ("USD", "EUR", "1990-05-04", "within a week"),
    ],
)
def test_fx_errors(source, target, when, message):
    with pytest.raises(FXError, match=message):
        fx_rate(source, target, when)


# --------------------------------------------------------------------------- bounds


@pytest.mark.parametrize(
    ("amount", "amount_max", "kind", "expected"),
    [
        (100.0, NAN, "exact", (100.0, 100.0, 100.0)),
        (100.0, NAN, "approx", (100.0, 100.0, 100.0)),
        (100.0, NAN, "at_least", (100.0, 100.0, INF)),
        (100.0, NAN, "at_most", (100.0, 0.0, 100.0)),
        (100.0, 250.0, "range", (NAN, 100.0, 250.0)),
        (100.0, NAN, "", (100.0, 100.0, 100.0)),  # a bare amount is exact
        (NAN, NAN, "undisclosed", (NAN, 0.0, INF)),
        (NAN, NAN, "", (NAN, 0.0, INF)),  # no amount, no kind: undisclosed
        (None, None, "exact", (NAN, 0.0, INF)),  # blank amount never becomes 0
    ],
)
def test_value_bounds(amount, amount_max, kind, expected):
    got = value_bounds(amount, amount_max, kind)
    assert len(got) == 3
    for value, want in zip(got, expected, strict=True):
        if math.isnan(want):
            assert math.isnan(value)
        else:
            assert value == want


def test_a_range_is_never_collapsed():
    point, low, high = value_bounds(200_000.0, 300_000.0, "range")
    assert math.isnan(point)
    assert (low, high) == (200_000.0, 300_000.0)


# --------------------------------------------------------------------------- convert_values


def test_convert_values_columns_and_bounds():
    frame = pd.DataFrame({
        "amount": [335e6, 7.3e6, NAN, 200_000.0, 1_000.0],
        "amount_max": [NAN, NAN, NAN, 300_000.0, NAN],
        "amount_kind": ["exact", "at_least", "undisclosed", "range", "exact"],
        "currency": ["USD", "EUR", "", "USD", "EUR"],
        "value_date": ["2025-01", "2024-07", "", "2025-01-06", "2024-03"],
    }, index=[5, 6, 7, 8, 9])
    out = convert_values(frame, "EUR")
    assert list(out.columns) == ["value_eur", "value_low_eur", "value_high_eur", "fx_rate_eur", "fx_date_eur"]
    assert list(out.index) == [5, 6, 7, 8, 9]
    jan = fx_rate("USD", "EUR", "2025-01").rate
    assert out.loc[5, "value_eur"] == pytest.approx(335e6 * jan)
    assert out.loc[5, "value_low_eur"] == out.loc[5, "value_high_eur"] == out.loc[5, "value_eur"]
    assert (out.loc[5, "fx_rate_eur"], out.loc[5, "fx_date_eur"]) == (jan, "2025-01")
    # at_least keeps an open high
    assert (out.loc[6, "value_eur"], out.loc[6, "value_low_eur"], out.loc[6, "value_high_eur"]) == (7.3e6, 7.3e6, INF)
    assert out.loc[6, "fx_rate_eur"] == 1.0
    # undisclosed: unknown point, bounds 0..inf, no rate
    assert math.isnan(out.loc[7, "value_eur"]) and out.loc[7, "value_low_eur"] == 0.0
    assert out.loc[7, "value_high_eur"] == INF
    assert math.isnan(out.loc[7, "fx_rate_eur"]) and pd.isna(out.loc[7, "fx_date_eur"])
    # range: both ends converted at the day's rate, no point value
    day = 1 / 1.0426
    assert math.isnan(out.loc[8, "value_eur"])
    assert out.loc[8, "value_low_eur"] == pytest.approx(200_000 * day)
    assert out.loc[8, "value_high_eur"] == pytest.approx(300_000 * day)
    assert out.loc[8, "fx_date_eur"] == "2025-01-06"

    usd = convert_values(frame, "USD")
    assert usd.loc[5, "value_usd"] == pytest.approx(335e6)
    assert usd.loc[9, "value_usd"] == pytest.approx(1_000 * fx_rate("EUR", "USD", "2024-03").rate)


def test_convert_values_needs_a_date_for_an_amount():
    frame = pd.DataFrame({"amount": [5.0], "amount_max": [NAN], "amount_kind": ["exact"], "currency": ["USD"],
                          "value_date": [""]})
    with pytest.raises(FXError, match="no date"):
        convert_values(frame, "EUR")


def test_convert_values_custom_date_column():
    frame = pd.DataFrame({"amount": [1.0], "amount_max": [NAN], "amount_kind": ["exact"], "currency": ["USD"],
                          "when": ["2025-01-06"]})
    out = convert_values(frame, "EUR", date_column="when")
    assert out.loc[0, "value_eur"] == pytest.approx(1 / 1.0426)


def test_currencies_and_missing_amounts():
    assert CURRENCIES == ("EUR", "USD")
    assert is_missing(None) and is_missing(NAN) and is_missing(pd.NA)
    assert not is_missing(0.0) and not is_missing("") and not is_missing(INF)


def test_an_open_ended_value_date_converts_at_its_known_end():
    assert fx_rate("USD", "EUR", "../2024-03").rate == fx_rate("USD", "EUR", "2024-03").rate
    assert fx_rate("USD", "EUR", "2024-01/..").rate == fx_rate("USD", "EUR", "2024-01").rate
    assert fx_rate("USD", "EUR", "2025~/..").rate == fx_rate("USD", "EUR", "2025").rate
