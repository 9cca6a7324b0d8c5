"""The transfer impedances a targeted search predicts its first weights with: on a passive
cell, the EPSP of a small, lasting conductance at a place is the weight times the
driving force times the transfer impedance from there to the soma."""

import json

import pandas as pd
import pytest

from tests.helpers import in_child, run_command

G_PAS, E_PAS = 1e-3, -70.0  # S/cm2, mV: a membrane time constant of 1 ms, at rest long before the event
PASSIVE = {'secs': {
    'soma': {'geom': {'diam': 20.0, 'L': 20.0, 'Ra': 150.0, 'cm': 1.0, 'nseg': 1},
             'mechs': {'pas': {'g': G_PAS, 'e': E_PAS}}},
    'dend': {'geom': {'diam': 1.0, 'L': 600.0, 'Ra': 150.0, 'cm': 1.0, 'nseg': 21},
             'mechs': {'pas': {'g': G_PAS, 'e': E_PAS}},
             'topol': {'parentSec': 'soma', 'parentX': 1.0, 'childX': 0.0}},
}}
STEP = {'STEP': {'mod': 'Exp2Syn', 'tau1': 0.5, 'tau2': 1e6, 'e': 0.0}}  # a conductance that stays on
WEIGHT = 1e-5  # uS: a small EPSP, so that the driving force stays E_PAS


def _transfers(out, places):
    from wscale.measure import measurement
    from wscale.run import point
    from wscale.run.spec import RunSpec

    cfg = RunSpec.read(out / 'run_spec.json').cfg()
    cfg.sec, cfg.loc, cfg.weight = places[0][0], places[0][1], WEIGHT
    measurer = measurement.Measurer(cfg, point.load_net_params(None, cfg))
    return [measurer.transfer(sec, loc) for sec, loc in places]


def test_the_epsp_of_a_small_lasting_conductance_is_weight_x_driving_force_x_transfer_impedance(tmp_path):
    cell, synapse, out = tmp_path / 'passive.json', tmp_path / 'step.json', tmp_path / 'out'
    cell.write_text(json.dumps(PASSIVE))
    synapse.write_text(json.dumps(STEP))
    proc = run_command('M1_grid_search.py', '--cell', cell, '--synapses', synapse, '--secs', 'soma', 'dend',
                       '--locs', '0.1', '0.5', '0.9', '--weights', WEIGHT, '--engine', 'inline', '--jobs', '1',
                       '--out', out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    points = pd.read_json(out / 'results.json', precise_float=True)
    places = [(sec, loc) for sec, loc in zip(points['sec'], points['loc'])]
    transfers = in_child(_transfers, out, places)
    predicted = [WEIGHT * (0.0 - E_PAS) * transfer for transfer in transfers]  # uS x mV x MOhm = mV
    assert points['epsp'].to_numpy() == pytest.approx(predicted, rel=0.01)
    assert transfers[-1] < transfers[0] / 1.5  # far out on the dendrite: a smaller transfer impedance
