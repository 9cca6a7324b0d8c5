"""The error of --preview against a full targeted search, every segment, on our cells:
the generated cell and the thin-tuft cell made passive (every mechanism but pas taken
out), with passive dendrites (taken out of the sections that are not soma or axon) and as
built (their active channels: hhref and Ih at the soma, Ih in the dendrites), and with
--cells heavy the heavy cell with its own mechanisms.

For each cell and synapse, prints the preview's wall time, and over the places where both
found a weight the median and worst |weight predicted / weight found - 1|, its mean
(signed), and how the places that neither or only one could reach compare.

    python benchmarks/bench_preview.py [--cells generated,tuft,...] [--jobs N]
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


def compare(found, predicted):
    """(line of figures, errors) of the predicted weights against those found."""
    found = {(row['sec'], row['loc']): row for row in found}
    errors, only_found, only_predicted, neither = [], 0, 0, 0
    for row in predicted:
        reference = found[(row['sec'], row['loc'])]
        if reference['in_range'] and row['in_range']:
            errors.append(row['weight_at_target'] / reference['weight_at_target'] - 1)
        elif reference['in_range']:
            only_found += 1
        elif row['in_range']:
            only_predicted += 1
        else:
            neither += 1
    errors = np.abs(np.array(errors)) if errors else np.array([np.nan])
    signed = np.mean([row['weight_at_target'] / found[(row['sec'], row['loc'])]['weight_at_target'] - 1
                      for row in predicted if row['in_range'] and found[(row['sec'], row['loc'])]['in_range']] or [np.nan])
    return (f'{errors.size} places both found: median {100 * np.median(errors):.2f} %, worst {100 * errors.max():.2f} %, '
            f'mean {100 * signed:+.2f} %; neither reached {neither}, only the search {only_found}, '
            f'only the preview {only_predicted}')


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--cells', default=','.join(DEFAULT_CASES), help=f'comma-separated, of: {", ".join(CASES)}')
    parser.add_argument('--jobs', type=int, help='parallel jobs of the searches (default: all cores)')
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
            preview_wall, preview = run_grid(None, [*common, '--preview'], read=('summary.json',))
            search_wall, search = run_grid(args.jobs, [*common, '--search', 'target'], read=('summary.json',))
            places = len(preview['summary.json'])
            print(f'{name} ({places} places, {membrane}, {synapse}): preview {preview_wall:.1f} s, search {search_wall:.0f} s; '
                  + compare(search['summary.json'], preview['summary.json']), flush=True)


if __name__ == '__main__':
    main()
