"""What the build tells the person running it, through one lock: doit runs steps in threads, and
each line (a step starting, a notebook done, a failure) is written whole, by one writer at a time.

On a terminal a `rich` progress bar counts the steps (N/M) below the lines; when stdout is not a
terminal, or `CI` is set, the output stays plain: one line per step, nothing redrawn. Errors go to
stderr either way. The bar is redrawn only under the lock (by a ticker that takes it, not by rich's own
refresh thread), and every
line goes to the streams the display was made with, never to whatever `sys.stdout` is at the moment
(another thread may have swapped it).
"""

from __future__ import annotations

import os
import sys
import threading

_LOCK = threading.RLock()
_current: Display | None = None


def fancy_allowed(stream=None) -> bool:
    stream = stream or sys.stdout
    return bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("CI")


class Display:
    """One build's output. `start(total)` before the steps; `step`, `skip` and `say` from any thread."""

    def __init__(self, fancy: bool | None = None, out=None, err=None):
        # The streams at the start of the build (a test may have replaced them), kept for every line.
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.fancy = fancy_allowed(self.out) if fancy is None else fancy
        self.done = 0
        self.total = 0
        self._progress = None
        self._task = None
        self._stopped = threading.Event()

    # The lock is held by every public method: lines never interleave, counts never race.

    def start(self, total: int) -> None:
        with _LOCK:
            self.total = total
            if self.fancy and self._progress is None:
                from rich.console import Console
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

                # auto_refresh off: a refresh thread would draw while another thread writes.
                self._progress = Progress(TextColumn("[bold]building"), BarColumn(), MofNCompleteColumn(),
                                          TimeElapsedColumn(), TextColumn("{task.description}"),
                                          console=Console(file=self.out), transient=True, auto_refresh=False,
                                          redirect_stdout=False, redirect_stderr=False)
                self._task = self._progress.add_task("", total=total)
                self._progress.start()
                self._stopped.clear()
                threading.Thread(target=self._tick, name="progress", daemon=True).start()

    def _tick(self) -> None:
        """Redraw the bar (its elapsed time) twice a second, under the lock, while it is shown."""
        while not self._stopped.wait(0.5):
            with _LOCK:
                if self._progress is not None:
                    self._progress.refresh()

    def step(self, title: str, announce: bool = True) -> None:
        """A step starts running."""
        with _LOCK:
            self.done += 1
            if self._progress is not None:
                self._progress.update(self._task, completed=self.done, description=title)
                if announce:
                    self._progress.console.print(f"[dim]{self.done}/{self.total}[/dim] → {title}",
                                                 markup=True, highlight=False)
                self._progress.refresh()
            elif announce:
                self._write(f"→ {title}\n")

    def skip(self) -> None:
        """An up-to-date step: counted, not listed."""
        with _LOCK:
            self.done += 1
            if self._progress is not None:
                self._progress.update(self._task, completed=self.done)
                self._progress.refresh()

    def say(self, text: str, error: bool = False) -> None:
        """A line (or lines) of news; errors to stderr."""
        with _LOCK:
            if not text.endswith("\n"):
                text += "\n"
            if self._progress is None:
                self._write(text, error)
            elif not error:
                self._progress.console.print(text.rstrip("\n"), markup=False, highlight=False)
                self._progress.refresh()
            else:  # the bar steps aside, so that the error is written to stderr whole and not redrawn over
                self._progress.stop()
                self._write(text, error)
                self._progress.start()

    def stop(self) -> None:
        self._stopped.set()
        with _LOCK:
            if self._progress is not None:
                self._progress.stop()
                self._progress = None

    def _write(self, text: str, error: bool = False) -> None:
        stream = self.err if error else self.out
        stream.write(text)
        stream.flush()


def begin(display: Display) -> Display:
    global _current
    with _LOCK:
        _current = display
    return display


def end() -> None:
    global _current
    with _LOCK:
        if _current is not None:
            _current.stop()
        _current = None


def say(text: str, error: bool = False) -> None:
    """Write through the running build's display, or plainly when none runs (a step called alone)."""
    with _LOCK:
        if _current is not None:
            _current.say(text, error)
        else:
            (sys.stderr if error else sys.stdout).write(text if text.endswith("\n") else text + "\n")
            (sys.stderr if error else sys.stdout).flush()
