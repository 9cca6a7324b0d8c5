"""Worker processes that outlive the crashes of their tasks.

Each worker is forked from the calling process (so it starts with everything that
process has imported and loaded), runs ``start()`` once, then ``work(task)`` for one task
at a time. A worker that dies (a segmentation fault in a mechanism, say) costs only the
task it was on: that task is recorded by ``lost(task, message)`` and a fresh worker takes
the rest; a task whose work raises an exception is recorded the same way, with the
exception and where it was raised. A worker that dies or fails while starting ends the
run: every task not yet done is recorded as lost with the reason.
"""

import faulthandler
import multiprocessing
import os
import signal
import traceback
from collections import deque
from multiprocessing.connection import wait

from wscale import lifeline
from wscale.streams import redirect_output


def _serve(connection, parent, start, work, quiet):
    """A worker's life: start, say so, then answer (index, task) messages until None;
    it ends with ``parent``, the process that forked it."""
    lifeline.die_with_parent(parent)
    if quiet:  # a crash is reported by the caller; the worker itself prints nothing
        faulthandler.disable()
        redirect_output(os.open(os.devnull, os.O_WRONLY))
    try:
        start()
    except BaseException as err:  # reported to the caller as the reason of every task
        connection.send(('failed', _reason(err)))
        os._exit(1)
    connection.send(('ready', None))
    while True:
        try:
            message = connection.recv()
        except EOFError:
            break
        if message is None:
            break
        index, task = message
        try:
            result = work(task)
        except Exception as err:  # a bug in the work itself: the task fails, the worker goes on
            connection.send(('raised', (index, _reason(err), traceback.format_exc())))
            continue
        connection.send(('done', (index, result)))
    os._exit(0)


def _reason(err):
    """One line for an exception, with the place it came from."""
    where = traceback.extract_tb(err.__traceback__)[-1:] if err.__traceback__ else []
    place = f' (at {os.path.basename(where[0].filename)}:{where[0].lineno})' if where else ''
    return f'{type(err).__name__}: {err}{place}'


def exit_description(code):
    """How a process ended, in words, from its exit code."""
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f'signal {-code}'
        return f'killed by {name}' + (', a segmentation fault' if name == 'SIGSEGV' else '')
    return f'exit status {code}'


class _Worker:
    def __init__(self, context, start, work, quiet):
        self.connection, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child, os.getpid(), start, work, quiet), daemon=True)
        self.process.start()
        child.close()
        self.ready = False
        self.current = None  # index of the task being worked on

    def give(self, index, item):
        """Send a task; False if the worker can no longer take it."""
        try:
            self.connection.send((index, item))
        except (OSError, ValueError):
            return False
        self.current = index
        return True

    def messages(self):
        """The messages waiting, and whether the worker's end of the pipe is closed."""
        received = []
        try:
            while self.connection.poll():
                received.append(self.connection.recv())
        except (EOFError, OSError):
            return received, True
        return received, False

    def stop(self):
        try:
            self.connection.send(None)
        except (OSError, ValueError):
            pass
        self.process.join(timeout=2)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.connection.close()


class _Run:
    """The bookkeeping of one ``run_tasks`` call."""

    def __init__(self, tasks, workers, start, work, lost, prepare, finished, quiet, known, after):
        self.tasks, self.lost, self.prepare, self.finished = tasks, lost, prepare, finished
        self.make = lambda: _Worker(multiprocessing.get_context('fork'), start, work, quiet)
        self.results = {}
        self.settled = set()
        self.after = after or {}
        for index, result in sorted(known.items()):
            self.settle(index, result, measured=False)
        self.pending = deque(index for index in range(len(tasks)) if index not in known)
        self.pool = [self.make() for _ in range(min(workers, len(self.pending)))]
        self.idle = []

    def settle(self, index, result, measured=True):
        self.results[index] = result
        self.settled.add(index)
        if self.finished:
            self.finished(index, result, measured)

    def give_back(self, index, result, measured=True):
        self.settle(index, result, measured)
        for worker in list(self.idle):  # a task held back for this one may go now
            self.idle.remove(worker)
            if worker in self.pool and not self.hand_out(worker):
                self.bury(worker)

    def abandon(self, message):
        while self.pending:
            index = self.pending.popleft()
            self.settle(index, self.lost(self.tasks[index], message), measured=False)

    def next_task(self):
        """The first pending task whose ``after`` task has its result, or None."""
        for index in self.pending:
            if self.after.get(index) is None or self.after[index] in self.settled:
                return index
        return None

    def hand_out(self, worker):
        """Give the worker the next task that may start, or keep it idle until one may;
        False if it could not take the task."""
        worker.current = None
        if not self.pending:
            return True
        index = self.next_task()
        if index is None:
            self.idle.append(worker)
            return True
        self.pending.remove(index)
        if worker.give(index, self.prepare(index, self.tasks[index]) if self.prepare else self.tasks[index]):
            return True
        self.pending.appendleft(index)
        return False

    def serve(self):
        """Wait for the workers once and act on what they said or how they ended."""
        watched = {}
        for worker in self.pool:
            watched[worker.connection] = watched[worker.process.sentinel] = worker
        for worker in dict.fromkeys(watched[ready] for ready in wait(list(watched))):
            received, closed = worker.messages()
            for kind, payload in received:
                if kind == 'failed':
                    self.retire(worker)
                    self.abandon(f'the model could not be built: {payload}')
                    break
                if kind == 'done':
                    self.give_back(*payload)
                elif kind == 'raised':
                    index, reason, trace = payload
                    self.give_back(index, self.lost(self.tasks[index], f'the measurement raised {reason}', trace), False)
                worker.ready = True
                if not self.hand_out(worker):
                    closed = True
            if worker in self.pool and (closed or not worker.process.is_alive()):
                self.bury(worker)

    def retire(self, worker):
        self.pool.remove(worker)
        if worker in self.idle:
            self.idle.remove(worker)
        worker.stop()

    def bury(self, worker):
        """A worker has died: record the task it was on and start another, or, if it
        died while starting, record every task left."""
        worker.process.join()
        self.pool.remove(worker)
        if worker in self.idle:
            self.idle.remove(worker)
        worker.connection.close()
        how = exit_description(worker.process.exitcode)
        if not worker.ready:
            self.abandon(f'a worker process died while building the model ({how})')
            return
        if worker.current is not None:
            message = f'a worker process died while on it ({how})'
            self.give_back(worker.current, self.lost(self.tasks[worker.current], message), False)
        if self.pending:
            self.pool.append(self.make())


def run_tasks(tasks, workers, start, work, lost, prepare=None, finished=None, quiet=True, known=None, after=None):
    """Yield ``work(task)`` for every task, in the order of ``tasks``, computed by up to
    ``workers`` processes.

    ``known`` ({index: result}): tasks whose results are known already; they are not
    handed out. ``prepare(index, task)`` (in this process, when the task is handed out)
    gives what the worker receives; ``after`` ({index: index}): a task is handed out only
    once the task it names has its result (the first such task pending goes first), so
    that what it is prepared with never depends on which tasks happened to end first.
    ``finished(index, result, measured)`` is told each result
    as it arrives, before it is yielded (the known ones first; ``measured`` is False for
    them and for lost tasks); ``lost(task, message)`` is the result of a task whose
    worker died or could not start; where the task's work raised an exception it is
    called with its traceback too, ``lost(task, message, traceback)``.
    """
    run = _Run(list(tasks), workers, start, work, lost, prepare, finished, quiet, known or {}, after)
    given_out = 0
    try:
        while given_out < len(run.tasks):
            if not run.pool:
                run.abandon('no worker process is left')
            else:
                run.serve()
            while given_out in run.results:
                yield run.results.pop(given_out)
                given_out += 1
    finally:
        for worker in list(run.pool):
            run.retire(worker)
