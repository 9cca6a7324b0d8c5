"""Which segment's weightNorm does NetPyNE give each synapse? A check to run on any install.

    python netpyne_lookup_check.py                 # NetPyNE's own lookup
    python netpyne_lookup_check.py --own-segment   # with Wscale's loading lines

A one-compartment-per-section cell (nseg 1 to 9) carries a weightNorm whose factor for
segment i of every section is i + 1, so a synapse's NetCon weight names the segment
whose factor it got. Synapses go at every segment centre, at locs 0, 0.01, 0.99 and 1,
and (synsPerConn) spread along each section. For each, the segment that holds it
(int(loc * nseg), NEURON's rule) is compared with the segment whose factor NetPyNE
applied. Needs NetPyNE and NEURON only; with --own-segment, the project's
cells/exact_weight_norm.py (what OUT/load_weight_norm.py holds) scales the synapses.
Exits 1 where any synapse got another segment's factor.
"""

import contextlib
import io
import sys

import netpyne
from netpyne import sim, specs

NSEGS = range(1, 10)
ENDS = (0.0, 0.01, 0.99, 1.0)


def holding_segment(loc, nseg):
    """The segment NEURON puts a point process at ``loc`` in."""
    return min(int(loc * nseg), nseg - 1)


def model():
    net = specs.NetParams()
    secs = {'soma': {'geom': {'L': 20.0, 'diam': 20.0, 'nseg': 1}, 'weightNorm': [1.0]}}
    for nseg in NSEGS:
        secs[f'dend{nseg}'] = {
            'geom': {'L': 100.0 * nseg, 'diam': 2.0, 'nseg': nseg},
            'topol': {'parentSec': 'soma', 'parentX': 1.0, 'childX': 0.0},
            'weightNorm': [float(i + 1) for i in range(nseg)],
        }
    net.cellParams['cell'] = {'secs': secs}
    net.popParams['cell'] = {'cellType': 'cell', 'numCells': 1}
    net.popParams['source'] = {'cellModel': 'NetStim', 'numCells': 1, 'rate': 1, 'noise': 0}
    net.synMechParams['exc'] = {'mod': 'ExpSyn', 'tau': 2.0, 'e': 0.0}
    for nseg in NSEGS:
        centres = [(i + 0.5) / nseg for i in range(nseg)]
        for name, locs in (('centres', centres), ('ends', list(ENDS))):
            net.connParams[f'{name} dend{nseg}'] = {
                'preConds': {'pop': 'source'}, 'postConds': {'pop': 'cell'}, 'synMech': 'exc', 'weight': 1.0,
                'sec': f'dend{nseg}', 'loc': locs, 'synsPerConn': len(locs), 'delay': 1.0,
            }
        net.connParams[f'spread dend{nseg}'] = {
            'preConds': {'pop': 'source'}, 'postConds': {'pop': 'cell'}, 'synMech': 'exc', 'weight': 1.0,
            'sec': f'dend{nseg}', 'synsPerConn': 2 * nseg + 1, 'delay': 1.0,
        }
    return net


def main(own_segment=False):
    if own_segment:
        from pathlib import Path

        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from cells.exact_weight_norm import scale_by_own_segment

        scale_by_own_segment()
    cfg = specs.SimConfig({'duration': 1.0, 'verbose': False, 'printPopAvgRates': False})
    with contextlib.redirect_stdout(io.StringIO()):  # NetPyNE's progress lines
        sim.create(netParams=model(), simConfig=cfg, output=False)
    rows = []
    for conn in sim.net.cells[0].conns:
        if conn['sec'] == 'soma':
            continue
        nseg = int(conn['sec'][len('dend'):])
        read = round(conn['hObj'].weight[0]) - 1
        rows.append((conn['label'].split()[0], nseg, conn['loc'], holding_segment(conn['loc'], nseg), read))
    wrong = [row for row in rows if row[3] != row[4]]
    print(f"NetPyNE {netpyne.__version__}, {'the loading lines' if own_segment else 'its own lookup'}")
    print(f'{len(wrong)} of {len(rows)} synapses got another segment\'s factor')
    for placement in ('centres', 'ends', 'spread'):
        mine = [row for row in rows if row[0] == placement]
        off = [row for row in mine if row[3] != row[4]]
        print(f'  {placement}: {len(off)} of {len(mine)}')
    print('placement  nseg  loc     holding segment  factor of segment')
    for placement, nseg, loc, held, read in wrong:
        print(f'{placement:<10} {nseg:>4}  {loc:<7.4f} {held:>15}  {read % nseg:>17}')
    return 1 if wrong else 0


if __name__ == '__main__':
    sys.exit(main(own_segment='--own-segment' in sys.argv[1:]))
