"""A whole network by --netparams: every segment of every cell type of a NetPyNE model
written in the M1 style around the generated cells, by targeted search.

The model (written into a temporary folder, as a lab keeps one: cfg.py, netParams.py
reading cfg from __main__, its cells as cellParams files under cells/) has three cell
types: PT5B (cells/pyramidal.json, 287 segments), IT5B (cells/pyramidal_thin_tuft.json,
440 segments, a tuft that saturates below the target) and a one-section PV cell; AMPA,
NMDA (NMDAMg) and an inhibitory GABAA synMech, which must not be used.

Prints the wall time and, per cell type, the places, found, filled and simulations per
place; with --compare, also each cell type run alone (--cell, the same synapse and
conditions: cfg.py's defaults match the model's) and the largest difference between its
weights at target and the network run's.

    python benchmarks/bench_network.py [--engine inline|batch] [--jobs N] [--compare]
"""

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grid import PROJECT, machine, run_grid  # noqa: E402

CELLS = {'PT5B': PROJECT / 'cells' / 'pyramidal.json', 'IT5B': PROJECT / 'cells' / 'pyramidal_thin_tuft.json'}

CFG = '''from netpyne import specs

cfg = specs.SimConfig()
cfg.duration = 2000.0
cfg.dt = 0.025
cfg.hParams = {'celsius': 34, 'v_init': -80}
cfg.recordStep = 0.1
cfg.scale = 1.0
'''

NET_PARAMS = '''from netpyne import specs

try:
    from __main__ import cfg
except ImportError:
    from cfg import cfg

netParams = specs.NetParams()
for label, cellType in (('PT5B', 'PT'), ('IT5B', 'IT')):
    netParams.loadCellParamsRule(label=label, fileName='cells/' + label + '_cellParams.json')
    netParams.cellParams[label]['conds'] = {'cellType': cellType, 'cellModel': 'HH_full'}
netParams.cellParams['PV'] = {'conds': {'cellType': 'PV'}, 'secs': {'soma': {
    'geom': {'diam': 12.0, 'L': 12.0, 'Ra': 100.0, 'cm': 1.0},
    'mechs': {'pas': {'g': 1e-4, 'e': -70.0}}}}}
netParams.popParams['PT5B'] = {'cellType': 'PT', 'cellModel': 'HH_full', 'numCells': int(10 * cfg.scale)}
netParams.popParams['IT5B'] = {'cellType': 'IT', 'cellModel': 'HH_full', 'numCells': int(10 * cfg.scale)}
netParams.popParams['PV'] = {'cellType': 'PV', 'numCells': int(5 * cfg.scale)}
netParams.synMechParams['AMPA'] = {'mod': 'Exp2Syn', 'tau1': 0.05, 'tau2': 5.3, 'e': 0}
netParams.synMechParams['NMDA'] = {'mod': 'NMDAMg', 'tau1': 15.0, 'tau2': 150.0, 'e': 0, 'mg': 1.0}
netParams.synMechParams['GABAA'] = {'mod': 'Exp2Syn', 'tau1': 0.07, 'tau2': 18.2, 'e': -80}
'''


def write_model(folder):
    """The model's files in ``folder``; returns its netParams.py."""
    (folder / 'cells').mkdir(parents=True)
    for label, path in CELLS.items():
        shutil.copy(path, folder / 'cells' / f'{label}_cellParams.json')
    (folder / 'cfg.py').write_text(CFG)
    (folder / 'netParams.py').write_text(NET_PARAMS)
    return folder / 'netParams.py'


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--engine', choices=('inline', 'batch'), default='inline')
    parser.add_argument('--jobs', type=int, help='parallel jobs (default: all cores)')
    parser.add_argument('--compare', action='store_true', help='run each cell type alone too')
    args = parser.parse_args()
    print(f'machine: {machine()}')
    with tempfile.TemporaryDirectory() as folder:
        net_params = write_model(Path(folder) / 'model')
        grid = ['--netparams', net_params, '--all-segments', '--search', 'target', '--synmechs', 'AMPA', 'NMDA',
                '--weight-fractions', '0.5', '0.5', '--engine', args.engine]
        wall, files = run_grid(args.jobs, grid, read=('summary.json', 'run.json'))
    summary, run = files['summary.json'], files['run.json']
    print(f"{len(summary)} places on {len({row['cell'] for row in summary})} cell types in {wall:.1f} s wall "
          f"({args.engine} engine, {run['jobs']} jobs; engine {run['seconds']['engine']:.1f} s)")
    for label in dict.fromkeys(row['cell'] for row in summary):
        rows = [row for row in summary if row['cell'] == label]
        found = sum(1 for row in rows if row['in_range'])
        filled = sum(1 for row in rows if row.get('filled'))
        simulations = sum(row.get('simulations', 0) for row in rows)
        print(f'  {label}: {len(rows)} places, {found} found, {filled} filled, '
              f'{simulations / len(rows):.2f} simulations per place')
    if args.compare:
        compare(summary, args)
    return 0


def compare(summary, args):
    """Each generated cell type alone, with cfg.py's synapse (AMPA and NMDAMg, half the
    weight each, as the network run was given) and conditions."""
    total = 0.0
    for label, path in CELLS.items():
        wall, files = run_grid(args.jobs, ['--cell', path, '--secs', 'all', '--all-segments', '--search', 'target',
                                           '--engine', args.engine], read=('summary.json',))
        total += wall
        alone = {(row['sec'], row['loc']): row['weight_at_target'] for row in files['summary.json'] if row['in_range']}
        network = {(row['sec'], row['loc']): row['weight_at_target'] for row in summary if row['cell'] == label and row['in_range']}
        common = alone.keys() & network.keys()
        worst = max(abs(network[key] / alone[key] - 1) for key in common)
        print(f'  {label} alone: {wall:.1f} s wall, {len(alone)} found ({len(network)} in the network run); '
              f'weights at target differ by at most {100 * worst:.3f} %')
    print(f'  the cell types alone: {total:.1f} s wall in all')


if __name__ == '__main__':
    sys.exit(main())
