"""What a batch proof is about, priced transaction by transaction, and the witnesses that prove it.

Pricing (the verifier's side: needs no state)
---------------------------------------------
:func:`batch_inputs` turns the posted transactions, each with its recovered sender, into the
transfer table's public inputs and the list of *public accesses* — the state accesses the verifier
puts on the access bus itself.  A transaction is

* a **plain transfer** (a call of an account without code): priced as
  :func:`l2.executor.apply_transaction` prices it when nothing executes — gas used = the intrinsic
  gas, the whole fee to the fee recipient.  That the recipient has no code is for the state table
  to show;
* a **contract transaction** (a deployment, or a call for which the proof carries an execution
  statement, a :class:`~circuits.vm.air.VmStatement` proven by its own table): the statement must
  be the transaction's frame — caller = sender, address = the called account or the CREATE address
  keccak(rlp([sender, nonce]))[12:], value = the transaction's value, calldata = the transaction's
  data (a deployment: none, its data is the code run), gas limit = tx.gas − intrinsic gas, and no
  access list (the circuit starts from cold storage); the values ORIGIN, GASPRICE, CHAINID, BASEFEE,
  NUMBER and TIMESTAMP push must be the executor's: origin = sender, gas price = the effective gas
  price, chain id = the transaction's (which the batch statement pins to its own), base fee = the
  batch's and, when the batch's block values are given, block number = the batch number and
  timestamp = the batch's.  Each is checked when the statement's code holds that opcode (outside
  PUSH data); a run of code without it cannot read the value, so the statement must state the
  default there (``VmStatement``'s: origin = caller, chain id 1, the others 0) and each run has one
  statement — and the transaction's outcome follows from it exactly as the executor derives it::

      used     = intrinsic + gas_used (+ 200·len(runtime) for a deployment that succeeds)
      gas_used = used − min(refund, used // 5)          (EIP-3529; the refund only on success)
      fee      = gas_used · effective price,   moved value = value if it succeeds, else 0

  A deployment whose run succeeds still fails — all its gas used, nothing kept — when the runtime
  starts with 0xEF (EIP-3541), exceeds 24,576 bytes (EIP-170) or its deposit is more than the gas
  left, as :func:`l2.vm.interpreter.process_create_message` decides.

  Its public accesses, in this order: a successful deployment's new nonce (0 → 1), then one per
  storage slot the run touched, ``storage_key(address, slot)`` from the statement's initial value
  to its final value (the initial value again when the transaction fails: a read, which still pins
  what the run read).  The recipient's code hash before and after goes into the transfer row:
  keccak(code) both times for a call (so the proof shows the account holds exactly the code run),
  0 → keccak(runtime) for a deployment (0 when it fails).

The L1 deposits a batch credits come first, each a fee-free transfer row from the L2 bridge account
whose nonce is the deposit id (:func:`deposit_records`, as :mod:`bridge.deposits` applies them).
The public accesses take idx 7·T + k (T rows: deposits and transactions) after the transfer
table's 7·T, in transaction order.  Each key's accesses stay in order: the transfer table touches only code-hash,
nonce and balance keys of senders, recipients and the fee recipient, the public accesses only
storage keys and new contracts' nonces — and a contract is never a sender (EIP-3607), so no key is
on both sides.

Witnesses (the prover's side)
-----------------------------
:func:`batch_witness` replays the batch with the executor on the state before it, records each
contract transaction's run (:class:`~l2.vm.trace.TraceRecorder`), turns it into the execution
table's trace, prices the batch with :func:`batch_inputs` from those statements (and checks the
result against the executor's), and builds the transfer table and the state table from the full
ordered access list.  It refuses, with a one-line reason naming the transaction, what it cannot
prove: a run that executes something the execution circuit does not prove (opcode and pc named), a
run that executes SELFBALANCE, BALANCE, EXTCODESIZE or EXTCODEHASH (their values are not bound to the
state table yet; the pricing refuses a statement whose code holds SELFBALANCE or that lists accounts),
a contract transaction with an access list, a deployment to an address that already holds an account,
a recipient with code that is a precompile or the fee recipient.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from circuits.state_air import AccessRecord, StateBusInputs
from circuits.transfer_air import (
    ACCESSES_PER_TRANSFER,
    KIND_CONTRACT,
    TransferInputs,
    TransferRecord,
    transfer_trace,
)
from circuits.vm.air import VmStatement
from circuits.vm.call_record import CREATE
from circuits.vm.opcodes import SUCCESS
from l2.crypto import contract_address, keccak256
from l2.executor import REFUND_QUOTIENT
from l2.state.keys import Kind, account_key, storage_key
from l2.state.tree import StateTree
from l2.state.witness import Access, build_trace, replay
from l2.tx import FeeError, Transaction, effective_gas_price, intrinsic_gas
from l2.vm import PRECOMPILE_ADDRESSES
from l2.vm.gas import GAS_CODE_DEPOSIT, MAX_CODE_SIZE

__all__ = [
    "ContractEffect", "BatchInputs", "TransferBatch", "ContractRun", "BatchWitness", "contract_effect",
    "deposit_records", "batch_inputs", "transfer_inputs", "inputs_from_transfers", "transfer_batch", "batch_traces",
    "frame_result", "batch_witness", "statements_by_transaction",
]

_PRECOMPILES = frozenset(PRECOMPILE_ADDRESSES)
_PUSHED_BY = {"origin": 0x32, "gas_price": 0x3A, "timestamp": 0x42, "block_number": 0x43, "chain_id": 0x46,
              "base_fee": 0x48}
"""The opcode that pushes each block or transaction value of an execution statement."""
_UNREAD = {"gas_price": 0, "timestamp": 0, "block_number": 0, "chain_id": 1, "base_fee": 0}
"""What a statement states for a value its code cannot read (origin: the caller, here the sender)."""
_ENV_NAME = {"origin": "origin", "gas_price": "gas_price", "timestamp": "timestamp", "block_number": "number",
             "chain_id": "chain_id", "base_fee": "base_fee"}
_STATE_READS = {0x47: "SELFBALANCE", 0x31: "BALANCE", 0x3B: "EXTCODESIZE", 0x3F: "EXTCODEHASH"}
"""Opcodes whose public values (an execution statement's ``self_balance`` and ``accounts``) the batch
does not yet bind to the state table: a contract run that executes one is refused."""


def _unbound_reads(i: int, name: str) -> ValueError:
    return ValueError(f"transaction {i}: {name} in a batch is not bound to the state table yet")


def _instructions(code: bytes) -> set[int]:
    """The opcode bytes ``code`` holds as instructions (PUSH data skipped)."""
    out, pc = set(), 0
    while pc < len(code):
        op = code[pc]
        out.add(op)
        pc += 1 + (op - 0x5F if 0x60 <= op <= 0x7F else 0)
    return out


def _hash_int(data: bytes) -> int:
    return int.from_bytes(keccak256(data), "big")


# ---------------------------------------------------------------------------------------------
# Pricing
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ContractEffect:
    """What a contract transaction does, derived from its execution statement."""

    address: bytes          # the called account, or the new contract's address
    success: bool           # the transaction's status (a deployment can fail after its run succeeded)
    gas_used: int           # after the refund: what the sender pays for
    code_hash_old: int
    code_hash_new: int
    accesses: tuple[AccessRecord, ...]


def contract_effect(i: int, tx: Transaction, sender: bytes, run: VmStatement | Sequence[VmStatement],
                    gas_price: int | None = None, base_fee: int | None = None, block: Any = None) -> ContractEffect:
    """Check that ``run`` is transaction ``i``'s frame (or its frames: the transaction's own, then its
    callees' in call order) and derive the transaction's effect (see the module docstring); ValueError
    names the transaction and the first field that does not match.

    Origin and chain id are always checked; ``gas_price`` (the effective price) and ``base_fee`` when
    given, the block number and timestamp when ``block`` (anything with ``number`` and ``timestamp``:
    a batch statement, a ``BlockEnv``) is — each against the default when the code cannot read it."""
    frames = (run,) if isinstance(run, VmStatement) else tuple(run)
    if not frames:
        raise ValueError(f"transaction {i}: no execution statement")
    run = frames[0]
    if tx.access_list:
        raise ValueError(f"transaction {i} has an access list: a contract transaction is proven from cold "
                         "storage only")
    deploy = tx.to is None
    calls = len(frames) > 1 or bool(run.calls)
    if not deploy and bytes(tx.to) in _PRECOMPILES:
        raise ValueError(f"transaction {i} calls a precompile (its code is not EVM bytecode)")
    intrinsic = intrinsic_gas(tx)
    address = contract_address(sender, tx.nonce) if deploy else bytes(tx.to)
    expected = {"caller": sender, "address": address, "value": tx.value,
                "calldata": b"" if deploy else bytes(tx.data), "gas_limit": tx.gas - intrinsic}
    # the values the code can push: bound when it holds the opcode that pushes them
    reads = {"origin": sender, "chain_id": tx.chain_id, "gas_price": gas_price, "base_fee": base_fee,
             "block_number": block.number if block is not None else None,
             "timestamp": block.timestamp if block is not None else None}
    held = _instructions(bytes(tx.data) if deploy else run.code)
    for name, want in reads.items():
        if _PUSHED_BY[name] not in held and not calls:
            expected[name] = _UNREAD.get(name, sender)
        elif want is not None:
            # with calls every frame states the transaction's values (its callees must match them)
            expected[name] = want
    if deploy:
        expected["code"] = bytes(tx.data)
    for name, want in expected.items():
        if getattr(run, name) != want:
            raise ValueError(f"transaction {i}: its execution statement has another {name.replace('_', ' ')}")
    if not deploy and not run.code:
        raise ValueError(f"transaction {i}: a call of empty code is a plain transfer, not an execution")
    # a statement's balance and accounts are not checked against the state yet: refuse code that can
    # read them (SELFBALANCE's entry is in every table of code holding it) and any listed account
    unbound = [name for byte, name in _STATE_READS.items() if byte in held and (byte == 0x47 or run.accounts)]
    if unbound or run.accounts or run.self_balance:
        raise _unbound_reads(i, unbound[0] if unbound else "an account read")
    if calls:
        return _called_effect(i, tx, sender, frames, block)
    # without a call the return data buffer is empty, and storage starts cold at the transaction's values
    if any(size for _, size in run.returndata_sizes):
        raise ValueError(f"transaction {i}: RETURNDATASIZE pushed a size with no call before it")
    if run.storage_original is not None or run.storage_warm or run.static:
        raise ValueError(f"transaction {i}: its execution statement starts storage warm or after other writes")

    success = run.status == SUCCESS
    executed = run.gas_used
    refund = run.refund if success else 0
    runtime = run.output
    if deploy and success:
        deposit = GAS_CODE_DEPOSIT * len(runtime)
        if runtime[:1] == b"\xef" or deposit > run.gas_limit - run.gas_used or len(runtime) > MAX_CODE_SIZE:
            # EIP-3541, the deposit, EIP-170: the creation fails with all its gas (and keeps nothing)
            success, executed, refund = False, run.gas_limit, 0
        else:
            executed += deposit
    used = intrinsic + executed
    gas_used = used - min(refund, used // REFUND_QUOTIENT)

    accesses: list[AccessRecord] = []
    if deploy and success:
        accesses.append(AccessRecord(account_key(address, Kind.NONCE), 0, 1, True))   # a new contract's nonce is 1
    final = dict(run.storage_final)
    for slot, initial in run.storage_initial:
        new = final[slot] if success else initial
        accesses.append(AccessRecord(storage_key(address, slot), initial, new, new != initial))
    if deploy:
        old, new = 0, (_hash_int(runtime) if success else 0)
    else:
        old = new = _hash_int(run.code)
    return ContractEffect(address, success, gas_used, old, new, tuple(accesses))


class _StatedWorld:
    """The world as a transaction's frames state it — each callee's code, each slot's value and each
    creator's nonce at the transaction's start — for :func:`l2.call_frames.compose`; the public
    accesses then bind every such claim to the state table.  Balances are not read: the transaction's
    own value is the transfer table's to prove, and a call sending value is refused before this."""

    def __init__(self, frames: Sequence[VmStatement]):
        self._codes: dict[bytes, bytes] = {}
        self._slots: dict[tuple[bytes, int], int] = {}
        self._nonces: dict[bytes, int] = {}
        created = {c.address for f in frames for c in f.calls if c.kind == CREATE}
        for f in frames:
            if f.address not in created:         # an initcode frame runs at an address without code
                self._codes.setdefault(f.address, f.code)
            for slot, value in f.storage_initial:
                self._slots.setdefault((f.address, slot), value)
            for c in f.calls:
                if c.kind == CREATE:             # the first CREATE of a creator states its nonce then
                    self._nonces.setdefault(f.address, c.nonce)

    def nonce(self, address: bytes) -> int:
        return self._nonces.get(address, 0)

    def unused(self, address: bytes) -> bool:
        return True   # a created account's nonce is bound 0 → 1 and its code hash 0 → its code's

    def code(self, address: bytes) -> bytes:
        return self._codes.get(address, b"")

    def balance(self, address: bytes) -> int:
        return (1 << 256) - 1

    def alive(self, address: bytes) -> bool:
        raise ValueError("a call sending value is not proven in a batch yet")

    def storage(self, address: bytes, slot: int) -> int:
        return self._slots.get((address, slot), 0)


def _called_effect(i: int, tx: Transaction, sender: bytes, frames: tuple[VmStatement, ...],
                   block: Any) -> ContractEffect:
    """The effect of a contract call whose code calls other contracts: the frames put together
    (:func:`l2.call_frames.compose`) and bound to the state by public accesses — every slot any frame
    touched, from its value at the transaction's start to its final value (a read when the transaction
    fails), a read of each callee's code hash (keccak of the code its frame ran), each creator's nonce
    from its start to its end, and each created contract's nonce 0 → 1 and code hash 0 → keccak of its
    runtime."""
    from l2.call_frames import CompositionError, compose, transaction_warm_set

    if tx.to is None:
        raise ValueError(f"transaction {i}: a deployment whose code calls other contracts is not proven yet")
    if any(c.value for f in frames for c in f.calls):
        raise ValueError(f"transaction {i}: a call sending value is not proven in a batch yet")
    coinbase = getattr(block, "fee_recipient", None) or getattr(block, "coinbase", None)
    try:
        comp = compose(frames, _StatedWorld(frames), sender, transaction_warm_set(sender, bytes(tx.to), coinbase))
    except (CompositionError, ValueError) as exc:
        raise ValueError(f"transaction {i}: {exc}") from None
    if comp.touched_no_code:
        raise ValueError(f"transaction {i}: a call to an account without code is not proven in a batch yet")
    root = frames[0]
    success = root.status == SUCCESS
    used = intrinsic_gas(tx) + root.gas_used
    gas_used = used - min(comp.refund if success else 0, used // REFUND_QUOTIENT)
    accesses = []
    for (address, slot), initial in sorted(comp.initial_storage.items()):
        new = comp.storage.get((address, slot), initial) if success else initial
        accesses.append(AccessRecord(storage_key(address, slot), initial, new, new != initial))
    for address, code in sorted(comp.codes.items()):
        if address != root.address:
            h = _hash_int(code)
            accesses.append(AccessRecord(account_key(address, Kind.CODE_HASH), h, h, False))
    for address, (start, end) in sorted(comp.nonces.items()):
        accesses.append(AccessRecord(account_key(address, Kind.NONCE), start, end, end != start))
    for address, runtime in sorted(comp.created.items()):
        accesses.append(AccessRecord(account_key(address, Kind.NONCE), 0, 1, True))
        # the address held no account (its leaves 0): CREATE at a funded address is not proven yet
        accesses.append(AccessRecord(account_key(address, Kind.CODE_HASH), 0, _hash_int(runtime), True))
    h = _hash_int(root.code)
    return ContractEffect(root.address, success, gas_used, h, h, tuple(accesses))


@dataclass(frozen=True, eq=False)
class BatchInputs:
    """The priced batch: the transfer table's public inputs (deposit rows first), the public
    accesses, and per transaction the gas used and the status (plain transfers always succeed)."""

    transfers: TransferInputs
    public_accesses: tuple[AccessRecord, ...]
    gas_used: tuple[int, ...]
    success: tuple[bool, ...]

    @property
    def first_public_idx(self) -> int:
        return ACCESSES_PER_TRANSFER * len(self.transfers.transfers)

    @property
    def access_count(self) -> int:
        """Every access the state table proves: the transfer table's, then the public ones."""
        return self.first_public_idx + len(self.public_accesses)

    def public_tuples(self) -> np.ndarray:
        """(K, 42) bus tuples of the public accesses, numbered from 7·T."""
        start = self.first_public_idx
        rows = [a.bus_tuple(start + k) for k, a in enumerate(self.public_accesses)]
        return np.array(rows, dtype=np.uint64).reshape(len(rows), -1)


def deposit_records(deposits: Sequence[Any]) -> tuple[TransferRecord, ...]:
    """The transfer rows of L1 deposits (objects with ``id``, ``recipient``, ``amount``): fee-free
    transfers from the L2 bridge account whose nonce is the deposit id."""
    from bridge.constants import L2_BRIDGE

    return tuple(TransferRecord(sender=L2_BRIDGE, to=d.recipient, nonce=d.id, value=d.amount, fee=0, cost=d.amount)
                 for d in deposits)


def batch_inputs(txs_with_senders: Sequence[tuple[Transaction, bytes]], base_fee: int, fee_recipient: bytes,
                 gas_limit: int | None = None, runs: Mapping[int, VmStatement] | None = None,
                 deposits: Sequence[Any] = (), block: Any = None) -> BatchInputs:
    """Price ``(tx, sender)`` pairs applied in order, after the rows of ``deposits``, ``runs`` holding
    the execution statement of each contract transaction by its index (see the module docstring);
    ``block`` (the batch statement, or its ``BlockEnv``) gives the number and timestamp every
    statement must state.

    ``gas_limit`` is the batch's: each transaction's gas limit must fit in what the transactions
    before it used.  Raises ValueError, naming the transaction, when one cannot be included by a
    batch with ``base_fee`` (fees, gas), is a deployment without an execution statement, calls a
    precompile, or has a statement that is not its frame.
    """
    runs = dict(runs or {})
    extra = sorted(set(runs) - set(range(len(txs_with_senders))))
    if extra:
        raise ValueError(f"an execution statement names transaction {extra[0]}, which the batch does not have")
    records: list[TransferRecord] = list(deposit_records(deposits))
    public: list[AccessRecord] = []
    gas_used: list[int] = []
    success: list[bool] = []
    gas_left = gas_limit
    for i, (tx, sender) in enumerate(txs_with_senders):
        run = runs.get(i)
        if tx.to is None and run is None:
            raise ValueError(f"transaction {i} creates a contract (not a plain transfer, and no execution "
                             "statement is given for it)")
        if tx.to is not None and bytes(tx.to) in _PRECOMPILES:
            raise ValueError(f"transaction {i} calls a precompile (not a plain transfer)")
        if tx.max_priority_fee_per_gas > tx.max_fee_per_gas:
            raise ValueError(f"transaction {i}: max priority fee per gas above max fee per gas")
        needed = intrinsic_gas(tx)
        if tx.gas < needed:
            raise ValueError(f"transaction {i}: gas limit {tx.gas} below intrinsic gas {needed}")
        if gas_left is not None and tx.gas > gas_left:
            raise ValueError(f"transaction {i}: gas limit {tx.gas} above the gas left in the batch ({gas_left})")
        try:
            price = effective_gas_price(tx, base_fee)
        except FeeError as exc:
            raise ValueError(f"transaction {i}: {exc}") from None
        cost = tx.gas * tx.max_fee_per_gas + tx.value
        if run is None:
            used, ok = needed, True
            record = TransferRecord(sender, tx.to, tx.nonce, tx.value, needed * price, cost)
        else:
            effect = contract_effect(i, tx, sender, run, price, base_fee, block)
            used, ok = effect.gas_used, effect.success
            record = TransferRecord(sender, effect.address, tx.nonce, tx.value if ok else 0, used * price, cost,
                                    KIND_CONTRACT, effect.code_hash_old, effect.code_hash_new)
            public += effect.accesses
        if gas_left is not None:
            gas_left -= used
        records.append(record)
        gas_used.append(used)
        success.append(ok)
    return BatchInputs(TransferInputs(tuple(records), fee_recipient), tuple(public), tuple(gas_used), tuple(success))


def transfer_inputs(txs_with_senders: Sequence[tuple[Transaction, bytes]], base_fee: int, fee_recipient: bytes,
                    gas_limit: int | None = None) -> TransferInputs:
    """The transfer table's public inputs for a batch of plain transfers (:func:`batch_inputs` with
    no execution statement): ``fee = intrinsic_gas(tx) × effective price``, ``cost = tx.gas ×
    max_fee_per_gas + tx.value``.  Raises ValueError, naming the transaction, when one is not a plain
    transfer that a batch with ``base_fee`` can include."""
    return batch_inputs(txs_with_senders, base_fee, fee_recipient, gas_limit).transfers


def inputs_from_transfers(transfers: Sequence[Any], fee_recipient: bytes) -> TransferInputs:
    """The public inputs from transfers already priced: objects with ``sender, to, nonce, value, fee,
    cost`` attributes (e.g. what a batch statement derives from its posted transactions)."""
    return TransferInputs(tuple(TransferRecord(t.sender, t.to, t.nonce, t.value, t.fee, t.cost) for t in transfers),
                          fee_recipient)


# ---------------------------------------------------------------------------------------------
# Witnesses
# ---------------------------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class TransferBatch:
    """Both tables' traces and public inputs for one batch (states as tree roots)."""

    transfer_trace: np.ndarray
    transfer_inputs: TransferInputs
    state_trace: np.ndarray
    state_inputs: StateBusInputs
    accesses: tuple[AccessRecord, ...]


def transfer_batch(tree: StateTree, inputs: TransferInputs, min_rows: int = 256,
                   public_accesses: Sequence[AccessRecord] = ()) -> TransferBatch:
    """Replay ``inputs`` on ``tree`` (left unchanged), then ``public_accesses``, and build both tables'
    witnesses: the state table proves every access, the transfer table's first.

    Raises ValueError when a transfer is not valid on the state it finds (see
    :func:`circuits.transfer_air.transfer_trace`) or a public access's old value is not the tree's.
    """
    t_trace, records = transfer_trace(inputs, tree.get, min_rows)
    records = [*records, *public_accesses]
    work = tree.copy()
    steps = replay(work, [Access.write(r.key, r.new_value) if r.is_write else Access.read(r.key) for r in records])
    found = [s.record for s in steps]
    if found != records:
        k = next(k for k, (a, b) in enumerate(zip(found, records)) if a != b)
        raise ValueError(f"state access {k}: the tree holds {found[k].old_value:#x}, "
                         f"the batch states {records[k].old_value:#x}")
    s_trace = build_trace(steps, tree.root, min_rows)
    return TransferBatch(t_trace, inputs, s_trace, StateBusInputs(tree.root, work.root, len(records)), tuple(records))


def batch_traces(transfers: Sequence[Any], fee_recipient: bytes, state_before: Any,
                 prev_root: Sequence[int] | None = None, new_root: Sequence[int] | None = None,
                 min_rows: int = 256) -> list[np.ndarray]:
    """[transfer trace, state trace] for priced plain ``transfers`` applied to ``state_before`` (a
    :class:`~l2.state.world.WorldState` or a :class:`~l2.state.tree.StateTree`).

    With ``prev_root`` / ``new_root`` given, raises ValueError unless the state's root and the root
    after the transfers are those.
    """
    if isinstance(state_before, StateTree):
        tree = state_before
    else:
        from l2.sequencer import state_tree

        tree = state_tree(state_before)
    batch = transfer_batch(tree, inputs_from_transfers(transfers, fee_recipient), min_rows)
    for name, want, got in (("previous", prev_root, batch.state_inputs.prev_root),
                            ("new", new_root, batch.state_inputs.new_root)):
        if want is not None and tuple(int(x) for x in want) != got:
            raise ValueError(f"the {name} state root is not the one the transfers give")
    return [batch.transfer_trace, batch.state_trace]


@dataclass(frozen=True, eq=False)
class ContractRun:
    """One frame of a contract transaction's execution (a transaction whose code calls other contracts
    has one per frame, in call order): its statement and the execution table's trace."""

    index: int
    statement: VmStatement
    trace: np.ndarray


@dataclass(frozen=True, eq=False)
class BatchWitness:
    """Everything a batch proof commits to: the priced batch, the execution runs, both state-side traces."""

    inputs: BatchInputs
    runs: tuple[ContractRun, ...]
    tables: TransferBatch
    outcomes: tuple[Any, ...]   # the executor's TxOutcome of each transaction


def frame_result(trace: Any) -> tuple[str, int, bytes]:
    """(status, gas left, output) of a recorded top-level frame as its code ended it.

    For a deployment this is the initcode's own end: when the run succeeded but the creation failed
    afterwards (EIP-3541, the code deposit, EIP-170) the recorder's frame says "error" with no gas
    left; the run itself returned ``output`` with the gas its last step left.
    """
    frame = trace.calls[0]
    steps = trace.steps
    if not (frame.is_create and frame.status == "error" and steps and steps[-1].error is None
            and steps[-1].name != "REVERT"):
        deposit = GAS_CODE_DEPOSIT * len(frame.output) if frame.is_create and frame.status == "success" else 0
        return frame.status, frame.gas_left + deposit, bytes(frame.output)
    last = steps[-1]
    output = b""
    if last.name == "RETURN" and last.pops[1]:
        output = bytes(last.memory_accesses[0].data)
    return "success", last.gas_before - last.gas_cost, output


def _run_witness(i: int, tx: Transaction, trace: Any, block_env: Any = None,
                 tx_env: Any = None) -> tuple[np.ndarray, VmStatement]:
    from circuits.vm.proven import unproven_steps
    from circuits.vm.witness import WitnessError, build_trace as build_vm_trace
    from l2.evm_prove import environment_of, trace_to_steps

    bad = unproven_steps(trace)
    if bad:
        listed = ", ".join(f"{name} at pc {pc}" for name, pc in bad[:3])
        more = f" (and {len(bad) - 3} more)" if len(bad) > 3 else ""
        raise ValueError(f"transaction {i} executes what the execution circuit does not prove: {listed}{more}")
    read = next((_STATE_READS[s.opcode] for s in trace.steps if s.opcode in _STATE_READS), None)
    if read is not None:
        raise _unbound_reads(i, read)
    frame = trace.calls[0]
    status, gas_left, output = frame_result(trace)
    env = environment_of(frame, block_env, tx_env)
    # a value the code cannot read is stated as the default (see contract_effect)
    held = _instructions(bytes(frame.code))
    env = replace(env, **{_ENV_NAME[name]: default for name, default in _UNREAD.items()
                          if _PUSHED_BY[name] not in held})
    try:
        return build_vm_trace(frame.code, frame.gas, trace_to_steps(trace), status, gas_left, output, env=env)
    except WitnessError as exc:
        raise ValueError(f"transaction {i}: {exc}") from None


def _frames_witness(i: int, trace: Any, block_env: Any, tx_env: Any) -> list[ContractRun]:
    """Each frame's table of a contract call whose code calls other contracts (:mod:`l2.call_proofs`)."""
    from l2.call_proofs import frame_witnesses

    read = next((_STATE_READS[s.opcode] for s in trace.steps if s.opcode in _STATE_READS), None)
    if read is not None:
        raise _unbound_reads(i, read)
    if trace.calls[0].is_create:
        raise ValueError(f"transaction {i}: a deployment whose code calls other contracts is not proven yet")
    try:
        witnesses = frame_witnesses(trace, block_env, tx_env)
    except ValueError as exc:
        raise ValueError(f"transaction {i}: {exc}") from None
    return [ContractRun(i, w.statement, w.matrix) for w in witnesses]


def statements_by_transaction(runs: Sequence[ContractRun]) -> dict[int, tuple[VmStatement, ...]]:
    """{tx index: its frames' statements in call order} of the contract runs (in transaction order)."""
    out: dict[int, tuple[VmStatement, ...]] = {}
    for r in runs:
        out[r.index] = out.get(r.index, ()) + (r.statement,)
    return out


def batch_witness(txs_with_senders: Sequence[tuple[Transaction, bytes]], world_before: Any, block_env: Any,
                  deposits: Sequence[Any] = (), min_rows: int = 256) -> BatchWitness:
    """Replay the batch — ``deposits``, then the transactions — on ``world_before`` (a
    :class:`~l2.state.world.WorldState`, left unchanged) in ``block_env`` and build every table's
    witness (see the module docstring).

    Raises ValueError with a one-line reason naming the deposit or transaction it cannot prove.
    """
    from bridge.deposits import apply_deposits
    from l2.executor import InvalidTransaction, apply_transaction
    from l2.sequencer import state_tree
    from l2.vm import TxEnv
    from l2.vm.trace import TraceRecorder

    tree = state_tree(world_before)
    world = world_before.copy()
    apply_deposits(world, deposits)   # DepositError is a ValueError naming the deposit
    coinbase = bytes(block_env.coinbase)
    outcomes = []
    runs: list[ContractRun] = []
    used = 0
    for i, (tx, sender) in enumerate(txs_with_senders):
        deploy = tx.to is None
        contract = deploy or bool(world.get_code(tx.to))
        if contract:
            if tx.access_list:
                raise ValueError(f"transaction {i} has an access list: a contract transaction is proven from cold "
                                 "storage only")
            target = contract_address(sender, tx.nonce) if deploy else bytes(tx.to)
            if target == coinbase:
                raise ValueError(f"transaction {i}: its contract is the fee recipient (an account with code "
                                 "cannot be paid fees in a proven batch)")
            if deploy and world.account_exists(target):
                raise ValueError(f"transaction {i} deploys to 0x{target.hex()}, which already holds an account "
                                 "(only a deployment to an unused address is proven)")
        tracer = TraceRecorder() if contract else None
        try:
            outcome = apply_transaction(world, tx, sender, block_env, tracer=tracer,
                                        gas_available=block_env.gas_limit - used, cumulative_gas_used=used)
        except InvalidTransaction as exc:
            raise ValueError(f"transaction {i}: {exc}") from None
        used += outcome.gas_used
        outcomes.append(outcome)
        if contract:
            # the run saw the executor's block and TxEnv(origin=sender, gas_price=effective price)
            tx_env = TxEnv(origin=sender, gas_price=outcome.effective_gas_price)
            if len(outcome.trace.calls) > 1:
                runs += _frames_witness(i, outcome.trace, block_env, tx_env)
            else:
                matrix, statement = _run_witness(i, tx, outcome.trace, block_env, tx_env)
                runs.append(ContractRun(i, statement, matrix))

    inputs = batch_inputs(txs_with_senders, block_env.base_fee, coinbase, block_env.gas_limit,
                          statements_by_transaction(runs), deposits, block_env)
    tx_rows = inputs.transfers.transfers[len(deposits):]
    for i, (outcome, gas, ok, record) in enumerate(zip(outcomes, inputs.gas_used, inputs.success, tx_rows)):
        if (gas, ok, record.fee) != (outcome.gas_used, outcome.success, outcome.fee):
            raise ValueError(f"transaction {i}: the priced outcome (gas {gas}, success {ok}, fee {record.fee}) is "
                             f"not the executor's (gas {outcome.gas_used}, success {outcome.success}, "
                             f"fee {outcome.fee})")
    tables = transfer_batch(tree, inputs.transfers, min_rows, inputs.public_accesses)
    return BatchWitness(inputs, tuple(runs), tables, tuple(outcomes))
