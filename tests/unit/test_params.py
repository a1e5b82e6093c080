"""armsledger.model.params: the parameters an edition takes, their coercion from papermill, YAML and the
command line, and the edition files (flat: parameters at the top level, so `papermill -f` reads them)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml

from armsledger import paths
from armsledger.model.params import Edition, ParameterError, Params, edition_names, load_edition
from tests.common import EDITIONS, SMALL


def test_the_editions():
    assert edition_names() == ["as-of-2024-06", "default-2025-02", "latest", "usd-confirmed"]
    usd = load_edition("usd-confirmed")
    assert isinstance(usd, Edition) and usd.name == "usd-confirmed"
    assert (usd.params.currency, usd.params.min_certainty, usd.params.include_disputed) == ("USD", "confirmed", False)
    assert usd.title == usd.params.title == "Confirmed records, in US dollars"
    assert usd.description.startswith("Only records the certainty rules grade confirmed")
    assert load_edition("as-of-2024-06").params.as_of == "2024-06-30"
    assert load_edition("default-2025-02").params.as_of == "2025-02-28"
    known = "as-of-2024-06, default-2025-02, latest, usd-confirmed"
    with pytest.raises(ParameterError, match=f"no edition 'nope'; known: {known}"):
        load_edition("nope")


@pytest.mark.parametrize("name", edition_names())
def test_edition_files_are_flat_parameter_files(name):
    """`papermill -f report/editions/<name>.yml` reads the same file: every key is a parameter."""
    spec = yaml.safe_load((EDITIONS / f"{name}.yml").read_text(encoding="utf-8"))
    assert set(spec) <= set(Params.names()) and {"title", "description"} <= set(spec)
    assert load_edition(name).params == Params.from_mapping(spec)


def test_defaults_are_the_latest_edition():
    params = Params()
    assert (params.as_of, params.currency, params.min_certainty) == ("", "EUR", "possible")
    assert params.include_disputed is True
    assert params.title == "Latest edition"
    assert params.data_path == paths.DATA and params.out_path == paths.BUILD / "scratch"
    assert Params(data_dir=str(SMALL)).data_path == SMALL
    assert Params(out_dir="/tmp/x").out_path == Path("/tmp/x")
    assert Params().period_years == ("2023", "2024", "2025", "2026", "2027", "2028")
    assert Params(period_start="2024-11", period_end="2025-01").period_years == ("2024", "2025")
    assert Params.names() == ("title", "description", "as_of", "currency", "min_certainty", "include_disputed",
                              "period_start", "period_end", "data_dir", "out_dir")
    assert Params().as_dict()["currency"] == "EUR"


@pytest.mark.parametrize(
    ("mapping", "message"),
    [
        ({"currency": "GBP"}, "parameter currency: must be one of EUR, USD, got 'GBP'"),
        ({"min_certainty": "certain"}, "parameter min_certainty: must be one of confirmed, probable, possible, "
                                       "got 'certain'"),
        ({"as_of": "30 June 2024"}, "parameter as_of: '30 June 2024' is not a valid EDTF date"),
        ({"period_end": "2024-05/2024-01"}, "parameter period_end: '2024-05/2024-01' ends before it starts"),
        ({"colour": "red"}, "unknown parameter(s): colour; known: title, description, as_of, currency, "
                            "min_certainty, include_disputed, period_start, period_end, data_dir, out_dir"),
        ({"colour": "red", "size": 3}, "unknown parameter(s): colour, size;"),
        ({"include_disputed": "maybe"}, "parameter include_disputed: expected true or false, got 'maybe'"),
        ({"include_disputed": 1}, "parameter include_disputed: expected true or false, got 1"),
        ({"currency": 5}, "parameter currency: expected text, got 5"),
        ({"as_of": 2024.5}, "parameter as_of: expected text, got 2024.5"),
    ],
)
def test_a_bad_parameter_is_refused_naming_it(mapping, message):
    with pytest.raises(ParameterError) as info:
        Params.from_mapping(mapping)
    assert str(info.value).startswith(message)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ({"include_disputed": "false"}, {"include_disputed": False}),  # papermill -p include_disputed false
        ({"include_disputed": "False"}, {"include_disputed": False}),
        ({"include_disputed": " no "}, {"include_disputed": False}),
        ({"include_disputed": "true"}, {"include_disputed": True}),
        ({"include_disputed": "on"}, {"include_disputed": True}),
        ({"include_disputed": False}, {"include_disputed": False}),
        ({"as_of": dt.date(2024, 6, 30)}, {"as_of": "2024-06-30"}),  # an unquoted date in YAML
        ({"period_start": 2024}, {"period_start": "2024"}),  # an unquoted year
        ({"data_dir": None}, {"data_dir": ""}),  # a blank YAML value
    ],
)
def test_loose_values_are_coerced(given, expected):
    params = Params.from_mapping(given)
    assert {name: getattr(params, name) for name in expected} == expected


def test_the_dataclass_itself_is_typed():
    """Params(...) refuses a string for a flag: only from_mapping reads "false" as False."""
    with pytest.raises(ParameterError, match="parameter include_disputed: expected bool, got 'false'"):
        Params(include_disputed="false")  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="parameter currency: expected str"):
        Params(currency=None)  # type: ignore[arg-type]


def test_a_malformed_edition_file_names_the_file(tmp_path):
    (tmp_path / "list.yml").write_text("- as_of\n", encoding="utf-8")
    (tmp_path / "typo.yml").write_text("title: T\ncurrenzy: EUR\n", encoding="utf-8")
    (tmp_path / "empty.yml").write_text("", encoding="utf-8")
    assert edition_names(tmp_path) == ["empty", "list", "typo"]
    with pytest.raises(ParameterError, match="list.yml: an edition is a mapping of parameters"):
        load_edition("list", tmp_path)
    with pytest.raises(ParameterError, match=r"typo.yml: unknown parameter\(s\): currenzy"):
        load_edition("typo", tmp_path)
    assert load_edition("empty", tmp_path).params == Params()
