"""Reading and writing result files: JSON records, written atomically."""

import json
import math
import os
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


def write_json_atomic(path, data):
    """Write ``data`` as JSON to ``path`` through a temporary file and a rename.

    A reader sees the old file or the whole new one, never a part.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f'.{path.name}.', suffix='.tmp')
    try:
        with os.fdopen(handle, 'w') as stream:
            json.dump(_plain(data), stream, indent=1, allow_nan=False)
            stream.write('\n')
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def read_json(path):
    """Parsed JSON of ``path``."""
    with open(path) as stream:
        return json.load(stream)


def json_line(record):
    """One line of JSON for a record (NaN as null)."""
    return json.dumps(_plain(record), allow_nan=False)
