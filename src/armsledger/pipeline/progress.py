"""What the build tells the person running it, through one lock: doit runs steps in threads, and
each line (a step starting, a notebook done, a failure) is written whole, by one writer at a time.

On a terminal a `rich` progress bar counts the steps (N/M) below the lines; when stdout is not a
terminal, or `CI` is set, the output stays plain: one line per step, nothing redrawn. Errors go to
stderr either way.
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

    def __init__(self, fancy: bool | None = None):
        self.fancy = fancy_allowed() if fancy is None else fancy
        self.done = 0
        self.total = 0
        self._progress = None
        self._task = None

    # The lock is held by every public method: lines never interleave, counts never race.

    def start(self, total: int) -> None:
        with _LOCK:
            self.total = total
            if self.fancy and self._progress is None:
                from rich.console import Console
                from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

                self._progress = Progress(TextColumn("[bold]building"), BarColumn(), MofNCompleteColumn(),
                                          TimeElapsedColumn(), TextColumn("{task.description}"),
                                          console=Console(file=sys.stdout), transient=True,
                                          redirect_stdout=False, redirect_stderr=False)
                self._task = self._progress.add_task("", total=total)
                self._progress.start()

    def step(self, title: str, announce: bool = True) -> None:
        """A step starts running."""
        with _LOCK:
            self.done += 1
            if self._progress is not None:
                self._progress.update(self._task, completed=self.done, description=title)
                if announce:
                    self._progress.console.print(f"[dim]{self.done}/{self.total}[/dim] → {title}",
                                                 markup=True, highlight=False)
            elif announce:
                self._write(f"→ {title}\n")

    def skip(self) -> None:
        """An up-to-date step: counted, not listed."""
        with _LOCK:
            self.done += 1
            if self._progress is not None:
                self._progress.update(self._task, completed=self.done)

    def say(self, text: str, error: bool = False) -> None:
        """A line (or lines) of news; errors to stderr."""
        with _LOCK:
            if not text.endswith("\n"):
                text += "\n"
            if self._progress is None:
                self._write(text, error)
            elif not error:
                self._progress.console.print(text.rstrip("\n"), markup=False, highlight=False)
            else:  # the bar steps aside, so that the error is written to stderr whole and not redrawn over
                self._progress.stop()
                self._write(text, error)
                self._progress.start()

    def stop(self) -> None:
        with _LOCK:
            if self._progress is not None:
                self._progress.stop()
                self._progress = None

    def _write(self, text: str, error: bool = False) -> None:
        # The current sys.stdout/stderr (a test may have replaced them), flushed at once.
        stream = sys.stderr if error else sys.stdout
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
