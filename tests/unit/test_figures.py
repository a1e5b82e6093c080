"""armsledger.model.figures: reading claim figures and deciding whether they agree with record values."""

from __future__ import annotations

from decimal import Decimal

import pytest

from armsledger.model import figures
from armsledger.model.figures import (
    FigureError,
    count_agrees,
    date_agrees,
    money_agrees,
    normalise_for_archive,
    occurs_in_archive,
    parse_count,
    parse_date,
    parse_money,
    read_decimal,
    reference_agrees,
    text_agrees,
)

# --------------------------------------------------------------------------- money


@pytest.mark.parametrize(
    ("text", "value", "tolerance", "currency"),
    [
        ("14 million euros", "14000000", "500000", "EUR"),
        ("14 milijuna eura", "14000000", "500000", "EUR"),
        ("15.7 million euros", "15700000", "50000", "EUR"),
        ("23 Million Euros", "23000000", "500000", "EUR"),
        ("23.1 million euros", "23100000", "50000", "EUR"),
        ("42,3 mln euro", "42300000", "50000", "EUR"),
        ("1,4 mln", "1400000", "50000", None),
        ("540,120 euros", "540120", "0.5", "EUR"),
        ("780,000 Euro", "780000", "0.5", "EUR"),
        ("510,000 euros", "510000", "0.5", "EUR"),
        ("EUR 600,000", "600000", "0.5", "EUR"),
        ("7.3 million euros", "7300000", "50000", "EUR"),
        ("8 million dollars", "8000000", "500000", "USD"),
        ("$335M", "335000000", "500000", "USD"),
        ("$335 million", "335000000", "500000", "USD"),
        ("335 miliona dolara", "335000000", "500000", "USD"),
        ("$25.5 million", "25500000", "50000", "USD"),
        ("US$ 17.1 million", "17100000", "50000", "USD"),
        ("€1.4m", "1400000", "50000", "EUR"),
        ("14m", "14000000", "500000", None),
        ("8bn", "8000000000", "500000000", None),
        ("2 milijarde dinara", "2000000000", "500000000", "RSD"),
        ("1 milijarda", "1000000000", "500000000", None),
        ("5 mld zł", "5000000000", "500000000", "PLN"),
        ("15 mil. evra", "15000000", "500000", "EUR"),
        ("3 milijone evrov", "3000000", "500000", "EUR"),
        ("5 milionów euro", "5000000", "500000", "EUR"),
        ("600 hiljada evra", "600000", "500", "EUR"),
        ("600 tisuća eura", "600000", "500", "EUR"),
        ("300 tisoč evrov", "300000", "500", "EUR"),
        ("300 tys. dolarów", "300000", "500", "USD"),
        ("20 thousand dollars", "20000", "500", "USD"),
        ("250k", "250000", "500", None),
        ("600.000 eura", "600000", "0.5", "EUR"),
        ("1.234.567,89 €", "1234567.89", "0.005", "EUR"),
        ("1,234,567.89 USD", "1234567.89", "0.005", "USD"),
        ("14 000 000 EUR", "14000000", "0.5", "EUR"),
        ("about €7.3 million", "7300000", "50000", "EUR"),
        ("more than $8 million", "8000000", "500000", "USD"),
        ("oko 14 miliona evra", "14000000", "500000", "EUR"),
        ("42,3 milijona evrov", "42300000", "50000", "EUR"),
        ("42,3 mln euro", "42300000", "50000", "EUR"),
    ],
)
def test_parse_money(text, value, tolerance, currency):
    money = parse_money(text)
    assert money.value == Decimal(value)
    assert money.tolerance == Decimal(tolerance)
    assert money.currency == currency


def test_parse_money_range():
    money = parse_money("10–12 million euros")
    assert (money.value, money.high, money.currency) == (Decimal(10**7), Decimal(12 * 10**6), "EUR")
    assert money_agrees(money, "10000000", "EUR")
    assert money_agrees(money, "12000000", "EUR", upper=True)
    assert not money_agrees(money, "11000000", "EUR", upper=True)


@pytest.mark.parametrize(
    "text",
    ["", "   ", "dozens", "undisclosed", "14 million euros and 3 million dollars", "1,2,3 euros",
     "12,34,567 euros", "€5 million $5 million", "14 million zebras", "14 # euros", "14 mega euros"],
)
def test_parse_money_rejects(text):
    with pytest.raises(FigureError):
        parse_money(text)


@pytest.mark.parametrize(
    ("text", "magnitude", "expected"),
    [
        ("540,120", False, "540120"),
        ("42,3", True, "42.3"),
        ("42,35", True, "42.35"),
        ("1,425", True, "1425"),  # exactly three digits after a comma: thousands
        ("7.3", True, "7.3"),
        ("1.425", True, "1.425"),  # a point before a magnitude word is a decimal point
        ("600.000", False, "600000"),  # ... and without one, a European thousands point
        ("1.234.567", False, "1234567"),
        ("1.234.567,5", False, "1234567.5"),
        ("1,234,567.5", False, "1234567.5"),
        ("3,1415", False, "3.1415"),
        ("0,540", True, "0.540"),  # a leading 0 is never a thousands group: 0,540 mln
        ("0,014", True, "0.014"),
    ],
)
def test_read_decimal(text, magnitude, expected):
    assert read_decimal(text, magnitude_follows=magnitude) == Decimal(expected)
    assert str(read_decimal(text, magnitude_follows=magnitude)) == expected


@pytest.mark.parametrize(
    ("figure", "amount", "currency", "agrees"),
    [
        ("14 million euros", "14000000", "EUR", True),
        ("14 million euros", "1400000", "EUR", False),  # the typo this rule exists for
        ("14 milijuna eura", "140000000", "EUR", False),
        ("23 Million Euros", "23100000", "EUR", True),  # rounding as written
        ("23 Million Euros", "23500000", "EUR", True),  # edge of half a unit
        ("23 Million Euros", "23500001", "EUR", False),
        ("15.7 million euros", "15700000", "EUR", True),
        ("15.7 million euros", "15800000", "EUR", False),
        ("15.7 million euros", "15740000", "EUR", True),
        ("42,3 mln euro", "42300000", "EUR", True),
        ("42,3 mln euro", "423000", "EUR", False),
        ("540,120 euros", "540120", "EUR", True),
        ("540,120 euros", "540121", "EUR", False),
        ("780,000 Euro", "780000", "EUR", True),
        ("780,000 Euro", "78000", "EUR", False),
        ("$335M", "335000000", "USD", True),
        ("$335M", "335000000", "EUR", False),  # the figure names a currency
        ("1,4 mln", "1400000", "EUR", True),  # no currency in the figure: any
        ("1,4 mln", "1400000", "USD", True),
        ("8 million dollars", "7300000", "EUR", False),
        ("14 million euros", "14000000", "", True),  # blank record currency is not compared
        ("14 million euros", "", "EUR", False),
        ("14 million euros", "14m", "EUR", False),
        ("14 million euros", "1.4e7", "EUR", True),
    ],
)
def test_money_agrees(figure, amount, currency, agrees):
    assert money_agrees(parse_money(figure), amount, currency) is agrees


def test_money_describe():
    assert parse_money("14 million euros").describe() == "14000000 EUR ± 500000"
    assert parse_money("15.7 million euros").describe() == "15700000 EUR ± 50000"
    assert parse_money("540,120").describe() == "540120 ± 0.5"


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("text", "described"),
    [
        ("February 5", "5 February (any year)"),
        ("August 1", "1 August (any year)"),
        ("August 20", "20 August (any year)"),
        ("18. marta", "18 March (any year)"),
        ("18. mart 2024", "18 March 2024"),
        ("21 February 2024", "21 February 2024"),
        ("25 February 2025", "25 February 2025"),
        ("August 16, 2023", "16 August 2023"),
        ("September 2015", "September 2015"),
        ("January", "January (any year)"),
        ("Jan 2025", "January 2025"),
        ("2024", "2024"),
        ("mid-2028", "mid-2028 (May–August)"),
        ("mid 2028", "mid-2028 (May–August)"),
        ("late 2023", "late-2023 (September–December)"),
        ("početkom 2024", "early-2024 (January–April)"),
        ("21 … 22 July", "21 July (any year) … 22 July (any year)"),
        ("21 ... 22 July 2024", "21 July 2024 … 22 July 2024"),
        ("21-22 July", "21 July (any year) … 22 July (any year)"),
        ("October … December", "October (any year) … December (any year)"),
        ("March to April 2023", "March 2023 … April 2023"),
        ("od 21. do 22. jula", "21 July (any year) … 22 July (any year)"),
        ("15. marta 2024. godine", "15 March 2024"),
        ("5th of May", "5 May (any year)"),
        ("2024-03-18", "18 March 2024"),
        ("18.03.2024.", "18 March 2024"),
        ("Tuesday, February 5", "5 February (any year)"),
        ("siječnja 2025", "January 2025"),
        ("5 lipnja", "5 June (any year)"),  # Croatian June
        ("5 lipca", "5 July (any year)"),  # Polish July
        ("21 sierpnia 2024", "21 August 2024"),
        ("10. avgusta", "10 August (any year)"),
        ("1. februara", "1 February (any year)"),
        ("12. julija 2024", "12 July 2024"),
        ("18. марта", "18 March (any year)"),  # Serbian Cyrillic
        ("three and a half years", "3.5 years"),
        ("3.5 years", "3.5 years"),
        ("3,5 godine", "3.5 years"),
        ("tri i po godine", "3.5 years"),
        ("18 months", "1.5 years"),
        ("over the next three and a half years", "3.5 years"),
    ],
)
def test_parse_date(text, described):
    assert parse_date(text).describe() == described


@pytest.mark.parametrize(
    "text",
    ["", "sometime in spring", "dozens", "5", "mid-July", "31 February", "February 30 2023",
     "5 … 6 … 7 July", "January March", "2024-13", "listopad 2023"],
)
def test_parse_date_rejects(text):
    with pytest.raises(FigureError):
        parse_date(text)


@pytest.mark.parametrize(("language", "month"), [("hr", 10), ("bs", 10), ("pl", 11)])
def test_listopad_depends_on_language(language, month):
    assert parse_date("5 listopada 2023", language).first.month == month


@pytest.mark.parametrize(
    ("figure", "record", "agrees"),
    [
        ("18. marta", "2024-03-18", True),
        ("18. marta", "2024-04-18", False),
        ("18. marta", "2024-03-19", False),
        ("18. marta", "2024-03", False),  # the record is less precise than the figure
        ("February 5", "2024-02-05", True),
        ("August 1", "2024-08-01", True),
        ("August 1", "2024-08-02", False),
        ("21 February 2024", "2024-02-21", True),
        ("21 February 2024", "2023-02-21", False),
        ("August 16, 2023", "2023-08-16", True),
        ("September 2015", "2015-09", True),
        ("September 2015", "2015-09-14", True),
        ("September 2015", "2016-09", False),
        ("January", "2025-01", True),
        ("January", "2025-02", False),
        ("2024", "2024-03", True),
        ("March", "2024-02/2024-05", False),  # neither bound
        ("February", "2024-02/2024-05", True),  # earliest bound
        ("May", "2024-02/2024-05", True),  # latest bound
        ("March 2024", "2024-03~", True),
        ("mid-2028", "2025-01/2028-06", True),
        ("mid-2028", "2025-01/2028-06~", True),
        ("mid-2028", "2025-01/2028-12", False),
        ("mid-2028", "2025-01/2029-06", False),
        ("late 2023", "2023-10", True),
        ("21 … 22 July", "2024-07-21/2024-07-22", True),
        ("21 … 22 July", "2024-07-21", True),
        ("21 … 22 July", "2024-07-22", True),
        ("21 … 22 July", "2024-07-21/2024-07-25", False),
        ("21 … 22 July", "2024-07-20/2024-07-22", False),
        ("21 … 22 July", "2024-06-21/2024-06-22", False),
        ("21 … 22 July", "[2024-07-21,2024-07-22]", True),
        ("October … December", "2024-10", True),
        ("October … December", "2024-12", True),
        ("October … December", "2024-10/2024-12", True),
        ("October … December", "2024-11", False),
        ("October … December", "2024-09/2024-12", False),
        ("three and a half years", "2025-01/2028-06", True),
        ("3.5 years", "2025-01/2028-08", True),
        ("3.5 years", "2025-01/2028-12", False),
        ("18 months", "2024-03/2025-08", True),
        ("18 months", "2024-03/2026-08", False),
        ("3.5 years", "2025-01", False),  # a duration needs an interval
        ("3.5 years", "../2028-06", False),
        ("18. marta", "not a date", False),
        ("January", "../2025-01", True),
    ],
)
def test_date_agrees(figure, record, agrees):
    assert date_agrees(parse_date(figure), record) is agrees


# --------------------------------------------------------------------------- counts


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("dva", 2), ("dve", 2), ("dvije", 2), ("sedam", 7), ("pet", 5), ("šest", 6), ("četiri", 4),
        ("jedan", 1), ("jedna", 1), ("tri", 3), ("osam", 8), ("devet", 9), ("deset", 10),
        ("pięć", 5), ("dwa", 2), ("štiri", 4), ("sedem", 7),
        ("five", 5), ("six", 6), ("one", 1), ("twenty", 20), ("twenty-one", 21), ("a dozen", 12),
        ("15 flights", 15), ("5 flights", 5), ("30-krat", 30), ("30-fold", 30), ("30x", 30),
        ("30 times", 30), ("at least 7", 7), ("≥15", 15), ("more than 15 flights", 15),
        ("najmanje sedam aviona", 7), ("1,000 rounds", 1000), ("2 million rounds", 2000000),
        ("2.5-fold", Decimal("2.5")),
    ],
)
def test_parse_count(text, value):
    assert parse_count(text).value == Decimal(value)


@pytest.mark.parametrize("text", ["", "dozens", "several flights", "a few", "many", "n/a"])
def test_parse_count_rejects(text):
    with pytest.raises(FigureError):
        parse_count(text)


@pytest.mark.parametrize(
    ("figure", "value", "agrees"),
    [("dva", "2", True), ("dva", "3", False), ("sedam", "7", True), ("30-krat", "30", True),
     ("30-krat", "30.2", False), ("15 flights", "15", True), ("15 flights", "", False),
     ("six", "6", True), ("five", "4", False)],
)
def test_count_agrees(figure, value, agrees):
    assert count_agrees(parse_count(figure), value) is agrees


# --------------------------------------------------------------------------- text and names


@pytest.mark.parametrize(
    ("figure", "value", "agrees"),
    [
        ("serial number 272", "272", True),
        ("272", "Boeing 707, serial 272", True),
        ("272", "1272", False),
        ("155 mm", "155mm artillery ammunition", True),
        ("PULS", "PULS", True),
        ("Hermes 900", "Hermes 900 reconnaissance drone", True),
        ("Hermes 450", "Hermes 900", False),
        ("Pirot", "Pirot", True),
        ("Pirot", "Niš", False),
        ("anything", "", False),
        ("", "anything", False),
    ],
)
def test_text_agrees(figure, value, agrees):
    assert text_agrees(figure, value) is agrees


@pytest.mark.parametrize(
    ("figure", "names", "agrees"),
    [
        ("Krusik", ["Krušik"], True),
        ("KRUŠIK", ["Krusik"], True),
        ("Sloboda", ["Sloboda Čačak"], True),
        ("Elbit Systems Ltd", ["Elbit Systems"], True),
        ("Vucic", ["Aleksandar Vučić", "Vucic"], True),
        ("Вучић", ["Vučić"], True),
        ("Elbit", ["Krušik", "Sloboda"], False),
        ("Circles", [], False),
    ],
)
def test_reference_agrees(figure, names, agrees):
    assert reference_agrees(figure, names) is agrees


# What a figure cited for a field is read as comes from the schema's field kinds (amount, edtf, count,
# id_list) and foreign keys, not from a list of field names: see armsledger.validate.evidence.figure_kind.
@pytest.mark.parametrize(
    ("table", "field", "kind"),
    [
        ("transfers", "amount", "money"), ("aggregates", "amount_max", "money"), ("flights", "date", "date"),
        ("aggregates", "period", "date"), ("contracts", "announced", "date"), ("contracts", "signed", "date"),
        ("contracts", "delivery", "date"), ("contracts", "value_date", "date"), ("flights", "count", "count"),
        ("contract_lines", "number_ordered", "count"), ("contract_lines", "number_delivered", "count"),
        ("aggregates", "factor", "count"), ("contracts", "supplier_id", "reference"),
        ("events", "entity_ids", "reference"), ("contracts", "related_ids", "reference"),
        ("contract_lines", "designation", "text"), ("flights", "serial_or_registration", "text"),
        ("flights", "flight_id", "text"),  # a record's own id is no reference
        ("flights", "no_such_field", "text"),
    ],
)
def test_figure_kind_follows_the_schema(table, field, kind):
    from pathlib import Path

    from armsledger.model import schema
    from armsledger.validate.evidence import figure_kind
    from armsledger.validate.structure import Table
    from tests.common import SMALL

    spec = schema.load(SMALL).table(table)
    assert figure_kind(Table(spec=spec, path=Path(spec.path), order=0), field) == kind


def test_fold():
    assert figures.fold("Krušik Čačak Łódź Đurđevac Вучић") == "krusik cacak lodz durdevac vucic"


def test_normalise_for_archive():
    text = "“Fikstura”  shipped\n14 million euros’ worth – in\tMarch"
    assert figures.normalise_for_archive(text) == "\"Fikstura\" shipped 14 million euros' worth - in March"
    assert figures.normalise_for_archive("Serbia’s") == "Serbia's"
    assert figures.normalise_for_archive("a — b − c") == "a - b - c"


@pytest.mark.parametrize(("text", "too_long"), [("14 million euros", False),
                                                ("one two three four five six seven eight", False),
                                                ("one two three four five six seven eight nine", True)])
def test_figure_too_long(text, too_long):
    assert figures.figure_too_long(text) is too_long


def test_parse_figure_dispatch():
    assert isinstance(figures.parse_figure("money", "14m"), figures.Money)
    assert isinstance(figures.parse_figure("date", "mid-2028"), figures.DateFigure)
    assert isinstance(figures.parse_figure("count", "dva"), figures.Count)
    with pytest.raises(ValueError):
        figures.parse_figure("text", "x")


@pytest.mark.parametrize(
    ("figure", "found"),
    [("$335 million", True), ("35 million", False), ("335", True), ("Sept", False), ("September", True),
     ("Krusik", True), ("Krus", False), ("million,", True), ("$335", True), ("", False)],
)
def test_a_figure_occurs_in_an_archive_only_as_whole_tokens(figure, found):
    text = normalise_for_archive("Valued at $335 million, reported in September; made at Krusik.")
    assert occurs_in_archive(figure, text) is found


def test_an_elided_figure_matches_its_parts_in_order():
    text = normalise_for_archive("Shipments followed in October and again in December, the data show.")
    assert occurs_in_archive("October … December", text)
    assert not occurs_in_archive("December … October", text)
    assert not occurs_in_archive("Octo … December", text)


def test_archive_matching_ignores_the_unicode_normal_form():
    """A figure typed with combining accents (NFD) is the same text as the source's precomposed one (NFC)."""
    import unicodedata

    from armsledger.model.figures import normalise_for_archive, occurs_in_archive

    nfc = "Predsednik Vučić je rekao"
    nfd = unicodedata.normalize("NFD", "Vučić")
    assert nfd != "Vučić"
    assert occurs_in_archive(nfd, normalise_for_archive(nfc))
    assert occurs_in_archive("Vučić", normalise_for_archive(unicodedata.normalize("NFD", nfc)))
