"""The inline engine: points measured by worker processes, one per job (or, for small
grids, by the command's own process), each building NEURON and the cell once.

A worker creates the measurement exactly as a batch job does (the project's netParams,
NetPyNE), runs it once to the start of the baseline window and keeps that state
(SaveState). For each point it restores the state with the synapse where it was saved,
moves the synapse to the point's place, sets the weight and simulates only the baseline
and EPSP windows. The record comes from the same code as a batch job's.
"""

import copy
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from cells import synapses
from engines import point, targeted

_measurer = None

POINTS_PER_WORKER = 25
SEARCH_SIMULATIONS = 5  # simulations a targeted search takes at a place, about


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


def _start_worker(settle, first_place, quiet=True):
    """Worker start: output off, the settled cfg rebuilt, the model built once."""
    global _measurer
    if quiet:
        null = os.open(os.devnull, os.O_WRONLY)
        os.dup2(null, 1)
        os.dup2(null, 2)
    cfg = settle()
    cfg.sec, cfg.loc = first_place
    _measurer = Measurer(cfg)


def _measure(place_and_weight):
    sec, loc, weight = place_and_weight
    return [_measurer.measure(sec, loc, weight)]


def _search(place):
    return targeted.search_place(_measurer.measure, _measurer.cfg, *place)


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

    ``settle()`` gives the settled cfg. With more than one worker (see ``workers_for``)
    the work is shared among worker processes, and ``lost(task, message)`` is the record
    of work a dying worker left; with one worker, all is done in this process.
    """
    task = _search if search == 'target' else _measure
    workers = workers_for(len(tasks) * (SEARCH_SIMULATIONS if search == 'target' else 1), jobs)
    first_place = tuple(tasks[0][:2])
    if workers == 1:
        with point.CapturedOutput():
            _start_worker(settle, first_place, quiet=False)
        for item in tasks:
            yield task(item)
        return
    context = multiprocessing.get_context('spawn')
    done = 0
    try:
        with ProcessPoolExecutor(
            workers, mp_context=context, initializer=_start_worker, initargs=(settle, first_place)
        ) as pool:
            for result in pool.map(task, tasks, chunksize=max(1, len(tasks) // (workers * 50))):
                done += 1
                yield result
    except BrokenProcessPool as err:
        for item in tasks[done:]:
            yield [lost(item, f'a worker process died: {err}')]


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
