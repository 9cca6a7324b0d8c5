"""Finishing a run: its output files and report, for one cell or for each cell type of a
network, and --validate."""

import sys
import time

from cells import catalogue
from wscale import faults
from wscale.report import outputs, terminal
from wscale.run.spec import CELL
from wscale.search import validation


def validate(spec, weight_norm, cell, label=None):
    """--validate: check the weightNorm written by simulation (see wscale.search.validation);
    print the verdict (``label``: the cell type's); return the seconds it took."""
    started = time.perf_counter()
    faults.inject('stage', stage='validation')
    which = f"{label}: " if label else ''
    if not weight_norm.table:
        print(f'warning: {which}--validate: no weightNorm was written, nothing to validate', file=sys.stderr)
        return time.perf_counter() - started
    rows, verdict = validation.validate(
        spec, weight_norm.path, weight_norm.table, cell, spec.options.validate, spec.options.jobs, weight_norm.filled
    )
    print(which + validation.verdict_line(rows, verdict, (len(weight_norm.table), len(cell['secs']))))
    print(f'{which}validation: {spec.out / validation.VALIDATION_FILE}, {spec.out / validation.VALIDATION_PLOT}')
    return time.perf_counter() - started


def finish_cell(spec, records, started):
    """One cell's outputs, report and --validate; returns the exit status and the seconds
    of analysis and validation."""
    faults.inject('stage', stage='analysis')
    cell = catalogue.cell_of(spec.cfg())
    begun = time.perf_counter()
    summary, weight_norms = outputs.write_results(spec, records, cell)
    attachments = [(weight_norm.values, None, weight_norm) for weight_norm in weight_norms if weight_norm.table]
    run = outputs.write_load_script(spec.out, attachments, spec.dimensions, one_cell=True) if attachments else None
    finished = time.perf_counter()
    status = terminal.report(spec, records, summary, weight_norms, cell, finished - started, run)
    validated = validate(spec, weight_norms[0], cell) if spec.options.validate else None
    return status, finished - begun, validated


def finish_network(spec, records, started):
    """A network's outputs: each cell type's in OUT/<cell type>/ as one cell's run writes
    them, then the files of them all (``outputs.write_network``); the report and
    --validate per cell type. Returns as ``finish_cell`` does."""
    faults.inject('stage', stage='analysis')
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
    status = terminal.report_network(spec, records, cells, run, finished - started)
    validated = None
    if spec.options.validate:
        validated = sum(validate(one.spec, one.weight_norms[0], one.cell, label) for label, one in cells.items())
    return status, finished - begun, validated
