"""The default grid (4 sections x 3 weights) through both engines, in one run.

Prints each engine's wall time, their ratio, and the inline engine's wall time over the
sum of NEURON's own run times of the batch engine's points (full 1000 ms runs), which is
what the same simulations cost without any process or model overhead.

    python benchmarks/bench_engines.py [--jobs N] [--repeat K] [-- extra grid arguments]
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grid import time_grid, timing_arguments  # noqa: E402


def main():
    args = timing_arguments(__doc__.splitlines()[0])
    best = {}
    for engine in ('batch', 'inline'):
        runs = [time_grid(args.jobs, [*args.grid_args, '--engine', engine]) for _ in range(args.repeat)]
        best[engine] = min(runs)
        wall, points, neuron = best[engine]
        print(f'{engine}: wall {wall:.1f} s for {points} points, NEURON run time {neuron:.2f} s in all')
    ratio = best['batch'][0] / best['inline'][0]
    over_neuron = best['inline'][0] / best['batch'][2]
    print(f'batch / inline wall time: {ratio:.1f}x (goal: at least 5x)')
    print(f'inline wall time / NEURON time of the full runs: {over_neuron:.2f} (goal: within 1.5)')


if __name__ == '__main__':
    main()
