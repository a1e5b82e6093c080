"""Build benchmarks (`make bench`): real-data builds (cold, naive baseline, no-op, one table edited), the two
renderers side by side, and synthetic ledgers of 30,000 and 300,000 records. Prints a table of figures to
stdout and writes it to benchmarks/out/; nothing is asserted."""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from armsledger import paths
from armsledger.pipeline.notebooks import notebook_names

ROOT = paths.ROOT
OUT = paths.BENCHMARKS / "out"
EDITION = "latest"
SMALL_RECORDS = 30_000
LARGE_RECORDS = 300_000
SAMPLE_SECONDS = 0.1
# The command line of the package being measured: the interpreter running this script with the
# package it imports (make bench: .venv; a checkout: PYTHONPATH=src), never an `armsledger` found on PATH.
ARMSLEDGER = [sys.executable, "-m", "armsledger.cli"]
SCENARIOS = ("real", "renderers", "small", "large")


@dataclass
class Run:
    wall: float
    peak_rss: int  # bytes: the sum of RSS over the process tree at its worst sample
    peak_pss: int  # bytes: the sum of PSS (shared pages divided among their sharers) at its worst sample
    returncode: int
    output: str = field(repr=False)
    load_before: float = 0.0  # 1-minute load average when the command started and when it ended
    load_after: float = 0.0
    cpu: float = 0.0  # seconds of CPU (user + system) of the command and every descendant it waited for


def _tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


def measure(command: list[str], env: dict[str, str]) -> Run:
    """Run `command` from the repository root and sample the memory of it and every descendant
    (notebook kernels, the kernel template, pandoc, typst, quarto, deno) every SAMPLE_SECONDS.

    Two sums per sample, the peak of each kept: RSS counts a page once per process that maps it,
    so forked kernels sharing the template's pages are counted several times (an upper bound);
    PSS divides each shared page among its sharers, so the PSS sum is what the tree occupies.
    (`getrusage(RUSAGE_CHILDREN).ru_maxrss` is neither: it is the largest single descendant.)"""
    load_before = os.getloadavg()[0]
    # CPU time does not stretch when other jobs share the machine, as wall time does.
    cpu_before = _children_cpu()
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    peak_rss = peak_pss = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak_rss, peak_pss
        try:
            root = psutil.Process(process.pid)
        except psutil.NoSuchProcess:
            return
        while not done.is_set():
            rss = pss = 0
            for member in _tree(root):
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):  # ended meanwhile
                    info = member.memory_full_info()
                    rss += info.rss
                    pss += info.pss
            peak_rss, peak_pss = max(peak_rss, rss), max(peak_pss, pss)
            # Reading every process's smaps costs CPU too: after the first half minute, every half second.
            done.wait(SAMPLE_SECONDS if time.perf_counter() - started < 30 else 0.5)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    lines = []
    for line in process.stdout:  # read while sampling, so a full pipe never blocks the child
        lines.append(f"[{time.perf_counter() - started:7.1f} s | {peak_pss / 2**20:6.0f} MiB] {line}")
    process.wait()
    output = "".join(lines)
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode != 0:
        print(f"! {' '.join(command)} exited with {process.returncode}:\n{output[-3000:]}", file=sys.stderr)
    return Run(wall, peak_rss, peak_pss, process.returncode, output, load_before, os.getloadavg()[0],
               _children_cpu() - cpu_before)


def _children_cpu() -> float:
    """User + system seconds of this process's ended children (and theirs, as each was waited for)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def environment(cache: Path, warm: bool = True) -> dict[str, str]:
    """A fresh validation cache per scenario, so each measures validation as a first build would."""
    env = dict(os.environ, ARMSLEDGER_CACHE=str(cache), PYTHONHASHSEED="0")
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    if not warm:
        env["ARMSLEDGER_WARM_KERNELS"] = "0"
    return env


def build_command(data: Path, work: Path, renderer: str = "pandoc", jobs: int = 2) -> list[str]:
    return [*ARMSLEDGER, "build", "--edition", EDITION, "--renderer", renderer, "--jobs", str(jobs),
            "--data", str(data), "--build", str(work / "build"), "--public", str(work / "public")]


def executed(output: str) -> list[str]:
    """Notebooks a build executed, from its progress lines."""
    return sorted(set(re.findall(r"executing (\d\d-[a-z-]+)", output)))


def step_seconds(output: str, pattern: str) -> float | None:
    """The seconds a build's progress line reports for one step (e.g. the render)."""
    found = re.findall(pattern + r" in ([0-9.]+) s", output)
    return float(found[-1]) if found else None


_STAMPED = re.compile(r"^\[\s*([0-9.]+) s \|\s*([0-9]+) MiB\] (.*)$")


def steps(output: str) -> list[tuple[str, float, float]]:
    """(step, seconds, peak MiB so far) per step a build announced ("→ …" lines, stamped by measure):
    a step's time runs until the next one starts. With --jobs 2 two steps overlap, so the times are
    where the wall clock went, not what each step would take alone."""
    stamped = [(float(m[1]), float(m[2]), m[3]) for m in map(_STAMPED.match, output.splitlines()) if m]
    starts = [(t, mib_, text[2:].strip()) for t, mib_, text in stamped if text.startswith("→ ")]
    end = stamped[-1][0] if stamped else 0.0
    return [(name, (starts[i + 1][0] if i + 1 < len(starts) else end) - t, mib_)
            for i, (t, mib_, name) in enumerate(starts)]


def step_table(output: str, top: int = 12) -> str:
    """The `top` longest steps of a build as Markdown."""
    rows = sorted(steps(output), key=lambda r: -r[1])[:top]
    return "\n".join(["| step | seconds until the next step | peak PSS by its start |", "|---|--:|--:|",
                      *[f"| {name} | {seconds:.1f} | {peak:,.0f} MiB |" for name, seconds, peak in rows]])


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
    from armsledger.model.ledger import read_tables
    from armsledger.model.params import load_edition
    from armsledger.pipeline import references, variables
    from armsledger.pipeline.config import BuildConfig
    from armsledger.pipeline.dag import edition_variables
    from armsledger.render import get_renderer
    from armsledger.render.project import prepare

    edition = load_edition(EDITION)
    params = edition.params
    strings = {"currency": params.currency, "min_certainty": params.min_certainty,
               "period_start": params.period_start, "period_end": params.period_end,
               "data_dir": str(data), "out_dir": str(out)}
    if params.as_of:
        strings["as_of"] = params.as_of
    papermill = Path(sys.executable).parent / "papermill"
    for name in notebook_names(paths.NOTEBOOKS):
        command = [str(papermill), str(paths.NOTEBOOKS / f"{name}.ipynb"),
                   str(out / "notebooks" / f"{name}.ipynb"), "--no-progress-bar",
                   "-p", "include_disputed", str(params.include_disputed)]
        for key, value in strings.items():
            command += ["-r", key, value]  # raw: papermill would read 2025-02-28 as a date
        (out / "notebooks").mkdir(parents=True, exist_ok=True)
        subprocess.run(command, check=True, capture_output=True)
    config = BuildConfig(editions=[EDITION], data_dir=data, build_dir=out.parent, public_dir=out.parent / "public")
    variables.merge(out, edition_variables(config, edition, "pandoc"))
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
            f"Python {platform.python_version()} · load average (1, 5, 15 min) at the start: {load}")


def median_run(runs: list[Run]) -> Run:
    """The run of median wall time, with the worst peak memory and the load range of all of them."""
    ordered = sorted(runs, key=lambda r: r.wall)
    middle = ordered[len(ordered) // 2]
    return Run(middle.wall, max(r.peak_rss for r in runs), max(r.peak_pss for r in runs),
               max(r.returncode for r in runs), middle.output, min(r.load_before for r in runs),
               max(r.load_after for r in runs), middle.cpu)


def spread(runs: list[Run], digits: int = 1) -> str:
    if len(runs) == 1:
        return ""
    return f"median of {len(runs)}: " + ", ".join(f"{r.wall:.{digits}f}" for r in sorted(runs, key=lambda r: r.wall))


class Table:
    """The rows of the report, each a scenario with its figures."""

    def __init__(self) -> None:
        self.rows: list[dict] = []
        self.runs: list[Run] = []
        self.logs: dict[str, str] = {}  # name → a command's time-stamped output, written beside the table
        self.details: list[str] = []  # further tables (a build's steps) printed after the main one

    def add(self, scenario: str, run: Run | None = None, wall: str = "", note: str = "",
            runs: list[Run] | None = None) -> None:
        self.runs.extend(runs or ([run] if run else []))
        row = {"scenario": scenario, "wall": wall, "cpu": "", "rss": "", "pss": "", "load": "", "note": note}
        if run is not None:
            row.update(wall=wall or f"{run.wall:.1f} s", cpu=f"{run.cpu:.0f} s", rss=mib(run.peak_rss),
                       pss=mib(run.peak_pss),
                       load=f"{run.load_before:.1f} → {run.load_after:.1f}", seconds=round(run.wall, 2),
                       peak_rss_bytes=run.peak_rss, peak_pss_bytes=run.peak_pss, returncode=run.returncode)
        self.rows.append(row)
        print(f"  {scenario}: {row['wall']} {row['pss']} (load {row['load']}) {note}", file=sys.stderr, flush=True)

    def markdown(self) -> str:
        lines = ["| scenario | wall time | CPU time | peak memory (PSS) | peak RSS sum | load average | note |",
                 "|---|--:|--:|--:|--:|--:|---|"]
        lines += ["| " + " | ".join(r[k] for k in ("scenario", "wall", "cpu", "pss", "rss", "load", "note")) + " |"
                  for r in self.rows]
        return "\n".join(lines)


def real_data(table: Table, tmp: Path, repeat: int) -> None:
    data = ROOT / "data"
    colds, naives = [], []
    for i in range(repeat):  # interleaved, so that a noisy minute hurts both alike
        colds.append(measure(build_command(data, tmp / f"cold-{i}"), environment(tmp / f"cache-cold-{i}")))
        naive_command = [sys.executable, str(Path(__file__).resolve()), "--naive",
                         str(tmp / f"naive-{i}" / EDITION), str(data)]
        naives.append(measure(naive_command, environment(tmp / f"cache-naive-{i}")))
    cold, baseline = median_run(colds), median_run(naives)
    table.add(f"(a) cold build, {EDITION} edition, real data", cold, note=spread(colds), runs=colds)
    table.add("(b) naive baseline: papermill CLI × 5 in sequence, then render", baseline, note=spread(naives),
              runs=naives)
    table.add("(c) cold / naive", wall=f"{cold.wall / baseline.wall:.2f}",
              note="the build also writes the data package, database, FtM, downloads and notebook pages")

    last = repeat - 1
    noops = [measure(build_command(data, tmp / f"cold-{last}"), environment(tmp / f"cache-cold-{last}"))
             for _ in range(repeat)]
    table.add("(d) no-op rebuild", median_run(noops), wall=f"{median_run(noops).wall:.2f} s",
              note="; ".join(filter(None, ["target < 1 s", spread(noops, 2)])), runs=noops)

    copy = tmp / "data-copy"
    shutil.copytree(data, copy)
    first = measure(build_command(copy, tmp / "copy"), environment(tmp / "cache-copy"))
    record = edit_one_note(copy / "flights.csv")
    one = measure(build_command(copy, tmp / "copy"), environment(tmp / "cache-copy"))
    table.runs.append(first)
    table.add("(e) one-table rebuild (a note in flights.csv)", one,
              note=f"re-executed: {', '.join(executed(one.output)) or 'none'} (edited {record})")


def renderers(table: Table, tmp: Path, repeat: int) -> None:
    """Cold builds of one edition with each renderer, interleaved; the render step's own time from
    the build's progress line."""
    data = ROOT / "data"
    names = ["pandoc", "quarto"]
    if shutil.which("quarto") is None:
        table.add("(g) renderers side by side", note="Quarto skipped: `quarto` is not on PATH "
                  "(e.g. PATH=/opt/quarto/bin:$PATH make bench); the built-in renderer is measured in (a)")
        names = ["pandoc"]
    runs: dict[str, list[Run]] = {name: [] for name in names}
    for i in range(repeat):
        for name in names:
            runs[name].append(measure(build_command(data, tmp / f"render-{name}-{i}", renderer=name),
                                      environment(tmp / f"cache-render-{name}-{i}")))
    for name in names:
        label = "built-in Pandoc + Typst" if name == "pandoc" else "Quarto"
        renders = [s for s in (step_seconds(r.output, rf"rendered HTML and PDF \({name}\)") for r in runs[name])
                   if s is not None]
        render = sorted(renders)[len(renders) // 2] if renders else None
        table.add(f"(g) {label}: render step (HTML + PDF)", wall=f"{render:.1f} s" if render else "n/a",
                  note=f"median of {len(renders)} from the build's progress line" if renders else "")
        table.add(f"(g) {label}: cold build of the {EDITION} edition", median_run(runs[name]),
                  note=spread(runs[name]), runs=runs[name])


def synthetic(table: Table, tmp: Path, records: int, label: str, target: str, jobs: int = 2,
              warm: bool = True) -> None:
    """Generate a ledger of `records` records, validate it, then build one edition from it (the build
    trusts the validation stamp: validated files are not validated again)."""
    folder = tmp / f"synthetic-{records}"
    if not folder.exists():
        started = time.perf_counter()
        result = subprocess.run([sys.executable, str(paths.BENCHMARKS / "synthetic.py"), str(folder), str(records)],
                                check=True, capture_output=True, text=True, env=environment(tmp / "unused"))
        counts = json.loads(result.stdout)
        size = sum(f.stat().st_size for f in folder.iterdir())
        print(f"  generated {records:,} records in {time.perf_counter() - started:.0f} s: "
              + ", ".join(f"{k} {v:,}" for k, v in counts.items()) + f"; {size / 2**20:.0f} MiB of CSV",
              file=sys.stderr, flush=True)
    cache = tmp / f"cache-synthetic-{records}-{jobs}-{int(warm)}"
    env = environment(cache, warm)
    size = f"{records:,}-record ledger"
    checked = measure([*ARMSLEDGER, "validate", "--data", str(folder)], env)
    built = measure(build_command(folder, tmp / f"synthetic-build-{records}-{jobs}-{int(warm)}", jobs=jobs), env)
    how = f"--jobs {jobs}" + ("" if warm else ", ARMSLEDGER_WARM_KERNELS=0")
    table.add(f"({label}) {size}: `armsledger validate`", checked)
    table.add(f"({label}) {size}: cold build ({how})", built, note="the validation stamp is trusted")
    table.logs[f"{size}-build-{jobs}-{int(warm)}"] = built.output
    table.logs[f"{size}-validate"] = checked.output
    table.details.append(f"Where the {size} build's time went (--jobs {jobs}):\n\n{step_table(built.output)}")
    both = Run(checked.wall + built.wall, max(checked.peak_rss, built.peak_rss), max(checked.peak_pss, built.peak_pss),
               max(checked.returncode, built.returncode), "", checked.load_before, built.load_after,
               checked.cpu + built.cpu)
    table.add(f"({label}) {size}: validate + build", both, note=target)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--naive", nargs=2, metavar=("OUT", "DATA"), help=argparse.SUPPRESS)
    parser.add_argument("--only", nargs="+", choices=SCENARIOS, default=list(SCENARIOS),
                        help="the scenarios to run (default: all)")
    parser.add_argument("--records", type=int, default=SMALL_RECORDS, help="size of the smaller synthetic ledger")
    parser.add_argument("--large", type=int, default=LARGE_RECORDS, help="size of the larger synthetic ledger")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the real-data and renderer scenarios")
    parser.add_argument("--memory-variants", action="store_true",
                        help="also build the large ledger with --jobs 1 and without warm kernels")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--workdir", type=Path, help="work in this folder (kept), reusing its synthetic ledgers")
    args = parser.parse_args()
    if args.naive:
        naive(Path(args.naive[0]), Path(args.naive[1]))
        return 0

    header = machine()
    tmp = args.workdir or Path(tempfile.mkdtemp(prefix="armsledger-bench-"))
    tmp.mkdir(parents=True, exist_ok=True)
    args.keep = args.keep or bool(args.workdir)
    table = Table()
    try:
        print(f"benchmarking in {tmp} …", file=sys.stderr, flush=True)
        if "real" in args.only:
            real_data(table, tmp, args.repeat)
        if "renderers" in args.only:
            renderers(table, tmp, args.repeat)
        if "small" in args.only:
            synthetic(table, tmp, args.records, "f", "")
        if "large" in args.only:
            synthetic(table, tmp, args.large, "h", "target < 10 min and < 4 GB")
            if args.memory_variants:
                synthetic(table, tmp, args.large, "h", "", jobs=1)
                synthetic(table, tmp, args.large, "h", "", warm=False)
    finally:
        if args.keep:
            print(f"kept {tmp}", file=sys.stderr)
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    notes = ("Peak memory: the process tree (the command, its notebook kernels, the kernel template, pandoc, "
             f"typst, quarto) sampled every {SAMPLE_SECONDS * 1000:.0f} ms with psutil; PSS counts each shared "
             "page once (what the tree occupies), the RSS sum counts a page once per process (an upper bound: "
             "forked kernels share the template's pages). Load average: the 1-minute figure when the command "
             "started → ended, on a machine shared with other builds. Builds use the Pandoc renderer and "
             "`--jobs 2` unless the row says otherwise; every scenario starts with an empty validation cache.")
    text = f"{header}\n\n{notes}\n\n{table.markdown()}\n" + "".join(f"\n{d}\n" for d in table.details)
    print("\n" + text)
    OUT.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    (OUT / f"bench-{stamp}.md").write_text(text, encoding="utf-8")
    (OUT / f"bench-{stamp}.json").write_text(json.dumps(
        {"machine": header, "rows": table.rows, "runs": [{k: v for k, v in asdict(r).items() if k != "output"}
                                                         for r in table.runs]}, indent=2) + "\n", encoding="utf-8")
    for name, log in table.logs.items():
        (OUT / f"bench-{stamp}-{re.sub(r'[^a-z0-9-]+', '-', name.lower())}.log").write_text(log, encoding="utf-8")
    print(f"written to {OUT / f'bench-{stamp}.md'}", file=sys.stderr)
    failed = [r for r in table.runs if r.returncode != 0]
    if failed:
        print(f"\n{len(failed)} command(s) failed; see the messages above.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
