"""Timings of transaction signing, sender recovery and the raw codec; prints one JSON object.

Recovery is timed on fresh signatures (the per-signature cache never hits), next to py_ecc's own
``ecdsa_raw_sign``/``ecdsa_raw_recover`` on the same inputs for reference.

    python benchmarks/bench_tx.py [--repeats 50]
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from typing import Callable

from py_ecc.secp256k1 import ecdsa_raw_recover, ecdsa_raw_sign

from l2 import crypto
from l2 import tx as T


def _time_each(fn: Callable[[int], object], repeats: int) -> dict[str, float]:
    """Median and minimum milliseconds of ``fn(i)`` over ``repeats`` distinct inputs ``i``."""
    samples = []
    for i in range(repeats):
        start = time.perf_counter()
        fn(i)
        samples.append((time.perf_counter() - start) * 1e3)
    return {"median_ms": round(statistics.median(samples), 4), "min_ms": round(min(samples), 4)}


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=50)
    args = parser.parse_args(argv)
    n = args.repeats

    key = crypto.dev_private_key(0)
    start = time.perf_counter()
    crypto.private_key_to_address(key)  # builds the fixed-base table once
    table_ms = (time.perf_counter() - start) * 1e3

    def unsigned(i: int) -> T.DynamicFeeTx:
        return T.DynamicFeeTx(
            chain_id=1337, nonce=i, max_priority_fee_per_gas=1, max_fee_per_gas=10**9,
            gas=21000, to=b"\x11" * 20, value=i,
        )

    unsigned_txs = [unsigned(i) for i in range(n)]
    signed_txs = [T.sign(t, key) for t in unsigned_txs]
    raws = [T.encode(t) for t in signed_txs]
    hashes = [T.signing_hash(t) for t in signed_txs]
    reference_sigs = [ecdsa_raw_sign(h, key) for h in hashes]
    # Fresh transactions for the recovery timings, so no cached result is reused.
    fresh = [T.sign(unsigned(n + i), key) for i in range(n)]
    fresh_validate = [T.sign(unsigned(2 * n + i), key) for i in range(n)]

    results: dict[str, object] = {
        "benchmark": "tx",
        "python": platform.python_version(),
        "machine": platform.machine(),
        "repeats": n,
        "fixed_base_table_build_ms": round(table_ms, 2),
        "sign_tx": _time_each(lambda i: T.sign(unsigned_txs[i], key), n),
        "recover_sender": _time_each(lambda i: T.sender(fresh[i]), n),
        "recover_sender_cached": _time_each(lambda i: T.sender(fresh[i]), n),
        "validate_static": _time_each(lambda i: T.validate_static(fresh_validate[i], 1337, 30_000_000), n),
        "py_ecc_reference_sign": _time_each(lambda i: ecdsa_raw_sign(hashes[i], key), n),
        "py_ecc_reference_recover": _time_each(lambda i: ecdsa_raw_recover(hashes[i], reference_sigs[i]), n),
        "encode": _time_each(lambda i: T.encode(signed_txs[i]), n),
        "decode": _time_each(lambda i: T.decode(raws[i]), n),
        "tx_hash": _time_each(lambda i: T.tx_hash(signed_txs[i]), n),
    }
    json.dump(results, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return results


if __name__ == "__main__":
    main()
