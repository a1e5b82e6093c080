"""The data lane reads the real ledger (armsledger.paths.DATA). Its tests state invariants that hold for any
valid ledger, never counts or record ids: adding a valid record changes only the snapshot of headline
numbers (test_snapshot.py), and `make snapshot` accepts that change."""

from __future__ import annotations

import pytest

from armsledger import paths
from armsledger.model.ledger import Ledger, for_edition, load
from armsledger.model.params import Params, edition_names, load_edition


@pytest.fixture(scope="session")
def real() -> Ledger:
    """Everything in data/, no filters."""
    return load(paths.DATA)


@pytest.fixture(scope="session")
def editions() -> dict[str, Params]:
    return {name: load_edition(name).params for name in edition_names()}


@pytest.fixture(scope="session")
def shown(editions) -> dict[str, Ledger]:
    """Each edition's ledger as notebooks 01 and 05 see it (as of its date, filtered by certainty)."""
    return {name: for_edition(params) for name, params in editions.items()}


@pytest.fixture(scope="session")
def in_period(editions) -> dict[str, Ledger]:
    """Each edition's ledger as notebooks 02–04 see it: also restricted to its period."""
    return {name: for_edition(params, within_period=True) for name, params in editions.items()}
