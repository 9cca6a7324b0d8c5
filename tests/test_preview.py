"""--preview: weights predicted from the impedances and the synapse's current, without
synaptic simulations of the cell; against a compartment solved directly, and against a
targeted search on a cell with passive dendrites."""

import json

import numpy as np
import pandas as pd
import pytest

from analysis import preview
from tests.helpers import PROJECT, assert_one_line_error, in_child, run_command, run_in_child

STEP = 0.1  # ms
COUNT = 4096


def compartment_epsp(weight, conductance, reversal, rest, resistance, tau):
    """A single RC compartment (MOhm, ms) at rest (mV) with a synaptic conductance
    weight x conductance(t) (uS), integrated finely by exponential Euler: peak depolarisation (mV)."""
    fine = 100
    dt = STEP / fine
    v, peak = 0.0, 0.0
    for sample in range(conductance.size):
        for _ in range(fine):
            g = weight * conductance[sample]
            # C dv/dt = -v / R + g (E - rest - v), with C = tau / R
            rate = 1.0 / tau + g * resistance / tau
            steady = g * (reversal - rest) * resistance / tau / rate
            v = steady + (v - steady) * np.exp(-rate * dt)
            peak = max(peak, v)
    return peak


@pytest.mark.unit
def test_the_prediction_solves_the_driving_force_of_a_compartment():
    """Input impedance = transfer impedance = R / (1 + i 2 pi f tau): the prediction's EPSP
    equals the compartment's, solved directly, within 0.5 %, at a weight where the driving
    force falls by a third."""
    resistance, tau, rest, reversal = 500.0, 10.0, -70.0, 0.0
    samples = 600
    t = (np.arange(samples) + 0.5) * STEP
    conductance = np.exp(-t / 5.0) - np.exp(-t / 0.5)
    levels = np.array([-120.0, -60.0, 0.0, 40.0])
    unit_current = conductance[None, :] * (reversal - levels[:, None])  # nA per uS at each level
    frequencies = np.concatenate([[0.0], np.logspace(0, np.log10(5000.0), 160)])
    impedance = resistance / (1 + 2j * np.pi * frequencies * tau / 1000.0)
    spectrum = preview.spectrum(frequencies, np.abs(impedance)[None], np.angle(impedance)[None], COUNT, STEP)
    local = preview.kernel(spectrum, COUNT, samples, STEP)
    for weight in (0.0005, 0.02):
        predicted = preview.somatic_epsp(np.array([weight]), unit_current, levels, np.array([rest]), local, local)
        direct = compartment_epsp(weight, conductance, reversal, rest, resistance, tau)
        assert predicted[0] == pytest.approx(direct, rel=0.005)
    assert direct > 20.0  # the second weight's depolarisation is a third of the driving force
    weights, epsps, slopes = preview.weight_at_target(np.array(direct), np.array([0.001]), unit_current, levels,
                                              np.array([rest]), local, local)
    assert weights[0] == pytest.approx(0.02, rel=0.005) and 0 < slopes[0] < 1  # sublinear: the driving force falls
    weights, epsps, _ = preview.weight_at_target(200.0, np.array([0.001]), unit_current, levels, np.array([rest]), local,
                                              local, cap=0.05)
    assert weights[0] == 0.05 and epsps[0] < 200.0  # unreachable below the cap: the cap


def passive_cell(tmp_path):
    """The generated cell with every mechanism but pas taken out."""
    cell = json.loads((PROJECT / 'cells' / 'pyramidal.json').read_text())
    for sec in cell['secs'].values():
        sec['mechs'] = {mech: params for mech, params in sec.get('mechs', {}).items() if mech == 'pas'}
    path = tmp_path / 'passive.json'
    path.write_text(json.dumps(cell))
    return path


def test_preview_against_a_targeted_search_on_a_passive_cell(tmp_path):
    """Preview and search at every segment of the soma, a basal, an oblique and a tuft
    section of the generated cell made passive, with the AMPA+NMDA synapse of cfg.py:
    the weights within 1 % at each place. The preview's files are a run's files,
    marked as a preview."""
    cell = passive_cell(tmp_path)
    places = ['--cell', cell, '--secs', 'soma', 'basal_0', 'apic_trunk_2', 'apic_tuft_0_0', '--all-segments']
    previewed = run_command('M1_grid_search.py', *places, '--preview', '--out', tmp_path / 'preview')
    assert previewed.returncode == 0, previewed.stderr
    searched = run_command('M1_grid_search.py', *places, '--search', 'target', '--out', tmp_path / 'search')
    assert searched.returncode == 0, searched.stderr
    predicted = pd.read_json(tmp_path / 'preview' / 'summary.json').set_index(['sec', 'loc'])
    found = pd.read_json(tmp_path / 'search' / 'summary.json').set_index(['sec', 'loc'])
    assert predicted['in_range'].all() and found['in_range'].all() and len(predicted) == len(found) > 20
    error = (predicted['weight_at_target'] / found['weight_at_target'] - 1).abs()
    assert error.max() < 0.01, error.sort_values().tail()
    assert predicted['search'].str.startswith('preview').all()
    run = json.loads((tmp_path / 'preview' / 'run.json').read_text())
    assert run['engine'] == 'preview' and run['preview'] is True
    assert 'preview' in previewed.stdout and (tmp_path / 'preview' / 'weight_norm.pkl').is_file()
    records = json.loads((tmp_path / 'preview' / 'results.json').read_text())
    assert len(records) == len(predicted) and all(record['preview'] for record in records)
    # the search's own predictions, from its model restarted at the saved state, are the
    # preview's from a run from 0 ms; with them the search mostly lands at once
    places = list(predicted.index)
    restarted = in_child(_predicted_by_a_search_model, tmp_path / 'search', places)
    assert [restarted[place][0] for place in places] == pytest.approx(list(predicted['weight_at_target']), rel=1e-6)
    assert found['simulations'].mean() < 1.2


def _predicted_by_a_search_model(out, places):
    from wscale.measure import measurement
    from wscale.run import point
    from wscale.run.spec import RunSpec
    from wscale.search import preview

    cfg = RunSpec.read(out / 'run_spec.json').cfg()
    cfg.sec, cfg.loc = places[-1]
    cfg.weight = cfg.searchFirstWeight
    unit = preview.synapse_current(cfg, preview.PREVIEW)
    measurer = measurement.Measurer(cfg, point.load_net_params(None, cfg))
    return preview.predicted_by(measurer, places, unit, preview.PREVIEW)


@pytest.mark.unit
@pytest.mark.parametrize('clash', [['--cluster', 'slurm'], ['--engine', 'batch'], ['--search', 'grid'], ['--cvode']])
def test_preview_goes_without_another_engine(clash):
    proc = run_in_child('M1_grid_search.py', '--preview', *clash)
    assert_one_line_error(proc, '--preview')
