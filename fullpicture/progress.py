"""Progress of long work on stderr, ending with the rate achieved.

On a terminal: one line redrawn in place, with a bar, the rate and the time left. Anywhere else (a
log file, a pipe, CI): plain lines, one per tenth of the work (or every few seconds when the total
is unknown), so a log never holds one line garbled by carriage returns.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30
REDRAW_SECONDS = 0.2
PLAIN_STEPS = 10
PLAIN_SECONDS_WITHOUT_TOTAL = 5.0


class ProgressBar:
    def __init__(
        self,
        label: str,
        total: int | None,
        stream: TextIO | None = None,
        interactive: bool | None = None,
    ) -> None:
        self.label = label
        self.total = total
        self.stream = stream or sys.stderr
        self.interactive = _is_terminal(self.stream) if interactive is None else interactive
        self.started = time.perf_counter()
        self.done = 0
        self._last_draw = 0.0
        self._last_step = 0

    def update(self, done: int) -> None:
        self.done = done
        now = time.perf_counter()
        if self.interactive:
            if now - self._last_draw >= REDRAW_SECONDS:
                self._last_draw = now
                self._draw()
        elif self.total:
            step = min(self.done, self.total) * PLAIN_STEPS // self.total
            if step > self._last_step and self.done < self.total:
                self._last_step = step
                self._line()
        elif now - self._last_draw >= PLAIN_SECONDS_WITHOUT_TOTAL:
            self._last_draw = now
            self._line()

    def rate(self) -> float:
        return self.done / max(time.perf_counter() - self.started, 1e-9)

    def _counts(self) -> str:
        if self.total:
            percent = 100 * min(self.done, self.total) // self.total
            return f"{percent}% ({self.done:,}/{self.total:,})"
        return f"{self.done:,}"

    def _line(self) -> None:
        self.stream.write(f"{self.label} {self._counts()} {self.rate():,.0f}/s\n")
        self.stream.flush()

    def _draw(self) -> None:
        rate = self.rate()
        if self.total:
            filled = int(WIDTH * min(self.done, self.total) / self.total)
            bar = "#" * filled + "-" * (WIDTH - filled)
            left = (self.total - self.done) / rate if rate > 0 else 0.0
            text = f"{self.label} [{bar}] {self._counts()} {rate:,.0f}/s, {_clock(left)} left"
        else:
            text = f"{self.label} {self._counts()} {rate:,.0f}/s"
        self.stream.write("\r" + text + "\033[K")  # erase what a longer line left behind
        self.stream.flush()

    def finish(self) -> float:
        """Show the final state and return items per second."""
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        rate = self.done / elapsed
        if self.interactive:
            self._draw()
            self.stream.write(f"  {elapsed:.1f}s, {rate:,.0f}/s\n")
        else:
            self.stream.write(f"{self.label} {self._counts()} in {elapsed:.1f}s, {rate:,.0f}/s\n")
        self.stream.flush()
        return rate

    def callback(self, done: int, _total: int) -> None:
        """`update` in the shape of a (done, of) progress callback."""
        self.update(done)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


def _clock(seconds: float) -> str:
    whole = int(seconds + 0.5)
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours else f"{rest // 60}:{rest % 60:02d}"
