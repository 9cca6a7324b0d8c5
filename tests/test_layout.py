"""The shape of the code: imports only point down, and no module imports itself round a cycle."""

import ast

import pytest

from tests.helpers import PROJECT

pytestmark = pytest.mark.unit  # pure code, no simulator process: python -m pytest -m unit

PACKAGES = ('analysis', 'cells', 'wscale', 'wscale/cli', 'wscale/engines', 'wscale/search', 'wscale/report',
            'wscale/run', 'wscale/measure')

# Each role and its layer: a module may import its own layer and those below, never above.
LAYERS = {
    'scripts': 7,            # M1_grid_search.py, init.py, cfg.py, netParams.py: what users run and edit
    'wscale.cli': 6,         # the command line: options, settling a run, finishing it
    'wscale.engines': 5,     # batch (NetPyNE Batches), inline (reused models), cluster (SLURM)
    'wscale.search': 4,      # targeted search at a place, validation of a written file
    'wscale.report': 4,      # output files, reports and progress
    'wscale.run': 3,         # the settled run and its units, one point's run, input checks, worker processes
    'wscale.measure': 2,     # one measurement: the measurer, restarts from a saved state, its self-check
    'cells': 1,              # cells, synapses, mechanisms, a user's network model
    'analysis': 0,           # pure functions of arrays and plain dicts
    'wscale.errors': 0,      # the one-line error every layer raises
    'wscale.faults': 0,      # faults on purpose, for the tests (WSCALE_FAULT)
    'wscale.streams': 0,     # where a process's output goes
    'wscale.lifeline': 0,    # no process outlives the command that started it
    'wscale.interrupts': 0,  # Ctrl-C and SIGTERM, as one KeyboardInterrupt
}


def role(module):
    """The role of a module (the longest name in LAYERS it falls under); 'scripts' for the
    top-level files."""
    found = [name for name in LAYERS if module == name or module.startswith(name + '.')]
    return max(found, key=len) if found else 'scripts'


def project_imports():
    """{module: the project modules it imports}, from the source of every module."""
    files = list(PROJECT.glob('*.py')) + [path for package in PACKAGES for path in (PROJECT / package).glob('*.py')]
    names = {'.'.join(path.relative_to(PROJECT).with_suffix('').parts): path for path in files}
    names = {name.removesuffix('.__init__'): path for name, path in names.items()}
    packages = {package.replace('/', '.') for package in PACKAGES}
    imports = {}
    for name, path in names.items():
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
                found.update(f'{node.module}.{alias.name}' for alias in node.names)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
        imports[name] = {module for module in found if module in names and module != name and module not in packages}
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
    assert 'wscale.cli.command' in imports and 'wscale.measure.measurement' in imports
    cycles = [cycle_through(imports, module) for module in imports]
    assert [cycle for cycle in cycles if cycle] == []


def test_lower_layers_do_not_import_higher_ones():
    imports = project_imports()
    assert {role(module) for module in imports} == set(LAYERS)  # every role has its modules
    upward = [(module, name) for module, imported in imports.items() for name in imported
              if LAYERS[role(name)] > LAYERS[role(module)]]
    assert upward == []


def test_the_layer_check_sees_an_arrow_up():
    assert role('wscale.measure.measurement') == 'wscale.measure' and role('M1_grid_search') == 'scripts'
    assert role('wscale.errors') == 'wscale.errors' and role('cells.network') == 'cells'
    assert LAYERS[role('wscale.cli.command')] > LAYERS[role('wscale.measure.measurement')]


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


def test_the_command_line_offers_the_engines_the_command_runs():
    from wscale.cli import command, options
    from wscale.run.spec import PREVIEW_ENGINE

    assert set(command.ENGINES) == {*options.ENGINE_NAMES, PREVIEW_ENGINE}
