"""The one test of the real ledger's numbers: every edition's headline numbers, computed in-process
(armsledger.present.headline), against the committed tests/data/snapshot.json. A change to the data changes
them on purpose; the failure lists what changed, and `make snapshot` accepts it."""

from __future__ import annotations

import json

import pytest

from armsledger import paths
from armsledger.present import headline
from tests.common import SNAPSHOT


def test_the_headline_numbers_match_the_committed_snapshot():
    assert SNAPSHOT.exists(), f"{SNAPSHOT} is missing: run `make snapshot` to write it"
    committed = json.loads(SNAPSHOT.read_text(encoding="utf-8"))
    current = json.loads(headline.dumps(headline.snapshot(paths.DATA)))
    changed = headline.differences(committed, current)
    if changed:
        pytest.fail(f"{len(changed)} headline number(s) differ from {SNAPSHOT.relative_to(paths.ROOT)}:\n  "
                    + "\n  ".join(changed)
                    + "\nIf the data change is intended, run `make snapshot` to accept it (and commit the snapshot).",
                    pytrace=False)
