"""The grid on a SLURM cluster: the work in chunks, one sbatch job per chunk, followed
until the jobs end, then gathered exactly as a local run's. The run's files are kept in
its folder (``cluster_folder``); a unit with a record is never computed again."""

import sys
import time

from wscale.engines import slurm
from wscale.engines.cluster_folder import Run, manifest_of
from wscale.errors import UserError
from wscale.report.outputs import GRID_FOLDER
from wscale.report.progress import JobProgress
from wscale.run import point
from wscale.run.spec import Outcome, tag
from wscale.search import targeted

DEFAULT_CHUNK = 20
POLL_SECONDS = 2.0
STILL_RUNNING = 3  # exit status of --collect while jobs are queued or running


def describe_jobs(job_ids, listed=10):
    """'jobs 5 6 7', or 'the 650 jobs 27 to 676' for long lists."""
    job_ids = sorted(job_ids, key=int)
    if not job_ids:
        return 'no job (none was active)'
    if len(job_ids) <= listed:
        return f"job{'s' if len(job_ids) > 1 else ''} {' '.join(job_ids)}"
    return f'the {len(job_ids)} jobs {job_ids[0]} to {job_ids[-1]}'


def job_counts(states):
    """Jobs pending, running, done (COMPLETED) and failed (any other end) among ``states``."""
    counts = {'pending': 0, 'running': 0, 'done': 0, 'failed': 0}
    for state, _ in states.values():
        if state == 'PENDING':
            counts['pending'] += 1
        elif slurm.is_active(state):
            counts['running'] += 1
        else:
            counts['done' if state == slurm.COMPLETED else 'failed'] += 1
    return counts


def submit(run, options, todo):
    """Write the chunks of the unit indices ``todo`` (``options.chunk`` units each) and
    their scripts; unless a dry run, submit them. Returns [(job id or None, chunk)]."""
    submitted = []
    for start in range(0, len(todo), options.chunk):
        chunk = run.write_chunk(todo[start:start + options.chunk])
        script = run.write_script(chunk, options)
        if options.dry_run:
            submitted.append((None, chunk))
            continue
        try:
            job_id = slurm.submit(script)
        except slurm.SlurmError as err:
            mine = [job_id for job_id, _ in submitted]
            slurm.cancel(mine)
            cancelled = f'; cancelled the {len(mine)} jobs submitted before it' if mine else ''
            raise UserError(f'{err} (submitting {script}){cancelled}') from None
        run.add_job(job_id, chunk)
        submitted.append((job_id, chunk))
    return submitted


def follow(run, job_states, own, unit, out):
    """Poll the jobs that hold the run's unfinished units until all have ended; return
    their final states. Ctrl-C cancels the jobs of ``own`` still active and ends."""
    jobs = {job_id for job_id, _ in run.latest_jobs().values()}
    final = {}
    progress = JobProgress(len(run.units), unit)
    try:
        while True:
            pending = [job_id for job_id in jobs if job_id not in final]
            states = dict(final)
            states.update(job_states.states(pending) if pending else {})
            final.update({job_id: state for job_id, state in states.items() if not slurm.is_active(state[0])})
            ended = len(final) == len(jobs)
            progress.show(job_counts(states), len(run.finished()), final=ended)
            if ended:
                return final
            time.sleep(POLL_SECONDS)
    except KeyboardInterrupt:
        active = [job_id for job_id in own if job_id not in final]
        slurm.cancel(active)
        print(f'\ninterrupted: asked SLURM to cancel {describe_jobs(active)}; '
              f'--resume {out} submits their work again', file=sys.stderr)
        raise


def gather(run, spec, states):
    """Every unit's records in unit order: from its record file, else an error record
    saying how its job ended; units whose job is still active are left out. Returns
    (records, units still running)."""
    latest = run.latest_jobs()
    indices = list(range(len(run.units)))
    running = []

    def missing(index):
        values = run.units[index]
        if index not in latest:
            return [targeted.lost_record(spec, values, 'not submitted to SLURM (--resume OUT submits it)')]
        job_id, chunk = latest[index]
        state, detail = states.get(job_id, (slurm.UNKNOWN, ''))
        if slurm.is_active(state):
            running.append(index)
            return None
        how = f'{state}, {detail}' if detail else state
        said = run.job_output_error(chunk)
        message = f'SLURM job {job_id} ended ({how}) without this result' + (f': {said}' if said else '')
        return [targeted.lost_record(spec, values, message)]

    records = point.gather(
        indices, run.record_path, missing, lambda index, found: tag(found, run.units[index], spec.columns)
    )
    return records, len(running)


def run(spec, progress=None, journal=None):
    """The cluster engine: submit the run's units in chunks (one sbatch job each), follow
    the jobs and gather every unit's records (an ``Outcome``). With --collect, gather what
    has finished; with --resume, submit again what has no result; --dry-run writes the
    scripts only, --no-wait submits and returns. ``progress`` and ``journal`` are unused:
    a cluster run shows its jobs' states (``JobProgress``) and keeps each unit's records
    in its folder."""
    options = spec.options.cluster
    out = spec.out
    folder = out / GRID_FOLDER
    unit = spec.unit_name
    if options.collect:
        run = Run(folder)
        jobs = {job_id for job_id, _ in run.latest_jobs().values()}
        return Outcome(*gather(run, spec, slurm.JobStates().states(jobs) if jobs else {}))
    manifest = manifest_of(spec)
    job_states = None if options.dry_run else slurm.JobStates()
    run = Run.prepare(folder, manifest, _refuse_replacing(options, job_states))
    finished = run.finished()
    latest = run.latest_jobs()
    still = {}
    if job_states is not None:
        unfinished_jobs = {latest[i][0] for i in latest if i not in finished}
        still = {job_id: state for job_id, state in job_states.states(unfinished_jobs).items() if slurm.is_active(state[0])}
    todo = [i for i in range(len(run.units)) if i not in finished and (i not in latest or latest[i][0] not in still)]
    if finished:
        print(f'{len(finished)} of {len(run.units)} {unit} already done')
    submitted = submit(run, options, todo) if todo else []
    if options.dry_run:
        print(f'dry run: {len(submitted)} jobs for {len(todo)} {unit} ({options.chunk} per job); '
              f'scripts in {folder}; nothing submitted')
        return Outcome(gathered=False)
    ids = [job_id for job_id, _ in submitted]
    if ids:
        span = ids[0] if len(ids) == 1 else f'{ids[0]} to {ids[-1]}'
        print(f"submitted {len(ids)} SLURM job{'s' if len(ids) > 1 else ''} ({span}) for {len(todo)} {unit}")
    if still:
        print(f'following {describe_jobs(still)} submitted before')
    if options.no_wait:
        print(f'gather the results with: python M1_grid_search.py --collect {out}')
        return Outcome(gathered=False)
    states = follow(run, job_states, ids, unit, out) if (ids or still) else {}
    return Outcome(*gather(run, spec, states))


def _refuse_replacing(options, job_states):
    """The check before a new run replaces an older one in the same folder: not while
    the older one's jobs are active, and never by a dry run if it has results."""

    def check(old):
        if options.dry_run:
            if old.finished():
                raise UserError(
                    f'{old.folder} holds the results of a different run; a dry run does not replace them (choose another --out)'
                )
            return
        jobs = {job_id for job_id, _ in old.latest_jobs().values()}
        active = sorted(
            (job_id for job_id, (state, _) in job_states.states(jobs).items() if slurm.is_active(state)), key=int
        )
        if active:
            raise UserError(
                f'{describe_jobs(active)} of a different run into {old.folder.parent} still queued or running; '
                'scancel them or choose another --out'
            )

    return check
