"""The inline engine: points measured by worker processes, one per job, each building
NEURON and the cell once.

A worker creates the measurement exactly as a batch job does (the project's netParams,
NetPyNE). Before anything runs it moves the synapse once through every segment of the
cell, so that any ion its mechanisms read or write (an NMDA synapse writing ``ica``, say)
is present everywhere: moving the synapse later never changes the model's structure. It
runs the model once to the start of the baseline window and keeps that state. For each
point it restarts from that state with the synapse at the point's place
(``wscale.measure.restart``), sets the weight and simulates only the baseline and EPSP windows,
once the model's self-check has shown that a restart gives what the run from 0 ms gives
(``measurement.Measurer``). The record comes from the same code as a batch job's.

Workers are forked from the command (see wscale.run.pool): a worker that crashes costs only
the point or place it was on.
"""

import functools

from cells import catalogue
from wscale.measure import measurement
from wscale.run import point, pool
from wscale.run.spec import Outcome, tag
from wscale.search import targeted

_measurer = None

POINTS_PER_WORKER = 25  # a worker builds the model and runs it to the saved state first
SEARCH_SIMULATIONS = 5  # simulations a targeted search takes at a place, at most about


def _start_worker(settle, first_task):
    """Worker start: the settled cfg, the model built once and checked at the first task's
    place, with its weight (a place of a targeted search: the search's first weight)."""
    global _measurer
    cfg = settle()
    cfg.sec, cfg.loc = first_task[:2]
    cfg.weight = first_task[2] if len(first_task) > 2 else cfg.searchFirstWeight
    _measurer = measurement.Measurer(cfg, point.load_net_params(None, cfg))


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


def tasks_of(places, weights, search):
    """The work at ``places`` ({'sec': [...], 'loc': [...]}): (sec, loc, weight) points
    for every weight, or with ``search`` 'target' the (sec, loc) places."""
    places = list(zip(places['sec'], places['loc']))
    if search == 'target':
        return places
    return [(sec, loc, weight) for sec, loc in places for weight in weights]


def unit_task(unit):
    """The task of a unit ({'sec', 'loc'[, 'weight'], ...}): the point (sec, loc, weight),
    or the place (sec, loc) of a targeted search, whose units have no weight."""
    if 'weight' in unit:
        return (unit['sec'], unit['loc'], unit['weight'])
    return (unit['sec'], unit['loc'])


def task_values(task):
    """A task's values: sec, loc and, for a point, weight."""
    return dict(zip(('sec', 'loc', 'weight'), task))


def measure_tasks(settle, tasks, jobs, search, lost):
    """Yield, in order, the records of each task: a list with the point's record, or the
    records of the place's search (``search`` 'target').

    ``settle()`` gives the settled cfg. The work is shared among worker processes (see
    ``workers_for``); ``lost(task, message, traceback)`` is the record of a task whose
    worker died (traceback None) or whose work raised.
    A targeted search starts from the weight found at the nearest place already searched
    (``targeted.Seeds``).
    """
    tasks = list(tasks)
    if not tasks:
        return
    cfg = settle()
    workers = workers_for(len(tasks) * (SEARCH_SIMULATIONS if search == 'target' else 1), jobs)
    start = functools.partial(_start_worker, settle, tuple(tasks[0]))

    def lost_task(task, message, trace=None):
        return [lost(task, message, trace)]

    if search == 'target':
        seeds = targeted.Seeds(catalogue.cell_of(cfg))
        yield from pool.run_tasks(
            tasks, workers, start, _search, lost_task, quiet=not cfg.verbose,
            prepare=lambda place: (*place, seeds.seed(*place)),
            finished=lambda place, records: seeds.learn(*place, records),
        )
    else:
        yield from pool.run_tasks(tasks, workers, start, _measure, lost_task, quiet=not cfg.verbose)


def measure_units(spec, values, tasks, jobs):
    """Yield the records of each task (see ``measure_tasks``) at one combination of the
    further grid dimensions, ``values`` ({column: value}), each given those values."""
    def lost(task, message, trace=None):
        return targeted.lost_record(spec, {**values, **task_values(task)}, message, trace)

    settle = functools.partial(spec.cfg, values)
    for records in measure_tasks(settle, tasks, jobs, spec.search, lost):
        yield tag(records, values, spec.columns)


def run(spec, progress):
    """Measure every point of the run (grid search), or search every place (targeted
    search), at every combination of the further grid dimensions and on every cell type
    of a network's run; return the records in that order. ``progress.show(n)`` is told
    the points (or places) done."""
    results, done = [], 0
    for values, places in spec.groups():
        for records in measure_units(spec, values, tasks_of(places, spec.weights, spec.search), spec.options.jobs):
            results += records
            done += 1
            progress.show(done)
    progress.show(done, final=True)
    return Outcome(results)
