"""Run one simulation and print its result as one JSON line.

    python init.py                                   # cfg.py's point
    python init.py --sec dendrite --weight 0.002 [--loc 0.5] [--target 0.5]
    python init.py --cell my_cellParams.json --soma cell_body --sec apic_3 --weight 0.004

As a NetPyNE Batch job it is called as ``init.py simConfig=<cfg.json> netParams=<file.py>``
and also writes its record to ``<saveFolder>/<simLabel>_point.json``; with targeted search
(cfg.search 'target') the job searches its place and writes the records of the search.
"""

import sys

from wscale import lifeline
from wscale.errors import exits_cleanly
from wscale.measure import lean
from wscale.run import point
from wscale.search import targeted


@exits_cleanly
def main(argv):
    lean.lean_netpyne()
    args = point.parse_init_args(argv)
    if args.simConfig:  # a Batch point: it ends with the Batch part that started it
        lifeline.die_with_parent()
    with point.CapturedOutput(enabled=not args.simConfig) as output:
        cfg = point.load_cfg(args.simConfig)
        if cfg.verbose:
            output.show()
        warnings = point.apply_point(cfg, args)
        if cfg.search == 'target':
            result = targeted.search_job(cfg, args.netParams)
            record = result[-1]
        else:
            result = record = point.measure_or_error(cfg, args.netParams, output)
        if args.simConfig:
            point.save_record(cfg, result)
    for line in warnings:
        print(line, file=sys.stderr)
    print(point.json_line(record), flush=True)
    return 0 if record['status'] == 'ok' else 1


if __name__ == '__main__':
    point.exit_now(main(sys.argv[1:]))
