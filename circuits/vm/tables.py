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
  present when the code holds a JUMP or JUMPI byte.

The trace holds these entries in its table region, flagged by a column E.  The verifier does not see
that region; it recomputes V = Σ_entries 1/(α − f) from the public code and checks that the rows
flagged E sum to exactly V, so the region holds exactly these entries (see :mod:`circuits.vm.bus`).
Stack-bus tuples carry ``TAG_STACK`` so they can never be confused with a table entry.
"""

from __future__ import annotations

import numpy as np

from circuits import ext_kernels as ek
from circuits.extension import Ext
from circuits.field import P
from circuits.vm.opcodes import GROUP_OF_BYTE, immediate_n

TAG_RANGE = 1
TAG_CODE = 2
TAG_STACK = 3
TAG_AND = 4
TAG_JDGAP = 5
TAG_REQUEST = 64
"""Chiplet requests carry TAG_REQUEST + the group code of the opcode (see :mod:`circuits.vm.chiplets`)."""

FIELDS = 16
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


def word_chunks(value: int) -> list[int]:
    """A word's eleven 3-byte chunks (little-endian)."""
    b = value.to_bytes(33, "little")
    return [b[3 * k] | b[3 * k + 1] << 8 | b[3 * k + 2] << 16 for k in range(CHUNKS)]


def range_entries() -> np.ndarray:
    out = np.zeros((256, FIELDS), dtype=np.uint64)
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


def and_entries() -> np.ndarray:
    x, y = np.divmod(np.arange(256, dtype=np.uint64), np.uint64(16))
    out = np.zeros((256, FIELDS), dtype=np.uint64)
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
    out = np.zeros((len(gaps), FIELDS), dtype=np.uint64)
    out[:, 0] = TAG_JDGAP
    out[:, 1:3] = gaps
    return out


def code_entries(code: bytes) -> np.ndarray:
    """One entry per pc in [0, len(code) + 33), computed from the code alone."""
    if len(code) > MAX_CODE_SIZE:
        raise ValueError(f"code longer than {MAX_CODE_SIZE} bytes")
    padded = code + bytes(CODE_PADDING)
    size = len(code) + CODE_PADDING
    out = np.zeros((size, FIELDS), dtype=np.uint64)
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
    return out


def table_parts(code: bytes) -> dict[str, np.ndarray]:
    """The tables a proof about ``code`` carries, in table order: range and bytecode always, the AND
    table when the code holds a bitwise byte, the jump-gap table when it holds a jump byte (a rule on
    the public code, so the verifier rebuilds the same list)."""
    parts = {"range": range_entries(), "code": code_entries(code)}
    if BITWISE_BYTES & set(code):
        parts["and"] = and_entries()
    if JUMP_BYTES & set(code):
        parts["gap"] = gap_entries(code)
    return parts


def table_offsets(code: bytes) -> dict[str, int]:
    """Row of the first entry of each table in the table region."""
    out, at = {}, 0
    for name, part in table_parts(code).items():
        out[name] = at
        at += len(part)
    return out


def fixed_entries(code: bytes) -> np.ndarray:
    """All table entries of a proof about ``code``, in :func:`table_parts` order."""
    return np.concatenate(list(table_parts(code).values()))


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
