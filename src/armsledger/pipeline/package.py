"""An edition's data package as readers download it: build/<edition>/package/ holds a valid
Frictionless data package (datapackage.json beside the tables, README.md, LICENSE.md) made from the
edition's own data (pipeline.edition_data), with formula-safe text cells (pipeline.formula), the
edition and the data version in the descriptor, and each resource's sha256 and size; and the same
files as one zip with datapackage.json at its root."""

from __future__ import annotations

import copy
import datetime as dt
import hashlib
import json
import shutil
import zipfile
from pathlib import Path

from armsledger.model import formula
from armsledger.model.params import Edition
from armsledger.model.schema import DESCRIPTOR
from armsledger.model.schema import load as load_schema
from armsledger.pipeline.project import DATA_LICENCE, Project

PACKAGE_DIR = "package"
ZIP_NAME = "armsledger-data.zip"
EXTRAS = ("README.md", "LICENSE.md")
ZIP_EPOCH = (2025, 1, 1, 0, 0, 0)  # fixed timestamps: the same files give the same zip bytes
# Parameters that say where a build ran, not what the edition shows.
LOCAL_PARAMETERS = ("data_dir", "out_dir", "title", "description")


def edition_parameters(edition: Edition) -> dict:
    """What the edition shows (as_of, currency, certainty, period), without its title and folders."""
    return {k: v for k, v in edition.params.as_dict().items() if k not in LOCAL_PARAMETERS}


def package_name(edition: str) -> str:
    return f"armsledger-{edition}".lower()


def descriptor(schema_descriptor: dict, edition: Edition, data_version: str, build_date: dt.date,
               project: Project) -> dict:
    """The ledger's datapackage.json made the edition's: its name, title and parameters, the data
    version, licences, the project as source and its authors as contributors."""
    package = copy.deepcopy(schema_descriptor)
    resources = package.pop("resources")
    params = edition.params
    about = {
        "name": package_name(edition.name),
        "title": f"{package.get('title', project.title)} — {edition.title}",
        "description": " ".join(filter(None, [package.get("description", ""), edition.description,
                                              f"As of {params.as_of}." if params.as_of else ""])),
        "version": data_version,
        "created": dt.datetime.combine(build_date, dt.time(), dt.UTC).isoformat().replace("+00:00", "Z"),
        "licenses": package.get("licenses") or [DATA_LICENCE],
        "sources": [{"title": project.title, **({"path": project.repository} if project.repository else {})}],
        "contributors": [{"title": name, "role": "author"} for name in project.authors],
        **({"homepage": project.repository} if project.repository else {}),
        **({"keywords": list(project.keywords)} if project.keywords else {}),
        "armsledger": {"edition": edition.name, "edition_title": edition.title, "as_of": params.as_of,
                       "parameters": edition_parameters(edition), "data_version": data_version,
                       "build_date": build_date.isoformat()},
    }
    package = {k: v for k, v in package.items() if k not in about}
    return {**about, **package, "resources": resources}


def readme(data_readme: str, edition: Edition, data_version: str, build_date: dt.date, project: Project) -> str:
    params = edition.params
    shown = ", ".join(f"{k} = {v!r}" for k, v in edition_parameters(edition).items())
    header = [
        f"# {project.title}",
        "",
        f"**Edition:** {edition.title} (`{edition.name}`). {edition.description}",
        "",
        f"- As of: {params.as_of or 'everything published'}",
        f"- Parameters: {shown}",
        f"- Data version: `{data_version}` (SHA-256 of the ledger's files)",
        f"- Built: {build_date.isoformat()}",
        *([f"- Project: {project.repository}"] if project.repository else []),
        "",
        "This folder is a Frictionless data package (`datapackage.json`): it holds only the records, claims",
        "and sources this edition shows, as known on its date. Validate it with",
        "`frictionless validate datapackage.json`. Cite the edition, its data version and the original",
        "sources in `sources.csv`.",
        "",
        "---",
        "",
    ]
    return "\n".join(header) + data_readme


def write(edition_dir: Path, edition: Edition, data_version: str, build_date: dt.date, project: Project) -> Path:
    """Write build/<edition>/package/ from build/<edition>/data/ and zip it; returns the zip."""
    source = Path(edition_dir) / "data"
    target = Path(edition_dir) / PACKAGE_DIR
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    schema = load_schema(source)
    package = descriptor(schema.descriptor, edition, data_version, build_date, project)
    escaped = {}
    for resource, table in zip(package["resources"], schema.tables, strict=True):
        text, count = formula.safe_csv_text(source / table.path, table)
        body = text.encode("utf-8")
        (target / table.path).write_bytes(body)
        resource["bytes"] = len(body)
        resource["hash"] = "sha256:" + hashlib.sha256(body).hexdigest()
        if count:
            escaped[table.name] = count
    if escaped:
        package["armsledger"]["formula_escaped_cells"] = escaped
    (target / DESCRIPTOR).write_text(json.dumps(package, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    data_readme = (source / "README.md").read_text(encoding="utf-8") if (source / "README.md").exists() else ""
    (target / "README.md").write_text(readme(data_readme, edition, data_version, build_date, project),
                                      encoding="utf-8")
    if (source / "LICENSE.md").exists():
        shutil.copy2(source / "LICENSE.md", target / "LICENSE.md")
    return zip_package(target, Path(edition_dir) / ZIP_NAME)


def package_files(folder: Path) -> list[Path]:
    """datapackage.json, the tables it names, then README.md and LICENSE.md (when present)."""
    names = [r["path"] for r in json.loads((folder / DESCRIPTOR).read_text(encoding="utf-8"))["resources"]]
    return [folder / DESCRIPTOR, *(folder / n for n in names), *(folder / n for n in EXTRAS if (folder / n).exists())]


def zip_package(folder: Path, target: Path) -> Path:
    """The package as one zip, datapackage.json at its root, with fixed timestamps."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in package_files(folder):
            info = zipfile.ZipInfo(path.relative_to(folder).as_posix(), date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return target
