"""Weight at target by interpolation, and the per-location summary."""

import math

import pytest

from analysis.fit import summarise, weight_at_target, weight_norm


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


def test_weight_norm_table_in_segment_order():
    from analysis.weight_norm import weight_norm_table

    summary = [
        {'sec': 'dend', 'loc': 5 / 6, 'weight_norm': 0.003, 'in_range': True},
        {'sec': 'dend', 'loc': 1 / 6, 'weight_norm': 0.001, 'in_range': True},
        {'sec': 'dend', 'loc': 0.5, 'weight_norm': 0.002, 'in_range': True},
        {'sec': 'soma', 'loc': 0.5, 'weight_norm': 0.0009, 'in_range': True},
        {'sec': 'axon', 'loc': 0.5, 'weight_norm': math.nan, 'in_range': False},
        {'sec': 'apic', 'loc': 0.5, 'weight_norm': 0.004, 'in_range': True},
        {'sec': 'basal', 'loc': 0.5, 'weight_norm': math.nan, 'in_range': False, 'failed': 2},
    ]
    table, left_out = weight_norm_table(summary, {'dend': 3, 'soma': 1, 'axon': 1, 'apic': 2, 'basal': 1})
    assert table == {'dend': [0.001, 0.002, 0.003], 'soma': [0.0009]}
    assert left_out == {
        'axon': 'target outside the grid at 1 of 1 segments',
        'apic': '0 of 2 segment centres searched',
        'basal': 'simulations failed at 1 of 1 segments',
    }


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
