"""How long `--validate N` takes on a finished run: the validation stage alone, run on a
copy of the run's folder (default: the heavy cell's every segment, searched first if no
--out is given).

Prints the wall time and the validation's verdict line. ``--code DIR`` measures the
validation of another checkout of the project (an earlier commit, say) on the same folder,
for a before-and-after figure.

    python benchmarks/bench_validate_speed.py --out OUT [--places 20] [--jobs 2] [--code DIR]
"""

import argparse
import dataclasses
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
HEAVY = PROJECT / 'cells' / 'pyramidal_heavy.json'
HEAVY_MOD = PROJECT / 'cells' / 'heavy_mod'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--out', help='a finished run of one cell (default: search the heavy cell first)')
    parser.add_argument('--places', type=int, default=20)
    parser.add_argument('--jobs', type=int, default=2)
    parser.add_argument('--code', default=str(PROJECT), help="the project checkout whose validation is timed")
    args = parser.parse_args()
    code = Path(args.code).resolve()
    sys.path.insert(0, str(code))
    from bench_grid import machine

    from cells import catalogue
    from cells.weight_norm import read_weight_norm
    from wscale.run.spec import RunSpec
    from wscale.search import validation

    if args.out is None:
        args.out = tempfile.mkdtemp(prefix='bench_validate_speed_') + '/search'
        subprocess.run([sys.executable, 'M1_grid_search.py', '--cell', HEAVY, '--mod', HEAVY_MOD, '--secs', 'all',
                        '--all-segments', '--search', 'target', '--engine', 'inline', '--out', args.out],
                       cwd=PROJECT, check=True, stdout=subprocess.DEVNULL)
    out = Path(tempfile.mkdtemp(prefix='bench_validate_speed_')) / 'out'
    shutil.copytree(args.out, out)
    spec = RunSpec.read(out / 'run_spec.json')
    spec.options = dataclasses.replace(spec.options, out=str(out))
    table = read_weight_norm(out / 'weight_norm.pkl')
    cell = catalogue.cell_of(spec.cfg())
    started = time.perf_counter()
    rows, verdict = validation.validate(spec, out / 'weight_norm.pkl', table, cell, args.places, args.jobs)
    wall = time.perf_counter() - started
    print(f'machine: {machine()}; code: {code}')
    print(f'--validate {args.places} with {args.jobs} jobs: {wall:.1f} s wall')
    print(validation.verdict_line(rows, verdict, (len(table), len(cell['secs']))))


if __name__ == '__main__':
    main()
