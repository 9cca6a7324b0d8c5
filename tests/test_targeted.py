"""Targeted search through both engines: converged weights, few simulations, clear failures."""

import json
import math
import pickle

import pandas as pd
import pytest

from tests.helpers import PROJECT, assert_one_line_error, run_command, run_in_child

PLACES = ['--secs', 'soma', 'dendrite', 'axon_1', '--locs', '0.5']


def targeted(tmp_path, name, *args):
    out = tmp_path / name
    proc = run_command('M1_grid_search.py', '--search', 'target', *args, '--out', out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc, pd.read_json(out / 'results.json', precise_float=True), pd.read_json(out / 'summary.json', precise_float=True)


def test_both_engines_converge_to_the_same_weights_in_few_simulations(tmp_path):
    _, inline_points, inline = targeted(tmp_path, 'inline', *PLACES, '--engine', 'inline')
    _, batch_points, batch = targeted(tmp_path, 'batch', *PLACES, '--engine', 'batch')
    assert inline['in_range'].all() and batch['in_range'].all()
    assert (inline['simulations'] <= 8).all()
    # both are within the tolerance of the target, from different first weights (the
    # inline engine predicts them), so they agree to about 2 tol
    assert inline['weight_at_target'].to_numpy() == pytest.approx(batch['weight_at_target'].to_numpy(), rel=3e-3)
    # the inline engine's points are a process per point's: the Batch grid at its first weights
    first = inline_points.groupby(['sec', 'loc'], sort=False).head(1)['weight']
    proc = run_command('M1_grid_search.py', *PLACES, '--weights', *map(repr, first), '--out', tmp_path / 'grid')
    assert proc.returncode == 0, proc.stderr[-3000:]
    grid = pd.read_json(tmp_path / 'grid' / 'results.json', precise_float=True)
    same = inline_points.merge(grid, on=['sec', 'loc', 'weight'], suffixes=('', '_batch'))
    assert len(same) >= 3
    assert same['epsp'].to_numpy() == pytest.approx(same['epsp_batch'].to_numpy(), rel=1e-6)
    assert len(inline_points) == inline['simulations'].sum()
    final = inline_points[inline_points['search'].notna()]
    assert (abs(final['epsp'] - 0.5) <= 0.0005).all() and final['converged'].all()
    assert final['weight'].to_numpy() == pytest.approx(inline['weight_at_target'].to_numpy())
    assert inline.set_index('sec').loc['axon_1', 'weight_at_target'] > 0.003


def test_a_target_no_weight_reaches_is_reported(tmp_path):
    """Without --engine, a targeted search runs on the inline engine."""
    proc, points, summary = targeted(tmp_path, 'cap', '--secs', 'axon_1', '--max-weight', '0.002')
    assert json.loads((tmp_path / 'cap' / 'run.json').read_text())['engine'] == 'inline'
    assert not summary['in_range'].any() and summary['weight_at_target'].isna().all()
    assert summary['search'].item() == 'no weight up to 0.002 uS reaches 0.5 mV'
    assert 'not found: no weight up to 0.002 uS' in proc.stdout
    assert points['weight'].max() == 0.002


def test_a_spike_before_the_target_is_reported_and_then_costs_two_simulations_a_place(tmp_path):
    """The first place finds where the soma starts spiking; each next place starts at the
    weight predicted from it and settles the same verdict in two simulations."""
    proc, points, summary = targeted(tmp_path, 'spike', '--secs', 'soma', '--locs', '0.3', '0.5', '0.7', '0.9',
                                     '--target', '40', '--engine', 'inline', '--jobs', '1')
    assert not summary['in_range'].any()
    assert summary['search'].str.startswith('the soma spikes from about').all()
    assert 'before the EPSP reaches 40.0 mV' in proc.stdout
    assert points['spiked'].any() and summary['simulations'].iloc[0] <= 10
    assert (summary['simulations'].iloc[1:] == 2).all(), summary['simulations'].tolist()


@pytest.mark.parametrize('args, named', [(['--tol', '0'], '--tol'), (['--max-weight', '-1'], '-1.0')])
def test_bad_search_settings(tmp_path, args, named):
    out = tmp_path / 'out'
    assert_one_line_error(run_in_child('M1_grid_search.py', '--search', 'target', *args, '--out', out), named)
    assert not out.exists()


def test_seeds_come_from_the_nearest_searched_places_of_the_section_or_its_neighbours():
    from wscale.search.targeted import Seed, Seeds, first_weight

    cell = {'secs': {
        'soma': {},
        'dend': {'topol': {'parentSec': 'soma', 'parentX': 1.0, 'childX': 0.0}},
        'tip': {'topol': {'parentSec': 'dend', 'parentX': 1.0, 'childX': 0.0}},
        'axon': {'topol': {'parentSec': 'soma', 'parentX': 0.0, 'childX': 0.0}},
    }}

    def searched(weights, epsps, distance):
        records = [{'weight': w, 'epsp': e, 'target': 0.5, 'status': 'ok', 'spiked': False, 'distance_um': distance}
                   for w, e in zip(weights, epsps)]
        records[-1].update(converged=True, search='converged')
        return records

    seeds = Seeds(cell, cap=1.0)
    assert seeds.seed('dend', 0.5) is None
    seeds.learn('dend', 0.1, searched([0.001, 0.002], [0.26, 0.5], 10.0), order=0)
    seeds.learn('dend', 0.9, searched([0.004], [0.5], 90.0), order=1)
    unreachable = searched([0.5, 1.0], [0.2, 0.3], 120.0)
    unreachable[-1]['converged'] = False
    seeds.learn('tip', 0.5, unreachable, order=2)
    seed = seeds.seed('dend', 0.3)
    assert [place[:3] for place in seed.known] == [('dend', 0.1, 0.002), ('dend', 0.9, 0.004)] and not seed.across
    assert seed.slopes == ((10.0, pytest.approx(math.log(0.5 / 0.26) / math.log(2))),)  # only where measured
    assert seeds.seed('dend', 0.7).known[0][2] == 0.004
    assert seeds.seed('tip', 0.5).unreachable  # its own section's nearest place never reached the target
    assert seeds.seed('soma', 0.5).known[0][:2] == ('dend', 0.1)  # a child's place nearest its start (childX 0)
    assert seeds.seed('axon', 0.5) == Seed((('dend', 0.1, 0.002, 10.0),), True)  # two branch points away: across
    assert seeds.seed('dend', 0.3, among=range(0)) is None  # only the places of the orders given count
    assert seeds.seed('dend', 0.7, among=range(1)).known[0][:3] == ('dend', 0.1, 0.002)

    class Model:  # weight x transfer impedance constant across the branch point
        def distance(self, sec, loc):
            return {'dend': 100.0 * loc, 'soma': 0.0, 'axon': 50.0 * loc}[sec]

        def transfer(self, sec, loc):
            return {'dend': 50.0 - 10 * loc, 'soma': 60.0 - 10 * loc, 'axon': 40.0}[sec]

    cfg = type('Cfg', (), {'searchFirstWeight': 0.001, 'searchMaxWeight': 1.0})()
    weight, slope, edge = first_weight(cfg, 'dend', 0.5, seeds.seed('dend', 0.5), Model())
    # ln(weight x transfer impedance) on a line through 10 and 90 um
    assert weight == pytest.approx((0.002 * 49.0 * 0.004 * 41.0) ** 0.5 / 45.0) and not edge
    assert first_weight(cfg, 'tip', 0.5, seeds.seed('tip', 0.5), Model()) == (1.0, None, False)  # the largest first
    assert first_weight(cfg, 'axon', 0.5, None, Model()) == (0.001, None, False)
    # with the preview's weights: the ratio to them is fitted, and a place with no seed starts at its own
    predicted = {('dend', 0.1): (0.0019, 0.9), ('dend', 0.9): (0.0036, 0.8), ('dend', 0.5): (0.003, 0.85),
                 ('axon', 0.5): (0.02, 0.7)}
    weight, _, _ = first_weight(cfg, 'dend', 0.5, seeds.seed('dend', 0.5), Model(), predicted)
    assert weight == pytest.approx(0.003 * ((0.002 / 0.0019) * (0.004 / 0.0036)) ** 0.5)
    assert first_weight(cfg, 'axon', 0.5, None, Model(), predicted) == (0.02, 0.7, False)
    del predicted['dend', 0.9]  # one place without a prediction: the transfer impedances for all
    assert first_weight(cfg, 'dend', 0.5, seeds.seed('dend', 0.5), Model(), predicted)[0] == pytest.approx(
        (0.002 * 49.0 * 0.004 * 41.0) ** 0.5 / 45.0)
    # the soma spiked before the target at the nearest place: start where this one is predicted to spike
    spiked = searched([0.01, 0.04, 0.0384], [0.3, None, 0.45], 0.0)
    for record, spikes in zip(spiked, (False, True, False)):
        record['spiked'] = spikes
    spiked[-1].update(converged=False)
    seeds.learn('soma', 0.5, spiked, order=3)
    seed = seeds.seed('soma', 0.3)
    assert seed.spiking and seed.known == (('soma', 0.5, 0.04, 0.0),) and not seed.slopes
    assert first_weight(cfg, 'soma', 0.3, seed, Model()) == (pytest.approx(0.04 * 55.0 / 57.0), None, True)
    weight, slope, edge = first_weight(cfg, 'axon', 0.5, seeds.seed('axon', 0.5), Model())
    assert edge and weight == pytest.approx(0.04 * 55.0 / 40.0)  # across a branch point: weight x transfer kept


def test_a_slope_carried_across_a_branch_point_follows_the_input_impedance():
    from analysis.prediction import carried_slope

    # EPSP = g / (1 + c g Z): slope 1 / (1 + c g Z); c = 2 from the place where it was measured
    there = 1.0 / (1.0 + 2.0 * 0.01 * 10.0)
    assert carried_slope(there, 0.01, 10.0, 0.02, 30.0) == pytest.approx(1.0 / (1.0 + 2.0 * 0.02 * 30.0))
    assert carried_slope(1.2, 0.01, 10.0, 0.02, 30.0) == 1.2  # no saturation to carry


def test_predictions_fit_the_nearest_places_and_stay_near_them():
    from analysis.prediction import extrapolated_slope, extrapolated_weight

    weight = lambda x: 0.001 * math.exp(0.01 * x + 1e-5 * x * x)  # noqa: E731
    known = [(x, weight(x), None) for x in (20.0, 10.0, 0.0)]
    assert extrapolated_weight(known, 30.0) == pytest.approx(weight(30.0), rel=1e-9)  # a parabola in ln(weight)
    cubic = lambda x: 0.001 * math.exp(0.01 * x + 1e-5 * x * x - 2e-7 * x ** 3)  # noqa: E731
    assert extrapolated_weight([(x, cubic(x), None) for x in (30.0, 20.0, 10.0, 0.0)], 40.0) == pytest.approx(
        cubic(40.0), rel=1e-9)
    assert extrapolated_weight(known[:2], 30.0) == pytest.approx(0.001 * math.exp(0.307), rel=1e-9)  # a line
    assert extrapolated_weight(known[:1], 30.0) == weight(20.0)
    # the weight's ratio to a reference weight (a model's prediction) is what is fitted
    across = [(x, 0.002 / z, 1.0 / z) for x, z in ((20.0, 40.0), (10.0, 45.0))]
    assert extrapolated_weight(across, 30.0, reference=1.0 / 20.0) == pytest.approx(0.002 / 20.0)
    # far beyond the places fitted: the nearest place alone; never more than 4 x off it
    assert extrapolated_weight(known, 500.0) == weight(20.0)
    assert extrapolated_weight([(0.0, 0.001, None), (1.0, 0.01, None)], 2.0) == pytest.approx(0.004)
    assert extrapolated_slope([(20.0, 0.8), (10.0, 0.9)], 30.0) == pytest.approx(0.8 * 0.8 / 0.9)
    assert extrapolated_slope([(2.0, 0.2), (1.0, 0.8)], 3.0) == pytest.approx(0.2 / 1.5)
    assert extrapolated_slope([], 3.0) is None


def test_places_are_cut_into_runs_handed_out_interleaved():
    from wscale.engines.inline import dispatch_order, runs_of

    assert runs_of(747, 2) == [range(0, 124), range(124, 249), range(249, 374), range(374, 498), range(498, 622),
                               range(622, 747)]
    assert runs_of(35, 4) == [range(0, 12), range(12, 23), range(23, 35)]  # 10 places a run at least
    assert runs_of(4, 2) == [range(0, 4)]
    assert dispatch_order([range(0, 4), range(4, 7)]) == [0, 4, 1, 5, 2, 6, 3]
    assert sorted(dispatch_order(runs_of(747, 16))) == list(range(747))


def test_a_thin_tuft_every_segment_found_or_explained(tmp_path):
    cell = PROJECT / 'cells' / 'pyramidal_thin_tuft.json'
    ampa = PROJECT / 'cells' / 'synapse_files' / 'ampa.json'
    proc, points, summary = targeted(
        tmp_path, 'tuft', '--cell', cell, '--synapses', ampa, '--secs', 'apic_tuft_0_2', '--all-segments',
        '--engine', 'inline', '--jobs', '2',
    )
    tuft = summary[summary['sec'] == 'apic_tuft_0_2']
    reached, unreached = tuft[tuft['in_range']], tuft[~tuft['in_range']]
    assert len(reached) >= 5 and len(unreached) >= 5
    assert (reached['weight_at_target'] > 0.01).any()  # sublinear, levelling-off places found
    assert (unreached['search'] == 'no weight up to 1.0 uS reaches 0.5 mV').all()
    assert unreached['filled'].all() and not reached['filled'].any()
    # a place beyond one that could not reach the target is simulated once, at the largest
    # weight; only the first place of each of the 2 runs the places are cut into may search
    assert (unreached['simulations'] == 1).sum() >= len(unreached) - 2
    assert summary['simulations'].mean() <= 5
    final = points[points['search'].notna() & points['converged'].astype(bool)]
    assert (abs(final['epsp'] - 0.5) <= 0.0005).all()
    with open(tmp_path / 'tuft' / 'weight_norm.pkl', 'rb') as stream:
        table = pickle.load(stream)
    soma_value = table['soma'][0]
    assert len(table['apic_tuft_0_2']) == len(tuft)
    filled = [table['apic_tuft_0_2'][int(loc * len(tuft))] for loc in unreached['loc']]
    assert filled == pytest.approx([4 * soma_value] * len(unreached))
    assert f'filled {len(unreached)} segments without a weight with 4 x the soma' in proc.stdout
