"""armsledger.model.schema: the one module that reads the tables, their roles and the field kinds from
datapackage.json (the old hand-kept lists of tables and field kinds are gone)."""

from __future__ import annotations

import copy
import json

import pytest

from armsledger.model import schema
from tests.common import MINI, SMALL

RECORD_TABLES = ("contracts", "contract_lines", "transfers", "flights", "events", "aggregates")


@pytest.fixture(scope="module")
def package() -> schema.Schema:
    return schema.load(SMALL)


@pytest.fixture(scope="module")
def descriptor() -> dict:
    return json.loads((SMALL / "datapackage.json").read_text(encoding="utf-8"))


def test_roles_of_the_tables(package):
    assert [t.name for t in package.tables] == ["sources", "entities", *RECORD_TABLES, "claims", "categories",
                                                "corrections"]
    assert package.record_names == RECORD_TABLES
    assert [t.name for t in package.records] == list(RECORD_TABLES)
    assert package.core("sources").name == "sources" and package.core("claims").name == "claims"
    assert package.core("entities").primary_key == "entity_id"
    assert [t.name for t in package.with_role("vocabulary")] == ["categories"]
    assert "transfers" in package and "nothing" not in package
    with pytest.raises(KeyError):
        package.table("nothing")


def test_what_places_a_record_in_time(package):
    assert package.table("contracts").placed_by == ("signed", "announced", "delivery")
    lines = package.table("contract_lines")
    assert (lines.placed_by, lines.placed_by_parent) == (("delivery",), "contract_id")
    assert package.table("aggregates").placed_by == ("period",)
    assert all(package.table(t).primary_key for t in RECORD_TABLES)


def test_field_kinds(package):
    transfers = package.table("transfers")
    assert transfers.of_kind("amount") == ("amount", "amount_max")
    assert transfers.of_kind("edtf") == ("date", "value_date")
    assert transfers.of_kind("currency") == ("currency",)
    assert transfers.field("amount").type == "number" and transfers.field("amount").claimable
    assert not transfers.field("note").claimable and transfers.field("note").kind == "prose"
    assert package.table("flights").of_kind("count") == ("count",)
    assert package.table("entities").of_kind("country") == ("country",)
    assert package.table("sources").of_kind("edtf") == ("published",)
    entity_ids = package.table("events").field("entity_ids")
    assert (entity_ids.kind, entity_ids.list_of, entity_ids.required) == ("id_list", ("entities",), True)
    assert package.table("contracts").field("related_ids").list_of is None  # "of": "any"
    assert {f.name for f in package.table("entities").fields if f.names_row} == {"name", "aliases"}
    assert set(schema.KINDS) == {"edtf", "amount", "currency", "count", "country", "id_list", "prose"}
    for table in package.tables:
        assert all(f.kind in ("", *schema.KINDS) for f in table.fields)


def test_money_and_references(package):
    assert [t.name for t in package.tables if t.has_money] == ["contracts", "contract_lines", "transfers", "aggregates"]
    assert package.table("transfers").references["exporter_id"] == ("entities", "entity_id")
    assert package.table("claims").references["source_id"] == ("sources", "source_id")
    assert package.table("transfers").field("no_such_field") is None


def test_files_and_version(tmp_path):
    assert [p.name for p in schema.data_files(SMALL)] == ["datapackage.json", *(f"{t}.csv" for t in (
        "sources", "entities", *RECORD_TABLES, "claims", "categories", "corrections"))]
    assert schema.load(SMALL).files(SMALL) == schema.data_files(SMALL)[1:]
    assert schema.data_version(SMALL) != schema.data_version(MINI)
    # An unreadable descriptor names no tables: the validator says what is wrong with it.
    (tmp_path / "datapackage.json").write_text("{broken", encoding="utf-8")
    assert schema.data_files(tmp_path) == [tmp_path / "datapackage.json"]
    before = schema.data_version(tmp_path)
    (tmp_path / "datapackage.json").write_text("{broken!", encoding="utf-8")
    assert schema.data_version(tmp_path) != before  # the version is the content hash


def test_load_reads_each_version_of_the_file_once(tmp_path, descriptor):
    path = tmp_path / "datapackage.json"
    path.write_text(json.dumps(descriptor), encoding="utf-8")
    first = schema.load(tmp_path)
    assert schema.load(tmp_path) is first
    changed = copy.deepcopy(descriptor)
    changed["resources"][0]["title"] = "Renamed sources, a longer title"
    path.write_text(json.dumps(changed), encoding="utf-8")
    assert schema.load(tmp_path).table("sources").title == "Renamed sources, a longer title"


def _resource(descriptor: dict, name: str) -> dict:
    return next(r for r in descriptor["resources"] if r["name"] == name)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: _resource(d, "claims")["armsledger"].update(role="evidence"),
         "`armsledger.role` must be one of sources, entities, claims, record, vocabulary, corrections, got 'evidence'"),
        (lambda d: _resource(d, "claims").pop("armsledger"), "needs exactly one claims table, found 0"),
        (lambda d: _resource(d, "events")["armsledger"].update(role="sources"),
         "needs exactly one sources table, found 2"),
        (lambda d: _resource(d, "flights")["armsledger"].update(placed_by=["when"]),
         '`armsledger.placed_by` names "when", which is no field'),
        (lambda d: _resource(d, "flights")["schema"]["fields"][1].update(armsledger={"kind": "moment"}),
         "field flights.date: unknown kind 'moment'"),
        (lambda d: _resource(d, "flights")["schema"].pop("primaryKey"), "a record table needs a one-field primaryKey"),
        (lambda d: d.pop("resources"), "no list of resources"),
    ],
)
def test_a_descriptor_this_code_cannot_read_is_named(descriptor, mutate, message):
    changed = copy.deepcopy(descriptor)
    mutate(changed)
    with pytest.raises(schema.SchemaError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        schema.from_descriptor(changed)


def test_a_new_record_table_needs_no_code(descriptor):
    """A record table added to the descriptor is a record table everywhere: nothing else lists them."""
    changed = copy.deepcopy(descriptor)
    licences = copy.deepcopy(_resource(changed, "events"))
    licences.update(name="licences", path="licences.csv", title="Licences")
    changed["resources"].insert(-2, licences)
    assert schema.from_descriptor(changed).record_names == (*RECORD_TABLES, "licences")
