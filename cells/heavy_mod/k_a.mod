COMMENT
Transient (A-type) potassium current (suffix ka), for the heavy test cell.

  ik    = gbar * m^4 * h * (v - ek)
  dx/dt = (xinf - x) / taux,   x = m, h

Steady states and time constants after the fast transient K current of Korngreen and
Sakmann (2000, J Physiol 525:621):
  minf = 1 / (1 + exp(-(v + 47) / 29))      taum = 0.34 + 0.92 exp(-((v + 71) / 59)^2)
  hinf = 1 / (1 + exp((v + 66) / 10))       tauh = 8 + 49 exp(-((v + 73) / 23)^2)
at 21 degC, scaled to celsius with Q10 = 2.3.
Units: gbar S/cm2, voltages mV, times ms.
ENDCOMMENT

NEURON {
    SUFFIX ka
    USEION k READ ek WRITE ik
    RANGE gbar
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 1e-3 (S/cm2)
    celsius (degC)
}

ASSIGNED {
    v (mV)
    ek (mV)
    ik (mA/cm2)
    minf
    hinf
    taum (ms)
    tauh (ms)
}

STATE { m h }

BREAKPOINT {
    SOLVE states METHOD cnexp
    ik = gbar * m * m * m * m * h * (v - ek)
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
    LOCAL qt
    qt = pow(2.3, (celsius - 21) / 10)
    minf = 1 / (1 + exp(-(v + 47) / 29))
    hinf = 1 / (1 + exp((v + 66) / 10))
    taum = (0.34 + 0.92 * exp(-((v + 71) / 59) * ((v + 71) / 59))) / qt
    tauh = (8 + 49 * exp(-((v + 73) / 23) * ((v + 73) / 23))) / qt
}
