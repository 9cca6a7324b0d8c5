"""The journal of a local run, OUT/journal.jsonl: each unit's records as soon as it is
measured.

One line per unit, ``{"unit": label, "records": [...]}`` (see ``RunSpec.units`` for the
labels), appended, flushed and fsynced before the unit counts as done, so that a run
ended in any way (Ctrl-C, SIGTERM, SIGKILL, a lost machine) keeps every unit it had
finished. ``--resume OUT`` (or the same command again) measures only the units the
journal lacks. Numbers keep every bit (NaN and the infinities included); a line cut
short by a kill while it was written is ignored.

A unit whose worker died or could not start has no result and is not journaled: a
resumed run measures it again.
"""

import json
import os
from pathlib import Path

from analysis.results import plain

JOURNAL_FILE = 'journal.jsonl'


def read_journal(path):
    """{unit label: records} of the journal at ``path``; {} without one. A later line of
    a unit replaces an earlier one; a line that does not parse (cut short) is skipped."""
    found = {}
    path = Path(path)
    if not path.is_file():
        return found
    with open(path, 'rb') as stream:
        for line in stream:
            try:
                entry = json.loads(line)
                found[entry['unit']] = entry['records']
            except (ValueError, KeyError, TypeError):
                continue
    return found


class Journal:
    """The journal of the run into ``out``: ``done`` holds the units already journaled
    ({label: records}); ``keep(label, records)`` journals one more."""

    def __init__(self, out):
        self.path = Path(out) / JOURNAL_FILE
        self.done = read_journal(self.path)
        self._fd = None

    def keep(self, label, records):
        """Append the unit's records and make them durable before returning."""
        line = json.dumps({'unit': label, 'records': plain(records)}, allow_nan=True) + '\n'
        if self._fd is None:
            self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o666)
            if os.fstat(self._fd).st_size and not self._ends_with_newline():
                os.write(self._fd, b'\n')  # after a line cut short by a kill
        data = line.encode()
        while data:
            data = data[os.write(self._fd, data):]
        os.fsync(self._fd)
        self.done[label] = records

    def _ends_with_newline(self):
        with open(self.path, 'rb') as stream:
            stream.seek(-1, os.SEEK_END)
            return stream.read(1) == b'\n'

    def close(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def remove(self):
        """Remove the journal (a run that starts afresh)."""
        self.close()
        self.path.unlink(missing_ok=True)
        self.done = {}
