"""Cells: the built-in ones by label, or a NetPyNE cellParams file; their sections,
secLists and segments, and which section is the soma."""

import collections
import copy
import functools
import json
import pickle
from pathlib import Path

from analysis.results import plain
from cells import pt5b
from wscale.errors import UserError

_BUILT_IN = {pt5b.LABEL: pt5b.cell_params}

ALL = 'all'
PARAMS_SUFFIXES = ('.json', '.pkl')
TEMPLATE_SUFFIXES = ('.hoc', '.py')
MORPHOLOGY_SUFFIXES = ('.swc', '.asc')
CELL_FILE_SUFFIXES = PARAMS_SUFFIXES + TEMPLATE_SUFFIXES + MORPHOLOGY_SUFFIXES


def cell_params(spec, name=None, args=None, mod_dir=None):
    """The NetPyNE cellParams dict of a cell, without ``conds`` and without any
    ``weightNorm`` stored in its sections; a fresh copy on every call.

    ``spec`` is a built-in label or a file: cellParams .json or .pkl (pickles from Python
    2 included); a .hoc or .py template, built by NetPyNE's importCellParams from the
    template ``name`` with ``args`` (a dict of keyword or a list of positional arguments)
    after the mechanisms of ``mod_dir`` are loaded; or a .swc or .asc morphology, with a
    passive membrane set by ``args`` (see cells.morphology.PASSIVE_DEFAULTS).
    """
    cell = copy.deepcopy(_read_cell(str(spec), name, json.dumps(args), mod_dir))
    for sec in cell['secs'].values():
        sec.pop('weightNorm', None)
    return cell


def settle_cell_type(cfg):
    """Where ``cfg.cell`` names a cell type of a network (a key of ``cfg.cellTypes``, set
    by --netparams), make it that cell type's file, its soma ``cfg.somaSec`` and its
    synapse ``cfg.synMechParams``; any other cfg.cell is left as it is."""
    cell_types = getattr(cfg, 'cellTypes', None) or {}
    if isinstance(cfg.cell, str) and cfg.cell in cell_types:
        entry = cell_types[cfg.cell]
        cfg.cell, cfg.somaSec = entry['cell'], entry['soma']
        if entry.get('synMechParams'):
            cfg.synMechParams = entry['synMechParams']


def cell_of(cfg):
    """``cell_params`` of the cell ``cfg`` describes (cell, cellName, cellArgs, modFolder)."""
    return cell_params(cfg.cell, cfg.cellName, cfg.cellArgs, cfg.modFolder)


def stored_weight_norm(cfg):
    """Sections of ``cfg``'s cell that carry a weightNorm (``cell_params`` drops it)."""
    cell = _read_cell(str(cfg.cell), cfg.cellName, json.dumps(cfg.cellArgs), cfg.modFolder)
    return [name for name, sec in cell['secs'].items() if 'weightNorm' in sec]


def resolve_spec(spec):
    """A built-in label as it is; a cell file as an absolute path, checked to exist."""
    if spec in _BUILT_IN:
        return spec
    path = Path(spec)
    if path.suffix not in CELL_FILE_SUFFIXES:
        raise UserError(
            f"unknown cell '{spec}': give a built-in cell ({', '.join(sorted(_BUILT_IN))}) "
            f"or a NetPyNE cellParams file ({', '.join(CELL_FILE_SUFFIXES)})"
        )
    if not path.is_file():
        raise UserError(f'cell file not found: {spec}')
    return str(path.resolve())


@functools.lru_cache(maxsize=8)
def _read_cell(spec, name, args_json, mod_dir):
    if spec in _BUILT_IN:
        return _BUILT_IN[spec]()
    path = Path(resolve_spec(spec))
    if path.suffix in TEMPLATE_SUFFIXES + MORPHOLOGY_SUFFIXES:
        return _import_cell(path, name, json.loads(args_json), mod_dir)
    try:
        if path.suffix == '.json':
            data = json.loads(path.read_text())
        else:
            with open(path, 'rb') as stream:
                data = plain(_CellUnpickler(stream, encoding='latin1').load())
    except Exception as err:
        raise UserError(f'cannot read cell file {spec}: {type(err).__name__}: {err}') from None
    secs = data.get('secs') if isinstance(data, dict) else None
    if not isinstance(secs, dict) or not secs or not all(isinstance(sec, dict) for sec in secs.values()):
        raise UserError(f"{spec} is not a NetPyNE cellParams file: it has no 'secs' dict of sections")
    data = dict(data)
    data.pop('conds', None)
    return data


class _CellUnpickler(pickle.Unpickler):
    """Unpickles NetPyNE's ``specs.Dict`` and ``specs.ODict`` (from any NetPyNE version's
    module, Python 2's included) as plain dicts, without importing NetPyNE."""

    def find_class(self, module, name):
        if module.split('.')[0] == 'netpyne' and name in ('Dict', 'ODict'):
            return _LoadedDict if name == 'Dict' else collections.OrderedDict
        return super().find_class(module, name)


class _LoadedDict(dict):
    """A dict that takes the (empty) instance state NetPyNE's Dict pickles carry."""


def _import_cell(path, name, args, mod_dir):
    """cellParams of a template or a morphology, through NetPyNE's importCellParams."""
    from cells import mechanisms, morphology

    build = mechanisms.load_mechanisms(mod_dir)
    from netpyne import specs

    if path.suffix in MORPHOLOGY_SUFFIXES:
        template, name, settings, args = Path(morphology.__file__), 'Morphology', args or {}, {'path': str(path)}
        if not isinstance(settings, dict):
            raise UserError(f'--cell-args for a morphology must be a JSON object, got {settings!r}')
    else:
        template, settings = path, None
        if not name:
            raise UserError(f'{path.name} is a template file: give the template with --cell-name')
    try:
        cell = specs.NetParams().importCellParams('cell', str(template), name, cellArgs=args if args is not None else {})
    except Exception as err:
        reason = (str(err).splitlines() or [''])[0]
        if build.dropped:
            left_out = ', '.join(f"{file} ({info['reason']})" for file, info in sorted(build.dropped.items()))
            reason += f'; left out of the build: {left_out}'
        raise UserError(f'cannot build cell {name} from {path}: {type(err).__name__}: {reason}') from None
    cell = {key: json.loads(json.dumps(value)) for key, value in cell.items() if key != 'conds'}
    cell['secLists'] = {key: members for key, members in (cell.get('secLists') or {}).items() if members}
    if not cell.get('secs'):
        raise UserError(f'{path} gave a cell without sections')
    if settings is not None:
        try:
            morphology.passive_membrane(cell, **settings)
        except ValueError as err:
            raise UserError(str(err)) from None
    return cell


def find_soma(cell, requested=None):
    """The section whose voltage is measured: ``requested`` if given, else 'soma', else
    the one section whose name starts with 'soma'."""
    names = section_names(cell)
    if requested:
        require_section(cell, requested)
        return requested
    if 'soma' in cell['secs']:
        return 'soma'
    candidates = [name for name in names if name.startswith('soma')]
    if len(candidates) == 1:
        return candidates[0]
    raise UserError(f"cannot tell which section is the soma: give --soma NAME; sections: {', '.join(names)}")


def mechanisms_used(cell):
    """Names of the NMODL mechanisms the cell inserts or places: its sections' density
    mechanisms and point processes."""
    used = set()
    for sec in cell['secs'].values():
        used.update(sec.get('mechs') or {})
        used.update(point['mod'] for point in (sec.get('pointps') or {}).values() if 'mod' in point)
    return used


def section_names(cell):
    """The section names of a cellParams dict, in definition order."""
    return list(cell['secs'])


def sec_lists(cell):
    """The cell's secLists: {name: [section names]}."""
    return dict(cell.get('secLists') or {})


def require_section(cell, sec):
    """Raise UserError naming ``sec`` and the valid sections when the cell lacks it."""
    names = section_names(cell)
    if sec not in names:
        raise UserError(f"unknown section '{sec}'; valid sections: {', '.join(names)}")


def select_sections(cell, names, exclude=()):
    """Sections chosen by ``names`` (section names, secList names, or 'all'), in the
    order asked, each once, without those named in ``exclude`` or starting with one of
    its entries."""
    lists = sec_lists(cell)
    chosen = []
    for name in names:
        if name == ALL:
            chosen += section_names(cell)
        elif name in cell['secs']:
            chosen.append(name)
        elif name in lists:
            chosen += list(lists[name])
        else:
            known = f"valid sections: {', '.join(section_names(cell))}"
            if lists:
                known += f"; secLists: {', '.join(lists)}"
            raise UserError(f"unknown section '{name}'; {known}")
    return [sec for sec in dict.fromkeys(chosen) if not any(sec.startswith(prefix) for prefix in exclude)]


def nseg(cell, sec):
    """Number of segments of section ``sec`` (1 when its geometry does not say)."""
    return int(cell['secs'][sec].get('geom', {}).get('nseg', 1))


def segment_locs(cell, sec):
    """Centres of the segments of ``sec``, (i + 0.5) / nseg, in segment order."""
    n = nseg(cell, sec)
    return [(i + 0.5) / n for i in range(n)]


def section_groups(cell):
    """Section name -> the group it is drawn in: the first secList holding it (lists
    named 'all...' passed over), else its name up to the first '_'."""
    lists = {name: members for name, members in sec_lists(cell).items() if not name.startswith(ALL)}
    groups = {}
    for sec in section_names(cell):
        groups[sec] = next((name for name, members in lists.items() if sec in members), sec.split('_')[0])
    return groups
