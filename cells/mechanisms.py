"""Compile and load NMODL mechanisms.

The project's mod folder, together with a user's mod folder if one is given, is compiled
with nrnivmodl into ``cells/build/<hash>/``, where the hash covers the NEURON version (one
checkout used from two environments keeps a build for each) and the names and contents
of every file compiled: the .mod files and the helpers they may include (``.inc``, ``.h``,
``.c``/``.cpp`` files and any file an INCLUDE statement names). A changed file gives a new
build; an unchanged set is compiled once and reused. A user's file that defines a
mechanism of the same name as one of ours replaces ours. Which names a file defines is
read by ``cells.mod_folder``.

A user's .mod file that does not compile (old C code in VERBATIM blocks, say), or whose
code needs a symbol nothing defines (found when NEURON 8 links its special, or when the
library is loaded into a fresh NEURON 9; see ``cells.versions`` and ``cells.build_failures``), is left out of
the build, and the build records it with the compiler's message: using one of its
mechanisms is then an error carrying that message (see ``check_cell_mechanisms``), and a
model that uses none of them runs with a warning naming the file. Loading is idempotent
per process.
"""

import fcntl
import functools
import hashlib
import json
import logging
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from cells.build_failures import compiler_message, file_message, needing_undefined
from cells.mod_folder import helper_files, mechanism_names, mod_files
from cells.versions import FAILED_TARGET, neuron_version
from wscale import faults, lifeline
from wscale.errors import UserError

MOD_DIR = Path(__file__).resolve().parent / 'mod'
BUILD_ROOT = Path(__file__).resolve().parent / 'build'
BUILD_RECORD = 'build.json'  # written last: a build with it is complete
BUILD_FORMAT = b'wscale-build-3'

log = logging.getLogger('wscale.mechanisms')

_loaded = {}


def build_files(user_mod_dir=None):
    """The files to compile: the user's folder's .mod files and helpers, and our .mod
    files that they do not replace (same mechanism name or same file name)."""
    ours = mod_files(MOD_DIR)
    if user_mod_dir is None:
        return ours
    theirs = mod_files(user_mod_dir)
    taken = set().union(*(mechanism_names(path) for path in theirs))
    names = {path.name for path in theirs}
    kept = [path for path in ours if not (mechanism_names(path) & taken) and path.name not in names]
    return theirs + helper_files(user_mod_dir) + kept


def content_hash(files):
    """A short hex digest of the NEURON version and the names and bytes of the given
    files: a build belongs to the NEURON that made it."""
    digest = hashlib.sha256(BUILD_FORMAT)
    digest.update(neuron_version().encode() + b'\0')
    for path in files:
        digest.update(path.name.encode())
        digest.update(b'\0')
        digest.update(path.read_bytes())
        digest.update(b'\0')
    return digest.hexdigest()[:16]


class Build:
    """A compiled set of mechanisms: ``library`` (libnrnmech.so); ``dropped``, the user's
    .mod files left out of it, ``{file name: {'mechanisms': [names], 'reason': why (does
    not compile, defined twice, built in), 'message': compiler lines or the clash}}``; and
    ``names``, the mechanisms its files define."""

    def __init__(self, library, dropped=None, names=()):
        self.library = Path(library)
        self.dropped = dict(dropped or {})
        self.names = set(names)  # the mechanisms its files define

    def dropped_for(self, name):
        """The dropped file that defines mechanism ``name``, or None."""
        return next((file for file, info in self.dropped.items() if name in info['mechanisms']), None)

    def __eq__(self, other):
        return isinstance(other, Build) and (self.library, self.dropped, self.names) == (
            other.library, other.dropped, other.names
        )


def _ends_with_us():
    """For subprocess: the child ends when this process does (see wscale.lifeline)."""
    return functools.partial(lifeline.die_with_parent, os.getpid())


def _library(build_dir):
    return build_dir / platform.machine() / 'libnrnmech.so'


def _nrnivmodl():
    """nrnivmodl beside this Python interpreter, else the one on PATH."""
    beside = Path(sys.executable).parent / 'nrnivmodl'
    return str(beside) if beside.exists() else 'nrnivmodl'


def _read_build(build_dir):
    record = build_dir / BUILD_RECORD
    library = _library(build_dir)
    if record.exists() and library.exists():
        stored = json.loads(record.read_text())
        return Build(library, stored['dropped'], stored.get('names', ()))
    return None


def compile_mechanisms(user_mod_dir=None, build_root=BUILD_ROOT):
    """Compile our mechanisms and the user's (``user_mod_dir``) once per content; return
    the ``Build``. The user's .mod files that fail to compile are left out of it and
    recorded; any other failure raises UserError carrying the compiler's output."""
    files = build_files(user_mod_dir)
    build_dir = Path(build_root) / content_hash(files)
    found = _read_build(build_dir)
    if found:
        return found
    build_dir.mkdir(parents=True, exist_ok=True)
    with open(build_dir / '.lock', 'w') as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        found = _read_build(build_dir)
        if found:
            return found
        folder = user_mod_dir or MOD_DIR
        mods = sum(path.suffix == '.mod' for path in files)
        log.info(f'compiling {mods} mechanism files ({folder}) with nrnivmodl, once for this content ...')
        started = time.perf_counter()
        sources = build_dir / 'mod'
        shutil.rmtree(sources, ignore_errors=True)
        sources.mkdir()
        for path in files:
            (sources / path.name).write_bytes(path.read_bytes())
        user_mods = {path.name for path in mod_files(user_mod_dir)} if user_mod_dir else set()
        dropped = clashing_files([sources / name for name in sorted(user_mods)], built_in_mechanisms())
        for name in dropped:
            (sources / name).unlink()
        dropped.update(_run_nrnivmodl(build_dir, folder, user_mods - set(dropped)))
        partial = build_dir / f'{BUILD_RECORD}.tmp'
        names = sorted(set().union(*(mechanism_names(path) for path in sources.glob('*.mod'))))
        partial.write_text(json.dumps({'dropped': dropped, 'names': names}, indent=1))
        os.replace(partial, build_dir / BUILD_RECORD)  # complete or absent for a reader without the lock
        left_out = ', '.join(f"{name} ({info['reason']})" for name, info in sorted(dropped.items()))
        log.info(f'compiled in {time.perf_counter() - started:.0f} s' + (f', leaving out {left_out}' if left_out else ''))
    return Build(_library(build_dir), dropped, names)


DOES_NOT_COMPILE, DEFINED_TWICE, BUILT_IN = 'does not compile', 'defined twice', 'built in'


def clashing_files(paths, built_in):
    """The user's .mod files NEURON could not load beside the others, which the build
    leaves out: those defining a name that NEURON has ``built_in``, and all the files
    defining a name that another file also defines. {file name: dropped entry}."""
    names = {path: mechanism_names(path) for path in paths}
    owners = {}
    for path, defined in names.items():
        for name in defined:
            owners.setdefault(name, []).append(path.name)
    clashes = {}
    for path, defined in names.items():
        own = sorted(defined & built_in)
        if own:
            clashes[path.name] = {
                'mechanisms': sorted(defined), 'reason': BUILT_IN,
                'message': f"{path.name} defines {', '.join(own)}, which NEURON has built in; NEURON's own is used",
            }
            continue
        twice = sorted(name for name in defined if len(owners[name]) > 1)
        if twice:
            others = sorted({other for name in twice for other in owners[name]} - {path.name})
            clashes[path.name] = {
                'mechanisms': sorted(defined), 'reason': DEFINED_TWICE,
                'message': f"{' and '.join(others)} also define{'s' if len(others) == 1 else ''} {', '.join(twice)}",
            }
    return clashes


def built_in_mechanisms():
    """The mechanism names of NEURON itself (as known before any library of ours is
    loaded into this process)."""
    density, point_processes = known_mechanisms()
    loaded = set().union(*(build.names for build in _loaded.values())) if _loaded else set()
    return (density | point_processes) - loaded


LOAD_CHECK = 'import sys\nfrom neuron import h\nsys.exit(0 if h.nrn_load_dll(sys.argv[1]) else 3)'


def _run_nrnivmodl(build_dir, folder, user_mods):
    """Run nrnivmodl in ``build_dir`` on its mod/ folder until the library links and loads
    into a fresh NEURON, each time leaving out the user's .mod files whose translation,
    compilation or link failed, or that need a symbol nothing defines. Returns those
    files: {name: {'mechanisms': [...], 'message': ...}}."""
    sources = build_dir / 'mod'
    env = {**os.environ, 'MAKEFLAGS': 'k'}  # report every file that fails, not the first
    dropped = {}
    while True:
        faults.inject('stage', stage='compile')
        proc = subprocess.run([_nrnivmodl(), 'mod'], cwd=build_dir, capture_output=True, text=True, env=env,
                              preexec_fn=_ends_with_us())
        output = compiler_message(proc.stdout + proc.stderr)
        if proc.returncode == 0 and _library(build_dir).exists():
            output = _load_failure(build_dir)
            if output is None:
                return dropped
        failed = sorted({f'{base}.mod' for base in FAILED_TARGET.findall(output)} - {'special.mod'})
        failed = failed or needing_undefined(build_dir, output, user_mods)
        if not failed or not set(failed) <= user_mods or not set(failed) - set(dropped):
            shutil.rmtree(build_dir / platform.machine(), ignore_errors=True)
            raise UserError(f'nrnivmodl failed for {folder}:\n{output}')
        for name in failed:
            dropped[name] = {
                'mechanisms': sorted(mechanism_names(sources / name)),
                'reason': DOES_NOT_COMPILE,
                'message': file_message(output, Path(name).stem),
            }
            (sources / name).unlink()
        shutil.rmtree(build_dir / platform.machine(), ignore_errors=True)
        if not any(sources.glob('*.mod')):
            raise UserError(f'nrnivmodl failed for {folder}: no .mod file compiled:\n{output}')


def _load_failure(build_dir):
    """None if the library just built loads into a fresh NEURON; else what it said."""
    proc = subprocess.run([sys.executable, '-c', LOAD_CHECK, str(_library(build_dir))], capture_output=True, text=True,
                          preexec_fn=_ends_with_us())
    return None if proc.returncode == 0 else compiler_message(proc.stdout + proc.stderr)


def load_mechanisms(user_mod_dir=None, build_root=BUILD_ROOT):
    """Compile if needed and load our and the user's mechanisms into this NEURON
    process; return the ``Build``."""
    build = compile_mechanisms(user_mod_dir, build_root)
    if build.library in _loaded:
        return _loaded[build.library]
    from neuron import h

    try:
        loaded = h.nrn_load_dll(str(build.library))
    except RuntimeError as err:
        reason = str(err).split('hoc_execerror: ')[-1].strip()
        raise UserError(f'NEURON could not load the mechanisms of {user_mod_dir or MOD_DIR}: {reason}') from None
    if not loaded:
        raise UserError(f'NEURON could not load {build.library}')
    _loaded[build.library] = build
    return build


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


def missing_mechanism(name, used_by, build=None):
    """The UserError for mechanism ``name`` (used by ``used_by``) that NEURON lacks: why
    the build left its file out (the compiler's message, or the clash), if it did."""
    file = build.dropped_for(name) if build else None
    if file and build.dropped[file]['reason'] == DOES_NOT_COMPILE:
        return UserError(
            f"mechanism '{name}' of {used_by} is defined in {file}, which failed to compile:\n"
            f"{build.dropped[file]['message']}"
        )
    if file:
        return UserError(
            f"mechanism '{name}' of {used_by} is defined in {file}, which is left out of the build: "
            f"{build.dropped[file]['message']}; keep one of the files that define it"
        )
    return UserError(f"mechanism '{name}' of {used_by} is in no mod folder (give its folder with --mod)")


def check_cell_mechanisms(cell, density, build=None):
    """Every mechanism in the cell's sections must be among ``density`` names."""
    for sec_name, sec in cell['secs'].items():
        for mech in sec.get('mechs', {}):
            if mech not in density:
                raise missing_mechanism(mech, f"section '{sec_name}'", build)


def unused_dropped(build, used):
    """Warning lines for the files the build left out: each one that defines none of
    the ``used`` names, and each one NEURON's built-in mechanisms replace."""
    lines = []
    for file, info in sorted(build.dropped.items()):
        reason = info['reason']
        if reason == BUILT_IN:
            lines.append(f"warning: left out {file}: {info['message']}")
        elif not set(info['mechanisms']) & set(used):
            why = 'it does not compile with this NEURON' if reason == DOES_NOT_COMPILE else info['message']
            lines.append(f"warning: left out {file} ({', '.join(info['mechanisms']) or 'no mechanism'}): {why} "
                         'and the model does not use it')
    return lines


def defining_file(name, user_mod_dir=None):
    """The .mod file (a path) that defines mechanism ``name`` in the build of
    ``user_mod_dir`` with ours: the user's file where both define it; None for NEURON's
    own mechanisms."""
    for path in build_files(user_mod_dir):
        if path.suffix == '.mod' and name in mechanism_names(path):
            return str(path)
    return None
