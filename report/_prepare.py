"""Quarto pre-render step of the `analyst` profile (_quarto-analyst.yml): prepares an edition in report/.

Quarto runs this file with its own Python (QUARTO_PYTHON, else python3 on PATH), which may not have the
armsledger package; then the checkout's .venv (made by `make`) runs it instead. The work is done by
armsledger.pipeline.analyst (see there).
"""

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

try:
    from armsledger.pipeline.analyst import main
except ImportError:
    venv = HERE.parent / ".venv"
    python = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    # A venv's python is a symlink to the base interpreter: compare environments, not binaries.
    if python.exists() and Path(sys.prefix).resolve() != venv.resolve():
        os.execv(str(python), [str(python), str(Path(__file__).resolve()), *sys.argv[1:]])
    sys.exit(f"{__file__}: {sys.executable} cannot import armsledger"
             + ("" if python.exists() else f" and there is no {python}")
             + f"; run `make test` (or pip install -e .) in {HERE.parent} first")

sys.exit(main(HERE))
