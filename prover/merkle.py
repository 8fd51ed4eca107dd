"""Merkle trees over matrix rows, built with the batch blake2b kernels.

The tree is kept as its levels (leaf digests first, root last) so openings are array lookups.
"""

from __future__ import annotations

import numpy as np

from verifier.blake2b import hash_pairs, hash_rows
from verifier.merkle import sibling_schedule


class MerkleTree:
    """Commitment to the rows of an (n, w) matrix of field elements (n a power of two)."""

    def __init__(self, rows: np.ndarray):
        n = rows.shape[0]
        if n == 0 or n & (n - 1):
            raise ValueError("a Merkle tree needs a power-of-two number of rows")
        rows32 = np.ascontiguousarray(rows, dtype=np.uint32)
        self.rows = rows32
        levels = [hash_rows(rows32)]
        while levels[-1].shape[0] > 1:
            levels.append(hash_pairs(levels[-1]))
        self.levels = levels
        self.depth = len(levels) - 1

    @property
    def root(self) -> bytes:
        return self.levels[-1][0].tobytes()

    def open(self, indices: list[int]) -> list[bytes]:
        """Siblings for a batch opening of the given leaves (see verifier.merkle for the order)."""
        return [self.levels[level][idx].tobytes() for level, idx in sibling_schedule(indices, self.depth)]
