"""Targeted search at one place, shared by both engines: simulate the weights that
analysis.search proposes until the EPSP hits the target.

Every simulated point is a record; the last one of a place carries the outcome:
``converged``, ``search`` (the reason the search ended) and ``slope``, the log-log slope
of the EPSP curve there between its two simulations nearest the target (None after one
simulation).
"""

import dataclasses
import math
import traceback

from analysis.prediction import carried_slope, extrapolated_slope, extrapolated_weight
from analysis.search import SPIKE_RESOLUTION, TargetSearch, log_slope
from wscale.errors import UserError
from wscale.measure import measurement, records
from wscale.run import point
from wscale.run.spec import tag


def search_place(measure, cfg, sec, loc, seed=None, model=None, predicted=None):
    """Records of the search at (sec, loc); ``measure(sec, loc, weight)`` gives a record.

    Settings from cfg: epspTarget (mV), searchTol (fraction of the target),
    searchFirstWeight and searchMaxWeight (uS). ``seed``, what the places searched
    before teach (a ``Seed``), gives the first weight: predicted from them
    (``analysis.prediction``) with ``model``'s path distances (``model.distance(sec,
    loc)`` um) and, as reference weights, the preview's weights ``predicted`` (see
    ``first_weight``), else the inverse of ``model``'s transfer impedances
    (``model.transfer(sec, loc)`` MOhm); without a model, theirs; the largest weight
    first where the nearest of them could not reach the target; the weight predicted to
    make the soma spike where the nearest of them spiked first. Without a seed, the
    place's own predicted weight, else cfg.searchFirstWeight.
    """
    first, slope, edge = first_weight(cfg, sec, loc, seed, model, predicted)
    search = TargetSearch(
        cfg.epspTarget, cfg.searchTol * cfg.epspTarget, first, cfg.searchMaxWeight, slope=slope, spike_edge=edge
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
    records[-1]['slope'] = _local_slope(records)
    return records


@dataclasses.dataclass(frozen=True)
class Seed:
    """What the places searched before teach about a place: ``known``, up to three of the
    nearest that reached the target, nearest first, each (sec, loc, weight uS, path
    distance um); ``across``, whether they lie across a branch point (on the parent or a
    child section); ``slopes``, (path distance um, log-log slope of the EPSP curve) of up
    to three of the nearest places where that slope was measured; ``unreachable``,
    whether the nearest place of all could not reach the target with the largest weight;
    ``spiking``, whether the soma spiked before the EPSP of the nearest place of all
    reached the target: then ``known`` holds the nearest such places, each with the
    smallest weight at which it spiked; ``measured``, (sec, loc, weight uS, slope) of the
    nearest of the places with a slope."""

    known: tuple = ()
    across: bool = False
    slopes: tuple = ()
    unreachable: bool = False
    spiking: bool = False
    measured: tuple = ()


LINEAR_SLOPE = 0.8  # the least log-log slope of a place that seeds one several branch points away


def first_weight(cfg, sec, loc, seed, model=None, predicted=None):
    """(first weight uS, log-log slope or None, whether that weight is where the soma is
    predicted to start spiking) of the search at (sec, loc). ``predicted``: {(sec, loc):
    (weight uS, log-log slope)} of the preview's predictions (``wscale.search.preview``)
    that reach the target."""
    predicted = predicted or {}
    if seed is None:
        if (sec, loc) in predicted:
            weight, slope = predicted[sec, loc]
            return min(weight, cfg.searchMaxWeight), slope, False
        return cfg.searchFirstWeight, None, False
    if seed.unreachable:
        return cfg.searchMaxWeight, None, False
    nearest_slope = seed.slopes[0][1] if seed.slopes else None
    if model is None:
        return seed.known[0][2], nearest_slope, seed.spiking
    if all(place[:2] in predicted for place in (*seed.known, (sec, loc))):
        def reference(near_sec, near_loc):
            return predicted[near_sec, near_loc][0]
    else:
        def reference(near_sec, near_loc):
            return 1.0 / model.transfer(near_sec, near_loc)
    distance = model.distance(sec, loc)
    known = [(where, weight, reference(near_sec, near_loc)) for near_sec, near_loc, weight, where in seed.known]
    weight = extrapolated_weight(known, distance, reference(sec, loc))
    slope = extrapolated_slope(seed.slopes, distance)
    if seed.across and seed.measured:  # the saturation changes across a branch point with the input impedance
        near_sec, near_loc, near_weight, near_slope = seed.measured
        slope = carried_slope(near_slope, near_weight, model.input(near_sec, near_loc), weight, model.input(sec, loc))
    return min(weight, cfg.searchMaxWeight), slope, seed.spiking


class Seeds:
    """What each place's search starts from: the places already searched nearest to it,
    on its own section, else on its parent section or a child section.

    ``cell`` is the cellParams dict (its sections' ``topol`` give the tree) and ``cap``
    the largest weight tried (uS). Each place learned has an order (its index among the
    places); ``seed(..., among)`` uses only the places of those orders, so a run's seeds
    do not depend on which searches ended first.
    """

    NEAREST = 4  # places a weight is predicted from
    NEAREST_ACROSS = 2  # places a weight is predicted from where some lie across a branch point
    NEAREST_SLOPES = 3  # places a slope is predicted from

    def __init__(self, cell, cap=math.inf):
        self.cap = cap
        self.parent = {}
        self.children = {}
        for name, sec in cell['secs'].items():
            topol = sec.get('topol') or {}
            if topol.get('parentSec'):
                self.parent[name] = (topol['parentSec'], float(topol.get('parentX', 1.0)))
                self.children.setdefault(topol['parentSec'], []).append((name, float(topol.get('childX', 0.0))))
        self.found = {}  # section -> {loc: (weight or None, slope, order, distance, weight where it spiked or None)}

    def learn(self, sec, loc, records, order=0):
        """Take the outcome of the search at (sec, loc): its records, the last one closing it."""
        if not records:
            return
        last = records[-1]
        if last.get('converged'):
            slope = _local_slope(records)
            self.found.setdefault(sec, {})[loc] = (_on_target(last, slope), slope, order, last.get('distance_um'), None)
        else:
            spiking = _spiking_from(records)
            if spiking is not None or _unreachable(last, self.cap):
                self.found.setdefault(sec, {})[loc] = (None, None, order, last.get('distance_um'), spiking)

    def seed(self, sec, loc, among=None):
        """The ``Seed`` of the search at (sec, loc) from the places learned (those of an
        order in ``among``, where given), or None: of two places as near, the lower loc.
        Where neither its section nor the parent or a child section has any, the
        reaching place of the section fewest branch points away (at the same loc, of
        two as far the first in the cell's order) seeds it across, if its EPSP grew
        about in proportion to the weight there (a log-log slope of at least
        LINEAR_SLOPE): weight x transfer impedance does not carry a saturating
        dendrite's weight elsewhere."""
        for name, near in self._neighbours(sec, loc):
            nearest = self._nearest(name, near, among)
            if not nearest:
                continue
            spiking = nearest[0][5] is not None
            if spiking:  # places where the soma spiked first, at their smallest spiking weights
                nearest = [(*place[:2], place[5], *place[3:]) for place in nearest if place[5] is not None]
            elif nearest[0][2] is None:
                return Seed(unreachable=True)
            reached = [place for place in nearest if place[2] is not None]
            known = reached[:self.NEAREST]
            if name == sec and len(known) < 2 and not spiking:  # one place on its own section: its neighbours' too
                known += self._across(sec, loc, among)
            if any(place[0] != sec for place in known):  # a fit across a branch point bends there: a line at most
                known = known[:self.NEAREST_ACROSS]
            if any(place[3] is None for place in known):  # no path distances: the nearest alone
                known = known[:1]
            sloped = [place for place in reached if place[4] is not None and place[3] is not None]
            return Seed(tuple(place[:4] for place in known), any(place[0] != sec for place in known),
                        tuple((place[3], place[4]) for place in sloped[:self.NEAREST_SLOPES]), spiking=spiking,
                        measured=(*sloped[0][:3], sloped[0][4]) if sloped else ())
        for name in self._further(sec):
            linear = [place for place in self._nearest(name, loc, among)
                      if place[2] is not None and place[3] is not None and (place[4] or 0.0) >= LINEAR_SLOPE]
            if linear:
                return Seed((linear[0][:4],), True)
        return None

    def _nearest(self, name, near, among):
        """The places of section ``name`` learned (of an order in ``among``, where given),
        nearest ``near`` first, each (sec, loc, weight or None, distance, slope, weight
        where the soma spiked before the target or None)."""
        places = {found: value for found, value in self.found.get(name, {}).items() if among is None or value[2] in among}
        return [(name, found, places[found][0], places[found][3], places[found][1], places[found][4])
                for found in sorted(places, key=lambda found: (abs(found - near), found))]

    def _across(self, sec, loc, among):
        """The reaching places of the first of the section's neighbours that has any."""
        for name, near in list(self._neighbours(sec, loc))[1:]:
            reached = [place for place in self._nearest(name, near, among) if place[2] is not None]
            if reached:
                return reached
        return []

    def _neighbours(self, sec, loc):
        yield sec, loc
        if sec in self.parent:
            yield self.parent[sec]
        yield from self.children.get(sec, ())

    def _further(self, sec):
        """The sections beyond ``sec``'s parent and children, fewest branch points away first."""
        ring = [sec, *self._adjacent(sec)]
        seen = set(ring)
        ring = ring[1:]
        while ring:
            ring = [other for name in ring for other in self._adjacent(name) if other not in seen and not seen.add(other)]
            yield from ring

    def _adjacent(self, sec):
        """The names of the parent and the child sections of ``sec``."""
        return ([self.parent[sec][0]] if sec in self.parent else []) + [child for child, _ in self.children.get(sec, ())]


def _on_target(record, slope):
    """The weight (uS) at which the EPSP would be the target exactly, from a record within
    the search's tolerance of it, along the EPSP curve's log-log ``slope`` (1 where not
    known: a step in the right direction, and at most the whole step while the curve
    grows less than in proportion). What predictions are fitted to: a weight anywhere in
    the tolerance would put its error into every prediction made from it."""
    return record['weight'] * (record['target'] / record['epsp']) ** (1.0 / (slope or 1.0))


def _unreachable(record, cap):
    """Whether a place's last record shows that even the largest weight falls short."""
    return (record.get('status') == 'ok' and not record.get('spiked') and record.get('epsp') is not None
            and record['epsp'] < record['target'] and record['weight'] >= cap)


def _spiking_from(records):
    """The smallest weight (uS) at which the soma spiked, where a search ended because it
    spiked before its EPSP reached the target (a weight below it, within
    SPIKE_RESOLUTION, fell short without a spike); else None."""
    if records[-1].get('converged'):
        return None
    ok = [r for r in records if r['status'] == 'ok']
    spiking = [r['weight'] for r in ok if r['spiked']]
    short = [r['weight'] for r in ok if not r['spiked'] and r['epsp'] is not None and r['epsp'] < r['target']]
    if not spiking or not short or max(short) >= min(spiking):
        return None
    return min(spiking) if 1.0 - max(short) / min(spiking) <= SPIKE_RESOLUTION * (1 + 1e-9) else None


def _local_slope(records):
    """d ln(EPSP) / d ln(weight) between the two usable records closest to the target."""
    usable = [r for r in records if r['status'] == 'ok' and not r['spiked'] and r['epsp'] and r['epsp'] > 0]
    usable.sort(key=lambda r: abs(r['epsp'] - r['target']))
    if len(usable) < 2:
        return None
    slope = log_slope([r['weight'] for r in usable[:2]], [r['epsp'] for r in usable[:2]])
    return slope if slope is not None and slope > 0 else None


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
