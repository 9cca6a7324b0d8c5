"""One measurement: simulate a cell with one synaptic event and return the point's record.

Every engine measures through this module: ``measure`` builds the model for one point (a
batch job), ``Measurer`` builds it once and measures any number of points (the inline
engine's workers, SLURM jobs, a batch job's targeted search). The record either returns
is what results.json holds per point.
"""

import copy
import functools
import math
import time
import traceback

import numpy as np

from analysis import agreement
from analysis.epsp import peak_is_past
from cells import mechanisms, synapses
from wscale import faults
from wscale.measure import restart, self_check
from wscale.measure.impedance import Impedances
from wscale.measure.records import error_record, onset_time, point_record
from wscale.measure.synaptic_peak import SynapticPeak

CHECK_MS = 2.0  # how often a reused model checks whether the somatic EPSP has peaked, once the synapse has
CHECK_LONGEST = 10.0  # ms a reused model simulates at most between two checks
PEAK_MARGIN = 10.0  # ms the synapse's every variable must have been past its peak before a stop


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
    return trace_record(sim.net.cells[0], cfg, *somatic_trace(sim), run_time)


def trace_record(cell, cfg, t, v, run_time):
    """The record of the point ``cfg`` on NetPyNE's ``cell`` from its somatic trace (t in
    ms, v in mV); an error if the voltage did not stay finite."""
    faults.inject('trace', sec=cfg.sec, loc=cfg.loc, weight=cfg.weight)
    if not np.all(np.isfinite(v)):
        raise FloatingPointError('the somatic voltage became NaN or infinite')
    return point_record(cfg, t, v, run_time, path_distance(cell, cfg))


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
    return distance_on(cell, cfg.somaSec, cfg.sec, cfg.loc)


def distance_on(cell, soma_sec, sec, loc):
    """Path distance (um) along NetPyNE's ``cell`` from the centre of ``soma_sec`` to sec(loc)."""
    from neuron import h

    return float(h.distance(cell.secs[soma_sec]['hObj'](0.5), cell.secs[sec]['hObj'](loc)))


def save_time(cfg):
    """When the baseline window's recording starts (ms): on the recording grid, before the
    baseline window."""
    return _on_grid_before(cfg.stimTime + cfg.stimDelay - cfg.baselineWindow, cfg.recordStep)


def event_save_time(cfg):
    """When the state is saved for restarts that share the baseline (ms): on the
    recording grid, before the NetStim fires and before the synapse is activated."""
    return max(save_time(cfg), _on_grid_before(min(cfg.stimTime, cfg.stimTime + cfg.stimDelay), cfg.recordStep))


def _on_grid_before(time, step):
    """The last time of the recording grid of ``step`` ms a whole step before ``time`` (ms), or 0."""
    return max(0.0, round(int((time - step) / step) * step, 9))


class Measurer:
    """One NEURON model of the measurement, reused for any (sec, loc, weight).

    ``cfg`` is the settled SimConfig and ``net_params`` the measurement's NetParams built
    from it. The model runs once from 0 ms, with the synapse at ``cfg.sec``, ``cfg.loc``,
    saving its state at the start of the baseline window and again just before the
    NetStim fires; each point then restarts from the second (``wscale.measure.restart``)
    and simulates only the EPSP window, its baseline window the one that run recorded.
    That holds because a synapse carries no current before its event, so its place does
    not change the baseline; the self-check tests it by restarting from the first saved
    state with the synapse elsewhere. Where the baseline does change, every point restarts
    from the first saved state and simulates its own baseline window. At the saved state
    the Measurer also takes every segment's transfer impedance to the soma (``transfer``),
    which with ``distance`` predicts a targeted search's first weight.

    Before it measures anything the Measurer checks itself: the run that saved the state
    goes on through the EPSP of ``cfg.weight`` uninterrupted, and the same point is then
    measured as every point is, restarted. Where the two somatic traces part by more than
    ``analysis.agreement.tolerance``, no restarted number is returned: every point is
    measured by a whole run from 0 ms instead, if two such runs agree, else refused.
    ``check`` tells what was found and what it cost (see ``wscale.measure.self_check``); the
    first record returned carries it.
    """

    def __init__(self, cfg, net_params):
        from neuron import h

        self.h = h
        self.cfg = cfg
        self.v_init = float(cfg.hParams['v_init'])
        self.sim = build_simulation(cfg, net_params)
        self.cell = self.sim.net.cells[0]
        self.sections = [sec['hObj'] for sec in self.cell.secs.values()]
        self.synapses = [mech['hObj'] for sec in self.cell.secs.values() for mech in sec.get('synMechs', [])]
        self.processes = self.synapses + [
            point['hObj'] for sec in self.cell.secs.values() for point in (sec.get('pointps') or {}).values()
        ]
        self.contacts = [
            (conn['hObj'], synapses.weight_fraction(cfg.synMechParams[conn['synMech']])) for conn in self.cell.conns
        ]
        self.home = self.cell.secs[cfg.sec]['hObj'](cfg.loc)
        self.baseline_from = save_time(cfg)
        self.shared_from = event_save_time(cfg)
        self.stop = cfg.stimTime + cfg.stimDelay + cfg.epspWindow + cfg.recordStep
        self.first_check = onset_time(cfg) + PEAK_MARGIN
        self.synaptic = SynapticPeak(h, self.synapses, cfg.recordStep)
        for sec in self.sections:
            for segment in sec:
                self._place(segment)
        self._place(self.home)
        self.sim.preRun()
        streams = restart.random_streams(h, self.sections, self.processes)
        h.finitialize(self.v_init)
        self.sim.pc.psolve(self.baseline_from)
        self.before_baseline = restart.SavedState(h, streams)
        self.sim.pc.psolve(self.shared_from)
        self.before_event = restart.SavedState(h, streams)
        self.baseline = self._recorded_baseline()  # (t, v) every restart from ``before_event`` shares, or None
        self.impedances = None  # taken when first asked for (``transfer``)
        self.check = self._check_restart()
        self.mode = self.check['outcome']
        self._unreported = True

    def distance(self, sec, loc):
        """Path distance (um) from the centre of the soma to sec(loc)."""
        return distance_on(self.cell, self.cfg.somaSec, sec, loc)

    def transfer(self, sec, loc):
        """Transfer impedance (MOhm) from sec(loc) to the soma at the saved steady state.

        Taken once, when first asked for, with the model brought back to that state as a
        point is (restarted, or run from 0 ms): not in the run that saves the state, which
        the self-check compares with, since computing an impedance calls every
        mechanism's currents once more, and a mechanism whose statics change when it is
        called would then make that run differ from any other."""
        if self.impedances is None:
            if self.mode == self_check.RESTARTED:
                self._restart_at(self.home)
            else:
                self._start_from_zero(self.home)
            self.impedances = Impedances(self.h, {name: sec['hObj'] for name, sec in self.cell.secs.items()},
                                         self.cell.secs[self.cfg.somaSec]['hObj'](0.5))
        return self.impedances.transfer(sec, loc)

    @property
    def saved(self):
        """The saved state points restart from: before the event where they share the
        recorded baseline, else before the baseline window."""
        return self.before_event if self.baseline is not None else self.before_baseline

    @property
    def saved_at(self):
        """The time (ms) of ``saved``."""
        return self.shared_from if self.baseline is not None else self.baseline_from

    def _recorded_baseline(self):
        """The somatic samples recorded so far after ``baseline_from`` (ms), which a
        restart from ``before_baseline`` records again: (t, v)."""
        t, v = somatic_trace(self.sim)
        step = self.cfg.recordStep
        keep = (t > self.baseline_from + step / 2) & (t < self.shared_from + step / 2)
        return t[keep].copy(), v[keep].copy()

    def _trace(self, shared):
        """The somatic trace (t ms, v mV) of the run going on: with ``shared``, a restart
        from ``saved``, the samples it recorded after the baseline it shares, behind those."""
        t, v = somatic_trace(self.sim)
        if not shared:
            return t, v
        after = t > self.saved_at + self.cfg.recordStep / 2
        return np.concatenate([self.baseline[0], t[after]]), np.concatenate([self.baseline[1], v[after]])

    def input(self, sec, loc):
        """Input impedance (MOhm) of sec(loc) at the saved steady state (see ``transfer``)."""
        self.transfer(sec, loc)
        return self.impedances.input(sec, loc)

    def at_rest(self):
        """The model restarted at the start of the baseline window (``baseline_from`` ms),
        as saved, with no weight on the synapse: the state a preview predicts from, where
        points restart (``mode``)."""
        self._restart_at(self.home, self.before_baseline)
        self._set_weight(0.0)

    def _place(self, segment):
        for synapse in self.synapses:
            synapse.loc(segment)

    def _set_weight(self, weight):
        for netcon, fraction in self.contacts:
            netcon.weight[0] = weight * fraction

    def _restart_at(self, segment, state=None):
        """The model as saved (in ``state``, by default ``saved``), with the synapse at
        ``segment``."""
        (state or self.saved).restart(self.v_init, lambda: self._place(self.home), lambda: self._place(segment),
                                      self.cfg.cvode_active)

    def _start_from_zero(self, segment, until=None):
        """The model run from 0 ms with the synapse at ``segment`` to ``until`` (ms; default
        the time of the later saved state), as a run of its own would be: stopping where
        the run that saved the states stopped, which CVode's steps depend on."""
        until = self.shared_from if until is None else until
        self._place(segment)
        self.h.finitialize(self.v_init)
        for stop in sorted({min(self.baseline_from, until), min(self.shared_from, until)}):
            self.sim.pc.psolve(stop)

    def _run_until_the_peak_is_past(self, cfg, shared=False):
        """Simulate to the end of the EPSP window, or less: stop once every variable of the
        synapse has been past its peak for PEAK_MARGIN (``wscale.measure.synaptic_peak``;
        the simulation goes on straight to the first time that can hold) and the somatic
        EPSP's peak is certain (``analysis.epsp.peak_is_past``, checked every CHECK_MS);
        ``shared``: the run restarted from ``saved``, its baseline the shared one."""
        h = self.h
        self.sim.pc.psolve(min(self.first_check, self.stop))
        while h.t < self.stop - 1e-9:
            wait = self.synaptic.wait(PEAK_MARGIN)
            if wait <= 0.0:
                t, v = self._trace(shared)
                if peak_is_past(t, v, onset_time(cfg), cfg.baselineWindow, float(t[-1]), cfg.spikeThreshold):
                    return
                wait = CHECK_MS
            self.sim.pc.psolve(min(h.t + min(max(wait, cfg.recordStep), CHECK_LONGEST), self.stop))

    def _run(self, start, sec, loc, weight):
        """Simulate the point (sec, loc, weight), the model started at the saved state's
        time by ``start(segment)``; return its cfg, NEURON's run time (s) and the somatic
        trace (t, v)."""
        cfg = copy.copy(self.cfg)
        cfg.sec, cfg.loc, cfg.weight = sec, loc, weight
        faults.inject('measure', sec=sec, loc=loc, weight=weight)
        shared = start == self._restart_at and self.baseline is not None
        started = time.perf_counter()
        start(self.cell.secs[sec]['hObj'](loc))
        self._set_weight(weight)
        self._run_until_the_peak_is_past(cfg, shared)
        run_time = time.perf_counter() - started
        t, v = self._trace(shared)
        return cfg, run_time, (t.copy(), v.copy())

    def _check_restart(self):
        """The self-check: the run from 0 ms that saved the state, continued through the
        EPSP of cfg.weight at cfg.sec, cfg.loc, against that point restarted; before that,
        whether the baseline is the same with the synapse elsewhere (``_baseline_moves``),
        which decides the state points restart from. Returns what it found (see
        ``wscale.measure.self_check``)."""
        cfg = self.cfg
        started = time.perf_counter()
        sec, loc, weight = cfg.sec, float(cfg.loc), float(cfg.weight)
        self._set_weight(weight)
        self._run_until_the_peak_is_past(cfg)
        t, v = somatic_trace(self.sim)
        whole = (t.copy(), v.copy())
        report = {'place': f'{sec}({loc:g})', 'weight': weight, 'epsp_from_0_ms': None, 'epsp_restarted': None,
                  'deviation': None, 'tolerance': None, 'outcome': self_check.RESTARTED, 'mechanism': None,
                  'file': None, 'baseline_shared': False, 'baseline_deviation': None}
        if not np.all(np.isfinite(whole[1])):
            self._own_baselines()
            report.update(outcome=self_check.FROM_ZERO, reason='the run from 0 ms itself did not stay finite')
            return _timed(report, started)
        report['epsp_from_0_ms'] = point_record(cfg, *whole)['epsp']
        scale = max(abs(report['epsp_from_0_ms']), cfg.epspTarget)
        start = onset_time(cfg) - cfg.baselineWindow
        report['tolerance'] = agreement.tolerance(scale, cfg.cvode_active, cfg.cvode_atol)
        moved = self._baseline_moves(whole, start)
        report['baseline_shared'] = moved is not None and moved <= report['tolerance']
        report['baseline_deviation'] = moved if moved is not None and math.isfinite(moved) else None
        if not report['baseline_shared']:
            self._own_baselines()
        _, _, restarted = self._run(self._restart_at, sec, loc, weight)
        if np.all(np.isfinite(restarted[1])):
            report['epsp_restarted'] = point_record(cfg, *restarted)['epsp']
        deviation = agreement.trace_deviation(*whole, *restarted, start, cfg.recordStep)
        report['deviation'] = deviation if math.isfinite(deviation) else None  # None: not finite (JSON has no inf)
        if deviation <= report['tolerance']:
            return _timed(report, started)
        report['mechanism'] = self._first_to_part(weight)
        report['file'] = mechanisms.defining_file(report['mechanism'], cfg.modFolder) if report['mechanism'] else None
        _, _, again = self._run(self._start_from_zero, sec, loc, weight)
        repeat = agreement.trace_deviation(*whole, *again, start, cfg.recordStep)
        reproducible = repeat <= agreement.tolerance(scale, False, 0.0)
        report['outcome'] = self_check.FROM_ZERO if reproducible else self_check.REFUSED
        return _timed(report, started)

    def _own_baselines(self):
        """Points restart from the state saved before the baseline window, and simulate it."""
        self.baseline = None

    def _baseline_moves(self, whole, start):
        """The largest difference (mV) over the shared baseline between the run from 0 ms
        (``whole``, its trace from ``start`` ms on) and a restart from ``before_baseline``
        with the synapse at another place: the soma's centre, or where the synapse is
        there, the segment furthest from it. None where no baseline is shared (the
        synapse's event comes before a whole recording step after the baseline starts)."""
        if self.shared_from <= self.baseline_from:
            return None
        soma = self.cell.secs[self.cfg.somaSec]['hObj']
        elsewhere = soma(0.5)
        if self.home.sec == soma:
            segments = [segment for sec in self.sections for segment in sec]
            elsewhere = max(segments, key=lambda segment: self.h.distance(soma(0.5), segment))
        self.before_baseline.restart(self.v_init, lambda: self._place(self.home), lambda: self._place(elsewhere),
                                     self.cfg.cvode_active)
        self.sim.pc.psolve(self.shared_from)
        return agreement.trace_deviation(*whole, *somatic_trace(self.sim), start, self.cfg.recordStep)

    def _first_to_part(self, weight):
        """The mechanism whose variables differ most between the run from 0 ms and the
        restarted one, one time step after the saved state's time, else during the EPSP's
        rise; None if none does. Both run at the fixed step, where a restart that brings
        everything back changes no value at all, CVode or not."""
        h, cfg = self.h, self.cfg
        rise = min(synapses.latest_peak(cfg.synMechParams), cfg.epspWindow) / 2
        probes = [self.saved_at + cfg.dt, onset_time(cfg) + rise + cfg.dt]
        victims = restart.ions(h, self.sections)
        cvode = h.CVode()
        active = cvode.active()
        cvode.active(0)
        h.dt = cfg.dt
        fixed_restart = functools.partial(self.saved.restart, self.v_init, lambda: self._place(self.home),
                                          lambda: self._place(self.home), False)
        snapshots = []
        try:
            for start in (functools.partial(self._start_from_zero, self.home, self.saved_at), fixed_restart):
                start()
                self._set_weight(weight)
                taken = []
                for probe in probes:
                    self.sim.pc.psolve(probe)
                    taken.append(restart.snapshot(h, self.sections, self.processes))
                snapshots.append(taken)
        finally:
            cvode.active(active)
        for whole, restarted in zip(*snapshots):
            found = agreement.culprit(whole, restarted, victims)
            if found:
                return found
        return None

    def measure(self, sec, loc, weight):
        """The record of the point (sec, loc, weight), or an error record; its
        ``from_saved_state`` says whether it restarted from the saved state (else it ran
        from 0 ms), its ``end_time`` when the simulation stopped (ms; see
        ``_run_until_the_peak_is_past``). The first record given carries the ``check``."""
        cfg = self.cfg
        restarted = self.mode == self_check.RESTARTED
        if self.mode == self_check.REFUSED:
            record = error_record(sec, loc, weight, cfg.epspTarget, self_check.refusal(self.check))
        else:
            try:
                point, run_time, trace = self._run(self._restart_at if restarted else self._start_from_zero, sec, loc, weight)
                record = trace_record(self.cell, point, *trace, run_time)
                record['from_saved_state'] = restarted
                record['end_time'] = float(trace[0][-1])
            except Exception as err:  # the point fails; the traceback stays in its record
                record = error_record(sec, loc, weight, cfg.epspTarget, f'{type(err).__name__}: {err}', traceback.format_exc())
        if self._unreported:
            record[self_check.FIELD] = self.check
            self._unreported = False
        return record


def _timed(report, started):
    report['seconds'] = round(time.perf_counter() - started, 4)
    return report
