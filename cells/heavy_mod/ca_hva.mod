COMMENT
High-voltage-activated calcium current (suffix cahva), for the heavy test cell.

  ica   = gbar * m^2 * h * (v - eca)
  dm/dt = alpha_m (1 - m) - beta_m m,   dh/dt = alpha_h (1 - h) - beta_h h

Rate functions after Reuveni et al. (1993, J Neurosci 13:4609), in 1/ms:
  alpha_m = 0.055 (-27 - v) / (exp((-27 - v) / 3.8) - 1)   beta_m = 0.94 exp((-75 - v) / 17)
  alpha_h = 0.000457 exp((-13 - v) / 50)                    beta_h = 0.0065 / (exp((-15 - v) / 28) + 1)
Rates are computed at every step (no tables): the cell is meant to cost what published
active cells cost.
Units: gbar S/cm2, voltages mV, times ms.
ENDCOMMENT

NEURON {
    SUFFIX cahva
    USEION ca READ eca WRITE ica
    RANGE gbar
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 1e-5 (S/cm2)
}

ASSIGNED {
    v (mV)
    eca (mV)
    ica (mA/cm2)
    am (/ms)
    bm (/ms)
    ah (/ms)
    bh (/ms)
}

STATE { m h }

BREAKPOINT {
    SOLVE states METHOD cnexp
    ica = gbar * m * m * h * (v - eca)
}

INITIAL {
    rates(v)
    m = am / (am + bm)
    h = ah / (ah + bh)
}

DERIVATIVE states {
    rates(v)
    m' = am * (1 - m) - bm * m
    h' = ah * (1 - h) - bh * h
}

PROCEDURE rates(v (mV)) {
    LOCAL x
    x = (-27 - v) / 3.8
    if (fabs(x) < 1e-6) {
        am = 0.055 * 3.8 * (1 - x / 2)
    } else {
        am = 0.055 * (-27 - v) / (exp(x) - 1)
    }
    bm = 0.94 * exp((-75 - v) / 17)
    ah = 0.000457 * exp((-13 - v) / 50)
    bh = 0.0065 / (exp((-15 - v) / 28) + 1)
}
