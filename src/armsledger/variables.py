"""Headline numbers: notebooks write fragments; the build merges them into `_variables.yml`
(display strings for the prose) and `summary.json` (raw values for tests)."""

from __future__ import annotations

import json
import math
from pathlib import Path

import yaml

FRAGMENTS = "fragments"


def count_of(number: int, singular: str, plural: str | None = None) -> str:
    """"1 procurement", "3 procurements", "0 makers": generated sentences read as written ones."""
    return f"{number} {singular if number == 1 else (plural or singular + 's')}"


def _plain(value):
    """JSON-safe and stable: NaN/inf become None, numpy scalars become Python numbers."""
    if hasattr(value, "item") and not isinstance(value, (list, dict, str)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def write_fragment(out_dir: Path, notebook: str, display: dict[str, str], raw: dict) -> Path:
    """Called at the end of each notebook: its display strings and raw values."""
    path = Path(out_dir) / FRAGMENTS / f"{notebook}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    bad = [k for k, v in display.items() if not isinstance(v, str)]
    if bad:
        raise TypeError(f"display values must be strings: {', '.join(bad)}")
    payload = {"variables": _plain(display), "summary": _plain(raw)}
    path.write_text(json.dumps(payload, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


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
