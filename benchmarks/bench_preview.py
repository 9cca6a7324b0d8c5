"""The error of --preview against a full targeted search, every segment, on our cells:
the generated cell and the thin-tuft cell made passive (every mechanism but pas taken
out), with passive dendrites (taken out of the sections that are not soma or axon) and as
built (their active channels: hhref and Ih at the soma, Ih in the dendrites), and with
--cells heavy the heavy cell with its own mechanisms.

For each cell and synapse, prints the preview's wall time, and over the places where both
found a weight the median and worst |weight predicted / weight found - 1|, its mean
(signed), the same as EPSP errors (see ``compare``), and how the places that neither or
only one could reach compare.

    python benchmarks/bench_preview.py [--cells generated,tuft,...] [--jobs N] [--keep DIR]
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grid import PROJECT, machine, run_grid  # noqa: E402

CELLS = PROJECT / 'cells'
DEFAULT_SYNAPSE = 'AMPA+NMDA (cfg.py)'
SYNAPSES = {'AMPA': CELLS / 'synapse_files' / 'ampa.json', DEFAULT_SYNAPSE: None}
PASSIVE, PASSIVE_DENDRITES, AS_BUILT = 'passive', 'passive dendrites', 'as built'
CASES = {  # name: (cell file, mod folder, membrane, synapse)
    'generated-passive': ('pyramidal.json', None, PASSIVE, DEFAULT_SYNAPSE),
    'generated-passive-dendrites': ('pyramidal.json', None, PASSIVE_DENDRITES, DEFAULT_SYNAPSE),
    'generated': ('pyramidal.json', None, AS_BUILT, DEFAULT_SYNAPSE),
    'tuft-passive': ('pyramidal_thin_tuft.json', None, PASSIVE, 'AMPA'),
    'tuft-passive-dendrites': ('pyramidal_thin_tuft.json', None, PASSIVE_DENDRITES, 'AMPA'),
    'tuft': ('pyramidal_thin_tuft.json', None, AS_BUILT, 'AMPA'),
    'heavy': ('pyramidal_heavy.json', 'heavy_mod', AS_BUILT, DEFAULT_SYNAPSE),
}
DEFAULT_CASES = [name for name in CASES if name != 'heavy']  # the heavy cell's search takes 10-20 min


def with_membrane(cell, membrane):
    """The cellParams with every mechanism but pas removed: from every section
    (``PASSIVE``), from the sections that are not soma or axon (``PASSIVE_DENDRITES``), or
    from none."""
    for name, sec in cell['secs'].items():
        if membrane == PASSIVE or membrane == PASSIVE_DENDRITES and not name.startswith(('soma', 'axon')):
            sec['mechs'] = {mech: params for mech, params in sec.get('mechs', {}).items() if mech == 'pas'}
            sec.pop('ions', None)
    return cell


def compare(found, points, predicted, predicted_points):
    """A line of figures: the predicted weights against those ``found`` (the search's
    summary rows; ``points``, its results), as weights and as the EPSP error they stand
    for (the weight's error through the log-log slope of the EPSP curve the search
    measured at the place, else the preview's, ``predicted_points``: where the curve is
    flat, a large error in weight is a small one in EPSP)."""
    found = {(row['sec'], row['loc']): row for row in found}
    slopes = {(point['sec'], point['loc']): point['slope'] for point in predicted_points if point.get('slope')}
    slopes.update({(point['sec'], point['loc']): point['slope'] for point in points if point.get('slope')})
    errors, epsp_errors, only_found, only_predicted, neither = [], [], 0, 0, 0
    for row in predicted:
        key = (row['sec'], row['loc'])
        reference = found[key]
        if reference['in_range'] and row['in_range']:
            ratio = row['weight_at_target'] / reference['weight_at_target']
            errors.append(ratio - 1)
            if key in slopes:
                epsp_errors.append(ratio ** slopes[key] - 1)
        elif reference['in_range']:
            only_found += 1
        elif row['in_range']:
            only_predicted += 1
        else:
            neither += 1
    size = np.abs(np.array(errors or [np.nan]))
    epsp = np.abs(np.array(epsp_errors or [np.nan]))
    return (f'{len(errors)} places both found: weight median {100 * np.median(size):.2f} %, worst {100 * size.max():.2f} %, '
            f'mean {100 * np.mean(errors or [np.nan]):+.2f} %; as EPSP median '
            f'{100 * np.median(epsp):.2f} %, worst {100 * epsp.max():.2f} %; neither reached {neither}, only the search '
            f'{only_found}, only the preview {only_predicted}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--cells', default=','.join(DEFAULT_CASES), help=f'comma-separated, of: {", ".join(CASES)}')
    parser.add_argument('--jobs', type=int, help='parallel jobs of the searches (default: all cores)')
    parser.add_argument('--keep', type=Path, help='copy every output folder into DIR/<case>-preview and DIR/<case>-search')
    args = parser.parse_args()
    print(f'machine: {machine()}')
    with tempfile.TemporaryDirectory() as folder:
        for name in args.cells.split(','):
            cell_file, mod, membrane, synapse = CASES[name]
            cell = json.loads((CELLS / cell_file).read_text())
            path = Path(folder) / f'{name}.json'
            path.write_text(json.dumps(with_membrane(cell, membrane)))
            common = ['--cell', path, '--secs', 'all', '--all-segments']
            if mod:
                common += ['--mod', CELLS / mod]
            if SYNAPSES[synapse]:
                common += ['--synapses', SYNAPSES[synapse]]
            kept = {kind: args.keep / f'{name}-{kind}' if args.keep else None for kind in ('preview', 'search')}
            preview_wall, preview = run_grid(None, [*common, '--preview'], read=('summary.json', 'results.json'),
                                             keep=kept['preview'])
            search_wall, search = run_grid(args.jobs, [*common, '--search', 'target'],
                                           read=('summary.json', 'results.json'), keep=kept['search'])
            places = len(preview['summary.json'])
            print(f'{name} ({places} places, {membrane}, {synapse}): preview {preview_wall:.1f} s, search {search_wall:.0f} s; '
                  + compare(search['summary.json'], search['results.json'], preview['summary.json'],
                                                            preview['results.json']), flush=True)


if __name__ == '__main__':
    main()
