"""Running the project's commands as a user would, in a fresh process."""

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def run_command(*args, cwd=PROJECT, timeout=300, env=None):
    """Run ``python <args>`` in ``cwd`` (the project folder by default), with ``env``
    added to the environment; return the CompletedProcess."""
    env = {**os.environ, **(env or {})}
    env.pop('WSCALE_BATCH_PROCESS', None)
    return subprocess.run(
        [sys.executable, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


def assert_one_line_error(proc, named):
    """The command failed with one 'error: ...' line naming ``named``, no traceback, no stdout."""
    assert proc.returncode != 0
    assert proc.stdout == ''
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith('error: ') and named in lines[0], lines[0]
    assert 'Traceback' not in proc.stderr
