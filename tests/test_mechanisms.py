"""NMODL compilation: content-keyed builds, compiler messages on failure."""

import json
import shutil
import subprocess

import pytest

from cells.mechanisms import (
    MOD_DIR,
    check_cell_mechanisms,
    clashing_files,
    compile_mechanisms,
    content_hash,
    unused_dropped,
)
from cells.mod_folder import mod_files
from tests.helpers import PROJECT
from wscale.errors import UserError


@pytest.mark.unit
def test_hash_follows_content(tmp_path):
    for path in mod_files(MOD_DIR):
        shutil.copy(path, tmp_path)
    before = content_hash(mod_files(tmp_path))
    assert before == content_hash(mod_files(MOD_DIR))
    changed = tmp_path / 'hd.mod'
    changed.write_text(changed.read_text() + '\n: changed\n')
    assert content_hash(mod_files(tmp_path)) != before


def test_compiles_once_and_reuses_the_build(tmp_path):
    library = compile_mechanisms(MOD_DIR, tmp_path).library
    assert library.exists()
    stamp = library.stat().st_mtime_ns
    assert compile_mechanisms(MOD_DIR, tmp_path).library == library
    assert library.stat().st_mtime_ns == stamp


def test_a_file_that_fails_to_compile_is_left_out_with_the_compiler_message(tmp_path):
    mods = tmp_path / 'mod'
    mods.mkdir()
    (mods / 'broken.mod').write_text('NEURON {\n    SUFFIX broken\n    RANGE g\n}\nBREAKPOINT {\n    g = \n}\n')
    build = compile_mechanisms(mods, tmp_path / 'build')
    assert build.library.exists()
    assert list(build.dropped) == ['broken.mod'] and build.dropped['broken.mod']['mechanisms'] == ['broken']
    assert 'broken.mod' in build.dropped['broken.mod']['message']
    assert build.dropped_for('broken') == 'broken.mod' and build.dropped_for('hd') is None
    assert compile_mechanisms(mods, tmp_path / 'build') == build
    assert unused_dropped(build, {'hd', 'pas'}) == [
        'warning: left out broken.mod (broken): it does not compile with this NEURON and the model does not use it'
    ]
    assert unused_dropped(build, {'broken'}) == []
    with pytest.raises(UserError, match="'broken' of section 'soma' is defined in broken.mod, which failed to compile"):
        check_cell_mechanisms({'secs': {'soma': {'mechs': {'broken': {}}}}}, {'pas'}, build)


def test_a_failure_no_file_explains_is_an_error_with_the_compiler_output(tmp_path):
    mods = tmp_path / 'mod'
    mods.mkdir()
    for name in ('one', 'two'):  # each compiles, but both define the C function helper: the link fails
        (mods / f'{name}.mod').write_text(
            f'NEURON {{ SUFFIX {name} }}\nVERBATIM\nextern "C" double helper(void) {{ return 1.0; }}\nENDVERBATIM\n'
        )
    with pytest.raises(UserError, match='nrnivmodl failed') as failure:
        compile_mechanisms(mods, tmp_path / 'build')
    assert 'helper' in str(failure.value)


@pytest.mark.unit
def test_missing_or_empty_mod_folder(tmp_path):
    with pytest.raises(UserError, match='not found'):
        mod_files(tmp_path / 'absent')
    with pytest.raises(UserError, match='no .mod files'):
        mod_files(tmp_path)


@pytest.mark.unit
def test_files_neuron_could_not_load_together_are_left_out(tmp_path):
    mods = tmp_path / 'mod'
    mods.mkdir()
    (mods / 'kdr.mod').write_text('NEURON { SUFFIX kdr RANGE g }\nPARAMETER { g = 1 }\n')
    (mods / 'kdr_old.mod').write_text('NEURON { SUFFIX kdr RANGE g }\nPARAMETER { g = 2 }\n')
    (mods / 'netstim.mod').write_text('NEURON { ARTIFICIAL_CELL NetStim RANGE x }\nPARAMETER { x = 1 }\n')
    (mods / 'keep.mod').write_text('NEURON { SUFFIX keep RANGE g }\nPARAMETER { g = 1 }\n')
    clashes = clashing_files(sorted(mods.glob('*.mod')), {'NetStim', 'pas', 'hh'})
    assert {name: info['reason'] for name, info in clashes.items()} == {
        'kdr.mod': 'defined twice', 'kdr_old.mod': 'defined twice', 'netstim.mod': 'built in',
    }
    assert clashes['kdr.mod']['message'] == 'kdr_old.mod also defines kdr'

    build = compile_mechanisms(mods, tmp_path / 'build')
    assert sorted(build.dropped) == ['kdr.mod', 'kdr_old.mod', 'netstim.mod'] and 'keep' in build.names
    assert unused_dropped(build, {'keep', 'pas'}) == [
        'warning: left out kdr.mod (kdr): kdr_old.mod also defines kdr and the model does not use it',
        'warning: left out kdr_old.mod (kdr): kdr.mod also defines kdr and the model does not use it',
        "warning: left out netstim.mod: netstim.mod defines NetStim, which NEURON has built in; NEURON's own is used",
    ]
    with pytest.raises(UserError, match="'kdr' of section 'dend' is defined in kdr.mod, which is left out of the build: "
                                        'kdr_old.mod also defines kdr; keep one'):
        check_cell_mechanisms({'secs': {'dend': {'mechs': {'kdr': {}}}}}, {'pas'}, build)


# A file that compiles on every NEURON but needs a function nothing defines: NEURON 8's
# nrnivmodl fails to link its special, NEURON 9's library fails to load.
NEEDS_UNDEFINED = """NEURON { SUFFIX deadlink RANGE x }
ASSIGNED { x }
VERBATIM
extern double wscale_defined_nowhere(double);
ENDVERBATIM
BREAKPOINT {
VERBATIM
    x = wscale_defined_nowhere(1.0);
ENDVERBATIM
}
"""
KEEP = 'NEURON { SUFFIX keep RANGE g }\nPARAMETER { g = 1 }\n'
# Files that fail earlier on every NEURON: NMODL that does not translate, and C that
# does not compile (NEURON 8 translates to C, NEURON 9 to C++).
DEAD = {
    'deadlink.mod': NEEDS_UNDEFINED,
    'untranslatable.mod': 'NEURON { SUFFIX untranslatable RANGE g }\nBREAKPOINT {\n    g = \n}\n',
    'uncompilable.mod': 'NEURON { SUFFIX uncompilable RANGE x }\nASSIGNED { x }\nBREAKPOINT {\nVERBATIM\n'
                        '    x = 1.0 +* ;\nENDVERBATIM\n}\n',
}

# In a fresh process of the given python: compile the folder, load the build, insert keep.
BUILD_AND_LOAD = """
import json, sys
sys.path.insert(0, sys.argv[1])
from cells.mechanisms import load_mechanisms
from cells.versions import neuron_version
build = load_mechanisms(sys.argv[2], sys.argv[3])
from neuron import h
section = h.Section(name='soma')
section.insert('keep')
print(json.dumps({'version': neuron_version(), 'library': str(build.library), 'dropped': build.dropped}))
"""


def build_and_load(python, tmp_path, build_root):
    mods = tmp_path / 'mod'
    if not mods.exists():
        mods.mkdir()
        for name, text in {**DEAD, 'keep.mod': KEEP}.items():
            (mods / name).write_text(text)
    proc = subprocess.run([str(python), '-c', BUILD_AND_LOAD, str(PROJECT), str(mods), str(build_root)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def assert_left_out_for_its_symbol(found):
    assert sorted(found['dropped']) == sorted(DEAD)
    for name in DEAD:
        assert found['dropped'][name]['mechanisms'] == [name[:-len('.mod')]]
    assert 'wscale_defined_nowhere' in found['dropped']['deadlink.mod']['message']
    assert 'uncompilable' in found['dropped']['uncompilable.mod']['message']


def test_files_failing_to_translate_compile_or_link_are_left_out(tmp_path):
    import sys

    assert_left_out_for_its_symbol(build_and_load(sys.executable, tmp_path, tmp_path / 'build'))


@pytest.mark.slow
@pytest.mark.xdist_group('environments')
def test_each_neuron_version_keeps_its_own_build_and_leaves_the_file_out(older, tmp_path):
    """One checkout used from two environments: each NEURON builds, and finds, its own
    library; NEURON 8 fails to link the file where NEURON 9 fails to load it."""
    import sys

    build_root = tmp_path / 'build'
    newer = build_and_load(sys.executable, tmp_path, build_root)
    old = build_and_load(older, tmp_path, build_root)
    assert old['version'].startswith('8.2') and not newer['version'].startswith('8.2')
    assert old['library'] != newer['library']
    assert_left_out_for_its_symbol(old)
    assert 'undefined reference' in old['dropped']['deadlink.mod']['message']
    assert build_and_load(sys.executable, tmp_path, build_root) == newer  # each is found again
