"""What a run prints when it ends: the points and places, where the files are, what the
weightNorm leaves out or filled, the line that attaches it, for one cell or each cell type
of a network; and the exit status."""

import sys
from collections import Counter

from analysis.fit import reason_kind
from analysis.weight_norm import coverage_gaps
from wscale.report.outputs import CELLS_PLOT, LISTED_LOCATIONS, RESULTS_FILE, SUMMARY_FILE


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

