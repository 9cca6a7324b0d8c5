"""--netparams: every cell type of a NetPyNE model in one run, on every engine and on
SLURM, equal to runs of each cell alone; the files load into the model's own netParams.

The model is tests/fixtures/m1_style: its netParams.py reads cfg from __main__, names its
files relative to its folder, imports PT5 from a hoc template, reads PV from a cellParams
file and loads an earlier weightNorm for IT2; an inhibitory GABAA synMech must not be used.
"""

import json
import pickle
import shutil
import subprocess
import sys

import pytest

from tests.helpers import PROJECT, assert_one_line_error, patched_project, run_command, run_in_child
from tests.test_cluster import slurm_cluster  # noqa: F401 (a fixture)
from wscale.engines.batch import parts
from wscale.run.spec import RunOptions, RunSpec

MODEL = PROJECT / 'tests' / 'fixtures' / 'm1_style'
NETWORK = ['--netparams', MODEL / 'netParams.py']
GRID = [*NETWORK, '--locs', '0.3', '0.9', '--weights', '0.0002', '0.0005']
TARGETED = [*NETWORK, '--all-segments', '--search', 'target']
CELL_TYPES = ['IT2', 'PT5', 'PV']


def test_a_place_carries_its_cell_type_through_the_settled_run(tmp_path):
    """The cell type is part of a place: grid order, the Batch's grouped params, the
    models the inline engine builds, and one cell type's run of its own."""
    cells = {'A': {'cell': 'a.json', 'soma': 'soma'}, 'B': {'cell': 'b.json', 'soma': 'soma_0'}}
    settings = {'cell': 'a.json', 'somaSec': 'soma', 'cellTypes': cells, 'search': 'grid', 'x': 1}
    places = {'cell': ['A', 'A', 'B'], 'sec': ['soma', 'dend', 'soma_0'], 'loc': [0.5, 0.5, 0.5]}
    spec = RunSpec(settings, places, [0.001, 0.002], [(('x',), [1, 2])],
                   RunOptions(argv=[], out=str(tmp_path), engine='batch', jobs=1))
    assert spec.place_keys == ('cell', 'sec', 'loc') and spec.cell_types == ['A', 'B']
    assert spec.columns == ['cell', 'x']
    groups = spec.groups()
    assert [values for values, _ in groups] == [{'cell': 'A', 'x': 1}, {'cell': 'B', 'x': 1}, {'cell': 'A', 'x': 2},
                                                {'cell': 'B', 'x': 2}]
    assert groups[1][1] == {'sec': ['soma_0'], 'loc': [0.5]}
    cfg = spec.cfg({'cell': 'B', 'x': 2})
    assert (cfg.cell, cfg.somaSec, cfg.x) == ('b.json', 'soma_0', 2)
    order = spec.order()
    units = [{'cell': c, 'sec': s, 'loc': 0.5, 'weight': w, 'x': x} for x in (2, 1) for c, s in (('B', 'soma_0'), ('A', 'soma'))
             for w in (0.002, 0.001)]
    assert [(u['x'], u['cell'], u['weight']) for u in sorted(units, key=order)][:4] == [
        (1, 'A', 0.001), (1, 'A', 0.002), (1, 'B', 0.001), (1, 'B', 0.002)]
    split = parts(spec.units(), 3)
    assert [[(unit['cell'], unit['sec']) for unit in part][:2] for part in split] == [
        [('A', 'soma'), ('A', 'dend')], [('A', 'soma'), ('B', 'soma_0')], [('A', 'dend'), ('B', 'soma_0')]]
    assert sorted(unit['label'] for part in split for unit in part) == sorted(unit['label'] for unit in spec.units())
    one = spec.for_cell('B')
    assert one.cell_types == [] and one.places == {'sec': ['soma_0'], 'loc': [0.5]} and one.columns == ['x']
    assert (one.cfg_settings['cell'], one.cfg_settings['somaSec'], one.out) == ('b.json', 'soma_0', tmp_path / 'B')


def network_run(out, *args):
    proc = run_command('M1_grid_search.py', *args, '--out', out, '--jobs', '2')
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc


def read(path):
    return json.loads(path.read_text())


def epsps(records):
    return {(r.get('cell'), r['sec'], round(r['loc'], 6), r['weight']): r['epsp'] for r in records}


@pytest.fixture(scope='module')
def targeted_run(tmp_path_factory):
    """Every segment of every cell type by targeted search, inline engine, validated."""
    out = tmp_path_factory.mktemp('network') / 'out'
    return network_run(out, *TARGETED, '--engine', 'inline', '--validate', '4'), out


@pytest.fixture(scope='module')
def grid_runs(tmp_path_factory):
    """The same grid through the batch and the inline engine."""
    runs = {}
    for engine in ('batch', 'inline'):
        out = tmp_path_factory.mktemp(engine) / 'out'
        runs[engine] = (network_run(out, *GRID, '--engine', engine), out)
    return runs


def model_cell_files(tmp_path):
    """Each cell type as the model defines it, saved as a cellParams file the way
    NetPyNE's users save one (its netParams read in its folder, its mechanisms loaded):
    {label: path}."""
    paths = {label: tmp_path / f'{label}.json' for label in CELL_TYPES}
    script = (
        'import json, sys\n'
        'from cells.model import load_model\n'
        f'net_params, _ = load_model({str(MODEL / "netParams.py")!r}, None, {str(MODEL / "mod")!r})\n'
        'for label, path in json.loads(sys.argv[1]).items():\n'
        '    net_params.saveCellParamsRule(label, path)\n'
    )
    argument = json.dumps({label: str(path) for label, path in paths.items()})
    proc = subprocess.run([sys.executable, '-c', script, argument], cwd=PROJECT, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return paths


def test_every_cell_type_is_searched_in_one_run(targeted_run):
    proc, out = targeted_run
    assert ('cell types: IT2, PT5, PV; synapse per cell type: IT2: AMPA x1, NMDA x1; PT5: AMPA x0.5, NMDA x0.5; PV: AMPA x1 '
            "(the model's excitatory connParams rules onto each cell type)") in proc.stdout
    assert '  PT5: AMPA x0.5, NMDA x0.5 from rule IT2->PT5\n  PV: AMPA x1 from rule IT2->PV\n' in proc.stdout
    assert '  IT2: no excitatory connParams rule onto it, each excitatory synMech at full weight' in proc.stdout
    assert "warning: cell type 'IT2' carries the model's weightNorm" in proc.stderr
    spec = RunSpec.read(out / 'run_spec.json')
    synapses = {label: entry['synMechParams'] for label, entry in spec.cfg_settings['cellTypes'].items()}
    assert {label: list(synapse) for label, synapse in synapses.items()} == {
        'IT2': ['AMPA', 'NMDA'], 'PT5': ['AMPA', 'NMDA'], 'PV': ['AMPA']}  # GABAA left out
    assert synapses['PT5']['NMDA']['mod'] == 'nmdam1' and synapses['PT5']['NMDA']['weightFraction'] == 0.5
    summary = read(out / 'summary.json')
    assert [row['cell'] for row in summary] == ['IT2'] * 13 + ['PT5'] * 26 + ['PV']
    assert {record['cell'] for record in read(out / 'results.json')} == set(CELL_TYPES)
    assert all(row['in_range'] for row in summary)
    for label, soma, sections in (('IT2', 'soma', 3), ('PT5', 'soma_0', 4), ('PV', 'soma', 1)):
        folder = out / label
        table = pickle.loads((folder / 'weight_norm.pkl').read_bytes())
        assert soma in table and len(table) == sections
        mine = [row for row in summary if row['cell'] == label]
        assert [row['sec'] for row in read(folder / 'summary.json')] == [row['sec'] for row in mine]
        assert all(r['target'] == 0.5 for r in read(folder / 'results.json'))
        for name in ('weight_norm_map.png', 'weight_norm_vs_distance.png', 'epsp_vs_weight.png', 'validation.json'):
            assert (folder / name).stat().st_size > 5000 or name.endswith('.json'), name
        assert f'  {label}: ' in proc.stdout
    # the far tuft of PT5 needs a larger weight than its trunk near the soma
    pt5 = pickle.loads((out / 'PT5' / 'weight_norm.pkl').read_bytes())
    assert pt5['apic_1'][-1] > pt5['apic_0'][0] > 0
    assert (out / 'weight_norm_by_cell.png').stat().st_size > 10000
    assert proc.stdout.count('validation at 4 random places') == 3


def test_the_files_load_into_the_models_own_netparams(targeted_run):
    """The printed lines, run inside a NetPyNE session of the model itself, give every
    cell type its weightNorm, and NetPyNE scales the model's connections by it."""
    _, out = targeted_run
    script = f'''
import json, os, pickle, sys
sys.argv.append('-nogui')
from cells.mechanisms import load_mechanisms
load_mechanisms({str(MODEL / 'mod')!r})
os.chdir({str(MODEL)!r})
sys.path.insert(0, '.')
from netpyne import sim
cfg, netParams = sim.readCmdLineArgs(simConfigDefault='cfg.py', netParamsDefault='netParams.py')
exec(open({str(out / 'load_weight_norm.py')!r}).read(), {{'netParams': netParams}})
found = {{label: {{sec: list(rule['weightNorm']) for sec, rule in netParams.cellParams[label]['secs'].items() if 'weightNorm' in rule}}
         for label in {CELL_TYPES!r}}}
sim.create(netParams, cfg)
conns = [(cell.tags['pop'], conn['sec'], conn['loc'], conn['hObj'].weight[0])
         for cell in sim.net.cells for conn in cell.conns if conn.get('synMech') == 'AMPA']
print(json.dumps({{'found': found, 'conns': conns}}))
'''
    proc = subprocess.run([sys.executable, '-c', script], cwd=PROJECT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    for label in CELL_TYPES:
        assert result['found'][label] == pickle.loads((out / label / 'weight_norm.pkl').read_bytes())
    for label, weight in (('PT5', 0.5 * 0.5), ('PV', 0.3)):  # PT5's AMPA: half the rule's; PV's soma has no nseg
        table = result['found'][label]
        conns = [conn for conn in result['conns'] if conn[0] == label]
        assert conns
        for _, sec, loc, scaled in conns:  # each synapse by the factor of the segment that holds it
            nseg = len(table[sec])
            assert scaled == pytest.approx(weight * table[sec][min(int(loc * nseg), nseg - 1)], rel=1e-9)


def test_each_cell_type_equals_a_run_of_that_cell_alone(grid_runs, tmp_path):
    """Batch and inline engines give the same EPSPs as one-cell runs of the model's cells
    with its own synapses and mechanisms."""
    batch, inline = (read(out / 'summary.json') for _, out in (grid_runs['batch'], grid_runs['inline']))
    assert len(batch) == len(inline) == 2 * (3 + 4 + 1)
    records = {engine: [] for engine in grid_runs}
    for engine, (_, out) in grid_runs.items():
        for label in CELL_TYPES:
            records[engine] += read(out / label / 'results.json')
    assert epsps(records['batch']).keys() == epsps(records['inline']).keys()
    for key, value in epsps(records['batch']).items():
        assert epsps(records['inline'])[key] == pytest.approx(value, rel=1e-6)
    ampa = {'mod': 'Exp2Syn', 'tau1': 0.05, 'tau2': 5.3, 'e': 0.0}
    nmda = {'mod': 'nmdam1', 'tau1': 15.0, 'tau2': 150.0, 'e': 0.0}
    network = epsps(records['inline'])
    cell_files = model_cell_files(tmp_path)
    own = {'IT2': {'AMPA': ampa, 'NMDA': nmda}, 'PV': {'AMPA': ampa},  # the synapse of the rules onto each
           'PT5': {'AMPA': {**ampa, 'weightFraction': 0.5}, 'NMDA': {**nmda, 'weightFraction': 0.5}}}
    for label in CELL_TYPES:
        synapses = tmp_path / f'{label}_synapses.json'
        synapses.write_text(json.dumps(own[label]))
        out = tmp_path / label
        proc = run_command('M1_grid_search.py', '--cell', cell_files[label], '--mod', MODEL / 'mod',
                           '--synapses', synapses, '--secs', 'all', '--locs', '0.3', '0.9', '--weights', '0.0002', '0.0005',
                           '--engine', 'inline', '--out', out)
        assert proc.returncode == 0, proc.stderr[-3000:]
        alone = read(out / 'results.json')
        assert len(alone) == len([key for key in network if key[0] == label])
        for record in alone:
            assert network[(label, record['sec'], round(record['loc'], 6), record['weight'])] == pytest.approx(record['epsp'], rel=1e-9)


def test_slurm_chunks_mix_cell_types_and_equal_the_local_run(slurm_cluster, grid_runs, tmp_path):  # noqa: F811
    out = tmp_path / 'out'
    proc = run_command('M1_grid_search.py', *GRID, '--cluster', 'slurm', '--chunk', '5', '--out', out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    chunks = sorted((out / 'grid_batch').glob('chunk_*.json'))
    units = read(out / 'grid_batch' / 'cluster.json')['units']
    mixed = [chunk for chunk in chunks if len({units[i]['cell'] for i in read(chunk)['units']}) > 1]
    assert mixed
    local = {}
    for label in CELL_TYPES:
        local.update(epsps(read(grid_runs['inline'][1] / label / 'results.json')))
        for record in read(out / label / 'results.json'):
            key = (label, record['sec'], round(record['loc'], 6), record['weight'])
            assert record['epsp'] == pytest.approx(local[key], rel=1e-9)
    written = any((out / label / 'weight_norm.pkl').is_file() for label in CELL_TYPES)
    assert (out / 'load_weight_norm.py').is_file() == written


def test_runs_into_one_folder_leave_no_files_of_the_other(tmp_path):
    """A network run after a one-cell run into the same folder, and the other way round:
    neither leaves weightNorm files or load lines the later run did not write."""
    out = tmp_path / 'out'
    proc = run_command('M1_grid_search.py', '--secs', 'soma', '--weights', '0.001', '0.003', '--engine', 'inline', '--out', out)
    assert proc.returncode == 0 and (out / 'weight_norm.pkl').is_file()
    network_run(out, *NETWORK, '--cell-types', 'PV', '--weights', '0.00001', '0.00004', '--engine', 'inline')
    assert not (out / 'weight_norm.pkl').exists() and (out / 'PV' / 'weight_norm.pkl').is_file()
    assert (out / 'load_weight_norm.py').is_file()
    proc = run_command('M1_grid_search.py', '--secs', 'soma', '--weights', '0.001', '0.003', '--engine', 'inline', '--out', out)
    assert proc.returncode == 0 and (out / 'weight_norm.pkl').is_file()
    assert not (out / 'weight_norm_by_cell.png').exists()
    attached = [line for line in (out / 'load_weight_norm.py').read_text().splitlines() if line.startswith('attach_weight_norm(')]
    assert attached == [f"attach_weight_norm(netParams, label, {str(out / 'weight_norm.pkl')!r})"]


def test_the_models_cfg_sets_the_conditions(tmp_path):
    """hParams and dt come from the model's cfg (here another cfg given with --cfg); the
    stimulus and the target from ours."""
    other = tmp_path / 'cfg_cold.py'
    other.write_text((MODEL / 'cfg.py').read_text().replace("'celsius': 34.0", "'celsius': 22.0").replace(
        'cfg.dt = 0.025', 'cfg.dt = 0.05'))
    out = tmp_path / 'out'
    network_run(out, *GRID, '--cfg', other, '--cell-types', 'PV', '--synmechs', 'AMPA', '--weight-fractions', '0.8',
                '--target', '0.4', '--engine', 'inline')
    spec = RunSpec.read(out / 'run_spec.json')
    assert spec.cfg_settings['hParams']['celsius'] == 22.0 and spec.cfg_settings['dt'] == 0.05
    assert spec.cfg_settings['stimTime'] == 700.0 and spec.cfg_settings['epspTarget'] == 0.4
    assert spec.cfg_settings['synMechParams'] == {
        'AMPA': {'mod': 'Exp2Syn', 'tau1': 0.05, 'tau2': 5.3, 'e': 0.0, 'weightFraction': 0.8}
    }
    assert spec.cell_types == ['PV'] and [row['cell'] for row in read(out / 'summary.json')] == ['PV', 'PV']


def test_further_dimensions_give_each_cell_type_a_file_per_combination(tmp_path):
    project = patched_project(tmp_path, {'M1_grid_search.py': [
        ("    'weight': [0.001, 0.002, 0.003],  # uS\n", "    'stimDelay': [1.0, 3.0],\n")]})
    out = tmp_path / 'out'
    proc = run_command(project / 'M1_grid_search.py', *NETWORK, '--cell-types', 'PT5', 'PV', '--secs', 'soma', 'soma_0',
                       '--all-segments', '--search', 'target', '--engine', 'inline', '--out', out, cwd=project)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = read(out / 'summary.json')
    assert [(row['cell'], row['stimDelay']) for row in summary] == [('PT5', 1.0), ('PT5', 3.0), ('PV', 1.0), ('PV', 3.0)]
    for label in ('PT5', 'PV'):
        assert {path.name for path in (out / label).glob('*.pkl')} == {'weight_norm_stimDelay=1.0.pkl', 'weight_norm_stimDelay=3.0.pkl'}
    script = (out / 'load_weight_norm.py').read_text()
    assert ("# at stimDelay=3.0:\n# PT5: no factors for 3 of its sections, whose synapses keep their rules' weights:\n"
            "#     apic_0, apic_1, basal_0\n# attach_weight_norm(netParams, 'PT5', ") in script
    assert not [line for line in script.splitlines() if line.startswith('attach_weight_norm(')]


ODD_CELLS = """
netParams.cellParams['LTS_Izhi'] = {'secs': {'soma': {'geom': {'diam': 10.0, 'L': 10.0, 'cm': 31.831},
    'pointps': {'Izhi': {'mod': 'Izhi2007a', 'vref': 'V', 'C': 1, 'k': 0.7, 'vr': -60, 'vt': -40}}}}}
netParams.cellParams['Glia'] = {'secs': {'cell_body': {'geom': {'diam': 10.0, 'L': 10.0}}}}
netParams.cellParams['SWC'] = {'secs': {
    'soma_0': {'geom': {'diam': 10.0, 'L': 5.0, 'nseg': 1}, 'mechs': {'pas': {'g': 1e-4, 'e': -70.0}}},
    'soma_1': {'geom': {'diam': 10.0, 'L': 5.0, 'nseg': 1}, 'mechs': {'pas': {'g': 1e-4, 'e': -70.0}},
               'topol': {'parentSec': 'soma_0', 'parentX': 1.0, 'childX': 0.0}}}}
netParams.synMechParams['AMPA_S'] = {'mod': 'Exp2Syn', 'tau1': 0.2, 'tau2': 2.0}
netParams.synMechParams['NMDA_S'] = {'mod': 'nmdam1', 'tau1': 15.0, 'tau2': 150.0}
"""


def test_cell_types_and_synapses_a_search_cannot_use_are_said(tmp_path):
    """A cell whose voltage its point process holds and one without a soma are left out
    (and refused when asked for), a soma of several sections is measured at soma_0, and
    a synMech whose reversal is not known is not chosen; each is said."""
    model = tmp_path / 'model'
    shutil.copytree(MODEL, model)
    with open(model / 'netParams.py', 'a') as stream:
        stream.write(ODD_CELLS)
    out = tmp_path / 'out'
    proc = network_run(out, '--netparams', model / 'netParams.py', '--secs', 'soma', 'soma_0', '--weights', '0.0002',
                       '--engine', 'inline')
    assert ('left out: LTS_Izhi (its voltage is held by its point process Izhi2007a (vref), not by its sections); '
            'Glia (no section named soma...; its sections: cell_body)') in proc.stdout
    assert '  SWC: no excitatory connParams rule onto it, each excitatory synMech at full weight' in proc.stdout
    assert 'synMechs not chosen, their reversal potential unknown: NMDA_S (name them with --synmechs)' in proc.stdout
    spec = RunSpec.read(out / 'run_spec.json')
    assert spec.cell_types == [*CELL_TYPES, 'SWC'] and spec.cfg_settings['cellTypes']['SWC']['soma'] == 'soma_0'
    assert list(spec.cfg_settings['cellTypes']['SWC']['synMechParams']) == ['AMPA', 'NMDA', 'AMPA_S']
    for label, named in (('LTS_Izhi', 'its voltage is held by its point process Izhi2007a (vref)'),
                         ('Glia', 'no section named soma...')):
        proc = run_command('M1_grid_search.py', '--netparams', model / 'netParams.py', '--cell-types', 'PV', label,
                           '--out', tmp_path / 'refused')
        assert_one_line_error(proc, f"--cell-types: cell type '{label}' cannot be measured: {named}")


@pytest.mark.parametrize('args, named', [
    (['--netparams', MODEL / 'cfg.py'], 'is not a NetPyNE model'),
    (['--netparams', MODEL / 'missing.py'], 'netParams file not found'),
    (['--netparams', MODEL / 'mod'], 'is a folder without netParams.py'),
    ([*NETWORK, '--cfg', MODEL / 'nowhere.py'], "the model's cfg not found"),
    ([*NETWORK, '--cell-types', 'IT2', 'L6'], "--cell-types: the model has no cell type with a soma 'L6'; it has: IT2, PT5, PV"),
    ([*NETWORK, '--synmechs', 'AMPA', 'GABAB'], "--synmechs: the model has no synMech 'GABAB'; it has: AMPA, NMDA, GABAA"),
    ([*NETWORK, '--synmechs', 'AMPA', '--weight-fractions', '0.5', '0.5'], '--weight-fractions gives 2 values for 1 synMechs'),
    ([*NETWORK, '--weight-fractions', '0', '1'], '--weight-fractions must be numbers above 0'),
    ([*NETWORK, '--cell', 'PT5B'], '--cell cannot be given with --netparams'),
    (['--cell-types', 'IT2'], '--cell-types goes with --netparams FILE'),
    ([*NETWORK, '--secs', 'tuft'], "--secs: no cell type (IT2, PT5, PV) has a section or secList 'tuft'"),
    ([*NETWORK, '--secs', 'apic_0'], "--secs: cell type 'IT2' has none of apic_0"),
])
def test_bad_network_input_is_one_line_and_writes_nothing(tmp_path, args, named):
    out = tmp_path / 'out'
    proc = run_in_child('M1_grid_search.py', *args, '--out', out)
    assert_one_line_error(proc, named)
    assert not out.exists()
