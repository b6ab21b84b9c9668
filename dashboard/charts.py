"""The timeline chart: one lane per agency, one fixed colour and shape per entry kind (the same
for every child and every view), mark size for significance, shares drawn as arrows from the
sharing agency's lane to the receiving agency's, an alert's evidence ringed; zoom and pan on the
time axis; UK dates; agency names on the lanes (codes in the tooltips)."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import altair as alt

from dashboard.presentation import KIND_STYLE, KINDS, SIGNIFICANCE_SIZE, agency_name, uk_when

SHARING_KINDS = ("share", "followup", "request", "response", "decline")
UK_DATE_AXIS = "%d/%m/%Y"
EVIDENCE_RING = "#000000"


def kind_colour_scale() -> alt.Scale:
    return alt.Scale(domain=list(KINDS), range=[KIND_STYLE[k][0] for k in KINDS])


def kind_shape_scale() -> alt.Scale:
    return alt.Scale(domain=list(KINDS), range=[KIND_STYLE[k][1] for k in KINDS])


def timeline(
    entries: Sequence[dict[str, Any]],
    names: Mapping[str, str] | None = None,
    evidence: Collection[str] = (),
) -> alt.LayerChart:
    names = names or {}
    lanes = sorted({agency_name(names, e["agency"]) for e in entries})
    points = [
        {
            "when": e["occurred_at"],
            "date": uk_when(e["occurred_at"]),
            "agency": agency_name(names, e["agency"]),
            "code": e["agency"],
            "kind": e["kind"],
            "significance": e["significance"],
            "summary": e["summary"],
            "id": e["id"],
            "evidence": e["id"] in evidence,
            # Passing-on entries drawn first, so the events they pass on stay visible above.
            "layer": 0 if e["kind"] in SHARING_KINDS else 1,
        }
        for e in entries
    ]
    links = []
    for e in entries:
        if e["kind"] not in SHARING_KINDS:
            continue
        sender = agency_name(names, e["agency"])
        for recipient in e["to_agencies"]:
            receiver = agency_name(names, recipient)
            if receiver not in lanes:
                lanes.append(receiver)
            downwards = lanes.index(receiver) > lanes.index(sender)
            links.append(
                {
                    "when": e["occurred_at"],
                    "from": sender,
                    "to": receiver,
                    "kind": e["kind"],
                    "head": "triangle-down" if downwards else "triangle-up",
                }
            )
    x = alt.X("when:T", title="when it happened", axis=alt.Axis(format=UK_DATE_AXIS))
    lane = alt.Y(
        "agency:N",
        title=None,
        sort=lanes,
        scale=alt.Scale(domain=lanes),
        axis=alt.Axis(labelLimit=260),
    )
    zoom = alt.selection_interval(bind="scales", encodings=["x"])
    marks = (
        alt.Chart(alt.Data(values=points))
        .mark_point(filled=True, opacity=1)
        .encode(
            x=x,
            y=lane,
            color=alt.Color("kind:N", title="entry", scale=kind_colour_scale()),
            shape=alt.Shape("kind:N", title="entry", scale=kind_shape_scale()),
            size=alt.Size(
                "significance:N",
                scale=alt.Scale(
                    domain=list(SIGNIFICANCE_SIZE), range=list(SIGNIFICANCE_SIZE.values())
                ),
                title="significance",
            ),
            order=alt.Order("layer:Q"),
            tooltip=[
                alt.Tooltip("date:N", title="when"),
                alt.Tooltip("agency:N", title="agency"),
                alt.Tooltip("code:N", title="agency code"),
                "kind:N",
                "significance:N",
                "id:N",
                "summary:N",
            ],
        )
        .add_params(zoom)
    )
    ring = (
        alt.Chart(alt.Data(values=[p for p in points if p["evidence"]]))
        .mark_point(size=700, strokeWidth=3, color=EVIDENCE_RING, filled=False)
        .encode(x=x, y=lane)
    )
    shafts = (
        alt.Chart(alt.Data(values=links))
        .mark_rule(strokeWidth=1.5, color="#555555")
        .encode(
            x="when:T",
            y=alt.Y("from:N", sort=lanes, scale=alt.Scale(domain=lanes)),
            y2="to:N",
        )
    )
    heads = [
        alt.Chart(alt.Data(values=[link for link in links if link["head"] == head]))
        .mark_point(filled=True, size=90, color="#555555", opacity=1, shape=head)
        .encode(x="when:T", y=alt.Y("to:N", sort=lanes, scale=alt.Scale(domain=lanes)))
        for head in ("triangle-down", "triangle-up")
    ]
    return alt.layer(shafts, *heads, marks, ring).properties(height=max(180, 48 * len(lanes)))
