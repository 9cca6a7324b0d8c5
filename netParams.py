"""Network parameters for one measurement: the cell, its synapse and one NetStim spike.

The synapse is ``cfg.synMechParams``: each mechanism gets its weightFraction of cfg.weight.

``build(cfg)`` returns the NetParams for the point ``cfg.sec``, ``cfg.loc``, ``cfg.weight``.
"""

from netpyne import specs

from cells import catalogue, synapses


def build(cfg):
    """Return the NetPyNE NetParams of one measurement described by ``cfg``."""
    netParams = specs.NetParams()

    cell = catalogue.cell_of(cfg)
    catalogue.require_section(cell, cfg.sec)
    netParams.cellParams['cell'] = cell
    netParams.popParams['cell'] = {'cellType': 'cell', 'numCells': 1}

    for label, params in cfg.synMechParams.items():
        netParams.synMechParams[label] = synapses.neuron_params(params)

    netParams.stimSourceParams['spike'] = {
        'type': 'NetStim',
        'start': cfg.stimTime,
        'number': 1,
        'interval': 1e9,
        'noise': 0.0,
    }
    weights = [cfg.weight * synapses.weight_fraction(params) for params in cfg.synMechParams.values()]
    netParams.stimTargetParams['spike->cell'] = {
        'source': 'spike',
        'conds': {'pop': 'cell'},
        'sec': cfg.sec,
        'loc': cfg.loc,
        'synMech': list(cfg.synMechParams),
        'weight': weights if len(weights) > 1 else weights[0],
        'delay': cfg.stimDelay,
    }
    return netParams
