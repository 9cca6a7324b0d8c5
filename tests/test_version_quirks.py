"""The differences between NEURON and NetPyNE versions, kept in cells.versions."""

import tomllib

import pytest

from cells import versions
from tests.helpers import PROJECT

pytestmark = pytest.mark.unit  # pure code, no simulator process: python -m pytest -m unit


def test_the_oldest_supported_versions_are_those_pyproject_names():
    dependencies = tomllib.loads((PROJECT / 'pyproject.toml').read_text())['project']['dependencies']
    floors = dict(line.split('>=') for line in dependencies if '>=' in line)
    for package, oldest in versions.SUPPORTED.items():
        assert versions.release(floors[package]) == oldest


def test_release_reads_the_leading_numbers():
    assert versions.release('9.0.2') == (9, 0, 2)
    assert versions.release('8.2.7.dev12+g1234') == (8, 2, 7)
    assert versions.release('1.1.0rc1') == (1, 1, 0)
    assert versions.release('unknown') == ()


def test_older_versions_than_supported_are_named_in_one_warning_each():
    assert versions.unsupported({'neuron': '9.0.2', 'netpyne': '1.1.1'}) == []
    assert versions.unsupported({'neuron': '8.2.7', 'netpyne': '1.0.6'}) == []
    lines = versions.unsupported({'neuron': '8.1.0', 'netpyne': '1.0.5'})
    assert lines == [
        'warning: neuron 8.1.0 is older than the oldest supported (8.2.7); results have not been checked with it',
        'warning: netpyne 1.0.5 is older than the oldest supported (1.0.6); results have not been checked with it',
    ]


@pytest.mark.parametrize('line, stem', [
    ('make: *** [makemod2c_inc:43: untranslatable.c] Error 1', 'untranslatable'),  # NEURON 8: NMODL to C
    ('make: *** [/x/makemod2c_inc:38: broken.cpp] Error 1', 'broken'),  # NEURON 9: NMODL to C++
    ('make: *** [/x/nrnmech_makefile:130: ./uncompilable.o] Error 1', 'uncompilable'),  # the compiler, either
])
def test_a_failed_make_target_names_its_mod_file_on_either_neuron(line, stem):
    assert versions.FAILED_TARGET.findall(line) == [stem]


def test_a_symbol_nothing_defines_is_found_as_either_neuron_says_it():
    linker = "deadlink.c:(.text+0x1d): undefined reference to `wscale_defined_nowhere'"
    loader = 'libnrnmech.so: undefined symbol: _Z22wscale_defined_nowhered'
    assert [name for pair in versions.UNDEFINED.findall(linker) for name in pair if name] == ['wscale_defined_nowhere']
    assert [name for pair in versions.UNDEFINED.findall(loader) for name in pair if name] == ['_Z22wscale_defined_nowhered']


def test_netpyne_imports_with_the_tested_neuron():
    assert versions.netpyne_problem() is None
