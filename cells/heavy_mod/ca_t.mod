COMMENT
Low-voltage-activated (T-type) calcium current (suffix cat), for the heavy test cell.

  ica   = gbar * m^2 * h * (v - eca)
  dx/dt = (xinf - x) / taux,   x = m, h
  minf = 1 / (1 + exp(-(v + 57) / 6.2))    taum = 0.6 + 1 / (exp((v + 132) / -16.7) + exp((v + 16.8) / 18.2))
  hinf = 1 / (1 + exp((v + 81) / 4))       tauh = 30 + 220 / (1 + exp((v + 71.5) / 3))     (crude fit, ms)

Steady states after Huguenard and McCormick (1992, J Neurophysiol 68:1373); the
inactivation time constant is a smooth step from slow below -75 mV to fast above.
Units: gbar S/cm2, voltages mV, times ms.
ENDCOMMENT

NEURON {
    SUFFIX cat
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
    minf
    hinf
    taum (ms)
    tauh (ms)
}

STATE { m h }

BREAKPOINT {
    SOLVE states METHOD cnexp
    ica = gbar * m * m * h * (v - eca)
}

INITIAL {
    rates(v)
    m = minf
    h = hinf
}

DERIVATIVE states {
    rates(v)
    m' = (minf - m) / taum
    h' = (hinf - h) / tauh
}

PROCEDURE rates(v (mV)) {
    minf = 1 / (1 + exp(-(v + 57) / 6.2))
    hinf = 1 / (1 + exp((v + 81) / 4))
    taum = 0.6 + 1 / (exp((v + 132) / -16.7) + exp((v + 16.8) / 18.2))
    tauh = 30 + 220 / (1 + exp((v + 71.5) / 3))
}
