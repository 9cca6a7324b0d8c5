"""The per-point record and the output capture, without a simulator."""

import os
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from wscale.errors import UserError
from wscale.measure.records import error_record, point_record
from wscale.run.point import CapturedOutput, cfg_settings, parse_init_args

pytestmark = pytest.mark.unit  # pure code, no simulator process: python -m pytest -m unit


def make_cfg(**changes):
    values = dict(
        sec='dendrite', loc=0.3, weight=0.002, epspTarget=0.5, stimTime=700.0, stimDelay=1.0,
        baselineWindow=20.0, epspWindow=100.0, spikeThreshold=0.0,
    )
    values.update(changes)
    return SimpleNamespace(**values)


def test_record_of_a_trace():
    t = np.arange(0.0, 1000.0, 0.1)
    s = np.clip(t - 701.0, 0.0, None)
    shape = np.exp(-s / 20.0) - np.exp(-s / 1.0)
    v = -70.0 + 0.8 * shape / shape.max()
    record = point_record(make_cfg(), t, v, run_time=0.05)
    assert record['sec'] == 'dendrite' and record['loc'] == 0.3 and record['weight'] == 0.002
    assert record['epsp'] == pytest.approx(0.8, abs=2e-3)
    assert record['loss'] == pytest.approx((record['epsp'] - 0.5) ** 2)
    assert record['status'] == 'ok' and record['error'] is None and record['spiked'] is False
    assert record['run_time'] == 0.05


def test_onset_follows_stimulus_time_and_delay():
    t = np.arange(0.0, 1000.0, 0.1)
    v = np.where(t > 505.0, -69.0, -70.0)
    record = point_record(make_cfg(stimTime=500.0, stimDelay=5.0), t, v)
    assert record['epsp'] == pytest.approx(1.0)
    assert record['peak_time'] == pytest.approx(505.1)


def test_error_record():
    record = error_record('soma', 0.5, 0.001, 0.5, 'RuntimeError: boom')
    assert record['status'] == 'error' and record['error'] == 'RuntimeError: boom'
    assert record['epsp'] is None and record['loss'] is None


def test_init_arguments_as_a_user_and_as_a_batch_job():
    user = parse_init_args(['--sec', 'dendrite', '--weight', '0.002'])
    assert (user.sec, user.weight, user.loc, user.simConfig) == ('dendrite', 0.002, None, None)
    job = parse_init_args(['init.py', 'simConfig=a/grid_0_cfg.json', 'netParams=a/grid_netParams.py'])
    assert (job.simConfig, job.netParams, job.sec) == ('a/grid_0_cfg.json', 'a/grid_netParams.py', None)


def test_captured_output_holds_what_c_code_and_python_print(capfd):
    with CapturedOutput() as output:
        os.write(1, b'from C, stdout\n')
        os.write(2, b'from C, stderr\n')
        print('from Python', file=sys.__stdout__)
        assert output.tail(2) == 'from C, stderr | from Python'
    print('after')
    captured = capfd.readouterr()
    assert captured.out == 'after\n' and captured.err == ''


def test_captured_output_disabled_changes_nothing(capfd):
    with CapturedOutput(enabled=False) as output:
        os.write(1, b'shown\n')
        assert output.tail() == ''
    assert capfd.readouterr().out == 'shown\n'


def test_cfg_settings_are_plain_json_or_one_error_naming_the_setting():
    from netpyne import specs

    cfg = specs.SimConfig()
    cfg.weights = np.array([0.001, 0.002])
    cfg.seed = np.int64(3)
    cfg.nested = {'pair': (1, 2)}
    settings = cfg_settings(cfg)
    assert settings['weights'] == [0.001, 0.002] and settings['seed'] == 3 and settings['nested'] == {'pair': [1, 2]}
    cfg.callback = object()
    with pytest.raises(UserError, match=r'^cfg.callback has no JSON form \(Object of type object is not JSON serializable\)'):
        cfg_settings(cfg)
