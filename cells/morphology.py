"""A reconstructed morphology (.swc, or Neurolucida .asc) read by NEURON's Import3d.

``Morphology(path)`` instantiates the sections; ``passive_membrane`` gives the cellParams
of the import a passive membrane and segments of bounded length.
"""

from neuron import h

PASSIVE_DEFAULTS = {'Ra': 150.0, 'cm': 1.0, 'g_pas': 3e-5, 'e_pas': -70.0, 'max_segment_um': 20.0}


class Morphology:
    """The sections of the morphology file at ``path`` (Import3d naming: soma, dend, apic, axon)."""

    def __init__(self, path):
        h.load_file('stdlib.hoc')
        h.load_file('import3d.hoc')
        reader = h.Import3d_SWC_read() if str(path).lower().endswith('.swc') else h.Import3d_Neurolucida3()
        reader.quiet = 1
        reader.input(str(path))
        h.Import3d_GUI(reader, False).instantiate(self)


def passive_membrane(cell, **settings):
    """Give every section of cellParams ``cell`` a passive membrane and an odd nseg with
    segments no longer than ``max_segment_um``; ``settings`` override PASSIVE_DEFAULTS
    (Ra ohm cm, cm uF/cm2, g_pas S/cm2, e_pas mV)."""
    unknown = set(settings) - set(PASSIVE_DEFAULTS)
    if unknown:
        raise ValueError(f"unknown morphology settings {sorted(unknown)}; known: {', '.join(PASSIVE_DEFAULTS)}")
    values = {**PASSIVE_DEFAULTS, **settings}
    for sec in cell['secs'].values():
        geom = sec.setdefault('geom', {})
        length = geom.get('L', 1.0)
        n = max(1, int(-(-length // values['max_segment_um'])))
        geom.update({'Ra': values['Ra'], 'cm': values['cm'], 'nseg': n if n % 2 else n + 1})
        sec['mechs'] = {'pas': {'g': values['g_pas'], 'e': values['e_pas']}}
    return cell
