"""Time the analysis of a large grid: 700 segments x 19 weights = 13,300 point records.

Writes synthetic per-point records as the batch's jobs do, then times reading them,
the summary, results.json, summary.json, the weightNorm files and the plots.

    python benchmarks/bench_aggregate.py [--sections 100] [--nseg 7] [--weights 19]
"""

import argparse
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from analysis.results import write_json_atomic  # noqa: E402
from wscale.engines import batch  # noqa: E402
from wscale.report import outputs  # noqa: E402
from wscale.run import point  # noqa: E402
from wscale.run.spec import RunOptions, RunSpec  # noqa: E402


def synthetic_grid(folder, sections, nseg, weights):
    """A cellParams of ``sections`` x ``nseg`` segments and one record file per point."""
    cell = {
        'secs': {f'dend_{s}': {'geom': {'L': 200.0, 'nseg': nseg}} for s in range(sections)},
        'secLists': {'basal': [f'dend_{s}' for s in range(sections)]},
    }
    grid = [0.0004 * (k + 1) for k in range(weights)]
    jobs = []
    for s in range(sections):
        for i in range(nseg):
            loc, distance = (i + 0.5) / nseg, 5.0 * s + 200.0 * (i + 0.5) / nseg
            for k, weight in enumerate(grid):
                label = f'grid_{s * nseg + i}_{s * nseg + i}_{k}'
                epsp = weight * 400.0 / (1.0 + distance / 300.0)
                record = {
                    'sec': f'dend_{s}', 'loc': loc, 'weight': weight, 'epsp': epsp, 'loss': (epsp - 0.5) ** 2,
                    'target': 0.5, 'spiked': False, 'status': 'ok', 'error': None, 'distance_um': distance,
                }
                write_json_atomic(point.record_path(folder, label), record)
                jobs.append(({'sec': f'dend_{s}', 'loc': loc, 'weight': weight}, str(Path(folder) / label)))
    return cell, jobs, grid


def spec_of(out, jobs, weights):
    """The settled run these records would come from: grid search, target 0.5 mV, the
    first section as the soma, fill factor 4."""
    places = list(dict.fromkeys((values['sec'], values['loc']) for values, _ in jobs))
    cfg = {'epspTarget': 0.5, 'search': 'grid', 'somaSec': 'dend_0', 'weightNormFill': 4.0}
    return RunSpec(cfg, {'sec': [p[0] for p in places], 'loc': [p[1] for p in places]}, weights, [],
                   RunOptions(argv=[], out=str(out), engine='batch', jobs=1, all_segments=True))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sections', type=int, default=100)
    parser.add_argument('--nseg', type=int, default=7)
    parser.add_argument('--weights', type=int, default=19)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as out:
        folder = Path(out) / outputs.GRID_FOLDER
        folder.mkdir()
        started = time.perf_counter()
        cell, jobs, weights = synthetic_grid(folder, args.sections, args.nseg, args.weights)
        spec = spec_of(out, jobs, weights)
        print(f'{len(jobs)} point records written in {time.perf_counter() - started:.1f} s')
        tracemalloc.start()
        started = time.perf_counter()
        records = batch.collect(spec, jobs)
        read = time.perf_counter() - started
        summary, (weight_norm,) = outputs.write_results(spec, records, cell)
        total = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        print(f'read {len(records)} records in {read:.1f} s; analysis and all files in {total:.1f} s; '
              f'peak Python memory {peak:.0f} MiB')
        print(f'{len(summary)} locations, weightNorm for {len(weight_norm.table)} sections, '
              f'{len(weight_norm.filled)} segments filled, {len(weight_norm.left_out)} sections left out')


if __name__ == '__main__':
    main()
