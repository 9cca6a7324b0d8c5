"""What a run leaves in OUT and prints: results.json (one record per point), summary.json
(one per place), weight_norm.pkl/.json, the two plots, run.json (how the run was made),
and the report on the terminal."""

import datetime
import platform
import sys
from collections import Counter
from importlib import metadata
from pathlib import Path

from analysis.fit import reason_kind, summarise
from analysis.results import safe_name, write_atomic, write_json_atomic, write_pickle_atomic
from analysis.weight_norm import coverage_gaps, segment_index, soma_weight_norm, weight_norm_table
from cells import catalogue, exact_weight_norm

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


def listed(names, limit=LISTED_LOCATIONS):
    """``names`` joined by commas, the first ``limit`` of them and how many more."""
    names = list(names)
    more = f' and {len(names) - limit} more' if len(names) > limit else ''
    return ', '.join(names[:limit]) + more


def uncovered_line(weight_norm, section_count):
    """The line that names the sections a written weightNorm leaves out; None if it
    covers them all."""
    if not weight_norm.table or not weight_norm.uncovered:
        return None
    return (f'the weightNorm covers {len(weight_norm.table)} of {section_count} sections; NetPyNE leaves the synapses '
            f'on the other {len(weight_norm.uncovered)} unscaled: {listed(weight_norm.uncovered)}')


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

    plots.epsp_vs_weight(records, target, Path(out) / EPSP_PLOT)
    plots.weight_norm_vs_distance(summary, catalogue.section_groups(cell), Path(out) / WEIGHT_NORM_PLOT)
    for weight_norm in weight_norms:
        if weight_norm.table:
            filled = {(sec, segment_index(loc, len(weight_norm.table[sec]))) for sec, loc in weight_norm.filled}
            plots.weight_norm_map(cell, weight_norm.table, weight_norm.map_path,
                                  f'{title}: weightNorm of {len(weight_norm.table)} sections' if title else None, filled)
    return summary, weight_norms


def versions():
    """Versions of Python and of the simulation packages, as installed."""
    found = {'python': platform.python_version()}
    for package in ('neuron', 'netpyne', 'numpy'):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    return found


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
        'jobs': options.jobs,
        'points': points,
        'seconds': {stage: round(value, 4) for stage, value in seconds.items()},
        'self_check': checked,
        'finished': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
        'host': platform.node(),
        'cores': cores,
        'executable': sys.executable,
        'versions': versions(),
        'spec': spec.to_json(),
    }
    write_json_atomic(spec.out / RUN_FILE, record)
    return record


def _place(row, columns):
    extra = ''.join(f', {name}={row[name]}' for name in columns)
    return f"{row['sec']}({row['loc']:g}{extra})"


def report(spec, records, summary, weight_norms, cell, seconds, run=None):
    """Print what was run on ``cell`` (cellParams) and where the results are, with the
    line ``run`` that attaches the weightNorm to a model (see ``write_load_script``);
    return the exit status."""
    out = spec.out
    failed = [r for r in records if r['status'] != 'ok']
    spiked = [r for r in records if r['status'] == 'ok' and r['spiked']]
    print(f'{len(records)} points in {seconds:.1f} s: {len(records) - len(failed)} ok ({len(spiked)} spiked), {len(failed)} failed')
    if len(summary) <= LISTED_LOCATIONS:
        for row in summary:
            if row['in_range']:
                weight = f"{row['weight_at_target']:.6g} uS" + (f" ({row['search']})" if 'search' in row else '')
            else:
                weight = f"not found: {row['reason']}"
            print(f'  {_place(row, spec.columns)}: weight at target {weight}')
    else:
        found = [row['weight_at_target'] for row in summary if row['in_range']]
        span = f', from {min(found):.6g} to {max(found):.6g} uS' if found else ''
        print(f'  {len(summary)} locations: weight at target found at {len(found)}{span}')
        reasons = Counter(reason_kind(row['reason']) for row in summary if not row['in_range'])
        for reason, count in reasons.most_common():
            print(f'  not found at {count}: {reason}')
    print(f'results: {out / RESULTS_FILE}, {out / SUMMARY_FILE}')
    for weight_norm in weight_norms:
        _report_weight_norm(weight_norm, len(cell['secs']))
    how = ("attach it to your model's netParams, each synapse scaled by its own segment's factor, "
           "after its cellParams (YOUR_CELL: the cell's label there):")
    return _end_of_report(run, how, failed, records, RESULTS_FILE)


def _end_of_report(run, how, failed, records, results):
    """The last lines of a report: ``how`` to use the line ``run`` that attaches the files
    (if any), and how many ``records`` ``failed`` (see ``results``); the exit status."""
    if run:
        print(how)
        print(f'  {run}')
    if failed:
        print(f'error: {len(failed)} of {len(records)} points failed; see "error" in {results}', file=sys.stderr)
        return 1
    return 0


def _report_weight_norm(weight_norm, section_count):
    """The lines about one weightNorm file: where, what was filled, what was left out of
    the cell's ``section_count`` sections."""
    table, left_out, filled = weight_norm.table, weight_norm.left_out, weight_norm.filled
    which = weight_norm.combination()
    if table:
        print(f'weightNorm of {len(table)} sections{which}: {weight_norm.path} (and .json; on the cell: {weight_norm.map_path.name})')
    if filled:
        sections = Counter(sec for sec, _ in filled)
        where = ', '.join(f'{sec} ({count})' for sec, count in sections.most_common(LISTED_LOCATIONS))
        more = f' and {len(sections) - LISTED_LOCATIONS} more sections' if len(sections) > LISTED_LOCATIONS else ''
        print(
            f"filled {len(filled)} segments{which} without a weight with {weight_norm.fill_factor:g} x the soma's weightNorm "
            f'({weight_norm.fill:.6g} uS/mV; --fill-factor): {where}{more}'
        )
    if left_out:
        reasons = [f'{sec} ({why})' for sec, why in left_out.items()]
        print(f'warning: {len(left_out)} sections left out of weightNorm{which} (NetPyNE applies no factor there): '
              f'{listed(reasons)}', file=sys.stderr)
    uncovered = uncovered_line(weight_norm, section_count)
    if uncovered:
        print(uncovered[0].upper() + uncovered[1:] + (f' ({which.strip()})' if which else ''))


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


def report_network(spec, records, cells, run, seconds):
    """Print, per cell type, its places found, filled and failed and where its files are,
    then the files of them all and the lines that load them; return the exit status."""
    out = spec.out
    failed = [record for record in records if record['status'] != 'ok']
    print(f'{len(records)} points on {len(cells)} cell types in {seconds:.1f} s: {len(records) - len(failed)} ok, '
          f'{len(failed)} failed')
    for label, one in cells.items():
        found = sum(1 for row in one.summary if row['in_range'])
        filled = sum(len(weight_norm.filled) for weight_norm in one.weight_norms)
        broken = sum(1 for row in one.summary if row['failed'])
        files = [weight_norm.path.name for weight_norm in one.weight_norms if weight_norm.table]
        where = f"; weightNorm: {', '.join(files)}" if files else '; no weightNorm written'
        reasons = Counter(reason_kind(row['reason']) for row in one.summary if not row['in_range'])
        why = ''.join(f'; not found at {count}: {reason}' for reason, count in reasons.most_common(3))
        print(f'  {label}: {len(one.summary)} places, {found} found, {filled} filled, {broken} failed '
              f'({one.spec.out}{where}){why}')
        rules = [tuple(rule) for rule in spec.cfg_settings['cellTypes'][label].get('rules', [])]
        for weight_norm in one.weight_norms:
            which = weight_norm.combination()
            if weight_norm.left_out:
                print(f'warning: {label}{which}: {len(weight_norm.left_out)} sections left out of weightNorm: '
                      f'{listed(weight_norm.left_out)}', file=sys.stderr)
            line = uncovered_line(weight_norm, len(one.cell['secs']))
            if line:
                print(f'  {label}{which}: {line}')
            gaps = coverage_gaps(list(one.cell['secs']), weight_norm.table, rules)[1] if weight_norm.table else []
            if gaps:
                named = [f"{kind} '{rule}' ({', '.join(secs)})" for kind, rule, secs in gaps]
                print(f"warning: {label}{which}: {len(gaps)} of the model's rules put synapses on sections the "
                      f'weightNorm leaves out, where NetPyNE leaves them unscaled: {listed(named, 8)}; '
                      'search those sections too (--all-segments, --secs)', file=sys.stderr)
    print(f'all cell types: {out / RESULTS_FILE}, {out / SUMMARY_FILE}; weightNorm against distance: {out / CELLS_PLOT}')
    how = "attach the files to the model's netParams, each synapse scaled by its own segment's factor, after its cellParams:"
    return _end_of_report(run, how, failed, records, out / RESULTS_FILE)
