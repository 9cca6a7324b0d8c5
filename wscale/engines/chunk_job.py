"""One SLURM job of a cluster run: measure the units of one chunk in one process.

    python -m wscale.engines.chunk_job OUT/grid_batch chunk_0001

The run is read from OUT/grid_batch/cluster.json: the job measures with the spec the
command settled when it submitted the run (cfg.py edited since changes nothing), through
the project's netParams.py. Each unit's records are written as soon as it is done; units
that already have a record (a requeued job) are skipped. The chunk's units are shared
among the job's CPUs (``--cores-per-job``).
"""

import sys
from pathlib import Path

from analysis.results import write_json_atomic
from wscale import faults
from wscale.engines import cluster_folder, inline
from wscale.errors import UserError, exits_cleanly
from wscale.measure import lean
from wscale.run.spec import LABEL


@exits_cleanly
def main(argv):
    lean.lean_netpyne()
    if len(argv) != 2:
        raise UserError('usage: python -m wscale.engines.chunk_job GRID_BATCH_FOLDER CHUNK')
    folder, chunk = Path(argv[0]), argv[1]
    faults.inject('job', chunk=chunk)
    run = cluster_folder.Run(folder)
    spec = cluster_folder.spec_of(run.manifest, folder.parent)
    finished = run.finished()
    todo = [index for index in run.chunks()[chunk] if index not in finished]
    index_of = {run.units[index][LABEL]: index for index in todo}
    units = [run.units[index] for index in todo]
    for unit, records in inline.measure_units(spec, units, spec.options.cluster.cores_per_job):
        write_json_atomic(run.record_path(index_of[unit[LABEL]]), records if spec.search == 'target' else records[0])
    print(f'{chunk}: {len(todo)} units measured')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
