"""The rollup contract on the simulated L1: it accepts a batch only with a valid proof of it.

``submit_batch(submission)`` takes the posted batch data (the canonical batch statement bytes: chain
id, number, roots, block context, deposits, signed transactions) and the proof, framed as
:func:`encode_submission` says, and accepts the batch only if all of these hold; otherwise it reverts
with the reason and changes nothing:

1. the batch number is the next one and its ``prev_root`` is the last accepted root; the L2 chain id
   is this rollup's;
2. every transaction decodes and its sender recovers from its signature (ecrecover, charged per
   transaction: signatures are not proven inside the STARK);
3. the deposits it credits are exactly the next ones in the bridge's queue (same ids, recipients and
   amounts, compared through the hashes the bridge stored when they were made);
4. no forced transaction older than ``force_delay`` L1 blocks is left out (each forced transaction
   counts as included once a batch carries its exact bytes);
5. the proof verifies at ≥ 100 bits against this batch data (the statement's bytes open the proof's
   transcript, so ``batch_commitment`` = keccak256(batch data) is what the proof is bound to).

Known limitation of rule 4: ``force_include`` checks only a transaction's encoding and signature.
A forced transaction that can never execute (a used nonce, too little balance) fits in no valid
batch, so once it is overdue every batch is refused: anyone can halt the rollup this way.  The fix is
to prove inside the batch that such a transaction is a no-op (Polygon zkEVM and Scroll run forced
transactions through the proven state transition and let invalid ones fail there); the transfer
table does not express that yet.

On acceptance it stores the new root, the batch commitment, and the batch's withdrawals root and
count (computed here from the posted transactions, see :mod:`bridge.withdrawals`), and emits
``BatchAccepted``.  Gas: calldata as posted; ecrecover and keccak per transaction; the storage it
touches; the proof verification priced by :mod:`verifier.l1.gas`'s STARK verifier model on counts
taken from the proof itself (:mod:`verifier.l1.proof_work`).  A production rollup wraps the STARK in
a SNARK to make that last part cheap; here it is by far the largest cost.
"""

from __future__ import annotations

import struct
from typing import Any

from verifier.l1.contract import Contract, external, register_contract, view

# storage slots
LAST_BATCH, STATE_ROOT, L2_CHAIN_ID, BRIDGE, NEXT_DEPOSIT, FORCED_COUNT, FORCED_HEAD, FORCE_DELAY, OWNER = range(9)
COMMITMENTS, WITHDRAWALS_ROOT, WITHDRAWALS_COUNT, FORCED_HASH, FORCED_BLOCK, FORCED_DONE = range(10, 16)

MIN_SECURITY = 100
DEFAULT_FORCE_DELAY = 10
"""L1 blocks a forced transaction may wait before every batch must include it."""


def encode_submission(batch_data: bytes, proof: bytes) -> bytes:
    """The calldata of ``submit_batch``: batch data length u32 | batch data | proof."""
    return struct.pack(">I", len(batch_data)) + bytes(batch_data) + bytes(proof)


def decode_submission(data: bytes) -> tuple[bytes, bytes]:
    if len(data) < 4:
        raise ValueError("submission shorter than its header")
    (n,) = struct.unpack_from(">I", data, 0)
    if n > len(data) - 4:
        raise ValueError("batch data length exceeds the submission")
    return bytes(data[4:4 + n]), bytes(data[4 + n:])


def _int(b: bytes) -> int:
    return int.from_bytes(b, "big")


@register_contract("rollup")
class RollupContract(Contract):
    INDEXED = {"BatchAccepted": ("number",), "ForcedInclusion": ("index",)}

    def constructor(self, genesis_root: bytes, l2_chain_id: int, force_delay: int = DEFAULT_FORCE_DELAY) -> None:
        self.storage[STATE_ROOT] = _int(genesis_root)
        self.storage[L2_CHAIN_ID] = l2_chain_id
        self.storage[FORCE_DELAY] = force_delay
        self.storage[OWNER] = _int(self.msg.sender)

    @external
    def set_bridge(self, bridge: bytes) -> None:
        """Once, by the deployer: the bridge whose deposit queue batches consume."""
        self.require(_int(self.msg.sender) == self.storage[OWNER], "only the deployer sets the bridge")
        self.require(self.storage[BRIDGE] == 0, "bridge already set")
        self.storage[BRIDGE] = _int(bridge)

    # ---- views ---------------------------------------------------------------------------------------
    @view
    def last_batch(self) -> int:
        return self.storage[LAST_BATCH]

    @view
    def state_root(self) -> bytes:
        return self.storage[STATE_ROOT].to_bytes(32, "big")

    @view
    def next_deposit(self) -> int:
        return self.storage[NEXT_DEPOSIT]

    @view
    def withdrawals(self, batch: int) -> tuple[bytes, int]:
        """(withdrawals root, count) of an accepted batch; the root is zero before acceptance."""
        return (self.storage[self.mapping_slot(WITHDRAWALS_ROOT, batch)].to_bytes(32, "big"),
                self.storage[self.mapping_slot(WITHDRAWALS_COUNT, batch)])

    @view
    def commitment(self, batch: int) -> bytes:
        return self.storage[self.mapping_slot(COMMITMENTS, batch)].to_bytes(32, "big")

    @view
    def forced_status(self) -> tuple[int, int]:
        """(forced transactions queued, index of the first one not yet known included)."""
        return self.storage[FORCED_COUNT], self.storage[FORCED_HEAD]

    # ---- forced inclusion -----------------------------------------------------------------------------
    @external
    def force_include(self, raw_tx: bytes) -> int:
        """Queue a signed L2 transaction that every batch must carry once it is overdue."""
        from l2.tx import TxError, decode, encode, validate_static

        try:
            tx = decode(bytes(raw_tx))
            if encode(tx) != bytes(raw_tx):
                self.revert("forced transaction is not canonically encoded")
            validate_static(tx, self.storage[L2_CHAIN_ID], 30_000_000)
        except TxError as exc:
            self.revert(f"forced transaction refused: {exc}")
        index = self.storage[FORCED_COUNT]
        self.storage[self.mapping_slot(FORCED_HASH, index)] = _int(self.keccak(bytes(raw_tx)))
        self.storage[self.mapping_slot(FORCED_BLOCK, index)] = self.block.number
        self.storage[FORCED_COUNT] = index + 1
        self.emit("ForcedInclusion", index=index, raw_tx=bytes(raw_tx))
        return index

    # ---- batches ---------------------------------------------------------------------------------------
    @external
    def submit_batch(self, submission: bytes) -> bytes:
        """Accept the batch or revert with the reason (see the module docstring); returns the new root."""
        from bridge.withdrawals import withdrawals_of, withdrawals_root
        from l2.batch_proof import verify_batch
        from l2.batch_statement import BatchStatement, StatementError
        from verifier.errors import VerificationError

        try:
            batch_data, proof = decode_submission(bytes(submission))
            statement = BatchStatement.from_bytes(batch_data)
        except (ValueError, StatementError) as exc:
            self.revert(f"malformed batch data: {exc}")
        last = self.storage[LAST_BATCH]
        self.require(statement.number == last + 1, f"batch {statement.number} is not the next one ({last + 1})")
        self.require(statement.chain_id == self.storage[L2_CHAIN_ID], "batch is for another L2 chain")
        prev = _int(b"".join(int(x).to_bytes(4, "big") for x in statement.prev_root))
        self.require(prev == self.storage[STATE_ROOT], "batch starts from a stale state root")

        # 2. senders: ecrecover on the posted data (what the STARK does not prove)
        try:
            decoded = statement.decoded
        except StatementError as exc:
            self.revert(f"bad transaction: {exc}")
        for raw, _ in zip(statement.transactions, decoded):
            self.keccak(raw)       # the signing hash
            self.charge("ecrecover", 3_100)

        # 3. deposits: exactly the next ones in the bridge's queue
        bridge = self.storage[BRIDGE].to_bytes(20, "big")
        expected = self.storage[NEXT_DEPOSIT]
        for d in statement.deposits:
            self.require(d.id == expected, f"deposit {d.id} is not the next in the queue ({expected})")
            stored = self.call_contract(bridge, "deposit_hash", d.id)
            self.require(stored != bytes(32), f"deposit {d.id} was never made")
            self.require(stored == self.keccak(_deposit_bytes(d.id, d.recipient, d.amount)),
                         f"deposit {d.id} differs from the one queued on L1")
            expected += 1
        self.storage[NEXT_DEPOSIT] = expected

        # 4. forced transactions: none overdue may be left out
        hashes = {_int(self.keccak(raw)) for raw in statement.transactions}
        count, head, delay = self.storage[FORCED_COUNT], self.storage[FORCED_HEAD], self.storage[FORCE_DELAY]
        for i in range(head, count):
            done_slot = self.mapping_slot(FORCED_DONE, i)
            if self.storage[done_slot]:
                continue
            if self.storage[self.mapping_slot(FORCED_HASH, i)] in hashes:
                self.storage[done_slot] = 1
            elif self.block.number - self.storage[self.mapping_slot(FORCED_BLOCK, i)] >= delay:
                self.revert(f"batch leaves out forced transaction {i}, overdue since L1 block "
                            f"{self.storage[self.mapping_slot(FORCED_BLOCK, i)] + delay}")
        while head < count and self.storage[self.mapping_slot(FORCED_DONE, head)]:
            head += 1
        self.storage[FORCED_HEAD] = head

        # 5. the proof, at ≥ 100 bits, priced as an EVM verifier would spend it
        try:
            self.charge_verifier(work_of(statement, proof))
            verify_batch(statement, proof, min_security=MIN_SECURITY)
        except VerificationError as exc:
            self.revert(f"proof refused: {exc}")

        commitment = self.keccak(batch_data)
        new_root = b"".join(int(x).to_bytes(4, "big") for x in statement.new_root)
        withdrawals = withdrawals_of(statement.number, ((tx.to, tx.value, tx.data) for tx, _ in decoded))
        w_root = withdrawals_root([w.leaf for w in withdrawals])
        for _ in withdrawals:
            self.keccak(bytes(65))  # leaf hashes; the tree's inner nodes cost about as many again
            self.keccak(bytes(64))
        self.storage[LAST_BATCH] = statement.number
        self.storage[STATE_ROOT] = _int(new_root)
        self.storage[self.mapping_slot(COMMITMENTS, statement.number)] = _int(commitment)
        self.storage[self.mapping_slot(WITHDRAWALS_ROOT, statement.number)] = _int(w_root)
        self.storage[self.mapping_slot(WITHDRAWALS_COUNT, statement.number)] = len(withdrawals)
        self.emit("BatchAccepted", number=statement.number, state_root=new_root, commitment=commitment,
                  withdrawals_root=w_root, withdrawals=len(withdrawals))
        return new_root


def _deposit_bytes(ident: int, recipient: bytes, amount: int) -> bytes:
    return ident.to_bytes(8, "big") + bytes(recipient) + amount.to_bytes(32, "big")


def deposit_hash_input(ident: int, recipient: bytes, amount: int) -> bytes:
    """What the bridge hashes for deposit ``ident`` (and the rollup recomputes)."""
    return _deposit_bytes(ident, recipient, amount)


def root_of(statement: Any) -> bytes:
    return b"".join(int(x).to_bytes(4, "big") for x in statement.new_root)


def work_of(statement: Any, proof: bytes):
    """The verifier-cost-model counts for ``proof`` of ``statement`` (its tables, from the statement)."""
    from l2.batch_proof import proof_tables
    from verifier.l1.proof_work import proof_work

    airs, multi = proof_tables(statement, proof)
    return proof_work(airs, multi)
