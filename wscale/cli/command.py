"""The grid command: the one place that reads a command line. It parses and checks it,
settles the run once (``wscale.run.spec``), hands it to an engine and writes the outputs.

Every engine is a module with ``run(spec, progress) -> records``: ``batch`` (NetPyNE
Batches, one init.py process per point), ``inline`` (worker processes that reuse one
model) and ``cluster`` (SLURM jobs).
"""

import math
import os
import re
import sys
import time
from pathlib import Path

from cells import catalogue, network
from wscale.engines import batch, cluster, inline
from wscale.errors import UserError
from wscale.measure import measurement, self_check
from wscale.report import outputs
from wscale.report.progress import Progress
from wscale.run import inputs, point
from wscale.run.spec import CELL, PLACE, SPEC_FILE, WEIGHT, RunSpec, cell_folder, check_dimension
from wscale.search import targeted, validation

ENGINES = {'batch': batch, 'inline': inline}
SEARCHES = ('grid', 'target')
MAX_ATOL = 1e-4  # CVode tolerance up to which EPSPs stayed within 0.5 % of the fixed step's
NO_FILL = 'none'
GRID_KEYS = (*PLACE, WEIGHT)
NAME_FORMAT = re.compile(r'^[A-Za-z0-9_.,-]+$')
MEMORY_FORMAT = re.compile(r'^\d+[KMGT]?$', re.IGNORECASE)
TIME_FORMAT = re.compile(r'^(\d+-\d+(:\d+){0,2}|\d+(:\d+){0,2})$')
NETWORK_OPTIONS = {'--cfg', '--cell-types', '--synmechs', '--weight-fractions'}  # go with --netparams
ONE_CELL_OPTIONS = {'--cell', '--cell-name', '--cell-args', '--soma', '--synapses'}  # do not
CLUSTER_OPTIONS = {
    '--cluster', '--partition', '--time', '--mem', '--cores-per-job', '--account', '--chunk', '--no-wait', '--dry-run',
}


def default_jobs():
    """Parallel jobs by default: one per core available to this process."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def fill_factor(text):
    """--fill-factor's value: a number > 0, or 'none' (kept as the string until settled)."""
    if text == NO_FILL:
        return NO_FILL
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise UserError(f"--fill-factor must be a number above 0 or 'none', got {text!r}")
    return value


def add_cluster_arguments(parser):
    """The cluster options of the grid command."""
    group = parser.add_argument_group('cluster (SLURM)')
    group.add_argument('--cluster', choices=['slurm'], help='submit the grid to SLURM instead of running it here')
    group.add_argument('--partition', help='SLURM partition')
    group.add_argument('--time', help='time limit per job, SLURM format (minutes, HH:MM:SS, D-HH:MM:SS)')
    group.add_argument('--mem', help='memory per job, SLURM format (4G, 1000M)')
    group.add_argument('--cores-per-job', type=int, default=1, help='CPUs per job; its chunk is shared among them (default 1)')
    group.add_argument('--account', help='SLURM account to charge')
    group.add_argument(
        '--chunk', type=int, default=cluster.DEFAULT_CHUNK,
        help=f'points (targeted search: places) per job, measured in one process (default {cluster.DEFAULT_CHUNK})',
    )
    group.add_argument('--no-wait', action='store_true', help='submit and exit; gather later with --collect OUT')
    group.add_argument('--dry-run', action='store_true', help='write the sbatch scripts and say what would run; submit nothing')
    group.add_argument('--collect', metavar='OUT', help="gather what a cluster run into OUT has finished")
    group.add_argument('--resume', metavar='OUT', help='submit again the points of a cluster run into OUT that have no result')


def check_cluster_options(options, argv):
    """Cluster options: well-formed, and only where they apply."""
    if options.collect and options.resume:
        raise UserError('--collect and --resume exclude each other')
    if options.collect or options.resume:
        name, folder = ('collect', options.collect) if options.collect else ('resume', options.resume)
        allowed = {'--cluster'} if name == 'collect' else CLUSTER_OPTIONS
        extra = _flags(argv) - allowed - {f'--{name}'}
        if extra:
            raise UserError(
                f"--{name} takes the run's settings from {Path(folder) / outputs.GRID_FOLDER / cluster.MANIFEST}; "
                f"{', '.join(sorted(extra))} cannot be given with it"
            )
        options.cluster = 'slurm'
    if not options.cluster:
        given = (_flags(argv) & CLUSTER_OPTIONS) - {'--cluster'}
        if given:
            raise UserError(f"{', '.join(sorted(given))} {'goes' if len(given) == 1 else 'go'} with --cluster slurm")
        return
    if options.chunk < 1:
        raise UserError(f'--chunk must be at least 1, got {options.chunk}')
    if options.cores_per_job < 1:
        raise UserError(f'--cores-per-job must be at least 1, got {options.cores_per_job}')
    if options.time is not None and not TIME_FORMAT.match(options.time):
        raise UserError(f'--time must be a SLURM time limit (minutes, HH:MM:SS or D-HH:MM:SS), got {options.time!r}')
    if options.mem is not None and not MEMORY_FORMAT.match(options.mem):
        raise UserError(f'--mem must be a SLURM memory size (4G, 1000M), got {options.mem!r}')
    for name in ('partition', 'account'):
        value = getattr(options, name)
        if value is not None and not NAME_FORMAT.match(value):
            raise UserError(f'--{name} must be a SLURM name (letters, digits, _ . , -), got {value!r}')
    if options.no_wait and options.dry_run:
        raise UserError('--no-wait and --dry-run exclude each other')


def add_network_arguments(parser):
    """The options that measure every cell type of a user's NetPyNE model."""
    group = parser.add_argument_group('a whole network (a NetPyNE model)')
    group.add_argument('--netparams', metavar='FILE', help="the model's netParams.py: measure its cell types")
    group.add_argument('--cfg', metavar='FILE', help="the model's cfg (default: the cfg.py beside --netparams)")
    group.add_argument('--cell-types', nargs='+', metavar='LABEL', help="the model's cellParams to measure (default: all with a soma)")
    group.add_argument(
        '--synmechs', nargs='+', metavar='LABEL',
        help="the model's synMechParams activated together (default: those with a reversal above -20 mV)",
    )
    group.add_argument('--weight-fractions', nargs='+', type=float, metavar='F',
                       help="each synMech's share of the weight, in --synmechs' order (default 1.0 each)")


def check_network_options(options, argv):
    """The network options go with --netparams, and the one-cell options do not."""
    flags = _flags(argv)
    if options.netparams:
        given = flags & ONE_CELL_OPTIONS
        if given:
            raise UserError(f"{', '.join(sorted(given))} cannot be given with --netparams: "
                            'its cell types and synMechs come from the model (--cell-types, --synmechs)')
    else:
        given = flags & NETWORK_OPTIONS
        if given:
            raise UserError(f"{', '.join(sorted(given))} {'goes' if len(given) == 1 else 'go'} with --netparams FILE")
    for fraction in options.weight_fractions or ():
        if not math.isfinite(fraction) or fraction <= 0:
            raise UserError(f'--weight-fractions must be numbers above 0, got {fraction:g}')


def _flags(argv):
    return {word.split('=', 1)[0] for word in argv if word.startswith('--')}


def parse_args(argv, search_params):
    """Command-line options; the grid defaults to ``search_params``."""
    parser = inputs.ArgumentParser(
        prog='M1_grid_search.py',
        allow_abbrev=False,
        description='Grid search over section x location x weight; writes OUT/results.json and OUT/summary.json.',
    )
    parser.add_argument(
        '--secs', nargs='+', help="sections or secLists to search (default: search_params; with --netparams 'all')"
    )
    parser.add_argument('--weights', nargs='+', type=float, default=search_params.get('weight'), help='weights, uS')
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
    add_network_arguments(parser)
    parser.add_argument('--jobs', type=int, default=default_jobs(), help='parallel jobs (default: all cores)')
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
    parser.add_argument(
        '--validate', type=int, metavar='N',
        help='after writing weight_norm.pkl, simulate N random synapses with it, as NetPyNE applies it and exactly',
    )
    parser.add_argument('--cvode', action='store_true', help="NEURON's variable time step (CVode) instead of cfg.dt")
    parser.add_argument('--atol', type=float, help='CVode absolute tolerance, at most 1e-4 (default: cfg.cvode_atol, 1e-4)')
    parser.add_argument(
        '--engine', choices=sorted(ENGINES),
        help='batch: NetPyNE Batches, one process per point; inline: worker processes that reuse one model each '
             '(default: batch for the grid, inline for --search target)',
    )
    add_cluster_arguments(parser)
    options = parser.parse_args(argv)
    if options.engine is None:
        options.engine = 'inline' if options.search == 'target' else 'batch'
    check_cluster_options(options, argv)
    if options.collect or options.resume:
        return options
    check_network_options(options, argv)
    if not options.secs:
        options.secs = [catalogue.ALL] if options.netparams else search_params.get('sec')
    if options.jobs < 1:
        raise UserError(f'--jobs must be at least 1, got {options.jobs}')
    if options.all_segments and options.locs:
        raise UserError('--locs and --all-segments exclude each other')
    if options.locs is None and not options.all_segments:
        options.locs = search_params.get('loc')
    if not options.secs:
        raise UserError("no sections to search: give --secs or search_params['sec']")
    if not options.weights:
        raise UserError("no weights to try: give --weights or search_params['weight']")
    inputs.check_numbers(options.weights, options.locs, options.target)
    if options.tol is not None and not 0 < options.tol < 1:
        raise UserError(f'--tol is a fraction of the target between 0 and 1, got {options.tol}')
    if options.max_weight is not None:
        inputs.check_weight(options.max_weight)
    if options.atol is not None and not 0 < options.atol <= MAX_ATOL:
        raise UserError(
            f'--atol must be above 0 and at most {MAX_ATOL:g} (looser tolerances moved EPSPs by over 0.5 %), got {options.atol}'
        )
    if options.atol is not None and not options.cvode:
        raise UserError('--atol goes with --cvode')
    if options.validate is not None and options.validate < 1:
        raise UserError(f'--validate must be at least 1 place, got {options.validate}')
    return options


def configured_cfg(options):
    """cfg.py's SimConfig with the command line's overrides applied (with --netparams,
    the model's cell types and synapse: see ``cells.network.settle_network``); fills in
    the options that default to cfg's values (locations, output folder). Returns the
    cfg and the ``Network`` (None without --netparams)."""
    cfg = point.load_cfg()
    options.out = Path(options.out or cfg.saveFolder).resolve()
    model = None
    if options.netparams:
        model = network.settle_network(
            cfg, options.netparams, options.cfg, options.cell_types, options.synmechs, options.weight_fractions, options.mod
        )
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
    return cfg, model


def places_of(options, cell, soma, names=None, which=''):
    """The places on ``cell`` (a cellParams dict whose soma is ``soma``): paired ``sec``
    and ``loc`` lists (place i is at sec[i], loc[i]) of the sections ``names`` (default
    --secs) chose.

    With ``--all-segments`` the soma is searched too: NetPyNE's addCellParamsWeightNorm
    ignores a weightNorm file without it.
    """
    secs = catalogue.select_sections(cell, options.secs if names is None else names, options.exclude)
    if not secs:
        raise UserError(f"the grid is empty{which}: --exclude {' '.join(options.exclude)} leaves no section")
    if options.all_segments and soma not in secs:
        secs.insert(0, soma)
    places = [
        (sec, loc)
        for sec in secs
        for loc in (catalogue.segment_locs(cell, sec) if options.all_segments else options.locs)
    ]
    return {'sec': [sec for sec, _ in places], 'loc': [loc for _, loc in places]}


def network_places(options, cfg):
    """The places of a network's run: those of every cell type, with its label in
    ``cell``. Each name of --secs counts where a cell type has it (a section, a secList,
    or 'all'); a name none has, or a cell type that has none of them, is an error."""
    cells = {label: catalogue.cell_params(entry['cell']) for label, entry in cfg.cellTypes.items()}
    folders = {}
    for label in cells:
        folders.setdefault(cell_folder(label), []).append(label)
    clash = next((labels for labels in folders.values() if len(labels) > 1), None)
    if clash:
        raise UserError(f"cell types {', '.join(map(repr, clash))} would share the output folder {cell_folder(clash[0])}: "
                        'choose one with --cell-types')

    def has(cell, name):
        return name == catalogue.ALL or name in cell['secs'] or name in catalogue.sec_lists(cell)

    unknown = [name for name in options.secs if not any(has(cell, name) for cell in cells.values())]
    if unknown:
        raise UserError(f"--secs: no cell type ({', '.join(cells)}) has a section or secList {', '.join(map(repr, unknown))}")
    places = {CELL: [], 'sec': [], 'loc': []}
    for label, cell in cells.items():
        names = [name for name in options.secs if has(cell, name)]
        if not names:
            raise UserError(f"--secs: cell type '{label}' has none of {', '.join(options.secs)}; "
                            'leave it out with --cell-types')
        found = places_of(options, cell, cfg.cellTypes[label]['soma'], names, f" on cell type '{label}'")
        places[CELL] += [label] * len(found['sec'])
        places['sec'] += found['sec']
        places['loc'] += found['loc']
    return places


def cluster_settings(options):
    """The cluster options of the command line, as the spec keeps them."""
    names = ('cluster', 'partition', 'time', 'mem', 'cores_per_job', 'account', 'chunk', 'no_wait', 'dry_run')
    settings = {name: getattr(options, name) for name in names}
    settings.update(collect=bool(options.collect), resume=bool(options.resume))
    return settings


def settle(options, search_params, argv):
    """The run the command line asks for, settled and checked: a RunSpec, and the lines
    to show (what a network's run chose; warnings)."""
    cfg, model = configured_cfg(options)
    places = network_places(options, cfg) if model else places_of(options, catalogue.cell_of(cfg), cfg.somaSec)
    settings = point.cfg_settings(cfg)
    dimensions = [check_dimension(settings, key, values) for key, values in search_params.items() if key not in GRID_KEYS]
    if dimensions and options.validate:
        raise UserError('--validate checks one weightNorm file; this grid has further dimensions and writes one per combination')
    spec = RunSpec(settings, places, options.weights, dimensions, {
        'argv': list(argv),
        'out': str(options.out),
        'engine': options.engine,
        'jobs': options.jobs,
        'all_segments': options.all_segments,
        'validate': options.validate,
        'cluster': cluster_settings(options),
    })
    warnings = []
    for values, group in spec.groups():
        unit_cfg = spec.cfg(values)
        inputs.check_grid(unit_cfg, {**group, WEIGHT: spec.weights})
        warnings += [line for line in inputs.check_mechanisms(unit_cfg) if line not in warnings]
    return spec, (model.messages() if model else []) + warnings


def stored(options, argv):
    """The settled run of the cluster run that --collect or --resume names, with the
    cluster options given now (--resume: those given on its command line replace the
    run's)."""
    folder = options.collect or options.resume
    spec = cluster.stored_spec(folder)
    spec.options['out'] = str(Path(folder).resolve())
    kept = spec.options['cluster']
    flags = _flags(argv)
    for name, value in cluster_settings(options).items():
        if name in ('collect', 'resume') or (options.resume and f"--{name.replace('_', '-')}" in flags):
            kept[name] = value
        elif name in ('no_wait', 'dry_run'):  # how it was submitted, not how it goes on
            kept[name] = False
    return spec


def validate(spec, weight_norm, cell, label=None):
    """--validate: check the weightNorm written by simulation (see wscale.search.validation);
    print the verdict (``label``: the cell type's); return the seconds it took."""
    started = time.perf_counter()
    which = f"{label}: " if label else ''
    if not weight_norm.table:
        print(f'warning: {which}--validate: no weightNorm was written, nothing to validate', file=sys.stderr)
        return time.perf_counter() - started
    rows, verdict = validation.validate(
        spec, weight_norm.path, weight_norm.table, cell, spec.options['validate'], spec.options['jobs'], weight_norm.filled
    )
    print(which + validation.verdict_line(rows, verdict, (len(weight_norm.table), len(cell['secs']))))
    print(f'{which}validation: {spec.out / validation.VALIDATION_FILE}, {spec.out / validation.VALIDATION_PLOT}')
    return time.perf_counter() - started


def finish_cell(spec, records, started):
    """One cell's outputs, report and --validate; returns the exit status and the seconds
    of analysis and validation."""
    cell = catalogue.cell_of(spec.cfg())
    begun = time.perf_counter()
    summary, weight_norms = outputs.write_results(spec, records, cell)
    attachments = [(weight_norm.values, None, weight_norm) for weight_norm in weight_norms if weight_norm.table]
    run = outputs.write_load_script(spec.out, attachments, spec.dimensions, one_cell=True) if attachments else None
    finished = time.perf_counter()
    status = outputs.report(spec, records, summary, weight_norms, cell, finished - started, run)
    validated = validate(spec, weight_norms[0], cell) if spec.options.get('validate') else None
    return status, finished - begun, validated


def finish_network(spec, records, started):
    """A network's outputs: each cell type's in OUT/<cell type>/ as one cell's run writes
    them, then the files of them all (``outputs.write_network``); the report and
    --validate per cell type. Returns as ``finish_cell`` does."""
    begun = time.perf_counter()
    cells = {}
    for label in spec.cell_types:
        one = spec.for_cell(label)
        mine = [record for record in records if record[CELL] == label]
        cell = catalogue.cell_of(one.cfg())
        summary, weight_norms = outputs.write_results(one, mine, cell, title=label)
        cells[label] = outputs.CellOutputs(one, mine, summary, weight_norms, cell)
    run = outputs.write_network(spec, cells)
    finished = time.perf_counter()
    status = outputs.report_network(spec, records, cells, run, finished - started)
    validated = None
    if spec.options.get('validate'):
        validated = sum(validate(one.spec, one.weight_norms[0], one.cell, label) for label, one in cells.items())
    return status, finished - begun, validated


def engine_of(spec):
    return cluster if spec.options['cluster']['cluster'] else ENGINES[spec.options['engine']]


def run(search_params, argv):
    """The grid command: check the input, settle the run, run the engine, write and
    report the results; return the exit status."""
    measurement.lean_netpyne()
    started = time.perf_counter()
    options = parse_args(argv, search_params)
    notes = []
    with point.CapturedOutput():
        if options.collect or options.resume:
            spec = stored(options, argv)
        else:
            spec, notes = settle(options, search_params, argv)
        spec.out.mkdir(parents=True, exist_ok=True)
        spec.write(spec.out / SPEC_FILE)
        spec = RunSpec.read(spec.out / SPEC_FILE)
        cfg = spec.cfg()
    for line in notes:
        print(line, file=sys.stderr if line.startswith('warning:') else sys.stdout)
    stored_norms = catalogue.stored_weight_norm(cfg)
    if stored_norms:
        print(f'warning: removed the weightNorm stored in {len(stored_norms)} sections of the cell before the search',
              file=sys.stderr)
    checked_at = time.perf_counter()
    unit = targeted.work_unit(spec.search)
    engine = engine_of(spec)
    total = len(inline.tasks_of(spec.places, spec.weights, spec.search)) * len(spec.settings_of_dimensions())
    records = engine.run(spec, None if engine is cluster else Progress(total, unit))
    if not getattr(records, 'gathered', True):
        return 0
    measured = time.perf_counter()
    checks = self_check.checks_of(records, CELL)
    for line in self_check.lines(checks, lambda label: f'cell type {label}' if label else f'cell {Path(cfg.cell).name}'):
        print(line, file=sys.stderr if line.startswith(('warning:', 'error:')) else sys.stdout)
    status, analysis, validated = (finish_network if spec.cell_types else finish_cell)(spec, records, started)
    stages = {'checks': checked_at - started, 'engine': measured - checked_at, 'analysis': analysis}
    if validated is not None:
        stages['validation'] = validated
    outputs.write_run_record(spec, len(records), stages, default_jobs(), self_check.summary(checks) if checks else None)
    pending = getattr(records, 'pending', 0)
    if pending:
        print(f'{pending} {unit} still queued or running; '
              f'collect again later: python M1_grid_search.py --collect {spec.out}')
        return cluster.STILL_RUNNING
    return status
