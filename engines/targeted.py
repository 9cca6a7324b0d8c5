"""Targeted search at one place, shared by both engines: simulate the weights that
analysis.search proposes until the EPSP hits the target.

Every simulated point is a record; the last one of a place carries the outcome:
``converged`` and ``search`` (the reason the search ended).
"""

from analysis.search import TargetSearch
from engines import point
from engines.errors import UserError


def work_unit(search):
    """What one unit of work is called: a place with targeted search, else a point."""
    return 'places' if search == 'target' else 'points'


def search_place(measure, cfg, sec, loc):
    """Records of the search at (sec, loc); ``measure(sec, loc, weight)`` gives a record.

    Settings from cfg: epspTarget (mV), searchTol (fraction of the target),
    searchFirstWeight and searchMaxWeight (uS).
    """
    search = TargetSearch(cfg.epspTarget, cfg.searchTol * cfg.epspTarget, cfg.searchFirstWeight, cfg.searchMaxWeight)
    records = []
    while not search.done:
        weight = search.next_weight()
        record = measure(sec, loc, weight)
        records.append(record)
        if record['status'] != 'ok':
            _close(records, False, f'a simulation failed: {record["error"]}')
            return records
        search.tell(weight, record['epsp'], record['spiked'])
    _close(records, search.converged, search.reason)
    return records


def _close(records, converged, reason):
    records[-1]['converged'] = converged
    records[-1]['search'] = reason


def failed_place(cfg, sec, loc, message):
    """The one record of a place whose search could not run."""
    record = point.error_record(sec, loc, cfg.searchFirstWeight, cfg.epspTarget, message)
    _close([record], False, message)
    return record


def search_job(cfg, net_params_file):
    """A batch job's search at cfg.sec, cfg.loc, with the model built once (as the inline
    engine builds it, from the batch's copy of netParams)."""
    from engines.inline import Measurer

    try:
        measurer = Measurer(cfg, net_params_file)
    except UserError:
        raise
    except Exception as err:
        return [failed_place(cfg, cfg.sec, cfg.loc, f'{type(err).__name__}: {err}')]
    return search_place(measurer.measure, cfg, cfg.sec, cfg.loc)
