"""Transfer and input impedances of every segment of a cell, from NEURON's Impedance class,
and (``input_spectra``, ``somatic_responses``) what --preview takes from the cell: input
impedances over frequency, and each segment's response to a current pulse at the soma.

Computed once at the model's present state (the saved steady state, before the synaptic
event), from every channel's conductance there (``Impedance.compute(freq, 0)``): one
computation, cheaper than one time step of the whole model. Not with the channels'
gating linearised (``compute(freq, 1)``): that solves a system that holds the synapse's
own states too, so its last digits would depend on the segment the synapse sat at when
the model was built, and with them a run's predictions.
"""

import numpy as np

FREQUENCY = 0.0  # Hz: the steady-state impedance


class Impedances:
    """``transfer(sec, loc)``: |V at the soma| / |current injected at sec(loc)| (MOhm), and
    ``input(sec, loc)``: |V| / |I| at sec(loc) itself, for the segment holding loc.

    ``h`` is NEURON's hoc interpreter, ``sections`` {name: NEURON section} and ``soma``
    the segment whose voltage is measured."""

    def __init__(self, h, sections, soma, frequency=FREQUENCY):
        impedance = h.Impedance()
        impedance.loc(soma)
        impedance.compute(frequency, 0)
        self.values = {}
        for name, section in sections.items():
            self.values[name] = [(impedance.transfer(segment), impedance.input(segment)) for segment in section]
        self.nseg = {name: section.nseg for name, section in sections.items()}

    def _segment(self, sec, loc):
        nseg = self.nseg[sec]
        return self.values[sec][min(nseg - 1, max(0, int(loc * nseg)))]

    def transfer(self, sec, loc):
        """Transfer impedance (MOhm) from the segment holding sec(loc) to the soma."""
        return self._segment(sec, loc)[0]

    def input(self, sec, loc):
        """Input impedance (MOhm) of the segment holding sec(loc)."""
        return self._segment(sec, loc)[1]


def input_spectra(h, segments, frequencies):
    """Each segment's input impedance at each of ``frequencies`` (Hz), at the model's
    present state: two arrays of shape (segments, frequencies), the magnitudes (MOhm) and
    the phases (radians). As ``Impedances``, from every channel's conductance there."""
    impedance = h.Impedance()
    impedance.loc(segments[0])
    values = np.empty((2, len(segments), len(frequencies)))
    for column, frequency in enumerate(frequencies):
        impedance.compute(frequency, 0)
        for row, segment in enumerate(segments):
            values[:, row, column] = impedance.input(segment), impedance.input_phase(segment)
    return values


def somatic_responses(h, soma, segments, start, samples, step, amplitude, run, advance):
    """Each segment's voltage response (mV per nA; shape (segments, samples)) to a current
    pulse of one ``step`` (ms) injected at ``soma`` at ``start`` (ms), sample j taken
    (j + 1) steps after the pulse began: by reciprocity, the transfer kernel from each
    segment to the soma, with every channel's own dynamics. ``run()`` brings the model to
    its state at ``start`` (run from 0 ms, or restarted there) and ``advance(until)``
    simulates on to ``until`` (ms). The pulse is +-``amplitude`` (nA), the two responses
    halved apart, so that the model's own course and its second-order terms cancel."""
    clamp = h.IClamp(soma)
    clamp.delay, clamp.dur = start, step
    traces = []
    try:
        for sign in (1.0, -1.0):
            clamp.amp = sign * amplitude
            run()
            trace = np.empty((len(segments), samples))
            for sample in range(samples):
                advance(start + (sample + 1) * step)
                trace[:, sample] = [segment.v for segment in segments]
            traces.append(trace)
    finally:
        clamp.amp = 0.0
    return (traces[0] - traces[1]) / (2 * amplitude)
