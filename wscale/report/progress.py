"""What a running grid shows: units done of the total, with the time left; for a cluster
run, its jobs' states as well."""

import sys
import time


class Progress:
    """Progress of a run: points done of the total, elapsed and estimated time left.

    On a terminal a tqdm bar; elsewhere a line at every tenth of the run.
    """

    def __init__(self, total, unit='points', stream=sys.stdout):
        self.total = total
        self.unit = unit
        self.stream = stream
        self.started = time.perf_counter()
        self.last = -1
        self.bar = None
        if stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total, unit=unit.rstrip('s'), file=stream)

    def show(self, done, final=False):
        """Show ``done`` points of the total; ``final`` closes the display."""
        if self.bar is not None:
            self.bar.update(done - self.bar.n)
            if final:
                self.bar.close()
            return
        tenth = max(1, self.total // 10)
        if done // tenth == max(self.last, 0) // tenth and not (final and done != self.last):
            return
        self.last = done
        elapsed = time.perf_counter() - self.started
        left = f', about {elapsed / done * (self.total - done):.0f} s left' if 0 < done < self.total else ''
        self.stream.write(f'{done}/{self.total} {self.unit} done, {elapsed:.0f} s elapsed{left}\n')
        self.stream.flush()


class JobProgress:
    """One line of a run's progress: jobs pending, running, done and failed, and units
    done of the total; rewritten in place on a terminal, else printed when it changes."""

    def __init__(self, total, unit, stream=sys.stdout):
        self.total, self.unit, self.stream = total, unit, stream
        self.last = None

    def show(self, counts, done, final=False):
        line = (
            f"jobs: {counts['pending']} pending, {counts['running']} running, {counts['done']} done, "
            f"{counts['failed']} failed; {done}/{self.total} {self.unit} done"
        )
        if self.stream.isatty():
            self.stream.write(f'\r{line}' + ('\n' if final else ''))
        elif line != self.last:
            self.stream.write(line + '\n')
        self.stream.flush()
        self.last = line
