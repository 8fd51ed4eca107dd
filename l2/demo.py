"""``l2 demo``: the whole rollup on a throwaway chain, with timings.

In a temporary data dir (an L2 node and its simulated L1 in one SQLite file): genesis with four dev
accounts funded on both layers; a deposit locked on L1; three transfers, the deployment of a small
Vyper contract (``STORE_SOURCE``, compiled ahead of time into ``STORE_INITCODE`` so the demo needs no
compiler), the deployment of a forwarder (``FORWARDER_RUNTIME``: it CALLs the address in its first
calldata word with the rest) and a withdrawal, sealed with the deposit into batch 1; transactions
calling the contract in batch 2, one of them through the forwarder (two call frames, each proven by
its own execution table and put together by the verifier); a read-only call; a re-execution of every batch from genesis that must reproduce every
state root; then each batch proven (a STARK over the transfer, state and execution tables — batch
2's ``store()`` calls emit a LOG2 each, proven as receipt data), verified, posted to the L1 rollup
contract and accepted, and the withdrawal claimed on L1.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from l2.crypto import dev_address, to_hex

__all__ = ["STORE_SOURCE", "STORE_INITCODE", "FORWARDER_RUNTIME", "FORWARDER_INITCODE", "SELECTORS", "run_demo",
           "print_report"]

STORE_SOURCE = """\
# pragma version ^0.4.0
event Stored:
    setter: indexed(address)
    value: uint256

value: public(uint256)
total: public(uint256)
count: public(uint256)

@external
def store(v: uint256):
    self.value = v
    self.total += v
    self.count += 1
    log Stored(setter=msg.sender, value=v)
"""

# `vyper -f bytecode` (0.4.3) of STORE_SOURCE; a test recompiles it when vyper is installed.
STORE_INITCODE = bytes.fromhex(
    "6100ec61000f6000396100ec6000f35f3560e01c60026003820660011b6100e601601e395f51565b636057361d8118"
    "61008b576024361034176100e2576004355f556001546004358082018281106100e25790509050600155600254600181"
    "018181106100e2579050600255337febfcf7c0a1b09f6499e519a8d8bb85ce33cd539ec6cbd964e116cd74943ead1a60"
    "043560405260206040a2005b6306661abd81186100de57346100e25760025460405260206040f35b633fa4f245811861"
    "00de57346100e2575f5460405260206040f35b632ddbd13a81186100de57346100e25760015460405260206040f35b5f"
    "5ffd5b5f80fd00c200a700188558208424106f207776678d61280583a7b5136e5c1b53189208af25f891446b8b710b18"
    "ec810600a1657679706572830004030035"
)

FORWARDER_RUNTIME = bytes.fromhex("36602090038060205f375f5f825f5f5f355af1505000")
"""size = CALLDATASIZE − 32; CALLDATACOPY(0, 32, size); CALL(GAS, calldata[0:32], 0, 0, size, 0, 0); STOP."""
FORWARDER_INITCODE = bytes([0x60, len(FORWARDER_RUNTIME), 0x80, 0x60, 11, 0x5F, 0x39, 0x5F, 0xF3, 0x00, 0x00]) \
    + FORWARDER_RUNTIME
"""CODECOPY(0, 11, n); RETURN(0, n), then the runtime (after two padding bytes, at offset 11)."""

SELECTORS = {
    "store(uint256)": bytes.fromhex("6057361d"),
    "value()": bytes.fromhex("3fa4f245"),
    "total()": bytes.fromhex("2ddbd13a"),
    "count()": bytes.fromhex("06661abd"),
}


def _word(value: int) -> bytes:
    return value.to_bytes(32, "big")


def run_demo(*, dev_accounts: int = 4, stark: bool = True) -> dict[str, Any]:
    """Run the demo in a temporary data dir (deleted afterwards) and return the report.

    ``stark=False`` skips the proving part (batch proof, L1 submission and claim)."""
    from l2.node import Node

    timings: dict[str, float] = {}
    t_total = time.perf_counter()

    def lap(name: str, start: float) -> None:
        timings[name] = round(time.perf_counter() - start, 4)

    with tempfile.TemporaryDirectory(prefix="l2-demo-") as tmp:
        home = Path(tmp) / "chain"
        start = time.perf_counter()
        node = Node.init(home, dev_accounts=dev_accounts)
        lap("init", start)
        try:
            start = time.perf_counter()
            depositor, deposit_to = dev_address(3), b"\xd0" + bytes(19)
            deposit = node.deposit(depositor, deposit_to, 2 * 10**18)
            lap("l1_deposit", start)

            start = time.perf_counter()
            transfers = []
            for i in range(3):
                admitted = node.send(node.dev_key(i), to=dev_address(i + 1), value=(i + 1) * 10**18)
                transfers.append(admitted.hash)
            withdrawal = node.withdraw(node.dev_key(1), dev_address(1), 10**17)
            lap("transfers", start)

            start = time.perf_counter()
            deployed, address = node.deploy(node.dev_key(0), STORE_INITCODE)
            _, forwarder = node.deploy(node.dev_key(0), FORWARDER_INITCODE)
            lap("deploy", start)

            start = time.perf_counter()
            first = node.seal()
            lap("seal_1", start)
            deploy_info = node.transaction(deployed.hash)

            start = time.perf_counter()
            calls = []
            for i, value in enumerate((7, 35)):
                admitted = node.send(node.dev_key(i + 1), to=address, data=SELECTORS["store(uint256)"] + _word(value))
                calls.append(admitted.hash)
            # store(8) through the forwarder: a contract calling a contract
            forwarded = node.send(node.dev_key(3), to=forwarder,
                                  data=address.rjust(32, b"\0") + SELECTORS["store(uint256)"] + _word(8))
            calls.append(forwarded.hash)
            second = node.seal()
            lap("calls_and_seal_2", start)
            call_info = [node.transaction(h) for h in calls]

            start = time.perf_counter()
            value = node.call(to=address, data=SELECTORS["value()"])
            total = node.call(to=address, data=SELECTORS["total()"])
            count = node.call(to=address, data=SELECTORS["count()"])
            lap("read_calls", start)

            start = time.perf_counter()
            checked = node.verify_chain()
            lap("re_execute", start)

            rollup = _prove_and_settle(node, withdrawal.hash, lap) if stark else {"run": False}
            status = node.status()
            balances = node.dev_accounts()
            credited = node.balance(deposit_to)
        finally:
            node.close()
    timings["total"] = round(time.perf_counter() - t_total, 4)

    return {
        "chain_id": status["chain_id"],
        "transfers": transfers,
        "deposit": {"id": deposit.return_value, "amount": 2 * 10**18, "credited_on_l2": credited},
        "contract": {
            "address": to_hex(address),
            "forwarder": to_hex(forwarder),
            "deploy_tx": deployed.hash,
            "deploy_status": deploy_info["status"],
            "deploy_gas": deploy_info["gas_used"],
            "calls": [{"hash": c["hash"], "status": c["status"], "gas_used": c["gas_used"],
                       "logs": len(c["logs"])} for c in call_info],
            "value": int.from_bytes(value.output, "big"),
            "total": int.from_bytes(total.output, "big"),
            "count": int.from_bytes(count.output, "big"),
        },
        "batches": [first.to_json(), second.to_json()],
        "state_root": status["state_root"],
        "re_executed_batches": checked,
        "balances": [{"index": b["index"], "balance": b["balance"], "nonce": b["nonce"]} for b in balances],
        "rollup": rollup,
        "timings": timings,
    }


def _prove_and_settle(node: Any, withdrawal_hash: str, lap) -> dict[str, Any]:
    """Prove each batch, verify it, post it to L1 (in order, each on the last accepted root), then
    claim the withdrawal of batch 1."""
    from l2.batch_proof import prove_batch, verify_batch

    proven_batches = []
    for number in (1, 2):
        start = time.perf_counter()
        proven = prove_batch(node, number)
        lap(f"prove_batch_{number}", start)
        start = time.perf_counter()
        verify_batch(proven.statement, proven.proof)
        lap(f"verify_batch_{number}", start)
        node.save_proof(number, proven.proof, {"kind": "batch", "security_bits": proven.security_bits,
                                               "batch_commitment": "0x" + proven.statement.commitment.hex()},
                        {"prove_seconds": round(proven.prove_seconds, 3)})
        start = time.perf_counter()
        receipt = node.submit_batch(number, proven.proof)
        lap(f"l1_submit_{number}", start)
        proven_batches.append({
            "batch": number,
            "proof_bytes": len(proven.proof),
            "prove_seconds": round(proven.prove_seconds, 3),
            "security_bits": proven.security_bits,
            "execution_tables": proven.execution_tables,
            "l1_accepted": receipt.status == 1,
            "l1_gas_used": receipt.gas_used,
            "l1_calldata_gas": receipt.calldata_gas,
        })
    start = time.perf_counter()
    _, claim = node.claim(withdrawal_hash)
    lap("l1_claim", start)
    return {
        "run": True,
        "batches": proven_batches,
        "l1_state_root": "0x" + node.rollup_call("state_root").hex(),
        "withdrawal_claimed": claim.status == 1,
    }


def print_report(report: dict[str, Any]) -> None:
    """The report as rich tables."""
    from rich.console import Console
    from rich.table import Table

    console = Console(soft_wrap=True)
    console.print(f"[bold]l2 demo[/bold] — chain {report['chain_id']}, throwaway data dir")
    batches = Table(title="batches")
    for column in ("batch", "txs", "failed", "skipped", "steps", "gas", "state root"):
        batches.add_column(column, overflow="fold")
    for b in report["batches"]:
        batches.add_row(str(b["batch"]), str(b["txs"]), str(b["failed"]), str(b["skipped"]), str(b["steps"]),
                        str(b["gas_used"]), b["state_root"])
    console.print(batches)
    c = report["contract"]
    console.print(f"contract {c['address']} deployed ({c['deploy_status']}, {c['deploy_gas']} gas); "
                  f"store() calls (the last through the forwarder {c['forwarder']}): "
                  + ", ".join(f"{x['status']} {x['gas_used']} gas" for x in c["calls"]))
    console.print(f"read-only calls: value() = {c['value']}, total() = {c['total']}, count() = {c['count']}")
    console.print(f"re-executed {report['re_executed_batches']} batches from genesis: every state root reproduced")
    d = report["deposit"]
    console.print(f"L1 deposit {d['id']} of {d['amount']} wei credited on L2: {d['credited_on_l2']} wei")
    r = report["rollup"]
    if r.get("run"):
        for b in r["batches"]:
            console.print(f"batch {b['batch']} proven: {b['proof_bytes']} bytes, {b['security_bits']} bits, "
                          f"{b['execution_tables']} execution table(s), {b['prove_seconds']} s; "
                          f"L1 {'accepted' if b['l1_accepted'] else 'refused'} it for {b['l1_gas_used']} gas "
                          f"(calldata {b['l1_calldata_gas']})")
        console.print(f"L1 state root {r['l1_state_root']}; withdrawal claimed on L1: {r['withdrawal_claimed']}")
    timings = Table(title="timings (s)")
    timings.add_column("step")
    timings.add_column("seconds", justify="right")
    for name, seconds in report["timings"].items():
        timings.add_row(name, f"{seconds:.3f}")
    console.print(timings)
