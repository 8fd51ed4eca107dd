"""A list of named constraints built in one pass, for AIRs that write their constraints as code.

An AIR's constraint method calls ``sink.add(name, degree, value)`` for each constraint; the same
pass serves every evaluation domain (whole columns, a point, degree symbols), and the AIR reads the
names and declared degrees off a sink filled once on symbols.  ``row=True`` marks a constraint that
involves one row only (the AIR may then check it on the last row too).
"""

from __future__ import annotations

from circuits.values import Degree


class ConstraintSink:
    """Collects constraints with their names, declared degrees and whether they are single-row."""

    __slots__ = ("names", "degrees", "single_row", "values")

    def __init__(self):
        self.names: list[str] = []
        self.degrees: list[int] = []
        self.single_row: list[bool] = []
        self.values: list = []

    def add(self, name: str, degree: int, value, row: bool = False) -> None:
        self.names.append(name)
        self.degrees.append(degree)
        self.single_row.append(row)
        self.values.append(value)

    @classmethod
    def probe(cls, constraints, width: int) -> "ConstraintSink":
        """Run ``constraints(cur, nxt, sink)`` once on degree symbols: the names, declared degrees
        and single-row flags, read once when an AIR is built."""
        sink = cls()
        one = [Degree(1)] * width
        constraints(one, one, sink)
        return sink

    @property
    def single_row_indices(self) -> frozenset[int]:
        return frozenset(i for i, r in enumerate(self.single_row) if r)
