"""Proving Keccak-f[1600] in the trace: permutations proven per second, and keccak-256 digests.

Prints one JSON object on stdout::

    python benchmarks/bench_keccak_air.py                   # 2^9, 2^11, 2^13 rows (21 … 341 permutations)
    python benchmarks/bench_keccak_air.py --max-log 14      # bigger tables (≈ 10 GB of prover memory)
    python benchmarks/bench_keccak_air.py --messages 0      # skip the keccak-256 statement

A table of 2^m rows holds ⌊(2^m − 1)/24⌋ permutations (24 rows each; the bus never counts the last
row).  One small proof runs first, untimed, so numba compilation or cache loading is not counted;
every size is then proven once with the default options (≥ 100 conjectured bits).  ``peak_rss_mb``
is the process's peak so far, and the sizes run smallest first, so it is each size's own peak.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time

import numba
import numpy as np
from Crypto.Hash import keccak as pycryptodome_keccak

from circuits.keccak_air import (
    GROUP_CONSTRAINTS,
    GROUP_WIDTH,
    Keccak256Air,
    KeccakAir,
    keccak256_trace,
    keccak_trace,
)
from circuits.keccak_layout import BIT_COLUMNS, ROUNDS
from prover.stark import prove
from verifier.proof import ProofOptions
from verifier.stark import verify


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench_permutations(log_rows: int, options: ProofOptions) -> dict:
    air = KeccakAir()
    k = ((1 << log_rows) - 1) // ROUNDS
    states = np.random.default_rng(log_rows).integers(0, 1 << 63, size=(k, 25), dtype=np.uint64) << np.uint64(1)
    (trace, statement), t_wit = _timed(lambda: keccak_trace(states))
    proof, t_prove = _timed(lambda: prove(air, trace, statement, options))
    data = proof.to_bytes()
    _, t_verify = _timed(lambda: verify(air, data, statement))
    n = trace.shape[0]
    return {
        "permutations": k,
        "trace_rows": n,
        "rows_used": ROUNDS * k,
        "trace_columns": air.width,
        "aux_columns_ext": air.aux_width,
        "witness_s": t_wit,
        "prove_s": t_prove,
        "verify_s": t_verify,
        "permutations_proven_per_s": k / t_prove,
        "trace_cells_per_s": n * air.width / t_prove,
        "proof_bytes": len(data),
        "security_bits": proof.options.security_bits(n, air.security_loss_bits(n)),
        "peak_rss_mb": _peak_rss_mb(),
    }


def bench_messages(count: int, length: int, options: ProofOptions) -> dict:
    """keccak-256 of ``count`` messages of ``length`` bytes, checked against pycryptodome."""
    rng = np.random.default_rng(count)
    messages = [rng.integers(0, 256, size=length, dtype=np.uint8).tobytes() for _ in range(count)]
    air = Keccak256Air()
    (trace, statement), t_wit = _timed(lambda: keccak256_trace(messages))
    assert statement.digests == [pycryptodome_keccak.new(digest_bits=256, data=m).digest() for m in messages]
    proof, t_prove = _timed(lambda: prove(air, trace, statement, options))
    data = proof.to_bytes()
    _, t_verify = _timed(lambda: verify(air, data, statement))
    blocks = statement.states.shape[0]
    return {
        "messages": count,
        "message_bytes": length,
        "permutations": blocks,
        "trace_rows": trace.shape[0],
        "witness_s": t_wit,
        "prove_s": t_prove,
        "verify_s": t_verify,
        "digests_proven_per_s": count / t_prove,
        "proof_bytes": len(data),
        "public_input_bytes": len(statement.to_bytes()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-log", type=int, default=9, help="smallest table: 2^min_log rows")
    ap.add_argument("--max-log", type=int, default=13, help="largest table: 2^max_log rows")
    ap.add_argument("--step", type=int, default=2, help="log2 step between sizes")
    ap.add_argument("--messages", type=int, default=40, help="keccak-256 statement over this many messages (0: skip)")
    ap.add_argument("--message-bytes", type=int, default=200, help="length of each message (200 bytes: 2 blocks)")
    args = ap.parse_args()
    options = ProofOptions()

    warm_air = KeccakAir()
    warm_trace, warm_st = keccak_trace(np.zeros((1, 25), dtype=np.uint64))
    _, t_warm = _timed(lambda: verify(warm_air, prove(warm_air, warm_trace, warm_st, options).to_bytes(), warm_st))

    result = {
        "machine": {
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            "numba_threads": numba.get_num_threads(),
            "load_average": os.getloadavg(),
        },
        "options": {"blowup": options.blowup, "num_queries": options.num_queries,
                    "grinding_bits": options.grinding_bits},
        "layout": {
            "rows_per_permutation": ROUNDS,
            "columns_per_row": GROUP_WIDTH + 1,
            "group_columns": GROUP_WIDTH,
            "bit_columns": len(BIT_COLUMNS),
            "cells_per_permutation": ROUNDS * (GROUP_WIDTH + 1),
            "constraints_per_row": GROUP_CONSTRAINTS + 1,
            "max_constraint_degree": warm_air.max_degree(),
        },
        "warm_up_s": t_warm,
        "permutations": [bench_permutations(m, options) for m in range(args.min_log, args.max_log + 1, args.step)],
    }
    if args.messages:
        result["keccak256"] = bench_messages(args.messages, args.message_bytes, options)
    result["machine"]["numba_threading_layer"] = numba.threading_layer()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
