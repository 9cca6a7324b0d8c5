"""Importing a user's NetPyNE network model as NetPyNE runs it (an M1-style model of our own:
netParams.py reads cfg from __main__, two excitatory cell types with different soma
names, an inhibitory synapse, its own mod folder)."""

import json
import sys

import pytest

from cells.model import load_model, model_mod_folder
from cells.network import cell_types, excitatory_synmechs
from tests.helpers import PROJECT, in_child, run_command
from wscale.errors import UserError

MODEL = PROJECT / 'tests' / 'fixtures' / 'm1_style'


def _read_model(cfg_path=None):
    import os

    import __main__

    before, cwd = getattr(__main__, 'cfg', None), os.getcwd()
    net_params, cfg = load_model(MODEL / 'netParams.py', cfg_path)
    return {
        'cell_params': sorted(net_params.cellParams),
        'sizes': (net_params.sizeY, cfg.sizeY),
        'cells': {label: pop['numCells'] for label, pop in net_params.popParams.items()},
        'restored': getattr(__main__, 'cfg', None) is before and 'cfg' not in sys.modules and os.getcwd() == cwd,
        'cell_types': cell_types(net_params),
        'excitatory': excitatory_synmechs(net_params),
        'pt5_sections': list(net_params.cellParams['PT5']['secs']),
        'stored': list(net_params.cellParams['IT2']['secs']['dend'].get('weightNorm', [])),
    }


def test_the_model_is_read_with_its_cfg_from_main():
    """Its cfg from __main__, its files (a hoc template, a cellParams file, a weightNorm
    pickle) found relative to its folder, with its mechanisms loaded; everything as it was
    afterwards."""
    model = in_child(_read_model)
    assert model['cell_params'] == ['IT2', 'PT5', 'PV']
    assert model['sizes'] == (1350.0, 1350.0) and model['cells']['IT2'] == 20
    assert model['restored']
    assert model['pt5_sections'] == ['soma_0', 'apic_0', 'apic_1', 'basal_0']
    assert model['stored'] == [0.6] * 7


def test_another_cfg_changes_the_model(tmp_path):
    other = tmp_path / 'cfg_small.py'
    other.write_text((MODEL / 'cfg.py').read_text().replace('cfg.scale = 1.0', 'cfg.scale = 0.5'))
    assert in_child(_read_model, other)['cells']['IT2'] == 10


def test_cell_types_with_their_somas_and_the_excitatory_synapses():
    model = in_child(_read_model)
    assert model['cell_types'] == {'IT2': 'soma', 'PT5': 'soma_0', 'PV': 'soma'}
    assert model['excitatory'] == ['AMPA', 'NMDA']
    assert model_mod_folder(MODEL / 'netParams.py') == MODEL / 'mod'


def test_the_mod_folder_as_models_keep_it(tmp_path):
    """Beside netParams.py, the .mod files beside it, or one level up (sim/netParams.py
    with mod/ at the model's root, as the M1 model keeps them)."""
    sim = tmp_path / 'model' / 'sim'
    sim.mkdir(parents=True)
    (sim / 'netParams.py').write_text('')
    assert model_mod_folder(sim / 'netParams.py') is None
    (tmp_path / 'model' / 'mod').mkdir()
    (tmp_path / 'model' / 'mod' / 'kdrm1.mod').write_text((MODEL / 'mod' / 'kdrm1.mod').read_text())
    assert model_mod_folder(sim / 'netParams.py') == tmp_path / 'model' / 'mod'
    (sim / 'nam1.mod').write_text((MODEL / 'mod' / 'nam1.mod').read_text())
    assert model_mod_folder(sim / 'netParams.py') == sim


def test_a_cell_type_of_the_model_runs_through_the_grid(tmp_path):
    """A cell type as the model defines it, with the model's own excitatory synapses and
    mod folder, measured by our command."""
    def export():
        net_params, _ = load_model(MODEL / 'netParams.py')
        synapses = {label: dict(net_params.synMechParams[label], weightFraction=0.5) for label in excitatory_synmechs(net_params)}
        return json.dumps(net_params.cellParams['PT5'], default=dict), synapses

    cell, synapses = in_child(export)
    cell_file = tmp_path / 'PT5.json'
    cell_file.write_text(cell)
    (tmp_path / 'synapses.json').write_text(json.dumps(synapses))
    proc = run_command('M1_grid_search.py', '--cell', cell_file, '--mod', MODEL / 'mod', '--synapses', tmp_path / 'synapses.json',
                       '--secs', 'apic_0', '--all-segments', '--search', 'target', '--engine', 'inline', '--out', tmp_path / 'out')
    assert proc.returncode == 0, proc.stderr[-3000:]
    table = json.loads((tmp_path / 'out' / 'weight_norm.json').read_text())
    assert set(table) == {'soma_0', 'apic_0'} and len(table['apic_0']) == 9
    assert table['apic_0'][-1] > table['apic_0'][0] > 0


@pytest.mark.parametrize('files, named', [
    ({'netParams.py': 'x = 1\n', 'cfg.py': 'from netpyne import specs\ncfg = specs.SimConfig()\n'},
     'is not a NetPyNE model: it defines no netParams'),
    ({'netParams.py': 'from netpyne import specs\nnetParams = specs.NetParams()\n'}, "the model's cfg not found"),
    ({'netParams.py': 'from __main__ import cfg\nfrom netpyne import specs\nnetParams = specs.NetParams()\nnetParams.x = cfg.nothing\n',
      'cfg.py': 'from netpyne import specs\ncfg = specs.SimConfig()\n'},
     "failed (line 4): AttributeError"),
    ({'netParams.py': 'x = 1\n', 'cfg.py': 'x = 2\n'}, 'defines no cfg'),
])
def test_what_is_not_a_netpyne_model_is_one_clear_error(tmp_path, files, named):
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    with pytest.raises(UserError, match=named.replace('(', r'\(').replace(')', r'\)')):
        in_child(load_model, tmp_path / 'netParams.py')


def _model_with_rules():
    from netpyne import specs

    net_params = specs.NetParams()
    for label, conds in (('PYR_rule', {'cellType': 'PYR'}), ('BAS_rule', {'cellType': 'BAS', 'cellModel': 'HH'}),
                         ('LONE', {'cellType': 'LONE'})):
        net_params.cellParams[label] = {'conds': conds, 'secs': {'soma': {'geom': {'L': 10, 'diam': 10}}}}
    net_params.popParams['L2'] = {'cellType': 'PYR', 'numCells': 5, 'ynormRange': [0.1, 0.3]}
    net_params.popParams['L5'] = {'cellType': 'PYR', 'numCells': 5, 'ynormRange': [0.5, 0.7]}
    net_params.popParams['BASK'] = {'cellType': 'BAS', 'cellModel': 'HH', 'numCells': 5}
    net_params.popParams['OWN'] = {'cellType': 'LONE_by_label', 'numCells': 1}
    net_params.synMechParams['AMPA'] = {'mod': 'Exp2Syn', 'e': 0.0}
    net_params.synMechParams['NMDA'] = {'mod': 'Exp2Syn', 'tau1': 15.0, 'tau2': 150.0, 'e': 0.0}
    net_params.synMechParams['GABA'] = {'mod': 'Exp2Syn', 'e': -80.0}
    split = {'synMech': ['AMPA', 'NMDA'], 'synMechWeightFactor': [0.5, 0.5], 'weight': 0.5}
    net_params.connParams['L2->L5'] = {'preConds': {'pop': 'L2'}, 'postConds': {'pop': 'L5'}, **split}
    net_params.connParams['L5->L2'] = {'preConds': {'pop': 'L5'}, 'postConds': {'cellType': 'PYR', 'ynorm': [0.1, 0.3]}, **split}
    net_params.connParams['L2->L2 AMPA'] = {'preConds': {'pop': 'L2'}, 'postConds': {'pop': 'L2'}, 'synMech': 'AMPA', 'weight': 1}
    net_params.connParams['PYR->BAS'] = {'preConds': {'cellType': 'PYR'}, 'postConds': {'cellType': ['BAS', 'X']},
                                         'synMech': 'AMPA', 'weight': 0.3}
    net_params.connParams['BAS->PYR'] = {'preConds': {'pop': 'BASK'}, 'postConds': {'cellType': 'PYR'},
                                         'synMech': 'GABA', 'weight': 0.01}
    return net_params


def test_each_cell_type_takes_the_synapse_of_the_rules_onto_it():
    from cells.network import synapses_of_cell_types
    from cells.rules import populations_of, rule_synapses, synapse_of_rules

    net_params = _model_with_rules()
    assert list(populations_of(net_params, 'PYR_rule')) == ['L2', 'L5'] and list(populations_of(net_params, 'BAS_rule')) == ['BASK']
    excitatory = excitatory_synmechs(net_params)
    rules = rule_synapses(net_params, 'PYR_rule', excitatory)
    assert rules == [('L2->L5', ('AMPA', 'NMDA'), (0.5, 0.5)), ('L5->L2', ('AMPA', 'NMDA'), (0.5, 0.5)),
                     ('L2->L2 AMPA', ('AMPA',), (1.0,))]
    (kind, used, others) = synapse_of_rules(rules)
    assert kind == (('AMPA', 'NMDA'), (0.5, 0.5)) and used == ['L2->L5', 'L5->L2'] and others == {(('AMPA',), (1.0,)): ['L2->L2 AMPA']}
    chosen = synapses_of_cell_types(net_params, ['PYR_rule', 'BAS_rule', 'LONE'])
    pyr, note, warning = chosen['PYR_rule']
    assert {label: entry['weightFraction'] for label, entry in pyr.items()} == {'AMPA': 0.5, 'NMDA': 0.5}
    assert note == 'PYR_rule: AMPA x0.5, NMDA x0.5 from rules L2->L5, L5->L2'
    assert warning == ('warning: the excitatory rules onto PYR_rule use different synapses: measured with AMPA x0.5, '
                       'NMDA x0.5 (2 of 3 rules); L2->L2 AMPA uses AMPA x1; choose with --synmechs and --weight-fractions')
    bas, note, warning = chosen['BAS_rule']
    assert list(bas) == ['AMPA'] and note == 'BAS_rule: AMPA x1 from rule PYR->BAS' and warning is None
    lone, note, _ = chosen['LONE']
    assert list(lone) == ['AMPA', 'NMDA'] and 'no excitatory connParams rule onto it' in note
