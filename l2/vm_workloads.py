"""EVM programs that fill an execution trace of a chosen size, for benchmarks of the execution circuit.

Two counting loops, shared by ``l2 bench prover --air vm`` and ``benchmarks/bench_vm_prover.py``:

* ``arith``: ADD, SUB, LT, EQ, ISZERO, NOT, DUP, SWAP, POP, PUSH, JUMPI, JUMPDEST every iteration —
  one row per step;
* ``mixed``: the same with AND, SHR, BYTE, MSTORE, MLOAD, MUL, DIV, SSTORE and SLOAD added — steps
  that also take chiplet rows (two per bitwise or shift step, three per memory access, one per memory
  word, six per MUL or DIV, two per storage access).
"""

from __future__ import annotations

from circuits.vm import layout as L
from circuits.vm.chiplets import ALL_FLAGS
from l2.evm_prove import record_run, witness_for

ARITH_BODY = bytes([
    0x80, 0x80, 0x01, 0x50,        # DUP1 DUP1 ADD POP
    0x80, 0x19, 0x15, 0x50,        # DUP1 NOT ISZERO POP
    0x80, 0x60, 0x07, 0x10, 0x50,  # DUP1 PUSH1 7 LT POP
    0x80, 0x80, 0x14, 0x50,        # DUP1 DUP1 EQ POP
])
MIXED_BODY = ARITH_BODY + bytes([
    0x80, 0x60, 0xF0, 0x16, 0x50,  # DUP1 PUSH1 0xF0 AND POP
    0x80, 0x60, 0x03, 0x1C, 0x50,  # DUP1 PUSH1 3 SHR POP
    0x80, 0x60, 0x1F, 0x1A, 0x50,  # DUP1 PUSH1 31 BYTE POP
    0x80, 0x80, 0x52,              # DUP1 DUP1 MSTORE        (memory[i] = i: i words grow memory)
    0x80, 0x51, 0x50,              # DUP1 MLOAD POP
    0x80, 0x80, 0x02, 0x50,        # DUP1 DUP1 MUL POP
    0x80, 0x60, 0x07, 0x90, 0x04, 0x50,  # DUP1 PUSH1 7 SWAP1 DIV POP     (i / 7)
    0x80, 0x60, 0x01, 0x55,        # DUP1 PUSH1 1 SSTORE      (slot 1 = i)
    0x60, 0x01, 0x54, 0x50,        # PUSH1 1 SLOAD POP
])
PROGRAMS = {"arith": ARITH_BODY, "mixed": MIXED_BODY}


def loop_program(iterations: int, body: bytes = ARITH_BODY) -> bytes:
    """i = iterations; do { body on i; i = i − 1 } while i != 0; STOP."""
    head = 3  # PUSH2 iterations, then the loop's JUMPDEST at pc 3
    tail = bytes([0x60, 0x01, 0x90, 0x03,                # PUSH1 1 SWAP1 SUB      i − 1
                  0x80, 0x61, 0x00, head, 0x57])         # DUP1 PUSH2 head JUMPI
    return bytes([0x61]) + iterations.to_bytes(2, "big") + b"\x5b" + body + tail + b"\x00"


def trace_for(program: str, iterations: int):
    code = loop_program(iterations, PROGRAMS[program])
    gas = (1 << 30) - 1
    trace = record_run(code, gas=gas)
    matrix, statement = witness_for(code, gas, trace)
    return trace, matrix, statement


def iterations_for(program: str, log_rows: int) -> int:
    """The most iterations whose trace still fits 2^log_rows rows."""
    _, small, _ = trace_for(program, 8)
    _, large, _ = trace_for(program, 40)
    per_iteration = (rows_used(large) - rows_used(small)) / 32
    guess = int(((1 << log_rows) - rows_used(small)) / per_iteration) + 8
    while guess > 1 and trace_for(program, guess)[1].shape[0] > 1 << log_rows:
        guess = int(guess * 0.97)
    return max(1, min(guess, 0xFFFF))


def rows_used(matrix) -> int:
    """Rows before the idle tail (steps, drain and chiplet rows)."""
    flags = [getattr(L, name.upper()) for name in ALL_FLAGS]
    busy = (matrix[:, L.HALTED] == 0) | (matrix[:, L.DRAIN] == 1) | (matrix[:, flags].sum(axis=1) > 0)
    return int(busy.nonzero()[0].max()) + 1
