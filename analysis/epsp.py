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


def epsp_features(t, v, onset, baseline_window=20.0, epsp_window=100.0, spike_threshold=0.0):
    """EPSP amplitude (mV), its peak time (ms), the baseline at onset (mV), and whether v
    crossed ``spike_threshold`` (mV) after the onset."""
    t = np.asarray(t, dtype=float)
    v = np.asarray(v, dtype=float)
    if t.shape != v.shape:
        raise ValueError(f't and v differ in length: {t.size} and {v.size}')
    slope, baseline = baseline_line(t, v, onset, baseline_window)
    mask = (t > onset) & (t <= onset + epsp_window)
    if not mask.any():
        raise ValueError(f'no samples in the EPSP window after {onset} ms')
    rise = v[mask] - (baseline + slope * (t[mask] - onset))
    peak = int(np.argmax(rise))
    return {
        'epsp': float(rise[peak]),
        'peak_time': float(t[mask][peak]),
        'baseline': baseline,
        'spiked': bool(np.max(v[mask]) > spike_threshold),
    }


def peak_is_past(t, v, onset, baseline_window, now, spike_threshold=0.0, decay=0.5, hold=5.0):
    """Whether the EPSP of the trace recorded so far (to ``now``, ms) can no longer grow:
    the soma spiked, or the rise above the baseline has fallen to ``decay`` times its peak
    at least ``hold`` ms after the peak. Only meaningful once every synaptic conductance
    has passed its own peak (the caller's minimum window)."""
    features = epsp_features(t, v, onset, baseline_window, now - onset, spike_threshold)
    if features['spiked']:
        return True
    if features['epsp'] <= 0 or now - features['peak_time'] < hold:
        return False
    slope, baseline = baseline_line(t, v, onset, baseline_window)
    last = np.asarray(v, dtype=float)[np.asarray(t, dtype=float) <= now][-1]
    return bool(last - (baseline + slope * (now - onset)) <= decay * features['epsp'])


def loss(epsp, target):
    """Squared distance of an EPSP from the target, mV^2."""
    return float((epsp - target) ** 2)
