"""Renderers behind one interface: Quarto when installed, else the built-in Pandoc + Typst renderer."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol


class RenderError(RuntimeError):
    """The report could not be rendered; the message says why."""


@dataclass(frozen=True)
class Rendered:
    html: Path
    pdf: Path


class Renderer(Protocol):
    name: str

    def render(self, project: Path) -> Rendered:
        """Render the prepared Quarto project folder `project` (see render.project)."""


def quarto_available() -> bool:
    return shutil.which("quarto") is not None


def get_renderer(name: str = "auto") -> Renderer:
    if name == "auto":
        name = "quarto" if quarto_available() else "pandoc"
    if name == "quarto":
        from armsledger.render.quarto import QuartoRenderer

        if not quarto_available():
            raise RenderError("the quarto renderer was asked for, but `quarto` is not on PATH")
        return QuartoRenderer()
    if name == "pandoc":
        from armsledger.render.pandoc import PandocRenderer

        return PandocRenderer()
    raise RenderError(f"unknown renderer {name!r}; use auto, quarto or pandoc")
