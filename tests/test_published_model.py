"""A model as labs publish it: a pickle of NetPyNE Dicts (and one from Python 2), a mod
folder with an INCLUDE file, a one-line ``THREADSAFE SUFFIX hd`` replacing ours, a file that
no longer compiles, calcium dynamics, an NMDA synapse writing ``ica``, and an axon without
calcium (tests/fixtures/published_pt)."""

import copy
import json
import pickle
import shutil
import uuid

import pandas as pd
import pytest

from cells import catalogue
from cells.mechanisms import build_files, content_hash
from cells.mod_folder import _scanned_names, mechanism_names
from tests.helpers import PROJECT, run_command

FIXTURE = PROJECT / 'tests' / 'fixtures' / 'published_pt'
PICKLE = FIXTURE / 'PT6_cellParams.pkl'
PICKLE_PY2 = FIXTURE / 'PT6_cellParams_py2.pkl'
MODEL = ['--cell', PICKLE, '--mod', FIXTURE / 'mod', '--synapses', FIXTURE / 'synapses.json']
SECTIONS = ['soma', 'Bdend', 'Adend1', 'Adend2', 'Adend3', 'axon']

pytestmark = pytest.mark.xdist_group('published_model')  # one process makes the shared runs


def test_netpyne_pickles_load_as_the_cell_netpyne_loads():
    from netpyne import specs

    with open(PICKLE, 'rb') as stream:
        raw = pickle.load(stream)
    assert type(raw).__name__ == 'Dict'
    with pytest.raises(TypeError):
        copy.deepcopy(raw)  # what made such pickles fail before
    netpyne_params = specs.NetParams()
    netpyne_params.loadCellParams('PT6', str(PICKLE_PY2))
    expected = json.loads(json.dumps(netpyne_params.cellParams['PT6']))
    expected.pop('conds')
    for path in (PICKLE, PICKLE_PY2):
        cell = catalogue.cell_params(path)
        assert cell == expected
        assert all(type(sec) is dict for sec in cell['secs'].values())
    assert PICKLE_PY2.read_bytes().startswith(b'ccopy_reg\n_reconstructor\n(cnetpyne.specs\nDict\n')


def test_mechanism_names_are_read_as_nmodl_defines_them(tmp_path):
    assert mechanism_names(FIXTURE / 'mod' / 'ih.mod') == {'hd'}
    assert mechanism_names(FIXTURE / 'mod' / 'nmda_ca.mod') == {'NMDACa'}
    assert mechanism_names(FIXTURE / 'mod' / 'noise_old.mod') == {'NoiseCurrent'}
    names = [path.name for path in build_files(FIXTURE / 'mod')]
    assert 'ghk.inc' in names and 'hd.mod' not in names and 'hh_ref.mod' in names
    text = (
        ': SUFFIX commented_out\nCOMMENT\nSUFFIX in_a_comment\nENDCOMMENT\n'
        'NEURON { THREADSAFE POINT_PROCESS Syn RANGE g : SUFFIX also_a_comment\n  USEION ca WRITE ica }\n'
        'VERBATIM\nSUFFIX c_code\nENDVERBATIM\n'
    )
    assert _scanned_names(text) == {'Syn'}
    (tmp_path / 'odd.mod').write_text(text + 'PARAMETER { g = 1 }\nASSIGNED { ica }\n')
    assert mechanism_names(tmp_path / 'odd.mod') == {'Syn'}


def test_an_include_file_is_part_of_the_build_and_its_hash(tmp_path):
    mods = tmp_path / 'mod'
    shutil.copytree(FIXTURE / 'mod', mods)
    before = content_hash(build_files(mods))
    assert before == content_hash(build_files(FIXTURE / 'mod'))
    with open(mods / 'ghk.inc', 'a') as stream:
        stream.write(f'\n: edited {uuid.uuid4()}\n')  # new content: compiled anew
    assert content_hash(build_files(mods)) != before
    proc = run_command('init.py', *MODEL[:2], '--mod', mods, *MODEL[4:], '--sec', 'Adend3', '--weight', '0.0004')
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stderr.splitlines()
    assert any(line.startswith('compiling 7 mechanism files') for line in lines), proc.stderr
    assert any(line.startswith('compiled in') and 'noise_old.mod' in line for line in lines), proc.stderr
    assert 'warning: left out noise_old.mod (NoiseCurrent): it does not compile' in proc.stderr
    assert json.loads(proc.stdout)['status'] == 'ok'


@pytest.fixture(scope='module')
def engine_runs(tmp_path_factory):
    """The published cell, every section, targeted search: batch engine at each section's
    middle, inline engine at every segment."""
    out = tmp_path_factory.mktemp('published')
    runs = {}
    for engine, places in (('batch', []), ('inline', ['--all-segments'])):
        proc = run_command(
            'M1_grid_search.py', *MODEL, '--secs', 'all', *places, '--search', 'target', '--engine', engine,
            '--jobs', '2', '--out', out / engine,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        runs[engine] = (proc, pd.read_json(out / engine / 'summary.json', precise_float=True), out / engine)
    return runs


def test_init_puts_the_calcium_writing_synapse_on_the_axon():
    proc = run_command('init.py', *MODEL, '--sec', 'axon', '--loc', '0.9', '--weight', '0.001')
    assert proc.returncode == 0, proc.stderr[-3000:]
    record = json.loads(proc.stdout)
    assert record['status'] == 'ok' and 0.3 < record['epsp'] < 3


def test_both_engines_find_every_place_and_agree(engine_runs):
    _, batch, _ = engine_runs['batch']
    _, inline, out = engine_runs['inline']
    assert list(batch['sec']) == SECTIONS and batch['in_range'].all()
    assert len(inline) == 1 + 5 + 3 + 3 + 5 + 5 and inline['in_range'].all()
    middles = inline[abs(inline['loc'] - 0.5) < 1e-9].set_index('sec')
    found = batch.set_index('sec')['weight_at_target']
    assert middles.loc[SECTIONS, 'weight_at_target'].to_numpy() == pytest.approx(found.to_numpy(), rel=0.002)
    with open(out / 'weight_norm.pkl', 'rb') as stream:
        table = pickle.load(stream)
    assert list(table) == SECTIONS and [len(table[sec]) for sec in SECTIONS] == [1, 5, 3, 3, 5, 5]
    assert inline['simulations'].mean() <= 5


@pytest.mark.parametrize('sec', ['axon', 'Adend3'])
def test_plain_neuron_gives_the_same_weight(engine_runs, sec):
    _, batch, _ = engine_runs['batch']
    plain = run_command(
        PROJECT / 'tests' / 'independent_weight.py', PICKLE, 'soma', sec, 0.5, FIXTURE / 'synapses.json', 0.5,
        FIXTURE / 'mod',
    )
    assert plain.returncode == 0, plain.stderr[-3000:]
    expected = float(plain.stdout.split()[-1])
    assert batch.set_index('sec').loc[sec, 'weight_at_target'] == pytest.approx(expected, rel=0.005)

