"""The default grid run here (batch engine) and on the SLURM cluster SLURM_CONF names
(``--cluster slurm --chunk 4``): wall times, and whether the two results.json agree.

Every field of every point must be equal except NEURON's run time; EPSPs are compared to
1e-9 relative.

    python benchmarks/bench_cluster.py [-- extra grid arguments]
"""

import json
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grid import PROJECT, machine  # noqa: E402

VARYING = {'run_time'}


def run_grid(args, out):
    command = [sys.executable, str(PROJECT / 'M1_grid_search.py'), *args, '--out', str(out)]
    started = time.perf_counter()
    proc = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True)
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        sys.exit(f'error: {" ".join(args) or "the local run"} failed (status {proc.returncode}): {proc.stderr.strip()[-500:]}')
    return wall, json.loads((Path(out) / 'results.json').read_text())


def differences(local, cluster):
    """Fields on which the two runs' points differ, as text lines."""
    key = lambda point: (point['sec'], point['loc'], point['weight'])  # noqa: E731
    local, cluster = {key(p): p for p in local}, {key(p): p for p in cluster}
    if set(local) != set(cluster):
        return [f'different points: {sorted(set(local) ^ set(cluster))}']
    found = []
    for point in local:
        for field in set(local[point]) | set(cluster[point]):
            a, b = local[point].get(field), cluster[point].get(field)
            same = math.isclose(a, b, rel_tol=1e-9) if isinstance(a, float) and isinstance(b, float) else a == b
            if field not in VARYING and not same:
                found.append(f'{point} {field}: local {a!r}, cluster {b!r}')
    return found


def main():
    extra = sys.argv[2:] if sys.argv[1:2] == ['--'] else sys.argv[1:]
    print(f'machine: {machine()}')
    with tempfile.TemporaryDirectory(dir=PROJECT) as folder:
        local_wall, local = run_grid(extra, Path(folder) / 'local')
        cluster_wall, cluster = run_grid([*extra, '--cluster', 'slurm', '--chunk', '4'], Path(folder) / 'cluster')
    print(f'local (batch engine): {local_wall:.1f} s; SLURM, 4 points per job: {cluster_wall:.1f} s; {len(local)} points')
    found = differences(local, cluster)
    print('results.json: the same (run_time aside)' if not found else 'results.json differs:\n  ' + '\n  '.join(found))
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main())
