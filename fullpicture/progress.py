"""A progress bar on stderr for long work, ending with the rate achieved."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class ProgressBar:
    def __init__(self, label: str, total: int | None, stream: TextIO | None = None) -> None:
        self.label = label
        self.total = total
        self.stream = stream or sys.stderr
        self.started = time.perf_counter()
        self.done = 0
        self._last_draw = 0.0

    def update(self, done: int) -> None:
        self.done = done
        now = time.perf_counter()
        if now - self._last_draw >= 0.2:
            self._last_draw = now
            self._draw()

    def _draw(self) -> None:
        if self.total:
            filled = int(WIDTH * min(self.done, self.total) / self.total)
            bar = "#" * filled + "-" * (WIDTH - filled)
            text = f"\r{self.label} [{bar}] {self.done}/{self.total}"
        else:
            text = f"\r{self.label} {self.done}"
        self.stream.write(text)
        self.stream.flush()

    def finish(self) -> float:
        """Draw the final state and return items per second."""
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        rate = self.done / elapsed
        self._draw()
        self.stream.write(f"  {elapsed:.1f}s, {rate:,.0f}/s\n")
        self.stream.flush()
        return rate
