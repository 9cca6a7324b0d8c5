"""SLURM through its own commands: sbatch, squeue, scontrol, sacct and scancel.

Every command runs with this process's environment, so ``SLURM_CONF`` chooses the
cluster. A job's state comes from ``squeue`` while SLURM keeps the job in memory; after
that from ``sacct`` where the cluster has accounting storage, else from the job
completion file (``JobCompType=jobcomp/filetxt``) where it has one.
"""

import re
import shutil
import subprocess

from wscale.errors import UserError

COMMAND_TIMEOUT = 60  # s
ACTIVE = {
    'PENDING', 'CONFIGURING', 'RUNNING', 'COMPLETING', 'SUSPENDED', 'REQUEUED', 'REQUEUE_FED',
    'REQUEUE_HOLD', 'RESIZING', 'SIGNALING', 'STAGE_OUT', 'STOPPED', 'RESV_DEL_HOLD',
}
COMPLETED = 'COMPLETED'
UNKNOWN = 'UNKNOWN'
QUERY_BATCH = 200  # job ids per squeue or sacct call
KEY_VALUE = re.compile(r'(\w+)=(\S*)')


class SlurmError(UserError):
    """A SLURM command failed; the message says which and what it printed."""


def require(program='sbatch'):
    """Fail with one line if the SLURM commands are not on PATH."""
    if shutil.which(program) is None:
        raise SlurmError(f'{program} not found: --cluster slurm needs the SLURM commands on PATH (--dry-run does not)')


def _run(args, check=True):
    """stdout of a SLURM command; a failure raises SlurmError with its first line of stderr."""
    require(args[0])
    try:
        proc = subprocess.run(args, capture_output=True, text=True, timeout=COMMAND_TIMEOUT, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise SlurmError(f'{args[0]} did not answer within {COMMAND_TIMEOUT} s') from None
    if check and proc.returncode != 0:
        said = (proc.stderr.strip() or proc.stdout.strip() or f'status {proc.returncode}').splitlines()[0]
        raise SlurmError(f'{args[0]} failed: {said}')
    return proc.stdout


def submit(script):
    """Submit the batch script at ``script`` with sbatch; return the job id."""
    out = _run(['sbatch', '--parsable', str(script)]).strip()
    job_id = out.split(';')[0].strip()
    if not job_id.isdigit():
        raise SlurmError(f'sbatch gave no job id for {script}: {out!r}')
    return job_id


def cancel(job_ids):
    """Ask SLURM to cancel these jobs (and no others)."""
    if job_ids:
        _run(['scancel', *job_ids], check=False)


def parse_key_values(text):
    """``Key=Value`` pairs of scontrol or jobcomp output, as a dict."""
    return dict(KEY_VALUE.findall(text))


def parse_config(text):
    """``scontrol show config`` output as a dict of its ``Key = Value`` lines."""
    config = {}
    for line in text.splitlines():
        key, sep, value = line.partition('=')
        if sep and key.strip() and ' ' not in key.strip():
            config[key.strip()] = value.strip()
    return config


def config():
    """The cluster's configuration (``scontrol show config``)."""
    return parse_config(_run(['scontrol', 'show', 'config']))


def parse_squeue(text):
    """{job id: (state, reason)} from ``squeue -o '%i|%T|%r'`` lines."""
    states = {}
    for line in text.splitlines():
        parts = line.strip().split('|')
        if len(parts) == 3 and parts[0]:
            states[parts[0]] = (parts[1], parts[2])
    return states


def parse_sacct(text):
    """{job id: (state, exit code)} from ``sacct -P -o JobID,State,ExitCode`` lines,
    the jobs' own lines (not their steps')."""
    states = {}
    for line in text.splitlines():
        parts = line.strip().split('|')
        if len(parts) == 3 and parts[0].isdigit():
            states[parts[0]] = (parts[1], parts[2])
    return states


def parse_jobcomp(text):
    """{job id: (state, exit code)} from a jobcomp/filetxt file, the last entry of a job winning."""
    states = {}
    for line in text.splitlines():
        fields = parse_key_values(line)
        if fields.get('JobId'):
            states[fields['JobId']] = (fields.get('JobState', UNKNOWN), fields.get('ExitCode', ''))
    return states


def _query(command, parse, job_ids):
    """Ask ``command`` (squeue or sacct, with ``-j`` last) about the jobs, QUERY_BATCH ids
    a call; merge what ``parse`` reads from each answer. A failing call adds nothing."""
    job_ids = list(job_ids)
    states = {}
    for start in range(0, len(job_ids), QUERY_BATCH):
        out = _run([*command, ','.join(job_ids[start:start + QUERY_BATCH])], check=False)
        states.update(parse(out))
    return states


def _squeue(job_ids):
    """States of the jobs SLURM still holds in memory (active or recently ended)."""
    return _query(['squeue', '-h', '-t', 'all', '-o', '%i|%T|%r', '-j'], parse_squeue, job_ids)


def _scontrol_job(job_id):
    """State and exit code of one job from ``scontrol show job``, if SLURM remembers it."""
    out = _run(['scontrol', 'show', 'job', job_id], check=False)
    fields = parse_key_values(out)
    return (fields['JobState'], fields.get('ExitCode', '')) if 'JobState' in fields else None


def _sacct(job_ids):
    """End states of jobs from the accounting database."""
    return _query(['sacct', '-n', '-P', '-X', '-o', 'JobID,State,ExitCode', '-j'], parse_sacct, job_ids)


def _jobcomp(path):
    try:
        with open(path, errors='replace') as stream:
            return parse_jobcomp(stream.read())
    except OSError:
        return {}


class JobStates:
    """Where to ask for job states on this cluster, found once from its configuration."""

    def __init__(self, cluster_config=None):
        cluster_config = config() if cluster_config is None else cluster_config
        self.accounting = cluster_config.get('AccountingStorageType', 'accounting_storage/none') != 'accounting_storage/none'
        self.jobcomp_file = None
        if cluster_config.get('JobCompType') == 'jobcomp/filetxt':
            self.jobcomp_file = cluster_config.get('JobCompLoc')

    def states(self, job_ids):
        """{job id: (state, detail)} for every id: the state SLURM gives ('PENDING',
        'COMPLETED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL', ...) and a
        detail (the pending reason, or how the job ended); UNKNOWN where no source knows it."""
        job_ids = list(job_ids)
        found = {}
        for job_id, (state, reason) in _squeue(job_ids).items():
            state = _plain_state(state)
            found[job_id] = (state, reason if is_active(state) else '')
            if not is_active(state) and state != COMPLETED:
                remembered = _scontrol_job(job_id)
                if remembered:
                    found[job_id] = (state, _exit_detail(remembered[1]))
        missing = [job_id for job_id in job_ids if job_id not in found]
        if missing and self.accounting:
            for job_id, (state, code) in _sacct(missing).items():
                found[job_id] = (_plain_state(state), _exit_detail(code))
        missing = [job_id for job_id in job_ids if job_id not in found]
        if missing and self.jobcomp_file:
            ended = _jobcomp(self.jobcomp_file)
            for job_id in missing:
                if job_id in ended:
                    found[job_id] = (_plain_state(ended[job_id][0]), _exit_detail(ended[job_id][1]))
        for job_id in [job_id for job_id in job_ids if job_id not in found]:
            remembered = _scontrol_job(job_id)
            if remembered:
                found[job_id] = (_plain_state(remembered[0]), _exit_detail(remembered[1]))
        return {job_id: found.get(job_id, (UNKNOWN, 'SLURM no longer knows this job')) for job_id in job_ids}


def _plain_state(state):
    """'CANCELLED by 0' (sacct) -> 'CANCELLED'."""
    return state.split()[0] if state.strip() else UNKNOWN


def _exit_detail(code):
    """'exit code 3' or 'signal 9' from SLURM's 'status:signal' exit code; '' for 0:0."""
    status, _, signal = code.partition(':')
    if signal and signal not in ('0', ''):
        return f'signal {signal}'
    if status and status != '0':
        return f'exit code {status}'
    return ''


def is_active(state):
    """Whether a job in this state may still run or write results."""
    return state in ACTIVE
