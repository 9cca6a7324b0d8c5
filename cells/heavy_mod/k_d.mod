COMMENT
Slowly inactivating (D-type) potassium current (suffix kd), for the heavy test cell.

  ik    = gbar * m^3 * h * (v - ek)
  dx/dt = (xinf - x) / taux,   x = m, h
  minf = 1 / (1 + exp(-(v + 50) / 10))      taum = 2 + 8 exp(-((v + 50) / 30)^2)   (ms)
  hinf = 1 / (1 + exp((v + 70) / 6))        tauh = 500                            (ms)

Activation near -50 mV and inactivation over seconds, in the range reported for D-type
currents of cortical neurons (Storm 1988, Nature 336:379).
Units: gbar S/cm2, voltages mV, times ms.
ENDCOMMENT

NEURON {
    SUFFIX kd
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
}

ASSIGNED {
    v (mV)
    ek (mV)
    ik (mA/cm2)
    minf
    hinf
    taum (ms)
}

STATE { m h }

BREAKPOINT {
    SOLVE states METHOD cnexp
    ik = gbar * m * m * m * h * (v - ek)
}

INITIAL {
    rates(v)
    m = minf
    h = hinf
}

DERIVATIVE states {
    rates(v)
    m' = (minf - m) / taum
    h' = (hinf - h) / 500
}

PROCEDURE rates(v (mV)) {
    minf = 1 / (1 + exp(-(v + 50) / 10))
    hinf = 1 / (1 + exp((v + 70) / 6))
    taum = 2 + 8 * exp(-((v + 50) / 30) * ((v + 50) / 30))
}
