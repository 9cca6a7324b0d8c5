"""Simulation configuration: the defaults a user edits. Batch runs override them per point.

Units: ms, mV, um (loc is a fraction of the section's length), uS.
"""

from netpyne import specs

cfg = specs.SimConfig()

# Simulation
cfg.duration = 1000.0  # ms
cfg.dt = 0.025  # ms
cfg.cvode_active = False  # True: NEURON's variable time step (CVode) with cfg.cvode_atol
cfg.cvode_atol = 1e-4
cfg.hParams = {'celsius': 34.0, 'v_init': -80.0}  # degC, mV
cfg.recordStep = 0.1  # ms
cfg.verbose = False
cfg.seeds = {'conn': 4321, 'stim': 1234, 'loc': 4321}

# The cell and the point being simulated
cfg.cell = 'PT5B'  # a built-in cell, or a cellParams .json/.pkl, template .hoc/.py, morphology .swc/.asc
cfg.cellTypes = None  # a network's cell types, {label: {'cell': file, 'soma': section}} (--netparams sets them)
cfg.cellName = None  # the template or class to build from a .hoc or .py file
cfg.cellArgs = None  # its arguments (dict or list); for a morphology, passive membrane settings
cfg.somaSec = None  # where the EPSP is measured; None: 'soma', else the one section named 'soma...'
cfg.modFolder = None  # a folder of the cell's own .mod files, compiled with ours
cfg.sec = 'soma'  # section the synapse lands on
cfg.loc = 0.5  # position along that section, 0..1
cfg.weight = 0.001  # total synaptic weight, uS

# Stimulus: one NetStim spike
cfg.stimTime = 700.0  # ms, spike time of the NetStim
cfg.stimDelay = 1.0  # ms, NetCon delay; the synapse is activated at stimTime + stimDelay

# Synapse: NetPyNE synMechParams entries activated together; 'weightFraction' is each
# one's share of cfg.weight (default 1.0) and is not passed to NEURON
cfg.synMechParams = {
    'AMPA': {'mod': 'Exp2Syn', 'tau1': 0.05, 'tau2': 5.3, 'e': 0.0, 'weightFraction': 0.5},
    'NMDA': {'mod': 'NMDAMg', 'tau1': 15.0, 'tau2': 150.0, 'e': 0.0, 'mg': 1.0, 'weightFraction': 0.5},
}

# EPSP measurement
cfg.epspTarget = 0.5  # mV
cfg.baselineWindow = 20.0  # ms before the synaptic activation, for the baseline
cfg.epspWindow = 100.0  # ms after the synaptic activation, searched for the peak
cfg.spikeThreshold = 0.0  # mV; a somatic V above it after the stimulus is a spike

# Search: 'grid' simulates every weight of the grid; 'target' searches each place for the
# weight whose EPSP is within searchTol (a fraction of the target) of the target
cfg.search = 'grid'
cfg.searchTol = 0.001
cfg.searchFirstWeight = 0.001  # uS, the first weight tried
cfg.searchMaxWeight = 1.0  # uS, the largest weight tried

# weightNorm: a segment where no weight reaches the target gets weightNormFill times the
# soma's weightNorm (the M1 model caps every weightNorm at 4 x the soma's); None leaves
# its section out of weight_norm.pkl
cfg.weightNormFill = 4.0
cfg.weightNormFile = None  # a weightNorm .pkl the cell carries (--validate sets it)
# how the synapse takes its factor from weightNormFile: 'netpyne' (NetPyNE's own lookup) or
# 'loaded' (as the run's load_weight_norm.py gives it: its own segment's factor)
cfg.weightNormLookup = 'netpyne'

# Output: the grid's default folder (--out); a Batch labels each point itself
cfg.saveFolder = 'results'
