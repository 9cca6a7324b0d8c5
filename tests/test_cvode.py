"""The variable time step (CVode) stays within 0.5 % of the fixed step's EPSPs."""

import pandas as pd
import pytest

from tests.conftest import DEFAULT_GRID
from tests.helpers import assert_one_line_error, run_command, run_in_child


@pytest.mark.parametrize('engine', ['inline', 'batch'])
def test_cvode_epsps_stay_near_the_fixed_step(tmp_path, parallel_run, engine):
    _, fixed_out = parallel_run
    grid = DEFAULT_GRID if engine == 'inline' else ['--secs', 'soma', 'axon_1', '--weights', '0.002']
    out = tmp_path / 'cvode'
    proc = run_command('M1_grid_search.py', *grid, '--engine', engine, '--cvode', '--atol', '1e-4', '--out', out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    variable = pd.read_json(out / 'results.json').set_index(['sec', 'weight'])['epsp']
    fixed = pd.read_json(fixed_out / 'results.json').set_index(['sec', 'weight'])['epsp'].loc[variable.index]
    assert ((variable / fixed - 1).abs() < 0.005).all()
    assert (variable != fixed).any()


@pytest.mark.parametrize('args, named', [(['--atol', '1e-4'], '--atol goes with --cvode'), (['--cvode', '--atol', '1e-3'], '0.001')])
def test_bad_cvode_settings(tmp_path, args, named):
    out = tmp_path / 'out'
    assert_one_line_error(run_in_child('M1_grid_search.py', *args, '--out', out), named)
    assert not out.exists()
