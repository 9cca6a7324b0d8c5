"""--preview: each place's weight at target predicted from the cell's linear responses
and the synapse's own current (``analysis.preview``), with no synaptic simulation of the
cell.

The model is built as a measurement builds it and run to the state a reused model saves
(before the baseline window). There every place's input impedance is taken at
frequencies (``Grid``), from every channel's conductance at that state
(``wscale.measure.impedance.input_spectra``): what sets the voltage, and with it the driving
force, under the synapse. The transfer to the soma, with every channel's own dynamics,
is each place's response to a small current pulse at the soma, by reciprocity
(``somatic_responses``: two runs of the cell, no synapse active). The synapse's current
comes from a clamped section of its own (``wscale.measure.synaptic_current``). Each place
gets one record, marked ``preview``: the weight predicted, with the EPSP predicted for
it; never a simulated EPSP.
"""

import dataclasses
import math
import time

import numpy as np

from analysis import preview
from wscale.measure import measurement, self_check, synaptic_current
from wscale.measure.impedance import input_spectra, somatic_responses
from wscale.measure.records import predicted_record

PERIOD = 400.0  # ms at least, the FFT's period: the EPSP window and the kernels' decay
PULSE_MV = 0.2  # mV, about, the soma's response to the pulse that gives the transfer kernels
NOTE = "preview: predicted from the cell's linear responses and the synapse's current, not simulated"
BEYOND = 'preview: predicted to need more than the largest weight'


@dataclasses.dataclass(frozen=True)
class Grid:
    """How finely a prediction is computed: ``step`` (ms), the time grid; ``frequencies``,
    how many are computed, log-spaced from 1 Hz to the grid's Nyquist frequency, and 0 Hz;
    ``levels`` (mV), the clamp levels of the synapse's current."""

    step: float
    frequencies: int
    levels: tuple

    def frequency_values(self):
        """The frequencies (Hz) the impedances are computed at."""
        nyquist = 1000.0 / (2 * self.step)
        return np.concatenate([[0.0], np.logspace(0.0, math.log10(nyquist), self.frequencies)])

    def fft_length(self):
        return 1 << math.ceil(math.log2(PERIOD / self.step))


PREVIEW = Grid(0.1, 160, tuple(np.arange(-110.0, 40.1, 5.0)))  # --preview's weights
# a targeted search's first weights: the places' weights relative to these are fitted,
# and a coarser grid (about 4 x faster on the thin-tuft cell) changes them along the cell alike
SEARCH = Grid(0.25, 40, tuple(np.arange(-110.0, 40.1, 10.0)))


def synapse_current(cfg, grid=PREVIEW):
    """The synapse's current per unit weight at the clamp levels of ``grid`` (``unit_current``), what
    ``weights`` predicts from; taken before the cell is built, on a section of its own."""
    from neuron import h

    from cells.mechanisms import load_mechanisms

    load_mechanisms(cfg.modFolder)
    return synaptic_current.unit_current(h, cfg, grid.levels, cfg.epspWindow, grid.step, cfg.searchFirstWeight)


def weights(cfg, cell, places, unit, start, run, advance, grid=PREVIEW):
    """(weights uS, EPSPs mV, log-log slopes) predicted at ``places`` [(sec, loc)] of the
    NetPyNE ``cell`` for cfg.epspTarget, capped at cfg.searchMaxWeight, from the model's
    state at ``start`` (ms) with no synapse active: ``run()`` brings the model there,
    ``advance(until)`` simulates on (see ``somatic_responses``); ``unit`` is
    ``synapse_current(cfg, grid)``."""
    from neuron import h

    run()
    segments = [cell.secs[sec]['hObj'](loc) for sec, loc in places]
    rest = np.array([segment.v for segment in segments])
    soma = cell.secs[cfg.somaSec]['hObj'](0.5)
    step, frequencies = grid.step, grid.frequency_values()
    count, samples = grid.fft_length(), unit.shape[1]
    input_size, input_phase = input_spectra(h, [*segments, soma], frequencies)
    local = preview.kernel(preview.spectrum(frequencies, input_size, input_phase, count, step), count, samples, step)
    amplitude = PULSE_MV / local[-1, 0]  # the soma's own response to the pulse: about PULSE_MV
    to_soma = somatic_responses(h, soma, segments, start, samples, step, amplitude, run, advance)
    first = np.full(len(places), cfg.searchFirstWeight)
    return preview.weight_at_target(cfg.epspTarget, first, unit, grid.levels, rest, local[:-1], to_soma,
                                    cfg.searchMaxWeight)


def predicted_by(measurer, places, unit, grid=SEARCH):
    """{(sec, loc): (weight uS, log-log slope)}: the weights predicted at those of
    ``places`` where the prediction reaches cfg.epspTarget, from a targeted search's
    model (a ``wscale.measure.measurement.Measurer``) at its saved state; {} where its
    points do not restart from it. ``unit`` is ``synapse_current(cfg, grid)``."""
    cfg = measurer.cfg
    if not places or measurer.mode != self_check.RESTARTED:
        return {}
    predicted = weights(cfg, measurer.cell, places, unit, measurer.baseline_from, measurer.at_rest, measurer.sim.pc.psolve,
                        grid)
    return {place: (float(weight), float(slope)) for place, weight, epsp, slope in zip(places, *predicted)
            if _reaches(cfg, epsp)}


def _reaches(cfg, epsp):
    """Whether a predicted EPSP (mV) is the target, within the search's tolerance."""
    return abs(epsp / cfg.epspTarget - 1) <= cfg.searchTol


def predict(cfg, net_params, places):
    """One record per place of ``places`` [(sec, loc)]: the weight (uS) predicted to give
    cfg.epspTarget, capped at cfg.searchMaxWeight. ``cfg`` is the settled SimConfig and
    ``net_params`` the measurement's NetParams built from it."""
    from neuron import h

    started = time.perf_counter()
    unit = synapse_current(cfg)
    sim = measurement.build_simulation(cfg, net_params)
    cell = sim.net.cells[0]
    for conn in cell.conns:
        conn['hObj'].weight[0] = 0.0
    sim.preRun()
    start = measurement.save_time(cfg)

    def run():
        h.finitialize(float(cfg.hParams['v_init']))
        sim.pc.psolve(start)

    predicted = zip(*weights(cfg, cell, places, unit, start, run, sim.pc.psolve))
    seconds = (time.perf_counter() - started) / max(1, len(places))
    records = []
    for (sec, loc), (weight, epsp, slope) in zip(places, predicted):
        record = predicted_record(sec, loc, weight, epsp, cfg.epspTarget,
                                  measurement.distance_on(cell, cfg.somaSec, sec, loc), seconds)
        reached = _reaches(cfg, epsp)
        record.update(converged=bool(reached), search=NOTE if reached else BEYOND, slope=float(slope))
        records.append(record)
    return records
