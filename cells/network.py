"""A user's NetPyNE network model, imported the way NetPyNE runs it: its cell types, its
synapses and its mod folder.

    netParams, cfg = load_model('model/netParams.py')          # cfg.py beside it
    cell_types(netParams)          # {label: soma section} of the cellParams with a soma
    excitatory_synmechs(netParams) # the synMechParams whose reversal is above -20 mV
    model_mod_folder('model/netParams.py')
"""

import contextlib
import importlib.util
import sys
from pathlib import Path

from cells import catalogue, mechanisms
from errors import UserError

EXCITATORY_ABOVE_MV = -20.0
# NEURON's own synapses and the reversal potential they have when an entry gives none
BUILT_IN_REVERSAL_MV = {'ExpSyn': 0.0, 'Exp2Syn': 0.0}
MOD_FOLDER_NAMES = ('mod', 'mods', 'mechanisms')


@contextlib.contextmanager
def _model_context(folder, cfg):
    """While a model's files run: its folder importable (``from cfg import cfg``) and
    ``cfg`` in ``__main__`` (``from __main__ import cfg``), as NetPyNE's scripts leave
    them; both as they were afterwards."""
    import __main__

    had_cfg, old_cfg = hasattr(__main__, 'cfg'), getattr(__main__, 'cfg', None)
    old_path = list(sys.path)
    old_modules = set(sys.modules)
    sys.path.insert(0, str(folder))
    if cfg is not None:
        __main__.cfg = cfg
    try:
        yield
    finally:
        sys.path[:] = old_path
        for name in set(sys.modules) - old_modules:  # the model's own modules (its cfg, helpers)
            module_file = getattr(sys.modules[name], '__file__', None) or ''
            if module_file.startswith(str(folder)):
                del sys.modules[name]
        if had_cfg:
            __main__.cfg = old_cfg
        elif hasattr(__main__, 'cfg'):
            del __main__.cfg


def _run_file(path, what):
    """Execute a model file as a module; a failure of the file is one UserError line."""
    spec = importlib.util.spec_from_file_location(Path(path).stem, path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except UserError:
        raise
    except Exception as err:
        where = next((frame for frame in _frames(err) if frame.filename == str(path)), None)
        line = f' (line {where.lineno})' if where else ''
        raise UserError(f'{what} {path} failed{line}: {type(err).__name__}: {err}') from None
    return module


def _frames(err):
    import traceback

    return traceback.extract_tb(err.__traceback__)


def load_model(net_params_path, cfg_path=None):
    """(netParams, cfg) of the NetPyNE model in ``net_params_path``: its cfg (``cfg_path``,
    default the cfg.py beside it) is loaded first and put where the model's netParams
    looks for it, then netParams.py runs and its module-level ``netParams`` is taken."""
    net_params_path = Path(net_params_path).resolve()
    if not net_params_path.is_file():
        raise UserError(f'netParams file not found: {net_params_path}')
    folder = net_params_path.parent
    cfg_path = Path(cfg_path).resolve() if cfg_path else folder / 'cfg.py'
    if not cfg_path.is_file():
        raise UserError(f'the model\'s cfg not found: {cfg_path} (give it with --cfg FILE)')
    from netpyne import specs

    with _model_context(folder, None):
        cfg_module = _run_file(cfg_path, 'the model\'s cfg')
    cfg = getattr(cfg_module, 'cfg', None) or getattr(cfg_module, 'simConfig', None)
    if not isinstance(cfg, specs.SimConfig):
        raise UserError(f'{cfg_path} defines no cfg: a NetPyNE model\'s cfg.py sets cfg = specs.SimConfig()')
    with _model_context(folder, cfg):
        module = _run_file(net_params_path, 'the model\'s netParams')
    net_params = getattr(module, 'netParams', None)
    if not isinstance(net_params, specs.NetParams):
        raise UserError(f'{net_params_path} is not a NetPyNE model: it defines no netParams = specs.NetParams()')
    return net_params, cfg


def cell_types(net_params):
    """{cellParams label: its soma section} for every cell type that has a soma (a section
    named 'soma', or the one named 'soma...'), in the model's order."""
    found = {}
    for label, cell in net_params.cellParams.items():
        try:
            found[label] = catalogue.find_soma(catalogue.plain(cell))
        except UserError:
            continue
    return found


def reversal(params):
    """The reversal potential (mV) of a synMechParams entry: its 'e', else that of NEURON's
    own mechanism; None if neither says."""
    if isinstance(params.get('e'), (int, float)):
        return float(params['e'])
    return BUILT_IN_REVERSAL_MV.get(params.get('mod'))


def excitatory_synmechs(net_params):
    """The labels of the model's synMechParams whose reversal potential is above
    EXCITATORY_ABOVE_MV (-20 mV), in the model's order."""
    return [
        label for label, params in net_params.synMechParams.items()
        if reversal(params) is not None and reversal(params) > EXCITATORY_ABOVE_MV
    ]


def model_mod_folder(net_params_path):
    """The model's mod folder as NetPyNE's users keep it, beside its netParams.py (named
    mod, mods or mechanisms, holding .mod files); None if there is none."""
    folder = Path(net_params_path).resolve().parent
    for name in MOD_FOLDER_NAMES:
        candidate = folder / name
        if candidate.is_dir() and any(candidate.glob('*.mod')):
            mechanisms.mod_files(candidate)
            return candidate
    return None
