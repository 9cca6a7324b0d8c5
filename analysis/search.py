"""Targeted search: the weight whose EPSP hits the target, in few simulations.

The EPSP grows with the weight and is nearly proportional to it for small EPSPs. The
search keeps the best bracket it has (a weight below the target, a weight above it or
spiking), guesses by proportion until it has both, then by linear interpolation between
them (regula falsi, Illinois variant: a side kept twice has its residual halved), and
bisects while the upper side only spiked. Pure: it proposes weights and is told their EPSPs.
"""

import math

SPIKE_RESOLUTION = 0.02  # relative bracket width at which a spiking upper side ends the search


class TargetSearch:
    """Search for the weight (uS) whose EPSP is ``target`` (mV) within ``tol`` mV.

    Use: ``while not s.done: w = s.next_weight(); s.tell(w, epsp, spiked)``; then
    ``s.weight``, ``s.converged``, ``s.reason`` and ``s.evaluations``.
    """

    def __init__(self, target, tol, first_weight, cap, max_evaluations=8):
        self.target, self.tol, self.cap, self.max_evaluations = target, tol, cap, max_evaluations
        self.first_weight = min(first_weight, cap)
        self.low = None  # [weight, epsp - target] below the target
        self.high = None  # [weight, epsp - target, or None when it spiked] above the target
        self.replaced = None  # the side the last evaluation replaced
        self.evaluations = 0
        self.done = False
        self.converged = False
        self.weight = math.nan
        self.reason = ''

    def next_weight(self):
        """The weight to simulate next."""
        if self.evaluations == 0:
            return self.first_weight
        if self.high is None:
            weight, residual = self.low
            epsp = residual + self.target
            guess = weight * self.target / epsp if epsp > 0 else weight * 4
            return min(self.cap, max(guess, weight * 1.05))
        if self.low is None:
            weight, residual = self.high
            guess = weight * self.target / (residual + self.target) if residual is not None else weight / 4
            return min(guess, weight * 0.95)
        (w_low, r_low), (w_high, r_high) = self.low, self.high
        if r_high is None:
            return (w_low + w_high) / 2
        fraction = -r_low / (r_high - r_low)
        return w_low + min(max(fraction, 0.01), 0.99) * (w_high - w_low)

    def tell(self, weight, epsp, spiked):
        """The EPSP (mV) simulated at ``weight``, and whether the soma spiked."""
        self.evaluations += 1
        if not spiked and abs(epsp - self.target) <= self.tol:
            return self._finish(weight, True, f'converged in {self.evaluations} simulations')
        side = 'high' if spiked or epsp > self.target else 'low'
        if side == self.replaced and self.low is not None and self.high is not None:
            kept = self.low if side == 'high' else self.high
            if kept[1] is not None:
                kept[1] /= 2  # Illinois: the same side twice, so weaken the one kept
        self.replaced = side
        if side == 'high':
            self.high = [weight, None if spiked else epsp - self.target]
        else:
            self.low = [weight, epsp - self.target]
        spiking = self.high is not None and self.high[1] is None
        if spiking and self.low is not None and self.high[0] - self.low[0] <= SPIKE_RESOLUTION * self.high[0]:
            return self._finish(math.nan, False, self._spike_reason())
        if self.high is None and weight >= self.cap:
            return self._finish(math.nan, False, f'no weight up to {self.cap} uS reaches {self.target} mV')
        if self.evaluations >= self.max_evaluations:
            reason = self._spike_reason() if spiking else f'not within {self.tol:g} mV after {self.evaluations} simulations'
            return self._finish(math.nan, False, reason)
        return None

    def _spike_reason(self):
        return f'the soma spikes from about {self.high[0]:.4g} uS, before the EPSP reaches {self.target} mV'

    def _finish(self, weight, converged, reason):
        self.done, self.weight, self.converged, self.reason = True, weight, converged, reason
