"""Worker processes that outlive their tasks' crashes (wscale.run.pool), on plain Python work."""

import os
import signal
import time

import pytest

from wscale.run.pool import exit_description, run_tasks

pytestmark = pytest.mark.unit  # pure code, no simulator process: python -m pytest -m unit


def work(task):
    if task == 'segfault':
        os.kill(os.getpid(), signal.SIGSEGV)
    if task == 'raise':
        raise ValueError('bad task')
    return f'{task} done by {os.getpid()}'


def lost(task, message, trace=None):
    return f'{task} lost: {message}' + (f' [{trace.splitlines()[0]} ... {trace.splitlines()[-1]}]' if trace else '')


@pytest.mark.parametrize('workers', [1, 2])
def test_a_crash_or_an_exception_costs_only_its_task(workers):
    tasks = ['a', 'segfault', 'b', 'raise', 'c', 'segfault', 'd']
    results = list(run_tasks(tasks, workers, start=lambda: None, work=work, lost=lost))
    assert len(results) == len(tasks)
    assert results[1] == results[5] == 'segfault lost: a worker process died while on it (killed by SIGSEGV, a segmentation fault)'
    assert results[3].startswith("raise lost: the measurement raised ValueError: bad task (at test_pool.py:")
    assert results[3].endswith('[Traceback (most recent call last): ... ValueError: bad task]')
    for index in (0, 2, 4, 6):
        assert results[index].startswith(f'{tasks[index]} done by ')
    assert len({result.split()[-1] for result in results if 'done by' in result}) >= 2  # fresh workers took over


def test_results_come_in_task_order_and_each_task_is_prepared_and_reported():
    finished = []
    results = list(run_tasks(
        range(20), 2, start=lambda: None, work=lambda task: task * 10, lost=lost,
        prepare=lambda index, task: task + 1, finished=lambda index, result, measured: finished.append((index, result, measured)),
    ))
    assert results == [(task + 1) * 10 for task in range(20)]
    assert sorted(finished) == [(task, (task + 1) * 10, True) for task in range(20)]


def test_known_results_are_not_worked_on_again():
    finished = []
    results = list(run_tasks(
        range(6), 2, start=lambda: None, work=lambda task: f'{task} measured', lost=lost, known={1: 'kept', 4: 'kept'},
        finished=lambda index, result, measured: finished.append((index, measured)),
    ))
    assert results == ['0 measured', 'kept', '2 measured', '3 measured', 'kept', '5 measured']
    assert finished[:2] == [(1, False), (4, False)] and sorted(finished[2:]) == [(0, True), (2, True), (3, True), (5, True)]
    assert list(run_tasks(range(2), 2, start=lambda: None, work=str, lost=lost, known={0: 'a', 1: 'b'})) == ['a', 'b']


def test_a_task_starts_only_after_the_task_it_waits_for():
    """With ``after``, a task is prepared only once the task it names has its result,
    whichever ends first: here tasks 0, 2, 4 .. form one chain and 1, 3, 5 .. another,
    the even tasks taking longer; the odd chain does not wait for the even one."""
    settled, seen, started = set(), {}, []

    def prepare(index, task):
        seen[index] = set(settled)
        started.append(index)
        return task

    def work(task):
        time.sleep(0.1 if task % 2 == 0 else 0.0)
        return task

    after = {index: index - 2 for index in range(2, 12)}
    results = list(run_tasks(range(12), 2, start=lambda: None, work=work, lost=lost, prepare=prepare, after=after,
                             finished=lambda index, result, measured: settled.add(index)))
    assert results == list(range(12))
    for index, before in seen.items():
        assert index < 2 or index - 2 in before
    assert started.index(11) < started.index(6)  # the quick chain ran ahead


def test_a_worker_that_cannot_start_fails_every_task_with_the_reason():
    def start():
        raise RuntimeError('no model')

    results = list(run_tasks(['a', 'b', 'c'], 2, start=start, work=work, lost=lost))
    assert all(result.endswith('lost: the model could not be built: RuntimeError: no model (at test_pool.py:' + result.split(':')[-1])
               for result in results)
    assert [result.split(' ')[0] for result in results] == ['a', 'b', 'c']


def test_a_worker_that_dies_while_starting_fails_every_task():
    results = list(run_tasks(['a', 'b'], 1, start=lambda: os.kill(os.getpid(), signal.SIGKILL), work=work, lost=lost))
    assert results == [f'{task} lost: a worker process died while building the model (killed by SIGKILL)' for task in 'ab']


def test_exit_descriptions():
    assert exit_description(-11) == 'killed by SIGSEGV, a segmentation fault'
    assert exit_description(-9) == 'killed by SIGKILL'
    assert exit_description(3) == 'exit status 3'
