"""The grid command: the one place that reads a command line. It parses and checks it
(``options``), settles the run once (``settle``; ``wscale.run.spec``), hands it to an
engine and writes the outputs (``finish``).

Every engine is a module with ``run(spec, progress) -> records``: ``batch`` (NetPyNE
Batches, one init.py process per point), ``inline`` (worker processes that reuse one
model) and ``cluster`` (SLURM jobs).
"""

import sys
import time
from pathlib import Path

from cells import catalogue, versions
from wscale.cli.finish import finish_cell, finish_network
from wscale.cli.options import default_jobs, parse_args
from wscale.cli.settle import settle, stored
from wscale.engines import batch, cluster, inline
from wscale.errors import UserError
from wscale.measure import lean, self_check
from wscale.report import outputs
from wscale.report.progress import Progress
from wscale.run import point
from wscale.run.spec import CELL, SPEC_FILE, RunSpec

ENGINES = {'batch': batch, 'inline': inline}  # by the names options.ENGINE_NAMES offers


def engine_of(spec):
    return cluster if spec.options.cluster.cluster else ENGINES[spec.options.engine]


def run(search_params, argv):
    """The grid command: check the input, settle the run, run the engine, write and
    report the results; return the exit status."""
    lean.lean_netpyne()
    started = time.perf_counter()
    options = parse_args(argv, search_params)
    notes = []
    with point.CapturedOutput():
        problem = versions.netpyne_problem()  # NEURON's and NetPyNE's first words are collected
        if problem:
            raise UserError(problem)
        notes += versions.unsupported()
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
    unit = spec.unit_name
    engine = engine_of(spec)
    records = engine.run(spec, None if engine is cluster else Progress(spec.unit_count(), unit))
    if not records.gathered:
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
    if records.pending:
        print(f'{records.pending} {unit} still queued or running; '
              f'collect again later: python M1_grid_search.py --collect {spec.out}')
        return cluster.STILL_RUNNING
    return status
