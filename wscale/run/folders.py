"""The output folder: made, or refused in one line when it cannot hold a run."""

import os
import tempfile
from pathlib import Path

from wscale.errors import UserError


def prepare(out):
    """Create the output folder ``out`` if needed and check that files can be written
    there; a path under a file, a read-only folder or one that cannot be created is one
    UserError line naming it."""
    out = Path(out)
    existing = next((path for path in (out, *out.parents) if path.exists()), None)
    if existing is not None and not existing.is_dir():
        raise UserError(f'--out {out}: {existing} is a file, not a folder')
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as err:
        raise UserError(f'--out {out}: cannot write there: {err.strerror or err}') from None
    if not os.access(out, os.W_OK | os.X_OK):
        raise UserError(f'--out {out}: cannot write there: permission denied')
