"""The report's notebooks as the build sees them: which exist, and which record tables each reads
(the `reads=` of its `notebook.setup(...)` call, so the notebook itself is the one place that says)."""

from __future__ import annotations

import ast
import json
import re
from functools import lru_cache
from pathlib import Path

from armsledger.model.schema import ALL_RECORD_TABLES

NOTEBOOK_NAME = re.compile(r"^\d\d-[a-z0-9-]+$")


def notebook_names(notebooks_dir: Path) -> list[str]:
    """NN-name for every notebook in `notebooks_dir`, in order."""
    return sorted(p.stem for p in Path(notebooks_dir).glob("*.ipynb") if NOTEBOOK_NAME.match(p.stem))


@lru_cache(maxsize=64)
def _reads(path: str, mtime_ns: int) -> tuple[str, ...] | str:
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", "")) == "setup":
                for keyword in node.keywords:
                    if keyword.arg == "reads":
                        value = ast.literal_eval(keyword.value)
                        return value if value == ALL_RECORD_TABLES else tuple(value)
                return ALL_RECORD_TABLES
    raise ValueError(f"{path}: no notebook.setup(...) call; a notebook starts with one")


def reads(notebook: Path) -> tuple[str, ...] | str:
    """The record tables `notebook` reads, or "all"."""
    return _reads(str(notebook), Path(notebook).stat().st_mtime_ns)
