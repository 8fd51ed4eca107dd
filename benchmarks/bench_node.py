"""Node throughput: transactions admitted per second and batches sealed per second; one JSON object.

Admission is timed as the node does it for ``l2 tx submit-raw``: decode, stateless checks and one
sender recovery (outside the lock), then the stateful checks and the insert in one SQL transaction
that commits (fsync) before the next one starts. Transactions are signed beforehand, so signing is
not timed. Sealing is timed over batches of ``--batch-size`` plain transfers each (the state-tree
update, trace recording and the one commit per batch included).

    python benchmarks/bench_node.py [--txs 300] [--batches 5] [--batch-size 200] [--db URL]
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import tempfile
import time
from pathlib import Path

from l2.crypto import dev_private_key
from l2.node import Node
from l2.tx import DynamicFeeTx, encode, sign

SENDERS = 20


def _signed_transfers(count: int, first_nonce: list[int], chain_id: int, base_fee: int) -> list[bytes]:
    raws = []
    for i in range(count):
        sender = i % SENDERS
        nonce = first_nonce[sender]
        first_nonce[sender] += 1
        tx = DynamicFeeTx(chain_id=chain_id, nonce=nonce, max_priority_fee_per_gas=0, max_fee_per_gas=2 * base_fee,
                          gas=21_000, to=(0x10000 + i).to_bytes(20, "big"), value=1 + i)
        raws.append(encode(sign(tx, dev_private_key(sender))))
    return raws


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--txs", type=int, default=300, help="transactions admitted one commit each")
    parser.add_argument("--batches", type=int, default=5, help="batches sealed")
    parser.add_argument("--batch-size", type=int, default=200, help="transfers per sealed batch")
    parser.add_argument("--db", default=None, help="database URL (default: SQLite in a temporary data dir)")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="l2-bench-") as tmp:
        node = Node.init(Path(tmp) / "chain", dev_accounts=SENDERS, db_url=args.db)
        try:
            cfg = node.config
            nonces = [0] * SENDERS
            raws = _signed_transfers(args.txs, nonces, cfg.chain_id, cfg.base_fee)
            node.seal()  # warm up: compiled kernels load on first use

            start = time.perf_counter()
            for raw in raws:
                node.submit_raw(raw)
            admit_s = time.perf_counter() - start
            node.seal()

            seal_s = 0.0
            sealed_txs = 0
            for _ in range(args.batches):
                batch = _signed_transfers(args.batch_size, nonces, cfg.chain_id, cfg.base_fee)
                with node.store.write() as session:  # bulk admission, not timed here
                    for raw in batch:
                        node.mempool.admit(session, raw, node.mempool.prepare(raw))
                start = time.perf_counter()
                result = node.seal()
                seal_s += time.perf_counter() - start
                sealed_txs += len(result.tx_hashes)
            backend = node.store.dialect
        finally:
            node.close()

    report = {
        "backend": backend,
        "admission": {
            "txs": args.txs,
            "seconds": round(admit_s, 4),
            "txs_per_second": round(args.txs / admit_s, 1),
            "ms_per_tx": round(1e3 * admit_s / args.txs, 3),
        },
        "sealing": {
            "batches": args.batches,
            "txs_per_batch": args.batch_size,
            "seconds": round(seal_s, 4),
            "batches_per_second": round(args.batches / seal_s, 3),
            "txs_per_second": round(sealed_txs / seal_s, 1),
        },
        "python": sys.version.split()[0],
        "machine": platform.machine(),
    }
    print(json.dumps(report))
    return report


if __name__ == "__main__":
    main()
