"""The house style and layout every chart shares: fonts and sizes (nothing under MIN_PT points, tick
labels included), text measured before drawing so that it is wrapped rather than cut, a figure built
top to bottom at a fixed width (title, key, panels, notes, source line), the certainty fills that
markers and bars share, label placement without overlaps, and PNGs that carry their smallest font
size and width in their metadata.

Text from the data is inert: mathtext is off for every text artist (`text.parse_math`), so a `$`
in a summary prints as written."""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.backends.backend_agg import RendererAgg  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from matplotlib.text import Text  # noqa: E402

# DejaVu Sans ships with matplotlib, so every machine draws the same glyphs, Serbian diacritics
# (č, ć, š, ž, đ) included.
FONT = "DejaVu Sans"
WIDE_IN = 6.7  # the PDF's text width on A4 with 2 cm margins: charts print at 100 %
NARROW_IN = 3.6  # the variant served to phones (HTML, up to 40rem)
DPI = 200
MIN_PT = 9.0  # no chart text is smaller, in print (at WIDE_IN) or on a phone (the narrow variant)
TEXT_PT = 9.0
TITLE_PT = 10.5
LINE = 1.28  # line height, in multiples of the font size

INK = "#222222"
MUTED = "#5f5f5f"
GRID = "#e4e4e4"
ACCENT = "#1f5f8b"
ACCENT_LIGHT = "#9cc3dd"
WARN = "#b5452f"
COMPANION = "#b9b9b9"  # the ledger's own sums beside published figures

from armsledger.present.pngmeta import META_MIN_PT, META_WIDTH_IN, png_size, png_text, rendered_px  # noqa: E402,F401


def apply_style() -> None:
    """One look for every chart: set once, before drawing."""
    plt.rcParams.update({
        "font.family": FONT,
        "font.size": TEXT_PT,
        "axes.titlesize": TITLE_PT,
        "axes.labelsize": TEXT_PT,
        "axes.edgecolor": MUTED,
        "axes.labelcolor": INK,
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": False,
        "xtick.color": MUTED,
        "ytick.color": MUTED,
        "xtick.labelcolor": INK,
        "ytick.labelcolor": INK,
        "xtick.labelsize": TEXT_PT,
        "ytick.labelsize": TEXT_PT,
        "legend.frameon": False,
        "legend.fontsize": TEXT_PT,
        "figure.dpi": DPI,
        "savefig.dpi": DPI,
        "savefig.bbox": None,  # the figure is laid out to its width; "tight" would change it
        "svg.hashsalt": "armsledger",
        "path.simplify": False,
        "text.usetex": False,
        "text.parse_math": False,  # text from the data is never mathtext: "$1m to $2m" prints as written
        "hatch.linewidth": 0.7,
    })


# ----------------------------------------------------------------------------- measuring text

_RENDERER = RendererAgg(10, 10, 72)  # at 72 dpi a pixel is a point


@functools.lru_cache(maxsize=65536)
def text_width(text: str, size: float = TEXT_PT, weight: str = "normal") -> float:
    """Width of one line of `text` in points, as Agg draws it in the house font."""
    if not text:
        return 0.0
    prop = FontProperties(family=FONT, size=size, weight=weight)
    width, _, _ = _RENDERER.get_text_width_height_descent(text, prop, ismath=False)
    return float(width)


def widest(lines, size: float = TEXT_PT, weight: str = "normal") -> float:
    return max((text_width(line, size, weight) for text in lines for line in str(text).split("\n")), default=0.0)


def line_height_in(size: float = TEXT_PT) -> float:
    return size * LINE / 72


def wrap(text: str, width_in: float, size: float = TEXT_PT, weight: str = "normal") -> list[str]:
    """Greedy word wrap to `width_in` inches, measured; a single word wider than the line stays whole."""
    limit = width_in * 72
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        current = ""
        for word in paragraph.split():
            trial = f"{current} {word}" if current else word
            if current and text_width(trial, size, weight) > limit:
                lines.append(current)
                current = word
            else:
                current = trial
        lines.append(current)
    return lines


# Words a shortened label must not end on: "purchase of PULS and" reads as a cut.
_TRAILING = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to", "with",
             "that", "which", "who", "its", "their", "his", "her", "after", "before", "over", "under", "than",
             "but", "was", "were", "is", "are", "has", "had", "have", "be", "been", "said", "says", "using", "about",
             "against", "between", "while", "when", "where", "not", "no", "more", "one", "also", "both", "each",
             "any", "some", "it", "they", "this", "these", "those", "such", "via", "per", "would", "will", "could",
             "might", "may", "can", "must", "did", "do", "does", "being", "then", "if", "because", "only", "most",
             "many", "other", "all", "up", "what", "how", "targeted", "certain", "described", "called"}
_CLAUSE_ENDS = (";", ":", ",", " –", " —", " (")


def first_clause(text: str) -> str:
    """A sentence's first clause ("Vučić met Netanyahu in late September 2025" of a longer sentence),
    up to the first semicolon, colon or full stop that leaves at least three words; the text itself
    when there is none."""
    text = " ".join(str(text).split())
    for index, char in enumerate(text):
        if char in ";:." and (index + 1 == len(text) or text[index + 1] == " "):
            head = text[:index]
            if len(head.split()) >= 3 and not head.split()[-1][:1].isdigit():
                return head
    return text.rstrip(".")


def short_label(text: str, max_chars: int) -> str:
    """A label of at most `max_chars` characters made of whole words, never cut mid-word and never
    ending on a connective ("and", "of", "the"); a whole first clause is preferred. A label cut inside
    its first clause ends with "…", so that a fragment never reads as the whole fact (the full text is
    in the table under the chart)."""
    text = " ".join(str(text).split())
    if len(text) <= max_chars:
        return text
    clause = first_clause(text)
    if len(clause) <= max_chars:
        return clause
    text = clause
    room = max(1, max_chars - 1)  # the ellipsis takes one character
    head = text[: room + 1]
    clause, mark = max((head.rfind(mark), mark) for mark in _CLAUSE_ENDS)
    if clause >= room // 2:  # a comma may leave a fragment; a semicolon, colon, dash or bracket a clause
        return text[:clause].rstrip(" ,;:–—(") + ("…" if mark == "," else "")
    words = head.rsplit(" ", 1)[0].split() if " " in head else [head[:room]]
    while len(words) > 1 and words[-1].lower().strip(",;:'’") in _TRAILING:
        words.pop()
    return " ".join(words).rstrip(" ,;:–—(") + "…"


# ----------------------------------------------------------------------------- certainty fills

CERTAINTY_ORDER = ("confirmed", "probable", "possible", "disputed")
CERTAINTY_WORDS = {
    "confirmed": "confirmed (solid)",
    "probable": "probable (light)",
    "possible": "possible (outline)",
    "disputed": "disputed (crossed)",
}


def tint(colour: str, amount: float) -> tuple[float, float, float]:
    """`colour` mixed with white: amount 0 is white, 1 the colour."""
    r, g, b = to_rgb(colour)
    return (1 - amount * (1 - r), 1 - amount * (1 - g), 1 - amount * (1 - b))


def certainty_fill(certainty: str, colour: str) -> dict:
    """Face, edge and hatch for a marker or a bar of this certainty: the same for both, so that one
    key explains every mark. Solid = confirmed, light = probable, outline = possible, crossed =
    disputed; anything else is drawn as possible."""
    if certainty == "confirmed":
        return {"facecolor": colour, "edgecolor": colour, "hatch": None}
    if certainty == "probable":
        return {"facecolor": tint(colour, 0.38), "edgecolor": colour, "hatch": None}
    if certainty == "disputed":
        return {"facecolor": "white", "edgecolor": colour, "hatch": "xxxx"}
    return {"facecolor": "white", "edgecolor": colour, "hatch": None}


# ----------------------------------------------------------------------------- the sheet


@dataclass
class KeyEntry:
    """One entry of a chart's key: a swatch (patch, line, marker or arrow) and its words."""

    label: str
    kind: str = "patch"  # patch | line | marker | band
    facecolor: object = INK
    edgecolor: object = INK
    hatch: str | None = None
    linestyle: str = "-"
    linewidth: float = 1.2
    marker: str = "o"
    alpha: float = 1.0


@dataclass
class _Row:
    kind: str  # text | key | panel | gap
    height: float
    payload: dict = field(default_factory=dict)


class Sheet:
    """A chart laid out top to bottom at a fixed width: every row's height is known before drawing
    (text is measured and wrapped, panels are given), so the figure is exactly `width` inches wide
    and nothing is clipped or shrunk to fit."""

    PAD = 0.08  # inches around the sheet

    def __init__(self, width: float):
        apply_style()
        self.width = width
        self.rows: list[_Row] = [_Row("gap", self.PAD)]
        self.inner = width - 2 * self.PAD

    def text(self, text: str, size: float = TEXT_PT, weight: str = "normal", colour: str = INK,
             gap: float = 0.0, indent: float = 0.0) -> None:
        if not text:
            return
        if gap:
            self.gap(gap)
        lines = wrap(text, self.inner - indent, size, weight)
        self.rows.append(_Row("text", len(lines) * line_height_in(size),
                              {"lines": lines, "size": size, "weight": weight, "colour": colour, "indent": indent}))

    def title(self, text: str) -> None:
        self.text(text, size=TITLE_PT, weight="bold")

    def key(self, entries: list[KeyEntry], gap: float = 0.05) -> None:
        """The chart's key, as rows of swatch + words wrapped to the width."""
        if not entries:
            return
        swatch, space, between = 0.26, 0.06, 0.18
        lines: list[list[tuple[KeyEntry, float]]] = [[]]
        used = 0.0
        for entry in entries:
            width = swatch + space + text_width(entry.label) / 72
            if lines[-1] and used + between + width > self.inner:
                lines.append([])
                used = 0.0
            used += (between if lines[-1] else 0.0) + width
            lines[-1].append((entry, width))
        self.gap(gap)
        self.rows.append(_Row("key", len(lines) * line_height_in() * 1.12,
                              {"lines": lines, "swatch": swatch, "space": space, "between": between}))

    def gap(self, height: float) -> None:
        self.rows.append(_Row("gap", height))

    def panel(self, height: float, left: float = 0.0, bottom: float = 0.0, right: float = 0.0,
              top: float = 0.0, name: str = "") -> str:
        """A plotting area `height` inches tall, with margins (inches) for tick labels outside it."""
        name = name or f"panel{sum(r.kind == 'panel' for r in self.rows)}"
        self.rows.append(_Row("panel", top + height + bottom,
                              {"name": name, "left": left, "right": right, "top": top, "bottom": bottom}))
        return name

    def build(self) -> tuple[plt.Figure, dict[str, plt.Axes], plt.Axes]:
        """The figure, its panels by name, and an overlay axes in inch coordinates for free text."""
        self.rows.append(_Row("gap", self.PAD))
        height = sum(r.height for r in self.rows)
        fig = plt.figure(figsize=(self.width, height))
        overlay = fig.add_axes((0, 0, 1, 1), zorder=10)
        overlay.set_xlim(0, self.width)
        overlay.set_ylim(0, height)
        overlay.axis("off")
        overlay.set_xticks([])
        overlay.set_yticks([])
        overlay.patch.set_alpha(0)
        panels: dict[str, plt.Axes] = {}
        top = height
        for row in self.rows:
            y = top - row.height
            if row.kind == "text":
                size = row.payload["size"]
                for i, line in enumerate(row.payload["lines"]):
                    overlay.text(self.PAD + row.payload["indent"], top - (i + 0.5) * line_height_in(size), line,
                                 fontsize=size, fontweight=row.payload["weight"], color=row.payload["colour"],
                                 va="center", ha="left")
            elif row.kind == "key":
                self._draw_key(overlay, row, top)
            elif row.kind == "panel":
                p = row.payload
                left = self.PAD + p["left"]
                width = self.width - left - self.PAD - p["right"]
                box = (left / self.width, (y + p["bottom"]) / height, width / self.width,
                       (row.height - p["top"] - p["bottom"]) / height)
                panels[p["name"]] = fig.add_axes(box)
            top = y
        return fig, panels, overlay

    def _draw_key(self, overlay: plt.Axes, row: _Row, top: float) -> None:
        p = row.payload
        step = line_height_in() * 1.12
        for i, line in enumerate(p["lines"]):
            x = self.PAD
            y = top - (i + 0.5) * step
            for entry, width in line:
                swatch(overlay, entry, x, y, p["swatch"], step * 0.62)
                overlay.text(x + p["swatch"] + p["space"], y, entry.label, fontsize=TEXT_PT, va="center", ha="left",
                             color=INK)
                x += width + p["between"]


def swatch(ax: plt.Axes, entry: KeyEntry, x: float, y: float, width: float, height: float) -> None:
    """A key's swatch drawn at (x, y) (its left middle), in the overlay's inch coordinates."""
    if entry.kind == "line":
        ax.plot([x, x + width], [y, y], color=entry.edgecolor, linewidth=entry.linewidth, linestyle=entry.linestyle,
                solid_capstyle="butt")
    elif entry.kind == "marker":
        ax.scatter([x + width / 2], [y], s=42, marker=entry.marker, facecolors=[entry.facecolor],
                   edgecolors=[entry.edgecolor], linewidths=1.0, hatch=entry.hatch, zorder=3)
    else:
        ax.add_patch(Rectangle((x, y - height / 2), width, height, facecolor=entry.facecolor,
                               edgecolor=entry.edgecolor, hatch=entry.hatch, linewidth=0.9, alpha=entry.alpha,
                               linestyle=entry.linestyle))


def certainty_key(colour: str = MUTED, present: set[str] | None = None) -> list[KeyEntry]:
    """One key for every mark's fill: the tiers present (all four by default)."""
    return [KeyEntry(CERTAINTY_WORDS[tier], **certainty_fill(tier, colour))
            for tier in CERTAINTY_ORDER if present is None or tier in present]


def ymargin_for(labels, size: float = TEXT_PT) -> float:
    """Inches of margin a column of tick labels needs beside an axis (text plus tick padding)."""
    return widest(labels, size) / 72 + 0.1


def xmargin_for(lines: int = 1, size: float = TEXT_PT) -> float:
    """Inches under an axis for `lines` lines of tick labels."""
    return lines * line_height_in(size) + 0.08


# ----------------------------------------------------------------------------- labels without overlaps


# A light backing keeps a label legible where a line or a hatch runs under it.
BACKING = {"facecolor": "white", "edgecolor": "none", "pad": 0.5, "alpha": 0.9}


@dataclass
class Label:
    """A label to place: anchored at data point (x, y) of an axes, written to the right or left."""

    text: str
    x: object
    y: float
    side: str = "right"  # right | left
    colour: str = INK
    weight: str = "normal"
    offset_pt: float = 5.0


def place_labels(ax: plt.Axes, labels: list[Label], gap_pt: float = 1.5, leader: bool = True) -> list[Text]:
    """Write `labels` beside their points, moving them vertically (in points) as little as needed so
    that no two overlap; a moved label gets a thin leader line to its point. Labels are kept in the
    order of their points' heights. Returns the text artists."""
    if not labels:
        return []
    fig = ax.figure
    to_px = ax.transData.transform
    pt = fig.dpi / 72
    boxes = []
    for label in labels:
        px, py = to_px((_num(label.x), label.y))
        lines = label.text.split("\n")
        width = widest(lines, TEXT_PT, label.weight) * pt
        height = len(lines) * TEXT_PT * LINE * pt
        left = px + label.offset_pt * pt if label.side == "right" else px - label.offset_pt * pt - width
        boxes.append({"label": label, "px": px, "py": py, "left": left, "right": left + width, "h": height,
                      "y": py})
    # Sweep by height, bottom to top: each box sits at least gap above any earlier box it overlaps
    # horizontally; then sweep top to bottom to pull boxes back toward their points.
    order = sorted(range(len(boxes)), key=lambda i: (boxes[i]["py"], boxes[i]["px"]))
    gap = gap_pt * pt
    placed: list[dict] = []
    for i in order:
        box = boxes[i]
        for _ in range(len(placed) + 1):
            clash = [o for o in placed if o["left"] < box["right"] and box["left"] < o["right"]
                     and abs(o["y"] - box["y"]) < (o["h"] + box["h"]) / 2 + gap]
            if not clash:
                break
            box["y"] = max(o["y"] + (o["h"] + box["h"]) / 2 + gap for o in clash)
        placed.append(box)
    artists = []
    inverse = ax.transData.inverted()
    for box in boxes:
        label = box["label"]
        moved = abs(box["y"] - box["py"]) > 0.5 * pt
        tx, ty = inverse.transform((box["left"] if label.side == "right" else box["right"], box["y"]))
        artists.append(ax.text(tx, ty, label.text, fontsize=TEXT_PT, color=label.colour, fontweight=label.weight,
                               ha="left" if label.side == "right" else "right", va="center", zorder=6,
                               clip_on=False, bbox=BACKING))
        if moved and leader:
            ex = box["left"] - 1.5 * pt if label.side == "right" else box["right"] + 1.5 * pt
            lx, ly = inverse.transform((ex, box["y"]))
            ax.plot([_num(label.x), lx], [label.y, ly], color=label.colour, linewidth=0.5, zorder=5, clip_on=False)
    return artists


def _num(x):
    """A date or number as matplotlib's float."""
    if hasattr(x, "to_pydatetime") or hasattr(x, "year"):
        import matplotlib.dates as mdates

        return mdates.date2num(x)
    return x


def overlapping(artists: list[Text], renderer=None) -> list[tuple[str, str]]:
    """Pairs of text artists whose drawn boxes overlap (for tests and checks)."""
    if not artists:
        return []
    renderer = renderer or artists[0].figure.canvas.get_renderer()
    boxes = [(a.get_text(), a.get_window_extent(renderer)) for a in artists if a.get_visible() and a.get_text()]
    return [(a, b) for i, (a, box_a) in enumerate(boxes) for b, box_b in boxes[i + 1:]
            if box_a.overlaps(box_b) and box_a.intersection(box_a, box_b).width > 1
            and box_a.intersection(box_a, box_b).height > 1]


# ----------------------------------------------------------------------------- saving


def texts(fig: plt.Figure, drawn: bool = False) -> list[Text]:
    """Every visible, non-empty text artist of a figure that is drawn: titles, labels, tick labels
    (those inside the view), key, notes. `drawn`: the canvas was just drawn, no need to lay it out."""
    if not drawn:
        fig.draw_without_rendering()
    renderer = fig.canvas.get_renderer()
    shown = []
    for t in fig.findobj(Text):
        if not (t.get_visible() and t.get_text().strip()):
            continue
        axes = t.axes
        tick = axes is not None and t in (*axes.get_xticklabels(), *axes.get_yticklabels())
        if tick and (not axes.axison or t.get_window_extent(renderer).width == 0):
            continue  # not drawn: its axis is off, or the tick is outside the view
        shown.append(t)
    return shown


def smallest_font(fig: plt.Figure, drawn: bool = False) -> float:
    sizes = [t.get_fontsize() for t in texts(fig, drawn)]
    return float(min(sizes)) if sizes else TEXT_PT


class IllegibleChart(ValueError):
    """A chart with text under MIN_PT points: it would print too small and read too small on a phone."""


def png_bytes(fig: plt.Figure) -> bytes:
    """The figure as an 8-bit palette PNG (a third of the size of matplotlib's RGBA file, the same
    look for flat chart colours) with its smallest font size and laid-out width as text chunks and
    its DPI, nothing time-stamped: two builds give the same bytes. Refuses text under MIN_PT."""
    import numpy as np
    from PIL import Image
    from PIL.PngImagePlugin import PngInfo

    fig.set_dpi(DPI)
    fig.canvas.draw()
    smallest = smallest_font(fig, drawn=True)
    if smallest < MIN_PT - 1e-6:
        raise IllegibleChart(f"chart text at {smallest:g} pt; the house minimum is {MIN_PT:g} pt")
    rgb = np.asarray(fig.canvas.buffer_rgba())[..., :3]
    image = Image.fromarray(np.ascontiguousarray(rgb)).quantize(256, method=Image.Quantize.FASTOCTREE,
                                                                 dither=Image.Dither.NONE)
    info = PngInfo()
    info.add_text(META_MIN_PT, f"{smallest:g}")
    info.add_text(META_WIDTH_IN, f"{float(fig.get_size_inches()[0]):g}")
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", pnginfo=info, dpi=(DPI, DPI), compress_level=6)  # 9: 14 % smaller, 8× slower
    return buffer.getvalue()


def save(fig: plt.Figure, path: Path) -> Path:
    """Write `fig` as a PNG (see png_bytes)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(png_bytes(fig))
    return path


def note_lines(text: str, width_in: float) -> str:
    """`text` wrapped for a note (used where a wrapped string is needed outside a Sheet)."""
    return "\n".join(wrap(text, width_in))

