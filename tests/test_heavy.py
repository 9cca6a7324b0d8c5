"""The heavy cell: a reused model that stops each simulation once the EPSP has peaked
gives the EPSP of a whole fixed-step run from scratch."""

import json
import subprocess
import sys

import pandas as pd
import pytest

from cells.generate_pyramidal import HEAVY_FILE, HEAVY_MOD
from tests.helpers import PROJECT, run_command

PLACES = [('apic_tuft_1_0', 0.9, 0.004)]  # far out, where the slow NMDA part matters most


def test_stopping_at_the_peak_changes_no_epsp(tmp_path):
    whole = [
        subprocess.Popen([sys.executable, 'init.py', '--cell', str(HEAVY_FILE), '--mod', str(HEAVY_MOD), '--sec', sec, '--loc', str(loc),
                          '--weight', str(weight)], cwd=PROJECT, stdout=subprocess.PIPE, text=True)
        for sec, loc, weight in PLACES
    ]
    out = tmp_path / 'out'
    proc = run_command('M1_grid_search.py', '--cell', HEAVY_FILE, '--mod', HEAVY_MOD, '--secs', 'apic_tuft_1_0', '--locs', '0.9',
                       '--weights', '0.004', '--engine', 'inline', '--jobs', '1', '--out', out)
    assert proc.returncode == 0, proc.stderr[-3000:]
    points = pd.read_json(out / 'results.json', precise_float=True).set_index(['sec', 'loc', 'weight'])
    for (sec, loc, weight), run in zip(PLACES, whole):
        stdout, _ = run.communicate(timeout=120)
        full = json.loads(stdout)
        stopped = points.loc[(sec, loc, weight)]
        assert stopped['epsp'] == pytest.approx(full['epsp'], rel=1e-9)
        assert stopped['peak_time'] == pytest.approx(full['peak_time'])
