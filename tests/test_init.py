"""init.py alone: one real NEURON simulation, one JSON line; bad input refused cleanly."""

import json

import pytest

from tests.helpers import PROJECT, assert_one_line_error, run_command
from wscale.run.point import load_cfg

KEYS = {'sec', 'loc', 'weight', 'epsp', 'loss', 'target', 'spiked', 'status', 'error'}


def one_record(proc):
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert len(lines) == 1, proc.stdout
    return json.loads(lines[0])


def independent_epsp(tmp_path, sec, loc, weight):
    """The built-in cell's EPSP (mV) at ``weight`` (uS) on ``sec``(``loc``) with cfg.py's
    synapses, by plain NEURON (tests/independent_weight.py)."""
    from cells import pt5b

    cell, synapses = tmp_path / 'pt5b.json', tmp_path / 'synapses.json'
    cell.write_text(json.dumps(pt5b.cell_params()))
    synapses.write_text(json.dumps(load_cfg().synMechParams))
    proc = run_command(PROJECT / 'tests' / 'independent_weight.py', '--epsp-at', weight, cell, 'soma', sec, loc, synapses, 0.5)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return float(proc.stdout.split()[-1])


def test_defaults_from_cfg(tmp_path):
    record = one_record(run_command('init.py'))
    assert KEYS <= set(record)
    assert (record['sec'], record['loc'], record['weight'], record['target']) == ('soma', 0.5, 0.001, 0.5)
    assert record['status'] == 'ok' and record['spiked'] is False
    assert record['epsp'] == pytest.approx(independent_epsp(tmp_path, 'soma', 0.5, 0.001), rel=1e-4)
    assert record['loss'] == pytest.approx((record['epsp'] - 0.5) ** 2)


def test_a_chosen_point_grows_with_weight_and_shrinks_with_distance():
    near = one_record(run_command('init.py', '--sec', 'dendrite', '--loc', '0.1', '--weight', '0.002'))
    far = one_record(run_command('init.py', '--sec', 'dendrite', '--loc', '0.9', '--weight', '0.002'))
    stronger = one_record(run_command('init.py', '--sec', 'dendrite', '--loc', '0.9', '--weight', '0.004'))
    assert (far['sec'], far['loc'], far['weight']) == ('dendrite', 0.9, 0.002)
    assert far['epsp'] < near['epsp']
    assert far['epsp'] < stronger['epsp'] < 2.5 * far['epsp']


def test_a_strong_synapse_at_the_soma_spikes():
    record = one_record(run_command('init.py', '--weight', '0.1', '--target', '1.0'))
    assert record['spiked'] is True
    assert record['target'] == 1.0


@pytest.mark.parametrize(
    'args, named',
    [
        (['--sec', 'apical_99'], "'apical_99'"),
        (['--weight', '-0.001'], '-0.001'),
        (['--weight', '0'], '0.0'),
        (['--weight', 'heavy'], "'heavy'"),
        (['--loc', '1.5'], '1.5'),
        (['--target', '0'], '0.0'),
    ],
)
def test_bad_input_is_one_line_and_a_failure(args, named):
    assert_one_line_error(run_command('init.py', *args), named)


def test_unknown_section_lists_the_valid_ones():
    proc = run_command('init.py', '--sec', 'apical_99')
    assert 'soma, dendrite, axon_0, axon_1' in proc.stderr


NETPYNE_SCRIPT = '''
import numpy as np
from netpyne import sim

cfg, netParams = sim.readCmdLineArgs()
cfg.recordCells = [0]
cfg.recordTraces = {'V_soma': {'sec': 'soma', 'loc': 0.5, 'var': 'v'}}
sim.createSimulateAnalyze(netParams, cfg)
v = np.array(list(sim.simData['V_soma']['cell_0']))
t = np.arange(v.size) * cfg.recordStep
onset = cfg.stimTime + cfg.stimDelay
print('EPSP', v[(t > onset) & (t < onset + 100)].max() - v[(t > onset - 20) & (t < onset)].mean())
'''


def test_netpyne_own_scripts_run_our_cfg_and_net_params(tmp_path):
    """NetPyNE's readCmdLineArgs takes netParams.py's module-level netParams, built from
    the cfg it loaded (here a cfg JSON of a dendritic point, as a Batch job's)."""
    script = tmp_path / 'run_netpyne.py'
    script.write_text(NETPYNE_SCRIPT)
    cfg = json.loads(run_command('-c', 'from wscale.run.point import load_cfg, cfg_settings; import json; '
                                       'print(json.dumps(cfg_settings(load_cfg())))').stdout)
    cfg.update(sec='dendrite', weight=0.002)
    (tmp_path / 'cfg.json').write_text(json.dumps({'simConfig': cfg}))
    for args in ([], [f'simConfig={tmp_path / "cfg.json"}', 'netParams=netParams.py']):
        proc = run_command(script, *args, env={'PYTHONPATH': '.'})
        assert proc.returncode == 0, proc.stderr[-2000:]
        epsp = float(proc.stdout.strip().splitlines()[-1].split()[1])
        point = ['--sec', 'dendrite', '--weight', '0.002'] if args else []
        alone = json.loads(run_command('init.py', *point).stdout)['epsp']
        assert epsp == pytest.approx(alone, rel=1e-6)
