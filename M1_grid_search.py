"""Grid search for the weight that gives the target somatic EPSP at each place on the cell.

Edit ``search_params`` or override it on the command line:

    python M1_grid_search.py [--secs soma dendrite] [--weights 0.001 0.002] [--locs 0.5]
                             [--target 0.5] [--out results] [--jobs N]

As in a NetPyNE Batch's params, any other key of ``search_params`` that names a cfg
setting (``'stimDelay'``) or a path into a nested cfg dict (``('hParams', 'celsius')``)
is a further grid dimension.

Runs NetPyNE Batches (init.py once per point), or with --engine inline worker processes
that reuse one model, or with --cluster slurm jobs on a SLURM cluster; then writes
OUT/results.json and OUT/summary.json.
"""

import sys

from wscale.cli import command
from wscale.errors import exits_cleanly

search_params = {
    'sec': ['soma', 'dendrite', 'axon_0', 'axon_1'],
    'weight': [0.001, 0.002, 0.003],  # uS
}


@exits_cleanly
def main(argv):
    return command.run(search_params, argv)


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
