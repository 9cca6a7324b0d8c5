"""NMODL compilation: content-keyed builds, compiler messages on failure."""

import shutil

import pytest

from cells.mechanisms import (
    MOD_DIR, check_cell_mechanisms, compile_mechanisms, content_hash, mod_files, unused_dropped,
)
from engines.errors import UserError


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
    for name in ('twice_a.mod', 'twice_b.mod'):  # both define the global q10_twice: the link fails
        (mods / name).write_text('NEURON { SUFFIX twice GLOBAL q10 }\nPARAMETER { q10 = 3 }\n')
    with pytest.raises(UserError, match='nrnivmodl failed') as failure:
        compile_mechanisms(mods, tmp_path / 'build')
    assert 'twice' in str(failure.value)


def test_missing_or_empty_mod_folder(tmp_path):
    with pytest.raises(UserError, match='not found'):
        mod_files(tmp_path / 'absent')
    with pytest.raises(UserError, match='no .mod files'):
        mod_files(tmp_path)
