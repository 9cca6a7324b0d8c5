"""What a network gets: every segment of a cell by targeted search, then --validate N
(synapses placed as networks place them), each place simulated with NetPyNE's own
weightNorm lookup, with the run's loading lines and with its own segment's factor.

Prints, per cell and lookup, the median and worst deviation of the EPSP from the target
over the places not on filled segments, and for NetPyNE's lookup the share of places
that read another segment's factor, per placement. Extra arguments go to
M1_grid_search.py (a model: --netparams DIR --cell-types LABEL).

    python benchmarks/bench_validate.py [--places 200] [--cells pyramidal pyramidal_thin_tuft] [-- args]
"""

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grid import PROJECT, machine, run_grid  # noqa: E402

LOOKUPS = (('netpyne', "NetPyNE's own lookup"), ('loaded', 'the loading lines'), ('exact', "the segment's own factor"))


def report(name, wall, rows):
    measured = [row for row in rows if not row['filled']]
    print(f'{name}: {len(rows)} places ({len(rows) - len(measured)} on filled segments, left out) in {wall:.0f} s')
    for lookup, title in LOOKUPS:
        off = [abs(row[f'epsp_{lookup}'] - row['target']) / row['target'] for row in measured
               if row[f'epsp_{lookup}'] is not None]
        print(f'  {title}: median {100 * statistics.median(off):.2f} %, worst {100 * max(off):.2f} % '
              f'({len(measured) - len(off)} failed)')
    for placement in ('uniform', 'centre', 'near an end'):
        mine = [row for row in measured if row['placement'] == placement]
        other = [row for row in mine if row['segment'] != row['netpyne_segment']]
        worst = max((abs(row['epsp_netpyne'] - row['target']) / row['target'] for row in mine
                     if row['epsp_netpyne'] is not None), default=float('nan'))
        print(f"  NetPyNE's lookup, {placement}: {len(other)} of {len(mine)} read another segment's factor, "
              f'worst {100 * worst:.2f} %')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--places', type=int, default=200)
    parser.add_argument('--cells', nargs='+', default=['pyramidal', 'pyramidal_thin_tuft'],
                        help="the project's cells (cells/NAME.json); none with a model's arguments")
    parser.add_argument('--jobs', type=int)
    parser.add_argument('grid_args', nargs='*')
    args = parser.parse_args()
    print(machine())
    common = ['--secs', 'all', '--all-segments', '--search', 'target', '--engine', 'inline', '--validate', args.places]
    if args.grid_args:  # a model's cell type: its files in OUT/<cell type>/
        label = args.grid_args[args.grid_args.index('--cell-types') + 1]
        runs = [(label, [], f'{label}/validation.json')]
    else:
        runs = [(name, ['--cell', PROJECT / 'cells' / f'{name}.json'], 'validation.json') for name in args.cells]
    for name, cell, path in runs:
        wall, files = run_grid(args.jobs, [*cell, *common, *args.grid_args], read=(path,))
        report(name, wall, files[path])


if __name__ == '__main__':
    main()
