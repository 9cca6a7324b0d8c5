"""The file a network run writes, run in the model's own netParams.py, gives every synapse
NetPyNE builds the weightNorm of the segment that holds it: synapses placed every way
NetPyNE places them, the network built every way a model's scripts build it."""

import json
import shutil
import subprocess
import sys

import pytest

from tests.helpers import PROJECT, run_command

MODEL = PROJECT / 'tests' / 'fixtures' / 'placements'
BUILDS = ('create', 'createSimulateAnalyze', 'step by step')

# In a fresh process, as a model's init.py runs, in a copy of the model whose netParams.py
# ends with the given line: NetPyNE reads cfg.py and netParams.py, builds the network
# one way, and this prints, for every excitatory synapse of a PYR cell, its rule, synMech,
# sec, loc and NetCon weight.
BUILD = '''
import json, os, sys
sys.argv.append('-nogui')
from netpyne import sim
cfg, netParams = sim.readCmdLineArgs(simConfigDefault='cfg.py', netParamsDefault='netParams.py')
build = {build!r}
cfg.duration = 5.0
if build == 'create':
    sim.create(netParams, cfg)
elif build == 'createSimulateAnalyze':
    sim.createSimulateAnalyze(netParams, cfg)
else:
    sim.initialize(simConfig=cfg, netParams=netParams)
    sim.net.createPops()
    sim.net.createCells()
    sim.net.connectCells()
    sim.net.addStims()
synapses = []
for cell in sim.net.cells:
    if cell.tags.get('cellType') != 'PYR':
        continue
    for conn in cell.conns:
        if conn.get('synMech') in ('AMPA', 'NMDA'):
            rule = conn.get('label') if conn['preGid'] != 'NetStim' else conn['preLabel']
            synapses.append([rule, conn['synMech'], conn['sec'], conn['loc'], conn['hObj'].weight[0]])
print(json.dumps(synapses))
'''


@pytest.fixture(scope='module')
def measured(tmp_path_factory):
    out = tmp_path_factory.mktemp('placements') / 'out'
    proc = run_command('M1_grid_search.py', '--netparams', MODEL, '--synmechs', 'AMPA', 'NMDA', '--weight-fractions', '0.6',
                       '0.4', '--all-segments', '--search', 'target', '--engine', 'inline', '--out', out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc, out


def built(tmp_path, build, line):
    """The synapses of the model built by ``build`` after ``line`` in its netParams.py."""
    model = tmp_path / 'model'
    if not model.exists():
        shutil.copytree(MODEL, model)
        with open(model / 'netParams.py', 'a') as stream:
            stream.write(f'\n{line}\n')
    proc = subprocess.run([sys.executable, '-c', BUILD.format(build=build)], cwd=model, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def rule_weights():
    """{(rule, synMech): the weight the rule gives that synMech before any weightNorm}."""
    code = f'''
import json, os, sys
sys.argv.append('-nogui')
os.chdir({str(MODEL)!r})
sys.path.insert(0, '.')
from netpyne import sim
cfg, netParams = sim.readCmdLineArgs(simConfigDefault='cfg.py', netParamsDefault='netParams.py')
weights = {{}}
for label, rule in list(netParams.connParams.items()) + [(label, dict(rule, preConds=None))
                                                        for label, rule in netParams.stimTargetParams.items()]:
    mechs = rule['synMech'] if isinstance(rule['synMech'], list) else [rule['synMech']]
    factors = rule.get('synMechWeightFactor') or [1.0] * len(mechs)
    for mech, factor in zip(mechs, factors):
        weights[label.split('->')[0] if rule.get('preConds') is None else label, mech] = rule['weight'] * factor
print(json.dumps([[label, mech, weight] for (label, mech), weight in weights.items()]))
'''
    proc = subprocess.run([sys.executable, '-c', code], cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return {(label, mech): weight for label, mech, weight in json.loads(proc.stdout.strip().splitlines()[-1])}


def off_their_segment(synapses, table, weights):
    """The synapses whose NetCon weight is not the rule's weight times the factor of the
    segment that holds them (relative tolerance 1e-9)."""
    wrong = []
    for rule, mech, sec, loc, weight in synapses:
        nseg = len(table[sec])
        expected = weights[(rule, mech)] * table[sec][min(int(loc * nseg), nseg - 1)]
        if abs(weight - expected) > 1e-9 * expected:
            wrong.append((rule, sec, loc, weight / expected))
    return wrong


@pytest.mark.parametrize('build', BUILDS)
def test_every_synapse_gets_its_own_segments_factor(measured, build, tmp_path):
    proc, out = measured
    line = f"exec(open({str(out / 'load_weight_norm.py')!r}).read(), {{'netParams': netParams}})"
    assert f'  {line}\n' in proc.stdout
    table = json.loads((out / 'PYR' / 'weight_norm.json').read_text())
    synapses = built(tmp_path, build, line)
    rules = {rule for rule, *_ in synapses}
    assert rules == {'default', 'explicit', 'spread', 'map1d', 'map2d', 'distance', 'PYR->PYR', 'burst'}
    assert {loc for rule, _, _, loc, _ in synapses if rule == 'explicit'} == {0.0, 0.02, 0.5, 1.0}
    assert off_their_segment(synapses, table, rule_weights()) == []


def test_netpynes_own_lookup_gives_many_synapses_another_segments_factor(measured, tmp_path):
    """What the loading lines are for: NetPyNE's addCellParamsWeightNorm alone."""
    _, out = measured
    table = json.loads((out / 'PYR' / 'weight_norm.json').read_text())
    synapses = built(tmp_path, 'create', f"netParams.addCellParamsWeightNorm('PYR', {str(out / 'PYR' / 'weight_norm.pkl')!r})")
    wrong = off_their_segment(synapses, table, rule_weights())
    assert len(wrong) > len(synapses) / 4
    assert {rule for rule, *_ in wrong} >= {'explicit', 'spread', 'map1d', 'map2d'}
