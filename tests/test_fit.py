"""Weight at target by interpolation, and the per-location summary."""

import math

import pytest

from analysis.fit import summarise, weight_at_target, weight_norm

pytestmark = pytest.mark.unit  # pure code, no simulator process: python -m pytest -m unit


def test_interpolates_between_bracketing_points():
    weight, in_range = weight_at_target([0.001, 0.002, 0.003], [0.3, 0.6, 0.9], 0.5)
    assert in_range is True
    assert weight == pytest.approx(0.001 + (0.2 / 0.3) * 0.001)


def test_exact_grid_point():
    weight, in_range = weight_at_target([0.001, 0.002, 0.003], [0.3, 0.5, 0.9], 0.5)
    assert (weight, in_range) == (pytest.approx(0.002), True)


def test_order_of_points_does_not_matter():
    forward = weight_at_target([0.001, 0.002, 0.003], [0.2, 0.4, 0.8], 0.6)
    shuffled = weight_at_target([0.003, 0.001, 0.002], [0.8, 0.2, 0.4], 0.6)
    assert forward == shuffled
    assert forward[0] == pytest.approx(0.0025)


@pytest.mark.parametrize('target', [0.1, 1.0])
def test_target_outside_the_grid_is_flagged_not_extrapolated(target):
    weight, in_range = weight_at_target([0.001, 0.002, 0.003], [0.3, 0.6, 0.9], target)
    assert in_range is False
    assert math.isnan(weight)


def test_too_few_points_is_out_of_range():
    assert weight_at_target([], [], 0.5)[1] is False
    assert weight_at_target([0.001], [0.4], 0.5)[1] is False


def test_non_finite_points_are_ignored():
    weight, in_range = weight_at_target([0.001, 0.002, 0.003], [0.3, float('nan'), 0.7], 0.5)
    assert in_range is True
    assert weight == pytest.approx(0.002)


def test_weight_norm_is_netpyne_convention():
    assert weight_norm(0.0012, 0.5) == pytest.approx(0.0024)


def point(sec, weight, epsp, target=0.5, status='ok', spiked=False, loc=0.5):
    return {
        'sec': sec,
        'loc': loc,
        'weight': weight,
        'epsp': epsp,
        'loss': None if epsp is None else (epsp - target) ** 2,
        'status': status,
        'spiked': spiked,
    }


def test_summary_per_location():
    points = [
        point('soma', 0.001, 0.4),
        point('soma', 0.002, 0.8),
        point('dend', 0.001, 0.1),
        point('dend', 0.002, 0.2),
        point('dend', 0.002, 0.25, loc=0.9),
    ]
    summary = summarise(points, 0.5)
    assert [(row['sec'], row['loc']) for row in summary] == [('soma', 0.5), ('dend', 0.5), ('dend', 0.9)]
    soma, dend, _ = summary
    assert soma['in_range'] is True
    assert soma['weight_at_target'] == pytest.approx(0.00125)
    assert soma['weight_norm'] == pytest.approx(0.0025)
    assert soma['best_weight'] == 0.001 and soma['best_epsp'] == 0.4
    assert dend['in_range'] is False and math.isnan(dend['weight_at_target'])
    assert dend['best_weight'] == 0.002


def test_summary_leaves_out_spiked_and_failed_points():
    points = [
        point('soma', 0.001, 0.4),
        point('soma', 0.002, 0.6),
        point('soma', 0.003, 80.0, spiked=True),
        point('soma', 0.004, None, status='error'),
    ]
    (row,) = summarise(points, 0.5)
    assert row['points'] == 2 and row['spiked'] == 1 and row['failed'] == 1
    assert row['weight_at_target'] == pytest.approx(0.0015)
    assert row['best_weight'] in (0.001, 0.002)


def test_summary_with_no_usable_point():
    (row,) = summarise([point('soma', 0.001, None, status='error')], 0.5)
    assert row['in_range'] is False
    assert math.isnan(row['best_weight'])


WEIGHT_NORM_SUMMARY = [
    {'sec': 'dend', 'loc': 5 / 6, 'weight_norm': 0.003, 'in_range': True},
    {'sec': 'dend', 'loc': 1 / 6, 'weight_norm': 0.001, 'in_range': True},
    {'sec': 'dend', 'loc': 0.5, 'weight_norm': 0.002, 'in_range': True},
    {'sec': 'soma', 'loc': 0.5, 'weight_norm': 0.0009, 'in_range': True},
    {'sec': 'axon', 'loc': 0.5, 'weight_norm': math.nan, 'in_range': False, 'reason': 'target above the grid'},
    {'sec': 'apic', 'loc': 0.5, 'weight_norm': 0.004, 'in_range': True},
    {'sec': 'basal', 'loc': 0.25, 'weight_norm': 0.005, 'in_range': True},
    {'sec': 'basal', 'loc': 0.75, 'weight_norm': math.nan, 'in_range': False, 'reason': '2 of its 2 points failed'},
]
SEGMENTS = {'dend': 3, 'soma': 1, 'axon': 1, 'apic': 2, 'basal': 2}


def test_weight_norm_table_in_segment_order_without_fill():
    from analysis.weight_norm import weight_norm_table

    table, left_out, filled = weight_norm_table(WEIGHT_NORM_SUMMARY, SEGMENTS)
    assert table == {'dend': [0.001, 0.002, 0.003], 'soma': [0.0009]}
    assert left_out == {
        'axon': 'no weight at 1 of 1 segments: target above the grid',
        'apic': '0 of 2 segment centres searched',
        'basal': 'no weight at 1 of 2 segments: 2 of its 2 points failed',
    }
    assert filled == {}


def test_weight_norm_table_fills_every_segment_of_a_searched_section():
    from analysis.weight_norm import soma_weight_norm, weight_norm_table

    fill = 4.0 * soma_weight_norm(WEIGHT_NORM_SUMMARY, 'soma')
    assert fill == pytest.approx(0.0036)
    table, left_out, filled = weight_norm_table(WEIGHT_NORM_SUMMARY, SEGMENTS, fill)
    assert table == {'dend': [0.001, 0.002, 0.003], 'soma': [0.0009], 'axon': [fill], 'basal': [0.005, fill]}
    assert left_out == {'apic': '0 of 2 segment centres searched'}
    assert filled == {('axon', 0.5): 'target above the grid', ('basal', 0.75): '2 of its 2 points failed'}
    assert soma_weight_norm(WEIGHT_NORM_SUMMARY, 'axon') is None


def test_summary_says_why_a_place_has_no_weight():
    above = summarise([point('axon', 0.001, 0.1), point('axon', 0.002, 0.2)], 0.5)[0]
    assert above['reason'] == 'target above the grid: the largest weight, 0.002 uS, gives 0.2 mV'
    below = summarise([point('soma', 0.001, 0.7), point('soma', 0.002, 1.4)], 0.5)[0]
    assert below['reason'] == 'target below the grid: the smallest weight, 0.001 uS, gives 0.7 mV'
    failed = summarise([point('soma', 0.001, None, status='error'), point('soma', 0.002, 1.0)], 0.5)[0]
    assert failed['reason'] == '1 of its 2 points failed'
    found = summarise([point('soma', 0.001, 0.4), point('soma', 0.002, 0.8)], 0.5)[0]
    assert found['reason'] is None


def test_netpyne_segment_index_rounds_half_to_even():
    from analysis.weight_norm import netpyne_segment_index

    assert [netpyne_segment_index((i + 0.5) / 4, 4) for i in range(4)] == [-1, 1, 1, 3]
    assert netpyne_segment_index(1.0, 4) == 3


def test_summary_of_a_targeted_search_takes_its_weight():
    searched = [point('soma', 0.001, 0.45), point('soma', 0.0011, 0.4999)]
    searched[-1].update(converged=True, search='converged in 2 simulations')
    failed = [point('axon', 1.0, 0.2)]
    failed[-1].update(converged=False, search='no weight up to 1.0 uS reaches 0.5 mV')
    soma, axon = summarise(searched + failed, 0.5)
    assert soma['weight_at_target'] == 0.0011 and soma['in_range'] is True
    assert soma['search'] == 'converged in 2 simulations' and soma['simulations'] == 2
    assert math.isnan(axon['weight_at_target']) and axon['in_range'] is False
    assert axon['search'].startswith('no weight up to')
