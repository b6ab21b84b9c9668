"""The timeline chart: one lane per agency, entries as marks, shares drawn between lanes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import altair as alt

SHARING_KINDS = ("share", "followup", "request", "response", "decline")


def timeline(entries: Sequence[dict[str, Any]]) -> alt.LayerChart:
    points = [
        {
            "when": e["occurred_at"][:10],
            "agency": e["agency"],
            "kind": e["kind"],
            "summary": e["summary"],
            "id": e["id"],
        }
        for e in entries
    ]
    links = [
        {"when": e["occurred_at"][:10], "from": e["agency"], "to": recipient, "kind": e["kind"]}
        for e in entries
        if e["kind"] in SHARING_KINDS
        for recipient in e["to_agencies"]
    ]
    marks = (
        alt.Chart(alt.Data(values=points))
        .mark_circle(size=90)
        .encode(
            x=alt.X("when:T", title="when it happened"),
            y=alt.Y("agency:N", title=None),
            color=alt.Color("kind:N", title="entry"),
            tooltip=["when:T", "agency:N", "kind:N", "id:N", "summary:N"],
        )
    )
    arrows = (
        alt.Chart(alt.Data(values=links))
        .mark_rule(opacity=0.5)
        .encode(
            x="when:T",
            y="from:N",
            y2="to:N",
            color=alt.value("#888"),
        )
    )
    return alt.layer(arrows, marks).properties(
        height=max(160, 45 * len({p["agency"] for p in points}))
    )
