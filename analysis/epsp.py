"""EPSP features of a somatic voltage trace (t in ms, v in mV)."""

import numpy as np


def _window(t, start, stop):
    """Boolean mask of samples with start <= t < stop."""
    return (t >= start) & (t < stop)


def baseline_line(t, v, onset, baseline_window):
    """Straight line (slope mV/ms, value mV at onset) fitted to v over [onset - window, onset).

    The line carries a slow drift of the membrane past the onset; on a flat trace it is
    the mean voltage before the onset.
    """
    t = np.asarray(t, dtype=float)
    v = np.asarray(v, dtype=float)
    mask = _window(t, onset - baseline_window, onset)
    if mask.sum() < 2:
        raise ValueError(f'fewer than 2 samples in the baseline window before {onset} ms')
    slope, intercept = np.polyfit(t[mask] - onset, v[mask], 1)
    return float(slope), float(intercept)


def epsp_amplitude(t, v, onset, baseline_window=20.0, epsp_window=100.0):
    """EPSP amplitude in mV: the largest rise of v above the baseline in (onset, onset + window].

    The baseline is the line fitted just before ``onset`` (see ``baseline_line``), so a
    drifting membrane does not count as EPSP. ``onset`` is the time the synapse is
    activated, in ms.
    """
    return epsp_features(t, v, onset, baseline_window, epsp_window)['epsp']


def _rise(t, v, onset, baseline_window, epsp_window):
    """The samples in (onset, onset + epsp_window]: their times, voltages and rise above
    the baseline line; and the baseline at onset (mV)."""
    t = np.asarray(t, dtype=float)
    v = np.asarray(v, dtype=float)
    if t.shape != v.shape:
        raise ValueError(f't and v differ in length: {t.size} and {v.size}')
    slope, baseline = baseline_line(t, v, onset, baseline_window)
    mask = (t > onset) & (t <= onset + epsp_window)
    if not mask.any():
        raise ValueError(f'no samples in the EPSP window after {onset} ms')
    return t[mask], v[mask], v[mask] - (baseline + slope * (t[mask] - onset)), baseline


def epsp_features(t, v, onset, baseline_window=20.0, epsp_window=100.0, spike_threshold=0.0):
    """EPSP amplitude (mV), its peak time (ms), the baseline at onset (mV), and whether v
    crossed ``spike_threshold`` (mV) after the onset."""
    times, voltages, rise, baseline = _rise(t, v, onset, baseline_window, epsp_window)
    peak = int(np.argmax(rise))
    return {
        'epsp': float(rise[peak]),
        'peak_time': float(times[peak]),
        'baseline': baseline,
        'spiked': bool(np.max(voltages) > spike_threshold),
    }


def peak_is_past(t, v, onset, baseline_window, now, spike_threshold=0.0, decay=0.5, hold=5.0):
    """Whether the EPSP of the trace recorded so far (to ``now``, ms) can no longer grow:
    the soma spiked, or the rise above the baseline has fallen to ``decay`` times its peak
    at least ``hold`` ms after the peak. Only meaningful once every synaptic conductance
    has passed its own peak (the caller's minimum window)."""
    times, voltages, rise, _ = _rise(t, v, onset, baseline_window, now - onset)
    if np.max(voltages) > spike_threshold:
        return True
    peak = int(np.argmax(rise))
    if rise[peak] <= 0 or now - times[peak] < hold:
        return False
    return bool(rise[-1] <= decay * rise[peak])


def loss(epsp, target):
    """Squared distance of an EPSP from the target, mV^2."""
    return float((epsp - target) ** 2)
