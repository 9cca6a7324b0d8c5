"""Where the grid's jobs run: the one place that says how NetPyNE's Batch submits them.

``local`` runs each point as its own process on this machine through NEURON's bulletin
board (``mpi_bulletin``): serially with one job, in parallel over MPI ranks with more.
"""

import os

from engines.point import PROJECT_DIR

INIT_SCRIPT = PROJECT_DIR / 'init.py'


def default_jobs():
    """Parallel jobs by default: one per core available to this process."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def local():
    """runCfg for NetPyNE's Batch: every point is ``nrniv init.py simConfig=... netParams=...``."""
    return {'type': 'mpi_bulletin', 'script': str(INIT_SCRIPT), 'skip': False}
