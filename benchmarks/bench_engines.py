"""The default grid (4 sections x 3 weights) through both engines, in one run.

Prints each engine's wall time, their ratio, and the inline engine's time over the sum of
NEURON's own run times of the batch engine's points (full 1000 ms runs), which is what the
same simulations cost without any process or model overhead. The inline engine's time is
given twice: the whole command's wall time, and the engine's own (run.json
``seconds.engine``: building the model and measuring the points, without the start of
Python, the import of NetPyNE and the input checks, which every run pays once).

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
        wall, points, neuron, own = best[engine]
        print(f'{engine}: wall {wall:.1f} s for {points} points (engine alone {own:.2f} s), '
              f'NEURON run time {neuron:.2f} s in all')
    neuron_full = best['batch'][2]
    print(f"batch / inline wall time: {best['batch'][0] / best['inline'][0]:.1f}x (goal: batch within 5x of inline)")
    print(f"inline engine time / NEURON time of the full runs: {best['inline'][3] / neuron_full:.2f} (goal: within 1.5)")
    print(f"inline command wall time / NEURON time of the full runs: {best['inline'][0] / neuron_full:.2f}")


if __name__ == '__main__':
    main()
