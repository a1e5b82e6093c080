"""armsledger.present.notebook: what every notebook calls (setup, show_table, show_figure, save_numbers) and
the merge of their numbers (armsledger.pipeline.variables), outside a kernel."""

from __future__ import annotations

import datetime as dt
import json
import math
import types

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
import yaml  # noqa: E402

from armsledger.model.params import ParameterError, Params  # noqa: E402
from armsledger.pipeline import variables  # noqa: E402
from armsledger.present import notebook  # noqa: E402
from armsledger.validate.cache import InvalidData  # noqa: E402
from tests.common import SMALL  # noqa: E402

INF = math.inf


def test_period_bounds():
    params = Params(period_start="2024-02", period_end="2024-03-18")
    assert notebook.period_bounds(params) == (pd.Timestamp("2024-02-01"), pd.Timestamp("2024-03-18"))


def test_show_table_saves_and_displays_the_same_markdown(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(notebook, "display", shown.append)
    params = Params(out_dir=str(tmp_path))
    frame = pd.DataFrame({"_record_id": ["x-1"], "a": ["=1+1"]})
    assert notebook.show_table(frame, params, "t", raw_columns=()) is None
    markdown = (tmp_path / "tables" / "t.md").read_text(encoding="utf-8")
    assert markdown.startswith("| a") and "x-1" not in markdown  # the hidden column is for the download
    assert len(shown) == 1 and shown[0].data == markdown.rstrip("\n")  # one output: the Markdown itself
    download = (tmp_path / "downloads" / "table-t.csv").read_text(encoding="utf-8")
    assert download == "record_id,a\nx-1,'=1+1\n"  # every column, formula-safe


def test_show_figure_displays_the_saved_png_as_the_only_output(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(notebook, "display", shown.append)
    fig, ax = plt.subplots(figsize=(2, 1))
    ax.plot([0, 1], [0, 1])
    notebook.show_figure(fig, Params(out_dir=str(tmp_path)), "f")
    saved = (tmp_path / "figures" / "f.png").read_bytes()
    assert len(shown) == 1 and shown[0].data == saved and saved.startswith(b"\x89PNG")
    assert not plt.fignum_exists(fig.number)  # closed, so the kernel does not display it a second time


def test_parameters_come_from_what_papermill_injected():
    namespace = {"currency": "USD", "include_disputed": "false", "as_of": dt.date(2024, 6, 30),
                 "_private": 1, "np": np, "Params": Params, "helper": lambda: None}
    params = notebook.parameters_from(namespace)
    assert (params.currency, params.include_disputed, params.as_of) == ("USD", False, "2024-06-30")
    # Names IPython itself puts in the namespace are not parameters.
    shell = types.SimpleNamespace(user_ns_hidden={"In": ["x"], "Out": {}, "exit": None})
    assert notebook.parameters_from({"get_ipython": lambda: shell, "In": ["x"], "Out": {}}) == Params()
    with pytest.raises(ParameterError, match=r"unknown parameter\(s\): colour"):
        notebook.parameters_from({"colour": "red"})


def test_setup_validates_and_opens_the_edition(make_ledger, tmp_path):
    params, ledger = notebook.setup({"data_dir": str(SMALL), "min_certainty": "confirmed"}, reads=("transfers",),
                                    within_period=True)
    assert params.min_certainty == "confirmed" and params.data_path == SMALL
    assert set(ledger.records["table"]) == {"transfers"} and set(ledger.records["certainty"]) == {"confirmed"}
    assert ledger.filters["period_start"] == "2023-01"
    bad = make_ledger("bad/type")
    with pytest.raises(InvalidData, match=r"transfers.csv:2:amount: type"):
        notebook.setup({"data_dir": str(bad)})


def test_save_numbers_and_merge(tmp_path):
    params = Params(out_dir=str(tmp_path))
    path = notebook.save_numbers(params, "01-ledger", {"records_total": "51", "name": "Krušik"},
                                 {"records": np.int64(51), "ratio": np.float64(0.5), "gap": math.nan,
                                  "high": INF, "nested": {"b": [1, math.nan], "a": -INF}, "pair": (1, 2)})
    assert path == tmp_path / "fragments" / "01-ledger.json"
    notebook.save_numbers(params, "02-timeline", {"timeline_items": "35"}, {"items": 35})
    var_path, summary_path = variables.merge(tmp_path, extra_variables={"edition": "default"})
    assert var_path == tmp_path / "_variables.yml" and summary_path == tmp_path / "summary.json"
    assert yaml.safe_load(var_path.read_text(encoding="utf-8")) == {
        "records_total": "51", "name": "Krušik", "timeline_items": "35", "edition": "default"}
    assert "Krušik" in var_path.read_text(encoding="utf-8")  # unescaped UTF-8
    summary = json.loads(summary_path.read_text(encoding="utf-8"))
    assert summary == {
        "01-ledger": {"records": 51, "ratio": 0.5, "gap": None, "high": None, "nested": {"a": None, "b": [1, None]},
                      "pair": [1, 2]},
        "02-timeline": {"items": 35},
    }
    assert "NaN" not in summary_path.read_text(encoding="utf-8")
    assert "Infinity" not in summary_path.read_text(encoding="utf-8")


def test_merge_is_deterministic(tmp_path):
    for run in ("a", "b"):
        params = Params(out_dir=str(tmp_path / run))
        notebook.save_numbers(params, "02-x", {"z": "1", "a": "2"}, {"z": 1, "a": [3, 2]})
        notebook.save_numbers(params, "01-y", {"m": "3"}, {"k": {"y": 1, "x": 2}})
        variables.merge(tmp_path / run)
    for name in ("_variables.yml", "summary.json", "fragments/01-y.json", "fragments/02-x.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_a_key_defined_by_two_notebooks_is_an_error(tmp_path):
    params = Params(out_dir=str(tmp_path))
    notebook.save_numbers(params, "01-ledger", {"records_total": "51"}, {})
    notebook.save_numbers(params, "03-values", {"records_total": "7"}, {})
    with pytest.raises(ValueError, match="'records_total' is defined by two notebooks.*03-values"):
        variables.merge(tmp_path)


def test_display_values_must_be_strings(tmp_path):
    with pytest.raises(TypeError, match="records_total"):
        notebook.save_numbers(Params(out_dir=str(tmp_path)), "01-ledger", {"records_total": 51}, {})


def test_merge_without_fragments(tmp_path):
    var_path, summary_path = variables.merge(tmp_path)
    assert yaml.safe_load(var_path.read_text(encoding="utf-8")) == {}
    assert json.loads(summary_path.read_text(encoding="utf-8")) == {}
