"""Cells from files, sections and secLists, the soma, mechanisms and synapse files."""

import json
import pickle
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from cells import catalogue, synapses
from cells.generate_pyramidal import DEFAULT_FILE, generate
from cells.mechanisms import MOD_DIR, build_files, check_cell_mechanisms
from cells.mod_folder import mechanism_names
from wscale.errors import UserError

pytestmark = pytest.mark.unit  # pure code, no simulator process: python -m pytest -m unit


def test_generated_cell_is_reproducible_and_shipped():
    cell = generate(1)
    assert cell == json.loads(DEFAULT_FILE.read_text())
    assert generate(2) != cell
    segments = sum(sec['geom']['nseg'] for sec in cell['secs'].values())
    assert 200 <= segments <= 700
    assert all(sec['geom']['nseg'] % 2 == 1 for sec in cell['secs'].values())
    lists = cell['secLists']
    assert {'basal', 'apical', 'apicdend', 'axonal', 'somatic', 'alldend'} <= set(lists)
    assert set(lists['basal']) | set(lists['apical']) | {'soma', 'axon_0', 'axon_1'} == set(cell['secs'])
    for name, sec in cell['secs'].items():
        parent = sec.get('topol', {}).get('parentSec')
        assert name == 'soma' or parent in cell['secs']


def write_cell(path, cell):
    if path.suffix == '.json':
        path.write_text(json.dumps(cell))
    else:
        with open(path, 'wb') as stream:
            pickle.dump(cell, stream, protocol=2)
    return path


@pytest.mark.parametrize('suffix', ['.json', '.pkl'])
def test_cell_file_loses_conds_and_stored_weight_norm(tmp_path, suffix):
    cell = generate(1)
    cell['conds'] = {'cellType': 'PT'}
    cell['secs']['basal_0']['weightNorm'] = [0.1, 0.2, 0.3]
    path = write_cell(tmp_path / f'cell{suffix}', cell)
    loaded = catalogue.cell_params(path)
    assert 'conds' not in loaded
    assert 'weightNorm' not in loaded['secs']['basal_0']
    cfg = SimpleNamespace(cell=str(path), cellName=None, cellArgs=None, modFolder=None)
    assert catalogue.stored_weight_norm(cfg) == ['basal_0']
    assert catalogue.section_names(loaded) == list(cell['secs'])


@pytest.mark.parametrize(
    'content, message',
    [
        ('{"secs": {}}', 'is not a NetPyNE cellParams file'),
        ('{"net": {"params": {}}}', 'is not a NetPyNE cellParams file'),
        ('[1, 2]', 'is not a NetPyNE cellParams file'),
        ('{"secs": {"soma": ', 'cannot read cell file'),
    ],
)
def test_files_that_are_not_cell_params(tmp_path, content, message):
    path = tmp_path / 'bad.json'
    path.write_text(content)
    with pytest.raises(UserError, match=message):
        catalogue.cell_params(path)


def test_a_pickle_that_is_not_one(tmp_path):
    path = tmp_path / 'garbage.pkl'
    path.write_bytes(b'not a pickle')
    with pytest.raises(UserError, match='cannot read cell file'):
        catalogue.cell_params(path)


def test_missing_and_unknown_cell_specs(tmp_path):
    with pytest.raises(UserError, match='cell file not found'):
        catalogue.resolve_spec(str(tmp_path / 'absent.json'))
    with pytest.raises(UserError, match="unknown cell 'cell.txt'"):
        catalogue.resolve_spec('cell.txt')
    assert catalogue.resolve_spec('PT5B') == 'PT5B'


def test_soma_is_found_or_asked_for():
    cell = {'secs': {'dend': {}, 'soma': {}}}
    assert catalogue.find_soma(cell) == 'soma'
    assert catalogue.find_soma({'secs': {'dend': {}, 'soma_0': {}}}) == 'soma_0'
    assert catalogue.find_soma({'secs': {'dend': {}, 'cell_body': {}}}, 'cell_body') == 'cell_body'
    with pytest.raises(UserError, match='give --soma NAME; sections: dend, cell_body'):
        catalogue.find_soma({'secs': {'dend': {}, 'cell_body': {}}})
    with pytest.raises(UserError, match='give --soma'):
        catalogue.find_soma({'secs': {'soma_0': {}, 'soma_1': {}}})
    with pytest.raises(UserError, match="unknown section 'body'"):
        catalogue.find_soma(cell, 'body')


def test_sections_by_name_sec_list_all_and_exclude():
    cell = generate(1)
    assert catalogue.select_sections(cell, ['basal_0']) == ['basal_0']
    assert catalogue.select_sections(cell, ['basal']) == cell['secLists']['basal']
    assert catalogue.select_sections(cell, ['basal_0', 'basal']) == cell['secLists']['basal']
    everything = catalogue.select_sections(cell, ['all'], exclude=['axon'])
    assert everything == [name for name in cell['secs'] if not name.startswith('axon')]
    assert catalogue.select_sections(cell, ['apical'], exclude=['apic_tuft']) == [
        name for name in cell['secLists']['apical'] if not name.startswith('apic_tuft')
    ]
    with pytest.raises(UserError, match="unknown section 'oblique'.*secLists: somatic, axonal"):
        catalogue.select_sections(cell, ['oblique'])


def test_segment_centres():
    cell = {'secs': {'d': {'geom': {'nseg': 4}}, 's': {'geom': {}}}}
    assert catalogue.segment_locs(cell, 'd') == [0.125, 0.375, 0.625, 0.875]
    assert catalogue.segment_locs(cell, 's') == [0.5]


def test_user_mechanism_replaces_ours_of_the_same_name(tmp_path):
    assert mechanism_names(MOD_DIR / 'hd.mod') == {'hd'}
    (tmp_path / 'ih.mod').write_text('NEURON {\n  SUFFIX hd\n  NONSPECIFIC_CURRENT i\n}\n')
    (tmp_path / 'cad.mod').write_text('NEURON { SUFFIX cad }\n')
    names = [path.name for path in build_files(tmp_path)]
    assert names[:2] == ['cad.mod', 'ih.mod']
    assert 'hd.mod' not in names and 'nmda_mg.mod' in names and 'hh_ref.mod' in names


def test_a_mechanism_nobody_provides_is_named():
    cell = {'secs': {'soma': {'mechs': {'pas': {}, 'cad': {}}}}}
    with pytest.raises(UserError, match="mechanism 'cad' of section 'soma' is in no mod folder"):
        check_cell_mechanisms(cell, {'pas', 'hh'})


def test_synapse_files(tmp_path):
    path = tmp_path / 'syn.json'
    path.write_text(json.dumps({'AMPA': {'mod': 'Exp2Syn', 'tau2': 3.0, 'weightFraction': 0.7}}))
    entries = synapses.read_synapses(path)
    assert synapses.weight_fraction(entries['AMPA']) == 0.7
    assert synapses.neuron_params(entries['AMPA']) == {'mod': 'Exp2Syn', 'tau2': 3.0}
    assert synapses.weight_fraction({'mod': 'Exp2Syn'}) == 1.0
    with pytest.raises(UserError, match="'GABA' uses mechanism 'Exp3Syn', which no mod folder provides"):
        synapses.check_known({'GABA': {'mod': 'Exp3Syn'}}, {'Exp2Syn'})
    path.write_text('{"AMPA": ')
    with pytest.raises(UserError, match='is not valid JSON'):
        synapses.read_synapses(path)
    with pytest.raises(UserError, match='synapse file not found'):
        synapses.read_synapses(tmp_path / 'absent.json')


def test_section_groups_follow_sec_lists_then_names():
    cell = generate(1)
    groups = catalogue.section_groups(cell)
    assert groups['soma'] == 'somatic' and groups['basal_2_1'] == 'basal' and groups['apic_tuft_0_1'] == 'apical'
    assert catalogue.section_groups({'secs': {'dend_3': {}, 'soma': {}}}) == {'dend_3': 'dend', 'soma': 'soma'}


def test_the_example_synapse_files_give_each_convention():
    folder = Path(__file__).resolve().parent.parent / 'cells' / 'synapse_files'
    fractions = {
        path.stem: {label: synapses.weight_fraction(entry) for label, entry in synapses.read_synapses(path).items()}
        for path in sorted(folder.glob('*.json'))
    }
    assert fractions == {
        'ampa': {'AMPA': 1.0},
        'ampa_nmda_full': {'AMPA': 1.0, 'NMDA': 1.0},
        'ampa_nmda_split': {'AMPA': 0.5, 'NMDA': 0.5},
    }


def test_conductance_peaks_of_the_synapse_models():
    assert synapses.conductance_peak({'mod': 'Exp2Syn', 'tau1': 15.0, 'tau2': 150.0}) == pytest.approx(38.376, abs=1e-3)
    assert synapses.conductance_peak({'mod': 'Exp2Syn', 'tau1': 2.0, 'tau2': 2.0}) == 2.0
    assert synapses.conductance_peak({'mod': 'ExpSyn', 'tau': 2.0}) == 0.0
    assert synapses.conductance_peak({'mod': 'MyKineticSyn', 'kon': 1.0}) == float('inf')
    assert synapses.latest_peak({'a': {'mod': 'ExpSyn'}, 'b': {'mod': 'Exp2Syn', 'tau1': 1.0, 'tau2': 3.0}}) == pytest.approx(
        1.0 * 3.0 / 2.0 * np.log(3.0))


def test_the_heavy_cell_file_is_the_generator_s_and_active_throughout():
    from cells.generate_pyramidal import ACTIVE_DENDRITE, HEAVY_FILE, generate

    cell = json.loads(HEAVY_FILE.read_text())
    assert cell == json.loads(json.dumps(generate(seed=1, heavy=True)))
    segments = sum(sec['geom']['nseg'] for sec in cell['secs'].values())
    assert 700 <= segments <= 800
    dendrites = [name for name in cell['secs'] if name.startswith(('apic', 'basal'))]
    assert all(set(ACTIVE_DENDRITE) <= set(cell['secs'][name]['mechs']) for name in dendrites)
