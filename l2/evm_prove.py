"""
``l2 evm prove`` / ``l2 evm verify``: a STARK proof that EVM bytecode ran as claimed
====================================================================================

``prove_code`` runs the code the way ``l2 evm run`` does (one message call into a fresh world state),
records the trace, refuses the run when it executed anything the execution circuit does not prove
(naming the opcode and the pc, see :mod:`circuits.vm.proven`), and otherwise proves the statement

    "running CODE at ADDRESS, called by CALLER with VALUE wei and CALLDATA, with GAS gas, in a
     transaction from ORIGIN at GAS_PRICE in a block with CHAIN_ID, NUMBER, TIMESTAMP and BASE_FEE,
     halts with STATUS after using GAS_USED gas, returning OUTPUT (read from memory at OUTPUT_OFFSET)"

and reading the storage slots it touches with their original values and, when it succeeds, leaving
them with their final values and REFUND on the refund counter, hashing the listed messages (each
KECCAK256 read its message from memory and pushed the listed digest), logging the listed topics
and data, reading the listed accounts (balance, code size and code hash of each address BALANCE,
EXTCODESIZE or EXTCODEHASH read, at EIP-2929 warm/cold prices) and the executing account's balance
(SELFBALANCE), and starting the listed transient slots at zero — with the execution circuit
(:class:`circuits.vm.air.VmAir`).  That each listed digest is keccak-256 of its message is proven
beside it by the Keccak table
(:class:`circuits.keccak_air.Keccak256Air`, see :mod:`l2.keccak_tables`): the file carries that
proof too, and the verifier requires the table's digests to be the listed ones.

The proof file carries its statement, so ``verify_file(path)`` needs nothing else::

    magic "L2EVMPF" | version u8 | statement_len u32 | statement | proof_len u32 | proof (verifier format)
    | Keccak section (:mod:`l2.keccak_tables`: blocks u32 big-endian | chaining states)
    | [keccak_proof_len u32 | Keccak table proof]   (when blocks > 0)

where the statement is ``code_len u32 | code | gas_limit u64 | status u8 | gas_used u64 |
output_offset u32 | output_len u32 | output | address (20) | caller (20) | value (32, big-endian) |
origin (20) | gas_price | chain_id | block_number | timestamp | base_fee (32 each, big-endian) | calldata_len u32 | calldata | slots u32 | refund u32 | (slot, original value) × slots (32 bytes each,
big-endian) | final value × slots (when the run succeeds) | hashes u32 | (key u32 | message_len u32 |
message | digest (32)) × hashes | logs u32 | (key u32 | topics u8 | topic (32, big-endian) × topics |
data_len u32 | data) × logs | pcs u32 | pc u32 × pcs | code_words u32 | offset u32 × code_words |
self_balance (32, big-endian) | accounts u32 | (address (20) | balance (32) | code_size u32 | code_hash (32))
× accounts | transient_slots u32 | slot (32) × transient_slots | and_keys u32 | key u32 × and_keys |
calldata_words u32 | offset u32 × calldata_words | sizes u32 | (key u32 | size u32) × sizes | calls u32
| call record × calls (:func:`circuits.vm.call_record.encode_call`) | original u8 (0: none; 1: a
32-byte original value per slot follows) | warm slots u32 | slot (32) × warm slots | static u8`` (little-endian; a
count of 0xFFFFFFFF holds every entry and lists none).  A file's statement is a transaction's own
frame: no call, no return data, storage cold at the transaction's values (a run with calls is proven
frame by frame, in a batch).  Every byte is bound: a short, long or altered file is
refused with :class:`EvmProofError` or :class:`verifier.errors.VerificationError`.
"""

from __future__ import annotations

import json
import struct
import time
from pathlib import Path
from typing import Any, Mapping, Optional

import typer

from circuits.keccak_air import trace_rows
from circuits.vm.air import ALL_ENTRIES, VmAir, VmStatement
from circuits.vm.call_record import decode_call
from circuits.vm.layout import MAX_GAS
from circuits.vm.proven import unproven_steps
from circuits.vm.tables import Environment
from circuits.vm.witness import StepRecord, WitnessError, build_trace
from prover.stark import ProverError, prove
from verifier.errors import VerificationError
from verifier.proof import ProofOptions
from verifier.stark import verify

from .evm_cli import (CONTRACT_ADDRESS, DEFAULT_CALLER, DEFAULT_CHAIN_ID, DEFAULT_GAS, EvmInputError, json_object,
                      parse_address, parse_context, parse_hex, parse_storage, parse_uint)
from .keccak_tables import KECCAK_AIR, check_digests, decode_states, encode_states, keccak_table
from .state.world import Account, WorldState
from .vm import BlockEnv, Message, TxEnv, begin_transaction, process_message_call
from .vm.trace import ExecutionTrace, TraceRecorder

__all__ = ["evm_prove_app", "prove_code", "verify_file", "verify_bytes", "EvmProofError", "record_run",
           "parse_accounts", "trace_to_steps", "environment_of", "witness_for", "read_file", "keccak_proof"]

MAGIC = b"L2EVMPF"
VERSION = 6
MIN_SECURITY = 100


class EvmProofError(VerificationError):
    """A proof file that cannot be read, or a run that cannot be proven (one-line reason)."""


def record_run(code: bytes, input: bytes = b"", gas: int = DEFAULT_GAS, value: int = 0,
               caller: bytes = DEFAULT_CALLER, storage: Mapping[int, int] | None = None,
               block_env: BlockEnv | None = None, tx_env: TxEnv | None = None,
               accounts: Mapping[bytes, tuple[int, bytes]] | None = None) -> ExecutionTrace:
    """Run ``code`` as ``l2 evm run`` does and return the recorded trace (in ``block_env`` and
    ``tx_env``: by default ``BlockEnv()`` and the caller as the origin).

    ``accounts`` gives other accounts of the world before the run, address → (balance, code); the
    contract's entry gives its balance (its code is ``code``), the caller's its balance before it is
    funded with ``value``.  Warm from the start (EIP-2929): the precompiles, the contract, the caller
    and the transaction's origin."""
    if caller == CONTRACT_ADDRESS:
        raise EvmInputError("caller: must differ from the contract address")
    world = {address: Account(balance=balance, code=bytes(held)) for address, (balance, held) in (accounts or {}).items()}
    world[caller] = Account(balance=world.get(caller, Account()).balance + value, code=world.get(caller, Account()).code)
    world[CONTRACT_ADDRESS] = Account(balance=world.get(CONTRACT_ADDRESS, Account()).balance, code=code,
                                      storage=dict(storage or {}))
    state = WorldState(world)
    origin = (tx_env or TxEnv(origin=caller)).origin
    begin_transaction(state, origin, CONTRACT_ADDRESS)
    state.warm_address(caller)
    message = Message(caller=caller, target=CONTRACT_ADDRESS, current_target=CONTRACT_ADDRESS, gas=gas,
                      value=value, data=input, code=code, code_address=CONTRACT_ADDRESS)
    recorder = TraceRecorder()
    process_message_call(message, state, block_env or BlockEnv(), tx_env or TxEnv(origin=caller), recorder)
    assert recorder.trace is not None
    return recorder.trace


def parse_accounts(accounts: str | Mapping[Any, Any] | None) -> dict[bytes, tuple[int, bytes]]:
    """Address → (balance, code) from a JSON object (or a mapping) ``{"0xaddress": [balance, "0xcode"]}``."""
    accounts = json_object(accounts, "accounts", "address: [balance, code]")
    out = {}
    for address, fields in accounts.items():
        if isinstance(fields, (list, tuple)) and len(fields) == 2:
            balance, code = fields
        else:
            raise EvmInputError(f"accounts: {address}: expected [balance, code]")
        out[parse_address(address, f"accounts: {address}")] = (parse_uint(balance, f"balance of {address}"),
                                        code if isinstance(code, bytes) else parse_hex(code, f"code of {address}"))
    return out


def trace_to_steps(trace: ExecutionTrace) -> list[StepRecord]:
    out = []
    for s in trace.steps:
        op = s.storage_ops[0] if s.storage_ops else None
        out.append(StepRecord(s.pc, s.opcode, s.gas_before, s.stack_pointer_before, s.pops, s.pushes, s.error,
                              slot_before=op.value_before if op else 0, slot_warm=op.warm_before if op else False,
                              account=s.account))
    return out


def environment_of(frame: Any, block_env: BlockEnv | None = None, tx_env: TxEnv | None = None) -> Environment:
    """The public environment of a recorded top-level frame run in ``block_env`` with ``tx_env``
    (defaults as :func:`record_run`'s)."""
    block = block_env or BlockEnv()
    origin = (tx_env or TxEnv(origin=bytes(frame.caller))).origin
    return Environment(int.from_bytes(frame.address, "big"), int.from_bytes(frame.caller, "big"), frame.value,
                       bytes(frame.calldata), int.from_bytes(origin, "big"), tx_env.gas_price if tx_env else 0,
                       block.number, block.timestamp, block.chain_id, block.base_fee)


def witness_for(code: bytes, gas: int, trace: ExecutionTrace, block_env: BlockEnv | None = None,
                tx_env: TxEnv | None = None):
    """(trace matrix, statement) for a recorded run (in the ``block_env`` and ``tx_env`` it was
    recorded with); EvmProofError names what cannot be proven."""
    bad = unproven_steps(trace)
    if bad:
        listed = ", ".join(f"{name} at pc {pc}" for name, pc in bad[:5])
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        calls = any(name.split()[0] in ("CALL", "STATICCALL", "CREATE") for name, _ in bad)
        hint = "; a run with calls is proven frame by frame, in a batch (l2 batch prove)" if calls else ""
        raise EvmProofError(f"the run executes what the circuit does not prove: {listed}{more}{hint}")
    result = trace.result
    call = trace.calls[0]
    env = environment_of(call, block_env, tx_env)
    try:
        return build_trace(code, gas, trace_to_steps(trace), result.status, result.gas_left, result.output, env=env)
    except WitnessError as error:
        raise EvmProofError(str(error)) from None


def encode_file(statement: VmStatement, proof_bytes: bytes, keccak: tuple[Any, bytes] | None = None) -> bytes:
    """The proof file for ``statement`` with its execution proof and, when it lists KECCAK256 digests,
    ``keccak`` = (:class:`~circuits.keccak_air.Keccak256Statement`, its Keccak table proof)."""
    s = statement.to_bytes()
    out = [MAGIC, bytes([VERSION]), struct.pack("<I", len(s)), s, struct.pack("<I", len(proof_bytes)), proof_bytes]
    out.append(encode_states(keccak[0] if keccak else None))
    if keccak:
        out += [struct.pack("<I", len(keccak[1])), keccak[1]]
    return b"".join(out)


def decode_file(data: bytes) -> tuple[VmStatement, bytes]:
    """Split a proof file into (statement, execution proof bytes); refuses anything malformed or trailing."""
    statement, proof, _keccak = read_file(data)
    return statement, proof


def read_file(data: bytes) -> tuple[VmStatement, bytes, tuple[Any, bytes] | None]:
    """Split a proof file into (statement, execution proof bytes, (Keccak256Statement, Keccak proof
    bytes) or None); refuses anything malformed or trailing."""
    pos = 0

    def take(k: int) -> bytes:
        nonlocal pos
        if k < 0 or pos + k > len(data):
            raise EvmProofError("proof file is truncated")
        out = data[pos:pos + k]
        pos += k
        return out

    if take(len(MAGIC)) != MAGIC:
        raise EvmProofError("not an EVM proof file (bad magic)")
    if take(1)[0] != VERSION:
        raise EvmProofError("unsupported EVM proof file version")
    (slen,) = struct.unpack("<I", take(4))
    s = take(slen)
    (plen,) = struct.unpack("<I", take(4))
    proof = take(plen)
    statement = _decode_statement(s)
    try:
        keccak_statement, pos = decode_states(data, pos, statement.hash_messages())
    except ValueError as error:
        raise EvmProofError(f"malformed Keccak section in the proof file: {error}") from None
    keccak = None
    if keccak_statement is not None:
        (klen,) = struct.unpack("<I", take(4))
        keccak = (keccak_statement, take(klen))
    if pos != len(data):
        raise EvmProofError("trailing bytes after the proof")
    return statement, proof, keccak


def _decode_statement(s: bytes) -> VmStatement:
    try:
        (clen,) = struct.unpack_from("<I", s, 0)
        code = s[4:4 + clen]
        if len(code) != clen:
            raise struct.error("short code")
        gas_limit, status, gas_used, ooff, olen = struct.unpack_from("<QBQII", s, 4 + clen)
        end = 4 + clen + struct.calcsize("<QBQII")
        output = s[end:end + olen]
        if len(output) != olen:
            raise struct.error("short output")
        end += olen
        address, caller, value = s[end:end + 20], s[end + 20:end + 40], s[end + 40:end + 72]
        origin = s[end + 72:end + 92]
        words = [int.from_bytes(s[end + 92 + 32 * k:end + 124 + 32 * k], "big") for k in range(5)]
        end += 92 + 32 * 5
        (dlen,) = struct.unpack_from("<I", s, end)
        calldata = s[end + 4:end + 4 + dlen]
        if len(calldata) != dlen:
            raise struct.error("short calldata")
        end += 4 + dlen
        slots, refund = struct.unpack_from("<II", s, end)
        end += 8
        pairs = s[end:end + 64 * slots]
        if len(pairs) != 64 * slots:
            raise struct.error("short storage")
        initial = tuple((int.from_bytes(pairs[64 * i:64 * i + 32], "big"),
                         int.from_bytes(pairs[64 * i + 32:64 * i + 64], "big")) for i in range(slots))
        end += 64 * slots
        finals = slots if status == 1 else 0  # a run that does not succeed states no final storage
        rest = s[end:end + 32 * finals]
        if len(rest) != 32 * finals:
            raise struct.error("short final storage")
        final = tuple((slot, int.from_bytes(rest[32 * i:32 * i + 32], "big")) for i, (slot, _) in enumerate(initial)) \
            if finals else ()
        end += 32 * finals

        def take(k: int) -> bytes:
            nonlocal end
            if len(s) - end < k:
                raise struct.error("the statement ends early")
            end += k
            return s[end - k:end]

        hashes = []
        for _ in range(struct.unpack("<I", take(4))[0]):
            key, size = struct.unpack("<II", take(8))
            hashes.append((key, take(size), take(32)))
        logs = []
        for _ in range(struct.unpack("<I", take(4))[0]):
            key, count = struct.unpack("<IB", take(5))
            topics = tuple(int.from_bytes(take(32), "big") for _ in range(count))
            logs.append((key, topics, take(struct.unpack("<I", take(4))[0])))

        def subset() -> tuple[int, ...] | None:
            (count,) = struct.unpack("<I", take(4))
            if count == ALL_ENTRIES:
                return None
            return struct.unpack(f"<{count}I", take(4 * count))

        pcs, code_words = subset(), subset()
        self_balance = int.from_bytes(take(32), "big")
        accounts = []
        for _ in range(struct.unpack("<I", take(4))[0]):
            address_read, balance = int.from_bytes(take(20), "big"), int.from_bytes(take(32), "big")
            (size,) = struct.unpack("<I", take(4))
            accounts.append((address_read, balance, size, int.from_bytes(take(32), "big")))
        transient = tuple(int.from_bytes(take(32), "big") for _ in range(struct.unpack("<I", take(4))[0]))
        and_keys, calldata_words = subset(), subset()
        sizes = tuple(struct.unpack("<II", take(8)) for _ in range(struct.unpack("<I", take(4))[0]))
        calls = tuple(decode_call(take) for _ in range(struct.unpack("<I", take(4))[0]))
        flag = take(1)[0]
        if flag not in (0, 1):
            raise struct.error("bad original-storage flag")
        original = tuple(int.from_bytes(take(32), "big") for _ in initial) if flag else None
        warm = tuple(int.from_bytes(take(32), "big") for _ in range(struct.unpack("<I", take(4))[0]))
        static = take(1)[0]
        if static not in (0, 1):
            raise struct.error("bad static flag")
        if end != len(s):
            raise struct.error("trailing bytes after the entry subsets")
        gas_price, chain_id, number, timestamp, base_fee = words
        return VmStatement(code, gas_limit, status, gas_used, output, ooff, calldata, caller,
                           int.from_bytes(value, "big"), address, initial, final, refund, origin, gas_price, chain_id,
                           number, timestamp, base_fee, tuple(hashes), tuple(logs), pcs, code_words, self_balance,
                           tuple(accounts), transient, and_keys, calldata_words, sizes, calls, original, warm,
                           bool(static))
    except (struct.error, ValueError) as error:
        raise EvmProofError(f"malformed statement in the proof file: {error}") from None


def prove_code(code: str | bytes, input: str | bytes = b"", gas: int | str = DEFAULT_GAS, value: int | str = 0,
               caller: str | bytes = DEFAULT_CALLER, storage: str | Mapping[Any, Any] | None = None,
               out: str | Path | None = None, options: ProofOptions | None = None,
               origin: str | bytes | None = None, gas_price: int | str = 0, chain_id: int | str = DEFAULT_CHAIN_ID,
               number: int | str = 0, timestamp: int | str = 0, base_fee: int | str = 0,
               accounts: str | Mapping[Any, Any] | None = None) -> dict[str, Any]:
    """Run and prove ``code``; write the proof file to ``out`` when given; return a report dict.
    The block and transaction values are ``l2.evm_cli.run_code``'s; ``accounts`` the other accounts of
    the world (:func:`parse_accounts`, :func:`record_run`).

    Raises :class:`EvmInputError` for unusable arguments and :class:`EvmProofError` when the run
    executes something the circuit does not prove.
    """
    code_bytes = parse_hex(code, "code")
    gas_limit = parse_uint(gas, "gas", MAX_GAS)
    original = parse_storage(storage)
    caller_address = parse_address(caller)
    block_env, tx_env = parse_context(caller_address, origin, gas_price, chain_id, number, timestamp, base_fee)
    trace = record_run(code_bytes, parse_hex(input, "input"), gas_limit, parse_uint(value, "value"),
                       caller_address, original, block_env, tx_env, parse_accounts(accounts))
    matrix, statement = witness_for(code_bytes, gas_limit, trace, block_env, tx_env)
    air = VmAir()
    start = time.perf_counter()
    proof = prove(air, matrix, statement, options or ProofOptions())
    keccak = keccak_proof(statement, options)
    seconds = time.perf_counter() - start
    proof_bytes = proof.to_bytes()
    data = encode_file(statement, proof_bytes, keccak)
    if out is not None:
        Path(out).write_bytes(data)
    result = trace.result
    final = dict(original)
    if result.status == "success":
        final.update(statement.storage_final)
    opts = proof.options
    run_fields = {  # the fields `l2 evm run` prints, for the same run
        "status": result.status, "output": "0x" + result.output.hex(), "gas_used": gas_limit - result.gas_left,
        "gas_refund": result.refund,
        "storage": {hex(slot): hex(v) for slot, v in sorted(final.items()) if v},
        # the logs a run emits: the statement's when it succeeds (a revert or an error drops them)
        "logs": [{"address": "0x" + statement.address.hex(), "topics": [hex(t) for t in topics],
                  "data": "0x" + data.hex()} for _, topics, data in (statement.logs if result.status == "success" else ())],
        "steps": len(trace),
    }
    bits = opts.security_bits(matrix.shape[0], air.security_loss_bits(matrix.shape[0]))
    permutations = keccak[0].states.shape[0] if keccak else 0
    if keccak:
        rows = trace_rows(permutations)
        bits = min(bits, opts.security_bits(rows, KECCAK_AIR.security_loss_bits(rows)))
    return {**statement.as_dict(), **run_fields, "trace_rows": matrix.shape[0], "trace_width": matrix.shape[1],
            "keccak_permutations": permutations, "proof_bytes": len(data), "prove_seconds": round(seconds, 3),
            "security_bits": round(bits, 1), "file": str(out) if out is not None else None}



def keccak_proof(statement: VmStatement, options: ProofOptions | None = None) -> tuple[Any, bytes] | None:
    """(Keccak256Statement, proof bytes) of the Keccak table over the statement's KECCAK256 messages;
    None when it lists none."""
    table = keccak_table([statement])
    if table is None:
        return None
    keccak_statement, trace = table
    return keccak_statement, prove(KECCAK_AIR, trace, keccak_statement, options or ProofOptions()).to_bytes()


def verify_bytes(data: bytes, min_security: float = MIN_SECURITY) -> dict[str, Any]:
    """Verify a proof file's contents; return its statement as a dict or raise VerificationError."""
    statement, proof, keccak = read_file(data)
    if statement.calls or any(size for _, size in statement.returndata_sizes):
        # one frame with no call: the return data buffer is empty throughout
        raise EvmProofError("the statement makes calls: a run with calls is proven frame by frame, in a batch")
    if statement.storage_original is not None or statement.storage_warm or statement.static:
        raise EvmProofError("the statement's storage starts warm or after other writes: not a transaction's own frame")
    try:
        check_digests([statement], keccak[0] if keccak else None, ["the execution"])
    except ValueError as error:
        raise EvmProofError(str(error)) from None
    verify(VmAir(), proof, statement, min_security=min_security)
    if keccak:
        verify(KECCAK_AIR, keccak[1], keccak[0], min_security=min_security)
    return {"valid": True, **statement.as_dict()}


def verify_file(path: str | Path, min_security: float = MIN_SECURITY) -> dict[str, Any]:
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise EvmProofError(f"cannot read {path}: {error.strerror}") from None
    return verify_bytes(data, min_security)


evm_prove_app = typer.Typer(help="Prove and verify EVM runs.", no_args_is_help=True)


@evm_prove_app.command("prove")
def prove_command(
    code: str = typer.Option(..., "--code", help="contract bytecode as hex"),
    input: str = typer.Option("0x", "--input", help="calldata as hex"),
    gas: str = typer.Option(str(DEFAULT_GAS), "--gas", help="gas given to the call (below 2^30)"),
    value: str = typer.Option("0", "--value", help="wei sent with the call"),
    caller: str = typer.Option("0x" + DEFAULT_CALLER.hex(), "--caller", help="caller address"),
    storage: Optional[str] = typer.Option(None, "--storage", help="original storage as JSON"),
    out: Path = typer.Option(..., "--out", help="where to write the proof file"),
    origin: Optional[str] = typer.Option(None, "--origin", help="transaction origin (ORIGIN; default: the caller)"),
    gas_price: str = typer.Option("0", "--gas-price", help="gas price GASPRICE pushes"),
    chain_id: str = typer.Option(str(DEFAULT_CHAIN_ID), "--chain-id", help="chain id CHAINID pushes"),
    number: str = typer.Option("0", "--number", help="block number NUMBER pushes"),
    timestamp: str = typer.Option("0", "--timestamp", help="block timestamp TIMESTAMP pushes"),
    base_fee: str = typer.Option("0", "--base-fee", help="base fee BASEFEE pushes"),
    accounts: Optional[str] = typer.Option(None, "--accounts",
                                           help='other accounts as JSON {"0xaddress": [balance, "0xcode"]}'),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Run CODE, prove the run, write the proof file."""
    try:
        report = prove_code(code, input, gas, value, caller, storage, out, None, origin, gas_price, chain_id, number,
                            timestamp, base_fee, accounts)
    except (EvmInputError, EvmProofError, ProverError) as error:
        typer.echo(f"error: {error}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(report))
        return
    typer.echo(f"status {report['status']}, gas used {report['gas_used']}, {report['steps']} steps; "
               f"proof {report['proof_bytes']} bytes in {report['prove_seconds']} s -> {out}")
    for log in report["logs"]:  # as `l2 evm run` prints them
        typer.echo(f"log        {log['address']} [{', '.join(log['topics'])}] {log['data']}")


@evm_prove_app.command("verify")
def verify_command(
    path: Path = typer.Argument(..., help="proof file written by `l2 evm prove`"),
    as_json: bool = typer.Option(False, "--json", help="print one JSON object"),
) -> None:
    """Verify a proof file and print the statement it proves."""
    try:
        report = verify_file(path)
    except VerificationError as error:
        if as_json:
            typer.echo(json.dumps({"valid": False, "error": str(error)}))
        else:
            typer.echo(f"error: invalid proof: {error}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(report))
        return
    typer.echo(f"valid: code {report['code'][:20]}… status {report['status']}, gas used {report['gas_used']} "
               f"of {report['gas_limit']}")


