"""Weight at target per location, from grid points (weights in uS, EPSPs in mV)."""

import json
import math
from collections import OrderedDict

import numpy as np


def weight_at_target(weights, epsps, target):
    """The weight (uS) whose EPSP equals ``target`` (mV), by linear interpolation.

    Points are taken in order of weight; the EPSP is expected to grow with the weight.
    The first grid interval whose EPSPs bracket the target is interpolated. Returns
    ``(weight, in_range)``: a target outside the grid's EPSP range, or fewer than two
    points, gives ``(nan, False)``; it is never extrapolated.
    """
    order = np.argsort(np.asarray(weights, dtype=float), kind='stable')
    w = np.asarray(weights, dtype=float)[order]
    e = np.asarray(epsps, dtype=float)[order]
    keep = np.isfinite(w) & np.isfinite(e)
    w, e = w[keep], e[keep]
    for i in range(len(w) - 1):
        low, high = sorted((e[i], e[i + 1]))
        if low <= target <= high:
            if e[i + 1] == e[i]:
                return float(w[i]), True
            fraction = (target - e[i]) / (e[i + 1] - e[i])
            return float(w[i] + fraction * (w[i + 1] - w[i])), True
    if len(w) == 1 and e[0] == target:
        return float(w[0]), True
    return math.nan, False


def weight_norm(weight, target):
    """NetPyNE's weightNorm: weight at target (uS) divided by the target EPSP (mV)."""
    return weight / target


def summarise(points, target, columns=()):
    """One summary record per (sec, loc) from point records; with ``columns`` (further
    grid dimensions, such as ``hParams.celsius``), one per (sec, loc, their values),
    which the record then holds too.

    ``points`` are dicts with sec, loc, weight, epsp, loss, spiked and status. Points that
    failed or spiked are left out of the fit. For a place searched by targeted search
    (a point with ``search`` and ``converged``), weight_at_target is the weight the search
    converged on, and the summary adds ``search`` (why it ended) and ``simulations``. Each summary has sec, loc, weight_at_target,
    weight_norm, best_weight, best_epsp, in_range, distance_um (path distance from the
    soma's centre, from any point that has it), the counts of points used, spiked and
    failed, and ``reason``: why no weight was found (None where one was).
    """
    groups = OrderedDict()
    for point in points:
        key = (point['sec'], point['loc'], *(point[name] for name in columns))
        groups.setdefault(json.dumps(key), []).append(point)
    summary = []
    for group in groups.values():
        sec, loc = group[0]['sec'], group[0]['loc']
        usable = [p for p in group if p['status'] == 'ok' and not p['spiked']]
        outcome = next((p for p in group if 'search' in p), None)
        if outcome is None:
            weight, in_range = weight_at_target([p['weight'] for p in usable], [p['epsp'] for p in usable], target)
        else:
            weight, in_range = (outcome['weight'], True) if outcome['converged'] else (math.nan, False)
        best = min(usable, key=lambda p: p['loss'], default=None)
        reason = None if in_range else unreached_reason(group, usable, target, outcome)
        summary.append(
            {
                'sec': sec,
                'loc': loc,
                **{name: group[0][name] for name in columns},
                'weight_at_target': weight,
                'weight_norm': weight_norm(weight, target),
                'best_weight': best['weight'] if best else math.nan,
                'best_epsp': best['epsp'] if best else math.nan,
                'in_range': in_range,
                'distance_um': next((p['distance_um'] for p in group if p.get('distance_um') is not None), math.nan),
                'target': target,
                'points': len(usable),
                'spiked': sum(1 for p in group if p['status'] == 'ok' and p['spiked']),
                'failed': sum(1 for p in group if p['status'] != 'ok'),
                'reason': reason,
                **({'search': outcome['search'], 'simulations': len(group)} if outcome else {}),
            }
        )
    return summary


def unreached_reason(group, usable, target, outcome=None):
    """Why a place has no weight at target, in words: the targeted search's reason, the
    failed points, or where the target lies against the grid's EPSPs."""
    if outcome is not None:
        return outcome['search']
    failed = sum(1 for p in group if p['status'] != 'ok')
    if failed:
        return f'{failed} of its {len(group)} points failed'
    if not usable:
        return f'the soma spiked at all {len(group)} weights'
    top = max(usable, key=lambda p: p['weight'])
    bottom = min(usable, key=lambda p: p['weight'])
    if top['epsp'] < target:
        return f"target above the grid: the largest weight, {top['weight']:g} uS, gives {top['epsp']:.4g} mV"
    if bottom['epsp'] > target:
        return f"target below the grid: the smallest weight, {bottom['weight']:g} uS, gives {bottom['epsp']:.4g} mV"
    return 'target outside the grid'


def reason_kind(reason):
    """A reason without its place's own numbers, for counting places alike:
    'target above the grid', 'the soma spikes', 'no weight up to 1.0 uS reaches 0.5 mV'."""
    return reason.split(':')[0].split(' from about ')[0]
