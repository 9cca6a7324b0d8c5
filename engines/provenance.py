"""OUT/run.json: how a run was made (command line, engine, versions, machine) and where
its time went, written beside its results."""

import datetime
import platform
import sys
from importlib import metadata
from pathlib import Path

from analysis.results import write_json_atomic
from engines import run_config

RUN_FILE = 'run.json'


def versions():
    """Versions of Python and of the simulation packages, as installed."""
    found = {'python': platform.python_version()}
    for package in ('neuron', 'netpyne', 'numpy'):
        try:
            found[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            found[package] = None
    return found


def write_run_record(out, argv, options, points, seconds):
    """Write OUT/run.json. ``seconds`` maps the run's stages (checks, engine, analysis)
    to their wall times in s; ``points`` is the number of point records."""
    record = {
        'argv': list(argv),
        'engine': 'slurm' if getattr(options, 'cluster', None) else options.engine,
        'search': options.search,
        'jobs': options.jobs,
        'points': points,
        'seconds': {stage: round(value, 4) for stage, value in seconds.items()},
        'finished': datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds'),
        'host': platform.node(),
        'cores': run_config.default_jobs(),
        'executable': sys.executable,
        'versions': versions(),
    }
    write_json_atomic(Path(out) / RUN_FILE, record)
    return record
