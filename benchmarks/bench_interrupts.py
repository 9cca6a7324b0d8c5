"""A long targeted run killed with SIGKILL again and again, and resumed after each kill.

Every segment of a cell (default: the generated cell, cells/pyramidal.json) by targeted
search on the inline engine. First an uninterrupted run; then the same run killed --kills
times (default 20) at random moments (seeded): each time after a drawn number of further
places are journaled and a drawn fraction of a second, or while it builds its models,
and resumed with --resume; then resumed to the end. Prints, and fails unless:

- no process of the run survives any kill;
- no place is journaled twice (none measured again once kept);
- the final weight_norm.pkl and summary.json equal the uninterrupted run's;

and reports the places lost in flight (measured again) and the wall time against the
uninterrupted run's.

    python benchmarks/bench_interrupts.py [--cell cells/pyramidal_heavy.json --mod cells/heavy_mod] [--kills 20]
"""

import argparse
import json
import os
import pickle
import random
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grid import PROJECT, machine  # noqa: E402


def journal(out):
    path = out / 'journal.jsonl'
    units = []
    for line in (path.read_text().splitlines() if path.exists() else []):
        try:
            units.append(json.loads(line)['unit'])
        except ValueError:
            pass
    return units


def processes_of(out):
    found = []
    for entry in Path('/proc').iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if str(out).encode() in (entry / 'cmdline').read_bytes():
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--cell', default=str(PROJECT / 'cells' / 'pyramidal.json'))
    parser.add_argument('--mod', help="the cell's mod folder")
    parser.add_argument('--kills', type=int, default=20)
    parser.add_argument('--jobs', type=int, default=2)
    parser.add_argument('--seed', type=int, default=2026)
    args = parser.parse_args()
    grid = ['--cell', args.cell, '--secs', 'all', '--all-segments', '--search', 'target', '--engine', 'inline',
            '--jobs', str(args.jobs), *(['--mod', args.mod] if args.mod else [])]
    root = Path(tempfile.mkdtemp(prefix='bench_interrupts_'))
    reference, out = root / 'reference', root / 'out'

    def command(*extra):
        return [sys.executable, 'M1_grid_search.py', *extra]

    started = time.perf_counter()
    subprocess.run(command(*grid, '--out', str(reference)), cwd=PROJECT, check=True, stdout=subprocess.DEVNULL)
    uninterrupted = time.perf_counter() - started
    places = len(journal(reference))
    print(f'machine: {machine()}')
    print(f'{Path(args.cell).name}: {places} places, uninterrupted {uninterrupted:.0f} s ({args.jobs} jobs)')

    rng = random.Random(args.seed)
    step = max(1, places // (args.kills + 1))
    kept, survivors, lost, wall = 0, 0, 0, 0.0
    for number in range(args.kills):
        resuming = (out / 'run_spec.json').exists()
        argv = command('--resume', str(out)) if resuming else command(*grid, '--out', str(out))
        began = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=PROJECT, start_new_session=True, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        more = rng.choice([0, step // 2, step])
        while len(journal(out)) < kept + more and proc.poll() is None:
            time.sleep(0.01)
        time.sleep(rng.uniform(0, 0.5))
        if proc.poll() is not None:
            sys.exit(f'error: the run ended before kill {number + 1}; use fewer --kills')
        in_flight = min(args.jobs, places - len(journal(out)))
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        wall += time.perf_counter() - began
        deadline = time.monotonic() + 10
        while processes_of(out) and time.monotonic() < deadline:
            time.sleep(0.1)
        survivors += len(processes_of(out))
        units = journal(out)
        if len(units) != len(set(units)):
            sys.exit(f'error: a place was journaled twice after kill {number + 1}')
        lost += in_flight if len(units) > kept or resuming else 0
        kept = len(units)
    began = time.perf_counter()
    subprocess.run(command('--resume', str(out)), cwd=PROJECT, check=True, stdout=subprocess.DEVNULL)
    wall += time.perf_counter() - began
    units = journal(out)
    with open(out / 'weight_norm.pkl', 'rb') as mine, open(reference / 'weight_norm.pkl', 'rb') as theirs:
        same_table = pickle.load(mine) == pickle.load(theirs)
    same_summary = json.loads((out / 'summary.json').read_text()) == json.loads((reference / 'summary.json').read_text())
    print(f'{args.kills} kills: {survivors} processes survived a kill; {len(units)} places journaled, '
          f'{len(units) - len(set(units))} twice; at most {lost} places were in flight at a kill and measured again')
    print(f'weight_norm.pkl equal: {same_table}; summary.json equal: {same_summary}; '
          f'wall time with the kills {wall:.0f} s against {uninterrupted:.0f} s')
    if survivors or len(units) != len(set(units)) or not (same_table and same_summary):
        sys.exit(1)


if __name__ == '__main__':
    main()
