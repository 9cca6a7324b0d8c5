"""NetPyNE's weightNorm table from the per-location summary: {section: [value per segment]}.

Segments where no weight reaches the target (a saturating tuft, a soma that spikes first,
failed simulations) can be filled with a multiple of the soma's weightNorm (cfg's
``weightNormFill``, 4 by default: the cap the M1 cortex model puts on every weightNorm,
its ``weightNormThreshold``), so that a section is never left without a factor, which
NetPyNE would read as 1.
"""

import math

import numpy as np

from analysis.fit import reason_kind

LOC_TOLERANCE = 1e-9
UNREACHED = 'target not reached'  # the reason of a row that gives none


def soma_weight_norm(summary, soma):
    """The soma's weightNorm (uS/mV): the mean over its places that reached the target;
    None if none did."""
    values = [row['weight_norm'] for row in summary if row['sec'] == soma and row['in_range']]
    return sum(values) / len(values) if values else None


def weight_norm_table(summary, segment_counts, fill=None):
    """The weightNorm of every section whose segments were all searched, in segment order;
    the sections left out and why; and the segments filled.

    ``summary`` holds records with sec, loc, weight_norm, in_range and reason (why no
    weight was found; optional); ``segment_counts`` maps section names to nseg. A segment
    that did not reach the target gets the value ``fill`` (uS/mV) if it is given, else its
    section is left out. Returns ``(table, left_out, filled)``: ``table`` is
    ``{section: [weightNorm of segment 0, 1, ...]}``, ``left_out`` is ``{section: reason}``
    and ``filled`` is ``{(sec, loc): reason}``.
    """
    by_section = {}
    for row in summary:
        by_section.setdefault(row['sec'], []).append(row)
    table, left_out, filled = {}, {}, {}
    for sec, rows in by_section.items():
        n = segment_counts[sec]
        per_segment = []
        for i in range(n):
            centre = (i + 0.5) / n
            per_segment.append(next((r for r in rows if abs(r['loc'] - centre) < LOC_TOLERANCE), None))
        missing = sum(row is None for row in per_segment)
        unreached = {(row['sec'], row['loc']): row.get('reason') or UNREACHED
                     for row in per_segment if row is not None and not row['in_range']}
        if missing:
            left_out[sec] = f'{n - missing} of {n} segment centres searched'
        elif unreached and fill is None:
            reasons = sorted({reason_kind(reason) for reason in unreached.values()})
            left_out[sec] = f"no weight at {len(unreached)} of {n} segments: {'; '.join(reasons)}"
        else:
            table[sec] = [row['weight_norm'] if row['in_range'] else fill for row in per_segment]
            filled.update(unreached)
    return table, left_out, filled


def coverage_gaps(sections, table, rules=()):
    """What a weightNorm ``table`` leaves out: the ``sections`` (a cell's, in its order)
    it has no factors for, and, of ``rules`` ([(kind, rule label, [sections it puts
    synapses on])]), those that put synapses there, each as (kind, label, [sections left
    out])."""
    uncovered = [sec for sec in sections if sec not in table]
    missing = set(uncovered)
    hit = [(kind, label, [sec for sec in secs if sec in missing]) for kind, label, secs in rules]
    return uncovered, [(kind, label, secs) for kind, label, secs in hit if secs]


def netpyne_segment_index(loc, nseg):
    """The index NetPyNE 1.1.1 uses to read a section's weightNorm list for a synapse at
    ``loc``: ``int(round(loc * nseg)) - 1``, with Python's round-half-to-even.

    At the centre of segment i it gives i for odd i, but i - 1 for even i, and -1 (the
    last segment) for segment 0.
    """
    return int(round(loc * nseg)) - 1


def segment_index(loc, nseg):
    """The segment that holds ``loc`` in NEURON: ``int(loc * nseg)``, the last one at loc 1."""
    return min(int(loc * nseg), nseg - 1)


PLACEMENTS = ('uniform', 'centre', 'near an end')
LOOKUPS = ('netpyne', 'loaded', 'exact')  # the three ways --validate gives a synapse its factor


def draw_places(lengths, nsegs, count, rng):
    """``count`` synapse places drawn as networks place them: a section with probability
    in proportion to its length (``lengths``: {section: um}; ``nsegs``: {section: nseg}),
    then, in turn, a location uniform along it (connection rules, synsPerConn, uniform
    subConnParams), a segment centre (a rule's default loc, 1Dmap, 2Dmap and distance
    subConnParams) and a location within half a segment of either end (explicit locs near
    0 and 1). ``rng`` is a numpy Generator; returns [(section, loc, placement)]."""
    sections = sorted(lengths)
    weights = np.array([float(lengths[sec]) for sec in sections])
    chosen = rng.choice(len(sections), size=count, p=weights / weights.sum())
    places = []
    for number, index in enumerate(chosen):
        sec = sections[index]
        nseg = nsegs[sec]
        placement = PLACEMENTS[number % len(PLACEMENTS)]
        if placement == 'uniform':
            loc = float(rng.uniform(0.0, 1.0))
        elif placement == 'centre':
            loc = (int(rng.integers(nseg)) + 0.5) / nseg
        else:
            offset = float(rng.uniform(0.0, 0.5 / nseg))
            loc = offset if rng.integers(2) == 0 else 1.0 - offset
        places.append((sec, loc, placement))
    return places


def validation_verdict(rows):
    """Median and worst deviation (fraction of the target) of the EPSPs with each of
    ``LOOKUPS`` (NetPyNE's own lookup, the run's loading lines, each segment's own factor),
    over validation ``rows`` (epsp_netpyne, epsp_loaded, epsp_exact, target, sec, loc, and
    ``filled`` where the place's segment has the fill value, since no weight reached the
    target there: such rows are left out); None values count as failures. Returns a dict
    with one entry per lookup: {'median', 'worst', 'worst_place', 'failed'}, and
    ``filled``: the rows left out."""
    measured = [row for row in rows if not row.get('filled')]
    verdict = {'filled': len(rows) - len(measured)}
    for lookup in LOOKUPS:
        deviations = [
            (abs(row[f'epsp_{lookup}'] - row['target']) / row['target'], (row['sec'], row['loc']))
            for row in measured if row.get(f'epsp_{lookup}') is not None
        ]
        values = np.array([d for d, _ in deviations])
        worst = max(deviations, default=(math.nan, None))
        verdict[lookup] = {
            'median': float(np.median(values)) if values.size else math.nan,
            'worst': worst[0],
            'worst_place': worst[1],
            'failed': len(measured) - len(deviations),
        }
    return verdict
