"""A mod folder as nrnivmodl sees it: its .mod files, the helper files they include, and
the mechanism names each file defines (read with NEURON's own NMODL parser)."""

import contextlib
import functools
import os
import re
import sys
from pathlib import Path

from wscale.errors import UserError

HELPER_SUFFIXES = ('.inc', '.h', '.hpp', '.hh', '.c', '.cpp', '.cc', '.cxx')


def mod_files(mod_dir):
    """The .mod files of a folder, sorted by name; an error if there are none."""
    mod_dir = Path(mod_dir)
    if not mod_dir.is_dir():
        raise UserError(f'mod folder not found: {mod_dir}')
    files = sorted(mod_dir.glob('*.mod'))
    if not files:
        raise UserError(f'no .mod files in {mod_dir}')
    return files


INCLUDE = re.compile(r'^\s*INCLUDE\s+"([^"]+)"', re.MULTILINE)


def helper_files(mod_dir):
    """The files of a mod folder that its .mod files may include: those with a C or
    NMODL include suffix, and any file of the folder an INCLUDE statement names."""
    mod_dir = Path(mod_dir)
    named = set()
    for path in mod_files(mod_dir):
        named.update(INCLUDE.findall(path.read_text(errors='replace')))
    return sorted(
        path for path in mod_dir.iterdir()
        if path.is_file() and path.suffix != '.mod' and (path.suffix in HELPER_SUFFIXES or path.name in named)
    )


@functools.lru_cache(maxsize=1024)
def _declared_names(path, stamp):
    try:
        return _parsed_names(path)
    except Exception:  # the parser refuses the file: scan its text instead
        return _scanned_names(Path(path).read_text(errors='replace'))


def mechanism_names(path):
    """The names a .mod file defines: its SUFFIX, POINT_PROCESS or ARTIFICIAL_CELL.

    Read with NEURON's NMODL parser, so keywords may stand anywhere in the NEURON block,
    several on a line, among comments; a file the parser refuses is scanned for them.
    """
    stat = Path(path).stat()
    return set(_declared_names(str(path), (stat.st_mtime_ns, stat.st_size)))


def _parsed_names(path):
    with _quiet_output():
        from neuron.nmodl import ast, dsl, visitor

        tree = dsl.NmodlDriver().parse_file(str(path))
        found = visitor.AstLookupVisitor().lookup(tree, ast.AstNodeType.SUFFIX)
    return frozenset(node.name.get_node_name() for node in found)


NMODL_COMMENTS = re.compile(
    r'\bCOMMENT\b.*?\bENDCOMMENT\b|\bVERBATIM\b.*?\bENDVERBATIM\b|[:?][^\n]*', re.DOTALL
)


NEURON_BLOCK = re.compile(r'\bNEURON\s*\{([^}]*)\}')


DECLARATION = re.compile(r'\b(?:SUFFIX|POINT_PROCESS|ARTIFICIAL_CELL)\s+(\w+)')


def _scanned_names(text):
    """Declared names from the NEURON block's text, without comments or C code."""
    block = NEURON_BLOCK.search(NMODL_COMMENTS.sub(' ', text))
    return frozenset(DECLARATION.findall(block.group(1))) if block else frozenset()


@contextlib.contextmanager
def _quiet_output():
    """Send what C code prints on file descriptors 1 and 2 to /dev/null for a while."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = (os.dup(1), os.dup(2))
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    os.close(null)
    try:
        yield
    finally:
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        for fd in saved:
            os.close(fd)

