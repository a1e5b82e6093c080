"""The build as a DAG of doit tasks, per edition: execute each notebook; write the data the edition
shows → its data package, SQLite database and FollowTheMoney export; compare with the previous
publication → merge the notebooks' numbers and the changes into _variables.yml and summary.json,
write the bibliography → render HTML and PDF → notebook pages → publish; then the index.
Incremental by content hash: of the inputs (doit's md5 file checks) and of the outputs (pipeline.seal;
a publication counts as up to date while public/<edition>/ holds exactly what was published)."""

from __future__ import annotations

import datetime as dt
import json
import os
import time
import traceback
from pathlib import Path

from armsledger.model.schema import DESCRIPTOR
from armsledger.pipeline import downloads, progress
from armsledger.pipeline import publish as publishing
from armsledger.pipeline.config import BuildConfig
from armsledger.pipeline.notebooks import ALL_RECORD_TABLES, notebook_names, reads
from armsledger.pipeline.publish import data_inputs, notebook_page, publish, tree_digest, write_index
from armsledger.pipeline.seal import seal

PACKAGE = Path(__file__).resolve().parents[1]
FTM_NAME = "ftm.jsonl"  # pipeline.ftm.FTM_NAME, named here so that listing the steps needs no followthemoney (4 s)
PUBLICATION = "publication_sha256"  # the publish step's saved value: the digest of what it published
# The code a notebook runs: editing it re-executes the notebooks. The renderer's code only re-renders.
NOTEBOOK_CODE = ("model", "validate", "analysis", "present")
EXECUTED_BEFORE_DATA = 2  # notebooks listed before the data step: one per worker of a two-core build


def _code(*folders: str) -> list[Path]:
    return sorted(p for folder in folders for p in (PACKAGE / folder).glob("*.py")) + [PACKAGE / "paths.py"]


def _pipeline_code(*modules: str) -> list[Path]:
    return [PACKAGE / "pipeline" / f"{m}.py" for m in modules]


def _render_code() -> list[Path]:
    return sorted([*PACKAGE.joinpath("render").glob("*.py"), *PACKAGE.joinpath("render", "fonts").glob("*.ttf")])


def notebook_inputs(cfg: BuildConfig, name: str) -> list[Path]:
    """The files a notebook's output depends on: itself, the schema, the tables it reads (and the
    core tables every notebook reads; no notebook reads the corrections), and the package code it runs."""
    from armsledger.model import schema as schema_module

    notebook = cfg.notebooks_dir / f"{name}.ipynb"
    schema = schema_module.load(cfg.data_dir)
    wanted = reads(notebook)
    tables = [t for t in schema.tables if t.role != "corrections"
              and (t.role != "record" or wanted == ALL_RECORD_TABLES or t.name in wanted)]
    story = [cfg.report_dir / "story.yml"] if (cfg.report_dir / "story.yml").exists() else []
    return [notebook, cfg.data_dir / schema_module.DESCRIPTOR, *(cfg.data_dir / t.path for t in tables),
            *_code(*NOTEBOOK_CODE), *story]


def log_failure(cfg: BuildConfig, step: str, text: str) -> Path:
    """The full traceback of a failed step, kept for reading; the console gets a summary."""
    path = cfg.build_dir / "logs" / f"{step.replace(':', '-')}.log"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _execute_action(cfg: BuildConfig, edition: str, name: str, params: dict):
    def action() -> bool:
        from armsledger.pipeline import kernels
        from armsledger.pipeline.execute import execute

        out = cfg.build_dir / edition / "notebooks" / f"{name}.ipynb"
        started = time.perf_counter()
        kernels.start()
        try:
            message = execute(cfg.notebooks_dir / f"{name}.ipynb", out, params,
                              kernel_manager_class=kernels.kernel_manager_class())
        except Exception as error:  # a dead kernel, a timeout, an unreadable notebook
            log = log_failure(cfg, f"execute:{edition}:{name}", traceback.format_exc())
            message = (f"notebook {name}.ipynb could not be executed\n  {type(error).__name__}: {error}\n"
                       f"  traceback: {log}")
        if message:
            progress.say(f"  ✗ [{edition}] " + "\n    ".join(message.splitlines()), error=True)
            return False
        progress.say(f"  ✓ [{edition}] {name} executed in {time.perf_counter() - started:.1f} s")
        return True

    return action


def build_date() -> dt.date:
    """Today, or the day SOURCE_DATE_EPOCH names (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return dt.datetime.fromtimestamp(int(epoch), dt.UTC).date() if epoch else dt.date.today()


def edition_variables(cfg: BuildConfig, edition, renderer_name: str) -> dict[str, str]:
    from armsledger.model.schema import data_version
    from armsledger.pipeline import findable, project
    from armsledger.present.format import period_label
    from armsledger.present.markdown import escape

    params = edition.params
    return {
        "edition_name": edition.name,
        "edition_title": escape(edition.title),
        "edition_description": escape(edition.description),
        "as_of": params.as_of,
        "as_of_shown": params.as_of or "none (everything published)",
        "currency": params.currency,
        "min_certainty": params.min_certainty,
        "include_disputed": "included" if params.include_disputed else "left out",
        "period": f"{period_label(params.period_start)} to {period_label(params.period_end)}",
        "build_date": build_date().isoformat(),
        "renderer": renderer_name,
        "data_version": data_version(cfg.data_dir)[:12],
        "cite_this": escape(findable.citation(project.load(cfg.citation), edition, data_version(cfg.data_dir),
                                              build_date().isoformat())),
    }


def _write_meta(cfg: BuildConfig, edition, build: Path, version: str, day: dt.date) -> Path:
    from armsledger.pipeline import findable, project

    return findable.write_head(build, project.load(cfg.citation), edition, version, day.isoformat())


def _in_child(step: str, *args) -> bool:
    """A step in a process of its own (pipeline.child); its warnings are passed on."""
    from armsledger.pipeline import child

    warnings = child.run(step, *args)
    if warnings.strip():
        progress.say(warnings.rstrip("\n"), error=True)
    return True


def _write_edition_data(cfg: BuildConfig, edition, target: Path) -> bool:
    return _in_child("edition-data", str(cfg.data_dir), edition.params.as_dict(), str(target))


def _write_package(cfg: BuildConfig, edition, build: Path, version: str, day: dt.date) -> bool:
    from armsledger.pipeline import package, project

    package.write(build, edition, version, day, project.load(cfg.citation))
    return True


def _write_database(cfg: BuildConfig, edition, build: Path, version: str) -> bool:
    from armsledger.pipeline import database, project

    database.write(build, edition, version, project.load(cfg.citation))
    return True


def _write_ftm(build: Path) -> bool:
    return _in_child("ftm", str(build))


def _write_changes(cfg: BuildConfig, edition, build: Path, version: str, day: dt.date) -> bool:
    from armsledger.pipeline import changes, variables

    changes.write(build, cfg.public_dir, edition.name, variables.notebook_summary(build), day.isoformat(), version)
    return True


def edition_block(cfg: BuildConfig, edition, version: str, day: dt.date) -> dict:
    """summary.json's `edition` block: what the edition shows, from which data, built when."""
    from armsledger.pipeline.package import edition_parameters

    return {"name": edition.name, "title": edition.title, "description": edition.description,
            "parameters": edition_parameters(edition), "data_version": version, "build_date": day.isoformat()}


def _write_variables(cfg: BuildConfig, edition, build: Path, renderer_name: str, version: str,
                     day: dt.date) -> bool:
    import yaml

    from armsledger.pipeline import variables
    from armsledger.pipeline.changes import VARIABLES_NAME

    extra = yaml.safe_load((build / VARIABLES_NAME).read_text(encoding="utf-8")) or {}
    extra.update(edition_variables(cfg, edition, renderer_name))
    variables.merge(build, extra, {"edition": edition_block(cfg, edition, version, day)})
    return True


def _write_references(data_dir: Path, target: Path) -> bool:
    from armsledger.model.ledger import read_tables
    from armsledger.pipeline import references

    return bool(references.write(read_tables(data_dir, only=set())["sources"], target))


def _config_changed(value):
    from doit.tools import config_changed

    return config_changed(json.dumps(value, sort_keys=True))


def tasks(cfg: BuildConfig, renderer_name: str) -> list[dict]:
    """The DAG as doit task dicts (file_dep/targets are content-hashed by doit)."""
    from armsledger.model.params import load_edition
    from armsledger.model.schema import load as load_schema
    from armsledger.render import get_renderer
    from armsledger.render.project import prepare

    report_inputs = [cfg.report_dir / "_quarto.yml", cfg.report_dir / "index.qmd",
                     *sorted(p for p in (cfg.report_dir / "assets").rglob("*") if p.is_file())]
    from armsledger.model.schema import data_version
    from armsledger.pipeline.changes import CHANGES_NAME, VARIABLES_NAME
    from armsledger.pipeline.database import DB_NAME, METADATA_NAME
    from armsledger.pipeline.edition_data import RECORDS_FILE
    from armsledger.pipeline.package import PACKAGE_DIR, ZIP_NAME

    names = notebook_names(cfg.notebooks_dir)
    schema = load_schema(cfg.data_dir)
    data = data_inputs(cfg.data_dir)
    version, day = data_version(cfg.data_dir), build_date()
    citation = [cfg.citation] if cfg.citation.exists() else []
    out = []
    for edition_name in cfg.editions:
        edition = load_edition(edition_name, cfg.editions_dir)
        edition_file = cfg.editions_dir / f"{edition_name}.yml"
        build = cfg.build_dir / edition_name
        params = dict(edition.params.as_dict(), data_dir=str(cfg.data_dir.resolve()), out_dir=str(build.resolve()))
        fragments, executions = [], []
        for name in names:
            executed = build / "notebooks" / f"{name}.ipynb"
            fragment = build / "fragments" / f"{name}.json"
            fragments.append(fragment)
            executions.append({
                "name": f"execute:{edition_name}:{name}",
                "title": lambda t, e=edition_name, n=name: f"[{e}] executing {n}",
                "actions": [_execute_action(cfg, edition_name, name, params)],
                "file_dep": [str(p) for p in [*notebook_inputs(cfg, name), edition_file]],
                "targets": [str(executed), str(fragment)],
                "uptodate": [_config_changed(params)],
                "clean": True,
            })
        var_file, summary_file = build / "_variables.yml", build / "summary.json"
        edition_data = build / "data"
        edition_files = [edition_data / name for name in (DESCRIPTOR, *(t.path for t in schema.tables))]
        records_file = build / RECORDS_FILE
        # doit starts ready steps in the order listed: the edition's data and their FtM export (the
        # longest step that reads only them) are written while the later notebooks run, not after
        # them, so that the package, database, render and downloads are what remains once the last
        # notebook ends, and fill both workers.
        out.extend(executions[:EXECUTED_BEFORE_DATA])
        out.append({
            "name": f"data:{edition_name}",
            "title": lambda t, e=edition_name: f"[{e}] writing the data the edition shows",
            "actions": [lambda e=edition, d=edition_data: _write_edition_data(cfg, e, d)],
            "file_dep": [str(p) for p in [*data, edition_file, *_code("model"), PACKAGE / "present" / "format.py",
                                          PACKAGE / "pipeline" / "edition_data.py"]],
            "targets": [str(p) for p in [*edition_files, build / "hidden.json", records_file]],
        })
        ftm_file = build / FTM_NAME
        out.append({
            "name": f"ftm:{edition_name}",
            "title": lambda t, e=edition_name: f"[{e}] writing the FollowTheMoney export",
            "actions": [lambda b=build: _write_ftm(b)],
            "file_dep": [str(p) for p in [*edition_files, records_file, *_pipeline_code("ftm")]],
            "targets": [str(ftm_file)],
        })
        out.extend(executions[EXECUTED_BEFORE_DATA:])
        package_dir = build / PACKAGE_DIR
        package_files = [package_dir / name for name in (DESCRIPTOR, *(t.path for t in schema.tables))]
        zip_file = build / ZIP_NAME
        out.append({
            "name": f"package:{edition_name}",
            "title": lambda t, e=edition_name: f"[{e}] writing the data package",
            "actions": [lambda e=edition, b=build: _write_package(cfg, e, b, version, day)],
            "file_dep": [str(p) for p in [*edition_files, edition_file, *citation, *_pipeline_code(
                "package", "project"), PACKAGE / "model" / "formula.py"]],
            "targets": [str(p) for p in [*package_files, zip_file]],
            "uptodate": [_config_changed({"data_version": version})],
        })
        db_files = [build / DB_NAME, build / METADATA_NAME]
        out.append({
            "name": f"database:{edition_name}",
            "title": lambda t, e=edition_name: f"[{e}] writing the SQLite database",
            "actions": [lambda e=edition, b=build: _write_database(cfg, e, b, version)],
            "file_dep": [str(p) for p in [*edition_files, records_file, edition_file, *citation,
                                          *_pipeline_code("database", "project")]],
            "targets": [str(p) for p in db_files],
            "uptodate": [_config_changed({"data_version": version})],
        })
        changes_files = [build / CHANGES_NAME, build / VARIABLES_NAME]
        out.append({
            # Compares with what public/ holds when it runs, but depends only on what this build makes:
            # the comparison picks the publication that says something else (pipeline.changes).
            "name": f"changes:{edition_name}",
            "title": lambda t, e=edition_name: f"[{e}] comparing with the previous publication",
            "actions": [lambda e=edition, b=build: _write_changes(cfg, e, b, version, day)],
            "file_dep": [str(p) for p in [*fragments, *package_files, *_pipeline_code("changes"),
                                          PACKAGE / "model" / "formula.py"]],
            "targets": [str(p) for p in changes_files],
        })
        out.append({
            "name": f"variables:{edition_name}",
            "title": lambda t, e=edition_name: f"[{e}] writing _variables.yml and summary.json",
            "actions": [lambda b=build, e=edition: _write_variables(cfg, e, b, renderer_name, version, day)],
            "file_dep": [str(p) for p in [*fragments, build / VARIABLES_NAME, edition_file, *data,
                                          *_code("pipeline")]],
            "targets": [str(var_file), str(summary_file)],
            "uptodate": [_config_changed({"renderer": renderer_name})],  # the report names its renderer
        })
        meta = build / "_meta.html"
        out.append({
            "name": f"meta:{edition_name}",
            "title": lambda t, e=edition_name: f"[{e}] writing the page's metadata (Open Graph, JSON-LD)",
            "actions": [lambda b=build, e=edition: bool(_write_meta(cfg, e, b, version, day))],
            "file_dep": [str(p) for p in [var_file, *citation, *_pipeline_code("findable", "project")]],
            "targets": [str(meta)],
        })
        refs = build / "references.json"
        out.append({
            "name": f"references:{edition_name}",
            "title": lambda t, e=edition_name: f"[{e}] writing references.json",
            "actions": [lambda r=refs, d=edition_data: _write_references(d, r)],
            "file_dep": [str(edition_data / schema.core("sources").path), str(PACKAGE / "pipeline" / "references.py")],
            "targets": [str(refs)],
        })
        html, pdf = build / "_output" / "index.html", build / "_output" / "index.pdf"
        executed_books = [build / "notebooks" / f"{n}.ipynb" for n in names]
        pages = [build / "pages" / f"{n}.html" for n in names]

        def render_action(b=build, e=edition_name) -> bool:
            started = time.perf_counter()
            prepare(b, cfg.report_dir)
            get_renderer(renderer_name).render(b)
            progress.say(f"  ✓ [{e}] rendered HTML and PDF ({renderer_name}) in {time.perf_counter() - started:.1f} s")
            return True

        out.append({
            "name": f"render:{edition_name}",
            "title": lambda t, e=edition_name: f"[{e}] rendering ({renderer_name})",
            "actions": [render_action],
            "file_dep": [str(p) for p in [*report_inputs, var_file, refs, meta, *executed_books, *_render_code()]],
            "targets": [str(html), str(pdf)],
            "uptodate": [_config_changed({"renderer": renderer_name})],
        })
        for name, executed, page in zip(names, executed_books, pages, strict=True):
            # Steps of their own, listed after the render so that it starts first: they fill a worker
            # left idle while the last notebooks run, or run beside the render.
            out.append({
                "name": f"page:{edition_name}:{name}",
                "title": lambda t, e=edition_name, n=name: f"[{e}] notebook page {n}.html",
                "actions": [lambda s=executed, p=page, e=edition_name: notebook_page(s, p, p.with_suffix(".ipynb"), e)
                            or True],
                "file_dep": [str(executed), str(PACKAGE / "pipeline" / "publish.py")],
                "targets": [str(page), str(page.with_suffix(".ipynb"))],
            })
        public = cfg.public_dir / edition_name
        tables_dir = build / downloads.TABLES_DIR
        workbook = tables_dir / downloads.WORKBOOK
        about = {"title": edition.title, "edition": edition_name, "version": version[:12],
                 "build_date": day.isoformat()}
        out.append({
            "name": f"downloads:{edition_name}",
            "title": lambda t, e=edition_name: f"[{e}] writing the CSV and XLSX downloads",
            "actions": [lambda b=build, a=about: bool(downloads.write(b, a))],
            "file_dep": [str(p) for p in [*executed_books, records_file, *_pipeline_code("downloads")]],
            "targets": [str(workbook), str(tables_dir / downloads.RECORDS_CSV)],
            "uptodate": [_config_changed(about)],
        })
        out.append({
            "name": f"publish:{edition_name}",
            "title": lambda t, e=edition_name: f"[{e}] publishing to {cfg.public_dir / e}",
            "actions": [lambda e=edition_name: {PUBLICATION: tree_digest(publish(cfg, e))}],
            "uptodate": [_still_published(public)],
            "file_dep": [str(p) for p in [html, pdf, summary_file, var_file, refs, *executed_books, *pages,
                                          *package_files, zip_file, *db_files, ftm_file, *changes_files, workbook,
                                          *_pipeline_code("publish", "changes")]],
            "targets": [str(public / name) for name in ("index.html", "report.pdf", "summary.json",
                                                        f"data/{DESCRIPTOR}")],
        })
    out.append({
        "name": "index",
        "title": lambda t: f"writing {cfg.public_dir / 'index.html'} and editions.json",
        "actions": [lambda: bool(write_index(cfg))],
        "task_dep": [f"publish:{e}" for e in cfg.editions],
        # A publication that replaces one which said something else archives it: its summary.json or
        # datapackage.json differ, so the index (which links the archive) is written again.
        "file_dep": [str(p) for e in cfg.editions for p in (cfg.editions_dir / f"{e}.yml",
                                                            cfg.public_dir / e / "summary.json",
                                                            cfg.public_dir / e / "data" / DESCRIPTOR)]
        + [str(p) for p in [*citation, *_pipeline_code("publish")]],
        "targets": [str(cfg.public_dir / "index.html"), str(cfg.public_dir / "editions.json")],
        # Also written again when the editions in public/ change otherwise: one this build does not make
        # came back (a publish cut short and finished, pipeline.publish.recover), or went.
        "uptodate": [_config_changed({"editions": sorted(cfg.editions), "published": sorted(
            {*cfg.editions, *(p.name for p in publishing.published_editions(cfg.public_dir))})})],
    })
    # Every step's outputs are sealed by content, except the publications (checked as a whole above).
    return [task if task["name"].startswith("publish:") else seal(task) for task in out]


def _still_published(folder: Path):
    """A doit `uptodate` check: public/<edition>/ is still what this step published (a publication
    replaced or damaged since, by hand or by a restore, is published again)."""

    def check(task, values) -> bool:
        return values.get(PUBLICATION) is not None and values.get(PUBLICATION) == tree_digest(folder)

    return check
