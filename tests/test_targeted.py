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
    # inline engine seeds each place from its neighbours), so they agree to about 2 tol
    assert inline['weight_at_target'].to_numpy() == pytest.approx(batch['weight_at_target'].to_numpy(), rel=3e-3)
    same = inline_points.merge(batch_points, on=['sec', 'loc', 'weight'], suffixes=('', '_batch'))
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


def test_a_spike_before_the_target_is_reported(tmp_path):
    proc, points, summary = targeted(tmp_path, 'spike', '--secs', 'soma', '--target', '40', '--engine', 'inline')
    assert not summary['in_range'].item()
    assert 'the soma spikes from about' in summary['search'].item() and 'before the EPSP reaches 40.0 mV' in proc.stdout
    assert points['spiked'].any() and len(points) <= 10


@pytest.mark.parametrize('args, named', [(['--tol', '0'], '--tol'), (['--max-weight', '-1'], '-1.0')])
def test_bad_search_settings(tmp_path, args, named):
    out = tmp_path / 'out'
    assert_one_line_error(run_in_child('M1_grid_search.py', '--search', 'target', *args, '--out', out), named)
    assert not out.exists()


def test_seeds_come_from_the_nearest_searched_place_of_the_section_or_its_neighbours():
    from wscale.search.targeted import Seeds

    cell = {'secs': {
        'soma': {},
        'dend': {'topol': {'parentSec': 'soma', 'parentX': 1.0, 'childX': 0.0}},
        'tip': {'topol': {'parentSec': 'dend', 'parentX': 1.0, 'childX': 0.0}},
        'axon': {'topol': {'parentSec': 'soma', 'parentX': 0.0, 'childX': 0.0}},
    }}

    def searched(weights, epsps):
        records = [{'weight': w, 'epsp': e, 'target': 0.5, 'status': 'ok', 'spiked': False} for w, e in zip(weights, epsps)]
        records[-1].update(converged=True, search='converged')
        return records

    seeds = Seeds(cell)
    assert seeds.seed('dend', 0.5) is None
    seeds.learn('dend', 0.1, searched([0.001, 0.002], [0.26, 0.5]))
    seeds.learn('dend', 0.9, searched([0.002, 0.004], [0.3, 0.5]))
    failed = searched([1.0], [0.3])
    failed[-1]['converged'] = False
    seeds.learn('tip', 0.5, failed)
    weight, slope = seeds.seed('dend', 0.3)
    assert weight == 0.002 and slope == pytest.approx(math.log(0.5 / 0.26) / math.log(2))
    assert seeds.seed('dend', 0.7)[0] == 0.004
    assert seeds.seed('tip', 0.5)[0] == 0.004  # its parent's nearest place (parentX 1)
    assert seeds.seed('soma', 0.5)[0] == 0.002  # a child's place nearest its start (childX 0)
    assert seeds.seed('axon', 0.5) is None


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
