"""One SLURM job of a cluster run: measure the units of one chunk in one process.

    python -m engines.chunk_job OUT/grid_batch chunk_0001

The run's settings are read from OUT/grid_batch/cluster.json: the job measures with the
cfg the command settled when it submitted the run (cfg.py edited since changes nothing),
through the project's netParams.py. Each unit's records are
written as soon as it is done; units that already have a record (a requeued job) are
skipped. The chunk's units are shared among the job's CPUs (``--cores-per-job``).
"""

import functools
import sys
from pathlib import Path

from analysis.results import write_json_atomic
from engines import batch, cluster, inline
from engines.errors import UserError, exits_cleanly


@exits_cleanly
def main(argv):
    if len(argv) != 2:
        raise UserError('usage: python -m engines.chunk_job GRID_BATCH_FOLDER CHUNK')
    folder, chunk = Path(argv[0]), argv[1]
    run = cluster.Run(folder)
    manifest = run.manifest
    options = batch.parse_args([*manifest['argv'], '--out', manifest['out']], manifest['search_params'])
    if 'cfg' in manifest:
        settle = functools.partial(cluster.stored_cfg, manifest)
    else:  # a run submitted before cluster.json held its cfg: settle cfg.py as it did
        settle = functools.partial(batch.configured_cfg, options)
    cfg = settle()
    finished = run.finished()
    todo = [index for index in run.chunks()[chunk] if index not in finished]
    if not todo:
        return 0
    tasks = [cluster.unit_work(run.units[index]) for index in todo]
    lost = functools.partial(batch.lost_work, cfg)
    measured = inline.measure_tasks(settle, tasks, options.cores_per_job, cfg.search, lost)
    for index, records in zip(todo, measured):
        write_json_atomic(run.record_path(index), records if cfg.search == 'target' else records[0])
    print(f'{chunk}: {len(todo)} units measured')
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
