COMMENT
Submembrane calcium pool (suffix capool), for the heavy test cell.

  dcai/dt = -gamma * ica / (2 F depth) - (cai - cainf) / taur

Calcium entering through the membrane fills a shell of thickness depth under it, of
which the fraction gamma stays free; it decays to cainf with time constant taur (after the
first-order pool of Destexhe et al. 1993, as used in many cortical models).
Units: depth um, taur ms, concentrations mM.
ENDCOMMENT

NEURON {
    SUFFIX capool
    USEION ca READ ica WRITE cai
    RANGE depth, taur, cainf, gamma
}

UNITS {
    (mA) = (milliamp)
    (mM) = (milli/liter)
    (um) = (micron)
    FARADAY = (faraday) (coulomb)
}

PARAMETER {
    depth = 0.1 (um)
    taur = 80 (ms)
    cainf = 1e-4 (mM)
    gamma = 0.05
}

ASSIGNED {
    ica (mA/cm2)
}

STATE { cai (mM) }

INITIAL {
    cai = cainf
}

BREAKPOINT {
    SOLVE pool METHOD cnexp
}

DERIVATIVE pool {
    cai' = -(10000) * gamma * ica / (2 * FARADAY * depth) - (cai - cainf) / taur
}
