"""Proving workloads of ``l2 bench prover``: build a trace, prove, verify, measure.

Phase timings come from the prover's progress callback, so a benchmark can say where the time goes
(LDE and commitments, constraint evaluation, DEEP, FRI, proof of work, queries).
"""

from __future__ import annotations

import resource
import time
from dataclasses import dataclass

from circuits.examples.fibonacci import FibonacciAir, fibonacci_trace
from circuits.examples.hash_chain import HashChainAir, hash_chain_trace
from prover.stark import prove
from verifier.proof import ProofOptions
from verifier.stark import verify

AIRS = ("fib", "wide", "vm")
"""fib: Fibonacci; wide: a degree-3 hash chain of ``width`` columns; vm: the execution circuit proving
the ``mixed`` EVM loop of :mod:`l2.vm_workloads` sized to fill the trace."""


@dataclass
class PhaseTimer:
    """Progress callback that records how long each named phase took."""

    phases: dict
    _name: str | None = None
    _start: float = 0.0

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        if self._name is not None:
            self.phases[self._name] = self.phases.get(self._name, 0.0) + now - self._start
        self._name, self._start = name, now

    def finish(self) -> None:
        self("done")
        self._name = None


def build(air_name: str, log_rows: int, width: int = 64):
    n = 1 << log_rows
    if air_name == "fib":
        trace, pi = fibonacci_trace(n)
        return FibonacciAir(), trace, pi
    if air_name == "wide":
        trace, pi = hash_chain_trace(n, width)
        return HashChainAir(width), trace, pi
    if air_name == "vm":
        from circuits.vm.air import VmAir
        from l2.vm_workloads import iterations_for, trace_for

        iterations = 2 if log_rows <= 8 else iterations_for("mixed", log_rows)
        _, matrix, statement = trace_for("mixed", iterations)
        return VmAir(), matrix, statement
    raise ValueError(f"unknown AIR {air_name!r} (choose from {', '.join(AIRS)})")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def bench_prover(air_name: str, log_rows: int, blowup: int = 8, width: int = 64,
                 security: float = 100, progress=None) -> dict:
    """Prove and verify one instance; the first, tiny proof warms (compiles) the kernels."""
    options = ProofOptions.for_security(security, blowup=blowup)
    t0 = time.perf_counter()
    warm_air, warm_trace, warm_pi = build(air_name, 3, min(width, 4))
    verify(warm_air, prove(warm_air, warm_trace, warm_pi, options).to_bytes(), warm_pi, min_security=security)
    compile_seconds = time.perf_counter() - t0

    air, trace, pi = build(air_name, log_rows, width)
    timer = PhaseTimer({})

    def step(name):
        timer(name)
        if progress:
            progress(name)

    t0 = time.perf_counter()
    proof = prove(air, trace, pi, options, progress=step, check=False)
    timer.finish()
    prove_seconds = time.perf_counter() - t0
    data = proof.to_bytes()
    t0 = time.perf_counter()
    verify(air, data, pi, min_security=security)
    verify_seconds = time.perf_counter() - t0
    rows, cols = trace.shape
    extra = {}
    if air_name == "vm":
        from l2.vm_workloads import rows_used

        steps = _vm_steps(trace)
        extra = {"evm_steps": steps, "rows_per_step": round(rows_used(trace) / steps, 3),
                 "prove_seconds_per_1000_steps": round(1000 * prove_seconds / steps, 3),
                 "aux_columns_ext": air.aux_width}
    return {
        "air": air_name,
        "rows": rows,
        "columns": cols,
        "blowup": blowup,
        "security_bits": options.security_bits(rows, air.security_loss_bits(rows)),
        "num_queries": options.num_queries,
        "grinding_bits": options.grinding_bits,
        "prove_seconds": round(prove_seconds, 4),
        "verify_seconds": round(verify_seconds, 4),
        "proof_bytes": len(data),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "verified": True,
        "compile_seconds": round(compile_seconds, 3),
        "cells_per_second": round(rows * cols / prove_seconds),
        "phases": {k: round(v, 4) for k, v in timer.phases.items()},
        **extra,
    }


def _vm_steps(matrix) -> int:
    """EVM steps in an execution trace: rows before the halt that are not a copy's continuation rows."""
    from circuits.vm import layout as L
    from circuits.vm.opcodes import Group

    live = matrix[:, L.HALTED] == 0
    continuation = (matrix[:, L.sel(Group.COPYSIZE)] == 1) | (matrix[:, L.sel(Group.COPYUNIT)] == 1)
    return int((live & ~continuation).sum())
