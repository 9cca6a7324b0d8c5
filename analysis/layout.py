"""Where a cell's sections lie in the plane, for drawing it: from the cell's own 3D points
(x, y of NetPyNE's ``geom['pt3d']``), else a layout generated from its lengths and
topology. Pure functions of a cellParams dict; lengths in um."""

import math


def _children(cell):
    children = {}
    for name, sec in cell['secs'].items():
        parent = (sec.get('topol') or {}).get('parentSec')
        if parent:
            children.setdefault(parent, []).append(name)
    return children


def _polyline_point(points, fraction):
    """The point at ``fraction`` (0..1) of a polyline's length."""
    lengths = [math.dist(a, b) for a, b in zip(points, points[1:])]
    total = sum(lengths)
    if total == 0:
        return points[0]
    goal, walked = fraction * total, 0.0
    for (a, b), length in zip(zip(points, points[1:]), lengths):
        if walked + length >= goal and length > 0:
            share = (goal - walked) / length
            return (a[0] + share * (b[0] - a[0]), a[1] + share * (b[1] - a[1]))
        walked += length
    return points[-1]


def section_paths(cell):
    """{section: [(x, y), ...]}: each section as a polyline from its 0 end to its 1 end.

    Sections with at least two 3D points use their x and y; the others are laid out:
    the root section horizontally at the origin, each child as a straight line of its
    length from its parent's point at parentX; of a section's children the one with the
    longest subtree carries on in its direction and the others fan out to either side;
    the root's children go all round, names starting 'apic' up and 'axon' down. Where
    the apical sections have their own points, the cell is turned so that they go up."""
    secs = cell['secs']
    children = _children(cell)
    roots = [name for name, sec in secs.items() if not (sec.get('topol') or {}).get('parentSec')]
    paths = {}
    subtree = {}

    def subtree_length(name):
        if name not in subtree:
            own = float(secs[name].get('geom', {}).get('L', 10.0))
            subtree[name] = own + sum(subtree_length(kid) for kid in children.get(name, []))
        return subtree[name]

    def own_points(name):
        pt3d = secs[name].get('geom', {}).get('pt3d') or []
        return [(float(p[0]), float(p[1])) for p in pt3d] if len(pt3d) >= 2 else None

    def place(name, start, angle, spread):
        length = float(secs[name].get('geom', {}).get('L', 10.0))
        points = own_points(name) or [start, (start[0] + length * math.cos(angle), start[1] + length * math.sin(angle))]
        paths[name] = points
        kids = sorted(children.get(name, []), key=subtree_length, reverse=True)
        for i, kid in enumerate(kids):
            topol = secs[kid].get('topol') or {}
            origin = _polyline_point(points, float(topol.get('parentX', 1.0)))
            offset = 0.0 if i == 0 else spread * (1 if i % 2 else -1) * ((i + 1) // 2) / max(len(kids) // 2, 1)
            place(kid, origin, angle + offset, spread * 0.7)

    for r, root in enumerate(roots):
        length = float(secs[root].get('geom', {}).get('L', 10.0))
        start = (0.0, 200.0 * r)
        points = own_points(root) or [(start[0] - length / 2, start[1]), (start[0] + length / 2, start[1])]
        paths[root] = points
        kids = children.get(root, [])
        apical = [kid for kid in kids if kid.startswith('apic')]
        axonal = [kid for kid in kids if kid.startswith('axon')]
        others = [kid for kid in kids if kid not in apical and kid not in axonal]
        angles = {kid: math.pi / 2 + 0.3 * (i - (len(apical) - 1) / 2) for i, kid in enumerate(apical)}
        angles.update({kid: -math.pi / 2 + 0.2 * (i - (len(axonal) - 1) / 2) for i, kid in enumerate(axonal)})
        # the others to either side, clear of straight up and straight down
        right, left = others[0::2], others[1::2]
        for side, mirror in ((right, False), (left, True)):
            for i, kid in enumerate(side):
                tilt = math.radians(-60 + 120 * (i + 0.5) / len(side))
                angles[kid] = math.pi - tilt if mirror else tilt
        for kid in kids:
            origin = _polyline_point(points, float((secs[kid].get('topol') or {}).get('parentX', 1.0)))
            place(kid, origin, angles[kid], 0.8)
    apical = apical_sections(cell)
    if any(own_points(name) for name in apical):  # laid out, they go up already
        paths = _apical_up(paths, apical, roots)
    return paths


def apical_sections(cell):
    """The sections of an apical tree: named 'apic...', or in a secList so named (any case)."""
    names = {name for name in cell['secs'] if name.lower().startswith('apic')}
    for label, members in (cell.get('secLists') or {}).items():
        if label.lower().startswith('apic'):
            names.update(name for name in members if name in cell['secs'])
    return names


def _apical_up(paths, apical, roots):
    """``paths`` turned about the centre of the root sections so that the apical
    sections' centre lies straight above it; as they are without apical sections."""
    ends = [point for name in apical if name in paths for point in paths[name]]
    base = [point for name in roots for point in paths[name]]
    if not ends or not base:
        return paths
    cx, cy = sum(x for x, _ in base) / len(base), sum(y for _, y in base) / len(base)
    ax, ay = sum(x for x, _ in ends) / len(ends) - cx, sum(y for _, y in ends) / len(ends) - cy
    if math.hypot(ax, ay) == 0:
        return paths
    turn = math.pi / 2 - math.atan2(ay, ax)
    cos, sin = math.cos(turn), math.sin(turn)
    return {name: [(cx + (x - cx) * cos - (y - cy) * sin, cy + (x - cx) * sin + (y - cy) * cos) for x, y in points]
            for name, points in paths.items()}


def segment_lines(cell, table):
    """[((x0, y0), (x1, y1), value)] of every segment of the sections in ``table``
    ({section: [value per segment]}), each from its section's polyline."""
    paths = section_paths(cell)
    lines = []
    for sec, values in table.items():
        points = paths[sec]
        n = len(values)
        for i, value in enumerate(values):
            lines.append((_polyline_point(points, i / n), _polyline_point(points, (i + 1) / n), value))
    return lines


def segment_centres(cell, table, segments):
    """[(x, y)] of the centres of ``segments`` ((section, index) pairs) of the sections
    in ``table`` ({section: [value per segment]}), on their sections' polylines."""
    paths = section_paths(cell)
    return [_polyline_point(paths[sec], (index + 0.5) / len(table[sec])) for sec, index in segments if sec in table]
