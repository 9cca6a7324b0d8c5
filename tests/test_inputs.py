"""Checks on user input, without a simulator."""

from types import SimpleNamespace

import pytest

from wscale.errors import UserError
from wscale.run.inputs import check_grid, check_point

pytestmark = pytest.mark.unit  # pure code, no simulator process: python -m pytest -m unit


def make_cfg(**changes):
    values = dict(
        cell='PT5B', cellName=None, cellArgs=None, modFolder=None, somaSec='soma', sec='soma', loc=0.5, weight=0.001, epspTarget=0.5,
        synMechParams={'AMPA': {'mod': 'Exp2Syn', 'weightFraction': 0.5}, 'NMDA': {'mod': 'NMDAMg'}},
        stimTime=700.0, stimDelay=1.0, baselineWindow=20.0, epspWindow=100.0, duration=1000.0,
    )
    values.update(changes)
    return SimpleNamespace(**values)


GRID = {'sec': ['soma', 'dendrite'], 'loc': [0.5], 'weight': [0.001, 0.002]}


def test_a_good_point_and_grid_pass():
    check_point(make_cfg())
    check_grid(make_cfg(), GRID)


@pytest.mark.parametrize('key', ['sec', 'loc', 'weight'])
def test_an_empty_grid_is_refused(key):
    with pytest.raises(UserError, match=f"no values for '{key}'"):
        check_grid(make_cfg(), {**GRID, key: []})


@pytest.mark.parametrize(
    'grid_change, message',
    [
        ({'sec': ['soma', 'tuft']}, "unknown section 'tuft'; valid sections: soma, dendrite, axon_0, axon_1"),
        ({'weight': [0.001, float('inf')]}, 'inf'),
        ({'weight': [0.0]}, 'got 0.0'),
        ({'loc': [-0.1]}, '-0.1'),
    ],
)
def test_bad_grid_values_are_named(grid_change, message):
    with pytest.raises(UserError, match=message.replace('(', r'\(')):
        check_grid(make_cfg(), {**GRID, **grid_change})


@pytest.mark.parametrize(
    'change, message',
    [
        ({'epspTarget': 0.0}, 'target EPSP'),
        ({'epspTarget': float('nan')}, 'target EPSP'),
        ({'cell': 'L23'}, "unknown cell 'L23'"),
        ({'somaSec': 'cellbody'}, "'cellbody'"),
        ({'synMechParams': {}}, 'must map mechanism labels'),
        ({'synMechParams': {'AMPA': {'tau1': 0.1}}}, "'AMPA' needs a 'mod'"),
        ({'synMechParams': {'AMPA': {'mod': 'Exp2Syn', 'weightFraction': -0.5}}}, '-0.5'),
        ({'synMechParams': {'AMPA': {'mod': 'Exp2Syn', 'weightFraction': 0}}}, 'every weightFraction is 0'),
        ({'stimTime': 950.0}, 'does not fit'),
    ],
)
def test_bad_point_settings_are_named(change, message):
    with pytest.raises(UserError, match=message):
        check_point(make_cfg(**change))
