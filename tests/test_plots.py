"""Plots drawn from plain records, without a display."""

import math

from analysis.plots import epsp_vs_weight, weight_norm_vs_distance

PNG = b'\x89PNG\r\n\x1a\n'


def test_plots_from_records(tmp_path):
    points = [
        {'sec': sec, 'loc': 0.5, 'weight': w, 'epsp': w * gain, 'status': 'ok'}
        for sec, gain in (('soma', 500.0), ('dend', 300.0))
        for w in (0.001, 0.002)
    ] + [{'sec': 'dend', 'loc': 0.5, 'weight': 0.003, 'epsp': None, 'status': 'error'}]
    epsp_vs_weight(points, 0.5, tmp_path / 'epsp.png')
    summary = [
        {'sec': 'soma', 'loc': 0.5, 'in_range': True, 'distance_um': 0.0, 'weight_norm': 0.002},
        {'sec': 'dend', 'loc': 0.5, 'in_range': True, 'distance_um': 250.0, 'weight_norm': 0.0033},
        {'sec': 'axon', 'loc': 0.5, 'in_range': False, 'distance_um': 100.0, 'weight_norm': math.nan},
    ]
    weight_norm_vs_distance(summary, {'soma': 'somatic', 'dend': 'basal'}, tmp_path / 'wn.png')
    assert (tmp_path / 'epsp.png').read_bytes()[:8] == PNG
    assert (tmp_path / 'wn.png').read_bytes()[:8] == PNG
    assert sorted(p.name for p in tmp_path.iterdir()) == ['epsp.png', 'wn.png']
