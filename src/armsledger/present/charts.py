"""Matplotlib house style and the report's charts: timeline, monthly exports, reconciliation."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from armsledger.analysis.halts import HALT  # noqa: E402
from armsledger.analysis.timeline import LANES  # noqa: E402
from armsledger.present.format import format_money, period_label, symbol  # noqa: E402
from armsledger.present.tables import labelled_totals, timeline_items  # noqa: E402

# DejaVu Sans ships with matplotlib, so every machine draws the same glyphs, Serbian
# diacritics (č, ć, š, ž, đ) included.
FONT = "DejaVu Sans"
WIDTH_IN = 6.7  # fits an A4 page with 2 cm margins
DPI = 200
INK = "#222222"
MUTED = "#6b6b6b"
GRID = "#e4e4e4"
ACCENT = "#1f5f8b"
ACCENT_LIGHT = "#9cc3dd"
WARN = "#b5452f"
LANE_COLOURS = {
    "Contracts": "#1f5f8b",
    "Transfers": "#b5452f",
    "Flights": "#d08a2c",
    "Surveillance": "#5b4a8b",
    "Diplomacy & statements": "#3d7a4a",
}
CERTAINTY_MARKERS = {  # filled = stronger evidence; hollow = weaker; cross = disputed
    "confirmed": {"marker": "o", "fill": True},
    "probable": {"marker": "D", "fill": True},
    "possible": {"marker": "o", "fill": False},
    "disputed": {"marker": "X", "fill": True},
}


def apply_style() -> None:
    """One look for every chart: set once, before drawing."""
    plt.rcParams.update({
        "font.family": FONT,
        "font.size": 8,
        "axes.titlesize": 9,
        "axes.labelsize": 8,
        "axes.edgecolor": MUTED,
        "axes.labelcolor": INK,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": False,
        "xtick.color": MUTED,
        "ytick.color": MUTED,
        "xtick.labelsize": 7.5,
        "ytick.labelsize": 7.5,
        "legend.frameon": False,
        "legend.fontsize": 7,
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
        "savefig.bbox": "tight",
        "svg.hashsalt": "armsledger",
        "path.simplify": False,
    })


def save(fig: plt.Figure, path: Path) -> Path:
    """Write a PNG without time-stamped metadata, so two builds give the same bytes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", metadata={"Software": None})
    return path


def _millions(value: float) -> float:
    return value / 1e6


# A lane with more items than this in the chart window is drawn without labels (markers and spans
# only, its count in the lane name): measuring and packing thousands of labels takes seconds and
# yields a chart no one can read. The real ledger has a few dozen items in all.
MAX_LABELLED_ITEMS = 60


def _label_extent(ax, fig, text: str, size: float) -> float:
    """Width of `text` in display pixels, measured with the real renderer."""
    artist = ax.text(0, 0, text, fontsize=size)
    width = artist.get_window_extent(renderer=fig.canvas.get_renderer()).width
    artist.remove()
    return width


def empty_chart(message: str) -> plt.Figure:
    """A small figure that says why there is nothing to draw, so every label still has an output."""
    apply_style()
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 0.8))
    ax.axis("off")
    ax.text(0.5, 0.5, message, ha="center", va="center", color=MUTED, fontsize=8)
    return fig


def _separate_labels(fig: plt.Figure, labels: list) -> None:
    """Nudge annotations apart vertically (in points) until no two overlap; order is kept by height."""
    if len(labels) < 2:
        return
    renderer = fig.canvas.get_renderer()
    labels = sorted(labels, key=lambda a: (a.xy[1], a.xy[0]))
    placed = []
    for label in labels:
        for _ in range(60):
            box = label.get_window_extent(renderer=renderer).expanded(1.0, 1.15)
            if not any(box.overlaps(other) for other in placed):
                break
            dx, dy = label.xyann
            label.xyann = (dx, dy + 3)
        placed.append(label.get_window_extent(renderer=renderer).expanded(1.0, 1.15))


def _dense_lane(ax, items: pd.DataFrame, y: float, start: pd.Timestamp, end: pd.Timestamp, colour: str) -> None:
    """A lane with too many items to label, drawn as one strip: spans translucent so that overlaps
    show density, day items as markers; one call per certainty style, not one per item."""
    left = items["earliest"].clip(lower=start)
    right = items["latest"].clip(upper=end)
    styled = items["certainty"].where(items["certainty"].isin(list(CERTAINTY_MARKERS)), "possible")
    for certainty, style in CERTAINTY_MARKERS.items():
        mine = styled == certainty
        spans = mine & items["is_span"]
        if spans.any():
            ax.barh([y] * int(spans.sum()), (right[spans] - left[spans]).dt.days + 1, left=left[spans], height=0.62,
                    color=colour if style["fill"] else "none", alpha=0.15 if style["fill"] else 0.6,
                    edgecolor=colour, linewidth=0.3, hatch="////" if certainty == "disputed" else None)
        days = mine & ~items["is_span"]
        if days.any():
            ax.plot(items.loc[days, "earliest"], [y] * int(days.sum()), linestyle="none", marker=style["marker"],
                    markersize=3.2, markerfacecolor=colour if style["fill"] else "white", markeredgecolor=colour,
                    markeredgewidth=0.6, alpha=0.6)


def _with_open_starts_placed(timeline: pd.DataFrame) -> pd.DataFrame:
    """An item known only to have happened by some date ("../2025-01", an earlier interview cited
    then) is drawn as a point at that date, its label saying "by", rather than left out."""
    open_start = timeline["earliest"].isna() & timeline["latest"].notna()
    if not open_start.any():
        return timeline
    items = timeline.copy()
    items.loc[open_start, "earliest"] = items.loc[open_start, "latest"]
    items.loc[open_start, "is_span"] = False
    items.loc[open_start, "label"] = [f"by {latest:%b %Y}: {label}" for latest, label
                                      in zip(items.loc[open_start, "latest"], items.loc[open_start, "label"],
                                             strict=True)]
    return items


def timeline_chart(timeline: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp,
                   title: str = "") -> plt.Figure:
    """One lane per kind; a day is a marker, a month or interval a bar over its span; labels are
    packed into sub-rows so that none overlaps another. A lane of more than MAX_LABELLED_ITEMS
    items is one unlabelled strip instead."""
    apply_style()
    items = _with_open_starts_placed(timeline_items(timeline))
    # An item still open at its end (a halt in force) runs to the chart's edge.
    items["latest"] = items["latest"].where(items["latest"].notna() | items["earliest"].isna(), end)
    bands = items[items["kind"] == HALT]
    items = items[(items["kind"] != HALT) & (items["latest"] >= start) & (items["earliest"] <= end)].copy()
    lanes = [lane for lane in LANES if lane in set(items["lane"])] or list(LANES)
    fig = plt.figure(figsize=(WIDTH_IN, 2.0))
    ax = fig.add_axes([0.2, 0.1, 0.78, 0.8])
    ax.set_xlim(start, end)
    fig.canvas.draw()
    x0, x1 = ax.transData.transform([[mdates.date2num(start), 0], [mdates.date2num(end), 0]])[:, 0]
    px_per_day = (x1 - x0) / max((end - start).days, 1)
    label_size = 6.2
    pad_px = 6

    placements = []
    rows_per_lane = {}
    dense = {}
    for lane in lanes:
        lane_items = items[items["lane"] == lane]
        if len(lane_items) > MAX_LABELLED_ITEMS:
            dense[lane] = lane_items
            rows_per_lane[lane] = 1
            continue
        free_from: list[float] = []  # per sub-row: first free pixel
        for item in lane_items.sort_values(["earliest", "record_id"]).itertuples(index=False):
            left = x0 + (max(item.earliest, start) - start).days * px_per_day
            right = x0 + ((min(item.latest, end) - start).days + 1) * px_per_day if item.is_span else left
            text_px = _label_extent(ax, fig, item.label, label_size)
            inside = item.is_span and (right - left) > text_px + 2 * pad_px
            if inside:
                extent = (left - 4, right + 4)
            elif right + pad_px + text_px <= x1:
                extent = (left - 4, right + pad_px + text_px + 4)
            else:  # no room on the right of the axis: put the label on the left
                extent = (left - pad_px - text_px - 4, right + 4)
            row = next((i for i, free in enumerate(free_from) if extent[0] >= free), len(free_from))
            if row == len(free_from):
                free_from.append(-math.inf)
            free_from[row] = extent[1] + pad_px
            placements.append((lane, row, item, inside, extent[0] < left - pad_px))
        rows_per_lane[lane] = max(len(free_from), 1)

    row_height_in = 0.17
    lane_gap = 0.6
    heights = [rows_per_lane[lane] + lane_gap for lane in lanes]
    total_rows = sum(heights)
    fig.set_size_inches(WIDTH_IN, max(2.2, total_rows * row_height_in + 0.9))
    offsets, y = {}, 0.0
    for lane, h in zip(lanes, heights, strict=True):
        offsets[lane] = y
        y += h
    ax.set_ylim(total_rows - lane_gap / 2, -lane_gap / 2)

    for lane, row, item, inside, label_left in placements:
        colour = LANE_COLOURS.get(lane, ACCENT)
        yy = offsets[lane] + row
        style = CERTAINTY_MARKERS.get(item.certainty, CERTAINTY_MARKERS["possible"])
        if item.is_span:
            width = (min(item.latest, end) - max(item.earliest, start)).days + 1
            ax.barh(yy, width, left=max(item.earliest, start), height=0.62,
                    color=colour if style["fill"] else "white", alpha=0.35 if style["fill"] else 1.0,
                    edgecolor=colour, linewidth=0.8, hatch="////" if item.certainty == "disputed" else None)
            anchor_left, anchor_right = max(item.earliest, start), min(item.latest, end) + pd.Timedelta(days=1)
        else:
            ax.plot([item.earliest], [yy], linestyle="none", marker=style["marker"], markersize=4.2,
                    markerfacecolor=colour if style["fill"] else "white", markeredgecolor=colour,
                    markeredgewidth=0.9)
            anchor_left = anchor_right = item.earliest
        if inside:
            ax.annotate(item.label, (anchor_left, yy), xytext=(pad_px / 2, 0), textcoords="offset pixels",
                        va="center", ha="left", fontsize=label_size, color=INK)
        elif label_left:
            ax.annotate(item.label, (anchor_left, yy), xytext=(-pad_px, 0), textcoords="offset pixels",
                        va="center", ha="right", fontsize=label_size, color=INK)
        else:
            ax.annotate(item.label, (anchor_right, yy), xytext=(pad_px, 0), textcoords="offset pixels",
                        va="center", ha="left", fontsize=label_size, color=INK)

    for lane, lane_items in dense.items():
        _dense_lane(ax, lane_items, offsets[lane], start, end, LANE_COLOURS.get(lane, ACCENT))
    for band in bands.itertuples(index=False):
        left, right = max(band.earliest, start), min(band.latest, end)
        if left > right:
            continue
        ax.axvspan(left, right, color=WARN, alpha=0.13, linewidth=0, zorder=0)
    names = [f"{lane}\n{len(dense[lane]):,} items, unlabelled" if lane in dense else lane for lane in lanes]
    ax.set_yticks([offsets[lane] + (rows_per_lane[lane] - 1) / 2 for lane in lanes], names)
    for lane in lanes[1:]:
        ax.axhline(offsets[lane] - lane_gap / 2, color=GRID, linewidth=0.8)
    ax.tick_params(axis="y", length=0)
    ax.spines["left"].set_visible(False)
    ax.xaxis.set_major_locator(mdates.YearLocator())
    ax.xaxis.set_minor_locator(mdates.MonthLocator(bymonth=(4, 7, 10)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%Y"))
    ax.grid(axis="x", which="major", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    handles = [
        Line2D([], [], linestyle="none", marker=s["marker"], markersize=4.5, markeredgecolor=INK,
               markerfacecolor=INK if s["fill"] else "white", label=name)
        for name, s in CERTAINTY_MARKERS.items()
    ] + [Patch(facecolor=MUTED, alpha=0.35, edgecolor=MUTED, label="month or interval (span)")]
    if not bands.empty:
        handles.append(Patch(facecolor=WARN, alpha=0.13, label="halt in force"))
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=5, handletextpad=0.3,
              columnspacing=1.2, borderaxespad=0.3)
    if title:
        ax.set_title(title, loc="left", color=INK)
    fig.subplots_adjust(left=0.2, right=0.98, top=0.97, bottom=0.08)
    return fig


def exports_chart(exports: pd.DataFrame, totals: pd.DataFrame, currency: str,
                  start: pd.Timestamp, end: pd.Timestamp) -> plt.Figure:
    """Monthly customs-recorded exports as bars (a multi-month record spans its months, hatched),
    undisclosed months marked, the ledger's running total per year as a line and the published
    year-to-date totals as labelled points at the end of their periods."""
    apply_style()
    sign = symbol(currency)
    totals = labelled_totals(totals, currency)
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 3.4))
    shown = exports[(exports["latest"] >= start) & (exports["earliest"] <= end)]
    ymax = 1.0
    for row in shown.itertuples(index=False):
        width = (row.latest - row.earliest).days + 1
        if pd.isna(row.value):
            ax.plot([row.earliest + pd.Timedelta(days=width / 2)], [0], marker="^", color=WARN, markersize=5,
                    linestyle="none", clip_on=False, zorder=3)
            continue
        multi = row.precision != "month"
        ax.bar(row.earliest, _millions(row.value), width=width * 0.92, align="edge",
               color=ACCENT_LIGHT if multi else ACCENT, hatch="////" if multi else None,
               edgecolor=ACCENT, linewidth=0.6, zorder=2)
        ymax = max(ymax, _millions(row.value))
    # Running total of the ledger's rows, restarting each calendar year.
    dated = shown.dropna(subset=["value"]).sort_values("latest")
    for _year, group in dated.groupby(dated["latest"].dt.year):
        xs = [group["latest"].iloc[0].replace(day=1)] + list(group["latest"])
        ys = [0] + list(_millions(group["value"].cumsum()))
        ax.step(xs, ys, where="post", color=INK, linewidth=1.0, zorder=3)
        ymax = max(ymax, ys[-1])
    labels = []
    for row in totals.itertuples(index=False):
        if pd.isna(row.published) or row.latest < start or row.latest > end:
            continue
        y = _millions(row.published)
        ax.plot([row.latest], [y], marker="D", color=WARN, markersize=4.5, zorder=4)
        right_half = (row.latest - start) > (end - start) * 0.75
        labels.append(ax.annotate(row.label, (row.latest, y), xytext=(-6 if right_half else 6, 0),
                                  textcoords="offset points", fontsize=6.3, color=WARN,
                                  ha="right" if right_half else "left", va="center", zorder=5,
                                  # a light backing keeps a label legible where the running total crosses it
                                  bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.6, "alpha": 0.85}))
        ymax = max(ymax, y)
    ax.set_ylim(0, ymax * 1.18)
    ax.set_xlim(start, end)
    _separate_labels(fig, labels)
    ax.set_xlim(start, end)
    ax.set_ylabel(f"{sign} million")
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.xaxis.set_major_locator(mdates.MonthLocator(bymonth=(1, 7)))
    ax.xaxis.set_minor_locator(mdates.MonthLocator())
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%b %Y"))
    handles = [
        Patch(facecolor=ACCENT, edgecolor=ACCENT, label="month (customs-recorded)"),
        Patch(facecolor=ACCENT_LIGHT, edgecolor=ACCENT, hatch="////", label="several months combined"),
        Line2D([], [], color=INK, linewidth=1.0, label="ledger running total (per year)"),
        Line2D([], [], color=WARN, marker="D", linestyle="none", markersize=4, label="published total (year to date)"),
        Line2D([], [], color=WARN, marker="^", linestyle="none", markersize=4, label="shipment, value undisclosed"),
    ]
    ax.legend(handles=handles, loc="upper left", ncol=2)
    fig.tight_layout()
    return fig


def _total_label(row) -> str:
    """'Jan–Jun 2024 · ≥ $17.1m': the period and the total as published, which tells apart two
    totals for the same period (a dollar restatement and its lower bound, say)."""
    if row.unit == "flights":
        return f"{period_label(row.period)} · {'≥ ' if row.published_kind == 'at_least' else ''}{row.published:.0f}"
    bound = "≥ " if row.published_kind == "at_least" else ""
    return f"{period_label(row.period)} · {bound}{format_money(row.published, row.unit, compact=True)}"


def reconciliation_chart(recon: pd.DataFrame, currency: str) -> plt.Figure:
    """Each published total next to the sum of the ledger rows it covers; the gap is annotated."""
    apply_style()
    sign = symbol(currency)
    money_rows = recon[recon["scope"] == "arms_exports"].reset_index(drop=True)
    count_rows = recon[recon["scope"] == "military_flights"].reset_index(drop=True)
    panels = [(money_rows, f"{sign} million", True), (count_rows, "flights", False)]
    panels = [p for p in panels if not p[0].empty]
    if not panels:
        return empty_chart("No published total passes this edition's filters.")
    heights = [max(len(p[0]), 1) * 0.42 + 0.6 for p in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(WIDTH_IN, sum(heights) + 0.3),
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    for ax, (rows, unit, is_money) in zip(axes[:, 0], panels, strict=True):
        scale = 1e6 if is_money else 1.0
        ys = range(len(rows))
        published = rows["published_display"] / scale
        summed = rows["rows_sum_display"] / scale
        ax.barh([y - 0.19 for y in ys], published, height=0.36, color=WARN, alpha=0.85,
                label="published total")
        ax.barh([y + 0.19 for y in ys], summed, height=0.36, color=ACCENT, label="sum of ledger rows")
        top = max([1.0, *(float(v) for v in (*published, *summed) if pd.notna(v) and math.isfinite(v))])
        for y, row in zip(ys, rows.itertuples(index=False), strict=True):
            gap = row.gap_display / scale
            fmt = f"{sign}{abs(gap):.2f}m" if is_money else f"{abs(gap):.0f}"
            if pd.isna(gap):
                note = "total not stated"
            elif row.status == "consistent":
                note = "consistent within rounding"
            elif row.status.startswith("open"):
                note = f"{fmt} gap; rows with undisclosed or lower-bound values"
            else:
                note = f"{fmt} {'unattributed' if gap > 0 else 'more in rows than published'}"
            bound = "≥ " if row.published_kind == "at_least" else ""
            x = max([0.0, *(v / scale for v in (row.published_display, row.rows_sum_display)
                            if pd.notna(v) and math.isfinite(v))])
            ax.annotate(f"{bound}{note}", (x, y), xytext=(4, 0), textcoords="offset points", va="center",
                        fontsize=6.5, color=INK)
        ax.set_yticks(list(ys), [_total_label(r) for r in rows.itertuples(index=False)])
        ax.invert_yaxis()
        ax.set_xlim(0, top * 1.35)
        ax.set_xlabel(unit)
        ax.grid(axis="x", color=GRID, linewidth=0.8)
        ax.set_axisbelow(True)
        ax.tick_params(axis="y", length=0)
    axes[0, 0].legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2, borderaxespad=0.3)
    fig.tight_layout()
    return fig


def coverage_chart(coverage: pd.DataFrame) -> plt.Figure:
    apply_style()
    fig, ax = plt.subplots(figsize=(WIDTH_IN, 2.4))
    bottom = pd.Series(0, index=coverage.index)
    palette = ["#1f5f8b", "#b5452f", "#d08a2c", "#3d7a4a", "#5b4a8b", "#8a8a8a"]
    x = coverage.index.to_timestamp()
    for index, column in enumerate(coverage.columns):
        colour = palette[index % len(palette)]  # a new record table repeats a colour rather than vanish
        ax.bar(x, coverage[column], width=24, bottom=bottom, color=colour, label=column, align="edge")
        bottom = bottom + coverage[column]
    ax.set_ylabel("records")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.grid(axis="y", color=GRID, linewidth=0.8)
    ax.set_axisbelow(True)
    ax.legend(ncol=3, loc="upper left")
    ax.set_ylim(0, max(float(bottom.max()), 1) * 1.35)
    fig.tight_layout()
    return fig
