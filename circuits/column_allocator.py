"""Hand out trace columns left to right, so a layout module reads as a list of named column groups."""

from __future__ import annotations


class ColumnAllocator:
    """``take(width)`` returns the next ``width`` column indices; ``one()`` the next single column."""

    def __init__(self, start: int = 0):
        self.next = start

    def take(self, width: int) -> range:
        out = range(self.next, self.next + width)
        self.next += width
        return out

    def one(self) -> int:
        return self.take(1)[0]
