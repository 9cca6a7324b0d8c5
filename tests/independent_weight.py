"""Weight at target by plain NEURON, written apart from the tool, for comparison.

    python tests/independent_weight.py CELL SOMA SEC LOC SYNAPSES.json TARGET_MV [MOD_DIR]
    python tests/independent_weight.py --epsp-at WEIGHT CELL SOMA SEC LOC SYNAPSES.json TARGET_MV [MOD_DIR]

CELL is a cellParams .json, or a .pkl as NetPyNE saves it (read with pickle and NetPyNE's
own classes). MOD_DIR is the cell's mod folder, compiled with the project's.

Builds the cellParams' sections directly with h.Section, puts the synapse file's point
processes at SEC(LOC), delivers one NetStim event at 701 ms, takes the EPSP as the peak
somatic voltage within 100 ms minus the mean over the 20 ms before, and solves
EPSP(weight) = target with Brent's method. Prints the weight in uS; with --epsp-at, the
EPSP in mV at that weight (uS) instead.
"""

import json
import pickle
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np  # noqa: E402
from neuron import h  # noqa: E402
from scipy.optimize import brentq  # noqa: E402

from cells.mechanisms import load_mechanisms  # noqa: E402

ONSET = 701.0


def build(cell):
    sections = {}
    for name, params in cell['secs'].items():
        sec = h.Section(name=name)
        geom = params['geom']
        sec.L, sec.diam = geom['L'], geom['diam']
        sec.Ra, sec.cm, sec.nseg = geom.get('Ra', 35.4), geom.get('cm', 1.0), geom.get('nseg', 1)
        for mech, values in params.get('mechs', {}).items():
            sec.insert(mech)
            for seg in sec:
                for key, value in values.items():
                    setattr(getattr(seg, mech), key, value)
        sections[name] = sec
    for name, params in cell['secs'].items():
        topol = params.get('topol')
        if topol:
            sections[name].connect(sections[topol['parentSec']](topol['parentX']), topol['childX'])
    return sections


def read_cell(path):
    path = Path(path)
    if path.suffix == '.pkl':
        with open(path, 'rb') as stream:
            return json.loads(json.dumps(pickle.load(stream, encoding='latin1')))
    return json.loads(path.read_text())


def main():
    args = sys.argv[1:]
    at_weight = None
    if args[0] == '--epsp-at':
        at_weight, args = float(args[1]), args[2:]
    cell_file, soma, sec, loc, synapse_file, target = args[:6]
    load_mechanisms(args[6] if len(args) > 6 else None)
    h.load_file('stdrun.hoc')
    sections = build(read_cell(cell_file))
    entries = json.loads(Path(synapse_file).read_text())
    stim = h.NetStim()
    stim.start, stim.number, stim.noise = ONSET - 1.0, 1, 0
    contacts = []
    for params in entries.values():
        synapse = getattr(h, params['mod'])(sections[sec](float(loc)))
        for key, value in params.items():
            if key not in ('mod', 'weightFraction'):
                setattr(synapse, key, value)
        contact = h.NetCon(stim, synapse, 0, 1.0, 0.0)
        contacts.append((synapse, contact, params.get('weightFraction', 1.0)))
    v = h.Vector().record(sections[soma](0.5)._ref_v)
    t = h.Vector().record(h._ref_t)
    h.celsius, h.dt = 34.0, 0.025

    def epsp(weight):
        for _, contact, fraction in contacts:
            contact.weight[0] = weight * fraction
        h.finitialize(-80.0)
        h.continuerun(ONSET + 100.0)
        tt, vv = np.array(t), np.array(v)
        baseline = vv[(tt >= ONSET - 20.0) & (tt < ONSET)].mean()
        return vv[(tt > ONSET) & (tt <= ONSET + 100.0)].max() - baseline

    if at_weight is not None:
        print(epsp(at_weight))
    else:
        print(brentq(lambda weight: epsp(weight) - float(target), 1e-6, 0.05, xtol=1e-10))


if __name__ == '__main__':
    main()
