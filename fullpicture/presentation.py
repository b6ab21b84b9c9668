"""How entries look wherever they are shown: one colour and shape per entry kind, UK dates, and
agency names instead of codes. The chart, the tables and the review pack all use these, so a
concern looks the same for every child, in every view and on paper."""

from __future__ import annotations

import re
from collections.abc import Mapping

# (colour, Vega-Lite shape) per kind, fixed. Every colour has at least 3:1 contrast against the
# white background (WCAG 2.2 non-text contrast); checked by tests/test_review_pack.py.
KIND_STYLE: dict[str, tuple[str, str]] = {
    "concern": ("#b3261e", "triangle-up"),
    "share": ("#1f5fa8", "circle"),
    "followup": ("#4b3b9a", "square"),
    "request": ("#8a4b00", "diamond"),
    "response": ("#1b7a3a", "cross"),
    "decline": ("#5c5c5c", "triangle-down"),
    "consent": ("#00707a", "square"),
    "voice": ("#a1007a", "circle"),
    "action": ("#2f6b00", "diamond"),
    "transfer": ("#7a3b00", "triangle-right"),
    "correction": ("#333333", "cross"),
    "acknowledgement": ("#0b5e75", "triangle-left"),
}
KINDS = tuple(KIND_STYLE)  # the order of `domain.drafts.ENTRY_KINDS`
# Significance as mark size, so the serious stands out without relying on colour.
SIGNIFICANCE_SIZE = {"low": 60, "medium": 140, "high": 320}


def uk_date(iso: str) -> str:
    """`2025-03-04...` as `04/03/2025`; "" stays ""."""
    return f"{iso[8:10]}/{iso[5:7]}/{iso[:4]}" if len(iso) >= 10 else iso


def uk_when(iso: str) -> str:
    """`2025-03-04T09:05:00` as `04/03/2025 09:05`; a date alone as the date."""
    day = uk_date(iso)
    return f"{day} {iso[11:16]}" if len(iso) >= 16 else day


ISO_WHEN = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::\d{2}(?:\.\d+)?)?)?\b")


def uk_dates_in(text: str) -> str:
    """Every ISO date or timestamp in a sentence (a scope line) written the UK way."""
    return ISO_WHEN.sub(
        lambda m: f"{m[3]}/{m[2]}/{m[1]}" + (f" {m[4]}:{m[5]}" if m[4] else ""), text
    )


def agency_name(names: Mapping[str, str], code: str) -> str:
    return names.get(code, code)


def relative_luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(colour: str, background: str = "#ffffff") -> float:
    lighter, darker = sorted(map(relative_luminance, (colour, background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
