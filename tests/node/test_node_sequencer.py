"""Mempool admission and ordering, and batch sealing: skips, caps, statuses, roots."""

from __future__ import annotations

import dataclasses
import time

import pytest
from sqlalchemy import select

from l2.crypto import SECP256K1_N, dev_address, dev_private_key, keccak256, to_hex
from l2.demo import SELECTORS, STORE_INITCODE
from l2.executor import apply_transaction
from l2.mempool import MAX_NONCE_GAP, AdmissionError
from l2.node import Node
from l2.sequencer import VM_OPCODES, BatchLimits, Sequencer, state_tree, unproven_opcodes
from l2.store import TxRow
from l2.tx import DynamicFeeTx, TxError, decode, encode, sign
from l2.vm import BlockEnv, Op
from l2.vm.trace import TraceRecorder

RECIPIENT = b"\x42" * 20


@pytest.fixture
def node(tmp_path):
    n = Node.init(tmp_path / "chain", dev_accounts=4)
    yield n
    n.close()


def raw_tx(i, nonce, *, to=RECIPIENT, value=1, gas=21_000, tip=0, fee=None, data=b"", chain_id=1337):
    fee = 2 * 10**9 + tip if fee is None else fee
    return encode(sign(DynamicFeeTx(chain_id=chain_id, nonce=nonce, max_priority_fee_per_gas=tip, max_fee_per_gas=fee,
                                    gas=gas, to=to, value=value, data=data), dev_private_key(i)))


def high_s(raw: bytes) -> bytes:
    """The same signature with s replaced by N - s: valid ECDSA, refused by EIP-2."""
    t = decode(raw)
    return encode(dataclasses.replace(t, s=SECP256K1_N - t.s, y_parity=1 - t.y_parity))


def with_sequencer(node: Node, **kwargs) -> Node:
    cfg = node.config
    node.sequencer = Sequencer(chain_id=cfg.chain_id, base_fee=cfg.base_fee, coinbase=cfg.coinbase_bytes, **kwargs)
    return node


def deploy_store(node: Node) -> bytes:
    admitted, address = node.deploy(node.dev_key(3), STORE_INITCODE)
    node.seal()
    assert node.transaction(admitted.hash)["status"] == "included"
    return address


# --------------------------------------------------------------------------------------------------
# admission


def test_next_nonce_counts_pending_transactions(node):
    for expected in range(3):
        assert node.send(node.dev_key(0), to=RECIPIENT, value=1).nonce == expected
    node.seal()
    assert node.send(node.dev_key(0), to=RECIPIENT, value=1).nonce == 3


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda: raw_tx(0, 0, chain_id=5), "wrong chain id"),
        (lambda: raw_tx(0, 0, gas=30_000_001), "above block gas limit"),
        (lambda: raw_tx(0, 0, gas=20_999), "below intrinsic gas"),
        (lambda: raw_tx(0, 0, fee=10**9 - 1), "below base fee"),
        (lambda: raw_tx(0, 0, value=10**24), "insufficient funds"),
        (lambda: raw_tx(0, MAX_NONCE_GAP + 1), "too far ahead"),
        (lambda: raw_tx(0, 0, data=b"\x01" * 131_072, gas=30_000_000), "above the 131072-byte limit"),
        (lambda: high_s(raw_tx(0, 0)), "EIP-2 requires low s"),
        (lambda: b"\xc0", "legacy transaction must have 9 fields"),
    ],
)
def test_admission_refusals(node, make, reason):
    with pytest.raises(TxError, match=reason):
        node.submit_raw(make())
    assert node.pending() == []


def test_duplicate_and_used_nonce_refused(node):
    raw = raw_tx(0, 0)
    node.submit_raw(raw)
    with pytest.raises(AdmissionError, match="already known"):
        node.submit_raw(raw)
    with pytest.raises(AdmissionError, match="nonce 0 already used by pending"):
        node.submit_raw(raw_tx(0, 0, value=2))
    node.seal()
    with pytest.raises(AdmissionError, match="nonce 0 already used"):
        node.submit_raw(raw_tx(0, 0, value=3))


def test_pending_transactions_reserve_funds(node):
    balance = 10**24
    cost = 21_000 * 2 * 10**9
    node.submit_raw(raw_tx(1, 0, value=balance // 2))
    with pytest.raises(AdmissionError, match="held by pending"):
        node.submit_raw(raw_tx(1, 1, value=balance // 2 - cost + 1))
    node.submit_raw(raw_tx(1, 1, value=balance // 2 - 2 * cost))


# --------------------------------------------------------------------------------------------------
# ordering and sealing


def test_order_is_nonce_per_sender_then_fee(node):
    # submitted out of nonce order, with different tips per sender
    submitted = {}
    for i, tip in ((0, 1), (1, 5), (2, 3)):
        for nonce in (1, 0):
            submitted[(i, nonce)] = node.submit_raw(raw_tx(i, nonce, tip=tip)).hash
    result = node.seal()
    expected = [submitted[(i, n)] for i in (1, 2, 0) for n in (0, 1)]
    assert result.tx_hashes == expected


def test_nonce_gap_waits(node):
    later = node.submit_raw(raw_tx(0, 1)).hash
    assert node.seal().batch is None
    assert node.transaction(later)["status"] == "pending"
    first = node.submit_raw(raw_tx(0, 0)).hash
    assert node.seal().tx_hashes == [first, later]


def test_unproven_opcode_is_skipped_with_its_name_and_pc(node):
    address = deploy_store(node)
    with_sequencer(node, proven_opcodes=VM_OPCODES - {Op.SSTORE})
    root = node.status()["state_root"]
    call = node.send(node.dev_key(0), to=address, data=SELECTORS["store(uint256)"] + (1).to_bytes(32, "big"))
    after = node.send(node.dev_key(0), to=RECIPIENT, value=5)  # same sender, next nonce
    other = node.send(node.dev_key(1), to=RECIPIENT, value=5)
    result = node.seal()
    assert result.tx_hashes == [other.hash]
    [(skipped, reason)] = result.skipped
    assert skipped == call.hash and reason.startswith("unproven opcode: SSTORE at pc ")
    info = node.transaction(call.hash)
    assert info["status"] == "skipped" and info["skip_reason"] == reason
    assert node.transaction(after.hash)["status"] == "pending"  # waits behind the free nonce
    assert node.nonce(dev_address(0)) == 0 and result.prev_state_root == root
    # the skipped nonce is free again: a transfer takes it, and the waiting one follows
    replacement = node.submit_raw(raw_tx(0, 0, value=9))
    assert node.seal().tx_hashes == [replacement.hash, after.hash]


def test_unproven_opcodes_of_a_trace():
    from l2.state.world import Account, WorldState

    code = bytes.fromhex("600160005500")  # PUSH1 1 PUSH1 0 SSTORE STOP
    state = WorldState({dev_address(0): Account(balance=10**20), b"\xc0" * 20: Account(nonce=1, code=code)})
    env = BlockEnv(chain_id=1337)
    t = sign(DynamicFeeTx(chain_id=1337, nonce=0, max_priority_fee_per_gas=0, max_fee_per_gas=0, gas=100_000,
                          to=b"\xc0" * 20), dev_private_key(0))
    trace = apply_transaction(state, t, dev_address(0), env, tracer=TraceRecorder()).trace
    assert unproven_opcodes(trace) == []
    assert unproven_opcodes(trace, VM_OPCODES - {Op.SSTORE, Op.STOP}) == [("SSTORE", 4), ("STOP", 5)]
    assert unproven_opcodes(trace, ["PUSH1", "SSTORE"]) == [("STOP", 5)]


def test_failed_transaction_is_included_and_charged(node):
    address = deploy_store(node)
    bad = node.send(node.dev_key(0), to=address, data=b"\xde\xad\xbe\xef", gas=60_000)  # unknown selector: revert
    result = node.seal()
    assert result.tx_hashes == [bad.hash] and result.failed == 1
    info = node.transaction(bad.hash)
    assert info["status"] == "failed" and info["receipt"]["status"] == "0x0" and info["gas_used"] > 21_000
    assert node.nonce(dev_address(0)) == 1


def test_gas_cap_splits_batches(node):
    with_sequencer(node, limits=BatchLimits(gas_limit=50_000))
    hashes = [node.submit_raw(raw_tx(i, 0)).hash for i in range(3)]
    first, second = node.seal(), node.seal()
    assert first.tx_hashes == hashes[:2] and second.tx_hashes == hashes[2:]


def test_trace_row_cap(node):
    address = deploy_store(node)
    data = SELECTORS["store(uint256)"] + (1).to_bytes(32, "big")
    node.send(node.dev_key(0), to=address, data=data)
    steps = node.seal().steps
    with_sequencer(node, limits=BatchLimits(max_trace_rows=steps + steps // 2))
    a = node.send(node.dev_key(0), to=address, data=data)
    b = node.send(node.dev_key(1), to=address, data=data)
    assert node.seal().tx_hashes == [a.hash]
    assert node.seal().tx_hashes == [b.hash]
    with_sequencer(node, limits=BatchLimits(max_trace_rows=steps - 1))
    c = node.send(node.dev_key(2), to=address, data=data)
    result = node.seal()
    assert result.batch is None and "exceeds the batch cap" in result.skipped[0][1]
    assert node.transaction(c.hash)["status"] == "skipped"


def test_invalid_at_execution_is_skipped(node):
    """A transaction whose sender cannot pay when its turn comes is skipped with the reason."""
    raw = raw_tx(2, 0, value=10**24)  # admission would refuse it: store it directly
    with node.store.write() as session:
        session.add(TxRow(hash=to_hex(keccak256(raw)), raw=raw,
                          tx_type=2, sender=to_hex(dev_address(2)), nonce=0, to=to_hex(RECIPIENT), value=10**24,
                          gas=21_000, max_fee_per_gas=2 * 10**9, max_priority_fee_per_gas=0, status="pending",
                          received_at=time.time()))
    result = node.seal()
    assert result.batch is None and "insufficient funds" in result.skipped[0][1]


def test_seal_commits_the_state_tree_root(node):
    address = deploy_store(node)
    node.send(node.dev_key(0), to=address, data=SELECTORS["store(uint256)"] + (8).to_bytes(32, "big"))
    node.send(node.dev_key(1), to=RECIPIENT, value=10)
    result = node.seal()
    assert result.state_root == state_tree(node.world()).root_hex == node.status()["state_root"]
    outcomes, world = node.replay_batch(result.batch)
    assert [o.trace is not None for o in outcomes] == [True, True]
    assert world == node.world()
    # batch rows record the ordered hashes and trace statistics
    shown = node.batch(result.batch)
    assert shown["tx_hashes"] == result.tx_hashes and shown["trace_stats"]["steps"] == result.steps
    assert shown["trace_stats"]["opcodes"]["SSTORE"] == 3


@pytest.mark.slow
def test_a_thousand_transfers_fit_one_batch_by_default(node):
    senders = 4
    raws = [raw_tx(i % senders, i // senders, to=(1000 + i).to_bytes(20, "big")) for i in range(1000)]
    prepared = [node.mempool.prepare(r) for r in raws]
    with node.store.write() as session:
        for raw, prep in zip(raws, prepared):
            node.mempool.admit(session, raw, prep)
    result = node.seal()
    assert len(result.tx_hashes) == 1000 and result.gas_used == 21_000_000
    with node.store.read() as session:
        assert session.execute(select(TxRow).where(TxRow.status == "pending")).first() is None
    assert node.verify_chain() == 1


def test_a_skipped_transaction_can_be_sent_again(node):
    address = deploy_store(node)
    default = node.sequencer
    with_sequencer(node, proven_opcodes=VM_OPCODES - {Op.LOG2})
    raw = raw_tx(0, 0, to=address, value=0, data=SELECTORS["store(uint256)"] + (4).to_bytes(32, "big"), gas=120_000)
    admitted = node.submit_raw(raw)
    assert node.seal().skipped[0][1].startswith("unproven opcode: LOG2")
    node.sequencer = default  # the circuits caught up
    again = node.submit_raw(raw)
    assert again.hash == admitted.hash and node.transaction(admitted.hash)["status"] == "pending"
    assert node.seal().tx_hashes == [admitted.hash]
    info = node.transaction(admitted.hash)
    assert info["status"] == "included" and info["skip_reason"] is None
    with pytest.raises(AdmissionError, match="already known"):
        node.submit_raw(raw)


def test_kept_state_is_dropped_when_another_process_sealed(node, tmp_path):
    other = Node.open(node.home)
    try:
        node.send(node.dev_key(0), to=RECIPIENT, value=1)
        node.seal()  # node keeps the state of batch 1
        other.send(other.dev_key(1), to=RECIPIENT, value=2)
        other.seal()  # batch 2 by another process
        node.send(node.dev_key(2), to=RECIPIENT, value=3)
        result = node.seal()  # must start from batch 2, not from its kept batch 1
        assert result.batch == 3 and result.prev_state_root == other.batch(2)["state_root"]
        assert node.balance(RECIPIENT) == 6
        assert node.verify_chain() == 3
    finally:
        other.close()


def test_state_witnesses_chain_the_batch_roots(node):
    from l2.state.tree import digest_hex, verify_update

    address = deploy_store(node)
    node.send(node.dev_key(0), to=address, data=SELECTORS["store(uint256)"] + (6).to_bytes(32, "big"))
    node.send(node.dev_key(1), to=RECIPIENT, value=10)
    result = node.seal()
    witnesses = node.state_witnesses(result.batch)
    assert witnesses and all(verify_update(w) for w in witnesses)
    assert digest_hex(witnesses[0].old_root) == result.prev_state_root
    assert digest_hex(witnesses[-1].new_root) == result.state_root
    assert all(a.new_root == b.old_root for a, b in zip(witnesses, witnesses[1:]))
    assert any(w.new_value == 6 for w in witnesses)  # the stored word is one of the leaves written
