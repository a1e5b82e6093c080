"""The build DAG (doit): validate → execute notebooks in parallel → variables and bibliography →
render → publish each edition atomically. Incremental by content hash (doit's md5 file checks)."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

from armsledger import paths
from armsledger.vocabulary import ALWAYS_READ, NOTEBOOK_NAMES, NOTEBOOK_TABLES

PACKAGE = Path(__file__).parent
# Code every notebook runs; editing it re-executes them. The renderer's own code only re-renders.
ANALYSIS_CODE_EXCLUDE = {"build.py", "cli.py", "execute.py", "kernels.py", "datadict.py", "references.py"}
ZIP_EPOCH = (2025, 1, 1, 0, 0, 0)  # fixed timestamps: the same data give the same zip bytes


@dataclass
class BuildConfig:
    editions: list[str]
    renderer: str = "auto"
    jobs: int = 2
    data_dir: Path = paths.DATA
    public_dir: Path = paths.PUBLIC
    build_dir: Path = paths.BUILD
    report_dir: Path = paths.REPORT
    notebooks_dir: Path = paths.NOTEBOOKS
    editions_dir: Path = paths.EDITIONS


def _analysis_code() -> list[Path]:
    return sorted(p for p in PACKAGE.glob("*.py") if p.name not in ANALYSIS_CODE_EXCLUDE)


def _render_code() -> list[Path]:
    return sorted([*PACKAGE.joinpath("render").glob("*.py"), *PACKAGE.joinpath("render", "fonts").glob("*.ttf")])


def _table_file(cfg: BuildConfig, table: str) -> Path:
    return cfg.data_dir / f"{table}.csv"


def _notebook_inputs(cfg: BuildConfig, name: str) -> list[Path]:
    tables = (*ALWAYS_READ, *NOTEBOOK_TABLES[name])
    return [cfg.notebooks_dir / f"{name}.ipynb", cfg.data_dir / "datapackage.json",
            *(_table_file(cfg, t) for t in tables), *_analysis_code()]


def _execute_action(cfg: BuildConfig, edition: str, name: str, params: dict):
    def action() -> bool:
        from armsledger import kernels
        from armsledger.execute import execute

        out = cfg.build_dir / edition / "notebooks" / f"{name}.ipynb"
        started = time.perf_counter()
        kernels.start()
        try:
            message = execute(cfg.notebooks_dir / f"{name}.ipynb", out, params,
                              kernel_manager_class=kernels.kernel_manager_class())
        except Exception as error:  # a dead kernel, a timeout, an unreadable notebook
            message = f"notebook {name}.ipynb could not be executed\n  {type(error).__name__}: {error}"
        if message:
            print(f"  ✗ [{edition}] " + "\n    ".join(message.splitlines()), flush=True)
            return False
        print(f"  ✓ [{edition}] {name} executed in {time.perf_counter() - started:.1f} s", flush=True)
        return True

    return action


def _edition_variables(cfg: BuildConfig, edition, renderer_name: str) -> dict[str, str]:
    from armsledger.datastate import data_version
    from armsledger.dates import period_label
    from armsledger.tables import escape

    params = edition.params
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    built = dt.datetime.fromtimestamp(int(epoch), dt.UTC).date() if epoch else dt.date.today()
    return {
        "edition_name": edition.name,
        "edition_title": escape(edition.title),
        "edition_description": escape(edition.description),
        "as_of": params.as_of,
        "currency": params.currency,
        "min_certainty": params.min_certainty,
        "include_disputed": "included" if params.include_disputed else "left out",
        "period": f"{period_label(params.period_start)} to {period_label(params.period_end)}",
        "build_date": built.isoformat(),
        "renderer": renderer_name,
        "data_version": data_version(cfg.data_dir)[:12],
    }


def _data_package_zip(cfg: BuildConfig, target: Path) -> None:
    from armsledger.datastate import data_files

    extras = [cfg.data_dir / "README.md", cfg.data_dir / "LICENSE.md"]
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in [*data_files(cfg.data_dir), *(p for p in extras if p.exists())]:
            info = zipfile.ZipInfo(f"armsledger-data/{path.name}", date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())


def _notebook_page(source: Path, target: Path) -> None:
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
    """Assemble the edition in a temporary folder beside the target, then swap it in by renaming,
    so a failed or killed build never leaves a half-written publication."""
    source = cfg.build_dir / edition
    cfg.public_dir.mkdir(parents=True, exist_ok=True)
    recover(cfg.public_dir, edition)
    staging = Path(tempfile.mkdtemp(prefix=f".{edition}.tmp", dir=cfg.public_dir))
    shutil.copy2(source / "_output" / "index.html", staging / "index.html")
    shutil.copy2(source / "_output" / "index.pdf", staging / "report.pdf")
    (staging / "notebooks").mkdir()
    for name in NOTEBOOK_NAMES:
        shutil.copy2(source / "notebooks" / f"{name}.ipynb", staging / "notebooks" / f"{name}.ipynb")
        shutil.copy2(source / "pages" / f"{name}.html", staging / "notebooks" / f"{name}.html")
    for extra in ("summary.json", "_variables.yml", "references.json"):
        shutil.copy2(source / extra, staging / extra)
    (staging / "data").mkdir()
    _data_package_zip(cfg, staging / "data" / "armsledger-data.zip")
    final, old = cfg.public_dir / edition, cfg.public_dir / f".{edition}.old"
    if final.exists():
        os.rename(final, old)
    os.rename(staging, final)
    shutil.rmtree(old, ignore_errors=True)
    return final


def write_index(cfg: BuildConfig) -> Path:
    """public/index.html: one link per published edition."""
    from html import escape

    from armsledger.params import load_edition

    items = []
    for name in sorted(p.name for p in cfg.public_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        try:
            edition = load_edition(name, cfg.editions_dir)
            title, description = edition.title, edition.description
        except ValueError:
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


def tasks(cfg: BuildConfig, renderer_name: str) -> list[dict]:
    """The DAG as doit task dicts (file_dep/targets are content-hashed by doit)."""
    from armsledger import variables
    from armsledger.params import load_edition
    from armsledger.render import get_renderer
    from armsledger.render.project import prepare

    report_inputs = [cfg.report_dir / "_quarto.yml", cfg.report_dir / "index.qmd",
                     *sorted((cfg.report_dir / "assets").glob("*"))]
    out = []
    for edition_name in cfg.editions:
        edition = load_edition(edition_name, cfg.editions_dir)
        edition_file = cfg.editions_dir / f"{edition_name}.yml"
        build = cfg.build_dir / edition_name
        params = dict(edition.params.as_dict(), data_dir=str(cfg.data_dir.resolve()), out_dir=str(build.resolve()))
        fragments = []
        for name in NOTEBOOK_NAMES:
            executed = build / "notebooks" / f"{name}.ipynb"
            fragment = build / "fragments" / f"{name}.json"
            fragments.append(fragment)
            out.append({
                "name": f"execute:{edition_name}:{name}",
                "title": lambda t, e=edition_name, n=name: f"[{e}] executing {n}",
                "actions": [_execute_action(cfg, edition_name, name, params)],
                "file_dep": [str(p) for p in [*_notebook_inputs(cfg, name), edition_file]],
                "targets": [str(executed), str(fragment)],
                "uptodate": [_config_changed(params)],
                "clean": True,
            })
        var_file, summary_file = build / "_variables.yml", build / "summary.json"
        out.append({
            "name": f"variables:{edition_name}",
            "title": lambda t, e=edition_name: f"[{e}] writing _variables.yml and summary.json",
            "actions": [lambda b=build, e=edition: bool(variables.merge(
                b, _edition_variables(cfg, e, renderer_name)))],
            "file_dep": [str(p) for p in [*fragments, edition_file, *_data_inputs(cfg), PACKAGE / "variables.py"]],
            "targets": [str(var_file), str(summary_file)],
        })
        refs = build / "references.json"
        out.append({
            "name": f"references:{edition_name}",
            "title": lambda t, e=edition_name: f"[{e}] writing references.json",
            "actions": [lambda r=refs: _write_references(cfg, r)],
            "file_dep": [str(cfg.data_dir / "sources.csv"), str(PACKAGE / "references.py")],
            "targets": [str(refs)],
        })
        html, pdf = build / "_output" / "index.html", build / "_output" / "index.pdf"
        executed_books = [build / "notebooks" / f"{n}.ipynb" for n in NOTEBOOK_NAMES]
        pages = [build / "pages" / f"{n}.html" for n in NOTEBOOK_NAMES]

        def render_action(b=build, e=edition_name) -> bool:
            started = time.perf_counter()
            prepare(b, cfg.report_dir)
            get_renderer(renderer_name).render(b)
            print(f"  ✓ [{e}] rendered HTML and PDF ({renderer_name}) in {time.perf_counter() - started:.1f} s",
                  flush=True)
            return True

        out.append({
            "name": f"render:{edition_name}",
            "title": lambda t, e=edition_name: f"[{e}] rendering ({renderer_name})",
            "actions": [render_action],
            "file_dep": [str(p) for p in [*report_inputs, var_file, refs, *executed_books, *_render_code()]],
            "targets": [str(html), str(pdf)],
            "uptodate": [_config_changed({"renderer": renderer_name})],
        })
        for name, executed, page in zip(NOTEBOOK_NAMES, executed_books, pages, strict=True):
            # Steps of their own, listed after the render so that it starts first: they fill a worker
            # left idle while the last notebooks run, or run beside the render.
            out.append({
                "name": f"page:{edition_name}:{name}",
                "title": lambda t, e=edition_name, n=name: f"[{e}] notebook page {n}.html",
                "actions": [lambda s=executed, p=page: _notebook_page(s, p) or True],
                "file_dep": [str(executed), str(PACKAGE / "build.py")],
                "targets": [str(page)],
            })
        public = cfg.public_dir / edition_name
        out.append({
            "name": f"publish:{edition_name}",
            "title": lambda t, e=edition_name: f"[{e}] publishing to {cfg.public_dir / e}",
            "actions": [lambda e=edition_name: bool(publish(cfg, e))],
            "file_dep": [str(p) for p in [html, pdf, summary_file, *executed_books, *pages, *_data_inputs(cfg),
                                          PACKAGE / "build.py"]],
            "targets": [str(public / "index.html"), str(public / "report.pdf")],
        })
    out.append({
        "name": "index",
        "title": lambda t: f"writing {cfg.public_dir / 'index.html'}",
        "actions": [lambda: bool(write_index(cfg))],
        "task_dep": [f"publish:{e}" for e in cfg.editions],
        "file_dep": [str(cfg.editions_dir / f"{e}.yml") for e in cfg.editions],
        "targets": [str(cfg.public_dir / "index.html")],
        "uptodate": [_config_changed(sorted(cfg.editions))],
    })
    return out


def _config_changed(value):
    from doit.tools import config_changed

    return config_changed(json.dumps(value, sort_keys=True))


def _data_inputs(cfg: BuildConfig) -> list[Path]:
    from armsledger.datastate import data_files

    extras = [cfg.data_dir / "README.md", cfg.data_dir / "LICENSE.md"]
    return [*data_files(cfg.data_dir), *(p for p in extras if p.exists())]


def _write_references(cfg: BuildConfig, target: Path) -> bool:
    from armsledger import references  # imports pandas: only when the bibliography is rewritten

    return bool(references.write(_sources(cfg), target))


def _sources(cfg: BuildConfig):
    from armsledger.ledger import read_tables

    return read_tables(cfg.data_dir, only=set())["sources"]


class _Loader:
    """Feeds our task dicts to doit (its TaskLoader2 API) with the build's own settings."""

    def __new__(cls, cfg: BuildConfig, renderer_name: str):
        from doit.cmd_base import TaskLoader2
        from doit.loader import dict_to_task

        class Loader(TaskLoader2):
            def setup(self, opt_values):
                pass

            def load_doit_config(self):
                return {
                    "dep_file": str(cfg.build_dir / ".doit.db"),
                    "backend": "json",
                    "check_file_uptodate": "md5",
                    "verbosity": 2,
                    "reporter": _reporter_class(),
                    "num_process": max(cfg.jobs, 1) if cfg.jobs > 1 else 0,
                    "par_type": "thread",
                }

            def load_tasks(self, cmd, pos_args):
                return [dict_to_task(t) for t in tasks(cfg, renderer_name)]

        return Loader()


def _reporter_class():
    from doit.reporter import ConsoleReporter

    class ProgressReporter(ConsoleReporter):
        """One line per task that runs; up-to-date tasks are counted, not listed."""

        def __init__(self, outstream, options):
            super().__init__(outstream, options)
            self.skipped = 0
            self.ran = 0

        def write(self, text):
            # The current sys.stdout, not the stream doit captured when it started.
            print(text, end="", flush=True)

        def execute_task(self, task):
            self.ran += 1
            title = task.title() if task.actions else ""
            if title and not task.name.startswith("page:"):  # notebook pages are bookkeeping, not news
                self.write(f"→ {title}\n")

        def skip_uptodate(self, task):
            self.skipped += 1

        def add_failure(self, task, fail):
            # Recorded here, reported once in complete_run without doit's traceback dump.
            self.failures.append({"task": task, "exception": fail})

        def complete_run(self):
            for failure in self.failures:
                self.write(f"✗ {failure['task'].name} failed\n")
                for line in _failure_summary(failure["exception"]):
                    self.write(f"    {line}\n")
            for error in self.runtime_errors:
                self.write(f"✗ {error}\n")
            self.write(f"{self.ran} step(s) ran, {self.skipped} up to date\n")

    return ProgressReporter


def _failure_summary(exception) -> list[str]:
    """The error's own message (e.g. a RenderError), not the traceback that carried it."""
    text = exception.get_msg() if hasattr(exception, "get_msg") else str(exception)
    lines = [line for line in text.strip().splitlines() if line.strip()]
    if "returned False" in text:
        return []  # the action already printed what failed and where
    for index in range(len(lines) - 1, -1, -1):
        if "Error: " in lines[index] and not lines[index].startswith(" "):
            return [lines[index].split("Error: ", 1)[1], *lines[index + 1:]][:12]
    return lines[-6:]


def validate_step(cfg: BuildConfig) -> list[str]:
    """Validation before any task runs: problems, or [] when the data are valid (cached by content)."""
    from armsledger.datastate import InvalidData, ensure_valid

    try:
        ensure_valid(cfg.data_dir)
    except InvalidData as error:
        return error.problems
    except FileNotFoundError as error:
        return [f"{error.filename}: missing-file: no such file"]
    return []


def stale(cfg: BuildConfig, renderer_name: str = "pandoc") -> list[str]:
    """Names of the steps a build would run now (doit's status check; nothing is executed).

    A step whose inputs are unchanged but which depends on a stale step is listed only when
    its own inputs changed: the list says where a change enters the DAG.
    """
    import contextlib
    import io

    from doit.doit_cmd import DoitMain

    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        DoitMain(_Loader(cfg, renderer_name)).run(["list", "--all", "--status"])
    return [line.split()[1] for line in buffer.getvalue().splitlines() if line.startswith("R ")]


def run(cfg: BuildConfig) -> int:
    """Exit status: 0 published, 1 a step failed (a notebook, the renderer), 2 invalid data."""
    from armsledger import kernels
    from armsledger.datastate import is_validated

    started = time.perf_counter()
    if not is_validated(cfg.data_dir) or not (cfg.build_dir / ".doit.db").exists():
        # New data or a first build: notebooks will run, so the kernel template imports while the data
        # are validated. Otherwise it starts with the first notebook to execute, if any.
        kernels.start()
    try:
        return _run(cfg, started)
    finally:
        kernels.stop()


def _run(cfg: BuildConfig, started: float) -> int:
    from doit.doit_cmd import DoitMain

    from armsledger.render import RenderError, get_renderer

    problems = validate_step(cfg)
    if problems:
        print("\n".join(problems))
        print(f"{len(problems)} data problem(s); nothing was built or published.")
        return 2
    print(f"✓ data valid ({cfg.data_dir})")
    try:
        renderer_name = get_renderer(cfg.renderer).name
    except RenderError as error:
        print(f"✗ {error}")
        return 1
    cfg.build_dir.mkdir(parents=True, exist_ok=True)
    for edition in cfg.editions:
        recover(cfg.public_dir, edition) if cfg.public_dir.exists() else None
    status = DoitMain(_Loader(cfg, renderer_name)).run(["run"])
    elapsed = time.perf_counter() - started
    if status != 0:
        print(f"build failed after {elapsed:.1f} s; earlier publications in {cfg.public_dir} are untouched; "
              f"executed notebooks are kept in {cfg.build_dir}")
        return 1
    print(f"done in {elapsed:.1f} s:")
    for edition in cfg.editions:
        folder = cfg.public_dir / edition
        print(f"  {edition}: {folder / 'index.html'}  {folder / 'report.pdf'}")
    return 0
