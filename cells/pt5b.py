"""The built-in PT5B cell: a reduced layer 5 pyramidal-tract neuron as NetPyNE cellParams.

Sections: ``soma`` (Hodgkin-Huxley Na/K ``hhref``, the h-current ``hd``, leak), ``dendrite`` (passive,
several segments, from the soma's apical pole), ``axon_0`` (initial segment, from the
soma's basal pole) and ``axon_1`` (axon, from the end of ``axon_0``), both passive.
Lengths and diameters in um, conductances in S/cm2, axial resistance in ohm cm.
"""

LABEL = 'PT5B'

RESTING_MV = -70.0


def _passive(g, e=RESTING_MV):
    return {'pas': {'g': g, 'e': e}}


def cell_params():
    """Return the NetPyNE cellParams dict of the built-in PT5B cell."""
    soma = {
        'geom': {'L': 48.0, 'diam': 48.0, 'Ra': 150.0, 'cm': 1.0, 'nseg': 1},
        'mechs': {
            'hhref': {'gnabar': 0.12, 'gkbar': 0.036},
            'hd': {'gbar': 0.0001},
            'pas': {'g': 0.0003, 'e': RESTING_MV},
        },
        'vinit': -80.0,
    }
    dendrite = {
        'geom': {'L': 500.0, 'diam': 3.0, 'Ra': 150.0, 'cm': 1.0, 'nseg': 9},
        'mechs': _passive(5e-5),
        'topol': {'parentSec': 'soma', 'parentX': 1.0, 'childX': 0.0},
    }
    axon_0 = {
        'geom': {'L': 40.0, 'diam': 1.5, 'Ra': 150.0, 'cm': 1.0, 'nseg': 3},
        'mechs': _passive(1e-4),
        'topol': {'parentSec': 'soma', 'parentX': 0.0, 'childX': 0.0},
    }
    axon_1 = {
        'geom': {'L': 600.0, 'diam': 1.0, 'Ra': 150.0, 'cm': 1.0, 'nseg': 7},
        'mechs': _passive(1e-4),
        'topol': {'parentSec': 'axon_0', 'parentX': 1.0, 'childX': 0.0},
    }
    return {
        'secs': {'soma': soma, 'dendrite': dendrite, 'axon_0': axon_0, 'axon_1': axon_1},
        'secLists': {'dendrites': ['dendrite'], 'axons': ['axon_0', 'axon_1']},
    }
