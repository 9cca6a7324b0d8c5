"""What a NetPyNE model's rules say about one of its cell types: its populations, the
synapse its excitatory connParams rules use, and the sections every rule (connParams,
subConnParams, stimTargetParams) puts synapses on, read as NetPyNE reads them."""

from analysis.results import plain

SYNAPTIC_STIMS = ('NetStim', 'VecStim')  # stimSourceParams types whose targets get synapses


def _matches(conds, tags):
    """Whether NetPyNE's ``conds`` select a population with ``tags``: each condition on a
    tag the population has holds (a value, one of a list, or a [low, high] range of a
    number); conditions on what only cells have (a position) are taken to hold."""
    for key, wanted in (conds or {}).items():
        if key not in tags:
            continue
        have = tags[key]
        if isinstance(wanted, (list, tuple)):
            numeric = len(wanted) == 2 and all(isinstance(x, (int, float)) for x in wanted)
            if numeric and isinstance(have, (int, float)) and not isinstance(have, bool):
                if not wanted[0] <= have <= wanted[1]:
                    return False
            elif have not in wanted:
                return False
        elif have != wanted:
            return False
    return True


def populations_of(net_params, label):
    """{label: tags (its popParams with 'pop')} of the model's populations whose cells are
    cell type ``label``: a population whose cellType is the label, or whose tags its
    cellParams' conds select."""
    conds = plain(net_params.cellParams[label].get('conds') or {})
    found = {}
    for pop, params in net_params.popParams.items():
        tags = dict(plain(params), pop=pop)
        if tags.get('cellType') == label or (conds and _matches(conds, tags)):
            found[pop] = tags
    return found


def rule_synapses(net_params, label, excitatory):
    """[(rule label, (synMech, ...), (weight fraction, ...))] of the model's connParams
    rules onto cell type ``label`` whose synMechs are all ``excitatory``: each synMech
    with its synMechWeightFactor (1.0 without one)."""
    pops = populations_of(net_params, label)
    found = []
    for rule_label, rule in net_params.connParams.items():
        rule = plain(rule)
        mechs = rule.get('synMech')
        mechs = list(mechs) if isinstance(mechs, (list, tuple)) else [mechs] if mechs else []
        post = rule.get('postConds') or {}
        if not mechs or not all(mech in excitatory for mech in mechs):
            continue
        if not any(_matches(post, tags) for tags in pops.values()):
            continue
        factors = rule.get('synMechWeightFactor') or [1.0] * len(mechs)
        if len(factors) != len(mechs) or isinstance(rule.get('weight'), (list, tuple)):
            continue
        found.append((rule_label, tuple(mechs), tuple(float(factor) for factor in factors)))
    return found


def rule_sections(sec, cell):
    """The sections of ``cell`` (plain cellParams) that a NetPyNE rule's 'sec' puts
    synapses on, as NetPyNE reads it (CompartCell._setConnSections): none, or one it does
    not know, means 'soma' (else the first section); a secList's name or a list means its
    sections that exist."""
    secs, sec_lists = cell.get('secs') or {}, cell.get('secLists') or {}
    if not sec or (isinstance(sec, str) and sec not in secs and sec not in sec_lists):
        return ['soma'] if 'soma' in secs else list(secs)[:1]
    if isinstance(sec, (list, tuple)) or sec in sec_lists:
        names = list(sec) if isinstance(sec, (list, tuple)) else list(sec_lists[sec])
        return [name for name in dict.fromkeys(names) if name in secs]
    return [sec]


def rules_onto(net_params, label):
    """[(kind, rule label, [sections])] of the model's rules that put synapses on cell type
    ``label``, whose weights a weightNorm scales: connParams and subConnParams by their
    postConds, stimTargetParams from a NetStim or VecStim source by their conds."""
    pops = list(populations_of(net_params, label).values())
    cell = plain(net_params.cellParams[label])
    sources = {name: plain(source) for name, source in net_params.stimSourceParams.items()}
    found = []
    for kind, conds_key, rules in (('connParams', 'postConds', net_params.connParams),
                                   ('subConnParams', 'postConds', net_params.subConnParams),
                                   ('stimTargetParams', 'conds', net_params.stimTargetParams)):
        for rule_label, rule in rules.items():
            rule = plain(rule)
            if kind == 'stimTargetParams' and sources.get(rule.get('source'), {}).get('type') not in SYNAPTIC_STIMS:
                continue
            if any(_matches(rule.get(conds_key) or {}, tags) for tags in pops):
                found.append((kind, str(rule_label), rule_sections(rule.get('sec'), cell)))
    return found


def synapse_of_rules(rules):
    """The synapse most of ``rules`` (see ``rule_synapses``) use, ((synMech, ...),
    (fraction, ...)), with the rules that use it and those that use another; None without
    rules. Among as many rules each, the first rule's."""
    kinds = {}
    for rule_label, mechs, factors in rules:
        kinds.setdefault((mechs, factors), []).append(rule_label)
    if not kinds:
        return None
    chosen = max(kinds, key=lambda kind: len(kinds[kind]))
    others = {kind: labels for kind, labels in kinds.items() if kind != chosen}
    return chosen, kinds[chosen], others

