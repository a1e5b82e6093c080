"""Checks on a published edition as a reader gets it: the PDF (pypdf) and the HTML in Chromium."""

from __future__ import annotations

import os
import re
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
PHONE_CHECKS_BARE_IMAGES = False


def expected_figures(report_source: Path) -> int:
    """How many figures the report embeds (fig- labels in index.qmd)."""
    return len(re.findall(r"\{\{< embed \S+#fig-", report_source.read_text(encoding="utf-8")))


def pdf_problems(pdf: Path, figures: int) -> list[str]:
    """A4 pages, every figure drawn, only the bundled (coverage-checked) fonts, no replacement glyphs."""
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
    described, chart text at least MIN_CHART_TEXT_PX on a laptop and on a phone, no sideways scrolling
    of the page on a phone."""
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
