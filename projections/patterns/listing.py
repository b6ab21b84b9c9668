"""Alerts as an analyst reviews them: filtered, in order of severity then date, siblings together.

Works on alerts as plain dicts (`Alert.as_dict()`), as pages and commands show them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from projections.patterns.alerts import SEVERITIES
from projections.patterns.triage import triage_state

AlertRow = Mapping[str, Any]


def alert_agencies(alert: AlertRow) -> set[str]:
    """The agencies whose entries are the alert's evidence (an entry id is `<agency>:<ref>`)."""
    return {entry_id.split(":", 1)[0] for entry_id in alert["evidence"]}


def filtered(
    alerts: Iterable[AlertRow],
    severities: Collection[str] = (),
    patterns: Collection[str] = (),
    agencies: Collection[str] = (),
    triage_states: Collection[str] = (),
) -> list[AlertRow]:
    """The alerts matching every filter given (an empty filter lets everything through)."""
    return [
        a
        for a in alerts
        if (not severities or a["severity"] in severities)
        and (not patterns or a["pattern"] in patterns)
        and (not agencies or alert_agencies(a) & set(agencies))
        and (not triage_states or triage_state(a) in triage_states)
    ]


def in_review_order(alerts: Iterable[AlertRow]) -> list[AlertRow]:
    """Most severe first; within a severity, the most recently raised first."""
    rank = {severity: n for n, severity in enumerate(SEVERITIES)}
    newest_first = sorted(
        alerts, key=lambda a: (a["first_raised"], a["child_ref"], a["pattern"]), reverse=True
    )
    return sorted(newest_first, key=lambda a: rank.get(a["severity"], len(rank)))


def siblings_together(alerts: Iterable[AlertRow]) -> list[dict[str, Any]]:
    """One row per alert, but one row for siblings' alerts raised on the same shared entries:
    `children` names every child it holds for, `ids` every child's alert id. Order is kept.
    An alert shown without its evidence (a scope that may not see it) is never grouped."""
    rows: dict[tuple[Any, ...], dict[str, Any]] = {}
    for alert in alerts:
        shared = tuple(alert["evidence"]) or (alert["child_ref"],)
        key = (alert["pattern"], shared, alert["first_raised"])
        row = rows.get(key)
        if row is None:
            rows[key] = {**alert, "children": [alert["child_ref"]], "ids": [alert["id"]]}
        else:
            row["children"].append(alert["child_ref"])
            row["ids"].append(alert["id"])
    return list(rows.values())
