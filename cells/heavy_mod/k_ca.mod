COMMENT
Small-conductance calcium-activated potassium current (suffix kca), for the heavy test cell.

  ik    = gbar * z * (v - ek)
  dz/dt = (zinf - z) / tauz,   zinf = 1 / (1 + (kd / cai)^n)

Calcium dependence of SK channels after Koehler et al. (1996, Science 273:1709): half
activation near 0.43 uM, Hill coefficient about 4.8; voltage independent.
Units: gbar S/cm2, kd mM, tauz ms.
ENDCOMMENT

NEURON {
    SUFFIX kca
    USEION k READ ek WRITE ik
    USEION ca READ cai
    RANGE gbar, kd, hill, tauz
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (mM) = (milli/liter)
    (S) = (siemens)
}

PARAMETER {
    gbar = 1e-4 (S/cm2)
    kd = 0.00043 (mM)
    hill = 4.8
    tauz = 1 (ms)
}

ASSIGNED {
    v (mV)
    ek (mV)
    cai (mM)
    ik (mA/cm2)
    zinf
}

STATE { z }

BREAKPOINT {
    SOLVE states METHOD cnexp
    ik = gbar * z * (v - ek)
}

INITIAL {
    rates(cai)
    z = zinf
}

DERIVATIVE states {
    rates(cai)
    z' = (zinf - z) / tauz
}

PROCEDURE rates(c (mM)) {
    if (c < 1e-9) {
        zinf = 0
    } else {
        zinf = 1 / (1 + pow(kd / c, hill))
    }
}
