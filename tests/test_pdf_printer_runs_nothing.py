"""The PDF printer runs no script in the page it prints, and fetches nothing from the network.

Checked by effect, not by the switches passed: a page whose scripts would write visible text if
they ran is printed with FullPicture's printer, and the PDF's text is read back with pypdf.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
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


class _Counting(BaseHTTPRequestHandler):
    asked: list[str] = []

    def do_GET(self) -> None:
        self.asked.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        """Quiet."""


@pytest.fixture
def web_server() -> Iterator[tuple[str, list[str]]]:
    """A local web server and the paths asked of it."""
    asked: list[str] = []
    handler = type("Handler", (_Counting,), {"asked": asked})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", asked
    server.shutdown()
    server.server_close()


def test_a_printed_page_fetches_nothing(web_server: tuple[str, list[str]]) -> None:
    url, asked = web_server
    page = (
        f'<link rel="stylesheet" href="{url}/style.css"><p>Printed offline.</p>'
        f'<img src="{url}/picture.png"><img src="{url.replace("127.0.0.1", "localhost")}/b.png">'
    )
    assert "Printed offline." in printed_text(page)
    assert asked == []
