COMMENT
NMDA receptor synapse with voltage-dependent magnesium block (point process NMDAMg).

  g = (B - A) * mgblock(v)                 conductance, uS
  i = g * (v - e)
  dA/dt = -A / tau1,  dB/dt = -B / tau2    dual-exponential time course (tau1 < tau2)
  mgblock(v) = 1 / (1 + exp(-0.062 * v) * mg / 3.57)

The block is the fit of Jahr and Stevens (1990, J Neurosci 10:3178) with [Mg2+]o in mM.
An event of weight w (uS) gives an unblocked peak conductance of w: both states step by
w * factor, factor normalising the dual exponential to a peak of 1.
ENDCOMMENT

NEURON {
    POINT_PROCESS NMDAMg
    NONSPECIFIC_CURRENT i
    RANGE tau1, tau2, e, mg, g, i
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (uS) = (microsiemens)
    (mM) = (milli/liter)
}

PARAMETER {
    tau1 = 15 (ms) <1e-9, 1e9>
    tau2 = 150 (ms) <1e-9, 1e9>
    e = 0 (mV)
    mg = 1 (mM)
}

ASSIGNED {
    v (mV)
    i (nA)
    g (uS)
    factor (1)
}

STATE {
    A (uS)
    B (uS)
}

INITIAL {
    LOCAL tpeak
    if (tau1 / tau2 > 0.9999) {
        tau1 = 0.9999 * tau2
    }
    A = 0
    B = 0
    tpeak = (tau1 * tau2) / (tau2 - tau1) * log(tau2 / tau1)
    factor = 1 / (exp(-tpeak / tau2) - exp(-tpeak / tau1))
}

BREAKPOINT {
    SOLVE state METHOD cnexp
    g = (B - A) * mgblock(v)
    i = g * (v - e)
}

DERIVATIVE state {
    A' = -A / tau1
    B' = -B / tau2
}

FUNCTION mgblock(v (mV)) (1) {
    mgblock = 1 / (1 + exp(-0.062 (/mV) * v) * (mg / 3.57 (mM)))
}

NET_RECEIVE(weight (uS)) {
    A = A + weight * factor
    B = B + weight * factor
}
