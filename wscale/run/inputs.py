"""Checks on what the user asks for. Each failure is a UserError naming the bad value."""

import argparse
import json
import math
from pathlib import Path

from cells import catalogue, mechanisms, mod_folder, synapses
from wscale.errors import UserError


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


def check_numbers(weights=(), locs=(), target=None):
    """Check the numbers a command line gives, before any model is loaded."""
    for weight in weights or ():
        check_weight(weight)
    for loc in locs or ():
        check_loc(loc)
    if target is not None:
        check_target(target)


def check_synapse(cfg):
    """The synapse: synMechParams entries with a 'mod' and sensible weight fractions."""
    synapses.check_synapses(cfg.synMechParams)


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
    cell = catalogue.cell_of(cfg)
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
    cell = catalogue.cell_of(cfg)
    catalogue.require_section(cell, cfg.somaSec)
    for sec in dict.fromkeys(grid['sec']):
        catalogue.require_section(cell, sec)
    for loc in dict.fromkeys(grid['loc']):
        check_loc(loc)
    for weight in grid['weight']:
        check_weight(weight)
    check_target(cfg.epspTarget)
    check_synapse(cfg)
    check_timing(cfg)


def settle_model(cfg, options):
    """Fix on ``cfg`` the model the command line (``options``) asks for, where it asks:
    the user's mod folder (absolute), the cell (a built-in label, or a cell file's
    absolute path, with its template name and arguments; a network's cell type becomes
    its file and soma), the soma section, and the synapse (the entries of a synapse
    file)."""
    catalogue.settle_cell_type(cfg)
    if options.mod:
        mod_folder.mod_files(options.mod)
        cfg.modFolder = str(Path(options.mod).resolve())
    cfg.cell = catalogue.resolve_spec(options.cell or cfg.cell)
    if options.cell_name:
        cfg.cellName = options.cell_name
    if options.cell_args:
        try:
            cfg.cellArgs = json.loads(options.cell_args)
        except ValueError as err:
            raise UserError(f'--cell-args must be JSON, got {options.cell_args!r}: {err}') from None
    cfg.somaSec = catalogue.find_soma(catalogue.cell_of(cfg), options.soma or cfg.somaSec)
    if options.synapses:
        cfg.synMechParams = synapses.read_synapses(options.synapses)


def add_model_arguments(parser):
    """The command-line flags that choose the model, shared by init.py and the grid."""
    parser.add_argument('--cell', help='built-in cell, or a cellParams .json/.pkl, template .hoc/.py or morphology .swc/.asc')
    parser.add_argument('--cell-name', help='template (hoc) or class (Python) name in a --cell template file')
    parser.add_argument('--cell-args', help='JSON arguments of the template, or passive settings of a morphology')
    parser.add_argument('--soma', help="section whose voltage is measured (default: 'soma', else the one 'soma...')")
    parser.add_argument('--mod', help="folder of the cell's .mod files, compiled with ours")
    parser.add_argument('--synapses', help='JSON file of NetPyNE synMechParams entries to test (default: cfg)')


def check_mechanisms(cfg):
    """Compile and load the mechanisms; the cell's and the synapse's must all be there.

    Returns the warning lines of the user's .mod files the build left out (see
    ``mechanisms.unused_dropped``)."""
    build = mechanisms.load_mechanisms(cfg.modFolder)
    density, point_processes = mechanisms.known_mechanisms()
    cell = catalogue.cell_of(cfg)
    mechanisms.check_cell_mechanisms(cell, density, build)
    synapses.check_known(cfg.synMechParams, point_processes, build=build)
    used = catalogue.mechanisms_used(cell) | {params['mod'] for params in cfg.synMechParams.values()}
    return mechanisms.unused_dropped(build, used)
