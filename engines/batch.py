"""The grid search: a NetPyNE Batch over (sec, loc, weight), one init.py process per point,
then the analysis of its per-point records into results.json and summary.json."""

import copy
import functools
import math
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from analysis import plots
from analysis.fit import reason_kind, summarise
from analysis.results import write_json_atomic, write_pickle_atomic
from analysis.weight_norm import soma_weight_norm, weight_norm_table
from cells import catalogue
from engines import cluster, inline, inputs, mpi, point, provenance, run_config, targeted
from engines.errors import last_error_line

BATCH_LABEL = 'grid'
GRID_FOLDER = 'grid_batch'
RESULTS_FILE = 'results.json'
SUMMARY_FILE = 'summary.json'
WEIGHT_NORM_PKL = 'weight_norm.pkl'
WEIGHT_NORM_JSON = 'weight_norm.json'
EPSP_PLOT = 'epsp_vs_weight.png'
WEIGHT_NORM_PLOT = 'weight_norm_vs_distance.png'
LOG_FILE = 'batch.log'
RUN_SPEC = 'run_spec.json'
LISTED_LOCATIONS = 20
ENGINES = ('batch', 'inline')
SEARCHES = ('grid', 'target')
MAX_ATOL = 1e-4  # CVode tolerance up to which EPSPs stayed within 0.5 % of the fixed step's


def parse_args(argv, search_params):
    """Command-line options; the grid defaults to ``search_params``."""
    parser = inputs.ArgumentParser(
        prog='M1_grid_search.py',
        allow_abbrev=False,
        description='Grid search over section x location x weight; writes OUT/results.json and OUT/summary.json.',
    )
    parser.add_argument('--secs', nargs='+', default=search_params['sec'], help='sections to search')
    parser.add_argument('--weights', nargs='+', type=float, default=search_params['weight'], help='weights, uS')
    parser.add_argument('--locs', nargs='+', type=float, help='locations, 0..1 (default: search_params or cfg.loc)')
    parser.add_argument(
        '--all-segments', action='store_true', help='search the centre of every segment of each chosen section'
    )
    parser.add_argument(
        '--exclude', nargs='+', default=[], help='leave out sections with these names or name prefixes'
    )
    parser.add_argument('--target', type=float, help='target EPSP, mV (default: cfg.epspTarget)')
    parser.add_argument('--out', help='output folder (default: cfg.saveFolder, results)')
    inputs.add_model_arguments(parser)
    parser.add_argument('--jobs', type=int, default=run_config.default_jobs(), help='parallel jobs (default: all cores)')
    parser.add_argument(
        '--search', choices=SEARCHES, default=SEARCHES[0],
        help='grid: every weight at every place; target: search each place for the weight at target',
    )
    parser.add_argument('--tol', type=float, help='targeted search: tolerance, a fraction of the target (default 0.001)')
    parser.add_argument('--max-weight', type=float, help='targeted search: largest weight tried, uS (default 1.0)')
    parser.add_argument(
        '--fill-factor', type=fill_factor, metavar='F|none',
        help="weightNorm of segments without a weight: F x the soma's; none leaves their sections out (default: cfg.weightNormFill, 4)",
    )
    parser.add_argument('--cvode', action='store_true', help="NEURON's variable time step (CVode) instead of cfg.dt")
    parser.add_argument('--atol', type=float, help='CVode absolute tolerance, at most 1e-4 (default: cfg.cvode_atol, 1e-4)')
    parser.add_argument(
        '--engine', choices=ENGINES, default=ENGINES[0],
        help='batch: a NetPyNE Batch, one process per point; inline: worker processes that reuse one model each',
    )
    cluster.add_arguments(parser)
    options = parser.parse_args(argv)
    cluster.check_options(options, argv)
    if options.jobs < 1:
        raise inputs.UserError(f'--jobs must be at least 1, got {options.jobs}')
    if options.all_segments and options.locs:
        raise inputs.UserError('--locs and --all-segments exclude each other')
    if options.locs is None and not options.all_segments:
        options.locs = search_params.get('loc')
    inputs.check_numbers(options.weights, options.locs, options.target)
    if options.tol is not None and not 0 < options.tol < 1:
        raise inputs.UserError(f'--tol is a fraction of the target between 0 and 1, got {options.tol}')
    if options.max_weight is not None:
        inputs.check_weight(options.max_weight)
    if options.atol is not None and not 0 < options.atol <= MAX_ATOL:
        raise inputs.UserError(
            f'--atol must be above 0 and at most {MAX_ATOL:g} (looser tolerances moved EPSPs by over 0.5 %), got {options.atol}'
        )
    if options.atol is not None and not options.cvode:
        raise inputs.UserError('--atol goes with --cvode')
    return options


NO_FILL = 'none'


def fill_factor(text):
    """--fill-factor's value: a number > 0, or 'none' (kept as the string until settled)."""
    if text == NO_FILL:
        return NO_FILL
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise inputs.UserError(f"--fill-factor must be a number above 0 or 'none', got {text!r}")
    return value


def configured_cfg(options):
    """cfg.py's SimConfig with the command line's overrides applied; fills in the
    options that default to cfg's values (locations, output folder)."""
    cfg = point.load_cfg()
    options.out = Path(options.out or cfg.saveFolder).resolve()
    inputs.settle_model(cfg, options)
    if options.target is not None:
        cfg.epspTarget = options.target
    if options.locs is None and not options.all_segments:
        options.locs = [cfg.loc]
    cfg.search = options.search
    cfg.cvode_active = bool(options.cvode or cfg.cvode_active)
    cfg.cvode_atol = options.atol if options.atol is not None else cfg.cvode_atol
    cfg.searchTol = options.tol if options.tol is not None else cfg.searchTol
    cfg.searchMaxWeight = options.max_weight if options.max_weight is not None else cfg.searchMaxWeight
    cfg.searchFirstWeight = min(min(options.weights), cfg.searchMaxWeight)
    if options.fill_factor is not None:
        cfg.weightNormFill = None if options.fill_factor == NO_FILL else options.fill_factor
    return cfg


def submitted_cfg(cfg, manifest, out):
    """The cfg a cluster run was submitted with (its manifest's), which --collect and
    --resume use, and the warnings to show: one if cfg.py now settles differently."""
    stored = cluster.stored_cfg(manifest)
    if point.cfg_settings(stored) == point.cfg_settings(cfg):
        return stored, []
    return stored, [
        f'warning: cfg.py changed since the run into {out} was submitted; the run keeps the settings it was submitted with'
    ]


def grid_of(options, cfg):
    """The grid as NetPyNE Batch params: the places, paired ``sec`` and ``loc`` lists
    (point i is at sec[i], loc[i]), and the weights tried at each place.

    With ``--all-segments`` the soma is searched too: NetPyNE's addCellParamsWeightNorm
    ignores a weightNorm file without it.
    """
    cell = catalogue.cell_of(cfg)
    secs = catalogue.select_sections(cell, options.secs, options.exclude)
    if not secs:
        raise inputs.UserError(f"the grid is empty: --exclude {' '.join(options.exclude)} leaves no section")
    if options.all_segments and cfg.somaSec not in secs:
        secs.insert(0, cfg.somaSec)
    places = [
        (sec, loc)
        for sec in secs
        for loc in (catalogue.segment_locs(cell, sec) if options.all_segments else options.locs)
    ]
    return {'sec': [sec for sec, _ in places], 'loc': [loc for _, loc in places], 'weight': list(options.weights)}


def make_batch(cfg, grid, out):
    """A NetPyNE Batch over ``grid`` writing its per-point files under ``out/grid_batch``;
    with targeted search, one job per place, which runs the place's whole search."""
    from netpyne.batch import Batch

    if cfg.search == 'target':
        grid = {'sec': grid['sec'], 'loc': grid['loc']}
    batch = Batch(
        cfgFile=str(point.CFG_FILE),
        netParamsFile=str(point.NET_PARAMS_FILE),
        params=grid,
        groupedParams=['sec', 'loc'],
        initCfg=point.cfg_settings(cfg),
    )
    batch.batchLabel = BATCH_LABEL
    batch.saveFolder = str(Path(out) / GRID_FOLDER)
    batch.method = 'grid'
    batch.runCfg = run_config.local()
    return batch


def jobs_of(batch):
    """(values dict, job path without suffix) for every point of the batch, in batch order.

    Works on a copy of the batch's params: NetPyNE 1.1.1 marks them while listing the
    combinations, and a batch whose params are marked finds none when it runs.
    """
    probe = copy.copy(batch)
    probe.params = copy.deepcopy(batch.params)
    combinations = probe.getParamCombinations()
    labels = combinations['labels']
    return [(dict(zip(labels, values)), name) for values, name in zip(combinations['values'], combinations['filenames'])]


def _job_error(job_path):
    """Why a job left no record: the last error line of its stderr, if it has one."""
    said = last_error_line(f'{job_path}.err')
    if said:
        return f'the job ended without a result: {said}'
    return 'the job ended without a result or an error message (killed, or crashed in compiled code)'


def collect_points(jobs, cfg):
    """Every point's record, read from its job's file (a targeted job's file holds the
    records of its place's search); a job that left no file gives an error record."""
    records = []
    for values, job_path in jobs:
        path = point.record_path(Path(job_path).parent, Path(job_path).name)
        if path.exists():
            records += point.read_records(path)
        else:
            records.append(lost_work(cfg, (values['sec'], values['loc'], values.get('weight')), _job_error(job_path)))
    return records


def lost_work(cfg, work, message):
    """The error record of a point (sec, loc, weight), or of a searched place (sec, loc)."""
    if cfg.search == 'target':
        return targeted.failed_place(cfg, work[0], work[1], message)
    return point.error_record(*work[:3], cfg.epspTarget, message)


def write_results(out, records, target, cell, soma, fill_factor):
    """Write results.json (one record per point), summary.json (one per location), the
    two plots and, for the sections whose every segment was searched, weight_norm.pkl and
    weight_norm.json. A segment without a weight gets ``fill_factor`` times the soma's
    weightNorm (``soma``: its section), and ``filled: true`` in summary.json; with
    ``fill_factor`` None its section is left out. Returns the summary and the
    ``WeightNorm`` written."""
    summary = summarise(records, target)
    segment_counts = {sec: catalogue.nseg(cell, sec) for sec in {row['sec'] for row in summary}}
    soma_value = soma_weight_norm(summary, soma)
    fill = fill_factor * soma_value if fill_factor is not None and soma_value is not None else None
    table, left_out, filled = weight_norm_table(summary, segment_counts, fill)
    if fill_factor is not None and soma_value is None:
        left_out = {sec: f'{why}; nothing to fill with: the soma has no weightNorm' for sec, why in left_out.items()}
    for row in summary:
        row['filled'] = (row['sec'], row['loc']) in filled
        if row['filled']:
            row['weight_norm'] = fill
    write_json_atomic(Path(out) / RESULTS_FILE, records)
    write_json_atomic(Path(out) / SUMMARY_FILE, summary)
    plots.epsp_vs_weight(records, target, Path(out) / EPSP_PLOT)
    plots.weight_norm_vs_distance(summary, catalogue.section_groups(cell), Path(out) / WEIGHT_NORM_PLOT)
    for path in (Path(out) / WEIGHT_NORM_PKL, Path(out) / WEIGHT_NORM_JSON):
        path.unlink(missing_ok=True)
    if table:
        write_pickle_atomic(Path(out) / WEIGHT_NORM_PKL, table)
        write_json_atomic(Path(out) / WEIGHT_NORM_JSON, table)
    return summary, WeightNorm(table, left_out, filled, fill, fill_factor)


class WeightNorm:
    """The weightNorm written: ``table`` {section: [value per segment]}, the sections
    ``left_out`` {section: why}, the places ``filled`` {(sec, loc): why no weight}, and
    the ``fill`` value (uS/mV) that ``fill_factor`` times the soma's weightNorm gave."""

    def __init__(self, table, left_out, filled, fill, fill_factor):
        self.table, self.left_out, self.filled, self.fill, self.fill_factor = table, left_out, filled, fill, fill_factor


def run_batch(spec, jobs, folder, total, unit):
    """Run the Batch of the run spec file ``spec`` in its own process (an MPI world for
    jobs > 1) with its output in ``folder/batch.log``, printing progress; return its exit
    status."""
    command, env = mpi.batch_command(spec, jobs)
    progress = Progress(total, unit)
    with open(Path(folder) / LOG_FILE, 'w') as log:
        proc = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        try:
            while proc.poll() is None:
                progress.show(len(list(Path(folder).glob(f'*{point.POINT_SUFFIX}'))))
                time.sleep(0.5)
        finally:
            if proc.poll() is None:
                proc.terminate()
                proc.wait()
    progress.show(len(list(Path(folder).glob(f'*{point.POINT_SUFFIX}'))), final=True)
    return proc.returncode


class Progress:
    """Progress of a run: points done of the total, elapsed and estimated time left.

    On a terminal a tqdm bar; elsewhere a line at every tenth of the run.
    """

    def __init__(self, total, unit='points', stream=sys.stdout):
        self.total = total
        self.unit = unit
        self.stream = stream
        self.started = time.perf_counter()
        self.last = -1
        self.bar = None
        if stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=unit.rstrip('s'), file=stream)

    def show(self, done, final=False):
        """Show ``done`` points of the total; ``final`` closes the display."""
        if self.bar is not None:
            self.bar.update(done - self.bar.n)
            if final:
                self.bar.close()
            return
        tenth = max(1, self.total // 10)
        if done // tenth == max(self.last, 0) // tenth and not (final and done != self.last):
            return
        self.last = done
        elapsed = time.perf_counter() - self.started
        left = f', about {elapsed / done * (self.total - done):.0f} s left' if 0 < done < self.total else ''
        self.stream.write(f'{done}/{self.total} {self.unit} done, {elapsed:.0f} s elapsed{left}\n')
        self.stream.flush()


def report(out, records, summary, weight_norm, seconds):
    """Print what was run and where the results are; return the exit status."""
    failed = [r for r in records if r['status'] != 'ok']
    spiked = [r for r in records if r['status'] == 'ok' and r['spiked']]
    print(f'{len(records)} points in {seconds:.1f} s: {len(records) - len(failed)} ok ({len(spiked)} spiked), {len(failed)} failed')
    if len(summary) <= LISTED_LOCATIONS:
        for row in summary:
            if row['in_range']:
                weight = f"{row['weight_at_target']:.6g} uS" + (f" ({row['search']})" if 'search' in row else '')
            else:
                weight = f"not found: {row['reason']}"
            print(f"  {row['sec']}({row['loc']:g}): weight at target {weight}")
    else:
        found = [row['weight_at_target'] for row in summary if row['in_range']]
        span = f', from {min(found):.6g} to {max(found):.6g} uS' if found else ''
        print(f'  {len(summary)} locations: weight at target found at {len(found)}{span}')
        reasons = Counter(reason_kind(row['reason']) for row in summary if not row['in_range'])
        for reason, count in reasons.most_common():
            print(f'  not found at {count}: {reason}')
    print(f'results: {Path(out) / RESULTS_FILE}, {Path(out) / SUMMARY_FILE}')
    table, left_out, filled = weight_norm.table, weight_norm.left_out, weight_norm.filled
    if table:
        print(f'weightNorm of {len(table)} sections: {Path(out) / WEIGHT_NORM_PKL} (and .json)')
    if filled:
        sections = Counter(sec for sec, _ in filled)
        where = ', '.join(f'{sec} ({count})' for sec, count in sections.most_common(LISTED_LOCATIONS))
        more = f' and {len(sections) - LISTED_LOCATIONS} more sections' if len(sections) > LISTED_LOCATIONS else ''
        print(
            f'filled {len(filled)} segments without a weight with {weight_norm.fill_factor:g} x the soma\'s weightNorm '
            f'({weight_norm.fill:.6g} uS/mV; --fill-factor): {where}{more}'
        )
    if left_out:
        listed = '; '.join(f'{sec} ({why})' for sec, why in list(left_out.items())[:LISTED_LOCATIONS])
        more = f'; and {len(left_out) - LISTED_LOCATIONS} more' if len(left_out) > LISTED_LOCATIONS else ''
        print(f'warning: {len(left_out)} sections left out of weightNorm (NetPyNE applies no factor there): {listed}{more}',
              file=sys.stderr)
    if failed:
        print(f'error: {len(failed)} of {len(records)} points failed; see "error" in {RESULTS_FILE}', file=sys.stderr)
        return 1
    return 0


def run_with_batch(options, cfg, grid):
    """Every point's record through the NetPyNE Batch, one init.py process per point.

    The batch process reads the settled cfg and the grid from OUT/grid_batch/run_spec.json."""
    jobs = jobs_of(make_batch(cfg, grid, options.out))
    folder = options.out / GRID_FOLDER
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    spec = folder / RUN_SPEC
    write_json_atomic(spec, {'cfg': point.cfg_settings(cfg), 'grid': grid, 'out': str(options.out)})
    status = run_batch(spec, options.jobs, folder, len(jobs), targeted.work_unit(cfg.search))
    if status != 0:
        print(f'warning: the batch process ended with status {status}; see {folder / LOG_FILE}', file=sys.stderr)
    return collect_points(jobs, cfg)


def run(search_params, argv):
    """The grid command: check the input, run the engine, write and report the results."""
    options = parse_args(argv, search_params)
    collecting = options.collect is not None
    submitted = None
    if options.collect or options.resume:
        argv, search_params, submitted = cluster.resumed_argv(options, argv)
        options = parse_args(argv, search_params)
    started = time.perf_counter()
    with point.CapturedOutput():
        cfg = configured_cfg(options)
        warnings = []
        if submitted is not None and 'cfg' in submitted:
            cfg, warnings = submitted_cfg(cfg, submitted, options.out)
        grid = grid_of(options, cfg)
        inputs.check_grid(cfg, grid)
        warnings += inputs.check_mechanisms(cfg)
    for line in warnings:
        print(line, file=sys.stderr)
    stored = catalogue.stored_weight_norm(cfg)
    if stored:
        print(f'warning: removed the weightNorm stored in {len(stored)} sections of the cell before the search', file=sys.stderr)
    checked = time.perf_counter()
    still_running = 0
    lost = functools.partial(lost_work, cfg)
    unit = targeted.work_unit(cfg.search)
    if options.cluster:
        jobs = jobs_of(make_batch(cfg, grid, options.out))
        records, still_running = cluster.run(options, cfg, jobs, search_params, argv, lost, collecting)
        if records is None:
            return 0
    elif options.engine == 'inline':
        settle = functools.partial(point.cfg_from_settings, point.cfg_settings(cfg))  # not cfg.py again
        progress = Progress(len(inline.tasks_of(grid, cfg.search)), unit)
        records = inline.run(settle, grid, options.jobs, progress, cfg.search, lost)
    else:
        records = run_with_batch(options, cfg, grid)
    measured = time.perf_counter()
    summary, weight_norm = write_results(
        options.out, records, cfg.epspTarget, catalogue.cell_of(cfg), cfg.somaSec, cfg.weightNormFill
    )
    if not options.all_segments:
        weight_norm.left_out = {}
    finished = time.perf_counter()
    stages = {'checks': checked - started, 'engine': measured - checked, 'analysis': finished - measured}
    provenance.write_run_record(options.out, argv, options, len(records), stages)
    status = report(options.out, records, summary, weight_norm, finished - started)
    if still_running:
        print(f'{still_running} {unit} still queued or running; '
              f'collect again later: python M1_grid_search.py --collect {options.out}')
        return cluster.STILL_RUNNING
    return status
