"""A user's own cell: cellParams files, --soma, --synapses, --mod, and NetPyNE loading
the weightNorm we write for it."""

import json
import pickle

import pandas as pd
import pytest

from analysis.weight_norm import netpyne_segment_index
from cells import catalogue
from cells.generate_pyramidal import DEFAULT_FILE
from cells.mechanisms import compile_mechanisms
from tests.helpers import PROJECT, assert_one_line_error, run_command, run_in_child
from tests.test_weight_norm import netcon_weights

AMPA = {'AMPA': {'mod': 'Exp2Syn', 'tau1': 0.1, 'tau2': 3.0, 'e': 0}}


def renamed_soma_cell(path, name='cell_body'):
    """The generated cell with its soma renamed, as a cellParams JSON at ``path``."""
    cell = json.loads(DEFAULT_FILE.read_text())
    cell['secs'] = {(name if sec == 'soma' else sec): params for sec, params in cell['secs'].items()}
    for params in cell['secs'].values():
        if params.get('topol', {}).get('parentSec') == 'soma':
            params['topol']['parentSec'] = name
    cell['secLists']['somatic'] = [name]
    path.write_text(json.dumps(cell))
    return path


def test_generated_cell_one_section_every_segment_loaded_by_netpyne(generated_run):
    proc, out = generated_run
    assert proc.returncode == 0, proc.stderr[-3000:]
    cell = catalogue.cell_params(DEFAULT_FILE)
    nseg = catalogue.nseg(cell, 'basal_0')
    with open(out / 'weight_norm.pkl', 'rb') as stream:
        table = pickle.load(stream)
    assert {sec: len(values) for sec, values in table.items()} == {'soma': 1, 'basal_0': nseg}
    summary = pd.read_json(out / 'summary.json')
    assert summary['in_range'].all() and summary['distance_um'].notna().all()
    locs = catalogue.segment_locs(cell, 'basal_0')
    weights = netcon_weights(out / 'weight_norm.pkl', DEFAULT_FILE, 'basal_0', 'soma', 'netpyne', locs)
    for loc in locs:
        assert weights[loc] == pytest.approx(0.5 * table['basal_0'][netpyne_segment_index(loc, nseg)], rel=1e-12)


def test_soma_named_otherwise_agrees_with_plain_neuron(tmp_path):
    cell_file = renamed_soma_cell(tmp_path / 'cell.json')
    synapse_file = tmp_path / 'ampa.json'
    synapse_file.write_text(json.dumps(AMPA))
    out = tmp_path / 'results'
    proc = run_command(
        'M1_grid_search.py', '--cell', cell_file, '--soma', 'cell_body', '--synapses', synapse_file,
        '--secs', 'basal_1_0', '--locs', '0.3', '0.7', '--weights', '0.0007', '0.0009', '--out', out,
        '--engine', 'inline',
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = pd.read_json(out / 'summary.json', precise_float=True).set_index('loc')
    assert summary['in_range'].all()
    for loc in (0.3, 0.7):
        plain = run_command(
            PROJECT / 'tests' / 'independent_weight.py', cell_file, 'cell_body', 'basal_1_0', loc, synapse_file, 0.5
        )
        assert plain.returncode == 0, plain.stderr[-3000:]
        expected = float(plain.stdout.split()[-1])
        assert summary.loc[loc, 'weight_at_target'] == pytest.approx(expected, rel=0.02)


def test_a_user_mod_folder_is_compiled_once_and_used(tmp_path):
    mods = tmp_path / 'mod'
    mods.mkdir()
    (mods / 'leak_extra.mod').write_text(
        'NEURON {\n  SUFFIX leakextra\n  NONSPECIFIC_CURRENT i\n  RANGE g, e\n}\n'
        'UNITS {\n  (mA) = (milliamp)\n  (mV) = (millivolt)\n  (S) = (siemens)\n}\n'
        'PARAMETER {\n  g = 0.0001 (S/cm2)\n  e = -70 (mV)\n}\n'
        'ASSIGNED {\n  v (mV)\n  i (mA/cm2)\n}\n'
        'BREAKPOINT {\n  i = g * (v - e)\n}\n'
    )
    cell = json.loads(DEFAULT_FILE.read_text())
    cell['secs']['soma']['mechs']['leakextra'] = {'g': 0.001, 'e': -70.0}
    cell_file = tmp_path / 'leaky.json'
    cell_file.write_text(json.dumps(cell))

    without = run_command('init.py', '--cell', cell_file)
    assert_one_line_error(without, "mechanism 'leakextra' of section 'soma' is in no mod folder")

    first = run_command('init.py', '--cell', cell_file, '--mod', mods)
    assert first.returncode == 0, first.stderr
    library = compile_mechanisms(mods).library
    stamp = library.stat().st_mtime_ns
    second = run_command('init.py', '--cell', cell_file, '--mod', mods)
    assert library.stat().st_mtime_ns == stamp
    assert 'compiling' not in second.stderr
    assert json.loads(second.stdout) == {**json.loads(first.stdout), 'run_time': json.loads(second.stdout)['run_time']}
    plain = json.loads(run_command('init.py', '--cell', DEFAULT_FILE).stdout)
    assert json.loads(first.stdout)['epsp'] < plain['epsp']


def test_stored_weight_norm_is_removed_with_a_warning(tmp_path):
    cell = json.loads(DEFAULT_FILE.read_text())
    cell['secs']['basal_0']['weightNorm'] = [100.0] * cell['secs']['basal_0']['geom']['nseg']
    cell_file = tmp_path / 'normed.json'
    cell_file.write_text(json.dumps(cell))
    out = tmp_path / 'results'
    proc = run_command(
        'M1_grid_search.py', '--cell', cell_file, '--secs', 'basal_0', '--weights', '0.001', '--out', out, '--engine', 'inline'
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'removed the weightNorm stored in 1 sections' in proc.stderr
    plain = json.loads(run_command('init.py', '--cell', DEFAULT_FILE, '--sec', 'basal_0', '--weight', '0.001').stdout)
    assert pd.read_json(out / 'results.json')['epsp'].item() == pytest.approx(plain['epsp'], rel=1e-9)


def bad_cell_inputs(tmp_path):
    not_cell = tmp_path / 'network.json'
    not_cell.write_text(json.dumps({'net': {'params': {}}}))
    no_soma = renamed_soma_cell(tmp_path / 'no_soma.json')
    unknown_synapse = tmp_path / 'gaba.json'
    unknown_synapse.write_text(json.dumps({'GABA': {'mod': 'Exp3Syn'}}))
    return [
        (['--cell', tmp_path / 'absent.json'], 'cell file not found'),
        (['--cell', not_cell], 'is not a NetPyNE cellParams file'),
        (['--cell', DEFAULT_FILE, '--secs', 'oblique'], "unknown section 'oblique'"),
        (['--cell', no_soma], 'give --soma NAME'),
        (['--synapses', unknown_synapse], "'GABA' uses mechanism 'Exp3Syn', which no mod folder provides"),
    ]


def test_bad_cell_inputs_are_one_line_and_write_nothing(tmp_path):
    for args, named in bad_cell_inputs(tmp_path):
        out = tmp_path / 'out'
        assert_one_line_error(run_in_child('M1_grid_search.py', *args, '--out', out), named)
        assert not out.exists()


def test_a_needed_mechanism_that_fails_to_compile_shows_the_compiler(tmp_path):
    broken = tmp_path / 'broken'
    broken.mkdir()
    (broken / 'broken.mod').write_text('NEURON {\n  SUFFIX broken\n}\nBREAKPOINT {\n  x = \n}\n')
    cell = json.loads(DEFAULT_FILE.read_text())
    cell['secs']['soma']['mechs']['broken'] = {}
    cell_file = tmp_path / 'needs_broken.json'
    cell_file.write_text(json.dumps(cell))
    out = tmp_path / 'out'
    proc = run_command('M1_grid_search.py', '--cell', cell_file, '--secs', 'soma', '--mod', broken, '--out', out)
    assert proc.returncode == 2 and proc.stdout == ''
    assert "error: mechanism 'broken' of section 'soma' is defined in broken.mod, which failed to compile:" in proc.stderr
    assert 'broken.mod' in proc.stderr.split('failed to compile:')[1] and 'Traceback' not in proc.stderr
    assert not out.exists()


def test_default_synapse_pair_excluded_sections_and_progress_against_plain_neuron(tmp_path):
    """cfg.py's AMPA + NMDA pair (half the weight each) on the generated cell, sections
    left out from the command line, progress lines; checked against plain NEURON."""
    from wscale.run.point import load_cfg

    split = PROJECT / 'cells' / 'synapse_files' / 'ampa_nmda_split.json'
    assert load_cfg().synMechParams == json.loads(split.read_text())
    out = tmp_path / 'results'
    proc = run_command(
        'M1_grid_search.py', '--cell', DEFAULT_FILE, '--secs', 'basal', '--exclude', 'basal_0', 'basal_1', 'basal_2',
        'basal_3', 'basal_4_1', '--search', 'target', '--engine', 'inline', '--out', out,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = pd.read_json(out / 'summary.json', precise_float=True)
    assert list(dict.fromkeys(summary['sec'])) == ['basal_4', 'basal_4_0'] and summary['in_range'].all()
    progress = [line for line in proc.stdout.splitlines() if ' places done, ' in line]
    assert progress and progress[-1].startswith('2/2 places done')
    expected = run_command(
        PROJECT / 'tests' / 'independent_weight.py', DEFAULT_FILE, 'soma', 'basal_4_0', 0.5, split, 0.5
    )
    assert expected.returncode == 0, expected.stderr[-3000:]
    found = summary.set_index('sec').loc['basal_4_0', 'weight_at_target']
    assert found == pytest.approx(float(expected.stdout.split()[-1]), rel=0.005)
