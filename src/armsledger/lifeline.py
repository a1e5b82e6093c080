"""Child processes that end with the build: Linux's parent-death signal (prctl PR_SET_PDEATHSIG), so
that a build killed even by SIGKILL, which nothing can clean up after, leaves no renderer or kernel
running (and none writing into build/ while the next build does)."""

from __future__ import annotations

import ctypes
import os
import signal
import sys

PR_SET_PDEATHSIG = 1


def _find_prctl():
    if sys.platform != "linux":
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


# Looked up once, before any fork: between fork and exec a child should only make the call.
_PRCTL = _find_prctl()


def die_with_parent(parent: int | None = None) -> None:
    """In a child (at its start, or between fork and exec): be killed when the thread that started it
    ends, and end now if `parent` has already gone (it died before the request was made)."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if parent is not None and os.getppid() != parent:
        os._exit(1)


def child_options() -> dict:
    """Keyword arguments for subprocess.run or Popen whose child must end with this process. The
    signal follows the thread that starts the child: right for a call that waits for its child."""
    if _PRCTL is None:
        return {}
    parent = os.getpid()
    return {"preexec_fn": lambda: die_with_parent(parent)}
