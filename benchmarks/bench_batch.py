"""Batch prover: seconds, peak memory and table sizes for batches of plain transfers; JSON lines.

For each size a fresh node (SQLite, temporary data dir) admits that many EIP-1559 transfers from 20
dev accounts to fresh recipients, seals them into one batch, and the batch is proven with the default
(≥ 100-bit) options and verified.  Each size runs in its own process so the peak RSS is that batch's
alone; a warm-up batch of one transfer compiles the kernels first (not counted).

Reported per batch: transactions, prove and verify seconds, proof bytes, peak RSS, the rows and
columns of the transfer table and the state table, state accesses and Poseidon2 permutations per
transaction (two per level row and five hash rows of each access in the state table).

    python benchmarks/bench_batch.py --txs 1 10 100 1000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SENDERS = 20


def _signed_transfers(count: int, chain_id: int, base_fee: int) -> list[bytes]:
    from l2.crypto import dev_private_key
    from l2.tx import DynamicFeeTx, encode, sign

    nonces = [0] * SENDERS
    out = []
    for i in range(count):
        s = i % SENDERS
        tx = DynamicFeeTx(chain_id=chain_id, nonce=nonces[s], max_priority_fee_per_gas=1, max_fee_per_gas=2 * base_fee,
                          gas=21_000, to=(0x10000 + i).to_bytes(20, "big"), value=1 + i)
        nonces[s] += 1
        out.append(encode(sign(tx, dev_private_key(s))))
    return out


def _sealed_node(count: int, home: Path):
    from l2.node import Node

    node = Node.init(home, dev_accounts=SENDERS)
    for raw in _signed_transfers(count, node.config.chain_id, node.config.base_fee):
        node.submit_raw(raw)
    sealed = node.seal()
    if sealed.batch != 1 or len(sealed.tx_hashes) != count:
        raise SystemExit(f"expected one batch of {count} transfers, got {sealed}")
    return node


def measure(count: int) -> dict:
    from circuits import state_layout as SL
    from l2.batch_proof import batch_statement, prove_statement, verify_batch
    from l2.batch_witness import transfer_batch
    from l2.sequencer import state_tree

    with tempfile.TemporaryDirectory() as tmp:
        warm = _sealed_node(1, Path(tmp) / "warm")
        prove_statement(batch_statement(warm, 1), warm.state_before(1))
        warm.close()
        node = _sealed_node(count, Path(tmp) / "chain")
        statement = batch_statement(node, 1)
        world = node.state_before(1)
        batch = transfer_batch(state_tree(world), statement.transfer_inputs())
        level_rows = int((batch.state_trace[:, SL.PAD] == 0).sum()) - SL.HASH_ROWS * len(batch.accesses)
        start = time.perf_counter()
        result = prove_statement(statement, world)
        prove_s = time.perf_counter() - start
        start = time.perf_counter()
        verify_batch(statement, result.proof)
        verify_s = time.perf_counter() - start
        node.close()
    permutations = 2 * level_rows + 2 * SL.HASH_ROWS * len(batch.accesses)
    return {
        "txs": count,
        "prove_s": round(prove_s, 2),
        "verify_s": round(verify_s, 3),
        "proof_bytes": len(result.proof),
        "security_bits": round(result.security_bits, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "transfer_table": list(batch.transfer_trace.shape),
        "state_table": list(batch.state_trace.shape),
        "state_accesses_per_tx": len(batch.accesses) / count,
        "state_rows_per_tx": round(int((batch.state_trace[:, SL.PAD] == 0).sum()) / count, 1),
        "poseidon2_permutations_per_tx": round(permutations / count, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--txs", type=int, nargs="+", default=[1, 10, 100])
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child process: measure one size
    args = ap.parse_args()
    if args.one is not None:
        print(json.dumps(measure(args.one)), flush=True)
        return
    for count in args.txs:
        out = subprocess.run([sys.executable, __file__, "--one", str(count)], capture_output=True, text=True)
        if out.returncode != 0:
            print(json.dumps({"txs": count, "error": out.stderr.strip().splitlines()[-1:]}), flush=True)
        else:
            print(out.stdout.strip(), flush=True)


if __name__ == "__main__":
    main()
