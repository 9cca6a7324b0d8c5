COMMENT
Muscarinic (M-type) potassium current (suffix km), for the heavy test cell.

  ik    = gbar * n * (v - ek)
  dn/dt = alpha (1 - n) - beta n
  alpha = 0.0033 exp(0.1 (v + 35)),   beta = 0.0033 exp(-0.1 (v + 35))     (1/ms)

A slow, non-inactivating K current activating above about -60 mV (kinetics in the form
of Adams et al. 1982 as simplified by later cortical models), at 36 degC, scaled to
celsius with Q10 = 2.3.
Units: gbar S/cm2, voltages mV, times ms.
ENDCOMMENT

NEURON {
    SUFFIX km
    USEION k READ ek WRITE ik
    RANGE gbar
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 1e-4 (S/cm2)
    celsius (degC)
}

ASSIGNED {
    v (mV)
    ek (mV)
    ik (mA/cm2)
    a (/ms)
    b (/ms)
}

STATE { n }

BREAKPOINT {
    SOLVE states METHOD cnexp
    ik = gbar * n * (v - ek)
}

INITIAL {
    rates(v)
    n = a / (a + b)
}

DERIVATIVE states {
    rates(v)
    n' = a * (1 - n) - b * n
}

PROCEDURE rates(v (mV)) {
    LOCAL qt
    qt = pow(2.3, (celsius - 36) / 10)
    a = qt * 0.0033 * exp(0.1 * (v + 35))
    b = qt * 0.0033 * exp(-0.1 * (v + 35))
}
