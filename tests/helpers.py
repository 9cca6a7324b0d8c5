"""Running the project's commands as a user would, in a fresh process."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def run_command(*args, cwd=PROJECT, timeout=300, env=None):
    """Run ``python <args>`` in ``cwd`` (the project folder by default), with ``env``
    added to the environment; return the CompletedProcess."""
    env = {**os.environ, **(env or {})}
    env.pop('WSCALE_BATCH_PROCESS', None)
    return subprocess.run(
        [sys.executable, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=timeout, env=env
    )


def run_in_child(script, *args, cwd=PROJECT):
    """Run ``script``'s ``main(args)`` (``M1_grid_search.py`` or ``init.py``) as the command
    line does, in a process forked from this one: no interpreter to start and nothing to
    import again, for the checks that end before any simulation (bad arguments). Returns
    a CompletedProcess with main's exit status and what it printed; an exception that
    escapes main prints its traceback and exits 1, as Python does."""
    import importlib.util
    import tempfile
    import traceback

    outputs = [tempfile.TemporaryFile(), tempfile.TemporaryFile()]
    child = os.fork()
    if child == 0:  # the child: never returns
        status = 1
        try:
            for stream, fd in zip(outputs, (1, 2)):
                os.dup2(stream.fileno(), fd)
            sys.stdout = open(1, 'w', buffering=1, closefd=False)
            sys.stderr = open(2, 'w', buffering=1, closefd=False)
            os.environ.pop('WSCALE_BATCH_PROCESS', None)
            os.chdir(cwd)
            path = Path(cwd) / script
            spec = importlib.util.spec_from_file_location(path.stem, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            status = module.main([str(arg) for arg in args])
        except BaseException:  # as the interpreter would show it
            traceback.print_exc()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(status if isinstance(status, int) else 1)
    _, wait_status = os.waitpid(child, 0)
    printed = []
    for stream in outputs:
        stream.seek(0)
        printed.append(stream.read().decode(errors='replace'))
        stream.close()
    return subprocess.CompletedProcess([script, *map(str, args)], os.waitstatus_to_exitcode(wait_status), *printed)


def png_size(path):
    """(width, height) in pixels from a PNG file's header; fails on anything else."""
    import struct

    data = Path(path).read_bytes()
    assert data[:8] == b'\x89PNG\r\n\x1a\n' and data[12:16] == b'IHDR', path
    return struct.unpack('>II', data[16:24])


def assert_one_line_error(proc, named):
    """The command failed with one 'error: ...' line naming ``named``, no traceback, no stdout."""
    assert proc.returncode != 0
    assert proc.stdout == ''
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith('error: ') and named in lines[0], lines[0]
    assert 'Traceback' not in proc.stderr


def patched_project(tmp_path, patches):
    """A copy of the project in ``tmp_path/project`` in which, for each file named in
    ``patches``, every ``(hook, addition)`` puts ``addition`` right after ``hook``; each
    hook must be in its file. For what a user edits (search_params in M1_grid_search.py,
    cfg.py); faults go through ``WSCALE_FAULT`` (``wscale.faults``) instead."""
    project = tmp_path / 'project'
    shutil.copytree(PROJECT, project, ignore=shutil.ignore_patterns('.git', 'results', '__pycache__', 'tests'))
    for name, edits in patches.items():
        path = project / name
        source = path.read_text()
        for hook, addition in edits:
            assert hook in source, f'{hook!r} not in {name}'
            source = source.replace(hook, hook + addition, 1)
        path.write_text(source)
    return project


def in_child(function, *args):
    """``function(*args)`` run in a forked process, so that what it loads into NEURON
    (a model's mechanisms) stays out of the test process; returns its result or raises
    its exception."""
    import multiprocessing

    context = multiprocessing.get_context('fork')
    receiver, sender = context.Pipe(duplex=False)

    def target():
        try:
            sender.send((True, function(*args)))
        except BaseException as err:  # handed to the test process
            sender.send((False, err))

    process = context.Process(target=target)
    process.start()
    ok, value = receiver.recv()
    process.join()
    if not ok:
        raise value
    return value


# The older NEURON and NetPyNE labs run, and the MPI for networks on more than one rank:
# the slow tests install them with pip into virtual environments over this one's packages.
OLDER = ('neuron==8.2.7', 'netpyne==1.0.6')
MPI = 'mpich==5.0.2'


def environment(root, packages):
    """A virtual environment at ``root`` over this one's packages, with ``packages``
    installed by pip (without their dependencies, which this one has); its python."""
    subprocess.run([sys.executable, '-m', 'venv', '--system-site-packages', str(root)], check=True, timeout=300)
    python = Path(root) / 'bin' / 'python'
    proc = subprocess.run([str(python), '-m', 'pip', 'install', '-q', '--no-deps', *packages], capture_output=True,
                          text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return python
