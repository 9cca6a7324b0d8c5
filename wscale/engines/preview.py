"""The preview engine (--preview): every place's weight predicted, none simulated (see
wscale.search.preview). Each model (one cell, or a network's cell type, at each
combination of the further dimensions) is predicted in a worker process of its own."""

from wscale.run import point, pool
from wscale.run.spec import LABEL, Outcome, tag, task_of
from wscale.search import preview, targeted


def _predict(spec, setting, tasks):
    cfg = spec.cfg(setting)
    cfg.sec, cfg.loc = tasks[0]
    cfg.weight = cfg.searchFirstWeight
    return preview.predict(cfg, point.load_net_params(None, cfg), tasks)


def run(spec, progress, journal=None):
    """The records of every unit (a place) in grid order, one per place; ``progress`` is
    told the places done. Nothing is journaled: a preview is done again whole."""
    units = spec.units()
    predicted, done = {}, 0
    for setting, group in spec.by_model(units):
        tasks = [task_of(unit) for unit in group]

        def lost(_, message, trace=None, group=group):
            return [targeted.lost_record(spec, unit, message, trace) for unit in group]

        [records] = pool.run_tasks([tasks], 1, start=lambda: None, lost=lost,
                                   work=lambda places, setting=setting: _predict(spec, setting, places))
        for unit, record in zip(group, tag(records, setting, spec.columns)):
            predicted[unit[LABEL]] = record
        done += len(group)
        if progress is not None:
            progress.show(done)
    if progress is not None:
        progress.show(done, final=True)
    return Outcome(predicted[unit[LABEL]] for unit in units)
