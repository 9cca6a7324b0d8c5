"""--validate N: the weightNorm written, applied as NetPyNE applies it and exactly."""

import json

import numpy as np
import pandas as pd
import pytest

from analysis.weight_norm import draw_places, segment_index, validation_verdict
from cells.generate_pyramidal import DEFAULT_FILE
from tests.helpers import assert_one_line_error, in_child, png_size, run_command, run_in_child
from wscale.search.validation import verdict_line


@pytest.mark.unit
def test_places_are_drawn_as_networks_place_them_and_again_with_the_same_seed():
    lengths, nsegs = {'short': 100.0, 'long': 300.0}, {'short': 3, 'long': 9}
    first = draw_places(lengths, nsegs, 6000, np.random.default_rng(7))
    assert first == draw_places(lengths, nsegs, 6000, np.random.default_rng(7))
    assert first != draw_places(lengths, nsegs, 6000, np.random.default_rng(8))
    share = sum(sec == 'long' for sec, _, _ in first) / len(first)
    assert share == pytest.approx(0.75, abs=0.03)
    by_placement = {}
    for sec, loc, placement in first:
        by_placement.setdefault(placement, []).append((sec, loc))
    assert {name: len(places) for name, places in by_placement.items()} == {'uniform': 2000, 'centre': 2000,
                                                                           'near an end': 2000}
    uniform = np.array([loc for _, loc in by_placement['uniform']])
    assert 0 <= uniform.min() and uniform.max() < 1 and np.mean(uniform) == pytest.approx(0.5, abs=0.02)
    for sec, loc in by_placement['centre']:
        assert (loc * nsegs[sec] - 0.5) == pytest.approx(round(loc * nsegs[sec] - 0.5), abs=1e-12)
    assert {(sec, int(loc * nsegs[sec] - 0.5)) for sec, loc in by_placement['centre']} == \
        {(sec, i) for sec in nsegs for i in range(nsegs[sec])}
    ends = [(sec, loc) for sec, loc in by_placement['near an end']]
    assert all(min(loc, 1 - loc) <= 0.5 / nsegs[sec] for sec, loc in ends)
    assert {loc < 0.5 for _, loc in ends} == {True, False}


@pytest.mark.unit
def test_the_segment_holding_a_location():
    assert [segment_index(loc, 4) for loc in (0.0, 0.24, 0.25, 0.6, 0.99, 1.0)] == [0, 0, 1, 2, 3, 3]


@pytest.mark.unit
def test_verdict_of_synthetic_rows():
    rows = [
        {'sec': 'a', 'loc': 0.1, 'target': 0.5, 'epsp_netpyne': 0.55, 'epsp_loaded': 0.5, 'epsp_exact': 0.5},
        {'sec': 'b', 'loc': 0.2, 'target': 0.5, 'epsp_netpyne': 0.5, 'epsp_loaded': 0.501, 'epsp_exact': 0.501},
        {'sec': 'c', 'loc': 0.3, 'target': 0.5, 'epsp_netpyne': 0.49, 'epsp_loaded': 0.49, 'epsp_exact': None},
        {'sec': 'tuft', 'loc': 0.9, 'target': 0.5, 'epsp_netpyne': 0.1, 'epsp_loaded': 0.1, 'epsp_exact': 0.1,
         'filled': True},
    ]
    verdict = validation_verdict(rows)
    assert verdict['filled'] == 1
    line = verdict_line(rows, verdict, (3, 7))
    assert line.startswith(
        'validation at 4 random places on the 3 of 7 sections the file covers, placed as networks place them (1 on '
        "segments filled with --fill-factor x the soma's weightNorm, where no weight reaches the target, left out of "
        'the figures), EPSP off the target with')
    assert "NetPyNE's own lookup: median 2.00 %, worst 10.00 % at a(0.100)" in line
    assert 'the loading lines: median 0.20 %, worst 2.00 % at c(0.300)' in line
    assert verdict['loaded']['worst'] == pytest.approx(0.02) and verdict['loaded']['failed'] == 0
    assert verdict['netpyne']['worst'] == pytest.approx(0.1) and verdict['netpyne']['worst_place'] == ('a', 0.1)
    assert verdict['netpyne']['median'] == pytest.approx(0.02) and verdict['netpyne']['failed'] == 0
    assert verdict['exact']['worst'] == pytest.approx(0.002) and verdict['exact']['failed'] == 1


@pytest.fixture(scope='module')
def validated(tmp_path_factory):
    """Every segment of the generated cell's basal dendrites (and soma) by targeted search,
    then 20 random synapses."""
    out = tmp_path_factory.mktemp('validated') / 'out'
    proc = run_command(
        'M1_grid_search.py', '--cell', DEFAULT_FILE, '--secs', 'basal', '--all-segments', '--search', 'target',
        '--engine', 'inline', '--validate', '20', '--out', out,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc, out


def test_the_exact_factors_give_the_target(validated):
    proc, out = validated
    rows = pd.read_json(out / 'validation.json', precise_float=True)
    assert len(rows) == 20 and rows['error'].isna().all()
    assert {'sec', 'loc', 'placement', 'segment', 'distance_um', 'epsp_netpyne', 'epsp_loaded', 'epsp_exact',
            'target'} <= set(rows.columns)
    assert set(rows['placement']) == {'uniform', 'centre', 'near an end'}
    for lookup in ('loaded', 'exact'):
        off = (rows[f'epsp_{lookup}'] - 0.5).abs() / 0.5
        assert (off <= 0.01).mean() >= 0.95
    assert 'validation at 20 random places on the 16 of 37 sections the file covers, placed as networks place them, ' \
           "EPSP off the target with NetPyNE's own lookup: median" in proc.stdout
    assert png_size(out / 'validation.png') == (1560, 540)  # three panels, 13 x 4.5 inches at 120 dpi
    assert png_size(out / 'weight_norm_map.png') == (720, 840)
    assert 'on the cell: weight_norm_map.png' in proc.stdout
    assert set(rows['sec']) <= set(json.loads((out / 'weight_norm.json').read_text()))


def test_each_lookup_applies_the_factor_of_its_own_segment(validated):
    """Where NetPyNE reads another segment's factor, its EPSP is off by that factor's
    ratio to the segment's own (the EPSP is close to proportional to the weight here);
    where it reads the same one, both simulations are the same. With the loading lines,
    every place gets the EPSP of its own segment's factor."""
    _, out = validated
    rows = pd.read_json(out / 'validation.json', precise_float=True)
    table = json.loads((out / 'weight_norm.json').read_text())
    for _, row in rows.iterrows():
        assert row['factor_exact'] == table[row['sec']][row['segment']]
    same = rows['segment'] == rows['netpyne_segment']
    assert same.any() and (~same).any()
    assert rows.loc[same, 'epsp_netpyne'].to_numpy() == pytest.approx(rows.loc[same, 'epsp_exact'].to_numpy(), rel=1e-9)
    assert rows['epsp_loaded'].to_numpy() == pytest.approx(rows['epsp_exact'].to_numpy(), rel=1e-9)
    other = rows[~same]
    predicted = other['factor_netpyne'] / other['factor_exact']
    assert (other['epsp_netpyne'] / other['epsp_exact']).to_numpy() == pytest.approx(predicted.to_numpy(), rel=0.03)
    assert (predicted - 1).abs().max() > 0.03  # the test could tell a wrong segment apart


def test_validation_after_the_batch_engine(tmp_path):
    out = tmp_path / 'out'
    proc = run_command('M1_grid_search.py', '--secs', 'dendrite', '--all-segments', '--weights', '0.001', '0.0015', '0.002',
                       '--validate', '5', '--out', out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    rows = pd.read_json(out / 'validation.json', precise_float=True)
    assert len(rows) == 5 and rows['epsp_exact'].notna().all()
    # the weights come from interpolating a 3-weight grid: within 2 % of the target
    assert ((rows['epsp_exact'] - 0.5).abs() < 0.01).all()
    # the validation stage: from the files of the search (load_weight_norm.py last) to its own
    seconds = json.loads((out / 'run.json').read_text())['seconds']['validation']
    span = (out / 'validation.png').stat().st_mtime - (out / 'load_weight_norm.py').stat().st_mtime
    assert 0.8 * span <= seconds <= span + 0.01


@pytest.mark.parametrize('args, named', [
    (['--validate', '0'], '--validate must be at least 1 place, got 0'),
    (['--validate', 'x'], "--validate: invalid int value: 'x'"),
])
def test_bad_validate_is_one_line(tmp_path, args, named):
    proc = run_in_child('M1_grid_search.py', '--secs', 'soma', *args, '--out', tmp_path / 'out')
    assert_one_line_error(proc, named)
    assert not (tmp_path / 'out').exists()


def _from_scratch(out, rows):
    """Each row's three EPSPs as the validation simulated them before it reused a model:
    a whole NetPyNE build and 1000 ms run per synapse, the cell carrying the file for the
    two lookups, the segment's own factor on the weight for the third."""
    from wscale.measure import measurement
    from wscale.run import point
    from wscale.run.spec import RunSpec

    spec = RunSpec.read(out / 'run_spec.json')
    epsps = []
    for row in rows:
        for lookup in ('netpyne', 'loaded', 'exact'):
            cfg = spec.cfg()
            cfg.sec, cfg.loc = row['sec'], row['loc']
            cfg.weight = row['target'] * (row['factor_exact'] if lookup == 'exact' else 1.0)
            if lookup != 'exact':
                cfg.weightNormFile, cfg.weightNormLookup = str(out / 'weight_norm.pkl'), lookup
            epsps.append(measurement.measure(cfg, point.load_net_params(None, cfg))['epsp'])
    return epsps


def test_validation_from_the_saved_state_equals_validation_from_scratch(validated):
    _, out = validated
    rows = pd.read_json(out / 'validation.json', precise_float=True)
    table = json.loads((out / 'weight_norm.json').read_text())
    # the factors NetPyNE put on the synapses are those its lookup reads
    assert rows['factor_netpyne'].tolist() == [table[sec][read] for sec, read in zip(rows['sec'], rows['netpyne_segment'])]
    assert rows['factor_loaded'].to_numpy() == pytest.approx(rows['factor_exact'].to_numpy(), rel=1e-12)
    chosen = pd.concat([rows[rows['segment'] != rows['netpyne_segment']].head(2), rows.head(2)]).to_dict('records')
    scratch = in_child(_from_scratch, out, chosen)
    reused = [row[f'epsp_{lookup}'] for row in chosen for lookup in ('netpyne', 'loaded', 'exact')]
    assert reused == pytest.approx(scratch, rel=1e-6)
