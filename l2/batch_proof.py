"""The batch proof: one STARK that applying exactly the posted transfers to R_prev gives R_new.

Two tables are proven together (:func:`prover.multi_stark.prove_tables`, one transcript, shared
challenges), with the batch statement's canonical bytes absorbed first:

* the **transfer table** (:class:`circuits.transfer_air.TransferAir`): one row per transaction; it
  looks up each row's public tuple (keys, nonce, value, fee, up-front cost), which the verifier
  rebuilds from the posted transactions, and sends six state accesses per transfer — the sender's
  code hash (none), nonce (+1) and balance (− value − fee, after the up-front check), the
  recipient's code hash (none: nothing executes) and balance (+ value), the fee recipient's balance
  (+ fee);
* the **state table** (:class:`circuits.state_air.StateBusAir`): receives those accesses in order
  and proves each against the state tree, chained from R_prev to R_new.

The two access-bus claims must cancel, so the state table proves exactly the accesses the transfer
table sent.  Senders are recovered from the signatures by the verifier (ecrecover), as the L1
contract does on the posted data; signatures are not proven inside the STARK.

Only plain transfers are proven in batches so far: :func:`prove_batch` refuses a batch with a
contract creation or a call to an account with code, naming the transaction.

The export file (``l2 batch export``, checked by ``l2 verify``) is ``"L2BP" | version u8 |
statement | proof length u32 | proof``, every byte bound.
"""

from __future__ import annotations

import struct
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from l2.batch_statement import BatchStatement, StatementError, root_from_hex
from verifier.errors import ProofFormatError, VerificationError
from verifier.proof import ProofOptions

FILE_MAGIC = b"L2BP"
FILE_VERSION = 1
MIN_SECURITY = 100


class BatchProofError(VerificationError):
    """A batch that cannot be proven, or a batch file that cannot be read (one-line reason)."""


@dataclass(frozen=True)
class BatchProof:
    statement: BatchStatement
    proof: bytes
    prove_seconds: float
    security_bits: float


# ---- statement from the node ------------------------------------------------------------------------

def batch_statement(node: Any, number: int) -> BatchStatement:
    """The statement of sealed batch ``number`` as the node stored it."""
    from sqlalchemy import select

    from l2.node import NodeError
    from l2.store.models import BatchRow, TxRow

    with node.store.read() as session:
        row = session.get(BatchRow, number)
        if row is None or number == 0:
            raise NodeError(f"unknown batch {number} (sealed batches are 1..{node.head()})")
        raws = [t.raw for t in session.execute(
            select(TxRow).where(TxRow.batch_number == number).order_by(TxRow.batch_index)).scalars()]
        return BatchStatement(
            chain_id=node.config.chain_id, number=number,
            prev_root=root_from_hex(row.prev_state_root), new_root=root_from_hex(row.state_root),
            timestamp=row.timestamp, base_fee=row.base_fee,
            fee_recipient=bytes.fromhex(row.coinbase[2:]), gas_limit=row.gas_limit,
            transactions=tuple(bytes(r) for r in raws))


# ---- tables -------------------------------------------------------------------------------------------

def _airs():
    from circuits.state_air import StateBusAir
    from circuits.transfer_air import TransferAir

    return TransferAir(), StateBusAir()


def _public_tables(statement: BatchStatement):
    """(air, public inputs) of each table, from the statement alone (what the verifier uses)."""
    from circuits.state_air import StateBusInputs
    from circuits.transfer_air import ACCESSES_PER_TRANSFER

    tx_inputs = statement.transfer_inputs()
    transfer_air, state_air = _airs()
    if not tx_inputs.transfers:
        # no transaction, no state access: the transfer table proves it sends nothing, and the
        # verifier checks the roots are equal itself
        return [(transfer_air, tx_inputs)]
    accesses = ACCESSES_PER_TRANSFER * len(tx_inputs.transfers)
    return [(transfer_air, tx_inputs), (state_air, StateBusInputs(statement.prev_root, statement.new_root, accesses))]


def prove_statement(statement: BatchStatement, world_before: Any, options: ProofOptions | None = None,
                    progress=None) -> BatchProof:
    """Prove ``statement`` from the state it starts from (a :class:`~l2.state.world.WorldState`)."""
    from circuits.transfer_air import transfer_trace
    from l2.batch_witness import transfer_batch
    from l2.sequencer import state_tree
    from prover.multi_stark import prove_tables
    from verifier.multi_proof import Table
    from verifier.multi_stark import multi_security_bits

    options = options or ProofOptions()
    try:
        tables = _public_tables(statement)
        tree = state_tree(world_before)
        if len(tables) == 1:
            if statement.prev_root != statement.new_root or tree.root != statement.prev_root:
                raise ValueError("an empty batch leaves the state root as it was")
            traces = [transfer_trace(tables[0][1], tree.get)[0]]
        else:
            batch = transfer_batch(tree, tables[0][1])
            if batch.state_inputs.prev_root != statement.prev_root or batch.state_inputs.new_root != statement.new_root:
                raise ValueError("replaying its transfers does not give its state roots")
            traces = [batch.transfer_trace, batch.state_trace]
    except ValueError as exc:  # StatementError included: a batch the transfer table cannot express
        raise BatchProofError(f"batch {statement.number} cannot be proven: {exc}") from None
    start = time.perf_counter()
    proof = prove_tables([Table(air, trace, pi) for (air, pi), trace in zip(tables, traces)], options,
                         statement=statement.to_bytes(), progress=progress)
    seconds = time.perf_counter() - start
    bits = multi_security_bits([air for air, _ in tables], [t.shape[0] for t in traces], options)
    return BatchProof(statement, proof.to_bytes(), seconds, bits)


def prove_batch(node: Any, number: int, options: ProofOptions | None = None, progress=None) -> BatchProof:
    """Prove sealed batch ``number`` of ``node``."""
    statement = batch_statement(node, number)
    return prove_statement(statement, node.state_before(number), options, progress)


def verify_batch(statement: BatchStatement, proof: bytes, min_security: float = MIN_SECURITY) -> None:
    """Check ``proof`` against ``statement``; return None or raise VerificationError (one-line reason)."""
    from verifier.multi_stark import verify_tables

    try:
        tables = _public_tables(statement)
    except StatementError as exc:
        raise VerificationError(f"batch statement refused: {exc}") from None
    if len(tables) == 1 and statement.prev_root != statement.new_root:
        raise VerificationError("an empty batch must leave the state root unchanged")
    verify_tables(tables, proof, statement=statement.to_bytes(), min_security=min_security)


# ---- export file ----------------------------------------------------------------------------------------

def encode_file(statement: BatchStatement, proof: bytes) -> bytes:
    return FILE_MAGIC + bytes([FILE_VERSION]) + statement.to_bytes() + struct.pack(">I", len(proof)) + proof


def decode_file(data: bytes) -> tuple[BatchStatement, bytes]:
    if data[:4] != FILE_MAGIC:
        raise ProofFormatError("not a batch proof file (bad magic)")
    if len(data) < 5 or data[4] != FILE_VERSION:
        raise ProofFormatError("unsupported batch proof file version")
    try:
        statement, pos = BatchStatement.read(data, 5)
    except StatementError as exc:
        raise ProofFormatError(f"batch statement: {exc}") from None
    if len(data) - pos < 4:
        raise ProofFormatError("truncated batch proof file")
    (length,) = struct.unpack_from(">I", data, pos)
    pos += 4
    if length != len(data) - pos:
        raise ProofFormatError("proof length does not match the file (truncated or trailing bytes)")
    return statement, bytes(data[pos:])


def verify_file_bytes(data: bytes, min_security: float = MIN_SECURITY) -> dict[str, Any]:
    """Verify an exported batch file; return ``{"valid": True, ...statement}`` or raise VerificationError."""
    statement, proof = decode_file(data)
    verify_batch(statement, proof, min_security)
    return {"valid": True, **statement.as_dict()}


def verify_file(path: str | Path, min_security: float = MIN_SECURITY) -> dict[str, Any]:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise BatchProofError(f"cannot read {path}: {error.strerror}") from None
    return verify_file_bytes(data, min_security)
