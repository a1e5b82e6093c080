"""Built-in renderer for machines without Quarto: Pandoc (pypandoc-binary) for HTML, Pandoc + Typst for the PDF.

It implements exactly the Quarto subset the report uses (see render.project.subset_problems):
`{{< var key >}}`, `{{< embed notebooks/NN-x.ipynb#label >}}` for figures and tables with their
captions, `[@source]` citations through citeproc, and the `#refs` bibliography div.
"""

from __future__ import annotations

import base64
import html
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pypandoc
import yaml

from armsledger.lifeline import child_options
from armsledger.render import Rendered, RenderError
from armsledger.render.fonts import CODE_FONT, FONT_FALLBACK, check_coverage
from armsledger.render.project import EDITION_METADATA, OUTPUT_DIR, SHORTCODE

# Page settings go through Pandoc's Typst template (its conf() sets the page itself).
TYPST_PAGE = {"papersize": "a4", "margin": {"x": "2cm", "y": "2.2cm"}, "fontsize": "10pt",
              "page-numbering": "1", "toc-depth": 2}
# Typst rules both renderers' PDFs share: Quarto's assets/report.typ carries them word for word (a test
# checks). Pandoc's Typst writer gives figures the kinds `table` and `image`, Quarto's `quarto-float-tbl`
# and `quarto-float-fig`: each rule names both.
TYPST_RULES = """
// Tables break across pages (Typst repeats their head row); figures never do, so an image keeps its caption.
#show figure.where(kind: table): set block(breakable: true)
#show figure.where(kind: "quarto-float-tbl"): set block(breakable: true)
// A table's caption, above it, stays on the page of the table's head row and first rows.
#show figure.caption.where(position: top): set block(sticky: true)
// A figure floats to the top or bottom of a page with its caption, and the text flows on past it,
// instead of the rest of a page staying empty when the figure does not fit below the text.
#show figure.where(kind: image): set figure(placement: auto)
#show figure.where(kind: "quarto-float-fig"): set figure(placement: auto)
// The appendix's list of every record, condensed: 6.5-point type, close lines, narrow padding.
#show <tbl-records>: it => {
  show table: set text(size: 6.5pt)
  set table(inset: (x: 2pt, y: 1.5pt))
  show table.cell: set par(leading: 0.42em)
  it
}
"""
TYPST_HEADER = """
#set text(font: ({fonts}), lang: "en")
#show raw: set text(font: ("{code_font}", {fonts}))
#set par(justify: false)
#show table: set text(size: 7.5pt)
#show table.cell: set par(justify: false)
#set table(inset: 3.5pt, stroke: (x, y) => if y == 0 {{ (bottom: 0.6pt) }} else {{ (bottom: 0.2pt + luma(200)) }})
#show heading.where(level: 1): set text(size: 14pt)
#show heading.where(level: 2): set text(size: 12pt)
#show link: set text(fill: rgb("#1f5f8b"))
""" + TYPST_RULES.replace("{", "{{").replace("}", "}}")
# Lua filters of the built-in renderer (Quarto does the same itself).
FILTERS = Path(__file__).parent / "filters"


@dataclass
class Embedded:
    markdown: str
    kind: str


def _cell_options(source: str) -> dict:
    lines = [line[3:] for line in source.splitlines() if line.startswith("#| ")]
    return yaml.safe_load("\n".join(lines)) or {} if lines else {}


class EmbedResolver:
    """Turns `notebooks/NN-x.ipynb#label` into Markdown using the executed notebook's outputs."""

    def __init__(self, project: Path, out: Path, numbered: bool = True, target: str = "html"):
        self.project = project
        self.out = out
        # A figure cell's output may hold a <picture> (a raw HTML block in its text/markdown: a narrow
        # variant for phones, the alt text on its <img>) beside the wide PNG: the HTML page uses the
        # first, Typst the second (at the width it was laid out for, present.pngmeta).
        self.target = target
        # Typst numbers figures and tables itself; HTML from Pandoc does not, so captions get
        # "Figure N:" there, as Quarto would print them.
        self.numbered = numbered
        self.counters = {"fig": 0, "tbl": 0}
        self._books: dict[str, dict] = {}

    def _cell(self, notebook: str, label: str) -> tuple[dict, dict]:
        if notebook not in self._books:
            path = self.project / notebook
            if not path.exists():
                raise RenderError(f"embed: executed notebook {notebook} not found in {self.project}")
            self._books[notebook] = json.loads(path.read_text(encoding="utf-8"))
        for cell in self._books[notebook]["cells"]:
            if cell["cell_type"] != "code":
                continue
            source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
            options = _cell_options(source)
            if options.get("label") == label:
                return cell, options
        raise RenderError(f"embed: no cell labelled {label!r} in {notebook}")

    def _caption(self, word: str, number: int, text: str) -> str:
        return f"{word} {number}: {text}".strip() if self.numbered else str(text).strip()

    def resolve(self, target: str) -> Embedded:
        notebook, _, label = target.partition("#")
        cell, options = self._cell(notebook, label)
        kind = label.split("-", 1)[0]
        outputs = cell.get("outputs", [])
        if kind == "fig":
            bundle = next((o["data"] for o in outputs if "image/png" in o.get("data", {})), None)
            if bundle is None:
                raise RenderError(f"embed: cell {label!r} in {notebook} has no PNG output")
            data = bundle["image/png"]
            figures = self.out / "figures"
            figures.mkdir(parents=True, exist_ok=True)
            png = base64.b64decode(data if isinstance(data, str) else "".join(data))
            (figures / f"{label}.png").write_bytes(png)
            self.counters["fig"] += 1
            caption = self._caption("Figure", self.counters["fig"], options.get("fig-cap", ""))
            picture = _raw_block(bundle.get("text/markdown"), "html")
            alt = _picture_alt(picture) if picture else None
            alt = str(alt if alt is not None else options.get("fig-alt", options.get("fig-cap", "")))
            if picture and self.target == "html":
                # The <picture> as raw HTML in a <figure>, the caption as Markdown (its links) in between.
                return Embedded(f'```{{=html}}\n<figure id="{label}" class="chart">\n{picture}\n<figcaption>\n```\n\n'
                                f'{caption}\n\n```{{=html}}\n</figcaption>\n</figure>\n```', kind)
            width = _png_width(png)
            alt = alt.replace('"', "'")
            return Embedded(f'![{caption}](figures/{label}.png){{#{label} alt="{alt}" width={width}}}', kind)
        if kind == "tbl":
            markdown = next((o["data"]["text/markdown"] for o in outputs if "text/markdown" in o.get("data", {})), None)
            if markdown is None:
                raise RenderError(f"embed: cell {label!r} in {notebook} has no Markdown output")
            markdown = markdown if isinstance(markdown, str) else "".join(markdown)
            self.counters["tbl"] += 1
            caption = self._caption("Table", self.counters["tbl"], options.get("tbl-cap", ""))
            if not markdown.lstrip().startswith("|"):
                return Embedded(f"{markdown}\n\n*{caption}*", kind)
            return Embedded(f"{markdown.strip()}\n\n: {caption} {{#{label}}}", kind)
        raise RenderError(f"embed: label {label!r} must start with fig- or tbl-")


def _raw_block(markdown, fmt: str) -> str | None:
    """The content of the first ```{=fmt} raw block of a figure's Markdown output (present.figures)."""
    if not markdown:
        return None
    text = "".join(markdown) if isinstance(markdown, list) else markdown
    match = re.search(r"```\{=" + re.escape(fmt) + r"\}\n(.*?)\n```", text, re.S)
    return match.group(1) if match else None


def _picture_alt(picture: str) -> str | None:
    """The alt text of the <img> in a figure's <picture>."""
    match = re.search(r'<img\b[^>]*\balt="([^"]*)"', picture)
    return html.unescape(match.group(1)) if match else None


def _png_width(png: bytes) -> str:
    """The width a chart is drawn for (its PNG metadata, chartkit.META_WIDTH_IN), so that the PDF prints
    its text at the size it was set in; 100% for a PNG that does not say."""
    from armsledger.present.pngmeta import META_WIDTH_IN, png_text

    width = png_text(png).get(META_WIDTH_IN)
    return f"{float(width):g}in" if width else "100%"


def substitute(text: str, variables: dict, resolver: EmbedResolver) -> str:
    """Replace var and embed shortcodes; an unknown variable is an error, not an empty string."""

    def lookup(key: str) -> str:
        value: object = variables
        for part in key.split("."):
            if not isinstance(value, dict) or part not in value:
                raise RenderError(f"var: no variable {key!r} in _variables.yml")
            value = value[part]
        return str(value)

    def replace(match: re.Match) -> str:
        kind, arg = match.group(1), match.group(2).strip()
        if kind == "var":
            return lookup(arg)
        if kind == "embed":
            return resolver.resolve(arg).markdown
        raise RenderError(f"shortcode {kind!r} is not supported by the built-in renderer")

    return SHORTCODE.sub(replace, text)


def _pandoc(args: list[str], source: Path, cwd: Path) -> str:
    pandoc = pypandoc.get_pandoc_path()
    env = dict(os.environ, LC_ALL="C.UTF-8")
    result = subprocess.run([pandoc, str(source), *args], cwd=cwd, capture_output=True, text=True, env=env,
                            check=False, **child_options())
    if result.returncode != 0:
        raise RenderError(f"pandoc {' '.join(args[:2])} failed:\n{result.stderr[-3000:]}")
    if result.stderr.strip():
        # citeproc reports missing citations as warnings; a report must not cite unknown sources.
        warnings = [w for w in result.stderr.splitlines() if "Citeproc: citation" in w]
        if warnings:
            raise RenderError("unknown citations:\n" + "\n".join(warnings))
    return result.stdout


def _date_metadata(project: Path) -> list[str]:
    """The build date from _edition.yml (see render.project.write_edition_metadata), printed as
    Quarto prints it with the report's date-format: "Built 2025-03-01"."""
    path = project / EDITION_METADATA
    if not path.exists():
        return []
    date = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("date")
    return ["--metadata", f"date=Built {date}"] if date else []


def _timestamp() -> int:
    return int(os.environ.get("SOURCE_DATE_EPOCH", "0"))


class PandocRenderer:
    name = "pandoc"

    def render(self, project: Path) -> Rendered:
        out = project / OUTPUT_DIR
        out.mkdir(parents=True, exist_ok=True)
        variables = yaml.safe_load((project / "_variables.yml").read_text(encoding="utf-8")) or {}
        report = (project / "index.qmd").read_text(encoding="utf-8")
        markdown = out / "index.md"
        markdown.write_text(substitute(report, variables, EmbedResolver(project, out)), encoding="utf-8")
        markdown_typst = out / "index-typst.md"
        typst_resolver = EmbedResolver(project, out, numbered=False, target="typst")
        markdown_typst.write_text(substitute(report, variables, typst_resolver), encoding="utf-8")
        bibliography = str(cited_bibliography([markdown, markdown_typst], project / "references.json",
                                              out / "references-cited.json").resolve())
        common = ["--from", "markdown", "--citeproc", "--bibliography", bibliography, "--standalone",
                  "--metadata", "link-citations=true", "--metadata", "lang=en", *_date_metadata(project)]

        html = out / "index.html"
        css = (project / "assets" / "report.css").resolve()
        # The bundled fonts as WOFF subsets (@font-face), inlined like Quarto's page: the same type on
        # every reader's machine. Optional, so that a bare project folder still renders.
        fonts_css = (project / "assets" / "fonts.css").resolve()
        stylesheets = [*(["--css", str(fonts_css)] if fonts_css.exists() else []), "--css", str(css)]
        # The page's description for link previews and search (Open Graph, JSON-LD): pipeline.findable.
        head = project / "_meta.html"
        stylesheets += ["--include-in-header", str(head.resolve())] if head.exists() else []
        # Tables on screen (scroll boxes, captions above them, cards on a phone): the filter Quarto
        # runs too. After --citeproc, so that it measures citations as printed.
        tables_lua = (project / "assets" / "tables.lua").resolve()
        html_filters = ["--lua-filter", str(tables_lua)] if tables_lua.exists() else []
        fonts = ", ".join(f'"{f.family}"' for f in FONT_FALLBACK)
        typ = out / "index.typ"
        header = out / "typst-header.typ"
        header.write_text(TYPST_HEADER.format(fonts=fonts, code_font=CODE_FONT.family), encoding="utf-8")
        page = out / "typst-page.yml"
        page.write_text(yaml.safe_dump(TYPST_PAGE), encoding="utf-8")
        runs = [
            ([*common, "--to", "html5", "--embed-resources", "--toc", "--toc-depth=2", "--section-divs",
              "--metadata", "toc-title=Contents", *stylesheets, *html_filters, "--output", str(html)], markdown),
            ([*common, "--to", "typst", "--toc", "--metadata-file", str(page),
              "--include-in-header", str(header), "--lua-filter", str(FILTERS / "figure-alt.lua"),
              "--output", str(typ)], markdown_typst),
            ([*common, "--to", "plain", "--wrap=none"], markdown),
        ]
        # Three independent Pandoc runs, each parsing the whole report and resolving every citation:
        # side by side, a large ledger renders in about half the time. Typst comes after them, not
        # beside them, which keeps the peak memory of a 30,000-record report near 1.3 GB, not 1.6.
        with ThreadPoolExecutor(max_workers=len(runs)) as pool:
            futures = [pool.submit(_pandoc, args, source, out) for args, source in runs]
        plain = [future.result() for future in futures][-1]
        missing = check_coverage(plain, project / "assets" / "fonts")
        if missing:
            raise RenderError("the PDF fonts have no glyph for: " + ", ".join(missing)
                              + " (Typst would draw empty boxes); add a font that covers them")

        pdf = out / "index.pdf"
        _typst(typ, pdf, project)
        return Rendered(html=html, pdf=pdf)


_CITED = re.compile(r"@([\w][\w:.#$%&+?<>~/-]*)")


def cited_bibliography(documents: list[Path], references: Path, target: Path) -> Path:
    """`references` (CSL JSON) cut to the entries `documents` cite, written to `target`. Citeproc
    reads the whole bibliography for every run: a large ledger's 60,000 sources cost Pandoc minutes
    and gigabytes though the printed tables (capped) cite a few thousand. The report has no `nocite`,
    so the printed bibliography is the same. A key that merely looks cited (an e-mail address) only
    keeps one entry too many."""
    keys: set[str] = set()
    for document in documents:
        for key in _CITED.findall(document.read_text(encoding="utf-8")):
            keys.update((key, key.rstrip(":.#$%&+?<>~/-")))  # "[@a-2024]." ends the key before the dot
    entries = json.loads(references.read_text(encoding="utf-8"))
    target.write_text(json.dumps([e for e in entries if e.get("id") in keys], ensure_ascii=False),
                      encoding="utf-8")
    return target


# Typst keeps its layout caches until the process ends: gigabytes for a long report, which a build of
# several editions would otherwise accumulate. So each PDF is compiled in a process of its own.
_TYPST = """
import sys, typst
typ, pdf, root, fonts, timestamp = sys.argv[1:]
try:
    typst.compile(typ, output=pdf, root=root, font_paths=[fonts], ignore_system_fonts=True, timestamp=int(timestamp))
except Exception as exc:  # typst raises its own error type carrying the diagnostics
    sys.exit(str(exc))
"""


def _typst(typ: Path, pdf: Path, project: Path) -> None:
    result = subprocess.run([sys.executable, "-c", _TYPST, str(typ), str(pdf), str(project),
                             str(project / "assets" / "fonts"), str(_timestamp())],
                            capture_output=True, text=True, check=False, **child_options())
    if result.returncode != 0:
        raise RenderError(f"typst failed: {result.stderr.strip()[-3000:]}")
