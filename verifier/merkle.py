"""Merkle batch openings over blake2b-256: checking them (here) and the traversal both sides share.

A tree commits to the rows of a matrix of field elements: leaf i = H(LE-u32 bytes of row i), node =
H(left || right), depth = log2(number of rows).  A batch opening of several leaves sends only the
siblings that cannot be recomputed from the opened leaves themselves, in a fixed order: level by level
from the leaves up, and within a level by increasing index.  This shares the top of the paths between
queries, which is most of their length at realistic query counts.
"""

from __future__ import annotations

import hashlib

from verifier.errors import VerificationError


def hash_leaf(row_bytes: bytes) -> bytes:
    return hashlib.blake2b(row_bytes, digest_size=32).digest()


def hash_node(left: bytes, right: bytes) -> bytes:
    return hashlib.blake2b(left + right, digest_size=32).digest()


def sibling_schedule(indices: list[int], depth: int) -> list[tuple[int, int]]:
    """The (level, index) of every sibling a batch opening of ``indices`` must carry, in proof order."""
    needed: list[tuple[int, int]] = []
    level_nodes = sorted(set(indices))
    for level in range(depth):
        present = set(level_nodes)
        parents: list[int] = []
        for idx in level_nodes:
            sib = idx ^ 1
            if sib not in present:
                needed.append((level, sib))
            parent = idx >> 1
            if not parents or parents[-1] != parent:
                parents.append(parent)
        level_nodes = parents
    return needed


def verify_batch(root: bytes, depth: int, leaves: dict[int, bytes], siblings: list[bytes]) -> None:
    """Recompute the root from leaf digests {index: digest} and the carried siblings.

    Raises VerificationError if the root differs or the number of siblings is not exactly what the
    indices need (a proof with extra or missing nodes is malformed, not merely unlucky).
    """
    if not leaves:
        raise VerificationError("Merkle opening with no leaves")
    for idx in leaves:
        if not 0 <= idx < (1 << depth):
            raise VerificationError("Merkle leaf index out of range")
    nodes = dict(leaves)
    it = iter(siblings)
    used = 0
    for _level in range(depth):
        parents: dict[int, bytes] = {}
        for idx in sorted(nodes):
            parent = idx >> 1
            if parent in parents:
                continue
            sib = idx ^ 1
            if sib in nodes:
                sib_hash = nodes[sib]
            else:
                try:
                    sib_hash = next(it)
                except StopIteration:
                    raise VerificationError("Merkle opening is missing sibling nodes") from None
                used += 1
            left, right = (nodes[idx], sib_hash) if idx % 2 == 0 else (sib_hash, nodes[idx])
            parents[parent] = hash_node(left, right)
        nodes = parents
    if used != len(siblings):
        raise VerificationError("Merkle opening carries extra sibling nodes")
    if nodes.get(0) != root:
        raise VerificationError("Merkle opening does not match the committed root")
