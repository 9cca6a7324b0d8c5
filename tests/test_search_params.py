"""search_params as a NetPyNE Batch's params: any cfg setting, or a path into a nested cfg
dict, is a further grid dimension on every engine."""

import json
import pickle

import pandas as pd
import pytest

from tests.helpers import assert_one_line_error, patched_project, run_command

GRID_HOOK = "    'weight': [0.001, 0.002, 0.003],  # uS\n"
DIMENSIONS = "    'stimDelay': [1.0, 3.0],\n    ('hParams', 'celsius'): [30.0, 37.0],\n"
GRID = ['--secs', 'soma', 'dendrite', '--weights', '0.001', '0.002']


def project_with(tmp_path, lines):
    return patched_project(tmp_path, {'M1_grid_search.py': [(GRID_HOOK, lines)]})


@pytest.fixture(scope='module')
def dimension_runs(tmp_path_factory):
    """The same grid with a plain and a nested dimension, on both local engines."""
    tmp_path = tmp_path_factory.mktemp('dimensions')
    project = project_with(tmp_path, DIMENSIONS)
    runs = {}
    for engine in ('batch', 'inline'):
        out = tmp_path / engine
        proc = run_command(project / 'M1_grid_search.py', *GRID, '--engine', engine, '--jobs', '2', '--out', out, cwd=project)
        assert proc.returncode == 0, proc.stderr[-3000:]
        runs[engine] = (proc, out)
    return runs


@pytest.mark.parametrize('engine', ['batch', 'inline'])
def test_each_dimension_is_a_column_and_part_of_the_summary_key(dimension_runs, engine):
    proc, out = dimension_runs[engine]
    points = pd.read_json(out / 'results.json')
    assert len(points) == 2 * 2 * 2 * 2
    assert {'stimDelay', 'hParams.celsius'} <= set(points.columns)
    assert sorted(set(points['hParams.celsius'])) == [30.0, 37.0] and sorted(set(points['stimDelay'])) == [1.0, 3.0]
    summary = pd.read_json(out / 'summary.json')
    assert len(summary) == 2 * 2 * 2
    assert not summary.duplicated(['sec', 'loc', 'stimDelay', 'hParams.celsius']).any()
    assert 'soma(0.5, stimDelay=3.0, hParams.celsius=37.0): weight at target' in proc.stdout


@pytest.mark.parametrize('engine', ['batch', 'inline'])
def test_the_values_reach_the_simulation(dimension_runs, engine):
    _, out = dimension_runs[engine]
    points = pd.read_json(out / 'results.json', precise_float=True)
    by = points.set_index(['sec', 'weight', 'stimDelay', 'hParams.celsius'])['epsp']
    # warmer: faster channels, a smaller EPSP; the NetCon delay only shifts it in time
    assert (by.xs(37.0, level='hParams.celsius') < 0.98 * by.xs(30.0, level='hParams.celsius')).all()
    assert by.xs(1.0, level='stimDelay').to_numpy() == pytest.approx(by.xs(3.0, level='stimDelay').to_numpy(), rel=1e-6)
    peaks = points.set_index(['sec', 'weight', 'hParams.celsius', 'stimDelay'])['peak_time']
    shift = peaks.xs(3.0, level='stimDelay') - peaks.xs(1.0, level='stimDelay')
    assert shift.to_numpy() == pytest.approx(2.0, abs=0.11)


def test_both_engines_agree_and_write_a_weight_norm_per_combination(dimension_runs):
    columns = ['sec', 'weight', 'stimDelay', 'hParams.celsius', 'epsp']
    batch = pd.read_json(dimension_runs['batch'][1] / 'results.json', precise_float=True)[columns]
    inline = pd.read_json(dimension_runs['inline'][1] / 'results.json', precise_float=True)[columns]
    assert batch['epsp'].to_numpy() == pytest.approx(inline['epsp'].to_numpy(), rel=1e-6)
    assert (batch[columns[:-1]].to_numpy() == inline[columns[:-1]].to_numpy()).all()
    out = dimension_runs['batch'][1]
    summary = pd.read_json(out / 'summary.json', precise_float=True)
    for delay in (1.0, 3.0):
        for celsius in (30.0, 37.0):
            path = out / f'weight_norm_stimDelay={delay},hParams.celsius={celsius}.pkl'
            table = pickle.loads(path.read_bytes())
            row = summary[(summary['sec'] == 'soma') & (summary['stimDelay'] == delay) & (summary['hParams.celsius'] == celsius)]
            assert table['soma'] == [pytest.approx(row['weight_norm'].item())]
    spec = json.loads((out / 'run_spec.json').read_text())
    assert spec['dimensions'] == [[['stimDelay'], [1.0, 3.0]], [['hParams', 'celsius'], [30.0, 37.0]]]


def test_targeted_search_over_a_nested_synapse_setting(tmp_path):
    project = project_with(tmp_path, "    ('synMechParams', 'AMPA', 'tau2'): [3.0, 8.0],\n")
    found = {}
    for engine in ('batch', 'inline'):
        out = tmp_path / engine
        proc = run_command(
            project / 'M1_grid_search.py', '--secs', 'soma', '--search', 'target', '--engine', engine, '--out', out,
            cwd=project,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        summary = pd.read_json(out / 'summary.json', precise_float=True).set_index('synMechParams.AMPA.tau2')
        assert summary['in_range'].all()
        found[engine] = summary['weight_at_target']
    # a slower AMPA decay gives a larger EPSP: less weight reaches the target
    assert found['batch'][8.0] < 0.9 * found['batch'][3.0]
    assert found['batch'].to_numpy() == pytest.approx(found['inline'].to_numpy(), rel=2e-3)


@pytest.mark.parametrize('lines, named', [
    ("    'stimDelya': [1.0, 2.0],\n", "'stimDelya' is no cfg setting"),
    ("    ('hParams', 'celsuis'): [30.0],\n", "cfg.hParams has no 'celsuis' (it has celsius, v_init)"),
    ("    ('synMechParams', 'GABA', 'tau2'): [3.0],\n", "cfg.synMechParams has no 'GABA' (it has AMPA, NMDA)"),
    ("    'stimDelay': 2.0,\n", "search_params['stimDelay'] must be a non-empty list of values, got 2.0"),
    ("    'epspTarget': [0.5, 1.0],\n", "'epspTarget' cannot be a grid dimension"),
])
def test_a_key_that_is_no_cfg_setting_is_one_error_line(tmp_path, lines, named):
    project = project_with(tmp_path, lines)
    out = tmp_path / 'out'
    proc = run_command(project / 'M1_grid_search.py', '--secs', 'soma', '--out', out, cwd=project)
    assert_one_line_error(proc, named)
    assert not out.exists()


def test_validate_needs_a_single_weight_norm(tmp_path):
    project = project_with(tmp_path, DIMENSIONS)
    proc = run_command(project / 'M1_grid_search.py', '--secs', 'soma', '--validate', '3', '--out', tmp_path / 'out',
                       cwd=project)
    assert_one_line_error(proc, '--validate checks one weightNorm file; this grid has further dimensions')
