"""Headline numbers: notebooks write fragments (present.notebook.save_numbers); the build merges them
into `_variables.yml` (display strings for the prose) and `summary.json` (raw values for tests)."""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from armsledger.paths import FRAGMENTS


def merge(out_dir: Path, extra_variables: dict[str, str] | None = None) -> tuple[Path, Path]:
    """Combine every fragment into `_variables.yml` and `summary.json`; a key may be defined once."""
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
    variables.update(extra_variables or {})
    var_path = out_dir / "_variables.yml"
    var_path.write_text(yaml.safe_dump(variables, sort_keys=True, allow_unicode=True), encoding="utf-8")
    summary_path = out_dir / "summary.json"
    summary_path.write_text(json.dumps(summary, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
                            encoding="utf-8")
    return var_path, summary_path
