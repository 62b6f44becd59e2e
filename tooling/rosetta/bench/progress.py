"""The bench's output: a status line rewritten in place on a terminal, finished runs above."""

from __future__ import annotations

import shutil
import sys
import time
from typing import TextIO


class Progress:
    """A status line rewritten in place on a terminal; finished runs are printed above it."""

    def __init__(self, budget: float, stream: TextIO = sys.stdout) -> None:
        self.budget = budget  # estimated seconds for the whole run
        self.spent = 0.0  # estimated seconds of the steps done
        self.started = time.monotonic()
        self.stream = stream
        self.tty = stream.isatty()

    def status(self, text: str) -> None:
        if not self.tty:
            return
        elapsed = time.monotonic() - self.started
        rate = elapsed / self.spent if self.spent else 1.0
        left = max(0.0, (self.budget - self.spent) * rate)
        done = min(99, int(100 * self.spent / self.budget)) if self.budget else 0
        eta = f"{left:.0f} s" if left < 90 else f"{left / 60:.0f} min"
        line = f"{text}   [{done}%, ~{eta} left]"
        # A line longer than the terminal would wrap, and \r could not take it back.
        width = shutil.get_terminal_size().columns - 1
        self.stream.write(f"\r\x1b[K{line[:width]}")
        self.stream.flush()

    def advance(self, seconds: float) -> None:
        self.spent += seconds

    def line(self, text: str) -> None:
        self.stream.write(("\r\x1b[K" if self.tty else "") + text + "\n")
        self.stream.flush()
