"""Cells: the built-in ones by label, or a NetPyNE cellParams file; their sections,
secLists and segments, and which section is the soma."""

import copy
import functools
import json
import pickle
from pathlib import Path

from engines.errors import UserError

from cells import pt5b

_BUILT_IN = {pt5b.LABEL: pt5b.cell_params}

ALL = 'all'
CELL_FILE_SUFFIXES = ('.json', '.pkl')


def cell_params(spec):
    """The NetPyNE cellParams dict of a built-in cell label or of a cellParams .json or
    .pkl file (pickles from Python 2 included), without ``conds`` and without any
    ``weightNorm`` stored in its sections. A fresh copy on every call."""
    cell = copy.deepcopy(_read_cell(str(spec)))
    for sec in cell['secs'].values():
        sec.pop('weightNorm', None)
    return cell


def stored_weight_norm(spec):
    """Sections of the cell ``spec`` that carry a weightNorm (``cell_params`` drops it)."""
    return [name for name, sec in _read_cell(str(spec))['secs'].items() if 'weightNorm' in sec]


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
def _read_cell(spec):
    if spec in _BUILT_IN:
        return _BUILT_IN[spec]()
    path = Path(resolve_spec(spec))
    try:
        if path.suffix == '.json':
            data = json.loads(path.read_text())
        else:
            with open(path, 'rb') as stream:
                data = pickle.load(stream, encoding='latin1')
    except Exception as err:
        raise UserError(f'cannot read cell file {spec}: {type(err).__name__}: {err}') from None
    secs = data.get('secs') if isinstance(data, dict) else None
    if not isinstance(secs, dict) or not secs or not all(isinstance(sec, dict) for sec in secs.values()):
        raise UserError(f"{spec} is not a NetPyNE cellParams file: it has no 'secs' dict of sections")
    data = dict(data)
    data.pop('conds', None)
    return data


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
