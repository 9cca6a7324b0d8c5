COMMENT
Hyperpolarisation-activated cation current I_h (suffix hd).

  i     = gbar * l * (v - ehd)
  dl/dt = (linf - l) / taul
  linf  = 1 / (1 + exp((v - vhalf) / k))             Boltzmann, opens on hyperpolarisation
  taul  = tau0 / (qt * cosh((v - vhalft) / kt))      bell-shaped, slowest near vhalft

Steady state after Magee (1998, J Neurosci 18:7613): half activation near -82 mV,
slope about 9 mV, reversal about -30 mV. tau0 is the peak time constant at 34 degC;
qt scales it with temperature (Q10 = 4.5).
Units: gbar S/cm2, voltages mV, times ms.
ENDCOMMENT

NEURON {
    SUFFIX hd
    NONSPECIFIC_CURRENT i
    RANGE gbar, ehd, vhalf, k, vhalft, kt, tau0, i, linf, taul
}

UNITS {
    (mA) = (milliamp)
    (mV) = (millivolt)
    (S) = (siemens)
}

PARAMETER {
    gbar = 0.0001 (S/cm2)
    ehd = -30 (mV)
    vhalf = -82 (mV)
    k = 9 (mV)
    vhalft = -75 (mV)
    kt = 20 (mV)
    tau0 = 40 (ms)
    q10 = 4.5 (1)
    celsius (degC)
}

ASSIGNED {
    v (mV)
    i (mA/cm2)
    linf (1)
    taul (ms)
}

STATE {
    l
}

INITIAL {
    rates(v)
    l = linf
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    i = gbar * l * (v - ehd)
}

DERIVATIVE states {
    rates(v)
    l' = (linf - l) / taul
}

PROCEDURE rates(v (mV)) {
    LOCAL qt
    qt = q10^((celsius - 34 (degC)) / 10 (degC))
    linf = 1 / (1 + exp((v - vhalf) / k))
    taul = tau0 / (qt * cosh((v - vhalft) / kt))
}
