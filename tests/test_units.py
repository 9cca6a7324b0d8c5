"""The run's units of work: one enumerator for the batch labels, the cluster's chunks, the
inline engine's tasks and the progress total."""

import copy

import pytest

from wscale.engines.batch import make_batch, part_params, parts
from wscale.run.spec import RunOptions, RunSpec, grid_units, task_of

pytestmark = pytest.mark.unit  # pure code, no simulator process: python -m pytest -m unit

CELLS = {'A': {'cell': 'a.json', 'soma': 'soma'}, 'B': {'cell': 'b.json', 'soma': 'soma_0'}}


DIMENSIONS = [(('stimDelay',), [700, 710]), (('hParams', 'celsius'), [34, 37])]


def spec_of(tmp_path, search='grid', dimensions=DIMENSIONS):
    settings = {'cell': 'a.json', 'somaSec': 'soma', 'cellTypes': CELLS, 'search': search, 'stimDelay': 700,
                'hParams': {'celsius': 34, 'v_init': -70}}
    places = {'cell': ['A', 'A', 'B'], 'sec': ['soma', 'dend', 'soma_0'], 'loc': [0.5, 0.25, 0.5]}
    return RunSpec(settings, places, [0.001, 0.002], dimensions,
                   RunOptions(argv=[], out=str(tmp_path), engine='batch', jobs=1))


def netpyne_jobs(spec, params, grouped=None):
    """(values, job name) of every job a real NetPyNE Batch over ``params`` makes, in its
    order, with nested paths joined by dots."""
    batch = make_batch(spec, params, 'folder', grouped)
    batch.params = copy.deepcopy(batch.params)  # listing the combinations marks them
    combinations = batch.getParamCombinations()
    labels = ['.'.join(label) if isinstance(label, tuple) else label for label in combinations['labels']]
    return [(dict(zip(labels, values)), name.split('/')[-1])
            for values, name in zip(combinations['values'], combinations['filenames'])]


def without_label(unit):
    return {name: value for name, value in unit.items() if name != 'label'}


@pytest.mark.parametrize('search', ['grid', 'target'])
def test_units_are_the_jobs_a_netpyne_batch_makes(tmp_path, search):
    spec = spec_of(tmp_path, search)
    params = spec.batch_params()
    units = grid_units(params, spec.place_keys)
    assert [(without_label(unit), unit['label']) for unit in units] == netpyne_jobs(spec, params)


def test_a_batch_part_has_one_job_per_unit_dealt_to_it(tmp_path):
    """A part of the batch engine groups every param: its Batch makes one job per unit,
    whatever units (a resumed run's remaining ones) it was dealt."""
    spec = spec_of(tmp_path)
    split = parts(spec.units()[3:], 3)
    assert sum(map(len, split)) == spec.unit_count() - 3
    for part in split:
        params = part_params(spec, part)
        jobs = netpyne_jobs(spec, params, grouped=list(params))
        assert [values for values, _ in jobs] == [without_label(unit) for unit in part]
        assert [name for _, name in jobs] == [unit['label'] for unit in grid_units(params, tuple(params))]


def test_the_run_lists_its_units_in_grid_order(tmp_path):
    spec = spec_of(tmp_path)
    units = spec.units()
    assert spec.unit_count() == len(units) == 3 * 2 * 2 * 2
    assert len({unit['label'] for unit in units}) == len(units)
    keys = [(unit['stimDelay'], unit['hParams.celsius'], unit['cell'], unit['sec'], unit['weight']) for unit in units]
    assert keys[:5] == [(700, 34, 'A', 'soma', 0.001), (700, 34, 'A', 'soma', 0.002), (700, 34, 'A', 'dend', 0.001),
                        (700, 34, 'A', 'dend', 0.002), (700, 34, 'B', 'soma_0', 0.001)]
    assert keys[6][:2] == (700, 37) and keys[-1] == (710, 37, 'B', 'soma_0', 0.002)
    first = units[0]
    assert first['label'] == 'grid_0_0_0_0_0_0' and task_of(first) == ('soma', 0.5, 0.001)
    assert units[-1]['label'] == 'grid_2_2_2_1_1_1'


def test_a_targeted_run_has_one_unit_per_place(tmp_path):
    spec = spec_of(tmp_path, 'target', dimensions=[])
    units = spec.units()
    assert [unit['label'] for unit in units] == ['grid_0_0_0', 'grid_1_1_1', 'grid_2_2_2']
    assert [task_of(unit) for unit in units] == [('soma', 0.5), ('dend', 0.25), ('soma_0', 0.5)]
    assert spec.unit_count() == 3 and 'weight' not in units[0]
