"""The report's charts, each drawn at a given width (chartkit.WIDE_IN for print and laptops,
chartkit.NARROW_IN for phones) with its title, key, notes and source line inside the image: timeline,
monthly exports, exports by year as published, reconciliation, coverage, delivery windows and the
flight-route diagram. Words come from armsledger.present.chart_text (computed from the data);
armsledger.present.figures draws both widths and publishes them."""

from __future__ import annotations

import math
import textwrap

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.patches import FancyArrowPatch, Rectangle
from matplotlib.ticker import MaxNLocator

from armsledger.analysis.halts import HALT
from armsledger.analysis.timeline import LANES, horizon
from armsledger.present import chartkit as kit
from armsledger.present.chart_text import span_words
from armsledger.present.chartkit import (
    ACCENT,
    COMPANION,
    DPI,
    GRID,
    INK,
    MUTED,
    NARROW_IN,
    TEXT_PT,
    WARN,
    WIDE_IN,
    KeyEntry,
    Label,
    Sheet,
    apply_style,
    certainty_fill,
    certainty_key,
    line_height_in,
    save,
    short_label,
    text_width,
    wrap,
)
from armsledger.present.format import QUALIFIERS, format_as_written, format_money, period_label, symbol
from armsledger.present.tables import timeline_items

__all__ = ["DPI", "WIDTH_IN", "WIDE_IN", "NARROW_IN", "MAX_LABELLED_ITEMS", "apply_style", "save", "empty_chart",
           "timeline_chart", "exports_chart", "years_chart", "reconciliation_chart", "coverage_chart",
           "windows_chart", "routes_chart"]

WIDTH_IN = WIDE_IN
LANE_COLOURS = {
    "Contracts": "#1f5f8b",
    "Transfers": "#b5452f",
    "Flights": "#c07a1c",
    "Surveillance": "#5b4a8b",
    "Diplomacy & statements": "#3d7a4a",
}
# A lane with more items than this in the chart window is drawn without labels (marks only, its
# count in the lane's name): measuring and packing thousands of labels takes seconds and yields a
# chart no one can read. The real ledger has a few dozen items in all. The narrow (phone) variant
# labels fewer: a lane of more than MAX_LABELLED_NARROW items is a strip there.
MAX_LABELLED_ITEMS = 60
MAX_LABELLED_NARROW = 14
ROW_IN = 0.205  # one row of marks and 9 pt labels
# Bar charts of one row per record draw at most this many rows (the largest); the rest are counted in a
# note and listed in the table beside the chart. The real ledger has under a dozen of each.
MAX_BAR_ROWS = 16
OTHER_TOTALS_PER_YEAR = 4  # the lead chart's "other totals" drawn per year; the rest are counted
MAX_TOTAL_LABELS = 12  # published totals labelled beside their dots in the running-total panel
BAR_FRACTION = 0.62


def is_narrow(width: float) -> bool:
    return width < 5.0


def _finish(sheet: Sheet, notes: list[str], source: str) -> None:
    for note in notes or []:
        sheet.text(note, colour=INK, gap=0.05)
    sheet.text(source, colour=MUTED, gap=0.06)


def empty_chart(message: str, title: str = "", source: str = "", width: float = WIDE_IN) -> plt.Figure:
    """A small figure that says why there is nothing to draw, so every label still has an output."""
    sheet = Sheet(width)
    if title:
        sheet.title(title)
    sheet.text(message, colour=MUTED, gap=0.05)
    if source:
        sheet.text(source, colour=MUTED, gap=0.05)
    fig, _, _ = sheet.build()
    return fig


def _date_ticks(ax: plt.Axes, start: pd.Timestamp, end: pd.Timestamp, narrow: bool, labels: bool = True) -> None:
    """Year labels at 1 January; a window under two years also gets a labelled tick every quarter or
    half-year. Set explicitly, so that margins can be measured before drawing."""
    span_days = (end - start).days
    years = pd.date_range(start.to_period("Y").to_timestamp(), end, freq="YS")
    years = [y for y in years if start <= y <= end]
    if span_days <= 700:
        step = 6 if narrow else 3
        ticks = [t for t in pd.date_range(start.to_period("M").to_timestamp(), end, freq=f"{step}MS") if t >= start]
        text = [t.strftime("%Y") if t.month == 1 else t.strftime("%b") for t in ticks]
        if ticks and ticks[0].month != 1:
            text[0] = ticks[0].strftime("%b %Y")
    else:
        if narrow and len(years) > 5:
            years = years[::2]
        ticks, text = years, [str(t.year) for t in years]
    ax.set_xticks([mdates.date2num(t) for t in ticks], text if labels else [""] * len(ticks))
    # A label on the axis's first or last day is aligned inward, so that it is never cut at the edge.
    shown = ax.get_xticklabels()
    if ticks and shown and ticks[0] <= start:
        shown[0].set_horizontalalignment("left")
    if ticks and shown and ticks[-1] >= end - pd.Timedelta(days=20):
        shown[-1].set_horizontalalignment("right")
    minor = pd.date_range(start.to_period("M").to_timestamp(), end, freq="QS" if span_days > 700 else "MS")
    ax.set_xticks([mdates.date2num(t) for t in minor if start <= t <= end], minor=True)
    ax.tick_params(axis="x", which="minor", length=2)
    ax.grid(axis="x", which="major", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)


# ----------------------------------------------------------------------------- packing marks into rows


def _end_words(date_text: str) -> str:
    """The end of an interval in words: "2025-01/2028-06~" → "about Jun 2028"."""
    tail = str(date_text).split("/")[-1] if "/" in str(date_text) else ""
    if not tail or tail == "..":
        return "no end reported"
    words = period_label(tail)
    return f"the end of {words}" if words.isdigit() else words


def _label_lines(text: str, suffix: str, max_chars: int, max_lines: int) -> list[str]:
    """A mark's label as up to `max_lines` lines of about `max_chars` characters, whole words only
    (chartkit.short_label); `suffix` (an open end in words) is always kept."""
    if len(text) + len(suffix) <= max_chars or max_lines == 1:
        return [short_label(text, max(10, max_chars - len(suffix))) + suffix]
    label = short_label(text, max(10, max_chars * max_lines - len(suffix) - 4)) + suffix
    lines = textwrap.wrap(label, max_chars, break_long_words=False, break_on_hyphens=False)
    while len(lines) > max_lines:  # whole words may wrap to one line more: shorten once more
        label = short_label(label[: len(label) - len(suffix)], len(label) - len(suffix) - 8) + suffix
        lines = textwrap.wrap(label, max_chars, break_long_words=False, break_on_hyphens=False)
    return lines


def _pack(marks: list[dict], x0: float, x1: float, max_chars: int, max_lines: int = 2) -> int:
    """Assign each mark (dicts with left, right in inches, text, and open) its rows (a label of two
    lines takes two) and a label side, so that no label overlaps another mark or label; labels are
    shortened to whole words only where neither side of the mark has room. Returns the rows used."""
    pad = 0.06
    free_from: list[float] = []
    for mark in marks:
        suffix = mark.get("suffix", "")
        lines = _label_lines(mark["text"], suffix, max_chars, max_lines)
        width = max(text_width(line) for line in lines) / 72
        span = mark["right"] - mark["left"]
        if span > width + 2 * pad and len(lines) == 1:
            side, extent = "inside", (mark["left"], mark["right"])
        elif mark["right"] + pad + width <= x1 and not mark.get("open"):
            side, extent = "right", (mark["left"], mark["right"] + pad + width)
        elif mark["left"] - pad - width >= x0:
            side, extent = "left", (mark["left"] - pad - width, mark["right"])
        else:  # no room on either side: the label goes on its own line(s) above the mark, whole
            side = "above"
            lines = _label_lines(mark["text"], suffix, max_chars, max_lines)
            width = max(text_width(line) for line in lines) / 72
            left = min(max(mark["left"], x0), max(x1 - width, x0))
            mark["label_x"] = left
            extent = (min(left, mark["left"]), max(left + width, mark["right"]))
        need = len(lines) + (1 if side == "above" else 0)
        row = 0
        while True:
            while len(free_from) < row + need:
                free_from.append(-math.inf)
            if all(extent[0] >= free_from[r] for r in range(row, row + need)):
                break
            row += 1
        for r in range(row, row + need):
            free_from[r] = extent[1] + pad
        if side == "above":  # the label's lines, then the mark on the row under them
            mark.update(row=row + need - 1, label_row=row + (need - 2) / 2, side=side, label="\n".join(lines),
                        lines=need)
        else:
            mark.update(row=row + (need - 1) / 2, side=side, label="\n".join(lines), lines=need)
    return max(len(free_from), 1)


def _draw_mark(ax: plt.Axes, mark: dict, y: float, colour: str, end_num: float) -> None:
    style = certainty_fill(mark["certainty"], colour)
    if mark["span"]:
        left, right = mark["x0"], mark["x1"]
        ax.add_patch(Rectangle((left, y - BAR_FRACTION / 2), right - left, BAR_FRACTION, linewidth=0.9, zorder=3,
                               **style))
        if mark.get("open"):
            ax.plot([end_num], [y], marker=">", markersize=6.5, color=colour, clip_on=False, zorder=4,
                    linestyle="none")
    else:
        ax.scatter([mark["x0"]], [y], s=46, marker="o", linewidths=1.0, zorder=4, clip_on=False,
                   facecolors=[style["facecolor"]], edgecolors=[style["edgecolor"]], hatch=style["hatch"])


def _write_label(ax: plt.Axes, mark: dict, y: float, to_num) -> None:
    pad = 0.05
    if mark["side"] == "above":
        ax.text(to_num(mark["label_x"]), mark["label_row"], mark["label"], fontsize=TEXT_PT, va="center", ha="left",
                color=INK, zorder=5, clip_on=False)
        return
    if mark["side"] == "inside":
        x, ha = mark["left"] + pad, "left"
    elif mark["side"] == "right":
        x, ha = mark["right"] + pad, "left"
    else:
        x, ha = mark["left"] - pad, "right"
    ax.text(to_num(x), y, mark["label"], fontsize=TEXT_PT, va="center", ha=ha, color=INK, zorder=5, clip_on=False,
            bbox=kit.BACKING if mark.get("backing") else None)


def _dense_strip(ax: plt.Axes, items: pd.DataFrame, y: float, start, end, colour: str) -> None:
    """A lane with too many items to label, drawn as one strip: spans translucent so that overlaps show
    density, day items as dots; one call per certainty, not one per item."""
    left = items["earliest"].clip(lower=start)
    right = items["latest"].clip(upper=end)
    tiers = items["certainty"].where(items["certainty"].isin(kit.CERTAINTY_ORDER), "possible")
    for tier in kit.CERTAINTY_ORDER:
        style = certainty_fill(tier, colour)
        mine = tiers == tier
        spans = mine & items["is_span"].astype(bool)
        if spans.any():  # one collection for thousands of spans: a Rectangle each would take seconds
            x0 = mdates.date2num(left[spans])
            widths = mdates.date2num(right[spans] + pd.Timedelta(days=1)) - x0
            ax.broken_barh(list(zip(x0, widths, strict=True)), (y - BAR_FRACTION / 2, BAR_FRACTION), alpha=0.35,
                           linewidth=0.3, zorder=2, facecolors=style["facecolor"], edgecolors=style["edgecolor"],
                           hatch=style["hatch"])
        days = mine & ~items["is_span"].astype(bool)
        if days.any():
            ax.scatter(mdates.date2num(items.loc[days, "earliest"]), [y] * int(days.sum()), s=16, marker="o",
                       linewidths=0.5, alpha=0.6, zorder=3, facecolors=[style["facecolor"]],
                       edgecolors=[style["edgecolor"]])


# Beyond this many items a lane no longer draws each one, even as an unlabelled strip: thousands of
# translucent bars merge into one smear that says nothing about when things happened. It draws how many
# items start in each month instead, as bars COUNT_ROWS rows tall.
COUNT_ITEMS_FROM = 300
COUNT_ROWS = 2
# Beyond this many halts each one no longer gets a labelled band: their periods are merged into shaded
# bands under one label (a label each would make the chart as tall as the number of halts).
MAX_LABELLED_HALTS = 3


def month_counts(items: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.Series:
    """How many of `items` start in each month from `start` to `end` (an item begun before `start` is
    counted in its first month), every month present, empty ones as 0."""
    months = pd.period_range(start, end, freq="M")
    first = items["earliest"].clip(lower=start, upper=end).dt.to_period("M")
    return first.value_counts().reindex(months, fill_value=0).sort_index()


def _count_strip(ax: plt.Axes, items: pd.DataFrame, y: float, start, end, colour: str) -> None:
    """A lane of thousands of items as bars of items per month, the tallest filling COUNT_ROWS rows."""
    counts = month_counts(items, start, end)
    top = max(int(counts.max()), 1)
    left = mdates.date2num(counts.index.to_timestamp())
    right = mdates.date2num((counts.index + 1).to_timestamp())
    heights = counts.to_numpy() / top * (COUNT_ROWS - 0.1)
    # The y axis runs downwards: a bar stands on the lane's bottom edge and grows up (negative height).
    ax.bar(left, -heights, width=(right - left) * 0.85, bottom=y + COUNT_ROWS - 0.5, align="edge",
           color=kit.tint(colour, 0.55), edgecolor=colour, linewidth=0.4, zorder=2)


def count_words(lane: str, items: pd.DataFrame, start, end, where: str) -> str:
    """The header of a counted lane: how many items, the busiest month and where they are listed."""
    counts = month_counts(items, start, end)
    busiest = counts.idxmax()
    return (f"{lane}: {len(items):,} items, bars count them per month (most: {int(counts.max()):,} in "
            f"{busiest.strftime('%b %Y')}); listed in {where}")


def merged_spans(halts: pd.DataFrame, end: pd.Timestamp) -> list[tuple[pd.Timestamp, pd.Timestamp]]:
    """The periods of `halts` merged where they meet (an open end runs to `end`), in order."""
    spans = sorted((h.earliest, end if pd.isna(h.latest) else h.latest)
                   for h in halts.itertuples(index=False) if not pd.isna(h.earliest))
    merged: list[list[pd.Timestamp]] = []
    for left, right in spans:
        if merged and left <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], right)
        else:
            merged.append([left, right])
    return [(left, right) for left, right in merged]


def _with_open_starts_placed(timeline: pd.DataFrame) -> pd.DataFrame:
    """An item known only to have happened by some date ("../2025-01", an earlier interview cited
    then) is drawn as a point at that date, its label saying "by", rather than left out."""
    open_start = timeline["earliest"].isna() & timeline["latest"].notna()
    if not open_start.any():
        return timeline
    items = timeline.copy()
    items.loc[open_start, "earliest"] = items.loc[open_start, "latest"]
    items.loc[open_start, "is_span"] = False
    items.loc[open_start, "text"] = [f"by {latest:%b %Y}: {text}" for latest, text
                                     in zip(items.loc[open_start, "latest"], items.loc[open_start, "text"],
                                            strict=True)]
    items.loc[open_start, "label"] = items.loc[open_start, "text"]
    return items


# ----------------------------------------------------------------------------- timeline


def timeline_chart(timeline: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp, title: str = "", *,
                   source: str = "", notes: list[str] | None = None, width: float = WIDE_IN,
                   fit: bool = True, strips: dict[str, str] | None = None) -> plt.Figure:
    """One lane per kind, each headed by its name; a day is a dot, a month or longer a bar over its
    span; the fill says how certain the record is (one key for dots and bars). The axis ends at the
    edition's horizon (analysis.timeline.horizon, with `fit`): an interval running past it is drawn to
    the edge with an arrowhead and its end in words. Halts are bands across the lanes, labelled in
    words. Labels are whole words, packed into rows so that none overlaps; a lane of more than
    MAX_LABELLED_ITEMS items (MAX_LABELLED_NARROW on a phone) is one unlabelled strip, and so is a lane
    named in `strips` (lane → where its items are labelled, e.g. "the surveillance figure"). A lane of
    COUNT_ITEMS_FROM items or more is bars of items per month; more than MAX_LABELLED_HALTS halts are
    merged bands under one label."""
    narrow = is_narrow(width)
    items = _with_open_starts_placed(timeline_items(timeline))
    halts_frame = items[items["kind"] == HALT]
    items = items[items["kind"] != HALT]
    if fit:
        start, end = horizon(pd.concat([items, halts_frame]), start, end)
    items = items[(items["latest"].fillna(end) >= start) & (items["earliest"] <= end)].copy()
    items["latest"] = items["latest"].where(items["latest"].notna(), end)
    lanes = [lane for lane in LANES if lane in set(items["lane"])]
    sheet = Sheet(width)
    sheet.title(title or "Timeline")
    present = set(items["certainty"]) | (set(halts_frame["certainty"]) if not halts_frame.empty else set())
    key = certainty_key(MUTED, present)
    key.append(KeyEntry("day (dot)", kind="marker", facecolor=MUTED, edgecolor=MUTED))
    key.append(KeyEntry("month or longer (bar)", facecolor=kit.tint(MUTED, 0.38), edgecolor=MUTED))
    if not halts_frame.empty:
        key.append(KeyEntry("export halt (band)", facecolor=kit.tint(WARN, 0.16), edgecolor=kit.tint(WARN, 0.16)))
    sheet.key(key)
    if items.empty:
        sheet.text("No dated record in this edition's period.", colour=MUTED, gap=0.1)
        _finish(sheet, notes or [], source)
        return sheet.build()[0]

    axis_w = width - 2 * Sheet.PAD - 0.12
    days = max((end - start).days, 1)

    def to_in(ts) -> float:
        return (ts - start).days / days * axis_w

    limit = MAX_LABELLED_NARROW if narrow else MAX_LABELLED_ITEMS
    max_chars = 30 if narrow else 40
    strips = strips or {}
    plan: list[tuple[str, int, list[dict] | pd.DataFrame]] = []
    for lane in lanes:
        lane_items = items[items["lane"] == lane].sort_values(["earliest", "record_id"])
        if len(lane_items) >= COUNT_ITEMS_FROM:
            plan.append((lane, COUNT_ROWS, lane_items))
            continue
        if len(lane_items) > limit or lane in strips:
            plan.append((lane, 1, lane_items))
            continue
        marks = []
        for item in lane_items.itertuples(index=False):
            first = max(item.earliest, start)
            last = min(item.latest, end)
            running_on = item.latest > end
            left = to_in(first)
            right = to_in(last + pd.Timedelta(days=1)) if item.is_span else left
            suffix = f", to {_end_words(item.date)}" if running_on else ""
            text = "Deliveries" if item.kind == "delivery window" else item.text
            if item.lane == "Transfers" and getattr(item, "amount_kind", "") == "undisclosed":
                text += ", value undisclosed"
            marks.append({"record_id": item.record_id, "text": text, "suffix": suffix, "left": left,
                          "right": right, "span": bool(item.is_span), "open": running_on,
                          "certainty": item.certainty, "x0": mdates.date2num(first),
                          "x1": mdates.date2num(last + pd.Timedelta(days=1) if item.is_span else first)})
        rows = _pack(marks, 0.0, axis_w, max_chars)
        plan.append((lane, rows, marks))
    headers = {}
    for lane, _, marks in plan:
        items_words = f"{len(marks):,} item{'s' if len(marks) != 1 else ''}"
        words = (f"{lane}: {items_words}, labelled in {strips.get(lane, 'the table below')}"
                 if isinstance(marks, pd.DataFrame) else lane)
        if isinstance(marks, pd.DataFrame) and len(marks) >= COUNT_ITEMS_FROM:
            words = count_words(lane, marks, start, end, strips.get(lane, "the table below"))
        headers[lane] = wrap(words, axis_w, TEXT_PT, "bold")
    halt_rows = 0
    halt_words = {}
    many_halts = len(halts_frame) > MAX_LABELLED_HALTS
    if many_halts:  # one label for all of them, over bands merged where their periods meet
        first = period_label(str(halts_frame["date"].iloc[0]).split("/")[0])
        halt_words["all"] = wrap(f"{len(halts_frame):,} export halts (shaded), the first from {first}",
                                 axis_w - 0.15)
        halt_rows = len(halt_words["all"])
    for halt in halts_frame.itertuples(index=False) if not many_halts else ():
        words = (f"Export halt from {period_label(str(halt.date).split('/')[0])}"
                 + (", no end reported" if pd.isna(halt.latest) else f", to {_end_words(halt.date)}"))
        halt_words[halt.record_id] = wrap(words, axis_w - 0.15)
        halt_rows += len(halt_words[halt.record_id])
    total_rows = halt_rows + sum(len(headers[lane]) + rows for lane, rows, _ in plan)
    panel = sheet.panel(total_rows * ROW_IN, bottom=kit.xmargin_for(), right=0.12, top=0.02)
    _finish(sheet, notes or [], source)
    fig, panels, _ = sheet.build()
    ax = panels[panel]
    start_num, end_num = mdates.date2num(start), mdates.date2num(end)
    ax.set_xlim(start_num, end_num)
    ax.set_ylim(total_rows - 0.5, -0.5)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)

    def to_num(inches: float) -> float:
        return start_num + inches / axis_w * (end_num - start_num)

    y = halt_rows
    for lane, rows, marks in plan:
        colour = LANE_COLOURS.get(lane, ACCENT)
        head = len(headers[lane])
        ax.text(start_num, y + (head - 1) / 2, "\n".join(headers[lane]), fontsize=TEXT_PT, fontweight="bold",
                va="center", ha="left", color=colour, linespacing=1.15)
        if isinstance(marks, pd.DataFrame) and len(marks) >= COUNT_ITEMS_FROM:
            _count_strip(ax, marks, y + head, start, end, colour)
        elif isinstance(marks, pd.DataFrame):
            _dense_strip(ax, marks, y + head, start, end, colour)
        else:
            for mark in marks:
                yy = y + head + mark["row"]
                _draw_mark(ax, mark, yy, colour, end_num)
                if mark["side"] == "above":
                    mark = {**mark, "label_row": y + head + mark["label_row"]}
                _write_label(ax, mark, yy, to_num)
        if y > halt_rows:
            ax.axhline(y - 0.5, color=GRID, linewidth=0.8, zorder=1)
        y += head + rows
    if many_halts:
        for left, right in merged_spans(halts_frame, end):
            if left <= end and right >= start:
                ax.axvspan(mdates.date2num(max(left, start)), mdates.date2num(min(right, end)),
                           color=kit.tint(WARN, 0.16), linewidth=0, zorder=0)
        lines = halt_words["all"]
        ax.text(start_num, (len(lines) - 1) / 2, "\n".join(lines), fontsize=TEXT_PT, color=WARN, va="center",
                ha="left", linespacing=1.15)
    for halt in halts_frame.itertuples(index=False) if not many_halts else ():
        left = max(halt.earliest, start)
        right = end if pd.isna(halt.latest) else min(halt.latest, end)
        if left > end or right < start:
            continue
        ax.axvspan(mdates.date2num(left), mdates.date2num(right), color=kit.tint(WARN, 0.16), linewidth=0, zorder=0)
        still_on = pd.isna(halt.latest) or halt.latest > end
        lines = halt_words[halt.record_id]
        words = "\n".join(lines)
        width = max(text_width(line) for line in lines) / 72
        at = mdates.date2num(left)
        if width + 0.1 < to_in(end) - to_in(left):
            x, ha = at, "left"
            words = "\n".join(" " + line for line in lines)
        elif width + 0.05 < to_in(left):
            x, ha = at, "right"
        else:  # neither side of the band's start has room: from the axis's start
            x, ha = start_num, "left"
        ax.text(x, (len(lines) - 1) / 2, words, fontsize=TEXT_PT, color=WARN, va="center", ha=ha, linespacing=1.15)
        if still_on:
            ax.plot([end_num], [0], marker=">", markersize=6.5, color=WARN, clip_on=False, linestyle="none")
    _date_ticks(ax, start, end, narrow)
    return fig


# ----------------------------------------------------------------------------- monthly exports


def _million_ticks(top: float, narrow: bool) -> list[float]:
    ticks = MaxNLocator(nbins=3 if narrow else 4, steps=[1, 2, 2.5, 5, 10]).tick_values(0, max(top, 1.0))
    return [t for t in ticks if t >= 0]


def _tick_text(value: float) -> str:
    return f"{value:g}"


def _money_label(amount: float, kind: str, value: float, currency: str, reported_currency: str) -> str:
    """"≈ €14.0m"; a figure converted by us: "≈ $15.2m (€14.0m)"."""
    qualifier = QUALIFIERS.get(kind, "")
    if reported_currency and reported_currency != currency and not pd.isna(amount):
        as_reported = format_money(amount, reported_currency, compact=True)
        return f"{qualifier}{format_money(value, currency, compact=True)} ({as_reported})"
    return qualifier + format_money(value, currency, compact=True)


def exports_chart(exports: pd.DataFrame, totals: pd.DataFrame, currency: str, start: pd.Timestamp,
                  end: pd.Timestamp, title: str = "", *, source: str = "", notes: list[str] | None = None,
                  width: float = WIDE_IN) -> plt.Figure:
    """Two panels on one time axis. Above: each customs-recorded value as a bar over its month (or
    months, for a figure given for several), the fill by certainty, the value written on it; shipments
    reported without a value sit in a hatched strip of their own above the bars, never at zero.
    Below: the ledger's running total per year (a step line restarting each January) and the totals
    the sources published for the year to date (dots at the end of their periods, a later restatement
    beside the figure it restates), in `currency`; labels never overlap."""
    narrow = is_narrow(width)
    sign = symbol(currency)
    shown = exports[(exports["latest"] >= start) & (exports["earliest"] <= end)]
    valued = shown.dropna(subset=["value"])
    undisclosed = shown[shown["value"].isna()]
    totals = totals[(totals["latest"] >= start) & (totals["latest"] <= end)] if not totals.empty else totals
    notes = list(notes or [])
    # Every published total is a dot; labels for the largest, placed without overlap (the placement
    # is quadratic, and thousands of labels would fill the panel).
    labelled_totals = set(totals["published"].sort_values(ascending=False, kind="stable").index[:MAX_TOTAL_LABELS]) \
        if not totals.empty else set()
    if len(totals) > MAX_TOTAL_LABELS:
        notes.insert(0, f"{len(totals):,} published totals drawn as dots, the {MAX_TOTAL_LABELS} largest labelled; "
                        "the table lists each one.")
    if len(valued) > MAX_LABELLED_ITEMS:  # too many rows to draw one by one: one bar per month, summed
        notes.insert(0, f"{len(valued):,} customs-recorded values summed by the month they begin in; the table "
                        "lists each one.")
        valued = _by_month(valued, currency)
    dense_strip = len(undisclosed) > MAX_LABELLED_NARROW
    sheet = Sheet(width)
    sheet.title(title or "Customs-recorded exports by month")
    present = set(shown["certainty"]) | (set(totals["certainty"]) if not totals.empty else set())
    key = certainty_key(MUTED, present)
    if not undisclosed.empty:
        key.append(KeyEntry("value not disclosed", facecolor="white", edgecolor=MUTED, hatch="////"))
    key.append(KeyEntry("ledger running total", kind="line", edgecolor=INK, linewidth=1.6))
    key.append(KeyEntry("published total", kind="marker", facecolor=WARN, edgecolor=WARN))
    sheet.key(key)
    axis_w = width - 2 * Sheet.PAD
    top_a = max([1.0, *(valued["value"] / 1e6)]) if not valued.empty else 1.0
    ticks_a = _million_ticks(top_a * 1.25, narrow)
    # The running totals per year and the published totals share the lower panel's scale.
    running = []
    for year, group in valued.sort_values("latest").groupby(valued["latest"].dt.year):
        cumulative = (group["value"].cumsum() / 1e6).tolist()
        running.append((int(year), group, cumulative))
    top_b = max([1.0, *(c[-1] for _, _, c in running), *((totals["published"] / 1e6).tolist() if not totals.empty
                                                          else [])])
    ticks_b = _million_ticks(top_b * 1.12, narrow)
    left = kit.ymargin_for([_tick_text(t) for t in ticks_a + ticks_b])
    # undisclosed strip rows
    strip_marks = []
    strip_axis_w = axis_w - left
    days = max((end - start).days, 1)

    def to_in(ts) -> float:
        return (min(max(ts, start), end) - start).days / days * strip_axis_w

    for row in ([] if dense_strip else undisclosed.sort_values(["earliest", "record_id"]).itertuples(index=False)):
        text = row.exporter if (row.latest - row.earliest).days > 40 else f"{row.exporter}, {period_label(row.period)}"
        strip_marks.append({"record_id": row.record_id, "text": text, "left": to_in(row.earliest),
                            "right": to_in(row.latest + pd.Timedelta(days=1)), "span": True, "open": False,
                            "certainty": row.certainty, "backing": True,
                            "x0": mdates.date2num(max(row.earliest, start)),
                            "x1": mdates.date2num(min(row.latest + pd.Timedelta(days=1), end))})
    strip_rows = _pack(strip_marks, 0.0, strip_axis_w, 30 if narrow else 40) if strip_marks else 0
    if dense_strip:
        strip_rows = 1
    sheet.text(f"Each customs-recorded value, {sign} million", weight="bold", gap=0.06)
    if strip_rows:
        sheet.text(f"{len(undisclosed):,} shipments reported without a value (listed in the table):" if dense_strip
                   else "Shipments reported without a value:", colour=MUTED)
        strip = sheet.panel(strip_rows * ROW_IN, left=left, top=0.0, bottom=0.04, name="strip")
    bars = sheet.panel(1.55 if narrow else 1.7, left=left, bottom=kit.xmargin_for(), top=0.22, name="bars")
    sheet.text(f"Running total per year and published totals, {sign} million", weight="bold", gap=0.08)
    lower = sheet.panel(1.75 if narrow else 1.95, left=left, bottom=kit.xmargin_for(), top=0.1, name="lower")
    _finish(sheet, notes, source)
    fig, panels, _ = sheet.build()
    start_num, end_num = mdates.date2num(start), mdates.date2num(end)

    if strip_rows:
        ax = panels[strip]
        ax.set_xlim(start_num, end_num)
        ax.set_ylim(strip_rows - 0.5, -0.5)
        ax.axis("off")

        def to_num(inches: float) -> float:
            return start_num + inches / strip_axis_w * (end_num - start_num)

        if dense_strip:
            x0 = mdates.date2num(undisclosed["earliest"].clip(lower=start))
            widths = mdates.date2num(undisclosed["latest"].clip(upper=end) + pd.Timedelta(days=1)) - x0
            ax.broken_barh(list(zip(x0, widths, strict=True)), (-BAR_FRACTION / 2, BAR_FRACTION), facecolors="white",
                           edgecolors=MUTED, hatch="////", linewidth=0.5, alpha=0.6)
        for mark in strip_marks:
            ax.add_patch(Rectangle((mark["x0"], mark["row"] - BAR_FRACTION / 2), mark["x1"] - mark["x0"],
                                   BAR_FRACTION, facecolor="white", edgecolor=MUTED, hatch="////", linewidth=0.8))
            _write_label(ax, mark, mark["row"], to_num)

    ax = panels[bars]
    ax.set_xlim(start_num, end_num)
    ax.set_ylim(0, ticks_a[-1])
    ax.set_yticks(ticks_a, [_tick_text(t) for t in ticks_a])
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    value_labels = []
    bar_boxes = []
    for row in valued.itertuples(index=False):
        width_days = (row.latest - row.earliest).days + 1
        style = certainty_fill(row.certainty, ACCENT)
        ax.add_patch(Rectangle((mdates.date2num(row.earliest) + width_days * 0.04, 0), width_days * 0.92,
                               row.value / 1e6, linewidth=0.9, zorder=3, **style))
        text = _money_label(row.amount, row.amount_kind, row.value, currency, row.currency)
        if narrow:
            text = QUALIFIERS.get(row.amount_kind, "") + format_money(row.value, currency, compact=True)
        if width_days > 40:
            text += f" ({period_label(row.period)})"
        value_labels.append((mdates.date2num(row.earliest) + width_days / 2, row.value / 1e6, text))
        bar_boxes.append((mdates.date2num(row.earliest) + width_days * 0.04,
                          mdates.date2num(row.earliest) + width_days * 0.96, row.value / 1e6))
    top_label = max((v for _, v, _ in value_labels), default=0.0)
    if narrow:  # a phone shows the values that stand out; the table gives every one
        value_labels = [label for label in value_labels if label[1] >= 0.1 * top_label]
    value_labels = sorted(value_labels, key=lambda label: -label[1])[:12]
    _labels_above(ax, value_labels, bar_boxes)
    _date_ticks(ax, start, end, narrow)
    ax.grid(axis="x", visible=False)

    ax = panels[lower]
    ax.set_xlim(start_num, end_num)
    ax.set_ylim(0, ticks_b[-1])
    ax.set_yticks(ticks_b, [_tick_text(t) for t in ticks_b])
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    labels: list[Label] = []
    right_edge = start + (end - start) * 0.62

    def side(ts) -> str:
        return "left" if ts > right_edge else "right"

    for year, group, cumulative in running:
        xs = [mdates.date2num(group["earliest"].iloc[0])] + [mdates.date2num(t) for t in group["latest"]]
        ys = [0.0] + cumulative
        ax.step(xs, ys, where="post", color=INK, linewidth=1.6, zorder=3)
        last = group["latest"].iloc[-1]
        open_year = exports[(exports["earliest"].dt.year == year)]
        at_least = open_year["value"].isna().any() or (open_year["amount_kind"] == "at_least").any()
        words = f"ledger {year}: {'≥ ' if at_least else ''}{format_money(cumulative[-1] * 1e6, currency, compact=True)}"
        labels.append(Label(words, last, cumulative[-1], side=side(last), colour=INK))
    for certainty, group in totals.groupby("certainty", sort=True) if not totals.empty else []:
        style = certainty_fill(certainty, WARN)  # one scatter per fill: thousands of dots in one call
        ax.scatter(mdates.date2num(group["latest"]), group["published"] / 1e6, s=46, zorder=5, linewidths=1.0,
                   clip_on=False, facecolors=[style["facecolor"]], edgecolors=[style["edgecolor"]],
                   hatch=style["hatch"])
    for index, row in zip(totals.index, totals.itertuples(index=False), strict=True):
        if index not in labelled_totals:
            continue
        y = row.published / 1e6
        value = _money_label(row.amount, row.amount_kind, row.published, currency, row.currency)
        words = f"{period_label(row.period)}: {value}"
        if not narrow and getattr(row, "restated_by", ""):
            words += f", published {_month(row.first_reported)}, restated"
        elif not narrow and getattr(row, "restates", ""):
            words += f", published {_month(row.first_reported)}"
        labels.append(Label(words, row.latest, y, side=side(row.latest), colour=WARN))
    kit.place_labels(ax, labels)
    _date_ticks(ax, start, end, narrow)
    ax.grid(axis="x", visible=False)
    return fig


def _by_month(valued: pd.DataFrame, currency: str) -> pd.DataFrame:
    """Values summed by the month they begin in, one row per month (the weakest certainty of its rows,
    'at least' where any row is a lower bound)."""
    from armsledger.model.certainty import tier_rank

    month = valued["earliest"].dt.to_period("M")
    rows = []
    for period, group in valued.groupby(month, sort=True):
        rows.append({"record_id": str(period), "period": str(period), "earliest": period.start_time,
                     "latest": period.end_time.normalize(), "precision": "month", "exporter": "",
                     "amount": float("nan"), "amount_max": float("nan"),
                     "amount_kind": "at_least" if (group["amount_kind"] == "at_least").any() else "exact",
                     "currency": currency, "value": float(group["value"].sum()),
                     "certainty": max(group["certainty"], key=tier_rank), "source_ids": []})
    return pd.DataFrame(rows, columns=[*valued.columns])


def _month(edtf: str) -> str:
    return period_label(str(edtf)[:7]) if edtf else "undated"


def _labels_above(ax: plt.Axes, labels: list[tuple[float, float, str]],
                  bars: list[tuple[float, float, float]] | None = None) -> list:
    """Value labels centred above their bars (x centre, top, text), kept inside the axes and lifted
    where one would overlap another label or a bar (`bars`: left, right, top in data units)."""
    fig = ax.figure
    pt = fig.dpi / 72
    to_px = ax.transData.transform
    inverse = ax.transData.inverted()
    placed = []
    for left, right, top in bars or []:
        (x0, y0), (x1, y1) = to_px((left, 0)), to_px((right, top))
        placed.append((x0, x1, y0, y1))
    artists = []
    for x, y, text in sorted(labels, key=lambda item: (-item[1], item[0])):  # tallest bars first
        px, py = to_px((x, y))
        width = text_width(text) * pt
        height = TEXT_PT * kit.LINE * pt
        x_lo, x_hi = ax.bbox.x0 + width / 2, ax.bbox.x1 - width / 2
        px = min(max(px, x_lo), x_hi)  # kept inside the axes, never cut at the figure's edge
        bottom = py + 2 * pt
        for _ in range(len(placed) + 1):
            clash = [p for p in placed if p[0] < px + width / 2 and px - width / 2 < p[1] and
                     p[2] < bottom + height and bottom < p[3]]
            if not clash:
                break
            bottom = max(p[3] for p in clash) + 1 * pt
        placed.append((px - width / 2, px + width / 2, bottom, bottom + height))
        tx, ty = inverse.transform((px, bottom + height / 2))
        artists.append(ax.text(tx, ty, text, fontsize=TEXT_PT, ha="center", va="center", color=INK, zorder=6,
                               clip_on=False))
    return artists


# ----------------------------------------------------------------------------- rows of labelled bars


def _bar_rows(sheet: Sheet, rows: list[dict], bar_in: float = 0.17) -> str:
    """A panel of horizontal bars, each with its words on a line above it (wrapped to the width) and
    its value at its end; rows with `header` are bold group headings, rows with `note` muted words
    without a bar. Returns the panel name; call _draw_bar_rows after build."""
    inner = sheet.inner
    height = 0.0
    for row in rows:
        lines = wrap(row["text"], inner, TEXT_PT, "bold" if row.get("header") else "normal")
        row["lines"] = lines
        row["top"] = height
        height += len(lines) * line_height_in() + (0.04 if row.get("header") else 0.0)
        if not row.get("header") and not row.get("note"):
            row["bar_y"] = height + bar_in / 2 + 0.02
            height += bar_in + 0.1
    sheet.rows_meta = rows  # kept for drawing
    return sheet.panel(height, name="bars")


def _draw_bar_rows(ax: plt.Axes, rows: list[dict], width_in: float, height_in: float, top_value: float,
                   bar_in: float = 0.17) -> None:
    ax.set_xlim(0, width_in)
    ax.set_ylim(height_in, 0)
    ax.axis("off")
    value_room = max((text_width(r.get("value_text", "")) / 72 for r in rows), default=0.0) + 0.12
    scale = (width_in - value_room) / top_value if top_value > 0 else 0.0
    for row in rows:
        for i, line in enumerate(row["lines"]):
            ax.text(0, row["top"] + (i + 0.5) * line_height_in(), line, fontsize=TEXT_PT, va="center", ha="left",
                    color=row.get("colour", INK) if row.get("header") else MUTED if row.get("note") else INK,
                    fontweight="bold" if row.get("header") else "normal")
        if row.get("header") or row.get("note"):
            continue
        value = row.get("value")
        if value is None or pd.isna(value):
            ax.text(0, row["bar_y"], row.get("value_text", ""), fontsize=TEXT_PT, va="center", ha="left", color=MUTED)
            continue
        length = value * scale
        style = row.get("style") or {"facecolor": ACCENT, "edgecolor": ACCENT, "hatch": None}
        ax.add_patch(Rectangle((0, row["bar_y"] - bar_in / 2), length, bar_in, linewidth=0.9, **style))
        ax.text(length + 0.06, row["bar_y"], row.get("value_text", ""), fontsize=TEXT_PT, va="center", ha="left",
                color=INK)


# ----------------------------------------------------------------------------- exports by year (lead chart)


def years_chart(view: pd.DataFrame, currency: str, title: str = "", *, source: str = "",
                notes: list[str] | None = None, lines: dict[str, str] | None = None,
                width: float = WIDE_IN) -> plt.Figure:
    """Exports by year as published (analysis.exports.years_as_published): per year, the headline
    total, every other total for that year with its line of reporting (a restated one says so; the
    later figure leads), a part-year total marked as such, and the ledger's own sum of
    customs-recorded rows as a lighter companion. Bars in `currency`; a figure published in another
    currency shows it beside its conversion. `lines` maps an aggregate id to its line of reporting
    in words."""
    lines = lines or {}
    sheet = Sheet(width)
    sheet.title(title or "Serbian arms exports to Israel by year")
    present = set(view.loc[view["role"] != "ledger", "aggregate_id"]) if not view.empty else set()
    tiers = set(view.loc[view["role"] != "ledger", "certainty"]) if "certainty" in view and not view.empty else set()
    key = [KeyEntry("published total (leads)", facecolor=ACCENT, edgecolor=ACCENT),
           KeyEntry("other total for the year", facecolor=kit.tint(MUTED, 0.55), edgecolor=MUTED),
           KeyEntry("part of the year only", facecolor="white", edgecolor=ACCENT, linestyle="--"),
           KeyEntry("ledger's own customs rows", facecolor=COMPANION, edgecolor=COMPANION)]
    sheet.key(key if present else key[-1:])
    if view.empty:
        sheet.text("No published total or customs-recorded row in this edition.", colour=MUTED, gap=0.1)
        _finish(sheet, notes or [], source)
        return sheet.build()[0]
    _ = tiers
    rows: list[dict] = []
    top = max([1.0, *view["published"].dropna().tolist()])
    for year, group in view.groupby("year", sort=True):
        rows.append({"header": True, "text": str(year)})
        # A large ledger can hold thousands of totals for one year: the first few others are drawn.
        others = group.index[group["role"] == "other"]
        left_out = others[OTHER_TOTALS_PER_YEAR:]
        for r in group.drop(index=left_out).itertuples(index=False):
            if r.role == "ledger":
                qualifier = "≥ " if r.amount_kind == "at_least" else ""
                value_text = ("no disclosed value" if pd.isna(r.published)
                              else qualifier + format_money(r.published, currency, compact=True))
                rows.append({"text": "Ledger: sum of its customs-recorded rows"
                             + (" (some values undisclosed or lower bounds)" if r.amount_kind == "at_least" else ""),
                             "value": r.published, "value_text": value_text,
                             "style": {"facecolor": COMPANION, "edgecolor": COMPANION, "hatch": None}})
                continue
            line = lines.get(r.aggregate_id, "")
            when = _month(r.first_reported)
            if r.role == "part-year":
                words = f"{period_label(r.period)} only (part of the year), published {when}"
                style = {"facecolor": "white", "edgecolor": ACCENT, "hatch": None, "linestyle": "--"}
            elif r.role == "headline":
                words = f"Published {when}"
                style = {"facecolor": ACCENT, "edgecolor": ACCENT, "hatch": None}
            else:
                words = f"Published {when}"
                style = {"facecolor": kit.tint(MUTED, 0.55), "edgecolor": MUTED, "hatch": None}
            if line:
                words += f" by {line}"
            if r.restated_by:
                words += "; restated later (the figure above leads)"
            elif r.role == "headline" and (group["restated_by"] == r.aggregate_id).any():
                words += "; restates an earlier figure"
            value_text = _money_label(r.amount, r.amount_kind, r.published, currency, r.currency)
            rows.append({"text": words, "value": r.published, "value_text": value_text, "style": style})
        if len(left_out):
            rows.append({"note": True, "text": f"… and {len(left_out):,} more totals for {year}, not drawn "
                                               "(every one is in the figure's data)"})
    panel = _bar_rows(sheet, rows)
    _finish(sheet, notes or [], source)
    fig, panels, _ = sheet.build()
    ax = panels[panel]
    height = sum(r.height for r in sheet.rows if r.kind == "panel")
    _draw_bar_rows(ax, rows, sheet.inner, height, top)
    return fig


# ----------------------------------------------------------------------------- reconciliation


def _gap_words(row, unit: str, sign: str) -> str:
    scale = 1e6 if unit != "flights" else 1.0
    gap = row.gap_display / scale if not pd.isna(row.gap_display) else math.nan
    fmt = (lambda v: f"{sign}{abs(v):.2f}m") if unit != "flights" else (lambda v: f"{abs(v):.0f}")
    if math.isnan(gap):
        return "total not stated"
    if row.status == "consistent":
        return "consistent within rounding"
    if row.status == "no ledger rows":
        return "no ledger row in the period"
    if row.status.startswith("open"):
        return f"{fmt(gap)} gap; some rows are undisclosed or lower bounds"
    return f"{fmt(gap)} {'not in any row' if gap > 0 else 'more in rows than published'}"


def reconciliation_chart(recon: pd.DataFrame, currency: str, title: str = "", *, source: str = "",
                         notes: list[str] | None = None, width: float = WIDE_IN) -> plt.Figure:
    """Each published total (words above its bars) next to the sum of the ledger rows it covers, the
    gap in words; money totals in `currency`, flight counts in a panel of their own."""
    sign = symbol(currency)
    money_rows = recon[recon["scope"] == "arms_exports"].reset_index(drop=True)
    count_rows = recon[recon["scope"] == "military_flights"].reset_index(drop=True)
    sheet = Sheet(width)
    sheet.title(title or "Published totals against the ledger")
    tiers = set(recon["certainty"]) if not recon.empty else set()
    sheet.key([*certainty_key(WARN, tiers or None)[:0],
               KeyEntry("published total", facecolor=WARN, edgecolor=WARN),
               KeyEntry("sum of the ledger rows it covers", facecolor=ACCENT, edgecolor=ACCENT)])
    if recon.empty:
        sheet.text("No published total passes this edition's filters.", colour=MUTED, gap=0.1)
        _finish(sheet, notes or [], source)
        return sheet.build()[0]
    blocks = []
    left_out = 0
    for frame, unit, heading in ((money_rows, currency, f"Money totals, {sign} million"),
                                 (count_rows, "flights", "Flight counts")):
        if frame.empty:
            continue
        if len(frame) > MAX_BAR_ROWS:  # the largest gaps, in their original order
            keep = frame["gap_display"].abs().fillna(-1).sort_values(ascending=False, kind="stable").index
            left_out += len(frame) - MAX_BAR_ROWS
            frame = frame.loc[sorted(keep[:MAX_BAR_ROWS])]
        rows = [{"header": True, "text": heading}]
        top = 1.0
        for r in frame.itertuples(index=False):
            is_money = unit != "flights"
            bound = "≥ " if r.published_kind == "at_least" else ("≈ " if r.published_kind == "approx" else "")
            published = (bound + format_money(r.published_display, currency, compact=True)) if is_money else \
                f"{bound}{r.published:.0f}"
            rows_sum = (format_money(r.rows_sum_display, currency, compact=True) if is_money
                        else f"{r.rows_sum:.0f}")
            extra = ""
            if r.restated_by:
                extra = "; restated by a later total"
            elif r.restates:
                extra = "; restates an earlier total"
            label = f"{period_label(r.period)}: {_gap_words(r, unit, sign)}{extra}"
            if is_money and r.unit != currency:
                label += f" (published in {r.unit}, converted)"
            rows.append({"text": label, "value": r.published_display, "value_text": f"published {published}",
                         "style": {"facecolor": WARN, "edgecolor": WARN, "hatch": None}})
            rows.append({"text": "", "value": r.rows_sum_display, "value_text": f"ledger rows {rows_sum}",
                         "style": {"facecolor": ACCENT, "edgecolor": ACCENT, "hatch": None}, "tight": True})
            known = [v for v in (r.published_display, r.rows_sum_display) if pd.notna(v) and math.isfinite(v)]
            top = max([top, *known])  # neither may be known: a count total with no count and no rows
        blocks.append((rows, top))
    if left_out:
        notes = [f"Drawn: the {MAX_BAR_ROWS} largest gaps of each kind; {left_out:,} more totals are in the "
                 "reconciliation table.", *(notes or [])]
    names = []
    for index, (rows, _) in enumerate(blocks):
        if index:
            sheet.gap(0.1)
        names.append(_bar_rows_named(sheet, rows, f"block{index}"))
    _finish(sheet, notes or [], source)
    fig, panels, _ = sheet.build()
    for name, (rows, top) in zip(names, blocks, strict=True):
        height = next(r.height for r in sheet.rows if r.kind == "panel" and r.payload["name"] == name)
        _draw_bar_rows(panels[name], rows, sheet.inner, height, top, bar_in=0.14)
    return fig


def _bar_rows_named(sheet: Sheet, rows: list[dict], name: str, bar_in: float = 0.14) -> str:
    height = 0.0
    for row in rows:
        lines = [] if not row["text"] else wrap(row["text"], sheet.inner, TEXT_PT,
                                                  "bold" if row.get("header") else "normal")
        row["lines"] = lines
        row["top"] = height
        height += len(lines) * line_height_in() + (0.04 if row.get("header") else 0.0)
        if not row.get("header"):
            row["bar_y"] = height + bar_in / 2 + 0.02
            height += bar_in + (0.03 if not row.get("tight") and row is not rows[-1] and
                                rows[rows.index(row) + 1].get("tight") else 0.1)
    return sheet.panel(height, name=name)


# ----------------------------------------------------------------------------- coverage


COVERAGE_PALETTE = ["#1f5f8b", "#b5452f", "#c07a1c", "#3d7a4a", "#5b4a8b", "#8a8a8a"]


# Beyond this many bars a coverage chart counts per quarter, and beyond it again per year: bars a
# hair wide (a ledger of decades by month) cannot be told apart.
MAX_COVERAGE_BARS = 72


def coverage_bins(coverage: pd.DataFrame) -> tuple[pd.DataFrame, str]:
    """`coverage` (records per month by table) summed into quarters or years when it has more than
    MAX_COVERAGE_BARS months, with the unit's word ("month", "quarter", "year")."""
    for freq, unit in (("M", "month"), ("Q", "quarter"), ("Y", "year")):
        binned = coverage.groupby(coverage.index.asfreq(freq)).sum() if freq != "M" else coverage
        if len(binned) <= MAX_COVERAGE_BARS or freq == "Y":
            return binned, unit
    raise AssertionError("unreachable")


def coverage_chart(coverage: pd.DataFrame, title: str = "", *, source: str = "", notes: list[str] | None = None,
                   width: float = WIDE_IN) -> plt.Figure:
    """Dated records per month, stacked by table; per quarter or year over a long period (coverage_bins)."""
    coverage, unit = coverage_bins(coverage)
    narrow = is_narrow(width)
    sheet = Sheet(width)
    sheet.title(title or "Dated records per month")
    colours = {column: COVERAGE_PALETTE[i % len(COVERAGE_PALETTE)] for i, column in enumerate(coverage.columns)}
    sheet.key([KeyEntry(str(c), facecolor=colours[c], edgecolor=colours[c]) for c in coverage.columns])
    totals = coverage.sum(axis=1) if not coverage.empty else pd.Series(dtype=float)
    top = max(float(totals.max()) if not totals.empty else 0.0, 1.0)
    ticks = [t for t in MaxNLocator(nbins=3 if narrow else 4, integer=True).tick_values(0, top * 1.1) if t >= 0]
    left = kit.ymargin_for([_tick_text(t) for t in ticks])
    sheet.text(f"Records per {unit}", weight="bold", gap=0.05)
    panel = sheet.panel(1.6 if narrow else 1.8, left=left, bottom=kit.xmargin_for(), top=0.08)
    _finish(sheet, notes or [], source)
    fig, panels, _ = sheet.build()
    ax = panels[panel]
    if coverage.empty:
        return fig
    x = coverage.index.to_timestamp()
    widths = (mdates.date2num((coverage.index + 1).to_timestamp()) - mdates.date2num(x)) * 0.8
    bottom = pd.Series(0.0, index=coverage.index)
    for column in coverage.columns:
        ax.bar(mdates.date2num(x), coverage[column], width=widths, bottom=bottom, color=colours[column],
               align="edge", linewidth=0)
        bottom = bottom + coverage[column]
    start, end = x.min(), (coverage.index.max() + 1).to_timestamp()
    ax.set_xlim(mdates.date2num(start), mdates.date2num(end))
    ax.set_ylim(0, ticks[-1])
    ax.set_yticks(ticks, [_tick_text(t) for t in ticks])
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    _date_ticks(ax, start, end, narrow)
    ax.grid(axis="x", visible=False)
    return fig


# ----------------------------------------------------------------------------- delivery windows


def windows_chart(windows: pd.DataFrame, currency: str, title: str = "", *, source: str = "",
                  notes: list[str] | None = None, width: float = WIDE_IN) -> plt.Figure:
    """Each contract's delivery window as the sources report it: a band from its start to its end
    (an approximate end fades out, an open end runs to the edge with an arrow), with the contract's
    value as reported written beside it. Nothing is split by year: no source gives a schedule."""
    narrow = is_narrow(width)
    sheet = Sheet(width)
    sheet.title(title or "Reported delivery windows")
    tiers = set(windows["certainty"]) if not windows.empty else set()
    sheet.key([*certainty_key(ACCENT, tiers or None)])
    shown = windows[windows["start"].notna() | windows["value"].notna()]
    if len(shown) > MAX_BAR_ROWS // 2:  # the largest contracts, in date order
        most = MAX_BAR_ROWS // 2
        keep = shown["value"].fillna(-1).sort_values(ascending=False, kind="stable").index[:most]
        notes = [f"Drawn: the {most} largest contracts; {len(shown) - most:,} more are in the contracts table.",
                 *(notes or [])]
        shown = shown.loc[sorted(keep)]
    if shown.empty:
        sheet.text("No contract with a delivery window or a value in this edition.", colour=MUTED, gap=0.1)
        _finish(sheet, notes or [], source)
        return sheet.build()[0]
    dated = shown.dropna(subset=["start"])
    if not dated.empty:
        start = dated["start"].min().to_period("Y").to_timestamp()
        last = dated["end"].fillna(dated["start"] + pd.offsets.YearEnd(2)).max()
        end = (last + pd.Timedelta(days=1)).to_period("Y").to_timestamp(how="end").normalize()
    else:
        start, end = pd.Timestamp("2024-01-01"), pd.Timestamp("2026-12-31")
    rows = []
    for w in shown.itertuples(index=False):
        value = "value not reported" if pd.isna(w.amount) else (
            f"{QUALIFIERS.get(w.amount_kind, '')}{format_as_written(w.amount, w.currency)} as reported"
            + ("" if w.currency == currency or pd.isna(w.value) else f" (≈ {format_money(w.value, currency)})"))
        if pd.isna(w.start):
            window = "no delivery window reported"
        else:
            window = f"reported delivery window {period_label(w.delivery)}"
        rows.append({"text": f"{w.title}", "sub": f"{value}; {window}", "w": w})
    inner = sheet.inner
    layout = []
    height = 0.0
    for row in rows:
        lines = wrap(row["text"], inner, TEXT_PT, "bold") + wrap(row["sub"], inner)
        layout.append((row, lines, height))
        height += len(lines) * line_height_in() + 0.3 + 0.12
    panel = sheet.panel(height, bottom=kit.xmargin_for(), top=0.02, right=0.12)
    _finish(sheet, notes or [], source)
    fig, panels, _ = sheet.build()
    ax = panels[panel]
    start_num, end_num = mdates.date2num(start), mdates.date2num(end)
    ax.set_xlim(start_num, end_num)
    ax.set_ylim(height, 0)
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    for row, lines, top in layout:
        for i, line in enumerate(lines):
            bold = i < len(wrap(row["text"], inner, TEXT_PT, "bold"))
            ax.text(start_num, top + (i + 0.5) * line_height_in(), line, fontsize=TEXT_PT, va="center", ha="left",
                    fontweight="bold" if bold else "normal", color=INK)
        w = row["w"]
        if pd.isna(w.start):
            continue
        y = top + len(lines) * line_height_in() + 0.16
        x0 = mdates.date2num(max(w.start, start))
        x1 = mdates.date2num(min(w.end, end) + pd.Timedelta(days=1)) if not pd.isna(w.end) else end_num
        style = certainty_fill(w.certainty, ACCENT)
        ax.add_patch(Rectangle((x0, y - 0.11), x1 - x0, 0.22, linewidth=0.9, **style))
        if w.end_open or pd.isna(w.end) or w.end > end:
            ax.plot([end_num], [y], marker=">", markersize=7, color=ACCENT, clip_on=False, linestyle="none")
    _date_ticks(ax, start, end, narrow)
    return fig


# ----------------------------------------------------------------------------- routes


def _count_words(flights: int, at_least: bool) -> str:
    return f"{'at least ' if at_least else ''}{flights} flight{'s' if flights != 1 or at_least else ''}"


def routes_chart(routes: pd.DataFrame, places: dict, title: str = "", *, source: str = "",
                 notes: list[str] | None = None, width: float = WIDE_IN) -> plt.Figure:
    """A schematic of the reported cargo-flight routes: places at their real relative positions
    (longitude scaled by the cosine of the mean latitude), one arc per route whose width follows the
    number of reported flights, with the count, the reports and the dates in words. No basemap: no
    map data are shipped or downloaded. Routes with an end not given are listed under the diagram."""
    narrow = is_narrow(width)
    sheet = Sheet(width)
    sheet.title(title or "Reported cargo-flight routes")
    placed = routes[routes["placed"]] if not routes.empty else routes
    sheet.key([KeyEntry("route; width follows the number of flights", kind="line", edgecolor=WARN, linewidth=2.5),
               KeyEntry("airport or air base", kind="marker", facecolor=INK, edgecolor=INK)])
    if placed.empty:
        sheet.text("No reported flight has both ends located in this edition.", colour=MUTED, gap=0.1)
        _finish(sheet, notes or [], source)
        return sheet.build()[0]
    names = {}
    for code in set(placed["origin"]) | set(placed["destination"]):
        names[code] = places[code]
    lat0 = sum(p.lat for p in names.values()) / len(names)
    scale = math.cos(math.radians(lat0))
    xs = {code: p.lon * scale for code, p in names.items()}
    ys = {code: p.lat for code, p in names.items()}
    xmin, xmax = min(xs.values()), max(xs.values())
    ymin, ymax = min(ys.values()), max(ys.values())
    span = max(xmax - xmin, ymax - ymin, 1.0)
    map_h = 2.7 if narrow else 3.1
    aspect = ((xmax - xmin) + 0.5 * span) / ((ymax - ymin) + 0.3 * span)
    map_w = min(sheet.inner * (1.0 if narrow else 0.5), map_h * aspect)
    panel = sheet.panel(map_h, right=sheet.inner - map_w if not narrow else 0.0, name="map")
    route_text = []
    for r in placed.itertuples(index=False):
        when = span_words(r.first, r.last)
        reports = f"{r.records} flight record{'s' if r.records != 1 else ''}"
        route_text.append(f"{r.origin_name} → {r.destination_name}: {_count_words(r.flights, r.at_least)} "
                          f"({reports}, {when})")
    if narrow:
        for i, text in enumerate(route_text):
            sheet.text(f"{chr(65 + i)}  {text}", gap=0.04 if i == 0 else 0.0)
    _finish(sheet, notes or [], source)
    fig, panels, overlay = sheet.build()
    ax = panels[panel]
    ax.set_aspect("equal", adjustable="box")  # keeps the limits below; "datalim" warns that it ignores them
    pad_x, pad_y = 0.25 * span, 0.15 * span
    ax.set_xlim(xmin - pad_x, xmax + pad_x)
    ax.set_ylim(ymin - pad_y, ymax + pad_y)
    ax.axis("off")
    most = max(int(placed["flights"].max()), 1)
    for i, r in enumerate(placed.itertuples(index=False)):
        lw = 1.2 + 5.0 * r.flights / most
        rad = 0.18 * (1 if i % 2 == 0 else -1) * (1 + i // 2)
        arrow = FancyArrowPatch((xs[r.origin], ys[r.origin]), (xs[r.destination], ys[r.destination]),
                                connectionstyle=f"arc3,rad={rad}", arrowstyle="-|>", mutation_scale=10 + lw * 2,
                                linewidth=lw, color=WARN, alpha=0.85, shrinkA=4, shrinkB=5, zorder=2)
        ax.add_patch(arrow)
        mx = (xs[r.origin] + xs[r.destination]) / 2
        my = (ys[r.origin] + ys[r.destination]) / 2
        dx, dy = xs[r.destination] - xs[r.origin], ys[r.destination] - ys[r.origin]
        cx, cy = mx + rad * dy, my - rad * dx  # the arc's control point (matplotlib's arc3)
        tag = chr(65 + i)
        ax.text(mx + (cx - mx) * 0.55, my + (cy - my) * 0.55, tag, fontsize=TEXT_PT, fontweight="bold", color=INK,
                ha="center", va="center", zorder=4,
                bbox={"boxstyle": "circle,pad=0.2", "facecolor": "white", "edgecolor": WARN, "linewidth": 0.8})
    for code, place in names.items():
        ax.scatter([xs[code]], [ys[code]], s=30, color=INK, zorder=5)
        right = xs[code] < (xmin + xmax) / 2
        ax.annotate(place.name, (xs[code], ys[code]), xytext=(6 if right else -6, 0), textcoords="offset points",
                    ha="left" if right else "right", va="center", fontsize=TEXT_PT, color=INK, zorder=6)
    # a scale bar: 500 km
    km = 500 / 111.2
    bx, by = xmin - pad_x * 0.6, ymin - pad_y * 0.6
    ax.plot([bx, bx + km], [by, by], color=MUTED, linewidth=1.5)
    ax.text(bx + km / 2, by + span * 0.03, "500 km", ha="center", va="bottom", fontsize=TEXT_PT, color=MUTED)
    if not narrow:
        x0 = Sheet.PAD + map_w + 0.2
        fig_h = fig.get_size_inches()[1]
        box = ax.get_position()
        top = box.y1 * fig_h - 0.1
        for i, text in enumerate(route_text):
            lines = wrap(f"{chr(65 + i)}  {text}", sheet.width - x0 - Sheet.PAD)
            for line in lines:
                overlay.text(x0, top, line, fontsize=TEXT_PT, va="top", ha="left", color=INK)
                top -= line_height_in()
            top -= 0.08
    return fig

