"""A run stopped in any way keeps every unit it measured and says so; --resume (or the
same command again) finishes it with the files an uninterrupted run writes; no process
it started outlives it; a bad output place is one line."""

import json
import os
import pickle
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from cells.generate_pyramidal import DEFAULT_FILE
from tests.helpers import PROJECT, assert_one_line_error, run_command

TARGETED = ['--cell', DEFAULT_FILE, '--secs', 'basal_0', 'basal_0_0', 'basal_0_1', 'basal_1', 'basal_1_0', 'basal_1_1',
            '--all-segments', '--search', 'target', '--jobs', '2']
PLACES = 1 + 3 + 9 + 9 + 3 + 9 + 7  # the soma and the segments of those sections
GRID = ['--secs', 'soma', 'dendrite', 'axon_1', '--weights', '0.001', '0.002', '0.003', '--jobs', '2']


def start(args, out, env=None):
    """The command in a session of its own, as a terminal runs a job."""
    return subprocess.Popen([sys.executable, 'M1_grid_search.py', *map(str, args), '--out', str(out)], cwd=PROJECT,
                            start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})


def resume(out):
    return subprocess.Popen([sys.executable, 'M1_grid_search.py', '--resume', str(out)], cwd=PROJECT,
                            start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def processes_of(out):
    """Processes whose command line names ``out``: the command, its workers (forked, the
    same command line) and the nrniv of Batch points (their cfg files are in it)."""
    found = []
    for entry in Path('/proc').iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                line = (entry / 'cmdline').read_bytes().replace(b'\0', b' ').decode(errors='replace')
            except OSError:
                continue
            if str(out) in line:
                found.append(f'{entry.name}: {line[:160]}')
    return found


def none_left(out, seconds=10):
    deadline = time.monotonic() + seconds
    while processes_of(out) and time.monotonic() < deadline:
        time.sleep(0.1)
    return processes_of(out)


def journal_units(out):
    if not (out / 'journal.jsonl').exists():
        return []
    lines = [line for line in (out / 'journal.jsonl').read_text().splitlines() if line.strip()]
    units = []
    for line in lines:
        try:
            units.append(json.loads(line)['unit'])
        except ValueError:  # a line cut short by the kill
            pass
    return units


def until_kept(proc, out, count, seconds=120):
    """Wait until the running command ``proc`` has journaled ``count`` units."""
    deadline = time.monotonic() + seconds
    while len(journal_units(out)) < count:
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.01)


def same_files(out, reference):
    with open(out / 'weight_norm.pkl', 'rb') as mine, open(reference / 'weight_norm.pkl', 'rb') as theirs:
        assert pickle.load(mine) == pickle.load(theirs)
    assert json.loads((out / 'summary.json').read_text()) == json.loads((reference / 'summary.json').read_text())


@pytest.fixture(scope='module')
def targeted_reference(tmp_path_factory):
    out = tmp_path_factory.mktemp('reference') / 'out'
    proc = run_command('M1_grid_search.py', *TARGETED, '--out', out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


def test_a_run_killed_five_times_resumes_to_the_files_of_one_never_stopped(targeted_reference, tmp_path):
    """SIGKILL of the command alone at 5 random moments (while it builds its models, or
    once a drawn number of places more are kept, plus a drawn fraction of a second),
    resumed after each: no process of the run survives a kill, no unit is measured twice
    (each is journaled once), and the final weightNorm file and summary equal the
    uninterrupted run's."""
    rng = random.Random(2026)
    out = tmp_path / 'out'
    kept = [0]
    for number in range(5):
        proc = resume(out) if (out / 'run_spec.json').exists() else start(TARGETED, out)
        until_kept(proc, out, kept[-1] + rng.choice([0, 2, 4, 6]))
        time.sleep(rng.uniform(0, 0.3))
        assert proc.poll() is None, f'the run ended before kill {number + 1}: {proc.communicate()}'
        os.kill(proc.pid, signal.SIGKILL)
        proc.communicate()
        assert none_left(out) == [], f'processes outlived kill {number + 1}'
        units = journal_units(out)
        assert len(units) == len(set(units)) and len(units) >= kept[-1]
        kept.append(len(units))
        if (out / 'status.json').exists():  # else it was killed while it settled the run
            assert json.loads((out / 'status.json').read_text())['status'] == 'running'  # its pid is gone
        assert not (out / 'run.json').exists()
    assert kept[-1] < PLACES
    final = run_command('M1_grid_search.py', '--resume', out)
    assert final.returncode == 0, final.stderr[-3000:]
    assert f'resuming the run in {out}: {kept[-1]} of {PLACES} places kept' in final.stdout
    units = journal_units(out)
    assert len(units) == len(set(units)) == PLACES
    same_files(out, targeted_reference)
    assert json.loads((out / 'status.json').read_text())['status'] == 'finished'


def test_a_killed_batch_run_resumes_to_the_same_results(tmp_path):
    """The batch engine: points whose jobs wrote a record before the kill are kept,
    whether or not the command had journaled them yet."""
    reference = tmp_path / 'reference'
    assert run_command('M1_grid_search.py', *GRID, '--out', reference).returncode == 0
    out = tmp_path / 'out'
    proc = start(GRID, out)
    deadline = time.monotonic() + 60
    while not list((out / 'grid_batch').glob('part_*/*_point.json')) and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert none_left(out) == []
    again = run_command('M1_grid_search.py', *GRID, '--out', out)  # the same command goes on with it
    assert again.returncode == 0, again.stderr[-3000:]
    assert 'resuming the run in' in again.stdout
    mine = json.loads((out / 'results.json').read_text())
    theirs = json.loads((reference / 'results.json').read_text())
    assert [(r['sec'], r['weight'], r['epsp']) for r in mine] == [(r['sec'], r['weight'], r['epsp']) for r in theirs]
    same_files(out, reference)


SMALL = ['--secs', 'dendrite', '--all-segments', '--weights', '0.001', '0.002', '0.004', '--validate', '2', '--jobs', '2']


@pytest.mark.parametrize('stage, fault', [
    ('simulate', {'at': 'netparams', 'when': {'weight': 0.002}, 'fault': 'interrupt'}),
    ('analysis', {'at': 'stage', 'when': {'stage': 'analysis'}, 'fault': 'interrupt'}),
    ('plots', {'at': 'stage', 'when': {'stage': 'plots'}, 'fault': 'interrupt'}),
    ('validation', {'at': 'stage', 'when': {'stage': 'validation'}, 'fault': 'interrupt'}),
])
def test_ctrl_c_at_any_stage_leaves_a_folder_marked_interrupted_that_resumes(tmp_path, stage, fault):
    out = tmp_path / 'out'
    proc = start(SMALL, out, env={'WSCALE_FAULT': json.dumps(fault)})
    stdout, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 130, stderr[-3000:]
    assert none_left(out) == []
    assert 'Traceback' not in stderr
    assert f'resume with: python M1_grid_search.py --resume {out}' in stderr
    assert stderr.strip().splitlines()[-1] == 'error: interrupted'
    status = json.loads((out / 'status.json').read_text())
    assert status['status'] == 'interrupted' and status['resume'] == f'python M1_grid_search.py --resume {out}'
    left = sorted(path.name for path in out.iterdir())
    assert left == sorted({'grid_batch', 'journal.jsonl', 'run_spec.json', 'status.json'} & set(left) | {'status.json'})
    resumed = run_command('M1_grid_search.py', '--resume', out)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert json.loads((out / 'status.json').read_text())['status'] == 'finished'
    for name in ('run.json', 'results.json', 'summary.json', 'weight_norm.pkl', 'validation.json', 'validation.png'):
        assert (out / name).is_file(), name


def test_ctrl_c_while_mechanisms_compile_leaves_a_build_the_next_run_completes(tmp_path):
    mods = tmp_path / 'mod'
    mods.mkdir()
    (mods / 'leak_extra.mod').write_text(f'NEURON {{ SUFFIX leak_extra_{os.getpid()} }}\n')
    args = ['--cell', DEFAULT_FILE, '--mod', mods, '--secs', 'soma', '--weights', '0.001', '--engine', 'inline']
    out = tmp_path / 'out'
    proc = start(args, out, env={'WSCALE_FAULT': json.dumps({'at': 'stage', 'when': {'stage': 'compile'}, 'fault': 'interrupt'})})
    _, stderr = proc.communicate(timeout=300)
    assert proc.returncode == 130 and stderr.strip().splitlines()[-1] == 'error: interrupted', stderr[-3000:]
    assert none_left(tmp_path) == []
    again = run_command('M1_grid_search.py', *args, '--out', out)
    assert again.returncode == 0, again.stderr[-3000:]
    assert json.loads((out / 'status.json').read_text())['status'] == 'finished'


def test_sigterm_stops_the_run_as_ctrl_c_does(tmp_path):
    out = tmp_path / 'out'
    proc = start(TARGETED, out)
    until_kept(proc, out, 1)
    os.kill(proc.pid, signal.SIGTERM)
    _, stderr = proc.communicate(timeout=60)
    assert proc.returncode == 143, stderr[-3000:]
    assert none_left(out) == []
    assert json.loads((out / 'status.json').read_text())['status'] == 'interrupted'
    assert 'places kept in' in stderr and stderr.strip().splitlines()[-1] == 'error: interrupted'


def test_an_unfinished_run_of_other_settings_is_not_replaced(tmp_path):
    out = tmp_path / 'out'
    proc = start(TARGETED, out)
    until_kept(proc, out, 1)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    other = run_command('M1_grid_search.py', '--secs', 'soma', '--weights', '0.001', '--out', out)
    assert_one_line_error(other, f'{out} holds an interrupted run of other settings: resume it with '
                                 f'python M1_grid_search.py --resume {out}, or start afresh with another --out')
    assert journal_units(out)  # nothing of it was removed


def test_files_an_earlier_run_left_are_removed_when_the_run_completes(tmp_path):
    out = tmp_path / 'out'
    first = run_command('M1_grid_search.py', *SMALL, '--out', out)
    assert first.returncode == 0 and (out / 'validation.json').exists()
    second = run_command('M1_grid_search.py', '--secs', 'soma', '--weights', '0.001', '--out', out)
    assert second.returncode == 0, second.stderr[-3000:]
    assert not (out / 'validation.json').exists() and not (out / 'validation.png').exists()
    assert (out / 'results.json').exists() and (out / 'run.json').exists()
    assert {record['sec'] for record in json.loads((out / 'results.json').read_text())} == {'soma'}


def test_an_output_folder_under_a_file_is_one_line(tmp_path):
    (tmp_path / 'file').write_text('')
    proc = run_command('M1_grid_search.py', '--secs', 'soma', '--weights', '0.001', '--out', tmp_path / 'file' / 'out')
    assert_one_line_error(proc, f"--out {tmp_path / 'file' / 'out'}: {tmp_path / 'file'} is a file, not a folder")


@pytest.fixture
def small_filesystem(tmp_path):
    """A mount point for a filesystem of the test's own (root only)."""
    if os.geteuid() != 0:
        pytest.skip('mounting a filesystem needs root')
    mount = tmp_path / 'mnt'
    mount.mkdir()
    yield mount
    subprocess.run(['umount', str(mount)], check=False)


def test_a_read_only_output_folder_is_one_line(small_filesystem):
    subprocess.run(['mount', '-t', 'tmpfs', '-o', 'ro,size=1m', 'tmpfs', str(small_filesystem)], check=True)
    proc = run_command('M1_grid_search.py', '--secs', 'soma', '--weights', '0.001', '--out', small_filesystem)
    assert_one_line_error(proc, f'--out {small_filesystem}: cannot write there: Read-only file system')


def test_a_full_disk_is_one_line_and_leaves_no_part_of_a_file(small_filesystem):
    subprocess.run(['mount', '-t', 'tmpfs', '-o', 'size=48k', 'tmpfs', str(small_filesystem)], check=True)
    proc = run_command('M1_grid_search.py', '--secs', 'soma', 'dendrite', '--weights', '0.001', '0.002',
                       '--out', small_filesystem, '--engine', 'inline')
    assert proc.returncode == 1 and 'Traceback' not in proc.stderr, proc.stderr[-3000:]
    lines = [line for line in proc.stderr.splitlines() if line.startswith('error:')]
    assert len(lines) == 1 and lines[0].startswith('error: cannot write') and 'No space left on device' in lines[0]
    assert not list(small_filesystem.glob('.*.tmp')) and not (small_filesystem / 'run.json').exists()


MODEL = PROJECT / 'tests' / 'fixtures' / 'placements'


@pytest.mark.parametrize('flag', ['--netparams', '--cfg'])
@pytest.mark.parametrize('name, text, said', [
    ('model.txt', 'not python at all\n', 'is not Python NetPyNE can run: invalid syntax (line 1)'),
    ('model.json', '{"cells": [1, 2,\n', 'is not Python NetPyNE can run'),
])
def test_a_model_file_that_is_not_python_is_one_line(tmp_path, flag, name, text, said):
    path = tmp_path / name
    path.write_text(text)
    files = {'--netparams': MODEL / 'netParams.py', '--cfg': MODEL / 'cfg.py', flag: path}
    proc = run_command('M1_grid_search.py', *[part for pair in files.items() for part in pair], '--out', tmp_path / 'out')
    assert_one_line_error(proc, f'{path} {said}')
    assert not (tmp_path / 'out').exists()


def test_an_unreadable_model_file_is_one_line(tmp_path):
    path = tmp_path / 'netParams.py'
    path.mkdir()  # a folder in place of the file: no user can read it as one
    proc = run_command('M1_grid_search.py', '--netparams', MODEL / 'netParams.py', '--cfg', path, '--out', tmp_path / 'out')
    assert_one_line_error(proc, str(path))


def test_a_unit_whose_worker_died_is_measured_again_by_resume(tmp_path):
    """A worker lost mid-run costs its unit a result, not the run: the unit is not
    journaled, and --resume measures it (here without the fault) into the files a run
    without the loss writes."""
    args = ['--secs', 'soma', 'dendrite', '--weights', '0.001', '0.002', '--engine', 'inline', '--jobs', '2']
    reference = tmp_path / 'reference'
    assert run_command('M1_grid_search.py', *args, '--out', reference).returncode == 0
    out = tmp_path / 'out'
    fault = {'at': 'measure', 'when': {'sec': 'dendrite', 'weight': 0.002}, 'fault': 'abort'}
    first = run_command('M1_grid_search.py', *args, '--out', out, env={'WSCALE_FAULT': json.dumps(fault)})
    assert first.returncode == 1 and '1 of 4 points failed' in first.stderr, first.stderr[-3000:]
    assert len(journal_units(out)) == 3
    again = run_command('M1_grid_search.py', '--resume', out)
    assert again.returncode == 0, again.stderr[-3000:]
    assert f'resuming the run in {out}: 3 of 4 points kept' in again.stdout
    same_files(out, reference)


def test_a_killed_network_run_resumes_to_each_cell_types_files(tmp_path):
    args = ['--netparams', MODEL, '--secs', 'soma', 'apic', '--all-segments', '--search', 'target', '--jobs', '2']
    reference = tmp_path / 'reference'
    proc = run_command('M1_grid_search.py', *args, '--out', reference)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = tmp_path / 'out'
    proc = start(args, out)
    until_kept(proc, out, 3)
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate()
    assert none_left(out) == []
    again = run_command('M1_grid_search.py', '--resume', out)
    assert again.returncode == 0, again.stderr[-3000:]
    cells = sorted(path.name for path in reference.iterdir() if (path / 'summary.json').exists())
    assert cells and cells == sorted(path.name for path in out.iterdir() if (path / 'summary.json').exists())
    for cell in cells:
        same_files(out / cell, reference / cell)
