"""Targeted search on synthetic EPSP curves (weights in uS, EPSPs in mV)."""

import math
import re

import pytest

from analysis.search import TargetSearch

pytestmark = pytest.mark.unit  # pure code, no simulator process: python -m pytest -m unit


def run(curve, target=0.5, tol=0.0005, first=0.001, cap=1.0, threshold=math.inf, slope=None, spike_edge=False):
    search = TargetSearch(target, tol, first, cap, slope=slope, spike_edge=spike_edge)
    tried = []
    while not search.done:
        weight = search.next_weight()
        epsp = curve(weight)
        tried.append(weight)
        search.tell(weight, epsp, epsp > threshold)
    return search, tried


@pytest.mark.parametrize(
    'curve',
    [
        lambda w: 400.0 * w,  # proportional
        lambda w: 60.0 * w,  # a distal place: far from the first guess
        lambda w: 900.0 * w / (1 + 300.0 * w),  # saturating
        lambda w: 200.0 * w + 4e5 * w**2,  # supralinear, NMDA-like
        lambda w: 5000.0 * w,  # the first weight is far too strong
        lambda w: 0.002 + 150.0 * w,  # an offset
        lambda w: 0.55 * w / (w + 0.01),  # a thin tuft, levelling off just above the target
        lambda w: 0.505 * (1 - math.exp(-w / 0.02)),  # levelling off sharply, just above it
        lambda w: 0.51 * math.tanh(w / 0.01),
    ],
)
def test_converges_within_tolerance_in_few_simulations(curve):
    search, tried = run(curve)
    assert search.converged, search.reason
    assert abs(curve(search.weight) - 0.5) <= 0.0005
    assert search.evaluations == len(tried) <= 8


def test_saturating_dendrites_take_few_simulations_on_average():
    """Curves that level off at 0.52 to 2 mV, half-saturating at 0.003 to 0.3 uS: the
    proportional guess from below never brackets those; this search does, quickly."""
    counts = []
    for top in (0.52, 0.6, 0.8, 1.2, 2.0):
        for half in (0.003, 0.01, 0.03, 0.1, 0.3):
            curve = lambda w, top=top, half=half: top * w / (w + half)  # noqa: E731
            search, _ = run(curve)
            if top * 1.0 / (1.0 + half) >= 0.5:
                assert search.converged, (top, half, search.reason)
                assert abs(curve(search.weight) - 0.5) <= 0.0005
            else:
                assert search.reason == 'no weight up to 1.0 uS reaches 0.5 mV'
            counts.append(search.evaluations)
    assert sum(counts) / len(counts) <= 5 and max(counts) <= 8


def test_a_neighbours_weight_and_slope_make_two_simulations_enough():
    curve = lambda w: 0.6 * w / (w + 0.02)  # noqa: E731
    neighbour, _ = run(lambda w: 0.6 * w / (w + 0.021))
    slope = (math.log(curve(neighbour.weight * 1.01)) - math.log(curve(neighbour.weight))) / math.log(1.01)
    search, tried = run(curve, first=neighbour.weight, slope=slope)
    assert search.converged and len(tried) <= 2


def test_unreachable_below_the_cap():
    search, tried = run(lambda w: 0.3 * w / (w + 0.01), cap=0.05)
    assert not search.converged and math.isnan(search.weight)
    assert 'no weight up to 0.05 uS reaches 0.5 mV' in search.reason
    assert max(tried) == 0.05


def test_spike_before_the_target():
    search, _ = run(lambda w: 100.0 * w, threshold=0.3)  # EPSPs above 0.3 mV come with a spike
    assert not search.converged
    found = re.fullmatch(r'the soma spikes from about (\S+) uS, before the EPSP reaches 0.5 mV', search.reason)
    assert found and 0.003 <= float(found.group(1)) <= 0.003 * 1.05


@pytest.mark.parametrize('first', [0.00303, 0.00298])  # just above and just below where it spikes
def test_a_predicted_spiking_edge_settles_the_verdict_in_two_simulations(first):
    search, tried = run(lambda w: 100.0 * w, threshold=0.3, first=first, spike_edge=True)
    assert not search.converged and len(tried) == 2
    assert search.reason.startswith('the soma spikes from about')
    slow, _ = run(lambda w: 100.0 * w, threshold=0.3, first=first)
    assert slow.evaluations > 4


def test_a_wrong_spiking_edge_costs_at_most_two_steps():
    search, tried = run(lambda w: 100.0 * w, first=0.003, spike_edge=True)  # nothing spikes
    assert search.converged and tried[1] == pytest.approx(0.003 / (1 - 0.045))
    plain, _ = run(lambda w: 100.0 * w, first=0.003)
    assert search.evaluations <= plain.evaluations + 2


def test_gives_up_after_the_budget():
    search = TargetSearch(0.5, 1e-12, 0.001, 1.0, max_evaluations=3)
    while not search.done:
        weight = search.next_weight()
        search.tell(weight, 300.0 * weight + 1e4 * weight**2, False)
    assert not search.converged and search.evaluations == 3
    assert 'after 3 simulations' in search.reason
