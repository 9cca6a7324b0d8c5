"""The cells the tool knows by label, and checks on their sections."""

from engines.errors import UserError

from cells import pt5b

_BUILT_IN = {pt5b.LABEL: pt5b.cell_params}


def cell_params(label):
    """Return the NetPyNE cellParams dict of the cell called ``label``."""
    if label not in _BUILT_IN:
        raise UserError(f"unknown cell '{label}'; known cells: {', '.join(sorted(_BUILT_IN))}")
    return _BUILT_IN[label]()


def section_names(cell):
    """The section names of a cellParams dict, in definition order."""
    return list(cell['secs'])


def require_section(cell, sec):
    """Raise UserError naming ``sec`` and the valid sections when the cell lacks it."""
    names = section_names(cell)
    if sec not in names:
        raise UserError(f"unknown section '{sec}'; valid sections: {', '.join(names)}")
