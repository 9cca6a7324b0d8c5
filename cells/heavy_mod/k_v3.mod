COMMENT
Fast delayed-rectifier (Kv3-type) potassium current (suffix kv3), for the heavy test cell.

  ik    = gbar * m * (v - ek)
  dm/dt = (minf - m) / taum
  minf  = 1 / (1 + exp((18.7 - v) / 9.7))
  taum  = 4 / (1 + exp((v + 46.56) / 44.14))    (ms)

Kinetics of Kv3.1 channels after Rettig et al. (1992, EMBO J 11:2473), in the form
widely used for layer-5 pyramidal cells.
Units: gbar S/cm2, voltages mV, times ms.
ENDCOMMENT

NEURON {
    SUFFIX kv3
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
    taum (ms)
}

STATE { m }

BREAKPOINT {
    SOLVE states METHOD cnexp
    ik = gbar * m * (v - ek)
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
    minf = 1 / (1 + exp((18.7 - v) / 9.7))
    taum = 4 / (1 + exp((v + 46.56) / 44.14))
}
