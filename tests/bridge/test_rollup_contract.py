"""The rollup and bridge contracts on the simulated L1, driven directly (no CLI): a proven batch is
accepted once, its withdrawal is claimable once, and refused calls change nothing."""

from __future__ import annotations

import pytest

import bridge.l1_bridge  # noqa: F401 - registers the "bridge" contract
from bridge.constants import L2_BRIDGE
from bridge.withdrawals import withdrawal_proof, withdrawals_of
from l2.batch_proof import prove_batch
from l2.batch_statement import root_bytes, root_from_hex
from l2.crypto import dev_address
from l2.node import Node
from verifier.l1.chain import L1Chain, fund_dev_accounts
from verifier.l1.rollup import encode_submission
from verifier.l1.gas import stark_verifier_gas
from verifier.l1.rollup import work_of

OP = dev_address(0)


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    node = Node.init(tmp_path_factory.mktemp("rollup") / "chain", dev_accounts=3, l1=False)  # its own L1 below
    l1 = L1Chain.create(node.store, gas_limit=200_000_000)
    fund_dev_accounts(l1, [OP], 10**21)
    genesis = root_bytes(root_from_hex(node.status()["genesis_root"]))
    rollup = l1.deploy(OP, "rollup", genesis, node.config.chain_id, 3).contract_address
    bridge = l1.deploy(OP, "bridge", rollup).contract_address
    assert l1.transact(OP, rollup, "set_bridge", bridge).status == 1
    node.send(node.dev_key(1), to=L2_BRIDGE, value=12_345, data=dev_address(2))
    node.send(node.dev_key(1), to=b"\x42" * 20, value=5)
    node.seal()
    proven = prove_batch(node, 1)
    yield node, l1, rollup, bridge, proven
    node.close()


def submit(l1, rollup, statement_bytes, proof):
    data = encode_submission(statement_bytes, proof)
    return l1.transact(OP, rollup, "submit_batch", data, calldata=data)


def test_batch_accepted_once_and_gas_reported(setup):
    node, l1, rollup, bridge, proven = setup
    bad = bytearray(proven.proof)
    bad[len(bad) // 3] ^= 1
    refused = submit(l1, rollup, proven.statement.to_bytes(), bytes(bad))
    assert refused.status == 0 and refused.revert_reason.startswith("proof refused")
    assert l1.call(rollup, "last_batch") == 0
    receipt = submit(l1, rollup, proven.statement.to_bytes(), proven.proof)
    assert receipt.status == 1, receipt.revert_reason
    assert l1.call(rollup, "state_root") == root_bytes(proven.statement.new_root)
    assert receipt.calldata_gas > 0 and receipt.execution_gas > 0
    verifier = sum(g for k, g in receipt.gas_by_category.items() if k.startswith("verifier:"))
    assert verifier == stark_verifier_gas(work_of(proven.statement, proven.proof)).total
    assert receipt.gas_by_category["ecrecover"] == 2 * 3_100
    replay = submit(l1, rollup, proven.statement.to_bytes(), proven.proof)
    assert replay.status == 0 and "not the next one" in replay.revert_reason


def test_withdrawal_claimed_once(setup):
    node, l1, rollup, bridge, proven = setup
    if l1.call(rollup, "last_batch") == 0:
        assert submit(l1, rollup, proven.statement.to_bytes(), proven.proof).status == 1
    assert l1.transact(OP, bridge, "deposit", b"\x09" * 20, value=10**6).status == 1
    [w] = withdrawals_of(1, [(tx.to, tx.value, tx.data) for tx, _ in proven.statement.decoded])
    siblings = b"".join(withdrawal_proof([w.leaf], 0))
    before = l1.balance(dev_address(2))
    forged = l1.transact(OP, bridge, "claim", 1, 0, dev_address(2), 12_346, siblings)
    assert forged.status == 0 and forged.revert_reason == "invalid withdrawal proof"
    wrong_batch = l1.transact(OP, bridge, "claim", 2, 0, dev_address(2), 12_345, siblings)
    assert wrong_batch.status == 0 and "not accepted" in wrong_batch.revert_reason
    assert l1.transact(OP, bridge, "claim", 1, 0, dev_address(2), 12_345, siblings).status == 1
    assert l1.balance(dev_address(2)) == before + 12_345
    again = l1.transact(OP, bridge, "claim", 1, 0, dev_address(2), 12_345, siblings)
    assert again.status == 0 and "already claimed" in again.revert_reason
    assert l1.balance(dev_address(2)) == before + 12_345
    assert l1.call(bridge, "totals") == (10**6, 12_345) and l1.balance(bridge) == 10**6 - 12_345
