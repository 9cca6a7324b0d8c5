"""EPSP extraction on synthetic traces (t in ms, v in mV)."""

import numpy as np
import pytest

from analysis.epsp import baseline_line, epsp_amplitude, epsp_features, loss, peak_is_past

pytestmark = pytest.mark.unit  # pure code, no simulator process: python -m pytest -m unit

DT = 0.1
ONSET = 701.0


def dual_exponential(t, onset, amplitude, tau_rise=1.0, tau_decay=20.0):
    """A dual-exponential EPSP with the given peak amplitude (mV), zero before onset."""
    s = np.clip(t - onset, 0.0, None)
    shape = np.exp(-s / tau_decay) - np.exp(-s / tau_rise)
    return amplitude * shape / shape.max()


@pytest.fixture
def t():
    return np.arange(0.0, 1000.0 + DT / 2, DT)


def test_clean_epsp_amplitude_is_the_peak_above_rest(t):
    v = -70.0 + dual_exponential(t, ONSET, 0.5)
    assert epsp_amplitude(t, v, ONSET) == pytest.approx(0.5, abs=1e-3)


def test_features_of_a_clean_epsp(t):
    v = -70.0 + dual_exponential(t, ONSET, 1.2, tau_rise=2.0, tau_decay=30.0)
    features = epsp_features(t, v, ONSET)
    assert features['baseline'] == pytest.approx(-70.0)
    assert features['epsp'] == pytest.approx(1.2, abs=2e-3)
    expected_peak = ONSET + np.log(30.0 / 2.0) * 2.0 * 30.0 / (30.0 - 2.0)
    assert features['peak_time'] == pytest.approx(expected_peak, abs=DT)
    assert features['spiked'] is False


def test_drifting_baseline_is_removed(t):
    drift = 0.01  # mV/ms, a membrane still relaxing
    v = -70.0 + drift * (t - ONSET) + dual_exponential(t, ONSET, 0.5)
    assert epsp_amplitude(t, v, ONSET) == pytest.approx(0.5, abs=2e-3)
    naive = v[(t > ONSET) & (t <= ONSET + 100)].max() - v[(t >= ONSET - 20) & (t < ONSET)].mean()
    assert abs(naive - 0.5) > 0.05


def test_baseline_line_recovers_slope_and_value(t):
    v = -65.0 - 0.002 * (t - ONSET)
    slope, value = baseline_line(t, v, ONSET, 20.0)
    assert slope == pytest.approx(-0.002)
    assert value == pytest.approx(-65.0)


def test_spike_is_flagged(t):
    v = -70.0 + dual_exponential(t, ONSET, 3.0)
    spike = (t > ONSET + 3.0) & (t < ONSET + 4.0)
    v[spike] = 30.0
    features = epsp_features(t, v, ONSET, spike_threshold=0.0)
    assert features['spiked'] is True
    assert features['epsp'] == pytest.approx(100.0, abs=1e-6)


def test_spike_before_the_onset_is_not_this_points_spike(t):
    v = -70.0 + dual_exponential(t, ONSET, 0.5)
    v[(t > 200.0) & (t < 201.0)] = 30.0
    assert epsp_features(t, v, ONSET)['spiked'] is False


def test_no_epsp_gives_zero(t):
    v = np.full_like(t, -70.0)
    assert epsp_amplitude(t, v, ONSET) == pytest.approx(0.0)


def test_hyperpolarising_response_gives_at_most_zero(t):
    v = -70.0 - dual_exponential(t, ONSET, 0.5)
    assert epsp_amplitude(t, v, ONSET) <= 1e-12


def test_windows_outside_the_trace_are_refused(t):
    v = np.full_like(t, -70.0)
    with pytest.raises(ValueError, match='baseline'):
        epsp_amplitude(t, v, 0.0)
    with pytest.raises(ValueError, match='EPSP window'):
        epsp_amplitude(t, v, 1000.0)


def test_mismatched_lengths_are_refused(t):
    with pytest.raises(ValueError, match='differ in length'):
        epsp_features(t, np.zeros(t.size - 1), ONSET)


def test_loss_is_squared_error():
    assert loss(0.7, 0.5) == pytest.approx(0.04)
    assert loss(0.3, 0.5) == pytest.approx(0.04)
    assert loss(0.5, 0.5) == 0.0


def _until(t, v, now):
    keep = t <= now
    return t[keep], v[keep]


def test_the_peak_is_past_once_the_epsp_has_halved(t):
    v = -70.0 + dual_exponential(t, ONSET, 0.5, tau_rise=2.0, tau_decay=20.0)
    peak = epsp_features(t, v, ONSET)['peak_time']
    for now, past in ((peak - 1.0, False), (peak + 2.0, False), (peak + 8.0, False), (ONSET + 60.0, True)):
        assert peak_is_past(*_until(t, v, now), ONSET, 20.0, now) is past, now
    stopped = _until(t, v, ONSET + 60.0)
    assert epsp_features(*stopped, ONSET, 20.0, 60.0)['epsp'] == epsp_features(t, v, ONSET)['epsp']


def test_a_second_rising_phase_keeps_it_running(t):
    """A fast component that dips, then a slow one that climbs higher: the dip does not fall
    to half the first peak, so the run goes on to the true peak."""
    v = -70.0 + dual_exponential(t, ONSET, 0.3, 0.5, 5.0) + dual_exponential(t, ONSET, 0.4, 15.0, 150.0)
    true_peak = epsp_features(t, v, ONSET)['peak_time']
    for now in np.arange(ONSET + 10.0, true_peak, 5.0):
        assert not peak_is_past(*_until(t, v, now), ONSET, 20.0, now), now


def test_a_spike_ends_it_at_once(t):
    v = -70.0 + dual_exponential(t, ONSET, 0.5)
    v[(t > ONSET + 3.0) & (t < ONSET + 4.0)] = 20.0
    assert peak_is_past(*_until(t, v, ONSET + 5.0), ONSET, 20.0, ONSET + 5.0)
