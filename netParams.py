"""Network parameters for one measurement: the cell, its synapse and one NetStim spike.

``build(cfg)`` returns the NetParams for the point ``cfg.sec``, ``cfg.loc``, ``cfg.weight``.
"""

from netpyne import specs

from cells import catalogue


def build(cfg):
    """Return the NetPyNE NetParams of one measurement described by ``cfg``."""
    netParams = specs.NetParams()

    cell = catalogue.cell_params(cfg.cellLabel)
    catalogue.require_section(cell, cfg.sec)
    netParams.cellParams[cfg.cellLabel] = cell
    netParams.popParams['cell'] = {'cellType': cfg.cellLabel, 'numCells': 1}

    netParams.synMechParams['AMPA'] = {'mod': 'Exp2Syn', 'tau1': 0.05, 'tau2': 5.3, 'e': 0.0}
    netParams.synMechParams['NMDA'] = {'mod': 'NMDAMg', 'tau1': 15.0, 'tau2': 150.0, 'e': 0.0, 'mg': 1.0}

    netParams.stimSourceParams['spike'] = {
        'type': 'NetStim',
        'start': cfg.stimTime,
        'number': 1,
        'interval': 1e9,
        'noise': 0.0,
    }
    weights = [cfg.weight * fraction for fraction in cfg.synMechWeightFractions]
    netParams.stimTargetParams['spike->cell'] = {
        'source': 'spike',
        'conds': {'pop': 'cell'},
        'sec': cfg.sec,
        'loc': cfg.loc,
        'synMech': list(cfg.synMechs),
        'weight': weights if len(weights) > 1 else weights[0],
        'delay': cfg.stimDelay,
    }
    return netParams
