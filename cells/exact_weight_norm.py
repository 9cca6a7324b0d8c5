"""Every synapse of a NetPyNE network scaled by the weightNorm of the segment that holds it.

NetPyNE (1.1.1 and 1.0.x) scales a connection's weight by
``weightNorm[sec][int(round(loc * nseg)) - 1]``: a synapse below 0.5 / nseg reads the
last segment's factor, and, Python rounding halves to even, one at the centre of an even
segment reads its neighbour's. ``attach_weight_norm`` puts a weightNorm file on a cell
type as ``addCellParamsWeightNorm`` does, whatever its soma is called, and makes NetPyNE
apply none of it itself: wherever NetPyNE creates a synapse (``CompartCell.addConn``,
which connection rules and stimTargetParams with a synMech go through) or moves one
(``Network.subcellularConn``), the weightNorm is out of NetPyNE's sight while it works,
and the conn's weight, and its NetCon's, are then scaled by the factor of the segment
that holds the synapse: ``table[min(int(loc * nseg), nseg - 1)]``, as NEURON places a
point process. So no factor is applied twice, whatever index a NetPyNE version computes.

This file stands alone (NetPyNE and the standard library only): a run copies it into
OUT/load_weight_norm.py, which a model's netParams.py runs.
"""

import contextlib
import pickle

WEIGHT_NORM = 'weightNorm'
MARK = '_scaled_by_own_segment'


def segment_index(loc, nseg):
    """The segment of a section with ``nseg`` segments that holds location ``loc`` (0..1)."""
    return min(max(int(loc * nseg), 0), nseg - 1)


def attach_weight_norm(netParams, label, path, threshold=None):
    """Give cellParams ``label`` the weightNorm in the pickle at ``path`` ({section:
    [factor per segment]}), each factor capped at ``threshold`` times the soma's where a
    threshold is given (as NetPyNE's addCellParamsWeightNorm caps it), and make every
    synapse NetPyNE builds on it take its own segment's factor. A section of the file
    whose geometry gives no nseg gets the file's count."""
    with open(path, 'rb') as stream:
        table = pickle.load(stream, encoding='latin1')
    secs = netParams.cellParams[label]['secs']
    cap = None
    if threshold is not None:
        soma = next((name for name in table if name.startswith('soma')), None)
        if soma is None:
            raise ValueError(f'{path}: a threshold needs a soma section in the file, and it has none')
        cap = threshold * table[soma][0]
    for sec, factors in table.items():
        if sec not in secs:
            continue
        geom = secs[sec].setdefault('geom', {})
        if 'nseg' not in geom:
            geom['nseg'] = len(factors)
        secs[sec][WEIGHT_NORM] = [min(value, cap) if cap is not None else value for value in factors]
    scale_by_own_segment()


def _sections(cell):
    """A NetPyNE cell's sections ({} for a cell without them, as a point neuron)."""
    secs = getattr(cell, 'secs', None)
    return secs if isinstance(secs, dict) else {}


def own_factor(cell, sec, loc):
    """The weightNorm of the segment of ``cell``'s section ``sec`` that holds ``loc``; 1
    where the section has none."""
    section = _sections(cell).get(sec) if sec is not None else None
    factors = section.get(WEIGHT_NORM) if section is not None else None
    if not isinstance(factors, list) or loc is None:
        return 1.0
    nseg = int((section.get('geom') or {}).get('nseg', len(factors)))
    return factors[min(segment_index(loc, nseg), len(factors) - 1)]


@contextlib.contextmanager
def _out_of_sight(cells):
    """The weightNorm of ``cells``' sections removed while NetPyNE works, then put back."""
    kept = []
    for cell in cells:
        for section in _sections(cell).values():
            if WEIGHT_NORM in section:
                kept.append((section, section.pop(WEIGHT_NORM)))
    try:
        yield
    finally:
        for section, factors in kept:
            section[WEIGHT_NORM] = factors


def _set_weight(conn, weight):
    conn['weight'] = weight
    netcon = conn.get('hObj')
    if netcon is not None and 'pointer' not in conn and hasattr(netcon, 'weight'):
        netcon.weight[0] = weight


def scale_by_own_segment():
    """Wrap NetPyNE's CompartCell.addConn and Network.subcellularConn, once per process:
    see the module's description. Where NetPyNE keeps no conn dicts (cfg.createPyStruct
    False) there is no place to read, and NetPyNE's own lookup stays."""
    from netpyne import sim
    from netpyne.cell.compartCell import CompartCell
    from netpyne.network.network import Network

    if getattr(CompartCell.addConn, MARK, False):
        return
    add_conn, subcellular_conn = CompartCell.addConn, Network.subcellularConn

    def addConn(self, *args, **kwargs):
        if not sim.cfg.createPyStruct:
            return add_conn(self, *args, **kwargs)
        first = len(self.conns)
        with _out_of_sight([self]):
            result = add_conn(self, *args, **kwargs)
        for conn in self.conns[first:]:
            if 'sec' in conn and 'loc' in conn and 'weight' in conn:
                _set_weight(conn, conn['weight'] * own_factor(self, conn['sec'], conn['loc']))
        return result

    def subcellularConn(self, *args, **kwargs):
        if not sim.cfg.createPyStruct:
            return subcellular_conn(self, *args, **kwargs)
        placed = {id(conn): (cell, conn.get('sec'), conn.get('loc')) for cell in self.cells for conn in cell.conns}
        with _out_of_sight(self.cells):
            result = subcellular_conn(self, *args, **kwargs)
        for cell in self.cells:
            for conn in cell.conns:
                was = placed.get(id(conn))
                if was is None or 'weight' not in conn or (was[1], was[2]) == (conn.get('sec'), conn.get('loc')):
                    continue
                old, new = own_factor(cell, was[1], was[2]), own_factor(cell, conn.get('sec'), conn.get('loc'))
                _set_weight(conn, conn['weight'] / old * new)
        return result

    setattr(addConn, MARK, (add_conn, subcellular_conn))
    CompartCell.addConn = addConn
    Network.subcellularConn = subcellularConn


def netpyne_lookup():
    """Undo ``scale_by_own_segment`` in this process: NetPyNE's own lookup again."""
    from netpyne.cell.compartCell import CompartCell
    from netpyne.network.network import Network

    originals = getattr(CompartCell.addConn, MARK, None)
    if originals:
        CompartCell.addConn, Network.subcellularConn = originals
