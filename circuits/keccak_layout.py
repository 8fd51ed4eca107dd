"""Trace layout of the Keccak-f[1600] column group: one round per row, 24 rows per permutation.

Keccak works on 64-bit lanes A[x, y] (x, y ∈ 0..4, lane index x + 5y) and its only non-linear step χ
acts on single bits, while a BabyBear element holds 31 bits.  The state is therefore bit-sliced where
a round needs bits and kept in 16-bit limbs where it is carried between rounds (and read by lookups)::

    ┌flags┬ preimage ┬    a     ┬  c  ┬ c'  ┬        a'         ┬chi00┬   out    ┐
    │ 24  │ 25 × 4   │ 25 × 4   │5×64 │5×64 │   25 × 64 bits    │ 64  │ 25 × 4   │
    │1-hot│ 16-bit   │ 16-bit   │bits │bits │  θ output A'      │bits │ 16-bit   │
    │round│ limbs    │ limbs    │     │     │                   │     │ limbs    │
    └─────┴──────────┴──────────┴─────┴─────┴───────────────────┴─────┴──────────┘
      0     24         124        224   544   864                 2464  2528 … 2627

* ``flags``: flag r is 1 on the row of round r (row i of the trace is round i mod 24).
* ``preimage``: the permutation's input, the same on its 24 rows, so the last row holds input and
  output side by side for a lookup.
* ``a``: the round's input state; ``c[x][z]`` the column parities C[x] = ⊕_y A[x, y];
  ``c'[x][z]`` = C[x] ⊕ C[x−1] ⊕ rot(C[x+1], 1) = ⊕_y A'[x, y]; ``a'`` the bits of θ's output
  A' = A ⊕ C[x−1] ⊕ rot(C[x+1], 1).  A itself is never bit-sliced: A = A' ⊕ C ⊕ C' bit by bit.
* ``chi00``: the bits of χ's output lane (0, 0), the one lane ι changes.
* ``out``: the round's output state (after ι), the next round's ``a``.

Bit ``z`` of a lane is limb ``z // 16``, bit ``z % 16`` (limbs little-endian), as the lane's
little-endian bytes are in memory.  2,628 columns, of which 2,304 are bits.

This module also derives the Keccak constants from their definitions in FIPS 202 (the round
constants from the LFSR rc(t), the ρ offsets from the (t+1)(t+2)/2 walk) instead of listing them.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "ROUNDS", "LANES", "LANE_BITS", "LIMB_BITS", "LIMBS", "STATE_LIMBS", "RATE_BYTES", "RATE_LANES",
    "RC", "RC_BITS", "RHO", "PI_SOURCE",
    "FLAGS_OFFSET", "PREIMAGE_OFFSET", "A_OFFSET", "C_OFFSET", "C_PRIME_OFFSET", "A_PRIME_OFFSET",
    "CHI00_OFFSET", "OUT_OFFSET", "GROUP_WIDTH", "BIT_COLUMNS",
    "lane", "limb_col", "c_col", "a_prime_col", "KeccakRow",
]

ROUNDS = 24
LANES = 25
LANE_BITS = 64
LIMB_BITS = 16
LIMBS = LANE_BITS // LIMB_BITS          # 4 limbs per lane
STATE_LIMBS = LANES * LIMBS              # 100
RATE_BYTES = 136                         # keccak-256: capacity 512 bits
RATE_LANES = RATE_BYTES // 8             # 17


def lane(x: int, y: int) -> int:
    """Index of lane A[x, y] in the 25-lane state (x, y taken mod 5)."""
    return x % 5 + 5 * (y % 5)


# ---------------------------------------------------------------------------------------------
# Constants, from their definitions
# ---------------------------------------------------------------------------------------------

def _rc_bit(t: int) -> int:
    """rc(t) of FIPS 202 §3.2.5: the output of the LFSR x^8 + x^6 + x^5 + x^4 + 1 after t steps."""
    if t % 255 == 0:
        return 1
    r = [1, 0, 0, 0, 0, 0, 0, 0]
    for _ in range(t % 255):
        r = [0] + r
        for i in (0, 4, 5, 6):
            r[i] ^= r[8]
        r = r[:8]
    return r[0]


def _round_constants() -> tuple[int, ...]:
    """RC[i] has bit 2^j − 1 equal to rc(j + 7i) for j = 0..6, all other bits 0."""
    return tuple(sum(_rc_bit(j + 7 * i) << ((1 << j) - 1) for j in range(7)) for i in range(ROUNDS))


def _rho_offsets() -> np.ndarray:
    """ρ's rotation of lane (x, y): (t+1)(t+2)/2 mod 64 along the walk (x, y) → (y, 2x + 3y)."""
    off = np.zeros(LANES, dtype=np.int64)
    x, y = 1, 0
    for t in range(24):
        off[lane(x, y)] = ((t + 1) * (t + 2) // 2) % LANE_BITS
        x, y = y, (2 * x + 3 * y) % 5
    return off


RC: tuple[int, ...] = _round_constants()
"""The 24 ι round constants."""

RC_BITS = np.array([[(rc >> z) & 1 for rc in RC] for z in range(LANE_BITS)], dtype=np.uint64)
"""(64, 24): RC_BITS[z, r] = bit z of RC[r]; ι's constant bit z is Σ_r RC_BITS[z, r]·flag_r."""

RHO = _rho_offsets()
"""RHO[lane(x, y)]: left rotation applied by ρ to lane (x, y)."""


def _pi_source() -> np.ndarray:
    """π moves lane (x, y) to (y, 2x + 3y): PI_SOURCE[destination] = source lane."""
    src = np.zeros(LANES, dtype=np.int64)
    for x in range(5):
        for y in range(5):
            src[lane(y, 2 * x + 3 * y)] = lane(x, y)
    return src


PI_SOURCE = _pi_source()


# ---------------------------------------------------------------------------------------------
# Columns
# ---------------------------------------------------------------------------------------------

FLAGS_OFFSET = 0
PREIMAGE_OFFSET = FLAGS_OFFSET + ROUNDS
A_OFFSET = PREIMAGE_OFFSET + STATE_LIMBS
C_OFFSET = A_OFFSET + STATE_LIMBS
C_PRIME_OFFSET = C_OFFSET + 5 * LANE_BITS
A_PRIME_OFFSET = C_PRIME_OFFSET + 5 * LANE_BITS
CHI00_OFFSET = A_PRIME_OFFSET + LANES * LANE_BITS
OUT_OFFSET = CHI00_OFFSET + LANE_BITS
GROUP_WIDTH = OUT_OFFSET + STATE_LIMBS
"""Columns of the group: 24 + 3·100 + 2·320 + 1600 + 64 = 2628."""

BIT_COLUMNS = range(C_OFFSET, OUT_OFFSET)
"""c, c', a' and chi00: every column that holds a bit (2,304)."""


def limb_col(offset: int, x: int, y: int, limb: int) -> int:
    """Column of 16-bit limb ``limb`` of lane (x, y) in a limb block (preimage, a or out)."""
    return offset + LIMBS * lane(x, y) + limb


def c_col(x: int, z: int, prime: bool = False) -> int:
    """Column of bit z of C[x] (or of C'[x])."""
    return (C_PRIME_OFFSET if prime else C_OFFSET) + LANE_BITS * (x % 5) + z % LANE_BITS


def a_prime_col(x: int, y: int, z: int) -> int:
    """Column of bit z of A'[x, y]."""
    return A_PRIME_OFFSET + LANE_BITS * lane(x, y) + z % LANE_BITS


class KeccakRow:
    """Named views of one row of the group (a sequence of values of any type, or an array)."""

    __slots__ = ("row", "offset")

    def __init__(self, row, offset: int = 0):
        self.row = row
        self.offset = offset

    def _take(self, start: int, width: int):
        s = self.offset + start
        return self.row[s:s + width]

    @property
    def flags(self):
        return self._take(FLAGS_OFFSET, ROUNDS)

    @property
    def preimage(self):
        return self._take(PREIMAGE_OFFSET, STATE_LIMBS)

    @property
    def a(self):
        return self._take(A_OFFSET, STATE_LIMBS)

    @property
    def c(self):
        return self._take(C_OFFSET, 5 * LANE_BITS)

    @property
    def c_prime(self):
        return self._take(C_PRIME_OFFSET, 5 * LANE_BITS)

    @property
    def a_prime(self):
        return self._take(A_PRIME_OFFSET, LANES * LANE_BITS)

    @property
    def chi00(self):
        return self._take(CHI00_OFFSET, LANE_BITS)

    @property
    def out(self):
        return self._take(OUT_OFFSET, STATE_LIMBS)
