"""Whether two runs of one point agree, where they part, and what the run says about it:
pure functions on synthetic traces, snapshots and check records."""

import math

import numpy as np
import pytest

from analysis import agreement
from wscale.measure import self_check

pytestmark = pytest.mark.unit  # pure code, no simulator process: python -m pytest -m unit


def trace(start=0.0, stop=50.0, step=0.1, shift=0.0):
    t = np.round(np.arange(start, stop + step / 2, step), 9)
    return t, -70.0 + np.exp(-((t - 30.0) / 5.0) ** 2) + shift


def test_traces_are_compared_on_their_shared_times_from_the_start_on():
    t, v = trace()
    assert agreement.trace_deviation(t, v, t, v, 10.0, 0.1) == 0.0
    later_t, later_v = trace(start=20.0, shift=0.002)
    assert agreement.trace_deviation(t, v, later_t, later_v, 10.0, 0.1) == pytest.approx(0.002)
    v_off = v.copy()
    v_off[t < 5.0] += 1.0  # before the start: not compared
    assert agreement.trace_deviation(t, v_off, t, v, 10.0, 0.1) == 0.0


def test_a_trace_that_is_not_finite_or_shares_no_time_never_agrees():
    t, v = trace()
    broken = v.copy()
    broken[-1] = np.nan
    assert agreement.trace_deviation(t, v, t, broken, 0.0, 0.1) == math.inf
    assert agreement.trace_deviation(t, v, t + 100.0, v, 0.0, 0.1) == math.inf


def test_the_tolerance_is_rounding_at_the_fixed_step_and_grows_with_cvodes():
    assert agreement.tolerance(0.5, False, 1e-4) == pytest.approx(5e-7)
    assert agreement.tolerance(0.5, True, 1e-4) == pytest.approx(5e-7 + agreement.CVODE_TOLERANCE * 1e-4)
    assert agreement.tolerance(0.5, True, 1e-5) < agreement.tolerance(0.5, True, 1e-4)


def test_the_mechanism_that_parts_first_is_found_and_ions_are_only_victims():
    whole = {('kaqt', 0, 'a'): 0.1, ('kaqt', 0, 'atau'): 2.0, ('pas', 1, 'i'): 1e-9, ('k_ion', 2, 'ik'): 0.01,
             ('pas', 3, 'i'): 0.02}
    restarted = dict(whole)
    restarted[('kaqt', 0, 'atau')] = math.inf
    restarted[('kaqt', 0, 'a')] = math.nan
    restarted[('pas', 1, 'i')] = 3e-9  # three times a current that is almost zero: small against 0.02
    restarted[('k_ion', 2, 'ik')] = 0.02
    differences = agreement.mechanism_differences(whole, restarted)
    assert differences['kaqt'] == math.inf and differences['pas'] == pytest.approx(1e-7)
    assert agreement.culprit(whole, restarted, victims={'k_ion'}) == 'kaqt'
    only_ion = {**whole, ('k_ion', 2, 'ik'): 0.02}
    assert agreement.culprit(whole, only_ion, victims={'k_ion'}) == 'k_ion'
    assert agreement.culprit(whole, dict(whole), victims={'k_ion'}) is None


def check(outcome, mechanism=None, deviation=0.0, seconds=0.25):
    return {'place': 'dend(0.2)', 'weight': 5e-05, 'epsp_from_0_ms': 0.4413, 'epsp_restarted': None if mechanism else 0.4413,
            'deviation': deviation, 'tolerance': 5e-7, 'outcome': outcome, 'mechanism': mechanism,
            'file': f'/m/{mechanism}.mod' if mechanism else None, 'seconds': seconds}


def name(cell):
    return f'cell type {cell}'


def test_checks_that_passed_are_one_line_with_their_cost():
    checks = [('PT', check(self_check.RESTARTED, deviation=1e-12)), ('PV', check(self_check.RESTARTED))]
    assert self_check.lines(checks, name) == [
        'self-check: in 2 of 2 reused models a restarted run equals the run from 0 ms '
        '(largest difference 1e-12 mV, allowed 5e-07 mV); the checks took 0.5 s'
    ]
    summary = self_check.summary(checks)
    assert summary['checks'] == 2 and summary['outcomes'] == {'restarted': 2} and summary['failed'] == []
    assert self_check.lines([], name) == []


def test_a_failed_check_is_a_warning_or_an_error_naming_the_cell_type_and_mechanism():
    checks = [('PT', check(self_check.RESTARTED)), ('PV', check(self_check.FROM_ZERO, 'kaqt')),
              ('PV', check(self_check.FROM_ZERO, 'kaqt')), ('SOM', check(self_check.REFUSED, 'leakhist'))]
    said = self_check.lines(checks, name)
    assert said[0].startswith('self-check: in 1 of 4 reused models')
    assert said[1] == ('warning: cell type PV: a run restarted from the saved state gives no EPSP (NaN) at dend(0.2) '
                       '(5e-05 uS), a run from 0 ms 0.4413 mV; mechanism kaqt (/m/kaqt.mod) is not restored (2 of 2 '
                       'checks); its points were measured by whole runs from 0 ms instead')
    assert said[2].startswith('error: cell type SOM: not measured: ') and 'mechanism leakhist (/m/leakhist.mod)' in said[2]
    assert said[2].endswith('measure this cell with --engine batch --search grid (a process per point)')
    assert [failed['cell'] for failed in self_check.summary(checks)['failed']] == ['PV', 'PV', 'SOM']
