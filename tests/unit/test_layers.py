"""The layer rule of DESIGN §2, read from the source with `ast`: analysis imports no presentation, pipeline,
renderer or validator; present nothing from pipeline or render; model nothing outside itself (and
armsledger.paths); only the command line imports the pipeline. And importing the analysis does not load
matplotlib (checked in a fresh interpreter)."""

from __future__ import annotations

import ast
import functools
import subprocess
import sys
from pathlib import Path

import pytest

import armsledger

PACKAGE = Path(armsledger.__file__).resolve().parent
LAYERS = ("model", "validate", "analysis", "present", "pipeline", "render")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every armsledger module `path` imports, at any depth (imports inside functions count too)."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from . import x, from ..model import y
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            if base != "armsledger":  # the package root holds nothing; what it names is what counts
                found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}  # `from armsledger import paths`
    return {name for name in found if name == "armsledger" or name.startswith("armsledger.")}


@functools.lru_cache(maxsize=1)
def _modules() -> dict[str, frozenset[str]]:
    return {_module_name(path): frozenset(_imports(path)) for path in sorted(PACKAGE.rglob("*.py"))}


def _layer(name: str) -> str:
    """armsledger.analysis.timeline → analysis; armsledger.paths → paths; armsledger → armsledger."""
    parts = name.split(".")
    return parts[1] if len(parts) > 1 else parts[0]


def _is_module(name: str, modules: dict) -> bool:
    return name in modules


def _violations(importer_layer: str, forbidden) -> list[str]:
    modules = _modules()
    found = []
    for module, imports in modules.items():
        if _layer(module) != importer_layer:
            continue
        for target in sorted(imports):
            if _is_module(target, modules) and forbidden(_layer(target)):
                found.append(f"{module} imports {target}")
    return found


def test_the_parser_sees_every_kind_of_import():
    modules = _modules()
    assert "armsledger.analysis.reconcile" in modules and "armsledger.model" in modules
    assert "armsledger.model.ledger" in modules["armsledger.analysis.reconcile"]  # from … import names
    assert "armsledger.paths" in modules["armsledger.model.params"]  # from armsledger import paths
    assert "armsledger.pipeline.kernels" in modules["armsledger.pipeline.runner"]  # inside a function
    assert "armsledger.model.schema" in modules["armsledger.model.ledger"]  # from … import … as …
    assert {_layer(m) for m in modules} == {"armsledger", "__main__", "cli", "paths", "lifeline", *LAYERS}


@pytest.mark.parametrize(
    ("layer", "forbidden", "rule"),
    [
        ("analysis", {"present", "pipeline", "render", "validate", "cli"},
         "analysis: DataFrames in, DataFrames out; no formatting, no matplotlib, no validation"),
        ("present", {"pipeline", "render", "cli"}, "present formats what analysis computes; it runs no build"),
        ("validate", {"analysis", "present", "pipeline", "render", "cli"}, "validation reads the model only"),
    ],
)
def test_a_layer_imports_nothing_above_it(layer, forbidden, rule):
    assert _violations(layer, lambda target: target in forbidden) == [], rule


def test_the_model_imports_only_itself_and_paths():
    assert _violations("model", lambda target: target not in ("model", "paths")) == []


def test_the_lifeline_of_child_processes_imports_nothing_of_the_package():
    """armsledger.lifeline serves the pipeline and the renderers alike, so it stands below both."""
    assert _violations("lifeline", lambda target: True) == []


def test_only_the_command_line_imports_the_pipeline():
    modules = _modules()
    importers = sorted(module for module, imports in modules.items()
                       if any(_layer(t) == "pipeline" for t in imports if t in modules)
                       and _layer(module) != "pipeline")
    assert importers == ["armsledger.cli"]


def test_importing_the_analysis_does_not_load_matplotlib():
    analysis = sorted(m for m in _modules() if _layer(m) == "analysis")
    assert len(analysis) >= 7
    code = (f"import sys\nfor name in {analysis!r}:\n    __import__(name)\n"
            "loaded = sorted(m for m in sys.modules if m == 'matplotlib' or m.startswith('matplotlib.'))\n"
            "print(repr(loaded))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]", f"importing the analysis loaded {result.stdout.strip()}"


def test_the_unit_lane_guard_refuses_the_real_data():
    """Every test in tests/unit runs under a guard that fails it if it opens a file in data/."""
    from armsledger import paths
    from tests.unit import conftest

    with pytest.raises(conftest.RealDataRead, match="unit tests use fixture ledgers"):
        paths.DATAPACKAGE.read_text(encoding="utf-8")
    assert conftest._state["reads"] == [str(paths.DATAPACKAGE)]
    conftest._state["reads"].clear()  # caught on purpose: do not fail this test at teardown
