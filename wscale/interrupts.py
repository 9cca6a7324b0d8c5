"""Ctrl-C and SIGTERM stop a command the same way: as a KeyboardInterrupt raised where
the command is, so that every ``finally`` runs (children are ended, the folder is marked
interrupted), and ``received()`` tells afterwards which signal came, even where a library
turned the interrupt into an error of its own (matplotlib, drawing a figure)."""

import signal

_received = None


def _stop(signum, frame):
    global _received
    _received = signum
    raise KeyboardInterrupt


def install():
    """Stop on SIGINT and SIGTERM by KeyboardInterrupt (in this process and, until they
    set their own, the processes it forks)."""
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, _stop)


def received():
    """The signal number that stopped the command, or None."""
    return _received


def exit_status():
    """The shell's exit status of a command stopped by the signal received: 128 + its number."""
    return 128 + (_received or signal.SIGINT)
