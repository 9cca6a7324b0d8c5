"""Generate a pyramidal-tract-like cell as NetPyNE cellParams, reproducible from a seed.

    python -m cells.generate_pyramidal [--seed 1] [--thin-tuft | --heavy] [--out FILE]

Soma; axon initial segment ``axon_0`` and axon ``axon_1``; an apical trunk
``apic_trunk_0..`` with one oblique per trunk section ``apic_obl_<i>`` and a tuft
``apic_tuft_<i>`` (each tuft branch forking once into ``apic_tuft_<i>_<j>``); and basal
trees ``basal_<t>``, each forking into ``basal_<t>_<j>``. Lengths and diameters in um vary
with the seed. Every section has nseg odd with segments of at most 20 um. Membrane: the
soma has Hodgkin-Huxley Na/K (``hhref``), the h-current (``hd``) and leak; dendrites are
passive with a little h-current; the axon is passive.

With ``--heavy`` (cells/pyramidal_heavy.json) every section has segments of at most
HEAVY_SEGMENT_UM and every dendrite is active as published layer-5 cells are: Na/K,
h-current, high- and low-voltage Ca with a Ca pool, persistent Na, SK, BK, A-, M-, D-
and Kv3-type K, at densities that keep the cell quiet at rest. Its mechanisms are our
NMODL in cells/heavy_mod/, given as a published model's folder is (``--mod
cells/heavy_mod``). About 750 segments, costing about as much per 1000 ms as a published
detailed cell.

secLists: somatic, axonal, basal, apical, apicdend (the apical dendrites, as in the M1
model), alldend (apical and basal).
"""

import argparse
import json
import random
from pathlib import Path

DEFAULT_FILE = Path(__file__).resolve().parent / 'pyramidal.json'
THIN_TUFT_FILE = Path(__file__).resolve().parent / 'pyramidal_thin_tuft.json'
HEAVY_FILE = Path(__file__).resolve().parent / 'pyramidal_heavy.json'
HEAVY_MOD = Path(__file__).resolve().parent / 'heavy_mod'  # its mechanisms: --mod cells/heavy_mod
MAX_SEGMENT_UM = 20.0
HEAVY_SEGMENT_UM = 7.0
# the heavy cell's dendrites (S/cm2): enough of each current to cost what it costs in a
# published cell, little enough to leave the cell at rest
ACTIVE_DENDRITE = {
    'hhref': {'gnabar': 0.008, 'gkbar': 0.004},
    'cahva': {'gbar': 1e-5},
    'capool': {'taur': 80.0},
    'kca': {'gbar': 1e-4},
    'ka': {'gbar': 1e-3},
    'km': {'gbar': 1e-4},
    'nap': {'gbar': 1e-5},
    'cat': {'gbar': 1e-5},
    'kd': {'gbar': 1e-4},
    'kv3': {'gbar': 1e-4},
    'kbk': {'gbar': 1e-4},
}
RESTING_MV = -70.0
BASAL_TREES = 5
TRUNK_SECTIONS = 5
TUFT = {'branches': 3, 'branch_um': (100, 180), 'branch_diam': 1.2, 'twigs': 2, 'twig_um': (120, 250), 'twig_diam': 0.8}
# long, thin tuft twigs: a synapse there depolarises its dendrite towards the synaptic
# reversal potential, so the somatic EPSP grows less than in proportion to the weight and
# levels off, in places below the target
THIN_TUFT = {'branches': 4, 'branch_um': (150, 250), 'branch_diam': 0.7, 'twigs': 3, 'twig_um': (250, 400), 'twig_diam': 0.4}


def nseg_for(length, max_segment=MAX_SEGMENT_UM):
    """Odd number of segments, none longer than ``max_segment`` (um)."""
    n = max(1, int(-(-length // max_segment)))
    return n if n % 2 else n + 1


def _section(length, diam, parent, parent_x=1.0, mechs=None, cm=1.0):
    return {
        'geom': {'L': round(length, 2), 'diam': round(diam, 3), 'Ra': 150.0, 'cm': cm, 'nseg': nseg_for(length)},
        'mechs': mechs or {'pas': {'g': 3e-5, 'e': RESTING_MV}},
        'topol': {'parentSec': parent, 'parentX': parent_x, 'childX': 0.0},
    }


def _dendrite(rng, length_range, diam, parent, parent_x=1.0):
    mechs = {'pas': {'g': 3e-5, 'e': RESTING_MV}, 'hd': {'gbar': 2e-5}}
    return _section(rng.uniform(*length_range), diam, parent, parent_x, mechs, cm=2.0)


def make_heavy(cell):
    """The heavy variant of a generated cell: finer segments, active dendrites."""
    for name, sec in cell['secs'].items():
        sec['geom']['nseg'] = nseg_for(sec['geom']['L'], HEAVY_SEGMENT_UM)
        if 'hd' in sec['mechs'] and name != 'soma':
            sec['mechs'].update({mech: dict(params) for mech, params in ACTIVE_DENDRITE.items()})
    soma = cell['secs']['soma']['mechs']
    soma.update({mech: dict(params) for mech, params in ACTIVE_DENDRITE.items() if mech != 'hhref'})
    return cell


def generate(seed=1, thin_tuft=False, heavy=False):
    """The cellParams dict of the generated cell for ``seed``; with ``thin_tuft`` its
    tuft is THIN_TUFT instead of TUFT; ``heavy``: see ``make_heavy``."""
    rng = random.Random(seed)
    secs = {
        'soma': {
            'geom': {'L': 25.0, 'diam': 25.0, 'Ra': 150.0, 'cm': 1.0, 'nseg': 1},
            'mechs': {
                'hhref': {'gnabar': 0.12, 'gkbar': 0.036},
                'hd': {'gbar': 1e-4},
                'pas': {'g': 3e-4, 'e': RESTING_MV},
            },
        },
        'axon_0': _section(40.0, 1.5, 'soma', 0.0, {'pas': {'g': 1e-4, 'e': RESTING_MV}}),
        'axon_1': _section(rng.uniform(400, 600), 1.0, 'axon_0', 1.0, {'pas': {'g': 1e-4, 'e': RESTING_MV}}),
    }
    apical, basal = [], []
    parent = 'soma'
    for i in range(TRUNK_SECTIONS):
        name = f'apic_trunk_{i}'
        secs[name] = _dendrite(rng, (100, 140), 3.5 - 0.35 * i, parent)
        oblique = f'apic_obl_{i}'
        secs[oblique] = _dendrite(rng, (80, 200), rng.uniform(0.7, 1.1), name, rng.uniform(0.3, 0.9))
        apical += [name, oblique]
        parent = name
    shape = THIN_TUFT if thin_tuft else TUFT
    for i in range(shape['branches']):
        branch = f'apic_tuft_{i}'
        secs[branch] = _dendrite(rng, shape['branch_um'], shape['branch_diam'], parent)
        apical.append(branch)
        for j in range(shape['twigs']):
            twig = f'{branch}_{j}'
            secs[twig] = _dendrite(rng, shape['twig_um'], shape['twig_diam'], branch)
            apical.append(twig)
    for t in range(BASAL_TREES):
        stem = f'basal_{t}'
        secs[stem] = _dendrite(rng, (20, 50), 1.5, 'soma', 0.5)
        basal.append(stem)
        for j in range(2):
            branch = f'{stem}_{j}'
            secs[branch] = _dendrite(rng, (120, 220), 0.9, stem)
            basal.append(branch)
    sec_lists = {
        'somatic': ['soma'],
        'axonal': ['axon_0', 'axon_1'],
        'basal': basal,
        'apical': apical,
        'apicdend': list(apical),
        'alldend': apical + basal,
    }
    cell = {'secs': secs, 'secLists': sec_lists}
    return make_heavy(cell) if heavy else cell


def main():
    parser = argparse.ArgumentParser(description='Generate the pyramidal test cell as NetPyNE cellParams JSON.')
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--thin-tuft', action='store_true', help='a tuft of long thin twigs (default out: THIN_TUFT_FILE)')
    parser.add_argument('--heavy', action='store_true', help='fine segments, active dendrites (default out: HEAVY_FILE)')
    parser.add_argument('--out', type=Path)
    args = parser.parse_args()
    args.out = args.out or (THIN_TUFT_FILE if args.thin_tuft else HEAVY_FILE if args.heavy else DEFAULT_FILE)
    cell = generate(args.seed, args.thin_tuft, args.heavy)
    args.out.write_text(json.dumps(cell, indent=1) + '\n')
    segments = sum(sec['geom']['nseg'] for sec in cell['secs'].values())
    print(f'{args.out}: {len(cell["secs"])} sections, {segments} segments')


if __name__ == '__main__':
    main()
