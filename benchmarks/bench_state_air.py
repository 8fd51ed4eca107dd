"""Proving state accesses: accesses proven per second, and rows and cells per access.

Prints one JSON object on stdout::

    python benchmarks/bench_state_air.py                          # 1k-key tree; 16, 64, 256 accesses
    python benchmarks/bench_state_air.py --keys 100000 --accesses 64 512
    python benchmarks/bench_state_air.py --reads 0.5              # half of the accesses are reads

Every access is drawn at random: a read (of a present or an absent key) with probability ``--reads``,
otherwise a write of a random value (an update, an insert into an empty slot or next to another leaf)
or, with probability ``--deletes``, a delete.  Each size is proven once untimed first (numba
compilation or cache loading), then timed with the default proof options (≥ 100 conjectured bits).
A block takes max(old depth, new depth) + 5 rows, so rows per access grow with log2(keys).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import time

import numba

from circuits import state_layout as L
from circuits.state_air import StateAir
from l2.state.keys import storage_key
from l2.state.tree import StateTree
from l2.state.witness import Access, replay, state_trace, trace_rows
from prover.stark import prove
from verifier.proof import ProofOptions
from verifier.stark import verify


def _timed(fn):
    t0 = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0


def _key(i: int):
    return storage_key(b"\x42" * 20, i)


def random_accesses(rng: random.Random, keys: int, count: int, reads: float, deletes: float) -> list[Access]:
    out = []
    for _ in range(count):
        k = _key(rng.randrange(2 * keys))          # about half of them absent
        r = rng.random()
        if r < reads:
            out.append(Access.read(k))
        elif r < reads + deletes:
            out.append(Access.write(k, 0))
        else:
            out.append(Access.write(k, rng.randrange(1, 2**256)))
    return out


def bench(tree: StateTree, keys: int, count: int, reads: float, deletes: float, options: ProofOptions,
          seed: int) -> dict:
    air = StateAir()
    accesses = random_accesses(random.Random(seed), keys, count, reads, deletes)
    (trace, pi), t_wit = _timed(lambda: state_trace(tree, accesses))
    used = trace_rows(replay(tree.copy(), accesses))
    prove(air, trace, pi, options)  # warm-up
    proof, t_prove = _timed(lambda: prove(air, trace, pi, options))
    data = proof.to_bytes()
    _, t_verify = _timed(lambda: verify(air, data, pi))
    n = trace.shape[0]
    return {
        "accesses": count,
        "rows_used": used,
        "rows_per_access": used / count,
        "trace_rows": n,
        "cells_per_access": used * air.width / count,
        "witness_s": t_wit,
        "prove_s": t_prove,
        "verify_s": t_verify,
        "accesses_proven_per_s": count / t_prove,
        "proof_bytes": len(data),
        "security_bits": proof.options.security_bits(n, air.security_loss_bits(n)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keys", type=int, default=1000, help="keys in the tree before the accesses")
    ap.add_argument("--accesses", type=int, nargs="+", default=[16, 64, 256], help="batch sizes")
    ap.add_argument("--reads", type=float, default=0.3, help="fraction of reads")
    ap.add_argument("--deletes", type=float, default=0.1, help="fraction of deletes")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    options = ProofOptions()
    rng = random.Random(args.seed)
    tree = StateTree.from_items([(_key(i), rng.randrange(1, 2**256)) for i in range(0, 2 * args.keys, 2)])
    depths = tree.leaf_depths()
    air = StateAir()
    main_constraints = len(air.transition_degrees())
    result = {
        "machine": {
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            "numba_threads": numba.get_num_threads(),
            "numba_threading_layer": None,
            "OMP_WAIT_POLICY": os.environ.get("OMP_WAIT_POLICY"),
        },
        "options": {"blowup": options.blowup, "num_queries": options.num_queries,
                    "grinding_bits": options.grinding_bits},
        "layout": {
            "columns": air.width,
            "aux_columns_ext": air.aux_width,
            "poseidon2_columns": 2 * L.GROUP_A.width,
            "main_constraints": main_constraints,
            "hash_rows_per_access": L.HASH_ROWS,
            "max_constraint_degree": air.max_degree(),
        },
        "tree": {"keys": len(tree), "mean_leaf_depth": sum(depths) / len(depths), "max_leaf_depth": max(depths)},
        "batches": [bench(tree, args.keys, c, args.reads, args.deletes, options, args.seed + c)
                    for c in args.accesses],
    }
    result["machine"]["numba_threading_layer"] = numba.threading_layer()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
