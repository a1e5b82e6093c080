"""The benchmarks' synthetic ledger, made from the real data, is one the validator accepts: otherwise the
30,000- and 300,000-record figures would measure a build of a ledger no analyst could build."""

import importlib.util

from armsledger import paths
from armsledger.model import schema
from armsledger.validate import validate


def _synthetic():
    """benchmarks/synthetic.py as a module (the benchmarks folder is no package)."""
    spec = importlib.util.spec_from_file_location("synthetic", paths.BENCHMARKS / "synthetic.py")
    synthetic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synthetic)
    return synthetic


def test_copies_of_the_real_ledger_validate(tmp_path):
    synthetic = _synthetic()
    counts = synthetic.generate(tmp_path / "one", records=1)
    per_copy = sum(counts[t.name] for t in schema.load(paths.DATA).records)
    # Enough copies for a second group of renamed sources and of renamed entities.
    copies = max(synthetic.COPIES_PER_SOURCE_GROUP, synthetic.COPIES_PER_ENTITY_GROUP) + 1
    synthetic.generate(tmp_path / "data", records=copies * per_copy)
    result = validate(tmp_path / "data")
    assert result.ok, [str(p) for p in result.problems[:5]]


def test_the_analysis_finds_every_copy(tmp_path):
    """A copy that the analysis cannot place (its exporter outside Serbia, say) would make the benchmark
    measure a report with empty tables."""
    from armsledger.analysis.exports import customs_exports
    from armsledger.model.ledger import load

    synthetic = _synthetic()
    counts = synthetic.generate(tmp_path / "one", records=1)
    per_copy = sum(counts[t.name] for t in schema.load(paths.DATA).records)
    copies = synthetic.COPIES_PER_ENTITY_GROUP + 1
    synthetic.generate(tmp_path / "data", records=copies * per_copy)
    real = len(customs_exports(load(paths.DATA), "EUR"))
    assert real and len(customs_exports(load(tmp_path / "data"), "EUR")) == copies * real
