"""A reused model stops each simulation once the synapse and the somatic EPSP have passed
their peaks, whatever the synapse's mechanism calls its parameters, and the EPSPs are
those of whole runs from scratch."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from cells import synapses
from tests.helpers import PROJECT, run_command

FIXTURE = PROJECT / 'tests' / 'fixtures' / 'odd_synapse'
CELL = PROJECT / 'cells' / 'pyramidal.json'
POINTS = [('soma', 0.5, 0.001), ('basal_0', 0.5, 0.0015), ('apic_tuft_1_0', 0.9, 0.004)]
ONSET, WINDOW = 701.0, 100.0  # cfg.py: stimTime + stimDelay, epspWindow (ms)


def test_a_synapse_with_unconventional_names_stops_after_its_peak_with_unchanged_epsps(tmp_path):
    model = ['--cell', CELL, '--mod', FIXTURE / 'mod', '--synapses', FIXTURE / 'synapses.json']
    entries = json.loads((FIXTURE / 'synapses.json').read_text())
    assert synapses.latest_peak(entries) == float('inf')  # no time constant read from its names
    whole = [
        subprocess.Popen([sys.executable, 'init.py', *map(str, model), '--sec', sec, '--loc', str(loc),
                          '--weight', str(weight)], cwd=PROJECT, stdout=subprocess.PIPE, text=True)
        for sec, loc, weight in POINTS
    ]
    out = tmp_path / 'out'
    for sec, loc, weight in POINTS:
        proc = run_command('M1_grid_search.py', *model, '--secs', sec, '--locs', loc, '--weights', weight,
                           '--engine', 'inline', '--jobs', '1', '--out', out)
        assert proc.returncode == 0, proc.stderr[-3000:]
        stopped = pd.read_json(out / 'results.json', precise_float=True).iloc[0]
        full = json.loads(whole.pop(0).communicate(timeout=120)[0])
        assert stopped['from_saved_state']
        assert stopped['epsp'] == pytest.approx(full['epsp'], rel=1e-9)
        assert stopped['peak_time'] == pytest.approx(full['peak_time'])
        assert stopped['peak_time'] < stopped['end_time'] < ONSET + WINDOW - 10.0, (sec, stopped['end_time'])
