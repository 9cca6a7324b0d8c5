"""Plots drawn from plain records, without a display."""

import math

import pytest

from analysis.plots import epsp_vs_weight, weight_norm_by_cell, weight_norm_map, weight_norm_vs_distance
from tests.helpers import png_size

pytestmark = pytest.mark.unit  # pure code, no simulator process: python -m pytest -m unit

def test_epsp_lines_leave_out_failed_points_and_follow_the_weight(tmp_path):
    """Points in simulation order (a search goes back and forth) are joined in order of
    weight; failed points and EPSPs a log axis cannot show are left out."""
    points = [
        {'sec': sec, 'loc': 0.5, 'weight': w, 'epsp': w * gain, 'status': 'ok', 'distance_um': distance}
        for sec, gain, distance in (('soma', 500.0, 0.0), ('dend', 300.0, 250.0))
        for w in (0.002, 0.001, 0.0015)
    ] + [{'sec': 'dend', 'loc': 0.5, 'weight': 0.003, 'epsp': None, 'status': 'error'},
         {'sec': 'dend', 'loc': 0.5, 'weight': 0.0001, 'epsp': 0.0, 'status': 'ok', 'distance_um': 250.0}]
    drawn = epsp_vs_weight(points, 0.5, tmp_path / 'epsp.png')
    assert drawn == {'soma(0.5)': [(0.001, 0.5), (0.0015, 0.75), (0.002, 1.0)],
                     'dend(0.5)': [(0.001, 0.3), (0.0015, pytest.approx(0.45)), (0.002, 0.6)]}
    assert png_size(tmp_path / 'epsp.png') == (840, 540)


def test_epsp_lines_on_log_axes_coloured_by_distance(tmp_path, monkeypatch):
    import matplotlib.figure

    kept = {}
    monkeypatch.setattr(matplotlib.figure.Figure, 'savefig', lambda fig, *args, **kwargs: kept.setdefault('fig', fig))
    points = [{'sec': f'd{i}', 'loc': 0.5, 'weight': w, 'epsp': w * 100 / (i + 1), 'status': 'ok',
               'distance_um': 100.0 * i} for i in range(12) for w in (0.001, 0.01)]
    epsp_vs_weight(points, 0.5, tmp_path / 'epsp.png')
    fig = kept['fig']
    ax = fig.axes[0]
    assert ax.get_xscale() == 'log' and ax.get_yscale() == 'log'
    colours = {tuple(line.get_color()) for line in ax.lines if line.get_label().startswith('_')}
    assert len(colours) == 12  # one per distance, not a cycle of ten
    assert fig.axes[1].get_ylabel() == 'path distance from the soma (um)'  # the colour bar


def test_weight_norm_points_are_the_places_that_reached_the_target_by_group(tmp_path):
    summary = [
        {'sec': 'soma', 'loc': 0.5, 'in_range': True, 'distance_um': 0.0, 'weight_norm': 0.002},
        {'sec': 'dend', 'loc': 0.5, 'in_range': True, 'distance_um': 250.0, 'weight_norm': 0.0033},
        {'sec': 'dend2', 'loc': 0.5, 'in_range': True, 'distance_um': 300.0, 'weight_norm': 0.004},
        {'sec': 'axon', 'loc': 0.5, 'in_range': False, 'distance_um': 100.0, 'weight_norm': math.nan},
    ]
    drawn = weight_norm_vs_distance(summary, {'soma': 'somatic', 'dend': 'basal', 'dend2': 'basal'}, tmp_path / 'wn.png')
    assert drawn == {'somatic': [(0.0, 0.002)], 'basal': [(250.0, 0.0033), (300.0, 0.004)], 'not found': [(100.0, None)]}
    assert png_size(tmp_path / 'wn.png') == (840, 540)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['wn.png']


def test_places_without_a_weight_are_shown_as_filled_or_not_found(tmp_path):
    summary = [
        {'sec': 'soma', 'loc': 0.5, 'in_range': True, 'distance_um': 0.0, 'weight_norm': 0.002},
        {'sec': 'tuft', 'loc': 0.25, 'in_range': False, 'filled': True, 'distance_um': 900.0, 'weight_norm': 0.008},
        {'sec': 'tuft', 'loc': 0.75, 'in_range': False, 'filled': False, 'distance_um': 950.0, 'weight_norm': math.nan},
    ]
    drawn = weight_norm_vs_distance(summary, {}, tmp_path / 'wn.png')
    assert drawn == {'soma': [(0.0, 0.002)], 'filled': [(900.0, 0.008)], 'not found': [(950.0, None)]}


def test_cell_types_compared_on_one_scale(tmp_path):
    def row(distance, value, in_range=True):
        return {'in_range': in_range, 'distance_um': distance, 'weight_norm': value}

    summaries = {'IT2': [row(0.0, 0.001), row(200.0, 0.002)], 'PT5': [row(0.0, 0.0005), row(900.0, 0.02)],
                 'PV': [row(0.0, math.nan, in_range=False)]}
    drawn, scale = weight_norm_by_cell(summaries, tmp_path / 'cells.png')
    assert drawn == {'IT2': [(0.0, 0.001), (200.0, 0.002)], 'PT5': [(0.0, 0.0005), (900.0, 0.02)], 'PV': []}
    assert scale == 'log' and png_size(tmp_path / 'cells.png') == (840, 540)
    assert weight_norm_by_cell({'IT2': summaries['IT2']}, tmp_path / 'one.png')[1] == 'linear'


def test_many_cell_types_each_look_different_and_none_found_says_so(tmp_path):
    from analysis.plots import cell_type_styles

    styles = cell_type_styles([f'type{i}' for i in range(30)])
    assert len(set(styles.values())) == 30
    assert weight_norm_by_cell({'PV': [], 'SOM': []}, tmp_path / 'none.png') == ({'PV': [], 'SOM': []}, None)
    assert png_size(tmp_path / 'none.png') == (840, 540)


CELL = {
    'secs': {
        'soma': {'geom': {'L': 20.0, 'nseg': 1}},
        'apic': {'geom': {'L': 300.0, 'nseg': 3}, 'topol': {'parentSec': 'soma', 'parentX': 1.0, 'childX': 0.0}},
        'tuft': {'geom': {'L': 100.0, 'nseg': 2}, 'topol': {'parentSec': 'apic', 'parentX': 1.0, 'childX': 0.0}},
        'obl': {'geom': {'L': 80.0, 'nseg': 1}, 'topol': {'parentSec': 'apic', 'parentX': 0.5, 'childX': 0.0}},
        'basal': {'geom': {'L': 150.0, 'nseg': 1, 'pt3d': [[0, 0, 0, 1], [-90, -120, 0, 1]]},
                  'topol': {'parentSec': 'soma', 'parentX': 0.5, 'childX': 0.0}},
    },
}


def test_a_cell_laid_out_from_its_lengths_and_its_own_points():
    from analysis.layout import section_paths, segment_centres, segment_lines

    paths = section_paths(CELL)
    assert paths['soma'] == [(-10.0, 0.0), (10.0, 0.0)]
    assert paths['apic'][0] == (10.0, 0.0) and math.dist(*paths['apic']) == pytest.approx(300.0)
    assert paths['apic'][1][1] > 290.0  # apical dendrites go up
    assert paths['tuft'][0] == pytest.approx(paths['apic'][1]) and math.dist(*paths['tuft']) == pytest.approx(100.0)
    middle = ((paths['apic'][0][0] + paths['apic'][1][0]) / 2, (paths['apic'][0][1] + paths['apic'][1][1]) / 2)
    assert paths['obl'][0] == pytest.approx(middle)
    assert paths['basal'] == [(0.0, 0.0), (-90.0, -120.0)]  # its own 3D points
    lines = segment_lines(CELL, {'apic': [1.0, 2.0, 3.0]})
    assert [value for _, _, value in lines] == [1.0, 2.0, 3.0]
    assert lines[0][1] == pytest.approx(lines[1][0]) and math.dist(lines[0][0], lines[0][1]) == pytest.approx(100.0)
    centres = segment_centres(CELL, {'apic': [1.0, 2.0, 3.0], 'basal': [4.0]}, [('apic', 2), ('basal', 0)])
    assert centres == [pytest.approx(((lines[2][0][0] + lines[2][1][0]) / 2, (lines[2][0][1] + lines[2][1][1]) / 2)),
                       pytest.approx((-45.0, -60.0))]


def test_a_cell_with_its_own_points_is_turned_apical_up():
    from analysis.layout import section_paths

    sideways = {'secs': {
        'soma': {'geom': {'L': 20.0, 'pt3d': [[-10, 0, 0, 10], [10, 0, 0, 10]]}},
        'apic': {'geom': {'L': 300.0, 'pt3d': [[10, 0, 0, 2], [310, 0, 0, 2]]},
                 'topol': {'parentSec': 'soma', 'parentX': 1.0, 'childX': 0.0}},
        'dend': {'geom': {'L': 100.0, 'pt3d': [[-10, 0, 0, 1], [-110, 0, 0, 1]]},
                 'topol': {'parentSec': 'soma', 'parentX': 0.0, 'childX': 0.0}},
    }}
    paths = section_paths(sideways)
    (x0, y0), (x1, y1) = paths['apic']
    assert y1 - y0 == pytest.approx(300.0) and x1 == pytest.approx(x0)
    assert paths['dend'][1][1] < paths['dend'][0][1]  # the other way, down
    assert math.dist(*paths['dend']) == pytest.approx(100.0)


def test_the_map_names_what_it_does_not_colour_and_keeps_close_values_apart(tmp_path, monkeypatch):
    import matplotlib.figure

    kept = {}
    monkeypatch.setattr(matplotlib.figure.Figure, 'savefig', lambda fig, *args, **kwargs: kept.setdefault('fig', fig))
    scale = weight_norm_map(CELL, {'soma': [0.002], 'apic': [0.002, 0.002000001, 0.002]}, tmp_path / 'm.png',
                            filled={('apic', 1)})
    assert scale == ('linear', 0.002, 0.002000001)
    ax, bar = kept['fig'].axes
    labels = [text.get_text() for text in ax.get_legend().get_texts()]
    assert labels == ['not in the weightNorm (3 sections)', '1 filled: no weight reaches the target']
    low, high = bar.get_ylim()
    assert low == pytest.approx(0.002 * 0.99, rel=1e-6) and high == pytest.approx(0.002 * 1.01, rel=1e-6)
    assert bar.yaxis.get_offset_text().get_text() == ''


def test_the_weight_norm_map_takes_a_log_scale_over_a_decade(tmp_path):
    assert weight_norm_map(CELL, {'soma': [0.002], 'apic': [0.003, 0.004, 0.005]}, tmp_path / 'a.png') == ('linear', 0.002, 0.005)
    assert weight_norm_map(CELL, {'soma': [0.002], 'tuft': [0.05, 0.4]}, tmp_path / 'b.png') == ('log', 0.002, 0.4)
    assert png_size(tmp_path / 'a.png') == (720, 840)


def test_filled_segments_are_marked_on_the_map(tmp_path):
    table = {'soma': [0.002], 'tuft': [0.05, 0.008]}
    assert weight_norm_map(CELL, table, tmp_path / 'f.png', filled={('tuft', 1)}) == ('log', 0.002, 0.05)
    assert png_size(tmp_path / 'f.png') == (720, 840)


def test_a_cell_that_is_a_soma_alone_is_drawn(tmp_path):
    cell = {'secs': {'soma': {'geom': {'L': 10.0, 'diam': 10.0}}}}
    assert weight_norm_map(cell, {'soma': [0.0002]}, tmp_path / 'soma.png') == ('linear', 0.0002, 0.0002)
    assert png_size(tmp_path / 'soma.png')[0] > 300
