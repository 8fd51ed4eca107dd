"""``l2 l1 ...``: the node's batches on the simulated L1 rollup contract.

::

    l2 l1 submit N [--proof FILE]       send batch N with its proof; the contract accepts or refuses it
    l2 l1 status                        the rollup's last batch and root, deposits not yet consumed, gas
    l2 l1 force-include RAWTX [--from IDX]   queue a signed L2 transaction through L1
    l2 l1 mine [--blocks N]             close L1 blocks (a forced transaction becomes overdue with time)

The L1 lives in the node's store (``l2 init`` created it). Every L1 transaction sent here is mined
into a block of its own. A refused submission prints the contract's reason on one line and exits
with status 1; the refused transaction stays on L1 with status 0 and its gas, as on Ethereum.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import typer

from l2.cli import CliError, command, emit, open_node, parse_hex, parse_int

__all__ = ["l1_app", "l1_account", "submission_report"]

l1_app = typer.Typer(help="The simulated L1 rollup contract.", no_args_is_help=True)


def l1_account(text: str | None, name: str) -> bytes:
    """An L1 account option: a dev-account index (its address on L1) or a 0x-address."""
    from l2.crypto import InvalidAddress, dev_address, parse_address

    if text is None:
        raise CliError(f"missing {name}")
    value = text.strip()
    if value.isdigit():
        return dev_address(parse_int(value, name, maximum=2**31 - 1))
    try:
        return parse_address(value)
    except InvalidAddress as exc:
        raise CliError(f"{name}: {exc}") from None


def _read_proof(path: str) -> bytes:
    """Proof bytes from ``l2 batch prove --out`` or, from an ``l2 batch export`` file, its proof."""
    from l2.batch_proof import FILE_MAGIC, decode_file

    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read {path}: {exc.strerror}") from None
    if data[:len(FILE_MAGIC)] == FILE_MAGIC:
        return decode_file(data)[1]
    return data


def submission_report(receipt: Any, number: int) -> dict[str, Any]:
    """What ``l2 l1 submit`` prints: the outcome and how its gas splits (calldata, execution, verifier)."""
    verifier = sum(gas for category, gas in receipt.gas_by_category.items() if category.startswith("verifier:"))
    return {
        "accepted": receipt.success,
        "batch": number,
        "state_root": "0x" + bytes(receipt.return_value).hex(),
        "gas_used": receipt.gas_used,
        "calldata_gas": receipt.calldata_gas,
        "execution_gas": receipt.execution_gas,
        "verifier_gas": verifier,
        "ecrecover_gas": receipt.gas_by_category.get("ecrecover", 0),
        "floor_gas": receipt.floor_gas,
        "floor_applied": receipt.floor_applied,
        "calldata_bytes": len(receipt.calldata),
        "l1_tx": "0x" + receipt.tx_hash.hex(),
        "l1_block": receipt.block_number,
    }


@command(l1_app, "submit")
def l1_submit(
    number: str = typer.Argument(..., metavar="N", help="Batch number."),
    proof: Optional[str] = typer.Option(None, "--proof", help="Proof file (default: the newest stored proof)."),
) -> None:
    """Send batch N and its proof to the rollup contract, which verifies it and accepts its state root."""
    from l2.node import L1Refused

    n = parse_int(number, "batch number", minimum=1, maximum=2**31 - 1)
    data = None if proof is None else _read_proof(proof)
    with open_node() as node:
        try:
            receipt = node.submit_batch(n, data)
        except L1Refused as exc:
            raise CliError(f"batch {n} refused by the rollup contract: {exc}") from None
    report = submission_report(receipt, n)
    emit(report, f"batch {n} accepted on L1 (block {report['l1_block']}): state root {report['state_root']}\n"
                 f"gas {report['gas_used']}: calldata {report['calldata_gas']} ({report['calldata_bytes']} bytes), "
                 f"execution {report['execution_gas']} of which verifier {report['verifier_gas']}"
                 + (f"; EIP-7623 floor {report['floor_gas']} applied" if report["floor_applied"] else ""))


@command(l1_app, "status")
def l1_status() -> None:
    """The rollup contract's last accepted batch and state root, next to this node's head."""
    with open_node() as node:
        data = node.l1_status()
        data["forced"] = node.forced_transactions()

    def human() -> None:
        print(f"L1 block {data['l1_block']}: rollup {data['rollup']} accepted batch {data['last_batch']} "
              f"(node head {data['l2_head']})")
        print(f"state root {data['state_root']}")
        print(f"{data['pending_deposits']} deposits not yet in an accepted batch; {data['submissions']} submissions "
              f"used {data['gas_spent']} gas")
        for item in data["forced"]:
            reason = f": {item['reason']}" if item["reason"] else ""
            print(f"forced #{item['index']} {item['hash'] or ''} {item['status']}{reason}")

    emit(data, human)


@command(l1_app, "force-include")
def l1_force_include(
    raw: str = typer.Argument(..., metavar="RAWTX", help="Signed L2 transaction hex."),
    sender: str = typer.Option("0", "--from", help="L1 sender: dev-account index or 0x-address."),
) -> None:
    """Queue a signed L2 transaction in the rollup contract: every batch must carry it once it is overdue."""
    from l2.crypto import to_hex
    from l2.tx import decode, tx_hash
    from verifier.l1.rollup import FORCE_DELAY

    payload = parse_hex(raw, "RAWTX", allow_empty=False)
    account = l1_account(sender, "--from")
    with open_node() as node:
        receipt = node.force_include(account, payload)
        delay = node.l1().storage_at(node.rollup_address, FORCE_DELAY)
    index, block = receipt.return_value, receipt.block_number
    data = {"index": index, "status": "queued", "hash": to_hex(tx_hash(decode(payload))), "l1_block": block,
            "due_block": block + delay}
    emit(data, f"forced transaction #{index} queued on L1 in block {block} ({data['hash']}); every batch must "
               f"carry it from L1 block {data['due_block']}")


@command(l1_app, "mine")
def l1_mine(blocks: str = typer.Option("1", "--blocks", help="How many blocks to close.")) -> None:
    """Close the open L1 block (and more): time passes on the development L1."""
    count = parse_int(blocks, "--blocks", minimum=1, maximum=100_000)
    with open_node() as node:
        l1 = node.l1()
        for _ in range(count):
            block = l1.mine()
    emit({"l1_block": block.number, "timestamp": block.timestamp},
         f"L1 block {block.number} open (timestamp {block.timestamp})")
