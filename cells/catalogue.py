"""The cells the tool knows by label, and their sections: names, secLists, segments."""

from engines.errors import UserError

from cells import pt5b

_BUILT_IN = {pt5b.LABEL: pt5b.cell_params}

ALL = 'all'


def cell_params(label):
    """Return the NetPyNE cellParams dict of the cell called ``label``."""
    if label not in _BUILT_IN:
        raise UserError(f"unknown cell '{label}'; known cells: {', '.join(sorted(_BUILT_IN))}")
    return _BUILT_IN[label]()


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
