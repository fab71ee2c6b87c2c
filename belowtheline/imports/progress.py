"""Progress of a long import or export: a bar on a terminal, log lines otherwise.

A 1 GB export takes minutes; an operator at a terminal wants to see it move (counts and
rate, from rich's progress bar), while a cron job or a CI log wants a line now and then,
not a screenful of carriage returns. One object serves both, so that every importer and
the export side report the same way.
"""

from __future__ import annotations

import sys
import time
from types import TracebackType
from typing import TextIO


class Progress:
    """Counts what has been done (`advance`), shows it live, and stops cleanly (`close`).

    `total` is optional: a streamed XML file has no record count until it is read, so the
    bar then shows counts and rate without a percentage. Non-TTY output writes one line
    every `interval` seconds and one at the end.
    """

    def __init__(self, description: str = "importing", *, unit: str = "comments",
                 total: int | None = None, stream: TextIO | None = None,
                 interval: float = 10.0, enabled: bool = True) -> None:
        self.description = description
        self.unit = unit
        self.total = total
        self.count = 0
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.enabled = enabled
        self._started = time.monotonic()
        self._last_line = self._started
        self._bar = None
        self._task = None
        if enabled and getattr(self.stream, "isatty", lambda: False)():
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TextColumn,
                TimeElapsedColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(
                TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                console=Console(file=self.stream), transient=False,
            )
            self._bar.start()
            self._task = self._bar.add_task(description, total=total, rate="")

    def rate(self) -> float:
        elapsed = time.monotonic() - self._started
        return self.count / elapsed if elapsed > 0 else 0.0

    def phase(self, description: str, *, total: int | None = None,
              unit: str | None = None) -> None:
        """Start the next stage of the work ("reading", then "publishing"): the count and
        rate start again, the finished stage's last figures stay on screen or in the log."""
        if self.enabled and self._bar is None and self.count:
            self._line()
        self.description = description
        self.total = total
        self.unit = unit or self.unit
        self.count = 0
        self._started = self._last_line = time.monotonic()
        if self._bar is not None:
            self._task = self._bar.add_task(description, total=total, rate="")

    def advance(self, n: int = 1) -> None:
        self.count += n
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.update(self._task, advance=n, rate=f"{self.rate():,.0f} {self.unit}/s")
            return
        now = time.monotonic()
        if now - self._last_line >= self.interval:
            self._last_line = now
            self._line()

    def _line(self) -> None:
        of = f" of {self.total:,}" if self.total is not None else ""
        self.stream.write(f"{self.description}: {self.count:,}{of} {self.unit}, "
                          f"{self.rate():,.0f}/s\n")
        self.stream.flush()

    def close(self, *, finished: bool = True) -> None:
        """Stop showing progress; the last line (non-TTY) only when the work finished."""
        if not self.enabled:
            return
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        elif finished:
            self._line()
        self.enabled = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close(finished=exc_type is None)
