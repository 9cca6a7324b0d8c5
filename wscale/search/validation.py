"""``--validate N``: the weightNorm just written, checked the way a network uses it.

N synapses are placed at random over the sections in weight_norm.pkl, and only there, as
networks place them (``analysis.weight_norm.draw_places``: uniform along a section, at
segment centres and near either end; seeded with cfg.seeds['loc'], so a run draws the same
places again). Each is simulated three times with weight = target (mV) x weightNorm
(uS/mV):

- ``epsp_netpyne``: the cell carries the pickle, loaded through NetPyNE's
  addCellParamsWeightNorm, and NetPyNE scales the weight by the factor its own lookup
  finds (``weightNorm[int(round(loc * nseg)) - 1]`` in NetPyNE 1.1.1);
- ``epsp_loaded``: the cell carries the pickle as the run's load_weight_norm.py attaches
  it, and NetPyNE builds the synapse;
- ``epsp_exact``: the weight scaled by the factor of the segment that holds the synapse,
  with no weightNorm on the cell.

Every simulation is a whole NetPyNE build and run (``measurement.measure``), in worker
processes forked from the command, whichever engine searched.
"""

import functools

import numpy as np

from analysis.results import write_json_atomic
from analysis.weight_norm import LOOKUPS, draw_places, netpyne_segment_index, segment_index, validation_verdict
from cells import catalogue
from wscale.measure import measurement, records
from wscale.run import point, pool

VALIDATION_FILE = 'validation.json'
VALIDATION_PLOT = 'validation.png'

_spec = None


def places_of(cell, table, count, seed):
    """The validation places: (section, loc, placement) drawn over the sections of ``table``."""
    lengths = {sec: float(cell['secs'][sec].get('geom', {}).get('L', 1.0)) for sec in table}
    nsegs = {sec: catalogue.nseg(cell, sec) for sec in table}
    return draw_places(lengths, nsegs, count, np.random.default_rng(seed))


def tasks_of(places, table, target, path, cell):
    """Three simulations per place, one per lookup of ``LOOKUPS``: (sec, loc, lookup,
    weight uS, weightNorm file or None)."""
    tasks = []
    for sec, loc, _ in places:
        exact = table[sec][segment_index(loc, catalogue.nseg(cell, sec))]
        for lookup in LOOKUPS:  # in the order validate reads their records back
            own = lookup == 'exact'
            tasks.append((sec, loc, lookup, target * exact if own else target, None if own else str(path)))
    return tasks


def _start(spec):
    global _spec
    _spec = spec


def _simulate(task):
    sec, loc, lookup, weight, path = task
    cfg = _spec.cfg()
    cfg.sec, cfg.loc, cfg.weight, cfg.weightNormFile, cfg.weightNormLookup = sec, loc, weight, path, lookup
    return measurement.measure(cfg, point.load_net_params(None, cfg))


def _lost(target, task, message, trace=None):
    sec, loc, _, weight, _ = task
    return records.error_record(sec, loc, weight, target, message, trace)


def validate(spec, path, table, cell, count, jobs, filled=()):
    """Simulate ``count`` random places with the weightNorm ``table`` (from ``path``);
    write OUT/validation.json and OUT/validation.png; return the rows and the verdict
    (see ``analysis.weight_norm.validation_verdict``). ``filled``: the places (sec, loc)
    whose segments have the fill value; a validation place on such a segment is marked
    ``filled``."""
    cfg = spec.cfg_settings
    target = cfg['epspTarget']
    places = places_of(cell, table, count, cfg['seeds']['loc'])
    tasks = tasks_of(places, table, target, path, cell)
    results = list(pool.run_tasks(tasks, jobs, functools.partial(_start, spec), _simulate,
                                  functools.partial(_lost, target), quiet=not cfg['verbose']))
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
            'factor_netpyne': table[sec][read],
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
