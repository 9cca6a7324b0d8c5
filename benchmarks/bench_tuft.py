"""Targeted search over every segment of the generated cell with a thin saturating tuft
(``cells/pyramidal_thin_tuft.json``, AMPA only), with the inline engine.

Prints the wall time, the simulations per place, NEURON's time per simulation, how many
places reached the target and why the others did not; checks that every place without a
weight really has none (its EPSP at --max-weight is below the target, or the soma spikes
first), that weight_norm.pkl holds every segment of every section, and compares the
weights with a fixed-step reference (a dense weight grid around each weight, interpolated)
at places spread over the tuft.

    python benchmarks/bench_tuft.py [--jobs N] [--reference-places 12]
"""

import argparse
import json
import pickle
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_grid import PROJECT, machine, simulations_line  # noqa: E402
from bench_targeted import grid_command  # noqa: E402

CELL = PROJECT / 'cells' / 'pyramidal_thin_tuft.json'
SYNAPSES = PROJECT / 'cells' / 'synapse_files' / 'ampa.json'
REFERENCE_SPAN = 1.1  # the reference grid spans weight / 1.1 .. weight * 1.1
REFERENCE_WEIGHTS = 21


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--jobs', type=int, help='parallel jobs (default: all cores)')
    parser.add_argument('--reference-places', type=int, default=12)
    args = parser.parse_args()
    cell = json.loads(CELL.read_text())
    print(f'machine: {machine()}')
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / 'tuft'
        wall, summary = grid_command(
            out, '--synapses', str(SYNAPSES), '--secs', 'all', '--all-segments', '--search', 'target',
            jobs=args.jobs, cell=CELL,
        )
        records = json.loads((out / 'results.json').read_text())
        simulations = np.array([row['simulations'] for row in summary])
        found = [row for row in summary if row['in_range']]
        neuron = sum(record['run_time'] for record in records if record.get('run_time'))
        print(f'every segment: {len(summary)} places in {wall:.1f} s wall; {len(found)} reached the target; '
              f'simulations per place: mean {simulations.mean():.2f}, max {simulations.max()}; '
              f'NEURON time per simulation {neuron / len(records):.3f} s')
        print(simulations_line(summary))
        tuft = [row for row in summary if row['sec'].startswith('apic_tuft')]
        tuft_sims = np.array([row['simulations'] for row in tuft])
        print(f'tuft: {len(tuft)} places, {sum(row["in_range"] for row in tuft)} reached, '
              f'simulations per place: mean {tuft_sims.mean():.2f}')
        for reason, count in Counter(row['search'] for row in summary if not row['in_range']).most_common():
            print(f'  no weight at {count} places: {reason}')
        check_unreached(summary, records)
        check_weight_norm(out / 'weight_norm.pkl', cell, summary)
        sublinear = sorted((row for row in found if row['sec'].startswith('apic_tuft')), key=lambda row: row['weight_at_target'])
        picks = [sublinear[i] for i in np.linspace(0, len(sublinear) - 1, args.reference_places).round().astype(int)]
        print(f'fixed-step reference at {len(picks)} tuft places, weights {picks[0]["weight_at_target"]:.4g} '
              f'to {picks[-1]["weight_at_target"]:.4g} uS:')
        worst_weight = worst_epsp = 0.0
        for row in picks:
            weight = row['weight_at_target']
            weights = np.geomspace(weight / REFERENCE_SPAN, weight * REFERENCE_SPAN, REFERENCE_WEIGHTS)
            reference_out = Path(folder) / 'reference'
            _, reference = grid_command(
                reference_out, '--synapses', str(SYNAPSES), '--secs', row['sec'], '--locs', repr(row['loc']),
                '--weights', *(repr(float(w)) for w in weights), jobs=1, cell=CELL,
            )
            points = json.loads((reference_out / 'results.json').read_text())
            epsp = np.interp(weight, [p['weight'] for p in points], [p['epsp'] for p in points])
            slope = np.log(points[-1]['epsp'] / points[0]['epsp']) / np.log(points[-1]['weight'] / points[0]['weight'])
            weight_off = abs(weight - reference[0]['weight_at_target']) / reference[0]['weight_at_target']
            epsp_off = abs(epsp - row['target']) / row['target']
            worst_weight, worst_epsp = max(worst_weight, weight_off), max(worst_epsp, epsp_off)
            print(f"  {row['sec']}({row['loc']:.3f}): {weight:.5g} uS, log-log slope {slope:.2f}; "
                  f'weight off the reference by {100 * weight_off:.3f} %, its EPSP off the target by {100 * epsp_off:.3f} %')
        print(f'largest deviation: weight {100 * worst_weight:.3f} %, EPSP {100 * worst_epsp:.3f} % (goal: within 0.5 %; '
              f'where the curve is flat, a weight within --tol of the target EPSP can be further off)')


def check_unreached(summary, records):
    """Every place without a weight: its EPSP at the largest weight tried is below the target."""
    last = {}
    for record in records:
        key = (record['sec'], record['loc'])
        if record['status'] == 'ok' and not record['spiked']:
            if key not in last or record['weight'] > last[key]['weight']:
                last[key] = record
    for row in summary:
        if row['in_range'] or 'spikes' in row['search']:
            continue
        top = last[(row['sec'], row['loc'])]
        if top['epsp'] >= row['target']:
            sys.exit(f"error: {row['sec']}({row['loc']}) has no weight, but {top['weight']} uS gave {top['epsp']} mV")
    print('every place without a weight: its largest weight stays below the target (checked)')


def check_weight_norm(path, cell, summary):
    """weight_norm.pkl holds every segment of every section; report the filled ones."""
    with open(path, 'rb') as stream:
        table = pickle.load(stream)
    expected = {name: sec['geom'].get('nseg', 1) for name, sec in cell['secs'].items()}
    missing = [name for name, nseg in expected.items() if len(table.get(name, [])) != nseg]
    if missing:
        sys.exit(f'error: weight_norm.pkl lacks the segments of {", ".join(missing)}')
    filled = sum(row['filled'] for row in summary)
    print(f'weight_norm.pkl: all {len(table)} sections, {sum(expected.values())} segments; {filled} filled '
          f"(4 x the soma's weightNorm)")


if __name__ == '__main__':
    main()
