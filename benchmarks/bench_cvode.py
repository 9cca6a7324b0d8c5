"""How far CVode's EPSPs lie from the fixed step's on the generated cell.

Runs the same grid (20 places spread over the cell x 3 weights) with the fixed step
(cfg.dt) and with --cvode at several --atol, through the inline engine, and prints the
largest relative EPSP deviation and NEURON's run time of each.

    python benchmarks/bench_cvode.py [--atol 1e-3 1e-4 1e-5]
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grid import machine  # noqa: E402
from bench_targeted import CELL, grid_command  # noqa: E402

SECTIONS = ['soma', 'basal_0', 'basal_1_0', 'basal_3_1', 'apic_trunk_0', 'apic_trunk_2', 'apic_trunk_4',
            'apic_obl_1', 'apic_obl_3', 'apic_tuft_0', 'apic_tuft_1_0', 'apic_tuft_2_1', 'axon_0', 'axon_1']


def epsps(out, *args):
    grid_command(out, '--secs', *SECTIONS, '--locs', '0.3', '0.9', '--weights', '0.001', '0.003', '0.006', *args)
    points = json.loads((Path(out) / 'results.json').read_text())
    return [p['epsp'] for p in points], sum(p['run_time'] for p in points)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--atol', nargs='+', type=float, default=[1e-3, 1e-4, 1e-5])
    args = parser.parse_args()
    print(f'machine: {machine()}; cell: {CELL.name}')
    with tempfile.TemporaryDirectory() as folder:
        fixed, fixed_time = epsps(Path(folder) / 'fixed')
        print(f'fixed step: {len(fixed)} points, NEURON run time {fixed_time:.2f} s')
        for atol in args.atol:
            variable, variable_time = epsps(Path(folder) / f'cvode{atol}', '--cvode', '--atol', repr(atol))
            worst = max(abs(v / f - 1) for v, f in zip(variable, fixed))
            print(f'--cvode --atol {atol:g}: largest EPSP deviation {100 * worst:.3f} %, '
                  f'NEURON run time {variable_time:.2f} s')


if __name__ == '__main__':
    main()
