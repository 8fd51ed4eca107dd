"""The bridge contract on the simulated L1: deposits lock ETH, claims pay proven withdrawals once.

* ``deposit(l2_recipient)`` (payable) locks ``msg.value`` in this contract and appends deposit
  ``id`` (0, 1, 2, …) to the queue: it stores keccak256(id u64 ‖ recipient ‖ amount u256) and emits
  ``DepositQueued`` with the fields.  The sequencer credits deposits on L2 in id order
  (:mod:`bridge.deposits`); the rollup contract accepts a batch only if the deposits it credits are
  exactly the next ones here.
* ``claim(batch, index, recipient, amount, siblings)`` pays ``amount`` to ``recipient`` when batch
  ``batch`` was accepted by the rollup and the withdrawal leaf (:mod:`bridge.withdrawals`) is in that
  batch's withdrawals tree at ``index`` — the proof must have exactly the tree's depth — and was not
  claimed before.  Anyone may submit a claim; the money always goes to the recipient the L2
  transaction named.

The contract's balance is therefore always (deposits − claimed withdrawals).
"""

from __future__ import annotations

from bridge.withdrawals import verify_withdrawal_proof, withdrawal_leaf
from verifier.l1.contract import Contract, external, payable, register_contract, view
from verifier.l1.rollup import deposit_hash_input

ROLLUP, DEPOSIT_COUNT, DEPOSITED_TOTAL, CLAIMED_TOTAL = range(4)
DEPOSIT_HASH, CLAIMED = 10, 11


def tree_depth(count: int) -> int:
    """Siblings in a proof for a tree of ``count`` leaves (padded to a power of two)."""
    depth = 0
    while (1 << depth) < count:
        depth += 1
    return depth


@register_contract("bridge")
class BridgeContract(Contract):
    INDEXED = {"DepositQueued": ("id",), "WithdrawalClaimed": ("batch",)}

    def constructor(self, rollup: bytes) -> None:
        self.storage[ROLLUP] = int.from_bytes(rollup, "big")

    @payable
    def deposit(self, l2_recipient: bytes) -> int:
        self.require(len(bytes(l2_recipient)) == 20, "the L2 recipient is a 20-byte address")
        self.require(self.msg.value > 0, "a deposit carries value")
        ident = self.storage[DEPOSIT_COUNT]
        digest = self.keccak(deposit_hash_input(ident, bytes(l2_recipient), self.msg.value))
        self.storage[self.mapping_slot(DEPOSIT_HASH, ident)] = int.from_bytes(digest, "big")
        self.storage[DEPOSIT_COUNT] = ident + 1
        self.storage[DEPOSITED_TOTAL] = self.storage[DEPOSITED_TOTAL] + self.msg.value
        self.emit("DepositQueued", id=ident, sender=self.msg.sender, recipient=bytes(l2_recipient),
                  amount=self.msg.value)
        return ident

    @view
    def deposit_hash(self, ident: int) -> bytes:
        return self.storage[self.mapping_slot(DEPOSIT_HASH, ident)].to_bytes(32, "big")

    @view
    def deposit_count(self) -> int:
        return self.storage[DEPOSIT_COUNT]

    @view
    def totals(self) -> tuple[int, int]:
        """(wei deposited, wei claimed) over the bridge's life."""
        return self.storage[DEPOSITED_TOTAL], self.storage[CLAIMED_TOTAL]

    @view
    def is_claimed(self, batch: int, index: int) -> bool:
        return bool(self.storage[self.mapping_slot(CLAIMED, batch * (1 << 32) + index)])

    @external
    def claim(self, batch: int, index: int, recipient: bytes, amount: int, siblings: bytes) -> None:
        """``siblings``: the Merkle proof's digests concatenated, leaf level first."""
        rollup = self.storage[ROLLUP].to_bytes(20, "big")
        root, count = self.call_contract(rollup, "withdrawals", batch)
        self.require(root != bytes(32) or count, f"batch {batch} is not accepted on L1 (or has no withdrawals)")
        self.require(0 <= index < count, f"batch {batch} has no withdrawal {index}")
        proof = [bytes(siblings[i:i + 32]) for i in range(0, len(siblings), 32)]
        self.require(len(siblings) % 32 == 0 and len(proof) == tree_depth(count),
                     "the Merkle proof has the wrong length for this batch's withdrawals tree")
        self.require(len(bytes(recipient)) == 20 and 0 <= amount < 1 << 256, "malformed withdrawal")
        self.keccak(bytes(65))  # the leaf hash, priced; computed below
        leaf = withdrawal_leaf(batch, index, bytes(recipient), amount)
        for _ in proof:
            self.keccak(bytes(64))
        self.require(verify_withdrawal_proof(root, leaf, index, proof), "invalid withdrawal proof")
        slot = self.mapping_slot(CLAIMED, batch * (1 << 32) + index)
        self.require(not self.storage[slot], f"withdrawal {index} of batch {batch} was already claimed")
        self.storage[slot] = 1
        self.storage[CLAIMED_TOTAL] = self.storage[CLAIMED_TOTAL] + amount
        self.send_value(bytes(recipient), amount)
        self.emit("WithdrawalClaimed", batch=batch, index=index, recipient=bytes(recipient), amount=amount)
