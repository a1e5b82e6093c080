"""The Quarto renderer: `quarto render` on the prepared project (what real users and CI on GitHub use)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from armsledger.lifeline import child_options
from armsledger.render import Rendered, RenderError
from armsledger.render.project import OUTPUT_DIR


class QuartoRenderer:
    name = "quarto"

    def render(self, project: Path) -> Rendered:
        result = subprocess.run(["quarto", "render", str(project)], capture_output=True, text=True, check=False,
                                **child_options())
        if result.returncode != 0:
            raise RenderError(f"quarto render failed:\n{result.stderr[-4000:]}")
        out = project / OUTPUT_DIR
        rendered = Rendered(html=out / "index.html", pdf=out / "index.pdf")
        for path in (rendered.html, rendered.pdf):
            if not path.exists():
                raise RenderError(f"quarto render produced no {path.name}")
        return rendered
