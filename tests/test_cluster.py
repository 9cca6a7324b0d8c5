"""--cluster slurm: the SLURM layer's parsing, the options, a dry run, and runs on a real
SLURM cluster (the one SLURM_CONF names, e.g. cluster/start_local_slurm.sh's); those
skip when no cluster answers."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from tests.conftest import DEFAULT_GRID
from tests.helpers import PROJECT, assert_one_line_error, patched_project, run_command, run_in_child
from wscale.engines import cluster, slurm

SMALL_GRID = ['--secs', 'soma', 'dendrite', '--weights', '0.001', '0.002']


def _cluster_problem():
    """Why no SLURM cluster can be used here, or None."""
    if shutil.which('sbatch') is None or shutil.which('sinfo') is None:
        return 'the SLURM commands are not installed'
    try:
        proc = subprocess.run(['sinfo', '-h', '-o', '%t'], capture_output=True, text=True, timeout=20)
    except subprocess.TimeoutExpired:
        return 'sinfo did not answer'
    states = proc.stdout.split()
    if proc.returncode != 0 or not states:
        return (proc.stderr.strip() or 'sinfo lists no node').splitlines()[0]
    if not any(state.rstrip('*~#') in ('idle', 'mix', 'alloc', 'comp') for state in states):
        return f'no node is up (sinfo: {" ".join(states)})'
    return None


@pytest.fixture(scope='session')
def slurm_cluster():
    problem = _cluster_problem()
    if problem and os.environ.get('WSCALE_REQUIRE_SLURM'):
        pytest.fail(f'WSCALE_REQUIRE_SLURM is set but no SLURM cluster answers: {problem}')
    if problem:
        pytest.skip(f'no SLURM cluster to test against ({problem}); cluster/start_local_slurm.sh starts one')


def squeue_state(job_id):
    proc = subprocess.run(['squeue', '-h', '-t', 'all', '-j', job_id, '-o', '%T'], capture_output=True, text=True)
    return proc.stdout.strip()


def wait_for(condition, seconds=120, step=0.2):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


def sigint_as_from_a_terminal():
    """In a child process: Ctrl-C's signal handled by default, even where the tests run
    with SIGINT ignored (as a background job)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def jobs_of_run(out):
    return [line.split('\t') for line in (out / 'grid_batch' / 'jobs.tsv').read_text().splitlines()]


# The SLURM layer, on the text its commands print


def test_squeue_and_sacct_lines_give_job_states():
    assert slurm.parse_squeue('12|RUNNING|None\n13|PENDING|Resources\n') == {
        '12': ('RUNNING', 'None'), '13': ('PENDING', 'Resources'),
    }
    sacct = '12|CANCELLED by 0|0:15\n12.batch|CANCELLED|0:15\n14|TIMEOUT|0:0\n'
    assert slurm.parse_sacct(sacct) == {'12': ('CANCELLED by 0', '0:15'), '14': ('TIMEOUT', '0:0')}


def test_jobcomp_file_and_config_are_read():
    text = (
        'JobId=7 UserId=root(0) Name=wrap JobState=RUNNING ExitCode=0:0\n'
        'JobId=7 UserId=root(0) Name=wrap JobState=OUT_OF_MEMORY Partition=p ExitCode=0:125\n'
    )
    assert slurm.parse_jobcomp(text) == {'7': ('OUT_OF_MEMORY', '0:125')}
    config = slurm.parse_config('Configuration data as of x\nAccountingStorageType   = accounting_storage/none\nJobCompLoc = /tmp/jc.txt\n')
    assert config == {'AccountingStorageType': 'accounting_storage/none', 'JobCompLoc': '/tmp/jc.txt'}
    states = slurm.JobStates(config)
    assert not states.accounting and states.jobcomp_file is None


@pytest.mark.parametrize('code, detail', [('0:0', ''), ('3:0', 'exit code 3'), ('0:9', 'signal 9'), ('', '')])
def test_exit_codes_are_said_plainly(code, detail):
    assert slurm._exit_detail(code) == detail


def test_job_counts_and_lists():
    states = {'1': ('PENDING', 'Priority'), '2': ('RUNNING', ''), '3': ('COMPLETED', ''), '4': ('NODE_FAIL', '')}
    assert cluster.job_counts(states) == {'pending': 1, 'running': 1, 'done': 1, 'failed': 1}
    assert cluster.describe_jobs(['10', '9']) == 'jobs 9 10'
    assert cluster.describe_jobs([str(i) for i in range(100, 150)]) == 'the 50 jobs 100 to 149'


# Options and the dry run: no cluster needed


@pytest.mark.parametrize(
    'args, named',
    [
        (['--chunk', '4'], '--chunk goes with --cluster slurm'),
        (['--cluster', 'slurm', '--chunk', '0'], '--chunk must be at least 1, got 0'),
        (['--cluster', 'slurm', '--time', '2h'], "'2h'"),
        (['--cluster', 'slurm', '--mem', 'lots'], "'lots'"),
        (['--cluster', 'slurm', '--partition', 'a b'], "'a b'"),
        (['--cluster', 'slurm', '--cores-per-job', '0'], '--cores-per-job must be at least 1'),
        (['--collect', 'nowhere'], 'no cluster run in nowhere'),
    ],
)
def test_bad_cluster_options_are_one_line(tmp_path, args, named):
    out = [] if '--collect' in args else ['--out', tmp_path / 'out']
    proc = run_in_child('M1_grid_search.py', *args, *out)
    assert_one_line_error(proc, named)
    assert not (tmp_path / 'out').exists()


def test_dry_run_writes_the_scripts_and_submits_nothing(tmp_path):
    out = tmp_path / 'out'
    proc = run_command(
        'M1_grid_search.py', *SMALL_GRID, '--cluster', 'slurm', '--chunk', '3', '--partition', 'short',
        '--time', '0:30:00', '--mem', '2G', '--cores-per-job', '2', '--dry-run', '--out', out,
    )
    assert proc.returncode == 0, proc.stderr
    assert 'dry run: 2 jobs for 4 points' in proc.stdout
    folder = out / 'grid_batch'
    scripts = sorted(folder.glob('chunk_*.sbatch'))
    assert [path.name for path in scripts] == ['chunk_0001.sbatch', 'chunk_0002.sbatch']
    text = scripts[0].read_text()
    for line in ('#SBATCH --partition=short', '#SBATCH --time=0:30:00', '#SBATCH --mem=2G', '#SBATCH --cpus-per-task=2'):
        assert line in text
    assert f'-m wscale.engines.chunk_job {folder} chunk_0001' in text
    assert [json.loads(p.read_text())['units'] for p in sorted(folder.glob('chunk_*.json'))] == [[0, 1, 2], [3]]
    assert not (folder / 'jobs.tsv').exists() and not (out / 'results.json').exists()


# On a real SLURM cluster


def test_cluster_run_equals_the_local_run(slurm_cluster, tmp_path, parallel_run):
    _, local_out = parallel_run
    out = tmp_path / 'out'
    proc = run_command('M1_grid_search.py', *DEFAULT_GRID, '--cluster', 'slurm', '--chunk', '4', '--out', out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'submitted 3 SLURM jobs' in proc.stdout and '9/9 points done' in proc.stdout
    columns = ['sec', 'loc', 'weight', 'epsp', 'loss', 'status', 'spiked']
    on_cluster = pd.read_json(out / 'results.json', precise_float=True)[columns].sort_values(['sec', 'weight'])
    local = pd.read_json(local_out / 'results.json', precise_float=True)[columns].sort_values(['sec', 'weight'])
    pd.testing.assert_frame_equal(on_cluster.reset_index(drop=True), local.reset_index(drop=True), rtol=1e-6)
    summary = pd.read_json(out / 'summary.json', precise_float=True)
    local_summary = pd.read_json(local_out / 'summary.json', precise_float=True)
    assert summary['weight_at_target'].to_numpy() == pytest.approx(local_summary['weight_at_target'].to_numpy(), rel=1e-6, nan_ok=True)
    assert json.loads((out / 'run.json').read_text())['engine'] == 'slurm'
    again = run_command('M1_grid_search.py', *DEFAULT_GRID, '--cluster', 'slurm', '--chunk', '4', '--out', out)
    assert again.returncode == 0 and '9 of 9 points already done' in again.stdout
    assert 'submitted' not in again.stdout and len(jobs_of_run(out)) == 3


def test_cancelled_job_is_an_error_and_resume_finishes(slurm_cluster, tmp_path):
    out = tmp_path / 'out'
    # the first chunk waits before measuring, so that it is still running when cancelled
    stall_first = {'WSCALE_FAULT': json.dumps({'at': 'job', 'when': {'chunk': 'chunk_0001'}, 'fault': 'sleep'})}
    proc = run_command('M1_grid_search.py', *SMALL_GRID, '--cluster', 'slurm', '--chunk', '2', '--no-wait', '--out', out,
                       env=stall_first)
    assert proc.returncode == 0, proc.stderr
    assert '--collect' in proc.stdout and not (out / 'results.json').exists()
    (first, first_chunk, _), (second, _, _) = jobs_of_run(out)
    assert first_chunk == 'chunk_0001'
    assert wait_for(lambda: squeue_state(first) == 'RUNNING'), squeue_state(first)
    subprocess.run(['scancel', first], check=True)
    assert wait_for(lambda: squeue_state(second) not in ('PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING'))

    collected = run_command('M1_grid_search.py', '--collect', out)
    assert collected.returncode == 1, collected.stdout + collected.stderr
    points = pd.read_json(out / 'results.json')
    cancelled = points[points['status'] == 'error']
    assert len(points) == 4 and len(cancelled) == 2
    assert all(f'SLURM job {first} ended (CANCELLED' in message for message in cancelled['error'])
    config = slurm.config()
    if config.get('JobCompType') == 'jobcomp/filetxt':
        ended = slurm.parse_jobcomp(open(config['JobCompLoc']).read())
        assert ended[first][0] == 'CANCELLED' and ended[second][0] == 'COMPLETED'
    done_before = {p.name: p.stat().st_mtime_ns for p in (out / 'grid_batch').glob('*_point.json')}
    assert len(done_before) == 2

    resumed = run_command('M1_grid_search.py', '--resume', out)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert '2 of 4 points already done' in resumed.stdout and 'submitted 1 SLURM job' in resumed.stdout
    points = pd.read_json(out / 'results.json')
    assert (points['status'] == 'ok').all() and len(points) == 4
    new_job, new_chunk, _ = jobs_of_run(out)[-1]
    assert json.loads((out / 'grid_batch' / f'{new_chunk}.json').read_text())['units'] == json.loads(
        (out / 'grid_batch' / f'{first_chunk}.json').read_text()
    )['units']
    assert all((out / 'grid_batch' / name).stat().st_mtime_ns == stamp for name, stamp in done_before.items())


def test_jobs_that_start_after_cfg_py_is_edited_measure_the_submitted_settings(slurm_cluster, tmp_path):
    project = patched_project(tmp_path, {})
    out = tmp_path / 'out'
    grid = ['--secs', 'soma', '--weights', '0.001', '0.002', '--engine', 'inline']
    submitted = run_command(project / 'M1_grid_search.py', *grid, '--cluster', 'slurm', '--dry-run', '--out', out, cwd=project)
    assert submitted.returncode == 0, submitted.stderr
    cfg_file = project / 'cfg.py'
    edited_cfg = cfg_file.read_text().replace("'tau2': 5.3,", "'tau2': 20.0,")
    cfg_file.write_text('raise SystemExit("cfg.py was read")\n')  # neither --resume nor its job reads it
    resumed = run_command(project / 'M1_grid_search.py', '--resume', out, cwd=project)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert 'submitted 1 SLURM job' in resumed.stdout
    cfg_file.write_text(edited_cfg)
    on_cluster = pd.read_json(out / 'results.json', precise_float=True)
    before = run_command('M1_grid_search.py', *grid, '--out', tmp_path / 'before')
    edited = run_command(project / 'M1_grid_search.py', *grid, '--out', tmp_path / 'edited', cwd=project)
    assert before.returncode == 0 and edited.returncode == 0, before.stderr + edited.stderr
    as_submitted = pd.read_json(tmp_path / 'before' / 'results.json', precise_float=True)
    as_edited = pd.read_json(tmp_path / 'edited' / 'results.json', precise_float=True)
    assert on_cluster['epsp'].to_numpy() == pytest.approx(as_submitted['epsp'].to_numpy(), rel=1e-9)
    assert (as_edited['epsp'].to_numpy() > 1.2 * as_submitted['epsp'].to_numpy()).all()


def test_interrupt_cancels_its_own_jobs_only(slurm_cluster, tmp_path):
    other = subprocess.run(
        ['sbatch', '--parsable', '--job-name=bystander', f'--output={tmp_path / "bystander.out"}', '--wrap', 'sleep 60'],
        capture_output=True, text=True, check=True, cwd=tmp_path,
    ).stdout.strip().split(';')[0]
    out = tmp_path / 'out'
    try:
        proc = subprocess.Popen(
            [sys.executable, 'M1_grid_search.py', *SMALL_GRID, '--cluster', 'slurm', '--chunk', '1', '--out', str(out)],
            cwd=PROJECT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            preexec_fn=sigint_as_from_a_terminal,
        )
        assert wait_for(lambda: (out / 'grid_batch' / 'jobs.tsv').exists() and len(jobs_of_run(out)) == 4, 60)
        time.sleep(1)
        proc.send_signal(signal.SIGINT)
        stdout, stderr = proc.communicate(timeout=60)
        assert proc.returncode == 130, stdout + stderr
        assert 'asked SLURM to cancel' in stderr and '--resume' in stderr
        mine = [job_id for job_id, _, _ in jobs_of_run(out)]
        assert wait_for(lambda: all(squeue_state(job_id) not in ('PENDING', 'RUNNING') for job_id in mine), 30)
        assert squeue_state(other) in ('PENDING', 'RUNNING')
        assert not (out / 'results.json').exists()
    finally:
        subprocess.run(['scancel', other])


def test_search_params_dimensions_on_the_cluster(slurm_cluster, tmp_path):
    project = patched_project(tmp_path, {'M1_grid_search.py': [
        ("    'weight': [0.001, 0.002, 0.003],  # uS\n", "    ('hParams', 'celsius'): [30.0, 37.0],\n"),
    ]})
    grid = ['--secs', 'soma', 'dendrite', '--weights', '0.001', '0.002']
    out = tmp_path / 'out'
    proc = run_command(project / 'M1_grid_search.py', *grid, '--cluster', 'slurm', '--chunk', '3', '--out', out, cwd=project)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'submitted 3 SLURM jobs' in proc.stdout
    local = run_command(project / 'M1_grid_search.py', *grid, '--engine', 'inline', '--out', tmp_path / 'local', cwd=project)
    assert local.returncode == 0, local.stderr[-3000:]
    columns = ['sec', 'weight', 'hParams.celsius', 'epsp']
    key = columns[:-1]
    on_cluster = pd.read_json(out / 'results.json', precise_float=True)[columns].sort_values(key).reset_index(drop=True)
    here = pd.read_json(tmp_path / 'local' / 'results.json', precise_float=True)[columns].sort_values(key).reset_index(drop=True)
    pd.testing.assert_frame_equal(on_cluster, here, rtol=1e-9)
    assert len(pd.read_json(out / 'summary.json')) == 4


def test_collect_while_jobs_run_and_a_different_run_into_the_folder_is_refused(slurm_cluster, tmp_path):
    project = patched_project(tmp_path, {})
    out = tmp_path / 'out'
    proc = run_command(project / 'M1_grid_search.py', *SMALL_GRID, '--cluster', 'slurm', '--chunk', '2', '--no-wait',
                       '--out', out, cwd=project, env={'WSCALE_FAULT': json.dumps({'at': 'job', 'fault': 'sleep'})})
    assert proc.returncode == 0, proc.stderr
    jobs = [job for job, _, _ in jobs_of_run(out)]
    try:
        assert wait_for(lambda: squeue_state(jobs[0]) == 'RUNNING'), squeue_state(jobs[0])
        collected = run_command(project / 'M1_grid_search.py', '--collect', out, cwd=project)
        assert collected.returncode == 3, collected.stdout + collected.stderr
        assert f'4 points still queued or running; collect again later: python M1_grid_search.py --collect {out}' in collected.stdout
        other = run_command(project / 'M1_grid_search.py', '--secs', 'soma', '--weights', '0.003', '--cluster', 'slurm',
                            '--out', out, cwd=project)
        assert_one_line_error(other, f'of a different run into {out} still queued or running')
        assert [job for job, _, _ in jobs_of_run(out)] == jobs
    finally:
        subprocess.run(['scancel', *jobs], check=True)
        assert wait_for(lambda: all(squeue_state(job) in ('', 'CANCELLED') for job in jobs), 60)


def test_validation_after_a_cluster_run(slurm_cluster, tmp_path):
    out = tmp_path / 'out'
    proc = run_command('M1_grid_search.py', '--secs', 'dendrite', '--all-segments', '--search', 'target', '--cluster', 'slurm',
                       '--chunk', '5', '--validate', '4', '--out', out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert 'submitted 2 SLURM jobs' in proc.stdout and 'validation at 4 random places' in proc.stdout
    rows = pd.read_json(out / 'validation.json', precise_float=True)
    assert ((rows['epsp_exact'] - 0.5).abs() / 0.5 < 0.01).all()
