"""A place's weight at target predicted from the places near it already searched.

Each place has a reference weight from a model of the cell: the preview's prediction
(``wscale.search.preview``), else the inverse of its transfer impedance to the soma. The
model's own error changes smoothly with the path distance from the soma, so the
logarithm of the ratio of weight found to reference weight at the nearest places already
searched, fitted against their path distances (a straight line through two, a parabola
through three, a cubic through four), is extrapolated to the place, and the place's own
reference weight turns it back into a weight. Across a branch point the curve bends (the
dendrite's diameter changes there), so a fit that reaches across one is a straight line
at most (``Seeds`` in ``wscale.search.targeted`` chooses the places). On the thin-tuft
cell, with the search's preview weights, 86 % of the places predicted land within the
search's 0.1 %, 53 % of those where the dendrite saturates; with transfer impedances 51 %
and none.

Pure: distances in um, weights in uS, transfer impedances in MOhm.
"""

import math

import numpy as np

MAX_REACH = 2.0  # a fit is trusted out to this many times its places' span beyond them
MAX_CHANGE = 4.0  # a predicted weight stays within this factor of the nearest place's
MAX_SLOPE_CHANGE = 1.5  # a predicted slope stays within this factor of the nearest place's


def extrapolated(points, x):
    """The value at ``x`` of the curve through ``points`` ((x, y), the nearest first; one
    to four of them): a constant, a straight line, a parabola or a cubic, through fewer of
    the nearest points where ``x`` lies further than MAX_REACH times their span beyond them."""
    unique = {}
    for where, value in points:
        unique.setdefault(float(where), value)
    xs = list(unique)
    while len(xs) > 1 and max(0.0, min(xs) - x, x - max(xs)) > MAX_REACH * (max(xs) - min(xs)):
        xs = xs[:-1]
    if len(xs) == 1:
        return unique[xs[0]]
    return float(np.polyval(np.polyfit(xs, [unique[where] for where in xs], len(xs) - 1), x))


def extrapolated_weight(known, distance, reference=None):
    """The predicted weight (uS) at a place ``distance`` um from the soma.

    ``known``: (distance um, weight uS, reference weight uS) of up to four places already
    searched, the nearest first. A reference weight is what a model predicts there: one
    that changes along the cell as the weight at target does (the preview's weight, or the
    inverse of the transfer impedance to the soma); with ``reference`` (the place's own),
    the weight's ratio to it is fitted, else the weight alone. The prediction stays within
    MAX_CHANGE of the nearest place's weight.
    """
    scaled = reference is not None
    points = [(where, math.log(weight) - (math.log(model) if scaled else 0.0)) for where, weight, model in known]
    predicted = extrapolated(points, distance) + (math.log(reference) if scaled else 0.0)
    nearest = math.log(known[0][1])
    return math.exp(min(max(predicted, nearest - math.log(MAX_CHANGE)), nearest + math.log(MAX_CHANGE)))


def extrapolated_slope(known, distance):
    """The log-log slope of the EPSP curve predicted at ``distance`` um from ``known``,
    (distance um, slope) of up to three of the nearest places where it was measured,
    nearest first; within MAX_SLOPE_CHANGE of the nearest one's. None without any."""
    if not known:
        return None
    nearest = math.log(known[0][1])
    predicted = extrapolated([(where, math.log(slope)) for where, slope in known], distance)
    return math.exp(min(max(predicted, nearest - math.log(MAX_SLOPE_CHANGE)), nearest + math.log(MAX_SLOPE_CHANGE)))


def carried_slope(slope, weight, impedance, weight_here, impedance_here):
    """The log-log slope of the EPSP curve at a place across a branch point from a place
    where it was measured (``slope`` at ``weight`` uS, local input impedance
    ``impedance`` MOhm), the place's own predicted weight and input impedance given.

    A synapse saturates as it drives its dendrite towards its reversal potential: the
    EPSP grows as g / (1 + c g Z) with the conductance g and the local input impedance Z,
    so its slope is 1 / (1 + c g Z); c (what of the static impedance a brief conductance
    sees) is taken where the slope was measured. Into a thinner branch the input
    impedance jumps, and with it the saturation: on the thin-tuft cell the slope at the
    first places of a tuft branch is 0.42 to 0.56 where the parent's places had 0.9,
    and this puts it within 3 % (median). A slope of 1 or more (no saturation) is
    carried over as it is."""
    if slope >= 1.0:
        return slope
    seen = (1.0 / slope - 1.0) / (weight * impedance)
    return 1.0 / (1.0 + seen * weight_here * impedance_here)

