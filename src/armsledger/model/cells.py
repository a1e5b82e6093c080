"""What one cell of the ledger may hold: the one number syntax that the validator checks and the Ledger
reads, and the characters, lengths and URL schemes the validator allows in text."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

# A number is written as a plain decimal in ASCII digits: 780000, 42300000, 1.5, -3. Python's
# float(), Decimal() and Frictionless also read `780_000`, `٧٨٠٠٠٠` (Arabic-Indic digits), `1e7`,
# `+5`, `5.` and ` 5 `; one grammar for both the validator and the Ledger keeps "valid" and "builds"
# the same thing, and keeps a published CSV readable by any program.
NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")
INTEGER = re.compile(r"-?[0-9]+")

# Limits that no real row comes near (its longest id has 65 characters, its longest cell 635) and
# that keep a pasted blob from reaching the build: ids go into file names, URLs and table cells;
# a cell is printed in tables whose layout is measured per character.
MAX_ID_LENGTH = 100
MAX_CELL_LENGTH = 20_000
# A source published this many years after the record it supports is taken for a typo in one of the
# two dates (2024 for 2204, 1924 for 2024). The real ledger's longest gap is five and a half years (a
# 2019 delivery, reported in 2024); the rate history the values are converted with starts in 1999.
MAX_REPORTING_LAG_YEARS = 20

# Characters that change how text displays rather than what it says. C0 controls (NUL, BEL, ESC,
# …), DEL and the C1 controls can hide text or drive a terminal; tab and line breaks are allowed in
# prose (kind `prose`) only. The bidirectional embeddings, overrides and isolates reorder what a
# reader sees (a Trojan Source id looks like another); the plain marks U+200E/U+200F are kept, as
# Arabic and Hebrew titles need them.
PROSE_WHITESPACE = frozenset("\t\n\r")
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_LINE_OR_TAB = re.compile(r"[\t\n\r]")
_BIDI = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")
# Any character either rule would look at: most cells have none, and are passed by one search.
SUSPECT = re.compile("[\x00-\x1f\x7f-\x9f" + "".join(sorted(BIDI_CONTROLS)) + "]")

# URL fields (format `uri`) link a reader to a publication: only web addresses, never a script
# (`javascript:`), inline content (`data:`) or a file on the reader's machine (`file:`).
URL_SCHEMES = ("http", "https")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")


def number_problem(text: str, integer: bool = False) -> str | None:
    """Why `text` is not a number in the ledger's syntax (None when it is one, or blank)."""
    if text == "":
        return None
    if (INTEGER if integer else NUMBER).fullmatch(text):
        return None
    what = "a whole number" if integer else "a number"
    stripped = text.strip()
    if stripped != text and (INTEGER if integer else NUMBER).fullmatch(stripped):
        return f'must be {what}, got "{text}" (remove the spaces around it)'
    if "_" in text:
        hint = " (no digit separators: write 780000, not 780_000)"
    elif any(ch.isdigit() and not "0" <= ch <= "9" for ch in text):
        hint = " (digits 0-9 only; the cell has digits of another script)"
    elif re.fullmatch(r"[+-]?[0-9.]+[eE][+-]?[0-9]+", stripped):
        hint = " (no exponent: write the number out, 14000000 not 1.4e7)"
    elif stripped.startswith("+"):
        hint = " (no plus sign)"
    elif re.fullmatch(r"-?[0-9]*\.[0-9]*", stripped):
        hint = " (digits on both sides of the decimal point)"
    elif not integer and re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+", stripped):
        hint = " (no thousands separators)"
    elif integer and NUMBER.fullmatch(stripped):
        hint = " (no decimals)"
    else:
        hint = ""
    return f'must be {what}, got "{text}"{hint}'


def parse_number(text: str, integer: bool = False) -> Decimal | None:
    """A cell as a number in the ledger's syntax; None when blank. Raises ValueError otherwise."""
    problem = number_problem(text, integer)
    if problem is not None:
        raise ValueError(problem)
    return Decimal(text) if text else None


def decimal_or_none(text: str) -> Decimal | None:
    """A cell as a number in the ledger's syntax, surrounding spaces aside; None when blank or not one."""
    text = text.strip()
    if not NUMBER.fullmatch(text):
        return None
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover - the grammar admits only what Decimal reads
        return None


def control_characters(text: str, prose: bool) -> list[str]:
    """The disallowed control characters in `text`, as U+XXXX names (tab and line breaks are allowed in prose)."""
    found = _CONTROL.findall(text)
    if not prose:
        found += _LINE_OR_TAB.findall(text)
    return sorted({f"U+{ord(ch):04X}" for ch in found})


def bidi_controls(text: str) -> list[str]:
    return sorted({f"U+{ord(ch):04X} {unicodedata.name(ch, '')}".strip() for ch in _BIDI.findall(text)})


def url_scheme_problem(text: str) -> str | None:
    """Why a URI is no web address (None when it is one, or blank)."""
    value = text.strip()
    if not value:
        return None
    match = _SCHEME.match(value)
    scheme = match.group(1).lower() if match else ""
    if scheme in URL_SCHEMES or not scheme:
        return None  # no scheme at all is no URI: the field's `format: uri` reports it
    return f'must be a web address (http or https), got a "{scheme}:" URL'


def escape_controls(text: str) -> str:
    """`text` with line breaks, control and bidi characters written as escapes (\\n, \\x1b, \\u202e), so
    that a message quoting a cell stays on one line and cannot hide or reorder the text around it."""
    text = text.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t")
    text = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)
    return _BIDI.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
