"""Network parameters for one measurement: the cell, its synapse and one NetStim spike.

The synapse is ``cfg.synMechParams``: each mechanism gets its weightFraction of cfg.weight.
With ``cfg.weightNormFile`` the cell carries that weightNorm, and the synapse's weight is
scaled by it as a network's is (``--validate``): by NetPyNE's own lookup, or, with
``cfg.weightNormLookup = 'loaded'``, as the run's load_weight_norm.py scales it.

``build(cfg)`` returns the NetParams for the point ``cfg.sec``, ``cfg.loc``, ``cfg.weight``.
The module's ``netParams`` is that of the cfg NetPyNE's ``sim.readCmdLineArgs()`` loaded,
else of cfg.py, so that NetPyNE's own scripts run the measurement as they are:

    from netpyne import sim
    cfg, netParams = sim.readCmdLineArgs()   # simConfig=cfg.py netParams=netParams.py
    sim.createSimulateAnalyze(netParams, cfg)
"""

from netpyne import specs

from cells import catalogue, synapses, weight_norm


def build(cfg):
    """Return the NetPyNE NetParams of one measurement described by ``cfg``."""
    netParams = specs.NetParams()

    cell = catalogue.cell_of(cfg)
    catalogue.require_section(cell, cfg.sec)
    netParams.cellParams['cell'] = cell
    if getattr(cfg, 'weightNormFile', None):
        weight_norm.load(netParams, 'cell', cfg.weightNormFile, getattr(cfg, 'weightNormLookup', 'netpyne'))
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


def __getattr__(name):
    """``netParams``, built when asked for: from the cfg that NetPyNE's readCmdLineArgs
    puts in ``__main__`` before it loads this file, else from cfg.py; the mechanisms it
    needs are compiled and loaded on the way."""
    if name != 'netParams':
        raise AttributeError(f"module 'netParams' has no attribute {name!r}")
    import __main__
    from cells.mechanisms import load_mechanisms
    from wscale.run.point import load_cfg

    cfg = getattr(__main__, 'cfg', None)
    cfg = cfg if isinstance(cfg, specs.SimConfig) else load_cfg()
    load_mechanisms(cfg.modFolder)
    return build(cfg)
