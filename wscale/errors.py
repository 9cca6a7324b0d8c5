"""One-line errors for bad input: the message is shown, the traceback is not."""

import errno
import logging
import os
import re
import sys
from functools import wraps
from pathlib import Path

from wscale import interrupts

WRITE_ERRORS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM)
ERROR_LINE = re.compile(r'^(error: |[A-Za-z_.]*(Error|Exception): )')


class UserError(Exception):
    """A problem with what the user asked for; its message names the bad value."""


def exits_cleanly(main):
    """Wrap a command's main(): a UserError prints 'error: ...' and exits with status 2;
    Ctrl-C or SIGTERM prints 'error: interrupted' and exits with 128 + the signal; a
    full disk or a folder that refuses a file is one line, status 1; a reader that
    closes our stdout early (``| head``) ends the command quietly."""

    @wraps(main)
    def wrapper(*args, **kwargs):
        show_messages()
        interrupts.install()
        try:
            return main(*args, **kwargs)
        except UserError as err:
            print(f'error: {err}', file=sys.stderr)
            return 2
        except KeyboardInterrupt:
            print('error: interrupted', file=sys.stderr)
            return interrupts.exit_status()
        except OSError as err:
            if err.errno not in WRITE_ERRORS:
                raise
            where = f' {err.filename}' if err.filename else ''
            print(f'error: cannot write{where}: {err.strerror}', file=sys.stderr)
            return 1
        except BrokenPipeError:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 141

    return wrapper


def last_error_line(path):
    """The last line of the output file ``path`` that reports an error (``error: ...`` or
    a Python exception), stripped; '' if there is none or no file."""
    path = Path(path)
    lines = path.read_text(errors='replace').splitlines() if path.exists() else []
    errors = [line.strip() for line in lines if ERROR_LINE.match(line)]
    return errors[-1] if errors else ''


def show_messages():
    """Show the project's progress messages (logger 'wscale', level INFO) on this
    process's stderr as it is now, even while CapturedOutput later collects fds 1 and 2."""
    logger = logging.getLogger('wscale')
    if logger.handlers:
        return
    handler = logging.StreamHandler(os.fdopen(os.dup(2), 'w', buffering=1))
    handler.setFormatter(logging.Formatter('%(message)s'))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    logger.propagate = False
