"""The shape of the code: imports only point down, and no module imports itself round a cycle."""

import ast

import pytest

from tests.helpers import PROJECT

pytestmark = pytest.mark.unit  # pure code, no simulator process: python -m pytest -m unit

PACKAGES = ('analysis', 'cells', 'engines')


def project_imports():
    """{module: the project modules it imports}, from the source of every module."""
    files = list(PROJECT.glob('*.py')) + [path for package in PACKAGES for path in (PROJECT / package).glob('*.py')]
    names = {'.'.join(path.relative_to(PROJECT).with_suffix('').parts): path for path in files}
    names = {name.removesuffix('.__init__'): path for name, path in names.items()}
    imports = {}
    for name, path in names.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
                found.update(f'{node.module}.{alias.name}' for alias in node.names)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        imports[name] = {module for module in found if module in names and module != name and module not in PACKAGES}
    return imports


def cycle_through(imports, start):
    """A list of modules leading from ``start`` back to itself, or None."""
    stack = [(start, [start])]
    seen = set()
    while stack:
        module, path = stack.pop()
        for imported in imports[module]:
            if imported == start:
                return path + [start]
            if imported not in seen:
                seen.add(imported)
                stack.append((imported, path + [imported]))
    return None


def test_no_import_cycles():
    imports = project_imports()
    assert 'engines.command' in imports and 'engines.measurement' in imports
    cycles = [cycle_through(imports, module) for module in imports]
    assert [cycle for cycle in cycles if cycle] == []


def test_lower_layers_do_not_import_higher_ones():
    imports = project_imports()
    for module, imported in imports.items():
        if module.startswith(('cells', 'analysis')):
            assert not {name for name in imported if name.startswith('engines')}, module
        if module.startswith('analysis'):
            assert not {name for name in imported if name.startswith('cells')}, module
        if module.startswith('engines') and module != 'engines.command':
            assert 'engines.command' not in imported, module


def test_the_cycle_finder_finds_a_cycle():
    assert cycle_through({'a': {'b'}, 'b': {'c'}, 'c': {'a'}}, 'a') == ['a', 'b', 'c', 'a']
    assert cycle_through({'a': {'b'}, 'b': set()}, 'a') is None


def test_ruff_finds_nothing():
    """The lint rules of pyproject.toml hold everywhere (``ruff check``)."""
    import subprocess
    import sys

    from tests.helpers import PROJECT

    proc = subprocess.run([sys.executable, '-m', 'ruff', 'check', '--no-cache', '.'], cwd=PROJECT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-1000:]
