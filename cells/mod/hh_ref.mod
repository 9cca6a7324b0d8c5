COMMENT
Hodgkin-Huxley sodium and potassium currents (suffix hhref), without leak.

  ina = gnabar * m^3 * h * (v - ena)
  ik  = gkbar * n^4 * (v - ek)
  dx/dt = q * (alpha_x * (1 - x) - beta_x * x),   x = m, h, n

Rate functions of Hodgkin and Huxley (1952, J Physiol 117:500) in the modern sign
convention (rest near -65 mV), in 1/ms:
  alpha_m = 0.1 (v + 40) / (1 - exp(-(v + 40) / 10))   beta_m = 4 exp(-(v + 65) / 18)
  alpha_h = 0.07 exp(-(v + 65) / 20)                    beta_h = 1 / (1 + exp(-(v + 35) / 10))
  alpha_n = 0.01 (v + 55) / (1 - exp(-(v + 55) / 10))  beta_n = 0.125 exp(-(v + 65) / 80)
The rates hold at the reference temperature tref and scale with q = 3^((celsius - tref) / 10).
Squid kinetics sped up to mammalian temperatures stop firing; a tref near the model's
temperature keeps the cell excitable, as a reduced cortical soma should be.
Units: conductances S/cm2, voltages mV, times ms, temperatures degC.
ENDCOMMENT

NEURON {
    SUFFIX hhref
    USEION na READ ena WRITE ina
    USEION k READ ek WRITE ik
    RANGE gnabar, gkbar, tref, minf, hinf, ninf, mtau, htau, ntau
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gnabar = 0.12 (S/cm2)
    gkbar = 0.036 (S/cm2)
    tref = 34 (degC)
    celsius (degC)
}

ASSIGNED {
    v (mV)
    ena (mV)
    ek (mV)
    ina (mA/cm2)
    ik (mA/cm2)
    minf (1)
    hinf (1)
    ninf (1)
    mtau (ms)
    htau (ms)
    ntau (ms)
}

STATE {
    m
    h
    n
}

INITIAL {
    rates(v)
    m = minf
    h = hinf
    n = ninf
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    ina = gnabar * m * m * m * h * (v - ena)
    ik = gkbar * n * n * n * n * (v - ek)
}

DERIVATIVE states {
    rates(v)
    m' = (minf - m) / mtau
    h' = (hinf - h) / htau
    n' = (ninf - n) / ntau
}

PROCEDURE rates(v (mV)) {
    LOCAL q, a, b
    q = 3^((celsius - tref) / 10 (degC))
    a = 0.1 * linoid(-(v + 40), 10)
    b = 4 * exp(-(v + 65) / 18)
    mtau = 1 / (q * (a + b))
    minf = a / (a + b)
    a = 0.07 * exp(-(v + 65) / 20)
    b = 1 / (1 + exp(-(v + 35) / 10))
    htau = 1 / (q * (a + b))
    hinf = a / (a + b)
    a = 0.01 * linoid(-(v + 55), 10)
    b = 0.125 * exp(-(v + 65) / 80)
    ntau = 1 / (q * (a + b))
    ninf = a / (a + b)
}

FUNCTION linoid(x, y) {
    : x / (exp(x / y) - 1), continuous at x = 0 where it equals y
    if (fabs(x / y) < 1e-6) {
        linoid = y * (1 - x / y / 2)
    } else {
        linoid = x / (exp(x / y) - 1)
    }
}
