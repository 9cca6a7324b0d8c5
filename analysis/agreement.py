"""Whether two simulations of one point agree, and where they part: a run restarted from a
saved state against the uninterrupted run from 0 ms (the self-check of a reused model).

Pure functions of somatic traces (t in ms, v in mV) and of snapshots of a model's
variables ({(mechanism, place, variable): value}).
"""

import math

import numpy as np

FIXED_STEP_TOLERANCE = 1e-6  # fraction of the EPSP's scale: fixed-step runs agree to rounding
CVODE_TOLERANCE = 20.0  # multiples of CVode's absolute tolerance (mV) between a restarted and an uninterrupted run
UNCHANGED = 1e-9  # relative difference of a variable below which two snapshots hold the same value


def trace_deviation(t_a, v_a, t_b, v_b, start, step):
    """The largest difference (mV) between two somatic traces at the times both recorded
    from ``start`` (ms) on, the times matched on the recording grid of ``step`` ms;
    infinite where either trace is NaN or infinite there, or the traces share no time."""
    a = _on_grid(t_a, v_a, start, step)
    b = _on_grid(t_b, v_b, start, step)
    shared = sorted(a.keys() & b.keys())
    if not shared:
        return math.inf
    differences = np.abs(np.array([a[index] for index in shared]) - np.array([b[index] for index in shared]))
    return float(differences.max()) if np.all(np.isfinite(differences)) else math.inf


def _on_grid(t, v, start, step):
    t = np.asarray(t, dtype=float)
    v = np.asarray(v, dtype=float)
    keep = t >= start - step / 2
    return dict(zip(np.rint(t[keep] / step).astype(np.int64).tolist(), v[keep].tolist()))


def tolerance(scale, cvode_active, cvode_atol):
    """The largest difference (mV) two traces of one point may show and still count as the
    same run: at the fixed step FIXED_STEP_TOLERANCE of ``scale`` (mV, the EPSP's size);
    with CVode also CVODE_TOLERANCE times its absolute tolerance ``cvode_atol``, which
    bounds how far two CVode runs that start their integration at different times part."""
    fixed = FIXED_STEP_TOLERANCE * abs(scale)
    return fixed + (CVODE_TOLERANCE * cvode_atol if cvode_active else 0.0)


def mechanism_differences(a, b):
    """{mechanism: the largest difference of its variables} between two snapshots
    {(mechanism, instance, variable): value} of one model, over the keys both have. A
    variable's difference at an instance is taken relative to the largest magnitude that
    variable has at any instance in either snapshot, so that a current crossing zero
    counts no more than one far from it; infinite where one value is NaN or infinite and
    the other is not the same. Mechanisms whose every variable holds the same value
    (to UNCHANGED) are left out."""
    shared = a.keys() & b.keys()
    scale = {}
    for key in shared:
        for value in (a[key], b[key]):
            if math.isfinite(value):
                variable = (key[0], key[2])
                scale[variable] = max(scale.get(variable, 0.0), abs(value))
    worst = {}
    for key in shared:
        first, second = a[key], b[key]
        if first == second:
            continue
        if not (math.isfinite(first) and math.isfinite(second)):
            difference = math.inf
        else:
            difference = abs(first - second) / scale[(key[0], key[2])]
        if difference > UNCHANGED:
            worst[key[0]] = max(worst.get(key[0], 0.0), difference)
    return worst


def culprit(a, b, victims=()):
    """The mechanism whose variables part most between snapshots ``a`` and ``b``, or None
    where none differs; mechanisms in ``victims`` (ions, which any current moves) only
    where no other mechanism differs."""
    differences = mechanism_differences(a, b)
    if not differences:
        return None
    own = {name: value for name, value in differences.items() if name not in victims} or differences
    return max(sorted(own), key=lambda name: own[name])
