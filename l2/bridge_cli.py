"""``l2 bridge ...``: moving ETH between the simulated L1 and the rollup.

::

    l2 bridge deposit --l1-from IDX --to L2ADDR --value WEI    lock ETH in the L1 bridge for an L2 account
    l2 bridge withdraw --from IDX --to L1ADDR --value WEI      L2 transfer to the bridge account, into the mempool
    l2 bridge claim ID                                         pay withdrawal ID (its L2 tx hash) out on L1
    l2 bridge status                                           every deposit and withdrawal with its status

A deposit is ``queued`` on L1, ``credited`` once an L2 batch credits it (the next ``l2 batch seal``)
and ``accepted`` once the rollup contract accepted that batch. A withdrawal is ``pending`` in the
mempool, ``included`` in a batch, ``accepted`` with that batch on L1 and ``claimed`` once paid. A
claim is sent by the node's L1 operator; the bridge pays the recipient the L2 transaction named,
after checking the withdrawal's Merkle proof against the root the rollup accepted. A refused claim
prints the bridge's reason on one line and exits with status 1.
"""

from __future__ import annotations

from typing import Any, Optional

import typer

from l2.cli import CliError, command, emit, open_node, parse_address_arg, parse_int
from l2.l1_cli import l1_account

__all__ = ["bridge_app"]

bridge_app = typer.Typer(help="Deposits and withdrawals through the bridge.", no_args_is_help=True)


def _l2_key(node: Any, text: str | None) -> bytes:
    """``--from``: an L2 dev-account index or a key file."""
    from l2.node import parse_key_or_index, read_key_file

    if text is None:
        raise CliError("missing --from (a dev-account index or a key file)")
    index, path = parse_key_or_index(text)
    return node.dev_key(index) if index is not None else read_key_file(path)


def _print_table(title: str, columns: list[str], rows: list[list[object]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*["" if x is None else str(x) for x in row])
    Console(soft_wrap=True).print(table)


@command(bridge_app, "deposit")
def bridge_deposit(
    l1_sender: Optional[str] = typer.Option(None, "--l1-from", help="L1 sender: dev-account index or 0x-address."),
    to: Optional[str] = typer.Option(None, "--to", help="L2 recipient 0x-address."),
    value: Optional[str] = typer.Option(None, "--value", help="Wei to deposit."),
) -> None:
    """Lock ETH in the L1 bridge; the next sealed batch credits it on L2."""
    from l2.crypto import to_hex

    account = l1_account(l1_sender, "--l1-from")
    recipient = parse_address_arg(to, "--to")
    amount = parse_int(value, "--value", minimum=1, maximum=2**256 - 1)
    with open_node() as node:
        receipt = node.deposit(account, recipient, amount)
    data = {"id": receipt.return_value, "status": "queued", "amount": amount, "recipient": to_hex(recipient),
            "l1_sender": to_hex(account), "l1_tx": "0x" + receipt.tx_hash.hex(), "l1_block": receipt.block_number,
            "gas_used": receipt.gas_used}
    emit(data, f"deposit {data['id']} of {amount} wei to {data['recipient']} queued on L1 (block "
               f"{data['l1_block']}); credited on L2 by the next sealed batch")


@command(bridge_app, "withdraw")
def bridge_withdraw(
    sender: Optional[str] = typer.Option(None, "--from", help="L2 dev-account index or key file."),
    to: Optional[str] = typer.Option(None, "--to", help="L1 recipient 0x-address."),
    value: Optional[str] = typer.Option(None, "--value", help="Wei to withdraw."),
) -> None:
    """Send an L2 transfer to the bridge account naming the L1 recipient; claim it on L1 once its batch is accepted."""
    from l2.crypto import to_hex

    recipient = parse_address_arg(to, "--to")
    amount = parse_int(value, "--value", minimum=1, maximum=2**256 - 1)
    with open_node() as node:
        admitted = node.withdraw(_l2_key(node, sender), recipient, amount)
    data = {"id": admitted.hash, "status": admitted.status, "amount": amount, "recipient": to_hex(recipient),
            "from": to_hex(admitted.sender), "nonce": admitted.nonce}
    emit(data, f"withdrawal {admitted.hash} of {amount} wei to {data['recipient']} on L1: {admitted.status}")


@command(bridge_app, "claim")
def bridge_claim(
    withdrawal: str = typer.Argument(..., metavar="ID", help="The withdrawal's L2 transaction hash."),
) -> None:
    """Claim a withdrawal on L1 with its Merkle proof against the accepted batch's withdrawals root."""
    from l2.crypto import to_hex
    from l2.node import L1Refused

    with open_node() as node:
        try:
            found, receipt = node.claim(withdrawal)
        except L1Refused as exc:
            raise CliError(f"claim refused by the bridge: {exc}") from None
    data = {"id": withdrawal.strip().lower(), "status": "claimed", "batch": found.batch, "index": found.index,
            "amount": found.amount, "recipient": to_hex(found.recipient), "l1_tx": "0x" + receipt.tx_hash.hex(),
            "gas_used": receipt.gas_used}
    emit(data, f"withdrawal {data['id']} claimed: {found.amount} wei paid to {data['recipient']} on L1 "
               f"(batch {found.batch}, index {found.index}, gas {receipt.gas_used})")


@command(bridge_app, "status")
def bridge_status() -> None:
    """Every deposit and withdrawal with its amount and status."""
    with open_node() as node:
        data = node.bridge_status()

    def human() -> None:
        _print_table("deposits", ["id", "amount (wei)", "to (L2)", "status", "batch"],
                     [[d["id"], d["amount"], d["recipient"], d["status"], d["batch"]] for d in data["deposits"]])
        _print_table("withdrawals", ["id", "amount (wei)", "to (L1)", "status", "batch"],
                     [[w["id"], w["amount"], w["recipient"], w["status"], w["batch"]] for w in data["withdrawals"]])

    emit(data, human)
