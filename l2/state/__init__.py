"""Rollup state: one compressed sparse Merkle tree (Poseidon2 over BabyBear) of every account field
and storage slot, with membership/absence proofs and per-update witnesses."""

from __future__ import annotations

from l2.state.keys import Key, Kind, account_key, key_path, storage_key
from l2.state.tree import (
    ZERO_DIGEST,
    Digest,
    MerkleProof,
    StateTree,
    UpdateWitness,
    digest_hex,
    leaf_hash,
    verify_proof,
    verify_update,
)

__all__ = [
    "Key", "Kind", "account_key", "storage_key", "key_path", "Digest", "ZERO_DIGEST", "MerkleProof",
    "StateTree", "UpdateWitness", "digest_hex", "leaf_hash", "verify_proof", "verify_update",
]
