"""armsledger.present.charts and .figures on the small fixture ledger: one test per rule of the chart
critique — titles computed from the data, a source line naming the lines of reporting, no text under
9 pt, a narrower phone variant, undisclosed values off the zero line, converted copies not drawn, the
timeline ending at the edition's horizon, labels that never overlap, `$` printed as written — and
that a saved chart is the same bytes twice."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import html  # noqa: E402
import re  # noqa: E402

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from armsledger.analysis import contracts as contract_values  # noqa: E402
from armsledger.analysis import exports as export_values  # noqa: E402
from armsledger.analysis import halts, inventory, reconcile, timeline  # noqa: E402
from armsledger.analysis.reporting import lines_of_reporting, supporting_roots  # noqa: E402
from armsledger.analysis.routes import Place, flight_routes  # noqa: E402
from armsledger.present import chart_text, chartkit, charts, figures, tables  # noqa: E402
from armsledger.present.pngmeta import META_MIN_PT, META_WIDTH_IN, png_text, rendered_px  # noqa: E402

START, END = pd.Timestamp("2023-01-01"), pd.Timestamp("2028-12-31")
FIXTURE_PLACES = {"BEG": Place("Belgrade (BEG)", 44.8184, 20.3091),
                  "Fixture base": Place("Fixture base", 31.2083, 35.0123, "air base")}


def _texts(fig) -> list[str]:
    return [t.get_text() for t in chartkit.texts(fig)]


@pytest.fixture(scope="module")
def drawn(small, in_period):
    """Every figure of the report on the fixture, both widths (drawn once for the module)."""
    exports = export_values.customs_exports(in_period, "EUR")
    totals = export_values.published_totals(in_period, "EUR")
    items = timeline.build_timeline(in_period)
    stopped = halts.halts(in_period)
    out = {
        "timeline": figures.timeline(in_period, items, START, END, stopped, halts.flows_during(in_period, stopped)),
        "exports-monthly": figures.exports_monthly(in_period, exports, totals, "EUR", START,
                                                   export_values.last_dated_month(exports, totals)),
        "exports-by-year": figures.exports_by_year(in_period, exports, totals, "EUR"),
        "reconciliation": figures.reconciliation(in_period, reconcile.reconcile(in_period, "EUR"), "EUR"),
        "coverage": figures.coverage(small, inventory.coverage_by_month(small, START, pd.Timestamp("2024-12-31"))),
        "delivery-windows": figures.delivery_windows(in_period, contract_values.contract_values(in_period, "EUR"),
                                                     "EUR"),
        "routes": figures.routes(in_period, FIXTURE_PLACES),
        "surveillance": figures.surveillance(small, items[items["lane"] == "Surveillance"], START, END),
    }
    yield out
    for chart in out.values():
        chart.close()


# ----------------------------------------------------------------------------- 1. titles and source lines


def test_titles_state_the_finding_in_the_editions_numbers(in_period):
    exports = export_values.customs_exports(in_period, "EUR")
    years = export_values.by_year(exports).set_index("year")
    title = chart_text.exports_title(exports, "EUR")
    first, last = years.index.min(), years.index.max()
    assert str(first) in title and str(last) in title
    assert f"{years.at[last, 'reported_sum'] / 1e6:.1f} million" in title  # computed, not typed
    assert "at least" in title  # the fixture's 2024 has undisclosed rows: the sum is a lower bound
    doubled = exports.assign(value=exports["value"] * 2)
    assert chart_text.exports_title(doubled, "EUR") != title
    assert chart_text.exports_title(exports.iloc[:0], "EUR") == "Customs-recorded exports by month"  # plain


def test_every_chart_carries_its_title_and_a_source_line(drawn):
    for name, chart in drawn.items():
        for fig in (chart.wide, chart.narrow):
            text = " ".join(_texts(fig))
            assert chart.title.split()[0] in text, name
            assert "Sources:" in text and "chart: armsledger" in text, name
        assert chart.alt.startswith(chart.title), name


def test_the_source_line_names_the_roots_and_their_relays(in_period):
    ids = set(export_values.customs_exports(in_period, "EUR")["record_id"])
    lines = lines_of_reporting(in_period, ids)
    line = chart_text.source_line(lines)
    # small-orig (Fixture Investigations) is known through republications as well as read itself
    assert "Fixture Investigations" in line
    roots = set(lines["root"])
    assert "small-rep-4" not in roots and "small-orig" in roots  # a republication of a republication → root
    relayed = lines.set_index("root").loc["small-orig", "relay_publishers"]
    assert relayed and relayed[0].startswith("Fixture Echo")
    assert line.endswith("chart: armsledger.")


def test_years_as_published_lead_with_the_headline_and_keep_the_others(in_period):
    exports = export_values.customs_exports(in_period, "EUR")
    totals = export_values.published_totals(in_period, "EUR")
    view = export_values.years_as_published(totals, exports)
    heads = view[view["role"] == "headline"]
    assert list(heads["aggregate_id"]) == list(export_values.yearly_headlines(totals)["aggregate_id"])
    assert set(view.loc[view["role"] == "ledger", "year"]) <= set(view["year"])
    title = chart_text.years_title(view, "EUR")
    assert "million" in title and heads["year"].iloc[-1] in title


def test_a_year_without_published_totals_still_shows_the_ledgers_sum(in_period):
    exports = export_values.customs_exports(in_period, "USD")
    totals = export_values.published_totals(in_period, "USD")
    view = export_values.years_as_published(totals.iloc[:0], exports)  # an edition whose totals are all filtered out
    assert set(view["role"]) == {"ledger"} and len(view) == exports["earliest"].dt.year.nunique()
    title = chart_text.years_title(view, "USD")
    assert title.startswith("No published yearly total passes this edition's filters")
    assert "$" in title and "€" not in title and "million" in title


# ----------------------------------------------------------------------------- 2. legibility and widths


def test_no_chart_text_under_9_pt_at_either_width(drawn):
    for name, chart in drawn.items():
        for fig in (chart.wide, chart.narrow):
            assert chartkit.smallest_font(fig) >= chartkit.MIN_PT, name


def test_a_narrow_variant_exists_and_is_narrower(drawn):
    for name, chart in drawn.items():
        assert chart.wide.get_size_inches()[0] == pytest.approx(chartkit.WIDE_IN), name
        assert chart.narrow is not None and chart.narrow.get_size_inches()[0] == pytest.approx(chartkit.NARROW_IN)


def test_pngs_say_their_smallest_font_and_width_and_read_at_least_9px(drawn):
    chart = drawn["exports-monthly"]
    wide, narrow = chartkit.png_bytes(chart.wide), chartkit.png_bytes(chart.narrow)
    assert png_text(wide)[META_WIDTH_IN] == "6.7" and float(png_text(wide)[META_MIN_PT]) >= 9
    assert png_text(narrow)[META_WIDTH_IN] == "3.6"
    assert rendered_px(wide, 782) >= 9  # the report's column at 1366 px
    assert rendered_px(narrow, 364) >= 9  # a 390 px phone
    assert rendered_px(wide, 364) < 9  # what the narrow variant is for


def test_a_chart_with_small_text_is_refused():
    fig = charts.empty_chart("x")
    fig.axes[0].text(0.5, 0.5, "tiny", fontsize=6)
    with pytest.raises(chartkit.IllegibleChart):
        chartkit.png_bytes(fig)
    plt.close(fig)


def test_the_picture_serves_the_narrow_chart_to_phones_with_the_alt_on_the_img():
    markup = figures.picture_html(b"wide", b"narrow", 'Rose "sharply" <fast> & $1m')
    assert markup.startswith('<picture class="chart"><source media="(max-width: 40rem)"')
    source, img = re.search(r'srcset="([^"]+)"', markup).group(1), re.search(r'<img src="([^"]+)"', markup).group(1)
    assert source.endswith("bmFycm93") and img.endswith("d2lkZQ==")  # base64 of narrow / wide
    alt = re.search(r'alt="([^"]*)"', markup).group(1)
    assert html.unescape(alt) == 'Rose "sharply" <fast> & $1m' and "<fast>" not in alt


# ----------------------------------------------------------------------------- 3. marks


def test_undisclosed_values_are_drawn_off_the_zero_line(in_period):
    exports = export_values.customs_exports(in_period, "EUR")
    undisclosed = exports[exports["value"].isna() & exports["earliest"].notna()]
    assert len(undisclosed) >= 1
    fig = charts.exports_chart(exports, exports.iloc[:0].reindex(columns=export_values.TOTAL_COLUMNS), "EUR",
                               START, export_values.last_dated_month(exports, exports.iloc[:0]))
    strip, bars = fig.axes[1], fig.axes[2]
    hatched = [p for p in strip.patches if isinstance(p, Rectangle) and p.get_hatch()]
    assert len(hatched) == len(undisclosed)
    # In the value panel, every bar has a height: nothing sits on the zero line for a missing value.
    assert all(p.get_height() > 0 for p in bars.patches if isinstance(p, Rectangle))
    assert len([p for p in bars.patches if isinstance(p, Rectangle)]) == exports["value"].notna().sum()
    plt.close(fig)


def test_certainty_fills_are_the_same_for_dots_and_bars():
    for tier in chartkit.CERTAINTY_ORDER:
        style = chartkit.certainty_fill(tier, "#123456")
        assert set(style) == {"facecolor", "edgecolor", "hatch"}
    assert chartkit.certainty_fill("disputed", "#123456")["hatch"]
    assert chartkit.certainty_fill("possible", "#123456")["facecolor"] == "white"
    assert chartkit.certainty_fill("confirmed", "#123456")["facecolor"] == "#123456"


def test_labels_never_overlap(in_period):
    exports = export_values.customs_exports(in_period, "EUR")
    totals = export_values.published_totals(in_period, "EUR")
    # crowd the lower panel: every total moved to the same day
    crowded = pd.concat([totals] * 3, ignore_index=True).assign(latest=pd.Timestamp("2024-06-30"))
    fig = charts.exports_chart(exports, crowded, "EUR", START, pd.Timestamp("2024-12-31"))
    lower = fig.axes[-1]
    # The largest totals labelled (beside the running totals' labels), the others counted in a note.
    assert len(crowded) > charts.MAX_TOTAL_LABELS
    assert len(lower.texts) >= charts.MAX_TOTAL_LABELS
    words = " ".join(t.get_text().replace("\n", " ") for t in fig.findobj(matplotlib.text.Text))
    assert f"{len(crowded):,} published totals drawn as dots, the {charts.MAX_TOTAL_LABELS} largest labelled" in words
    assert chartkit.overlapping(list(lower.texts)) == []
    plt.close(fig)
    fig = charts.timeline_chart(timeline.build_timeline(in_period), START, END)
    assert chartkit.overlapping([t for t in fig.axes[1].texts]) == []
    plt.close(fig)


def test_labels_are_whole_words_and_a_shortened_one_says_so():
    text = "Serbian purchase of PULS rocket artillery and Hermes 900 drones from Elbit Systems"
    label = chartkit.short_label(text, 45)
    assert label.endswith("…") and len(label) <= 45
    kept = label.removesuffix("…")
    assert text.startswith(kept) and text[len(kept)] == " "  # whole words
    assert kept.split()[-1] not in {"and", "of", "from"}
    assert chartkit.short_label("Renewal of the interior ministry's Cellebrite licences", 60) == (
        "Renewal of the interior ministry's Cellebrite licences")
    assert chartkit.short_label("Vučić met Netanyahu in late September 2025; after the meeting Sa'ar said", 60) \
        == "Vučić met Netanyahu in late September 2025"


# ----------------------------------------------------------------------------- 4. timeline horizon


def test_the_timeline_ends_at_the_editions_horizon_with_open_windows_as_arrows(in_period):
    items = timeline.build_timeline(in_period)
    lo, hi = timeline.horizon(items, START, END)
    window = items[items["kind"] == "delivery window"].iloc[0]  # the fixture deal: 2025-01/2026-12
    assert hi < window["latest"] and hi < END  # one delivery window does not stretch the axis
    dated = items[items["kind"] != "delivery window"]
    assert hi >= dated["latest"].max() or hi >= dated["earliest"].max()
    fig = charts.timeline_chart(items, START, END)
    ax = fig.axes[1]
    assert ax.get_xlim()[1] == pytest.approx(mdates.date2num(hi))
    texts = [t.get_text() for t in ax.texts]
    assert any(t.startswith("Deliveries") and "to Dec 2026" in t for t in texts)
    arrows = [line for line in ax.lines if line.get_marker() == ">"]
    assert arrows  # the window runs on past the edge
    plt.close(fig)


def test_an_open_halt_is_a_band_to_the_edge_labelled_in_words():
    items = pd.DataFrame([
        _item("f1", "Flights", "flight", "2025-05-02", "2025-05-02", False),
        _item("h1", "Diplomacy & statements", "halt", "2025-06-23", None, True, subject="Exports halted"),
    ])
    items.loc[1, "date"] = "2025-06-23/.."
    fig = charts.timeline_chart(items, START, END)
    ax = fig.axes[1]
    assert any(t.get_text().strip() == "Export halt from 23 Jun 2025, no end reported" for t in ax.texts)
    assert any(line.get_marker() == ">" for line in ax.lines)
    plt.close(fig)


def _item(record_id, lane, kind, earliest, latest, span, subject="x"):
    return {"record_id": record_id, "lane": lane, "kind": kind, "subject": subject, "party": "P", "mode": "",
            "amount": float("nan"), "amount_kind": "", "currency": "", "count": 1, "count_kind": "exact",
            "origin": "BEG", "destination": "Nevatim", "date": earliest, "earliest": pd.Timestamp(earliest),
            "latest": pd.Timestamp(latest) if latest else pd.NaT, "precision": "day", "is_span": span,
            "dated_by_report": False, "first_reported": "", "certainty": "probable", "source_ids": []}


def test_a_crowded_timeline_lane_is_drawn_without_labels(small):
    items = timeline.build_timeline(small)
    many = pd.concat([items[items["lane"] == "Flights"]] * 20, ignore_index=True)  # > MAX_LABELLED_ITEMS
    assert len(many) > charts.MAX_LABELLED_ITEMS
    fig = charts.timeline_chart(pd.concat([items, many], ignore_index=True), START, END)
    texts = [t.get_text() for t in fig.axes[1].texts]
    flights = len(many) + (items["lane"] == "Flights").sum()
    assert f"Flights: {flights:,} items, labelled in the table below" in texts
    assert "Contracts" in texts  # a lane with few items keeps its labels
    assert not any("flight" in t and "→" in t for t in texts)
    plt.close(fig)


def test_a_record_known_only_by_a_date_is_drawn_at_it(items):
    view = tables.timeline_items(items).set_index("record_id").loc["small-view-2024"]
    assert pd.isna(view["earliest"]) and view["latest"] == pd.Timestamp("2024-11-30")
    fig = charts.timeline_chart(items, START, END)
    assert any(t.get_text().startswith("by Nov 2024:") for t in fig.axes[1].texts)
    plt.close(fig)


# ----------------------------------------------------------------------------- 5. converted copies


def test_converted_copies_are_marked_and_not_drawn(in_period, drawn):
    exports = export_values.customs_exports(in_period, "EUR")
    totals = export_values.published_totals(in_period, "EUR")
    copies = export_values.converted_copies(totals, supporting_roots(in_period),
                                            export_values.native_currency(exports))
    copied = set(copies.loc[copies["is_copy"], "aggregate_id"])
    # the dollar figures of small-weak's line, which also gives its totals in euros
    assert copied == {"small-feb-usd-approx", "small-feb-usd-at-least"}
    assert "small-scg-2004-2007" not in copied  # a dollar total of a line without euro totals is an original
    text = " ".join(_texts(drawn["reconciliation"].wide))
    assert "Not drawn: ≈ $3.5 million for Feb 2024 and ≥ $3.1 million for Feb 2024" in text
    assert "published ≈ $" not in text and "(published in USD" not in text


def test_the_copy_rule_follows_the_line_not_the_currency():
    totals = pd.DataFrame({"aggregate_id": ["eur", "usd-copy", "usd-own"], "currency": ["EUR", "USD", "USD"]})
    roots = {"eur": {"birn-2024-09"}, "usd-copy": {"birn-2024-09"}, "usd-own": {"amnesty"}}
    copies = export_values.converted_copies(totals, roots, "EUR").set_index("aggregate_id")
    assert copies.at["usd-copy", "is_copy"] and copies.at["usd-copy", "copy_of"] == ["eur"]
    assert not copies.at["usd-own", "is_copy"] and not copies.at["eur", "is_copy"]
    assert not export_values.converted_copies(totals, roots, "")["is_copy"].any()  # no native currency known


def test_a_dollar_edition_reads_in_dollars(in_period):
    exports = export_values.customs_exports(in_period, "USD")
    totals = export_values.published_totals(in_period, "USD")
    chart = figures.exports_monthly(in_period, exports, totals, "USD", START,
                                    export_values.last_dated_month(exports, totals))
    text = " ".join(_texts(chart.wide))
    assert "$ million" in text and "€ million" not in text
    assert "converted into dollars by armsledger" in text
    assert chart.title.count("$") >= 1 and "€" not in chart.title
    chart.close()


# ----------------------------------------------------------------------------- 6. text from data is inert


def test_a_dollar_sign_in_the_data_prints_as_written(in_period):
    items = timeline.build_timeline(in_period)
    items = items.assign(subject=items["subject"].where(items["lane"] != "Contracts", "Paid $1m to $2m in cash"))
    fig = charts.timeline_chart(items, START, END)
    written = [t for t in fig.axes[1].texts if "$1m to $2m" in t.get_text()]
    assert written
    assert all(not t._preprocess_math(t.get_text())[1] for t in written)  # not mathtext
    assert matplotlib.rcParams["text.usetex"] is False
    plt.close(fig)


# ----------------------------------------------------------------------------- 7. delivery windows, routes


def test_delivery_windows_show_the_reported_window_without_a_yearly_split(drawn, in_period):
    windows = contract_values.delivery_windows(contract_values.contract_values(in_period, "EUR"))
    deal = windows.set_index("record_id").loc["small-deal-2024"]
    assert deal["start"] == pd.Timestamp("2025-01-01") and deal["end"] == pd.Timestamp("2026-12-31")
    text = " ".join(_texts(drawn["delivery-windows"].wide))
    assert "reported delivery window 2025–2026" in text and "$100 million as reported" in text
    assert not re.search(r"(million|m|bn) (a|per) year", text)  # no value spread over the years


def test_routes_are_drawn_from_the_flights_table(in_period, drawn):
    routes = flight_routes(in_period, FIXTURE_PLACES)
    top = routes.iloc[0]
    assert (top["origin"], top["destination"], top["placed"]) == ("BEG", "Fixture base", True)
    assert top["flights"] == in_period.table("flights").query("origin == 'BEG' and destination == 'Fixture base'")[
        "count"].sum()
    chart = drawn["routes"]
    assert str(int(top["flights"])) in chart.title
    text = " ".join(_texts(chart.wide))
    assert "Not drawn, an end not given or not located" in text and "destination not given" in text


# ----------------------------------------------------------------------------- 8. everything draws, reproducibly


def test_every_chart_draws_on_nothing(in_period):
    exports = export_values.customs_exports(in_period, "EUR")
    totals = export_values.published_totals(in_period, "EUR")
    for fig in (
        charts.timeline_chart(timeline.build_timeline(in_period).iloc[:0], START, END),
        charts.exports_chart(exports.iloc[:0], totals.iloc[:0], "EUR", START, END),
        charts.reconciliation_chart(reconcile.reconcile(in_period, "EUR").iloc[:0], "EUR"),
        charts.years_chart(export_values.years_as_published(totals.iloc[:0], exports.iloc[:0]), "EUR"),
        charts.windows_chart(contract_values.delivery_windows(contract_values.contract_values(in_period, "EUR"))
                             .iloc[:0], "EUR"),
        charts.empty_chart("Nothing to draw."),
    ):
        assert fig.get_size_inches()[0] == charts.WIDTH_IN
        assert chartkit.smallest_font(fig) >= chartkit.MIN_PT
        plt.close(fig)


def test_a_saved_chart_is_the_same_bytes_twice(small, tmp_path):
    coverage = inventory.coverage_by_month(small, START, pd.Timestamp("2024-12-31"))
    first = charts.save(charts.coverage_chart(coverage), tmp_path / "a.png").read_bytes()
    second = charts.save(charts.coverage_chart(coverage), tmp_path / "b.png").read_bytes()
    assert first.startswith(b"\x89PNG")
    plt.close("all")
    assert first == second
    assert b"Software" not in first[:400] and b"matplotlib" not in first[:400].lower()  # no time-stamped metadata


def test_the_reconciliation_chart_draws_totals_with_no_value_on_either_side(in_period):
    """Found by the property test: a total whose published and ledger values are both unknown (a
    flight count with no count, nothing under it) left no number to scale the axis by."""
    recon = reconcile.reconcile(in_period, "EUR")
    unknown = recon.assign(published_display=float("nan"), rows_sum_display=float("nan"))
    figures.reconciliation(in_period, unknown, "EUR").close()


def test_a_timeline_of_records_without_any_date_still_has_a_title(in_period):
    """Found by the property test: items whose dates give no earliest day (an interval open at its start,
    never reported with a date) left no year to name."""
    items = timeline.build_timeline(in_period).assign(earliest=pd.NaT)
    assert chart_text.timeline_title(items).endswith("none with a date to place")


def test_the_reconciliation_title_when_no_gap_is_known(in_period):
    """Found by the property test: totals short of their rows whose gaps are all unknown."""
    recon = reconcile.reconcile(in_period, "EUR")
    unknown = recon.assign(status="rows fall short of total", gap_display=float("nan"))
    assert chart_text.reconciliation_title(unknown, "EUR").endswith("exceed the ledger rows they cover")
