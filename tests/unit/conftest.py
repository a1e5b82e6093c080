"""The unit lane works on fixture ledgers only. A guard enforces it: while a unit test runs, opening any
file under the real data folder (armsledger.paths.DATA) fails the test. (Listing it is allowed:
Frictionless scans every folder on sys.path for plugins.)"""

from __future__ import annotations

import os
import sys

import pytest

from armsledger import paths

_DATA = tuple({os.path.abspath(paths.DATA), os.path.realpath(paths.DATA)})
_GUARDED_EVENTS = {"open"}
_state: dict = {"active": False, "reads": []}


class RealDataRead(AssertionError):
    """A unit test touched data/; it must use a fixture ledger (tests/fixtures) instead."""


def _audit(event: str, args: tuple) -> None:
    if not _state["active"] or event not in _GUARDED_EVENTS or not args:
        return
    target = args[0]
    if target is None or isinstance(target, int):
        return
    try:
        path = os.path.abspath(os.fsdecode(target))
    except (TypeError, ValueError):
        return
    if any(path == root or path.startswith(root + os.sep) for root in _DATA):
        _state["reads"].append(path)
        raise RealDataRead(f"a unit test read {path}; unit tests use fixture ledgers (tests/fixtures) only")


sys.addaudithook(_audit)


@pytest.fixture(autouse=True)
def _no_real_data():
    """Fails the test if it read the real data, even where the code under test caught the error."""
    _state["active"], _state["reads"] = True, []
    yield
    _state["active"] = False
    if _state["reads"]:
        pytest.fail(f"unit test read the real data: {sorted(set(_state['reads']))}", pytrace=False)


# --------------------------------------------------------------------------- background validations


@pytest.fixture(scope="session", autouse=True)
def _background_validations(request, tmp_path_factory):
    """Start validating the validator's fixtures (tests/unit/validations.py) as the lane begins, when the
    validator's tests are among those selected."""
    from tests.unit import validations

    wanted = any(getattr(item, "module", None) is not None and item.module.__name__ == "tests.unit.test_validate"
                 for item in request.session.items)
    if wanted:
        validations.start(tmp_path_factory.mktemp("validations"))
    yield
    validations.stop()


# --------------------------------------------------------------------------- fixture ledgers


@pytest.fixture(scope="session")
def small():
    """The small fixture ledger, everything in it (as notebooks 01 and 05 see it)."""
    from armsledger.model.ledger import load
    from tests.common import SMALL

    return load(SMALL)


@pytest.fixture(scope="session")
def default_params():
    """The default edition's parameters, on the small fixture ledger."""
    from armsledger.model.params import Params, load_edition
    from tests.common import SMALL

    return Params(**{**load_edition("default-2025-02").params.as_dict(), "data_dir": str(SMALL)})


@pytest.fixture(scope="session")
def in_period(default_params):
    """The small ledger as the default edition's notebooks 02–04 see it: within the period."""
    from armsledger.model.ledger import for_edition

    return for_edition(default_params, within_period=True)


@pytest.fixture(scope="session")
def items(in_period):
    from armsledger.analysis import timeline

    return timeline.build_timeline(in_period)
