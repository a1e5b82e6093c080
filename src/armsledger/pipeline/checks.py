"""Checks on a published edition as a reader gets it: the PDF (pypdf) and the HTML in Chromium."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from armsledger.render.fonts import ALL_FONTS

# Debian's Chromium by default; ARMSLEDGER_CHROMIUM names another build (the GitHub runner's Chrome).
CHROMIUM = Path(os.environ.get("ARMSLEDGER_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
PHONE_WIDTH = 390
LAPTOP_WIDTH = 1366
# No chart text may be displayed smaller than this many CSS pixels, on a laptop or on a phone.
MIN_CHART_TEXT_PX = 9.0
# On a phone, a chart served by a <picture> with a narrow variant is always checked; a bare <img> (a
# figure cell that has no phone variant yet) only when this is True. Set it to True once every figure
# cell shows a present.figures.Chart: a wide-only chart reads at about 6.8 px on a 390 px phone.
PHONE_CHECKS_BARE_IMAGES = True


def expected_figures(report_source: Path) -> int:
    """How many figures the report embeds (fig- labels in index.qmd)."""
    return len(re.findall(r"\{\{< embed \S+#fig-", report_source.read_text(encoding="utf-8")))


@dataclass
class Captioned:
    """A figure or table in a tagged PDF: where its caption is and where it begins."""

    kind: str  # "Figure" or "Table"
    number: int
    caption_pages: list[int]  # 1-based
    body_page: int | None  # the figure's page; the page of a table's head row and first row (None if apart)
    alt: str = ""


def _structure(reader) -> list:
    """The PDF's structure tree as nested [tag, own content pages, children, attributes] lists, or []
    if the PDF is not tagged. Typst tags every PDF: a figure is a Figure element beside (Pandoc) or
    inside (Quarto) its Caption, a table a Table with its Caption, THead and TBody."""
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    root = reader.trailer["/Root"]
    if "/StructTreeRoot" not in root:
        return []
    pages = {page.indirect_reference.idnum: number for number, page in enumerate(reader.pages, start=1)}

    def page_of(node) -> int | None:
        ref = node.get("/Pg")
        return pages.get(ref.idnum) if isinstance(ref, IndirectObject) else None

    def visit(node, inherited: int | None):
        node = node.get_object() if isinstance(node, IndirectObject) else node
        if not isinstance(node, DictionaryObject):
            return None
        own = page_of(node) or inherited
        kids = node.get("/K")
        kids = kids.get_object() if isinstance(kids, IndirectObject) else kids
        kids = list(kids) if isinstance(kids, ArrayObject) else ([] if kids is None else [kids])
        content, children = set(), []
        for kid in kids:
            resolved = kid.get_object() if isinstance(kid, IndirectObject) else kid
            if isinstance(resolved, int):  # marked content on this element's page
                if own:
                    content.add(own)
            elif isinstance(resolved, DictionaryObject) and "/S" not in resolved:  # MCR or OBJR
                page = page_of(resolved) or own
                if page:
                    content.add(page)
            else:
                child = visit(resolved, own)
                if child is not None:
                    children.append(child)
        tag = str(node.get("/S", ""))
        return [tag, content, children, {"alt": str(node.get("/Alt", ""))}]

    tree = visit(root["/StructTreeRoot"], None)
    return [tree] if tree else []


def _pages(node, skip: str = "") -> set[int]:
    tag, content, children, _ = node
    found = set(content)
    for child in children:
        if child[0] != skip:
            found |= _pages(child, skip)
    return found


def _find(node, tag: str) -> list:
    found = [node] if node[0] == tag else []
    for child in node[2]:
        found += _find(child, tag)
    return found


def captioned(pdf: Path) -> list[Captioned]:
    """Every captioned figure and table of a tagged PDF, in document order."""
    from pypdf import PdfReader

    items: list[Captioned] = []
    counts = {"Figure": 0, "Table": 0}

    def walk(node) -> None:
        tag, _, children, _ = node
        caption = next((c for c in children if c[0] == "/Caption"), None)
        if caption is not None:
            # Typst tags a table figure as a Table holding its Caption, or as a Div holding the Caption
            # and the Table; an image figure as a Div holding a Caption and a Figure (Quarto: the
            # Figure inside the Caption).
            tables = _find(node, "/Table")
            figures = _find(node, "/Figure")
            if tables:
                # the page of the head row and of the first body row, if they share one
                starts = {min(_pages(rows[0]), default=None) for part in ("/THead", "/TBody")
                          for section in _find(tables[0], part)[:1] if (rows := _find(section, "/TR"))}
                first = starts.pop() if len(starts) == 1 else None
                counts["Table"] += 1
                items.append(Captioned("Table", counts["Table"], sorted(_pages(caption)), first))
                return
            if figures:
                counts["Figure"] += 1
                items.append(Captioned("Figure", counts["Figure"], sorted(_pages(caption, skip="/Figure")),
                                       min(_pages(figures[0]), default=None), figures[0][3]["alt"]))
                return
        for child in children:
            walk(child)

    for tree in _structure(PdfReader(pdf)):
        walk(tree)
    return items


def caption_problems(pdf: Path, figures: int) -> list[str]:
    """Each caption on the page where its figure, or its table's head row and first rows, is; every
    figure with alt text. Read from the PDF's structure tree, which Typst writes for both renderers."""
    items = captioned(pdf)
    if not items:
        return [f"{pdf}: the PDF has no tagged figures or tables, so captions and alt text cannot be checked"]
    problems = []
    for item in items:
        where = "the figure" if item.kind == "Figure" else "its head row and first rows"
        shown = ", ".join(map(str, item.caption_pages)) or "no page"
        if item.body_page is None:
            problems.append(f"{pdf}: {item.kind} {item.number}: the caption is on page {shown}, "
                            f"{where} on different pages")
        elif item.caption_pages != [item.body_page]:
            problems.append(f"{pdf}: {item.kind} {item.number}: the caption is on page {shown}, "
                            f"{where} on page {item.body_page}")
    drawn = [item for item in items if item.kind == "Figure"]
    if len(drawn) < figures:
        problems.append(f"{pdf}: {len(drawn)} captioned figure(s) tagged, the report embeds {figures}")
    problems += [f"{pdf}: Figure {item.number} has no alt text" for item in drawn if not item.alt.strip()]
    return problems


def pdf_problems(pdf: Path, figures: int) -> list[str]:
    """A4 pages, every figure drawn, only the bundled (coverage-checked) fonts, no replacement glyphs,
    captions on the page of their figure or table, alt text on every figure."""
    from pypdf import PdfReader

    reader = PdfReader(pdf)
    problems = []
    if len(reader.pages) < 2:
        problems.append(f"{pdf}: only {len(reader.pages)} page(s)")
    width, height = float(reader.pages[0].mediabox.width), float(reader.pages[0].mediabox.height)
    if abs(width - 595.3) > 1 or abs(height - 841.9) > 1:
        problems.append(f"{pdf}: page size {width:.0f}×{height:.0f} pt is not A4")
    images = sum(len(page.images) for page in reader.pages)
    if images < figures:
        problems.append(f"{pdf}: {images} image(s), the report embeds {figures} figure(s)")
    allowed = {f.file.removesuffix(".ttf") for f in ALL_FONTS}
    allowed |= {name.replace("-Regular", "") + suffix for name in list(allowed)
                for suffix in ("-Bold", "-Italic", "-BoldItalic")}
    used = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {}) or {}
        used |= {str(font.get_object()["/BaseFont"]).split("+")[-1] for font in fonts.values()}
    foreign = sorted(used - allowed)
    if foreign:
        problems.append(f"{pdf}: fonts outside the checked set: {', '.join(foreign)}")
    text = "".join(page.extract_text() or "" for page in reader.pages)
    if "\ufffd" in text:
        problems.append(f"{pdf}: text contains U+FFFD replacement characters")
    return problems + caption_problems(pdf, figures)


# Run in the page at phone width: every element that sticks out of the viewport or holds content wider
# than itself, except a table's scroll box (assets/tables.lua) and what is inside it; tables outside
# such a box; captions inside one (they would scroll away with the table) or cut off by the screen's edge.
_OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const name = el => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + Array.from(el.classList).map(c => '.' + c).join('');
  const overflowing = [];
  let flagged = null;  // named once: not every element inside it again
  for (const el of document.body.querySelectorAll('*')) {
    if (el.closest('.table-scroll') || (flagged && flagged.contains(el))) continue;
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.left < -1 || box.right > width + 1) {
      overflowing.push(`${name(el)} spans ${Math.round(box.left)} to ${Math.round(box.right)} px`);
      flagged = el;
    } else if (style.display !== 'inline' && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1) {
      overflowing.push(`${name(el)} holds ${el.scrollWidth} px of content in ${el.clientWidth} px`);
      flagged = el;
    }
  }
  const loose = Array.from(document.querySelectorAll('table')).filter(t => !t.closest('.table-scroll')).length;
  const captions = Array.from(document.querySelectorAll('caption, figcaption')).filter(c => {
    const box = c.getBoundingClientRect();
    return c.closest('.table-scroll') || box.left < -1 || box.right > width + 1;
  }).map(c => c.textContent.trim().slice(0, 40));
  return {overflowing, loose, captions};
}"""


def phone_problems(page, html: Path, width: int = PHONE_WIDTH) -> list[str]:
    """On a phone only a table's own scroll box may scroll sideways; every caption stays in view."""
    found = page.evaluate(_OVERFLOW)
    problems = [f"{html} ({width}px): {what}: only a table's scroll box may be wider than the screen"
                for what in found["overflowing"][:10]]
    if len(found["overflowing"]) > 10:
        problems.append(f"{html} ({width}px): and {len(found['overflowing']) - 10} more elements wider than the screen")
    if found["loose"]:
        problems.append(f"{html}: {found['loose']} table(s) outside a scroll box (assets/tables.lua did not run)")
    problems += [f"{html} ({width}px): caption {text!r}… scrolls with its table or runs off the screen"
                 for text in found["captions"]]
    return problems


def chart_text_problems(html: Path, images: list[tuple[int, str, float]], width: int) -> list[str]:
    """Charts whose smallest text is displayed under MIN_CHART_TEXT_PX CSS pixels: `images` holds each
    <img>'s number on the page, current source (the variant the browser chose) and displayed width. The PNG says its
    smallest font size and the width it was laid out for (present.pngmeta); text px = displayed width
    ÷ natural width × the font's natural px. A PNG that does not say is a problem too."""
    import base64

    from armsledger.present.pngmeta import rendered_px

    problems = []
    for n, source, shown in images:
        if not source.startswith("data:image/png;base64,"):
            problems.append(f"{html} ({width}px): figure {n} is not an embedded PNG; its text size cannot be checked")
            continue
        px = rendered_px(base64.b64decode(source.split(",", 1)[1]), shown)
        if px is None:
            problems.append(f"{html} ({width}px): figure {n} does not say its smallest font size (PNG metadata)")
        elif px < MIN_CHART_TEXT_PX - 1e-6:
            problems.append(f"{html} ({width}px): figure {n}'s smallest text is {px:.1f}px on screen, "
                            f"under {MIN_CHART_TEXT_PX:g}px")
    return problems


def html_problems(html: Path, browser, figures: int, bare_images_on_phone: bool | None = None) -> list[str]:
    """Open in Chromium (a Playwright browser): no console or page errors, every figure loaded and
    described, chart text at least MIN_CHART_TEXT_PX on a laptop and on a phone; on a phone, nothing
    but a table's scroll box wider than the screen, captions in view."""
    if bare_images_on_phone is None:
        bare_images_on_phone = PHONE_CHECKS_BARE_IMAGES
    problems = []
    for width in (LAPTOP_WIDTH, PHONE_WIDTH):
        page = browser.new_page(viewport={"width": width, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
        page.goto(html.resolve().as_uri())
        page.wait_for_load_state("load")
        problems += [f"{html} ({width}px): console error: {e}" for e in errors]
        shown = page.evaluate("Array.from(document.images).filter(i => i.naturalWidth > 0).map(i => "
                              "[i.currentSrc || i.src, i.getBoundingClientRect().width, "
                              "!!(i.parentElement && i.parentElement.tagName === 'PICTURE' "
                              "&& i.parentElement.querySelector('source'))])")
        checked = [(n, source, shown_width) for n, (source, shown_width, has_variant) in enumerate(shown, start=1)
                   if width != PHONE_WIDTH or has_variant or bare_images_on_phone]
        problems += chart_text_problems(html, checked, width)
        if width == LAPTOP_WIDTH:
            images = page.evaluate("Array.from(document.images).map(i => [i.complete && i.naturalWidth > 0, i.alt])")
            if len(images) != figures:
                problems.append(f"{html}: {len(images)} image(s) shown, the report embeds {figures}")
            problems += [f"{html}: figure {n + 1} did not load" for n, (ok, _) in enumerate(images) if not ok]
            problems += [f"{html}: figure {n + 1} has no alt text" for n, (_, alt) in enumerate(images)
                         if not alt.strip()]
        else:
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                problems.append(f"{html}: the page scrolls sideways on a {width}px phone ({scroll}px wide)")
            problems += phone_problems(page, html, width)
        page.close()
    return problems


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)


def check_public(public: Path, report_source: Path) -> list[str]:
    """Every edition under `public`: its PDF and its HTML in the browser."""
    from playwright.sync_api import sync_playwright

    figures = expected_figures(report_source)
    from armsledger.pipeline.publish import published_editions

    editions = published_editions(public)  # earlier publications in public/archive/ were checked when published
    problems = [] if editions else [f"{public}: no published edition"]
    for edition in editions:
        problems += pdf_problems(edition / "report.pdf", figures)
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        for edition in editions:
            problems += html_problems(edition / "index.html", browser, figures)
        browser.close()
    return problems
