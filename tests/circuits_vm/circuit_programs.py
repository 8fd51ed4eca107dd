"""Programs over the opcodes the execution circuit proves: hand-written ones with nasty values and a
random generator, shared by the execution-circuit tests and the prover benchmark."""

from __future__ import annotations

import random

NASTY = [0, 1, 2, 255, 256, 2**128, 2**255, 2**255 + 1, 2**256 - 2, 2**256 - 1, 0x0101010101 * 2**100]

BINARY = [0x01, 0x03, 0x10, 0x11, 0x14]  # ADD SUB LT GT EQ
UNARY = [0x15, 0x19]  # ISZERO NOT


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
    vals = [0, 1, 2**255, 2**256 - 1, 0xFF * (2**248) + 1]
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
        out += push(0) + push(rng.choice([0, 2**255])) + b"\xfd"  # REVERT(offset, 0)
    elif end < 0.4:
        out += push(0) + push(0) + b"\xf3"
    elif end < 0.5:
        out += b"\xfe"
    elif end < 0.6:
        out += b"\x50" * (depth + 1)  # underflow
    elif end < 0.8:
        out += b"\x00"
    return bytes(out)
