"""A lean start for every process that measures: NEURON and NetPyNE without what a
measurement never uses."""

import importlib.abc
import importlib.util
import sys

# What NetPyNE imports but a measurement never uses: its analysis and plotting (bokeh,
# scipy.signal, scipy.stats, matplotlib.pyplot) and pandas (for its Batch's list files);
# about 1.3 s of every process's start
UNUSED_PACKAGES = ('netpyne.analysis', 'netpyne.plotting', 'pandas')
NO_GUI = '-nogui'  # NetPyNE's flag: do not import matplotlib to set its backend
NOTEBOOK_SHELL = 'IPython'  # NEURON imports it (0.2 s) only to ask whether it runs in a notebook


class _DeferredImports(importlib.abc.MetaPathFinder):
    """Loads the named modules lazily: a module is executed when first used, not when imported."""

    def __init__(self, names):
        self.names = set(names)

    def find_spec(self, name, path, target=None):
        if name not in self.names:
            return None
        sys.meta_path.remove(self)
        try:
            spec = importlib.util.find_spec(name)
        finally:
            sys.meta_path.insert(0, self)
        if spec is None or spec.loader is None or not hasattr(spec.loader, 'exec_module'):
            return spec
        spec.loader = importlib.util.LazyLoader(spec.loader)
        return spec


def lean_netpyne():
    """Make this process's import of NEURON and NetPyNE cost about 0.35 s instead of
    2 s: NetPyNE's analysis, plotting and pandas load only when something uses them,
    matplotlib is left alone (NetPyNE's ``-nogui``) and NEURON does not look for a
    notebook (IPython is not imported). Call before NEURON or NetPyNE is first imported;
    later calls change nothing. NetPyNE's plots (``sim.analysis``) still work: the first
    use loads them."""
    if {'neuron', 'netpyne'} & set(sys.modules) or any(isinstance(f, _DeferredImports) for f in sys.meta_path):
        return
    sys.modules.setdefault(NOTEBOOK_SHELL, None)
    if NO_GUI not in sys.argv:
        sys.argv.append(NO_GUI)
    sys.meta_path.insert(0, _DeferredImports(UNUSED_PACKAGES))
