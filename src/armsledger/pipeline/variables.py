"""Headline numbers: notebooks write fragments (present.notebook.save_numbers); the build merges them
into `_variables.yml` (display strings for the prose) and `summary.json` (raw values for tests)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from armsledger.paths import FRAGMENTS


def notebook_summary(out_dir: Path) -> dict[str, dict]:
    """The raw numbers of every notebook's fragment, by notebook: summary.json without its edition block."""
    return {path.stem: json.loads(path.read_text(encoding="utf-8"))["summary"]
            for path in sorted((Path(out_dir) / FRAGMENTS).glob("*.json"))}


def merge(out_dir: Path, extra_variables: dict[str, str] | None = None,
          extra_summary: dict[str, dict] | None = None) -> tuple[Path, Path]:
    """Combine every fragment into `_variables.yml` and `summary.json`; a key may be defined once.
    `extra_summary` adds top-level blocks to summary.json (the build's `edition` block)."""
    out_dir = Path(out_dir)
    variables: dict[str, str] = {}
    summary: dict[str, dict] = {}
    for path in sorted((out_dir / FRAGMENTS).glob("*.json")):
        payload = json.loads(path.read_text(encoding="utf-8"))
        for key, value in payload["variables"].items():
            if key in variables:
                raise ValueError(f"variable {key!r} is defined by two notebooks (second: {path.stem})")
            variables[key] = value
        summary[path.stem] = payload["summary"]
    for key, block in (extra_summary or {}).items():
        if key in summary:
            raise ValueError(f"summary block {key!r} is also a notebook's name")
        summary[key] = block
    variables.update(extra_variables or {})
    var_path = out_dir / "_variables.yml"
    var_path.write_text(yaml.safe_dump(variables, sort_keys=True, allow_unicode=True), encoding="utf-8")
    summary_path = out_dir / "summary.json"
    summary_path.write_text(json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                            encoding="utf-8")
    return var_path, summary_path
