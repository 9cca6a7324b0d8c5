COMMENT
Persistent sodium current (suffix nap), for the heavy test cell.

  ina   = gbar * m * (v - ena)
  dm/dt = (minf - m) / taum
  minf  = 1 / (1 + exp(-(v + 52.6) / 4.6))
  taum  = 6 / (exp((v + 40) / 20) + exp(-(v + 40) / 20)) + 0.5    (ms)

Steady state after Magistretti and Alonso (1999, J Gen Physiol 114:491); a bell-shaped
time constant of a few ms.
Units: gbar S/cm2, voltages mV, times ms.
ENDCOMMENT

NEURON {
    SUFFIX nap
    USEION na READ ena WRITE ina
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
    ena (mV)
    ina (mA/cm2)
    minf
    taum (ms)
}

STATE { m }

BREAKPOINT {
    SOLVE states METHOD cnexp
    ina = gbar * m * (v - ena)
}

INITIAL {
    rates(v)
    m = minf
}

DERIVATIVE states {
    rates(v)
    m' = (minf - m) / taum
}

PROCEDURE rates(v (mV)) {
    minf = 1 / (1 + exp(-(v + 52.6) / 4.6))
    taum = 6 / (exp((v + 40) / 20) + exp(-(v + 40) / 20)) + 0.5
}
