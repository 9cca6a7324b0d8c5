"""Where a process's output goes: file descriptors 1 and 2, under NEURON's C code and
Python alike."""

import os
import sys


def redirect_output(stdout_fd, stderr_fd=None):
    """Send what this process writes to file descriptor 1 (stdout) to ``stdout_fd`` and to
    2 (stderr) to ``stderr_fd`` (the same one if not given), Python's buffers flushed first."""
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(stdout_fd, 1)
    os.dup2(stdout_fd if stderr_fd is None else stderr_fd, 2)
