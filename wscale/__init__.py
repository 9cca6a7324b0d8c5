"""Wscale: the grid command and everything between it and the cells.

One folder per role, imports only pointing down (``tests/test_layout.py``):

- ``cli``: the command line (options and checks, settling a run, finishing it);
- ``engines``: batch (NetPyNE Batches), inline (reused models), cluster (SLURM);
- ``search``: targeted search at a place, validation of a written weightNorm;
- ``report``: output files, the report and progress;
- ``run``: the settled run and its units, one point's run, input checks, worker processes;
- ``measure``: one measurement, restarts from a saved state and their self-check;
- ``errors``: the one-line error every layer raises.
"""
