"""Settling a run: the command line's options and cfg.py (or a model's cfg) made into one
RunSpec, with its places, weights and further dimensions, checked once; or the stored run
that --collect and --resume name."""

import dataclasses
from pathlib import Path

from cells import catalogue, network
from wscale.cli.options import NO_FILL, given_flags
from wscale.engines import cluster_folder
from wscale.errors import UserError
from wscale.run import inputs, point
from wscale.run.spec import (
    CELL,
    PLACE,
    SPEC_FILE,
    WEIGHT,
    ClusterOptions,
    RunOptions,
    RunSpec,
    cell_folder,
    check_dimension,
)

GRID_KEYS = (*PLACE, WEIGHT)


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
    names = [field.name for field in dataclasses.fields(ClusterOptions) if field.name not in ('collect', 'resume')]
    return ClusterOptions(**{name: getattr(options, name) for name in names}, collect=bool(options.collect),
                          resume=bool(options.resume))


def settle(options, search_params, argv):
    """The run the command line asks for, settled and checked: a RunSpec, and the lines
    to show (what a network's run chose; warnings)."""
    cfg, model = configured_cfg(options)
    places = network_places(options, cfg) if model else places_of(options, catalogue.cell_of(cfg), cfg.somaSec)
    settings = point.cfg_settings(cfg)
    dimensions = [check_dimension(settings, key, values) for key, values in search_params.items() if key not in GRID_KEYS]
    if dimensions and options.validate:
        raise UserError('--validate checks one weightNorm file; this grid has further dimensions and writes one per combination')
    spec = RunSpec(settings, places, options.weights, dimensions, RunOptions(
        argv=list(argv), out=str(options.out), engine=options.engine, jobs=options.jobs,
        all_segments=options.all_segments, validate=options.validate, cluster=cluster_settings(options),
    ))
    warnings = []
    for values, group in spec.groups():
        unit_cfg = spec.cfg(values)
        inputs.check_grid(unit_cfg, {**group, WEIGHT: spec.weights})
        warnings += [line for line in inputs.check_mechanisms(unit_cfg) if line not in warnings]
    return spec, (model.messages() if model else []) + warnings


def stored(options, argv):
    """The settled run that --collect or --resume names: a cluster run's, with the cluster
    options given now (--resume: those given on its command line replace the run's), or
    a local run's (--resume), as it was settled."""
    folder = options.collect or options.resume
    if not options.cluster:
        path = Path(folder).resolve() / SPEC_FILE
        if not path.is_file():
            raise UserError(f'no run to resume in {folder}: {path} not found')
        try:
            spec = RunSpec.read(path)
        except (OSError, ValueError, KeyError, TypeError) as err:
            raise UserError(f'cannot read {path}: {err}') from None
        spec.options.out = str(path.parent)
        return spec
    spec = cluster_folder.stored_spec(folder)
    spec.options.out = str(Path(folder).resolve())
    kept = spec.options.cluster
    flags = given_flags(argv)
    for name, value in dataclasses.asdict(cluster_settings(options)).items():
        if name in ('collect', 'resume') or (options.resume and f"--{name.replace('_', '-')}" in flags):
            setattr(kept, name, value)
        elif name in ('no_wait', 'dry_run'):  # how it was submitted, not how it goes on
            setattr(kept, name, False)
    return spec
