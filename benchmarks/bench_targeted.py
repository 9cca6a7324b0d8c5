"""Targeted search over every segment of the generated cell, with the inline engine.

Prints the wall time, the simulations per place, and the largest deviation of the
searched weights from a fixed-step grid reference at 20 of the places (a dense grid of
weights through the inline engine, interpolated to the target).

    python benchmarks/bench_targeted.py [--jobs N] [--reference-places 20] [--reference-weights 60]
"""

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grid import PROJECT, machine, simulations_line  # noqa: E402

CELL = PROJECT / 'cells' / 'pyramidal.json'


def grid_command(out, *args, jobs=None, cell=CELL):
    """Run the grid command with the inline engine on ``cell``; (wall s, summary.json)."""
    command = [sys.executable, str(PROJECT / 'M1_grid_search.py'), '--cell', str(cell), '--engine', 'inline', *args]
    command += ['--out', str(out)] + (['--jobs', str(jobs)] if jobs else [])
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f'error: the run failed (status {proc.returncode}): {proc.stderr.strip()[-500:]}')
    return time.perf_counter() - started, json.loads((Path(out) / 'summary.json').read_text())


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--jobs', type=int, help='parallel jobs (default: all cores)')
    parser.add_argument('--reference-places', type=int, default=20)
    parser.add_argument('--reference-weights', type=int, default=60)
    args = parser.parse_args()
    print(f'machine: {machine()}')
    with tempfile.TemporaryDirectory() as folder:
        wall, summary = grid_command(Path(folder) / 'targeted', '--secs', 'all', '--all-segments', '--search', 'target',
                                     jobs=args.jobs)
        simulations = np.array([row['simulations'] for row in summary])
        found = [row for row in summary if row['in_range']]
        print(f'targeted, every segment: {len(summary)} places in {wall:.1f} s wall; '
              f'{len(found)} converged; simulations per place: mean {simulations.mean():.1f}, max {simulations.max()}')
        print(simulations_line(summary))
        picks = [found[i] for i in np.linspace(0, len(found) - 1, args.reference_places).round().astype(int)]
        low = min(row['weight_at_target'] for row in picks) / 1.5
        high = max(row['weight_at_target'] for row in picks) * 1.5
        weights = [float(w) for w in np.geomspace(low, high, args.reference_weights)]
        deviations = []
        for row in picks:
            _, reference = grid_command(Path(folder) / 'reference', '--secs', row['sec'], '--locs', repr(row['loc']),
                                        '--weights', *map(repr, weights), jobs=1)
            expected = reference[0]['weight_at_target']
            deviations.append(abs(row['weight_at_target'] - expected) / expected)
        print(f'largest deviation from the fixed-step grid reference at {len(picks)} places: '
              f'{100 * max(deviations):.3f} % (goal: within 0.5 %)')


if __name__ == '__main__':
    main()
