"""Project hygiene: pinned dependencies in sync, notebooks thin and stripped, the report and README in step with
the code. (The data dictionary's freshness is checked against the real data in tests/data.)"""

from __future__ import annotations

import ast
import json
import re
import tomllib

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from armsledger import paths
from armsledger.model import schema as schema_module
from armsledger.model.params import Params
from armsledger.pipeline.notebooks import notebook_names, reads
from tests.common import SMALL

NOTEBOOK_NAMES = notebook_names(paths.NOTEBOOKS)

PYPROJECT = tomllib.loads((paths.ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _lock() -> dict[str, str]:
    pins = {}
    for line in (paths.ROOT / "requirements.lock").read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            pins[canonicalize_name(name)] = version.strip()
    return pins


def test_every_dependency_is_pinned_in_the_lock_within_its_range():
    pins = _lock()
    project = PYPROJECT["project"]
    requirements = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    for text in requirements:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not pinned in requirements.lock"
        assert requirement.specifier.contains(pins[name]), f"{name}=={pins[name]} outside {requirement.specifier}"


def test_environment_yml_mirrors_pyproject():
    env = yaml.safe_load((paths.ROOT / "environment.yml").read_text(encoding="utf-8"))
    assert "conda-forge" in env["channels"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    pip = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    python = next(d for d in conda if d.startswith("python"))
    required = PYPROJECT["project"]["requires-python"]
    minor = re.search(r">=\s*(3\.\d+)", required).group(1)
    assert python == f"python={minor}"
    assert "pip" in conda
    quarto = next(d for d in conda if d.startswith("quarto"))
    workflow = yaml.safe_load((paths.ROOT / ".github" / "workflows" / "report.yml").read_text(encoding="utf-8"))
    pinned = next(step["with"]["version"] for job in workflow["jobs"].values() for step in job["steps"]
                  if "quarto-actions/setup" in step.get("uses", ""))
    assert quarto.startswith("quarto=") and str(pinned).startswith(quarto.split("=")[1] + ".")
    assert "-e .[dev]" in pip and "-r requirements.lock" in pip


@pytest.mark.parametrize("name", NOTEBOOK_NAMES)
def test_notebooks_are_thin_stripped_and_parameterised(name):
    book = json.loads((paths.NOTEBOOKS / f"{name}.ipynb").read_text(encoding="utf-8"))
    cells = book["cells"]
    assert cells[0]["cell_type"] == "markdown"
    intro = "".join(cells[0]["source"])
    assert all(word in intro for word in ("Purpose", "Inputs", "Outputs"))
    code = [c for c in cells if c["cell_type"] == "code"]
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), "outputs are stripped"
    parameters = [c for c in code if "parameters" in c.get("metadata", {}).get("tags", [])]
    assert len(parameters) == 1 and code.index(parameters[0]) == 0
    # The names, types and defaults live in Params; a parameters cell may only repeat them, as literals.
    tree = ast.parse("".join(parameters[0]["source"]))
    defaults = Params().as_dict()
    for node in tree.body:
        assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant), "literal defaults only"
        assert defaults.get(node.targets[0].id, object()) == node.value.value, ast.unparse(node)
    source = "\n".join("".join(c["source"]) for c in code)
    assert "../" not in source and "os.chdir" not in source
    assert not any(isinstance(n, (ast.FunctionDef, ast.ClassDef)) for c in code
                   for n in ast.walk(ast.parse("".join(c["source"])))), "helpers live in the package"
    # One setup call opens the edition and declares the record tables the notebook reads.
    assert source.count("notebook.setup(globals()") == 1
    wanted = reads(paths.NOTEBOOKS / f"{name}.ipynb")
    assert wanted == schema_module.ALL_RECORD_TABLES or set(wanted) <= set(schema_module.load(SMALL).record_names)
    assert f'notebook.save_numbers(params, "{name}"' in source, "the notebook saves its numbers under its own name"
    labels = re.findall(r"#\| label: ((?:fig|tbl)-[a-z0-9-]+)", source)
    assert labels and all(f"#| {'fig' if lab.startswith('fig') else 'tbl'}-cap:" in source for lab in labels)


def test_report_embeds_only_labels_that_exist():
    report = (paths.REPORT / "index.qmd").read_text(encoding="utf-8")
    for notebook, label in re.findall(r"\{\{< embed notebooks/(\S+?)\.ipynb#(\S+?) >\}\}", report):
        source = (paths.NOTEBOOKS / f"{notebook}.ipynb").read_text(encoding="utf-8")
        assert f"#| label: {label}" in source, f"{notebook}#{label}"


def test_readme_commands_exist():
    makefile = (paths.ROOT / "Makefile").read_text(encoding="utf-8")
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    assert "make report" in readme and "make test" in readme
    assert re.search(r"^report:", makefile, re.M) and re.search(r"^test:", makefile, re.M)
    assert "make test" in (paths.ROOT / ".ci" / "run").read_text(encoding="utf-8")
    # Every make target and every armsledger option the README mentions exists.
    targets = set(re.findall(r"^([a-z-]+):", makefile, re.M))
    mentioned = set(re.findall(r"`make ([a-z-]+)", readme)) | set(re.findall(r"^make ([a-z-]+)", readme, re.M))
    assert mentioned and mentioned <= targets, mentioned - targets
    from armsledger import cli

    commands = cli.build_parser()._subparsers._group_actions[0].choices
    for command, rest in re.findall(r"bin/armsledger ([a-z-]+)((?: \[[^\n#]*)?)", readme):
        assert command in commands, command
        known = {option for action in commands[command]._actions for option in action.option_strings}
        for option in re.findall(r"--[a-z-]+", rest):
            assert option in known, f"README: armsledger {command} {option}"


def test_the_benchmarks_synthetic_ledger_is_valid(tmp_path):
    """The 30,000- and 300,000-record benchmarks measure a ledger the validator accepts; checked here small."""
    import importlib.util

    from armsledger.validate import validate

    spec = importlib.util.spec_from_file_location("synthetic", paths.BENCHMARKS / "synthetic.py")
    synthetic = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(synthetic)
    # Copies of the small fixture (unit tests never read data/); the bench copies the real ledger alike.
    counts = synthetic.generate(tmp_path / "data", records=300, data=SMALL)
    result = validate(tmp_path / "data")
    assert result.ok, [str(p) for p in result.problems[:5]]
    assert sum(counts.values()) >= 300


def test_the_make_targets_run_the_lanes():
    makefile = (paths.ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^test-fast:.*\n\t.*pytest -q tests/unit tests/data$", makefile, re.M)
    assert re.search(r"^snapshot:.*\n\t.*armsledger snapshot --out tests/data/snapshot\.json$", makefile, re.M)
    assert PYPROJECT["tool"]["pytest"]["ini_options"]["testpaths"] == ["tests"]
    markers = {line.split(":")[0] for line in PYPROJECT["tool"]["pytest"]["ini_options"]["markers"]}
    assert markers == {"slow", "browser", "quarto"}


def test_the_readme_states_the_workbooks_row_cap():
    from armsledger.pipeline.downloads import WORKBOOK_MAX_ROWS

    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    assert f"the first {WORKBOOK_MAX_ROWS:,} rows of a longer table" in readme
