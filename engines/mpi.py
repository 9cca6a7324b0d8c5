"""The process that runs the NetPyNE Batch: plain Python for one job, MPI for more.

The grid command starts ``engines.batch_process`` (with more than one job under
``mpiexec``, from the pip ``mpich`` wheel; no system MPI needed) with one rank per job;
rank 0 runs the Batch and every rank, rank 0 included, takes jobs from its bulletin board.
With one job the Batch runs in a single process, serially.
"""

import os
import shutil
import sys
from pathlib import Path

from engines.errors import UserError
from engines.point import PROJECT_DIR

PROCESS_ENV = 'WSCALE_BATCH_PROCESS'
SERIAL, MPI = 'serial', 'mpi'
THROTTLE_ENV = 'MPIR_CVAR_CH4_PROGRESS_THROTTLE'  # MPICH: poll less while nothing progresses


def batch_process():
    """'serial' or 'mpi' inside a batch process started by ``batch_command``, else None."""
    return os.environ.get(PROCESS_ENV)


def _prefixes():
    return [Path(p) for p in dict.fromkeys([sys.prefix, sys.base_prefix, sys.exec_prefix])]


def mpi_library():
    """Path of the MPI shared library NEURON should load; MPI_LIB_NRN_PATH wins if set."""
    if os.environ.get('MPI_LIB_NRN_PATH'):
        return os.environ['MPI_LIB_NRN_PATH']
    for prefix in _prefixes():
        found = sorted((prefix / 'lib').glob('libmpi.so.*'))
        if found:
            return str(found[0])
    raise UserError('no MPI library found (pip install -r requirements.txt installs mpich); or run with --jobs 1')


def mpiexec():
    """The mpiexec beside this Python interpreter, else the one on PATH."""
    beside = Path(sys.executable).parent / 'mpiexec'
    if beside.exists():
        return str(beside)
    found = shutil.which('mpiexec')
    if not found:
        raise UserError('mpiexec not found (pip install -r requirements.txt installs mpich); or run with --jobs 1')
    return found


def batch_command(spec, jobs):
    """(command, environment) of the batch process, ``python -m engines.batch_process
    spec``, for the run spec file ``spec``.

    Each point is started by NEURON as ``nrniv init.py ...``: the folder of this Python's
    executables goes first on PATH so that the matching nrniv is found.
    """
    env = dict(os.environ)
    env['PATH'] = os.pathsep.join([str(Path(sys.executable).parent), env.get('PATH', '')])
    env['PYTHONPATH'] = os.pathsep.join(filter(None, [str(PROJECT_DIR), env.get('PYTHONPATH')]))
    command = [sys.executable, '-m', 'engines.batch_process', str(spec)]
    if jobs == 1:
        env[PROCESS_ENV] = SERIAL
        return command, env
    env[PROCESS_ENV] = MPI
    env['MPI_LIB_NRN_PATH'] = mpi_library()
    # a rank waiting on the bulletin board polls MPI; throttled, an idle rank leaves its
    # core to the point processes (default grid, 2 jobs: 36 s of CPU down to 27 s)
    env.setdefault(THROTTLE_ENV, '1')
    return [mpiexec(), '-n', str(jobs), *command], env


def parallel_context():
    """The ParallelContext of this batch process, with MPI started in NEURON when the
    process is an MPI rank (before NetPyNE is imported)."""
    from neuron import h

    if batch_process() == MPI:
        h.nrnmpi_init()
    return h.ParallelContext()


def finish():
    """End this batch process through NEURON, which finalises MPI on the way out; the
    workers were released by the Batch (``pc.done()``) and finalise on their own."""
    from neuron import h

    h.quit()
