"""The inline engine: points measured by worker processes, one per job, each building
NEURON and the cell once.

A worker creates the measurement exactly as a batch job does (the project's netParams,
NetPyNE). Before anything runs it moves the synapse once through every segment of the
cell, so that any ion its mechanisms read or write (an NMDA synapse writing ``ica``, say)
is present everywhere: moving the synapse later never changes the model's structure. It
runs the model once to the start of the baseline window and keeps that state
(SaveState). For each point it restores the state with the synapse where it was saved,
moves the synapse to the point's place, sets the weight and simulates only the baseline
and EPSP windows. The record comes from the same code as a batch job's.

Workers are forked from the command (see engines.pool): a worker that crashes costs only
the point or place it was on.
"""

import copy
import functools
import time

from cells import catalogue, synapses
from engines import point, pool, targeted

_measurer = None

POINTS_PER_WORKER = 25  # a worker builds the model and runs it to the saved state first
SEARCH_SIMULATIONS = 5  # simulations a targeted search takes at a place, at most about


def save_time(cfg):
    """When the state is saved (ms): on the recording grid, before the baseline window."""
    start = cfg.stimTime + cfg.stimDelay - cfg.baselineWindow - cfg.recordStep
    return max(0.0, round(int(start / cfg.recordStep) * cfg.recordStep, 9))


class Measurer:
    """One NEURON model of the measurement, reused for any (sec, loc, weight).

    ``cfg`` is the settled SimConfig; the synapse is first placed at ``cfg.sec``,
    ``cfg.loc``, where the state is saved.
    """

    def __init__(self, cfg, net_params_file=None):
        from neuron import h

        self.h = h
        self.cfg = cfg
        self.sim = point.build_simulation(cfg, point.load_net_params(net_params_file, cfg))
        self.cell = self.sim.net.cells[0]
        self.synapses = [mech['hObj'] for sec in self.cell.secs.values() for mech in sec.get('synMechs', [])]
        self.contacts = [
            (conn['hObj'], synapses.weight_fraction(cfg.synMechParams[conn['synMech']])) for conn in self.cell.conns
        ]
        self.home = self.cell.secs[cfg.sec]['hObj'](cfg.loc)
        self.stop = cfg.stimTime + cfg.stimDelay + cfg.epspWindow + cfg.recordStep
        for sec in self.cell.secs.values():
            for segment in sec['hObj']:
                self._place(segment)
        self._place(self.home)
        self.sim.preRun()
        h.finitialize(float(cfg.hParams['v_init']))
        self.sim.pc.psolve(save_time(cfg))
        self.state = h.SaveState()
        self.state.save()

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
            self.sim.pc.psolve(self.stop)
            return point.somatic_record(self.sim, cfg, time.perf_counter() - started)
        except Exception as err:
            return point.error_record(sec, loc, weight, cfg.epspTarget, f'{type(err).__name__}: {err}')


def _start_worker(settle, first_place):
    """Worker start: the settled cfg, the model built once."""
    global _measurer
    cfg = settle()
    cfg.sec, cfg.loc = first_place
    _measurer = Measurer(cfg)


def _measure(place_and_weight):
    sec, loc, weight = place_and_weight
    return [_measurer.measure(sec, loc, weight)]


def _search(place_and_seed):
    sec, loc, seed = place_and_seed
    return targeted.search_place(_measurer.measure, _measurer.cfg, sec, loc, seed)


def workers_for(points, jobs):
    """Worker processes worth starting: at most ``jobs``, and one per POINTS_PER_WORKER
    points, since starting one costs about as much as that many points."""
    return max(1, min(jobs, -(-points // POINTS_PER_WORKER)))


def tasks_of(grid, search):
    """The work of ``grid``: (sec, loc, weight) points, or with ``search`` 'target' the
    (sec, loc) places."""
    places = list(zip(grid['sec'], grid['loc']))
    if search == 'target':
        return places
    return [(sec, loc, weight) for sec, loc in places for weight in grid['weight']]


def measure_tasks(settle, tasks, jobs, search, lost):
    """Yield, in order, the records of each task: a list with the point's record, or the
    records of the place's search (``search`` 'target').

    ``settle()`` gives the settled cfg. The work is shared among worker processes (see
    ``workers_for``); ``lost(task, message)`` is the record of a task whose worker died.
    A targeted search starts from the weight found at the nearest place already searched
    (``targeted.Seeds``).
    """
    tasks = list(tasks)
    if not tasks:
        return
    cfg = settle()
    workers = workers_for(len(tasks) * (SEARCH_SIMULATIONS if search == 'target' else 1), jobs)
    start = functools.partial(_start_worker, settle, tuple(tasks[0][:2]))
    def lost_task(task, message):
        return [lost(task, message)]

    if search == 'target':
        seeds = targeted.Seeds(catalogue.cell_of(cfg))
        yield from pool.run_tasks(
            tasks, workers, start, _search, lost_task, quiet=not cfg.verbose,
            prepare=lambda place: (*place, seeds.seed(*place)),
            finished=lambda place, records: seeds.learn(*place, records),
        )
    else:
        yield from pool.run_tasks(tasks, workers, start, _measure, lost_task, quiet=not cfg.verbose)


def run(settle, grid, jobs, progress, search, lost):
    """Measure every point of ``grid`` (``search`` 'grid'), or search every place of it
    (``search`` 'target'); return the records in grid order. ``progress.show(n)`` is
    told the points (or places) done; see ``measure_tasks`` for the rest."""
    tasks = tasks_of(grid, search)
    results = []
    for done, records in enumerate(measure_tasks(settle, tasks, jobs, search, lost), 1):
        results += records
        progress.show(done)
    progress.show(len(tasks), final=True)
    return results
