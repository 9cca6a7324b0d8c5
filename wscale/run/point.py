"""A point process: what init.py and the engines need around a measurement: its
arguments, the cfg and netParams it is built from, its captured output and its record file."""

import contextlib
import importlib.util
import json
import os
import sys
import tempfile
import traceback
from pathlib import Path

from analysis.results import json_line, plain, read_json, write_json_atomic  # noqa: F401  (json_line: init.py prints with it)
from wscale import faults
from wscale.errors import UserError
from wscale.measure import measurement, records
from wscale.run import inputs
from wscale.streams import redirect_output

PROJECT_DIR = Path(__file__).resolve().parents[2]  # wscale/run/point.py: the project folder
CFG_FILE = PROJECT_DIR / 'cfg.py'
NET_PARAMS_FILE = PROJECT_DIR / 'netParams.py'
POINT_SUFFIX = '_point.json'


class CapturedOutput(contextlib.AbstractContextManager):
    """Collect what is written to file descriptors 1 and 2 in a temporary file until exit.

    NEURON and NetPyNE print from C and Python alike; this keeps a command's own output
    clean. ``show()`` sends both to the original stderr instead (verbose runs); ``tail()``
    gives the last lines collected, for error messages. Disabled, it changes nothing.
    """

    def __init__(self, enabled=True):
        self.enabled = enabled
        self._file = None

    def __enter__(self):
        if self.enabled:
            self._saved = (os.dup(1), os.dup(2))
            self._file = tempfile.TemporaryFile(mode='w+')
            redirect_output(self._file.fileno())
        return self

    def show(self):
        """From now on, send output to the original stderr instead of collecting it."""
        if self.enabled:
            redirect_output(self._saved[1])

    def tail(self, lines=5):
        """The last ``lines`` non-empty lines collected so far, joined by ' | '."""
        if self._file is None:
            return ''
        sys.stdout.flush()
        sys.stderr.flush()
        self._file.seek(0)
        kept = [line.strip() for line in self._file.read().splitlines() if line.strip()]
        return ' | '.join(kept[-lines:])

    def __exit__(self, *exc):
        if self.enabled:
            redirect_output(*self._saved)
            for fd in self._saved:
                os.close(fd)
            self._file.close()
            self._file = None
        return False


def apply_point(cfg, args):
    """Set the point on ``cfg`` from init.py's arguments where given, then check it;
    return the warnings of ``inputs.check_mechanisms``."""
    inputs.settle_model(cfg, args)
    for name, key in (('sec', 'sec'), ('loc', 'loc'), ('weight', 'weight'), ('target', 'epspTarget')):
        value = getattr(args, name)
        if value is not None:
            setattr(cfg, key, value)
    inputs.check_point(cfg)
    return inputs.check_mechanisms(cfg)


def parse_init_args(argv):
    """init.py's arguments: ``--sec/--loc/--weight/--target``, or a batch job's
    ``simConfig=<file> netParams=<file>`` (other words are then ignored)."""
    batch = dict(word.split('=', 1) for word in argv if word.startswith(('simConfig=', 'netParams=')))
    parser = inputs.ArgumentParser(prog='init.py', description='Run one simulation, print one JSON line.')
    parser.add_argument('--sec', help='section the synapse lands on')
    parser.add_argument('--loc', type=float, help='position along the section, 0..1')
    parser.add_argument('--weight', type=float, help='total synaptic weight, uS')
    parser.add_argument('--target', type=float, help='target EPSP, mV')
    inputs.add_model_arguments(parser)
    args = parser.parse_args([] if batch else argv)
    inputs.check_numbers([args.weight] if args.weight is not None else (), [args.loc] if args.loc is not None else (), args.target)
    args.simConfig = batch.get('simConfig')
    args.netParams = batch.get('netParams')
    return args


def _load_module(path):
    path = Path(path)
    if not path.is_file():
        raise UserError(f'file not found: {path}')
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_cfg(path=None):
    """The SimConfig of cfg.py, or of a batch job's saved cfg JSON at ``path``."""
    if path is None:
        return _load_module(CFG_FILE).cfg
    if not Path(path).is_file():
        raise UserError(f'simConfig file not found: {path}')
    from netpyne import sim

    return sim.loadSimCfg(str(path), setLoaded=False)


def cfg_settings(cfg):
    """Every setting of a SimConfig, as plain JSON values (numpy values and dict subclasses
    made plain); a setting that has no JSON form is a UserError naming it."""
    settings = {key: plain(value) for key, value in vars(cfg).items() if not key.startswith('_')}
    for key, value in settings.items():
        try:
            json.dumps(value)
        except (TypeError, ValueError) as err:
            raise UserError(f'cfg.{key} has no JSON form ({err}); a run keeps every cfg setting as JSON: '
                            'give it numbers, strings, lists or dicts') from None
    return json.loads(json.dumps(settings))


def load_net_params(path, cfg):
    """NetParams from ``build(cfg)`` of netParams.py, or of the file at ``path``."""
    faults.inject('netparams', sec=cfg.sec, loc=cfg.loc, weight=cfg.weight)
    return _load_module(path or NET_PARAMS_FILE).build(cfg)


def measure_or_error(cfg, net_params_file=None, output=None):
    """Build the point's NetParams (see ``load_net_params``) and ``measure`` it.

    A failure of either becomes an error record with its message and, from ``output``
    (a CapturedOutput), the last lines the simulator printed; a UserError is raised.
    """
    try:
        return measurement.measure(cfg, load_net_params(net_params_file, cfg))
    except UserError:
        raise
    except Exception as err:  # the point fails; the traceback stays in its record
        message = f'{type(err).__name__}: {err}'
        printed = output.tail() if output is not None else ''
        if printed:
            message = f'{message} ({printed})'
        return records.error_record(cfg.sec, cfg.loc, cfg.weight, cfg.epspTarget, message, traceback.format_exc())


def record_path(folder, label):
    """Where a batch job with this save folder and label writes its record."""
    return Path(folder) / f'{label}{POINT_SUFFIX}'


def read_records(path):
    """The records in a job's record file: a point's one, or a searched place's list."""
    data = read_json(path)
    return data if isinstance(data, list) else [data]


def gather(units, path_of, missing, found):
    """The records of ``units`` in order: ``found(unit, records)`` of those read from the
    record file at ``path_of(unit)``; for a unit without one, the records
    ``missing(unit)`` gives (None: leave it out, it is still being computed)."""
    records = []
    for unit in units:
        path = path_of(unit)
        if path.exists():
            records += found(unit, read_records(path))
        else:
            records += missing(unit) or []
    return records


def save_record(cfg, record):
    """Write a batch job's record next to its other outputs, atomically."""
    write_json_atomic(record_path(cfg.saveFolder, cfg.simLabel), record)


def exit_now(status):
    """Flush stdout and stderr and end the process with ``status`` at once.

    Skips the interpreter's teardown of NEURON, NetPyNE and their plotting libraries,
    about 0.4 s per point; every result is on disk or printed by then.
    """
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)
