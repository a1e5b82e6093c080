"""The benchmarks' synthetic ledger, made from the real data, is one the validator accepts: otherwise the
30,000- and 300,000-record figures would measure a build of a ledger no analyst could build."""

import importlib.util

from armsledger import paths
from armsledger.model import schema
from armsledger.validate import validate


def test_copies_of_the_real_ledger_validate(tmp_path):
    spec = importlib.util.spec_from_file_location("synthetic", paths.BENCHMARKS / "synthetic.py")
    synthetic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synthetic)
    counts = synthetic.generate(tmp_path / "one", records=1)
    per_copy = sum(counts[t.name] for t in schema.load(paths.DATA).records)
    # Five copies: the first group of renamed sources and entities starts at copy 4.
    synthetic.generate(tmp_path / "data", records=5 * per_copy)
    result = validate(tmp_path / "data")
    assert result.ok, [str(p) for p in result.problems[:5]]
