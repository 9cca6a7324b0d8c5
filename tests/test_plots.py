"""Plots drawn from plain records, without a display."""

import math
import struct

from analysis.plots import epsp_vs_weight, weight_norm_vs_distance

PNG = b'\x89PNG\r\n\x1a\n'


def png_size(path):
    """(width, height) in pixels from a PNG's header."""
    data = path.read_bytes()
    assert data[:8] == PNG and data[12:16] == b'IHDR'
    return struct.unpack('>II', data[16:24])


def test_epsp_lines_leave_out_failed_points_and_follow_the_weight(tmp_path):
    points = [
        {'sec': sec, 'loc': 0.5, 'weight': w, 'epsp': w * gain, 'status': 'ok'}
        for sec, gain in (('soma', 500.0), ('dend', 300.0))
        for w in (0.002, 0.001)
    ] + [{'sec': 'dend', 'loc': 0.5, 'weight': 0.003, 'epsp': None, 'status': 'error'}]
    drawn = epsp_vs_weight(points, 0.5, tmp_path / 'epsp.png')
    assert drawn == {'soma(0.5)': [(0.001, 0.5), (0.002, 1.0)], 'dend(0.5)': [(0.001, 0.3), (0.002, 0.6)]}
    assert png_size(tmp_path / 'epsp.png') == (840, 540)


def test_weight_norm_points_are_the_places_that_reached_the_target_by_group(tmp_path):
    summary = [
        {'sec': 'soma', 'loc': 0.5, 'in_range': True, 'distance_um': 0.0, 'weight_norm': 0.002},
        {'sec': 'dend', 'loc': 0.5, 'in_range': True, 'distance_um': 250.0, 'weight_norm': 0.0033},
        {'sec': 'dend2', 'loc': 0.5, 'in_range': True, 'distance_um': 300.0, 'weight_norm': 0.004},
        {'sec': 'axon', 'loc': 0.5, 'in_range': False, 'distance_um': 100.0, 'weight_norm': math.nan},
    ]
    drawn = weight_norm_vs_distance(summary, {'soma': 'somatic', 'dend': 'basal', 'dend2': 'basal'}, tmp_path / 'wn.png')
    assert drawn == {'somatic': [(0.0, 0.002)], 'basal': [(250.0, 0.0033), (300.0, 0.004)]}
    assert png_size(tmp_path / 'wn.png') == (840, 540)
    assert sorted(p.name for p in tmp_path.iterdir()) == ['wn.png']
