"""Build steps that run in a process of their own: the memory a step takes (the whole ledger, every
FollowTheMoney entity) goes back to the system when the step ends. In the build's own process it
stayed allocated (2.5 GB after the edition data at 300,000 records) beside the notebook kernels.

The child ends with the build however the build ends (lifeline: the parent-death signal)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from armsledger.lifeline import child_options

ERROR_TAIL = 4000  # the last characters of a failed step's stderr, which end with its traceback, kept in the error


class StepFailed(RuntimeError):
    """A step run in a child process exited with an error; the message ends with its traceback."""


def _edition_data(data_dir: str, params: dict, target: str) -> None:
    from armsledger.model.params import Params
    from armsledger.pipeline import edition_data

    edition_data.write(Path(data_dir), Params(**params), Path(target))


def _ftm(edition_dir: str) -> None:
    from armsledger.pipeline import ftm

    ftm.write(Path(edition_dir))


STEPS = {"edition-data": _edition_data, "ftm": _ftm}


def run(step: str, *args) -> str:
    """Run STEPS[step](*args) (JSON-serialisable arguments) in a new Python process; what it wrote to
    stderr (warnings), or StepFailed with it when the step failed."""
    if step not in STEPS:
        raise KeyError(f"no step {step!r}; known: {', '.join(STEPS)}")
    done = subprocess.run([sys.executable, "-m", "armsledger.pipeline.child", step, json.dumps(args)],
                          stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False,
                          **child_options())
    if done.returncode != 0:
        raise StepFailed(f"step {step} exited with {done.returncode}\n{done.stderr[-ERROR_TAIL:]}")
    return done.stderr


def main(argv: list[str]) -> None:
    step, args = argv
    STEPS[step](*json.loads(args))


if __name__ == "__main__":
    main(sys.argv[1:])
