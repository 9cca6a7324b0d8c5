"""Faults on purpose, for the tests that check what a run does when something breaks.

The one hook: the environment variable ``WSCALE_FAULT`` holds a JSON fault, or a list of
them, each ``{"at": PLACE, "when": {name: value}, "fault": KIND, ...}``. Where the code
passes PLACE with a context whose values match every ``when`` (compared as text), the fault
happens:

- ``"raise"``: ``error`` (``"RuntimeError"`` or ``"KeyError"``) with ``message``;
- ``"abort"``: the process dies at once (SIGABRT), as a crash in C code would end it;
- ``"sleep"``: ``seconds`` (60 by default) pass, as in a job that is still running;
- ``"interrupt"``: SIGINT to the process group that leads the session, as Ctrl-C in a
  terminal sends it to the command's group (run the command in a session of its own).

The places, each with its context:

- ``netparams``: a point's or a worker's NetParams is built (sec, loc, weight of its cfg);
- ``trace``: a simulated trace becomes a record (sec, loc, weight);
- ``measure``: a reused model measures a point (sec, loc, weight);
- ``job``: a SLURM chunk job starts (chunk);
- ``stage``: the command reaches a stage (stage: ``compile``, nrnivmodl is about to build
  a mod folder; ``analysis``, the records are all in; ``plots``, the figures are next;
  ``validation``, --validate begins).

Without the variable nothing happens. Example:

    WSCALE_FAULT='{"at": "measure", "when": {"sec": "dendrite"}, "fault": "abort"}' python M1_grid_search.py --engine inline
"""

import json
import os
import signal
import time

VARIABLE = 'WSCALE_FAULT'
ERRORS = {'RuntimeError': RuntimeError, 'KeyError': KeyError}


def inject(at, **context):
    """Make the faults of ``WSCALE_FAULT`` set for place ``at`` and this ``context`` happen."""
    text = os.environ.get(VARIABLE)
    if not text:
        return
    faults = json.loads(text)
    for fault in faults if isinstance(faults, list) else [faults]:
        when = fault.get('when', {})
        if fault['at'] != at or any(str(context.get(name)) != str(value) for name, value in when.items()):
            continue
        kind = fault['fault']
        if kind == 'raise':
            raise ERRORS[fault.get('error', 'RuntimeError')](fault.get('message', f'a fault at {at}'))
        if kind == 'abort':
            os.abort()
        if kind == 'sleep':
            time.sleep(float(fault.get('seconds', 60)))
        if kind == 'interrupt':
            os.killpg(os.getsid(0), signal.SIGINT)
            time.sleep(5)  # the signal arrives meanwhile
