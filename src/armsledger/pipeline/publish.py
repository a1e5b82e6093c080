"""Publishing an edition in one atomic step: it is assembled beside public/<edition>/, checked against
the build's sealed outputs, made world-readable, and swapped in by one atomic exchange of the two
folders (Linux renameat2 RENAME_EXCHANGE), so that at every instant public/<edition>/ is the whole
previous publication or the whole new one, and never missing; a journal lets the next build finish or
undo a publish that was killed. The publication it replaces goes to public/archive/<build date>/
<edition>/ when it said something else. And the index of editions (index.html for readers,
editions.json for machines), each written whole."""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import re
import shutil
import stat
import time
from html import escape
from pathlib import Path

from armsledger.model.params import ParameterError, load_edition
from armsledger.model.schema import data_files
from armsledger.pipeline import seal
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


# The parameters papermill injected name the build machine's folders; a reader's copy names them as a
# checkout has them.
_LOCAL_PARAMETER = re.compile(r'^(data_dir|out_dir) = ".*"$', re.M)
PAGE_STYLE = """body{font-family:"DejaVu Sans",system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;
line-height:1.45;color:#222}pre{background:#f6f6f4;padding:.6rem;overflow-x:auto;font-size:.85rem}
img{max-width:100%;height:auto}table{border-collapse:collapse;font-size:.8rem;display:block;overflow-x:auto}
th,td{border-bottom:1px solid #ddd;padding:.2rem .4rem;text-align:left;vertical-align:top}
.jp-InputPrompt,.jp-OutputPrompt,.prompt{display:none}"""


def clean_notebook(source: Path, edition: str):
    """The executed notebook as readers get it: without papermill's run metadata (times, the build
    machine's paths) and with the injected folders named as in a checkout."""
    import nbformat

    book = nbformat.read(source, as_version=4)
    book.metadata.pop("papermill", None)
    relative = {"data_dir": "data", "out_dir": f"build/{edition}"}

    def local(match: re.Match) -> str:
        return f'{match.group(1)} = "{relative[match.group(1)]}"'

    for cell in book.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if "injected-parameters" in cell.metadata.get("tags", []):
            cell.source = _LOCAL_PARAMETER.sub(local, cell.source)
            cell.id = "injected-parameters"  # papermill draws a random id for the cell it adds
    return book


def notebook_page(source: Path, target: Path, clean_copy: Path, edition: str) -> None:
    """The executed notebook, cleaned, as .ipynb and as a self-contained HTML page: no script, no
    stylesheet or font from elsewhere (figures are inline), so it works offline and tells no one
    who reads it."""
    import nbformat
    from nbconvert import HTMLExporter

    book = clean_notebook(source, edition)
    clean_copy.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(book, str(clean_copy))
    body, _ = HTMLExporter(template_name="basic").from_notebook_node(book)
    title = escape(source.stem)
    page = (f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><title>{title}</title>'
            f"<style>{PAGE_STYLE}</style></head><body>\n{body}\n</body></html>\n")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(page, encoding="utf-8")


# Beside public/<edition>/ while it is published (dot names: never listed, linked or checked as an edition).
def _staging(public_dir: Path, edition: str) -> Path:
    return public_dir / f".{edition}.staging"


def _journal(public_dir: Path, edition: str) -> Path:
    return public_dir / f".{edition}.journal"


def _legacy(public_dir: Path, edition: str) -> Path:
    """Where the two-rename publish (and the fallback below) keeps the previous publication meanwhile."""
    return public_dir / f".{edition}.old"


def tree_digest(folder: Path) -> str | None:
    """SHA-256 over a folder's files (relative paths and contents, in sorted order); None if it is absent."""
    folder = Path(folder)
    if not folder.is_dir():
        return None
    hasher = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        hasher.update(path.relative_to(folder).as_posix().encode() + b"\0")
        hasher.update((seal.file_hash(path) or "").encode() + b"\n")
    return hasher.hexdigest()


def world_readable(folder: Path) -> None:
    """Folders 0755, files 0644, whatever the umask or tempfile made them: a web server reads them all."""
    folder = Path(folder)
    os.chmod(folder, 0o755)
    for root, dirs, files in os.walk(folder):
        for name in dirs:
            os.chmod(os.path.join(root, name), 0o755)
        for name in files:
            os.chmod(os.path.join(root, name), 0o644)


def _readable_dir(folder: Path) -> None:
    """A folder of public/ the build creates or uses: readable and searchable by everyone."""
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & 0o755 != 0o755:
        os.chmod(folder, mode | 0o755)


_RENAME_EXCHANGE = 2


def exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one atomic step (Linux renameat2 with RENAME_EXCHANGE). False where the system
    or the file system cannot; raises on any other error."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # not Linux, or a C library without it (glibc < 2.28)
        return False
    at_fdcwd = -100
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    error = ctypes.get_errno()
    if error in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(error, os.strerror(error), str(a), None, str(b))


def _write_whole(path: Path, text: str) -> None:
    """Write a file so that a kill leaves the old one or the new one, never half of it (mode 0644)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        temporary.write_text(text, encoding="utf-8")
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()


def _discard(public_dir: Path, edition: str, folder: Path) -> None:
    """Delete a folder by renaming it out of the way first (atomic), so that a kill mid-delete leaves
    only trash, which the next publish removes, and never half a publication under a name that counts."""
    trash = public_dir / f".{edition}.trash"
    shutil.rmtree(trash, ignore_errors=True)
    if folder.exists():
        os.rename(folder, trash)
    shutil.rmtree(trash, ignore_errors=True)


# What a publish leaves beside public/<edition>/ while it runs (checks.publication_problems reports them).
LEFTOVER = re.compile(r"^\.(.+)\.(staging|journal|old|trash|tmp.*)$")


def interrupted(public_dir: Path) -> list[str]:
    """The editions whose publish was cut short, whichever build was publishing them: a build of
    one edition finishes or undoes the others' too, so that its index never leaves one out."""
    if not public_dir.is_dir():
        return []
    return sorted({m.group(1) for p in public_dir.iterdir() if (m := LEFTOVER.match(p.name))})


def recover(public_dir: Path, edition: str) -> None:
    """Finish or undo a publish of `edition` that was killed: its journal names the digest of the new
    publication; if public/<edition>/ has it, the swap happened and the folder left beside it is the
    previous publication (retired as usual); else whatever was staged is dropped. Also drops trash and
    abandoned staging folders, and finishes a publish by two renames (earlier versions, the fallback)."""
    final, staging, old, journal = (public_dir / edition, _staging(public_dir, edition),
                                    _legacy(public_dir, edition), _journal(public_dir, edition))
    shutil.rmtree(public_dir / f".{edition}.trash", ignore_errors=True)
    for abandoned in public_dir.glob(f".{edition}.tmp*"):  # earlier versions' staging folders
        shutil.rmtree(abandoned, ignore_errors=True)
    try:
        new = json.loads(journal.read_text(encoding="utf-8"))["digest"]
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        new = None  # no publish was past its staging; a journal cut short was written before any swap
    if not final.exists():  # killed between two renames: the new copy if it is whole, else the old one
        if new is not None and tree_digest(staging) == new:
            os.rename(staging, final)
        elif old.exists():
            os.rename(old, final)
    if new is not None and tree_digest(final) == new:
        previous = old if old.exists() else staging
        if previous.exists():
            retire(public_dir, edition, previous, final)
    else:
        _discard(public_dir, edition, staging)
        if old.exists() and final.exists():  # a finished two-rename publish left its old copy
            retire(public_dir, edition, old, final)
    with contextlib.suppress(FileNotFoundError):
        journal.unlink()


def retire(public_dir: Path, edition: str, old: Path, new: Path) -> Path | None:
    """The publication `new` replaced: moved to public/archive/<its build date>/<edition>/ when it
    says something else than the new one (other data or other numbers), else deleted. Returns where
    it was archived. Either is one rename, so a kill never leaves half of it under an archive name."""
    from armsledger.pipeline.changes import archive_folder, read_publication

    if not old.exists():
        return None
    try:
        before, after = read_publication(old), read_publication(new)
    except (OSError, ValueError, KeyError):  # not a readable publication: nothing to archive
        before = after = None
    if before is None or (after is not None and before.fingerprint() == after.fingerprint()):
        _discard(public_dir, edition, old)
        return None
    target = archive_folder(public_dir, before.build_date, edition)
    target.parent.mkdir(parents=True, exist_ok=True)
    for folder in (target.parent.parent, target.parent):
        _readable_dir(folder)
    os.rename(old, target)
    return target


def _assemble(cfg: BuildConfig, edition: str, staging: Path) -> list[tuple[Path, Path]]:
    """Copy the edition's files from build/<edition>/ into `staging`; returns (source, copy) pairs."""
    source = cfg.build_dir / edition
    copies = [(source / "_output" / "index.html", staging / "index.html"),
              (source / "_output" / "index.pdf", staging / "report.pdf")]
    for name in notebook_names(cfg.notebooks_dir):
        copies += [(source / "pages" / f"{name}{suffix}", staging / "notebooks" / f"{name}{suffix}")
                   for suffix in (".ipynb", ".html")]
    copies += [(source / extra, staging / extra) for extra in BUILD_FILES]
    copies += [(path, staging / "data" / path.relative_to(source / "package"))
               for path in sorted((source / "package").rglob("*")) if path.is_file()]
    copies.append((source / ZIP_NAME, staging / "data" / ZIP_NAME))
    copies += [(path, staging / "data" / PUBLISHED_DIR / path.relative_to(source / TABLES_DIR))
               for path in sorted((source / TABLES_DIR).rglob("*")) if path.is_file()]
    for origin, copy in copies:
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(origin, copy)
    return copies


# Fault injection for tests/pipeline/test_crash_proof.py: a pause (seconds) between the publish's steps,
# so that a kill aimed at a publish lands in it on a fast machine too (a publish takes milliseconds).
FAULT_PAUSE = "ARMSLEDGER_FAULT_PUBLISH_PAUSE"


def _fault_pause() -> None:
    pause = os.environ.get(FAULT_PAUSE, "")
    if pause:
        time.sleep(float(pause))


def publish(cfg: BuildConfig, edition: str) -> Path:
    """Assemble the edition beside its folder, check it, then swap it in by one atomic exchange."""
    public = cfg.public_dir
    public.mkdir(parents=True, exist_ok=True)
    _readable_dir(public)
    recover(public, edition)
    final, staging = public / edition, _staging(public, edition)
    _discard(public, edition, staging)
    staging.mkdir()
    try:
        _fault_pause()
        seal.verify(_assemble(cfg, edition, staging))  # a build output changed since it was made: stop here
        _fault_pause()
    except BaseException:
        _discard(public, edition, staging)
        raise
    world_readable(staging)
    # From here the journal says what the new publication is, so that a kill at any point is finished
    # or undone by the next build (recover); the swap itself is one system call.
    _write_whole(_journal(public, edition), json.dumps({"digest": tree_digest(staging)}) + "\n")
    _fault_pause()
    if not final.exists():
        os.rename(staging, final)
    elif not exchange(staging, final):  # no renameat2 here: two renames, which recover() can finish
        os.rename(final, _legacy(public, edition))
        os.rename(staging, final)
    _fault_pause()
    recover(public, edition)  # retires the previous publication, removes the journal
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
    _write_whole(target, page)
    listing = {"project": {"title": project.title, "repository": project.repository,
                           "authors": list(project.authors)},
               "editions": editions, ARCHIVE_DIR: sorted(archive, key=lambda e: (e["build_date"], e["path"]))}
    _write_whole(cfg.public_dir / INDEX_JSON, json.dumps(listing, indent=2, ensure_ascii=False) + "\n")
    return target
