"""Execution-circuit prover benchmark: trace shape and proving time per 1,000 EVM steps.

Runs a counting loop (ADD, SUB, LT, EQ, ISZERO, NOT, DUP, SWAP, POP, PUSH, JUMPI, JUMPDEST on every
iteration) for a growing number of iterations, proves each run with the default (100-bit) options, and
prints one JSON object per size and a summary object:

    python benchmarks/bench_vm_prover.py --steps 1000 4000 16000

Each size is timed after a warm-up proof, so numba's one-time compilation is not counted.
"""

from __future__ import annotations

import argparse
import json
import time

from circuits.vm.layout import AUX_WIDTH, WIDTH
from l2.evm_prove import record_run, witness_for
from prover.stark import prove
from verifier.proof import ProofOptions
from verifier.stark import verify

from circuits.vm.air import VmAir


def loop_program(iterations: int) -> bytes:
    """i = iterations; do { some arithmetic on i; i = i − 1 } while i != 0; STOP."""
    body = bytes([
        0x5B,                    # JUMPDEST                (loop head at pc 3)
        0x80, 0x80, 0x01, 0x50,  # DUP1 DUP1 ADD POP
        0x80, 0x19, 0x15, 0x50,  # DUP1 NOT ISZERO POP
        0x80, 0x60, 0x07, 0x10, 0x50,  # DUP1 PUSH1 7 LT POP
        0x80, 0x80, 0x14, 0x50,  # DUP1 DUP1 EQ POP
        0x60, 0x01, 0x90, 0x03,  # PUSH1 1 SWAP1 SUB      i − 1
        0x80, 0x61, 0x00, 0x03, 0x57,  # DUP1 PUSH2 3 JUMPI
    ])
    return bytes([0x61]) + iterations.to_bytes(2, "big") + body + b"\x00"


STEPS_PER_ITERATION = 23


def measure(steps: int, options: ProofOptions) -> dict:
    iterations = max(1, steps // STEPS_PER_ITERATION)
    code = loop_program(iterations)
    gas = 30_000_000
    start = time.perf_counter()
    trace = record_run(code, gas=gas)
    matrix, statement = witness_for(code, gas, trace)
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
        "evm_steps": n_steps,
        "trace_rows": matrix.shape[0],
        "rows_per_step": round(matrix.shape[0] / n_steps, 3),
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
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, nargs="+", default=[1000, 4000, 16000])
    args = ap.parse_args()
    options = ProofOptions()
    measure(200, options)  # warm-up: compile the kernels
    results = []
    for steps in args.steps:
        r = measure(steps, options)
        print(json.dumps(r), flush=True)
        results.append(r)
    best = min(results, key=lambda r: r["prove_s_per_1000_steps"])
    print(json.dumps({"summary": {"main_width": WIDTH, "aux_width_ext": AUX_WIDTH,
                                  "best_prove_s_per_1000_steps": best["prove_s_per_1000_steps"],
                                  "at_steps": best["evm_steps"]}}))


if __name__ == "__main__":
    main()
