"""Grid runs shared by several test modules: each runs once per test session."""

import pytest

from cells.generate_pyramidal import DEFAULT_FILE
from tests.helpers import MPI, OLDER, environment, run_command

DEFAULT_GRID = ['--secs', 'soma', 'dendrite', 'axon_1', '--weights', '0.001', '0.002', '0.003']
GENERATED_GRID = ['--cell', str(DEFAULT_FILE), '--secs', 'basal_0', '--all-segments', '--weights', '0.0008', '0.0012']


def grid_run(tmp_path_factory, name, args):
    out = tmp_path_factory.mktemp(name) / 'results'
    return run_command('M1_grid_search.py', *args, '--out', out, '--jobs', '2'), out


@pytest.fixture(scope='session')
def parallel_run(tmp_path_factory):
    """The built-in cell, 3 sections x 3 weights, through the NetPyNE Batch."""
    return grid_run(tmp_path_factory, 'grid', DEFAULT_GRID)


@pytest.fixture(scope='session')
def generated_run(tmp_path_factory):
    """The generated cell, soma and every segment of basal_0 x 2 weights, through the Batch."""
    return grid_run(tmp_path_factory, 'generated', GENERATED_GRID)


@pytest.fixture(scope='session')
def with_mpi(tmp_path_factory):
    """This NEURON and NetPyNE, with MPI (tests marked slow and grouped 'environments')."""
    return environment(tmp_path_factory.mktemp('venv') / 'mpi', [MPI])


@pytest.fixture(scope='session')
def older(tmp_path_factory):
    """The older NEURON and NetPyNE, with MPI (tests marked slow and grouped 'environments')."""
    return environment(tmp_path_factory.mktemp('venv') / 'older', [*OLDER, MPI])


SHARED_RUNS = ('parallel_run', 'generated_run')


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Under pytest-xdist (--dist loadgroup), the tests that share a session run go to one
    worker, so that the run is made once."""
    for item in items:
        shared = [name for name in SHARED_RUNS if name in item.fixturenames]
        if shared:
            item.add_marker(pytest.mark.xdist_group(shared[0]))
