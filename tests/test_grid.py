"""M1_grid_search.py end to end: a real NetPyNE Batch of real init.py processes."""

import json

import pandas as pd
import pytest

from tests.helpers import assert_one_line_error, run_command, run_in_child

POINT_COLUMNS = {'sec', 'loc', 'weight', 'epsp', 'loss', 'target', 'spiked', 'status', 'error'}
SUMMARY_COLUMNS = {'sec', 'loc', 'weight_at_target', 'weight_norm', 'best_weight', 'best_epsp', 'in_range'}


def test_parallel_grid_writes_results_for_pandas(parallel_run):
    proc, out = parallel_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert '9/9 points done' in proc.stdout and proc.stdout.index('points done') < proc.stdout.index('9 points in')
    points = pd.read_json(out / 'results.json')
    assert POINT_COLUMNS <= set(points.columns)
    assert len(points) == 9
    assert set(points['sec']) == {'soma', 'dendrite', 'axon_1'}
    assert (points['status'] == 'ok').all() and not points['spiked'].any()
    assert (points['loc'] == 0.5).all() and (points['target'] == 0.5).all()
    for _, group in points.groupby('sec'):
        assert group.sort_values('weight')['epsp'].is_monotonic_increasing
    assert points['loss'].to_numpy() == pytest.approx(((points['epsp'] - 0.5) ** 2).to_numpy())


def test_parallel_grid_summary(parallel_run):
    _, out = parallel_run
    summary = pd.read_json(out / 'summary.json').set_index('sec')
    assert SUMMARY_COLUMNS <= set(summary.columns) | {'sec'}
    assert summary.loc['soma', 'in_range'] and summary.loc['dendrite', 'in_range']
    assert not summary.loc['axon_1', 'in_range'] and pd.isna(summary.loc['axon_1', 'weight_at_target'])
    for sec in ('soma', 'dendrite'):
        row = summary.loc[sec]
        assert 0.001 <= row['weight_at_target'] <= 0.003
        assert row['weight_norm'] == pytest.approx(row['weight_at_target'] / 0.5)
    assert summary.loc['dendrite', 'weight_at_target'] > summary.loc['soma', 'weight_at_target']


def test_a_one_cell_run_names_the_sections_its_file_leaves_out(parallel_run):
    """One segment each of soma and dendrite: the soma's section is whole, the others not."""
    proc, out = parallel_run
    table = json.loads((out / 'weight_norm.json').read_text())
    assert list(table) == ['soma']
    assert ('The weightNorm covers 1 of 4 sections; NetPyNE leaves the synapses on the other 3 unscaled: dendrite, '
            'axon_0, axon_1\n') in proc.stdout
    assert "# the cell: no factors for 3 of its sections, whose synapses keep their rules' weights:\n" \
           '#     dendrite, axon_0, axon_1\n' in (out / 'load_weight_norm.py').read_text()


def test_each_point_ran_as_a_batch_job_of_one_of_two_batches(parallel_run):
    _, out = parallel_run
    parts = sorted((out / 'grid_batch').glob('part_*'))
    assert [part.name for part in parts] == ['part_1', 'part_2']
    for part in parts:
        assert (part / 'grid_batch.json').exists()
        assert 'nrniv' in (part / 'batch.log').read_text()
    assert len(list((out / 'grid_batch').glob('part_*/grid_*_cfg.json'))) == 9
    assert len(list((out / 'grid_batch').glob('part_*/grid_*_point.json'))) == 9
    spec = json.loads((out / 'run_spec.json').read_text())
    assert spec['places']['sec'] == ['soma', 'dendrite', 'axon_1'] and spec['options']['jobs'] == 2


def test_run_record_says_how_the_run_was_made(parallel_run):
    _, out = parallel_run
    run = json.loads((out / 'run.json').read_text())
    assert run['engine'] == 'batch' and run['search'] == 'grid' and run['jobs'] == 2
    assert run['points'] == 9 and '--secs' in run['argv']
    assert run['versions']['netpyne'] and run['versions']['neuron']
    seconds = run['seconds']
    assert set(seconds) == {'checks', 'engine', 'analysis'} and seconds['checks'] > 0 and seconds['analysis'] > 0
    # the engine stage holds every point's simulation; it and the analysis come after
    # run_spec.json is written and before run.json is
    assert seconds['engine'] >= pd.read_json(out / 'results.json')['run_time'].max()
    after_spec = (out / 'run.json').stat().st_mtime - (out / 'run_spec.json').stat().st_mtime
    assert seconds['engine'] + seconds['analysis'] <= after_spec + 0.01


def test_batch_epsp_equals_init_alone(parallel_run):
    _, out = parallel_run
    points = pd.read_json(out / 'results.json')
    batch_epsp = points.query("sec == 'dendrite' and weight == 0.002")['epsp'].item()
    alone = run_command('init.py', '--sec', 'dendrite', '--weight', '0.002')
    assert json.loads(alone.stdout)['epsp'] == pytest.approx(batch_epsp, rel=1e-9)


def test_serial_grid_with_locations_and_target(tmp_path):
    out = tmp_path / 'serial'
    proc = run_command(
        'M1_grid_search.py', '--secs', 'dendrite', '--locs', '0.1', '0.9', '--weights', '0.002',
        '--target', '0.4', '--out', out, '--jobs', '1',
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    points = pd.read_json(out / 'results.json')
    assert sorted(points['loc']) == pytest.approx([0.1, 0.9])
    assert (points['target'] == 0.4).all()
    near, far = points.sort_values('loc')['epsp']
    assert far < near
    summary = pd.read_json(out / 'summary.json')
    assert len(summary) == 2 and not summary['in_range'].any()


@pytest.mark.parametrize(
    'args, named',
    [
        (['--secs', 'soma', 'apical_99'], "'apical_99'"),
        (['--weights', '0.001', '-0.002'], '-0.002'),
        (['--weights', 'nan'], 'nan'),
        (['--locs', '1.2'], '1.2'),
        (['--weights'], '--weights'),
        (['--target', '-0.5'], '-0.5'),
        (['--jobs', '0'], '0'),
    ],
)
def test_bad_input_writes_nothing(tmp_path, args, named):
    out = tmp_path / 'out'
    assert_one_line_error(run_in_child('M1_grid_search.py', *args, '--out', out), named)
    assert not out.exists()


def test_crashing_points_are_recorded_and_the_others_run(tmp_path):
    faults = [{'at': 'netparams', 'when': {'weight': 0.002}, 'fault': 'abort'},
              {'at': 'netparams', 'when': {'weight': 0.003}, 'fault': 'raise', 'message': 'synapse refused'}]
    out = tmp_path / 'out'
    proc = run_command('M1_grid_search.py', '--secs', 'soma', '--weights', '0.001', '0.002', '0.003', '--out', out,
                       env={'WSCALE_FAULT': json.dumps(faults)})
    assert proc.returncode == 1
    assert '2 of 3 points failed' in proc.stderr
    points = pd.read_json(out / 'results.json').set_index('weight')
    alone = json.loads(run_command('init.py', '--weight', '0.001').stdout)
    assert points.loc[0.001, 'status'] == 'ok' and points.loc[0.001, 'epsp'] == pytest.approx(alone['epsp'], rel=1e-9)
    assert points.loc[0.002, 'status'] == 'error' and 'without a result' in points.loc[0.002, 'error']
    assert points.loc[0.003, 'status'] == 'error' and 'synapse refused' in points.loc[0.003, 'error']
    summary = pd.read_json(out / 'summary.json')
    assert summary.loc[0, 'failed'] == 2 and not summary.loc[0, 'in_range']


@pytest.mark.parametrize('engine', ['batch', 'inline'])
def test_a_bug_in_the_measurement_fails_its_points_and_keeps_the_traceback(tmp_path, engine):
    fault = {'at': 'trace', 'when': {'sec': 'dendrite'}, 'fault': 'raise', 'error': 'KeyError', 'message': 'no such trace'}
    out = tmp_path / 'out'
    proc = run_command('M1_grid_search.py', '--secs', 'soma', 'dendrite', '--weights', '0.001', '--engine', engine,
                       '--out', out, env={'WSCALE_FAULT': json.dumps(fault)})
    assert proc.returncode == 1 and '1 of 2 points failed' in proc.stderr and 'Traceback' not in proc.stderr
    points = pd.read_json(out / 'results.json').set_index('sec')
    assert points.loc['dendrite', 'error'].startswith("KeyError: 'no such trace'")
    assert 'in trace_record' in points.loc['dendrite', 'traceback']
    assert points.loc['soma', 'status'] == 'ok' and pd.isna(points.loc['soma', 'traceback'])
