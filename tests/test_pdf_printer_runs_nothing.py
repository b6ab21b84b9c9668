"""The PDF printer runs no script in the page it prints.

Checked by effect, not by the switches passed: a page whose scripts would write visible text if
they ran is printed with FullPicture's printer, and the PDF's text is read back with pypdf.
"""

from __future__ import annotations

import io

from pypdf import PdfReader

from fullpicture.review_pack import pdf_of


def printed_text(html: str) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf_of(html))).pages)


SCRIPTED_PAGE = """<!doctype html><html><body>
<p>Printed as written.</p>
<p id="untouched">No script ran.</p>
<script>document.getElementById("untouched").textContent = "A script ran";</script>
<img src="not-there.png" onerror="document.body.append('An error handler ran')">
<svg onload="document.body.append('A load handler ran')"></svg>
<iframe srcdoc="<script>parent.document.body.append('A framed script ran')</script>"></iframe>
</body></html>"""


def test_no_script_of_a_printed_page_runs() -> None:
    text = printed_text(SCRIPTED_PAGE)
    assert "Printed as written." in text and "No script ran." in text
    assert text.count("ran") == 1, text  # only "No script ran."
