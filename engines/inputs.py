"""Checks on what the user asks for. Each failure is a UserError naming the bad value."""

import argparse
import math

from cells import catalogue
from engines.errors import UserError


class ArgumentParser(argparse.ArgumentParser):
    """argparse that reports a bad argument as a UserError (one line, no usage dump)."""

    def error(self, message):
        raise UserError(message)


def check_weight(weight):
    """A weight must be a finite number > 0 (uS)."""
    if not isinstance(weight, (int, float)) or not math.isfinite(weight) or weight <= 0:
        raise UserError(f'weight must be a positive number of uS, got {weight!r}')


def check_loc(loc):
    """A location must lie in [0, 1]."""
    if not isinstance(loc, (int, float)) or not 0.0 <= loc <= 1.0:
        raise UserError(f'loc must lie between 0 and 1, got {loc!r}')


def check_target(target):
    """The target EPSP must be a finite number > 0 (mV)."""
    if not isinstance(target, (int, float)) or not math.isfinite(target) or target <= 0:
        raise UserError(f'target EPSP must be a positive number of mV, got {target!r}')


def check_synapse(cfg):
    """The synapse's mechanisms and weight fractions must pair up, fractions >= 0."""
    mechs, fractions = list(cfg.synMechs), list(cfg.synMechWeightFractions)
    if not mechs or len(mechs) != len(fractions):
        raise UserError(f'synMechs {mechs} and synMechWeightFractions {fractions} must be non-empty and of equal length')
    for fraction in fractions:
        if not isinstance(fraction, (int, float)) or not math.isfinite(fraction) or fraction < 0:
            raise UserError(f'synaptic weight fractions must be numbers >= 0, got {fraction!r}')


def check_timing(cfg):
    """The baseline and EPSP windows must lie inside the simulation."""
    onset = cfg.stimTime + cfg.stimDelay
    if onset - cfg.baselineWindow < 0 or onset + cfg.epspWindow > cfg.duration:
        raise UserError(
            f'the stimulus at {onset} ms with a {cfg.baselineWindow} ms baseline and a {cfg.epspWindow} ms '
            f'EPSP window does not fit in a {cfg.duration} ms simulation'
        )


def check_point(cfg):
    """Check every value that defines one measurement on ``cfg``."""
    cell = catalogue.cell_params(cfg.cellLabel)
    catalogue.require_section(cell, cfg.somaSec)
    catalogue.require_section(cell, cfg.sec)
    check_loc(cfg.loc)
    check_weight(cfg.weight)
    check_target(cfg.epspTarget)
    check_synapse(cfg)
    check_timing(cfg)


def check_grid(cfg, grid):
    """Check a grid ``{'sec': [...], 'loc': [...], 'weight': [...]}`` against ``cfg``'s cell.

    ``sec`` and ``loc`` are paired: point i of the grid's locations is (sec[i], loc[i]).
    """
    for key in ('sec', 'loc', 'weight'):
        if not grid.get(key):
            raise UserError(f"the grid is empty: no values for '{key}'")
    cell = catalogue.cell_params(cfg.cellLabel)
    for sec in dict.fromkeys(grid['sec']):
        catalogue.require_section(cell, sec)
    for loc in dict.fromkeys(grid['loc']):
        check_loc(loc)
    for weight in grid['weight']:
        check_weight(weight)
    check_target(cfg.epspTarget)
    check_synapse(cfg)
    check_timing(cfg)
