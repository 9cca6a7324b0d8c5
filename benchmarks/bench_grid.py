"""Time ``python M1_grid_search.py`` on the default grid (4 sections x 3 weights), or on
the grid that the arguments after ``--`` choose.

Prints the wall time, the number of points, and the sum of NEURON's own run times, so
that the per-point overhead (process start, imports, cell building) is visible.

    python benchmarks/bench_grid.py [--jobs N] [--repeat K]
    python benchmarks/bench_grid.py --repeat 1 -- --cell cells/pyramidal.json --secs basal_0 --all-segments
"""

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def machine():
    """A one-line description of this machine."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path('/proc/cpuinfo').read_text().splitlines():
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0))
    return f'{cpu}, {cores} cores, Python {platform.python_version()}'


def simulations_line(summary):
    """Simulations per place of a targeted search, for the places that reached the target
    and for those no weight up to the largest reaches, apart."""
    found = [row['simulations'] for row in summary if row['in_range']]
    short = [row['simulations'] for row in summary if not row['in_range'] and row['search'].startswith('no weight up to')]
    other = len(summary) - len(found) - len(short)

    def mean(values):
        return f'{sum(values) / len(values):.2f}' if values else '-'

    return (f'simulations per place: {len(found)} found, {mean(found)} on average; {len(short)} unreachable, '
            f'{mean(short)} on average' + (f'; {other} others' if other else ''))


def run_grid(jobs, grid_args=(), read=('results.json', 'run.json'), keep=None):
    """Run ``M1_grid_search.py`` once into a temporary folder (copied to ``keep`` at the
    end, where given); return its wall time (s) and {name: the JSON of that output file}
    for the files named in ``read``."""
    with tempfile.TemporaryDirectory() as out:
        command = [sys.executable, str(PROJECT / 'M1_grid_search.py'), *map(str, grid_args), '--out', out]
        if jobs:
            command += ['--jobs', str(jobs)]
        started = time.perf_counter()
        proc = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True)
        wall = time.perf_counter() - started
        if proc.returncode != 0:
            sys.exit(f'error: the grid run failed (status {proc.returncode}): {proc.stderr.strip()[-500:]}')
        if keep is not None:
            shutil.copytree(out, keep, dirs_exist_ok=True)
        return wall, {name: json.loads((Path(out) / name).read_text()) for name in read}


def time_grid(jobs, grid_args=()):
    """Run the grid once; return (wall seconds, points, NEURON seconds summed, the engine's
    seconds from run.json: its model building and points, without the start of Python,
    the import of NetPyNE, the input checks and the analysis)."""
    wall, files = run_grid(jobs, grid_args)
    points = files['results.json']
    return wall, len(points), sum(p.get('run_time') or 0.0 for p in points), files['run.json']['seconds']['engine']


def timing_arguments(description):
    """--jobs, --repeat and the grid's arguments after --; prints the machine and the grid,
    and runs the grid once to compile mechanisms and warm the file cache."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument('--jobs', type=int, help='parallel jobs (default: the command default, all cores)')
    parser.add_argument('--repeat', type=int, default=3, help='timed runs (default 3); the best counts')
    parser.add_argument('grid_args', nargs='*', help='arguments for M1_grid_search.py, after --')
    args = parser.parse_args()
    print(f'machine: {machine()}')
    print(f"grid: {' '.join(args.grid_args) or 'the default'}")
    time_grid(args.jobs, args.grid_args)
    return args


def main():
    args = timing_arguments(__doc__.splitlines()[0])
    walls = []
    for _ in range(args.repeat):
        wall, points, neuron, _ = time_grid(args.jobs, args.grid_args)
        walls.append(wall)
        print(f'wall {wall:.1f} s, {points} points, NEURON run time {neuron:.2f} s in all, '
              f'overhead {(wall - neuron) / points:.2f} s per point')
    goal = '' if args.grid_args else ' (goal: under 20 s)'
    print(f'best wall time {min(walls):.1f} s over {len(walls)} runs{goal}')


if __name__ == '__main__':
    main()
