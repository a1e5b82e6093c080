"""The report's figures as the notebooks make them: each chart drawn twice (chartkit.WIDE_IN for print
and laptops, chartkit.NARROW_IN for phones) with its computed title, notes and source line, saved as
PNGs that carry their smallest font size and width, and displayed as one output:

- `text/markdown`: a raw HTML block holding a <picture> that serves the narrow chart to screens up to
  40rem and the wide one otherwise (alt text on its <img>), and a raw Typst block placing the wide
  PNG (figures/<name>.png) at the width it was laid out for, with the same alt text. Pandoc keeps
  the raw block of the format it writes and drops the other, so HTML gets the picture and the PDF the
  image, under Quarto and the built-in renderer alike.
- `image/png`: the wide chart, for tools that show notebooks.

Not `text/html`: Quarto 1.9 takes any text/html output of an embedded notebook for a JavaScript
widget and adds require.js and jQuery from a CDN to the page (console errors offline, a page that is
no longer self-contained).

A figure cell is a few lines:

    chart = figures.exports_monthly(ledger, exports, totals, params.currency, start, end)
    notebook.show_figure(chart, params, "exports-monthly", data=exports, ledger=ledger)
"""

from __future__ import annotations

import base64
import html
from collections.abc import Callable
from dataclasses import dataclass, field

import matplotlib.pyplot as plt
import pandas as pd

from armsledger.analysis import exports as export_values
from armsledger.analysis.contracts import delivery_windows as windows_of
from armsledger.analysis.reporting import lines_of_reporting, lines_of_reporting_each, supporting_roots
from armsledger.analysis.routes import PLACES, flight_routes
from armsledger.analysis.timeline import horizon
from armsledger.model.ledger import Ledger
from armsledger.present import chart_text, charts, tables
from armsledger.present.chartkit import NARROW_IN, WIDE_IN, png_bytes
from armsledger.present.format import QUALIFIERS, format_as_written, period_label

CURRENCY_WORDS = {"EUR": "euros", "USD": "dollars"}
CURRENCY_ADJECTIVE = {"EUR": "euro", "USD": "dollar"}
# Screens up to this width get the narrow variant (40rem = 640 px at the browser's default size).
NARROW_MEDIA = "(max-width: 40rem)"


@dataclass
class Chart:
    """A chart in both widths, with the words that describe it."""

    wide: plt.Figure
    narrow: plt.Figure | None
    title: str
    alt: str
    notes: list[str] = field(default_factory=list)
    data: pd.DataFrame | None = None  # what it draws, for the figure's download (figure-<name>.csv)

    def close(self) -> None:
        plt.close(self.wide)
        if self.narrow is not None:
            plt.close(self.narrow)


def both(draw: Callable[..., plt.Figure], *args, title: str, alt: str, notes: list[str] | None = None,
         data: pd.DataFrame | None = None, **kwargs) -> Chart:
    """`draw(*args, title=…, notes=…, width=…, **kwargs)` at both widths."""
    notes = list(notes or [])
    wide = draw(*args, title=title, notes=notes, width=WIDE_IN, **kwargs)
    narrow = draw(*args, title=title, notes=notes, width=NARROW_IN, **kwargs)
    return Chart(wide, narrow, title, alt, notes, data)


def as_chart(fig: plt.Figure | Chart, alt: str = "") -> Chart:
    return fig if isinstance(fig, Chart) else Chart(fig, None, "", alt)


def picture_html(wide: bytes, narrow: bytes | None, alt: str) -> str:
    """A <picture> serving `narrow` to phones and `wide` otherwise, with `alt` on its <img>; both
    images inline (data: URIs), so the page stays self-contained."""
    def uri(data: bytes) -> str:
        return "data:image/png;base64," + base64.b64encode(data).decode("ascii")

    source = f'<source media="{NARROW_MEDIA}" srcset="{uri(narrow)}">' if narrow is not None else ""
    return (f'<picture class="chart">{source}<img src="{uri(wide)}" alt="{html.escape(alt, quote=True)}" '
            f'style="width:100%;height:auto"></picture>')


def typst_image(name: str, alt: str, width_in: float) -> str:
    """The Typst that places figures/<name>.png at `width_in` inches with `alt` as its alt text."""
    quoted = alt.replace("\\", "\\\\").replace('"', '\\"')
    return f'#box(image("{FIGURES_DIR}/{name}.png", width: {width_in:g}in, alt: "{quoted}"))'


def figure_markdown(picture: str, typst: str) -> str:
    """A figure output's Markdown: the <picture> for HTML, the image for Typst, as raw blocks."""
    return f"```{{=html}}\n{picture}\n```\n\n```{{=typst}}\n{typst}\n```\n"


FIGURES_DIR = "figures"


def show(chart: Chart | plt.Figure, params, name: str, data: pd.DataFrame | None = None,
         ledger: Ledger | None = None) -> None:
    """Save figures/<name>.png (wide) and figures/<name>-narrow.png, the data it draws as
    downloads/figure-<name>.csv, and display one output: text/markdown (the <picture> for HTML, the
    wide image for Typst) and image/png (the wide chart)."""
    from IPython.display import display

    from armsledger.paths import DOWNLOADS, FIGURES
    from armsledger.present import downloads

    chart = as_chart(chart)
    assert FIGURES == FIGURES_DIR
    folder = params.out_path / FIGURES
    folder.mkdir(parents=True, exist_ok=True)
    wide = png_bytes(chart.wide)
    (folder / f"{name}.png").write_bytes(wide)
    narrow = None
    if chart.narrow is not None:
        narrow = png_bytes(chart.narrow)
        (folder / f"{name}-narrow.png").write_bytes(narrow)
    chart.close()
    data = chart.data if data is None else data
    if data is not None:
        data = _dates_as_text(data)
        downloads.write_csv(data, params.out_path / DOWNLOADS / f"figure-{name}.csv", ledger)
    bundle = {"image/png": base64.b64encode(wide).decode("ascii")}
    if narrow is not None:
        width = float(chart.wide.get_size_inches()[0])
        bundle["text/markdown"] = figure_markdown(picture_html(wide, narrow, chart.alt),
                                                  typst_image(name, chart.alt, width))
    display(bundle, raw=True)


def _dates_as_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Date columns as ISO days (blank when unknown), as the download prints them; an empty frame with
    a datetime column otherwise trips the download writer's text checks."""
    dates = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])]
    if not dates:
        return frame
    return frame.assign(**{c: frame[c].dt.strftime("%Y-%m-%d").fillna("") for c in dates})


# ----------------------------------------------------------------------------- the report's figures


def _source(ledger: Ledger, record_ids, what: str = "") -> str:
    return chart_text.source_line(lines_of_reporting(ledger, list(record_ids)), what=what)


def _alt(title: str, description: str) -> str:
    return f"{title}. {description}"


def timeline(ledger: Ledger, items: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
             halts: pd.DataFrame | None = None, during: pd.DataFrame | None = None,
             strips: dict[str, str] | None = None) -> Chart:
    """The timeline of every lane (notebook 02), ending at the edition's horizon. `strips` names lanes
    drawn without labels and where they are labelled instead: by default the surveillance lane, which
    has a figure of its own, and the statements, whose summaries are sentences (the table lists them);
    the labelled lanes are the trade itself: contracts, transfers and flights."""
    if strips is None:
        strips = {"Surveillance": "the surveillance figure", "Diplomacy & statements": "the table below"}
    lo, hi = horizon(items, start, end)
    title = chart_text.timeline_title(items, halts, during)
    lanes = ", ".join(sorted(set(items["lane"]))) if not items.empty else "none"
    alt = _alt(title, f"Timeline from {lo:%b %Y} to {hi:%b %Y} in lanes ({lanes}): a dot is a single day, a bar a "
                      "month or longer, the fill shows how certain the record is; export halts are shaded bands. "
                      "The table below lists every item.")
    return both(charts.timeline_chart, items, start, end, title=title, alt=alt, data=items,
                source=_source(ledger, set(items["record_id"])), strips=strips)


def surveillance(ledger: Ledger, items: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> Chart:
    """The surveillance lane on its own (notebook 05)."""
    title = chart_text.surveillance_title(items)
    alt = _alt(title, "Timeline of surveillance procurements, licences, donations, incidents and publications; "
                      "the fill shows how certain each record is. The tables below list them.")
    return both(charts.timeline_chart, items, start, end, title=title, alt=alt, data=items,
                source=_source(ledger, set(items["record_id"])))


NAMED_IN_NOTE = 4  # figures and publishers a chart note names before it counts the rest


def copies_note(totals: pd.DataFrame, copies: pd.DataFrame, ledger: Ledger) -> str:
    """The converted copies left out of a chart, in words, or ''."""
    copied = copies[copies["is_copy"]]
    if copied.empty:
        return ""
    by_id = totals.set_index("aggregate_id")
    figures = [QUALIFIERS.get(by_id.at[a, "amount_kind"], "")
               + format_as_written(by_id.at[a, "amount"], by_id.at[a, "currency"])
               + f" for {period_label(by_id.at[a, 'period'])}" for a in copied["aggregate_id"]]
    native = copied["original_currency"].iloc[0]
    lines = lines_of_reporting(ledger, list(copied["aggregate_id"]))
    publishers = list(dict.fromkeys(lines["publisher"]))
    who = chart_text.words_list(publishers, limit=NAMED_IN_NOTE) if not lines.empty else "the same line"
    copied_in = copied_currency(by_id, copied)
    named = chart_text.words_list(figures, noun="other totals", limit=NAMED_IN_NOTE)
    return (f"Not drawn: {named}, {CURRENCY_ADJECTIVE.get(copied_in, copied_in)} versions of "
            f"{who}'s totals in {CURRENCY_WORDS.get(native, native)}, converted by a relay, not separate evidence "
            "(listed in the reconciliation table).")


def copied_currency(by_id: pd.DataFrame, copied: pd.DataFrame) -> str:
    currencies = sorted({by_id.at[a, "currency"] for a in copied["aggregate_id"]})
    return currencies[0].strip() if len(currencies) == 1 else ""


def _copies(ledger: Ledger, exports: pd.DataFrame, totals: pd.DataFrame) -> pd.DataFrame:
    return export_values.converted_copies(totals, supporting_roots(ledger), export_values.native_currency(exports))


def _conversion_note(currency: str, values: pd.DataFrame, column: str = "currency") -> str:
    others = sorted(set(values[column].dropna()) - {currency, ""}) if not values.empty else []
    if not others:
        return ""
    others = [CURRENCY_WORDS.get(c, c) for c in others]
    return (f"Values reported in {chart_text.words_list(others)} are converted into "
            f"{CURRENCY_WORDS.get(currency, currency)} by armsledger at the ECB "
            "reference rate of each value's date (a published total: the mean rate of its period); "
            "the figure as reported is in brackets.")


def exports_monthly(ledger: Ledger, exports: pd.DataFrame, totals: pd.DataFrame, currency: str,
                    start: pd.Timestamp, end: pd.Timestamp) -> Chart:
    """Monthly customs-recorded values and, below, the running total per year beside the published
    year-to-date totals (originals only: converted copies are named in a note)."""
    copies = _copies(ledger, exports, totals)
    drawn = export_values.year_to_date(export_values.originals(totals, copies))
    notes = [n for n in (copies_note(totals, copies, ledger),
                         _conversion_note(currency, pd.concat([exports[["currency"]], drawn[["currency"]]]))) if n]
    title = chart_text.exports_title(exports, currency)
    alt = _alt(title, f"Two panels in {currency}: above, a bar for each customs-recorded value over its month, "
                      "shipments without a disclosed value in a hatched strip of their own; below, the ledger's "
                      "running total per year as a step line and the totals the sources published as dots. "
                      "The tables below give every value.")
    return both(charts.exports_chart, exports, drawn, currency, start, end, title=title, alt=alt, notes=notes,
                data=exports,
                source=_source(ledger, set(exports["record_id"]) | set(drawn["aggregate_id"]), "customs data"))


def _line_words(ledger: Ledger, aggregate_ids) -> dict[str, str]:
    """Aggregate id → its lines of reporting in words ("BIRN / Haaretz, as relayed by Crolens")."""
    out = {}
    for aggregate_id, lines in lines_of_reporting_each(ledger, aggregate_ids).items():
        parts = []
        for line in lines.itertuples(index=False):
            text = line.publisher
            if not line.read and line.relay_publishers:
                relays = line.relay_publishers
                text += " (via " + chart_text.words_list(relays, limit=2) + ")"
            parts.append(text)
        out[aggregate_id] = "; ".join(parts)
    return out


def exports_by_year(ledger: Ledger, exports: pd.DataFrame, totals: pd.DataFrame, currency: str) -> Chart:
    """The lead chart: exports by year as published (headline, other and part-year totals, with their
    lines of reporting), the ledger's customs-recorded sums beside them."""
    copies = _copies(ledger, exports, totals)
    kept = export_values.originals(totals, copies)
    view = export_values.years_as_published(kept, exports)
    view = view.assign(certainty=view["aggregate_id"].map(dict(zip(kept["aggregate_id"], kept["certainty"],
                                                                    strict=True))).fillna(""))
    notes = [n for n in (copies_note(totals, copies, ledger),
                         _conversion_note(currency, view[view["role"] != "ledger"])) if n]
    title = chart_text.years_title(view, currency)
    ids = set(view["aggregate_id"]) - {""}
    ledger_ids = set(exports["record_id"])
    alt = _alt(title, f"Horizontal bars in {currency} per year: the published total that leads, the other totals "
                      "for the same year with their sources (a restated figure marked), a part-year total marked "
                      "as such, and in grey the sum of the ledger's own customs-recorded rows.")
    return both(charts.years_chart, view, currency, title=title, alt=alt, notes=notes, data=view,
                lines=_line_words(ledger, ids), source=_source(ledger, ids | ledger_ids, "customs data"))


def reconciliation(ledger: Ledger, recon: pd.DataFrame, currency: str) -> Chart:
    """Each published total against the ledger rows it covers (converted copies named in a note)."""
    exports = export_values.customs_exports(ledger, currency)
    totals = export_values.published_totals(ledger, currency)
    copies = _copies(ledger, exports, totals)
    copied = set(copies.loc[copies["is_copy"], "aggregate_id"])
    drawn = recon[~recon["aggregate_id"].isin(copied)].reset_index(drop=True)
    notes = [n for n in (copies_note(totals, copies, ledger),) if n]
    money = drawn[drawn["scope"] == "arms_exports"]
    if (money["unit"] != currency).any():
        notes.append(f"Totals published in another currency are converted into {currency} by armsledger at the mean "
                     "ECB rate of their period; the gap is computed in the total's own currency.")
    title = chart_text.reconciliation_title(drawn, currency)
    alt = _alt(title, "For each published total, a bar for the total and a bar for the sum of the ledger rows it "
                      "covers, with the gap in words; flight counts in a second panel. The table above gives "
                      "every figure.")
    # Totals of one period and parties share one list of covered rows (reconcile.Coverage): each list
    # read once, not once per total (tens of thousands of totals over tens of thousands of rows).
    covered = {id(ids_): ids_ for ids_ in drawn["record_ids"]}.values()
    ids = set(drawn["aggregate_id"]).union(*covered)
    # The download lists at most tables.MAX_LISTED_IDS ids per total: a total over every flight of a
    # large ledger covers tens of thousands.
    data = recon.assign(record_ids=recon["record_ids"].map(tables.listed_ids),
                        partly_overlapping=recon["partly_overlapping"].map(tables.listed_ids))
    return both(charts.reconciliation_chart, drawn, currency, title=title, alt=alt, notes=notes, data=data,
                source=_source(ledger, ids))


def coverage(ledger: Ledger, counts: pd.DataFrame) -> Chart:
    """Dated records per month by table (notebook 01)."""
    title = chart_text.coverage_title(counts)
    alt = _alt(title, "Stacked bars of dated records per month, coloured by table; the tables below give the counts.")
    months = counts.index
    recs = ledger.records.dropna(subset=["earliest", "latest"])
    if len(months):
        recs = recs[(recs["earliest"] >= months.min().start_time) & (recs["latest"] <= months.max().end_time)]
    return both(charts.coverage_chart, counts, title=title, alt=alt, data=counts.reset_index(names="month"),
                source=_source(ledger, set(recs["record_id"])))


def delivery_windows(ledger: Ledger, contracts: pd.DataFrame, currency: str) -> Chart:
    """Each arms contract's reported delivery window as a band, its value as reported; no yearly split."""
    windows = windows_of(contracts)
    windows = windows[windows["start"].notna() | windows["value"].notna()].reset_index(drop=True)
    title = chart_text.windows_title(windows, currency)
    alt = _alt(title, "One band per contract over its delivery window as the sources report it, with the contract "
                      "value as reported; the value is not split by year because no source gives a schedule.")
    notes = ["The bands are the delivery windows the sources report; how deliveries and payments fall within them "
             "is not reported."]
    return both(charts.windows_chart, windows, currency, title=title, alt=alt, notes=notes, data=windows,
                source=_source(ledger, set(windows["record_id"])))


def routes(ledger: Ledger, places: dict | None = None) -> Chart:
    """The reported cargo-flight routes as a schematic diagram (notebook 02)."""
    places = PLACES if places is None else places
    table = flight_routes(ledger, places)
    title = chart_text.routes_title(table)
    unplaced = table[~table["placed"]] if not table.empty else table
    notes = []
    if not unplaced.empty:
        parts = []
        for r in unplaced.itertuples(index=False):
            origin = r.origin_name or "origin not given"
            destination = r.destination_name or "destination not given"
            when = chart_text.span_words(r.first, r.last)
            flights = f"{'at least ' if r.at_least else ''}{r.flights} flight{'s' if r.flights != 1 else ''}"
            parts.append(f"{flights} {origin} → {destination} ({when})")
        notes.append("Not drawn, an end not given or not located: " + "; ".join(parts) + ".")
    alt = _alt(title, "Schematic map: the airports and air base named in the reporting at their real relative "
                      "positions, one arc per route, its width following the number of reported flights; each "
                      "route's count and dates are written beside it.")
    return both(charts.routes_chart, table, places, title=title, alt=alt, notes=notes, data=table,
                source=_source(ledger, {i for ids in table["record_ids"] for i in ids}))


__all__ = ["Chart", "both", "as_chart", "picture_html", "show", "timeline", "surveillance", "exports_monthly",
           "exports_by_year", "reconciliation", "coverage", "delivery_windows", "routes", "NARROW_IN", "WIDE_IN"]
