COMMENT
Large-conductance calcium- and voltage-activated potassium current (suffix kbk), for the
heavy test cell.

  ik    = gbar * o * (v - ek)
  do/dt = (oinf - o) / tauo
  oinf  = 1 / (1 + exp(-(v - vhalf(cai)) / 15)),  vhalf(cai) = 20 - 60 log10(cai / 0.001)
  tauo  = 1 + 2 / (exp((v + 20) / 20) + exp(-(v + 20) / 20))    (ms)

A simple two-variable description of BK channels: opening is voltage dependent, and each
tenfold rise of calcium shifts its half activation by about -60 mV (after the shifts
reported by Cui et al. 1997, J Gen Physiol 109:647).
Units: gbar S/cm2, voltages mV, times ms, concentrations mM.
ENDCOMMENT

NEURON {
    SUFFIX kbk
    USEION k READ ek WRITE ik
    USEION ca READ cai
    RANGE gbar
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (mM) = (milli/liter)
    (S) = (siemens)
}

PARAMETER {
    gbar = 1e-4 (S/cm2)
}

ASSIGNED {
    v (mV)
    ek (mV)
    cai (mM)
    ik (mA/cm2)
    oinf
    tauo (ms)
}

STATE { o }

BREAKPOINT {
    SOLVE states METHOD cnexp
    ik = gbar * o * (v - ek)
}

INITIAL {
    rates(v, cai)
    o = oinf
}

DERIVATIVE states {
    rates(v, cai)
    o' = (oinf - o) / tauo
}

PROCEDURE rates(v (mV), c (mM)) {
    LOCAL vhalf, cc
    cc = c
    if (cc < 1e-9) {
        cc = 1e-9
    }
    vhalf = 20 - 60 * log10(cc / 0.001)
    oinf = 1 / (1 + exp(-(v - vhalf) / 15))
    tauo = 1 + 2 / (exp((v + 20) / 20) + exp(-(v + 20) / 20))
}
