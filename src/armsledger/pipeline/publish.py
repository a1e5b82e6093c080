"""Publishing an edition: assemble it beside public/<edition>/, then swap it in by renaming, so a
failed or killed build never leaves a half-written publication; the publication it replaces goes to
public/archive/<build date>/<edition>/ when it said something else; and the index of editions
(index.html for readers, editions.json for machines)."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from html import escape
from pathlib import Path

from armsledger.model.params import ParameterError, load_edition
from armsledger.model.schema import data_files
from armsledger.pipeline.config import BuildConfig
from armsledger.pipeline.downloads import PUBLISHED_DIR, TABLES_DIR
from armsledger.pipeline.notebooks import notebook_names

DATA_EXTRAS = ("README.md", "LICENSE.md")
# What a publication holds beside the report, from build/<edition>/: the data package (unzipped under
# data/, and zipped), the SQLite database with its Datasette metadata, the FollowTheMoney export, and
# what changed since the previous publication.
BUILD_FILES = ("summary.json", "_variables.yml", "references.json", "changes.json", "armsledger.db",
               "metadata.json", "ftm.jsonl")
ZIP_NAME = "armsledger-data.zip"
INDEX_JSON = "editions.json"


def data_package_zip(data_dir: Path, target: Path) -> Path:
    """A data package folder as one zip, datapackage.json at its root, with fixed timestamps."""
    from armsledger.pipeline.package import zip_package

    return zip_package(data_dir, target)


def data_inputs(data_dir: Path) -> list[Path]:
    """Every file of the data folder that goes into the published data package."""
    return [*data_files(data_dir), *(p for p in (data_dir / name for name in DATA_EXTRAS) if p.exists())]


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
        retire(public_dir, edition, old, final)


def retire(public_dir: Path, edition: str, old: Path, new: Path) -> Path | None:
    """The publication `new` replaced: moved to public/archive/<its build date>/<edition>/ when it
    says something else than the new one (other data or other numbers), else deleted. Returns where
    it was archived."""
    from armsledger.pipeline.changes import archive_folder, read_publication

    if not old.exists():
        return None
    before, after = read_publication(old), read_publication(new)
    if before is None or (after is not None and before.fingerprint() == after.fingerprint()):
        shutil.rmtree(old, ignore_errors=True)
        return None
    target = archive_folder(public_dir, before.build_date, edition)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.rename(old, target)
    return target


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
    for extra in BUILD_FILES:
        shutil.copy2(source / extra, staging / extra)
    shutil.copytree(source / "package", staging / "data")
    shutil.copy2(source / ZIP_NAME, staging / "data" / ZIP_NAME)
    shutil.copytree(source / TABLES_DIR, staging / "data" / PUBLISHED_DIR)
    final, old = cfg.public_dir / edition, cfg.public_dir / f".{edition}.old"
    if final.exists():
        os.rename(final, old)
    os.rename(staging, final)
    retire(cfg.public_dir, edition, old, final)
    return final


# The files of a publication, as editions.json links them (relative to public/).
PUBLISHED_FILES = {
    "html": "index.html", "pdf": "report.pdf", "data_package": "data/datapackage.json", "data_zip": f"data/{ZIP_NAME}",
    "sqlite": "armsledger.db", "datasette_metadata": "metadata.json", "ftm": "ftm.jsonl", "changes": "changes.json",
    "summary": "summary.json", "references": "references.json",
    "tables_workbook": f"data/{PUBLISHED_DIR}/armsledger-tables.xlsx",
    "records_csv": f"data/{PUBLISHED_DIR}/records.csv",
}


def published_editions(public_dir: Path) -> list[Path]:
    """The edition folders of public/ (not the archive, not a publish in progress)."""
    from armsledger.pipeline.changes import ARCHIVE_DIR

    if not public_dir.is_dir():
        return []
    return sorted(p for p in public_dir.iterdir()
                  if p.is_dir() and not p.name.startswith(".") and p.name != ARCHIVE_DIR)


def _about(folder: Path, name: str, editions_dir: Path) -> dict:
    """An edition's entry in editions.json, from its summary.json (and its edition file)."""
    summary = {}
    if (folder / "summary.json").exists():
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    block = summary.get("edition") if isinstance(summary.get("edition"), dict) else {}
    try:
        edition = load_edition(name, editions_dir)
        title, description = edition.title, edition.description
    except ParameterError:
        title, description = name, ""
    return {"name": name, "title": block.get("title", title), "description": block.get("description", description),
            "parameters": block.get("parameters", {}), "data_version": block.get("data_version", ""),
            "build_date": block.get("build_date", "")}


def _links(prefix: str, folder: Path) -> dict[str, str]:
    return {key: f"{prefix}/{path}" for key, path in PUBLISHED_FILES.items() if (folder / path).exists()}


def write_index(cfg: BuildConfig) -> Path:
    """public/index.html: a link per published edition and per earlier publication kept in the
    archive; public/editions.json: the same for machines, with each edition's parameters."""
    from armsledger.pipeline.changes import ARCHIVE_DIR, archived, long_date
    from armsledger.pipeline.project import load as load_project

    project = load_project(cfg.citation)
    editions, archive, items, earlier = [], [], [], []
    for folder in published_editions(cfg.public_dir):
        about = {**_about(folder, folder.name, cfg.editions_dir), "files": _links(folder.name, folder)}
        editions.append(about)
        name, files = escape(folder.name), about["files"]
        # Every publication has its PDF and data package; the other downloads are linked where present.
        always = {"pdf": f"{folder.name}/{PUBLISHED_FILES['pdf']}", "data_zip": f"{folder.name}/data/{ZIP_NAME}"}
        extras = [f'<a href="{escape({**files, **always}[key])}">{label}</a>' for key, label in (
            ("pdf", "PDF"), ("data_zip", "data"), ("sqlite", "SQLite"), ("ftm", "FollowTheMoney"),
            ("changes", "what changed")) if key in files or key in always]
        built = (f" Built {escape(long_date(about['build_date']))}, data version "
                 f"<code>{escape(about['data_version'][:12])}</code>." if about["build_date"] else "")
        items.append(f'<li><a href="{name}/index.html">{escape(about["title"])}</a> ({", ".join(extras)})<br>'
                     f'{escape(about["description"])}{built}</li>')
        for old in archived(cfg.public_dir, folder.name):
            entry = {**_about(old, folder.name, cfg.editions_dir),
                     "path": old.relative_to(cfg.public_dir).as_posix(),
                     "files": _links(old.relative_to(cfg.public_dir).as_posix(), old)}
            archive.append(entry)
            earlier.append((entry["build_date"], entry["path"],
                            f'<li><a href="{escape(entry["path"])}/index.html">{escape(entry["title"])}</a>, '
                            f'as published {escape(long_date(entry["build_date"]))} '
                            f'(<a href="{escape(entry["path"])}/data/{ZIP_NAME}">data</a>)</li>'))
    earlier_html = ""
    if earlier:
        earlier_html = ("<h2>Earlier publications</h2><p>Each edition as it was published before its data or "
                        "numbers changed.</p><ul>" + "\n".join(i for *_, i in sorted(earlier, reverse=True))
                        + "</ul>")
    page = ("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
            "<title>armsledger editions</title></head><body style=\"font-family:system-ui,sans-serif;"
            "max-width:44rem;margin:2rem auto;padding:0 1rem;line-height:1.5\">"
            "<h1>armsledger: Serbia–Israel arms and surveillance-technology trade</h1><ul>"
            + "\n".join(items) + "</ul>" + earlier_html
            + f'<p><a href="{INDEX_JSON}">editions.json</a> lists every edition for machines.</p>'
            + "</body></html>\n")
    target = cfg.public_dir / "index.html"
    target.write_text(page, encoding="utf-8")
    listing = {"project": {"title": project.title, "repository": project.repository,
                           "authors": list(project.authors)},
               "editions": editions, ARCHIVE_DIR: sorted(archive, key=lambda e: (e["build_date"], e["path"]))}
    (cfg.public_dir / INDEX_JSON).write_text(json.dumps(listing, indent=2, ensure_ascii=False) + "\n",
                                             encoding="utf-8")
    return target
