"""The public record of one CALL or STATICCALL step, as the caller's execution table proves it.

A call runs its callee in a frame of its own, proven by a table of its own; the caller's table proves
only the caller's side of the step.  What crosses between the two is this record, part of the
caller's public statement (:class:`circuits.vm.air.VmStatement` ``calls``):

* what the step popped: the gas word, the address word (its low 21 bytes are bound; the callee is
  the low 20), the value (a CALL's; 0 for STATICCALL, which pops none), the input and output
  regions;
* the caller's gas and memory size (32-byte words) when the step began;
* ``input``: the bytes memory held at [in_offset, in_offset + in_size), read by the step;
* what came back: ``success`` (the word pushed), ``output`` (the callee's output, which becomes the
  return data buffer; its first min(out_size, len(output)) bytes are written at out_offset) and
  ``cost``, the gas the step takes beyond the memory expansion, net of what the callee hands back:

      cost = extra + forwarded − returned
      extra = 100 or 2600 (EIP-2929) + 9000 (value ≠ 0) + 25000 (value ≠ 0 to a dead account)
      forwarded = min(gas word, L − ⌊L/64⌋),   L = gas_before − expansion − extra     (EIP-150)
      returned = the callee's gas left (+ 2300 stipend semantics: the callee got forwarded + 2300
                 when value ≠ 0), or everything it was given when the call did not go ahead

A CREATE (0xF0) has a record of the same shape: it pops the value (its first row's word), then the
initcode region (in_offset, in_size; no output region, no gas word), reads the initcode as a call
reads its input (``input``), and pushes the new address (``to``, the address keccak(rlp([creator,
nonce]))[12:]) when ``success``, else 0; ``output`` is the return data after it (empty, or the
initcode's revert data), and

      cost = 32000 + 2·⌈in_size/32⌉ (EIP-3860) + forwarded − returned,   forwarded = L − ⌊L/64⌋

The table proves the record is what the step did given the callee's outcome; that the outcome is
the callee's (its statement proven by its own table) and that the cost follows the rules above is
checked where the frames are put together.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

CREATE = 0xF0
CALL = 0xF1
STATICCALL = 0xFA
KINDS = (CREATE, CALL, STATICCALL)
WORD = 1 << 256


def memory_words(offset: int, size: int) -> int:
    """Words memory must hold to touch [offset, offset + size) (0 for an empty region)."""
    return 0 if size == 0 else (offset + size + 31) // 32


def memory_gas(words: int) -> int:
    """C(w) = 3·w + ⌊w²/512⌋, the total cost of a memory of ``words`` words."""
    return 3 * words + words * words // 512


@dataclass(frozen=True)
class CallRecord:
    """One CALL or STATICCALL step of a frame (see the module docstring)."""

    key: int
    """The clk of the step's first row in the caller's table."""
    kind: int
    """0xF1 (CALL) or 0xFA (STATICCALL)."""
    gas: int
    to: int
    value: int
    in_offset: int
    in_size: int
    out_offset: int
    out_size: int
    gas_before: int
    memory_before: int
    input: bytes
    success: int
    cost: int
    output: bytes
    nonce: int = 0
    """CREATE: the creator's nonce the address was derived from (0 for a call)."""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError("a call record's kind is CREATE (0xf0), CALL (0xf1) or STATICCALL (0xfa)")
        if self.kind == CREATE and (self.gas or self.out_offset or self.out_size or self.to >= 1 << 160):
            raise ValueError("a CREATE record has no gas word and no output region, and a 20-byte address")
        words = (self.gas, self.to, self.value, self.in_offset, self.in_size, self.out_offset, self.out_size)
        if not all(isinstance(w, int) and 0 <= w < WORD for w in words):
            raise ValueError("a call record's popped values are 256-bit words")
        if self.kind == STATICCALL and self.value:
            raise ValueError("STATICCALL sends no value")
        if not isinstance(self.nonce, int) or not 0 <= self.nonce < 1 << 64 or (self.nonce and self.kind != CREATE):
            raise ValueError("a call record's nonce is a CREATE's, below 2^64")
        if self.success not in (0, 1):
            raise ValueError("a call pushes 0 or 1")
        for name in ("key", "gas_before", "memory_before", "cost"):
            v = getattr(self, name)
            if not isinstance(v, int) or not 0 <= v < 1 << 30:
                raise ValueError(f"a call record's {name} must be in [0, 2^30)")
        if self.in_size and (self.in_offset >= 1 << 24 or self.in_size >= 1 << 24):
            raise ValueError("a call's input region must lie below 2^24")
        if self.out_size and (self.out_offset >= 1 << 24 or self.out_size >= 1 << 24):
            raise ValueError("a call's output region must lie below 2^24")
        if len(self.input) != self.in_size:
            raise ValueError("a call's input is the in_size bytes it read")
        if len(self.output) >= 1 << 24:
            raise ValueError("a call's output must be shorter than 2^24 bytes")

    @property
    def head_word(self) -> int:
        """The word the step's first row pops: the gas word of a call, the value of a CREATE."""
        return self.value if self.kind == CREATE else self.gas

    @property
    def pushed(self) -> int:
        """The word the step pushes: success (a call), the new address or 0 (CREATE)."""
        return (self.to if self.success else 0) if self.kind == CREATE else self.success

    @property
    def address(self) -> bytes:
        """The callee: the address word's low 20 bytes."""
        return (self.to % (1 << 160)).to_bytes(20, "big")

    @property
    def written(self) -> int:
        """Bytes of the output written back into the caller's memory."""
        return min(self.out_size, len(self.output))

    @property
    def memory_after_input(self) -> int:
        """ms1: the memory size once the input region has been read."""
        return max(self.memory_before, memory_words(self.in_offset, self.in_size))

    @property
    def memory_after(self) -> int:
        """ms2: the memory size after the step (both regions touched, EVM order)."""
        return max(self.memory_after_input, memory_words(self.out_offset, self.out_size))

    @property
    def expansion(self) -> int:
        """The memory expansion gas the EVM charges for the step."""
        return memory_gas(self.memory_after) - memory_gas(self.memory_before)


_WORDS = ("gas", "to", "value", "in_offset", "in_size", "out_offset", "out_size")


def encode_call(record: CallRecord) -> bytes:
    """key u32 | kind u8 | 7 words | gas_before u32 | memory_before u32 | input | success u8 | cost u32 | output
    | nonce u64 (integers little-endian but the words, big-endian; byte strings with a u32 length)."""
    return (struct.pack("<IB", record.key, record.kind)
            + b"".join(getattr(record, name).to_bytes(32, "big") for name in _WORDS)
            + struct.pack("<III", record.gas_before, record.memory_before, len(record.input)) + record.input
            + struct.pack("<BII", record.success, record.cost, len(record.output)) + record.output
            + struct.pack("<Q", record.nonce))


def decode_call(take) -> CallRecord:
    """The record :func:`encode_call` wrote, read with ``take(n)`` (n bytes or an exception)."""
    key, kind = struct.unpack("<IB", take(5))
    words = [int.from_bytes(take(32), "big") for _ in _WORDS]
    gas_before, memory_before, n = struct.unpack("<III", take(12))
    data = take(n)
    success, cost, m = struct.unpack("<BII", take(9))
    output = take(m)
    (nonce,) = struct.unpack("<Q", take(8))
    return CallRecord(key, kind, *words, gas_before, memory_before, data, success, cost, output, nonce)
