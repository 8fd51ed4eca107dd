"""Fiat–Shamir transcript over blake2b-256.

The transcript is a hash chain: absorbing data sets ``state = H(state || tag || len || data)``, and every
challenge is ``H(state || "draw" || counter)`` for a counter that also advances the state, so no two
draws repeat and every draw depends on everything absorbed before it ("Frozen Heart": the AIR, its
parameters, the proof options, the trace length and all public inputs are absorbed first, by the
caller, before any commitment).

Challenges are drawn in the quintic extension field: each coefficient is 8 bytes of hash output reduced
mod p (bias < 2^−32 per coefficient).  Query positions are drawn as 8-byte integers reduced mod a power
of two (no bias).
"""

from __future__ import annotations

import hashlib
import struct

import numpy as np

from circuits.extension import Ext
from circuits.field import P

HASH_BYTES = 32


def _h(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=HASH_BYTES).digest()


def elements_to_bytes(values) -> bytes:
    """Canonical little-endian u32 encoding of base-field elements (any iterable or array)."""
    arr = np.asarray(values, dtype=np.uint64).ravel()
    return arr.astype("<u4").tobytes()


class Transcript:
    """A hash-chain Fiat–Shamir transcript shared byte-for-byte by prover and verifier."""

    def __init__(self, domain: bytes):
        self.state = _h(b"l2-rollup/transcript/v1" + struct.pack("<I", len(domain)) + domain)
        self._counter = 0

    def absorb(self, tag: bytes, data: bytes) -> None:
        self.state = _h(self.state + struct.pack("<H", len(tag)) + tag + struct.pack("<Q", len(data)) + data)
        self._counter = 0

    def absorb_elements(self, tag: bytes, values) -> None:
        self.absorb(tag, elements_to_bytes(values))

    def _next_block(self) -> bytes:
        out = _h(self.state + b"draw" + struct.pack("<Q", self._counter))
        self._counter += 1
        return out

    def draw_ext(self) -> Ext:
        block = self._next_block() + self._next_block()
        coeffs = [int.from_bytes(block[8 * i: 8 * i + 8], "little") % P for i in range(5)]
        return Ext(coeffs)

    def draw_exts(self, n: int) -> list[Ext]:
        """n draws, exactly as n calls of :meth:`draw_ext` (converted in one numpy pass)."""
        if n <= 0:
            return []
        blocks = b"".join(self._next_block() for _ in range(2 * n))
        coeffs = (np.frombuffer(blocks, dtype="<u8").reshape(n, 8)[:, :5] % np.uint64(P)).tolist()
        return [Ext._raw(tuple(c)) for c in coeffs]

    def draw_indices(self, n: int, domain_size: int) -> list[int]:
        """n positions in [0, domain_size) (a power of two), with repetition as drawn."""
        if domain_size & (domain_size - 1):
            raise ValueError("query domain size must be a power of two")
        out = []
        while len(out) < n:
            block = self._next_block()
            for i in range(0, HASH_BYTES, 8):
                if len(out) < n:
                    out.append(int.from_bytes(block[i:i + 8], "little") % domain_size)
        return out

    def grinding_seed(self) -> bytes:
        """What the proof-of-work nonce is ground against: the state after all FRI commitments."""
        return self.state
