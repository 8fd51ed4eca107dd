"""Programs over the opcodes the execution circuit proves: hand-written ones with nasty values and a
random generator, shared by the execution-circuit tests and the prover benchmark."""

from __future__ import annotations

import random

NASTY = [0, 1, 2, 255, 256, 2**128, 2**255, 2**255 + 1, 2**256 - 2, 2**256 - 1, 0x0101010101 * 2**100]

BINARY = [0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x0B, 0x10, 0x11, 0x12, 0x13, 0x14, 0x16, 0x17, 0x18, 0x1A,
          0x1B, 0x1C, 0x1D]  # ADD MUL SUB DIV SDIV MOD SMOD SIGNEXTEND LT GT SLT SGT EQ AND OR XOR BYTE SHL SHR SAR
UNARY = [0x15, 0x19]  # ISZERO NOT
CHIPLET_OPS = [0x16, 0x17, 0x18, 0x1A, 0x1B, 0x1C, 0x1D, 0x0B]  # AND OR XOR BYTE SHL SHR SAR SIGNEXTEND
SHIFTS = [0, 1, 7, 8, 9, 31, 32, 33, 248, 255, 256, 257, 2**64, 2**255]


def push(value: int) -> bytes:
    """The shortest PUSH of ``value`` (PUSH0 for 0)."""
    if value == 0:
        return b"\x5f"
    width = (value.bit_length() + 7) // 8
    return bytes([0x5F + width]) + value.to_bytes(width, "big")


def push32(value: int) -> bytes:
    return b"\x7f" + value.to_bytes(32, "big")


def nasty_arithmetic() -> bytes:
    """Every binary and unary op on every ordered pair of nasty values (carries across all limbs).

    The values are pushed once; each operation copies its operands with DUP, so the code stays short.
    """
    vals = [0, 1, 2**255, 2**256 - 1, 0xFF * (2**248) + 1, 2**255 - 1, 0x7F * 2**248]
    out = bytearray()
    for v in vals:
        out += push32(v)
    k = len(vals)
    for i in range(k):          # a = vals[i] on top, b = vals[j] below it
        for j in range(k):
            for op in BINARY:
                # stack: vals..., top is vals[k-1]; DUP(k-j) copies vals[j], then DUP(k-i+1) copies vals[i]
                out += bytes([0x7F + (k - j), 0x7F + (k - i + 1), op, 0x50])
        for op in UNARY:
            out += bytes([0x7F + (k - i), op, 0x50])
    return bytes(out) + b"\x00"


def nasty_bitwise() -> bytes:
    """AND, OR, XOR, BYTE, SHL, SHR, SAR and SIGNEXTEND on every ordered pair of nasty words and shift
    amounts (each amount also as BYTE's index and SIGNEXTEND's byte number): every byte position, every
    bit offset, and the ≥ 256 / ≥ 32 cases."""
    words = [0, 1, 0x80, 2**255, 2**256 - 1, 0x0123456789ABCDEF_FEDCBA9876543210 * (2**128 + 1),
             0xF0F0F0F0 * 2**200 + 0x0F0F]
    out = bytearray()
    for w in words:
        out += push32(w)
    k = len(words)
    for v in words + SHIFTS:          # top operand: a word, or a shift amount / BYTE index
        out += push32(v)
        for j in range(k):            # second operand: words[j], DUP(k + 1 − j) deep
            for op in CHIPLET_OPS:
                out += bytes([0x7F + (k + 1 - j), 0x81, op, 0x50])  # DUP words[j], DUP2 (v), op, POP
        out += b"\x50"
    return bytes(out) + b"\x00"


SIGN_WORDS = [0, 1, 0x7F, 0x80, 0xFF, 2**255, 2**255 - 1, 2**256 - 1, 2**256 - 0x80,
              int.from_bytes(bytes(range(0x70, 0x90)), "big"), int.from_bytes(bytes(range(0x8F, 0x6F, -1)), "big")]
"""Words whose bytes take both signs at every position (the last two alternate around 0x80 byte by byte)."""
SIGNEXTEND_BYTES = [*range(34), 255, 256, 2**64, 2**255, 2**256 - 1]
SAR_SHIFTS = [0, 1, 7, 8, 9, 31, 127, 248, 254, 255, 256, 257, 2**64, 2**255, 2**256 - 1]


def nasty_signed() -> bytes:
    """SIGNEXTEND at every byte number 0 … 33 and huge ones, and SAR by every edge shift, on words
    with both signs at every byte (positive, negative, 0 and all ones)."""
    out = bytearray()
    for w in SIGN_WORDS:
        out += push32(w)
        for b in SIGNEXTEND_BYTES:
            out += b"\x80" + push(b) + b"\x0b\x50"   # DUP1 (w), PUSH b, SIGNEXTEND, POP
        for shift in SAR_SHIFTS:
            out += b"\x80" + push(shift) + b"\x1d\x50"  # DUP1 (w), PUSH shift, SAR, POP
        out += b"\x50"
    return bytes(out) + b"\x00"


MEMORY_OFFSETS = [0, 1, 2, 30, 31, 32, 33, 63, 64, 95, 200, 1000]
MEMORY_OPS = [0x51, 0x52, 0x53]  # MLOAD MSTORE MSTORE8


def nasty_memory() -> bytes:
    """MSTORE, MSTORE8 and MLOAD of nasty words at aligned and unaligned offsets (overlapping writes,
    reads across word boundaries, expansion by one word and by many), MSIZE, then RETURN of an
    unaligned region that runs past the written bytes."""
    out = bytearray()
    words = [2**256 - 1, 0x0102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F20, 2**255 + 1, 0x80]
    for i, off in enumerate(MEMORY_OFFSETS):
        out += push32(words[i % len(words)]) + push(off) + b"\x52"        # MSTORE
        out += push(off + 3) + b"\x51\x50"                                # MLOAD across the boundary, POP
        out += push(0xA0 + i) + push(off + 7) + b"\x53"                   # MSTORE8 inside the word
        out += push(off) + b"\x51\x59\x50\x50"                             # MLOAD, MSIZE, POP, POP
    return bytes(out) + push(45) + push(17) + b"\xf3"                       # RETURN(17, 45)


COPY_CALLDATA = bytes(range(1, 50))
"""The calldata :func:`nasty_copies` runs with (49 bytes)."""


def nasty_copies() -> bytes:
    """CALLDATACOPY and CODECOPY of 0, 1, 31, 32, 33 and 70 bytes to aligned and unaligned
    destinations, from inside, across and past the end of their source; MCOPY between overlapping
    regions either way, and from past the memory's end; then RETURN of the region."""
    out = bytearray()
    cases = [(0, 0, 0), (1, 0, 1), (31, 5, 31), (32, 1, 32), (33, 45, 33), (70, 17, 100), (3, 60, 7)]
    for i, (size, src, dst) in enumerate(cases):
        out += push(size) + push(src) + push(dst + 37 * i) + bytes([0x37 if i % 2 == 0 else 0x39])
    out += push(45) + push(2) + push(300) + b"\x39"                          # CODECOPY past the code's end
    for size, src, dst in [(0, 0, 0), (33, 40, 43), (70, 260, 250), (31, 1, 0), (32, 64, 64), (1, 399, 500)]:
        out += push(size) + push(src) + push(dst) + b"\x5e"                   # MCOPY, overlapping both ways
    return bytes(out) + push(400) + push(0) + b"\xf3"


STORAGE = {1: 5, 3: 7, 4: 9, 2**256 - 1: 2**255}
"""The original storage :func:`storage_program` runs on (slot 2 and others start at 0)."""


def storage_program(end: bytes = b"\x00") -> bytes:
    """SLOAD cold and warm; SSTORE through every EIP-2200/3529 case: a new slot set, rewritten and
    restored to 0 (refund 19900), a slot cleared (refund 4800), the clearing undone (−4800) and the
    original restored (refund 2800), a no-op write, a 2^256 − 1 slot; then ``end``."""
    sstore = lambda slot, value: push(value) + push32(slot) + b"\x55"  # noqa: E731
    sload = lambda slot: push32(slot) + b"\x54\x50"  # noqa: E731
    return (sload(1) + sload(1) + sstore(2, 3) + sstore(2, 4) + sstore(2, 0) + sstore(3, 0) + sstore(3, 8)
            + sstore(3, 7) + sstore(4, 9) + sload(3) + sstore(2**256 - 1, 2**255 + 1) + sload(2**256 - 1)
            + sstore(1, 6) + end)


def nasty_division() -> bytes:
    """MUL, DIV and MOD on every ordered pair of words chosen for carries, wrap-around and division
    edge cases (by 0, by 1, by itself, 2^255 mod 3, 2^256 − 1 over 2^256 − 2)."""
    vals = [0, 1, 2, 3, 7, 2**128 + 1, 2**255, 2**256 - 1, 2**256 - 2]
    out = bytearray()
    for v in vals:
        out += push32(v)
    k = len(vals)
    for i in range(k):
        for j in range(k):
            for op in (0x02, 0x04, 0x06):
                out += bytes([0x7F + (k - j), 0x7F + (k - i + 1), op, 0x50])
    return bytes(out) + b"\x00"


def nasty_signed_division() -> bytes:
    """SDIV and SMOD on every ordered pair of words chosen for the sign cases: 0, ±1, ±2, ±7, −2^255,
    2^255 − 1, −(2^255 − 1) and 2^128 + 1 (division by 0, −2^255 / −1, remainders of both signs)."""
    m = 2**256
    vals = [0, 1, m - 1, 2, m - 2, 7, m - 7, 2**255, 2**255 - 1, 2**255 + 1, 2**128 + 1]
    out = bytearray()
    for v in vals:
        out += push32(v)
    k = len(vals)
    for i in range(k):
        for j in range(k):
            for op in (0x05, 0x07):
                out += bytes([0x7F + (k - j), 0x7F + (k - i + 1), op, 0x50])
    return bytes(out) + b"\x00"


def stack_program() -> bytes:
    """Deep stack with every DUPn and SWAPn, PC and GAS, then a loop with JUMPI."""
    out = bytearray()
    for v in range(17):
        out += push(NASTY[v % len(NASTY)])
    for k in range(16):
        out += bytes([0x80 + k, 0x50])        # DUPk+1, POP
        out += bytes([0x90 + k])              # SWAPk+1
    out += bytes([0x58, 0x5A, 0x50, 0x50])    # PC GAS POP POP
    # counter loop: i = 3; do { i = i - 1 } while i != 0
    out += push(3)
    loop = len(out)
    out += bytes([0x5B]) + push(1) + bytes([0x90, 0x03])  # JUMPDEST, PUSH1 1, SWAP1, SUB -> i-1
    out += bytes([0x80]) + push(loop) + bytes([0x57])     # DUP1, PUSH loop, JUMPI
    out += push(0) + push(0) + bytes([0xF3])              # RETURN(0, 0)
    return bytes(out)


def random_program(rng: random.Random, length: int = 60) -> bytes:
    """A random straight-line-ish program over the proven opcodes that usually runs to a halt.

    Tracks the stack depth so most steps are valid; forward jumps land on JUMPDESTs; sometimes the
    program ends in REVERT, RETURN, INVALID, an underflow, or runs off the end of the code.
    """
    out = bytearray()
    depth = 0
    fixups: list[int] = []
    for _ in range(length):
        r = rng.random()
        if depth < 2 or r < 0.3:
            value = rng.choice(NASTY) if rng.random() < 0.6 else rng.getrandbits(rng.choice([8, 64, 256]))
            out += push(value) if rng.random() < 0.7 else push32(value)
            depth += 1
        elif r < 0.5:
            out.append(rng.choice(BINARY))
            depth -= 1
        elif r < 0.6:
            out.append(rng.choice(UNARY))
        elif r < 0.7 and depth < 1000:
            k = rng.randint(1, min(16, depth))
            out.append(0x7F + k)
            depth += 1
        elif r < 0.8 and depth >= 2:
            k = rng.randint(1, min(16, depth - 1))
            out.append(0x8F + k)
        elif r < 0.85:
            out.append(0x50)
            depth -= 1
        elif r < 0.9:
            out.append(rng.choice([0x58, 0x5A, 0x5B]))
            depth += 0 if out[-1] == 0x5B else 1
        elif r < 0.95:
            # a memory access at a small offset: MSTORE/MSTORE8 consume the top word as the value
            if rng.random() < 0.3:  # CALLDATACOPY, CODECOPY or MCOPY of a few bytes
                out += push(rng.randint(0, 40)) + push(rng.randint(0, 60)) + push(rng.choice(MEMORY_OFFSETS))
                out.append(rng.choice([0x37, 0x39, 0x5E]))
                continue
            op = rng.choice(MEMORY_OPS)
            out += push(rng.choice(MEMORY_OFFSETS)) + bytes([op])
            depth += {0x51: 1, 0x52: -1, 0x53: -1}[op]
            if op == 0x51:
                out.append(0x59)  # MSIZE
                depth += 1
        else:
            # forward jump (JUMP, or JUMPI with a non-zero / zero condition) to a JUMPDEST placed later
            if rng.random() < 0.5:
                out += push(rng.choice([0, 1, 2**255]))
                depth += 1
                fixups.append(len(out) + 1)
                out += b"\x61\x00\x00\x57"  # PUSH2 target, JUMPI
                depth -= 1
            else:
                fixups.append(len(out) + 1)
                out += b"\x61\x00\x00\x56"  # PUSH2 target, JUMP
            out += bytes([0x5B])
    for pos in fixups:
        # every jump lands on the JUMPDEST right after its own instruction
        target = pos + 3
        out[pos:pos + 2] = target.to_bytes(2, "big")
    end = rng.random()
    if end < 0.2:
        out += push(rng.choice([0, 0, 5, 40])) + push(rng.choice([0, 33])) + b"\xfd"  # REVERT(offset, size)
    elif end < 0.4:
        out += push(rng.choice([0, 32, 7])) + push(rng.choice([0, 64, 3])) + b"\xf3"
    elif end < 0.5:
        out += b"\xfe"
    elif end < 0.6:
        out += b"\x50" * (depth + 1)  # underflow
    elif end < 0.8:
        out += b"\x00"
    return bytes(out)
