"""Benchmark of the prover's two hottest kernels: the BabyBear NTT/LDE and batched BLAKE2b-256.

Each kernel is timed against a plain reference measured in the same run — a numpy radix-2 NTT and a
Python loop over ``hashlib.blake2b`` — and the results are checked equal before timing.  Prints one
JSON object on stdout: per case the best wall time of a few repetitions (after a warm-up call that
loads the compiled kernels) with all numba threads and with one, the reference time (single-threaded
by nature) and the ratios.  Best-of-n hides interference from other processes on a shared machine.

    python benchmarks/bench_kernels.py            # full sizes (about a minute, ~2 GiB of memory)
    python benchmarks/bench_kernels.py --quick    # smaller sizes, for a smoke test
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import sys
import time
from typing import Callable

import numba
import numpy as np

from circuits.field import P, inv_scalar, powers, two_adic_generator
from circuits.ntt import lde, ntt
from verifier.blake2b import hash_pairs, hash_rows

_P = np.uint64(P)


# ---------------------------------------------------------------------------------------------
# references
# ---------------------------------------------------------------------------------------------


def numpy_ntt(coeffs: np.ndarray, inverse: bool = False) -> np.ndarray:
    """Iterative radix-2 DIT in numpy, one whole-array operation per stage (uint64, `% p`)."""
    n = coeffs.shape[0]
    log_n = n.bit_length() - 1
    rev = np.zeros(n, dtype=np.int64)
    for b in range(log_n):
        rev |= ((np.arange(n) >> b) & 1) << (log_n - 1 - b)
    x = coeffs[rev].astype(np.uint64)
    tail = x.shape[1:]
    m = 1
    while m < n:
        root = two_adic_generator(m.bit_length())
        w = powers(inv_scalar(root) if inverse else root, m).reshape((1, m) + (1,) * len(tail))
        blocks = x.reshape((n // (2 * m), 2, m) + tail)
        lo, hi = blocks[:, 0], blocks[:, 1]
        t = hi * w % _P
        x = np.stack([(lo + t) % _P, (lo + _P - t) % _P], axis=1).reshape((n,) + tail)
        m *= 2
    if inverse:
        x = x * np.uint64(inv_scalar(n)) % _P
    return x


def numpy_lde(evals: np.ndarray, blowup: int, shift: int) -> np.ndarray:
    """Textbook LDE: interpolate, scale coefficient j by shift^j, zero-pad, one big NTT."""
    n, width = evals.shape
    coeffs = numpy_ntt(evals, inverse=True)
    padded = np.zeros((n * blowup, width), dtype=np.uint64)
    padded[:n] = coeffs * powers(shift, n).reshape(n, 1) % _P
    return numpy_ntt(padded)


def hashlib_rows(rows: np.ndarray) -> np.ndarray:
    out = np.empty((rows.shape[0], 32), dtype=np.uint8)
    for i, row in enumerate(rows):
        out[i] = np.frombuffer(hashlib.blake2b(row.tobytes(), digest_size=32).digest(), dtype=np.uint8)
    return out


def hashlib_pairs(digests: np.ndarray) -> np.ndarray:
    flat = digests.reshape(-1, 64)
    out = np.empty((flat.shape[0], 32), dtype=np.uint8)
    for i, pair in enumerate(flat):
        out[i] = np.frombuffer(hashlib.blake2b(pair.tobytes(), digest_size=32).digest(), dtype=np.uint8)
    return out


# ---------------------------------------------------------------------------------------------
# timing
# ---------------------------------------------------------------------------------------------


def best_ms(fn: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return round(best * 1e3, 2)


def case(name: str, ours: Callable[[], np.ndarray], reference: Callable[[], np.ndarray],
         repeats: int, reference_repeats: int = 1, reference_ms: float | None = None) -> dict:
    """Check ours() == reference(), then time both (reference_ms, if given, is reused instead)."""
    expected = reference()                    # also the reference's warm-up
    got = ours()                              # loads the compiled kernels
    if not np.array_equal(got, expected):
        raise AssertionError(f"{name}: kernel output differs from the reference")
    ours_ms = best_ms(ours, repeats)
    threads = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        one_thread_ms = best_ms(ours, repeats)
    finally:
        numba.set_num_threads(threads)
    if reference_ms is None:
        reference_ms = best_ms(reference, reference_repeats)
    result = {"name": name, "ms": ours_ms, "ms_1_thread": one_thread_ms, "reference_ms": reference_ms,
              "speedup": round(reference_ms / ours_ms, 1),
              "thread_scaling": round(one_thread_ms / ours_ms, 2)}
    print(json.dumps(result), file=sys.stderr)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (a smoke test)")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    shrink = 4 if args.quick else 0
    rng = np.random.default_rng(1)
    r = args.repeats

    results = []
    col16 = rng.integers(0, P, size=1 << 16, dtype=np.uint64)
    results.append(case("ntt 2^16 x 1", lambda: ntt(col16), lambda: numpy_ntt(col16), r, 3))
    col20 = rng.integers(0, P, size=1 << (20 - shrink), dtype=np.uint64)
    results.append(case(f"ntt 2^{20 - shrink} x 1", lambda: ntt(col20), lambda: numpy_ntt(col20), r))
    mat = rng.integers(0, P, size=(1 << (16 - shrink), 64), dtype=np.uint64)
    results.append(case(f"ntt 2^{16 - shrink} x 64", lambda: ntt(mat), lambda: numpy_ntt(mat), r))
    lde_reference = numpy_lde(mat, 8, 31)
    results.append(case(f"lde 2^{16 - shrink} x 64, blowup 8", lambda: lde(mat, 8, 31),
                        lambda: numpy_lde(mat, 8, 31), max(2, r // 2)))
    out32 = np.empty(lde_reference.shape, dtype=np.uint32)
    results.append(case(f"lde 2^{16 - shrink} x 64, blowup 8, into a uint32 array",
                        lambda: lde(mat, 8, 31, out=out32), lambda: lde_reference.astype(np.uint32),
                        max(2, r // 2), reference_ms=results[-1]["reference_ms"]))

    rows = rng.integers(0, P, size=(1 << (19 - shrink), 64), dtype=np.uint64).astype(np.uint32)
    results.append(case(f"hash_rows 2^{19 - shrink} x 64", lambda: hash_rows(rows),
                        lambda: hashlib_rows(rows), r))
    digests = rng.integers(0, 256, size=(1 << (19 - shrink), 32), dtype=np.uint8)
    results.append(case(f"hash_pairs 2^{19 - shrink} digests", lambda: hash_pairs(digests),
                        lambda: hashlib_pairs(digests), r))

    report = {
        "machine": {"cpus": os.cpu_count(), "numba_threads": numba.get_num_threads(),
                    "threading_layer": numba.config.THREADING_LAYER, "python": platform.python_version(),
                    "numpy": np.__version__, "numba": numba.__version__,
                    "processor": platform.processor() or platform.machine()},
        "note": "ms = best wall time (all threads), ms_1_thread = the same on one thread; speedup = "
                "reference_ms / ms; thread_scaling = ms_1_thread / ms; references: numpy radix-2 NTT "
                "(uint64 % p per stage), Python loop over hashlib.blake2b(digest_size=32)",
        "results": results,
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
