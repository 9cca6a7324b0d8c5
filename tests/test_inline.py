"""The inline engine gives the batch engine's results, from worker processes that reuse
one model each."""

import json
import pickle

import pandas as pd
import pytest

from tests.conftest import DEFAULT_GRID, GENERATED_GRID
from tests.helpers import run_command


def inline_run(tmp_path, args):
    out = tmp_path / 'inline'
    proc = run_command('M1_grid_search.py', *args, '--engine', 'inline', '--out', out, '--jobs', '2')
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def assert_same_results(inline_out, batch_out):
    inline = pd.read_json(inline_out / 'results.json', precise_float=True)
    batch = pd.read_json(batch_out / 'results.json', precise_float=True)
    assert list(inline['sec']) == list(batch['sec'])
    assert inline['loc'].tolist() == batch['loc'].tolist() and inline['weight'].tolist() == batch['weight'].tolist()
    assert inline['epsp'].to_numpy() == pytest.approx(batch['epsp'].to_numpy(), rel=1e-6)
    assert inline['distance_um'].tolist() == pytest.approx(batch['distance_um'].tolist())
    summary_inline = pd.read_json(inline_out / 'summary.json', precise_float=True)
    summary_batch = pd.read_json(batch_out / 'summary.json', precise_float=True)
    assert summary_inline['in_range'].tolist() == summary_batch['in_range'].tolist()
    found = summary_batch['in_range']
    assert summary_inline['weight_at_target'][found].to_numpy() == pytest.approx(
        summary_batch['weight_at_target'][found].to_numpy(), rel=1e-6
    )


def test_inline_equals_batch_on_the_built_in_cell(tmp_path, parallel_run):
    proc, batch_out = parallel_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_same_results(inline_run(tmp_path, DEFAULT_GRID), batch_out)


def test_inline_equals_batch_on_the_generated_cell_with_weight_norm(tmp_path, generated_run):
    proc, batch_out = generated_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    inline_out = inline_run(tmp_path, GENERATED_GRID)
    assert_same_results(inline_out, batch_out)
    with open(inline_out / 'weight_norm.pkl', 'rb') as a, open(batch_out / 'weight_norm.pkl', 'rb') as b:
        inline_table, batch_table = pickle.load(a), pickle.load(b)
    assert inline_table.keys() == batch_table.keys()
    for sec in batch_table:
        assert inline_table[sec] == pytest.approx(batch_table[sec], rel=1e-6)
    assert json.loads((inline_out / 'weight_norm.json').read_text()) == inline_table


WORKER_GRID = ['--secs', 'dendrite', '--all-segments', '--weights', '0.001', '0.002', '0.003']


def test_worker_processes_equal_one_process(tmp_path):
    here = tmp_path / 'here'
    proc = run_command('M1_grid_search.py', *WORKER_GRID, '--engine', 'inline', '--jobs', '1', '--out', here)
    assert proc.returncode == 0, proc.stderr[-3000:]
    shared = inline_run(tmp_path, WORKER_GRID)
    assert len(pd.read_json(shared / 'results.json')) == 30
    assert_same_results(shared, here)


def test_a_worker_that_dies_marks_its_points_failed(tmp_path):
    out = tmp_path / 'out'
    env_proc = run_command('M1_grid_search.py', '--engine', 'inline', *WORKER_GRID, '--jobs', '2', '--out', out,
                           env={'WSCALE_FAULT': json.dumps({'at': 'netparams', 'fault': 'abort'})})
    assert env_proc.returncode == 1
    assert '30 of 30 points failed' in env_proc.stderr
    points = pd.read_json(out / 'results.json')
    assert (points['status'] == 'error').all()
    assert points['error'].str.contains('a worker process died').all()


@pytest.mark.parametrize('jobs', ['1', '2'])
def test_a_worker_that_dies_costs_only_the_point_it_was_on(tmp_path, jobs):
    out = tmp_path / 'out'
    proc = run_command('M1_grid_search.py', '--engine', 'inline', *DEFAULT_GRID, '--jobs', jobs, '--out', out,
                       env={'WSCALE_FAULT': json.dumps({'at': 'measure', 'when': {'sec': 'dendrite'}, 'fault': 'abort'})})
    assert proc.returncode == 1, proc.stderr[-3000:]
    assert '3 of 9 points failed' in proc.stderr and 'Traceback' not in proc.stderr
    points = pd.read_json(out / 'results.json')
    lost = points['sec'] == 'dendrite'
    assert (points.loc[lost, 'error'] == 'a worker process died while on it (killed by SIGABRT)').all()
    assert (points.loc[~lost, 'status'] == 'ok').all()
    assert 'dendrite(0.5): weight at target not found: 3 of its 3 points failed' in proc.stdout
