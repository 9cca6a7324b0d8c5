"""The command line of M1_grid_search.py: its options, their defaults and the checks that
make every bad value one error line before anything runs."""

import math
import os
import re
from pathlib import Path

from cells import catalogue
from wscale.engines import cluster, cluster_folder
from wscale.errors import UserError
from wscale.report import outputs
from wscale.run import inputs
from wscale.run.spec import PREVIEW_ENGINE, SPEC_FILE

ENGINE_NAMES = ('batch', 'inline')
SEARCHES = ('grid', 'target')
MAX_ATOL = 1e-4  # CVode tolerance up to which EPSPs stayed within 0.5 % of the fixed step's
NO_FILL = 'none'
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
    group.add_argument('--resume', metavar='OUT',
                       help='go on with an interrupted run into OUT: measure (on a cluster: submit again) what has no result')


def check_cluster_options(options, argv):
    """Cluster options: well-formed, and only where they apply."""
    if options.collect and options.resume:
        raise UserError('--collect and --resume exclude each other')
    if options.collect or options.resume:
        name, folder = ('collect', options.collect) if options.collect else ('resume', options.resume)
        manifest = Path(folder) / outputs.GRID_FOLDER / cluster_folder.MANIFEST
        on_cluster = name == 'collect' or manifest.is_file()
        allowed = {'--cluster'} if name == 'collect' else (CLUSTER_OPTIONS if on_cluster else set())
        extra = given_flags(argv) - allowed - {f'--{name}'}
        if extra:
            source = manifest if on_cluster else Path(folder) / SPEC_FILE
            raise UserError(
                f"--{name} takes the run's settings from {source}; {', '.join(sorted(extra))} cannot be given with it"
            )
        if on_cluster:
            options.cluster = 'slurm'
    if not options.cluster:
        given = (given_flags(argv) & CLUSTER_OPTIONS) - {'--cluster'}
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
    flags = given_flags(argv)
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


def check_preview(options, argv):
    """--preview: the places of a targeted search, predicted by the preview engine; it
    runs here and goes with neither a grid of weights, another engine nor the cluster."""
    if not options.preview:
        return
    flags = given_flags(argv)
    clash = next((flag for flag in ('--engine', '--cvode', '--atol', *sorted(CLUSTER_OPTIONS)) if flag in flags), None)
    if clash or options.search == 'grid' and '--search' in flags:
        raise UserError(f"--preview predicts with its own engine and goes without {clash or '--search grid'}")
    options.search, options.engine = 'target', PREVIEW_ENGINE


def given_flags(argv):
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
        '--preview', action='store_true',
        help='predict each place\'s weight at target from the impedances, without synaptic simulations (seconds)',
    )
    parser.add_argument(
        '--engine', choices=ENGINE_NAMES,
        help='batch: NetPyNE Batches, one process per point; inline: worker processes that reuse one model each '
             '(default: batch for the grid, inline for --search target)',
    )
    add_cluster_arguments(parser)
    options = parser.parse_args(argv)
    check_preview(options, argv)
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
