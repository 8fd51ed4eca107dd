"""Withdrawals: which transactions of a batch are withdrawals, and the batch's withdrawals tree.

A transaction of a proven batch is a withdrawal when it sends value to :data:`~bridge.constants.L2_BRIDGE`
with exactly 20 bytes of calldata, the L1 recipient.  The batch proof shows the value left the
sender; the L1 contract reads the withdrawals off the posted batch data itself (no trust in the
sequencer) and stores their root when it accepts the batch.

Leaf of withdrawal k of batch b (the k-th withdrawal in transaction order, numbered from 0)::

    leaf = keccak256(0x00 ‖ b as u64 ‖ k as u32 ‖ recipient (20 bytes) ‖ amount as u256)   (big-endian)

The leading zero byte makes a leaf preimage 65 bytes and an inner node's 64, so an inner node can
never be claimed as a withdrawal.
Tree: a binary keccak-256 Merkle tree over the leaves, padded with zero leaves to a power of two
(node = keccak256(left ‖ right)); the root of no withdrawals is 32 zero bytes.  A claim proves its
leaf with the siblings from the leaf up and the leaf's index.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Sequence

from bridge.constants import L2_BRIDGE, WITHDRAWAL_DATA_BYTES
from l2.crypto import keccak256

ZERO = bytes(32)


@dataclass(frozen=True)
class Withdrawal:
    batch: int
    index: int
    recipient: bytes
    amount: int

    @property
    def leaf(self) -> bytes:
        return withdrawal_leaf(self.batch, self.index, self.recipient, self.amount)

    def as_dict(self) -> dict:
        return {"batch": self.batch, "index": self.index, "recipient": "0x" + self.recipient.hex(),
                "amount": self.amount}


def withdrawal_leaf(batch: int, index: int, recipient: bytes, amount: int) -> bytes:
    if len(recipient) != 20 or not 0 <= amount < 1 << 256 or not 0 <= batch < 1 << 64 or not 0 <= index < 1 << 32:
        raise ValueError("a withdrawal is (batch u64, index u32, 20-byte recipient, amount u256)")
    return keccak256(b"\x00" + batch.to_bytes(8, "big") + index.to_bytes(4, "big") + recipient
                     + amount.to_bytes(32, "big"))


def is_withdrawal(to: bytes | None, data: bytes) -> bool:
    """Whether a transaction to ``to`` carrying ``data`` is a withdrawal (the rule :func:`withdrawals_of` applies)."""
    return to == L2_BRIDGE and len(data) == WITHDRAWAL_DATA_BYTES


def withdrawals_of(batch: int, transactions: Iterable[tuple[bytes | None, int, bytes]]) -> list[Withdrawal]:
    """The withdrawals among ``(to, value, data)`` of a batch's transactions, in order."""
    out = []
    for to, value, data in transactions:
        if to == L2_BRIDGE and len(data) == WITHDRAWAL_DATA_BYTES:
            out.append(Withdrawal(batch, len(out), bytes(data), value))
    return out


def _levels(leaves: Sequence[bytes]) -> list[list[bytes]]:
    if not leaves:
        return [[ZERO]]
    size = 1
    while size < len(leaves):
        size *= 2
    level = list(leaves) + [ZERO] * (size - len(leaves))
    levels = [level]
    while len(level) > 1:
        level = [keccak256(level[i] + level[i + 1]) for i in range(0, len(level), 2)]
        levels.append(level)
    return levels


def withdrawals_root(leaves: Sequence[bytes]) -> bytes:
    return _levels(leaves)[-1][0]


def withdrawal_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """Siblings of leaf ``index`` from the bottom up."""
    if not 0 <= index < len(leaves):
        raise ValueError(f"no withdrawal {index} in a batch of {len(leaves)}")
    out = []
    for level in _levels(leaves)[:-1]:
        out.append(level[index ^ 1])
        index //= 2
    return out


def verify_withdrawal_proof(root: bytes, leaf: bytes, index: int, siblings: Sequence[bytes]) -> bool:
    """Whether ``siblings`` lead from ``leaf`` at ``index`` to ``root`` (a tree of 2^len(siblings) leaves)."""
    if index < 0 or index >= 1 << len(siblings) or any(len(s) != 32 for s in siblings):
        return False
    node = leaf
    for sibling in siblings:
        node = keccak256(sibling + node) if index & 1 else keccak256(node + sibling)
        index //= 2
    return node == root
