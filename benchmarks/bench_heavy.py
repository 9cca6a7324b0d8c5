"""Every segment of the heavy cell (cells/pyramidal_heavy.json with its mechanisms in
cells/heavy_mod/: about 750 segments, active dendrites, 15 s of NEURON time per 1000 ms at
dt 0.025 ms here) by targeted search with the
inline engine on all cores, then a brute-force check of the weights found.

Prints the wall time, simulations per place, NEURON time per simulation, and for
--check N places drawn at random (seeded) whether the weight found is within 0.5 % of the
true one: each is simulated from scratch, a whole 1000 ms fixed-step run as init.py does
it, at the weight found x (1 - 0.005) and x (1 + 0.005), whose EPSPs must bracket the
target. Those whole runs also calibrate the machine: the wall time is given again at
REFERENCE_RUN s per whole 1000 ms run, this page's speed when its first figure was taken,
since a shared VM's speed drifts by a factor of two within a day.

    python benchmarks/bench_heavy.py [--check 10] [--jobs N] [-- extra grid arguments]
"""

import argparse
import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grid import PROJECT, machine, run_grid, simulations_line  # noqa: E402

HEAVY = PROJECT / 'cells' / 'pyramidal_heavy.json'
HEAVY_MOD = PROJECT / 'cells' / 'heavy_mod'
TOLERANCE = 0.005  # goal: the weights within 0.5 % of the true ones
GOAL_SECONDS = 30 * 60
REFERENCE_RUN = 15.5  # s of NEURON time per whole 1000 ms run when benchmarks/README.md's first figure was taken


def full_run(sec, loc, weight):
    """The EPSP (mV) of a whole 1000 ms fixed-step simulation in a fresh process (init.py),
    and its NEURON time (s)."""
    proc = subprocess.run(
        [sys.executable, 'init.py', '--cell', str(HEAVY), '--mod', str(HEAVY_MOD), '--sec', sec, '--loc', repr(loc),
         '--weight', repr(weight)],
        cwd=PROJECT, capture_output=True, text=True,
    )
    if proc.returncode != 0:
        sys.exit(f'error: init.py failed at {sec}({loc}): {proc.stderr.strip()[-300:]}')
    record = json.loads(proc.stdout)
    return record['epsp'], record['run_time']


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--check', type=int, default=10, help='places checked by brute force (default 10)')
    parser.add_argument('--jobs', type=int, help='parallel jobs (default: all cores)')
    parser.add_argument('grid_args', nargs='*', help='arguments for M1_grid_search.py, after --')
    args = parser.parse_args()
    print(f'machine: {machine()}')
    segments = sum(sec['geom']['nseg'] for sec in json.loads(HEAVY.read_text())['secs'].values())
    grid = ['--cell', HEAVY, '--mod', HEAVY_MOD, '--secs', 'all', '--all-segments', '--search', 'target',
            '--engine', 'inline', *args.grid_args]
    wall, files = run_grid(args.jobs, grid, read=('results.json', 'summary.json', 'run.json'))
    points, summary, run = files['results.json'], files['summary.json'], files['run.json']
    found = [row for row in summary if row['in_range']]
    run_times = [p['run_time'] for p in points if p.get('run_time')]
    print(f'{len(summary)} places ({segments} segments of the cell) in {wall:.0f} s wall '
          f'({wall / 60:.1f} min; goal: at most {GOAL_SECONDS // 60} min); engine {run["seconds"]["engine"]:.0f} s')
    print(f'found at {len(found)}; simulations per place: mean {len(points) / len(summary):.2f}, '
          f'max {max(row.get("simulations", 0) for row in summary)}')
    print(simulations_line(summary))
    print(f'NEURON time per simulation: mean {np.mean(run_times):.2f} s, max {np.max(run_times):.2f} s')
    rng = np.random.default_rng(1)
    sample = [found[i] for i in sorted(rng.choice(len(found), size=min(args.check, len(found)), replace=False))]
    tasks = [(row['sec'], row['loc'], row['weight_at_target'] * factor) for row in sample
             for factor in (1 - TOLERANCE, 1 + TOLERANCE)]
    with ThreadPoolExecutor(max_workers=args.jobs or len(__import__('os').sched_getaffinity(0))) as pool:
        epsps, run_times = zip(*pool.map(lambda task: full_run(*task), tasks))
    bracketed = 0
    for index, row in enumerate(sample):
        low, high = epsps[2 * index], epsps[2 * index + 1]
        ok = low < row['target'] < high
        bracketed += ok
        print(f"  {row['sec']}({row['loc']:.4f}): weight {row['weight_at_target']:.6g} uS; whole runs at -0.5 % and "
              f"+0.5 %: {low:.5f} and {high:.5f} mV {'bracket' if ok else 'DO NOT bracket'} the target")
    print(f'{bracketed} of {len(sample)} weights within 0.5 % of the whole-run weight at target (goal: all)')
    whole = float(np.mean(run_times))
    print(f'whole 1000 ms runs took {whole:.1f} s here (as many at a time as the search ran); at {REFERENCE_RUN} s '
          f'per run the search would take {wall * REFERENCE_RUN / whole / 60:.1f} min')


if __name__ == '__main__':
    main()
