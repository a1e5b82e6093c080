"""A crash-proof, self-healing and reproducible build (issue 13, items 4 and 5), on one edition of the
small fixture ledger, built by the command line as a reader runs it: killed at random points, it
leaves each edition whole (old or new) and no kernel behind, and the next build succeeds; two builds
of the same inputs publish the same bytes; damaged outputs, records and caches are detected and
rebuilt, never published or fatal.

Run alone with: .venv/bin/pytest -q -p no:cacheprovider tests/pipeline/test_crash_proof.py
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import json
import os
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import threading
import time
import uuid
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from armsledger.pipeline.checks import publication_problems
from armsledger.pipeline.config import BuildConfig
from armsledger.pipeline.publish import FAULT_PAUSE, tree_digest
from tests.common import SMALL

pytestmark = pytest.mark.slow

EDITION = "latest"
FIRST_DAY = dt.date(2025, 3, 1)
TAG = "ARMSLEDGER_FAULT_TAG"  # in the environment of a build and of every process it starts
KILLS = 30  # at least this many builds killed while they run
SEED = int(os.environ.get("ARMSLEDGER_FAULT_SEED", "13"))
# Where a kill lands: after the first line naming the phase, a random delay (seconds) within the range.
# "start" counts from the moment the build starts, so it lands anywhere, in the small steps too. A round
# changes the data read by notebooks ("notebooks") or only what the report and downloads show ("report":
# a correction, which no notebook reads), so that most kills cost no notebook run.
# A publish takes milliseconds; the builds here pause PUBLISH_PAUSE seconds between its four steps
# (publish.FAULT_PAUSE), so that kills aimed at it land in it on a fast machine too (a CI run without
# the pause landed none of 16), at any of its steps. One that lands after the swap leaves the next
# attempt nothing to publish.
PUBLISH_PAUSE = 0.15
PLANS = {
    "notebooks": [("execute", 0.0, 3.0), ("execute", 1.0, 5.0), ("start", 0.0, 12.0), ("render", 0.0, 4.0),
                  ("publish", 0.0, 0.3), ("publish", 0.0, 0.55)],
    "report": [("start", 0.0, 6.0), ("render", 0.0, 3.0), ("render", 1.0, 6.0), ("publish", 0.0, 0.3),
               ("publish", 0.0, 0.55)],
}
ROUNDS = ["notebooks", "report", "report"] * 4
MARKERS = {"execute": "executing", "render": "rendering (", "publish": "publishing to"}
SIGNALS = [signal.SIGKILL] * 6 + [signal.SIGTERM, signal.SIGINT]  # mostly the kill nothing can clean up after


@dataclass
class Site:
    """One checkout's folders: the ledger, build/ and public/, and the environment its builds run in."""

    root: Path
    day: dt.date = FIRST_DAY
    cache: Path | None = None
    umask: int | None = None
    tag: str = field(default_factory=lambda: uuid.uuid4().hex)

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def build(self) -> Path:
        return self.root / "build"

    @property
    def public(self) -> Path:
        return self.root / "public"

    def config(self) -> BuildConfig:
        return BuildConfig(editions=[EDITION], renderer="pandoc", jobs=2, data_dir=self.data,
                           public_dir=self.public, build_dir=self.build)

    def env(self) -> dict[str, str]:
        epoch = int(dt.datetime.combine(self.day, dt.time(12), dt.UTC).timestamp())
        return dict(os.environ, CI="true", SOURCE_DATE_EPOCH=str(epoch), **{TAG: self.tag},
                    ARMSLEDGER_CACHE=str(self.cache or self.root / "cache"),
                    **{FAULT_PAUSE: str(PUBLISH_PAUSE)})

    def command(self) -> list[str]:
        return [sys.executable, "-m", "armsledger", "build", "--edition", EDITION, "--renderer", "pandoc",
                "--jobs", "2", "--data", str(self.data), "--public", str(self.public), "--build", str(self.build)]

    def start(self) -> subprocess.Popen:
        umask = self.umask
        return subprocess.Popen(self.command(), env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, encoding="utf-8", errors="replace",
                                preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)

    def build_once(self) -> str:
        """A build to its end; returns its output (the test fails if the build does)."""
        process = self.start()
        out, _ = process.communicate(timeout=600)
        assert process.returncode == 0, f"the build failed:\n{out[-4000:]}"
        return out


def published(public: Path) -> dict[str, str]:
    """Every file under public/: its path and the SHA-256 of its bytes."""
    return {p.relative_to(public).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(public.rglob("*")) if p.is_file()}


def survivors(tag: str) -> list[str]:
    """Processes still running with the build's tag in their environment: "pid command"."""
    found = []
    needle = f"{TAG}={tag}".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if needle in (entry / "environ").read_bytes().split(b"\0"):
                command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
                found.append(f"{entry.name} {command[:160]}")
        except OSError:  # ended meanwhile, or not ours to read
            continue
    return found


def wait_for_no_survivors(tag: str, seconds: float = 20.0) -> list[str]:
    deadline = time.monotonic() + seconds
    while (left := survivors(tag)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return left


@pytest.fixture(scope="module")
def first_build(tmp_path_factory) -> tuple[Site, dict[str, str]]:
    """The fixture ledger's edition, built once; with what it published, file by file."""
    site = Site(tmp_path_factory.mktemp("crash-first"))
    shutil.copytree(SMALL, site.data)
    site.build_once()
    return site, published(site.public)


# ----------------------------------------------------------------------------- 5. reproducible


def test_two_builds_of_the_same_inputs_publish_the_same_bytes(first_build, tmp_path):
    """A second build of the same inputs, elsewhere (other absolute paths), under umask 077 and with
    ARMSLEDGER_CACHE naming a file: every published file is byte-identical, world-readable, and no
    page loads anything from elsewhere."""
    site, first = first_build
    second = Site(tmp_path / "second-checkout", cache=tmp_path / "not-a-folder", umask=0o077)
    second.cache.write_text("a file, not a folder\n", encoding="utf-8")
    shutil.copytree(SMALL, second.data)
    out = second.build_once()
    assert "warning: validation cache" in out, "an unusable cache is said, once, and is no error"
    again = published(second.public)
    assert len(first) > 40 and sorted(again) == sorted(first)
    different = [name for name in first if first[name] != again[name]]
    assert not different, f"{len(different)} of {len(first)} published files differ between two builds: {different}"
    assert publication_problems(second.public, [EDITION]) == []
    assert stat.S_IMODE((second.public / EDITION / "data").stat().st_mode) == 0o755
    assert stat.S_IMODE((second.public / EDITION / "report.pdf").stat().st_mode) == 0o644


# ----------------------------------------------------------------------------- 4. crash-proof


@dataclass
class Attempt:
    """One build started and (unless it finished first) killed."""

    aim: str  # the phase the plan aimed at
    signal: str = ""  # the signal sent, "" when the build finished before
    phase: str = ""  # the step it was in when killed: execute, render, publish or another step
    returncode: int | None = None
    digest: str | None = None  # of public/<edition>/ after it ended


def _phase(lines: list[str]) -> str:
    """The kind of the last step the build announced (its output is one line per step)."""
    for line in reversed(lines):
        for phase, marker in MARKERS.items():
            if line.startswith("→") and marker in line:
                return phase
        if line.startswith("→"):
            return "other"
    return "startup"


def _attempt(site: Site, aim: str, low: float, high: float, rng: random.Random) -> Attempt:
    """Start a build; once it announces the aimed phase, wait a random while and kill it."""
    attempt = Attempt(aim)
    process = site.start()
    lines: list[str] = []
    seen = threading.Event()

    def read() -> None:
        for line in process.stdout:
            lines.append(line.rstrip("\n"))
            if aim in MARKERS and line.startswith("→") and MARKERS[aim] in line:
                seen.set()
        seen.set()  # the build ended without reaching the phase

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    if aim in MARKERS:
        seen.wait(300)
    time.sleep(rng.uniform(low, high))
    if process.poll() is None:
        signum = rng.choice(SIGNALS)
        attempt.phase = _phase(lines)
        process.send_signal(signum)  # the build alone, not its process group: its children must follow it
        attempt.signal = signum.name
    attempt.returncode = process.wait(120)
    reader.join(10)
    if not attempt.signal:
        assert attempt.returncode == 0, "a build that was not killed failed:\n" + "\n".join(lines[-40:])
    return attempt


def _check_whole(site: Site, attempt: Attempt) -> None:
    """After a build ended, killed or not: the edition and the index are there, whole, and no process of
    that build lives on."""
    left = wait_for_no_survivors(site.tag)
    assert not left, f"processes outlived a build killed by {attempt.signal} in {attempt.phase}: {left}"
    folder = site.public / EDITION
    assert folder.is_dir(), f"public/{EDITION} missing after a kill in {attempt.phase} ({attempt.signal})"
    attempt.digest = tree_digest(folder)
    listing = json.loads((site.public / "editions.json").read_text(encoding="utf-8"))
    assert [e["name"] for e in listing["editions"]] == [EDITION]
    assert (site.public / "index.html").read_text(encoding="utf-8").rstrip().endswith("</html>")


def _change_the_data(site: Site, cycle: int, kind: str) -> None:
    """A new version of the ledger: one flight's note (three notebooks read flights; the report, the
    data package and the database change with it), or a correction more (no notebook reads them)."""
    if kind == "report":
        with open(site.data / "corrections.csv", "a", encoding="utf-8", newline="") as handle:
            handle.write(f"fault-{cycle},2025-03-01,small-flight-2024-01-15,Fault-test entry {cycle}.,Nothing.\n")
        return
    path = site.data / "flights.csv"
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[1][rows[0].index("note")] = f"Fault-test edit {cycle}."
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)


def test_a_build_killed_anywhere_leaves_every_edition_whole_and_no_kernel(first_build, capsys):
    """Builds killed at random points (notebooks running, rendering, publishing, and anywhere), mostly by
    SIGKILL of the build alone: after each, public/<edition>/ is the whole old publication or the whole
    new one, the index is whole, no process the build started is left, and the next build finishes.
    The first round starts from a corrupt step record (.doit.db), which the build sets aside."""
    site, _ = first_build
    rng = random.Random(SEED)
    attempts: list[Attempt] = []
    started = time.monotonic()
    cycle = 0
    while sum(1 for a in attempts if a.signal) < KILLS:
        cycle += 1
        assert cycle <= len(ROUNDS), "too few kills landed; see the plans"
        kind = ROUNDS[cycle - 1]
        old = tree_digest(site.public / EDITION)
        _change_the_data(site, cycle, kind)
        site.day = FIRST_DAY + dt.timedelta(days=cycle)  # so that the old publication is archived by its date
        if cycle == 1:
            (site.build / ".doit.db").write_text('{"execute:latest:01-ledger": {"deps:": [', encoding="utf-8")
        this_round = []
        for aim, low, high in PLANS[kind]:
            attempt = _attempt(site, aim, low, high, rng)
            _check_whole(site, attempt)
            this_round.append(attempt)
        out = site.build_once()  # the next build, to its end
        if cycle == 1:
            assert list(site.build.glob(".doit.db.corrupt-*")), "the corrupt step record was set aside"
        new = tree_digest(site.public / EDITION)
        assert new != old, out[-2000:]
        for attempt in this_round:
            assert attempt.digest in (old, new), (
                f"after a kill in {attempt.phase} ({attempt.signal}) public/{EDITION} was neither the old "
                "publication nor the new one")
        assert publication_problems(site.public, [EDITION]) == []
        attempts += this_round
    killed = [a for a in attempts if a.signal]
    with capsys.disabled():
        print("\nfault test attempts (aim: where killed, by what): " + ", ".join(
            f"{a.aim}: {a.phase}/{a.signal}" if a.signal else f"{a.aim}: finished first" for a in attempts))
        print(f"fault test (seed {SEED}): {len(attempts)} builds, {len(killed)} killed "
              f"({dict(Counter(a.signal for a in killed))}) in {dict(Counter(a.phase for a in killed))}; "
              f"{sum(1 for a in killed if a.digest)} left the old or the new edition whole; {cycle} rounds "
              f"in {time.monotonic() - started:.0f} s")
    landed = Counter(a.phase for a in killed)
    assert landed["execute"] >= 3 and landed["render"] >= 3 and landed["publish"] >= 3, landed


# ----------------------------------------------------------------------------- damage, detected and repaired


@pytest.fixture
def in_process(first_build, monkeypatch) -> Site:
    """The first build's site, for builds run in this process with its environment."""
    site, _ = first_build
    for name, value in site.env().items():
        monkeypatch.setenv(name, value)
    return site


def test_a_truncated_build_output_is_rebuilt_not_published(in_process):
    from armsledger.pipeline.runner import run, stale

    site = in_process
    before = published(site.public)
    database = site.build / EDITION / "armsledger.db"
    database.write_bytes(database.read_bytes()[:4096])  # a write cut short, a disk that filled up
    assert "database:latest" in stale(site.config())
    assert run(site.config()) == 0
    assert published(site.public) == before, "the rebuilt database is the one published before"
    assert stale(site.config()) == []


def test_data_edited_during_a_build_are_neither_used_nor_published(in_process, monkeypatch):
    """The steps read the copy that was validated (build/_data/): an edit after validation, here one
    that makes the data invalid, reaches neither the notebooks nor the published data package."""
    from armsledger.pipeline import runner, snapshot

    site = in_process
    transfers = site.data / "transfers.csv"
    valid = transfers.read_bytes()
    validated = snapshot.validated

    def then_edited(data_dir, build_dir):
        result = validated(data_dir, build_dir)
        transfers.write_bytes(valid.replace(b",1000000,", b",1 million,", 1))  # while the build runs
        return result

    monkeypatch.setattr(snapshot, "validated", then_edited)
    try:
        assert runner.run(site.config()) == 0
    finally:
        transfers.write_bytes(valid)
    assert b"1 million" not in (site.build / snapshot.SNAPSHOT_DIR / "transfers.csv").read_bytes()
    assert b"1 million" not in (site.public / EDITION / "data" / "transfers.csv").read_bytes()
    with zipfile.ZipFile(site.public / EDITION / "data" / "armsledger-data.zip") as archive:
        assert b"1 million" not in archive.read("transfers.csv")


def test_a_build_output_changed_after_its_step_is_never_published(tmp_path):
    """The copy publishing makes is checked against the hash its step recorded (pipeline.seal)."""
    from armsledger.pipeline import seal

    made = tmp_path / "made.csv"
    made.write_text("a,b\n1,2\n", encoding="utf-8")
    seal.record([str(made)])
    copy = tmp_path / "copy.csv"
    copy.write_text("a,b\n1,", encoding="utf-8")  # truncated since
    with pytest.raises(seal.Broken, match="made.csv"):
        seal.verify([(made, copy)])
    shutil.copyfile(made, copy)
    seal.verify([(made, copy)])


def test_a_corrupt_step_record_is_set_aside_and_every_step_runs_again(in_process, capfd):
    from armsledger.pipeline.runner import stale

    site = in_process
    record = site.build / ".doit.db"
    kept = record.read_bytes()
    for aside in site.build.glob(".doit.db.corrupt-*"):
        aside.unlink()
    try:
        record.write_bytes(kept[: len(kept) // 2])  # cut short
        steps = stale(site.config())
        assert "execute:latest:01-ledger" in steps and "publish:latest" in steps and "render:latest" in steps
        assert "step record" in capfd.readouterr().err
        assert [p.name for p in site.build.glob(".doit.db.corrupt-*")] == [".doit.db.corrupt-1"]
    finally:
        record.write_bytes(kept)
    assert stale(site.config()) == []


def test_check_published_reports_a_missing_edition(first_build, tmp_path):
    site, _ = first_build
    public = tmp_path / "public"
    shutil.copytree(site.public, public)
    assert publication_problems(public, [EDITION]) == []
    problems = publication_problems(public, [EDITION, "usd-confirmed"])
    assert len(problems) == 1 and "missing-edition: edition 'usd-confirmed'" in problems[0]
    (public / ".usd-confirmed.journal").write_text("{}", encoding="utf-8")
    os.chmod(public / EDITION / "report.pdf", 0o600)
    problems = publication_problems(public, [EDITION])
    assert any("unfinished-publish" in p for p in problems) and any("not-world-readable" in p for p in problems)


def test_a_publish_of_another_edition_cut_short_is_finished_and_listed(in_process):
    """A build of one edition finishes the publish of another that was killed between its two renames
    (as earlier versions published): that edition is back, and in the index."""
    from armsledger.pipeline.runner import run

    site = in_process
    other = "usd-confirmed"
    shutil.copytree(site.public / EDITION, site.public / f".{other}.old")  # its previous publication
    try:
        assert run(site.config()) == 0
        assert (site.public / other / "index.html").is_file()
        listing = json.loads((site.public / "editions.json").read_text(encoding="utf-8"))
        assert [e["name"] for e in listing["editions"]] == [EDITION, other]
        assert f'href="{other}/index.html"' in (site.public / "index.html").read_text(encoding="utf-8")
    finally:
        shutil.rmtree(site.public / other, ignore_errors=True)
    assert run(site.config()) == 0
    listing = json.loads((site.public / "editions.json").read_text(encoding="utf-8"))
    assert [e["name"] for e in listing["editions"]] == [EDITION]


@pytest.mark.parametrize("where", ["a file", "a folder nobody can write"])
def test_the_validation_cache_is_optional(where, tmp_path, monkeypatch, capfd):
    from armsledger.validate import cache

    data = tmp_path / "data"
    shutil.copytree(SMALL, data)
    if where == "a file":
        (tmp_path / "cache").write_text("not a folder\n", encoding="utf-8")
        monkeypatch.setenv("ARMSLEDGER_CACHE", str(tmp_path / "cache"))
    else:
        monkeypatch.setenv("ARMSLEDGER_CACHE", "/proc/self/armsledger-cache")  # not even root writes here
    monkeypatch.setattr(cache, "_warned", set())
    cache.ensure_valid(data)
    cache.ensure_valid(data)  # validated again, said once
    err = capfd.readouterr().err
    assert err.count("armsledger: warning: validation cache") == 1, err
    assert not cache.is_validated(data)


def test_a_corrupt_validation_cache_entry_is_removed_and_the_data_validated_again(tmp_path, monkeypatch, capfd):
    from armsledger.validate import cache

    data = tmp_path / "data"
    shutil.copytree(SMALL, data)
    monkeypatch.setenv("ARMSLEDGER_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(cache, "_warned", set())
    cache.ensure_valid(data)
    stamp = cache.stamp_for(data)
    stamp.write_bytes(b"\x00garbage")
    assert not cache.is_validated(data)
    assert "is corrupt" in capfd.readouterr().err and not stamp.exists()
    cache.ensure_valid(data)
    assert cache.is_validated(data)


# ----------------------------------------------------------------------------- progress from many threads


@pytest.mark.parametrize("fancy", [False, True])
def test_progress_lines_stay_whole_when_steps_report_from_many_threads(fancy):
    """doit runs steps in threads, each reporting as it goes: no line is cut by another, no count is lost,
    and nothing writes to whatever sys.stdout another thread has put in place."""
    import io

    from armsledger.pipeline import progress

    out, err = io.StringIO(), io.StringIO()
    display = progress.begin(progress.Display(fancy=fancy, out=out, err=err))
    display.start(8 * 100)

    def steps(n: int) -> None:
        for i in range(100):
            display.step(f"[t{n}] step {i}")
            progress.say(f"  ✓ [t{n}] done {i}")
            if i % 25 == 0:
                progress.say(f"  ✗ [t{n}] failed {i}", error=True)

    workers = [threading.Thread(target=steps, args=(n,)) for n in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    progress.end()
    assert display.done == 800
    assert sorted(err.getvalue().splitlines()) == sorted(f"  ✗ [t{n}] failed {i}" for n in range(8)
                                                         for i in range(0, 100, 25))
    if not fancy:
        lines = out.getvalue().splitlines()
        assert len(lines) == 1600 and all(re.fullmatch(r"(→ \[t\d\] step|  ✓ \[t\d\] done) \d+", line)
                                          for line in lines)
