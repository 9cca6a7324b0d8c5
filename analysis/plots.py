"""Figures of a search, drawn with matplotlib without a display (Agg)."""

import math
import statistics

import matplotlib

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from analysis.results import write_atomic  # noqa: E402


def _save(fig, path):
    write_atomic(path, lambda stream: fig.savefig(stream, format='png', dpi=120), binary=True)
    plt.close(fig)


def _distance_colours(distances):
    """A colour map and normalisation for path distances (um)."""
    from matplotlib.colors import Normalize

    known = [d for d in distances if d is not None and not math.isnan(d)]
    low, high = (min(known), max(known)) if known else (0.0, 1.0)
    return plt.get_cmap('viridis'), Normalize(low, high if high > low else low + 1.0)


def epsp_vs_weight(points, target, path):
    """EPSP (mV) against weight (uS) on log-log axes: each place's points joined in order
    of weight, coloured by the place's path distance from the soma (um, a colour bar),
    the target dashed; points without a positive EPSP left out. Returns the lines drawn:
    {'sec(loc)': [(weight, EPSP) in order of weight]}."""
    from matplotlib.cm import ScalarMappable

    fig, ax = plt.subplots(figsize=(7, 4.5))
    lines, distances = {}, {}
    for point in points:
        if point['status'] == 'ok' and point['epsp'] is not None and point['epsp'] > 0 and point['weight'] > 0:
            place = (point['sec'], point['loc'])
            lines.setdefault(place, []).append((point['weight'], point['epsp']))
            if point.get('distance_um') is not None:
                distances[place] = point['distance_um']
    cmap, norm = _distance_colours(distances.values())
    drawn = {}
    for (sec, loc), pairs in lines.items():
        pairs.sort()
        drawn[f'{sec}({loc:.3g})'] = pairs
        distance = distances.get((sec, loc))
        colour = cmap(norm(distance)) if distance is not None else '0.5'
        ax.plot([w for w, _ in pairs], [e for _, e in pairs], marker='o', markersize=3, linewidth=1, color=colour)
    ax.axhline(target, color='black', linestyle='--', linewidth=1, label=f'target {target:g} mV')
    if lines:
        from matplotlib.ticker import FuncFormatter

        plain = FuncFormatter(lambda value, _: f'{value:.3g}')
        ax.set_xscale('log')
        ax.set_yscale('log')
        for axis in (ax.xaxis, ax.yaxis):  # plain numbers, on narrow ranges too
            axis.set_major_formatter(plain)
            axis.set_minor_formatter(plain)
    if distances:
        fig.colorbar(ScalarMappable(norm=norm, cmap=cmap), ax=ax, label='path distance from the soma (um)')
    ax.set_xlabel('synaptic weight (uS)')
    ax.set_ylabel('somatic EPSP (mV)')
    ax.set_title(f"{len(lines)} place{'s' if len(lines) != 1 else ''}", fontsize=9)
    ax.legend(fontsize=7, loc='upper left')
    fig.tight_layout()
    _save(fig, path)
    return drawn


def _without_weight(rows):
    """Of summary ``rows`` at a known distance: those filled (no weight reached the target
    there; they carry the fill value) and those with no weight at all."""
    placed = [row for row in rows if row.get('distance_um') is not None and not math.isnan(row['distance_um'])]
    filled = [row for row in placed if not row['in_range'] and row.get('filled')]
    missing = [row for row in placed if not row['in_range'] and not row.get('filled')]
    return filled, missing


def _mark_without_weight(ax, filled, missing):
    """Filled places as grey crosses at their fill value; places with no weight as
    triangles along the bottom of the axes."""
    from matplotlib.transforms import blended_transform_factory

    if filled:
        ax.scatter([row['distance_um'] for row in filled], [row['weight_norm'] for row in filled], s=18, marker='x',
                   color='0.45', label=f'filled: no weight reaches the target ({len(filled)})')
    if missing:
        bottom = blended_transform_factory(ax.transData, ax.transAxes)
        ax.scatter([row['distance_um'] for row in missing], [0.02] * len(missing), s=18, marker='v', color='crimson',
                   transform=bottom, clip_on=False, label=f'not found ({len(missing)})')


def weight_norm_vs_distance(summary, groups, path):
    """weightNorm against path distance from the soma (um), one colour per group of
    sections (``groups``: section name -> group name) for the places that reached the
    target; the places without a weight shown too, filled ones at their fill value and
    the others along the bottom. Returns the points drawn: {group: [(distance,
    weightNorm)]}, with 'filled' and 'not found' [(distance, weightNorm or None)] where
    there are such places."""
    fig, ax = plt.subplots(figsize=(7, 4.5))
    by_group = {}
    for row in summary:
        if row['in_range'] and row.get('distance_um') is not None and not math.isnan(row['distance_um']):
            by_group.setdefault(groups.get(row['sec'], row['sec']), []).append((row['distance_um'], row['weight_norm']))
    for group, pairs in sorted(by_group.items()):
        ax.scatter([d for d, _ in pairs], [w for _, w in pairs], s=12, label=group)
    filled, missing = _without_weight(summary)
    _mark_without_weight(ax, filled, missing)
    ax.set_xlabel('path distance from the soma (um)')
    ax.set_ylabel('weightNorm (uS per mV)')
    if by_group or filled or missing:
        ax.legend(fontsize=7)
    fig.tight_layout()
    _save(fig, path)
    drawn = dict(by_group)
    if filled:
        drawn['filled'] = [(row['distance_um'], row['weight_norm']) for row in filled]
    if missing:
        drawn['not found'] = [(row['distance_um'], None) for row in missing]
    return drawn


MARKERS = ('o', 's', '^', 'D', 'v', 'P', 'X', '*')


def cell_type_styles(labels):
    """{label: (colour, marker)}, distinct for up to 20 x 8 cell types: tab20's colours,
    each round of them with the next marker."""
    palette = plt.get_cmap('tab20').colors
    return {label: (palette[i % len(palette)], MARKERS[(i // len(palette)) % len(MARKERS)])
            for i, label in enumerate(labels)}


def weight_norm_by_cell(summaries, path):
    """weightNorm (uS/mV) against path distance from the soma (um) of every cell type
    (``summaries``: {cell type: its summary rows}), a colour (and marker past 20) each,
    the places that reached the target; a log scale where the values span a decade or
    more; a message in place of empty axes where no place reached it. Returns the points
    drawn, {cell type: [(distance, weightNorm)]}, and the scale, 'log' or 'linear' (None
    with nothing drawn)."""
    fig, ax = plt.subplots(figsize=(7 + 1.6 * math.ceil(len(summaries) / 16) if len(summaries) > 10 else 7, 4.5))
    drawn = {}
    styles = cell_type_styles(summaries)
    for label, rows in summaries.items():
        drawn[label] = sorted(
            (row['distance_um'], row['weight_norm']) for row in rows
            if row['in_range'] and row.get('distance_um') is not None and not math.isnan(row['distance_um'])
        )
        colour, marker = styles[label]
        ax.scatter([d for d, _ in drawn[label]], [w for _, w in drawn[label]], s=14, color=colour, marker=marker,
                   label=f'{label} ({len(drawn[label])})')
    values = [w for pairs in drawn.values() for _, w in pairs if w > 0]
    scale = None
    if values:
        scale = 'log' if max(values) / min(values) >= 10 else 'linear'
        ax.set_yscale(scale)
        ax.set_xlabel('path distance from the soma (um)')
        ax.set_ylabel('weightNorm (uS per mV)')
        if len(summaries) > 10:  # beside the axes, in columns, clear of the points
            ax.legend(fontsize=7, ncol=math.ceil(len(summaries) / 16), loc='upper left', bbox_to_anchor=(1.01, 1.0))
        else:
            ax.legend(fontsize=7)
    else:
        ax.set_axis_off()
        ax.text(0.5, 0.5, f'no weight reached the target at any place of the {len(summaries)} cell types',
                ha='center', va='center', transform=ax.transAxes)
    ax.set_title(f'weightNorm of {len(summaries)} cell types')
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
    decade or more, else one at least 1 % either side of their middle), the rest grey and
    named in the legend; apical dendrites up; the ``filled`` segments ((section, index) pairs: no
    weight reached the target there) marked with a cross. Returns the colour scale:
    ('log' or 'linear', lowest, highest)."""
    from matplotlib.collections import LineCollection
    from matplotlib.colors import LogNorm, Normalize
    from matplotlib.ticker import ScalarFormatter

    from analysis.layout import section_paths, segment_centres, segment_lines

    fig, ax = plt.subplots(figsize=(6, 7))
    paths = section_paths(cell)
    outside = [name for name in paths if name not in table]
    for points in paths.values():
        ax.plot([p[0] for p in points], [p[1] for p in points], color='0.8', linewidth=1)
    if outside:
        ax.plot([], [], color='0.8', linewidth=1, label=f'not in the weightNorm ({len(outside)} sections)')
    lines = [(a, b, value) for a, b, value in segment_lines(cell, table) if value is not None and value > 0]
    values = [value for _, _, value in lines]
    scale = None
    if lines:
        low, high = min(values), max(values)
        logarithmic = high / low >= 10
        if logarithmic:
            norm = LogNorm(low, high)
        else:  # at least 1 % either side of the middle: values all close get one colour, not noise
            middle, half = (low + high) / 2, max((high - low) / 2, 0.01 * (low + high) / 2)
            norm = Normalize(middle - half, middle + half)
        collection = LineCollection([(a, b) for a, b, _ in lines], array=values, cmap='viridis', norm=norm, linewidths=2.5)
        ax.add_collection(collection)
        bar = fig.colorbar(collection, ax=ax, label='weightNorm (uS/mV)' + (', log scale' if logarithmic else ''))
        if not logarithmic:
            bar.formatter = ScalarFormatter(useOffset=False)
            bar.update_ticks()
        scale = ('log' if logarithmic else 'linear', low, high)
    crosses = segment_centres(cell, table, sorted(filled))
    if crosses:
        ax.scatter([x for x, _ in crosses], [y for _, y in crosses], marker='x', s=14, color='crimson', linewidths=0.8,
                   label=f'{len(crosses)} filled: no weight reaches the target', zorder=3)
    if outside or crosses:
        ax.legend(fontsize=7, loc='best')
    ax.set_aspect('equal')
    _frame(ax, [point for points in paths.values() for point in points])
    ax.set_xlabel('um')
    ax.set_ylabel('um')
    ax.set_title(title or f'weightNorm of {len(table)} sections')
    fig.tight_layout()
    _save(fig, path)
    return scale
