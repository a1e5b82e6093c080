"""The ledger validator (armsledger.validate) on fixtures: one bad fixture per rule, the clean fixtures,
garbage, odd schemas and the CLI. The real ledger's validation is in tests/data.

Each validation of a fixture is declared with `case` and runs in the background (tests/unit/validations.py):
the tests read its outcome, as `data/...` problems, exactly as `armsledger validate` prints them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from armsledger import cli, paths
from armsledger.validate import RULES, Problem
from tests.common import ARCHIVE, FIXTURES
from tests.unit.validations import case, outcome

# Every problem each bad fixture must produce, as `location: rule`, and nothing else.
EXPECTED = {
    # file level
    "encoding": ["data/entities.csv:2:location: encoding", "data/entities.csv:3:location: encoding"],
    "ragged-row": ["data/transfers.csv:2: ragged-row"],
    "unknown-column": ["data/flights.csv:1:colour: unknown-column"],
    "missing-column": ["data/events.csv:1:note: missing-column"],
    "duplicate-header": ["data/categories.csv:1:label: duplicate-header"],
    "empty-file": ["data/categories.csv: empty-file"],
    "empty-table": ["data/claims.csv: empty-table"],
    "delimiter": ["data/categories.csv: delimiter"],
    "missing-file": ["data/flights.csv: missing-file"],
    "missing-datapackage": ["data/datapackage.json: missing-file"],
    "blank-row": ["data/events.csv:2: blank-row"],
    # schema
    "type": ["data/transfers.csv:2:amount: type"],
    "enum": ["data/transfers.csv:2:mode: enum"],
    "required": ["data/events.csv:2:summary: required"],
    "pattern": ["data/sources.csv:3:language: pattern"],
    "minimum": ["data/claims.csv:4:credibility: minimum"],
    "format": ["data/sources.csv:2:url: format"],
    "foreign-key": ["data/transfers.csv:2:exporter_id: foreign-key"],
    "foreign-key-list": ["data/events.csv:2:entity_ids: foreign-key"],
    "list-item": ["data/events.csv:2:entity_ids: list-item"],
    "duplicate-id": ["data/entities.csv:5:entity_id: duplicate-id"],
    "shared-id": ["data/categories.csv:3:category: shared-id"],
    "derived-cycle": ["data/sources.csv:2:derived_from: derived-cycle"],
    "derived-cycle-self": ["data/sources.csv:2:derived_from: derived-cycle"],
    # dates
    "edtf-invalid": ["data/flights.csv:2:date: edtf"],
    "edtf-unordered": ["data/contracts.csv:2:delivery: edtf"],
    "edtf-empty-end": ["data/contract_lines.csv:2:delivery: edtf"],
    # money, codes, certainty
    "amount-max": ["data/transfers.csv:2:amount_max: amount-max"],
    "amount-max-below": ["data/transfers.csv:2:amount_max: amount-max"],
    "currency-missing": ["data/contracts.csv:2:currency: currency-missing"],
    "operator-scope": ["data/aggregates.csv:2:operator_id: operator-scope"],
    "amount-kind": ["data/transfers.csv:2:amount_kind: amount-kind"],
    "undisclosed-amount": ["data/transfers.csv:2:amount: undisclosed-amount"],
    "currency-code": ["data/transfers.csv:2:currency: currency-code"],
    "country-code": ["data/entities.csv:2:country: country-code"],
    "duplicate-state": ["data/entities.csv:6:country: duplicate-state"],
    "certainty-note": ["data/transfers.csv:2:certainty_note: certainty-note"],
    # evidence
    "no-claim": ["data/flights.csv:2:flight_id: no-claim"],
    "claim-record": ["data/claims.csv:8:record_id: claim-record"],
    "claim-fields": ["data/claims.csv:4:fields: claim-fields"],
    "figure-fields": ["data/claims.csv:3:fields: figure-fields"],
    "figure-length": ["data/claims.csv:8:figure: figure-length"],
    "figure-unparsed": ["data/claims.csv:5:figure: figure-unparsed"],
    "figure-agreement": ["data/transfers.csv:2:amount: figure-agreement"],
    "figure-agreement-date": ["data/flights.csv:2:date: figure-agreement"],
    "figure-agreement-missing": ["data/transfers.csv:2:amount: figure-agreement"],
    "figure-agreement-text": ["data/claims.csv:3:figure: figure-agreement"],
    "figure-agreement-entity": ["data/claims.csv:6:figure: figure-agreement"],
    # what a cell may hold (model.cells): number syntax, characters, sizes, URL schemes
    "type-digit-separator": ["data/transfers.csv:2:amount: type"],
    "type-digits": ["data/transfers.csv:2:amount: type"],
    "control-character": ["data/events.csv:2:summary: control-character"],
    "bidi-control": ["data/entities.csv:2:name: bidi-control"],
    "whitespace": ["data/events.csv:2:place: whitespace"],
    "whitespace-required": ["data/events.csv:2:summary: required"],
    "id-length": ["data/categories.csv:3:category: id-length"],
    "cell-size": ["data/events.csv:2:note: cell-size"],
    "url-scheme": ["data/sources.csv:2:url: url-scheme"],
    # sources against the calendar and each other
    "published-future": ["data/sources.csv:3:published: published-future"],
    "published-late": ["data/claims.csv:5:source_id: published-late"],
    "source-predates": ["data/claims.csv:6:source_id: source-predates"],
    "duplicate-source": ["data/sources.csv:4:url: duplicate-source"],
    "duplicate-source-citation": ["data/sources.csv:4:title: duplicate-source"],
    # what the build converts: ECB rates for the currency, at the value's date
    "currency-rate": ["data/transfers.csv:2:currency: currency-rate"],
    "rate-date": ["data/transfers.csv:2:value_date: rate-date"],
    # archive (checked with the fixture archive folder)
    "archive-figure": ["data/claims.csv:4:figure: archive-figure"],
    "archive-missing": ["data/sources.csv:2:archive: archive-missing"],
}

# Exact wording for the messages the design document promises.
MESSAGES = {
    "type": 'data/transfers.csv:2:amount: type: must be a number, got "14m"',
    "enum": 'data/transfers.csv:2:mode: enum: must be one of air, sea, land, unknown, got "boat"',
    "required": "data/events.csv:2:summary: required: is required",
    "duplicate-id": 'data/entities.csv:5:entity_id: duplicate-id: duplicate id "fixture-works" (first at row 3)',
    "foreign-key": 'data/transfers.csv:2:exporter_id: foreign-key: "fixture-nobody" does not match any '
                   "entities.entity_id",
    "foreign-key-list": 'data/events.csv:2:entity_ids: foreign-key: "fixture-nobody" does not match any '
                        "entities.entity_id",
    "figure-agreement": 'data/transfers.csv:2:amount: figure-agreement: 1400000 EUR agrees with no claim '
                        'figure (claim claim-shipment-gazette: "14 million euros" = 14000000 EUR ± 500000)',
    "figure-agreement-date": 'data/flights.csv:2:date: figure-agreement: 2024-04-18 agrees with no claim '
                             'figure (claim claim-flight-digest: "18. marta" = 18 March (any year))',
    "missing-file": "data/flights.csv: missing-file: file not found",
    "ragged-row": "data/transfers.csv:2: ragged-row: has 19 cells but the header has 18",
    "derived-cycle": "data/sources.csv:2:derived_from: derived-cycle: derived_from forms a cycle: "
                     "fixture-gazette-2024-03 → fixture-digest-2024-04 → fixture-gazette-2024-03",
    "edtf-empty-end": "data/contract_lines.csv:2:delivery: edtf: '2024-03/' has an empty interval end; "
                      "write an open end as '..'",
    "shared-id": 'data/categories.csv:3:category: shared-id: id "fixture-exporter" is already used at '
                 "data/entities.csv:2; ids must be unique across all tables",
    "type-digit-separator": 'data/transfers.csv:2:amount: type: must be a number, got "14_000_000" (no digit '
                            "separators: write 780000, not 780_000)",
    "rate-date": "data/transfers.csv:2:value_date: rate-date: cannot convert EUR at 1998-05: no ECB USD rates in "
                 "1998-05 (the bundled history of USD runs from 1999-01-04 to 2026-10-30)",
    "url-scheme": 'data/sources.csv:2:url: url-scheme: must be a web address (http or https), got a "javascript:" URL',
}


# --------------------------------------------------------------------------- edits of mini


def _append(name: str, line: str):
    def edit(data: Path) -> None:
        with (data / name).open("a", encoding="utf-8") as out:
            out.write(line)

    return edit


def _replace(name: str, old: str, new: str, count: int = -1):
    def edit(data: Path) -> None:
        path = data / name
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{name} has no {old!r}"
        path.write_text(text.replace(old, new, count), encoding="utf-8")

    return edit


def _write(name: str, content: bytes):
    def edit(data: Path) -> None:
        (data / name).write_bytes(content)

    return edit


def _cells(name: str, row: int, **values: str):
    def edit(data: Path) -> None:
        path = data / name
        lines = path.read_text(encoding="utf-8").splitlines()
        header, cells = lines[0].split(","), lines[row - 1].split(",")
        for column, value in values.items():
            cells[header.index(column)] = value
        lines[row - 1] = ",".join(cells)
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    return edit


def _descriptor(mutate):
    def edit(data: Path) -> None:
        package = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
        mutate(package)
        (data / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")

    return edit


def _both(*edits):
    def edit(data: Path) -> None:
        for each in edits:
            each(data)

    return edit


def _without(name: str):
    return _descriptor(lambda p: p.update(resources=[r for r in p["resources"] if r["name"] != name]))


# --------------------------------------------------------------------------- one bad fixture per rule

BAD = {name: case(f"bad/{name}", overlay=f"bad/{name}", archive=name.startswith("archive-")) for name in EXPECTED}


def test_every_bad_fixture_has_an_expectation():
    assert sorted(p.name for p in (FIXTURES / "bad").iterdir()) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_fixture(name):
    result = outcome(BAD[name])
    assert result.located == EXPECTED[name]
    assert not result.ok
    if name in MESSAGES:
        assert result.messages == [MESSAGES[name]]


def test_every_bad_byte_is_located_by_row_and_column():
    assert outcome(BAD["encoding"]).messages == [
        "data/entities.csv:2:location: encoding: not UTF-8: bytes 0xc8 0xe8 are not valid UTF-8; save the file "
        "as UTF-8",
        "data/entities.csv:3:location: encoding: not UTF-8: byte 0x9e is not valid UTF-8; save the file as UTF-8"]


def test_every_expected_rule_is_documented():
    # test_bad_fixture holds each fixture to EXPECTED, so this covers what is reported.
    seen = {line.rsplit(": ", 1)[1] for lines in EXPECTED.values() for line in lines}
    assert seen <= set(RULES)


# --------------------------------------------------------------------------- clean ledgers

MINI = case("mini")
MINI_ARCHIVE = case("mini+archive", archive=True)
BOM_CRLF = case("good/bom-crlf", overlay="good/bom-crlf", archive=True)


def test_mini_is_clean():
    result = outcome(MINI)
    assert result.messages == []
    assert result.ok
    assert result.summary[0] == "checked 11 tables, 18 rows in data: no problems"
    assert result.summary[1].startswith("archive: not checked")
    assert result.archive is None


def test_mini_is_clean_against_its_archive():
    result = outcome(MINI_ARCHIVE)
    assert result.messages == []
    assert result.archive == (4, 0, 0, 2, 0)  # verified, failed, file missing, unverified, blank
    assert "4 claim figures verified" in result.summary[1]
    assert "2 unverified" in result.summary[1]


def test_bom_and_crlf_are_accepted():
    assert (FIXTURES / "good" / "bom-crlf" / "transfers.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in (FIXTURES / "good" / "bom-crlf" / "claims.csv").read_bytes()
    result = outcome(BOM_CRLF)
    assert result.messages == []
    assert result.tables["transfers"][0]["transfer_id"] == "fixture-shipment-2024-03"


BLANK_FIGURE = case("blank figure+archive", overlay="bad/figure-agreement-missing", archive=True)


def test_blank_figure_is_counted_not_checked():
    assert outcome(BAD["figure-agreement-missing"]).archive is None
    result = outcome(BLANK_FIGURE)
    assert result.archive[4] == 1
    assert "1 claims with a blank figure not checked" in result.summary[1]


ALL_AT_ONCE = case("all at once", overlay="bad/type", edit=_both(
    _replace("flights.csv", ",2024-03-18,", ",2024-13-45,"), _write("categories.csv", b"")))


def test_all_problems_are_reported_at_once():
    assert outcome(ALL_AT_ONCE).located == [
        "data/transfers.csv:2:amount: type",
        "data/flights.csv:2:date: edtf",
        "data/categories.csv: empty-file",
    ]


def test_tables_are_exposed():
    result = outcome(BAD["blank-row"])
    assert set(result.tables) == {"sources", "entities", "categories", "contracts", "contract_lines",
                                  "transfers", "flights", "events", "aggregates", "claims", "corrections"}
    assert result.tables["events"][0]["event_id"] == "fixture-meeting-2024-09"
    assert result.row_numbers["events"] == [3]
    assert result.tables["transfers"][0]["amount"] == "14000000"


def test_problem_str_forms(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    inside = tmp_path / "data" / "transfers.csv"
    assert str(Problem(inside, 14, "amount", "type", 'must be a number, got "14m"')) == \
        'data/transfers.csv:14:amount: type: must be a number, got "14m"'
    assert str(Problem(tmp_path / "data" / "flights.csv", None, None, "missing-file", "file not found")) == \
        "data/flights.csv: missing-file: file not found"
    assert str(Problem(inside, 3, None, "ragged-row", "x")) == "data/transfers.csv:3: ragged-row: x"
    assert str(Problem(tmp_path / "data" / "flights.csv", None, "count", "missing-column", "x")) == \
        "data/flights.csv::count: missing-column: x"
    outside = Path("/nonexistent/elsewhere/transfers.csv")
    assert str(Problem(outside, 2, "amount", "type", "x")) == "/nonexistent/elsewhere/transfers.csv:2:amount: type: x"


# --------------------------------------------------------------------------- garbage

GARBAGE = [
    ("datapackage.json", b"{not json", "datapackage"),
    ("datapackage.json", b'{"resources": 5}', "datapackage"),
    ("datapackage.json", b'{"resources": [{"name": "x"}]}', "datapackage"),
    ("datapackage.json", b"", "datapackage"),
    ("transfers.csv", b"\x00\x01\x02\xff\xfe garbage", "encoding"),
    ("transfers.csv", b'transfer_id,date\n"unclosed,2024\n', "missing-column"),
    ("transfers.csv", b"\n\n\n", "empty-file"),
    ("transfers.csv", b"\xff\xfet\x00r\x00", "encoding"),
    ("claims.csv", b"claim_id\n" + b"x" * 200_000 + b"\n", "missing-column"),
    ("datapackage.json", b"[]", "datapackage"),
    ("datapackage.json", b"null", "datapackage"),
    ("datapackage.json", b'{"resources": [1]}', "datapackage"),
    ("datapackage.json", b'{"resources": [{"name": "x", "path": 5}]}', "datapackage"),
    ("datapackage.json", b'{"resources": []}', "datapackage"),
    ("transfers.csv", "transfer_id,date\n".encode("utf-16"), "encoding"),
    ("transfers.csv", b"transfer_id\tdate\tamount\n", "delimiter"),
]
GARBAGE_CASES = [case(f"garbage {i}", edit=_write(name, content), archive=True)
                 for i, (name, content, _) in enumerate(GARBAGE)]


@pytest.mark.parametrize(("key", "rule"), [(key, rule) for key, (_, _, rule) in zip(GARBAGE_CASES, GARBAGE,
                                                                                    strict=True)],
                         ids=[f"{name}-{content[:12]!r}" for name, content, _ in GARBAGE])
def test_garbage_never_crashes(key, rule):
    result = outcome(key)
    assert rule in set(result.rules)
    assert result.summary


# --------------------------------------------------------------------------- rows and claims

MANY_ROWS = case("many rows", edit=_append("categories.csv", "".join(
    f"extra-{i},Label {i},,,,\n" for i in range(1, 6)) + "Bad Id,Label,,,,\n"))


def test_problems_in_many_rows_keep_their_row_numbers():
    assert outcome(MANY_ROWS).located == ["data/categories.csv:8:category: pattern"]


DENIAL = case("denial", edit=_append("claims.csv", "claim-shipment-denial,fixture-shipment-2024-03,"
                                                    "fixture-digest-2024-04,3 million euros,,amount,,5,denies,"
                                                    "Test fixture.\n"))
DOLLARS = case("dollars", edit=_append("claims.csv", "claim-shipment-dollars,fixture-shipment-2024-03,"
                                                      "fixture-digest-2024-04,15 million dollars,,amount,,3,supports,"
                                                      "Test fixture.\n"))
VAGUE = case("vague", edit=_append("claims.csv", "claim-shipment-vague,fixture-shipment-2024-03,"
                                                  "fixture-digest-2024-04,millions of euros,,amount,,3,supports,"
                                                  "Test fixture.\n"))


def test_contradicting_claims_are_not_checked_for_agreement():
    assert outcome(DENIAL).messages == []


def test_one_agreeing_claim_is_enough():
    assert outcome(DOLLARS).messages == []


def test_unparsed_figure_is_reported_even_when_another_claim_agrees():
    assert outcome(VAGUE).located == ["data/claims.csv:8:figure: figure-unparsed"]


# --------------------------------------------------------------------------- CLI


def test_cli_reports_problems_with_exit_status_2(make_ledger, capsys):
    make_ledger("bad/figure-agreement")
    status = cli.main(["validate", "--data", "data"])
    lines = capsys.readouterr().out.splitlines()
    assert status == 2
    assert lines[0] == MESSAGES["figure-agreement"]
    assert lines[1] == "checked 11 tables, 18 rows in data: 1 problem (figure-agreement 1)"
    assert lines[2] == "archive: not checked (no --archive folder given)"


def test_cli_archive_problem(make_ledger, capsys):
    make_ledger("bad/archive-figure")
    status = cli.main(["validate", "--data", "data", "--archive", str(ARCHIVE)])
    lines = capsys.readouterr().out.splitlines()
    assert status == 2
    assert lines[0] == ('data/claims.csv:4:figure: archive-figure: "EUR 14 million" does not occur in the '
                        'archived text of source "fixture-gazette-2024-03"')
    assert "3 claim figures verified" in lines[-2]
    assert "1 not found" in lines[-2]
    assert lines[-1].startswith("evidence: ")


def test_cli_clean_exit_status_0_and_a_stamp_that_spares_the_build_a_second_run(make_ledger, capsys, monkeypatch,
                                                                                tmp_path):
    from armsledger.validate.cache import is_validated

    monkeypatch.setenv("ARMSLEDGER_CACHE", str(tmp_path / "cache"))  # no stamp from earlier tests
    data = make_ledger()
    assert not is_validated(data)
    assert cli.main(["validate", "--data", "data", "--archive", str(ARCHIVE)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "checked 11 tables, 18 rows in data: no problems"
    assert is_validated(data)
    (data / "flights.csv").write_text((data / "flights.csv").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert not is_validated(data)  # the stamp names the content


@pytest.mark.parametrize("content", [b"[]", b"null", b'{"resources": [1]}', b'{"resources": [{"path": ["x.csv"]}]}'])
def test_cli_on_a_malformed_datapackage_exits_2_without_a_traceback(make_ledger, capsys, content):
    data = make_ledger()
    (data / "datapackage.json").write_bytes(content)
    assert cli.main(["validate", "--data", "data"]) == 2
    assert "data/datapackage.json: datapackage:" in capsys.readouterr().out


def test_one_problem_stays_on_one_line(make_ledger, capsys):
    data = make_ledger()
    flights = data / "flights.csv"
    lines = flights.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("date")] = "2024-1X"  # the edtf parser prints debugging lines for this one
    cells[header.index("count_kind")] = '"exact\nish"'
    flights.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    assert cli.main(["validate", "--data", "data"]) == 2
    out = capsys.readouterr().out.splitlines()
    problems = out[:-3]
    assert problems and all(line.startswith("data/") for line in problems), out
    assert any("exact\\nish" in line for line in problems)


def test_validate_into_a_closed_pipe_is_not_an_error(make_ledger):
    """`armsledger validate | head`: more output than a pipe holds, and a reader that stops early."""
    data = make_ledger()
    categories = data / "categories.csv"
    rows = [f"Bad Id {i},Label,,,," for i in range(3000)]
    categories.write_text(categories.read_text(encoding="utf-8") + "\n".join(rows) + "\n", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-c", "import sys; from armsledger import cli; "
                             "sys.exit(cli.main(['validate', '--data', 'data']))"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()  # the reader goes away with most of the output unread
    stderr = proc.stderr.read().decode()
    assert proc.wait(timeout=120) == 2, stderr  # the data are invalid, whoever reads the output
    assert "Traceback" not in stderr and "BrokenPipe" not in stderr


def test_archive_alone_means_the_default_archive():
    args = cli.build_parser().parse_args(["validate", "--archive"])
    assert args.archive == str(paths.DEFAULT_ARCHIVE)
    assert cli.build_parser().parse_args(["validate"]).archive is None


# --------------------------------------------------------------------------- odd schemas


def _drop_field(package: dict, table: str, name: str) -> None:
    resource = next(r for r in package["resources"] if r["name"] == table)
    resource["schema"]["fields"] = [f for f in resource["schema"]["fields"] if f["name"] != name]


def _set_type(package: dict, table: str, name: str, type_: str) -> None:
    resource = next(r for r in package["resources"] if r["name"] == table)
    next(f for f in resource["schema"]["fields"] if f["name"] == name)["type"] = type_


ODD = [
    (lambda p: _drop_field(p, "claims", "stance"), "unknown-column"),
    (lambda p: _drop_field(p, "sources", "source_id"), "unknown-column"),
    (lambda p: _drop_field(p, "transfers", "amount"), "unknown-column"),
    (lambda p: _set_type(p, "transfers", "amount", "no-such-type"), "datapackage"),
    (lambda p: p["resources"].append(dict(p["resources"][0])), "datapackage"),
    (lambda p: p["resources"][0].update(path="../outside.csv"), "datapackage"),
    (lambda p: p["resources"][0]["schema"]["fields"].append({"type": "string"}), None),
    (lambda p: p["resources"][0]["schema"].update(primaryKey=["nothing"]), None),
    (lambda p: p["resources"][0]["schema"]["foreignKeys"][0]["reference"].update(resource="ghost"), None),
    (lambda p: p["resources"].pop(), None),
]
ODD_CASES = [case(f"odd schema {i}", edit=_descriptor(mutate), archive=True) for i, (mutate, _) in enumerate(ODD)]


@pytest.mark.parametrize(("key", "rule"), [(key, rule) for key, (_, rule) in zip(ODD_CASES, ODD, strict=True)])
def test_odd_schemas_never_crash(key, rule):
    result = outcome(key)
    assert result.summary
    if rule:
        assert rule in set(result.rules)


NO_CLAIMS = case("no claims table", edit=_without("claims"))
NO_FLIGHTS = case("no flights table", edit=_without("flights"))


def test_a_datapackage_missing_a_core_table_says_which():
    assert outcome(NO_CLAIMS).messages == [
        'data/datapackage.json: datapackage: needs exactly one resource with armsledger.role "claims", found 0; '
        "the ledger needs its sources, entities and claims"]


def test_the_record_tables_are_those_the_schema_declares():
    """No list of tables in the code: a package without flights is a ledger without flights, and a claim
    citing a flight cites nothing."""
    assert outcome(NO_FLIGHTS).messages == [
        'data/claims.csv:5:record_id: claim-record: "fixture-flight-2024-03-18" does not match any record id in '
        "contracts, contract_lines, transfers, events, aggregates"]


# --------------------------------------------------------------------------- archive

WHOLE_TOKENS = case("archive whole tokens", archive=True, edit=_both(
    _replace("claims.csv", "fixture-gazette-2024-03,14 million euros,", "fixture-gazette-2024-03,4 million euros,"),
    _replace("transfers.csv", ",14000000,", ",4000000,")))
OUTSIDE = case("archive outside", archive=True,
               edit=_replace("sources.csv", ",fixture-gazette.txt,", ",../data/claims.csv,"))


def test_archive_figure_must_match_whole_tokens():
    """"4 million euros" occurs inside "14 million euros" but is not what the source wrote."""
    assert outcome(WHOLE_TOKENS).rules == ["archive-figure"]


def test_archive_file_outside_the_archive_folder_is_refused():
    assert outcome(OUTSIDE).messages == [f'data/sources.csv:2:archive: archive-missing: "../data/claims.csv" must '
                                         f"name a file inside the archive folder {ARCHIVE}"]


# --------------------------------------------------------------------------- messages

STRAY_SPACE = case("stray space", edit=_cells("transfers.csv", 2, mode="air "))
OVERFLOW = case("overflow", edit=_cells("transfers.csv", 2, amount="1e400"))
RANGE_WITHOUT_LOW = case("range without low end",
                         edit=_cells("transfers.csv", 2, amount="", amount_max="15000000", amount_kind="range"))
RENAMED = case("renamed column", edit=_replace("transfers.csv", ",amount,", ",Amount,", 1))
MALFORMED_REFERENCE = case("malformed reference", edit=_cells("transfers.csv", 2, exporter_id="Fixture Exporter"))


def test_a_stray_space_is_named_in_the_message():
    assert outcome(STRAY_SPACE).messages == [
        'data/transfers.csv:2:mode: enum: must be one of air, sea, land, unknown, got "air " '
        "(remove the spaces around it)"]


def test_an_overflowing_number_is_not_finite():
    result = outcome(OVERFLOW)
    assert [m for m, rule in zip(result.messages, result.rules, strict=True) if rule == "type"] == [
        'data/transfers.csv:2:amount: type: must be a finite number, got "1e400"']


def test_a_range_needs_its_low_end():
    assert "data/transfers.csv:2:amount: amount-kind: a range needs amount, its low end" in outcome(
        RANGE_WITHOUT_LOW).messages


def test_a_renamed_column_is_reported_once_not_once_per_row():
    assert sorted(outcome(RENAMED).rules) == ["missing-column", "unknown-column"]


def test_a_malformed_reference_is_reported_once():
    result = outcome(MALFORMED_REFERENCE)
    assert [rule for rule, column in zip(result.rules, result.columns, strict=True) if column == "exporter_id"] == [
        "pattern"]


# --------------------------------------------------------------------------- size


def test_a_pasted_block_of_200000_copies_of_a_row_is_rejected_with_a_capped_list(make_ledger, capsys):
    """Each copy is a duplicate id; Frictionless sees the row once, and the CLI prints 20 of them and a count."""
    data = make_ledger()
    events = data / "events.csv"
    header, row = events.read_text(encoding="utf-8").splitlines()[:2]
    events.write_text(header + "\n" + (row + "\n") * 200_000, encoding="utf-8")
    assert cli.main(["validate", "--data", "data"]) == 2
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 20 + 1 + 3
    assert lines[0] == ('data/events.csv:3:event_id: duplicate-id: duplicate id "fixture-meeting-2024-09" '
                        "(first at row 2)")
    assert lines[20] == "… and 199,979 more duplicate-id problems (armsledger validate --all prints every one)"
    assert lines[21].endswith("199999 problems (duplicate-id 199999)")


# --------------------------------------------------------------------------- sources and plans

PLANNED = case("planned delivery", edit=_cells("contracts.csv", 2, announced="", signed="", delivery="2025-01/2028-06"))
ANNOUNCED_LATER = case("announced after its source", edit=_cells("contracts.csv", 2, announced="2025-01", signed=""))


def test_a_source_may_report_a_planned_delivery_before_it_happens():
    """A delivery window is a plan (`"plan": true` in the schema): a 2024 source may report 2025-2028."""
    assert outcome(PLANNED).messages == []


def test_a_source_may_not_report_an_announcement_before_it_was_made():
    assert outcome(ANNOUNCED_LATER).located == ["data/claims.csv:2:source_id: source-predates"]
