"""The whole ledger derived once (model.ledger.load, model.store): cut down to `only` it equals the ledger
derived from those tables alone, and the on-disk cache a build's data snapshot opts into is used, keyed by
what the ledger depends on, and optional (an entry it cannot read or write is a warning)."""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import pickle

import pytest

from armsledger.model import ledger as L
from armsledger.model import schema as schema_module
from armsledger.model import store
from tests.common import MINI, SMALL, assert_same_ledger, copy_ledger, only_sets, rewrite_cell


@pytest.mark.parametrize("data", [SMALL, MINI], ids=["small", "mini"])
@pytest.mark.parametrize("as_of", [None, dt.date(2024, 6, 30), dt.date(2023, 12, 31)])
def test_the_whole_ledger_cut_to_some_tables_equals_those_tables_derived_alone(data, as_of):
    for only in only_sets(data):
        alone = L.build(L.read_tables(data, only), data, as_of)
        assert_same_ledger(L.load(data, as_of, only), alone)


def test_a_table_placed_by_a_parent_left_out_is_derived_alone(tmp_path):
    """contract_lines take the date of their contract: without contracts they have none, as before."""
    schema = schema_module.load(SMALL)
    children = [t.name for t in schema.records if t.placed_by_parent]
    assert children
    for name in children:
        alone = L.build(L.read_tables(SMALL, {name}), SMALL, None)
        assert_same_ledger(L.load(SMALL, None, {name}), alone)


def test_a_second_load_in_one_process_derives_nothing(monkeypatch):
    L.release_cached_ledger()
    first = L.load(SMALL)
    monkeypatch.setattr(L, "build", lambda *a, **k: pytest.fail("derived again"))
    assert L.load(SMALL) is first
    L.load(SMALL, only={"flights"})  # cut from the same whole ledger


def test_an_edited_file_is_derived_again_even_with_its_old_size_and_time(tmp_path):
    data = copy_ledger(SMALL, tmp_path / "data")
    before = L.load(data)
    path = data / "flights.csv"
    stat = path.stat()
    note = before.tables["flights"]["note"].iloc[0]
    edited = ("x" * len(note.encode())) if note else ""
    assert edited != note
    rewrite_cell(data, "flights", "flight_id", before.tables["flights"]["flight_id"].iloc[0], "note", edited)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # as if written within the clock's resolution
    assert path.stat().st_size == stat.st_size
    assert L.load(data).tables["flights"]["note"].iloc[0] == edited


# --------------------------------------------------------------------------- the on-disk cache


def _cached(data, as_of=None):
    L.release_cached_ledger()  # a fresh process, as far as the in-process memo goes
    return L.load(data, as_of)


def test_without_a_cache_folder_nothing_is_written(tmp_path):
    data = copy_ledger(SMALL, tmp_path / "data")
    _cached(data)
    assert not (data / store.CACHE_DIR).exists()
    assert sorted(p.name for p in data.iterdir()) == sorted(p.name for p in SMALL.iterdir())


def test_a_cached_ledger_is_read_not_derived(tmp_path, monkeypatch):
    data = copy_ledger(SMALL, tmp_path / "data")
    (data / store.CACHE_DIR).mkdir()
    first = _cached(data)
    assert len(list((data / store.CACHE_DIR).glob("*.pickle"))) == 1
    monkeypatch.setattr(L, "build", lambda *a, **k: pytest.fail("derived again"))
    assert_same_ledger(_cached(data), first)


def test_the_key_follows_the_data_and_the_as_of_date(tmp_path):
    data = copy_ledger(SMALL, tmp_path / "data")
    keys = {store.key(data, None), store.key(data, dt.date(2024, 6, 30))}
    rewrite_cell(data, "flights", "flight_id", L.load(SMALL).tables["flights"]["flight_id"].iloc[0], "note", "x")
    keys.add(store.key(data, None))
    assert len(keys) == 3


def test_a_corrupt_entry_is_a_warning_and_derived_again(tmp_path, capsys):
    data = copy_ledger(SMALL, tmp_path / "data")
    (data / store.CACHE_DIR).mkdir()
    first = _cached(data)
    entry = next((data / store.CACHE_DIR).glob("*.pickle"))
    entry.write_bytes(entry.read_bytes()[:100])  # truncated, as by a full disk
    assert_same_ledger(_cached(data), first)
    assert "unreadable" in capsys.readouterr().err
    with open(entry, "rb") as handle:
        assert isinstance(pickle.load(handle), L.Ledger)  # written again, whole


def test_an_unusable_cache_is_a_warning(tmp_path, capsys):
    data = copy_ledger(SMALL, tmp_path / "data")
    (data / store.CACHE_DIR).write_text("a file where the folder should be")
    assert len(_cached(data).records)  # no cache folder: no cache
    (data / store.CACHE_DIR).unlink()
    (data / store.CACHE_DIR).mkdir()
    # A folder where the entry should be: it can be neither read nor replaced (even by root).
    (data / store.CACHE_DIR / f"{store.key(data, None)}.pickle").mkdir()
    assert len(_cached(data).records)
    err = capsys.readouterr().err
    assert "unreadable" in err and "could not be written" in err


def test_old_entries_are_pruned(tmp_path):
    data = copy_ledger(SMALL, tmp_path / "data")
    (data / store.CACHE_DIR).mkdir()
    for day in range(1, store.KEEP + 3):
        _cached(data, dt.date(2024, 1, day))
    assert len(list((data / store.CACHE_DIR).glob("*.pickle"))) == store.KEEP


def _derive_in_child(data, counter) -> int:
    def derive():
        with open(counter, "a") as handle:
            handle.write("derived\n")
        return L.build(L.read_tables(data), data, None)
    return len(store.cached(data, store.key(data, None), derive).records)


def test_processes_asking_at_once_derive_once(tmp_path):
    data = copy_ledger(SMALL, tmp_path / "data")
    (data / store.CACHE_DIR).mkdir()
    counter = tmp_path / "derived.txt"
    with multiprocessing.get_context("fork").Pool(3) as pool:
        sizes = pool.starmap(_derive_in_child, [(data, counter)] * 3)
    assert len(set(sizes)) == 1
    assert counter.read_text().count("derived") == 1
