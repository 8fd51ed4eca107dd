"""Poseidon2 in the trace: a column group proving one permutation per row, and an AIR over it.

Why one permutation per row
---------------------------
The core has no periodic columns, so a layout with one round per row would need the round
constants as committed columns pinned by further constraints, plus selectors for the three round
kinds: about 16 state + 16 S-box + 16 constant + a few flag columns over 22 rows, some 1,100
cells per permutation, and a round counter tying the rows of one permutation together.  Laying
all 21 rounds of one permutation side by side in a single row makes every round constant a
literal in the constraint code, needs no selector at all, and keeps only the cells the degree
bound forces:

* the S-box x^7 has degree 7 > 3, so each S-box gets a helper column ``c = x^3`` (degree 3) and its
  result ``x·c²`` (degree 3) must be committed before it feeds the next S-box: 2 columns per S-box;
* a full round has 16 S-boxes → 16 ``cube`` + 16 ``post`` columns, where ``post`` is the state after
  the round's linear layer (the last full round's ``post`` is the permutation output);
* a partial round has one S-box → ``cube`` and its result ``sbox``; the other 15 elements stay
  linear in earlier columns, so the internal linear layer costs no column.

16 (input) + 8 × 32 + 13 × 2 = **298 columns × 1 row per permutation**, 282 constraints, all of
degree 3.  The input and the output are plain columns, so a LogUp bus (or a Merkle path, see
:mod:`circuits.merkle_air`) reads them directly.  Wide rows cost nothing extra in the prover, whose
work (LDE, commitment, constraint evaluation) grows with the number of cells; they do cost proof
size, since every query opens a whole row (≈ 1.2 KB per query at 298 columns).

Group layout (offsets inside the group)::

      0      16        48        80       112      144 146        170       202       234       266      298
      | input | round 0 | round 1 | round 2 | round 3 |c|y| … ×13 … | round 17| round 18| round 19| round 20 |
      |  16   | cube|post (16+16 each, full)          | partial 4–16|  cube|post (16+16 each, full)          |
                                                                                          output = post of 20

Each full round r checks, with s the state entering it (``s = M_E · input`` for r = 0, the previous
``post`` otherwise; for r = 17 the state after the last partial round, linear in earlier columns)::

    cube_j = (s_j + RC[r][j])^3                 post = M_E · ((s_j + RC[r][j]) · cube_j²)_j

and each partial round::

    cube = (s_0 + RC[r][0])^3      sbox = (s_0 + RC[r][0]) · cube²      s ← M_I · (sbox, s_1, …, s_15)

The standalone :class:`Poseidon2Air` proves a batch of permutations against a public list of
(input, output) pairs with a :class:`PublicBus` — a LogUp sum over the rows that the verifier
recomputes from the public list, the same shape a bigger AIR uses to look permutations up.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from circuits import ext_kernels as ek
from circuits.air import Air, Assertion
from circuits.extension import Ext
from circuits.field import P
from circuits.poseidon2 import (
    DIAG,
    FULL_ROUND,
    RC,
    ROUNDS,
    WIDTH,
    external_layer_many,
    permute_many,
    permute_many_trace,
)
from circuits.values import BaseVec, ExtVec

__all__ = [
    "STATE_WIDTH", "INPUT_OFFSET", "INPUT_WIDTH", "OUTPUT_OFFSET", "OUTPUT_WIDTH", "GROUP_WIDTH",
    "ROUND_OFFSETS", "GROUP_CONSTRAINTS", "cube_columns", "post_columns", "sbox_column",
    "external_linear", "internal_linear", "group_witness", "Poseidon2Group",
    "PublicBus", "row_columns", "tuple_matrix", "MULT", "Poseidon2Statement", "Poseidon2Air",
    "poseidon2_trace",
]

# ---------------------------------------------------------------------------------------------
# Layout
# ---------------------------------------------------------------------------------------------

STATE_WIDTH = WIDTH
"""Elements in a Poseidon2 state (16)."""

INPUT_OFFSET = 0
INPUT_WIDTH = STATE_WIDTH

_FULL_WIDTH = 2 * STATE_WIDTH   # cube[16] | post[16]
_PARTIAL_WIDTH = 2              # cube | sbox


def _round_offsets() -> tuple[int, ...]:
    offs, at = [], INPUT_OFFSET + INPUT_WIDTH
    for r in range(ROUNDS):
        offs.append(at)
        at += _FULL_WIDTH if FULL_ROUND[r] else _PARTIAL_WIDTH
    return tuple(offs)


ROUND_OFFSETS = _round_offsets()
"""First column of round r's columns, relative to the group."""

GROUP_WIDTH = ROUND_OFFSETS[-1] + _FULL_WIDTH
"""Columns of one permutation: 16 + 8·32 + 13·2 = 298."""

OUTPUT_OFFSET = ROUND_OFFSETS[-1] + STATE_WIDTH
"""The output is the ``post`` of the last round."""

OUTPUT_WIDTH = STATE_WIDTH

GROUP_CONSTRAINTS = sum(_FULL_WIDTH if FULL_ROUND[r] else _PARTIAL_WIDTH for r in range(ROUNDS))
"""Constraints of one group (282): one per committed round column."""


def cube_columns(r: int) -> range:
    """Round r's ``cube`` columns: 16 for a full round, 1 for a partial round."""
    return range(ROUND_OFFSETS[r], ROUND_OFFSETS[r] + (STATE_WIDTH if FULL_ROUND[r] else 1))


def post_columns(r: int) -> range:
    """A full round's ``post`` columns (the state after its linear layer)."""
    if not FULL_ROUND[r]:
        raise ValueError(f"round {r} is a partial round: it has a sbox column, no post columns")
    return range(ROUND_OFFSETS[r] + STATE_WIDTH, ROUND_OFFSETS[r] + _FULL_WIDTH)


def sbox_column(r: int) -> int:
    """A partial round's ``sbox`` column (x^7 of state element 0)."""
    if FULL_ROUND[r]:
        raise ValueError(f"round {r} is a full round: it has post columns, no sbox column")
    return ROUND_OFFSETS[r] + 1


# ---------------------------------------------------------------------------------------------
# Linear layers on any value type (BaseVec columns, Ext points, Degree symbols, ints)
# ---------------------------------------------------------------------------------------------

_RC_INT = [[int(c) for c in row] for row in RC]
_DIAG_INT = [int(d) for d in DIAG]


def external_linear(s: Sequence) -> list:
    """M_E · s, M_E = circ(2·M4, M4, M4, M4), with additions only (as the numba kernel does it)."""
    w = []
    for b in range(0, STATE_WIDTH, 4):
        x0, x1, x2, x3 = s[b], s[b + 1], s[b + 2], s[b + 3]
        t01 = x0 + x1
        t23 = x2 + x3
        t0123 = t01 + t23
        t01123 = t0123 + x1
        t01233 = t0123 + x3
        w += [t01123 + t01,          # 2x0 + 3x1 + x2 + x3
              t01123 + x2 + x2,      # x0 + 2x1 + 3x2 + x3
              t01233 + t23,          # x0 + x1 + 2x2 + 3x3
              t01233 + x0 + x0]      # 3x0 + x1 + x2 + 2x3
    out = [None] * STATE_WIDTH
    for k in range(4):  # circ(2, 1, 1, 1) over the blocks: y_i = w_i + Σ_blocks w_{4b + i mod 4}
        col = w[k] + w[4 + k] + w[8 + k] + w[12 + k]
        for b in range(0, STATE_WIDTH, 4):
            out[b + k] = w[b + k] + col
    return out


def internal_linear(s: Sequence) -> list:
    """M_I · s with M_I = 1 + diag(V): every element gets Σ s_j, plus V_i · s_i."""
    total = s[0]
    for x in s[1:]:
        total = total + x
    return [total + _DIAG_INT[i] * s[i] for i in range(STATE_WIDTH)]


# ---------------------------------------------------------------------------------------------
# The column group
# ---------------------------------------------------------------------------------------------

def _group_names(prefix: str) -> list[str]:
    names = []
    for r in range(ROUNDS):
        if FULL_ROUND[r]:
            names += [f"{prefix}round {r} cube[{j}] = x^3" for j in range(STATE_WIDTH)]
            names += [f"{prefix}round {r} post[{j}] = (M_E·x·cube²)[{j}]" for j in range(STATE_WIDTH)]
        else:
            names += [f"{prefix}round {r} cube = x0^3", f"{prefix}round {r} sbox = x0·cube²"]
    return names


@dataclass(frozen=True)
class Poseidon2Group:
    """One Poseidon2 permutation per row, in columns ``offset … offset + GROUP_WIDTH − 1``.

    A bigger AIR embeds a group by reserving its columns, filling them with :meth:`witness` and
    appending :meth:`constraints` (all single-row, degree 3) to its own; every row of the group must
    then hold a valid permutation (padding rows permute anything, e.g. zeros).  ``prefix`` keeps
    constraint names apart when an AIR embeds several groups.
    """

    offset: int = 0
    prefix: str = ""

    width = GROUP_WIDTH

    # -- where things are ---------------------------------------------------------------------------
    @property
    def input_columns(self) -> range:
        """Trace columns holding the permutation's 16 input elements."""
        return range(self.offset + INPUT_OFFSET, self.offset + INPUT_OFFSET + INPUT_WIDTH)

    @property
    def output_columns(self) -> range:
        """Trace columns holding the permutation's 16 output elements."""
        return range(self.offset + OUTPUT_OFFSET, self.offset + OUTPUT_OFFSET + OUTPUT_WIDTH)

    @property
    def columns(self) -> range:
        return range(self.offset, self.offset + GROUP_WIDTH)

    def inputs(self, row: Sequence) -> list:
        """The input elements of a row (values of any type, as handed to ``constraints``)."""
        return [row[c] for c in self.input_columns]

    def outputs(self, row: Sequence) -> list:
        return [row[c] for c in self.output_columns]

    # -- constraints --------------------------------------------------------------------------------
    def constraint_names(self) -> list[str]:
        return _group_names(self.prefix)

    def constraint_degrees(self) -> list[int]:
        return [3] * GROUP_CONSTRAINTS

    def constraints(self, cur: Sequence, nxt: Sequence | None = None) -> list:
        """The group's constraints on one row (``nxt`` is unused: a permutation fits in one row)."""
        g = cur[self.offset:self.offset + GROUP_WIDTH]
        out = []
        s = external_linear(g[INPUT_OFFSET:INPUT_OFFSET + INPUT_WIDTH])
        for r in range(ROUNDS):
            o = ROUND_OFFSETS[r]
            rc = _RC_INT[r]
            if FULL_ROUND[r]:
                x = [s[j] + rc[j] for j in range(STATE_WIDTH)]
                cube = g[o:o + STATE_WIDTH]
                post = g[o + STATE_WIDTH:o + _FULL_WIDTH]
                out += [cube[j] - x[j] * x[j] * x[j] for j in range(STATE_WIDTH)]   # cube = x^3
                mixed = external_linear([x[j] * cube[j] * cube[j] for j in range(STATE_WIDTH)])
                out += [post[j] - mixed[j] for j in range(STATE_WIDTH)]             # post = M_E·x^7
                s = post
            else:
                x0 = s[0] + rc[0]
                cube, sbox = g[o], g[o + 1]
                out.append(cube - x0 * x0 * x0)      # cube = x0^3
                out.append(sbox - x0 * cube * cube)  # sbox = x0^7
                s = internal_linear([sbox, *s[1:]])
        return out

    # -- witness ------------------------------------------------------------------------------------
    @staticmethod
    def witness(inputs: np.ndarray) -> np.ndarray:
        """The group's columns for each input state: (n, 16) → (n, GROUP_WIDTH) uint64."""
        return group_witness(inputs)


_P64 = np.uint64(P)


def group_witness(inputs: np.ndarray) -> np.ndarray:
    """Every permutation's row, computed for all rows at once.

    The round states come from the numba trace kernel; each round then costs a few numpy passes
    over the whole (n, 16) block — the loop runs over the 21 rounds, never over rows.
    """
    inputs = np.ascontiguousarray(inputs, dtype=np.uint64)
    n = inputs.shape[0]
    rounds = permute_many_trace(inputs)   # rounds[:, r + 1] = state after round r
    out = np.empty((n, GROUP_WIDTH), dtype=np.uint64)
    out[:, INPUT_OFFSET:INPUT_OFFSET + INPUT_WIDTH] = inputs
    before = external_layer_many(inputs)
    for r in range(ROUNDS):
        o = ROUND_OFFSETS[r]
        if FULL_ROUND[r]:
            x = (before + RC[r]) % _P64
            cube = x * x % _P64 * x % _P64
            out[:, o:o + STATE_WIDTH] = cube
            out[:, o + STATE_WIDTH:o + _FULL_WIDTH] = rounds[:, r + 1]
        else:
            x0 = (before[:, 0] + RC[r, 0]) % _P64
            cube = x0 * x0 % _P64 * x0 % _P64
            out[:, o] = cube
            out[:, o + 1] = x0 * (cube * cube % _P64) % _P64
        before = rounds[:, r + 1]
    return out


# ---------------------------------------------------------------------------------------------
# A LogUp bus against a public list
# ---------------------------------------------------------------------------------------------

class PublicBus:
    """Binds rows of the trace to a public list of tuples with one LogUp sum.

    Each row r offers a tuple t_r (``arity`` values: columns or low-degree expressions in them)
    with multiplicity m_r (a main column).  After the main commitment two challenges α, γ are drawn
    and two extension columns are built::

        φ_r = Σ_j γ^j · t_r[j]                 (fingerprint)
        u_r · (α − φ_r) = 1                    (every row, cyclic)
        s_{r+1} = s_r + m_r · u_r              (rows 0 … n−2)
        s_0 = 0,   s_{n−1} = V = Σ_k 1/(α − φ(pub_k))

    V is recomputed by the verifier from the public tuples, so the sum closes only if the rows
    0 … n−2, each counted m_r times, are the public tuples as a multiset (the last row is never
    counted: AIRs keep it as padding).  When a public tuple carries a distinct row index, the
    identity also forces m_r = 1 on that row and m_r = 0 on every row whose index is not listed.
    """

    U, S = 0, 1
    aux_width = 2
    num_challenges = 2

    def __init__(self, arity: int, name: str = "bus"):
        self.arity = arity
        self.name = name

    def names(self) -> list[str]:
        return [f"{self.name}: u·(α − φ) = 1", f"{self.name}: s' = s + m·u"]

    def degrees(self, tuple_degree: int) -> list[int]:
        return [1 + tuple_degree, 2]

    def cyclic(self) -> frozenset[int]:
        return frozenset({0})

    def security_loss_bits(self, trace_length: int) -> float:
        # α: the cleared-denominator identity has degree ≤ 2n in α; γ: a false fingerprint match
        # among ≤ n rows × n public tuples has probability ≤ n²·(arity − 1)/|F|.  Relative to the
        # n·blowup/|F| base term this costs at most log2(2·n·arity) bits.
        return math.log2(2 * trace_length * self.arity)

    @staticmethod
    def _powers(gamma, count: int) -> list:
        out = [Ext.one()]
        for _ in range(count - 1):
            out.append(out[-1] * gamma)
        return out

    def fingerprint(self, values: Sequence, gamma) -> object:
        """Σ_j γ^j · values[j] on any value type (whole columns at once when they are BaseVec)."""
        if len(values) != self.arity:
            raise ValueError(f"{self.name} carries {self.arity} values, got {len(values)}")
        if isinstance(gamma, Ext) and all(isinstance(v, BaseVec) for v in values):
            mat = np.ascontiguousarray(np.stack([v.v for v in values], axis=1))
            return ExtVec(ek.combine_columns(mat, self._coeffs(gamma)))
        pw = self._powers(gamma, self.arity)
        acc = values[0] * pw[0]
        for v, g in zip(values[1:], pw[1:]):
            acc = acc + v * g
        return acc

    def _coeffs(self, gamma: Ext) -> np.ndarray:
        return np.stack([g.to_array() for g in self._powers(gamma, self.arity)])

    def constraints(self, values: Sequence, mult, aux_cur: Sequence, aux_nxt: Sequence,
                    challenges: Sequence) -> list:
        alpha, gamma = challenges[0], challenges[1]
        u, s = aux_cur[self.U], aux_cur[self.S]
        phi = self.fingerprint(values, gamma)
        return [u * (alpha - phi) - 1,                  # u = 1/(α − φ)
                aux_nxt[self.S] - s - mult * u]         # running sum of m·u

    def build(self, tuples: np.ndarray, mult: np.ndarray, challenges: Sequence[Ext]) -> np.ndarray:
        """The (n, 2, 5) auxiliary columns for row tuples (n, arity) and multiplicities (n,)."""
        alpha, gamma = challenges[0], challenges[1]
        n = tuples.shape[0]
        phi = ek.combine_columns(np.ascontiguousarray(tuples, dtype=np.uint64), self._coeffs(gamma))
        u = ek.ext_batch_inv(ek.ext_sub(np.broadcast_to(alpha.to_array(), (n, 5)).copy(), phi))
        terms = ek.ext_mul_base(u, np.ascontiguousarray(mult, dtype=np.uint64))
        out = np.zeros((n, 2, 5), dtype=np.uint64)
        out[:, self.U] = u
        # s_r = Σ_{i<r} m_i·u_i (exclusive prefix sum; < 2^31 per term, so uint64 cumsum is exact)
        out[1:, self.S] = np.cumsum(terms, axis=0, dtype=np.uint64)[:-1] % _P64
        return out

    def public_sum(self, tuples: np.ndarray, challenges: Sequence[Ext]) -> Ext:
        """V = Σ_k 1/(α − φ(tuples[k])), vectorized over the public list."""
        alpha, gamma = challenges[0], challenges[1]
        k = tuples.shape[0]
        if k == 0:
            return Ext.zero()
        phi = ek.combine_columns(np.ascontiguousarray(tuples, dtype=np.uint64), self._coeffs(gamma))
        inv = ek.ext_batch_inv(ek.ext_sub(np.broadcast_to(alpha.to_array(), (k, 5)).copy(), phi))
        return Ext.from_array(np.sum(inv % _P64, axis=0, dtype=np.uint64) % _P64)

    def assertions(self, value: Ext, trace_length: int) -> list[Assertion]:
        return [Assertion(self.S, 0, Ext.zero(), f"{self.name}: s starts at 0"),
                Assertion(self.S, trace_length - 1, value, f"{self.name}: s ends at the public sum")]


class PublicBusAux:
    """The auxiliary half of an AIR whose rows are bound to a public list of tuples by one
    :class:`PublicBus` (``self.bus``): each row offers ``bus_values(row)`` — the main columns
    ``bus_columns`` — with the multiplicity in column ``bus_mult``.  The AIR still gives
    ``aux_assertions`` (the public sum it closes with)."""

    bus: PublicBus
    bus_mult: int
    bus_columns: Sequence[int]

    def bus_values(self, row: Sequence) -> list:
        return [row[c] for c in self.bus_columns]

    def aux_transition_names(self):
        return self.bus.names()

    def aux_transition_degrees(self):
        return self.bus.degrees(1)

    def cyclic_aux_transitions(self):
        return self.bus.cyclic()

    def evaluate_aux_transition(self, cur, nxt, aux_cur, aux_nxt, challenges, pi):
        return self.bus.constraints(self.bus_values(cur), cur[self.bus_mult], aux_cur, aux_nxt, challenges)

    def build_aux_trace(self, main, challenges, pi):
        tuples = np.ascontiguousarray(main[:, list(self.bus_columns)])
        return self.bus.build(tuples, main[:, self.bus_mult], challenges)


def row_columns(main: np.ndarray, columns: Sequence[int] | None = None) -> list:
    """Main-trace columns as BaseVec values (all of them, or ``columns`` with None elsewhere)."""
    wanted = range(main.shape[1]) if columns is None else set(columns)
    return [BaseVec(np.ascontiguousarray(main[:, j])) if j in wanted else None
            for j in range(main.shape[1])]


def tuple_matrix(values: Sequence, n: int) -> np.ndarray:
    """Stack bus values computed on whole columns (BaseVec or int constants) into (n, arity)."""
    cols = [v.v if isinstance(v, BaseVec) else np.full(n, int(v) % P, dtype=np.uint64) for v in values]
    return np.stack(cols, axis=1)


# ---------------------------------------------------------------------------------------------
# Standalone AIR: a batch of permutations against public (input, output) pairs
# ---------------------------------------------------------------------------------------------

MULT = GROUP_WIDTH
"""Column of the bus multiplicity in :class:`Poseidon2Air` (1 on rows that hold a public pair)."""


def _as_states(a, name: str) -> np.ndarray:
    arr = np.array(a, dtype=np.uint64).reshape(-1, STATE_WIDTH)
    if arr.size and int(arr.max()) >= P:
        raise ValueError(f"{name} hold values that are not canonical BabyBear elements")
    arr.flags.writeable = False
    return arr


@dataclass(frozen=True, eq=False)
class Poseidon2Statement:
    """``permute(inputs[k]) == outputs[k]`` for every k (read-only arrays of shape (k, 16))."""

    inputs: np.ndarray
    outputs: np.ndarray

    def __post_init__(self):
        object.__setattr__(self, "inputs", _as_states(self.inputs, "inputs"))
        object.__setattr__(self, "outputs", _as_states(self.outputs, "outputs"))
        if self.inputs.shape != self.outputs.shape:
            raise ValueError("one output per input")

    @classmethod
    def of(cls, inputs: np.ndarray) -> Poseidon2Statement:
        """The true statement about these inputs (outputs computed)."""
        inputs = np.asarray(inputs, dtype=np.uint64).reshape(-1, STATE_WIDTH)
        return cls(inputs, permute_many(inputs))

    def __len__(self) -> int:
        return self.inputs.shape[0]

    def tuples(self) -> np.ndarray:
        return np.hstack([self.inputs, self.outputs])


class Poseidon2Air(PublicBusAux, Air):
    """Proves a batch of Poseidon2 permutations, bound to public (input, output) pairs.

    Main columns: the :class:`Poseidon2Group` (0 … 297) and ``mult`` (298).  Rows 0 … k−1 hold the
    public pairs; the rest (always at least the last row) permute zeros with ``mult = 0``.  The bus
    tuple of a row is (input ‖ output), so the statement is the multiset of public pairs.
    """

    name = "poseidon2"
    width = GROUP_WIDTH + 1
    aux_width = PublicBus.aux_width
    num_challenges = PublicBus.num_challenges

    def __init__(self):
        self.group = Poseidon2Group()
        self.bus = PublicBus(INPUT_WIDTH + OUTPUT_WIDTH, "pairs")
        self.bus_columns = [*self.group.input_columns, *self.group.output_columns]
        self.bus_mult = MULT

    def public_inputs_bytes(self, pi: Poseidon2Statement) -> bytes:
        return struct.pack("<I", len(pi)) + pi.tuples().astype("<u4").tobytes()

    def security_loss_bits(self, trace_length: int) -> float:
        return self.bus.security_loss_bits(trace_length)

    # main
    def transition_names(self):
        return self.group.constraint_names()

    def transition_degrees(self):
        return self.group.constraint_degrees()

    def cyclic_transitions(self):
        return frozenset(range(GROUP_CONSTRAINTS))  # single-row: they hold on the last row too

    def evaluate_transition(self, cur, nxt, pi):
        return self.group.constraints(cur)

    def assertions(self, pi, n):
        return []

    # aux: PublicBusAux over (input ‖ output)
    def aux_assertions(self, challenges, pi, n):
        return self.bus.assertions(self.bus.public_sum(pi.tuples(), challenges), n)


def poseidon2_trace(inputs: np.ndarray, min_rows: int = 8) -> tuple[np.ndarray, Poseidon2Statement]:
    """Trace and statement proving ``permute`` on every input row (k, 16).

    The trace has the next power of two ≥ k + 1 rows (the last row is never counted by the bus).
    """
    inputs = np.ascontiguousarray(inputs, dtype=np.uint64).reshape(-1, STATE_WIDTH)
    k = inputs.shape[0]
    n = max(min_rows, 1 << k.bit_length())   # smallest power of two > k
    states = np.zeros((n, STATE_WIDTH), dtype=np.uint64)
    states[:k] = inputs
    trace = np.empty((n, GROUP_WIDTH + 1), dtype=np.uint64)
    trace[:, :GROUP_WIDTH] = group_witness(states)
    trace[:, MULT] = 0
    trace[:k, MULT] = 1
    outputs = trace[:k, OUTPUT_OFFSET:OUTPUT_OFFSET + OUTPUT_WIDTH]
    return trace, Poseidon2Statement(inputs, outputs)
