"""Targeted search: the weight whose EPSP hits the target, in few simulations.

The EPSP grows with the weight: nearly in proportion for small EPSPs, less than in
proportion where a thin dendrite saturates (its synapse drives the dendrite towards the
synaptic reversal potential), more where NMDA receptors unblock.

1. Until the target is bracketed, each step aims at the target along the curve
   EPSP = a w / (w + k) through the last two simulations (1 / EPSP linear in 1 / w: exact
   for a proportional EPSP and for a saturating one of that shape); with one simulation,
   along the log-log slope of a neighbouring place, else in proportion. The step is
   overshot by OVERSHOOT, compounded with every step that did not bracket the target, so
   that a curve bending away cannot make the search creep towards the target from one
   side; not from within 2 % of the target, where the curve through the last two
   simulations is close enough to land.
2. Once a weight below and a weight above the target are known, Brent's method on the
   reciprocal scale (-1 / w against 1 - target / EPSP): inverse quadratic interpolation
   through the last three simulations, or the secant, where that falls inside the
   bracket and the bracket keeps halving or the last simulation came within NEAR_MISS of
   the target (one end of the bracket then stays, but the interpolation is close);
   bisection (of ln w) otherwise. It converges
   superlinearly and never leaves the bracket.
3. A weight at which the soma spikes is an upper side without an EPSP: the step towards
   it is bisection, down to SPIKE_RESOLUTION.
4. Where a neighbour's soma spiked before its EPSP reached the target, the search starts
   at the weight predicted to make this place spike (``spike_edge``) and steps across
   that edge, EDGE_STEP away, then twice that if it was not crossed (EDGE_STEPS steps in
   all, then as above): two simulations settle the verdict where the prediction holds,
   and a prediction up to 13 % off costs a step or two more rather than a bisection
   from far away.

Pure: it proposes weights and is told their EPSPs.
"""

import math

SPIKE_RESOLUTION = 0.05  # relative bracket width at which a spiking upper side ends the search
EDGE_STEP = 0.9 * SPIKE_RESOLUTION  # relative step across a predicted spiking edge
EDGE_STEPS = 2  # steps of EDGE_STEP, then 2 x EDGE_STEP, ... before the search goes on as usual
OVERSHOOT = 1.3  # factor on a step taken before the target is bracketed
NEAR_MISS = 0.02  # |ln(EPSP / target)| within which a step is not overshot: the curve is known well enough there
MIN_SLOPE = 0.05  # smallest log-log slope trusted for a step (flatter: jump far)
MAX_STEP = math.log(16.0)  # largest step before bracketing, in ln(weight)
X_TOL_FRACTION = 0.5  # an interpolated step keeps this fraction of the tolerance (in ln) from the bracket's ends
TINY_EPSP = 1e-9  # mV, floor under the logarithm


class TargetSearch:
    """Search for the weight (uS) whose EPSP is ``target`` (mV) within ``tol`` mV.

    ``first_weight`` is the first weight simulated (a neighbour's result, for example) and
    ``slope`` the log-log slope d ln(EPSP) / d ln(weight) expected there, if known;
    ``spike_edge``: the first weight is where the soma is predicted to start spiking.
    Use: ``while not s.done: w = s.next_weight(); s.tell(w, epsp, spiked)``; then
    ``s.weight``, ``s.converged``, ``s.reason`` and ``s.evaluations``.
    """

    def __init__(self, target, tol, first_weight, cap, max_evaluations=12, slope=None, spike_edge=False):
        self.target, self.tol, self.cap, self.max_evaluations = target, tol, cap, max_evaluations
        self.spike_edge = spike_edge
        self.first_weight = min(first_weight, cap)
        self.seeded_slope = slope is not None and slope > MIN_SLOPE
        self.slope = slope if self.seeded_slope else 1.0
        self.tried = []  # (ln weight, ln(epsp / target), or None when it spiked), in order
        self.low = None  # (x, f) with f < 0: the largest weight below the target
        self.high = None  # (x, f or None): the smallest weight above the target or spiking
        self.widths = []  # bracket widths after each bracketed evaluation
        self.evaluations = 0
        self.done = False
        self.converged = False
        self.weight = math.nan
        self.reason = ''

    def next_weight(self):
        """The weight to simulate next."""
        if not self.tried:
            return self.first_weight
        if self.low is None or self.high is None:
            return min(self.cap, math.exp(self._outward()))
        return math.exp(self._inward())

    def _outward(self):
        """ln(weight) of the next step while the target is not bracketed."""
        x, f = self.low if self.high is None else self.high
        edge = None
        if self.spike_edge and len(self.tried) <= EDGE_STEPS:
            edge = -math.log(1.0 - EDGE_STEP) * 2 ** (len(self.tried) - 1)
        if f is None:  # only spikes so far: step down, across a predicted edge
            return x - (edge if edge else math.log(4.0))
        known = [point for point in self.tried if point[1] is not None]
        if len(known) >= 2:
            aim = _hyperbolic_aim(known[-2], known[-1])
        else:
            aim = x - f / self.slope
        # overshoot more with every step that has not bracketed the target; a first step
        # along a neighbour's slope, and a step from within NEAR_MISS of the target, are
        # taken as they are
        steps = len(self.tried) - (1 if self.seeded_slope else 0)
        step = (aim - x) * (OVERSHOOT ** steps if abs(f) > NEAR_MISS else 1.0)
        if edge and f < 0:  # below a predicted edge: across it
            step = min(step, edge)
        return x + max(-MAX_STEP, min(MAX_STEP, step))

    def _inward(self):
        """ln(weight) of the next step inside the bracket: Brent's method on the
        reciprocal scale (1 / weight against 1 - target / EPSP), on which a saturating
        EPSP curve is close to a straight line."""
        (a, _), (b, fb) = self.low, self.high
        width = b - a
        middle = a + width / 2
        if fb is None:
            return middle
        known = [_reciprocal(point) for point in self.tried[-3:] if point[1] is not None]
        (ra, ga), (rb, gb) = _reciprocal(self.low), _reciprocal(self.high)
        guess = None
        if len(known) == 3 and len({g for _, g in known}) == 3:
            guess = _inverse_quadratic(known)
        if guess is None or not ra < guess < rb:
            guess = ra - ga * (rb - ra) / (gb - ga)
        shrinking = len(self.widths) < 3 or self.widths[-1] <= self.widths[-3] / 2
        near = self.tried[-1][1] is not None and abs(self.tried[-1][1]) <= NEAR_MISS
        if not (shrinking or near) or not ra < guess < rb:
            return middle
        margin = min(width / 4, X_TOL_FRACTION * self.tol / self.target)
        return min(max(-math.log(-guess), a + margin), b - margin)

    def tell(self, weight, epsp, spiked):
        """The EPSP (mV) simulated at ``weight``, and whether the soma spiked."""
        self.evaluations += 1
        if not spiked and abs(epsp - self.target) <= self.tol:
            return self._finish(weight, True, f'converged in {self.evaluations} simulations')
        x = math.log(weight)
        f = None if spiked else math.log(max(epsp, TINY_EPSP) / self.target)
        self.tried.append((x, f))
        if f is not None and f < 0:
            if self.low is None or x > self.low[0]:
                self.low = (x, f)
        elif self.high is None or x < self.high[0] or (x == self.high[0] and f is not None):
            self.high = (x, f)
        if self.low is not None and self.high is not None:
            self.widths.append(self.high[0] - self.low[0])
        spiking = self.high is not None and self.high[1] is None
        if spiking and self.low is not None and 1 - math.exp(self.low[0] - self.high[0]) <= SPIKE_RESOLUTION:
            return self._finish(math.nan, False, self._spike_reason())
        if self.high is None and weight >= self.cap:
            return self._finish(math.nan, False, f'no weight up to {self.cap} uS reaches {self.target} mV')
        if self.evaluations >= self.max_evaluations:
            reason = self._spike_reason() if spiking else f'not within {self.tol:g} mV after {self.evaluations} simulations'
            return self._finish(math.nan, False, reason)
        return None

    def _spike_reason(self):
        return f'the soma spikes from about {math.exp(self.high[0]):.4g} uS, before the EPSP reaches {self.target} mV'

    def _finish(self, weight, converged, reason):
        self.done, self.weight, self.converged, self.reason = True, weight, converged, reason


def _reciprocal(point):
    """(ln weight, ln(EPSP / target)) as (-1 / weight, 1 - target / EPSP): both grow with
    the weight, and the second is 0 at the target."""
    x, f = point
    return -math.exp(-x), 1.0 - math.exp(-f)


def _inverse_quadratic(points):
    """x where the parabola x(f) through three (x, f) points has f = 0."""
    (x0, f0), (x1, f1), (x2, f2) = points
    return (
        x0 * f1 * f2 / ((f0 - f1) * (f0 - f2))
        + x1 * f0 * f2 / ((f1 - f0) * (f1 - f2))
        + x2 * f0 * f1 / ((f2 - f0) * (f2 - f1))
    )


def _hyperbolic_aim(first, second):
    """ln(weight) at which the curve EPSP = a w / (w + k) through two (ln weight,
    ln(EPSP / target)) points reaches the target (1 / EPSP is linear in 1 / weight; a
    straight line through the origin is the case k = 0). +inf where it never does."""
    (x1, f1), (x2, f2) = first, second
    u1, u2 = math.exp(-x1), math.exp(-x2)  # 1 / weight
    r1, r2 = math.exp(-f1), math.exp(-f2)  # target / EPSP
    if u1 == u2 or r1 == r2:
        return math.inf if max(f1, f2) < 0 else -math.inf
    slope = (r2 - r1) / (u2 - u1)
    u = u2 + (1.0 - r2) / slope
    if slope <= 0 or u <= 0:
        return math.inf if max(f1, f2) < 0 else -math.inf
    return -math.log(u)


def log_slope(weights, epsps):
    """d ln(EPSP) / d ln(weight) between the two given points, or None."""
    (w1, w2), (e1, e2) = weights, epsps
    if min(w1, w2, e1, e2) <= 0 or w1 == w2:
        return None
    return math.log(e2 / e1) / math.log(w2 / w1)
