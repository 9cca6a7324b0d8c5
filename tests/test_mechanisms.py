"""NMODL compilation: content-keyed builds, compiler messages on failure."""

import shutil

import pytest

from cells.mechanisms import MOD_DIR, compile_mechanisms, content_hash, mod_files
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
    library = compile_mechanisms(MOD_DIR, tmp_path)
    assert library.exists()
    stamp = library.stat().st_mtime_ns
    assert compile_mechanisms(MOD_DIR, tmp_path) == library
    assert library.stat().st_mtime_ns == stamp


def test_compile_failure_carries_the_compiler_message(tmp_path):
    mods = tmp_path / 'mod'
    mods.mkdir()
    (mods / 'broken.mod').write_text('NEURON {\n    SUFFIX broken\n    RANGE g\n}\nBREAKPOINT {\n    g = \n}\n')
    with pytest.raises(UserError, match='nrnivmodl failed') as failure:
        compile_mechanisms(mods, tmp_path / 'build')
    assert 'broken.mod' in str(failure.value)


def test_missing_or_empty_mod_folder(tmp_path):
    with pytest.raises(UserError, match='not found'):
        mod_files(tmp_path / 'absent')
    with pytest.raises(UserError, match='no .mod files'):
        mod_files(tmp_path)
