"""Targeted search at one place, shared by both engines: simulate the weights that
analysis.search proposes until the EPSP hits the target.

Every simulated point is a record; the last one of a place carries the outcome:
``converged`` and ``search`` (the reason the search ended).
"""

import traceback

from analysis.search import TargetSearch, log_slope
from wscale.errors import UserError
from wscale.measure import measurement, records
from wscale.run import point
from wscale.run.spec import tag


def search_place(measure, cfg, sec, loc, seed=None):
    """Records of the search at (sec, loc); ``measure(sec, loc, weight)`` gives a record.

    Settings from cfg: epspTarget (mV), searchTol (fraction of the target),
    searchFirstWeight and searchMaxWeight (uS). ``seed``, (weight, log-log slope or None)
    from a neighbouring place (see ``Seeds``), replaces the first weight.
    """
    first, slope = seed if seed else (cfg.searchFirstWeight, None)
    search = TargetSearch(
        cfg.epspTarget, cfg.searchTol * cfg.epspTarget, first, cfg.searchMaxWeight, slope=slope
    )
    records = []
    while not search.done:
        weight = search.next_weight()
        record = measure(sec, loc, weight)
        records.append(record)
        if record['status'] != 'ok':
            _close(records, False, f'a simulation failed: {record["error"]}')
            return records
        search.tell(weight, record['epsp'], record['spiked'])
    _close(records, search.converged, search.reason)
    return records


class Seeds:
    """First guesses for a place's search from the places already searched: the weight
    found at the nearest place of the same section, else at the nearest place of its
    parent section or of a child section, with the local log-log slope of the EPSP curve.

    ``cell`` is the cellParams dict (its sections' ``topol`` give the tree). Each place
    learned has an order (its task's index); ``seed(..., upto)`` uses only the places up
    to that order, so a run's seeds do not depend on which searches ended first.
    """

    def __init__(self, cell):
        self.parent = {}
        self.children = {}
        for name, sec in cell['secs'].items():
            topol = sec.get('topol') or {}
            if topol.get('parentSec'):
                self.parent[name] = (topol['parentSec'], float(topol.get('parentX', 1.0)))
                self.children.setdefault(topol['parentSec'], []).append((name, float(topol.get('childX', 0.0))))
        self.found = {}  # section -> {loc: (weight, slope, order)}

    def learn(self, sec, loc, records, order=0):
        """Take the outcome of the search at (sec, loc): its records, the last one closing it."""
        if not records or not records[-1].get('converged'):
            return
        self.found.setdefault(sec, {})[loc] = (records[-1]['weight'], _local_slope(records), order)

    def seed(self, sec, loc, upto=None):
        """(weight, slope) to start the search at (sec, loc) with, or None: from the
        nearest place learned (of order ``upto`` or lower); of two as near, the lower loc."""
        for name, near in self._neighbours(sec, loc):
            places = {found: value for found, value in self.found.get(name, {}).items() if upto is None or value[2] <= upto}
            if places:
                return places[min(places, key=lambda found: (abs(found - near), found))][:2]
        return None

    def _neighbours(self, sec, loc):
        yield sec, loc
        if sec in self.parent:
            yield self.parent[sec]
        yield from self.children.get(sec, ())


def _local_slope(records):
    """d ln(EPSP) / d ln(weight) between the two usable records closest to the target."""
    usable = [r for r in records if r['status'] == 'ok' and not r['spiked'] and r['epsp'] and r['epsp'] > 0]
    usable.sort(key=lambda r: abs(r['epsp'] - r['target']))
    if len(usable) < 2:
        return None
    return log_slope([r['weight'] for r in usable[:2]], [r['epsp'] for r in usable[:2]])


def _close(records, converged, reason):
    records[-1]['converged'] = converged
    records[-1]['search'] = reason


def failed_place(cfg, sec, loc, message, trace=None):
    """The one record of a place whose search could not run."""
    record = records.error_record(sec, loc, cfg.searchFirstWeight, cfg.epspTarget, message, trace)
    _close([record], False, message)
    return record


def lost_record(spec, values, message, trace=None):
    """The error record of a unit of the run ``spec`` left without a result: a point
    (``values`` has sec, loc, weight) or a searched place (sec, loc), with the values of
    the further grid dimensions."""
    cfg = spec.cfg_settings
    searched = spec.search == 'target'
    weight = cfg['searchFirstWeight'] if searched else values['weight']
    record = records.error_record(values['sec'], values['loc'], weight, cfg['epspTarget'], message, trace)
    if searched:
        _close([record], False, message)
    return tag([record], values, spec.columns)[0]


def search_job(cfg, net_params_file):
    """A batch job's search at cfg.sec, cfg.loc, with the model built once (as the inline
    engine builds it, from the batch's copy of netParams, and checks it with the search's
    first weight)."""
    cfg.weight = cfg.searchFirstWeight
    try:
        measurer = measurement.Measurer(cfg, point.load_net_params(net_params_file, cfg))
    except UserError:
        raise
    except Exception as err:  # the place fails; the traceback stays in its record
        return [failed_place(cfg, cfg.sec, cfg.loc, f'{type(err).__name__}: {err}', traceback.format_exc())]
    return search_place(measurer.measure, cfg, cfg.sec, cfg.loc)
