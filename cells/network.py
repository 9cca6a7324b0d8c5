"""A user's NetPyNE network model (read by ``cells.model``) made into our run: its cell
types and the synapse each is measured with (from its rules, ``cells.rules``).

    cell_types(netParams)          # {label: soma section} of the cellParams with a soma
    excitatory_synmechs(netParams) # the synMechParams whose reversal is above -20 mV

``settle_network`` puts the chosen cell types and synapses of a model on our cfg: each
cell type's cellParams is kept in a file of its own (``cell_file``), and ``cfg.cellTypes``
maps its label to that file and its soma, so that ``cfg.cell = label`` measures it.
"""

import hashlib
import json
from pathlib import Path

from analysis.results import plain, safe_name, write_json_atomic
from cells import catalogue, mechanisms, synapses
from cells.model import load_model, model_mod_folder, net_params_file
from cells.rules import rule_synapses, rules_onto, synapse_of_rules
from wscale.errors import UserError

CELL_FILES = mechanisms.BUILD_ROOT / 'cells'  # each cell type's cellParams, by content

EXCITATORY_ABOVE_MV = -20.0
# NEURON's own synapses and the reversal potential they have when an entry gives none
BUILT_IN_REVERSAL_MV = {'ExpSyn': 0.0, 'Exp2Syn': 0.0}


def model_soma(cell):
    """The section of a model's cell where the EPSP is measured: 'soma', else the one
    named 'soma...', else 'soma_0' of several (a morphology's soma); None if none."""
    try:
        return catalogue.find_soma(cell)
    except UserError:
        return 'soma_0' if 'soma_0' in cell['secs'] else None


def measurable_cell_types(net_params):
    """({label: soma} of the model's cell types a somatic EPSP can be measured on, in its
    order; {label: why not} of the others)."""
    found, left_out = {}, {}
    for label, rule in net_params.cellParams.items():
        cell = plain(rule)
        soma = model_soma(cell) if cell.get('secs') else None
        mod = voltage_in_point_process(cell) if soma else None
        if soma is None:
            names = list(cell.get('secs') or {})
            listed = f"; its sections: {', '.join(names[:8])}{' ...' if len(names) > 8 else ''}" if names else ''
            left_out[label] = f'no section named soma...{listed}'
        elif mod:
            left_out[label] = f'its voltage is held by its point process {mod} (vref), not by its sections'
        else:
            found[label] = soma
    return found, left_out


def cell_types(net_params):
    """{cellParams label: its soma section} for every cell type a somatic EPSP can be
    measured on (see ``measurable_cell_types``), in the model's order."""
    return measurable_cell_types(net_params)[0]


def voltage_in_point_process(cell):
    """The point process of a cell whose voltage it holds itself (a 'vref' entry, as
    NetPyNE's Izhikevich cells have), or None: such a cell's sections do not carry its
    voltage, so a somatic EPSP means nothing there."""
    for sec in cell['secs'].values():
        for label, point in (sec.get('pointps') or {}).items():
            if 'vref' in point:
                return point.get('mod', label)
    return None


def reversal(params):
    """The reversal potential (mV) of a synMechParams entry: its 'e', else that of NEURON's
    own mechanism; None if neither says."""
    if isinstance(params.get('e'), (int, float)):
        return float(params['e'])
    return BUILT_IN_REVERSAL_MV.get(params.get('mod'))


def excitatory_synmechs(net_params):
    """The labels of the model's synMechParams whose reversal potential is above
    EXCITATORY_ABOVE_MV (-20 mV), in the model's order."""
    return [
        label for label, params in net_params.synMechParams.items()
        if reversal(params) is not None and reversal(params) > EXCITATORY_ABOVE_MV
    ]


def _choose(asked, available, what, flag):
    """The entries ``asked`` (all ``available`` if none), each of them checked."""
    if not asked:
        return list(available)
    unknown = [name for name in asked if name not in available]
    if unknown:
        raise UserError(f"{flag}: the model has no {what} {', '.join(map(repr, unknown))}; it has: {', '.join(available)}")
    return list(dict.fromkeys(asked))


def required_excitatory(net_params):
    """``excitatory_synmechs``; an error naming the model's synMechs where there is none."""
    excitatory = excitatory_synmechs(net_params)
    if not excitatory:
        listed = ', '.join(net_params.synMechParams) or 'none'
        raise UserError(f'the model has no excitatory synMech (reversal above {EXCITATORY_ABOVE_MV:g} mV): '
                        f'name the ones to test with --synmechs; it has: {listed}')
    return excitatory


def choose_synmechs(net_params, asked=None, fractions=None):
    """The synapse of the measurement: the model's synMechParams entries ``asked`` (default:
    the excitatory ones) activated together, each with its weight fraction (default 1.0).
    Returns {label: entry with 'weightFraction'}."""
    if asked:
        chosen = _choose(asked, list(net_params.synMechParams), 'synMech', '--synmechs')
    else:
        chosen = required_excitatory(net_params)
    fractions = list(fractions) if fractions else [1.0] * len(chosen)
    if len(fractions) != len(chosen):
        raise UserError(f"--weight-fractions gives {len(fractions)} values for {len(chosen)} synMechs ({', '.join(chosen)})")
    return synapse_entries(net_params, chosen, fractions)


def _shares(mechs, fractions):
    return ', '.join(f'{mech} x{fraction:g}' for mech, fraction in zip(mechs, fractions))


def synapse_entries(net_params, mechs, fractions):
    """{label: the model's synMechParams entry with its 'weightFraction'}, checked."""
    entries = {
        label: {**plain(net_params.synMechParams[label]), synapses.WEIGHT_FRACTION: float(fraction)}
        for label, fraction in zip(mechs, fractions)
    }
    synapses.check_synapses(entries)
    return entries


def cell_file(label, cell):
    """The file that keeps cell type ``label``'s cellParams (a plain dict), named by its
    content, written once; SLURM jobs read it where the project is."""
    try:
        text = json.dumps(cell, sort_keys=True, allow_nan=False)
    except (TypeError, ValueError) as err:
        raise UserError(f"cell type '{label}' of the model cannot be kept as JSON: {err}") from None
    digest = hashlib.sha256(text.encode()).hexdigest()[:16]
    path = CELL_FILES / f'{safe_name(label)}-{digest}.json'
    if not path.is_file():
        write_json_atomic(path, cell)
    return path


class Network:
    """What ``settle_network`` chose: ``cell_types`` {label: soma}, ``synapses`` {label:
    its synapse, {synMech: entry}}, how (``how``: from the model's rules, the default or
    --synmechs) and ``notes``, the lines about where each synapse came from and what was
    left out."""

    def __init__(self, cell_types, synapses_of, how, notes):
        self.cell_types, self.synapses, self.how, self.notes = cell_types, synapses_of, how, notes

    def messages(self):
        """The lines that say what was chosen and left out."""
        shares = {label: _shares(entries, [params[synapses.WEIGHT_FRACTION] for params in entries.values()])
                  for label, entries in self.synapses.items()}
        if len(set(shares.values())) == 1:
            synapse = f'synapse: {next(iter(shares.values()))}'
        else:
            synapse = 'synapse per cell type: ' + '; '.join(f'{label}: {text}' for label, text in shares.items())
        return [f"cell types: {', '.join(self.cell_types)}; {synapse} ({self.how})", *self.notes]


def synapses_of_cell_types(net_params, labels):
    """{label: (synapse entries, note, warning or None)}: each cell type's synapse as the
    model's excitatory connParams rules onto it give it (``rule_synapses``); where they
    disagree, the one most of them use, with a warning naming the others; where none
    does, every excitatory synMech at full weight."""
    excitatory = excitatory_synmechs(net_params)
    chosen = {}
    for label in labels:
        found = synapse_of_rules(rule_synapses(net_params, label, excitatory))
        if found is None:
            excitatory = required_excitatory(net_params)
            chosen[label] = (synapse_entries(net_params, excitatory, [1.0] * len(excitatory)),
                             f'{label}: no excitatory connParams rule onto it, each excitatory synMech at full weight',
                             None)
            continue
        (mechs, fractions), rules, others = found
        note = f"{label}: {_shares(mechs, fractions)} from {'rule' if len(rules) == 1 else 'rules'} {', '.join(rules)}"
        warning = None
        if others:
            other = '; '.join(f"{', '.join(labels_)} {'uses' if len(labels_) == 1 else 'use'} {_shares(*kind)}"
                              for kind, labels_ in others.items())
            warning = (f"warning: the excitatory rules onto {label} use different synapses: measured with "
                       f"{_shares(mechs, fractions)} ({len(rules)} of {len(rules) + sum(map(len, others.values()))} "
                       f"rules); {other}; choose with --synmechs and --weight-fractions")
        chosen[label] = (synapse_entries(net_params, mechs, fractions), note, warning)
    return chosen


def settle_network(cfg, net_params_path, cfg_path=None, chosen_cells=None, chosen_synmechs=None, fractions=None,
                   mod_folder=None):
    """Put a NetPyNE model's cell types and their synapses on our ``cfg``: the model's cfg
    gives the simulation's conditions (hParams, dt, CVode), ours the measurement. Each cell
    type is measured with the synapse the model's excitatory rules onto it use (see
    ``synapses_of_cell_types``), or with ``chosen_synmechs`` and ``fractions`` where given.
    Sets cfg.cellTypes ({label: {'cell': file, 'soma': section, 'synMechParams': its
    synapse, 'rules': the rules that put synapses on it (``rules_onto``)}}), cfg.cell (the
    first cell type, whose synapse cfg.synMechParams gets) and cfg.modFolder
    (``mod_folder``, else the model's). Returns the ``Network``."""
    net_params_path = net_params_file(net_params_path)
    mod_folder = Path(mod_folder).resolve() if mod_folder else model_mod_folder(net_params_path)
    net_params, model_cfg = load_model(net_params_path, cfg_path, mod_folder)
    available, left_out = measurable_cell_types(net_params)
    refused = [label for label in chosen_cells or () if label in left_out]
    if refused:
        raise UserError(f"--cell-types: cell type '{refused[0]}' cannot be measured: {left_out[refused[0]]}")
    if not available:
        why = '; '.join(f'{label}: {reason}' for label, reason in left_out.items()) or 'it has no cellParams'
        raise UserError(f'{net_params_path}: no cell type of the model can be measured ({why})')
    chosen = _choose(chosen_cells, list(available), 'cell type with a soma', '--cell-types')
    notes = []
    if chosen_synmechs or fractions:
        given = choose_synmechs(net_params, chosen_synmechs, fractions)
        synapses_of = {label: given for label in chosen}
        how = '--synmechs' if chosen_synmechs else '--weight-fractions'
    else:
        derived = synapses_of_cell_types(net_params, chosen)
        synapses_of = {label: entries for label, (entries, _, _) in derived.items()}
        notes += [f'  {note}' for _, note, _ in derived.values()]
        notes += [warning for _, _, warning in derived.values() if warning]
        how = "the model's excitatory connParams rules onto each cell type"
    if not chosen_cells and left_out:
        notes.append('left out: ' + '; '.join(f'{label} ({reason})' for label, reason in left_out.items()))
    unknown = [label for label, params in net_params.synMechParams.items() if reversal(params) is None]
    if not chosen_synmechs and unknown:
        notes.append(f"synMechs not chosen, their reversal potential unknown: {', '.join(unknown)} (name them with --synmechs)")
    cfg.modFolder = str(mod_folder) if mod_folder else None
    cfg.hParams = dict(plain(model_cfg.hParams))
    cfg.dt = float(model_cfg.dt)
    if getattr(model_cfg, 'cvode_active', False):
        cfg.cvode_active = True
        cfg.cvode_atol = float(getattr(model_cfg, 'cvode_atol', cfg.cvode_atol))
    cfg.cellTypes = {}
    for label in chosen:
        cell = {key: value for key, value in plain(net_params.cellParams[label]).items() if key != 'conds'}
        stored = [name for name, sec in cell['secs'].items() if sec.pop('weightNorm', None) is not None]
        if stored:
            notes.append(f"warning: cell type '{label}' carries the model's weightNorm in {len(stored)} sections; "
                         'the search does not use it')
        cfg.cellTypes[label] = {'cell': str(cell_file(label, cell)), 'soma': available[label],
                                'synMechParams': synapses_of[label],
                                'rules': [list(rule) for rule in rules_onto(net_params, label)]}
    cfg.cell = chosen[0]
    cfg.cellName = cfg.cellArgs = None
    catalogue.settle_cell_type(cfg)
    return Network({label: available[label] for label in chosen}, synapses_of, how, notes)
