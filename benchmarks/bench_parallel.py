"""How the batch engine scales with jobs, in one run: the default grid (or the grid the
arguments after ``--`` choose) with ``--jobs 1, 2, 4, ...`` up to this machine's cores,
and the inline engine with all cores for comparison.

Prints each wall time (the best of --repeat runs), the speed-up over --jobs 1, and the
goals: --jobs 2 at least 1.7x faster than --jobs 1, the batch engine with all cores
within 5x of the inline engine's wall time.

    python benchmarks/bench_parallel.py [--repeat K] [-- extra grid arguments]
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grid import time_grid, timing_arguments  # noqa: E402


def job_counts(cores):
    """1, 2, 4, ... up to ``cores``, and ``cores`` itself."""
    counts = [1]
    while counts[-1] * 2 <= cores:
        counts.append(counts[-1] * 2)
    return counts if counts[-1] == cores else counts + [cores]


def best_wall(jobs, grid_args, repeat):
    runs = [time_grid(jobs, grid_args) for _ in range(repeat)]
    return min(runs)


def main():
    args = timing_arguments(__doc__.splitlines()[0])
    cores = len(os.sched_getaffinity(0))
    walls = {}
    for jobs in job_counts(cores):
        wall, points, _, _ = best_wall(jobs, [*args.grid_args, '--engine', 'batch'], args.repeat)
        walls[jobs] = wall
        print(f'batch --jobs {jobs}: {wall:.2f} s for {points} points, '
              f'speed-up {walls[1] / wall:.2f}x (ideal {min(jobs, points)}x)')
    inline, points, _, _ = best_wall(cores, [*args.grid_args, '--engine', 'inline'], args.repeat)
    print(f'inline --jobs {cores}: {inline:.2f} s for {points} points')
    if 2 in walls:
        print(f'--jobs 2 over --jobs 1: {walls[1] / walls[2]:.2f}x (goal: at least 1.7x)')
    print(f'batch / inline with {cores} jobs: {walls[cores] / inline:.2f}x (goal: within 5x)')


if __name__ == '__main__':
    main()
