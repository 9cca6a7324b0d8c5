"""Shared test helpers: the project folder on sys.path, and running its commands."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:
    sys.path.insert(0, str(PROJECT))


def run_command(*args, cwd=PROJECT, timeout=300):
    """Run ``python <args>`` from the project folder; return the CompletedProcess."""
    env = dict(os.environ)
    env.pop('WSCALE_MPI_WORLD', None)
    return subprocess.run(
        [sys.executable, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


@pytest.fixture(scope='session')
def project():
    return PROJECT
