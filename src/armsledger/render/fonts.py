"""The PDF's fonts and a coverage check: Typst draws a missing glyph as an empty box without a
warning, so every character of the text is checked against the fonts' character maps first."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools.ttLib import TTFont


@dataclass(frozen=True)
class Font:
    family: str
    file: str


# Order matters: Typst falls back along this list, character by character.
FONT_FALLBACK = (
    Font("Noto Serif", "NotoSerif-Regular.ttf"),
    Font("DejaVu Sans", "DejaVuSans.ttf"),
    Font("Noto Naskh Arabic", "NotoNaskhArabic-Regular.ttf"),
)


# Inline code (`as_of`) is set in this font; Typst falls back to FONT_FALLBACK for anything it lacks.
CODE_FONT = Font("DejaVu Sans Mono", "DejaVuSansMono.ttf")
ALL_FONTS = (*FONT_FALLBACK, CODE_FONT)


@lru_cache(maxsize=16)
def _cmap(path: str) -> frozenset[int]:
    return frozenset(TTFont(path, lazy=True).getBestCmap())


def check_coverage(text: str, font_dir: Path) -> list[str]:
    """Characters of `text` that no font of the fallback list can draw, as 'U+XXXX NAME (c)'."""
    covered: set[int] = set()
    for font in FONT_FALLBACK:  # inline code falls back along the same list
        covered |= _cmap(str(font_dir / font.file))
    missing = sorted({ch for ch in text if not ch.isspace() and unicodedata.category(ch)[0] != "C"
                      and ord(ch) not in covered})
    return [f"U+{ord(ch):04X} {unicodedata.name(ch, '?')} ({ch})" for ch in missing]
