"""The synapse tested at each place: NetPyNE synMechParams entries with a weight share.

A synapse file is JSON, ``{label: synMechParams entry}``, e.g.
``{"AMPA": {"mod": "Exp2Syn", "tau1": 0.05, "tau2": 5.3, "e": 0}}``; an entry's optional
``weightFraction`` (default 1.0) is its share of the point's weight and is not passed to
NEURON.
"""

import json
import math
from pathlib import Path

from cells import mechanisms
from wscale.errors import UserError

WEIGHT_FRACTION = 'weightFraction'


def weight_fraction(params):
    """The share of the point's weight this mechanism receives."""
    return params.get(WEIGHT_FRACTION, 1.0)


def conductance_peak(params):
    """Time (ms) from activation to the peak of a mechanism's conductance: for a dual
    exponential (tau1 < tau2, as Exp2Syn and NMDA models take them)
    tau1 tau2 / (tau2 - tau1) ln(tau2 / tau1); 0 for a single exponential (tau alone);
    infinite for kinetics not described by those parameters (its peak is not known)."""
    tau1, tau2 = params.get('tau1'), params.get('tau2')
    if isinstance(tau1, (int, float)) and isinstance(tau2, (int, float)) and 0 < tau1 and 0 < tau2:
        if math.isclose(tau1, tau2):
            return float(tau1)
        low, high = sorted((tau1, tau2))
        return low * high / (high - low) * math.log(high / low)
    if params.get('mod') == 'ExpSyn' or (isinstance(params.get('tau'), (int, float)) and tau1 is None):
        return 0.0
    return math.inf


def latest_peak(syn_mech_params):
    """The latest conductance peak (ms) among the synapse's mechanisms."""
    return max((conductance_peak(params) for params in syn_mech_params.values()), default=0.0)


def neuron_params(params):
    """The entry as NetPyNE passes it to NEURON: without weightFraction."""
    return {key: value for key, value in params.items() if key != WEIGHT_FRACTION}


def read_synapses(path):
    """The synMechParams of a synapse JSON file, checked."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f'synapse file not found: {path}')
    try:
        data = json.loads(path.read_text())
    except ValueError as err:
        raise UserError(f'synapse file {path} is not valid JSON: {err}') from None
    check_synapses(data, source=str(path))
    return data


def check_synapses(data, source='cfg.synMechParams'):
    """Each entry must be a dict with a 'mod'; weight fractions numbers >= 0, not all 0."""
    if not isinstance(data, dict) or not data:
        raise UserError(f'{source} must map mechanism labels to synMechParams entries')
    for label, params in data.items():
        if not isinstance(params, dict) or not isinstance(params.get('mod'), str):
            raise UserError(f"{source}: entry '{label}' needs a 'mod' naming a NEURON point process")
        fraction = weight_fraction(params)
        if not isinstance(fraction, (int, float)) or isinstance(fraction, bool) or not math.isfinite(fraction) or fraction < 0:
            raise UserError(f"{source}: weightFraction of '{label}' must be a number >= 0, got {fraction!r}")
    if not any(weight_fraction(params) > 0 for params in data.values()):
        raise UserError(f'{source}: every weightFraction is 0, so no weight reaches the synapse')


def check_known(data, known, source='the synapse', build=None):
    """Every entry's 'mod' must be a point process NEURON knows (``known``: names); a
    missing one is named, with the compiler's message if ``build`` left its file out."""
    for label, params in data.items():
        if params['mod'] not in known:
            if build is not None and build.dropped_for(params['mod']):
                raise mechanisms.missing_mechanism(params['mod'], f"{source} '{label}'", build)
            raise UserError(f"{source}: '{label}' uses mechanism '{params['mod']}', which no mod folder provides")
