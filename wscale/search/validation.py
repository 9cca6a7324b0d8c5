"""``--validate N``: the weightNorm just written, checked the way a network uses it.

N synapses are placed at random over the sections in weight_norm.pkl, and only there, as
networks place them (``analysis.weight_norm.draw_places``: uniform along a section, at
segment centres and near either end; seeded with cfg.seeds['loc'], so a run draws the same
places again). Each gets weight = target (mV) x weightNorm (uS/mV) in three ways:

- ``epsp_netpyne``: the cell carries the pickle, loaded through NetPyNE's
  addCellParamsWeightNorm, and NetPyNE scales the weight by the factor its own lookup
  finds (``weightNorm[int(round(loc * nseg)) - 1]`` in NetPyNE 1.1.1);
- ``epsp_loaded``: the cell carries the pickle as the run's load_weight_norm.py attaches
  it, and NetPyNE builds the synapse;
- ``epsp_exact``: the weight scaled by the factor of the segment that holds the synapse,
  with no weightNorm on the cell.

The factor of each of the first two is what NetPyNE itself puts on the synapses' NetCons:
for each, one NetPyNE build of the cell carrying the file, with a synapse at every
validation place (``netpyne_factors``), and no simulation. Each place is then simulated at
each distinct weight as the inline engine simulates a point: by a model reused from the
saved steady state (``measurement.Measurer``), in worker processes forked from the
command, whichever engine searched. Where two ways give the same weight, one simulation
gives both EPSPs.
"""

import copy
import functools

import numpy as np

from analysis.results import write_json_atomic
from analysis.weight_norm import LOOKUPS, draw_places, netpyne_segment_index, segment_index, validation_verdict
from cells import catalogue, synapses
from wscale.measure import measurement, records, self_check
from wscale.run import point, pool

VALIDATION_FILE = 'validation.json'
VALIDATION_PLOT = 'validation.png'
CARRIED = ('netpyne', 'loaded')  # the ways in which the cell carries the file and NetPyNE scales the weight

_measurer = None


def places_of(cell, table, count, seed):
    """The validation places: (section, loc, placement) drawn over the sections of ``table``."""
    lengths = {sec: float(cell['secs'][sec].get('geom', {}).get('L', 1.0)) for sec in table}
    nsegs = {sec: catalogue.nseg(cell, sec) for sec in table}
    return draw_places(lengths, nsegs, count, np.random.default_rng(seed))


def netpyne_factors(cfg, places, path, lookup):
    """The factor NetPyNE puts on a synapse at each of ``places`` ((sec, loc)) when the
    cell carries the weightNorm file ``path`` the ``lookup`` way: the weight of each
    place's first NetCon over the weight it was given. One build, no simulation."""
    cfg.sec, cfg.loc = places[0]
    cfg.weightNormFile, cfg.weightNormLookup = str(path), lookup
    net_params = point.load_net_params(None, cfg)
    target = net_params.stimTargetParams.pop('spike->cell')
    for index, (sec, loc) in enumerate(places):
        net_params.stimTargetParams[f'spike->place {index}'] = {**target, 'sec': sec, 'loc': loc}
    conns = measurement.build_simulation(cfg, net_params).net.cells[0].conns
    mechanisms = list(cfg.synMechParams)
    first = next(index for index, params in enumerate(cfg.synMechParams.values()) if synapses.weight_fraction(params) > 0)
    factors = []
    for index, (sec, loc) in enumerate(places):
        conn = conns[index * len(mechanisms) + first]
        if conn['sec'] != sec or conn['synMech'] != mechanisms[first]:
            raise RuntimeError(f'NetPyNE built the synapses of the validation out of order at {sec}({loc})')
        factors.append(conn['hObj'].weight[0] / (cfg.weight * synapses.weight_fraction(cfg.synMechParams[mechanisms[first]])))
    return factors


def _factors_of(spec, places, path, lookup):
    cfg = spec.cfg()
    cfg.weight = cfg.epspTarget
    return netpyne_factors(cfg, places, path, lookup)


def _start(spec, first):
    global _measurer
    cfg = spec.cfg()
    cfg.sec, cfg.loc, cfg.weight = first
    _measurer = measurement.Measurer(cfg, point.load_net_params(None, cfg))


def _simulate(task):
    """The record of (sec, loc, weight): from the saved state, or from 0 ms in a fresh
    build where the model's self-check refused its restarts."""
    if _measurer.mode != self_check.REFUSED:
        return _measurer.measure(*task)
    cfg = copy.copy(_measurer.cfg)
    cfg.sec, cfg.loc, cfg.weight = task
    return measurement.measure(cfg, point.load_net_params(None, cfg))


def _lost_factors(task, message, trace=None):
    return f'NetPyNE could not build the cell carrying the weightNorm: {message}'


def _lost(target, task, message, trace=None):
    sec, loc, weight = task
    return records.error_record(sec, loc, weight, target, message, trace)


def weights_of(places, table, target, cell, factors):
    """{lookup: [weight uS per place]}: target x the factor each way gives; ``factors``
    {lookup: [factor per place], or the message why there are none} holds NetPyNE's for
    the ways the cell carries the file (their weights None where it has none)."""
    exact = [table[sec][segment_index(loc, catalogue.nseg(cell, sec))] for sec, loc, _ in places]
    found = {**factors, 'exact': exact}
    return {lookup: [None] * len(places) if isinstance(found[lookup], str) else [target * factor for factor in found[lookup]]
            for lookup in LOOKUPS}


def validate(spec, path, table, cell, count, jobs, filled=()):
    """Simulate ``count`` random places with the weightNorm ``table`` (from ``path``);
    write OUT/validation.json and OUT/validation.png; return the rows and the verdict
    (see ``analysis.weight_norm.validation_verdict``). ``filled``: the places (sec, loc)
    whose segments have the fill value; a validation place on such a segment is marked
    ``filled``."""
    cfg = spec.cfg_settings
    target = cfg['epspTarget']
    places = places_of(cell, table, count, cfg['seeds']['loc'])
    spots = [(sec, loc) for sec, loc, _ in places]
    quiet = not cfg['verbose']
    factors = dict(zip(CARRIED, pool.run_tasks(CARRIED, jobs, lambda: None, functools.partial(_factors_of, spec, spots, path),
                                               _lost_factors, quiet=quiet)))
    weights = weights_of(places, table, target, cell, factors)
    tasks = list(dict.fromkeys((sec, loc, weights[lookup][index]) for index, (sec, loc) in enumerate(spots)
                               for lookup in LOOKUPS if weights[lookup][index] is not None))
    simulated = dict(zip(tasks, pool.run_tasks(tasks, jobs, functools.partial(_start, spec, tasks[0]), _simulate,
                                               functools.partial(_lost, target), quiet=quiet)))
    results = [simulated[(sec, loc, weights[lookup][index])] if weights[lookup][index] is not None
               else records.error_record(sec, loc, target, target, factors[lookup])
               for index, (sec, loc) in enumerate(spots) for lookup in LOOKUPS]
    filled_segments = {(sec, segment_index(loc, catalogue.nseg(cell, sec))) for sec, loc in filled}
    rows = []
    for index, (sec, loc, placement) in enumerate(places):
        nseg = catalogue.nseg(cell, sec)
        segment, read = segment_index(loc, nseg), netpyne_segment_index(loc, nseg)
        simulated = dict(zip(LOOKUPS, results[len(LOOKUPS) * index:len(LOOKUPS) * (index + 1)]))
        failed = [record for record in simulated.values() if record['status'] != 'ok']
        row = {
            'sec': sec,
            'loc': loc,
            'placement': placement,
            'segment': segment,
            'netpyne_segment': read % nseg,
            'distance_um': next((record['distance_um'] for record in simulated.values() if record.get('distance_um')),
                                None),
            'factor_exact': table[sec][segment],
            **{f'factor_{lookup}': None if isinstance(factors[lookup], str) else factors[lookup][index]
               for lookup in CARRIED},
            **{f'epsp_{lookup}': record['epsp'] if record['status'] == 'ok' else None
               for lookup, record in simulated.items()},
            'target': target,
            'error': '; '.join(record['error'] for record in failed) or None,
            'filled': (sec, segment) in filled_segments,
        }
        traces = [record['traceback'] for record in failed if record.get('traceback')]
        if traces:  # a simulation that raised: where, for the user to find
            row['traceback'] = '\n'.join(traces)
        rows.append(row)
    write_json_atomic(spec.out / VALIDATION_FILE, rows)
    from analysis import plots

    plots.validation(rows, target, spec.out / VALIDATION_PLOT)
    return rows, validation_verdict(rows)


LOOKUP_NAMES = {'netpyne': "NetPyNE's own lookup", 'loaded': 'the loading lines',
                'exact': "each segment's own factor"}


def verdict_line(rows, verdict, covered=None):
    """One line: the median and worst deviation from the target with each lookup, how
    many places were on filled segments, and, given ``covered`` ((sections of the file,
    sections of the cell)), where the places were drawn."""
    parts = []
    for lookup in LOOKUPS:
        name, found = LOOKUP_NAMES[lookup], verdict[lookup]
        if found['worst_place'] is None:
            parts.append(f'{name}: no simulation succeeded')
            continue
        sec, loc = found['worst_place']
        failed = f", {found['failed']} failed" if found['failed'] else ''
        parts.append(f"{name}: median {100 * found['median']:.2f} %, worst {100 * found['worst']:.2f} % "
                     f"at {sec}({loc:.3f}){failed}")
    where = ''
    if covered is not None:
        where = f' on the {covered[0]} of {covered[1]} sections the file covers'
    filled = ''
    if verdict['filled']:
        filled = (f" ({verdict['filled']} on segments filled with --fill-factor x the soma's weightNorm, where no "
                  'weight reaches the target, left out of the figures)')
    return (f'validation at {len(rows)} random places{where}, placed as networks place them{filled}, '
            'EPSP off the target with ' + '; with '.join(parts))
