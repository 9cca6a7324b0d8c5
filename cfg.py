"""Simulation configuration: the defaults a user edits. Batch runs override them per point.

Units: ms, mV, um (loc is a fraction of the section's length), uS.
"""

from netpyne import specs

cfg = specs.SimConfig()

# Simulation
cfg.duration = 1000.0  # ms
cfg.dt = 0.025  # ms
cfg.hParams = {'celsius': 34.0, 'v_init': -80.0}  # degC, mV
cfg.recordStep = 0.1  # ms
cfg.verbose = False
cfg.seeds = {'conn': 4321, 'stim': 1234, 'loc': 4321}

# The cell and the point being simulated
cfg.cellLabel = 'PT5B'
cfg.somaSec = 'soma'  # where the EPSP is measured
cfg.sec = 'soma'  # section the synapse lands on
cfg.loc = 0.5  # position along that section, 0..1
cfg.weight = 0.001  # total synaptic weight, uS

# Stimulus: one NetStim spike
cfg.stimTime = 700.0  # ms, spike time of the NetStim
cfg.stimDelay = 1.0  # ms, NetCon delay; the synapse is activated at stimTime + stimDelay

# Synapse: the mechanisms activated together, and each one's share of cfg.weight
cfg.synMechs = ['AMPA', 'NMDA']
cfg.synMechWeightFractions = [0.5, 0.5]

# EPSP measurement
cfg.epspTarget = 0.5  # mV
cfg.baselineWindow = 20.0  # ms before the synaptic activation, for the baseline
cfg.epspWindow = 100.0  # ms after the synaptic activation, searched for the peak
cfg.spikeThreshold = 0.0  # mV; a somatic V above it after the stimulus is a spike

# Output
cfg.saveFolder = 'results'
cfg.simLabel = 'point'

# NetPyNE's own saving and plots are off; the measurement records the somatic voltage
cfg.saveJson = False
cfg.savePickle = False
cfg.saveDataInclude = ['simData']
cfg.analysis = {}
cfg.printRunTime = False
cfg.printPopAvgRates = False
