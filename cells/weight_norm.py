"""Hand a weightNorm file back to a NetPyNE network.

    from cells.weight_norm import add_weight_norm
    add_weight_norm(netParams, 'PT5B', 'results/weight_norm.pkl')

NetPyNE then multiplies the weight of every connection onto a section of that cell by
``weightNorm[int(round(loc * nseg)) - 1]`` of that section (see docs/netpyne_weightnorm_lookup.md: this index is the
neighbouring segment's for synapses at the centre of even-numbered segments).
"""

import json
import pickle
from pathlib import Path

from cells import exact_weight_norm
from wscale.errors import UserError


def read_weight_norm(path):
    """The {section: [value per segment]} table of a weight_norm .pkl or .json file."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f'weightNorm file not found: {path}')
    if path.suffix == '.json':
        return json.loads(path.read_text())
    with open(path, 'rb') as stream:
        return pickle.load(stream, encoding='latin1')


def add_weight_norm(netParams, label, path):
    """Set the weightNorm of cellParams ``label`` from our file, for any soma name.

    Unlike NetPyNE's ``addCellParamsWeightNorm`` it needs no section called 'soma*' and
    applies no threshold; sections without an nseg get one (``explicit_nseg``). Returns
    the sections that received values; sections of the file that the cell lacks are an
    error.
    """
    if label not in netParams.cellParams:
        raise UserError(f"netParams.cellParams has no '{label}'; it has: {', '.join(netParams.cellParams)}")
    secs = netParams.cellParams[label]['secs']
    table = read_weight_norm(path)
    unknown = [sec for sec in table if sec not in secs]
    if unknown:
        raise UserError(f"cell '{label}' has no section {', '.join(map(repr, unknown))} named in {path}")
    explicit_nseg(secs, table)
    for sec, values in table.items():
        secs[sec]['weightNorm'] = list(values)
    return list(table)


def explicit_nseg(secs, table):
    """Give the sections of ``table`` whose geometry says no nseg nseg 1, NEURON's
    default, explicitly: NetPyNE 1.1.1 reads geom['nseg'] to apply a weightNorm and
    fails without it."""
    for sec in table:
        if sec in secs:
            secs[sec].setdefault('geom', {}).setdefault('nseg', 1)


def load(netParams, label, path, lookup='netpyne'):
    """Give cellParams ``label`` the weightNorm of ``path`` the way a NetPyNE user does.

    ``lookup`` 'netpyne': with NetPyNE's ``addCellParamsWeightNorm`` where the file has a
    section named 'soma...' (which it needs), with ``explicit_nseg`` first, else with
    ``add_weight_norm`` (which does that itself); NetPyNE's own lookup then scales each
    synapse. 'loaded': as the run's load_weight_norm.py does (``exact_weight_norm``),
    each synapse scaled by its own segment's factor."""
    if lookup == 'loaded':
        exact_weight_norm.attach_weight_norm(netParams, label, str(path))
        return
    if lookup != 'netpyne':
        raise UserError(f"weightNormLookup must be 'netpyne' or 'loaded', got {lookup!r}")
    exact_weight_norm.netpyne_lookup()
    table = read_weight_norm(path)
    if any(sec.startswith('soma') for sec in table) and Path(path).suffix == '.pkl':
        if label in netParams.cellParams:
            explicit_nseg(netParams.cellParams[label]['secs'], table)
        netParams.addCellParamsWeightNorm(label, str(path))
    else:
        add_weight_norm(netParams, label, path)
