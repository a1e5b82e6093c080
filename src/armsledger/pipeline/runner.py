"""Running the DAG: a validated snapshot of the data first, then doit with the build's own loader, its
dependency file kept whole (pipeline.doitdb), and a reporter that prints one line per step that runs (a
counted progress bar on a terminal), errors on stderr, and keeps each failure's full traceback under
build/logs/. An interrupted build (SIGTERM, SIGINT) ends its notebook kernels before it ends."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import os
import signal
import threading
import time

from armsledger.pipeline import progress, snapshot
from armsledger.pipeline.config import BuildConfig
from armsledger.pipeline.dag import log_failure, tasks
from armsledger.pipeline.publish import interrupted, recover


class Loader:
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
                    "backend": "atomic-json",  # pipeline.doitdb
                    "check_file_uptodate": "md5",
                    "verbosity": 0,
                    "reporter": _reporter_class(cfg),
                    "num_process": max(cfg.jobs, 1) if cfg.jobs > 1 else 0,
                    "par_type": "thread",
                }

            def load_tasks(self, cmd, pos_args):
                # No capture: doit would swap the process-wide sys.stdout for each step, from each worker
                # thread at once. The steps write through pipeline.progress instead.
                return [dict_to_task({**t, "io": {"capture": False}, "verbosity": 0})
                        for t in tasks(cfg, renderer_name)]

        return Loader()


def _doit(cfg: BuildConfig, renderer_name: str):
    from doit.doit_cmd import DoitMain

    from armsledger.pipeline import doitdb

    # No doit.cfg or pyproject [tool.doit] of the working folder: the build's settings are its own.
    return DoitMain(Loader(cfg, renderer_name), config_filenames=(), extra_config=doitdb.PLUGIN)


def _reporter_class(cfg: BuildConfig):
    from doit.reporter import ConsoleReporter

    class ProgressReporter(ConsoleReporter):
        """One line per task that runs; up-to-date tasks are counted, not listed. Everything goes
        through the build's display (pipeline.progress), which holds one lock for every line."""

        def __init__(self, outstream, options):
            self.display = progress.begin(progress.Display())
            # doit's own writes (if any) go to the display's stream, not to whatever sys.stdout is then.
            super().__init__(self.display.out, options)
            self.skipped = 0
            self.ran = 0

        def initialize(self, tasks, selected_tasks):
            self.display.start(len(tasks))

        def write(self, text):
            self.display.say(text)

        def execute_task(self, task):
            self.ran += 1
            title = task.title() if task.actions else ""
            # Notebook pages are bookkeeping, not news: counted, not listed.
            self.display.step(title or task.name, announce=bool(title) and not task.name.startswith("page:"))

        def skip_uptodate(self, task):
            self.skipped += 1
            self.display.skip()

        def skip_ignore(self, task):
            self.display.skip()

        def add_failure(self, task, fail):
            # Recorded here, reported once in complete_run without doit's traceback dump.
            self.failures.append({"task": task, "exception": fail})

        def complete_run(self):
            self.display.stop()
            for failure in self.failures:
                lines = [f"✗ {failure['task'].name} failed"]
                lines += [f"    {line}" for line in _failure_summary(failure["exception"])]
                full = failure["exception"].get_msg() if hasattr(failure["exception"], "get_msg") else ""
                if full and "returned False" not in full:
                    lines.append(f"    traceback: {log_failure(cfg, failure['task'].name, full)}")
                self.display.say("\n".join(lines), error=True)
            for error in self.runtime_errors:
                self.display.say(f"✗ {error}", error=True)
            self.display.say(f"{self.ran} step(s) ran, {self.skipped} up to date")
            progress.end()

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
    from armsledger.validate.cache import InvalidData, ensure_valid

    try:
        ensure_valid(cfg.data_dir)
    except InvalidData as error:
        return error.problems
    except FileNotFoundError as error:
        return [f"{error.filename}: missing-file: no such file"]
    return []


def snapshot_config(cfg: BuildConfig) -> BuildConfig:
    """The build as its steps see it: reading the snapshot of the data in build/, not data/."""
    return dataclasses.replace(cfg, data_dir=cfg.build_dir / snapshot.SNAPSHOT_DIR)


def stale(cfg: BuildConfig, renderer_name: str = "pandoc") -> list[str]:
    """Names of the steps a build would run now (doit's status check; nothing is executed).

    A step whose inputs are unchanged but which depends on a stale step is listed only when
    its own inputs changed: the list says where a change enters the DAG. The steps read the
    snapshot of the data, so it is brought up to date first (not validated: a build validates it
    again before using it).
    """
    snapshot.write(snapshot.read(cfg.data_dir), cfg.build_dir / snapshot.SNAPSHOT_DIR)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        _doit(snapshot_config(cfg), renderer_name).run(["list", "--all", "--status"])
    return [line.split()[1] for line in buffer.getvalue().splitlines() if line.startswith("R ")]


@contextlib.contextmanager
def _kernels_end_with_the_build():
    """SIGTERM or SIGINT: kill the notebook kernels at once (worker threads may be waiting on them),
    then end by the same signal. Only the main thread can set handlers; elsewhere this does nothing."""
    from armsledger.pipeline import kernels

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupted(signum, frame):
        kernels.kill_all()
        with contextlib.suppress(Exception):
            progress.end()
        os.write(2, f"armsledger: interrupted ({signal.Signals(signum).name}); notebook kernels stopped, "
                    "earlier publications untouched\n".encode())
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    previous = {s: signal.signal(s, interrupted) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def run(cfg: BuildConfig) -> int:
    """Exit status: 0 published, 1 a step failed (a notebook, the renderer), 2 invalid data."""
    from armsledger.pipeline import kernels
    from armsledger.validate.cache import is_validated

    started = time.perf_counter()
    with _kernels_end_with_the_build():
        if not is_validated(cfg.data_dir) or not (cfg.build_dir / ".doit.db").exists():
            # New data or a first build: notebooks will run, so the kernel template imports while the data
            # are validated. Otherwise it starts with the first notebook to execute, if any.
            kernels.start()
        try:
            return _run(cfg, started)
        finally:
            kernels.stop()


def _run(cfg: BuildConfig, started: float) -> int:
    from armsledger.render import RenderError, get_renderer

    data, problems = snapshot.validated(cfg.data_dir, cfg.build_dir)
    if problems:
        progress.say("\n".join(problems), error=True)
        progress.say(f"{len(problems)} data problem(s); nothing was built or published.", error=True)
        return 2
    progress.say(f"✓ data valid ({cfg.data_dir})")
    cfg = dataclasses.replace(cfg, data_dir=data)  # every step from here reads the validated copy
    try:
        renderer_name = get_renderer(cfg.renderer).name
    except RenderError as error:
        progress.say(f"✗ {error}", error=True)
        return 1
    # Every interrupted publish, not only this build's editions': the index it writes lists them all.
    for edition in sorted({*cfg.editions, *interrupted(cfg.public_dir)}):
        recover(cfg.public_dir, edition) if cfg.public_dir.exists() else None
    try:
        status = _doit(cfg, renderer_name).run(["run"])
    finally:
        progress.end()  # an interrupted run leaves no progress bar behind
    elapsed = time.perf_counter() - started
    if status != 0:
        progress.say(f"build failed after {elapsed:.1f} s; earlier publications in {cfg.public_dir} are untouched; "
                     f"executed notebooks are kept in {cfg.build_dir}", error=True)
        return 1
    from armsledger.pipeline.edition_data import hidden_warning

    for edition in cfg.editions:
        warning = hidden_warning(edition, cfg.build_dir)
        if warning:
            progress.say(warning)
    progress.say(f"done in {elapsed:.1f} s:")
    for edition in cfg.editions:
        folder = cfg.public_dir / edition
        progress.say(f"  {edition}: {folder / 'index.html'}  {folder / 'report.pdf'}")
    return 0
