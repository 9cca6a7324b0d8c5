"""weight_norm.pkl from a real grid, loaded by a real NetPyNE network."""

import json
import pickle
import textwrap

import pandas as pd
import pytest

from analysis.weight_norm import netpyne_segment_index
from tests.helpers import assert_one_line_error, png_size, run_command, run_in_child

NSEG = {'soma': 1, 'dendrite': 9}

# Builds a cell in NetPyNE with the weightNorm file (its soma renamed if asked), one NetStim
# connection per location given on one section, and prints {loc: NetCon weight}.
NETPYNE_CHECK = textwrap.dedent(
    '''
    import json, sys
    from cells.mechanisms import load_mechanisms
    load_mechanisms()
    from netpyne import sim, specs
    from cells import catalogue
    from cells.weight_norm import add_weight_norm

    path, spec, target, soma_name, use_helper = sys.argv[1:5] + [sys.argv[5] == 'helper']
    locs = [float(x) for x in sys.argv[6:]]
    cell = catalogue.cell_params(spec)
    if soma_name not in cell['secs']:
        cell['secs'][soma_name] = cell['secs'].pop('soma')
        for sec in cell['secs'].values():
            if sec.get('topol', {}).get('parentSec') == 'soma':
                sec['topol']['parentSec'] = soma_name
    netParams = specs.NetParams()
    netParams.cellParams['PT5B'] = cell
    if use_helper:
        add_weight_norm(netParams, 'PT5B', path)
    else:
        netParams.addCellParamsWeightNorm('PT5B', path)
    netParams.popParams['cell'] = {'cellType': 'PT5B', 'numCells': 1}
    netParams.synMechParams['AMPA'] = {'mod': 'Exp2Syn', 'tau1': 0.05, 'tau2': 5.3, 'e': 0}
    netParams.stimSourceParams['spike'] = {'type': 'NetStim', 'start': 100, 'number': 1, 'interval': 1e9, 'noise': 0}
    for i, loc in enumerate(locs):
        netParams.stimTargetParams[f'spike{i}'] = {
            'source': 'spike', 'conds': {'pop': 'cell'}, 'sec': target, 'loc': loc,
            'synMech': 'AMPA', 'weight': 0.5, 'delay': 1,
        }
    cfg = specs.SimConfig({'duration': 10, 'verbose': False})
    sim.create(netParams=netParams, simConfig=cfg, output=False)
    weights = {}
    for conn in sim.net.cells[0].conns:
        weights[conn['loc']] = conn['hObj'].weight[0]
    print('WEIGHTS ' + json.dumps(weights))
    '''
)


def netcon_weights(path, cell, sec, soma_name, how, locs):
    """{loc: weight} of NetPyNE NetCons of weight 0.5 onto ``sec`` of ``cell`` with the
    weightNorm file ``path`` loaded by NetPyNE ('netpyne') or by our helper ('helper')."""
    proc = run_command('-c', NETPYNE_CHECK, path, cell, sec, soma_name, how, *map(repr, locs))
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = next(line for line in proc.stdout.splitlines() if line.startswith('WEIGHTS '))
    return {float(loc): weight for loc, weight in json.loads(line[len('WEIGHTS '):]).items()}


@pytest.fixture(scope='module')
def dendrite_run(tmp_path_factory):
    out = tmp_path_factory.mktemp('wn') / 'results'
    proc = run_command(
        'M1_grid_search.py', '--secs', 'dendrite', '--all-segments', '--weights', '0.001', '0.002', '--out', out,
        '--engine', 'inline',
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def test_every_segment_centre_is_searched_with_the_soma(dendrite_run):
    points = pd.read_json(dendrite_run / 'results.json')
    assert len(points) == 2 * (1 + 9)
    assert sorted(points.query("sec == 'dendrite'")['loc'].unique()) == pytest.approx([(i + 0.5) / 9 for i in range(9)])
    summary = pd.read_json(dendrite_run / 'summary.json')
    dendrite = summary.query("sec == 'dendrite'").sort_values('loc')
    assert dendrite['distance_um'].is_monotonic_increasing
    assert dendrite['distance_um'].iloc[0] == pytest.approx(24.0 + 500.0 / 18)


def test_weight_norm_files_hold_one_value_per_segment(dendrite_run):
    with open(dendrite_run / 'weight_norm.pkl', 'rb') as stream:
        table = pickle.load(stream)
    assert table == json.loads((dendrite_run / 'weight_norm.json').read_text())
    assert {sec: len(values) for sec, values in table.items()} == NSEG
    summary = pd.read_json(dendrite_run / 'summary.json').sort_values('loc')
    for sec in NSEG:
        expected = summary.query('sec == @sec')['weight_at_target'] / 0.5
        assert table[sec] == pytest.approx(list(expected))
    assert table['dendrite'] == sorted(table['dendrite'])


def test_netpyne_scales_connections_by_the_value_it_indexes(dendrite_run):
    path = dendrite_run / 'weight_norm.pkl'
    with open(path, 'rb') as stream:
        table = pickle.load(stream)
    locs = [(i + 0.5) / 9 for i in range(9)] + [0.3, 1.0]
    weights = netcon_weights(path, 'PT5B', 'dendrite', 'soma', 'netpyne', locs)
    for loc in locs:
        expected = 0.5 * table['dendrite'][netpyne_segment_index(loc, 9)]
        assert weights[loc] == pytest.approx(expected, rel=1e-12)


def test_netpyne_ignores_the_file_without_a_soma_section_and_the_helper_does_not(dendrite_run):
    path = dendrite_run / 'weight_norm.pkl'
    with open(path, 'rb') as stream:
        table = pickle.load(stream)
    renamed = dendrite_run / 'renamed_soma.pkl'
    with open(renamed, 'wb') as stream:
        pickle.dump({('cell_body' if sec == 'soma' else sec): values for sec, values in table.items()}, stream)
    loc = 1.5 / 9
    assert netcon_weights(renamed, 'PT5B', 'dendrite', 'cell_body', 'netpyne', [loc])[loc] == pytest.approx(0.5)
    helped = netcon_weights(renamed, 'PT5B', 'dendrite', 'cell_body', 'helper', [loc])[loc]
    assert helped == pytest.approx(0.5 * table['dendrite'][netpyne_segment_index(loc, 9)])


def test_all_segments_and_locs_exclude_each_other(tmp_path):
    out = tmp_path / 'out'
    proc = run_command('M1_grid_search.py', '--all-segments', '--locs', '0.5', '--out', out)
    assert_one_line_error(proc, '--all-segments')
    assert not out.exists()


def test_plots_are_written(dendrite_run):
    for name in ('epsp_vs_weight.png', 'weight_norm_vs_distance.png'):
        assert png_size(dendrite_run / name) == (840, 540)  # 7 x 4.5 inches at 120 dpi


def test_fill_factor_fills_or_leaves_out_the_sections_with_unreached_segments(tmp_path):
    grid = ['--secs', 'axon_1', '--all-segments', '--weights', '0.001', '0.002', '--engine', 'inline']
    filled = run_command('M1_grid_search.py', *grid, '--fill-factor', '2.5', '--out', tmp_path / 'filled')
    assert filled.returncode == 0, filled.stderr
    summary = pd.read_json(tmp_path / 'filled' / 'summary.json', precise_float=True).set_index('sec')
    soma = summary.loc['soma', 'weight_norm']
    axon = summary.loc['axon_1']
    unreached = axon[~axon['in_range']]
    assert len(unreached) >= 3 and unreached['filled'].all() and not axon[axon['in_range']]['filled'].any()
    assert unreached['reason'].str.startswith('target above the grid: the largest weight, 0.002 uS, gives').all()
    with open(tmp_path / 'filled' / 'weight_norm.pkl', 'rb') as stream:
        table = pickle.load(stream)
    assert len(table['axon_1']) == len(axon)
    assert table['axon_1'][-1] == pytest.approx(2.5 * soma) and unreached['weight_norm'].to_numpy() == pytest.approx(2.5 * soma)
    assert f'filled {len(unreached)} segments without a weight with 2.5 x the soma' in filled.stdout

    left = run_command('M1_grid_search.py', *grid, '--fill-factor', 'none', '--out', tmp_path / 'left')
    assert left.returncode == 0, left.stderr
    with open(tmp_path / 'left' / 'weight_norm.pkl', 'rb') as stream:
        assert list(pickle.load(stream)) == ['soma']
    assert 'warning: 1 sections left out of weightNorm (NetPyNE applies no factor there): axon_1 (no weight at' in left.stderr
    assert not pd.read_json(tmp_path / 'left' / 'summary.json')['filled'].any()


@pytest.mark.parametrize('value', ['0', '-1', 'nan', 'four'])
def test_a_bad_fill_factor_is_one_line(tmp_path, value):
    out = tmp_path / 'out'
    assert_one_line_error(run_in_child('M1_grid_search.py', '--fill-factor', value, '--out', out), f"got '{value}'")
    assert not out.exists()
