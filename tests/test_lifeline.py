"""No process outlives its parent (wscale.lifeline), on plain forked processes."""

import os
import time

import pytest

from wscale import lifeline

pytestmark = pytest.mark.unit  # pure code, no simulator process: python -m pytest -m unit


def test_a_process_that_has_ended_is_not_alive_even_before_it_is_collected():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    time.sleep(0.3)
    try:
        assert not lifeline.alive(pid) and lifeline.alive(os.getpid())
    finally:
        os.waitpid(pid, 0)
    assert not lifeline.alive(pid)


def test_a_child_ends_when_its_parent_is_killed(tmp_path):
    """A middle process forks a grandchild that calls die_with_parent, then is killed
    with SIGKILL: the grandchild ends too."""
    pid_file = tmp_path / 'grandchild'
    middle = os.fork()
    if middle == 0:
        parent = os.getpid()
        child = os.fork()
        if child == 0:
            lifeline.die_with_parent(parent)
            (tmp_path / 'writing').write_text(str(os.getpid()))
            os.replace(tmp_path / 'writing', pid_file)
            time.sleep(60)
            os._exit(0)
        time.sleep(60)
        os._exit(0)
    deadline = time.monotonic() + 10
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    grandchild = int(pid_file.read_text())
    os.kill(middle, 9)
    os.waitpid(middle, 0)
    deadline = time.monotonic() + 5
    while lifeline.alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not lifeline.alive(grandchild)
