"""The batch proof: one STARK that applying exactly the posted transactions to R_prev gives R_new.

The tables are proven together (:func:`prover.multi_stark.prove_tables`, one transcript, shared
challenges), with the batch statement's canonical bytes and the proof's advice absorbed first:

* the **transfer table** (:class:`circuits.transfer_air.TransferAir`): one row per L1 deposit the
  batch credits (a fee-free transfer from the L2 bridge account), then one per transaction; it
  looks up each row's public tuple (keys, nonce, value moved, fee, up-front cost, kind, the
  recipient's code hash before and after), which the verifier rebuilds from the posted transactions
  and the advice (:func:`l2.batch_witness.batch_inputs`), and sends seven state accesses per
  transaction — the sender's code hash (none), nonce (+1) and balance (− value − fee, after the
  up-front check), the recipient's code hash (none for a plain transfer; the stated hashes for a
  contract transaction) and balance (+ value), the fee recipient's code hash and balance (+ fee);
* one **execution table** per contract transaction (:class:`circuits.vm.air.VmAir`): its frame ran
  as its :class:`~circuits.vm.air.VmStatement` says.  The statements are advice carried in the
  proof bytes, not posted data: the verifier checks each against its transaction (caller, address,
  value, calldata, code, gas limit) and derives the transaction's gas used, fee, status and storage
  effects from it;
* the **Keccak table** (:class:`circuits.keccak_air.Keccak256Air`, when a statement lists KECCAK256
  hashes): the keccak-256 sponge over every statement's messages in transaction order, its
  chaining states carried as advice; the verifier requires each listed digest to be the table's
  (:mod:`l2.keccak_tables`), so an execution table cannot push a false digest;
* the **state table** (:class:`circuits.state_air.StateBusAir`): receives every access in order and
  proves each against the state tree, chained from R_prev to R_new — the transfer table's 7·T, then
  the *public* accesses (idx 7·T + k: each contract transaction's storage slots, from the initial
  value its statement read to the final one, or read back unchanged when it fails, and a new
  contract's nonce 0 → 1), whose fractions the verifier adds to the bus balance itself.

The access-bus claims plus the public part must cancel, so the state table proves exactly the
accesses the transfer table sent and the ones the statements imply.  Senders are recovered from
the signatures by the verifier (ecrecover), as the L1 contract does on the posted data; signatures
are not proven inside the STARK.

:func:`prove_batch` replays the batch with the executor and refuses, naming the transaction, what it
cannot prove (:mod:`l2.batch_witness`): an opcode outside the execution circuit's set (named with
its pc), a contract transaction with an access list, a deployment to an address that holds an
account, a contract that is the fee recipient.

Proof bytes (strict: every length checked, no trailing bytes; integers big-endian)::

    "L2BA" | version u8 | count u32 | count × (tx index u32 | length u32 | VmStatement bytes)
    | Keccak section (blocks u32 | chaining state × blocks, see :mod:`l2.keccak_tables`)
    | multi-table proof (the rest)

with tx indices strictly increasing (a statement's bytes are :meth:`VmStatement.to_bytes`'s, its
KECCAK256 hashes and LOG logs included, decoded as strictly as :mod:`l2.evm_prove` does).
Everything before the multi-table proof is the *advice*; the transcript absorbs
``statement.to_bytes() + advice``, so the proof is bound to it.

The export file (``l2 batch export``, checked by ``l2 verify``) is ``"L2BP" | version u8 |
statement | proof length u32 | proof``, every byte bound.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from circuits.vm.call_record import CREATE
from l2.batch_statement import BatchStatement, StatementError, root_from_hex
from l2.keccak_tables import KECCAK_AIR, check_digests, decode_states, encode_states, hash_messages, keccak_table
from verifier.errors import ProofFormatError, VerificationError
from verifier.proof import ProofOptions

FILE_MAGIC = b"L2BP"
FILE_VERSION = 2
PROOF_MAGIC = b"L2BA"
PROOF_VERSION = 5
MIN_SECURITY = 100


class BatchProofError(VerificationError):
    """A batch that cannot be proven, or a batch file that cannot be read (one-line reason)."""


@dataclass(frozen=True)
class BatchProof:
    statement: BatchStatement
    proof: bytes
    prove_seconds: float
    security_bits: float
    contract_txs: int = 0
    execution_tables: int = 0
    """One per call frame of each contract transaction."""


# ---- statement from the node ------------------------------------------------------------------------

def batch_statement(node: Any, number: int) -> BatchStatement:
    """The statement of sealed batch ``number`` as the node stored it."""
    from sqlalchemy import select

    from l2.node import NodeError
    from l2.store.models import BatchRow, TxRow

    with node.store.read() as session:
        row = session.get(BatchRow, number)
        if row is None or number == 0:
            head = node.head()
            known = f"sealed batches are 1..{head}" if head else "no batch is sealed yet"
            raise NodeError(f"unknown batch {number} ({known})")
        raws = [t.raw for t in session.execute(
            select(TxRow).where(TxRow.batch_number == number).order_by(TxRow.batch_index)).scalars()]
        return BatchStatement(
            chain_id=node.config.chain_id, number=number,
            prev_root=root_from_hex(row.prev_state_root), new_root=root_from_hex(row.state_root),
            timestamp=row.timestamp, base_fee=row.base_fee,
            fee_recipient=bytes.fromhex(row.coinbase[2:]), gas_limit=row.gas_limit,
            transactions=tuple(bytes(r) for r in raws), deposits=tuple(node.batch_deposits(number)))


# ---- advice: the execution statements, carried in the proof bytes -------------------------------------

def frames_of(run: Any) -> tuple[Any, ...]:
    """A transaction's frames' statements: one :class:`~circuits.vm.air.VmStatement`, or its frames
    in call order (a transaction whose code calls other contracts)."""
    return tuple(run) if isinstance(run, (tuple, list)) else (run,)


def _in_order(runs: Mapping[int, Any]) -> list[tuple[int, int, Any]]:
    """(tx index, frame number, statement) of every frame, in transaction and call order."""
    return [(i, k, f) for i in sorted(runs) for k, f in enumerate(frames_of(runs[i]))]


def encode_advice(runs: Mapping[int, Any], keccak: Any = None) -> bytes:
    """The advice part of the proof bytes for ``{tx index: statement or its frames' statements}`` and
    the Keccak table's statement (a :class:`~circuits.keccak_air.Keccak256Statement`, None without
    KECCAK256): per transaction its index, frame count and each frame's statement."""
    out = [PROOF_MAGIC, bytes([PROOF_VERSION]), struct.pack(">I", len(runs))]
    for index in sorted(runs):
        frames = frames_of(runs[index])
        out.append(struct.pack(">II", index, len(frames)))
        for frame in frames:
            body = frame.to_bytes()
            out += [struct.pack(">I", len(body)), body]
    out.append(encode_states(keccak))
    return b"".join(out)


def decode_proof(data: bytes) -> tuple[dict[int, Any], bytes, bytes]:
    """Split proof bytes into ({tx index: VmStatement}, the advice bytes, the multi-table proof bytes)."""
    runs, _keccak, advice, multi = decode_advice(data)
    return runs, advice, multi


def decode_advice(data: bytes) -> tuple[dict[int, Any], Any, bytes, bytes]:
    """Split proof bytes into ({tx index: VmStatement}, the Keccak table's statement or None, the
    advice bytes, the multi-table proof bytes).

    Strict: a bad magic or version, a length past the end, indices not strictly increasing, a
    statement that is not canonically encoded or a Keccak section that is not the messages' raise
    ProofFormatError.
    """
    from l2.evm_prove import _decode_statement

    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise ProofFormatError("a batch proof is bytes")
    data = bytes(data)
    if data[:4] != PROOF_MAGIC:
        raise ProofFormatError("not a batch proof (bad magic)")
    if len(data) < 9:
        raise ProofFormatError("truncated batch proof")
    if data[4] != PROOF_VERSION:
        raise ProofFormatError(f"unsupported batch proof version {data[4]}")
    (count,) = struct.unpack_from(">I", data, 5)
    pos = 9
    if count * 8 > len(data) - pos:
        raise ProofFormatError("execution statement count exceeds the proof")
    runs: dict[int, Any] = {}
    last = -1
    for _ in range(count):
        if len(data) - pos < 8:
            raise ProofFormatError("truncated execution statement header")
        index, frames = struct.unpack_from(">II", data, pos)
        pos += 8
        if index <= last:
            raise ProofFormatError("execution statements are not in increasing transaction order")
        if not 1 <= frames <= (len(data) - pos) // 4:
            raise ProofFormatError(f"transaction {index}: its frame count does not fit the proof")
        statements = []
        for k in range(frames):
            if len(data) - pos < 4:
                raise ProofFormatError("truncated execution statement header")
            (length,) = struct.unpack_from(">I", data, pos)
            pos += 4
            if length > len(data) - pos:
                raise ProofFormatError("execution statement length exceeds the proof")
            body = data[pos:pos + length]
            pos += length
            try:
                run = _decode_statement(body)
            except VerificationError as exc:
                raise ProofFormatError(f"execution statement of transaction {index} frame {k}: {exc}") from None
            if run.to_bytes() != body:
                raise ProofFormatError(f"execution statement of transaction {index} frame {k} is not canonically "
                                       "encoded")
            statements.append(run)
        runs[index] = statements[0] if frames == 1 else tuple(statements)
        last = index
    try:
        keccak, pos = decode_states(data, pos, hash_messages(f for _, _, f in _in_order(runs)))
    except ValueError as exc:
        raise ProofFormatError(f"Keccak section: {exc}") from None
    return runs, keccak, data[:pos], data[pos:]


# ---- tables -------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _airs():
    from circuits.state_air import StateBusAir
    from circuits.transfer_air import TransferAir
    from circuits.vm.air import VmAir

    return TransferAir(), StateBusAir(), VmAir()


def batch_tables(statement: BatchStatement, runs: Mapping[int, Any],
                 keccak: Any = None) -> tuple[list[tuple[Any, Any]], Any]:
    """([(air, public inputs)] of every table in proof order, the priced batch), from the statement
    and the advice — ``{tx index: VmStatement}`` and the Keccak table's statement — alone: what the
    verifier uses.  The tables: transfer, state (unless the batch is empty), one execution table per
    statement in transaction order, then the Keccak table when a statement hashes.  StatementError
    names what it refuses (a transaction, a statement that is not its frame, a digest the Keccak
    table does not prove)."""
    from circuits.state_air import StateBusInputs
    from l2.batch_witness import batch_inputs

    try:
        inputs = batch_inputs(statement.decoded, statement.base_fee, statement.fee_recipient, statement.gas_limit,
                              runs, statement.deposits, block=statement)
    except ValueError as exc:
        raise StatementError(str(exc)) from None
    transfer_air, state_air, vm_air = _airs()
    if not inputs.transfers.transfers:
        # no transaction, no state access: the transfer table proves it sends nothing, and the
        # verifier checks the roots are equal itself
        return [(transfer_air, inputs.transfers)], inputs
    frames = _in_order(runs)
    try:
        check_digests([f for _, _, f in frames], keccak,
                      [f"transaction {i}" + (f" frame {k}" if len(frames_of(runs[i])) > 1 else "")
                       for i, k, _ in frames])
    except ValueError as exc:
        raise StatementError(str(exc)) from None
    state = StateBusInputs(statement.prev_root, statement.new_root, inputs.access_count)
    return ([(transfer_air, inputs.transfers), (state_air, state)]
            + [(vm_air, f) for _, _, f in frames]
            + ([(KECCAK_AIR, keccak)] if keccak is not None else [])), inputs


def public_access_sum(inputs: Any) -> Callable[[list[Any]], Any] | None:
    """The verifier's part of the access bus for a priced batch (:class:`~l2.batch_witness.BatchInputs`):
    challenges ↦ −Σ_k 1/(α − φ(public access k)), φ over (7·T + k, key, old limbs, new limbs,
    is_write) in γ — the state table receives these accesses and no table sends them, so this term
    cancels their part of its claim.  None when there are none."""
    if not inputs.public_accesses:
        return None
    from circuits.poseidon2_air import PublicBus
    from circuits.state_air import ACCESS_ARITY

    tuples = inputs.public_tuples()
    bus = PublicBus(ACCESS_ARITY, "public accesses")
    return lambda challenges: -bus.public_sum(tuples, challenges[:2])


def block_env_of(statement: BatchStatement) -> Any:
    """The block values the batch's transactions ran with (a :class:`~l2.vm.BlockEnv`)."""
    from l2.vm import BlockEnv

    return BlockEnv(number=statement.number, timestamp=statement.timestamp, base_fee=statement.base_fee,
                    chain_id=statement.chain_id, coinbase=statement.fee_recipient, gas_limit=statement.gas_limit)


def prove_statement(statement: BatchStatement, world_before: Any, options: ProofOptions | None = None,
                    progress=None) -> BatchProof:
    """Prove ``statement`` from the state it starts from (a :class:`~l2.state.world.WorldState`)."""
    from circuits.transfer_air import transfer_trace
    from l2.batch_witness import batch_witness, statements_by_transaction
    from l2.sequencer import state_tree
    from prover.multi_stark import prove_tables
    from verifier.multi_proof import Table
    from verifier.multi_stark import multi_security_bits

    options = options or ProofOptions()
    try:
        if not statement.transactions and not statement.deposits:
            tables, inputs = batch_tables(statement, {})
            tree = state_tree(world_before)
            if statement.prev_root != statement.new_root or tree.root != statement.prev_root:
                raise ValueError("an empty batch leaves the state root as it was")
            runs: dict[int, Any] = {}
            keccak = None
            traces = [transfer_trace(tables[0][1], tree.get)[0]]
        else:
            witness = batch_witness(statement.decoded, world_before, block_env_of(statement), statement.deposits)
            state = witness.tables.state_inputs
            if state.prev_root != statement.prev_root or state.new_root != statement.new_root:
                raise ValueError("replaying its transactions does not give its state roots")
            runs = statements_by_transaction(witness.runs)
            table = keccak_table(f for _, _, f in _in_order(runs))
            keccak = table[0] if table else None
            tables, inputs = batch_tables(statement, runs, keccak)
            traces = [witness.tables.transfer_trace, witness.tables.state_trace, *(r.trace for r in witness.runs)]
            if table:
                traces.append(table[1])
    except ValueError as exc:  # StatementError included: a batch the tables cannot express
        raise BatchProofError(f"batch {statement.number} cannot be proven: {exc}") from None
    advice = encode_advice(runs, keccak)
    start = time.perf_counter()
    proof = prove_tables([Table(air, trace, pi) for (air, pi), trace in zip(tables, traces)], options,
                         statement=statement.to_bytes() + advice, progress=progress,
                         public_sum=public_access_sum(inputs))
    seconds = time.perf_counter() - start
    bits = multi_security_bits([air for air, _ in tables], [t.shape[0] for t in traces], options)
    return BatchProof(statement, advice + proof.to_bytes(), seconds, bits, len(runs), len(_in_order(runs)))


def prove_batch(node: Any, number: int, options: ProofOptions | None = None, progress=None) -> BatchProof:
    """Prove sealed batch ``number`` of ``node``."""
    statement = batch_statement(node, number)
    return prove_statement(statement, node.state_before(number), options, progress)


def verify_batch(statement: BatchStatement, proof: bytes, min_security: float = MIN_SECURITY) -> None:
    """Check ``proof`` against ``statement``; return None or raise VerificationError (one-line reason)."""
    from verifier.multi_stark import verify_tables

    runs, keccak, advice, multi = decode_advice(proof)
    try:
        tables, inputs = batch_tables(statement, runs, keccak)
    except StatementError as exc:
        raise VerificationError(f"batch statement refused: {exc}") from None
    if len(tables) == 1 and statement.prev_root != statement.new_root:
        raise VerificationError("an empty batch must leave the state root unchanged")
    verify_tables(tables, multi, statement=statement.to_bytes() + advice, public_sum=public_access_sum(inputs),
                  min_security=min_security)


def proven_logs(proof: bytes) -> dict[int, list[Any]]:
    """The logs each contract transaction emits by its proven execution statement (none when it did
    not succeed), as :class:`l2.tx.Log` lists by transaction index — the receipts' logs the proof
    vouches for once :func:`verify_batch` accepted it."""
    from circuits.vm.opcodes import SUCCESS
    from l2.tx import Log

    runs, _keccak, _advice, _multi = decode_advice(proof)
    out = {}
    for index, run in runs.items():
        frames = iter(frames_of(run))
        emitted = _emitted(next(frames), frames, SUCCESS)
        out[index] = [Log(address, tuple(t.to_bytes(32, "big") for t in topics), data)
                      for address, topics, data in emitted]
    return out


def _emitted(frame: Any, rest: Any, success: int) -> list[tuple[bytes, tuple[int, ...], bytes]]:
    """The logs ``frame`` emits, its callees' (taken from ``rest`` in call order) among its own at the
    calls' keys; none unless it succeeds.  In a batch every call runs a frame, and so does every
    CREATE with initcode (its logs kept only when the creation stuck: the record's success)."""
    merged = [(key, [(frame.address, topics, data)]) for key, topics, data in frame.logs]
    for call in frame.calls:
        if call.kind == CREATE and not call.input:
            continue
        child = _emitted(next(rest), rest, success)
        merged.append((call.key, child if call.success else []))
    merged.sort(key=lambda item: item[0])
    return [log for _, logs in merged for log in logs] if frame.status == success else []


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


def proof_tables(statement: BatchStatement, proof: bytes):
    """(the AIRs of the statement's tables in proof order, the parsed multi-table proof) — what a
    verifier-cost estimate counts (see :mod:`verifier.l1.proof_work`)."""
    from verifier.multi_proof import MultiProof

    runs, keccak, _advice, multi = decode_advice(proof)
    try:
        tables, _inputs = batch_tables(statement, runs, keccak)
    except StatementError as exc:
        raise VerificationError(f"batch statement refused: {exc}") from None
    return [air for air, _ in tables], MultiProof.from_bytes(multi)
