"""Publishing an edition: assemble it beside public/<edition>/, then swap it in by renaming, so a
failed or killed build never leaves a half-written publication; and the index of editions."""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from html import escape
from pathlib import Path

from armsledger.model.params import ParameterError, load_edition
from armsledger.model.schema import data_files
from armsledger.pipeline.config import BuildConfig
from armsledger.pipeline.notebooks import notebook_names

ZIP_EPOCH = (2025, 1, 1, 0, 0, 0)  # fixed timestamps: the same data give the same zip bytes
DATA_EXTRAS = ("README.md", "LICENSE.md")


def data_inputs(data_dir: Path) -> list[Path]:
    """Every file of the data folder that goes into the published data package."""
    return [*data_files(data_dir), *(p for p in (data_dir / name for name in DATA_EXTRAS) if p.exists())]


def data_package_zip(data_dir: Path, target: Path) -> None:
    """The edition's data folder (pipeline.edition_data) as one zip with fixed timestamps."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in data_inputs(data_dir):
            info = zipfile.ZipInfo(f"armsledger-data/{path.name}", date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())


def notebook_page(source: Path, target: Path) -> None:
    import nbformat
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="classic").from_notebook_node(nbformat.read(source, as_version=4))
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(body, encoding="utf-8")


def recover(public_dir: Path, edition: str) -> None:
    """Undo a publish interrupted between its two renames; drop abandoned temporary folders."""
    final, old = public_dir / edition, public_dir / f".{edition}.old"
    if not final.exists() and old.exists():
        os.rename(old, final)
    for stale in public_dir.glob(f".{edition}.tmp*"):
        shutil.rmtree(stale, ignore_errors=True)
    if final.exists() and old.exists():
        shutil.rmtree(old, ignore_errors=True)


def publish(cfg: BuildConfig, edition: str) -> Path:
    """Assemble the edition in a temporary folder beside the target, then swap it in by renaming."""
    source = cfg.build_dir / edition
    cfg.public_dir.mkdir(parents=True, exist_ok=True)
    recover(cfg.public_dir, edition)
    staging = Path(tempfile.mkdtemp(prefix=f".{edition}.tmp", dir=cfg.public_dir))
    shutil.copy2(source / "_output" / "index.html", staging / "index.html")
    shutil.copy2(source / "_output" / "index.pdf", staging / "report.pdf")
    (staging / "notebooks").mkdir()
    for name in notebook_names(cfg.notebooks_dir):
        shutil.copy2(source / "notebooks" / f"{name}.ipynb", staging / "notebooks" / f"{name}.ipynb")
        shutil.copy2(source / "pages" / f"{name}.html", staging / "notebooks" / f"{name}.html")
    for extra in ("summary.json", "_variables.yml", "references.json"):
        shutil.copy2(source / extra, staging / extra)
    (staging / "data").mkdir()
    data_package_zip(source / "data", staging / "data" / "armsledger-data.zip")
    final, old = cfg.public_dir / edition, cfg.public_dir / f".{edition}.old"
    if final.exists():
        os.rename(final, old)
    os.rename(staging, final)
    shutil.rmtree(old, ignore_errors=True)
    return final


def write_index(cfg: BuildConfig) -> Path:
    """public/index.html: one link per published edition."""
    items = []
    for name in sorted(p.name for p in cfg.public_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            edition = load_edition(name, cfg.editions_dir)
            title, description = edition.title, edition.description
        except ParameterError:
            title, description = name, ""
        items.append(f'<li><a href="{escape(name)}/index.html">{escape(title)}</a> '
                     f'(<a href="{escape(name)}/report.pdf">PDF</a>, '
                     f'<a href="{escape(name)}/data/armsledger-data.zip">data</a>)<br>{escape(description)}</li>')
    page = ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<title>armsledger editions</title></head><body style=\"font-family:system-ui,sans-serif;"
            "max-width:44rem;margin:2rem auto;padding:0 1rem;line-height:1.5\">"
            "<h1>armsledger: Serbia–Israel arms and surveillance-technology trade</h1><ul>"
            + "\n".join(items) + "</ul></body></html>\n")
    target = cfg.public_dir / "index.html"
    target.write_text(page, encoding="utf-8")
    return target
