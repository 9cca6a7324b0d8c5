"""The batch engine: NetPyNE Batches whose points each run init.py as their own process.

The grid is split into one part per job (``parts``), and each part is a NetPyNE Batch
(runCfg ``mpi_bulletin`` without MPI: NEURON's bulletin board runs its jobs one after
another, each as ``nrniv init.py simConfig=... netParams=...``) in its own process,
forked from the command. The parts run side by side with nothing to wait on but their
own points: no MPI rank spins, and no point waits for a busy master to hand it out.
Every part's files are in OUT/grid_batch/part_<n>/, its output in batch.log there.
"""

import contextlib
import multiprocessing
import os
import shutil
import sys
import sysconfig
from multiprocessing.connection import wait
from pathlib import Path

from wscale.errors import last_error_line
from wscale.report.outputs import GRID_FOLDER
from wscale.run import point
from wscale.run.pool import exit_description
from wscale.run.spec import LABEL, LABEL_PREFIX, Outcome, grid_units, tag
from wscale.search import targeted
from wscale.streams import redirect_output

LOG_FILE = 'batch.log'
PART_PREFIX = 'part_'
POLL_SECONDS = 0.5
INIT_SCRIPT = point.PROJECT_DIR / 'init.py'
SINGLE_THREADED = ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS')


def run_cfg():
    """runCfg of every Batch: each point is ``nrniv init.py simConfig=... netParams=...``."""
    return {'type': 'mpi_bulletin', 'script': str(INIT_SCRIPT), 'skip': False}


def make_batch(spec, params, folder):
    """A NetPyNE Batch over ``params`` (see ``RunSpec.batch_params``) with the settled cfg,
    writing its per-point files under ``folder``."""
    from netpyne.batch import Batch

    batch = Batch(
        cfgFile=str(point.CFG_FILE),
        netParamsFile=str(point.NET_PARAMS_FILE),
        params=params,
        groupedParams=list(spec.place_keys),
    )
    batch.cfg = spec.cfg()  # the settled cfg: the Batch does not read cfg.py
    batch.batchLabel = LABEL_PREFIX  # its jobs are named as grid_units labels them
    batch.saveFolder = str(folder)
    batch.method = 'grid'
    batch.runCfg = run_cfg()
    return batch


def parts(params, count, place_keys):
    """Split a Batch's ``params`` into at most ``count`` parts whose grids together are
    the whole grid: the longest dimension (the places, ``place_keys`` grouped, count as
    one) is dealt out in turn, so that neighbouring places, which cost alike, go to
    different parts; if it has fewer values than parts, each of its shares is split
    further."""
    dimensions = [list(place_keys)] + [[name] for name in params if name not in place_keys]
    lengths = [len(params[names[0]]) for names in dimensions]
    if count <= 1 or max(lengths) <= 1:
        return [params]
    longest = dimensions[lengths.index(max(lengths))]
    shares = min(count, max(lengths))
    result = []
    for share in range(shares):
        part = dict(params)
        for name in longest:
            part[name] = params[name][share::shares]
        result += parts(part, count // shares + (1 if share < count % shares else 0), place_keys)
    return result


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


def _run_part(batch):
    """A part's process: run its Batch with its output in the batch.log of its folder."""
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


def run(spec, progress):
    """Every point's record (with targeted search, every place's search records), in
    batch order; ``progress.show(n)`` is told the points (places) done as they finish."""
    folder = spec.out / GRID_FOLDER
    shutil.rmtree(folder, ignore_errors=True)
    split = parts(spec.batch_params(), spec.options.jobs, spec.place_keys)
    folders = [folder / f'{PART_PREFIX}{number:0{len(str(len(split)))}d}' for number in range(1, len(split) + 1)]
    batches = []
    for params, part_folder in zip(split, folders):
        part_folder.mkdir(parents=True)
        batches.append(make_batch(spec, params, part_folder))
    jobs = [(unit, part_folder / unit[LABEL]) for params, part_folder in zip(split, folders)
            for unit in grid_units(params, spec.place_keys)]
    context = multiprocessing.get_context('fork')
    processes = [context.Process(target=_run_part, args=(batch,)) for batch in batches]
    sys.stdout.flush()
    sys.stderr.flush()
    try:
        for process in processes:
            process.start()
        running = list(processes)
        while running:
            progress.show(_count_records(folder))
            wait([process.sentinel for process in running], timeout=POLL_SECONDS)
            running = [process for process in running if process.exitcode is None]
    finally:
        for process in processes:
            if process.exitcode is None:
                with contextlib.suppress(OSError):
                    process.terminate()
                process.join()
    progress.show(_count_records(folder), final=True)
    for process, part_folder in zip(processes, folders):
        if process.exitcode != 0:
            print(f'warning: a batch process ended with {exit_description(process.exitcode)}; see {part_folder / LOG_FILE}',
                  file=sys.stderr)
    order = spec.order()
    return Outcome(collect(spec, sorted(jobs, key=lambda job: order(job[0]))))


def _count_records(folder):
    return sum(1 for _ in Path(folder).glob(f'{PART_PREFIX}*/*{point.POINT_SUFFIX}'))


def collect(spec, jobs):
    """The records of the Batch jobs ``jobs`` ([(values, job path)]): each read from its
    job's record file and given its further dimensions' values; a job that left no file
    gives an error record."""
    return point.gather(
        jobs,
        lambda job: point.record_path(Path(job[1]).parent, Path(job[1]).name),
        lambda job: [targeted.lost_record(spec, job[0], _job_error(job[1]))],
        lambda job, records: tag(records, job[0], spec.columns),
    )
