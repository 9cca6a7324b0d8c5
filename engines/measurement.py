"""One measurement: simulate a cell with one synaptic event and return the point's record.

Every engine measures through this module: ``measure`` builds the model for one point (a
batch job), ``Measurer`` builds it once and measures any number of points (the inline
engine's workers, SLURM jobs, a batch job's targeted search). The record either returns
is what results.json holds per point.
"""

import copy
import importlib.abc
import importlib.util
import sys
import time
import traceback

import numpy as np

from analysis.epsp import epsp_features, loss, peak_is_past
from cells import synapses

# What NetPyNE imports but a measurement never uses: its analysis and plotting (bokeh,
# scipy.signal, scipy.stats, matplotlib.pyplot) and pandas (for its Batch's list files);
# about 1.3 s of every process's start
UNUSED_PACKAGES = ('netpyne.analysis', 'netpyne.plotting', 'pandas')
NO_GUI = '-nogui'  # NetPyNE's flag: do not import matplotlib to set its backend
NOTEBOOK_SHELL = 'IPython'  # NEURON imports it (0.2 s) only to ask whether it runs in a notebook
CHECK_MS = 5.0  # how often a reused model checks whether the EPSP has peaked
PEAK_MARGIN = 10.0  # ms after the slowest synaptic conductance's peak before the first check


class _DeferredImports(importlib.abc.MetaPathFinder):
    """Loads the named modules lazily: a module is executed when first used, not when imported."""

    def __init__(self, names):
        self.names = set(names)

    def find_spec(self, name, path, target=None):
        if name not in self.names:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None or not hasattr(spec.loader, 'exec_module'):
            return spec
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def lean_netpyne():
    """Make this process's import of NEURON and NetPyNE cost about 0.35 s instead of
    2 s: NetPyNE's analysis, plotting and pandas load only when something uses them,
    matplotlib is left alone (NetPyNE's ``-nogui``) and NEURON does not look for a
    notebook (IPython is not imported). Call before NEURON or NetPyNE is first imported;
    later calls change nothing. NetPyNE's plots (``sim.analysis``) still work: the first
    use loads them."""
    if {'neuron', 'netpyne'} & set(sys.modules) or any(isinstance(f, _DeferredImports) for f in sys.meta_path):
        return
    sys.modules.setdefault(NOTEBOOK_SHELL, None)
    if NO_GUI not in sys.argv:
        sys.argv.append(NO_GUI)
    sys.meta_path.insert(0, _DeferredImports(UNUSED_PACKAGES))


def onset_time(cfg):
    """Time (ms) the synapse is activated: the NetStim spike plus the NetCon delay."""
    return cfg.stimTime + cfg.stimDelay


def point_record(cfg, t, v, run_time=None, distance=None):
    """The record of one point from its somatic trace (t in ms, v in mV); ``distance``
    is the path distance (um) from the soma's centre to the synapse."""
    features = epsp_features(
        t,
        v,
        onset_time(cfg),
        baseline_window=cfg.baselineWindow,
        epsp_window=cfg.epspWindow,
        spike_threshold=cfg.spikeThreshold,
    )
    return {
        'sec': cfg.sec,
        'loc': float(cfg.loc),
        'weight': float(cfg.weight),
        'epsp': features['epsp'],
        'loss': loss(features['epsp'], cfg.epspTarget),
        'target': float(cfg.epspTarget),
        'spiked': features['spiked'],
        'status': 'ok',
        'error': None,
        'peak_time': features['peak_time'],
        'baseline': features['baseline'],
        'distance_um': distance,
        'run_time': run_time,
    }


def error_record(sec, loc, weight, target, message, trace=None):
    """The record of a point whose simulation failed, with the reason in ``error`` and,
    where the failure was an exception, its ``traceback``."""
    record = {
        'sec': sec,
        'loc': float(loc),
        'weight': float(weight),
        'epsp': None,
        'loss': None,
        'target': float(target),
        'spiked': False,
        'status': 'error',
        'error': message,
    }
    if trace:
        record['traceback'] = trace
    return record


def build_simulation(cfg, netParams):
    """Load the mechanisms and create the measurement in NetPyNE: the cell, its synapse,
    the NetStim and the recording of the somatic voltage. Returns NetPyNE's ``sim``."""
    from cells.mechanisms import load_mechanisms

    load_mechanisms(cfg.modFolder)
    from netpyne import sim

    cfg.recordCells = [0]
    cfg.recordTraces = {'V_soma': {'sec': cfg.somaSec, 'loc': 0.5, 'var': 'v'}}
    sim.initialize(simConfig=cfg, netParams=netParams)
    sim.net.createPops()
    sim.net.createCells()
    sim.net.connectCells()
    sim.net.addStims()
    sim.setupRecording()
    return sim


def somatic_trace(sim):
    """(t, v): the times (ms) and somatic voltages (mV) NetPyNE has recorded so far."""
    v = np.array(sim.simData['V_soma']['cell_0'])
    return np.array(sim.simData['t'])[: v.size], v


def somatic_record(sim, cfg, run_time):
    """The point's record from the somatic voltage NetPyNE recorded in the last run."""
    t, v = somatic_trace(sim)
    if not np.all(np.isfinite(v)):
        raise FloatingPointError('the somatic voltage became NaN or infinite')
    return point_record(cfg, t, v, run_time, path_distance(sim.net.cells[0], cfg))


def measure(cfg, netParams):
    """Simulate the point described by ``cfg`` with ``netParams``; return its record.

    ``run_time`` in the record is NEURON's own run time in seconds.
    """
    sim = build_simulation(cfg, netParams)
    started = time.perf_counter()
    sim.runSim()
    return somatic_record(sim, cfg, time.perf_counter() - started)


def path_distance(cell, cfg):
    """Path distance (um) along the cell from the centre of ``cfg.somaSec`` to ``cfg.sec(cfg.loc)``."""
    from neuron import h

    soma = cell.secs[cfg.somaSec]['hObj']
    target = cell.secs[cfg.sec]['hObj']
    return float(h.distance(soma(0.5), target(cfg.loc)))


def save_time(cfg):
    """When the state is saved (ms): on the recording grid, before the baseline window."""
    start = cfg.stimTime + cfg.stimDelay - cfg.baselineWindow - cfg.recordStep
    return max(0.0, round(int(start / cfg.recordStep) * cfg.recordStep, 9))


class Measurer:
    """One NEURON model of the measurement, reused for any (sec, loc, weight).

    ``cfg`` is the settled SimConfig and ``net_params`` the measurement's NetParams built
    from it; the synapse is first placed at ``cfg.sec``, ``cfg.loc``, where the state is
    saved.
    """

    def __init__(self, cfg, net_params):
        from neuron import h

        self.h = h
        self.cfg = cfg
        self.sim = build_simulation(cfg, net_params)
        self.cell = self.sim.net.cells[0]
        self.synapses = [mech['hObj'] for sec in self.cell.secs.values() for mech in sec.get('synMechs', [])]
        self.contacts = [
            (conn['hObj'], synapses.weight_fraction(cfg.synMechParams[conn['synMech']])) for conn in self.cell.conns
        ]
        self.home = self.cell.secs[cfg.sec]['hObj'](cfg.loc)
        self.stop = cfg.stimTime + cfg.stimDelay + cfg.epspWindow + cfg.recordStep
        self.first_check = onset_time(cfg) + min(cfg.epspWindow, synapses.latest_peak(cfg.synMechParams) + PEAK_MARGIN)
        for sec in self.cell.secs.values():
            for segment in sec['hObj']:
                self._place(segment)
        self._place(self.home)
        self.sim.preRun()
        h.finitialize(float(cfg.hParams['v_init']))
        self.sim.pc.psolve(save_time(cfg))
        self.state = h.SaveState()
        self.state.save()

    def _run_until_the_peak_is_past(self, cfg):
        """Simulate to the end of the EPSP window, or less: from the time every synaptic
        conductance has peaked, every CHECK_MS, stop once the somatic EPSP's peak is
        certain (``analysis.epsp.peak_is_past``)."""
        h = self.h
        self.sim.pc.psolve(min(self.first_check, self.stop))
        while h.t < self.stop - 1e-9:
            t, v = somatic_trace(self.sim)
            if peak_is_past(t, v, onset_time(cfg), cfg.baselineWindow, float(t[-1]), cfg.spikeThreshold):
                return
            self.sim.pc.psolve(min(h.t + CHECK_MS, self.stop))

    def _place(self, segment):
        for synapse in self.synapses:
            synapse.loc(segment)

    def measure(self, sec, loc, weight):
        """The record of the point (sec, loc, weight), or an error record. The saved state
        includes the event queue (the NetStim's spike); with CVode the integrator starts
        afresh from it."""
        cfg = copy.copy(self.cfg)
        cfg.sec, cfg.loc, cfg.weight = sec, loc, weight
        try:
            self._place(self.home)
            self.h.finitialize(float(cfg.hParams['v_init']))
            self.state.restore(0)
            self._place(self.cell.secs[sec]['hObj'](loc))
            if self.cfg.cvode_active:
                self.h.CVode().re_init()
            for netcon, fraction in self.contacts:
                netcon.weight[0] = weight * fraction
            started = time.perf_counter()
            self._run_until_the_peak_is_past(cfg)
            return somatic_record(self.sim, cfg, time.perf_counter() - started)
        except Exception as err:  # the point fails; the traceback stays in its record
            return error_record(sec, loc, weight, cfg.epspTarget, f'{type(err).__name__}: {err}', traceback.format_exc())
