"""Execution-circuit prover benchmark: trace shape and proving time per 1,000 EVM steps.

Two counting loops, sized so the trace fills a given power-of-two number of rows:

* ``arith``: ADD, SUB, LT, EQ, ISZERO, NOT, DUP, SWAP, POP, PUSH, JUMPI, JUMPDEST every iteration —
  one row per step;
* ``mixed``: the same with AND, SHR, BYTE, MSTORE, MLOAD, MUL, DIV, SSTORE and SLOAD added — steps
  that also take chiplet rows (two per bitwise or shift step, three per memory access, one per memory
  word, six per MUL or DIV, two per storage access).

Each run is proven with the default (100-bit) options after a warm-up proof (numba's one-time
compilation is not counted); one JSON object is printed per run, then a summary::

    python benchmarks/bench_vm_prover.py --log-rows 12 16 --program arith mixed
"""

from __future__ import annotations

import argparse
import json
import time

from circuits.vm import layout as L
from circuits.vm.air import VmAir
from circuits.vm.chiplets import ALL_FLAGS
from circuits.vm.layout import AUX_WIDTH, WIDTH
from l2.evm_prove import record_run, witness_for
from prover.stark import prove
from verifier.proof import ProofOptions
from verifier.stark import verify

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


def measure(program: str, iterations: int, options: ProofOptions) -> dict:
    start = time.perf_counter()
    trace, matrix, statement = trace_for(program, iterations)
    witness_s = time.perf_counter() - start
    air = VmAir()
    start = time.perf_counter()
    proof = prove(air, matrix, statement, options)
    prove_s = time.perf_counter() - start
    data = proof.to_bytes()
    start = time.perf_counter()
    verify(air, data, statement, min_security=100)
    verify_s = time.perf_counter() - start
    n_steps = len(trace)
    return {
        "program": program,
        "evm_steps": n_steps,
        "trace_rows": matrix.shape[0],
        "rows_used": rows_used(matrix),
        "rows_per_step": round(rows_used(matrix) / n_steps, 3),
        "main_width": WIDTH,
        "aux_width_ext": AUX_WIDTH,
        "committed_base_columns": WIDTH + 5 * AUX_WIDTH,
        "witness_s": round(witness_s, 3),
        "prove_s": round(prove_s, 3),
        "prove_s_per_1000_steps": round(1000 * prove_s / n_steps, 3),
        "verify_s": round(verify_s, 3),
        "proof_bytes": len(data),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--log-rows", type=int, nargs="+", default=[12, 16])
    ap.add_argument("--program", nargs="+", choices=sorted(PROGRAMS), default=sorted(PROGRAMS))
    args = ap.parse_args()
    options = ProofOptions()
    measure("mixed", 8, options)  # warm-up: compile the kernels
    results = []
    for program in args.program:
        for log_rows in args.log_rows:
            r = measure(program, iterations_for(program, log_rows), options)
            print(json.dumps(r), flush=True)
            results.append(r)
    summary = {"main_width": WIDTH, "aux_width_ext": AUX_WIDTH, "committed_base_columns": WIDTH + 5 * AUX_WIDTH,
               "runs": [{k: r[k] for k in ("program", "trace_rows", "rows_per_step", "prove_s_per_1000_steps")}
                        for r in results]}
    print(json.dumps({"summary": summary}))


if __name__ == "__main__":
    main()
