"""The AIR interface: what a statement to be proven looks like to the prover and the verifier.

An Algebraic Intermediate Representation is a trace matrix (``trace_length`` rows × ``width`` base-field
columns, optionally followed by ``aux_width`` extension-field columns built after the main trace is
committed, from ``num_challenges`` random challenges — the room LogUp arguments need) together with

* transition constraints C_i(cur, nxt) that must vanish on every pair of consecutive rows (row r and
  row r+1 for r = 0 … n−2; the last row has no successor) — or, for the constraints an AIR lists as
  *cyclic*, on every row with the last row's successor being row 0 (divisor x^n − 1 instead of
  (x^n − 1)/(x − ω^{n−1})).  A cyclic running sum s' = s + t_r telescopes to Σ_r t_r = 0, which is how
  LogUp closes its sums without a boundary on a value the verifier cannot know,
* boundary assertions ``column[row] = value``,
* the public inputs the statement is about (absorbed into the Fiat–Shamir transcript),
* optionally, *bus claims*: extension values the prover reports after building the auxiliary trace
  (typically the final value of a LogUp running sum).  Tables proven together by
  :func:`prover.multi_stark.prove_tables` share their challenges, and the verifier checks that the
  claims of all tables add up to a value it computes from public data (usually 0): that is how tables
  of different heights talk to each other over a LogUp bus.  The AIR binds each claim to its trace
  through auxiliary assertions, which receive the claims as ``claims=``.

Each constraint is written once, as ordinary Python arithmetic on the values handed in, and runs on
whole columns (prover, :class:`~circuits.values.BaseVec`), at one out-of-domain point (verifier,
:class:`~circuits.extension.Ext`), on symbols (declared-degree checks, :class:`~circuits.values.Degree`)
and in :func:`check_constraints`, the debug checker that names the failing row and constraint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from circuits.extension import Ext
from circuits.field import P
from circuits.values import BaseVec, Degree, ExtVec


@dataclass(frozen=True)
class Assertion:
    """``column[row] == value`` (an auxiliary column's value is an extension element)."""

    column: int
    row: int
    value: int | Ext
    name: str = ""


class Air:
    """Base class of every AIR.  Subclasses set the class attributes and implement the methods."""

    name: str = "air"
    """Stable identifier, absorbed into the transcript so a proof for one AIR never verifies another."""

    width: int = 0
    aux_width: int = 0
    num_challenges: int = 0
    min_trace_length: int = 8

    num_bus_claims: int = 0
    """How many extension values :meth:`bus_claims` reports.  An AIR with claims is proven with other
    tables (``prove_tables``), never alone, and its :meth:`aux_assertions` is called with
    ``claims=[...]``; AIRs without claims are called without that keyword, exactly as before."""

    def bind_claims(self, public_inputs: Any, claims: Sequence[Ext]) -> Any:
        """The public inputs the constraints see once the bus claims are fixed (default: unchanged).

        An AIR that closes a cyclic running sum with its own claim (``S' = S + t − first·claim``, as a
        standalone AIR closes it with a public sum) returns a copy of ``public_inputs`` that carries the
        claims.  The prover and verifier call this after the claims are absorbed into the transcript and
        evaluate every constraint and assertion of the table on the result; the transcript itself only
        ever absorbs ``public_inputs`` as given.
        """
        return public_inputs

    # ---- identity and statement -------------------------------------------------------------------
    def params_bytes(self) -> bytes:
        """Parameters that change the constraint system (absorbed into the transcript)."""
        return b""

    def public_inputs_bytes(self, public_inputs: Any) -> bytes:
        """Canonical encoding of the public inputs (absorbed into the transcript)."""
        raise NotImplementedError

    def security_loss_bits(self, trace_length: int) -> float:
        """Bits of field-term soundness lost to the AIR's own batching (e.g. LogUp); 0 by default."""
        return 0.0

    # ---- main trace -------------------------------------------------------------------------------
    def transition_names(self) -> list[str]:
        return [f"transition_{i}" for i in range(len(self.transition_degrees()))]

    def transition_degrees(self) -> list[int]:
        raise NotImplementedError

    def evaluate_transition(self, cur: Sequence, nxt: Sequence, public_inputs: Any) -> list:
        raise NotImplementedError

    def cyclic_transitions(self) -> frozenset[int]:
        """Indices of main transition constraints that also hold from the last row to row 0."""
        return frozenset()

    def assertions(self, public_inputs: Any, trace_length: int) -> list[Assertion]:
        raise NotImplementedError

    # ---- auxiliary trace (LogUp and other arguments drawn after the main commitment) ---------------
    def aux_transition_names(self) -> list[str]:
        return [f"aux_transition_{i}" for i in range(len(self.aux_transition_degrees()))]

    def aux_transition_degrees(self) -> list[int]:
        return []

    def build_aux_trace(self, main: np.ndarray, challenges: list[Ext], public_inputs: Any) -> np.ndarray:
        """(n, aux_width, 5) extension columns computed from the main trace and the challenges."""
        raise NotImplementedError

    def evaluate_aux_transition(self, cur: Sequence, nxt: Sequence, aux_cur: Sequence, aux_nxt: Sequence,
                                challenges: list, public_inputs: Any) -> list:
        return []

    def cyclic_aux_transitions(self) -> frozenset[int]:
        """Indices of auxiliary transition constraints that also hold from the last row to row 0."""
        return frozenset()

    def aux_assertions(self, challenges: list[Ext], public_inputs: Any, trace_length: int) -> list[Assertion]:
        """Boundary assertions on auxiliary columns.

        An AIR with ``num_bus_claims > 0`` overrides this with an extra keyword argument,
        ``aux_assertions(challenges, public_inputs, trace_length, claims)``, and uses the claims (the
        values the proof carries, absorbed into the transcript) as assertion values — e.g. "the running
        sum's last row equals claims[0]" — which is what ties a claim to the committed trace.
        """
        return []

    def bus_claims(self, main: np.ndarray, aux: np.ndarray, challenges: list[Ext],
                   public_inputs: Any) -> list[Ext]:
        """Prover side: the table's ``num_bus_claims`` bus claims, read off its main and aux traces."""
        if self.num_bus_claims:
            raise NotImplementedError(f"{self.name} declares bus claims but does not compute them")
        return []

    # ---- derived ---------------------------------------------------------------------------------
    def max_degree(self) -> int:
        return max([1, *self.transition_degrees(), *self.aux_transition_degrees()])

    def composition_chunks(self) -> int:
        """Number of degree-<n pieces the composition polynomial splits into: max(1, d − 1)."""
        return max(1, self.max_degree() - 1)

    def symbolic_degrees(self) -> tuple[list[int], list[int]]:
        """Degrees of the constraints as written, by evaluating them on :class:`Degree` symbols."""
        one = [Degree(1) for _ in range(self.width)]
        main = [_deg(c) for c in self.evaluate_transition(one, one, None)]
        aux_one = [Degree(1) for _ in range(self.aux_width)]
        chal = [Ext.zero() for _ in range(self.num_challenges)]
        aux = [_deg(c) for c in self.evaluate_aux_transition(one, one, aux_one, aux_one, chal, None)]
        return main, aux


def aux_assertions_of(air: Air, challenges: list[Ext], public_inputs: Any, trace_length: int,
                      claims: Sequence[Ext] | None = None) -> list[Assertion]:
    """``air.aux_assertions`` called the way the AIR expects: with ``claims=`` only if it has bus claims."""
    if air.num_bus_claims:
        if claims is None or len(claims) != air.num_bus_claims:
            raise ValueError(f"{air.name} needs its {air.num_bus_claims} bus claims for its aux assertions")
        return air.aux_assertions(challenges, public_inputs, trace_length, claims=list(claims))
    return air.aux_assertions(challenges, public_inputs, trace_length)


def _deg(c) -> int:
    return c.d if isinstance(c, Degree) else 0


class ConstraintViolation(ValueError):
    """The trace does not satisfy the AIR; the message names the row and the constraint."""


@dataclass(frozen=True)
class Violation:
    kind: str  # "transition", "aux transition", "assertion", "aux assertion"
    name: str
    row: int


def find_violations(air: Air, trace: np.ndarray, public_inputs: Any, aux: np.ndarray | None = None,
                    challenges: list[Ext] | None = None, limit: int = 20,
                    claims: Sequence[Ext] | None = None) -> list[Violation]:
    """Every failing (constraint, row) up to ``limit``, evaluated over all rows at once.

    For an AIR with bus claims, ``claims`` default to what :meth:`Air.bus_claims` reads off the traces,
    and every constraint is evaluated on ``air.bind_claims(public_inputs, claims)``.
    """
    n = trace.shape[0]
    out: list[Violation] = []
    cap = limit or None  # limit=0 means every violation
    if air.num_bus_claims and aux is not None and air.aux_width:
        if claims is None:
            claims = air.bus_claims(trace, aux, challenges, public_inputs)
        public_inputs = air.bind_claims(public_inputs, claims)  # what the prover and verifier evaluate on
    # Evaluate over all n rows with row 0 as the last row's successor; non-cyclic constraints
    # ignore the last row.
    cur = [BaseVec(np.ascontiguousarray(trace[:, j], dtype=np.uint64)) for j in range(air.width)]
    nxt = [BaseVec(np.ascontiguousarray(np.roll(trace[:, j], -1), dtype=np.uint64)) for j in range(air.width)]
    cyclic = air.cyclic_transitions()
    for i, (name, c) in enumerate(zip(air.transition_names(), air.evaluate_transition(cur, nxt, public_inputs))):
        vals = c.v if isinstance(c, BaseVec) else np.full(n, int(c) % P)
        rows = np.nonzero(vals)[0]
        if i not in cyclic:
            rows = rows[rows < n - 1]
        for row in rows[:cap]:
            out.append(Violation("transition", name, int(row)))
    for a in air.assertions(public_inputs, n):
        if int(trace[a.row, a.column]) != int(a.value):
            out.append(Violation("assertion", a.name or f"column {a.column}", a.row))
    if aux is not None and air.aux_width:
        acur = [ExtVec(np.ascontiguousarray(aux[:, j, :])) for j in range(air.aux_width)]
        anxt = [ExtVec(np.ascontiguousarray(np.roll(aux[:, j, :], -1, axis=0))) for j in range(air.aux_width)]
        cs = air.evaluate_aux_transition(cur, nxt, acur, anxt, challenges, public_inputs)
        aux_cyclic = air.cyclic_aux_transitions()
        for i, (name, c) in enumerate(zip(air.aux_transition_names(), cs)):
            vals = c.v if isinstance(c, ExtVec) else (c.v[:, None] if isinstance(c, BaseVec) else None)
            bad = np.nonzero(np.any(vals != 0, axis=1))[0] if vals is not None else np.zeros(0, int)
            if i not in aux_cyclic:
                bad = bad[bad < n - 1]
            for row in bad[:cap]:
                out.append(Violation("aux transition", name, int(row)))
        for a in aux_assertions_of(air, challenges, public_inputs, n, claims):
            if Ext.from_array(aux[a.row, a.column]) != a.value:
                out.append(Violation("aux assertion", a.name or f"aux column {a.column}", a.row))
    out.sort(key=lambda v: v.row)
    return out[:limit] if limit else out


def check_constraints(air: Air, trace: np.ndarray, public_inputs: Any, aux: np.ndarray | None = None,
                      challenges: list[Ext] | None = None, claims: Sequence[Ext] | None = None) -> None:
    """Raise :class:`ConstraintViolation` naming the first failing row and constraint, if any."""
    bad = find_violations(air, trace, public_inputs, aux, challenges, limit=0, claims=claims)
    if bad:
        first = bad[0]
        more = f" (and {len(bad) - 1} more failures)" if len(bad) > 1 else ""
        raise ConstraintViolation(f"{air.name}: {first.kind} constraint '{first.name}' fails at row {first.row}{more}")
