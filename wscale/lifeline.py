"""No process of a run outlives the command that started it.

Every process the command starts (inline and validation workers, Batch parts, the
``nrniv`` of each Batch point, nrnivmodl) calls ``die_with_parent`` first: on Linux the
kernel kills it with SIGKILL the moment its parent ends (``PR_SET_PDEATHSIG``), however
the parent ended, SIGKILL included; elsewhere a watcher thread ends it within a second
of seeing itself orphaned. A Batch part leads a process group of its own, so that the
command can end it together with the ``nrniv`` it is running (``end_group``).
"""

import contextlib
import ctypes
import ctypes.util
import os
import signal
import sys
import threading
import time
from pathlib import Path

PR_SET_PDEATHSIG = 1
PARENT_VARIABLE = 'WSCALE_PARENT_PID'  # set for a child that is not forked: its parent's pid
WATCH_SECONDS = 0.5


def _kernel_kills_orphans():
    """Ask Linux to SIGKILL this process when its parent ends; False where it cannot."""
    if not sys.platform.startswith('linux'):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library('c') or 'libc.so.6', use_errno=True)
        return libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def alive(pid):
    """Whether the process ``pid`` runs: it exists and, where /proc tells, is no zombie (a
    process that has ended but whose parent has not yet collected it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        state = Path(f'/proc/{pid}/stat').read_text().rsplit(')', 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != 'Z'


def _descends_from(pid):
    """Whether the process ``pid`` is this process's parent or an ancestor (on a system
    without /proc: whether it still runs)."""
    current = os.getppid()
    for _ in range(16):
        if current == pid:
            return True
        try:
            stat = Path(f'/proc/{current}/stat').read_text()
        except OSError:
            return alive(pid) if current == os.getppid() else False
        current = int(stat.rsplit(')', 1)[1].split()[1])
        if current <= 1:
            return False
    return False


def die_with_parent(parent=None):
    """End this process when its parent ends: ``parent``, the pid the parent had when it
    forked this process, or by default the present parent. A process started by exec
    rather than fork (a Batch point's nrniv) also ends unless the process named by
    WSCALE_PARENT_PID is still its parent or an ancestor. If the parent has already gone,
    end now."""
    if parent is None:
        parent = os.getppid()
    kernel = _kernel_kills_orphans()
    named = os.environ.get(PARENT_VARIABLE)
    if os.getppid() != parent or (named and named.isdigit() and not _descends_from(int(named))):
        os._exit(1)
    if kernel:
        return

    def watch():
        while os.getppid() == parent:
            time.sleep(WATCH_SECONDS)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


def lead_own_group():
    """Make this process the leader of a new process group, which its children join."""
    with contextlib.suppress(OSError):
        os.setpgid(0, 0)


def end_group(pid):
    """SIGKILL the process group led by ``pid`` (a process and the children it started)."""
    with contextlib.suppress(OSError):
        os.killpg(pid, signal.SIGKILL)
