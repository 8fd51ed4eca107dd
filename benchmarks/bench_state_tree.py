"""Throughput of Poseidon2 (permutations per second) and of the state tree (updates per second).

Prints one JSON object on stdout::

    python benchmarks/bench_state_tree.py                 # 100k-key tree, 5k updates
    python benchmarks/bench_state_tree.py --keys 1000000  # bigger tree

Every kernel is called once before timing so that compilation (or loading from numba's cache)
is not counted.  Numbers are the best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import time

import numba
import numpy as np

from circuits.field import P
from circuits.poseidon2 import compress_many, hash_elements_many, permute_many, permute_many_trace
from l2.state.tree import StateTree, verify_proof


def _best(fn, repeat: int) -> float:
    best = math.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def bench_poseidon2(n: int, repeat: int) -> dict:
    rng = np.random.default_rng(1)
    states = rng.integers(0, P, size=(n, 16), dtype=np.uint64)
    half = states[:, :8].copy(), states[:, 8:].copy()
    permute_many(states[:128])
    permute_many(states[:2])
    permute_many_trace(states[:128])
    compress_many(half[0][:128], half[1][:128])
    hash_elements_many(states[:128], 1)
    t_perm = _best(lambda: permute_many(states), repeat)
    t_trace = _best(lambda: permute_many_trace(states), repeat)
    t_comp = _best(lambda: compress_many(*half), repeat)
    t_sponge = _best(lambda: hash_elements_many(states, 1), repeat)
    return {
        "rows": n,
        "permute_many_per_s": n / t_perm,
        "permute_many_trace_per_s": n / t_trace,
        "compress_many_per_s": n / t_comp,
        "hash_elements_many_16_per_s": n / t_sponge,
    }


def bench_tree(n_keys: int, n_updates: int, repeat: int) -> dict:
    rng = random.Random(2)
    keys = [tuple(rng.randrange(P) for _ in range(8)) for _ in range(n_keys)]
    values = [rng.randrange(1, 1 << 256) for _ in range(n_keys)]
    StateTree.from_items(zip(keys[:1000], values[:1000])).root  # warm the kernels
    warm = StateTree.from_items(zip(keys[:10], values[:10]))
    warm.set(keys[11], 1)
    warm.root

    t0 = time.perf_counter()
    tree = StateTree.from_items(zip(keys, values))
    t_bulk = time.perf_counter() - t0

    upd = [rng.randrange(n_keys) for _ in range(n_updates)]
    fresh = [tuple(rng.randrange(P) for _ in range(8)) for _ in range(n_updates)]

    def one_by_one():
        for i in upd:
            tree.set(keys[i], rng.randrange(1, 1 << 256))
            tree.root

    def batched():
        for i in upd:
            tree.set(keys[i], rng.randrange(1, 1 << 256))
        tree.root

    def inserts_and_deletes():
        for k in fresh:
            tree.set(k, 1)
            tree.root
        for k in fresh:
            tree.set(k, 0)
            tree.root

    n_wit = max(1, n_updates // 5)

    def witnessed():
        for i in upd[:n_wit]:
            tree.update(keys[i], rng.randrange(1, 1 << 256))

    root = tree.root
    probes = [keys[i] for i in upd[:n_wit]]

    def prove_verify():
        for k in probes:
            assert verify_proof(root, k, tree.get(k), tree.prove(k))

    t_one = _best(one_by_one, repeat)
    t_batch = _best(batched, repeat)
    t_insdel = _best(inserts_and_deletes, repeat)
    root = tree.root
    t_pv = _best(prove_verify, repeat)
    t_wit = _best(witnessed, repeat)
    depths = tree.leaf_depths()
    return {
        "keys": n_keys,
        "bulk_load_s": t_bulk,
        "bulk_load_keys_per_s": n_keys / t_bulk,
        "updates_per_s_root_each": n_updates / t_one,
        "updates_per_s_batched_root": n_updates / t_batch,
        "insert_delete_per_s_root_each": 2 * n_updates / t_insdel,
        "updates_with_witness_per_s": n_wit / t_wit,
        "prove_and_verify_per_s": n_wit / t_pv,
        "mean_leaf_depth": sum(depths) / len(depths),
        "max_leaf_depth": max(depths),
        "log2_keys": math.log2(n_keys),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keys", type=int, default=100_000, help="keys bulk-loaded into the tree")
    ap.add_argument("--updates", type=int, default=5_000, help="updates per timed loop")
    ap.add_argument("--perms", type=int, default=1 << 17, help="rows for the permutation timings")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    result = {
        "machine": {
            "python": platform.python_version(),
            "cpu_count": os.cpu_count(),
            "numba_threads": numba.get_num_threads(),
        },
        "poseidon2": bench_poseidon2(args.perms, args.repeat),
        "state_tree": bench_tree(args.keys, args.updates, args.repeat),
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
