"""Cells from hoc and Python templates and from .swc and .asc morphologies, run for real."""

import json
import math

import pytest

from tests.helpers import PROJECT, assert_one_line_error, run_command
from wscale.run.point import load_cfg

HOC_TEMPLATE = '''
begintemplate BallStick
public soma, dend
create soma, dend
proc init() {
  create soma, dend
  connect dend(0), soma(1)
  soma { L = $1  diam = $1  insert hh }
  dend { L = 300  diam = 1  nseg = 11  insert pas  g_pas = 5e-5  e_pas = -65 }
}
endtemplate BallStick
'''

PY_TEMPLATE = '''
from neuron import h


class BallStick:
    def __init__(self, soma_um=20.0):
        self.soma = h.Section(name='soma', cell=self)
        self.dend = h.Section(name='dend', cell=self)
        self.dend.connect(self.soma(1))
        self.soma.L = self.soma.diam = soma_um
        self.soma.insert('hh')
        self.dend.L, self.dend.diam, self.dend.nseg = 300, 1, 11
        self.dend.insert('pas')
        for seg in self.dend:
            seg.pas.g, seg.pas.e = 5e-5, -65
'''

SWC = '''# soma, one forked dendrite, an axon
1 1 0 0 0 8 -1
2 3 0 8 0 1 1
3 3 0 60 0 1 2
4 3 20 100 0 0.8 3
5 3 -20 110 0 0.8 3
6 2 0 -8 0 0.5 1
7 2 0 -100 0 0.5 6
'''

ASC = '''("CellBody"
  (Closed)
  (CellBody)
  (  -8  0  0  0.5)
  (  0  8  0  0.5)
  (  8  0  0  0.5)
  (  0  -8  0  0.5)
)
( (Dendrite)
  (  0  8  0  2)
  (  0  60  0  2)
  (
    (  20  100  0  1)
    (  30  140  0  1)
  |
    (  -20  110  0  1)
    (  -30  150  0  1)
  )
)
'''


def run_point(*args):
    proc = run_command('init.py', *args)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout)


@pytest.fixture
def files(tmp_path):
    for name, text in (('ballstick.hoc', HOC_TEMPLATE), ('ballstick.py', PY_TEMPLATE), ('cell.swc', SWC), ('cell.asc', ASC)):
        (tmp_path / name).write_text(text)
    return tmp_path


# the hoc template's cell as cellParams, for the plain-NEURON reference
BALL_STICK = {'secs': {
    'soma': {'geom': {'L': 20, 'diam': 20}, 'mechs': {'hh': {}}},
    'dend': {'geom': {'L': 300, 'diam': 1, 'nseg': 11}, 'mechs': {'pas': {'g': 5e-5, 'e': -65}},
             'topol': {'parentSec': 'soma', 'parentX': 1, 'childX': 0}},
}}


def test_hoc_and_python_templates_give_the_same_cell(files):
    hoc = run_point('--cell', files / 'ballstick.hoc', '--cell-name', 'BallStick', '--cell-args', '[20]',
                    '--sec', 'dend', '--loc', '0.9')
    py = run_point('--cell', files / 'ballstick.py', '--cell-name', 'BallStick', '--cell-args', '{"soma_um": 20}',
                   '--sec', 'dend', '--loc', '0.9')
    assert hoc['distance_um'] == pytest.approx(10 + 300 * 9.5 / 11)
    assert py['epsp'] == pytest.approx(hoc['epsp'], rel=1e-6)
    (files / 'ballstick.json').write_text(json.dumps(BALL_STICK))
    (files / 'synapses.json').write_text(json.dumps(load_cfg().synMechParams))
    reference = run_command(PROJECT / 'tests' / 'independent_weight.py', '--epsp-at', 0.001, files / 'ballstick.json',
                            'soma', 'dend', 0.9, files / 'synapses.json', 0.5)
    assert reference.returncode == 0, reference.stderr[-3000:]
    assert hoc['epsp'] == pytest.approx(float(reference.stdout.split()[-1]), rel=1e-4)


def test_morphologies_are_passive_unless_told_otherwise(files):
    swc = run_point('--cell', files / 'cell.swc', '--sec', 'dend_1')
    # path lengths from the soma's edge: the trunk (0, 8)-(0, 60), then half of the branch to (20, 100)
    assert swc['baseline'] == pytest.approx(-70.0, abs=1e-6) and swc['epsp'] > 0
    assert swc['distance_um'] == pytest.approx(52 + math.hypot(20, 40) / 2)
    leaky = run_point('--cell', files / 'cell.swc', '--sec', 'dend_1', '--cell-args', '{"g_pas": 3e-4, "e_pas": -65}')
    assert leaky['baseline'] == pytest.approx(-65.0, abs=1e-6) and leaky['epsp'] < swc['epsp']
    asc = run_point('--cell', files / 'cell.asc', '--sec', 'dend_2', '--loc', '1')
    assert asc['epsp'] > 0 and asc['distance_um'] == pytest.approx(52 + math.hypot(20, 50) + math.hypot(10, 40))


@pytest.mark.parametrize(
    'args, named',
    [
        (['--cell', 'ballstick.hoc', '--sec', 'dend'], 'give the template with --cell-name'),
        (['--cell', 'ballstick.hoc', '--cell-name', 'Nope', '--sec', 'dend'], 'cannot build cell Nope'),
        (['--cell', 'ballstick.hoc', '--cell-name', 'BallStick', '--cell-args', '[20', '--sec', 'dend'], '--cell-args must be JSON'),
        (['--cell', 'cell.swc', '--cell-args', '{"gpas": 1}'], "unknown morphology settings ['gpas']"),
    ],
)
def test_bad_templates_and_morphologies(files, args, named):
    args = [str(files / arg) if arg.endswith(('.hoc', '.swc')) else arg for arg in args]
    assert_one_line_error(run_command('init.py', *args), named)
