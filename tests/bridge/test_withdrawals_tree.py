"""The withdrawals tree: leaves, root, proofs; forged and wrong-position proofs fail."""

from __future__ import annotations

import pytest

from bridge.constants import L2_BRIDGE
from bridge.withdrawals import (ZERO, Withdrawal, verify_withdrawal_proof, withdrawal_leaf, withdrawal_proof,
                                withdrawals_of, withdrawals_root)
from l2.crypto import keccak256

A, B = b"\xaa" * 20, b"\xbb" * 20


def test_withdrawals_are_transfers_to_the_bridge_with_an_address():
    txs = [(L2_BRIDGE, 5, A), (B, 7, A), (L2_BRIDGE, 9, b""), (L2_BRIDGE, 3, B), (None, 1, A), (L2_BRIDGE, 2, A + b"x")]
    assert withdrawals_of(4, txs) == [Withdrawal(4, 0, A, 5), Withdrawal(4, 1, B, 3)]


@pytest.mark.parametrize("count", [1, 2, 3, 5, 8])
def test_every_leaf_proves_and_nothing_else_does(count):
    leaves = [withdrawal_leaf(1, i, A, 100 + i) for i in range(count)]
    root = withdrawals_root(leaves)
    for i, leaf in enumerate(leaves):
        proof = withdrawal_proof(leaves, i)
        assert verify_withdrawal_proof(root, leaf, i, proof)
        assert not verify_withdrawal_proof(root, withdrawal_leaf(1, i, A, 101 + i), i, proof)  # other amount
        assert not verify_withdrawal_proof(root, withdrawal_leaf(2, i, A, 100 + i), i, proof)  # other batch
        assert not verify_withdrawal_proof(root, leaf, i ^ 1, proof) or count == 1 and i == 0
        if proof:
            forged = [bytes(32)] + proof[1:]
            assert not verify_withdrawal_proof(root, leaf, i, forged) or proof[0] == bytes(32)


def test_leaves_and_inner_nodes_hash_different_lengths():
    """A leaf hashes 65 bytes (0x00 ‖ fields) and an inner node 64, so no field values make a leaf
    equal to an inner node unless keccak collides."""
    leaf = withdrawal_leaf(1, 0, A, 7)
    assert leaf == keccak256(b"\x00" + (1).to_bytes(8, "big") + (0).to_bytes(4, "big") + A + (7).to_bytes(32, "big"))


def test_empty_root_and_bounds():
    assert withdrawals_root([]) == ZERO
    with pytest.raises(ValueError):
        withdrawal_proof([], 0)
    with pytest.raises(ValueError):
        withdrawal_leaf(1, 0, b"\x01" * 19, 5)
