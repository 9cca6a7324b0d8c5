"""The synapse's own current, measured on a section of its own held by a voltage clamp:
what ``analysis.preview`` needs to predict its EPSP anywhere on the cell.

The synapse's mechanisms (the measurement's synMechParams, each with its share of the
weight) sit on a small section with no other mechanism, at the settled temperature and
time step, activated once. At each clamp level the clamp's current with the synapse
active, less the same run's current without it, is the current the synapse drives into
a cell held at that voltage.
"""

from numbers import Real

import numpy as np

from cells import synapses
from wscale.errors import UserError

SETTLE_MS = 5.0  # ms from the start to the synapse's activation
CLAMP_RESISTANCE = 1e-4  # MOhm: the clamp holds the voltage within nV of its level


def unit_current(h, cfg, levels, duration, step, weight):
    """(nA per uS of weight; shape (levels, samples)): the current the synapse of
    ``cfg.synMechParams`` drives into a section clamped at each of ``levels`` (mV), at
    ``weight`` (uS) divided by it, in samples ``step`` ms long (each a sample's mean)
    for ``duration`` ms from its activation. Needs the mechanisms loaded; leaves no
    NEURON object behind."""
    section = h.Section(name='wscale_synapse_clamp')
    section.L = section.diam = 10.0
    clamp = h.SEClamp(section(0.5))
    clamp.dur1, clamp.rs = 1e9, CLAMP_RESISTANCE
    stimulus = h.NetStim()
    stimulus.start, stimulus.number, stimulus.noise = SETTLE_MS, 1, 0
    processes, contacts = [], []  # the processes held here: a NetCon does not keep its target
    for label, params in cfg.synMechParams.items():
        process = getattr(h, params['mod'])(section(0.5))
        processes.append(process)
        for name, value in synapses.neuron_params(params).items():
            if name in ('mod', 'loc'):
                continue
            if not isinstance(value, Real) or not hasattr(process, name):
                raise UserError(f'--preview: synapse {label}: parameter {name}={value!r} cannot be set on {params["mod"]}')
            setattr(process, name, value)
        contacts.append((h.NetCon(stimulus, process, 0, 0, 0), synapses.weight_fraction(params)))
    h.load_file('stdrun.hoc')
    current = h.Vector().record(clamp._ref_i, cfg.dt)
    h.dt, h.celsius = cfg.dt, float(cfg.hParams['celsius'])
    cvode = h.CVode()
    active = cvode.active()
    cvode.active(0)
    per_step = max(1, round(step / cfg.dt))
    samples = int(round(duration / step))
    first = int(round(SETTLE_MS / cfg.dt))
    try:
        result = []
        for level in levels:
            clamp.amp1 = level
            runs = []
            for scale in (weight, 0.0):
                for netcon, fraction in contacts:
                    netcon.weight[0] = scale * fraction
                h.finitialize(level)
                h.continuerun(SETTLE_MS + duration + 2 * step)
                trace = current.as_numpy()[first + 1: first + 1 + samples * per_step].copy()
                runs.append(trace.reshape(samples, per_step).mean(axis=1))
            result.append(-(runs[0] - runs[1]) / weight)
    finally:
        cvode.active(active)
    return np.array(result)
