"""Batch prover: seconds, peak memory and table sizes for batches of transfers; JSON lines.

For each size a fresh node (SQLite, temporary data dir) admits that many EIP-1559 transactions from
20 dev accounts to fresh recipients, seals them into one batch, and the batch is proven with the
default (≥ 100-bit) options and verified.  ``--kind transfer``: plain ETH transfers.  ``--kind token``:
calls of a minimal token contract (:data:`TOKEN_RUNTIME`, balances kept at the storage slot numbered
by the holder's address, inside the execution circuit's proven set), deployed and spread over the 20
senders in two earlier batches; each token transfer adds one execution table to the proof.  ``--kind
erc20``: the same with the compiled Vyper ERC-20 of ``tests/contracts/token.vy`` (balances in a
hashmap, so every transfer runs KECCAK256 — proven by the Keccak table — and emits a Transfer log).
``--kind payer``: calls of ``tests/contracts/payer.vy``'s ``try_pay``, which CALLs that ERC-20's
transfer from its own balance: two call frames per transaction, each with its own execution table,
put together by the verifier.  Each size runs in its own process so the peak RSS is that batch's
alone; a warm-up batch of one transfer compiles the kernels first (not counted).

Reported per batch: transactions, prove and verify seconds, proof bytes, peak RSS, the rows and
columns of the transfer table and the state table, the execution tables' heights, the Keccak-f
permutations the Keccak table proves, state accesses and Poseidon2 permutations per
transaction (two per level row and five hash rows of each access in the state table).

    python benchmarks/bench_batch.py --txs 1 10 100 1000
    python benchmarks/bench_batch.py --kind token --txs 1 10
    python benchmarks/bench_batch.py --kind erc20 --txs 1 10 100
    python benchmarks/bench_batch.py --kind payer --txs 1 10 50
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

TOKEN_RUNTIME = bytes.fromhex("602035335481811060195781900333555f35805482019055005b5f5ffd")
"""transfer(to = calldata[0:32], amount = calldata[32:64]): balance[caller] −= amount (REVERT when
short), balance[to] += amount, with balance[a] at storage slot a."""


def token_initcode(supply: int) -> bytes:
    """Constructor: balance[caller] = supply; return TOKEN_RUNTIME."""
    n = len(TOKEN_RUNTIME)
    head = b"\x7f" + supply.to_bytes(32, "big") + b"\x33\x55"            # PUSH32 supply CALLER SSTORE
    copy = bytes([0x60, n, 0x60, 0, 0x5F, 0x39, 0x60, n, 0x5F, 0xF3])   # CODECOPY(0, off, n) RETURN(0, n)
    off = len(head) + len(copy)
    copy = bytes([0x60, n, 0x60, off, 0x5F, 0x39, 0x60, n, 0x5F, 0xF3])
    return head + copy + TOKEN_RUNTIME


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


def _sealed_node(count: int, home: Path, kind: str = "transfer"):
    """A node whose last batch holds ``count`` transactions of ``kind``; returns (node, batch number)."""
    from l2.crypto import dev_address
    from l2.node import Node

    node = Node.init(home, dev_accounts=SENDERS)
    if kind == "transfer":
        raws = _signed_transfers(count, node.config.chain_id, node.config.base_fee)
    elif kind == "payer":
        _, token = node.deploy(node.dev_key(0), erc20_initcode(10**30))
        _, payer = node.deploy(node.dev_key(0), vyper_initcode("payer"))
        node.seal()
        node.send(node.dev_key(0), to=token, data=_transfer_data("erc20", payer, 10**24))
        node.seal()
        raws = _signed_payments(count, token, payer, node)
    else:
        initcode = token_initcode(10**30) if kind == "token" else erc20_initcode(10**30)
        _, token = node.deploy(node.dev_key(0), initcode)
        node.seal()
        for s in range(1, SENDERS):
            node.send(node.dev_key(0), to=token, data=_transfer_data(kind, dev_address(s), 10**24))
        node.seal()
        raws = _signed_token_transfers(count, token, node, kind)
    for raw in raws:
        node.submit_raw(raw)
    sealed = node.seal()
    if len(sealed.tx_hashes) != count:
        raise SystemExit(f"expected one batch of {count} transactions, got {sealed}")
    return node, sealed.batch


def vyper_initcode(name: str) -> bytes:
    """``tests/contracts/<name>.vy`` compiled for Cancun (its constructor arguments not appended)."""
    import vyper
    from vyper.compiler.settings import Settings

    source = (Path(__file__).resolve().parents[1] / "tests" / "contracts" / f"{name}.vy").read_text()
    out = vyper.compile_code(source, output_formats=["bytecode"], settings=Settings(evm_version="cancun"))
    return bytes.fromhex(out["bytecode"][2:])


def erc20_initcode(supply: int) -> bytes:
    """``tests/contracts/token.vy`` (a Vyper ERC-20: hashmap balances, Transfer events) compiled for
    Cancun, with ``supply`` to the deployer."""
    return vyper_initcode("token") + supply.to_bytes(32, "big")


TRY_PAY = bytes.fromhex("773277e4")
"""The selector of try_pay(address,address,uint256)."""


def _signed_payments(count: int, token: bytes, payer: bytes, node) -> list[bytes]:
    """``payer.try_pay(token, recipient i, 1 + i)`` from the senders in turn."""
    from l2.crypto import dev_address, dev_private_key
    from l2.tx import DynamicFeeTx, encode, sign

    nonces = [node.nonce(dev_address(s)) for s in range(SENDERS)]
    out = []
    for i in range(count):
        s = i % SENDERS
        data = TRY_PAY + b"".join(w.rjust(32, b"\0") for w in (token, (0x10000 + i).to_bytes(20, "big"),
                                                                (1 + i).to_bytes(32, "big")))
        tx = DynamicFeeTx(chain_id=node.config.chain_id, nonce=nonces[s], max_priority_fee_per_gas=1,
                          max_fee_per_gas=2 * node.config.base_fee, gas=200_000, to=payer, value=0, data=data)
        nonces[s] += 1
        out.append(encode(sign(tx, dev_private_key(s))))
    return out


ERC20_TRANSFER = bytes.fromhex("a9059cbb")
"""The selector of transfer(address,uint256)."""


def _transfer_data(kind: str, to: bytes, amount: int) -> bytes:
    """Calldata of a token transfer: the minimal token's two words, or the ERC-20 ABI call."""
    words = to.rjust(32, b"\0") + amount.to_bytes(32, "big")
    return ERC20_TRANSFER + words if kind == "erc20" else words


def _signed_token_transfers(count: int, token: bytes, node, kind: str = "token") -> list[bytes]:
    from l2.crypto import dev_address, dev_private_key
    from l2.tx import DynamicFeeTx, encode, sign

    nonces = [node.nonce(dev_address(s)) for s in range(SENDERS)]
    out = []
    for i in range(count):
        s = i % SENDERS
        data = _transfer_data(kind, (0x10000 + i).to_bytes(20, "big"), 1 + i)
        tx = DynamicFeeTx(chain_id=node.config.chain_id, nonce=nonces[s], max_priority_fee_per_gas=1,
                          max_fee_per_gas=2 * node.config.base_fee, gas=100_000, to=token, value=0, data=data)
        nonces[s] += 1
        out.append(encode(sign(tx, dev_private_key(s))))
    return out


def measure(count: int, kind: str = "transfer") -> dict:
    from circuits import state_layout as SL
    from l2.batch_proof import batch_statement, block_env_of, prove_batch, verify_batch
    from l2.batch_witness import batch_witness
    from l2.keccak_tables import block_count, hash_messages

    with tempfile.TemporaryDirectory() as tmp:
        warm, number = _sealed_node(1, Path(tmp) / "warm", kind)
        prove_batch(warm, number)
        warm.close()
        node, number = _sealed_node(count, Path(tmp) / "chain", kind)
        statement = batch_statement(node, number)
        witness = batch_witness(statement.decoded, node.state_before(number), block_env_of(statement),
                                statement.deposits)
        state_trace = witness.tables.state_trace
        accesses = len(witness.tables.accesses)
        level_rows = int((state_trace[:, SL.PAD] == 0).sum()) - SL.HASH_ROWS * accesses
        start = time.perf_counter()
        result = prove_batch(node, number)
        prove_s = time.perf_counter() - start
        start = time.perf_counter()
        verify_batch(statement, result.proof)
        verify_s = time.perf_counter() - start
        node.close()
    permutations = 2 * level_rows + 2 * SL.HASH_ROWS * accesses
    return {
        "kind": kind,
        "txs": count,
        "prove_s": round(prove_s, 2),
        "verify_s": round(verify_s, 3),
        "proof_bytes": len(result.proof),
        "security_bits": round(result.security_bits, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "transfer_table": list(witness.tables.transfer_trace.shape),
        "state_table": list(state_trace.shape),
        "execution_tables": len(witness.runs),
        "execution_table_rows": sorted({int(r.trace.shape[0]) for r in witness.runs}),
        "keccak_permutations": block_count(hash_messages(r.statement for r in witness.runs)),
        "state_accesses_per_tx": accesses / count,
        "state_rows_per_tx": round(int((state_trace[:, SL.PAD] == 0).sum()) / count, 1),
        "poseidon2_permutations_per_tx": round(permutations / count, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--txs", type=int, nargs="+", default=[1, 10, 100])
    ap.add_argument("--kind", choices=["transfer", "token", "erc20", "payer"], default="transfer")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)  # child process: measure one size
    args = ap.parse_args()
    if args.one is not None:
        print(json.dumps(measure(args.one, args.kind)), flush=True)
        return
    for count in args.txs:
        out = subprocess.run([sys.executable, __file__, "--one", str(count), "--kind", args.kind],
                             capture_output=True, text=True)
        if out.returncode != 0:
            print(json.dumps({"kind": args.kind, "txs": count, "error": out.stderr.strip().splitlines()[-3:]}), flush=True)
        else:
            print(out.stdout.strip(), flush=True)


if __name__ == "__main__":
    main()
