"""Prepare an edition's Quarto project folder and hold the report to the Quarto subset both renderers support."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from armsledger import paths

OUTPUT_DIR = "_output"
FONTS = Path(__file__).parent / "fonts"
REPORT_FILES = ("_quarto.yml", "index.qmd")
# Metadata Quarto needs as literal values, written beside _variables.yml (see write_edition_metadata).
EDITION_METADATA = "_edition.yml"

SHORTCODE = re.compile(r"\{\{<\s*(\S+)\s*(.*?)\s*>\}\}")
EMBED_TARGET = re.compile(r"^notebooks/\d\d-[a-z0-9-]+\.ipynb#(fig|tbl)-[a-z0-9-]+$")
VAR_KEY = re.compile(r"^[A-Za-z0-9_.-]+$")
ALLOWED_DIVS = {"::: {#refs}", ":::"}


def subset_problems(text: str, name: str = "index.qmd") -> list[str]:
    """Everything in a report source that the built-in renderer does not implement.

    Supported: Markdown, `var` and `embed` shortcodes, `[@source]` citations, the `#refs` div.
    """
    problems = []
    body = text
    for lineno, line in enumerate(body.splitlines(), start=1):
        where = f"{name}:{lineno}"
        for match in SHORTCODE.finditer(line):
            kind, arg = match.group(1), match.group(2)
            if kind == "var":
                if not VAR_KEY.match(arg):
                    problems.append(f"{where}: var shortcode needs one key, got {arg!r}")
            elif kind == "embed":
                if not EMBED_TARGET.match(arg):
                    problems.append(f"{where}: embed must name notebooks/NN-name.ipynb#fig-… or #tbl-…, got {arg!r}")
            else:
                problems.append(f"{where}: shortcode {kind!r} is outside the supported subset (var, embed)")
        if re.match(r"^\s*```+\s*\{", line):
            problems.append(f"{where}: executable code cells are not supported (papermill executes notebooks)")
        if line.strip().startswith(":::") and line.strip() not in ALLOWED_DIVS:
            problems.append(f"{where}: fenced div {line.strip()!r} is outside the supported subset")
        if re.search(r"(?<![\w\\])@(fig|tbl|sec|eq)-", line):
            problems.append(f"{where}: Quarto cross-references (@fig-…) are not supported; refer to captions in words")
        if "{{{<" in line:
            problems.append(f"{where}: escaped shortcodes are not supported")
    return problems


def check_sources(report_dir: Path = paths.REPORT) -> list[str]:
    problems = []
    for qmd in sorted(report_dir.glob("*.qmd")):
        problems.extend(subset_problems(qmd.read_text(encoding="utf-8"), qmd.name))
    return problems


def write_edition_metadata(project: Path) -> Path:
    """Write `project`/_edition.yml (`date`: the build date) from `project`/_variables.yml.

    Quarto formats `date` in its TypeScript stage, before any shortcode is expanded, so a
    `{{< var build_date >}}` there prints "Invalid Date"; _quarto.yml reads this file through
    `metadata-files` instead. The built-in renderer reads it too, so both print the same date.
    """
    import yaml

    variables = yaml.safe_load((project / "_variables.yml").read_text(encoding="utf-8")) or {}
    if "build_date" not in variables:
        from armsledger.render import RenderError

        raise RenderError(f"{project / '_variables.yml'} has no build_date")
    target = project / EDITION_METADATA
    text = ("# Written by armsledger from _variables.yml: Quarto needs `date` as a literal date.\n"
            + yaml.safe_dump({"date": str(variables["build_date"])}, allow_unicode=True))
    if not target.exists() or target.read_text(encoding="utf-8") != text:
        target.write_text(text, encoding="utf-8")
    return target


def prepare(project: Path, report_dir: Path = paths.REPORT) -> Path:
    """Copy the report sources and fonts into `project` (which already holds the executed
    notebooks, _variables.yml and references.json) and write _edition.yml, so either renderer,
    or `quarto render` by hand, can run there."""
    problems = check_sources(report_dir)
    if problems:
        from armsledger.render import RenderError

        raise RenderError("report sources use constructs outside the supported subset:\n" + "\n".join(problems))
    project.mkdir(parents=True, exist_ok=True)
    for name in REPORT_FILES:
        shutil.copy2(report_dir / name, project / name)
    if (report_dir / "assets").exists():
        shutil.copytree(report_dir / "assets", project / "assets", dirs_exist_ok=True)
    shutil.copytree(FONTS, project / "assets" / "fonts", dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.txt"))
    write_edition_metadata(project)
    return project
