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
from wscale import interrupts
from wscale.cli.finish import finish_cell, finish_network
from wscale.cli.options import default_jobs, parse_args
from wscale.cli.settle import settle, stored
from wscale.engines import batch, cluster, inline, preview
from wscale.errors import UserError
from wscale.measure import lean, self_check
from wscale.report import outputs, status
from wscale.report.progress import Progress
from wscale.run import folders, point
from wscale.run.journal import Journal
from wscale.run.spec import CELL, PREVIEW_ENGINE, SPEC_FILE, RunSpec

ENGINES = {'batch': batch, 'inline': inline, PREVIEW_ENGINE: preview}  # options.ENGINE_NAMES, and --preview's


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
            spec, settled_notes = settle(options, search_params, argv)
            notes += settled_notes
        local = not spec.options.cluster.cluster
        found = status.read_status(spec.out) if local else None
        if found is not None and found.get('status') == status.RUNNING:
            raise UserError(f"a run (pid {found.get('pid')}) is still writing into {spec.out}; wait for it, stop it, "
                            'or choose another --out')
        fresh = local and not options.resume and not continues(spec, found)
        folders.prepare(spec.out)
        spec.write(spec.out / SPEC_FILE)
        spec = RunSpec.read(spec.out / SPEC_FILE)
        cfg = spec.cfg()
    for line in notes:
        print(line, file=sys.stderr if line.startswith('warning:') else sys.stdout)
    if not local:
        return measure_and_finish(spec, cfg, started, None)
    journal = Journal(spec.out)
    if fresh:
        journal.remove()
    else:
        print(f'resuming the run in {spec.out}: {len(journal.done)} of {spec.unit_count()} {spec.unit_name} kept')
    (spec.out / outputs.RUN_FILE).unlink(missing_ok=True)  # the mark of a finished run, set again at its end
    earlier = status.output_stamps(spec.out)
    status.write_status(spec.out, status.RUNNING)
    try:
        return measure_and_finish(spec, cfg, started, journal, earlier)
    except BaseException as err:
        if isinstance(err, Exception) and not interrupts.received():
            raise
        journal.close()
        status.remove_written(spec.out, earlier)
        status.write_status(spec.out, status.INTERRUPTED)
        print(f'interrupted: {len(journal.done)} of {spec.unit_count()} {spec.unit_name} kept in {spec.out}; '
              f'resume with: {status.resume_command(spec.out)}', file=sys.stderr)
        raise KeyboardInterrupt from None


def continues(spec, found):
    """Whether the run goes on with an unfinished run of the same measurements in its
    output folder (the same command given again; ``found``, the folder's status); refuses
    to take over an unfinished run of others."""
    if found is None or found.get('status') == status.FINISHED:
        return False
    try:
        earlier = RunSpec.read(spec.out / SPEC_FILE)
    except (OSError, ValueError, KeyError, TypeError):
        return False
    if not earlier.measures_same(spec):
        raise UserError(f'{spec.out} holds an interrupted run of other settings: resume it with '
                        f'{status.resume_command(spec.out)}, or start afresh with another --out (or remove the folder)')
    return True


def measure_and_finish(spec, cfg, started, journal, earlier=None):
    """Run the engine (journaling into ``journal``; None: a cluster run), then write and
    report the outputs, run.json last, and remove the outputs ``earlier`` (see
    ``status.output_stamps``) that this run did not write again; return the exit status."""
    stored_norms = catalogue.stored_weight_norm(cfg)
    if stored_norms:
        print(f'warning: removed the weightNorm stored in {len(stored_norms)} sections of the cell before the search',
              file=sys.stderr)
    checked_at = time.perf_counter()
    unit = spec.unit_name
    engine = engine_of(spec)
    records = engine.run(spec, None if engine is cluster else Progress(spec.unit_count(), unit), journal)
    if not records.gathered:
        return 0
    measured = time.perf_counter()
    checks = self_check.checks_of(records, CELL)
    for line in self_check.lines(checks, lambda label: f'cell type {label}' if label else f'cell {Path(cfg.cell).name}'):
        print(line, file=sys.stderr if line.startswith(('warning:', 'error:')) else sys.stdout)
    exit_status, analysis, validated = (finish_network if spec.cell_types else finish_cell)(spec, records, started)
    stages = {'checks': checked_at - started, 'engine': measured - checked_at, 'analysis': analysis}
    if validated is not None:
        stages['validation'] = validated
    outputs.write_run_record(spec, len(records), stages, default_jobs(), self_check.summary(checks) if checks else None)
    if records.pending:
        print(f'{records.pending} {unit} still queued or running; '
              f'collect again later: python M1_grid_search.py --collect {spec.out}')
        return cluster.STILL_RUNNING
    if spec.options.engine == PREVIEW_ENGINE:
        print("preview: every weight above was predicted from the cell's linear responses, none simulated; "
              '--search target measures them')
    if journal is not None:
        status.remove_unwritten(spec.out, earlier or {})  # an earlier run's files that this one did not write again
        status.write_status(spec.out, status.FINISHED)
    return exit_status
