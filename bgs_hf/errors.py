"""One error type for bad user input, so the CLI can print one clear line instead of a traceback."""

from __future__ import annotations

from pathlib import Path


class BGSInputError(ValueError):
    """Bad user input: a file, a row, a value. ``str(err)`` is a single line naming the file (and row)."""

    def __init__(self, message: str, *, path: str | Path | None = None, row: int | None = None) -> None:
        self.path = None if path is None else Path(path)
        self.row = row
        self.detail = message
        where = ""
        if self.path is not None:
            where = self.path.name if row is None else f"{self.path.name} row {row}"
            where += ": "
        super().__init__((where + message).replace("\n", " "))


class BGSDivergedError(RuntimeError):
    """Training produced a non-finite loss: stopping beats saving NaN weights. ``str(err)`` is one line."""
