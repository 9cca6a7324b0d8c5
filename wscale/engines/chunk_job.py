"""One SLURM job of a cluster run: measure the units of one chunk in one process.

    python -m wscale.engines.chunk_job OUT/grid_batch chunk_0001

The run is read from OUT/grid_batch/cluster.json: the job measures with the spec the
command settled when it submitted the run (cfg.py edited since changes nothing), through
the project's netParams.py. Each unit's records are written as soon as it is done; units
that already have a record (a requeued job) are skipped. The chunk's units are shared
among the job's CPUs (``--cores-per-job``).
"""

import json
import sys
from pathlib import Path

from analysis.results import write_json_atomic
from wscale import faults
from wscale.engines import cluster_folder, inline
from wscale.errors import UserError, exits_cleanly
from wscale.measure import lean


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
    by_setting = {}
    for index in todo:
        values = {name: run.units[index][name] for name in spec.columns}
        by_setting.setdefault(json.dumps(values, sort_keys=True), (values, []))[1].append(index)
    cores = spec.options.cluster.cores_per_job
    for values, indices in by_setting.values():
        tasks = [inline.unit_task(run.units[index]) for index in indices]
        for index, records in zip(indices, inline.measure_units(spec, values, tasks, cores)):
            write_json_atomic(run.record_path(index), records if spec.search == 'target' else records[0])
    print(f'{chunk}: {len(todo)} units measured')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
