"""armsledger.present.charts on the small fixture ledger: what each chart draws and labels, and that a
saved chart is the same bytes twice."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from armsledger.analysis import contracts as contract_values  # noqa: E402
from armsledger.analysis import exports as export_values  # noqa: E402
from armsledger.analysis import inventory, reconcile, timeline  # noqa: E402
from armsledger.present import charts, tables  # noqa: E402

START, END = pd.Timestamp("2023-01-01"), pd.Timestamp("2028-12-31")


def _texts(fig) -> set[str]:
    return {t.get_text() for ax in fig.axes for t in ax.texts}


def test_a_crowded_timeline_lane_is_drawn_without_labels(small):
    items = timeline.build_timeline(small)
    many = pd.concat([items[items["lane"] == "Flights"]] * 20, ignore_index=True)  # > MAX_LABELLED_ITEMS
    assert len(many) > charts.MAX_LABELLED_ITEMS
    fig = charts.timeline_chart(pd.concat([items, many], ignore_index=True), START, END)
    ax = fig.axes[0]
    names = [t.get_text() for t in ax.get_yticklabels()]
    assert f"Flights\n{len(many) + (items['lane'] == 'Flights').sum():,} items, unlabelled" in names
    assert "Contracts" in names  # a lane with few items keeps its labels
    labels = _texts(fig)
    assert not any("flight" in label and "→" in label for label in labels)
    shown = tables.timeline_items(items)
    assert any(label in labels for label in shown[shown["lane"] == "Contracts"]["label"])
    plt.close(fig)


def test_a_record_known_only_by_a_date_is_drawn_at_it(items):
    view = tables.timeline_items(items).set_index("record_id").loc["small-view-2024"]
    assert pd.isna(view["earliest"]) and view["latest"] == pd.Timestamp("2024-11-30")
    fig = charts.timeline_chart(items, START, END)
    assert f"by Nov 2024: {view['label']}" in _texts(fig)
    plt.close(fig)


def test_every_chart_draws_on_the_fixture_and_on_nothing(small, in_period):
    exports = export_values.customs_exports(in_period, "EUR")
    totals = export_values.published_totals(in_period, "EUR")
    figures = {
        "timeline": charts.timeline_chart(timeline.build_timeline(in_period), START, END),
        "exports": charts.exports_chart(exports, export_values.year_to_date(totals), "EUR", START,
                                        export_values.last_dated_month(exports, totals)),
        "reconciliation": charts.reconciliation_chart(reconcile.reconcile(in_period, "EUR"), "EUR"),
        "coverage": charts.coverage_chart(inventory.coverage_by_month(small, START, pd.Timestamp("2024-12-31"))),
        "empty timeline": charts.timeline_chart(timeline.build_timeline(small).iloc[:0], START, END),
        "empty exports": charts.exports_chart(exports.iloc[:0], totals.iloc[:0], "EUR", START, END),
        "empty reconciliation": charts.reconciliation_chart(reconcile.reconcile(in_period, "EUR").iloc[:0], "EUR"),
        "nothing": charts.empty_chart("Nothing to draw."),
    }
    for name, fig in figures.items():  # saving is left to the next test and the notebooks (0.5 s a PNG)
        assert fig.axes and fig.get_size_inches()[0] == charts.WIDTH_IN, name
        plt.close(fig)
    assert contract_values.largest(contract_values.contract_values(in_period, "EUR")) is not None


def test_a_saved_chart_is_the_same_bytes_twice(small, tmp_path):
    coverage = inventory.coverage_by_month(small, START, pd.Timestamp("2024-12-31"))
    first = charts.save(charts.coverage_chart(coverage), tmp_path / "a.png").read_bytes()
    second = charts.save(charts.coverage_chart(coverage), tmp_path / "b.png").read_bytes()
    assert first.startswith(b"\x89PNG")
    plt.close("all")
    assert first == second
    assert b"Software" not in first[:400] and b"matplotlib" not in first[:400].lower()  # no time-stamped metadata
