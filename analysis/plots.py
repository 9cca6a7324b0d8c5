"""Figures of a search, drawn with matplotlib without a display (Agg)."""

import math
import statistics

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from analysis.results import write_atomic  # noqa: E402

LEGEND_LIMIT = 12


def _save(fig, path):
    write_atomic(path, lambda stream: fig.savefig(stream, format='png', dpi=120), binary=True)
    plt.close(fig)


def epsp_vs_weight(points, target, path):
    """EPSP (mV) against weight (uS), one line per location, the target dashed. Returns
    the lines drawn: {label: [(weight, EPSP) in order of weight]}."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    lines = {}
    for point in points:
        if point['status'] == 'ok' and point['epsp'] is not None:
            lines.setdefault((point['sec'], point['loc']), []).append((point['weight'], point['epsp']))
    drawn = {}
    for (sec, loc), pairs in lines.items():
        pairs.sort()
        drawn[f'{sec}({loc:.3g})'] = pairs
        ax.plot([w for w, _ in pairs], [e for _, e in pairs], marker='o', markersize=3, linewidth=1, label=f'{sec}({loc:.3g})')
    ax.axhline(target, color='black', linestyle='--', linewidth=1, label=f'target {target:g} mV')
    ax.set_xlabel('synaptic weight (uS)')
    ax.set_ylabel('somatic EPSP (mV)')
    if len(lines) <= LEGEND_LIMIT:
        ax.legend(fontsize=7)
    else:
        ax.set_title(f'{len(lines)} locations')
    fig.tight_layout()
    _save(fig, path)
    return drawn


def weight_norm_vs_distance(summary, groups, path):
    """weightNorm against path distance from the soma (um), one colour per group of
    sections (``groups``: section name -> group name), the places that reached the
    target. Returns the points drawn: {group: [(distance, weightNorm)]}."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    by_group = {}
    for row in summary:
        if row['in_range'] and row.get('distance_um') is not None and not math.isnan(row['distance_um']):
            by_group.setdefault(groups.get(row['sec'], row['sec']), []).append((row['distance_um'], row['weight_norm']))
    for group, pairs in sorted(by_group.items()):
        ax.scatter([d for d, _ in pairs], [w for _, w in pairs], s=12, label=group)
    ax.set_xlabel('path distance from the soma (um)')
    ax.set_ylabel('weightNorm (uS per mV)')
    if by_group:
        ax.legend(fontsize=7)
    fig.tight_layout()
    _save(fig, path)
    return by_group


def weight_norm_by_cell(summaries, path):
    """weightNorm (uS/mV) against path distance from the soma (um) of every cell type
    (``summaries``: {cell type: its summary rows}), one colour each, the places that
    reached the target; a log scale where the values span a decade or more. Returns the
    points drawn, {cell type: [(distance, weightNorm)]}, and the scale, 'log' or 'linear'."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    drawn = {}
    for label, rows in summaries.items():
        drawn[label] = sorted(
            (row['distance_um'], row['weight_norm']) for row in rows
            if row['in_range'] and row.get('distance_um') is not None and not math.isnan(row['distance_um'])
        )
        ax.scatter([d for d, _ in drawn[label]], [w for _, w in drawn[label]], s=14, label=f'{label} ({len(drawn[label])})')
    values = [w for pairs in drawn.values() for _, w in pairs if w > 0]
    scale = 'log' if values and max(values) / min(values) >= 10 else 'linear'
    ax.set_yscale(scale)
    ax.set_xlabel('path distance from the soma (um)')
    ax.set_ylabel('weightNorm (uS per mV)')
    ax.set_title(f'weightNorm of {len(summaries)} cell types')
    if any(drawn.values()):
        ax.legend(fontsize=7)
    fig.tight_layout()
    _save(fig, path)
    return drawn, scale


VALIDATION_PANELS = (('netpyne', "NetPyNE's own lookup"), ('loaded', 'the loading lines'),
                     ('exact', "each segment's own factor"))


def validation(rows, target, path):
    """Validation EPSPs (mV) against path distance from the soma (um), one panel per
    lookup side by side (NetPyNE's own, the loading lines', each segment's own factor),
    on shared axes, the target dashed; places on filled segments (no weight reaches the
    target there) grey and apart from the median and worst in each panel's title. Returns
    the points drawn: {lookup: {'measured': [(distance, EPSP)], 'filled': [...]}}."""
    fig, axes = plt.subplots(1, len(VALIDATION_PANELS), figsize=(13, 4.5), sharex=True, sharey=True)
    drawn = {}
    for ax, (lookup, name) in zip(axes, VALIDATION_PANELS):
        key = f'epsp_{lookup}'
        shown = [row for row in rows if row.get(key) is not None and row.get('distance_um') is not None]
        measured = sorted((row['distance_um'], row[key]) for row in shown if not row.get('filled'))
        filled = sorted((row['distance_um'], row[key]) for row in shown if row.get('filled'))
        drawn[lookup] = {'measured': measured, 'filled': filled}
        ax.scatter([d for d, _ in measured], [e for _, e in measured], s=14, color='tab:blue', label='places')
        if filled:
            ax.scatter([d for d, _ in filled], [e for _, e in filled], s=14, marker='x', color='0.6',
                       label='filled segments (no weight reaches the target)')
        ax.axhline(target, color='black', linestyle='--', linewidth=1, label=f'target {target:g} mV')
        deviations = [abs(e - target) / target for _, e in measured]
        summary = (f'median {100 * statistics.median(deviations):.2f} %, worst {100 * max(deviations):.2f} %' if deviations
                   else 'no simulation succeeded')
        ax.set_title(f'{name}\n{summary}', fontsize=9)
        ax.set_xlabel('path distance from the soma (um)')
    axes[0].set_ylabel('somatic EPSP (mV)')
    axes[0].legend(fontsize=7)
    fig.suptitle(f'{len(rows)} synapses placed as networks place them, weight {target:g} mV x weightNorm', fontsize=10)
    fig.tight_layout()
    _save(fig, path)
    return drawn


def _frame(ax, points, least=20.0):
    """Axis limits around ``points`` (um) with a margin, each side at least a fifth of
    the other and ``least`` um: a cell that is a soma alone, or a straight line, is
    drawn as well as a tree."""
    xs, ys = [p[0] for p in points], [p[1] for p in points]
    span = max(max(xs) - min(xs), max(ys) - min(ys), least)
    for values, limits in ((xs, ax.set_xlim), (ys, ax.set_ylim)):
        half = max(max(values) - min(values), span / 5) / 2 + span * 0.05
        middle = (max(values) + min(values)) / 2
        limits(middle - half, middle + half)


def weight_norm_map(cell, table, path, title=None, filled=()):
    """The cell drawn in the plane (``analysis.layout``), each segment of the sections in
    ``table`` coloured by its weightNorm (uS/mV; a log scale where the values span a
    decade or more), the rest grey; the ``filled`` segments ((section, index) pairs: no
    weight reached the target there) marked with a cross. Returns the colour scale:
    ('log' or 'linear', lowest, highest)."""
    from matplotlib.collections import LineCollection
    from matplotlib.colors import LogNorm, Normalize

    from analysis.layout import section_paths, segment_centres, segment_lines

    fig, ax = plt.subplots(figsize=(6, 7))
    paths = section_paths(cell)
    for points in paths.values():
        ax.plot([p[0] for p in points], [p[1] for p in points], color='0.8', linewidth=1)
    lines = [(a, b, value) for a, b, value in segment_lines(cell, table) if value is not None and value > 0]
    values = [value for _, _, value in lines]
    scale = None
    if lines:
        low, high = min(values), max(values)
        logarithmic = high / low >= 10
        norm = LogNorm(low, high) if logarithmic else Normalize(low, high if high > low else low * 1.001)
        collection = LineCollection([(a, b) for a, b, _ in lines], array=values, cmap='viridis', norm=norm, linewidths=2.5)
        ax.add_collection(collection)
        fig.colorbar(collection, ax=ax, label='weightNorm (uS/mV)' + (', log scale' if logarithmic else ''))
        scale = ('log' if logarithmic else 'linear', low, high)
    crosses = segment_centres(cell, table, sorted(filled))
    if crosses:
        ax.scatter([x for x, _ in crosses], [y for _, y in crosses], marker='x', s=14, color='crimson', linewidths=0.8,
                   label=f'{len(crosses)} filled: no weight reaches the target', zorder=3)
        ax.legend(fontsize=7, loc='best')
    ax.set_aspect('equal')
    _frame(ax, [point for points in paths.values() for point in points])
    ax.set_xlabel('um')
    ax.set_ylabel('um')
    ax.set_title(title or f'weightNorm of {len(table)} sections')
    fig.tight_layout()
    _save(fig, path)
    return scale
