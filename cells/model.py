"""A user's NetPyNE model, read the way NetPyNE runs it: its cfg first, put where its
netParams looks for it, then its netParams.py with the model's folder as the working
directory; and its mod folder as its users keep it.

    netParams, cfg = load_model('model/netParams.py')          # cfg.py beside it
    model_mod_folder('model/netParams.py')
"""

import contextlib
import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path

from cells import mechanisms, mod_folder
from wscale.errors import UserError

MOD_FOLDER_NAMES = ('mod', 'mods', 'mechanisms')


@contextlib.contextmanager
def _model_context(folder, cfg):
    """While a model's files run: its folder the working directory and importable
    (``from cfg import cfg``) and ``cfg`` in ``__main__`` (``from __main__ import cfg``),
    as NetPyNE's scripts leave them; all as they were afterwards."""
    import __main__

    had_cfg, old_cfg = hasattr(__main__, 'cfg'), getattr(__main__, 'cfg', None)
    old_path = list(sys.path)
    old_modules = set(sys.modules)
    old_cwd = os.getcwd()
    sys.path.insert(0, str(folder))
    os.chdir(folder)  # its files name others relative to its folder, where its users run it
    if cfg is not None:
        __main__.cfg = cfg
    try:
        yield
    finally:
        os.chdir(old_cwd)
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
    """Execute a model file as a module, whatever its name ends with; a file that cannot be
    read, is not Python or fails is one UserError line."""
    loader = importlib.machinery.SourceFileLoader(Path(path).stem, str(path))
    module = importlib.util.module_from_spec(importlib.util.spec_from_loader(loader.name, loader))
    try:
        loader.exec_module(module)
    except UserError:
        raise
    except OSError as err:
        raise UserError(f'cannot read {what} {path}: {err.strerror or err}') from None
    except SyntaxError as err:
        raise UserError(f'{what} {path} is not Python NetPyNE can run: {err.msg} (line {err.lineno})') from None
    except Exception as err:
        where = next((frame for frame in _frames(err) if frame.filename == str(path)), None)
        line = f' (line {where.lineno})' if where else ''
        raise UserError(f'{what} {path} failed{line}: {type(err).__name__}: {err}') from None
    return module


def _frames(err):
    import traceback

    return traceback.extract_tb(err.__traceback__)


def net_params_file(path):
    """The model's netParams file: ``path``, or the netParams.py in the folder ``path``."""
    path = Path(path).resolve()
    if path.is_dir():
        if not (path / 'netParams.py').is_file():
            raise UserError(f'{path} is a folder without netParams.py: give the model\'s netParams file')
        path = path / 'netParams.py'
    if not path.is_file():
        raise UserError(f'netParams file not found: {path}')
    return path


def load_model(net_params_path, cfg_path=None, mod_folder=None):
    """(netParams, cfg) of the NetPyNE model in ``net_params_path``: its cfg (``cfg_path``,
    default the cfg.py beside it) is loaded first and put where the model's netParams
    looks for it, then netParams.py runs and its module-level ``netParams`` is taken.
    The mechanisms of ``mod_folder`` (default: the model's, ``model_mod_folder``) are
    loaded with ours before, for a model that builds cells from templates while it is
    read."""
    net_params_path = net_params_file(net_params_path)
    folder = net_params_path.parent
    cfg_path = Path(cfg_path).resolve() if cfg_path else folder / 'cfg.py'
    if not cfg_path.is_file():
        raise UserError(f'the model\'s cfg not found: {cfg_path} (give it with --cfg FILE)')
    mechanisms.load_mechanisms(mod_folder or model_mod_folder(net_params_path))
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


def model_mod_folder(net_params_path):
    """The model's mod folder as NetPyNE's users keep it: beside its netParams.py, named
    mod, mods or mechanisms, or that folder itself; else such a folder one level up (the
    M1 model's layout: sim/netParams.py, mod/), holding .mod files; None if there is
    none."""
    folder = Path(net_params_path).resolve().parent
    candidates = [folder / name for name in MOD_FOLDER_NAMES] + [folder] + [folder.parent / name for name in MOD_FOLDER_NAMES]
    for candidate in candidates:
        if candidate.is_dir() and any(candidate.glob('*.mod')):
            mod_folder.mod_files(candidate)
            return candidate
    return None

