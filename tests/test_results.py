"""Result files: JSON with nulls for missing numbers, written atomically."""

import json
import math

import numpy as np
import pytest

from analysis.results import json_line, read_json, write_json_atomic

pytestmark = pytest.mark.unit  # pure code, no simulator process: python -m pytest -m unit


def test_round_trip_with_nan_as_null(tmp_path):
    path = tmp_path / 'out' / 'results.json'
    write_json_atomic(path, [{'epsp': math.nan, 'weight': np.float64(0.001), 'spiked': np.bool_(True)}])
    assert read_json(path) == [{'epsp': None, 'weight': 0.001, 'spiked': True}]
    assert [p.name for p in path.parent.iterdir()] == ['results.json']


def test_failed_write_keeps_the_old_file_and_leaves_no_temporary(tmp_path):
    path = tmp_path / 'results.json'
    write_json_atomic(path, [{'a': 1}])
    with pytest.raises(TypeError):
        write_json_atomic(path, [{'a': object()}])
    assert read_json(path) == [{'a': 1}]
    assert [p.name for p in tmp_path.iterdir()] == ['results.json']


def test_json_line_is_one_line():
    line = json_line({'epsp': math.inf, 'sec': 'soma'})
    assert '\n' not in line
    assert json.loads(line) == {'epsp': None, 'sec': 'soma'}
