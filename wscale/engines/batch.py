"""The batch engine: NetPyNE Batches whose points each run init.py as their own process.

The grid is split into one part per job (``parts``), and each part is a NetPyNE Batch
(runCfg ``mpi_bulletin`` without MPI: NEURON's bulletin board runs its jobs one after
another, each as ``nrniv init.py simConfig=... netParams=...``) in its own process,
forked from the command. The parts run side by side with nothing to wait on but their
own points: no MPI rank spins, and no point waits for a busy master to hand it out.
Every part's files are in OUT/grid_batch/part_<n>/, its output in batch.log there.
"""

import multiprocessing
import os
import shutil
import sys
import sysconfig
from multiprocessing.connection import wait
from pathlib import Path

from analysis.results import read_json, write_json_atomic
from wscale import lifeline
from wscale.errors import last_error_line
from wscale.report.outputs import GRID_FOLDER
from wscale.run import point
from wscale.run.pool import exit_description
from wscale.run.spec import LABEL, LABEL_PREFIX, Outcome, column, grid_units, tag
from wscale.search import targeted
from wscale.streams import redirect_output

LOG_FILE = 'batch.log'
PARTS_FILE = 'parts.json'  # [part folder/job label, unit label] of every job
PART_PREFIX = 'part_'
POLL_SECONDS = 0.5
INIT_SCRIPT = point.PROJECT_DIR / 'init.py'
SINGLE_THREADED = ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS')


def run_cfg():
    """runCfg of every Batch: each point is ``nrniv init.py simConfig=... netParams=...``."""
    return {'type': 'mpi_bulletin', 'script': str(INIT_SCRIPT), 'skip': False}


def make_batch(spec, params, folder, grouped=None):
    """A NetPyNE Batch over ``params`` (see ``RunSpec.batch_params``; ``grouped``, the
    params it groups, by default the place's) with the settled cfg, writing its per-point
    files under ``folder``."""
    from netpyne.batch import Batch

    batch = Batch(
        cfgFile=str(point.CFG_FILE),
        netParamsFile=str(point.NET_PARAMS_FILE),
        params=params,
        groupedParams=list(spec.place_keys if grouped is None else grouped),
    )
    batch.cfg = spec.cfg()  # the settled cfg: the Batch does not read cfg.py
    batch.batchLabel = LABEL_PREFIX  # its jobs are named as grid_units labels them
    batch.saveFolder = str(folder)
    batch.method = 'grid'
    batch.runCfg = run_cfg()
    return batch


def parts(units, count):
    """Deal ``units`` out in turn to at most ``count`` parts, so that neighbouring units,
    which cost alike, go to different parts."""
    count = max(1, min(count, len(units)))
    return [units[share::count] for share in range(count)]


def part_params(spec, units):
    """A part's Batch params: each of the grid's params (see ``RunSpec.batch_params``)
    with its value for every unit in turn; the Batch groups them all, one job per unit."""
    return {name: [unit[column(name) if isinstance(name, tuple) else name] for unit in units] for name in spec.batch_params()}


def nrniv_environment(environ):
    """The environment in which NetPyNE's ``nrniv init.py ...`` starts this Python's NEURON
    fast, with the project importable and one thread per point (numpy's BLAS would
    otherwise start a thread per core in every point process, which then contend with the
    other parts' points): PATH leads to NEURON's own nrniv, and the
    variables the wheel's nrniv wrapper would set are set, with the three NRN_PY* that
    spare nrniv its search for Python (a bash script that starts Python; 0.2 s a point).
    Where the wheel's layout or a shared libpython is not found, PATH leads to the
    wrapper, which sets them itself (0.3 s more a point)."""
    import neuron

    prefix = Path(neuron.__file__).parent / '.data'
    pylib = Path(sysconfig.get_config_var('LIBDIR') or '') / (sysconfig.get_config_var('INSTSONAME') or '')
    bins = [str(Path(sys.executable).parent)]
    env = {'PYTHONPATH': os.pathsep.join(filter(None, [str(point.PROJECT_DIR), environ.get('PYTHONPATH')]))}
    env.update({name: '1' for name in SINGLE_THREADED})
    if (prefix / 'bin' / 'nrniv').is_file() and sysconfig.get_config_var('Py_ENABLE_SHARED') and pylib.is_file():
        bins.insert(0, str(prefix / 'bin'))
        env.update(
            NEURONHOME=str(prefix / 'share' / 'nrn'),
            NRNHOME=str(prefix),
            NRN_PYTHONEXE=sys.executable,
            NRN_PYTHONVERSION=f'{sys.version_info[0]}.{sys.version_info[1]}',
            NRN_PYLIB=str(pylib),
        )
    env['PATH'] = os.pathsep.join([*bins, environ.get('PATH', '')])
    return env


def _run_part(batch, parent):
    """A part's process: run its Batch with its output in the batch.log of its folder. It
    leads a process group with its points' nrniv, and ends with ``parent``, the command;
    so do its points (init.py), which it names their parent."""
    lifeline.die_with_parent(parent)
    lifeline.lead_own_group()
    os.environ[lifeline.PARENT_VARIABLE] = str(os.getpid())
    redirect_output(os.open(Path(batch.saveFolder) / LOG_FILE, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644))
    os.environ.update(nrniv_environment(os.environ))
    status = 0
    try:
        batch.run()
    except BaseException:  # its traceback goes to the part's log; its points lack records
        import traceback

        traceback.print_exc()
        status = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


def _job_error(job_path):
    """Why a job left no record: the last error line of its stderr, if it has one."""
    said = last_error_line(f'{job_path}.err')
    if said:
        return f'the job ended without a result: {said}'
    return 'the job ended without a result or an error message (killed, or crashed in compiled code)'


def run(spec, progress, journal=None):
    """Every unit's records (a point's record; with targeted search, its place's search
    records) in grid order; ``progress.show(n)`` is told the units done as they finish.
    With a ``journal`` (``wscale.run.journal``), units it holds are not measured again,
    and each unit's records are journaled as soon as its job has written them."""
    folder = spec.out / GRID_FOLDER
    units = spec.units()
    if journal is not None:
        _journal_written(spec, journal, _earlier_jobs(folder, {unit[LABEL]: unit for unit in units}))
    done = dict(journal.done) if journal is not None else {}
    shutil.rmtree(folder, ignore_errors=True)
    split = parts([unit for unit in units if unit[LABEL] not in done], spec.options.jobs)
    folders = [folder / f'{PART_PREFIX}{number:0{len(str(len(split)))}d}' for number in range(1, len(split) + 1)]
    jobs, batches = [], []
    for part_units, part_folder in zip(split, folders):
        part_folder.mkdir(parents=True)
        params = part_params(spec, part_units)
        batches.append(make_batch(spec, params, part_folder, grouped=list(params)))
        labels = [job[LABEL] for job in grid_units(params, tuple(params))]
        jobs += [(unit, part_folder / label) for unit, label in zip(part_units, labels)]
    write_json_atomic(folder / PARTS_FILE, [[str(path.relative_to(folder)), unit[LABEL]] for unit, path in jobs])
    waiting = {path: unit for unit, path in jobs} if journal is not None else {}
    context = multiprocessing.get_context('fork')
    processes = [context.Process(target=_run_part, args=(batch, os.getpid())) for batch in batches]
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        for process in processes:
            process.start()
        running = list(processes)
        while running:
            _journal_written(spec, journal, waiting)
            progress.show(len(done) + _count_records(folder))
            wait([process.sentinel for process in running], timeout=POLL_SECONDS)
            running = [process for process in running if process.exitcode is None]
    finally:
        for process in processes:
            if process.pid is not None and process.exitcode is None:
                lifeline.end_group(process.pid)  # the part and the nrniv of its point
                process.join()
    _journal_written(spec, journal, waiting)
    progress.show(len(done) + _count_records(folder), final=True)
    for process, part_folder in zip(processes, folders):
        if process.exitcode != 0:
            print(f'warning: a batch process ended with {exit_description(process.exitcode)}; see {part_folder / LOG_FILE}',
                  file=sys.stderr)
    kept = journal.done if journal is not None else {}
    missing = [(unit, path) for unit, path in jobs if unit[LABEL] not in kept]  # read here, else journaled already
    measured = dict(zip((unit[LABEL] for unit, _ in missing), collect(spec, missing, grouped=True)))
    return Outcome(record for unit in units for record in (kept.get(unit[LABEL]) or measured[unit[LABEL]]))


def _earlier_jobs(folder, units):
    """{record path without suffix: unit} of the jobs an earlier, interrupted run into
    this folder started (its PARTS_FILE)."""
    try:
        listed = read_json(Path(folder) / PARTS_FILE)
    except (OSError, ValueError):
        return {}
    return {Path(folder) / path: units[label] for path, label in listed if label in units}


def _journal_written(spec, journal, waiting):
    """Journal the records of the jobs in ``waiting`` ({job path: unit}) that have written
    them, and forget those jobs."""
    if journal is None:
        return
    for job_path, unit in list(waiting.items()):
        path = point.record_path(job_path.parent, job_path.name)
        if not path.exists():
            continue
        if unit[LABEL] not in journal.done:
            journal.keep(unit[LABEL], tag(point.read_records(path), unit, spec.columns))
        del waiting[job_path]


def _count_records(folder):
    return sum(1 for _ in Path(folder).glob(f'{PART_PREFIX}*/*{point.POINT_SUFFIX}'))


def collect(spec, jobs, grouped=False):
    """The records of the Batch jobs ``jobs`` ([(values, job path)]): each read from its
    job's record file and given its further dimensions' values; a job that left no file
    gives an error record. ``grouped``: a list per job instead of one list."""
    if grouped:
        return [collect(spec, [job]) for job in jobs]
    return point.gather(
        jobs,
        lambda job: point.record_path(Path(job[1]).parent, Path(job[1]).name),
        lambda job: [targeted.lost_record(spec, job[0], _job_error(job[1]))],
        lambda job, records: tag(records, job[0], spec.columns),
    )
