"""Importing a user's NetPyNE network model as NetPyNE runs it (an M1-style model of our own:
netParams.py reads cfg from __main__, two excitatory cell types with different soma
names, an inhibitory synapse, its own mod folder)."""

import json
import sys

import pytest

from cells.network import cell_types, excitatory_synmechs, load_model, model_mod_folder
from errors import UserError
from tests.helpers import PROJECT, run_command

MODEL = PROJECT / 'tests' / 'fixtures' / 'm1_style'


def test_the_model_is_read_with_its_cfg_from_main():
    import __main__

    before = getattr(__main__, 'cfg', None)
    net_params, cfg = load_model(MODEL / 'netParams.py')
    assert set(net_params.cellParams) == {'IT2', 'PT5', 'PV'}
    assert net_params.sizeY == cfg.sizeY == 1350.0
    assert net_params.popParams['IT2']['numCells'] == 20
    assert getattr(__main__, 'cfg', None) is before and 'cfg' not in sys.modules


def test_another_cfg_changes_the_model(tmp_path):
    other = tmp_path / 'cfg_small.py'
    other.write_text((MODEL / 'cfg.py').read_text().replace('cfg.scale = 1.0', 'cfg.scale = 0.5'))
    net_params, cfg = load_model(MODEL / 'netParams.py', other)
    assert cfg.scale == 0.5 and net_params.popParams['IT2']['numCells'] == 10


def test_cell_types_with_their_somas_and_the_excitatory_synapses():
    net_params, _ = load_model(MODEL / 'netParams.py')
    assert cell_types(net_params) == {'IT2': 'soma', 'PT5': 'soma_0', 'PV': 'soma'}
    assert excitatory_synmechs(net_params) == ['AMPA', 'NMDA']
    assert model_mod_folder(MODEL / 'netParams.py') == MODEL / 'mod'


def test_a_cell_type_of_the_model_runs_through_the_grid(tmp_path):
    """A cell type as the model defines it, with the model's own excitatory synapses and
    mod folder, measured by our command."""
    net_params, _ = load_model(MODEL / 'netParams.py')
    cell_file = tmp_path / 'PT5.json'
    cell_file.write_text(json.dumps(net_params.cellParams['PT5'], default=dict))
    synapses = {label: dict(net_params.synMechParams[label], weightFraction=0.5) for label in excitatory_synmechs(net_params)}
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
        load_model(tmp_path / 'netParams.py')
