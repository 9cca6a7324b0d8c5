"""Restarting a NEURON model from a saved state so that it goes on as the run that saved it.

NEURON's SaveState keeps t, every voltage, every STATE, the ion concentrations, the
ASSIGNED variables of mechanisms with a NET_RECEIVE block, the NetCon weights and the
event queue. It does not keep what INITIAL computes into file-scope LOCALs and GLOBALs,
which NEURON 9 holds per thread and sets to zero whenever the model's structure changes,
as moving a synapse does; nor the position of a mechanism's RANDOM streams, which
INITIAL usually rewinds. ``SavedState.restart`` therefore moves the synapse first, runs
every INITIAL on the final structure, and only then puts the saved values back, the
streams' positions included.

What no restart can bring back (a C static a mechanism changes while it runs, say) is
caught by the self-check of ``wscale.measure.measurement.Measurer``; ``snapshot`` gives the
values it compares to name the mechanism.
"""

RANDOM_CLASS = 'NMODLRandom'


class SavedState:
    """The state of a model at one moment, and the positions of its random streams.

    ``h`` is NEURON's hoc interpreter; ``streams`` the model's RANDOM variables (see
    ``random_streams``), whose positions are kept with the state.
    """

    def __init__(self, h, streams):
        self.h = h
        self.streams = list(streams)
        self.state = h.SaveState()
        self.moved = h.SaveState()
        self.state.save()
        self.positions = [stream.get_seq() for stream in self.streams]

    def restart(self, v_init, park, place, cvode_active):
        """Make the model what it was when saved, with the synapse where ``place()`` puts it.

        ``park()`` puts the synapse where it was when the state was saved (SaveState
        restores only onto the same structure); ``v_init`` (mV) initialises the model.
        """
        h = self.h
        park()
        h.finitialize(v_init)
        self.state.restore(0)
        place()
        self.moved.save()
        h.finitialize(v_init)
        self.moved.restore(0)
        for stream, position in zip(self.streams, self.positions):
            stream.set_seq(position)
        if cvode_active:
            h.CVode().re_init()


_names = {}


def variables(h, name):
    """Names of the PARAMETER, ASSIGNED and STATE variables of mechanism ``name``, as its
    instances call them (without the ``_name`` suffix)."""
    if name not in _names:
        _names[name] = [variable.removesuffix(f'_{name}') for variable in _standard_names(h, name)]
    return _names[name]


def _standard_names(h, name):
    standard = h.MechanismStandard(name, 0)
    text = h.ref('')
    names = []
    for i in range(int(standard.count())):
        standard.name(text, i)
        names.append(text[0])
    return names


def _density_mechanisms(segment):
    for mechanism in segment:
        yield mechanism.name(), mechanism


def random_streams(h, sections, point_processes):
    """Every RANDOM variable of the density mechanisms of ``sections`` and of the
    ``point_processes``."""
    streams = []
    for owner, name in _owners(sections, point_processes):
        for variable in variables(h, name):
            value = getattr(owner, variable, None)
            if type(value).__name__ == RANDOM_CLASS:
                streams.append(value)
    return streams


def _owners(sections, point_processes):
    """(object, mechanism name) of every mechanism instance: the density mechanisms of
    each segment of ``sections`` (ions included) and the point processes."""
    for section in sections:
        for segment in section:
            for name, mechanism in _density_mechanisms(segment):
                yield mechanism, name
    for process in point_processes:
        yield process, process.hname().split('[')[0]


def snapshot(h, sections, point_processes):
    """{(mechanism, instance, variable): value} of every numeric variable of every mechanism
    of ``sections`` and of ``point_processes``, for telling which mechanism a restart
    failed to bring back."""
    values = {}
    for index, (owner, name) in enumerate(_owners(sections, point_processes)):
        for variable in variables(h, name):
            try:
                value = getattr(owner, variable)
            except (AttributeError, LookupError, TypeError, RuntimeError):
                continue
            if isinstance(value, float) or (isinstance(value, int) and not isinstance(value, bool)):
                values[(name, index, variable)] = float(value)
    return values


def ions(h, sections):
    """Names of the ion mechanisms (``ca_ion``) in ``sections``."""
    return {name for section in sections for segment in section for name, mechanism in _density_mechanisms(segment)
            if mechanism.is_ion()}
