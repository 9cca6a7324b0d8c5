"""The file a network run writes, run in the model's own netParams.py, gives every synapse
NetPyNE builds the weightNorm of the segment that holds it: synapses placed every way
NetPyNE places them, the network built every way a model's scripts build it."""

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import OLDER, PROJECT, run_command

MODEL = PROJECT / 'tests' / 'fixtures' / 'placements'
BUILDS = ('create', 'createSimulateAnalyze', 'step by step')

# In a fresh process (or one per MPI rank), as a model's init.py runs, in a copy of the
# model whose netParams.py ends with the given line: NetPyNE reads cfg.py and
# netParams.py, builds the network one way, and each rank writes, for every excitatory
# synapse of its PYR cells, the cell's gid, the rule, synMech, sec, loc and NetCon weight
# to synapses.RANK.json, and the NetPyNE version and number of ranks to ranks.RANK.json.
BUILD = '''
import json, os, sys
sys.argv.append('-nogui')
import netpyne
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
            synapses.append([cell.gid, rule, conn['synMech'], conn['sec'], conn['loc'], conn['hObj'].weight[0]])
rank = int(sim.rank)
with open(f'synapses.{{rank}}.json', 'w') as stream:
    json.dump(synapses, stream)
with open(f'ranks.{{rank}}.json', 'w') as stream:
    json.dump([netpyne.__version__, int(sim.nhosts)], stream)
'''


@pytest.fixture(scope='module')
def measured(tmp_path_factory):
    out = tmp_path_factory.mktemp('placements') / 'out'
    proc = run_command('M1_grid_search.py', '--netparams', MODEL, '--synmechs', 'AMPA', 'NMDA', '--weight-fractions', '0.6',
                       '0.4', '--all-segments', '--search', 'target', '--engine', 'inline', '--out', out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc, out


def built(tmp_path, build, line, python=sys.executable, ranks=1):
    """The synapses ([gid, rule, synMech, sec, loc, weight]) of the model built by
    ``build`` after ``line`` in its netParams.py, with ``python`` on ``ranks`` MPI ranks
    (MPI from ``python``'s environment), and {rank: [NetPyNE version, ranks]}."""
    model = tmp_path / f'model_{build}_{ranks}'.replace(' ', '_')
    shutil.copytree(MODEL, model)
    with open(model / 'netParams.py', 'a') as stream:
        stream.write(f'\n{line}\n')
    (model / 'build.py').write_text(BUILD.format(build=build))
    env = dict(os.environ)
    command = [str(python), 'build.py']
    if ranks > 1:
        bin_dir = Path(python).parent
        env.update(NEURON_INIT_MPI='1', MPI_LIB_NRN_PATH=str(bin_dir.parent / 'lib' / 'libmpi.so.12'))
        command = [str(bin_dir / 'mpiexec'), '-n', str(ranks)] + command
    proc = subprocess.run(command, cwd=model, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    synapses = [synapse for path in sorted(model.glob('synapses.*.json')) for synapse in json.loads(path.read_text())]
    ranks_seen = {int(path.suffixes[0][1:]): json.loads(path.read_text()) for path in model.glob('ranks.*.json')}
    return [synapse[1:] for synapse in synapses], ranks_seen, {synapse[0] for synapse in synapses}


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


def loading_line(proc, out):
    line = f"exec(open({str(out / 'load_weight_norm.py')!r}).read(), {{'netParams': netParams}})"
    assert f'  {line}\n' in proc.stdout
    return line


def assert_exact(synapses, out):
    """Every placement is there, and every synapse carries its own segment's factor."""
    table = json.loads((out / 'PYR' / 'weight_norm.json').read_text())
    rules = {rule for rule, *_ in synapses}
    assert rules == {'default', 'explicit', 'spread', 'map1d', 'map2d', 'distance', 'PYR->PYR', 'burst'}
    assert {loc for rule, _, _, loc, _ in synapses if rule == 'explicit'} == {0.0, 0.02, 0.5, 1.0}
    assert off_their_segment(synapses, table, rule_weights()) == []


@pytest.mark.parametrize('build', BUILDS)
def test_every_synapse_gets_its_own_segments_factor(measured, build, tmp_path):
    proc, out = measured
    synapses, ranks, _ = built(tmp_path, build, loading_line(proc, out))
    assert [count for _, count in ranks.values()] == [1]
    assert_exact(synapses, out)


def test_netpynes_own_lookup_gives_many_synapses_another_segments_factor(measured, tmp_path):
    """What the loading lines are for: NetPyNE's addCellParamsWeightNorm alone."""
    _, out = measured
    table = json.loads((out / 'PYR' / 'weight_norm.json').read_text())
    line = f"netParams.addCellParamsWeightNorm('PYR', {str(out / 'PYR' / 'weight_norm.pkl')!r})"
    synapses, _, _ = built(tmp_path, 'create', line)
    wrong = off_their_segment(synapses, table, rule_weights())
    assert len(wrong) > len(synapses) / 4
    assert {rule for rule, *_ in wrong} >= {'explicit', 'spread', 'map1d', 'map2d'}


@pytest.mark.slow
@pytest.mark.xdist_group('environments')
def test_every_synapse_exact_on_two_mpi_ranks(measured, with_mpi, tmp_path):
    """The PYR cells are shared out between two ranks; each rank connects its own."""
    proc, out = measured
    synapses, ranks, gids = built(tmp_path, 'create', loading_line(proc, out), python=with_mpi, ranks=2)
    assert sorted(ranks) == [0, 1] and all(count == 2 for _, count in ranks.values())
    assert len(gids) == 4
    assert_exact(synapses, out)


@pytest.mark.slow
@pytest.mark.xdist_group('environments')
@pytest.mark.parametrize('build, ranks', [(build, 1) for build in BUILDS] + [('create', 2)])
def test_every_synapse_exact_with_the_older_netpyne(measured, older, build, ranks, tmp_path):
    proc, out = measured
    synapses, seen, gids = built(tmp_path, build, loading_line(proc, out), python=older, ranks=ranks)
    assert {version for version, _ in seen.values()} == {OLDER[1].split('==')[1]}
    assert len(seen) == ranks and len(gids) == 4
    assert_exact(synapses, out)


@pytest.mark.slow
@pytest.mark.xdist_group('environments')
def test_older_netpynes_own_lookup_is_as_wrong(measured, older, tmp_path):
    """The older NetPyNE computes the same index: without the loading lines, its synapses
    too carry other segments' factors."""
    _, out = measured
    table = json.loads((out / 'PYR' / 'weight_norm.json').read_text())
    line = f"netParams.addCellParamsWeightNorm('PYR', {str(out / 'PYR' / 'weight_norm.pkl')!r})"
    synapses, _, _ = built(tmp_path, 'create', line, python=older)
    assert len(off_their_segment(synapses, table, rule_weights())) > len(synapses) / 4


@pytest.mark.unit
def test_rule_sections_as_netpyne_reads_them():
    from cells.rules import rule_sections

    cell = {'secs': {'soma': {}, 'apic': {}, 'tuft': {}}, 'secLists': {'apical': ['apic', 'tuft', 'gone']}}
    assert rule_sections(None, cell) == ['soma']
    assert rule_sections('nowhere', cell) == ['soma']
    assert rule_sections('apical', cell) == ['apic', 'tuft']
    assert rule_sections(['tuft', 'apic', 'tuft'], cell) == ['tuft', 'apic']
    assert rule_sections('tuft', cell) == ['tuft']
    assert rule_sections(None, {'secs': {'soma_0': {}, 'dend': {}}}) == ['soma_0']


@pytest.mark.unit
def test_coverage_gaps_name_the_sections_and_the_rules_that_reach_them():
    from analysis.weight_norm import coverage_gaps

    rules = [('connParams', 'a', ['soma', 'apic']), ('subConnParams', 'b', ['soma']), ('stimTargetParams', 'c', ['tuft'])]
    uncovered, gaps = coverage_gaps(['soma', 'apic', 'tuft', 'axon'], {'soma': [1.0]}, rules)
    assert uncovered == ['apic', 'tuft', 'axon']
    assert gaps == [('connParams', 'a', ['apic']), ('stimTargetParams', 'c', ['tuft'])]


def test_a_partial_network_run_names_what_its_file_leaves_out(tmp_path):
    """Searched on two of six sections: the run says which sections the file leaves out,
    warns once naming the model's rules that put synapses there, and the loading file says
    so above the line that attaches it."""
    out = tmp_path / 'out'
    proc = run_command('M1_grid_search.py', '--netparams', MODEL, '--secs', 'soma', 'apic', '--all-segments', '--search',
                       'target', '--engine', 'inline', '--out', out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert ('  PYR: the weightNorm covers 2 of 6 sections; NetPyNE leaves the synapses on the other 4 unscaled: tuft, obl, '
            'basal, basal_b\n') in proc.stdout
    warnings = [line for line in proc.stderr.splitlines() if 'leaves out' in line]
    assert len(warnings) == 1
    assert warnings[0].startswith("warning: PYR: 12 of the model's rules put synapses on sections the weightNorm leaves "
                                  "out, where NetPyNE leaves them unscaled: connParams 'default' (tuft, obl), "
                                  "connParams 'explicit' (obl), connParams 'spread' (basal, basal_b)")
    script = (out / 'load_weight_norm.py').read_text()
    assert ("# PYR: no factors for 4 of its sections, whose synapses keep their rules' weights:\n"
            "#     tuft, obl, basal, basal_b\nattach_weight_norm(netParams, 'PYR', ") in script


def test_a_full_network_run_has_no_gap_lines(measured):
    proc, out = measured
    assert 'leaves out' not in proc.stderr and 'unscaled' not in proc.stdout
    assert '# PYR: no factors' not in (out / 'load_weight_norm.py').read_text()


def test_the_lookup_check_of_the_docs_finds_netpynes_index_and_none_with_the_loading_lines(tmp_path):
    """docs/netpyne_lookup_check.py, run as a user would from anywhere."""
    script = PROJECT / 'docs' / 'netpyne_lookup_check.py'
    own = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert own.returncode == 1, own.stderr[-3000:]
    lines = own.stdout.splitlines()
    assert lines[1:5] == ["90 of 180 synapses got another segment's factor", '  centres: 24 of 45', '  ends: 16 of 36',
                          '  spread: 50 of 99']
    # segment 0's centre on a 3-segment section reads the last segment's factor; segment 1's is right
    assert any(line.split() == ['centres', '3', '0.1667', '0', '2'] for line in lines)
    assert not any(line.split()[:3] == ['centres', '3', '0.5000'] for line in lines[5:])
    fixed = subprocess.run([sys.executable, str(script), '--own-segment'], cwd=tmp_path, capture_output=True, text=True,
                           timeout=300)
    assert fixed.returncode == 0, fixed.stderr[-3000:]
    assert "0 of 180 synapses got another segment's factor" in fixed.stdout
