"""What a run leaves in OUT: results.json (one record per point), summary.json (one per
place), weight_norm.pkl/.json, load_weight_norm.py, the plots, run.json (how the run was
made) and a network's files of all its cell types. What it prints is ``terminal``."""

import datetime
import platform
import sys
from pathlib import Path

from analysis.fit import summarise
from analysis.results import safe_name, write_atomic, write_json_atomic, write_pickle_atomic
from analysis.weight_norm import coverage_gaps, segment_index, soma_weight_norm, weight_norm_table
from cells import catalogue, exact_weight_norm
from cells.versions import installed
from wscale import faults
from wscale.run.spec import PREVIEW_ENGINE

GRID_FOLDER = 'grid_batch'  # the per-point files of the engines and the cluster run
RESULTS_FILE = 'results.json'
SUMMARY_FILE = 'summary.json'
WEIGHT_NORM_PKL = 'weight_norm.pkl'
WEIGHT_NORM_JSON = 'weight_norm.json'
EPSP_PLOT = 'epsp_vs_weight.png'
WEIGHT_NORM_PLOT = 'weight_norm_vs_distance.png'
MAP_SUFFIX = '_map.png'  # weight_norm_map.png: the weightNorm drawn on the cell
RUN_FILE = 'run.json'
LISTED_LOCATIONS = 20
LOAD_SCRIPT = 'load_weight_norm.py'  # what attaches the run's weightNorm files to a model
CELLS_PLOT = 'weight_norm_by_cell.png'  # a network's run: weightNorm against distance, per cell type


class WeightNorm:
    """The weightNorm written for one combination of the further grid dimensions
    (``values``, {} without any): ``table`` {section: [value per segment]}, the sections
    ``left_out`` {section: why}, the places ``filled`` {(sec, loc): why no weight}, the
    ``fill`` value (uS/mV) that ``fill_factor`` times the soma's weightNorm gave, the
    ``path`` of its pickle (None if nothing was written), the ``map_path`` of its
    drawing on the cell and the cell's sections it does not cover (``uncovered``; none
    where nothing was written)."""

    def __init__(self, values, table, left_out, filled, fill, fill_factor, path, map_path, uncovered=()):
        self.values, self.table, self.left_out, self.filled = values, table, left_out, filled
        self.fill, self.fill_factor, self.path, self.map_path = fill, fill_factor, path, map_path
        self.uncovered = list(uncovered)

    def combination(self):
        """' at name=value, ...' of its further dimensions' values; '' without any."""
        return (' at ' + ', '.join(f'{name}={value}' for name, value in self.values.items())) if self.values else ''


def weight_norm_name(values):
    """File name stem of the weightNorm of one combination of further dimensions:
    ``weight_norm`` without any, else ``weight_norm_hParams.celsius=34``."""
    if not values:
        return Path(WEIGHT_NORM_PKL).stem
    text = ','.join(f'{name}={value}' for name, value in values.items())
    return 'weight_norm_' + safe_name(text, '=,')


def write_weight_norm(out, summary, values, cell, soma, fill_factor):
    """The weightNorm of the summary rows of one combination ``values``: computed, and
    written as a pickle and JSON if any section has one. See ``write_results``."""
    rows = [row for row in summary if all(row.get(name) == value for name, value in values.items())]
    segment_counts = {sec: catalogue.nseg(cell, sec) for sec in {row['sec'] for row in rows}}
    soma_value = soma_weight_norm(rows, soma)
    fill = fill_factor * soma_value if fill_factor is not None and soma_value is not None else None
    table, left_out, filled = weight_norm_table(rows, segment_counts, fill)
    if fill_factor is not None and soma_value is None:
        left_out = {sec: f'{why}; nothing to fill with: the soma has no weightNorm' for sec, why in left_out.items()}
    for row in rows:
        row['filled'] = (row['sec'], row['loc']) in filled
        if row['filled']:
            row['weight_norm'] = fill
    stem = weight_norm_name(values)
    pickle_path, json_path = Path(out) / f'{stem}.pkl', Path(out) / f'{stem}.json'
    map_path = Path(out) / f'{stem}{MAP_SUFFIX}'
    if table:
        write_pickle_atomic(pickle_path, table)
        write_json_atomic(json_path, table)
    uncovered = coverage_gaps(list(cell['secs']), table)[0] if table else []
    return WeightNorm(values, table, left_out, filled, fill, fill_factor, pickle_path if table else None, map_path,
                      uncovered)


def remove_earlier_files(out):
    """Remove from ``out`` the files an earlier run into it may have left that this run
    might not write again: weightNorm files (maps too), load_weight_norm.py and a network
    run's comparison figure; no one takes them for this run's."""
    for stale in Path(out).glob(f'{Path(WEIGHT_NORM_PKL).stem}*'):
        if stale.suffix in ('.pkl', '.json') or stale.name.endswith(MAP_SUFFIX):
            stale.unlink()
    for name in (LOAD_SCRIPT, CELLS_PLOT):
        (Path(out) / name).unlink(missing_ok=True)


def write_results(spec, records, cell, title=None):
    """Write results.json (one record per point), summary.json (one per place and
    combination of further dimensions), the two plots and, for the sections whose every
    segment was searched, the weightNorm (one pickle and JSON per combination of further
    dimensions). A segment without a weight gets cfg.weightNormFill times the soma's
    weightNorm and ``filled: true`` in summary.json; with weightNormFill None its section
    is left out. ``title`` names the cell on its map. Returns the summary and the
    ``WeightNorm`` of each combination."""
    cfg = spec.cfg_settings
    out, target = spec.out, cfg['epspTarget']
    summary = summarise(records, target, spec.columns)
    remove_earlier_files(out)
    weight_norms = [
        write_weight_norm(out, summary, values, cell, cfg['somaSec'], cfg['weightNormFill'])
        for values in spec.settings_of_dimensions()
    ]
    if not spec.options.all_segments:
        for weight_norm in weight_norms:
            weight_norm.left_out = {}
    write_json_atomic(Path(out) / RESULTS_FILE, records)
    write_json_atomic(Path(out) / SUMMARY_FILE, summary)
    from analysis import plots  # matplotlib, 0.4 s to import: only once there is something to draw

    faults.inject('stage', stage='plots')
    plots.epsp_vs_weight(records, target, Path(out) / EPSP_PLOT)
    plots.weight_norm_vs_distance(summary, catalogue.section_groups(cell), Path(out) / WEIGHT_NORM_PLOT)
    for weight_norm in weight_norms:
        if weight_norm.table:
            filled = {(sec, segment_index(loc, len(weight_norm.table[sec]))) for sec, loc in weight_norm.filled}
            plots.weight_norm_map(cell, weight_norm.table, weight_norm.map_path,
                                  f'{title}: weightNorm of {len(weight_norm.table)} sections' if title else None, filled)
    return summary, weight_norms


def installed_versions():
    """Versions of Python and of the simulation packages, as installed."""
    return {'python': platform.python_version(), **{package: installed(package) for package in ('neuron', 'netpyne', 'numpy')}}


def write_run_record(spec, points, seconds, cores, checked=None):
    """Write OUT/run.json: the settled run (its spec, command line included), the number
    of point records, the wall time in s of each stage (checks, engine, analysis), what
    the self-checks of reused models found (``checked``, see ``wscale.measure.self_check.summary``;
    None where no model was reused), the machine and the versions."""
    options = spec.options
    record = {
        'argv': list(options.argv),
        'engine': 'slurm' if options.cluster.cluster else options.engine,
        'search': spec.search,
        'preview': options.engine == PREVIEW_ENGINE,
        'jobs': options.jobs,
        'points': points,
        'seconds': {stage: round(value, 4) for stage, value in seconds.items()},
        'self_check': checked,
        'finished': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
        'host': platform.node(),
        'cores': cores,
        'executable': sys.executable,
        'versions': installed_versions(),
        'spec': spec.to_json(),
    }
    write_json_atomic(spec.out / RUN_FILE, record)
    return record


class CellOutputs:
    """What a network's run wrote for one cell type: its run (``spec``, out OUT/<cell
    type>), ``records``, ``summary``, ``weight_norms`` and ``cell`` (cellParams)."""

    def __init__(self, spec, records, summary, weight_norms, cell):
        self.spec, self.records, self.summary, self.weight_norms, self.cell = spec, records, summary, weight_norms, cell


def write_load_script(out, attachments, dimensions, one_cell):
    """Write OUT/load_weight_norm.py: a copy of ``cells/exact_weight_norm.py`` (it stands
    alone), then an ``attach_weight_norm`` line for each (values of the further
    dimensions, label, WeightNorm) in ``attachments``, commented and headed per
    combination where the run has further ``dimensions``. A network's lines name their
    cell types; a one-cell run's (``one_cell``) take the label the user gives. Returns the
    line that runs the file in a model's netParams.py."""
    path = out / LOAD_SCRIPT
    names = "{'netParams': netParams, 'label': 'YOUR_CELL'}" if one_cell else "{'netParams': netParams}"
    run = f'exec(open({str(path)!r}).read(), {names})'
    lines, heading = [], None
    for values, label, weight_norm in attachments:
        combination = ', '.join(f'{name}={value}' for name, value in values.items())
        if dimensions and combination != heading:
            lines.append(f'# at {combination}:')
            heading = combination
        line = f"attach_weight_norm(netParams, {'label' if one_cell else repr(label)}, {str(weight_norm.path)!r})"
        if weight_norm.uncovered:
            who = 'the cell' if one_cell else label
            lines.append(f'# {who}: no factors for {len(weight_norm.uncovered)} of its sections, whose synapses keep '
                         'their rules\' weights:')
            lines += [f'#     {text}' for text in _wrapped(weight_norm.uncovered)]
        lines.append(f'# {line}' if dimensions else line)
    what = 'of the cell' if one_cell else 'of each cell type of the model'
    header = [
        f'# The weightNorm {what}, measured by M1_grid_search.py into {out},',
        '# attached so that NetPyNE scales every synapse by the factor of the segment that holds it.',
        "# Run in the model's netParams.py once its cellParams are defined:",
        f'#     {run}',
    ]
    if one_cell:
        header.append("# with your cell's cellParams label in place of YOUR_CELL.")
    if dimensions:
        header.append('# The run has further grid dimensions, with files for each combination: uncomment the lines of one.')
    source = Path(exact_weight_norm.__file__).read_text()
    write_atomic(path, lambda stream: stream.write('\n'.join(header + ['', source.rstrip('\n'), ''] + lines) + '\n'))
    return run


def _wrapped(names, width=88):
    """``names`` comma-separated in lines of about ``width`` characters."""
    lines, line = [], ''
    for name in names:
        if line and len(line) + len(name) + 2 > width:
            lines.append(line + ',')
            line = ''
        line = f'{line}, {name}' if line else name
    return lines + [line] if line else lines


def write_network(spec, cells):
    """The files of a network's run beside each cell type's folder: OUT/results.json and
    OUT/summary.json (every cell type's points and places, with a ``cell`` column),
    OUT/load_weight_norm.py (what attaches every weightNorm file to the model's
    netParams, see ``write_load_script``) and OUT/weight_norm_by_cell.png. Returns the
    line that runs load_weight_norm.py, None where no file was written."""
    out = spec.out
    remove_earlier_files(out)
    write_json_atomic(out / RESULTS_FILE, [record for one in cells.values() for record in one.records])
    rows = [{'cell': label, **row} for label, one in cells.items() for row in one.summary]
    write_json_atomic(out / SUMMARY_FILE, rows)
    attachments = [(values, label, weight_norm) for values in spec.settings_of_dimensions()
                   for label, one in cells.items() for weight_norm in one.weight_norms
                   if weight_norm.values == values and weight_norm.table]
    run = write_load_script(out, attachments, spec.dimensions, one_cell=False) if attachments else None
    from analysis import plots  # matplotlib, 0.4 s to import: only once there is something to draw

    plots.weight_norm_by_cell({label: one.summary for label, one in cells.items()}, out / CELLS_PLOT)
    return run


