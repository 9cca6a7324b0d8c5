"""Models reused by restarting from a saved state give what a process per point gives, on
mechanisms written in the NMODL patterns that a restart can lose; and where a model
cannot be restarted, its self-check catches it: a run from 0 ms per point, or one line
and no number.

The reference is always the Batch grid: init.py, a process per point."""

import json

import pandas as pd
import pytest

from analysis import agreement
from tests.helpers import PROJECT, run_command

MODEL = PROJECT / 'tests' / 'fixtures' / 'nmodl_patterns'
TONIC = PROJECT / 'tests' / 'fixtures' / 'tonic_synapse'
MOD = MODEL / 'mod'
RESTORABLE = ['qt_local', 'tadj_global', 'celsius_table', 'c_static', 'ion_pools', 'net_receive', 'random_stream']
NETWORK = ['--netparams', MODEL, '--secs', 'dend', '--locs', '0.2', '0.8', '--weights', '0.00005']
HOC_CELL = ['--cell', MODEL / 'cells' / 'ftable_cell.hoc', '--cell-name', 'FTableCell', '--mod', MOD,
            '--secs', 'dend', '--locs', '0.2', '0.8', '--weights', '0.0003']
KEYS = ['cell', 'sec', 'loc', 'weight']
ATOL = 1e-4
# with CVode, one place per section: a restart moves the synapse there all the same
INTEGRATION = {'fixed': [], 'cvode': ['--cvode', '--atol', str(ATOL), '--locs', '0.8']}


def grid(out, *args, engine='batch', search='grid'):
    proc = run_command('M1_grid_search.py', *args, '--engine', engine, '--search', search, '--jobs', '2',
                       '--out', out)
    return proc, pd.read_json(out / 'results.json', precise_float=True) if (out / 'results.json').exists() else None


def keyed(points):
    points = points.copy()
    if 'cell' not in points:
        points['cell'] = ''
    return points.set_index(KEYS)


def assert_equal_epsps(points, reference, cvode):
    """Every point of ``points`` that the reference also simulated has its EPSP, within
    the self-check's tolerance; returns how many there were per cell type."""
    mine, theirs = keyed(points), keyed(reference)
    shared = mine.index.intersection(theirs.index)
    for key in shared:
        expected = theirs.loc[key, 'epsp']
        allowed = agreement.tolerance(max(abs(expected), 0.5), cvode, ATOL)
        assert abs(mine.loc[key, 'epsp'] - expected) <= allowed, (key, mine.loc[key, 'epsp'], expected)
    return pd.Series([key[0] for key in shared]).value_counts()


def assert_restarted(points, proc):
    assert points['status'].eq('ok').all(), points['error'].dropna().tolist()
    assert points['from_saved_state'].astype(bool).all()
    checks = [check for check in points['self_check'] if isinstance(check, dict)]
    assert checks and all(check['outcome'] == 'restarted' for check in checks)
    assert all(check['baseline_shared'] and check['baseline_deviation'] <= check['tolerance'] for check in checks)
    assert proc.stdout.startswith('self-check: in ') or '\nself-check: in ' in proc.stdout


def every_way(tmp_path, args, integration):
    """The Batch grid, and the inline grid, inline targeted search and batch targeted
    search of the same places, each equal to it where they simulated the same point."""
    args = [*args, *INTEGRATION[integration]]
    cvode = integration == 'cvode'
    proc, reference = grid(tmp_path / 'batch_grid', *args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'self_check' not in reference, 'a process per point reuses no model'
    proc, inline = grid(tmp_path / 'inline_grid', *args, engine='inline')
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert_restarted(inline, proc)
    assert len(inline) == len(reference)
    assert_equal_epsps(inline, reference, cvode)
    searched = {}
    for engine in ('inline', 'batch'):
        proc, points = grid(tmp_path / f'{engine}_target', *args, engine=engine, search='target')
        assert proc.returncode == 0, proc.stderr[-3000:]
        assert_restarted(points, proc)
        if engine == 'inline':  # its first weights are predicted: the inline grid, equal to the Batch grid, at its weights
            proc, again = grid(tmp_path / 'inline_again', *args, '--weights', *map(repr, sorted(set(points['weight']))),
                               engine='inline')
            assert proc.returncode == 0, proc.stderr[-3000:]
            assert assert_equal_epsps(points, again, cvode).sum() == len(points)
        else:
            counts = assert_equal_epsps(points, reference, cvode)
            assert counts.sum() >= len(set(points.get('cell', pd.Series([''])))), 'each cell type met the grid'
        summary = pd.read_json(tmp_path / f'{engine}_target' / 'summary.json', precise_float=True)
        assert summary['in_range'].all()
        searched[engine] = summary['weight_at_target'].to_numpy()
    assert searched['inline'] == pytest.approx(searched['batch'], rel=3e-3)
    return reference


@pytest.mark.parametrize('integration', sorted(INTEGRATION))
def test_every_pattern_restarts_as_a_process_per_point_runs_it(tmp_path, integration):
    reference = every_way(tmp_path, [*NETWORK, '--cell-types', *RESTORABLE], integration)
    assert sorted(set(reference['cell'])) == sorted(RESTORABLE)


@pytest.mark.parametrize('integration', sorted(INTEGRATION))
def test_a_function_table_filled_by_a_hoc_cell_restarts_too(tmp_path, integration):
    every_way(tmp_path, HOC_CELL, integration)


@pytest.mark.parametrize('integration', sorted(INTEGRATION))
def test_a_model_that_cannot_be_restarted_is_measured_from_0_ms(tmp_path, integration):
    args = [*NETWORK, '--cell-types', 'drifting', *INTEGRATION[integration]]
    proc, reference = grid(tmp_path / 'batch', *args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    proc, points = grid(tmp_path / 'inline', *args, engine='inline')
    assert proc.returncode == 0, proc.stderr[-3000:]
    warning = [line for line in proc.stderr.splitlines() if line.startswith('warning: cell type drifting:')]
    assert len(warning) == 1, proc.stderr
    assert 'mechanism leakdrift' in warning[0] and str(MOD / 'leak_drift.mod') in warning[0]
    assert 'measured by whole runs from 0 ms instead' in warning[0]
    assert points['status'].eq('ok').all() and not points['from_saved_state'].astype(bool).any()
    assert assert_equal_epsps(points, reference, integration == 'cvode').sum() == len(reference)
    checked = json.loads((tmp_path / 'inline' / 'run.json').read_text())['self_check']
    assert checked['outcomes'] == {'from 0 ms': checked['checks']}
    assert {failed['mechanism'] for failed in checked['failed']} == {'leakdrift'}


def test_a_synapse_with_current_before_its_event_gets_no_shared_baseline(tmp_path):
    """Where the synapse's place changes the baseline (a tonic conductance), points restart
    before the baseline window and simulate it, and equal a process per point at the
    place the model was saved with."""
    args = ['--cell', PROJECT / 'cells' / 'pyramidal.json', '--mod', TONIC / 'mod', '--synapses',
            TONIC / 'synapses.json', '--secs', 'soma', '--locs', '0.5', '--weights', '0.0005']
    proc, reference = grid(tmp_path / 'batch', *args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    proc, points = grid(tmp_path / 'inline', *args, engine='inline')
    assert proc.returncode == 0, proc.stderr[-3000:]
    check = points['self_check'][0]
    assert check['outcome'] == 'restarted' and points['from_saved_state'].all()
    assert not check['baseline_shared'] and check['baseline_deviation'] > 100 * check['tolerance']
    assert assert_equal_epsps(points, reference, False).sum() == 1


def test_a_model_whose_runs_from_0_ms_differ_is_refused_in_one_line(tmp_path):
    args = [*NETWORK, '--cell-types', 'history']
    proc, reference = grid(tmp_path / 'batch', *args)
    assert proc.returncode == 0 and reference['status'].eq('ok').all(), proc.stderr[-3000:]
    proc, points = grid(tmp_path / 'inline', *args, engine='inline')
    assert proc.returncode == 1
    refused = [line for line in proc.stderr.splitlines() if line.startswith('error: cell type history:')]
    assert len(refused) == 1, proc.stderr
    assert 'mechanism leakhist' in refused[0] and '--engine batch --search grid' in refused[0]
    assert 'Traceback' not in proc.stderr
    assert points['status'].eq('error').all() and points['epsp'].isna().all()
    assert points['error'].str.startswith('not measured: a run restarted from the saved state').all()
