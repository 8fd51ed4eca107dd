"""Keccak-f[1600] in the trace: a column group proving one round per row, a permutation table, and
the keccak-256 sponge as a standalone statement.

Why this layout
---------------
BabyBear holds 31 bits and χ is a bitwise AND, so the rounds are bit-sliced (the layout, with a
diagram, is in :mod:`circuits.keccak_layout`).  Per round the degree bound 3 forces these
committed bits, and no more:

* A' (θ's output, 1600 bits): ρ and π only move bits, and χ's output bit
  b0 ⊕ (¬b1 ∧ b2) = b0 + t − 2·b0·t with t = (1 − b1)·b2 has degree 3 in them, so the next round's
  state follows from A' at degree 3 — but only if A' is committed, not computed.
* C and C' (320 bits each): the parity C'[x][z] = ⊕_y A'[x][y][z] of five bits is degree 5 as a
  polynomial, so it is checked as (Σ_y a' − c')·(Σ_y a' − c' − 2)·(Σ_y a' − c' − 4) = 0 (the sum
  of five bits minus a bit is even); C' = C[x] ⊕ C[x−1] ⊕ rot(C[x+1], 1) is an XOR of three bits
  (degree 3); and the round input follows as A = A' ⊕ C ⊕ C' (degree 3), so A needs no bits.
* χ's output lane (0, 0) (64 bits), because ι XORs it with a round constant selected by the round
  flags (degree 1), which would give degree 4 on top of χ.

Why θ is sound: with A* = A' ⊕ C ⊕ C' bitwise, parity_y(A*) = C' ⊕ C ⊕ C' = C, so C is the true
column parity of the input, C ⊕ C' = C[x−1] ⊕ rot(C[x+1], 1) is θ's D, and A' = A* ⊕ D = θ(A*).

Booleanity is enforced on A' and C only (1,920 constraints of degree 2): C' is an XOR of C bits by
its own constraint and χ's outputs are χ of bits.  Both checks are needed — an A' bit of value 2
satisfies the parity (it moves the sum by 2) and χ turns it into an output "bit" 2, which the next
round reads as a carry into the bit above; C = (1 − ω)/2 with ω³ = 1 keeps every XOR of three C's
at 0 while the input limbs move (the tests build both).

States travel between rows as 16-bit limbs (``a`` and ``out``, 4 per lane): a limb is a sum of 16
bits, so it is range-checked for free, and 16-bit limbs are what a memory lookup reads.  The round
constants need no periodic columns: a one-hot row of 24 round flags starts at round 0 (boundary
assertions on row 0) and rotates by one every row, and ι's constant bit z is Σ_r RC[r]_z · flag_r.

Rows and columns per permutation: one round per row, 24 rows × 2,628 columns = 63,072 cells (the
standalone AIR adds one multiplicity column: 63,096).  Two rounds per row would halve the rows but
not the cells — every round needs its own A', C, C' and χ bits — and the prover's work (LDE,
Merkle hashing, constraint evaluation) grows with cells, so the split only trades proof size
(a query opens whole rows: ≈ 10.5 KB each here) against rows.  A layout that looks χ up in byte
tables needs a 2^16-row AND/XOR table, more rows than a proof of a few hundred permutations has.
Dropping the ``a`` columns (reading the input off the previous row's ``out``) saves 100 columns
(4 %) but needs a dummy first permutation to anchor row 0; not done.  Batches pay padding to the
next power of two above 24k rows: ⌊(2^m − 1)/24⌋ permutations fill 98–99.9 % of 2^m rows.
``benchmarks/bench_keccak_air.py`` measures permutations proven per second.

Constraints are written once on :class:`_Cols` — many values side by side, one per bit or limb —
so that the prover evaluates the 3,148 constraints of a row in a few dozen numba kernel launches
over whole blocks, while the verifier runs the same code on extension scalars.

The statements
--------------
:class:`KeccakAir` proves a batch of permutations against a public list of (input, output) pairs
through a :class:`~circuits.poseidon2_air.PublicBus`: the tuple of a row is (preimage limbs,
output limbs), offered only on the last round of a permutation (``mult·(1 − flag_23) = 0``).  A
bigger AIR looks permutations up the same way with its own bus.

:class:`Keccak256Air` proves keccak-256 digests of public messages (padding 0x01 … 0x80, rate 136
bytes).  Its statement carries the sponge's chaining states — the state after each block's
permutation — and the verifier derives every permutation input from them and the message
(XOR of the next block into the rate, O(bytes) work), so the proof vouches for every permutation
and the digest is the first 32 bytes of the last state.  The chaining states cost the statement
200 bytes per block.  Absorbing in this table instead would need the bits of both XOR operands at
degree 1 (2 × 1,088 more columns on every row, +83 % cells); a KECCAK256 circuit can XOR through
bytewise lookups and take only the permutations from here.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numba import njit, prange

from circuits import ext_kernels as ek
from circuits import field as F
from circuits.air import Air, Assertion
from circuits.extension import Ext
from circuits.field import P
from circuits.keccak_layout import (
    A_OFFSET,
    A_PRIME_OFFSET,
    C_OFFSET,
    C_PRIME_OFFSET,
    CHI00_OFFSET,
    FLAGS_OFFSET,
    GROUP_WIDTH,
    LANE_BITS,
    LANES,
    LIMB_BITS,
    LIMBS,
    OUT_OFFSET,
    PI_SOURCE,
    PREIMAGE_OFFSET,
    RATE_BYTES,
    RATE_LANES,
    RC,
    RC_BITS,
    RHO,
    ROUNDS,
    STATE_LIMBS,
    lane,
)
from circuits.poseidon2_air import PublicBus, PublicBusAux
from circuits.values import BaseVec, Degree

__all__ = [
    "keccak_f", "keccak_round", "lanes_to_limbs", "limbs_to_lanes", "pad_message", "keccak256_many",
    "CONSTRAINT_GROUPS", "GROUP_CONSTRAINTS", "KeccakGroup", "group_witness",
    "MULT", "KeccakStatement", "KeccakAir", "trace_rows", "keccak_trace",
    "Keccak256Statement", "Keccak256Air", "keccak256_statement", "keccak256_trace",
]

_U64 = np.uint64
_P64 = np.uint64(P)
_Z = np.arange(LANE_BITS, dtype=np.uint64)
_LIMB_SHIFTS = np.arange(0, LANE_BITS, LIMB_BITS, dtype=np.uint64)
_LIMB_MASK = np.uint64((1 << LIMB_BITS) - 1)
_RC64 = np.array(RC, dtype=np.uint64)
_RHO64 = RHO.astype(np.uint64)

# ---------------------------------------------------------------------------------------------
# Keccak-f[1600] on numpy lanes: (k, 25) uint64, lane index x + 5y
# ---------------------------------------------------------------------------------------------


def _rotl(v: np.ndarray, r) -> np.ndarray:
    """Rotate 64-bit lanes left by r (r = 0 gives (v << 0) | (v >> 0) = v)."""
    r = np.asarray(r, dtype=np.uint64)
    return (v << r) | (v >> ((_U64(64) - r) % _U64(64)))


def keccak_round(state: np.ndarray, r: int) -> tuple[np.ndarray, ...]:
    """One round on every state at once → (C, C', A', χ lane (0,0), output), all uint64 lanes.

    C, C' have shape (k, 5) (index x); A' and the output (k, 25); χ lane (0, 0) (k,).
    """
    s = state.reshape(-1, 5, 5)                                        # [k, y, x]
    c = np.bitwise_xor.reduce(s, axis=1)                               # C[x] = ⊕_y A[x, y]
    d = np.roll(c, 1, axis=1) ^ _rotl(np.roll(c, -1, axis=1), 1)       # D[x] = C[x−1] ⊕ rot(C[x+1], 1)
    a_prime = (s ^ d[:, None, :]).reshape(-1, LANES)                   # θ
    b = _rotl(a_prime, _RHO64)[:, PI_SOURCE].reshape(-1, 5, 5)         # ρ then π
    chi = (b ^ (~np.roll(b, -1, axis=2) & np.roll(b, -2, axis=2))).reshape(-1, LANES)  # χ
    out = chi.copy()
    out[:, 0] ^= _RC64[r]                                              # ι
    return c, c ^ d, a_prime, chi[:, 0].copy(), out


def keccak_f(states: np.ndarray) -> np.ndarray:
    """Keccak-f[1600] of every row of a (k, 25) uint64 array."""
    s = np.ascontiguousarray(states, dtype=np.uint64).reshape(-1, LANES)
    for r in range(ROUNDS):
        s = keccak_round(s, r)[4]
    return s


def _bits(v: np.ndarray) -> np.ndarray:
    """(…,) uint64 lanes → (…, 64) bits, bit z = (v >> z) & 1."""
    return (v[..., None] >> _Z) & _U64(1)


def lanes_to_limbs(lanes: np.ndarray) -> np.ndarray:
    """(k, 25) lanes → (k, 100) 16-bit limbs, lane-major, little-endian within a lane."""
    lanes = np.asarray(lanes, dtype=np.uint64)
    return ((lanes[..., None] >> _LIMB_SHIFTS) & _LIMB_MASK).reshape(*lanes.shape[:-1], STATE_LIMBS)


def limbs_to_lanes(limbs: np.ndarray) -> np.ndarray:
    """Inverse of :func:`lanes_to_limbs` (limbs must be < 2^16)."""
    limbs = np.asarray(limbs, dtype=np.uint64).reshape(*np.shape(limbs)[:-1], LANES, LIMBS)
    return np.bitwise_or.reduce(limbs << _LIMB_SHIFTS, axis=-1)


def pad_message(message: bytes) -> np.ndarray:
    """keccak-256 padding (pad10*1 with domain byte 0x01) → (blocks, 17) uint64 rate lanes."""
    blocks = len(message) // RATE_BYTES + 1
    buf = bytearray(blocks * RATE_BYTES)
    buf[:len(message)] = message
    buf[len(message)] ^= 0x01
    buf[-1] ^= 0x80
    return np.frombuffer(bytes(buf), dtype="<u8").astype(np.uint64).reshape(blocks, RATE_LANES)


def _sponge_states(messages: Sequence[bytes]) -> np.ndarray:
    """The state after every block's permutation, message by message (all messages at once)."""
    padded = [pad_message(m) for m in messages]
    counts = np.array([p.shape[0] for p in padded], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]]).astype(np.int64)
    out = np.zeros((int(counts.sum()), LANES), dtype=np.uint64)
    state = np.zeros((len(messages), LANES), dtype=np.uint64)
    for j in range(int(counts.max(initial=0))):   # block index: every message absorbs its j-th block
        live = np.nonzero(counts > j)[0]
        block = np.stack([padded[i][j] for i in live])
        state[live, :RATE_LANES] ^= block
        state[live] = keccak_f(state[live])
        out[starts[live] + j] = state[live]
    return out


def _digest(state: np.ndarray) -> bytes:
    return np.ascontiguousarray(state[:4], dtype="<u8").tobytes()


def keccak256_many(messages: Sequence[bytes]) -> list[bytes]:
    """keccak-256 of every message (all permutations of one block index at once)."""
    states = _sponge_states(messages)
    ends = np.cumsum([len(m) // RATE_BYTES + 1 for m in messages]) - 1
    return [_digest(states[e]) for e in ends]


# ---------------------------------------------------------------------------------------------
# Many values side by side: constraints written once, evaluated in bulk on every backend
# ---------------------------------------------------------------------------------------------

class _Cols:
    """m values of one kind side by side: a block of ``n`` rows per value (prover, debug checker),
    one extension element per value (verifier), or one degree for all (symbolic check).

    Arithmetic is elementwise; an operand holding one value broadcasts against m values.
    """

    __slots__ = ("v", "m", "n", "kind")

    def __init__(self, v, m: int, n: int, kind: str):
        self.v, self.m, self.n, self.kind = v, m, n, kind

    @classmethod
    def of(cls, values: Sequence) -> "_Cols":
        first = values[0]
        if isinstance(first, BaseVec):
            n = len(first.v)
            return cls(np.concatenate([x.v for x in values]).astype(np.uint64, copy=False), len(values), n, "b")
        if isinstance(first, Ext):
            return cls(np.array([x.c for x in values], dtype=np.uint64), len(values), 1, "e")
        if isinstance(first, Degree):
            return cls(max(x.d for x in values), len(values), 1, "d")
        raise TypeError(f"cannot evaluate constraints on {type(first).__name__}")

    # -- elementwise arithmetic ---------------------------------------------------------------------
    def _like(self, v, m: int) -> "_Cols":
        return _Cols(v, m, self.n, self.kind)

    def _bin(self, o, op: str) -> "_Cols":
        if isinstance(o, int):
            return self._scalar(o, op)
        if not isinstance(o, _Cols):
            return NotImplemented
        a, b = self, o
        if a.m == 1 and b.m > 1 and op != "sub":
            a, b = b, a
        m = max(a.m, b.m)
        if a.kind == "d":
            return a._like(max(a.v, b.v) if op != "mul" else a.v + b.v, m)
        if a.kind == "b":
            x = a.v if a.m == m else np.tile(a.v, m)
            y = b.v if b.m == m else np.tile(b.v, m)
            fn = {"add": F.add, "sub": F.sub, "mul": F.mul}[op]
            return a._like(fn(x, y), m)
        # extension scalars: (m, 5) against (m, 5) or (1, 5)
        x, y = a.v, b.v
        if op == "add":
            return a._like(ek.ext_add(x, y), m)
        if op == "sub":
            return a._like(ek.ext_sub(x, y), m)
        if y.shape[0] == 1 and x.shape[0] > 1:
            return a._like(ek.ext_mul_scalar(x, np.ascontiguousarray(y[0])), m)
        return a._like(ek.ext_mul(np.ascontiguousarray(x), np.ascontiguousarray(y)), m)

    def _scalar(self, k: int, op: str) -> "_Cols":
        if self.kind == "d":
            return self
        k %= P
        if op == "mul":
            if self.kind == "b":
                return self._like(F.mul(self.v, _U64(k)), self.m)
            return self._like(self.v * _U64(k) % _P64, self.m)
        if op == "sub":
            k = (-k) % P
        if self.kind == "b":
            return self._like(F.add(self.v, _U64(k)), self.m)
        c = np.zeros((1, 5), dtype=np.uint64)
        c[0, 0] = k
        return self._like(ek.ext_add(self.v, c), self.m)

    def __add__(self, o):
        return self._bin(o, "add")

    __radd__ = __add__

    def __sub__(self, o):
        return self._bin(o, "sub")

    def __rsub__(self, o):
        return (-self) + o

    def __neg__(self):
        if self.kind == "d":
            return self
        if self.kind == "b":
            return self._like(F.neg(self.v), self.m)
        return self._like(ek.ext_neg(self.v), self.m)

    def __mul__(self, o):
        return self._bin(o, "mul")

    __rmul__ = __mul__

    # -- moving values --------------------------------------------------------------------------------
    def take(self, idx) -> "_Cols":
        """The values at positions ``idx`` (a gather: ρ, π and the x ± 1 neighbours are index maps)."""
        idx = np.asarray(idx, dtype=np.int64)
        if self.kind == "d":
            return self._like(self.v, len(idx))
        if self.kind == "b":
            return self._like(self.v.reshape(self.m, self.n)[idx].ravel(), len(idx))
        return self._like(self.v[idx], len(idx))

    def group_sum(self, k: int, weights: np.ndarray) -> "_Cols":
        """Σ_j weights[j]·value[g·k + j] for each group g of k consecutive values (weights < 2^16)."""
        w = np.asarray(weights, dtype=np.uint64)
        g = self.m // k
        if self.kind == "d":
            return self._like(self.v, g)
        if self.kind == "b":
            return self._like(_group_sum_kernel(self.v, w, g, k, self.n), g)
        s = (self.v.reshape(g, k, 5) * w[None, :, None]).sum(axis=1, dtype=np.uint64)
        return self._like(s % _P64, g)

    def fold(self, k: int) -> "_Cols":
        """Σ_j of the k equal consecutive chunks of the values (chunk j: values j·m/k … (j+1)·m/k − 1)."""
        size = self.m // k
        if self.kind == "d":
            return self._like(self.v, size)
        if self.kind == "b":
            step = size * self.n
            acc = self.v[:step]
            for j in range(1, k):
                acc = F.add(acc, self.v[j * step:(j + 1) * step])
            return self._like(acc, size)
        return self._like(self.v.reshape(k, size, 5).sum(axis=0, dtype=np.uint64) % _P64, size)

    def tile(self, k: int) -> "_Cols":
        """The values repeated k times, chunk after chunk."""
        if self.kind == "d":
            return self._like(self.v, self.m * k)
        if self.kind == "b":
            return self._like(np.tile(self.v, k), self.m * k)
        return self._like(np.tile(self.v, (k, 1)), self.m * k)

    def lincomb(self, matrix: np.ndarray) -> "_Cols":
        """matrix @ values, for a (r, m) matrix of 0/1 constants."""
        r = matrix.shape[0]
        if self.kind == "d":
            return self._like(self.v, r)
        if self.kind == "b":
            return self._like(((matrix @ self.v.reshape(self.m, self.n)) % _P64).ravel(), r)
        return self._like((matrix @ self.v) % _P64, r)

    def split(self) -> list:
        """One value per position, of the type the constraint code was handed."""
        if self.kind == "d":
            return [Degree(self.v)] * self.m
        if self.kind == "b":
            return [BaseVec(self.v[i * self.n:(i + 1) * self.n]) for i in range(self.m)]
        return [Ext.from_array(row) for row in self.v]


@njit(cache=True, parallel=True)
def _group_sum_kernel(v: np.ndarray, w: np.ndarray, g: int, k: int, n: int) -> np.ndarray:
    """Weighted sums of groups of k blocks of n values; values < 2^31 and weights < 2^16, so k ≤ 16
    terms stay below 2^51 before the one reduction."""
    out = np.empty(g * n, dtype=np.uint64)
    for gi in prange(g):
        acc = np.zeros(n, dtype=np.uint64)
        for j in range(k):
            base = (gi * k + j) * n
            wj = w[j]
            for i in range(n):
                acc[i] += v[base + i] * wj
        for i in range(n):
            out[gi * n + i] = acc[i] % _P64
    return out


def _xor(a, b):
    """a ⊕ b for bits: a + b − 2ab."""
    return a + b - a * b * 2


# ---------------------------------------------------------------------------------------------
# Index maps (positions inside the c / c' block (x·64 + z) and the a' block ((x + 5y)·64 + z))
# ---------------------------------------------------------------------------------------------

def _bit(lane_index: int, z: int) -> int:
    return LANE_BITS * lane_index + z % LANE_BITS


_C_XM1 = np.array([LANE_BITS * ((x - 1) % 5) + z for x in range(5) for z in range(LANE_BITS)])
_C_XP1_ROT = np.array([LANE_BITS * ((x + 1) % 5) + (z - 1) % LANE_BITS for x in range(5) for z in range(LANE_BITS)])
_RHO_PI = np.array([_bit(int(PI_SOURCE[d]), z - int(RHO[PI_SOURCE[d]]))
                    for d in range(LANES) for z in range(LANE_BITS)])
"""B = π(ρ(A')) as a gather from a': B[d][z] = A'[src][z − ρ(src)], src = PI_SOURCE[d]."""
_X_PLUS = {k: np.array([_bit(lane(i % 5 + k, i // 5), z) for i in range(LANES) for z in range(LANE_BITS)])
           for k in (1, 2)}
_FLAG_ROTATE = np.array([(r - 1) % ROUNDS for r in range(ROUNDS)])
_POW2 = np.array([1 << j for j in range(LIMB_BITS)], dtype=np.uint64)
_RC_MATRIX = np.ascontiguousarray(RC_BITS, dtype=np.uint64)


# ---------------------------------------------------------------------------------------------
# The column group
# ---------------------------------------------------------------------------------------------

def _lane_names(detail: str) -> list[str]:
    return [detail.format(x=i % 5, y=i // 5, z=z) for i in range(LANES) for z in range(LANE_BITS)]


def _limb_names() -> list[str]:
    return [f"x={i % 5},y={i // 5},limb={l}" for i in range(LANES) for l in range(LIMBS)]


def _column_names() -> list[str]:
    return [f"x={x},z={z}" for x in range(5) for z in range(LANE_BITS)]


CONSTRAINT_GROUPS: tuple[tuple[str, list[str], int, bool], ...] = (
    # (group name, one detail per constraint, degree, cyclic: holds on the last row too)
    ("round flags rotate", [f"flag {r}" for r in range(ROUNDS)], 1, False),
    ("preimage = a on round 0", _limb_names(), 2, True),
    ("preimage carried", _limb_names(), 2, False),
    ("next a = out", _limb_names(), 2, False),
    ("a' bit boolean", _lane_names("x={x},y={y},z={z}"), 2, True),
    ("c bit boolean", _column_names(), 2, True),
    ("c' = c ⊕ c[x-1] ⊕ rot(c[x+1])", _column_names(), 3, True),
    ("theta parity: Σ_y a' ≡ c'", _column_names(), 3, True),
    ("a = a' ⊕ c ⊕ c'", _limb_names(), 3, True),
    ("chi00 = χ lane (0,0)", [f"z={z}" for z in range(LANE_BITS)], 3, True),
    ("out = χ", _limb_names()[LIMBS:], 3, True),
    ("iota: out(0,0) = chi00 ⊕ RC", [f"limb={l}" for l in range(LIMBS)], 2, True),
)
"""The group's constraints, in evaluation order: what each group enforces is in its name."""

GROUP_CONSTRAINTS = sum(len(d) for _, d, _, _ in CONSTRAINT_GROUPS)
"""Constraints of one group: 24 + 3·100 + 1600 + 3·320 + 100 + 64 + 96 + 4 = 3,148."""


@dataclass(frozen=True)
class KeccakGroup:
    """One Keccak-f round per row in columns ``offset … offset + GROUP_WIDTH − 1``.

    Row i of the trace is round i mod 24 of some permutation (the flags start at round 0 on row 0:
    :meth:`assertions`).  A bigger AIR embeds the group by reserving its columns, filling them
    with :func:`group_witness`, appending :meth:`constraints` (cyclic ones listed by
    :meth:`cyclic`) and the assertions, and reading a permutation's input and output on its last
    row (flag 23): :attr:`preimage_columns` and :attr:`output_columns`, 16-bit limbs.
    """

    offset: int = 0
    prefix: str = ""

    width = GROUP_WIDTH

    # -- where things are ---------------------------------------------------------------------------
    def _range(self, start: int, width: int) -> range:
        return range(self.offset + start, self.offset + start + width)

    @property
    def columns(self) -> range:
        return self._range(0, GROUP_WIDTH)

    @property
    def flag_columns(self) -> range:
        return self._range(FLAGS_OFFSET, ROUNDS)

    @property
    def last_round_flag(self) -> int:
        """Column that is 1 exactly on the rows holding a permutation's output."""
        return self.offset + FLAGS_OFFSET + ROUNDS - 1

    @property
    def preimage_columns(self) -> range:
        """The permutation's input, 100 little-endian 16-bit limbs (lane-major), on all its rows."""
        return self._range(PREIMAGE_OFFSET, STATE_LIMBS)

    @property
    def output_columns(self) -> range:
        """The round's output; on the last round (flag 23) the permutation's output."""
        return self._range(OUT_OFFSET, STATE_LIMBS)

    def preimage(self, row: Sequence) -> list:
        return [row[c] for c in self.preimage_columns]

    def output(self, row: Sequence) -> list:
        return [row[c] for c in self.output_columns]

    # -- constraints --------------------------------------------------------------------------------
    def constraint_names(self) -> list[str]:
        return [f"{self.prefix}{g} [{d}]" for g, details, _, _ in CONSTRAINT_GROUPS for d in details]

    def constraint_degrees(self) -> list[int]:
        return [deg for _, details, deg, _ in CONSTRAINT_GROUPS for _ in details]

    def cyclic(self) -> frozenset[int]:
        """Indices (within the group) of the single-row constraints, which hold on every row."""
        out, at = [], 0
        for _, details, _, cyclic in CONSTRAINT_GROUPS:
            if cyclic:
                out += range(at, at + len(details))
            at += len(details)
        return frozenset(out)

    def assertions(self) -> list[Assertion]:
        """Row 0 is round 0: flag 0 is 1 and the other flags are 0."""
        return [Assertion(self.offset + FLAGS_OFFSET + r, 0, int(r == 0), f"{self.prefix}round flag {r} on row 0")
                for r in range(ROUNDS)]

    def constraints(self, cur: Sequence, nxt: Sequence) -> list:
        """The group's constraints on rows (cur, nxt), in the order of :data:`CONSTRAINT_GROUPS`."""
        o = self.offset

        def block(row, start, width):
            return _Cols.of(row[o + start:o + start + width])

        flags, flags_n = block(cur, FLAGS_OFFSET, ROUNDS), block(nxt, FLAGS_OFFSET, ROUNDS)
        first, last = flags.take([0]), flags.take([ROUNDS - 1])
        pre, pre_n = block(cur, PREIMAGE_OFFSET, STATE_LIMBS), block(nxt, PREIMAGE_OFFSET, STATE_LIMBS)
        a, a_n = block(cur, A_OFFSET, STATE_LIMBS), block(nxt, A_OFFSET, STATE_LIMBS)
        c = block(cur, C_OFFSET, 5 * LANE_BITS)
        cp = block(cur, C_PRIME_OFFSET, 5 * LANE_BITS)
        ap = block(cur, A_PRIME_OFFSET, LANES * LANE_BITS)
        chi00 = block(cur, CHI00_OFFSET, LANE_BITS)
        out = block(cur, OUT_OFFSET, STATE_LIMBS)
        within = 1 - last   # 1 unless the next row starts another permutation

        groups = [
            flags_n - flags.take(_FLAG_ROTATE),                               # flag'_r = flag_{r−1}
            first * (pre - a),                                                # round 0 reads the preimage
            within * (pre_n - pre),
            within * (a_n - out),                                             # round r+1 reads round r
            # bits; c' needs no check: the θ constraints make it an XOR of bits
            ap * (ap - 1),
            c * (c - 1),
            *_theta(a, c, cp, ap),
            *_chi_iota(ap, chi00, out, flags),
        ]
        return [v for g in groups for v in g.split()]


def _theta(a: _Cols, c: _Cols, cp: _Cols, ap: _Cols) -> list[_Cols]:
    """θ's three constraint groups (intermediates die with the call: they are block-sized)."""
    # C'[x][z] = C[x][z] ⊕ C[x−1][z] ⊕ C[x+1][z−1]
    xor3 = cp - _xor(_xor(c, c.take(_C_XM1)), c.take(_C_XP1_ROT))
    # s = Σ_y A'[x][y][z] − C'[x][z] is even (s ∈ {−1 … 5}, so s ∈ {0, 2, 4}); a' is stored y-major,
    # so the sum over y adds five consecutive chunks
    s = ap.fold(5) - cp
    parity = s * (s - 2) * (s - 4)
    # θ inverted: a limb = Σ_z 2^z·(A' ⊕ E)_z with E = C ⊕ C', summed term by term as
    # Σ 2^z·a' + Σ 2^z·e − 2·Σ 2^z·a'·e (E is the same for the five lanes of a column)
    e = _xor(c, cp)
    xored = (ap.group_sum(LIMB_BITS, _POW2) + e.group_sum(LIMB_BITS, _POW2).tile(5)
             - (ap * e.tile(5)).group_sum(LIMB_BITS, _POW2) * 2)
    return [xor3, parity, a - xored]


def _chi_iota(ap: _Cols, chi00: _Cols, out: _Cols, flags: _Cols) -> list[_Cols]:
    """χ's and ι's constraint groups.

    ρ and π gather B from A'; χ is B ⊕ (¬B[x+1] ∧ B[x+2]) = B + t − 2·B·t with t = (1 − B[x+1])·B[x+2].
    Only lane (0, 0) is needed bit by bit; the other lanes' limbs are Σ 2^z·b + Σ 2^z·t − 2·Σ 2^z·b·t.
    """
    b = ap.take(_RHO_PI)
    b2 = b.take(_X_PLUS[2])
    t = b2 - b.take(_X_PLUS[1]) * b2
    bt = b * t
    lane0 = range(LANE_BITS)
    chi_lane0 = chi00 - (b.take(lane0) + t.take(lane0) - bt.take(lane0) * 2)
    limbs = b.group_sum(LIMB_BITS, _POW2) + t.group_sum(LIMB_BITS, _POW2) - bt.group_sum(LIMB_BITS, _POW2) * 2
    chi_rest = out.take(range(LIMBS, STATE_LIMBS)) - limbs.take(range(LIMBS, STATE_LIMBS))
    # ι: RC bit z = Σ_r RC[r]_z·flag_r; out(0,0) limb = Σ_z 2^z·(chi00 ⊕ RC)_z
    rc = flags.lincomb(_RC_MATRIX)
    iota = out.take(range(LIMBS)) - _xor(chi00, rc).group_sum(LIMB_BITS, _POW2)
    return [chi_lane0, chi_rest, iota]


def group_witness(inputs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 24 rows of every permutation and its output: (k, 25) lanes → ((k, 24, GROUP_WIDTH), (k, 25)).

    Vectorized over the permutations; the only loop runs over the 24 rounds.
    """
    state = np.ascontiguousarray(inputs, dtype=np.uint64).reshape(-1, LANES)
    k = state.shape[0]
    rows = np.zeros((k, ROUNDS, GROUP_WIDTH), dtype=np.uint64)
    rows[:, :, PREIMAGE_OFFSET:PREIMAGE_OFFSET + STATE_LIMBS] = lanes_to_limbs(state)[:, None, :]
    for r in range(ROUNDS):
        c, cp, ap, chi00, out = keccak_round(state, r)
        row = rows[:, r]
        row[:, FLAGS_OFFSET + r] = 1
        row[:, A_OFFSET:A_OFFSET + STATE_LIMBS] = lanes_to_limbs(state)
        row[:, C_OFFSET:C_OFFSET + 5 * LANE_BITS] = _bits(c).reshape(k, 5 * LANE_BITS)
        row[:, C_PRIME_OFFSET:C_PRIME_OFFSET + 5 * LANE_BITS] = _bits(cp).reshape(k, 5 * LANE_BITS)
        row[:, A_PRIME_OFFSET:A_PRIME_OFFSET + LANES * LANE_BITS] = _bits(ap).reshape(k, LANES * LANE_BITS)
        row[:, CHI00_OFFSET:CHI00_OFFSET + LANE_BITS] = _bits(chi00)
        row[:, OUT_OFFSET:OUT_OFFSET + STATE_LIMBS] = lanes_to_limbs(out)
        state = out
    return rows, state


# ---------------------------------------------------------------------------------------------
# Standalone AIR: a batch of permutations against public (input, output) pairs
# ---------------------------------------------------------------------------------------------

MULT = GROUP_WIDTH
"""Column of the bus multiplicity in :class:`KeccakAir` (1 on the last row of a public pair)."""

_MASK64 = (1 << 64) - 1


def _as_lanes(a, name: str) -> np.ndarray:
    if isinstance(a, np.ndarray) and a.dtype == np.uint64:
        arr = a.reshape(-1, LANES).copy()
    else:
        vals = [int(v) for v in np.asarray(a, dtype=object).ravel()]
        if any(v < 0 or v > _MASK64 for v in vals):
            raise ValueError(f"{name} hold values that are not 64-bit lanes")
        arr = np.array(vals, dtype=np.uint64).reshape(-1, LANES)
    arr.flags.writeable = False
    return arr


def _pair_tuples(inputs: np.ndarray, outputs: np.ndarray) -> np.ndarray:
    """Bus tuples (input limbs ‖ output limbs), (k, 200)."""
    return np.hstack([lanes_to_limbs(inputs), lanes_to_limbs(outputs)])


@dataclass(frozen=True, eq=False)
class KeccakStatement:
    """``keccak_f(inputs[k]) == outputs[k]`` for every k (read-only uint64 arrays of shape (k, 25))."""

    inputs: np.ndarray
    outputs: np.ndarray

    def __post_init__(self):
        object.__setattr__(self, "inputs", _as_lanes(self.inputs, "inputs"))
        object.__setattr__(self, "outputs", _as_lanes(self.outputs, "outputs"))
        if self.inputs.shape != self.outputs.shape:
            raise ValueError("one output per input")

    @classmethod
    def of(cls, inputs) -> KeccakStatement:
        """The true statement about these inputs (outputs computed)."""
        inputs = _as_lanes(inputs, "inputs")
        return cls(inputs, keccak_f(inputs))

    def __len__(self) -> int:
        return self.inputs.shape[0]

    def to_bytes(self) -> bytes:
        return struct.pack("<I", len(self)) + self.inputs.astype("<u8").tobytes() + self.outputs.astype("<u8").tobytes()


class KeccakAir(PublicBusAux, Air):
    """Proves a batch of Keccak-f[1600] permutations, bound to public (input, output) pairs.

    Main columns: the :class:`KeccakGroup` (0 … 2627) and ``mult`` (2628).  Permutation j of the
    statement takes rows 24j … 24j + 23; its last row offers (preimage ‖ output) on the bus with
    ``mult = 1``.  Rows after the last permutation run permutations of zero with ``mult = 0``.
    """

    name = "keccak-f1600"
    width = GROUP_WIDTH + 1
    aux_width = PublicBus.aux_width
    num_challenges = PublicBus.num_challenges

    def __init__(self):
        self.group = KeccakGroup()
        self.bus = PublicBus(2 * STATE_LIMBS, "pairs")
        self.bus_columns = [*self.group.preimage_columns, *self.group.output_columns]
        self.bus_mult = MULT

    def public_inputs_bytes(self, pi: KeccakStatement) -> bytes:
        return pi.to_bytes()

    def security_loss_bits(self, trace_length: int) -> float:
        return self.bus.security_loss_bits(trace_length)

    # main
    def transition_names(self):
        return self.group.constraint_names() + ["mult = 0 off the last round"]

    def transition_degrees(self):
        return self.group.constraint_degrees() + [2]

    def cyclic_transitions(self):
        return self.group.cyclic() | {GROUP_CONSTRAINTS}

    def evaluate_transition(self, cur, nxt, pi):
        # only a permutation's last row may be counted: elsewhere (preimage, out) is not a pair
        return self.group.constraints(cur, nxt) + [cur[MULT] * (1 - cur[self.group.last_round_flag])]

    def assertions(self, pi, n):
        return self.group.assertions()

    # aux: PublicBusAux over (preimage ‖ output)
    def aux_assertions(self, challenges, pi, n):
        tuples = _pair_tuples(pi.inputs, pi.outputs)
        return self.bus.assertions(self.bus.public_sum(tuples, challenges), n)


def trace_rows(permutations: int, min_rows: int = 8) -> int:
    """Rows for k permutations: the next power of two ≥ 24k + 1 (the bus never counts the last row)."""
    return max(min_rows, 1 << (ROUNDS * permutations).bit_length())


def keccak_trace(inputs, min_rows: int = 8) -> tuple[np.ndarray, KeccakStatement]:
    """Trace and statement proving Keccak-f[1600] of every input state (k, 25) uint64 lanes."""
    inputs = _as_lanes(inputs, "inputs")
    k = inputs.shape[0]
    n = trace_rows(k, min_rows)
    rows, outputs = group_witness(inputs)
    pad, _ = group_witness(np.zeros((1, LANES), dtype=np.uint64))   # every padding permutation is f(0)
    trace = np.empty((n, GROUP_WIDTH + 1), dtype=np.uint64)
    used = ROUNDS * k
    trace[:used, :GROUP_WIDTH] = rows.reshape(used, GROUP_WIDTH)
    reps = -(-(n - used) // ROUNDS)
    trace[used:, :GROUP_WIDTH] = np.tile(pad[0], (reps, 1))[:n - used]
    trace[:, MULT] = 0
    trace[ROUNDS - 1:used:ROUNDS, MULT] = 1
    return trace, KeccakStatement(inputs, outputs)


# ---------------------------------------------------------------------------------------------
# keccak-256 of public messages
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class Keccak256Statement:
    """``keccak256(messages[i]) == digests[i]``, carried by the sponge's chaining states.

    ``states`` holds, message after message, the state after each of its blocks' permutation
    ((total blocks, 25) uint64).  The permutation inputs are derived, not trusted: a message's
    first input is its first padded block (capacity zero), each next input the previous state with
    the next block XORed into its 17 rate lanes.  ``digests`` are the first 32 bytes of each
    message's last state.
    """

    messages: tuple[bytes, ...]
    states: np.ndarray

    def __post_init__(self):
        msgs = tuple(bytes(m) for m in self.messages)
        object.__setattr__(self, "messages", msgs)
        states = _as_lanes(self.states, "states")
        object.__setattr__(self, "states", states)
        blocks = [pad_message(m) for m in msgs]
        if states.shape[0] != sum(b.shape[0] for b in blocks):
            raise ValueError("one chaining state per absorbed block")
        inputs = np.zeros_like(states)
        at = 0
        for b in blocks:
            nb = b.shape[0]
            inputs[at:at + nb, :RATE_LANES] = b
            inputs[at + 1:at + nb] ^= states[at:at + nb - 1]   # in_{j+1} = out_j ⊕ block_{j+1}
            at += nb
        inputs.flags.writeable = False
        object.__setattr__(self, "_inputs", inputs)
        ends = np.cumsum([b.shape[0] for b in blocks], dtype=np.int64) - 1
        object.__setattr__(self, "_ends", ends)

    @property
    def inputs(self) -> np.ndarray:
        """Every permutation input, derived from the messages and the chaining states."""
        return self._inputs

    @property
    def outputs(self) -> np.ndarray:
        return self.states

    @property
    def digests(self) -> list[bytes]:
        return [_digest(self.states[e]) for e in self._ends]

    def __len__(self) -> int:
        return len(self.messages)

    def to_bytes(self) -> bytes:
        out = [struct.pack("<I", len(self.messages))]
        out += [struct.pack("<I", len(m)) + m for m in self.messages]
        out.append(self.states.astype("<u8").tobytes())
        return b"".join(out)


def keccak256_statement(messages: Sequence[bytes]) -> Keccak256Statement:
    """The true statement about these messages (the sponge run with :func:`keccak_f`)."""
    messages = [bytes(m) for m in messages]
    return Keccak256Statement(tuple(messages), _sponge_states(messages))


class Keccak256Air(KeccakAir):
    """Proves keccak-256 digests of public messages: the permutation table of :class:`KeccakAir`,
    bound to the (input, output) pairs that a :class:`Keccak256Statement` derives."""

    name = "keccak256-sponge"

    def public_inputs_bytes(self, pi: Keccak256Statement) -> bytes:
        return pi.to_bytes()


def keccak256_trace(messages: Sequence[bytes], min_rows: int = 8) -> tuple[np.ndarray, Keccak256Statement]:
    """Trace and statement for :class:`Keccak256Air`: one permutation per absorbed block."""
    st = keccak256_statement(messages)
    trace, _ = keccak_trace(st.inputs, min_rows)
    return trace, st
