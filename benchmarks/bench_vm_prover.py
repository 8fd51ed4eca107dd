"""Execution-circuit prover benchmark: trace shape and proving time per 1,000 EVM steps.

Two counting loops (``arith`` and ``mixed``, see :mod:`l2.vm_workloads`), sized so the trace fills a
given power-of-two number of rows.

Each run is proven with the default (100-bit) options after a warm-up proof (numba's one-time
compilation is not counted); one JSON object is printed per run, then a summary::

    python benchmarks/bench_vm_prover.py --log-rows 12 16 --program arith mixed
"""

from __future__ import annotations

import argparse
import json
import resource
import time

from circuits.vm.air import VmAir
from circuits.vm.layout import AUX_WIDTH, WIDTH
from l2.vm_workloads import PROGRAMS, iterations_for, rows_used, trace_for
from prover.stark import prove
from verifier.proof import ProofOptions
from verifier.stark import verify

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
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
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
