"""Build benchmarks (`make bench`): cold, naive baseline, no-op and one-table builds of the default edition,
and a synthetic 30,000-record ledger. Prints a Markdown table of figures; nothing is asserted."""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from armsledger.vocabulary import NOTEBOOK_NAMES as NOTEBOOKS

from armsledger import paths

ROOT = paths.ROOT
BIN = Path(sys.executable).parent  # the environment running the benchmark (make bench: .venv/bin)
EDITION = "latest"
SYNTHETIC_RECORDS = 30_000
SAMPLE_SECONDS = 0.05


@dataclass
class Run:
    wall: float
    peak_rss: int  # bytes, summed over the process tree at the worst sample
    returncode: int
    output: str


def measure(command: list[str], env: dict[str, str]) -> Run:
    """Run `command` from the repository root; sample the RSS of it and all its descendants."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        try:
            root = psutil.Process(process.pid)
        except psutil.NoSuchProcess:
            return
        while not done.is_set():
            total = 0
            try:
                tree = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                tree = []
            for member in tree:
                with contextlib.suppress(psutil.NoSuchProcess):  # ended between listing and sampling
                    total += member.memory_info().rss
            peak = max(peak, total)
            done.wait(SAMPLE_SECONDS)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    output = process.communicate()[0]  # read while sampling, so a full pipe never blocks the child
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        print(f"! {' '.join(command)} exited with {process.returncode}:\n{output[-3000:]}", file=sys.stderr)
    return Run(wall, peak, process.returncode, output)


def environment(cache: Path) -> dict[str, str]:
    """A fresh validation cache per scenario, so each measures validation as a first build would."""
    return dict(os.environ, ARMSLEDGER_CACHE=str(cache), PYTHONHASHSEED="0")


def build_command(data: Path, work: Path) -> list[str]:
    return [str(BIN / "armsledger"), "build", "--edition", EDITION, "--renderer", "pandoc", "--jobs", "2",
            "--data", str(data), "--build", str(work / "build"), "--public", str(work / "public")]


def executed(output: str) -> list[str]:
    """Notebooks a build executed, from its progress lines."""
    return sorted(set(re.findall(r"executing (\d\d-[a-z-]+)", output)))


def edit_one_note(table: Path) -> str:
    """Append a word to the note of the first row of `table` (a CSV with a `note` column); returns its id."""
    with table.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        fields, rows = reader.fieldnames, list(reader)
    rows[0]["note"] = (rows[0]["note"] + " Edited for the benchmark.").strip()
    with table.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return rows[0][fields[0]]


def naive(out: Path, data: Path) -> None:
    """The baseline the build is compared with: each notebook through the papermill CLI, one after
    another, then variables, bibliography and the Pandoc renderer, with nothing cached or parallel."""
    from armsledger.build import BuildConfig, _edition_variables
    from armsledger.ledger import read_tables
    from armsledger.params import load_edition

    from armsledger import paths, references, variables
    from armsledger.render import get_renderer
    from armsledger.render.project import prepare

    edition = load_edition(EDITION)
    params = edition.params
    strings = {"as_of": params.as_of, "currency": params.currency, "min_certainty": params.min_certainty,
               "period_start": params.period_start, "period_end": params.period_end,
               "data_dir": str(data), "out_dir": str(out)}
    for name in NOTEBOOKS:
        command = [str(BIN / "papermill"), str(paths.NOTEBOOKS / f"{name}.ipynb"),
                   str(out / "notebooks" / f"{name}.ipynb"), "--no-progress-bar",
                   "-p", "include_disputed", str(params.include_disputed)]
        for key, value in strings.items():
            command += ["-r", key, value]  # raw: papermill would read 2025-02-28 as a date
        (out / "notebooks").mkdir(parents=True, exist_ok=True)
        subprocess.run(command, check=True, capture_output=True)
    config = BuildConfig(editions=[EDITION], data_dir=data, build_dir=out.parent, public_dir=out.parent / "public")
    variables.merge(out, _edition_variables(config, edition, "pandoc"))
    references.write(read_tables(data, only=set())["sources"], out / "references.json")
    prepare(out, paths.REPORT)
    get_renderer("pandoc").render(out)


def mib(size: int) -> str:
    return f"{size / 2**20:,.0f} MiB"


def machine() -> str:
    model = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                  if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else ""
    load = ", ".join(f"{v:.2f}" for v in os.getloadavg())
    return (f"{dt.datetime.now().astimezone():%Y-%m-%d %H:%M %Z} · {os.cpu_count()} logical cores "
            f"({psutil.cpu_count(logical=False)} physical) · {model} · {mib(psutil.virtual_memory().total)} RAM · "
            f"Python {platform.python_version()} · load average before: {load}")


def median_run(runs: list[Run]) -> Run:
    """The run of median wall time, with the worst peak memory of all of them."""
    ordered = sorted(runs, key=lambda r: r.wall)
    middle = ordered[len(ordered) // 2]
    return Run(middle.wall, max(r.peak_rss for r in runs), max(r.returncode for r in runs), middle.output)


def spread(runs: list[Run], digits: int = 1) -> str:
    if len(runs) == 1:
        return ""
    return f"median of {len(runs)}: " + ", ".join(f"{r.wall:.{digits}f}" for r in sorted(runs, key=lambda r: r.wall))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--naive", nargs=2, metavar=("OUT", "DATA"), help=argparse.SUPPRESS)
    parser.add_argument("--records", type=int, default=SYNTHETIC_RECORDS, help="size of the synthetic ledger")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the real-data scenarios (a), (b), (d)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    if args.naive:
        naive(Path(args.naive[0]), Path(args.naive[1]))
        return 0

    header = machine()
    tmp = Path(tempfile.mkdtemp(prefix="armsledger-bench-"))
    data = ROOT / "data"
    rows: list[tuple[str, str, str, str]] = []
    runs: list[Run] = []
    try:
        print(f"benchmarking in {tmp} …", file=sys.stderr, flush=True)
        colds, naives = [], []
        for i in range(args.repeat):  # interleaved, so that a noisy minute hurts both alike
            colds.append(measure(build_command(data, tmp / f"cold-{i}"), environment(tmp / f"cache-cold-{i}")))
            naive_command = [sys.executable, str(Path(__file__).resolve()), "--naive",
                             str(tmp / f"naive-{i}" / EDITION), str(data)]
            naives.append(measure(naive_command, environment(tmp / f"cache-naive-{i}")))
        cold, baseline = median_run(colds), median_run(naives)
        rows.append(("(a) cold build, default edition, real data", f"{cold.wall:.1f} s", mib(cold.peak_rss),
                     spread(colds)))
        rows.append(("(b) naive baseline: papermill CLI × 5 in sequence, then render", f"{baseline.wall:.1f} s",
                     mib(baseline.peak_rss), spread(naives)))
        rows.append(("(c) cold / naive", f"{cold.wall / baseline.wall:.2f}", "", "target ≤ 0.6"))

        last = args.repeat - 1
        noops = [measure(build_command(data, tmp / f"cold-{last}"), environment(tmp / f"cache-cold-{last}"))
                 for _ in range(args.repeat)]
        noop = median_run(noops)
        rows.append(("(d) no-op rebuild", f"{noop.wall:.2f} s", mib(noop.peak_rss),
                     "; ".join(filter(None, ["target < 1 s", spread(noops, 2)]))))

        copy = tmp / "data-copy"
        shutil.copytree(data, copy)
        first = measure(build_command(copy, tmp / "copy"), environment(tmp / "cache-copy"))
        record = edit_one_note(copy / "flights.csv")
        one = measure(build_command(copy, tmp / "copy"), environment(tmp / "cache-copy"))
        rows.append(("(e) one-table rebuild (a note in flights.csv)", f"{one.wall:.1f} s", mib(one.peak_rss),
                     f"re-executed: {', '.join(executed(one.output)) or 'none'} (edited {record})"))

        synthetic = tmp / "synthetic"
        subprocess.run([sys.executable, str(ROOT / "benchmarks" / "synthetic.py"), str(synthetic), str(args.records)],
                       check=True, capture_output=True)
        env = environment(tmp / "cache-synthetic")
        checked = measure([str(BIN / "armsledger"), "validate", "--data", str(synthetic)], env)
        built = measure(build_command(synthetic, tmp / "synthetic-build"), env)
        size = f"{args.records:,}-record synthetic ledger"
        rows.append((f"(f) {size}: `armsledger validate`", f"{checked.wall:.1f} s", mib(checked.peak_rss), ""))
        rows.append((f"(f) {size}: then a cold build", f"{built.wall:.1f} s", mib(built.peak_rss),
                     "validated files are not validated again"))
        rows.append((f"(f) {size}: validate + build", f"{checked.wall + built.wall:.1f} s",
                     mib(max(checked.peak_rss, built.peak_rss)), "target < 90 s and < 2 GB"))
        runs = [*colds, *naives, *noops, first, one, checked, built]
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    print(f"\n{header}\n")
    print("Peak memory: the sum of RSS over the process tree, sampled every 50 ms. Builds use the Pandoc "
          "renderer and `--jobs 2`. Every scenario starts with an empty validation cache; the synthetic "
          "build follows its own `armsledger validate`.\n")
    print("| scenario | wall time | peak memory | note |")
    print("|---|--:|--:|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    failed = [r for r in runs if r.returncode != 0]
    if failed:
        print(f"\n{len(failed)} command(s) failed; see the messages above.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
