"""The record of one point: from its somatic trace, or of a simulation that failed."""

from analysis.epsp import epsp_features, loss


def onset_time(cfg):
    """Time (ms) the synapse is activated: the NetStim spike plus the NetCon delay."""
    return cfg.stimTime + cfg.stimDelay


def point_record(cfg, t, v, run_time=None, distance=None):
    """The record of one point from its somatic trace (t in ms, v in mV); ``distance``
    is the path distance (um) from the soma's centre to the synapse."""
    features = epsp_features(
        t,
        v,
        onset_time(cfg),
        baseline_window=cfg.baselineWindow,
        epsp_window=cfg.epspWindow,
        spike_threshold=cfg.spikeThreshold,
    )
    return {
        'sec': cfg.sec,
        'loc': float(cfg.loc),
        'weight': float(cfg.weight),
        'epsp': features['epsp'],
        'loss': loss(features['epsp'], cfg.epspTarget),
        'target': float(cfg.epspTarget),
        'spiked': features['spiked'],
        'status': 'ok',
        'error': None,
        'peak_time': features['peak_time'],
        'baseline': features['baseline'],
        'distance_um': distance,
        'run_time': run_time,
    }


def error_record(sec, loc, weight, target, message, trace=None):
    """The record of a point whose simulation failed, with the reason in ``error`` and,
    where the failure was an exception, its ``traceback``."""
    record = {
        'sec': sec,
        'loc': float(loc),
        'weight': float(weight),
        'epsp': None,
        'loss': None,
        'target': float(target),
        'spiked': False,
        'status': 'error',
        'error': message,
    }
    if trace:
        record['traceback'] = trace
    return record


def predicted_record(sec, loc, weight, epsp, target, distance, seconds):
    """The record of a place whose weight was predicted, not simulated (--preview): the
    ``weight`` (uS) and the ``epsp`` (mV) predicted for it, with the point record's
    fields, those that only a trace gives empty, and ``preview`` true; ``run_time`` is
    the place's share of the prediction's ``seconds``."""
    return {
        'sec': sec,
        'loc': float(loc),
        'weight': float(weight),
        'epsp': float(epsp),
        'loss': loss(float(epsp), target),
        'target': float(target),
        'spiked': False,
        'status': 'ok',
        'error': None,
        'peak_time': None,
        'baseline': None,
        'distance_um': distance,
        'run_time': seconds,
        'preview': True,
    }
