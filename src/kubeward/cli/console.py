"""Terminal output: the stdout console for reports, stderr for progress and errors."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

__all__ = ["err_console", "out_console", "progress"]


def out_console() -> Console:
    """Standard output; when it is not a terminal (CI logs, pipes) lines are not wrapped
    at 80 columns, so file names and messages stay whole."""
    width = None if sys.stdout.isatty() or "COLUMNS" in os.environ else 240
    return Console(soft_wrap=False, highlight=False, width=width)


def err_console() -> Console:
    return Console(stderr=True, highlight=False)


@contextmanager
def progress(description: str) -> Iterator[Callable[[str], None]]:
    """A spinner with a counter on stderr when it is a terminal; a no-op otherwise.

    Yields a callable taking the name of the item being read."""
    if not sys.stderr.isatty():
        yield lambda item: None
        return
    bar = Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TextColumn("[dim]{task.fields[item]}"),
        TimeElapsedColumn(),
        console=err_console(),
        transient=True,
    )
    with bar:
        task = bar.add_task(description, item="", total=None)
        count = 0

        def advance(item: str) -> None:
            nonlocal count
            count += 1
            bar.update(task, description=f"{description} ({count})", item=item)

        yield advance
