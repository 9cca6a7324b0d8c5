"""The process that runs a grid's NetPyNE Batch, started by the grid command (under
``mpiexec`` for more than one job, see engines.mpi):

    python -m engines.batch_process OUT/grid_batch/run_spec.json

It reads the run as the command settled it, the cfg and the grid, from that file; it
parses no command line and reads no cfg.py. Rank 0 runs the Batch and takes jobs too;
the other MPI ranks serve its bulletin board until it is done.
"""

import sys

from analysis.results import read_json
from engines import batch, mpi, point


def main(argv):
    pc = mpi.parallel_context()
    import netpyne.batch  # noqa: F401  every rank runs NetPyNE's job function; load it once, up front

    if pc.id() != 0:
        pc.runworker()
        return 0
    spec = read_json(argv[0])
    runner = batch.make_batch(point.cfg_from_settings(spec['cfg']), spec['grid'], spec['out'])
    pc.master_works_on_jobs(1)
    runner.run()
    mpi.finish()
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
