"""What the self-checks of reused models found, in words: for a point refused, and for the
run's report and run.json.

Each model a worker reuses (``wscale.measure.measurement.Measurer``) checks itself once and puts
what it found in the first record it gives (``self_check``): the place and weight, the
EPSP of the run from 0 ms and of the restarted one (mV), the largest difference of their
somatic traces (None where one did not stay finite) and the tolerance (mV), the
``outcome``, on failure the mechanism whose variables parted first and its file, whether
the points share the baseline the model recorded (``baseline_shared``) and the largest
difference of the baseline with the synapse elsewhere (``baseline_deviation``, mV), and
the seconds it took.
"""

import math
from collections import Counter

RESTARTED = 'restarted'  # the check passed: every point restarts from the saved state
FROM_ZERO = 'from 0 ms'  # it failed: every point is a whole run from 0 ms in the model
REFUSED = 'refused'  # it failed, and two runs from 0 ms differ too: no point is measured there
FIELD = 'self_check'


def culprit(check):
    """The mechanism a failed check found, in words ('' where it found none)."""
    if not check.get('mechanism'):
        return ''
    where = f" ({check['file']})" if check.get('file') else ''
    return f"mechanism {check['mechanism']}{where}"


def disagreement(check):
    """What a failed check saw, in words."""
    if check.get('reason'):
        return check['reason']
    restarted = check['epsp_restarted']
    restarted = f'{restarted:.4g} mV' if restarted is not None and math.isfinite(restarted) else 'no EPSP (NaN)'
    found = culprit(check)
    return (f"a run restarted from the saved state gives {restarted} at {check['place']} ({check['weight']:g} uS), "
            f"a run from 0 ms {check['epsp_from_0_ms']:.4g} mV" + (f'; {found} is not restored' if found else ''))


def refusal(check):
    """The error of every point of a model whose check refused it."""
    return (f'not measured: {disagreement(check)}, and two runs from 0 ms in one process differ too; '
            'measure this cell with --engine batch --search grid (a process per point)')


def checks_of(records, cell_column):
    """[(cell type or None, check)] of the records that carry a check."""
    return [(record.get(cell_column), record[FIELD]) for record in records if record.get(FIELD)]


def summary(checks):
    """run.json's account of the checks: how many, what they cost (s), their outcomes,
    the largest difference of a passed one and its tolerance (mV), and every failed one."""
    passed = [check for _, check in checks if check['outcome'] == RESTARTED]
    worst = max(passed, key=lambda check: check['deviation'] / check['tolerance'], default=None)
    return {
        'checks': len(checks),
        'seconds': round(sum(check['seconds'] for _, check in checks), 4),
        'outcomes': dict(Counter(check['outcome'] for _, check in checks)),
        'largest_deviation': worst and worst['deviation'],
        'tolerance': worst and worst['tolerance'],
        'failed': [dict(check, cell=cell) for cell, check in checks if check['outcome'] != RESTARTED],
    }


def lines(checks, name):
    """The report's lines about the checks: one for those that passed; per cell type (or
    cell, named by ``name(cell type)``) whose checks failed, a warning where its points
    were measured from 0 ms, an error where they were refused."""
    if not checks:
        return []
    said = []
    for cell in dict.fromkeys(cell for cell, _ in checks):
        failed = [check for owner, check in checks if owner == cell and check['outcome'] != RESTARTED]
        for outcome in (FROM_ZERO, REFUSED):
            mine = [check for check in failed if check['outcome'] == outcome]
            if not mine:
                continue
            of = f' ({len(mine)} of {sum(1 for owner, _ in checks if owner == cell)} checks)' if len(mine) > 1 else ''
            if outcome == FROM_ZERO:
                said.append(f'warning: {name(cell)}: {disagreement(mine[0])}{of}; '
                            'its points were measured by whole runs from 0 ms instead')
            else:
                said.append(f'error: {name(cell)}: {refusal(mine[0])}{of}')
    account = summary(checks)
    passed = account['outcomes'].get(RESTARTED, 0)
    if passed:
        said.insert(0, f'self-check: in {passed} of {len(checks)} reused models a restarted run equals the run from 0 ms '
                       f"(largest difference {account['largest_deviation']:.2g} mV, allowed {account['tolerance']:.2g} mV); "
                       f"the checks took {account['seconds']:.1f} s")
    else:
        said.insert(0, f'self-check: in none of {len(checks)} reused models a restarted run equals the run from 0 ms; '
                       f"the checks took {account['seconds']:.1f} s")
    return said
