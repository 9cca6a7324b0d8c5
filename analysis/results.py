"""Reading and writing result files: JSON records, written atomically."""

import json
import math
import os
import pickle
import tempfile
from pathlib import Path


def _plain(value):
    """JSON-safe copy: NaN and infinities become None, numpy scalars plain numbers."""
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if hasattr(value, 'item') and not isinstance(value, (str, bytes)):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def safe_name(text, also=''):
    """``text`` for a file name: characters other than letters, digits, ``_ . -`` and
    those in ``also`` replaced by ``_``."""
    return ''.join(c if c.isalnum() or c in '_.-' + also else '_' for c in text)


def write_atomic(path, write, binary=False):
    """Write ``path`` by ``write(stream)`` into a temporary file beside it, then rename.

    A reader sees the old file or the whole new one, never a part.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.', suffix='.tmp')
    try:
        with os.fdopen(handle, 'wb' if binary else 'w') as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_json_atomic(path, data):
    """Write ``data`` as JSON (NaN as null) to ``path`` atomically."""

    def write(stream):
        json.dump(_plain(data), stream, indent=1, allow_nan=False)
        stream.write('\n')

    write_atomic(path, write)


def write_pickle_atomic(path, data):
    """Write ``data`` as a pickle to ``path`` atomically."""
    write_atomic(path, lambda stream: pickle.dump(_plain(data), stream), binary=True)


def read_json(path):
    """Parsed JSON of ``path``."""
    with open(path) as stream:
        return json.load(stream)


def json_line(record):
    """One line of JSON for a record (NaN as null)."""
    return json.dumps(_plain(record), allow_nan=False)
