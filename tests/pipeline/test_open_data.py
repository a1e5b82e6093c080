"""Open data of an edition, built in-process from a copy of the real ledger (no notebooks): the data
package (valid Frictionless, formula-safe, no hidden record), the SQLite database (Datasette finds
"Hermes"), the FollowTheMoney export (entities round-trip), what-changed comparison, the CLI.

Part of the pipeline lane: it builds the editions of the real ledger (with a hostile note).
"""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from armsledger import paths
from armsledger.cli import main
from armsledger.model import formula
from armsledger.model.ledger import for_edition
from armsledger.model.params import Params, edition_names, load_edition
from armsledger.model.schema import data_version
from armsledger.model.schema import load as load_schema
from armsledger.pipeline import changes, database, edition_data, ftm, package, project

HOSTILE = '=HYPERLINK("http://x","y")'
BUILD_DATE = dt.date(2025, 3, 1)


def _set_cell(path: Path, key: str, row_id: str, column: str, value: str) -> None:
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    for row in rows[1:]:
        if row[header.index(key)] == row_id:
            row[header.index(column)] = value
            break
    else:
        raise AssertionError(f"no row {row_id} in {path}")
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def make_edition(data_dir: Path, name: str, build_dir: Path) -> Path:
    """What the build's data, package, database and ftm steps make for one edition."""
    edition = load_edition(name)
    out = build_dir / name
    edition_data.write(data_dir, edition.params, out / "data")
    version = data_version(data_dir)
    package.write(out, edition, version, BUILD_DATE, project.load())
    database.write(out, edition, version, project.load())
    ftm.write(out)
    return out


@pytest.fixture(scope="module")
def ledger(tmp_path_factory) -> Path:
    """The real ledger with a hostile note on one event (a formula a spreadsheet would run)."""
    data = tmp_path_factory.mktemp("ledger") / "data"
    shutil.copytree(paths.DATA, data)
    _set_cell(data / "events.csv", "event_id", "vucic-netanyahu-call-2024-02-26", "note", HOSTILE)
    return data


@pytest.fixture(scope="module")
def built(ledger, tmp_path_factory) -> dict[str, Path]:
    build = tmp_path_factory.mktemp("build")
    return {name: make_edition(ledger, name, build) for name in edition_names()}


# ------------------------------------------------------------------------------------ formula safety


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", HOSTILE])
def test_formula_starts_are_escaped(value):
    assert formula.escape_cell(value) == "'" + value
    assert formula.unescape_cell(formula.escape_cell(value)) == value


@pytest.mark.parametrize("value", ["", "Krušik", "'quoted", "1-2", " =x", "2024-03", "a=b"])
def test_other_values_are_left_alone(value):
    assert formula.escape_cell(value) == value


def test_only_text_fields_are_escaped_never_numbers_or_edtf_dates():
    schema = load_schema(paths.DATA)
    transfers = schema.table("transfers")
    fields = formula.escaped_fields(transfers)
    assert "note" in fields and "items" in fields
    assert "amount" not in fields  # a number: a negative amount is no formula
    assert "date" not in fields and "value_date" not in fields  # EDTF, kept as written


def test_hostile_note_is_escaped_in_the_published_copy_only(ledger, built):
    published = (built["latest"] / "package" / "events.csv").read_text(encoding="utf-8")
    working = (built["latest"] / "data" / "events.csv").read_text(encoding="utf-8")
    assert "'=HYPERLINK(" in published
    assert "'=HYPERLINK(" not in working and "=HYPERLINK(" in working  # build/<edition>/data/ is not escaped
    assert "'=HYPERLINK(" not in (ledger / "events.csv").read_text(encoding="utf-8")
    descriptor = json.loads((built["latest"] / "package" / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["armsledger"]["formula_escaped_cells"] == {"events": 1}
    with zipfile.ZipFile(built["latest"] / package.ZIP_NAME) as archive:
        assert "'=HYPERLINK(" in archive.read("events.csv").decode("utf-8")
    # No published cell of a text field starts a formula.
    for table in load_schema(built["latest"] / "package").tables:
        with open(built["latest"] / "package" / table.path, encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle):
                for name in formula.escaped_fields(table):
                    assert not formula.needs_escape(row.get(name) or ""), (table.name, name, row[name])
    assert "apostrophe" in (built["latest"] / "package" / "README.md").read_text(encoding="utf-8")


# ------------------------------------------------------------------------------------ data package


def test_every_edition_publishes_a_valid_frictionless_package(built):
    from frictionless import validate

    for name, out in built.items():
        report = validate(str(out / "package" / "datapackage.json"))
        assert report.valid, (name, report.flatten(["resourceName", "rowNumber", "type", "note"])[:5])


def test_the_zip_holds_the_package_at_its_root_with_hashes_and_the_edition(built, tmp_path):
    from frictionless import validate

    out = built["as-of-2024-06"]
    with zipfile.ZipFile(out / package.ZIP_NAME) as archive:
        names = archive.namelist()
        archive.extractall(tmp_path)
    assert names[0] == "datapackage.json" and "armsledger-data/" not in " ".join(names)
    descriptor = json.loads((tmp_path / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["name"] == "armsledger-as-of-2024-06"
    assert "As known on 30 June 2024" in descriptor["title"]
    assert descriptor["armsledger"]["as_of"] == "2024-06-30"
    assert len(descriptor["version"]) == 64 and descriptor["armsledger"]["data_version"] == descriptor["version"]
    assert descriptor["licenses"][0]["name"] == "CC-BY-4.0"
    assert descriptor["sources"] and descriptor["contributors"]
    for resource in descriptor["resources"]:
        assert resource["schema"]["fields"]
        assert resource["hash"].startswith("sha256:") and resource["bytes"] > 0
    assert validate(str(tmp_path / "datapackage.json")).valid


def test_the_as_of_package_holds_no_record_its_report_hides(ledger, built):
    edition = load_edition("as-of-2024-06")
    shown = set(for_edition(Params(**{**edition.params.as_dict(), "data_dir": str(ledger)})).records["record_id"])
    hidden = json.loads((built["as-of-2024-06"] / "hidden.json").read_text(encoding="utf-8"))["hidden"]
    hidden_ids = {r for ids in hidden.values() for r in ids}
    assert hidden_ids, "the as-of edition hides records"
    schema = load_schema(built["as-of-2024-06"] / "package")
    packaged = set()
    for table in schema.records:
        with open(built["as-of-2024-06"] / "package" / table.path, encoding="utf-8", newline="") as handle:
            packaged |= {row[table.primary_key] for row in csv.DictReader(handle)}
    assert packaged == shown
    assert not packaged & hidden_ids
    with open(built["as-of-2024-06"] / "package" / "claims.csv", encoding="utf-8", newline="") as handle:
        assert {row["record_id"] for row in csv.DictReader(handle)} <= shown


def test_the_as_of_package_names_no_party_only_later_sources_name(built):
    """An entity is in an edition's data only when a row it shows refers to it (or to a body under it):
    a party a later source first named, in a field the as-of edition blanks, stays out."""
    package_dir = built["as-of-2024-06"] / "package"
    schema = load_schema(package_dir)
    entities = schema.core("entities")

    def rows(table):
        with open(package_dir / table.path, encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))

    referred = set()
    for table in schema.tables:
        if table.role == "entities":
            continue
        names = [n for n, target, _ in table.foreign_keys if target == entities.name]
        lists = [f.name for f in table.fields if f.kind == "id_list" and entities.name in (f.list_of or ())]
        for row in rows(table):
            referred |= {row[n] for n in names if row.get(n)}
            referred |= {i for n in lists for i in row.get(n, "").split("|") if i}
    packaged = {row[entities.primary_key]: row["parent_id"] for row in rows(entities)}
    closure = set()
    for entity in referred:
        while entity and entity not in closure:
            closure.add(entity)
            entity = packaged.get(entity, "")
    assert referred <= set(packaged)
    assert set(packaged) == closure


# ------------------------------------------------------------------------------------ SQLite


def test_datasette_finds_the_hermes_contract_line(built):
    from datasette.app import Datasette

    out = built["latest"]
    metadata = json.loads((out / database.METADATA_NAME).read_text(encoding="utf-8"))

    async def query():
        ds = Datasette([str(out / database.DB_NAME)], metadata=metadata)
        lines = await ds.client.get("/armsledger/contract_lines.json?_search=Hermes&_shape=array")
        folded = await ds.client.get("/armsledger/entities.json?_search=Krusik&_shape=array")
        records = await ds.client.get("/armsledger/records.json?_shape=array&_size=max")
        views = {}
        for name in database.VIEWS:
            response = await ds.client.get(f"/armsledger/{name}.json?_shape=array&_size=1")
            views[name] = response.status_code
        page = await ds.client.get("/armsledger/contract_lines")
        return lines, folded, records, views, page

    lines, folded, records, views, page = asyncio.run(query())
    assert lines.status_code == 200
    assert "elbit-puls-hermes-2024-hermes-900" in [row["line_id"] for row in lines.json()]
    assert [row["entity_id"] for row in folded.json()] == ["krusik"]  # diacritics folded
    rows = records.json()
    assert {r["certainty"] for r in rows} <= {"confirmed", "probable", "possible", "disputed"}
    contract = next(r for r in rows if r["record_id"] == "elbit-puls-hermes-2024")
    assert contract["value_reported"] == "$335 million" and contract["earliest"] == "2025-01-01"
    assert json.loads(contract["source_ids"])
    assert set(views.values()) == {200}
    assert page.status_code == 200 and "One row is one system within a deal" in page.text  # metadata shown


def test_database_has_typed_columns_keys_and_consistent_references(built):
    import sqlite3

    connection = sqlite3.connect(built["latest"] / database.DB_NAME)
    columns = {row[1]: row[2] for row in connection.execute("PRAGMA table_info(transfers)")}
    assert columns["amount"] == "REAL" and columns["transfer_id"] == "TEXT"
    assert [row[1] for row in connection.execute("PRAGMA table_info(transfers)") if row[5]] == ["transfer_id"]
    keys = {(row[3], row[2]) for row in connection.execute("PRAGMA foreign_key_list(transfers)")}
    assert ("exporter_id", "entities") in keys and ("contract_id", "contracts") in keys
    assert connection.execute("PRAGMA foreign_key_check").fetchall() == []
    assert connection.execute("SELECT count(*) FROM records").fetchone()[0] == len(
        json.loads((built["latest"] / "records.json").read_text(encoding="utf-8")))


# ------------------------------------------------------------------------------------ FollowTheMoney


def test_ftm_export_round_trips_through_followthemoney(built):
    from followthemoney import model

    path = built["latest"] / ftm.FTM_NAME
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    entities = ftm.read(path)
    assert len(entities) == len(lines) == len({e.id for e in entities})
    schemata = {e.schema.name for e in entities}
    assert {"PublicBody", "Company", "Person", "Contract", "ContractAward", "EconomicActivity", "Event",
            "Article"} <= schemata
    by_id = {e.id: e for e in entities}
    for entity in entities:
        assert model.get_proxy(entity.to_dict(), cleaned=False).to_dict() == entity.to_dict()
        for prop, value in entity.itervalues():
            if prop.type.name == "entity":
                assert value in by_id, f"{entity.schema.name}.{prop.name} points to a missing entity"
    award = by_id[ftm.entity_id("contract_lines", "elbit-puls-hermes-2024-hermes-900")]
    assert award.schema.name == "ContractAward" and award.first("lotNumber") == "Hermes 900"
    serbia = by_id[ftm.entity_id("entities", "serbia")]
    assert serbia.schema.name == "PublicBody" and serbia.first("country") == "rs"
    # Stable ids: the same data give the same export.
    assert ftm.write(built["latest"]).read_bytes() == path.read_bytes()


def test_ftm_rejects_an_invalid_value():
    proxy = ftm.model.make_entity("Company")
    with pytest.raises(ftm.FtMError, match="not a valid country"):
        ftm.put(proxy, "country", "not a country")
    with pytest.raises(ftm.FtMError, match="no property"):
        ftm.put(proxy, "nonsense", "x")


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-03", {"date": "2024-03"}), ("2024-02-05", {"date": "2024-02-05"}), ("2024-11~", {"date": "2024-11"}),
    ("2025-01/2028-06~", {"startDate": "2025-01", "endDate": "2028-06"}),
    ("2025-06-23/..", {"startDate": "2025-06-23"}),
    ("", {}),
])
def test_ftm_dates_are_no_more_precise_than_written(text, expected):
    assert ftm.date_properties(text) == expected


# ------------------------------------------------------------------------------------ what changed


def _publish_like(out: Path, public: Path, summary: dict) -> Path:
    """A publication folder as publish() lays it out, enough for the comparison."""
    folder = public / out.name
    shutil.copytree(out / "package", folder / "data")
    (folder / "summary.json").write_text(json.dumps(summary), encoding="utf-8")
    return folder


def test_changes_name_the_changed_record_its_fields_and_the_moved_totals(ledger, tmp_path):
    first = make_edition(ledger, "latest", tmp_path / "one")
    public = tmp_path / "public"
    old_summary = {"03-values": {"by_year": {"2023": {"disclosed_sum": 1320120.0}}},
                   "edition": {"build_date": "2025-02-01"}}
    _publish_like(first, public, old_summary)
    changed = tmp_path / "changed"
    shutil.copytree(ledger, changed)
    _set_cell(changed / "transfers.csv", "transfer_id", "yi-israel-2023-10", "amount", "640120")
    second = make_edition(changed, "latest", tmp_path / "two")
    new_summary = {"03-values": {"by_year": {"2023": {"disclosed_sum": 1420120.0}}}}
    path, variables = changes.write(second, public, "latest", new_summary, "2025-03-01", "v2")
    result = json.loads(path.read_text(encoding="utf-8"))
    assert result["previous"]["build_date"] == "2025-02-01"
    assert result["records"]["changed"] == [{"table": "transfers", "id": "yi-israel-2023-10",
                                             "fields": {"amount": {"old": "540120", "new": "640120"}}}]
    assert result["records"]["added"] == result["records"]["removed"] == []
    assert result["totals"] == [{"key": "03-values.by_year.2023.disclosed_sum", "old": 1320120.0, "new": 1420120.0}]
    import yaml

    shown = yaml.safe_load(variables.read_text(encoding="utf-8"))
    assert "1 February 2025" in shown["changes_since"]
    assert "0 records added, 1 changed, 0 removed" in shown["changes_summary"]
    assert shown["changes_records"] == "Changed: transfers yi-israel-2023-10 (amount)"
    assert "1,320,120 → 1,420,120" in shown["changes_totals"]
    assert shown["corrections_count"] == "0" and shown["corrections_shown"] == "no"


def test_the_comparison_reads_only_the_tables_whose_hashes_differ(ledger, tmp_path, monkeypatch):
    """A 300,000-record package held whole takes gigabytes: tables the hashes say are equal stay unread,
    and the others are read one at a time."""
    first = make_edition(ledger, "latest", tmp_path / "one")
    public = tmp_path / "public"
    _publish_like(first, public, {"edition": {"build_date": "2025-02-01"}})
    changed = tmp_path / "changed"
    shutil.copytree(ledger, changed)
    _set_cell(changed / "transfers.csv", "transfer_id", "yi-israel-2023-10", "amount", "640120")
    second = make_edition(changed, "latest", tmp_path / "two")
    parsed = []
    real_rows = changes._rows
    monkeypatch.setattr(changes, "_rows", lambda text, key: parsed.append(key) or real_rows(text, key))
    result = json.loads(changes.write(second, public, "latest", {}, "2025-03-01", "v2")[0].read_text("utf-8"))
    assert [r["id"] for r in result["records"]["changed"]] == ["yi-israel-2023-10"]
    # the transfers on each side (their hash changed), then the new edition's corrections for the report
    assert parsed == ["transfer_id", "transfer_id", "correction_id"]


def test_a_publication_with_only_the_zip_is_compared_table_by_table(ledger, tmp_path):
    first = make_edition(ledger, "latest", tmp_path / "one")
    public = tmp_path / "public"
    folder = _publish_like(first, public, {"edition": {"build_date": "2025-02-01"}})
    with zipfile.ZipFile(folder / "data" / "armsledger-data.zip", "w") as archive:
        for path in sorted((folder / "data").glob("*.*")):
            if path.suffix != ".zip":
                archive.write(path, f"armsledger-data/{path.name}")
                path.unlink()
    old = changes.read_publication(folder)
    assert old.build_date == "2025-02-01" and "transfers" in old.resources
    assert old.rows("transfers")["yi-israel-2023-10"]["amount"] == "540120"
    new = changes.new_publication(first, {}, "2025-03-01", "v2")
    assert old.fingerprint() == new.fingerprint()


def test_a_rebuild_that_says_the_same_compares_with_the_archived_publication(ledger, tmp_path):
    out = make_edition(ledger, "latest", tmp_path / "build")
    public = tmp_path / "public"
    summary = {"01-ledger": {"records": 86}}
    _publish_like(out, public, {**summary, "edition": {"build_date": "2025-03-01"}})
    archived = changes.archive_folder(public, "2025-02-01", "latest")
    archived.parent.mkdir(parents=True)
    shutil.copytree(public / "latest", archived)
    (archived / "summary.json").write_text(json.dumps({"01-ledger": {"records": 80},
                                                       "edition": {"build_date": "2025-02-01"}}), encoding="utf-8")
    result = json.loads(changes.write(out, public, "latest", summary, "2025-03-01", "v")[0].read_text("utf-8"))
    assert result["previous"]["build_date"] == "2025-02-01"
    assert result["totals"] == [{"key": "01-ledger.records", "old": 80, "new": 86}]
    assert changes.archive_folder(public, "2025-02-01", "latest").parent.name == "2025-02-01.2"


def test_first_publication_and_corrections_are_said_in_words():
    assert changes.changes_summary({"previous": None})["changes_summary"] == "This is the edition's first publication."
    shown = changes.corrections_summary([{"date": "2025-03-02", "record_id": "yi-israel-2024-03",
                                          "what_was_wrong": "'-1 typo", "what_changed": "14 million"}])
    assert shown["corrections_count"] == "1" and shown["corrections_shown"] == "yes"
    assert "2 March 2025" in shown["corrections_summary"] and "'" not in shown["corrections_summary"]


def test_corrections_follow_the_rows_an_edition_shows(ledger, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(ledger, data)
    with open(data / "corrections.csv", "a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["fix-shown", "2025-03-02", "yi-israel-2024-03", "amount read as 1.4 million", "14 million"])
        writer.writerow(["fix-hidden", "2025-03-02", "elbit-serbia-2025-08", "a typo", "fixed"])
    from armsledger.validate import validate

    assert validate(data).ok
    out = tmp_path / "build" / "as-of-2024-06"
    edition_data.write(data, load_edition("as-of-2024-06").params, out / "data")
    with open(out / "data" / "corrections.csv", encoding="utf-8", newline="") as handle:
        assert [row["correction_id"] for row in csv.DictReader(handle)] == ["fix-shown"]


# ------------------------------------------------------------------------------------ command line


def test_version_and_editions(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and capsys.readouterr().out.startswith("armsledger ")
    assert main(["editions"]) == 0
    out = capsys.readouterr().out
    assert "latest\tLatest edition" in out and "as_of=2024-06-30" in out
    assert main(["editions", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert {e["name"] for e in listed} == set(edition_names())
    assert next(e for e in listed if e["name"] == "usd-confirmed")["parameters"]["currency"] == "USD"


def test_errors_go_to_stderr(capsys):
    assert main(["build", "--edition", "no-such-edition"]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and "unknown edition 'no-such-edition'" in captured.err


@pytest.fixture
def bad_ledger(tmp_path, monkeypatch) -> Path:
    data = tmp_path / "data"
    shutil.copytree(paths.ROOT / "tests" / "fixtures" / "mini", data)
    with open(data / "transfers.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[1][rows[0].index("amount")] = "14m"
    rows[1][rows[0].index("note")] = "line one\nline two ::error::injected"
    with open(data / "transfers.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    monkeypatch.chdir(tmp_path)
    return data


def test_validate_github_annotations(bad_ledger, capsys):
    assert main(["validate", "--data", "data", "--format", "github"]) == 2
    lines = capsys.readouterr().out.splitlines()
    with open(bad_ledger / "transfers.csv", encoding="utf-8") as handle:
        header = next(csv.reader(handle))
    column = header.index("amount") + 1
    assert f'::error file=data/transfers.csv,line=2,col={column}::type: must be a number, got "14m"' in lines
    assert not any(line.startswith("::error::injected") for line in lines)


def test_validate_json(bad_ledger, capsys):
    assert main(["validate", "--data", "data", "--format", "json"]) == 2
    report = json.loads(capsys.readouterr().out)
    assert report["summary"]["ok"] is False and report["summary"]["errors"] >= 1
    problem = next(p for p in report["problems"] if p["rule"] == "type")
    assert problem["file"] == "data/transfers.csv" and problem["row"] == 2 and problem["column"] == "amount"
    assert problem["severity"] == "error" and problem["text"].startswith("data/transfers.csv:2:amount: type:")


def test_quoted_line_breaks_move_the_annotation_to_the_right_line(bad_ledger, capsys):
    with open(bad_ledger / "claims.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) > 2, "the fixture has two claims"
    rows[1][rows[0].index("note")] = "a note\nover two lines"  # row 2 spans lines 2 and 3
    rows[2][rows[0].index("credibility")] = "lots"  # row 3 starts on line 4
    with open(bad_ledger / "claims.csv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    main(["validate", "--data", "data", "--format", "github"])
    lines = capsys.readouterr().out.splitlines()
    column = rows[0].index("credibility") + 1
    assert any(line.startswith(f"::error file=data/claims.csv,line=4,col={column}::") and "lots" in line
               for line in lines), lines


# ------------------------------------------------------------------------------------ progress


def test_progress_is_plain_without_a_terminal_and_writes_errors_to_stderr(capsys, monkeypatch):
    from armsledger.pipeline import progress

    monkeypatch.setenv("CI", "true")
    display = progress.begin(progress.Display())
    assert not display.fancy
    display.start(3)
    display.step("[latest] writing the data package")
    display.skip()
    progress.say("  ✗ a failure", error=True)
    progress.end()
    captured = capsys.readouterr()
    assert captured.out == "→ [latest] writing the data package\n"
    assert captured.err == "  ✗ a failure\n"
    assert display.done == 2
