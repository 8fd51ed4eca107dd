"""The execution circuit: an AIR whose constraints hold exactly when a trace is a correct EVM run.

Statement (:class:`VmStatement`): running ``code`` in one call frame with ``gas_limit`` gas halts with
``status`` (1 success, 2 revert, 3 exceptional halt) after using ``gas_used`` gas, returning ``output``
— the bytes at ``output_offset`` in memory, which the halting RETURN or REVERT names (empty output:
the offset is 0) — when called at ``address`` by ``caller`` with ``value`` wei and ``calldata``, in a
transaction from ``origin`` at ``gas_price`` in a block with ``chain_id``, ``block_number``,
``timestamp`` and ``base_fee``,
reading the storage slots ``storage_initial`` lists with those values and, on success, leaving them
as ``storage_final`` lists with ``refund`` on the refund counter, and executing exactly the KECCAK256
steps ``hashes`` lists (each read its message from memory and pushed its digest) and the LOG steps
``logs`` lists (each popped its topics and read its data from memory), reading ``self_balance`` as the
executing account's balance and the ``accounts`` listed (balance, code size and code hash of each address
read, at EIP-2929 warm/cold prices) and starting the ``transient_slots`` listed at zero.  The opcodes it covers are those
of :mod:`circuits.vm.proven`; a run executing any other opcode cannot be written into a trace that
satisfies these constraints (its bytecode entry has no selector).

Constraint groups, each in the module named like the VM's instruction file it mirrors:
:mod:`~circuits.vm.cpu` (selectors, gas, stack pointer, halting), :mod:`~circuits.vm.adder` with
:mod:`~circuits.vm.arithmetic`, :mod:`~circuits.vm.comparison`, :mod:`~circuits.vm.bitwise`,
:mod:`~circuits.vm.stack`, :mod:`~circuits.vm.control_flow`, :mod:`~circuits.vm.memory`,
:mod:`~circuits.vm.environment`, :mod:`~circuits.vm.copy`, :mod:`~circuits.vm.storage`,
:mod:`~circuits.vm.system`, :mod:`~circuits.vm.keccak` and :mod:`~circuits.vm.log` (with
:mod:`~circuits.vm.reads`, their memory reads into public entries), :mod:`~circuits.vm.linked` (ADDMOD,
MULMOD and EXP on two CPU rows) with :mod:`~circuits.vm.modular` and :mod:`~circuits.vm.exp` (their
chiplet rows), :mod:`~circuits.vm.accounts`, :mod:`~circuits.vm.transient` (with
:mod:`~circuits.vm.gaps`, their version chains' time gaps) and :mod:`~circuits.vm.returndata`; the chiplets (:mod:`~circuits.vm.chiplets`,
:mod:`~circuits.vm.bitwise_chiplet`, :mod:`~circuits.vm.shift_chiplet`,
:mod:`~circuits.vm.mul_chiplet`, :mod:`~circuits.vm.memory_chiplet`, :mod:`~circuits.vm.memory_words`,
:mod:`~circuits.vm.storage_chiplet`); and :mod:`~circuits.vm.bus` (the LogUp lookups, and the
memory-checking arguments of the stack, memory and storage).

Boundary assertions: row 0 starts at pc 0 with an empty stack and memory, the gas limit, a zero
refund counter, not halted and no copy or FINISH in progress; the last row is halted with the public status,
the gas left ``gas_limit − gas_used``, the public refund (on success) and an empty (drained) stack,
and holds no table entry.  The auxiliary assertions pin the table region to the public entries: S2
starts at 0 and ends at V = Σ_entries 1/(α − f), recomputed here from the statement; the fractions
that read the next row are 0 on the last row; EXP's exponent accumulator starts at 0.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from circuits import ext_kernels as ek
from circuits.air import Air, Assertion
from circuits.extension import Ext
from circuits.field import P
from circuits.values import BaseVec, Degree, ExtVec
from circuits.vm import (adder, arithmetic, bitwise_chiplet, bus, chiplets, comparison, control_flow, copy, cpu, environment,
                         keccak, log, memory, memory_chiplet, memory_words, mul_chiplet, reads, shift_chiplet,
                         signed_division, stack, storage, storage_chiplet, system)
from circuits.vm import exp, linked, modular
from circuits.vm import accounts, calls, gaps, returndata, static, transient
from circuits.vm import linked_witness
from circuits.vm.call_record import CallRecord, encode_call
from circuits.vm.expr import Constraint
from circuits.vm.layout import (AUX_EXP, AUX_MREQ, AUX_REQ, AUX_S, AUX_S2, AUX_SREQ, AUX_SVER, RF, STC, SUCC, AUX_TW, AUX_WIDTH, CLK, GAS, HALTED, LASTW, MAX_GAS,
                                MQ, MS, PC, SP, STATUS, T_E, WIDTH, Row, sel)
from circuits.vm.opcodes import ERROR, REVERTED, SUCCESS, Group
from circuits.vm.tables import CODE_PADDING, EntrySubset, Environment, StorageIO, beta_powers, entry_sum, fixed_entries

CONSTRAINT_MODULES = (cpu, adder, arithmetic, comparison, stack, control_flow, memory, environment, copy, storage, system, chiplets, bitwise_chiplet,
                      shift_chiplet, memory_chiplet, memory_words, storage_chiplet, mul_chiplet, signed_division,
                      reads, keccak, log, linked, modular, exp, accounts, transient, gaps, returndata, calls, static)
"""Main-trace constraint groups in evaluation order (the bus adds its own after them)."""

STATUS_NAMES = {SUCCESS: "success", REVERTED: "revert", ERROR: "error"}


@dataclass(frozen=True)
class VmStatement:
    """The public inputs of an execution proof."""

    code: bytes
    gas_limit: int
    status: int
    gas_used: int
    output: bytes = b""
    output_offset: int = 0
    calldata: bytes = b""
    caller: bytes = bytes(20)
    value: int = 0
    address: bytes = bytes(20)
    storage_initial: tuple[tuple[int, int], ...] = ()
    """(slot, value before the run) of every slot the run touches, by slot."""
    storage_final: tuple[tuple[int, int], ...] = ()
    """(slot, value after the run) of the same slots when the run succeeds; empty otherwise."""
    refund: int = 0
    """The refund counter at the end (EIP-3529, before the transaction's cap); 0 unless success."""
    origin: bytes | None = None
    """The transaction's sender, which ORIGIN pushes (None: the caller, as in a transaction's own frame)."""
    gas_price: int = 0
    """The transaction's effective gas price (GASPRICE)."""
    chain_id: int = 1
    block_number: int = 0
    timestamp: int = 0
    base_fee: int = 0
    """The block values CHAINID, NUMBER, TIMESTAMP and BASEFEE push (``l2.vm.BlockEnv()``'s by default)."""
    hashes: tuple[tuple[int, bytes, bytes], ...] = ()
    """(key, message, digest) of every KECCAK256 step that completed, in execution order: the step at
    trace row (clk) ``key`` read ``message`` from memory [offset, offset + size) and pushed ``digest``
    (32 bytes, big-endian).  That the digest is keccak-256 of the message is proven beside this
    circuit, by a Keccak table over :meth:`hash_messages` (see :mod:`circuits.vm.keccak`)."""
    logs: tuple[tuple[int, tuple[int, ...], bytes], ...] = ()
    """(key, topics, data) of every LOG step that completed, in execution order: the LOGn at trace row
    ``key`` popped the n ``topics`` (256-bit words, in pop order) and read ``data`` from memory, the
    emitting address being ``address``.  A run that reverts or fails still lists the LOGs it executed
    (a receipt drops them: the logs a run *emits* are these only on success)."""
    pcs: tuple[int, ...] | None = None
    """The pcs whose bytecode entries the table holds, increasing (None: every pc of the code) — the
    witness lists the pcs the run executes (see :class:`circuits.vm.tables.EntrySubset`)."""
    code_words: tuple[int, ...] | None = None
    """The offsets whose code words (CODECOPY's source) the table holds, increasing (None: all)."""
    self_balance: int = 0
    """The executing account's balance during the run, which SELFBALANCE pushes (the table holds it when
    the code has a SELFBALANCE byte; the witness states 0 when the run executes no SELFBALANCE)."""
    accounts: tuple[tuple[int, int, int, int], ...] = ()
    """(address, balance, code size, code hash) of every address BALANCE, EXTCODESIZE or EXTCODEHASH
    read, by address, as the run saw them (the code hash of an empty account 0, EIP-1052); each was read
    at least once, and the first read of each, cold unless it is warm at the start, paid 2600
    (:mod:`circuits.vm.accounts`)."""
    transient_slots: tuple[int, ...] = ()
    """The transient storage slots TLOAD or TSTORE touched, increasing (each starts at 0 in the
    transaction, :mod:`circuits.vm.transient`)."""
    and_keys: tuple[int, ...] | None = None
    """The AND-table entries the table holds, by index 16·x + y (None: all 256) — the nibble pairs
    the run's bitwise operations look up (see :class:`circuits.vm.tables.EntrySubset`)."""
    calldata_words: tuple[int, ...] | None = None
    """The offsets whose calldata words the table holds, increasing (None: every offset)."""
    returndata_sizes: tuple[tuple[int, int], ...] = ()
    """(key, size) of every RETURNDATASIZE step that completed, in execution order: the step at trace row
    ``key`` pushed ``size``, the length of the return data buffer then (the output of the frame's last
    call before it, or 0 before any call — checked where frames are put together)."""
    calls: tuple[CallRecord, ...] = ()
    """Every CALL, STATICCALL and CREATE step that completed, in execution order
    (:mod:`circuits.vm.call_record`)."""
    storage_original: tuple[int, ...] | None = None
    """The original value (when the transaction began, EIP-2200's) of each slot of ``storage_initial``,
    in its order; None when they are the values before the run (the transaction's own frame)."""
    storage_warm: tuple[int, ...] = ()
    """The slots of ``storage_initial`` already warm when the run starts (EIP-2929), increasing: those
    an earlier frame of the transaction touched (none in the transaction's own frame)."""
    static: bool = False
    """The frame is static (EIP-214: a STATICCALL's or a descendant's): its writes halt
    (:mod:`circuits.vm.static`)."""

    def __post_init__(self):
        if self.origin is None:
            object.__setattr__(self, "origin", self.caller)
        if self.status not in STATUS_NAMES:
            raise ValueError("status must be 1 (success), 2 (revert) or 3 (error)")
        if not 0 <= self.gas_used <= self.gas_limit < MAX_GAS:
            raise ValueError("need 0 ≤ gas_used ≤ gas_limit < 2^30")
        if self.output and self.status == ERROR:
            raise ValueError("an exceptional halt returns no output")
        if not (0 <= self.output_offset < MEMORY_BOUND and len(self.output) < MEMORY_BOUND):
            raise ValueError("output offset and size must be below 2^24")
        if not self.output and self.output_offset:
            raise ValueError("empty output has offset 0")
        if len(self.calldata) >= MEMORY_BOUND:
            raise ValueError("calldata must be shorter than 2^24 bytes")
        if len(self.caller) != 20 or len(self.address) != 20 or len(self.origin) != 20:
            raise ValueError("caller, address and origin are 20 bytes")
        if not all(0 <= v < 1 << 256 for v in (self.value, *self.block_values)):
            raise ValueError("value, gas price, chain id, block number, timestamp and base fee must be 256-bit words")
        slots = [s for s, _ in self.storage_initial]
        if slots != sorted(set(slots)) or not all(0 <= s < 1 << 256 and 0 <= v < 1 << 256
                                                  for s, v in (*self.storage_initial, *self.storage_final)):
            raise ValueError("initial storage: distinct 256-bit slots in increasing order, 256-bit values")
        if self.status == SUCCESS and [s for s, _ in self.storage_final] != slots:
            raise ValueError("final storage names the same slots as the initial storage")
        if self.status != SUCCESS and (self.storage_final or self.refund):
            raise ValueError("a run that does not succeed has no final storage and no refund")
        if not 0 <= self.refund < MAX_GAS:
            raise ValueError("refund must be below 2^30")
        keys = [k for k, _, _ in self.hashes]
        if keys != sorted(set(keys)) or not all(0 <= k < MAX_KEY for k in keys):
            raise ValueError("hash keys: distinct, increasing, below 2^24")
        if not all(isinstance(m, bytes) and isinstance(d, bytes) and len(m) < MEMORY_BOUND and len(d) == 32
                   for _, m, d in self.hashes):
            raise ValueError("a hash is a message shorter than 2^24 bytes and a 32-byte digest")
        keys = [k for k, _, _ in self.logs]
        if keys != sorted(set(keys)) or not all(0 <= k < MAX_KEY for k in keys):
            raise ValueError("log keys: distinct, increasing, below 2^24")
        if not all(isinstance(d, bytes) and len(d) < MEMORY_BOUND and isinstance(t, tuple) and len(t) <= 4
                   and all(isinstance(w, int) and 0 <= w < 1 << 256 for w in t) for _, t, d in self.logs):
            raise ValueError("a log is at most four 256-bit topics and data shorter than 2^24 bytes")
        for name, chosen, bound in (("pcs", self.pcs, len(self.code) + CODE_PADDING),
                                    ("code words", self.code_words, len(self.code))):
            if chosen is not None and (list(chosen) != sorted(set(chosen)) or not all(0 <= i < bound for i in chosen)):
                raise ValueError(f"{name}: distinct, increasing, inside the code")
        if not 0 <= self.self_balance < 1 << 256:
            raise ValueError("self balance must be a 256-bit word")
        addresses = [a for a, *_ in self.accounts]
        if addresses != sorted(set(addresses)) or not all(
                len(entry) == 4 and all(isinstance(v, int) for v in entry) and 0 <= entry[0] < 1 << 160
                and 0 <= entry[2] < 1 << 32 and all(0 <= v < 1 << 256 for v in entry) for entry in self.accounts):
            raise ValueError("accounts: distinct 160-bit addresses in increasing order, 256-bit balance and code "
                             "hash, code size below 2^32")
        for name, chosen, bound in (("AND keys", self.and_keys, 256), ("calldata words", self.calldata_words,
                                                                     len(self.calldata))):
            if chosen is not None and (list(chosen) != sorted(set(chosen)) or not all(0 <= i < bound for i in chosen)):
                raise ValueError(f"{name}: distinct, increasing, inside their table")
        slots = list(self.transient_slots)
        if slots != sorted(set(slots)) or not all(isinstance(s, int) and 0 <= s < 1 << 256 for s in slots):
            raise ValueError("transient slots: distinct 256-bit words in increasing order")
        keys = [k for k, _ in self.returndata_sizes]
        if keys != sorted(set(keys)) or not all(0 <= k < MAX_KEY and 0 <= n < MEMORY_BOUND
                                                for k, n in self.returndata_sizes):
            raise ValueError("return data sizes: distinct increasing keys below 2^24, sizes below 2^24")
        if self.storage_original is not None and (
                len(self.storage_original) != len(self.storage_initial)
                or not all(isinstance(v, int) and 0 <= v < 1 << 256 for v in self.storage_original)):
            raise ValueError("original storage: one 256-bit value per slot of the initial storage")
        warm = list(self.storage_warm)
        if warm != sorted(set(warm)) or not set(warm) <= {s for s, _ in self.storage_initial}:
            raise ValueError("warm slots: distinct, increasing, among the slots the run touches")
        keys = [c.key for c in self.calls]
        if (not all(isinstance(c, CallRecord) for c in self.calls) or keys != sorted(set(keys))
                or not all(k < MAX_KEY for k in keys)):
            raise ValueError("calls: call records with distinct increasing keys below 2^24")

    @property
    def subset(self) -> EntrySubset:
        return EntrySubset(self.pcs, self.code_words, self.and_keys, self.calldata_words)

    @property
    def storage(self) -> StorageIO:
        return StorageIO(self.storage_initial, self.storage_final, self.storage_original, self.storage_warm)

    @property
    def block_values(self) -> tuple[int, int, int, int, int]:
        """(gas price, chain id, block number, timestamp, base fee): the 32-byte words after origin."""
        return self.gas_price, self.chain_id, self.block_number, self.timestamp, self.base_fee

    @property
    def environment(self) -> Environment:
        return Environment(int.from_bytes(self.address, "big"), int.from_bytes(self.caller, "big"), self.value,
                           self.calldata, int.from_bytes(self.origin, "big"), self.gas_price, self.block_number,
                           self.timestamp, self.chain_id, self.base_fee, self.self_balance)

    def to_bytes(self) -> bytes:
        return (struct.pack("<I", len(self.code)) + self.code
                + struct.pack("<QBQII", self.gas_limit, self.status, self.gas_used, self.output_offset,
                              len(self.output)) + self.output
                + self.address + self.caller + self.value.to_bytes(32, "big")
                + self.origin + b"".join(v.to_bytes(32, "big") for v in self.block_values)
                + struct.pack("<I", len(self.calldata)) + self.calldata
                + struct.pack("<II", len(self.storage_initial), self.refund)
                + b"".join(s.to_bytes(32, "big") + v.to_bytes(32, "big") for s, v in self.storage_initial)
                + b"".join(v.to_bytes(32, "big") for _, v in self.storage_final)
                + struct.pack("<I", len(self.hashes))
                + b"".join(struct.pack("<II", k, len(m)) + m + d for k, m, d in self.hashes)
                + struct.pack("<I", len(self.logs))
                + b"".join(struct.pack("<IB", k, len(t)) + b"".join(w.to_bytes(32, "big") for w in t)
                           + struct.pack("<I", len(d)) + d for k, t, d in self.logs)
                + _encode_subset(self.pcs) + _encode_subset(self.code_words)
                + self.self_balance.to_bytes(32, "big") + struct.pack("<I", len(self.accounts))
                + b"".join(a.to_bytes(20, "big") + b.to_bytes(32, "big") + struct.pack("<I", size) + h.to_bytes(32, "big")
                           for a, b, size, h in self.accounts)
                + struct.pack("<I", len(self.transient_slots))
                + b"".join(slot.to_bytes(32, "big") for slot in self.transient_slots)
                + _encode_subset(self.and_keys) + _encode_subset(self.calldata_words)
                + struct.pack("<I", len(self.returndata_sizes))
                + b"".join(struct.pack("<II", k, n) for k, n in self.returndata_sizes)
                + struct.pack("<I", len(self.calls)) + b"".join(encode_call(c) for c in self.calls)
                + (b"\x00" if self.storage_original is None
                   else b"\x01" + b"".join(v.to_bytes(32, "big") for v in self.storage_original))
                + struct.pack("<I", len(self.storage_warm)) + b"".join(s.to_bytes(32, "big") for s in self.storage_warm)
                + bytes([int(self.static)]))

    def hash_messages(self) -> list[bytes]:
        """The messages of :attr:`hashes`, in execution order (what the Keccak table hashes)."""
        return [m for _, m, _ in self.hashes]

    def as_dict(self) -> dict:
        return {"code": "0x" + self.code.hex(), "gas_limit": self.gas_limit, "status": STATUS_NAMES[self.status],
                "gas_used": self.gas_used, "output": "0x" + self.output.hex(), "output_offset": self.output_offset,
                "address": "0x" + self.address.hex(), "caller": "0x" + self.caller.hex(), "value": self.value,
                "calldata": "0x" + self.calldata.hex(), "origin": "0x" + self.origin.hex(),
                "gas_price": self.gas_price, "chain_id": self.chain_id, "block_number": self.block_number,
                "timestamp": self.timestamp, "base_fee": self.base_fee,
                "storage_initial": {hex(s): hex(v) for s, v in self.storage_initial},
                "storage_final": {hex(s): hex(v) for s, v in self.storage_final}, "refund": self.refund,
                "hashes": [{"key": k, "message": "0x" + m.hex(), "digest": "0x" + d.hex()} for k, m, d in self.hashes],
                "logs": [{"key": k, "address": "0x" + self.address.hex(), "topics": [hex(t) for t in ts],
                          "data": "0x" + d.hex()} for k, ts, d in self.logs],
                "self_balance": self.self_balance,
                "accounts": [{"address": "0x" + a.to_bytes(20, "big").hex(), "balance": b, "code_size": size,
                              "code_hash": "0x" + h.to_bytes(32, "big").hex()} for a, b, size, h in self.accounts],
                "transient_slots": [hex(s) for s in self.transient_slots]}


def _encode_subset(chosen: tuple[int, ...] | None) -> bytes:
    """count u32 (0xFFFFFFFF: all) | index u32 × count."""
    if chosen is None:
        return struct.pack("<I", ALL_ENTRIES)
    return struct.pack(f"<I{len(chosen)}I", len(chosen), *chosen)


ALL_ENTRIES = 0xFFFFFFFF
"""The count that encodes a subset of None (every entry)."""
MEMORY_BOUND = 1 << 24
"""Memory offsets and returned sizes the circuit proves stay below this (see :mod:`circuits.vm.memory`)."""
MAX_KEY = 1 << 24
"""Hash and log keys are trace rows (clk), below 2^22 in any trace."""


def _all_main(cur: Row, nxt: Row) -> list[Constraint]:
    out: list[Constraint] = []
    for module in CONSTRAINT_MODULES:
        out += module.constraints(cur, nxt)
    out += bus.main_constraints(cur, nxt)
    return out


@lru_cache(maxsize=64)
def _table_sum(code: bytes, output_offset: int, output: bytes, env: Environment, storage: StorageIO, alpha: tuple,
               beta: tuple, hashes: tuple = (), logs: tuple = (), subset: EntrySubset | None = None,
               accounts: tuple = (), transient: tuple = (), sizes: tuple = (), calls: tuple = ()) -> Ext:
    return entry_sum(fixed_entries(code, output_offset, output, env, storage, hashes, logs, subset, accounts,
                                   transient, sizes, calls), Ext(alpha), Ext(beta))


class VmAir(Air):
    """The EVM execution AIR (single call frame; see :mod:`circuits.vm.proven` for the opcodes)."""

    name = "evm-execution/v3"
    width = WIDTH
    aux_width = AUX_WIDTH
    num_challenges = 2
    min_trace_length = 512

    def __init__(self):
        sym = Row([Degree(1)] * WIDTH)
        main = _all_main(sym, sym)
        self._names = [c.name for c in main]
        self._degrees = [c.degree for c in main]
        self._cyclic = frozenset(i for i, c in enumerate(main) if c.cyclic)
        chal = [Ext.zero(), Ext.zero()]
        aux_sym = [Degree(1)] * AUX_WIDTH
        aux = bus.aux_constraints(sym, sym, aux_sym, aux_sym, chal[0], beta_powers(chal[1], bus.NUM_BETAS))
        self._aux_names = [c.name for c in aux]
        self._aux_degrees = [c.degree for c in aux]
        self._aux_cyclic = frozenset(i for i, c in enumerate(aux) if c.cyclic)
        betas = beta_powers(chal[1], bus.NUM_BETAS)
        self._fingerprint_checks = (len(linked.aux_constraints(sym, sym, betas)) + len(modular.aux_constraints(sym, sym, betas))
                                    + len(exp.aux_constraints(sym, sym, aux_sym[0], aux_sym[0], betas)))

    # ---- statement -----------------------------------------------------------------------------
    def public_inputs_bytes(self, pi: VmStatement) -> bytes:
        return b"evm-statement" + pi.to_bytes()

    def security_loss_bits(self, trace_length: int) -> float:
        # LogUp with β-compressed tuples: the cleared identity has degree ≤ (fractions) · (tuple length)
        # in (α, β), so a false one survives with probability ≤ that over |F| (Schwartz–Zippel); each
        # row's fingerprint equalities of ADDMOD, MULMOD and EXP (a polynomial in β of degree below the
        # tuple length) add theirs.
        checks = bus.FRACTIONS_PER_ROW + self._fingerprint_checks
        return math.log2(checks * trace_length * bus.LONGEST_TUPLE)

    # ---- main trace ----------------------------------------------------------------------------
    def transition_names(self):
        return list(self._names)

    def transition_degrees(self):
        return list(self._degrees)

    def cyclic_transitions(self):
        return self._cyclic

    def evaluate_transition(self, cur, nxt, pi):
        return [c.expr for c in _all_main(Row(cur), Row(nxt))]

    def assertions(self, pi: VmStatement, n: int) -> list[Assertion]:
        last = n - 1
        return [
            Assertion(CLK, 0, 0, "clk starts at 0"),
            Assertion(PC, 0, 0, "pc starts at 0"),
            Assertion(SP, 0, 0, "the stack starts empty"),
            Assertion(GAS, 0, pi.gas_limit, "gas starts at the gas limit"),
            Assertion(HALTED, 0, 0, "row 0 is a step"),
            Assertion(STATUS, 0, 0, "status starts at 0"),
            Assertion(MS, 0, 0, "memory starts empty"),
            Assertion(MQ, 0, 0, "memory's quadratic cost starts at 0"),
            Assertion(LASTW, 0, P - 1, "no word row before the first"),
            Assertion(sel(Group.COPYSIZE), 0, 0, "row 0 is no copy's continuation (size)"),
            Assertion(sel(Group.COPYUNIT), 0, 0, "row 0 is no copy's continuation (unit)"),
            Assertion(sel(Group.FINISH), 0, 0, "row 0 is no FINISH"),
            Assertion(RF, 0, 0, "the refund counter starts at 0"),
            Assertion(SUCC, 0, 0, "succ starts at 0"),
            Assertion(STC, 0, int(pi.static), "the frame is static as stated"),
            Assertion(HALTED, last, 1, "the run has halted"),
            Assertion(STATUS, last, pi.status, "status is the public status"),
            Assertion(GAS, last, pi.gas_limit - pi.gas_used, "gas left = gas limit − gas used"),
            Assertion(SP, last, 0, "the stack is drained"),
            Assertion(T_E, last, 0, "the last row holds no table entry"),
        ] + ([Assertion(RF, last, pi.refund, "the refund counter ends at the public refund")]
             if pi.status == SUCCESS else [])

    # ---- auxiliary trace -----------------------------------------------------------------------
    def aux_transition_names(self):
        return list(self._aux_names)

    def aux_transition_degrees(self):
        return list(self._aux_degrees)

    def cyclic_aux_transitions(self):
        return self._aux_cyclic

    def evaluate_aux_transition(self, cur, nxt, aux_cur, aux_nxt, challenges, pi):
        alpha, beta = challenges
        return [c.expr for c in bus.aux_constraints(Row(cur), Row(nxt), aux_cur, aux_nxt, alpha,
                                                     beta_powers(beta, bus.NUM_BETAS))]

    def aux_assertions(self, challenges, pi: VmStatement, n: int) -> list[Assertion]:
        alpha, beta = challenges
        v = _table_sum(pi.code, pi.output_offset, pi.output, pi.environment, pi.storage, alpha.c, beta.c, pi.hashes,
                       pi.logs, pi.subset, pi.accounts, pi.transient_slots, pi.returndata_sizes, pi.calls)
        return [Assertion(AUX_S2, 0, Ext.zero(), "S2 starts at 0"),
                Assertion(AUX_S2, n - 1, v, "S2 ends at the public table sum"),
                Assertion(AUX_REQ, n - 1, Ext.zero(), "no chiplet fraction on the last row"),
                Assertion(AUX_MREQ, n - 1, Ext.zero(), "no memory request fraction on the last row"),
                Assertion(AUX_SREQ, n - 1, Ext.zero(), "no storage request fraction on the last row"),
                Assertion(AUX_SVER, n - 1, Ext.zero(), "no storage version fraction on the last row"),
                Assertion(AUX_EXP, 0, Ext.zero(), "the exponent accumulator starts at 0")]

    def build_aux_trace(self, main: np.ndarray, challenges, pi) -> np.ndarray:
        n = main.shape[0]
        alpha, beta = challenges
        betas = beta_powers(beta, bus.NUM_BETAS)
        cur = Row([BaseVec(np.ascontiguousarray(main[:, j], dtype=np.uint64)) for j in range(WIDTH)])
        nxt = Row([BaseVec(np.roll(main[:, j], -1).astype(np.uint64)) for j in range(WIDTH)])
        a = np.broadcast_to(alpha.to_array(), (n, 5))
        out = np.zeros((n, AUX_WIDTH, 5), dtype=np.uint64)

        def inverse(f) -> np.ndarray:
            fv = f.v if isinstance(f, ExtVec) else np.broadcast_to(Ext(f).to_array(), (n, 5))
            diff = ek.ext_sub(a.copy(), fv)
            return ek.ext_batch_inv_chunked(diff, 8) if n >= 1 << 14 else ek.ext_batch_inv(diff)

        def times(num, inv: np.ndarray) -> np.ndarray:
            if isinstance(num, int):
                return (inv * np.uint64(num % P)) % np.uint64(P)
            return (inv * num.v[:, None]) % np.uint64(P)

        step = np.zeros((n, 5), dtype=np.uint64)
        for col, fr in zip(bus.INVERSE_COLUMNS, bus.fractions(cur, nxt, betas)):
            h = np.zeros((n, 5), dtype=np.uint64)
            for num, f in fr:
                h = ek.ext_add(h, times(num, inverse(f)))
            out[:, col] = h
            step = ek.ext_add(step, h)
        w = inverse(bus.table_fp(cur, betas))
        out[:, AUX_TW] = w
        step = ek.ext_sub(step, (w * cur.m.v[:, None]) % np.uint64(P))
        out[1:, AUX_S] = _prefix(step)[:-1]
        out[1:, AUX_S2] = _prefix((w * cur.e.v[:, None]) % np.uint64(P))[:-1]
        out[:, AUX_EXP] = linked_witness.exponent_accumulator(main, beta)
        return out


def _prefix(delta: np.ndarray) -> np.ndarray:
    """Inclusive prefix sums mod p of an (n, 5) array (terms < 2^31, so 2^33 of them fit in uint64)."""
    return np.cumsum(delta, axis=0, dtype=np.uint64) % np.uint64(P)
