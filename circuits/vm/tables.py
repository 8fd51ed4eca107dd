"""The fixed entries every execution proof looks up: byte range entries and the program's bytecode.

Entries are tuples of up to 16 field elements whose first field is a tag, compressed with the
challenge β into one fingerprint ``f = Σ_j β^j · field_j``:

* ``(TAG_RANGE, v)`` for v = 0 … 255 — every byte limb of the trace is looked up here;
* ``(TAG_CODE, pc, group, n, jd, c_0 … c_10)`` for pc = 0 … len(code) + 32 — the byte at pc (code
  padded with 33 zero bytes, which is how the EVM reads past the end: STOP, and PUSH data of zeros)
  as its :class:`~circuits.vm.opcodes.Group` code, the n of PUSHn/DUPn/SWAPn, whether pc is a valid
  jump destination (a JUMPDEST byte that is not PUSH data), and for PUSH opcodes the pushed word in
  eleven 3-byte chunks (c_k = b_{3k} + 2^8 b_{3k+1} + 2^16 b_{3k+2}, little-endian bytes);
* ``(TAG_AND, x + 2^9 y + 2^18 (x AND y))`` for every pair of nibbles x, y — the bitwise chiplet's
  table (:mod:`circuits.vm.bitwise_chiplet`), present when the code holds an AND, OR or XOR byte;
* ``(TAG_JDGAP, lo, hi)`` for every maximal run [lo, hi] of pcs below 2^16 that are not valid jump
  destinations — how a jump to an invalid destination is proven (:mod:`circuits.vm.control_flow`),
  present when the code holds a JUMP or JUMPI byte;
* the returned data, when the statement has some (:mod:`circuits.vm.memory`): ``(TAG_RETCALL,
  offset, size)``, the region the halting RETURN or REVERT names, and for every 32-byte memory word w
  the region overlaps ``(TAG_OUT, w, c_0 … c_10, mask_lo, mask_hi)`` — the word's bytes inside the
  region (others 0) in 3-byte chunks and which bytes those are (a bit per limb, 16 per field).

* the call's environment (:mod:`circuits.vm.environment`): ``(TAG_ENV + group, 0, c_0 … c_10)`` with the
  value ADDRESS, CALLER, CALLVALUE, CALLDATASIZE, CODESIZE, ORIGIN, GASPRICE, NUMBER, TIMESTAMP,
  CHAINID or BASEFEE pushes (in :data:`circuits.vm.environment.VALUES` order); when the code holds a
  CALLDATALOAD or CALLDATACOPY byte, ``(TAG_ENV + CALLDATALOAD, i, c_0 … c_10)`` with the 32 calldata
  bytes from i (zero-padded) for every i in [0, length), and ``(TAG_CDEND, length)``;
  when it holds a CODECOPY byte, the same for the code with ``TAG_CODEWORD`` and ``TAG_CODEEND``.

* the storage the run touches (:mod:`circuits.vm.storage`): ``(TAG_SINIT, slot, value)`` with each
  touched slot's value before the run and, when the run succeeds, ``(TAG_SFINAL, slot, value)`` with
  its value after — slot and value each in eleven 3-byte chunks; all must be looked up exactly once.

* the hashes and logs of the run (:mod:`circuits.vm.reads`), all looked up exactly once: for each
  KECCAK256 step ``(TAG_HASH, key, size, digest in 3-byte chunks)``, for each LOG step ``(TAG_LOG,
  key, size, n)`` and ``(TAG_LOGTOPIC, key, i, topic i in 3-byte chunks)`` for i < n, and for each
  unit the message or data is read in ``(TAG_HASHDATA or TAG_LOGDATA, key, position, the 32 bytes
  from position in 3-byte chunks, 0)`` (whole words, from position 0) or ``(…, key, position, 0 × 11,
  the byte)`` (the last size mod 32 bytes, one by one) — key being the step's clk.

* the accounts the run reads (:mod:`circuits.vm.accounts`): ``(TAG_ACCOUNT + group, address in seven
  3-byte chunks, value in eleven)`` with each listed account's balance, code size and code hash (the
  groups of BALANCE, EXTCODESIZE, EXTCODEHASH), its once-entry ``(TAG_AINIT, address, [warm at the
  start])``, and, when the code holds a SELFBALANCE byte, ``(TAG_ACCOUNT + SELFBALANCE, 0, the executing
  account's balance)``; the transient slots the run touches (:mod:`circuits.vm.transient`), each a
  once-entry ``(TAG_TINIT, slot in eleven chunks)``.

Every entry also carries a 25th field, *once*: 1 for the returned-data, storage, hash, log, account
start and transient slot entries, which must each be looked up exactly once (the constraint once · (m − 1) = 0), so all of
them are checked; 0 for the others, which may be looked up any number of times.

The trace holds these entries in its table region, flagged by a column E.  The verifier does not see
that region; it recomputes V = Σ_entries 1/(α − f) from the public code and checks that the rows
flagged E sum to exactly V, so the region holds exactly these entries (see :mod:`circuits.vm.bus`).
Stack-bus tuples carry ``TAG_STACK`` so they can never be confused with a table entry.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from circuits import ext_kernels as ek
from circuits.extension import Ext
from circuits.field import P
from circuits.vm.opcodes import GROUP_OF_BYTE, Group, immediate_n

TAG_RANGE = 1
TAG_CODE = 2
TAG_STACK = 3
TAG_AND = 4
TAG_JDGAP = 5
TAG_MEM = 6
TAG_RETCALL = 7
TAG_OUT = 8
TAG_CDEND = 9
TAG_CODEWORD = 10
TAG_CODEEND = 11
TAG_BUF = 12
TAG_SINIT = 13
TAG_SFINAL = 14
TAG_SLOT = 15
"""Storage versions (slot, time, value, original value, warm) on the storage bus (no table entry)."""
TAG_SREQ = 512
"""Storage requests carry TAG_SREQ + the group code of SLOAD or SSTORE."""
"""MCOPY's buffer: words its reads produce and its writes consume (no table entry)."""
TAG_ENV = 256
"""Environment entries carry TAG_ENV + the group code of the opcode that reads them (see
:mod:`circuits.vm.environment`)."""
TAG_MEMREQ = 128
"""Memory requests carry TAG_MEMREQ + the group code of the opcode (see :mod:`circuits.vm.memory`)."""
TAG_REQUEST = 64
"""Chiplet requests carry TAG_REQUEST + the group code of the opcode (see :mod:`circuits.vm.chiplets`)."""
TAG_HASH = 40
TAG_HASHDATA = 41
TAG_LOG = 42
TAG_LOGTOPIC = 43
TAG_LOGDATA = 44
"""KECCAK256's and LOG's public entries (see :func:`read_entries` and :mod:`circuits.vm.reads`)."""
TAG_AINIT = 45
TAG_TINIT = 47
"""The accounts' and transient slots' once-entries (:func:`account_entries`, :func:`transient_entries`)."""
TAG_AVER = 46
TAG_TVER = 48
TAG_GAP = 49
"""Account and transient versions and their time gaps, on the bus only (:mod:`circuits.vm.accounts`,
:mod:`circuits.vm.transient`, :mod:`circuits.vm.gaps`)."""
TAG_CALL = 50
TAG_CALLARG = 51
TAG_CALLIN = 52
TAG_CALLEND = 53
TAG_CALLOUT = 54
TAG_RDSIZE = 55
TAG_SORIG = 56
"""A storage slot's original value (its value when the transaction began): (TAG_SORIG, slot, original)."""
"""A call's public entries (:func:`call_entries`, :mod:`circuits.vm.calls`) and RETURNDATASIZE's
(:func:`returndata_entries`)."""
TAG_ACCOUNT = 1024
"""Account value entries carry TAG_ACCOUNT + the group code of the opcode that reads them."""

FIELDS = 24
ONCE = FIELDS
"""Index of the *once* flag in an entry row (entries are FIELDS + 1 wide)."""
ENTRY_WIDTH = FIELDS + 1
CHUNKS = 11
CODE_PADDING = 33
"""Zero bytes appended to the code: the farthest a step can reach is a PUSH32 at the last byte."""
MAX_CODE_SIZE = (1 << 16) - CODE_PADDING
"""pc stays below 2^16, so a jump target is its low two bytes."""

_JUMPDEST = 0x5B
JUMP_SPACE = 1 << 16
"""Jump targets the gap entries cover: a larger target is invalid by its high bytes alone."""
AND_SHIFT = 9
"""Field spacing of an AND key: x + 2^9 y + 2^18 (x AND y) (9 bits, so OR and XOR derive soundly)."""
BITWISE_BYTES = frozenset({0x16, 0x17, 0x18})
JUMP_BYTES = frozenset({0x56, 0x57})
CALLDATALOAD_BYTE = 0x35
CALLDATA_READS = frozenset({0x35, 0x37})
"""CALLDATALOAD and CALLDATACOPY: the code needs the calldata words."""
CODECOPY_BYTE = 0x39


@dataclass(frozen=True)
class Environment:
    """What a call sees of its context: the executing address, the caller (as integers), the value
    sent and the calldata; the transaction's origin (None: the caller, as for a transaction's own
    frame) and gas price; the block's number, timestamp, chain id and base fee.  The defaults are
    ``l2.vm.BlockEnv()``'s and ``l2.vm.TxEnv``'s (chain id 1, the others 0)."""

    address: int = 0
    caller: int = 0
    value: int = 0
    calldata: bytes = b""
    origin: int | None = None
    gas_price: int = 0
    number: int = 0
    timestamp: int = 0
    chain_id: int = 1
    base_fee: int = 0
    self_balance: int = 0
    """The executing account's balance, which SELFBALANCE pushes (:mod:`circuits.vm.accounts`)."""

    def __post_init__(self):
        if self.origin is None:
            object.__setattr__(self, "origin", self.caller)


def word_chunks(value: int) -> list[int]:
    """A word's eleven 3-byte chunks (little-endian)."""
    b = value.to_bytes(33, "little")
    return [b[3 * k] | b[3 * k + 1] << 8 | b[3 * k + 2] << 16 for k in range(CHUNKS)]


def range_entries() -> np.ndarray:
    out = np.zeros((256, ENTRY_WIDTH), dtype=np.uint64)
    out[:, 0] = TAG_RANGE
    out[:, 1] = np.arange(256)
    return out


def jumpdest_flags(code: bytes) -> np.ndarray:
    """1 at every valid jump destination (a JUMPDEST byte reached by the instruction scan, not PUSH
    data), for pc in [0, len(code) + 33)."""
    out = np.zeros(len(code) + CODE_PADDING, dtype=np.uint64)
    pc = 0
    while pc < len(code):
        op = code[pc]
        if op == _JUMPDEST:
            out[pc] = 1
        elif 0x60 <= op <= 0x7F:
            pc += op - 0x5F
        pc += 1
    return out


def and_key(x, y):
    """The AND table's key of nibbles (or bytes, then it is the packed form a byte pair reconstructs)."""
    return x + (y << AND_SHIFT) + ((x & y) << (2 * AND_SHIFT))


def and_entries(keys: tuple[int, ...] | None = None) -> np.ndarray:
    """(TAG_AND, and_key(x, y)) for every nibble pair, or for the pairs 16·x + y of ``keys``."""
    index = np.arange(256, dtype=np.uint64) if keys is None else np.asarray(keys, dtype=np.uint64)
    x, y = np.divmod(index, np.uint64(16))
    out = np.zeros((len(index), ENTRY_WIDTH), dtype=np.uint64)
    out[:, 0] = TAG_AND
    out[:, 1] = and_key(x, y)
    return out


def jumpdest_gaps(code: bytes) -> np.ndarray:
    """(lo, hi) of each maximal run of invalid jump destinations in [0, 2^16), as an (m, 2) array."""
    valid = np.nonzero(jumpdest_flags(code))[0].astype(np.int64)
    starts = np.concatenate([[0], valid + 1])
    ends = np.concatenate([valid - 1, [JUMP_SPACE - 1]])
    keep = starts <= ends
    return np.stack([starts[keep], ends[keep]], axis=1)


def gap_entries(code: bytes) -> np.ndarray:
    gaps = jumpdest_gaps(code)
    out = np.zeros((len(gaps), ENTRY_WIDTH), dtype=np.uint64)
    out[:, 0] = TAG_JDGAP
    out[:, 1:3] = gaps
    return out


@dataclass(frozen=True)
class EntrySubset:
    """Which of the code's own entries the table holds: the bytecode entries of ``pcs`` and the code
    words (CODECOPY's source) at ``code_words``; None holds them all.

    Any subset is sound — every looked-up tuple must still be an entry the verifier computes from
    the code, so leaving entries out can only make a trace unprovable — and it keeps the table
    region short: a contract of a few kilobytes that runs a few hundred steps needs a few hundred
    bytecode entries, not one per byte of its code, a few calldata words and a few AND keys (a
    928-byte Vyper ERC-20 transfer: 4,096 trace rows with every entry, 1,024 with the pcs it runs,
    512 with its calldata words and AND keys too)."""

    pcs: tuple[int, ...] | None = None
    code_words: tuple[int, ...] | None = None
    and_keys: tuple[int, ...] | None = None
    """AND-table entries by index 16·x + y (nibbles x, y) — the bitwise chiplet's keys."""
    calldata_words: tuple[int, ...] | None = None
    """Calldata words by offset — CALLDATALOAD's and CALLDATACOPY's reads."""


def code_entries(code: bytes, pcs: tuple[int, ...] | None = None) -> np.ndarray:
    """One entry per pc in [0, len(code) + 33) (or per pc of ``pcs``), computed from the code alone."""
    if len(code) > MAX_CODE_SIZE:
        raise ValueError(f"code longer than {MAX_CODE_SIZE} bytes")
    padded = code + bytes(CODE_PADDING)
    size = len(code) + CODE_PADDING
    out = np.zeros((size, ENTRY_WIDTH), dtype=np.uint64)
    raw = np.frombuffer(padded, dtype=np.uint8)[:size]
    out[:, 0] = TAG_CODE
    out[:, 1] = np.arange(size)
    out[:, 2] = np.asarray(GROUP_OF_BYTE, dtype=np.uint64)[raw]
    n_table = np.array([immediate_n(b) for b in range(256)], dtype=np.uint64)
    out[:, 3] = n_table[raw]
    out[:, 4] = jumpdest_flags(code)
    # push values of every PUSH byte (as if executed there): the next n bytes, big-endian
    for pc in np.nonzero((raw >= 0x60) & (raw <= 0x7F))[0]:
        width = int(raw[pc]) - 0x5F
        value = int.from_bytes(padded[pc + 1:pc + 1 + width], "big")
        out[pc, 5:5 + CHUNKS] = word_chunks(value)
    return out if pcs is None else out[np.asarray(pcs, dtype=np.int64)]


def output_words(offset: int, size: int) -> range:
    """The 32-byte memory words the region [offset, offset + size) overlaps."""
    return range(offset >> 5, ((offset + size - 1) >> 5) + 1) if size else range(0)


def output_entries(offset: int, output: bytes) -> np.ndarray:
    """The RETCALL entry and one OUT entry per memory word of the returned region (none when empty)."""
    if not output:
        return np.zeros((0, ENTRY_WIDTH), dtype=np.uint64)
    words = output_words(offset, len(output))
    out = np.zeros((1 + len(words), ENTRY_WIDTH), dtype=np.uint64)
    out[:, ONCE] = 1
    out[0, :3] = (TAG_RETCALL, offset, len(output))
    for i, w in enumerate(words):
        masked, mask = word_window(w, offset, output)
        out[1 + i, :2] = (TAG_OUT, w)
        out[1 + i, 2:2 + CHUNKS] = word_chunks(int.from_bytes(bytes(masked), "little"))
        out[1 + i, 2 + CHUNKS] = sum(bit << k for k, bit in enumerate(mask[:16]))
        out[1 + i, 3 + CHUNKS] = sum(bit << k for k, bit in enumerate(mask[16:]))
    return out


def word_window(w: int, offset: int, output: bytes) -> tuple[list[int], list[int]]:
    """(masked limbs, mask bits) of memory word w against the returned region: limb l is the byte at
    address 32w + 31 − l, kept (bit 1) when the address lies in [offset, offset + len(output))."""
    masked, mask = [0] * 32, [0] * 32
    for limb in range(32):
        address = 32 * w + 31 - limb
        if offset <= address < offset + len(output):
            masked[limb], mask[limb] = output[address - offset], 1
    return masked, mask


def environment_entries(code: bytes, env: Environment, code_words: tuple[int, ...] | None = None,
                        calldata_words: tuple[int, ...] | None = None) -> np.ndarray:
    """The environment values, the calldata words when the code holds a CALLDATALOAD byte, and the
    code words (all, or those at ``code_words``) and the code's end when it holds a CODECOPY byte."""
    values = [(Group.ADDRESS, env.address), (Group.CALLER, env.caller), (Group.CALLVALUE, env.value),
              (Group.CALLDATASIZE, len(env.calldata)), (Group.CODESIZE, len(code)), (Group.ORIGIN, env.origin),
              (Group.GASPRICE, env.gas_price), (Group.NUMBER, env.number), (Group.TIMESTAMP, env.timestamp),
              (Group.CHAINID, env.chain_id), (Group.BASEFEE, env.base_fee)]
    rows = []
    for g, value in values:
        row = np.zeros(ENTRY_WIDTH, dtype=np.uint64)
        row[0] = TAG_ENV + int(g)
        row[2:2 + CHUNKS] = word_chunks(value)
        rows.append(row)
    if CALLDATA_READS & set(code):
        words = word_entries(env.calldata, TAG_ENV + int(Group.CALLDATALOAD), TAG_CDEND)
        rows += words if calldata_words is None else [words[i] for i in calldata_words] + [words[-1]]
    if CODECOPY_BYTE in code:
        words = word_entries(code, TAG_CODEWORD, TAG_CODEEND)
        rows += words if code_words is None else [words[i] for i in code_words] + [words[-1]]
    return np.stack(rows)


def word_entries(data: bytes, tag: int, end_tag: int) -> list[np.ndarray]:
    """(tag, i, the 32 bytes from i, zero-padded) for i in [0, len(data)), then (end_tag, len(data))."""
    padded = data + bytes(32)
    out = np.zeros((len(data) + 1, ENTRY_WIDTH), dtype=np.uint64)
    out[:-1, 0] = tag
    out[:-1, 1] = np.arange(len(data))
    raw = np.frombuffer(padded, dtype=np.uint8).astype(np.uint64)
    index = np.arange(len(data))[:, None] + np.arange(32)[None, :]
    window = raw[index]  # (entries, 32) big-endian bytes
    limbs = window[:, ::-1]  # little-endian limbs
    for k in range(CHUNKS):
        part = limbs[:, 3 * k:3 * k + 3]
        out[:-1, 2 + k] = sum(part[:, j] << np.uint64(8 * j) for j in range(part.shape[1]))
    out[-1, :2] = (end_tag, len(data))
    return list(out)


@dataclass(frozen=True)
class StorageIO:
    """The storage a run touches: each slot's value before the run, and after it (empty unless the
    run succeeds; a revert or an error leaves storage as it was); the slots' original values (when
    the transaction began: empty when they are the values before the run, as in the transaction's own
    frame) and the slots already warm when the run starts (EIP-2929; a later frame of a transaction
    finds warm what earlier frames touched)."""

    initial: tuple[tuple[int, int], ...] = ()
    final: tuple[tuple[int, int], ...] = ()
    original: tuple[int, ...] | None = None
    warm: tuple[int, ...] = ()

    def originals(self) -> list[int]:
        return [v for _, v in self.initial] if self.original is None else list(self.original)


STORAGE_WARM = 1 + 2 * CHUNKS
"""Field of a (TAG_SINIT, slot, value) entry holding whether the slot is warm at the start."""


def storage_entries(storage: StorageIO) -> np.ndarray:
    """Per slot: (TAG_SORIG, original, slot), (TAG_SINIT, slot, value before the run, warm then) and,
    on success, (TAG_SFINAL, slot, value after), each once (:mod:`circuits.vm.storage_chiplet`)."""
    rows = []
    slots = [s for s, _ in storage.initial]
    warm = set(storage.warm)
    for tag, pairs in ((TAG_SORIG, list(zip(storage.originals(), slots))), (TAG_SINIT, storage.initial),
                       (TAG_SFINAL, storage.final)):
        for first, second in pairs:
            row = np.zeros(ENTRY_WIDTH, dtype=np.uint64)
            row[0] = tag
            row[1:1 + CHUNKS] = word_chunks(first)
            row[1 + CHUNKS:1 + 2 * CHUNKS] = word_chunks(second)
            row[STORAGE_WARM] = int(tag == TAG_SINIT and first in warm)
            row[ONCE] = 1
            rows.append(row)
    return np.stack(rows) if rows else np.zeros((0, ENTRY_WIDTH), dtype=np.uint64)


def table_parts(code: bytes, output_offset: int = 0, output: bytes = b"",
                env: Environment | None = None, storage: StorageIO | None = None,
                hashes: tuple = (), logs: tuple = (), subset: EntrySubset | None = None,
                accounts: tuple = (), transient: tuple = (), sizes: tuple = (),
                calls: tuple = ()) -> dict[str, np.ndarray]:
    """The tables a proof carries, in table order: range, bytecode and environment always, the AND
    table when the code holds a bitwise byte, the jump-gap table when it holds a jump byte, the
    returned-data entries when there is output, the storage entries when the run touches storage, the
    hash and log entries when the run has some, the account entries when the code holds SELFBALANCE
    or the run reads accounts, the transient slots' entries when it touches some (rules on the public
    statement, so the verifier rebuilds the same list)."""
    subset = subset or EntrySubset()
    parts = {"range": range_entries(), "code": code_entries(code, subset.pcs),
             "env": environment_entries(code, env or Environment(), subset.code_words, subset.calldata_words)}
    if BITWISE_BYTES & set(code):
        parts["and"] = and_entries(subset.and_keys)
    if JUMP_BYTES & set(code):
        parts["gap"] = gap_entries(code)
    if output:
        parts["output"] = output_entries(output_offset, output)
    if storage is not None and (storage.initial or storage.final):
        parts["storage"] = storage_entries(storage)
    if hashes:
        parts["hashes"] = hash_entries(hashes)
    if logs:
        parts["logs"] = log_entries(logs)
    if accounts or SELFBALANCE_BYTE in code:
        parts["accounts"] = account_entries(code, env or Environment(), accounts)
    if transient:
        parts["transient"] = transient_entries(transient)
    if sizes:
        parts["returndata"] = returndata_entries(sizes)
    if calls:
        parts["calls"] = call_entries(calls)
    return parts


def table_offsets(parts: dict[str, np.ndarray]) -> dict[str, int]:
    """Row of the first entry of each table in the table region."""
    out, at = {}, 0
    for name, part in parts.items():
        out[name] = at
        at += len(part)
    return out


def fixed_entries(code: bytes, output_offset: int = 0, output: bytes = b"",
                  env: Environment | None = None, storage: StorageIO | None = None,
                  hashes: tuple = (), logs: tuple = (), subset: EntrySubset | None = None,
                  accounts: tuple = (), transient: tuple = (), sizes: tuple = (), calls: tuple = ()) -> np.ndarray:
    """All table entries of a proof, in :func:`table_parts` order."""
    return np.concatenate(list(table_parts(code, output_offset, output, env, storage, hashes, logs, subset,
                                           accounts, transient, sizes, calls).values()))


def hit_counts(table: np.ndarray, found: np.ndarray, num: np.ndarray) -> np.ndarray:
    """Σ num over the rows of ``found`` equal to each row of ``table`` (mod p), both int64 matrices of
    the same width — an entry's multiplicity from the tuples the trace looks up.  A found tuple
    with no entry counts nowhere, so the bus cannot balance."""
    table = np.ascontiguousarray(table)
    both = np.ascontiguousarray(np.concatenate([table, found]))
    _, inverse = np.unique(both.view(np.dtype((np.void, 8 * table.shape[1]))).ravel(), return_inverse=True)
    inverse = inverse.ravel()
    first = np.full(inverse.max() + 1 if len(inverse) else 0, -1, dtype=np.int64)
    first[inverse[:len(table)][::-1]] = np.arange(len(table))[::-1]   # each tuple's first entry
    target = first[inverse[len(table):]]
    counts = np.zeros(len(table), dtype=np.int64)
    hit = target >= 0
    np.add.at(counts, target[hit], num[hit])
    return counts % P


def beta_powers(beta, count: int) -> list:
    """[1, β, β², …] (``count`` of them), for any value type."""
    out = [1]
    for _ in range(count - 1):
        out.append(out[-1] * beta)
    return out


def entry_sum(entries: np.ndarray, alpha: Ext, beta: Ext) -> Ext:
    """V = Σ_entries 1/(α − f(entry)), on whole arrays (what the verifier recomputes)."""
    coeffs = np.stack([b.to_array() if isinstance(b, Ext) else Ext.from_base(b).to_array()
                       for b in beta_powers(beta, entries.shape[1])])
    f = ek.combine_columns(np.ascontiguousarray(entries, dtype=np.uint64), coeffs)
    diff = ek.ext_sub(np.broadcast_to(alpha.to_array(), f.shape).copy(), f)
    inv = ek.ext_batch_inv(diff)
    total = np.sum(inv, axis=0, dtype=np.uint64) % np.uint64(P)  # < 2^33 terms of < 2^31
    return Ext.from_array(total)


# ---- hashes and logs (circuits.vm.reads) ---------------------------------------------------------------

READ_KEY, READ_AT, READ_CHUNKS, READ_BYTE = 1, 2, 3, 3 + CHUNKS
"""Fields of a hash or log entry: the key (the step's clk), the size, n, topic index or position, the
eleven 3-byte chunks of a word, and a single byte."""


def read_units(size: int) -> tuple[int, int]:
    """(whole 32-byte words, single bytes) a read of ``size`` bytes takes: words from position 0, then
    the last size mod 32 bytes one at a time."""
    return size // 32, size % 32


def _limb_chunks(limbs: np.ndarray) -> np.ndarray:
    """(m, 32) little-endian byte limbs → (m, 11) 3-byte chunks."""
    padded = np.concatenate([limbs, np.zeros((len(limbs), 1), dtype=np.uint64)], axis=1)
    return padded[:, 0::3] + (padded[:, 1::3] << np.uint64(8)) + (padded[:, 2::3] << np.uint64(16))


def read_entries(tag: int, key: int, data: bytes) -> np.ndarray:
    """One once-entry per unit of a read of ``data``: (tag, key, position, the word's chunks, 0) for each
    32-byte word, (tag, key, position, 0 × 11, the byte) for each byte of the tail."""
    words, tail = read_units(len(data))
    out = np.zeros((words + tail, ENTRY_WIDTH), dtype=np.uint64)
    out[:, 0] = tag
    out[:, READ_KEY] = key
    out[:, ONCE] = 1
    raw = np.frombuffer(data, dtype=np.uint8).astype(np.uint64)
    out[:words, READ_AT] = np.arange(words) * 32
    # a word unit reads the 32 bytes from its position as MLOAD does: limb l is the byte at position + 31 − l
    out[:words, READ_CHUNKS:READ_CHUNKS + CHUNKS] = _limb_chunks(raw[:32 * words].reshape(words, 32)[:, ::-1])
    out[words:, READ_AT] = 32 * words + np.arange(tail)
    out[words:, READ_BYTE] = raw[32 * words:]
    return out


def _header(tag: int, key: int, at: int, word: int = 0) -> np.ndarray:
    row = np.zeros((1, ENTRY_WIDTH), dtype=np.uint64)
    row[0, :3] = (tag, key, at)
    row[0, READ_CHUNKS:READ_CHUNKS + CHUNKS] = word_chunks(word)
    row[0, ONCE] = 1
    return row


def hash_entries(hashes: tuple) -> np.ndarray:
    """For each (key, message, digest): (TAG_HASH, key, size, digest's chunks) and the message's units."""
    rows = []
    for key, message, digest in hashes:
        rows += [_header(TAG_HASH, key, len(message), int.from_bytes(digest, "big")),
                 read_entries(TAG_HASHDATA, key, message)]
    return np.concatenate(rows)


def log_entries(logs: tuple) -> np.ndarray:
    """For each (key, topics, data): (TAG_LOG, key, size, n), (TAG_LOGTOPIC, key, i, topic's chunks) for
    each topic, and the data's units."""
    rows = []
    for key, topics, data in logs:
        head = _header(TAG_LOG, key, len(data))
        head[0, READ_CHUNKS] = len(topics)
        rows += [head, *(_header(TAG_LOGTOPIC, key, i, t) for i, t in enumerate(topics)),
                 read_entries(TAG_LOGDATA, key, data)]
    return np.concatenate(rows)


# ---- accounts and transient storage (circuits.vm.accounts, circuits.vm.transient) ---------------------

SELFBALANCE_BYTE = 0x47
ACCOUNT_KEY, ACCOUNT_VALUE = 1, 8
"""Fields of an account entry: the address's seven 3-byte chunks, then the value's eleven."""
ADDRESS_CHUNKS = 7
PRECOMPILES = tuple(range(1, 11))
"""The precompile addresses 0x01…0x0a, warm from a transaction's start (EIP-2929) — written out here, as
the circuit does not import the VM (a test checks them against ``l2.vm.PRECOMPILE_ADDRESSES``)."""


def address_chunks(address: int) -> list[int]:
    """A 20-byte address's seven 3-byte chunks (little-endian; the last holds two bytes)."""
    return word_chunks(address)[:ADDRESS_CHUNKS]


def prewarmed(env: Environment) -> frozenset[int]:
    """The addresses warm when the run starts: the precompiles, the executing address, the caller and
    the transaction's origin."""
    return frozenset((*PRECOMPILES, env.address, env.caller, env.origin))


def account_entries(code: bytes, env: Environment, accounts: tuple) -> np.ndarray:
    """``(TAG_ACCOUNT + SELFBALANCE, 0 × 7, chunks(self balance))`` when the code holds a SELFBALANCE
    byte; for each (address, balance, code size, code hash): ``(TAG_ACCOUNT + group, chunks(address),
    chunks(value))`` for BALANCE, EXTCODESIZE and EXTCODEHASH, and the once-entry ``(TAG_AINIT,
    chunks(address), [address warm at the start], 0 …)``."""
    warm = prewarmed(env)
    rows = []

    def entry(tag: int, address: int, value: int, once: int = 0) -> np.ndarray:
        row = np.zeros(ENTRY_WIDTH, dtype=np.uint64)
        row[0] = tag
        row[ACCOUNT_KEY:ACCOUNT_KEY + ADDRESS_CHUNKS] = address_chunks(address)
        row[ACCOUNT_VALUE:ACCOUNT_VALUE + CHUNKS] = word_chunks(value)
        row[ONCE] = once
        return row

    if SELFBALANCE_BYTE in code:
        rows.append(entry(TAG_ACCOUNT + int(Group.SELFBALANCE), 0, env.self_balance))
    for address, balance, size, code_hash in accounts:
        rows += [entry(TAG_ACCOUNT + int(Group.BALANCE), address, balance),
                 entry(TAG_ACCOUNT + int(Group.EXTCODESIZE), address, size),
                 entry(TAG_ACCOUNT + int(Group.EXTCODEHASH), address, code_hash),
                 entry(TAG_AINIT, address, int(address in warm), once=1)]
    return np.stack(rows)


def transient_entries(slots: tuple) -> np.ndarray:
    """``(TAG_TINIT, chunks(slot), once)`` for every transient slot the run touches."""
    out = np.zeros((len(slots), ENTRY_WIDTH), dtype=np.uint64)
    out[:, 0] = TAG_TINIT
    out[:, 1:1 + CHUNKS] = [word_chunks(slot) for slot in slots]
    out[:, ONCE] = 1
    return out


# ---- calls and the return data buffer (circuits.vm.calls, circuits.vm.returndata) -----------------------

CALL_GAS, CALL_MS, CALL_SRC, CALL_SIZE, CALL_REM, CALL_COST, CALL_DST, CALL_X = (READ_BYTE + k for k in range(1, 9))
"""Fields after the chunks and byte of a CALLARG or CALLEND tuple: the CPU's gas and memory size on the
row, the copy registers (cpsrc or cpdst, cpsize, cprem), CALLEND's cost (ccost), and a CALLARG row's
cpdst (the output region's offset) and xcall."""
CALL_ARG_WORDS = {0xF1: ("to", "value", "in_offset", "in_size", "out_offset", "out_size"),
                  0xFA: ("to", "in_offset", "in_size", "out_offset", "out_size"),
                  0xF0: ("in_offset", "in_size")}
"""The words a call's CALLARG rows pop after its first word (a call's gas word, a CREATE's value), in pop
order: tidx 1… for CALL, 2… for STATICCALL, 5… for CREATE, so all end at tidx 6."""
LAST_ARG = 6


def call_first_arg(kind: int) -> int:
    return LAST_ARG + 1 - len(CALL_ARG_WORDS[kind])


def call_entries(calls: tuple) -> np.ndarray:
    """For each :class:`~circuits.vm.call_record.CallRecord`:

    (TAG_CALL, key, 0, chunks(gas word or CREATE's value))                     the head
    (TAG_CALLARG, key, tidx, chunks(word), 0, gas, ms, src, size, size, 0, dst, x)  each other popped word
    the input's units (TAG_CALLIN, key, position, …)                           as a LOG's data
    (TAG_CALLEND, key, 0, chunks(pushed), 0, gas₁, ms₁, dst, n, n, cost)       CALLEND (success, or the
                                                                               new address or 0)
    the written output's units (TAG_CALLOUT, key, position, …)

    with gas, ms the caller's gas and memory size at the step, src = in_offset and size = in_size
    (both 0 when the input is empty), dst = out_offset (0 when out_size is), x = 1 on the out_size
    row when out_size ≠ 0, gas₁ = gas − (C(ms₁) − C(ms)) and ms₁ the memory size once both regions
    grew it, n = min(out_size, len(output)) (dst and n 0 when nothing is written)."""
    from circuits.vm.call_record import memory_gas

    rows = []
    for c in calls:
        head = _header(TAG_CALL, c.key, 0, c.head_word)
        rows.append(head)
        src, size = (c.in_offset, c.in_size) if c.in_size else (0, 0)
        first = call_first_arg(c.kind)
        region = c.out_offset if c.out_size else 0
        for i, name in enumerate(CALL_ARG_WORDS[c.kind]):
            row = _header(TAG_CALLARG, c.key, first + i, getattr(c, name))
            grows = int(name == "out_size" and c.out_size != 0)
            row[0, [CALL_GAS, CALL_MS, CALL_SRC, CALL_SIZE, CALL_REM, CALL_DST, CALL_X]] = (
                c.gas_before, c.memory_before, src, size, size, region, grows)
            rows.append(row)
        rows.append(read_entries(TAG_CALLIN, c.key, c.input))
        ms1 = c.memory_after
        n = c.written
        end = _header(TAG_CALLEND, c.key, 0, c.pushed)
        end[0, [CALL_GAS, CALL_MS, CALL_SRC, CALL_SIZE, CALL_REM, CALL_COST]] = (
            c.gas_before - memory_gas(ms1) + memory_gas(c.memory_before), ms1, c.out_offset if n else 0, n, n, c.cost)
        rows.append(end)
        rows.append(read_entries(TAG_CALLOUT, c.key, c.output[:n]))
    return np.concatenate(rows)


def returndata_entries(sizes: tuple) -> np.ndarray:
    """``(TAG_RDSIZE, key, 0, chunks(size))`` for every (key, size) RETURNDATASIZE step."""
    return np.concatenate([_header(TAG_RDSIZE, key, 0, size) for key, size in sizes])
