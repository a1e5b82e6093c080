"""Execute one notebook with papermill; on failure say which notebook and cell, and keep the executed copy.

The build calls `execute` from its worker threads (each kernel is its own process); tests and analysts
run `python -m armsledger.execute NOTEBOOK OUTPUT PARAMS_JSON`.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import nbformat
import papermill
from papermill.exceptions import PapermillExecutionError


class _KnownParameters(logging.Filter):
    """papermill warns of every parameter the notebook's parameters cell does not assign. Ours
    assigns none: the names, types and defaults live in armsledger.model.params.Params, and
    notebook.setup rejects an unknown name itself, naming it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Passed unknown parameter")


logging.getLogger("papermill").addFilter(_KnownParameters())


def _cell_number(notebook: Path, error: PapermillExecutionError) -> str:
    """Where the failing cell sits in `notebook` as written ("cell 6 of 9", counting from 1).

    papermill's `cell_index` counts the parameters cell it injects, and the kept copy has two
    more cells (its error banner and anchor), so neither matches the notebook a reader opens.
    """
    wanted = (error.source or "").strip()
    try:
        cells = nbformat.read(notebook, as_version=4).cells
    except Exception:  # unreadable source: fall back to papermill's count
        cells = []
    position = next((i for i, c in enumerate(cells) if c.source.strip() == wanted), None)
    if position is None:
        return f"cell {error.cell_index} of the executed notebook"
    return f"cell {position + 1} of {len(cells)}"


def failure_message(notebook: Path, output: Path, error: PapermillExecutionError) -> str:
    source = (error.source or "").strip().splitlines()
    label = next((line.split(":", 1)[1].strip() for line in source if line.startswith("#| label:")), "")
    first = next((line for line in source if line and not line.startswith("#|")), "")
    where = (_cell_number(notebook, error) + (f" ({label})" if label else "")
             + (f", In [{error.exec_count}]" if error.exec_count else "") + (f": {first}" if first else ""))
    return (f"notebook {notebook.name} failed in {where}\n"
            f"  {error.ename}: {error.evalue}\n"
            f"  the executed notebook with the traceback is kept at {output}")


def execute(notebook: Path, output: Path, parameters: dict, kernel_manager_class: type | None = None) -> str:
    """Execute `notebook` into `output`; '' on success, else what failed and where.

    The kernel starts in the output's folder; unlike papermill's `cwd`, that changes no process-wide
    working directory, so the build can execute notebooks from parallel threads.
    """
    output.parent.mkdir(parents=True, exist_ok=True)
    options = {"kernel_manager_class": kernel_manager_class} if kernel_manager_class else {}
    try:
        papermill.execute_notebook(
            str(notebook), str(output), parameters=parameters, kernel_name="python3",
            progress_bar=False, log_output=False, resources={"metadata": {"path": str(output.parent)}}, **options,
        )
    except PapermillExecutionError as error:
        return failure_message(notebook, output, error)
    return ""


def run(notebook: Path, output: Path, parameters: dict) -> int:
    message = execute(notebook, output, parameters)
    if message:
        print(message, file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        print("usage: python -m armsledger.execute NOTEBOOK OUTPUT PARAMS_JSON", file=sys.stderr)
        return 2
    return run(Path(args[0]), Path(args[1]), json.loads(args[2]))


if __name__ == "__main__":
    sys.exit(main())
