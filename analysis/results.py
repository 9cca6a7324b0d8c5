"""Reading and writing result files: JSON records, written atomically."""

import json
import math
import os
import pickle
import tempfile
from pathlib import Path


def plain(value, for_json=False):
    """A copy of ``value`` made of plain dicts, lists, tuples, strings and numbers: dict
    subclasses become dicts, numpy arrays lists, numpy scalars Python numbers and bytes
    latin-1 strings. ``for_json``: as JSON holds it, tuples as lists and NaN and the
    infinities as None."""
    if isinstance(value, dict):
        return {plain(key, for_json): plain(item, for_json) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        items = [plain(item, for_json) for item in value]
        return tuple(items) if isinstance(value, tuple) and not for_json else items
    if isinstance(value, bytes):
        return value.decode('latin1')
    if hasattr(value, 'tolist') and not isinstance(value, str):
        return plain(value.tolist(), for_json)
    if for_json and isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def safe_name(text, also=''):
    """``text`` for a file name: characters other than letters, digits, ``_ . -`` and
    those in ``also`` replaced by ``_``."""
    return ''.join(c if c.isalnum() or c in '_.-' + also else '_' for c in text)


def current_umask():
    """This process's umask (read by setting it and setting it back)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic(path, write, binary=False):
    """Write ``path`` by ``write(stream)`` into a temporary file beside it, then rename.

    A reader sees the old file or the whole new one, never a part. The file gets the
    mode the user's umask gives a new file (0644 under umask 022), not the temporary
    file's 0600.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.', suffix='.tmp')
    try:
        os.fchmod(handle, 0o666 & ~current_umask())
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
        json.dump(plain(data, for_json=True), stream, indent=1, allow_nan=False)
        stream.write('\n')

    write_atomic(path, write)


def write_pickle_atomic(path, data):
    """Write ``data`` as a pickle to ``path`` atomically."""
    write_atomic(path, lambda stream: pickle.dump(plain(data, for_json=True), stream), binary=True)


def read_json(path):
    """Parsed JSON of ``path``."""
    with open(path) as stream:
        return json.load(stream)


def json_line(record):
    """One line of JSON for a record (NaN as null)."""
    return json.dumps(plain(record, for_json=True), allow_nan=False)
