"""A run, settled once: the cfg (cfg.py with the command line's overrides), the grid, and
how to run it.

The grid command settles it and writes it to OUT/run_spec.json; every part of the run
reads it from there or from the cluster run's copy (batch processes, inline workers,
SLURM jobs, ``--collect``, ``--resume``); none parses a command line or reads cfg.py
again.

The grid: the places (paired ``sec`` and ``loc`` lists: place i is at sec[i], loc[i];
in a network's run also a ``cell`` list: place i is on cell type cell[i]),
the ``weight`` list tried at each place (grid search), and any further dimensions from
``search_params``: a cfg setting (``'stimDelay'``) or a path into a nested cfg dict
(``('hParams', 'celsius')``), with the values it takes. A further dimension's column in
results.json is its path joined with dots (``hParams.celsius``).
"""

import dataclasses
import itertools
import json
from pathlib import Path

from analysis.results import read_json, safe_name, write_json_atomic
from cells import catalogue
from wscale.errors import UserError
from wscale.run.point import cfg_settings

SPEC_FILE = 'run_spec.json'
LABEL_PREFIX = 'grid'  # a unit's label starts so: the NetPyNE Batch's batchLabel
LABEL = 'label'  # a unit's key of its label
PREVIEW_ENGINE = 'preview'  # the engine of --preview: weights predicted, not simulated
PLACE = ('sec', 'loc')
CELL = 'cell'  # a place's cell type in a network's run (cfg.cellTypes), and its column
WEIGHT = 'weight'
# cfg settings the run sets itself, which search_params cannot make a dimension
NOT_DIMENSIONS = {
    'epspTarget': 'one run has one target EPSP (--target)',
    'search': 'the search is chosen with --search',
    'saveFolder': 'the output folder is chosen with --out',
    'simLabel': 'each point is labelled by the run',
}


def column(path):
    """The results.json column of a dimension's path: its keys joined with dots."""
    return '.'.join(path)


def dimension_path(key):
    """The path of a search_params key: a cfg setting's name, a tuple of keys into a
    nested cfg dict, or those keys joined with dots."""
    if isinstance(key, (tuple, list)):
        path = tuple(key)
    elif isinstance(key, str):
        path = tuple(key.split('.'))
    else:
        path = ()
    if not path or not all(isinstance(part, str) and part for part in path):
        raise UserError(f'search_params key {key!r} is not a cfg setting: give a name or a tuple of names')
    return path


def check_dimension(cfg_settings, key, values):
    """A further grid dimension from search_params: its key names an existing cfg
    setting (every key of a path must exist), and it has a list of values. Returns
    (path, values)."""
    path = dimension_path(key)
    if path[0] in NOT_DIMENSIONS:
        raise UserError(f'search_params key {column(path)!r} cannot be a grid dimension: {NOT_DIMENSIONS[path[0]]}')
    container = cfg_settings
    for depth, part in enumerate(path):
        if not isinstance(container, dict) or part not in container:
            where = 'cfg' if depth == 0 else f'cfg.{column(path[:depth])}'
            known = sorted(container) if isinstance(container, dict) else []
            listed = f" (it has {', '.join(known)})" if known and depth > 0 else ''
            raise UserError(f'search_params key {key!r} is no cfg setting: {where} has no {part!r}{listed}')
        container = container[part]
    if not isinstance(values, (list, tuple)) or not values:
        raise UserError(f'search_params[{key!r}] must be a non-empty list of values, got {values!r}')
    return path, list(values)


@dataclasses.dataclass
class ClusterOptions:
    """How a run goes to SLURM (``--cluster slurm`` and its options); ``cluster`` None: it
    runs here. ``collect``/``resume``: this command gathers or resubmits a stored run."""

    cluster: str | None = None
    partition: str | None = None
    time: str | None = None
    mem: str | None = None
    cores_per_job: int = 1
    account: str | None = None
    chunk: int | None = None
    no_wait: bool = False
    dry_run: bool = False
    collect: bool = False
    resume: bool = False


@dataclasses.dataclass
class RunOptions:
    """How the run goes, besides what it measures: the command line (``argv``), the output
    folder, the engine, the jobs at once, whether every segment was asked for, the
    places --validate draws (None: none) and the cluster options."""

    argv: list
    out: str
    engine: str
    jobs: int
    all_segments: bool = False
    validate: int | None = None
    cluster: ClusterOptions = dataclasses.field(default_factory=ClusterOptions)

    @classmethod
    def from_json(cls, data):
        return cls(**{**data, 'cluster': ClusterOptions(**data.get('cluster', {}))})


class RunSpec:
    """The settled run. ``cfg_settings``: every SimConfig setting (plain JSON values);
    ``places``: {'sec': [...], 'loc': [...]} and in a network's run {'cell': [...], ...};
    ``weights``: uS; ``dimensions``: [(path, values)] of the further grid dimensions;
    ``options``: how it runs (engine, jobs, out, search, all_segments, cluster settings)
    and the command line it came from."""

    def __init__(self, cfg_settings, places, weights, dimensions, options):
        self.cfg_settings = cfg_settings
        self.places = {'sec': list(places['sec']), 'loc': [float(loc) for loc in places['loc']]}
        if CELL in places:
            self.places = {CELL: list(places[CELL]), **self.places}
        self.weights = [float(weight) for weight in weights]
        self.dimensions = [(tuple(path), list(values)) for path, values in dimensions]
        self.options = options if isinstance(options, RunOptions) else RunOptions.from_json(options)

    @property
    def out(self):
        return Path(self.options.out)

    @property
    def search(self):
        return self.cfg_settings['search']

    @property
    def place_keys(self):
        """What a place is: ('sec', 'loc'), in a network's run ('cell', 'sec', 'loc')."""
        return tuple(self.places)

    @property
    def unit_name(self):
        """What one unit of work is called: a place with targeted search, else a point."""
        return 'places' if self.search == 'target' else 'points'

    def units(self):
        """The run's units of work in grid order (see ``order``): every point (targeted
        search: every place) at every combination of the further dimensions, each a dict
        of its columns' values (see ``grid_units``) with its ``label``."""
        return sorted(grid_units(self.batch_params(), self.place_keys), key=self.order())

    def by_model(self, units):
        """``units`` (see ``units``) with those of one model together: [(setting, its units)]
        in the order their models first come, ``setting`` the units' values of ``columns``
        (one combination of the further dimensions; in a network's run, one cell type)."""
        models = {}
        for unit in units:
            setting = {name: unit[name] for name in self.columns}
            models.setdefault(json.dumps(setting, sort_keys=True), (setting, []))[1].append(unit)
        return list(models.values())

    def unit_count(self):
        """How many units the run has (see ``units``)."""
        return len(self.units())

    @property
    def cell_types(self):
        """The cell types of a network's run, in order; [] for one cell's."""
        return list(dict.fromkeys(self.places.get(CELL, [])))

    @property
    def columns(self):
        """The results.json columns that tell a point's unit apart besides its place and
        weight: ``cell`` in a network's run, then the further dimensions'."""
        return ([CELL] if CELL in self.places else []) + [column(path) for path, _ in self.dimensions]

    def cfg(self, values=None):
        """A fresh SimConfig of the settled cfg, with the further dimensions' ``values``
        ({column: value}) set where given, and ``values['cell']``'s cell type measured."""
        from netpyne import specs

        cfg = specs.SimConfig(json.loads(json.dumps(self.cfg_settings)))
        for path, _ in self.dimensions:
            if values and column(path) in values:
                set_path(cfg, path, values[column(path)])
        if values and CELL in values:
            cfg.cell = values[CELL]
            catalogue.settle_cell_type(cfg)
        return cfg

    def places_on(self, cell=None):
        """The places ({'sec': [...], 'loc': [...]}) on cell type ``cell``; all of them
        with None."""
        chosen = [i for i in range(len(self.places['sec'])) if cell is None or self.places[CELL][i] == cell]
        return {key: [self.places[key][i] for i in chosen] for key in PLACE}

    def groups(self):
        """The units measured with one model: [(values, places)] for every combination of
        the further dimensions and, in a network's run, every cell type; ``values`` has
        their columns, ``places`` (see ``places_on``) the places of that model."""
        return [
            ({CELL: cell, **values} if cell is not None else values, self.places_on(cell))
            for values in self.settings_of_dimensions()
            for cell in self.cell_types or [None]
        ]

    def for_cell(self, cell):
        """The run of one cell type of a network's run as a run of its own: its cfg (that
        cell type's file and soma), its places, and its output folder OUT/<cell type>."""
        options = dataclasses.replace(self.options, out=str(self.out / cell_folder(cell)))
        return RunSpec(cfg_settings(self.cfg({CELL: cell})), self.places_on(cell), self.weights, self.dimensions, options)

    def batch_params(self):
        """The grid as a NetPyNE Batch's params (the place's keys grouped, see
        ``place_keys``; with targeted search no ``weight``: each job searches its place)."""
        params = dict(self.places)
        if self.search != 'target':
            params[WEIGHT] = list(self.weights)
        for path, values in self.dimensions:
            params[path if len(path) > 1 else path[0]] = list(values)
        return params

    def settings_of_dimensions(self):
        """Every combination of the further dimensions' values, as {column: value}."""
        columns = [column(path) for path, _ in self.dimensions]
        return [dict(zip(columns, combination)) for combination in itertools.product(*(v for _, v in self.dimensions))]

    def order(self):
        """The sort key of a unit ({column: value}) in grid order: the further
        dimensions' combination, then the place, then the weight."""
        keys = self.place_keys
        places = {place: i for i, place in reversed(list(enumerate(zip(*(self.places[key] for key in keys)))))}
        weights = {weight: i for i, weight in reversed(list(enumerate(self.weights)))}
        dimensions = [(column(path), values) for path, values in self.dimensions]

        def key(values):
            dims = tuple(options.index(values[name]) for name, options in dimensions)
            return (*dims, places[tuple(values[name] for name in keys)], weights.get(values.get(WEIGHT), 0))

        return key

    def measures_same(self, other):
        """Whether ``other`` measures what this run does (the cfg, places, weights and
        further dimensions), however it runs."""
        def measured(spec):
            data = spec.to_json()
            return json.dumps({key: data[key] for key in ('cfg', 'places', 'weights', 'dimensions')}, sort_keys=True)

        return measured(self) == measured(other)

    def to_json(self):
        return {
            'cfg': self.cfg_settings,
            'places': self.places,
            'weights': self.weights,
            'dimensions': [[list(path), values] for path, values in self.dimensions],
            'options': dataclasses.asdict(self.options),
        }

    @classmethod
    def from_json(cls, data):
        return cls(data['cfg'], data['places'], data['weights'], data['dimensions'], data['options'])

    def write(self, path):
        write_json_atomic(path, self.to_json())

    @classmethod
    def read(cls, path):
        return cls.from_json(read_json(path))


class Outcome(list):
    """What every engine's ``run`` returns: the records gathered, in grid order;
    ``pending``, units still queued or running (a cluster run); ``gathered``, False when
    nothing was gathered now (a cluster run's --dry-run or --no-wait)."""

    def __init__(self, records=(), pending=0, gathered=True):
        super().__init__(records)
        self.pending, self.gathered = pending, gathered


def cell_folder(cell):
    """The output folder's name of a cell type: its label, with characters other than
    letters, digits and ``_ . -`` replaced by ``_``."""
    name = safe_name(cell)
    return name if name.strip('.') else '_'


def set_path(cfg, path, value):
    """Set a cfg setting, or a key inside a nested cfg dict, to ``value``."""
    if len(path) == 1:
        setattr(cfg, path[0], value)
        return
    container = getattr(cfg, path[0])
    for part in path[1:-1]:
        container = container[part]
    container[path[-1]] = value


def grid_units(params, place_keys):
    """The units of the grid ``params`` (see ``RunSpec.batch_params``), in the order and
    with the labels that a NetPyNE Batch over them (grid method, ``place_keys`` grouped)
    gives its jobs: the places outermost, then every combination of the other params in
    their order. Each unit is {column: value} with its ``label``: ``grid``, the place's
    index once for each place key, then each other param's index, joined by ``_``
    (``grid_4_4_0``: place 4 at weight 0)."""
    others = [name for name in params if name not in place_keys]
    units = []
    for index, place in enumerate(zip(*(params[key] for key in place_keys))):
        for combination in itertools.product(*(range(len(params[name])) for name in others)):
            unit = dict(zip(place_keys, place))
            unit.update({column(name) if isinstance(name, tuple) else name: params[name][i]
                         for name, i in zip(others, combination)})
            unit[LABEL] = '_'.join([LABEL_PREFIX, *[str(index)] * len(place_keys), *map(str, combination)])
            units.append(unit)
    return units


def task_of(unit):
    """What a worker does for a unit: measure the point (sec, loc, weight), or search the
    place (sec, loc) of a targeted search, whose units have no weight."""
    return (unit['sec'], unit['loc'], unit[WEIGHT]) if WEIGHT in unit else (unit['sec'], unit['loc'])


def tag(records, values, columns):
    """Give each record the further dimensions' values of its unit (in place); return them."""
    for record in records:
        for name in columns:
            record[name] = values[name]
    return records
