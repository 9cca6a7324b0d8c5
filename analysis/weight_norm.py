"""NetPyNE's weightNorm table from the per-location summary: {section: [value per segment]}."""

LOC_TOLERANCE = 1e-9


def weight_norm_table(summary, segment_counts):
    """The weightNorm of every section whose segments were all searched and all reached
    the target, in segment order; and why each other searched section was left out.

    ``summary`` holds records with sec, loc, weight_norm, in_range and failed (points
    that failed there; optional); ``segment_counts``
    maps section names to nseg. Returns ``(table, left_out)``: ``table`` is
    ``{section: [weight_norm of segment 0, 1, ...]}`` and ``left_out`` is ``{section: reason}``.
    """
    by_section = {}
    for row in summary:
        by_section.setdefault(row['sec'], []).append(row)
    table, left_out = {}, {}
    for sec, rows in by_section.items():
        n = segment_counts[sec]
        per_segment = []
        for i in range(n):
            centre = (i + 0.5) / n
            per_segment.append(next((r for r in rows if abs(r['loc'] - centre) < LOC_TOLERANCE), None))
        missing = sum(row is None for row in per_segment)
        unreached = sum(row is not None and not row['in_range'] for row in per_segment)
        failed = sum(row is not None and not row['in_range'] and row.get('failed', 0) > 0 for row in per_segment)
        if missing:
            left_out[sec] = f'{n - missing} of {n} segment centres searched'
        elif failed:
            left_out[sec] = f'simulations failed at {failed} of {n} segments'
        elif unreached:
            left_out[sec] = f'target outside the grid at {unreached} of {n} segments'
        else:
            table[sec] = [row['weight_norm'] for row in per_segment]
    return table, left_out


def netpyne_segment_index(loc, nseg):
    """The index NetPyNE 1.1.1 uses to read a section's weightNorm list for a synapse at
    ``loc``: ``int(round(loc * nseg)) - 1``, with Python's round-half-to-even.

    At the centre of segment i it gives i for odd i, but i - 1 for even i, and -1 (the
    last segment) for segment 0.
    """
    return int(round(loc * nseg)) - 1
