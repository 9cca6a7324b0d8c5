"""Predicted weights without synaptic simulations: a synapse's somatic EPSP from the cell's
linear responses and the synapse's own current.

Around the resting state the cell is linear: a current I(t) (nA) injected at a place
gives the voltage change (mV) K * I there and S * I at the soma, where K and S are the
place's input and transfer kernels (K from its input impedance, MOhm, by inverse Fourier
transform; S, by reciprocity, the place's response to a current pulse at the soma). The
synapse is not linear: its current depends on the voltage where it sits (the driving
force, an NMDA channel's magnesium block). With
``unit_current`` (nA per uS of weight, sampled at voltage ``levels``, mV), the current
of weight w is w x unit_current at the place's voltage, interpolated between the levels.
``somatic_epsp`` solves I = w x unit_current(rest + K * I) sample by sample and returns
the peak of S * I; ``weight_at_target`` finds w for a given EPSP.

Every function works on many places at once (arrays with a first axis of places).
"""

import numpy as np

SEARCH_STEPS = 40  # at most, of the weight's secant search
WEIGHT_TOLERANCE = 1e-4  # relative: the weight search stops when the EPSP is this close


def spectrum(frequencies, magnitude, phase, count, dt):
    """The impedance on the grid of a real FFT of ``count`` samples ``dt`` ms apart
    (complex, MOhm; shape (places, count // 2 + 1)), from its ``magnitude`` (MOhm) and
    ``phase`` (radians) at ``frequencies`` (Hz, increasing, the first 0), each of shape
    (places, frequencies): log magnitude and unwrapped phase interpolated in log frequency."""
    frequencies = np.asarray(frequencies, float)
    grid = np.fft.rfftfreq(count, dt / 1000.0)
    magnitude, phase = np.atleast_2d(magnitude), np.unwrap(np.atleast_2d(phase), axis=1)
    wanted, known = np.log(np.maximum(grid[1:], frequencies[1])), np.log(frequencies[1:])
    result = np.empty((magnitude.shape[0], grid.size), complex)
    result[:, 0] = magnitude[:, 0]
    for place in range(magnitude.shape[0]):
        size = np.exp(np.interp(wanted, known, np.log(np.maximum(magnitude[place, 1:], 1e-300))))
        angle = np.interp(wanted, known, phase[place, 1:])
        result[place, 1:] = size * np.exp(1j * angle)
    return result


def current_at(unit_current, levels, voltage):
    """The synaptic current per unit weight (nA/uS; shape (places, samples)) at
    ``voltage`` (mV, same shape), interpolated between the voltage ``levels`` (mV,
    increasing) at which ``unit_current`` (shape (levels, samples)) was measured, and
    extrapolated along the outermost pair beyond them."""
    levels = np.asarray(levels, float)
    lower = np.clip(np.searchsorted(levels, voltage) - 1, 0, levels.size - 2)
    fraction = (voltage - levels[lower]) / (levels[lower + 1] - levels[lower])
    samples = np.arange(voltage.shape[1])
    low, high = unit_current[lower, samples], unit_current[lower + 1, samples]
    return low + fraction * (high - low)


def kernel(spectra, count, samples, step):
    """The responses (mV per nA; shape (places, samples)) to a current of 1 nA during one
    sample of ``step`` ms, of the impedance ``spectra`` (FFT length ``count``): response j
    is the voltage j + 1/2 samples after that current began, in the middle of a sample,
    the impedance's impulse response integrated over the current's sample (exact for a
    current constant within each sample, however fast the response: a thin dendrite's
    input impedance is nearly singular at 0 ms)."""
    frequencies = np.fft.rfftfreq(count, step)  # 1/ms
    box = np.empty(frequencies.size, complex)  # the Fourier transform of 1 during [0, step)
    box[0] = step
    angular = 2j * np.pi * frequencies[1:]
    box[1:] = (1 - np.exp(-angular * step)) / angular
    half_later = np.exp(2j * np.pi * frequencies * step / 2)  # sampled half a sample later
    return np.fft.irfft(spectra * box * half_later, count, axis=1)[:, :samples] / step


def synaptic_current(weights, unit_current, levels, rest, local):
    """Each place's synaptic current (nA; shape (places, samples)) at ``weights`` (uS), with
    the voltage it drives at the place taken into account, sample by sample: the voltage
    there is ``rest`` (mV) plus the earlier samples' current through ``local`` (the
    input impedance's ``kernel``) plus this sample's own; the current at it is
    interpolated between the ``levels`` (see ``current_at``), so each sample is solved
    exactly on its voltage interval. The voltage is taken in the middle of each sample.
    """
    weights, rest = np.asarray(weights, float), np.asarray(rest, float)
    places, samples = weights.size, unit_current.shape[1]
    levels = np.asarray(levels, float)
    slopes = np.diff(unit_current, axis=0) / np.diff(levels)[:, None]  # (levels - 1, samples)
    current = np.zeros((places, samples))
    own = local[:, 0]
    for sample in range(samples):
        history = rest + np.einsum('pj,pj->p', local[:, sample:0:-1], current[:, :sample])
        voltage = history
        for _ in range(len(levels)):
            interval = np.clip(np.searchsorted(levels, voltage) - 1, 0, levels.size - 2)
            slope = slopes[interval, sample]
            offset = unit_current[interval, sample] - slope * levels[interval]
            now = weights * (offset + slope * history) / (1.0 - weights * slope * own)
            moved = history + own * now
            settled = np.all(np.clip(np.searchsorted(levels, moved) - 1, 0, levels.size - 2) == interval)
            voltage = moved
            if settled:
                break
        current[:, sample] = now
    return current


def somatic_epsp(weights, unit_current, levels, rest, local, soma):
    """Peak somatic EPSP (mV) of each place's synapse at ``weights`` (uS; one per place):
    ``rest`` is each place's resting voltage (mV), ``local`` its input impedance's
    ``kernel`` and ``soma`` its transfer kernel to the soma (mV per nA per sample, shape
    (places, samples)), ``unit_current`` and ``levels`` the synapse's current per unit
    weight (see ``current_at``), sampled as the kernels from the synapse's activation on."""
    current = synaptic_current(weights, unit_current, levels, rest, local)
    samples = current.shape[1]
    count = 2 * samples
    response = np.fft.irfft(np.fft.rfft(current, count, axis=1) * np.fft.rfft(soma, count, axis=1), count, axis=1)
    return np.max(response[:, :samples], axis=1)


def weight_at_target(target, first, unit_current, levels, rest, local, soma, cap=np.inf):
    """Each place's weight (uS) whose somatic EPSP is ``target`` (mV), from ``first`` (uS,
    one per place); ``cap`` where even ``cap`` falls short. The first step follows the
    EPSP in proportion; each later one the curve EPSP = a w / (w + k) through the last two
    weights (1 / EPSP linear in 1 / w: exact for a proportional EPSP and for a saturating
    one of that shape), or the log-log secant where that curve never reaches the target.
    The arguments after ``first`` are ``somatic_epsp``'s. Returns (weights, the EPSPs at
    them in mV, the log-log slopes of the EPSP curves there: of the last secant step, 1
    where no step was taken)."""
    weights = np.minimum(np.asarray(first, float), cap)
    epsps = somatic_epsp(weights, unit_current, levels, rest, local, soma)
    slopes = np.ones_like(weights)
    before = np.full((2, weights.size), np.nan)  # the weights and EPSPs of the step before
    for _ in range(SEARCH_STEPS):
        close = np.abs(epsps / target - 1) < WEIGHT_TOLERANCE
        short_at_cap = (weights >= cap) & (epsps < target)
        todo = np.flatnonzero(~close & ~short_at_cap)
        if todo.size == 0:
            break
        weight, epsp = weights[todo], np.maximum(epsps[todo], 1e-300)
        step = (np.log(target) - np.log(epsp)) / slopes[todo]
        new = np.minimum(weight * np.exp(step), cap)
        with np.errstate(divide='ignore', invalid='ignore'):
            gain = (target / epsp - target / before[1, todo]) / (1 / weight - 1 / before[0, todo])
            aim = 1 / (1 / weight + (1 - target / epsp) / gain)
        hyperbolic = np.isfinite(aim) & (gain > 0) & (aim > 0)
        new = np.where(hyperbolic, np.minimum(aim, cap), new)
        new_epsps = somatic_epsp(new, unit_current, levels, rest[todo], local[todo], soma[todo])
        moved = np.abs(np.log(new / weight)) > 1e-12
        secant = np.log(np.maximum(new_epsps, 1e-300) / epsp) / np.where(moved, np.log(new / weight), 1.0)
        slopes[todo] = np.where(moved & (secant > 0.05), secant, slopes[todo])
        before[:, todo] = np.where(moved, [weight, epsp], before[:, todo])
        weights[todo], epsps[todo] = new, new_epsps
    return weights, epsps, slopes
