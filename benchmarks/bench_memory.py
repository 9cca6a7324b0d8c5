"""A worker's memory over a long run: the heavy cell (cells/pyramidal_heavy.json), one
weight at every segment, the inline engine with one worker, so that one process measures
every point in turn.

Samples the worker's resident memory (VmRSS) as the journal grows and prints it after
--early points (default 20) and after --late points (default 500), and their ratio. Goal:
within 20 %.

    python benchmarks/bench_memory.py [--early 20] [--late 500]
"""

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grid import PROJECT, machine  # noqa: E402
from bench_heavy import HEAVY, HEAVY_MOD  # noqa: E402

GOAL = 0.20


def resident_kib(pid):
    """VmRSS of a process, KiB; None once it has gone."""
    try:
        for line in Path(f'/proc/{pid}/status').read_text().splitlines():
            if line.startswith('VmRSS:'):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def children(pid):
    try:
        return [int(child) for child in Path(f'/proc/{pid}/task/{pid}/children').read_text().split()]
    except OSError:
        return []


def journal_lines(out):
    path = out / 'journal.jsonl'
    return path.read_bytes().count(b'\n') if path.exists() else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--early', type=int, default=20)
    parser.add_argument('--late', type=int, default=500)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix='bench_memory_')) / 'out'
    command = [sys.executable, 'M1_grid_search.py', '--cell', str(HEAVY), '--mod', str(HEAVY_MOD), '--secs', 'all',
               '--all-segments', '--weights', '0.0005', '--engine', 'inline', '--jobs', '1', '--out', str(out)]
    started = time.perf_counter()
    proc = subprocess.Popen(command, cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    samples = {}
    try:
        while proc.poll() is None:
            done = journal_lines(out)
            workers = children(proc.pid)
            if workers and done not in samples:
                rss = resident_kib(workers[0])
                if rss is not None:
                    samples[done] = rss
            if done >= args.late:
                break
            time.sleep(0.1)
    finally:
        proc.kill()
        proc.wait()
    early = next((samples[n] for n in sorted(samples) if n >= args.early), None)
    late = next((samples[n] for n in sorted(samples) if n >= args.late), None)
    print(f'machine: {machine()}')
    print(f'{max(samples, default=0)} points in {time.perf_counter() - started:.0f} s (inline, one worker)')
    if early is None or late is None:
        sys.exit(f'error: the run did not reach {args.late} points: {proc.stderr.read()[-500:] if proc.stderr else ""}')
    growth = late / early - 1
    print(f'worker memory: {early / 1024:.1f} MiB after {args.early} points, {late / 1024:.1f} MiB after {args.late} '
          f'({growth:+.1%}; goal within {GOAL:.0%}): {"met" if abs(growth) <= GOAL else "NOT met"}')


if __name__ == '__main__':
    main()
