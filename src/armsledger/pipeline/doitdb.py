"""doit's dependency file (build/.doit.db), kept whole: written atomically after every step, and an
unreadable one set aside with a warning, so that the next build starts over instead of failing."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from doit.dependency import DatabaseException, JsonDB

from armsledger.pipeline import progress

NAME = "atomic-json"  # the backend's name in doit's BACKEND plugin table
PLUGIN = {"BACKEND": {NAME: f"{__name__}:AtomicJsonDB"}}


def set_aside(path: Path) -> Path:
    """Move an unreadable file out of the way (kept for reading), under a name that does not exist yet."""
    n = 1
    while (aside := path.with_name(f"{path.name}.corrupt-{n}")).exists():
        n += 1
    os.replace(path, aside)
    return aside


def _readable(db: object) -> bool:
    """doit's JSON layout: {task name: {dependency: state}}."""
    return isinstance(db, dict) and all(isinstance(v, dict) for v in db.values())


class AtomicJsonDB(JsonDB):
    """doit's JSON backend, except that (1) a kill never leaves half a file: it writes a temporary
    file and renames it over the old one; (2) it saves after each step that succeeds, so that a
    killed build keeps what it finished; (3) a file it cannot read is set aside, not fatal."""

    desc = "JSON file, written atomically after every step"

    def __init__(self, name, codec, *, module_name=None):
        self.name, self.codec, self._db = name, codec, {}
        try:
            super().__init__(name, codec, module_name=module_name)
            if not _readable(self._db):
                raise DatabaseException("not a table of steps")
        except (DatabaseException, OSError, ValueError) as error:
            reason = str(error).splitlines()[0] if str(error) else type(error).__name__
            aside = set_aside(Path(name))
            progress.say(f"warning: the build's step record {name} was unreadable ({reason}); set aside as "
                         f"{aside.name}: every step runs again", error=True)
            self._db = {}

    def set(self, task_id, dependency, value):
        super().set(task_id, dependency, value)
        # doit saves a finished step as a run of `set` calls ending with its list of dependencies
        # ('deps:'); written then, the file holds whole steps only. (All from doit's main thread.)
        if dependency == "deps:":
            self.dump()

    def dump(self):
        target = Path(self.name)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            temporary.write_text(self.codec.encode(self._db), encoding="utf-8")
            os.replace(temporary, target)
        finally:
            with contextlib.suppress(FileNotFoundError):
                temporary.unlink()
