"""--preview: each place's weight at target predicted from the cell's linear responses
and the synapse's own current (``analysis.preview``), with no synaptic simulation of the
cell.

The model is built as a measurement builds it and run to the state a reused model saves
(before the baseline window). There every place's input impedance is taken at
FREQUENCIES, from every channel's conductance at that state
(``wscale.measure.impedance.input_spectra``): what sets the voltage, and with it the driving
force, under the synapse. The transfer to the soma, with every channel's own dynamics,
is each place's response to a small current pulse at the soma, by reciprocity
(``somatic_responses``: two runs of the cell, no synapse active). The synapse's current
comes from a clamped section of its own (``wscale.measure.synaptic_current``). Each place
gets one record, marked ``preview``: the weight predicted, with the EPSP predicted for
it; never a simulated EPSP.
"""

import math
import time

import numpy as np

from analysis import preview
from wscale.measure import measurement, synaptic_current
from wscale.measure.impedance import input_spectra, somatic_responses
from wscale.measure.records import predicted_record

STEP = 0.1  # ms, the time grid of the prediction
PERIOD = 400.0  # ms at least, the FFT's period: the EPSP window and the kernels' decay
FREQUENCIES = 160  # computed, log-spaced from 1 Hz to the grid's Nyquist frequency, and 0 Hz
LEVELS = np.arange(-110.0, 40.1, 5.0)  # mV, clamp levels of the synapse's current
PULSE_MV = 0.2  # mV, about, the soma's response to the pulse that gives the transfer kernels
NOTE = "preview: predicted from the cell's linear responses and the synapse's current, not simulated"
BEYOND = 'preview: predicted to need more than the largest weight'


def frequencies():
    """The frequencies (Hz) the impedances are computed at."""
    nyquist = 1000.0 / (2 * STEP)
    return np.concatenate([[0.0], np.logspace(0.0, math.log10(nyquist), FREQUENCIES)])


def fft_length():
    return 1 << math.ceil(math.log2(PERIOD / STEP))


def predict(cfg, net_params, places):
    """One record per place of ``places`` [(sec, loc)]: the weight (uS) predicted to give
    cfg.epspTarget, capped at cfg.searchMaxWeight. ``cfg`` is the settled SimConfig and
    ``net_params`` the measurement's NetParams built from it."""
    from neuron import h

    from cells.mechanisms import load_mechanisms

    started = time.perf_counter()
    load_mechanisms(cfg.modFolder)
    duration = cfg.epspWindow
    unit = synaptic_current.unit_current(h, cfg, LEVELS, duration, STEP, cfg.searchFirstWeight)
    sim = measurement.build_simulation(cfg, net_params)
    cell = sim.net.cells[0]
    for conn in cell.conns:
        conn['hObj'].weight[0] = 0.0
    sim.preRun()

    def run(until):
        h.finitialize(float(cfg.hParams['v_init']))
        sim.pc.psolve(until)

    start = measurement.save_time(cfg)
    run(start)
    segments = [cell.secs[sec]['hObj'](loc) for sec, loc in places]
    rest = np.array([segment.v for segment in segments])
    soma = cell.secs[cfg.somaSec]['hObj'](0.5)
    count, samples = fft_length(), unit.shape[1]
    input_size, input_phase = input_spectra(h, [*segments, soma], frequencies())
    local = preview.kernel(preview.spectrum(frequencies(), input_size, input_phase, count, STEP), count, samples, STEP)
    amplitude = PULSE_MV / local[-1, 0]  # the soma's own response to the pulse: about PULSE_MV
    to_soma = somatic_responses(h, soma, segments, start, samples, STEP, amplitude, run)
    local = local[:-1]
    first = np.full(len(places), cfg.searchFirstWeight)
    weights, epsps, slopes = preview.weight_at_target(cfg.epspTarget, first, unit, LEVELS, rest, local, to_soma,
                                                      cfg.searchMaxWeight)
    seconds = (time.perf_counter() - started) / max(1, len(places))
    records = []
    for (sec, loc), weight, epsp, slope in zip(places, weights, epsps, slopes):
        record = predicted_record(sec, loc, weight, epsp, cfg.epspTarget,
                                  measurement.distance_on(cell, cfg.somaSec, sec, loc), seconds)
        reached = abs(epsp / cfg.epspTarget - 1) <= cfg.searchTol
        record.update(converged=bool(reached), search=NOTE if reached else BEYOND, slope=float(slope))
        records.append(record)
    return records
