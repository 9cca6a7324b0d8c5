"""What differs between the NEURON and NetPyNE versions Wscale runs on, in one place.

Supported: NEURON 8.2.7 to 9.0, NetPyNE 1.0.6 to 1.1 (the ranges pyproject.toml names;
requirements.txt pins the pair the tests run on, and the slow tests run NEURON 8.2.7
with NetPyNE 1.0.6 as well). The differences that matter here:

- **Builds.** NEURON 8's nrnivmodl translates NMODL to C and links every mechanism into
  a ``special`` executable as well as the library; NEURON 9's translates to C++ and
  builds the library only. A file whose code needs a symbol nothing defines therefore
  fails at link time under NEURON 8, but only when its library is loaded under NEURON 9.
  A build is for the NEURON that made it (see ``neuron_version``).
- **NetPyNE 1.0.x imports ``neuron.init``,** which NEURON 9 no longer has: it runs on
  NEURON 8 only (``netpyne_problem``).
- **weightNorm** is read at ``int(round(loc * nseg)) - 1`` by NetPyNE 1.0.6 to 1.1.1
  alike (see ``analysis.weight_norm.netpyne_index``): no difference to handle.
"""

import functools
import re
from importlib import metadata

SUPPORTED = {'neuron': (8, 2, 7), 'netpyne': (1, 0, 6)}  # the oldest versions supported, as pyproject.toml says

# a make target of nrnivmodl that failed, naming a .mod file: its translation (.c under
# NEURON 8, .cpp under NEURON 9) or its object (.o)
FAILED_TARGET = re.compile(r"make: \*\*\* \[[^\]]*?:\s*(?:\./)?([^\s\]]+)\.(?:o|c|cpp)\] Error")

# a symbol no file defines, as the linker (NEURON 8's special) or dlopen (NEURON 9) names it
UNDEFINED = re.compile(r"undefined reference to [`']([^'`]+)'|undefined symbol: (\S+)")


@functools.lru_cache(maxsize=None)
def neuron_version():
    """The version of the NEURON this Python runs, whose nrnivmodl builds for it alone."""
    import neuron

    return str(getattr(neuron, '__version__', 'unknown'))


def installed(package):
    """The installed version of ``package`` as a string, or None."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def release(version):
    """The leading numbers of a version string: (9, 0, 2) for '9.0.2', (8, 2, 7) for '8.2.7.dev1'."""
    numbers = []
    for part in str(version).split('.'):
        digits = re.match(r'\d+', part)
        if not digits:
            break
        numbers.append(int(digits.group()))
        if digits.group() != part:
            break
    return tuple(numbers)


def netpyne_problem():
    """Why NetPyNE cannot be used with this NEURON, in one line; None when it imports."""
    try:
        from netpyne import sim  # noqa: F401
    except ImportError as err:
        netpyne = installed('netpyne')
        if netpyne is None:
            return 'NetPyNE is not installed: pip install -r requirements.txt'
        if "'init' from 'neuron'" in str(err):
            return (f'NetPyNE {netpyne} runs on NEURON 8 only (it imports neuron.init, which NEURON '
                    f'{neuron_version()} does not have): install NetPyNE 1.1 or later, or NEURON 8.2')
        return f'NetPyNE {netpyne} does not import with NEURON {neuron_version()}: {err}'
    return None


def unsupported(found=None):
    """A warning line for each of NEURON and NetPyNE older than supported (see
    ``SUPPORTED``); ``found``: {package: version}, by default the installed ones."""
    lines = []
    for package, oldest in SUPPORTED.items():
        version = installed(package) if found is None else found.get(package)
        if version is not None and release(version) < oldest:
            wanted = '.'.join(map(str, oldest))
            lines.append(f'warning: {package} {version} is older than the oldest supported ({wanted}); '
                         'results have not been checked with it')
    return lines
