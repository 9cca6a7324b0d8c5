"""The state of a local run's output folder, in OUT/status.json, and what an interrupted
or finished run leaves there.

``running`` (with the command's pid and host) from the moment the run is settled;
``interrupted`` when the command is stopped (Ctrl-C, SIGTERM, an error), with the
command that resumes it; ``finished`` once every output is written, run.json last. A run
killed outright (SIGKILL, a lost machine) leaves ``running`` with a pid that no longer
runs: it counts as interrupted.
"""

import datetime
import os
import platform
import shlex
import shutil
from pathlib import Path

from analysis.results import read_json, write_json_atomic
from wscale import lifeline
from wscale.report import outputs
from wscale.search.validation import VALIDATION_FILE, VALIDATION_PLOT

STATUS_FILE = 'status.json'
RUNNING, INTERRUPTED, FINISHED = 'running', 'interrupted', 'finished'
# what a run writes into OUT once it has measured (weightNorm files by their stem)
OUTPUT_NAMES = (outputs.RESULTS_FILE, outputs.SUMMARY_FILE, outputs.EPSP_PLOT, outputs.WEIGHT_NORM_PLOT,
                outputs.LOAD_SCRIPT, outputs.CELLS_PLOT, VALIDATION_FILE, VALIDATION_PLOT, outputs.RUN_FILE)
WEIGHT_NORM_STEM = Path(outputs.WEIGHT_NORM_PKL).stem


def resume_command(out):
    return f'python M1_grid_search.py --resume {shlex.quote(str(out))}'


def write_status(out, status):
    """Record the run's state in OUT/status.json."""
    write_json_atomic(Path(out) / STATUS_FILE, {
        'status': status,
        'pid': os.getpid(),
        'host': platform.node(),
        'time': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
        'resume': resume_command(out),
    })


def read_status(out):
    """OUT/status.json as a dict, with ``running`` turned into ``interrupted`` where its
    command no longer runs on this host; None without one."""
    try:
        status = read_json(Path(out) / STATUS_FILE)
    except (OSError, ValueError):
        return None
    pid = status.get('pid')
    if status.get('status') == RUNNING and status.get('host') == platform.node() and not (
            isinstance(pid, int) and lifeline.alive(pid)):
        status['status'] = INTERRUPTED
    return status


def outputs_in(out):
    """The output files (and a network run's per-cell-type folders) in ``out``."""
    out = Path(out)
    if not out.is_dir():
        return []
    found = [out / name for name in OUTPUT_NAMES if (out / name).is_file()]
    found += [path for path in out.glob(f'{WEIGHT_NORM_STEM}*') if path.is_file()]
    found += [path for path in out.iterdir() if path.is_dir() and (path / outputs.SUMMARY_FILE).is_file()]
    return sorted(set(found))


def output_stamps(out):
    """{file: (inode, change time)} of every output file in ``out`` (in a network run's
    per-cell-type folders too): what a run finds there before it writes its own."""
    stamps = {}
    for path in outputs_in(out):
        for item in (path.rglob('*') if path.is_dir() else [path]):
            if item.is_file():
                found = item.stat()
                stamps[item] = (found.st_ino, found.st_mtime_ns)
    return stamps


def remove_written(out, stamps):
    """Remove the output files in ``out`` that this run wrote: those not in ``stamps``
    (see ``output_stamps``, taken when it started) as they were then."""
    emptied = set()
    for path, stamp in output_stamps(out).items():
        if stamps.get(path) != stamp:
            path.unlink(missing_ok=True)
            emptied.add(path.parent)
    for folder in emptied - {Path(out)}:
        if not any(item.is_file() for item in folder.rglob('*')):
            shutil.rmtree(folder, ignore_errors=True)


def remove_unwritten(out, stamps):
    """Remove the files of ``stamps`` (see ``output_stamps``) that this run has not
    written again (the same inode and time: every output is replaced by a rename), and
    the per-cell-type folders left without a summary."""
    for path, stamp in stamps.items():
        try:
            found = path.stat()
        except OSError:
            continue
        if (found.st_ino, found.st_mtime_ns) == stamp:
            path.unlink()
    for folder in {path.parent for path in stamps} - {Path(out)}:
        if folder.is_dir() and not (folder / outputs.SUMMARY_FILE).exists():
            shutil.rmtree(folder, ignore_errors=True)
