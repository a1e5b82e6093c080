"""Every folder the project reads or writes, resolved once from the repository root."""

from __future__ import annotations

import os
from pathlib import Path

# The package lives in src/armsledger/, so the repository root is two levels above it.
# ARMSLEDGER_ROOT lets an installed (non-editable) copy point at a checkout.
ROOT = Path(os.environ.get("ARMSLEDGER_ROOT", Path(__file__).resolve().parents[2])).resolve()

DATA = ROOT / "data"
DATAPACKAGE = DATA / "datapackage.json"
DATA_README = DATA / "README.md"
NOTEBOOKS = ROOT / "notebooks"
REPORT = ROOT / "report"
EDITIONS = REPORT / "editions"
BUILD = ROOT / "build"
PUBLIC = ROOT / "public"
BENCHMARKS = ROOT / "benchmarks"
# The analysts' archive of saved source texts lives beside the checkout, outside git.
DEFAULT_ARCHIVE = ROOT.parent / "shared" / "seeds"


# Inside build/<edition>/: what the notebooks write (and the build reads back).
FIGURES = "figures"
TABLES = "tables"
FRAGMENTS = "fragments"
DOWNLOADS = "downloads"  # the data behind each table and figure, published under data/tables/
