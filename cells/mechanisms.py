"""Compile and load NMODL mechanisms.

The project's mod folder, together with a user's mod folder if one is given, is compiled
with nrnivmodl into ``cells/build/<hash>/``, where the hash covers the names and contents
of the .mod files: a changed file gives a new build, an unchanged set is compiled once
and reused. A user's file that defines a mechanism of the same name as one of ours
replaces ours. Loading is idempotent per process.
"""

import fcntl
import hashlib
import platform
import re
import shutil
import subprocess
import sys
from pathlib import Path

from engines.errors import UserError

MOD_DIR = Path(__file__).resolve().parent / 'mod'
BUILD_ROOT = Path(__file__).resolve().parent / 'build'

_loaded = set()


def mod_files(mod_dir):
    """The .mod files of a folder, sorted by name; an error if there are none."""
    mod_dir = Path(mod_dir)
    if not mod_dir.is_dir():
        raise UserError(f'mod folder not found: {mod_dir}')
    files = sorted(mod_dir.glob('*.mod'))
    if not files:
        raise UserError(f'no .mod files in {mod_dir}')
    return files


MECHANISM_NAME = re.compile(r'^\s*(?:SUFFIX|POINT_PROCESS|ARTIFICIAL_CELL)\s+(\w+)', re.MULTILINE)


def mechanism_names(path):
    """The names a .mod file defines (its SUFFIX, POINT_PROCESS or ARTIFICIAL_CELL)."""
    return set(MECHANISM_NAME.findall(Path(path).read_text(errors='replace')))


def build_files(user_mod_dir=None):
    """The .mod files to compile: the user's folder's, and ours that they do not replace."""
    ours = mod_files(MOD_DIR)
    if user_mod_dir is None:
        return ours
    theirs = mod_files(user_mod_dir)
    taken = set().union(*(mechanism_names(path) for path in theirs))
    names = {path.name for path in theirs}
    return theirs + [path for path in ours if not (mechanism_names(path) & taken) and path.name not in names]


def content_hash(files):
    """A short hex digest of the names and bytes of the given files."""
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode())
        digest.update(b'\0')
        digest.update(path.read_bytes())
        digest.update(b'\0')
    return digest.hexdigest()[:16]


def _library(build_dir):
    return build_dir / platform.machine() / 'libnrnmech.so'


def _nrnivmodl():
    """nrnivmodl beside this Python interpreter, else the one on PATH."""
    beside = Path(sys.executable).parent / 'nrnivmodl'
    return str(beside) if beside.exists() else 'nrnivmodl'


def compile_mechanisms(user_mod_dir=None, build_root=BUILD_ROOT):
    """Compile our mechanisms and the user's (``user_mod_dir``) once per content; return
    the path of the libnrnmech.so. A compile failure raises UserError carrying the
    compiler's output."""
    files = build_files(user_mod_dir)
    build_dir = Path(build_root) / content_hash(files)
    library = _library(build_dir)
    if library.exists():
        return library
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / '.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if library.exists():
            return library
        sources = build_dir / 'mod'
        sources.mkdir(exist_ok=True)
        for path in files:
            (sources / path.name).write_bytes(path.read_bytes())
        proc = subprocess.run([_nrnivmodl(), 'mod'], cwd=build_dir, capture_output=True, text=True)
        if proc.returncode != 0 or not library.exists():
            shutil.rmtree(build_dir / platform.machine(), ignore_errors=True)
            folder = user_mod_dir or MOD_DIR
            raise UserError(f'nrnivmodl failed for {folder}:\n{compiler_message(proc.stdout + proc.stderr)}')
    return library


def compiler_message(output):
    """nrnivmodl's output without colour codes and without its own Python traceback."""
    lines = []
    for line in re.sub(r'\x1b\[[0-9;]*m', '', output).splitlines():
        if line.startswith('Traceback (most recent call last)'):
            break
        lines.append(line)
    return '\n'.join(lines).strip()


def load_mechanisms(user_mod_dir=None, build_root=BUILD_ROOT):
    """Compile if needed and load our and the user's mechanisms into this NEURON process."""
    library = compile_mechanisms(user_mod_dir, build_root)
    if library in _loaded:
        return library
    from neuron import h

    if not h.nrn_load_dll(str(library)):
        raise UserError(f'NEURON could not load {library}')
    _loaded.add(library)
    return library


def known_mechanisms():
    """(density mechanism names, point process names) NEURON knows in this process."""
    from neuron import h

    kinds = []
    for kind in (0, 1):
        types = h.MechanismType(kind)
        name = h.ref('')
        found = set()
        for i in range(int(types.count())):
            types.select(i)
            types.selected(name)
            found.add(name[0])
        kinds.append(found)
    return tuple(kinds)


def check_cell_mechanisms(cell, density):
    """Every mechanism in the cell's sections must be among ``density`` names."""
    for sec_name, sec in cell['secs'].items():
        for mech in sec.get('mechs', {}):
            if mech not in density:
                raise UserError(
                    f"mechanism '{mech}' of section '{sec_name}' is in no mod folder (give its folder with --mod)"
                )
