"""Whether a synapse's response to its one event has passed its peak, read from the
simulation itself: every variable of every mechanism of the synapse is recorded, and
the response counts as past its peak once each variable that moved has been furthest
from its value before the event at least a margin earlier.

No parameter name is read, so a lab's own mechanism (kinetic schemes, time constants
called anything, a current written to an ion) is followed as Exp2Syn is. A variable that
never stops moving (a noisy one, say) keeps the response from ever counting as past its
peak: the simulation then runs its whole window.
"""

import math

import numpy as np

from wscale.measure import restart

STILL = 1e-12  # a variable that moved less than this (relative to its size) did not move


class SynapticPeak:
    """Recordings of every variable of the synaptic point processes ``processes``, every
    ``step`` ms, from each initialisation of the model on (``h``: NEURON's hoc
    interpreter)."""

    def __init__(self, h, processes, step):
        self.step = step
        self.recordings = []
        for process in processes:
            name = process.hname().split('[')[0]
            for variable in restart.variables(h, name):
                try:
                    reference = getattr(process, f'_ref_{variable}')
                except (AttributeError, LookupError, TypeError, RuntimeError):
                    continue
                vector = h.Vector()
                vector.record(reference, step)
                self.recordings.append((f'{name}.{variable}', vector))

    def wait(self, margin):
        """How long (ms) the simulation must go on at least before every recorded variable
        that moved has been furthest from its first recorded value (before the event)
        ``margin`` ms ago, if none moves further: 0 where that holds now (the response is
        past its peak), infinite where a variable is not finite or nothing was recorded
        after the first value."""
        wait = 0.0
        for _, vector in self.recordings:
            values = vector.as_numpy()
            if values.size < 2 or not np.all(np.isfinite(values)):
                return math.inf
            moved = np.abs(values - values[0])
            furthest = int(np.argmax(moved))
            if moved[furthest] <= STILL * max(1.0, abs(values[0])):
                continue
            wait = max(wait, margin - (values.size - 1 - furthest) * self.step)
        return wait
