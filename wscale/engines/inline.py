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
For a targeted search each worker then predicts every place's weight from that state, as
--preview does (``wscale.search.preview.predicted_by``), and the searches start from
those predictions (``targeted.first_weight``).

Workers are forked from the command (see wscale.run.pool): a worker that crashes costs only
the point or place it was on.
"""

import functools

from cells import catalogue
from wscale.measure import measurement
from wscale.run import point, pool
from wscale.run.spec import LABEL, Outcome, tag, task_of
from wscale.search import preview, targeted

_measurer = None
_predicted = {}

POINTS_PER_WORKER = 25  # a worker builds the model and runs it to the saved state first
SEARCH_SIMULATIONS = 5  # simulations a targeted search takes at a place, at most about
RUNS_PER_JOB = 3  # runs of consecutive places a targeted search is cut into, per job
PLACES_PER_RUN = 10  # at least, where there are enough places


def _start_worker(settle, first_task, places=(), unit=None):
    """Worker start: the settled cfg, the model built once and checked at the first task's
    place, with its weight (a place of a targeted search: the search's first weight); for
    a targeted search over ``places``, with the synapse's current ``unit``
    (``preview.synapse_current``), the preview's weights there (``_predicted``)."""
    global _measurer, _predicted
    cfg = settle()
    cfg.sec, cfg.loc = first_task[:2]
    cfg.weight = first_task[2] if len(first_task) > 2 else cfg.searchFirstWeight
    _measurer = measurement.Measurer(cfg, point.load_net_params(None, cfg))
    _predicted = _predictions(_measurer, places, unit) if unit is not None else {}


def _synapse_current(cfg):
    """The synapse's current for the search's predictions, taken in a process of its own:
    the clamp's NetStim, made in a worker before its model, would change the Random123
    stream ids NEURON gives the model's own RANDOM variables. None where it cannot be
    taken (the search then predicts without it)."""
    [unit] = pool.run_tasks([cfg], 1, start=lambda: None, work=_unit_current, lost=lambda *_: None)
    return unit


def _unit_current(cfg):
    try:
        return preview.synapse_current(cfg, preview.SEARCH)
    except Exception:  # the preview only speeds the search up
        return None


def _predictions(measurer, places, unit):
    try:
        return preview.predicted_by(measurer, places, unit)
    except Exception:  # the preview only speeds the search up
        return {}


def _measure(place_and_weight):
    sec, loc, weight = place_and_weight
    return [_measurer.measure(sec, loc, weight)]


def _search(place_and_seed):
    sec, loc, seed = place_and_seed
    return targeted.search_place(_measurer.measure, _measurer.cfg, sec, loc, seed, _measurer, _predicted)


def workers_for(points, jobs):
    """Worker processes worth starting: at most ``jobs``, and one per POINTS_PER_WORKER
    points, since starting one costs about as much as that many points."""
    return max(1, min(jobs, -(-points // POINTS_PER_WORKER)))


def runs_of(count, jobs):
    """The runs of consecutive places (ranges of their indices) that ``count`` places of
    a targeted search are cut into for ``jobs`` jobs: RUNS_PER_JOB per job, each of at
    least PLACES_PER_RUN places where there are enough, one at least."""
    blocks = max(1, min(jobs * RUNS_PER_JOB, count // PLACES_PER_RUN))
    bounds = [round(count * block / blocks) for block in range(blocks + 1)]
    return [range(bounds[block], bounds[block + 1]) for block in range(blocks)]


def dispatch_order(runs):
    """The order the places of ``runs`` are handed out in: the first place of each run,
    the second of each, and so on."""
    return [run[step] for step in range(max(map(len, runs))) for run in runs if step < len(run)]


def measure_tasks(settle, tasks, jobs, search, lost, known=None, kept=None):
    """Yield (index, records) for each task: a list with the point's record, or the
    records of the place's search (``search`` 'target').

    ``settle()`` gives the settled cfg. The work is shared among worker processes (see
    ``workers_for``); ``lost(task, message, traceback)`` is the record of a task whose
    worker died (traceback None) or whose work raised. ``known`` ({index: records}):
    tasks measured before (a resumed run), not measured again; ``kept(index, records)``
    is told the records of each task measured now, as soon as they arrive.

    Points come in the order given. The places of a targeted search are cut into runs
    of consecutive places (``runs_of``). A place is handed out once the place before it
    in its run is done, and its first weight is predicted from the places before it in
    its run (``targeted.Seeds``): the same seeds however the workers' searches happen to
    end, and whether or not the run was resumed. Of the places that may start, the one
    first in ``dispatch_order`` goes first, so the runs advance together.
    """
    tasks, known = list(tasks), known or {}
    runs = runs_of(len(tasks), jobs) if search == 'target' else [range(len(tasks))]
    order = dispatch_order(runs)
    known = {position: known[index] for position, index in enumerate(order) if index in known}
    todo = [position for position in range(len(order)) if position not in known]
    if not todo:
        yield from ((index, known[position]) for position, index in enumerate(order))
        return
    cfg = settle()
    workers = workers_for(len(todo) * (SEARCH_SIMULATIONS if search == 'target' else 1), jobs)
    places = tuple(tuple(task[:2]) for task in tasks) if search == 'target' else ()
    unit = _synapse_current(cfg) if places else None
    start = functools.partial(_start_worker, settle, tuple(tasks[order[todo[0]]]), places, unit)
    seeds = targeted.Seeds(catalogue.cell_of(cfg), cfg.searchMaxWeight) if search == 'target' else None

    def lost_task(task, message, trace=None):
        return [lost(task, message, trace)]

    def finished(position, records, measured):
        if seeds is not None:
            seeds.learn(*tasks[order[position]], records, order[position])
        if measured and kept is not None:
            kept(order[position], records)

    if seeds is not None:
        position_of = {index: position for position, index in enumerate(order)}
        run_start = {index: run.start for run in runs for index in run}
        after = {position_of[index]: position_of[index - 1] for index in order if index != run_start[index]}
        work = _search
        prepare = lambda position, place: (  # noqa: E731
            *place, seeds.seed(*place, among=range(run_start[order[position]], order[position])))
    else:
        work, after, prepare = _measure, None, None
    results = pool.run_tasks([tasks[index] for index in order], workers, start, work, lost_task, prepare=prepare,
                             finished=finished, quiet=not cfg.verbose, known=known, after=after)
    for position, records in enumerate(results):
        yield order[position], records


def measure_units(spec, units, jobs, journal=None):
    """Yield (unit, records) for each of ``units`` (see ``RunSpec.units``), the records
    given the unit's further dimensions' values: the units of one model (one combination
    of the further dimensions; in a network's run, one cell type) together, each model's
    in the order ``measure_tasks`` measures them. With a ``journal`` (``wscale.run.journal``), units it holds are
    not measured again, and each unit measured now is journaled as soon as it is done."""
    done = journal.done if journal is not None else {}
    for setting, group in spec.by_model(units):
        unit_of = {task_of(unit): unit for unit in group}

        def lost(task, message, trace=None, unit_of=unit_of):
            return targeted.lost_record(spec, unit_of[task], message, trace)

        def kept(index, records, group=group, setting=setting):
            journal.keep(group[index][LABEL], tag(records, setting, spec.columns))

        tasks = [task_of(unit) for unit in group]
        known = {index: done[unit[LABEL]] for index, unit in enumerate(group) if unit[LABEL] in done}
        records_of = measure_tasks(functools.partial(spec.cfg, setting), tasks, jobs, spec.search, lost, known,
                                   kept if journal is not None else None)
        for index, records in records_of:
            yield group[index], tag(records, setting, spec.columns)


def run(spec, progress, journal=None):
    """Measure every unit of the run in grid order (see ``RunSpec.units``): each point
    (grid search), or each place's search (targeted search); return their records.
    ``progress.show(n)`` is told the units done; ``journal``: see ``measure_units``."""
    units = spec.units()
    measured = {}
    for unit, records in measure_units(spec, units, spec.options.jobs, journal):
        measured[unit[LABEL]] = records
        progress.show(len(measured))
    progress.show(len(measured), final=True)
    return Outcome(record for unit in units for record in measured[unit[LABEL]])
