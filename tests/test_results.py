"""Result files: JSON with nulls for missing numbers, written atomically."""

import json
import math
import os
import stat

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


@pytest.mark.parametrize('umask, mode', [(0o022, 0o644), (0o027, 0o640), (0o077, 0o600)])
def test_written_files_get_the_mode_the_umask_gives(tmp_path, umask, mode):
    old = os.umask(umask)
    try:
        write_json_atomic(tmp_path / 'a.json', {'x': 1})
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / 'a.json').stat().st_mode) == mode
