"""Tests for the ledger validator: one bad fixture per rule, the clean fixture, the CLI and
the real data."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from armsledger import cli, paths
from armsledger.validate import Problem, validate

FIXTURES = paths.FIXTURES
ARCHIVE = FIXTURES / "archive"

# Every problem each bad fixture must produce, as `location: rule`, and nothing else.
EXPECTED = {
    # file level
    "encoding": ["data/entities.csv: encoding"],
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
    "encoding": "data/entities.csv: encoding: not UTF-8: byte 0xc8 at byte offset 122 (line 2) is not "
                "valid UTF-8; save the file as UTF-8",
    "derived-cycle": "data/sources.csv:2:derived_from: derived-cycle: derived_from forms a cycle: "
                     "fixture-gazette-2024-03 → fixture-digest-2024-04 → fixture-gazette-2024-03",
    "edtf-empty-end": "data/contract_lines.csv:2:delivery: edtf: '2024-03/' has an empty interval end; "
                      "write an open end as '..'",
    "shared-id": 'data/categories.csv:3:category: shared-id: id "fixture-exporter" is already used at '
                 "data/entities.csv:2; ids must be unique across all tables",
}


def _located(result) -> list[str]:
    return [f"{p.location()}: {p.rule}" for p in result.problems]


def _run(make_ledger, name: str):
    data = make_ledger(f"bad/{name}")
    archive = ARCHIVE if name.startswith("archive-") else None
    return validate(data, archive)


def test_every_bad_fixture_has_an_expectation():
    assert sorted(p.name for p in (FIXTURES / "bad").iterdir()) == sorted(EXPECTED)


def test_mini_is_clean(make_ledger):
    result = validate(make_ledger())
    assert result.problems == []
    assert result.ok
    assert result.summary_lines()[0] == "checked 10 tables, 18 rows in data: no problems"
    assert result.summary_lines()[1].startswith("archive: not checked")


def test_mini_is_clean_against_its_archive(make_ledger):
    result = validate(make_ledger(), ARCHIVE)
    assert result.problems == []
    stats = result.archive
    assert (stats.verified, stats.failed, stats.file_missing, stats.unverified, stats.blank) == (4, 0, 0, 2, 0)
    assert "4 claim figures verified" in result.summary_lines()[1]
    assert "2 unverified" in result.summary_lines()[1]


def test_bom_and_crlf_are_accepted(make_ledger):
    data = make_ledger("good/bom-crlf")
    assert (data / "transfers.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in (data / "claims.csv").read_bytes()
    result = validate(data, ARCHIVE)
    assert result.problems == []
    assert result.tables["transfers"][0]["transfer_id"] == "fixture-shipment-2024-03"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_bad_fixture(make_ledger, name):
    result = _run(make_ledger, name)
    assert _located(result) == EXPECTED[name]
    assert not result.ok
    if name in MESSAGES:
        assert [str(p) for p in result.problems] == [MESSAGES[name]]


def test_blank_figure_is_counted_not_checked(make_ledger):
    result = _run(make_ledger, "figure-agreement-missing")
    assert result.archive is None
    result = validate(make_ledger("bad/figure-agreement-missing"), ARCHIVE)
    assert result.archive.blank == 1
    assert "1 claims with a blank figure not checked" in result.summary_lines()[1]


def test_all_problems_are_reported_at_once(make_ledger):
    data = make_ledger("bad/type")
    text = (data / "flights.csv").read_text(encoding="utf-8").replace(",2024-03-18,", ",2024-13-45,")
    (data / "flights.csv").write_text(text, encoding="utf-8")
    (data / "categories.csv").write_bytes(b"")
    assert _located(validate(data)) == [
        "data/transfers.csv:2:amount: type",
        "data/flights.csv:2:date: edtf",
        "data/categories.csv: empty-file",
    ]


def test_tables_are_exposed(make_ledger):
    result = validate(make_ledger("bad/blank-row"))
    assert set(result.tables) == {"sources", "entities", "categories", "contracts", "contract_lines",
                                  "transfers", "flights", "events", "aggregates", "claims"}
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
    outside = Path("/nonexistent/elsewhere/transfers.csv")
    assert str(Problem(outside, 2, "amount", "type", "x")) == "/nonexistent/elsewhere/transfers.csv:2:amount: type: x"


@pytest.mark.parametrize(
    ("name", "content", "rule"),
    [
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
    ],
)
def test_garbage_never_crashes(make_ledger, name, content, rule):
    data = make_ledger()
    (data / name).write_bytes(content)
    result = validate(data, ARCHIVE)
    assert rule in {p.rule for p in result.problems}
    assert result.summary_lines()


def test_problems_in_many_rows_keep_their_row_numbers(make_ledger):
    data = make_ledger()
    lines = (data / "categories.csv").read_text(encoding="utf-8").splitlines()
    lines += [f"extra-{i},Label {i},,,," for i in range(1, 6)] + ["Bad Id,Label,,,,"]
    (data / "categories.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert _located(validate(data)) == ["data/categories.csv:8:category: pattern"]


def test_contradicting_claims_are_not_checked_for_agreement(make_ledger):
    data = make_ledger()
    with (data / "claims.csv").open("a", encoding="utf-8") as out:
        out.write("claim-shipment-denial,fixture-shipment-2024-03,fixture-digest-2024-04,"
                  "3 million euros,amount,,5,denies,Test fixture.\n")
    assert validate(data).problems == []


def test_one_agreeing_claim_is_enough(make_ledger):
    data = make_ledger()
    with (data / "claims.csv").open("a", encoding="utf-8") as out:
        out.write("claim-shipment-dollars,fixture-shipment-2024-03,fixture-digest-2024-04,"
                  "15 million dollars,amount,,3,supports,Test fixture.\n")
    assert validate(data).problems == []


def test_fixture_schema_matches_the_project_schema():
    def fields(path: Path) -> dict[str, list[str]]:
        package = json.loads(path.read_text(encoding="utf-8"))
        return {r["name"]: [f["name"] for f in r["schema"]["fields"]] for r in package["resources"]}

    assert fields(FIXTURES / "mini" / "datapackage.json") == fields(paths.DATAPACKAGE), \
        "copy data/datapackage.json to tests/fixtures/mini/ and update the fixture tables"


# --------------------------------------------------------------------------- CLI


def test_cli_reports_problems_with_exit_status_2(make_ledger, capsys):
    make_ledger("bad/figure-agreement")
    status = cli.main(["validate", "--data", "data"])
    lines = capsys.readouterr().out.splitlines()
    assert status == 2
    assert lines[0] == MESSAGES["figure-agreement"]
    assert lines[1] == "checked 10 tables, 18 rows in data: 1 problem (figure-agreement 1)"
    assert lines[2] == "archive: not checked (no --archive folder given)"


def test_cli_archive_problem(make_ledger, capsys):
    make_ledger("bad/archive-figure")
    status = cli.main(["validate", "--data", "data", "--archive", str(ARCHIVE)])
    lines = capsys.readouterr().out.splitlines()
    assert status == 2
    assert lines[0] == ('data/claims.csv:4:figure: archive-figure: "EUR 14 million" does not occur in the '
                        'archived text of source "fixture-gazette-2024-03"')
    assert "3 claim figures verified" in lines[-1]
    assert "1 not found" in lines[-1]


def test_cli_clean_exit_status_0(make_ledger, capsys):
    make_ledger()
    assert cli.main(["validate", "--data", "data", "--archive", str(ARCHIVE)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "checked 10 tables, 18 rows in data: no problems"


# --------------------------------------------------------------------------- the real ledger


def test_real_data_is_clean():
    if not paths.DEFAULT_ARCHIVE.is_dir():
        pytest.skip(f"archive folder {paths.DEFAULT_ARCHIVE} is absent")
    result = validate(paths.DATA, paths.DEFAULT_ARCHIVE)
    assert [str(p) for p in result.problems] == []
    assert result.archive is not None and result.archive.verified > 0


def _drop_field(package: dict, table: str, name: str) -> None:
    resource = next(r for r in package["resources"] if r["name"] == table)
    resource["schema"]["fields"] = [f for f in resource["schema"]["fields"] if f["name"] != name]


def _set_type(package: dict, table: str, name: str, type_: str) -> None:
    resource = next(r for r in package["resources"] if r["name"] == table)
    next(f for f in resource["schema"]["fields"] if f["name"] == name)["type"] = type_


@pytest.mark.parametrize(
    ("mutate", "rule"),
    [
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
    ],
)
def test_odd_schemas_never_crash(make_ledger, mutate, rule):
    data = make_ledger()
    package = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    mutate(package)
    (data / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    result = validate(data, ARCHIVE)
    assert result.summary_lines()
    if rule:
        assert rule in {p.rule for p in result.problems}


def test_unparsed_figure_is_reported_even_when_another_claim_agrees(make_ledger):
    data = make_ledger()
    with (data / "claims.csv").open("a", encoding="utf-8") as out:
        out.write("claim-shipment-vague,fixture-shipment-2024-03,fixture-digest-2024-04,"
                  "millions of euros,amount,,3,supports,Test fixture.\n")
    assert _located(validate(data)) == ["data/claims.csv:8:figure: figure-unparsed"]


def test_every_expected_rule_is_documented():
    from armsledger.validate import RULES

    # test_bad_fixture holds each fixture to EXPECTED, so this covers what is reported.
    seen = {line.rsplit(": ", 1)[1] for lines in EXPECTED.values() for line in lines}
    assert seen <= set(RULES)


def test_cli_validation_that_passes_spares_the_build_a_second_one(make_ledger, monkeypatch, tmp_path):
    from armsledger.datastate import is_validated

    monkeypatch.setenv("ARMSLEDGER_CACHE", str(tmp_path / "cache"))  # no stamp from earlier tests
    data = make_ledger()
    assert not is_validated(data)
    assert cli.main(["validate", "--data", "data"]) == 0
    assert is_validated(data)
    (data / "flights.csv").write_text((data / "flights.csv").read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert not is_validated(data)  # the stamp names the content


@pytest.mark.parametrize("content", [b"[]", b"null", b'{"resources": [1]}', b'{"resources": [{"path": ["x.csv"]}]}'])
def test_cli_on_a_malformed_datapackage_exits_2_without_a_traceback(make_ledger, capsys, content):
    data = make_ledger()
    (data / "datapackage.json").write_bytes(content)
    assert cli.main(["validate", "--data", "data"]) == 2
    assert "data/datapackage.json: datapackage:" in capsys.readouterr().out


def test_a_datapackage_missing_a_table_says_which(make_ledger):
    data = make_ledger()
    descriptor = json.loads((data / "datapackage.json").read_text(encoding="utf-8"))
    descriptor["resources"] = [r for r in descriptor["resources"] if r["name"] != "claims"]
    (data / "datapackage.json").write_text(json.dumps(descriptor), encoding="utf-8")
    messages = [str(p) for p in validate(data).problems]
    assert messages == ['data/datapackage.json: datapackage: has no resource "claims"; the ledger needs all of '
                        "sources, entities, contracts, contract_lines, transfers, flights, events, aggregates, "
                        "claims, categories"]


def test_archive_figure_must_match_whole_tokens(make_ledger):
    """"4 million euros" occurs inside "14 million euros" but is not what the source wrote."""
    data = make_ledger()
    claims = data / "claims.csv"
    claims.write_text(claims.read_text(encoding="utf-8").replace(
        "fixture-gazette-2024-03,14 million euros,", "fixture-gazette-2024-03,4 million euros,"), encoding="utf-8")
    shipments = data / "transfers.csv"
    shipments.write_text(shipments.read_text(encoding="utf-8").replace(",14000000,", ",4000000,"), encoding="utf-8")
    assert [p.rule for p in validate(data, ARCHIVE).problems] == ["archive-figure"]


def test_archive_file_outside_the_archive_folder_is_refused(make_ledger, tmp_path):
    data = make_ledger()
    sources = data / "sources.csv"
    sources.write_text(sources.read_text(encoding="utf-8").replace(",fixture-gazette.txt,", ",../data/claims.csv,"),
                       encoding="utf-8")
    problems = [str(p) for p in validate(data, ARCHIVE).problems]
    assert problems == [f'data/sources.csv:2:archive: archive-missing: "../data/claims.csv" must name a file '
                        f"inside the archive folder {ARCHIVE}"]


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
    problems = out[:-2]
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


def test_a_stray_space_is_named_in_the_message(make_ledger):
    data = make_ledger()
    transfers = data / "transfers.csv"
    lines = transfers.read_text(encoding="utf-8").splitlines()
    header, cells = lines[0].split(","), lines[1].split(",")
    cells[header.index("mode")] = "air "
    transfers.write_text("\n".join([lines[0], ",".join(cells), *lines[2:]]) + "\n", encoding="utf-8")
    messages = [str(p) for p in validate(data).problems]
    assert messages == ['data/transfers.csv:2:mode: enum: must be one of air, sea, land, unknown, got "air " '
                        "(remove the spaces around it)"]


def _edit_cell(path: Path, row: int, column: str, value: str) -> None:
    lines = path.read_text(encoding="utf-8").splitlines()
    header, cells = lines[0].split(","), lines[row - 1].split(",")
    cells[header.index(column)] = value
    lines[row - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_an_overflowing_number_is_not_finite(make_ledger):
    data = make_ledger()
    _edit_cell(data / "transfers.csv", 2, "amount", "1e400")
    assert [str(p) for p in validate(data).problems if p.rule == "type"] == [
        'data/transfers.csv:2:amount: type: must be a finite number, got "1e400"']


def test_a_range_needs_its_low_end(make_ledger):
    data = make_ledger()
    _edit_cell(data / "transfers.csv", 2, "amount", "")
    _edit_cell(data / "transfers.csv", 2, "amount_max", "15000000")
    _edit_cell(data / "transfers.csv", 2, "amount_kind", "range")
    assert "data/transfers.csv:2:amount: amount-kind: a range needs amount, its low end" in [
        str(p) for p in validate(data).problems]


def test_a_renamed_column_is_reported_once_not_once_per_row(make_ledger):
    data = make_ledger()
    transfers = data / "transfers.csv"
    transfers.write_text(transfers.read_text(encoding="utf-8").replace(",amount,", ",Amount,", 1), encoding="utf-8")
    rules = sorted(p.rule for p in validate(data).problems)
    assert rules == ["missing-column", "unknown-column"]


def test_a_malformed_reference_is_reported_once(make_ledger):
    data = make_ledger()
    _edit_cell(data / "transfers.csv", 2, "exporter_id", "Fixture Exporter")
    assert [p.rule for p in validate(data).problems if p.column == "exporter_id"] == ["pattern"]


def test_archive_alone_means_the_default_archive():
    args = cli.build_parser().parse_args(["validate", "--archive"])
    assert args.archive == str(paths.DEFAULT_ARCHIVE)
    assert cli.build_parser().parse_args(["validate"]).archive is None
