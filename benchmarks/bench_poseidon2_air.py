"""Proving Poseidon2 in the trace: permutations proven per second, and the cost of a Merkle update.

Prints one JSON object on stdout::

    python benchmarks/bench_poseidon2_air.py                    # 2^8 − 1 … 2^12 − 1 permutations
    python benchmarks/bench_poseidon2_air.py --max-log 14       # bigger batches
    python benchmarks/bench_poseidon2_air.py --updates 64       # also a chain of 64 tree updates

Each size is proven once untimed first (numba compilation or cache loading), then timed with the
default proof options (≥ 100 conjectured bits).  A batch of k permutations takes the next power of
two above k rows: the bus never counts the last row, so 2^m − 1 permutations fill 2^m rows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numba
import numpy as np

from circuits.field import P
from circuits.poseidon2 import compress_many
from circuits.merkle_air import LeafUpdate, MerkleUpdateAir, MerkleUpdateInputs, merkle_update_trace
from circuits.poseidon2_air import GROUP_CONSTRAINTS, GROUP_WIDTH, Poseidon2Air, poseidon2_trace
from prover.stark import prove
from verifier.proof import ProofOptions
from verifier.stark import verify


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def bench_permutations(k: int, options: ProofOptions) -> dict:
    air = Poseidon2Air()
    states = np.random.default_rng(k).integers(0, P, size=(k, 16), dtype=np.uint64)
    (trace, statement), t_wit = _timed(lambda: poseidon2_trace(states))
    prove(air, trace, statement, options)  # warm-up
    proof, t_prove = _timed(lambda: prove(air, trace, statement, options))
    data = proof.to_bytes()
    _, t_verify = _timed(lambda: verify(air, data, statement))
    n = trace.shape[0]
    return {
        "permutations": k,
        "trace_rows": n,
        "trace_columns": air.width,
        "aux_columns_ext": air.aux_width,
        "witness_s": t_wit,
        "prove_s": t_prove,
        "verify_s": t_verify,
        "permutations_proven_per_s": k / t_prove,
        "proof_bytes": len(data),
        "security_bits": proof.options.security_bits(n, air.security_loss_bits(n)),
    }


def _fold(leaf: tuple[int, ...], bits: tuple[int, ...], sib: np.ndarray) -> tuple[int, ...]:
    node = np.array(leaf, dtype=np.uint64)[None]
    for d in range(len(bits) - 1, -1, -1):
        node = compress_many(sib[d][None], node) if bits[d] else compress_many(node, sib[d][None])
    return tuple(int(x) for x in node[0])


def bench_updates(count: int, depth: int, options: ProofOptions) -> dict:
    """A chain of ``count`` writes to one leaf at ``depth`` (random siblings and path bits).

    Two permutations per level and update (old and new path in one row), so the rows are
    count × depth whatever the keys; writing one key again and again keeps the chain honest
    without building a tree.
    """
    rng = np.random.default_rng(7)
    bits = tuple(int(b) for b in rng.integers(0, 2, depth))
    sib = rng.integers(0, P, size=(depth, 8), dtype=np.uint64)
    leaves = [tuple(int(x) for x in row) for row in rng.integers(0, P, size=(count + 1, 8))]
    ups = [LeafUpdate(bits, leaves[i], leaves[i + 1]) for i in range(count)]
    pi = MerkleUpdateInputs(_fold(leaves[0], bits, sib), _fold(leaves[-1], bits, sib), ups)
    air = MerkleUpdateAir()
    trace, t_wit = _timed(lambda: merkle_update_trace(pi, [sib] * count))
    prove(air, trace, pi, options)  # warm-up
    proof, t_prove = _timed(lambda: prove(air, trace, pi, options))
    data = proof.to_bytes()
    _, t_verify = _timed(lambda: verify(air, data, pi))
    return {
        "updates": count,
        "depth": depth,
        "trace_rows": trace.shape[0],
        "trace_columns": air.width,
        "witness_s": t_wit,
        "prove_s": t_prove,
        "verify_s": t_verify,
        "updates_proven_per_s": count / t_prove,
        "proof_bytes": len(data),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--min-log", type=int, default=8, help="smallest batch: 2^min_log − 1 permutations")
    ap.add_argument("--max-log", type=int, default=12, help="largest batch: 2^max_log − 1 permutations")
    ap.add_argument("--updates", type=int, default=16, help="length of the update chain (0: skip)")
    ap.add_argument("--depth", type=int, default=20, help="path depth of each update")
    args = ap.parse_args()
    options = ProofOptions()
    result = {
        "machine": {
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            "numba_threads": numba.get_num_threads(),
        },
        "options": {"blowup": options.blowup, "num_queries": options.num_queries,
                    "grinding_bits": options.grinding_bits},
        "layout": {
            "columns_per_permutation": GROUP_WIDTH,
            "rows_per_permutation": 1,
            "cells_per_permutation": GROUP_WIDTH,
            "constraints_per_permutation": GROUP_CONSTRAINTS,
            "max_constraint_degree": 3,
        },
        "permutations": [bench_permutations((1 << m) - 1, options)
                         for m in range(args.min_log, args.max_log + 1, 2)],
    }
    if args.updates:
        result["merkle_updates"] = bench_updates(args.updates, args.depth, options)
    # Parallel kernels on small inputs are sensitive to how idle threads wait (OpenMP spins by
    # default): record the threading setup next to the numbers.
    result["machine"]["numba_threading_layer"] = numba.threading_layer()
    result["machine"]["OMP_WAIT_POLICY"] = os.environ.get("OMP_WAIT_POLICY")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
