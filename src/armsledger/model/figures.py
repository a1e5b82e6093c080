"""Read a claim's `figure` (money, date, count or text, in the sources' languages) and
decide whether it agrees with the record value it is cited for."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

import pycountry

from armsledger.model.dates import DateRange, EDTFError, parse_edtf


class FigureError(ValueError):
    """A figure cannot be read as the kind of value it is cited for."""


# ---------------------------------------------------------------------------
# Normalisation

_CYRILLIC = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "ђ": "đ", "е": "e", "ж": "ž", "з": "z",
    "и": "i", "ј": "j", "к": "k", "л": "l", "љ": "lj", "м": "m", "н": "n", "њ": "nj", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "ћ": "ć", "у": "u", "ф": "f", "х": "h", "ц": "c",
    "ч": "č", "џ": "dž", "ш": "š",
}
# Letters that NFKD does not decompose into a base letter plus a mark.
_SPECIAL = {"ł": "l", "đ": "d", "ø": "o", "æ": "ae", "œ": "oe", "ı": "i", "þ": "th", "ð": "d"}


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case, transliterate Serbian Cyrillic and strip diacritics (Krušik → krusik)."""
    text = unicodedata.normalize("NFKC", text).casefold()
    out = []
    for ch in text:
        ch = _CYRILLIC.get(ch, ch)
        out.append(_SPECIAL.get(ch, ch))
    text = unicodedata.normalize("NFKD", "".join(out))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


_WORDS = re.compile(r"[^\W\d_]+|\d+")


@lru_cache(maxsize=65536)
def words(text: str) -> tuple[str, ...]:
    """Folded letter runs and digit runs; `155mm` and `155 mm` give the same words."""
    return tuple(_WORDS.findall(fold(text)))


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    if not needle or len(needle) > len(haystack):
        return False
    n = len(needle)
    return any(haystack[i:i + n] == needle for i in range(len(haystack) - n + 1))


def text_agrees(figure: str, value: str) -> bool:
    """True when the figure's words occur in the value's words, or the other way round."""
    a, b = words(figure), words(value)
    return _contains(b, a) or _contains(a, b)


def reference_agrees(figure: str, names: Iterable[str]) -> bool:
    """True when the figure matches (either way, ignoring case and accents) any of the names."""
    return any(text_agrees(figure, name) for name in names if name and name.strip())


_ARCHIVE_MAP = str.maketrans({
    "‘": "'", "’": "'", "‚": "'", "‛": "'", "′": "'", "ʼ": "'", "`": "'", "´": "'",
    "“": '"', "”": '"', "„": '"', "‟": '"', "″": '"', "«": '"', "»": '"',
    "–": "-", "—": "-", "−": "-", "‒": "-", "―": "-", "‐": "-", "‑": "-",
})
_SPACE = re.compile(r"\s+")


def normalise_for_archive(text: str) -> str:
    """Unify Unicode normal form (NFC: a "č" typed as c + combining caron is the "č" of the source's
    text), whitespace, quotes, apostrophes and dashes; case and everything else is kept."""
    return _SPACE.sub(" ", unicodedata.normalize("NFC", text).translate(_ARCHIVE_MAP)).strip()


def occurs_in_archive(figure: str, normalised_text: str) -> bool:
    """Whether `figure` occurs in an archived text as a whole token sequence: "35 million" is not
    found inside "$335 million", nor "Sept" inside "September". A figure that begins or ends with
    a sign or symbol ($335M) is matched at that edge as written."""
    needle = normalise_for_archive(figure)
    if not needle:
        return False
    # "October … December": the dossier's ellipsis stands for the words the source puts between two
    # parts of one figure; the parts must occur in order, close together.
    parts = [part.strip() for part in re.split(r"\s*(?:…|\.\.\.)\s*", needle)]
    if not all(parts):
        return False
    pattern = r".{1,120}?".join(_whole(part) for part in parts)
    return re.search(pattern, normalised_text) is not None


def _whole(part: str) -> str:
    """`part` as a regex that matches only at word edges where it begins or ends with a word character."""
    before = r"(?<!\w)" if re.match(r"\w", part) else ""
    after = r"(?!\w)" if re.search(r"\w$", part) else ""
    return before + re.escape(part) + after


# ---------------------------------------------------------------------------
# Numbers

def _fmt(value: Decimal) -> str:
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def read_decimal(text: str, magnitude_follows: bool = False) -> Decimal:
    """Read digits with English or European separators; the result keeps the written precision.

    `540,120` and `780,000` use a thousands comma; `42,3` a decimal comma; `600.000` (no
    magnitude word) a thousands point; `7.3` and `1.425 million` a decimal point.
    """
    t = re.sub(r"[\s'’]", "", text)
    if not re.fullmatch(r"\d+(?:[.,]\d+)*", t):
        raise FigureError(f"{text!r} is not a number")
    if "," in t and "." in t:
        decimal_sep = "," if t.rfind(",") > t.rfind(".") else "."
        thousands_sep = "." if decimal_sep == "," else ","
        whole, _, frac = t.rpartition(decimal_sep)
        if decimal_sep in whole:
            raise FigureError(f"{text!r} mixes separators")
        groups = whole.split(thousands_sep)
        _check_groups(text, groups)
        return Decimal("".join(groups) + "." + frac)
    for sep in (",", "."):
        if sep in t:
            parts = t.split(sep)
            # A leading 0 is never a thousands group: 0,540 mln is 0.540 million.
            thousands = parts[0] != "0" and (
                len(parts) > 2
                or len(parts[1]) == 3 and (sep == "," or not magnitude_follows)
            )
            if thousands:
                _check_groups(text, parts)
                return Decimal("".join(parts))
            return Decimal(parts[0] + "." + parts[1])
    return Decimal(t)


def _check_groups(text: str, groups: list[str]) -> None:
    if not 1 <= len(groups[0]) <= 3 or any(len(g) != 3 for g in groups[1:]):
        raise FigureError(f"{text!r} has misplaced thousands separators")


def _unit(value: Decimal) -> Decimal:
    """One unit of the last written digit: 15.7 → 0.1, 14 → 1."""
    exponent = value.as_tuple().exponent
    return Decimal(1).scaleb(exponent if isinstance(exponent, int) else 0)


def as_decimal(value: object) -> Decimal | None:
    """A record's numeric cell as a Decimal; None when blank or not a finite number."""
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


# ---------------------------------------------------------------------------
# Vocabulary (all keys folded: lower case, no diacritics)

def _wordlist(text: str) -> list[str]:
    return text.split()


MAGNITUDES: dict[str, int] = {}
for _power, _forms in {
    3: "thousand thousands thou k hiljada hiljade hiljadu hilj tisuca tisuce tisucu tisoc tisoca "
       "tisocev tys tysiac tysiace tysiecy tausend mille mije",
    6: "million millions mil mill mn m mio mln milion miliona milioni milionu milijun milijuna "
       "milijuni milijon milijona milijone milijonov milijoni miliony milionow millionen milione "
       "milyon milyonluk",
    9: "billion billions bn b bln mld mlrd milliard milliards milliarde milliarden milijarda "
       "milijarde milijardi milijard miliard miliarda miliardy miliardow miliardi miliarde milyar "
       "milyarlik",
}.items():
    for _word in _forms.split():
        MAGNITUDES[_word] = 10**_power
# Words that are a magnitude in one language and something else in another (Turkish `bin`,
# a thousand), read only in sources of that language.
LANGUAGE_MAGNITUDES: dict[str, dict[str, int]] = {"tr": {"bin": 10**3}}

CURRENCY_WORDS: dict[str, str] = {"$": "USD", "us$": "USD", "€": "EUR", "£": "GBP", "₪": "ILS"}
for _code, _names in {
    "USD": "usd dollar dollars dolar dolara dolari dolare dolarjev dolarja dolarji dolarow "
           "dolary dolarach dollaro dollari dollar dollare dollaresh dolarlik",
    "EUR": "eur euro euros eura evra evro evrov evrih eurow euri eurosh avro avroluk",
    "RSD": "rsd dinar dinara dinars dinari dinarjev",
    "ILS": "ils nis shekel shekels sekel sekela",
    "GBP": "gbp pound pounds",
    "PLN": "pln zl zloty zlotych zlote",
    "CHF": "chf franc francs",
}.items():
    for _word in _names.split():
        CURRENCY_WORDS[_word] = _code

# Qualifiers are recorded in amount_kind/count_kind, so a figure may carry them harmlessly.
QUALIFIERS = frozenset(_wordlist("""
    about around approximately approx roughly nearly almost over more than less under some up
    to at least most just below above circa ca c worth valued us between from
    oko otprilike priblizno vise od preko skoro gotovo najmanje najvise do cak cca vrijedno
    vredno u izmedju izmedu
    vsaj vec kot skoraj okoli priblizno
    co najmniej ponad okolo prawie blisko ok niemal miedzy med
    rreth mbi se paku te pakten afro gati
    yaklasik en az uzerinde civarinda fazla kadar
    environ plus de d au moins pres quelque presque
    """))

NUMBER_WORDS: dict[str, int] = {}
for _value, _forms in {
    1: "one a an jedan jedna jedno jednog en ena eno jeden",
    2: "two dva dve dvije dvaju dwa dwie dwoch",
    3: "three tri trzy trzech",
    4: "four cetiri stiri cztery czterech",
    5: "five pet piec pieciu",
    6: "six sest szesc szesciu",
    7: "seven sedam sedem siedem siedmiu",
    8: "eight osam osem osiem osmiu",
    9: "nine devet dziewiec dziewieciu",
    10: "ten deset dziesiec dziesieciu",
    11: "eleven jedanaest enajst jedenascie",
    12: "twelve dozen dvanaest dvanajst dwanascie",
    13: "thirteen trinaest trinajst trzynascie",
    14: "fourteen cetrnaest stirinajst czternascie",
    15: "fifteen petnaest petnajst pietnascie",
    16: "sixteen sesnaest sestnajst szesnascie",
    17: "seventeen sedamnaest sedemnajst siedemnascie",
    18: "eighteen osamnaest osemnajst osiemnascie",
    19: "nineteen devetnaest devetnajst dziewietnascie",
    20: "twenty dvadeset dvajset dwadziescia",
    30: "thirty trideset trzydziesci",
    40: "forty cetrdeset stirideset czterdziesci",
    50: "fifty pedeset petdeset piecdziesiat",
    60: "sixty",
    70: "seventy",
    80: "eighty",
    90: "ninety",
    100: "hundred sto",
}.items():
    for _word in _forms.split():
        NUMBER_WORDS[_word] = _value
_TENS = {"twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
# Number words of the dossiers' other languages (Albanian, Turkish, French). Several are words of
# another language too (Turkish `on` is ten, French `sept` seven), so each is read only in
# sources of its own language.
LANGUAGE_NUMBER_WORDS: dict[str, dict[str, int]] = {}
for _language, _table in {
    "sq": {1: "nje", 2: "dy", 3: "tre", 4: "kater", 5: "pese", 6: "gjashte", 7: "shtate", 8: "tete", 9: "nente",
           10: "dhjete", 20: "njezet", 100: "qind"},
    "tr": {1: "bir", 2: "iki", 3: "uc", 4: "dort", 5: "bes", 6: "alti", 7: "yedi", 8: "sekiz", 9: "dokuz",
           10: "on", 20: "yirmi", 30: "otuz", 40: "kirk", 50: "elli", 100: "yuz"},
    "fr": {1: "un une", 2: "deux", 3: "trois", 4: "quatre", 5: "cinq", 6: "six", 7: "sept", 8: "huit", 9: "neuf",
           10: "dix", 20: "vingt", 30: "trente", 40: "quarante", 50: "cinquante", 100: "cent"},
}.items():
    LANGUAGE_NUMBER_WORDS[_language] = {w: v for v, forms in _table.items() for w in forms.split()}


# Ordinals name a count too ("the same plane's eighth trip": eight trips so far).
ORDINAL_WORDS: dict[str, int] = {}
for _value, _forms in {
    1: "first prvi prva prvo", 2: "second drugi druga", 3: "third treci treca", 4: "fourth cetvrti",
    5: "fifth peti", 6: "sixth sesti", 7: "seventh sedmi", 8: "eighth osmi osma", 9: "ninth deveti",
    10: "tenth deseti", 11: "eleventh", 12: "twelfth", 13: "thirteenth", 14: "fourteenth", 15: "fifteenth",
    16: "sixteenth", 17: "seventeenth", 18: "eighteenth", 19: "nineteenth", 20: "twentieth",
}.items():
    for _word in _forms.split():
        ORDINAL_WORDS[_word] = _value


def number_words(language: str | None) -> dict[str, int]:
    """Number words as a source in `language` writes them (folded); the shared list when unknown."""
    return {**NUMBER_WORDS, **LANGUAGE_NUMBER_WORDS.get(language or "", {})}


def magnitudes(language: str | None) -> dict[str, int]:
    return {**MAGNITUDES, **LANGUAGE_MAGNITUDES.get(language or "", {})}


# ---------------------------------------------------------------------------
# Money

@dataclass(frozen=True)
class Money:
    """A money figure: value ± tolerance (half a unit of its last written digit)."""

    text: str
    value: Decimal
    tolerance: Decimal
    currency: str | None
    high: Decimal | None = None
    high_tolerance: Decimal | None = None

    def describe(self) -> str:
        cur = f" {self.currency}" if self.currency else ""
        low = f"{_fmt(self.value)}{cur} ± {_fmt(self.tolerance)}"
        if self.high is None:
            return low
        return f"{low} to {_fmt(self.high)}{cur} ± {_fmt(self.high_tolerance or Decimal(0))}"


_MONEY_TOKEN = re.compile(
    r"(?P<num>\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d+)?|\d+(?:[.,'’]\d+)*)"
    r"|(?P<word>[^\W\d_]+\.?)"
    r"|(?P<sym>[$€£₪])"
    r"|(?P<space>\s+)"
    r"|(?P<punct>[-–—~≈>≥<≤+,:;()/'’])"
    r"|(?P<other>.)"
)
_RANGE_WORDS = frozenset({"to", "do", "and", "i", "in", "-", "–", "—", "/"})


def _currency_of(word: str, original: str) -> str | None:
    if word in CURRENCY_WORDS:
        return CURRENCY_WORDS[word]
    if len(original) == 3 and original.isalpha() and pycountry.currencies.get(alpha_3=original.upper()):
        return original.upper()
    return None


@lru_cache(maxsize=16384)
def parse_money(text: str, language: str | None = None) -> Money:
    """Read `14 million euros`, `$335M`, `42,3 mln euro`, `EUR 600,000`, `10–12 million`, and numbers
    in words: `tri miliona eura`, `seven million euros` (in the source's `language`)."""
    if not text or not text.strip():
        raise FigureError("figure is blank")
    source = unicodedata.normalize("NFKC", text)
    words_as_numbers = {w: v for w, v in number_words(language).items() if w not in ("a", "an")}
    scales = magnitudes(language)
    numbers: list[tuple[str, int]] = []  # (digits as written, magnitude)
    currencies: set[str] = set()
    connector = False
    for match in _MONEY_TOKEN.finditer(source):
        kind, token = match.lastgroup, match.group()
        if kind == "space":
            continue
        if kind == "num":
            if len(numbers) == 2 or (numbers and not connector):
                raise FigureError(f"{text!r} has more than one amount")
            numbers.append((token, 1))
            connector = False
            continue
        if kind == "other":
            raise FigureError(f"unexpected {token!r}")
        if kind == "sym":
            currencies.add(CURRENCY_WORDS[token])
            continue
        if kind == "punct":
            if token in _RANGE_WORDS and len(numbers) == 1:
                connector = True
            continue
        bare = token.rstrip(".")
        folded = fold(bare)
        if folded in scales and numbers and numbers[-1][1] == 1 and not connector:
            numbers[-1] = (numbers[-1][0], scales[folded])
            continue
        if folded in words_as_numbers and (not numbers or connector):
            numbers.append((str(words_as_numbers[folded]), 1))
            connector = False
            continue
        currency = _currency_of(folded, bare)
        if currency:
            currencies.add(currency)
        elif folded in _RANGE_WORDS and len(numbers) == 1:
            connector = True
        elif folded not in QUALIFIERS:
            raise FigureError(f"unexpected word {bare!r}")
    if not numbers:
        raise FigureError("no number")
    if len(currencies) > 1:
        raise FigureError(f"names several currencies ({', '.join(sorted(currencies))})")
    currency = next(iter(currencies), None)
    # In `10–12 million` the magnitude word belongs to both ends.
    if len(numbers) == 2 and numbers[0][1] == 1:
        numbers[0] = (numbers[0][0], numbers[1][1])
    read = []
    for digits, magnitude in numbers:
        number = read_decimal(digits, magnitude_follows=magnitude > 1)
        read.append((number * magnitude, _unit(number) * magnitude / 2))
    if len(read) == 1:
        return Money(text, read[0][0], read[0][1], currency)
    (low, low_tol), (high, high_tol) = read
    if high < low:
        raise FigureError(f"{text!r} is a range whose end is below its start")
    return Money(text, low, low_tol, currency, high, high_tol)


def money_agrees(figure: Money, amount: object, currency: str | None, *, upper: bool = False) -> bool:
    """True when the amount lies within the figure's rounding and the currencies match.

    A blank record currency is not compared (a separate rule requires one); `upper`
    compares against the high end of a range figure (for `amount_max`).
    """
    value = as_decimal(amount)
    if value is None:
        return False
    record_currency = (currency or "").strip().upper()
    if figure.currency and record_currency and record_currency != figure.currency:
        return False
    if upper and figure.high is not None:
        return abs(value - figure.high) <= (figure.high_tolerance or 0)
    return abs(value - figure.value) <= figure.tolerance


# ---------------------------------------------------------------------------
# Dates

def _months(spec: str) -> dict[str, int]:
    table: dict[str, int] = {}
    for month, forms in enumerate(spec.strip().split("\n"), start=1):
        for form in forms.split():
            table[form] = month
    return table


# One line per month; English (with abbreviations), Serbian/Bosnian/Croatian (Latin, with
# genitives; Cyrillic is transliterated first), Croatian native names, Slovene, Polish,
# German, French, Italian. `listopad` is left out: see _AMBIGUOUS_MONTHS.
MONTHS = _months("""
january jan januar januara januaru januarja sijecanj sijecnja sijecnju styczen stycznia janner janvier gennaio
february feb febr februar februara februaru februarja veljaca veljace veljaci luty lutego fevrier febbraio
march mar mart marta martu marec marca marcu ozujak ozujka ozujku marzec marca marz mars marzo
april apr aprila aprilu travanj travnja travnju kwiecien kwietnia avril aprile
may maj maja maju svibanj svibnja svibnju mai maggio
june jun juni juna junu junij junija lipanj lipnja lipnju czerwiec czerwca juin giugno
july jul juli jula julu julij julija srpanj srpnja srpnju lipiec lipca juillet luglio
august aug avgust avgusta avgustu augusta augustu kolovoz kolovoza kolovozu sierpien sierpnia aout agosto
september sep sept septembar septembra septembru rujan rujna rujnu wrzesien wrzesnia septembre settembre
october oct oktobar oktobra oktobru oktober pazdziernik pazdziernika octobre ottobre
november nov novembar novembra novembru studeni studenoga studenog novembre
december dec decembar decembra decembru dezember prosinac prosinca prosincu grudzien grudnia decembre dicembre
""")
# Croatian `listopad` is October, Polish `listopad` November; the source's language decides.
_AMBIGUOUS_MONTHS = {"listopad": {"hr": 10, "bs": 10, "pl": 11}, "listopada": {"hr": 10, "bs": 10, "pl": 11}}
_MONTH_NAMES = [calendar.month_name[i] for i in range(13)]

_PARTS = {
    "early": "early", "beginning": "early", "start": "early", "pocetkom": "early", "pocetak": "early",
    "zacetek": "early", "zacetku": "early", "poczatek": "early",
    "mid": "mid", "middle": "mid", "sredinom": "mid", "sredina": "mid", "sredini": "mid",
    "polovinom": "mid", "sredi": "mid", "polowa": "mid", "polowie": "mid",
    "late": "late", "end": "late", "krajem": "late", "kraj": "late", "kraju": "late",
    "konec": "late", "koncu": "late", "koniec": "late", "koncem": "late",
}
_PART_MONTHS = {"early": (1, 4), "mid": (5, 8), "late": (9, 12)}
_DATE_FILLERS = frozenset(_wordlist("""
    of the on in by since from until a od do u v w dne na godine godina god leta roku r
    around about circa ca ok oko
    monday tuesday wednesday thursday friday saturday sunday
    ponedeljak ponedjeljak utorak sreda srijeda cetvrtak petak subota nedelja nedjelja
    st nd rd th
    """))
_PAIR_SPLIT = re.compile(
    r"\s*(?:…|\.\.\.)\s*|\s*[–—]\s*|\s+-\s+"
    r"|\s+(?:to|until|till|through|thru|and|i|do|und|bis)\s+"
)
_DAY_RANGE = re.compile(r"^(\d{1,2})\.?-(\d{1,2}\.?\s+\D.*)$")
_DURATION_UNITS = {
    **dict.fromkeys(_wordlist("year years yr yrs godina godine godinu god leto leta let lat lata rok roku "
                    "jahre jahr ans an anni anno"), 12),
    **dict.fromkeys(_wordlist("month months mjesec mjeseca mjeseci mesec meseca meseci mesecev mesece "
                    "miesiac miesiace miesiecy monate monat mois mesi"), 1),
}
_HALF = ("and a half", "i po", "i pol", "in pol", "a half")
_DURATION_FILLERS = frozenset(_wordlist("""
    over for within in the next following period of some about around approximately
    u narednih narednih tokom tijekom sljedecih sledecih v naslednjih w ciagu przez
    """))


@dataclass(frozen=True)
class DatePoint:
    """A date as a figure writes it; missing components (often the year) match anything."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    part: str | None = None  # early / mid / late part of `year`

    def matches(self, day: dt.date) -> bool:
        if self.year is not None and day.year != self.year:
            return False
        if self.part is not None:
            first, last = _PART_MONTHS[self.part]
            return first <= day.month <= last
        if self.month is not None and day.month != self.month:
            return False
        return self.day is None or day.day == self.day

    def describe(self) -> str:
        if self.part is not None:
            first, last = _PART_MONTHS[self.part]
            return f"{self.part}-{self.year} ({_MONTH_NAMES[first]}–{_MONTH_NAMES[last]})"
        pieces = []
        if self.day is not None:
            pieces.append(str(self.day))
        if self.month is not None:
            pieces.append(_MONTH_NAMES[self.month])
        if self.year is not None:
            pieces.append(str(self.year))
        text = " ".join(pieces)
        return text if self.year is not None else f"{text} (any year)"


@dataclass(frozen=True)
class DateFigure:
    """A date figure: a point, a pair `A … B`, or a duration in years."""

    text: str
    first: DatePoint | None = None
    second: DatePoint | None = None
    years: float | None = None

    @property
    def kind(self) -> str:
        if self.years is not None:
            return "duration"
        return "pair" if self.second is not None else "point"

    def describe(self) -> str:
        if self.years is not None:
            return f"{self.years:g} years"
        assert self.first is not None
        if self.second is None:
            return self.first.describe()
        return f"{self.first.describe()} … {self.second.describe()}"


def _month_of(word: str, language: str | None) -> int | None:
    if word in _AMBIGUOUS_MONTHS:
        by_language = _AMBIGUOUS_MONTHS[word]
        if language in by_language:
            return by_language[language]
        raise FigureError(f"month {word!r} is October in Croatian but November in Polish; "
                          "the source's language is needed")
    return MONTHS.get(word)


def _point(text: str, language: str | None) -> DatePoint:
    """Read one date as written; completeness is checked by `_complete` after pairing."""
    folded = fold(text).strip().strip(",;")
    m = re.fullmatch(r"(\d{4})-(\d{1,2})(?:-(\d{1,2}))?", folded)
    if m:
        return DatePoint(int(m[1]), int(m[2]), int(m[3]) if m[3] else None)
    m = re.fullmatch(r"(\d{1,2})\.\s?(\d{1,2})\.\s?(\d{4})\.?", folded)
    if m:
        return DatePoint(int(m[3]), int(m[2]), int(m[1]))
    year = month = day = None
    part = None
    for token in re.findall(r"[a-z]+|\d+", folded):
        if token.isdigit():
            number = int(token)
            if len(token) == 4 and 1000 <= number <= 2999 and year is None:
                year = number
            elif len(token) <= 2 and 1 <= number <= 31 and day is None:
                day = number
            else:
                raise FigureError(f"cannot place the number {token} in a date")
            continue
        found = _month_of(token, language)
        if found is not None:
            if month is not None:
                raise FigureError("names two months where one date was expected")
            month = found
        elif token in _PARTS:
            part = _PARTS[token]
        elif token not in _DATE_FILLERS:
            raise FigureError(f"unexpected word {token!r} in a date")
    return DatePoint(year, month, day, part)


def _complete(point: DatePoint) -> DatePoint:
    if point.year is None and point.month is None:
        raise FigureError("names neither a month nor a year")
    if point.part is not None and (point.year is None or point.month is not None or point.day is not None):
        raise FigureError("early/mid/late is understood only before a year (mid-2028)")
    if point.day is not None and point.month is None:
        raise FigureError("a day without a month")
    return _checked(point)


def _checked(point: DatePoint) -> DatePoint:
    if point.month is not None and not 1 <= point.month <= 12:
        raise FigureError(f"there is no month {point.month}")
    if point.day is not None and point.month is not None:
        longest = calendar.monthrange(point.year or 2000, point.month)[1]
        if point.day > longest:
            raise FigureError(f"{_MONTH_NAMES[point.month]} has no day {point.day}")
    return point


def _inherit(a: DatePoint, b: DatePoint) -> DatePoint:
    """Fill what `a` leaves out from `b`, as in `21 … 22 July` or `March … April 2023`."""
    month = a.month if a.month is not None or a.day is None else b.month
    year = a.year if a.year is not None else b.year
    return DatePoint(year, month, a.day, a.part)


def _duration(folded: str) -> float | None:
    tokens = re.findall(r"\d+(?:[.,]\d+)?|[a-z]+", folded)
    if not tokens or tokens[-1] not in _DURATION_UNITS:
        return None
    # `15. marta 2024. godine` is a date that ends in the word for year, not a duration.
    if any(t in MONTHS or t in _AMBIGUOUS_MONTHS or (t.isdigit() and len(t) >= 3) for t in tokens):
        return None
    months_per_unit = _DURATION_UNITS[tokens[-1]]
    body = " ".join(tokens[:-1])
    half = 0.0
    for phrase in _HALF:
        if body.endswith(" " + phrase) or body == phrase:
            body = body[: -len(phrase)].strip()
            half = 0.5
            break
    body_tokens = [t for t in body.split() if t not in _DURATION_FILLERS]
    if len(body_tokens) != 1 and not (not body_tokens and half):
        raise FigureError("cannot read the length of the period")
    if body_tokens:
        token = body_tokens[0]
        if token[0].isdigit():
            number = float(token.replace(",", "."))
        elif token in NUMBER_WORDS:
            number = float(NUMBER_WORDS[token])
        else:
            raise FigureError(f"cannot read {token!r} as a number")
    else:
        number = 0.0
    return (number + half) * months_per_unit / 12


@lru_cache(maxsize=16384)
def parse_date(text: str, language: str | None = None) -> DateFigure:
    """Read `18. marta`, `August 16, 2023`, `mid-2028`, `21 … 22 July`, `3.5 years`."""
    if not text or not text.strip():
        raise FigureError("figure is blank")
    folded = fold(unicodedata.normalize("NFKC", text)).strip()
    years = _duration(folded)
    if years is not None:
        return DateFigure(text, years=years)
    m = _DAY_RANGE.match(folded)
    if m:
        folded = f"{m[1]} … {m[2]}"
    parts = [p for p in _PAIR_SPLIT.split(folded) if p.strip()]
    # `mid-2028` keeps its hyphen: it is split only around spaces or between day numbers.
    if len(parts) == 1:
        return DateFigure(text, first=_complete(_point(parts[0], language)))
    if len(parts) == 2:
        a, b = _point(parts[0], language), _point(parts[1], language)
        return DateFigure(text, first=_complete(_inherit(a, b)), second=_complete(_inherit(b, a)))
    raise FigureError("more than two dates")


def _bounds(record: DateRange) -> list[tuple[dt.date, dt.date]]:
    spans = []
    if record.earliest is not None or record.latest is not None:
        spans.append((record.earliest, record.latest))
    for member in record.members:
        spans.append((member.earliest, member.latest))
    return spans


def date_agrees(figure: DateFigure, value: str | DateRange) -> bool:
    """True when the record date agrees with the figure at the figure's precision."""
    try:
        record = value if isinstance(value, DateRange) else parse_edtf(value)
    except EDTFError:
        return False
    if figure.kind == "duration":
        if record.precision != "interval" or record.earliest is None or record.latest is None:
            return False
        length = ((record.latest - record.earliest).days + 1) / 365.25
        return abs(length - (figure.years or 0)) <= 0.25
    spans = _bounds(record)
    first, second = figure.first, figure.second
    assert first is not None

    def hit(point: DatePoint, day: dt.date | None) -> bool:
        return day is not None and point.matches(day)

    if second is None:
        return any(hit(first, lo) or hit(first, hi) for lo, hi in spans)
    return any(
        (hit(first, lo) and hit(second, hi))
        or (hit(first, lo) and hit(first, hi))
        or (hit(second, lo) and hit(second, hi))
        for lo, hi in spans
    )


# ---------------------------------------------------------------------------
# Counts

@dataclass(frozen=True)
class Count:
    """A count or factor figure."""

    text: str
    value: Decimal

    def describe(self) -> str:
        return _fmt(self.value)


_COUNT_LEAD = re.compile(r"[\s~≈>≥+]+")


@lru_cache(maxsize=16384)
def parse_count(text: str, language: str | None = None) -> Count:
    """Read `15 flights`, `dva`, `30-krat`, `30x`, `twenty-one`; trailing words are ignored."""
    if not text or not text.strip():
        raise FigureError("figure is blank")
    folded = _COUNT_LEAD.sub(" ", fold(unicodedata.normalize("NFKC", text))).strip()
    tokens = re.findall(r"\d+(?:[.,]\d+)*|[a-z]+|[^\sa-z\d]", folded)
    index = 0
    while index < len(tokens) and tokens[index] in QUALIFIERS:
        index += 1
    if index == len(tokens):
        raise FigureError("no number")
    token = tokens[index]
    following = tokens[index + 1:]
    scales, words_as_numbers = magnitudes(language), {**number_words(language), **ORDINAL_WORDS}
    if token[0].isdigit():
        has_magnitude = bool(following) and following[0] in scales
        value = read_decimal(token, magnitude_follows=has_magnitude)
        if has_magnitude:
            value *= scales[following[0]]
        return Count(text, value)
    if token in words_as_numbers:
        value = words_as_numbers[token]
        # twenty-one, twenty one
        if token in _TENS and following:
            rest = following[1:] if following[0] == "-" else following
            if rest and rest[0] in words_as_numbers and words_as_numbers[rest[0]] < 10:
                value += words_as_numbers[rest[0]]
        if token in ("a", "an") and not (following and following[0] in ("dozen", "hundred")):
            raise FigureError("no number")
        if token in ("a", "an"):
            value = words_as_numbers[following[0]]
        return Count(text, Decimal(value))
    raise FigureError(f"{tokens[index]!r} is not a number")


def count_agrees(figure: Count, value: object) -> bool:
    """True when the record's count equals the figure."""
    number = as_decimal(value)
    return number is not None and number == figure.value


# ---------------------------------------------------------------------------
# Dispatch

Parsed = Money | DateFigure | Count


def parse_figure(kind: str, text: str, language: str | None = None) -> Parsed:
    """Parse a figure as a money, date or count value; raise FigureError when it cannot."""
    if kind == "money":
        return parse_money(text, language)
    if kind == "date":
        return parse_date(text, language)
    if kind == "count":
        return parse_count(text, language)
    raise ValueError(f"no parser for kind {kind!r}")


FIGURE_MAX_WORDS = 8


def figure_too_long(text: str, limit: int = FIGURE_MAX_WORDS) -> bool:
    """A figure is the printed value, a few tokens, never a sentence."""
    return len([t for t in text.split() if re.search(r"\w", t)]) > limit  # "…" or "–" is no word
