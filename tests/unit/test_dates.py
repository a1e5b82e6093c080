"""EDTF parsing (armsledger.model.dates): strict bounds, precision, flags, open ends, rejections; and the
English labels armsledger.present.format.period_label gives them."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from armsledger.model.dates import EDTFError, date_columns, is_valid_edtf, parse_edtf
from armsledger.present.format import period_label

D = dt.date


@pytest.mark.parametrize(
    ("text", "earliest", "latest", "precision", "approximate", "uncertain"),
    [
        ("2024-02-05", D(2024, 2, 5), D(2024, 2, 5), "day", False, False),
        ("2024-03", D(2024, 3, 1), D(2024, 3, 31), "month", False, False),
        ("2024-02", D(2024, 2, 1), D(2024, 2, 29), "month", False, False),  # leap year
        ("2023-02", D(2023, 2, 1), D(2023, 2, 28), "month", False, False),
        ("2025", D(2025, 1, 1), D(2025, 12, 31), "year", False, False),
        # Strict bounds: the edtf package's fuzzy padding never leaks into earliest/latest.
        ("2024-11~", D(2024, 11, 1), D(2024, 11, 30), "month", True, False),
        ("2024?", D(2024, 1, 1), D(2024, 12, 31), "year", False, True),
        ("2024-03?", D(2024, 3, 1), D(2024, 3, 31), "month", False, True),
        ("2024-03%", D(2024, 3, 1), D(2024, 3, 31), "month", True, True),
        ("2025-01/2028-06", D(2025, 1, 1), D(2028, 6, 30), "interval", False, False),
        ("2025-01/2028-06~", D(2025, 1, 1), D(2028, 6, 30), "interval", True, False),
        ("2024-01/2024-06?", D(2024, 1, 1), D(2024, 6, 30), "interval", False, True),
        ("2024-07-21/2024-07-22", D(2024, 7, 21), D(2024, 7, 22), "interval", False, False),
        ("{2024-02,2024-03,2024-05}", D(2024, 2, 1), D(2024, 5, 31), "set", False, False),
        ("[2024-02,2024-03]", D(2024, 2, 1), D(2024, 3, 31), "set", False, False),
        # Unspecified digits widen the bounds, and the precision follows the bounds.
        ("2024-XX", D(2024, 1, 1), D(2024, 12, 31), "year", False, False),
        ("2024-03-XX", D(2024, 3, 1), D(2024, 3, 31), "month", False, False),
    ],
)
def test_strict_bounds_and_precision(text, earliest, latest, precision, approximate, uncertain):
    rng = parse_edtf(text)
    assert (rng.earliest, rng.latest, rng.precision) == (earliest, latest, precision)
    assert (rng.approximate, rng.uncertain) == (approximate, uncertain)
    assert rng.text == text


@pytest.mark.parametrize(
    ("text", "earliest", "latest"),
    [
        ("../2025-02-28", None, D(2025, 2, 28)),
        ("2024-01/..", D(2024, 1, 1), None),
        ("../2025-01", None, D(2025, 1, 31)),
    ],
)
def test_open_ends_stay_open(text, earliest, latest):
    rng = parse_edtf(text)
    assert (rng.earliest, rng.latest, rng.precision) == (earliest, latest, "interval")


def test_open_end_contains_everything_on_its_open_side():
    rng = parse_edtf("../2025-02-28")
    assert rng.contains(D(1900, 1, 1))
    assert rng.contains(D(2025, 2, 28))
    assert not rng.contains(D(2025, 3, 1))
    # An open range covers nothing as `other`: its extent is unknown.
    assert not parse_edtf("2024").covers(rng)


@pytest.mark.parametrize("text", ["2024-01/", "/2024-01", "2024-03-18/"])
def test_empty_interval_end_is_rejected(text):
    with pytest.raises(EDTFError, match=r"empty interval end.*'\.\.'"):
        parse_edtf(text)


@pytest.mark.parametrize("text", ["2024-05/2024-01", "2025/2024", "2024-03-18/2024-03-17"])
def test_unordered_interval_is_rejected(text):
    with pytest.raises(EDTFError, match="ends before it starts"):
        parse_edtf(text)


@pytest.mark.parametrize("text", ["", "   ", "nonsense", "2024-02-30", "2024-13", "14m", "March 2024", "2024/03/18"])
def test_invalid_is_rejected(text):
    with pytest.raises(EDTFError):
        parse_edtf(text)
    assert not is_valid_edtf(text)


def test_valid_is_valid():
    assert is_valid_edtf("2024-03")
    assert is_valid_edtf("{2024-02,2024-03,2024-05}")


def test_set_members_and_membership():
    rng = parse_edtf("{2024-02,2024-03,2024-05}")
    assert [m.text for m in rng.members] == ["2024-02", "2024-03", "2024-05"]
    assert rng.contains(D(2024, 3, 10))
    assert not rng.contains(D(2024, 4, 10))  # April is inside the bounds but not in the set
    assert rng.covers(parse_edtf("2024-05"))
    assert not rng.covers(parse_edtf("2024-04"))
    assert not rng.covers(parse_edtf("2024-03/2024-04"))


def test_a_set_with_a_consecutive_run():
    rng = parse_edtf("{2023-10,2024-02..2024-03}")
    assert [m.text for m in rng.members] == ["2023-10", "2024-02/2024-03"]
    assert rng.contains(D(2024, 3, 10)) and not rng.contains(D(2024, 1, 10))
    assert period_label("{2024-02..2024-04}") == "Feb–Apr 2024"
    earlier = parse_edtf("[..2024-03]")
    assert (earlier.earliest, earlier.latest) == (None, D(2024, 3, 31))


def test_interval_covers_and_contains():
    rng = parse_edtf("2024-01/2024-07")
    assert rng.covers(parse_edtf("2024-03"))
    assert rng.covers(parse_edtf("2024-07-31"))
    assert not rng.covers(parse_edtf("2024-07/2024-08"))
    assert rng.contains(D(2024, 1, 1)) and not rng.contains(D(2023, 12, 31))


def test_daterange_is_hashable_and_frozen():
    rng = parse_edtf("2024-03")
    assert {rng: "March"}[parse_edtf("2024-03")] == "March"  # equal ranges hash alike (parse cache keys)
    with pytest.raises(AttributeError):
        rng.earliest = D(2020, 1, 1)  # type: ignore[misc]


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("2024-03-18", "18 Mar 2024"),
        ("2024-03", "Mar 2024"),
        ("2024", "2024"),
        ("2024-01/2024-07", "Jan–Jul 2024"),
        ("2025-01/2028-06", "Jan 2025–Jun 2028"),
        ("2025-01/2028-06~", "Jan 2025–Jun 2028 (approx.)"),
        ("2023-03/2023-04", "Mar–Apr 2023"),
        ("2004/2007", "2004–2007"),
        ("2024-07-21/2024-07-22", "21–22 Jul 2024"),
        ("2024-12-30/2025-01-02", "30 Dec 2024–2 Jan 2025"),
        ("{2024-02,2024-03,2024-05}", "Feb + Mar + May 2024"),
        ("2024-11~", "about Nov 2024"),
        ("2024?", "2024?"),
        ("2024-03%", "about Mar 2024?"),
        ("../2025-02-28", "by 28 Feb 2025"),
        ("2024-01/..", "from Jan 2024"),
    ],
)
def test_period_label(text, label):
    assert period_label(text) == label


def test_period_label_rejects_invalid():
    with pytest.raises(EDTFError):
        period_label("2024-05/2024-01")


def test_date_columns_blank_and_open_become_nat():
    values = pd.Series(["2024-03", "", None, "../2025-01", "2024-01/2024-07"], index=[10, 11, 12, 13, 14])
    frame = date_columns(values, prefix="d_")
    assert list(frame.columns) == ["d_earliest", "d_latest", "d_precision"]
    assert list(frame.index) == [10, 11, 12, 13, 14]
    assert frame.loc[10, "d_earliest"] == pd.Timestamp("2024-03-01")
    assert frame.loc[10, "d_latest"] == pd.Timestamp("2024-03-31")
    assert frame.loc[11].isna().all() and frame.loc[12].isna().all()
    assert pd.isna(frame.loc[13, "d_earliest"]) and frame.loc[13, "d_latest"] == pd.Timestamp("2025-01-31")
    assert frame.loc[14, "d_precision"] == "interval"
    assert str(frame["d_earliest"].dtype).startswith("datetime64")


def test_date_columns_raise_on_bad_value():
    with pytest.raises(EDTFError):
        date_columns(pd.Series(["2024-03", "2024-05/2024-01"]))


def _plain_dates() -> list[str]:
    """Plain dates and intervals, valid and not: month 00/13, day 00/29/30/31/32, reversed intervals."""
    singles = []
    for year in (1000, 2023, 2024, 2100, 9999):
        singles.append(str(year))
        for month in (0, 1, 2, 4, 12, 13):
            singles.append(f"{year}-{month:02d}")
            singles += [f"{year}-{month:02d}-{day:02d}" for day in (0, 1, 28, 29, 30, 31, 32)]
    return singles + [f"{a}/{b}" for a, b in zip(singles, reversed(singles), strict=True)] + [
        "2024-01/2024-07", "2024/2025-03-04", "2024-03-05/2024-03-05", "2024-05/2024-01", "0999", "2024-1"]


def test_the_fast_path_for_plain_dates_agrees_with_the_edtf_parser():
    from armsledger.model.dates import _parse_full, _parse_simple

    checked = 0
    for text in _plain_dates():
        fast = _parse_simple(text)
        if fast is None:
            continue  # left to the full parser
        checked += 1
        assert _parse_full(text) == fast, text
    assert checked > 100
    assert _parse_simple("2023-02-29") is None  # edtf clamps it to the 28th; the fast path does not guess
    assert _parse_simple("2024-05/2024-01") is None  # so that the full parser says what is wrong
    assert _parse_simple("2024-03~") is None and _parse_simple("{2024-02,2024-03}") is None


def test_date_columns_derive_each_distinct_value_once():
    values = pd.Series(["2024-03", "2024-03", "", "2024-03"] * 3)
    frame = date_columns(values)
    assert (frame["precision"].dropna() == "month").all() and frame["earliest"].isna().sum() == 3
