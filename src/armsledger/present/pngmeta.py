"""What a chart's PNG says about itself: its smallest font size (points) and the width (inches) it was
laid out for, as PNG text chunks, and how tall that text is once the image is displayed at a given
width. No matplotlib here: the renderer and the published-site checks read these too."""

from __future__ import annotations

import zlib

META_MIN_PT = "armsledger:min-font-pt"
META_WIDTH_IN = "armsledger:width-in"


def png_text(data: bytes) -> dict[str, str]:
    """The tEXt and zTXt chunks of a PNG, as a dict."""
    out = {}
    position = 8
    while position + 8 <= len(data):
        length = int.from_bytes(data[position:position + 4], "big")
        kind = data[position + 4:position + 8]
        body = data[position + 8:position + 8 + length]
        if kind == b"tEXt" and b"\0" in body:
            key, _, value = body.partition(b"\0")
            out[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"zTXt" and b"\0" in body:
            key, _, rest = body.partition(b"\0")
            out[key.decode("latin-1")] = zlib.decompress(rest[1:]).decode("latin-1")
        elif kind == b"IEND":
            break
        position += 12 + length
    return out


def png_size(data: bytes) -> tuple[int, int]:
    """Pixel width and height from a PNG's IHDR."""
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def rendered_px(data: bytes, displayed_width_px: float) -> float | None:
    """How tall, in CSS pixels, the PNG's smallest text is when the image is displayed
    `displayed_width_px` wide: displayed width ÷ natural width × the font's natural pixels."""
    meta = png_text(data)
    if META_MIN_PT not in meta or META_WIDTH_IN not in meta:
        return None
    natural_width, _ = png_size(data)
    font_natural_px = float(meta[META_MIN_PT]) / 72 * natural_width / float(meta[META_WIDTH_IN])
    return displayed_width_px / natural_width * font_natural_px
