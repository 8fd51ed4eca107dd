"""The node wired to its L1, end to end through the ``l2`` CLI: deposits on L1 are credited on L2,
proven batches are accepted by the rollup contract, withdrawals are claimed on L1 once, forced
transactions go in first, and a new node rebuilt from L1 alone reaches the same root.

Every refusal (by the rollup or the bridge contract) is checked to change nothing on L1: contract
storage and balances are compared before and after. Batches submitted to L1 are proven with the
default options (the rollup requires >= 100 bits); they are kept to a few transactions.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select, text
from typer.testing import CliRunner

from bridge.constants import L2_BRIDGE, L2_RESERVE
from l2.batch_proof import prove_statement, verify_batch
from l2.batch_statement import root_bytes
from l2.cli import app
from l2.crypto import dev_address, dev_private_key, to_hex
from l2.node import ChainConfig, Node, NodeError
from l2.sequencer import state_tree
from l2.state.world import Account, WorldState
from l2.store import HEAD_REVISION, BatchRow, Store, current_revision, make_engine, sqlite_url, upgrade
from l2.tx import DynamicFeeTx, encode, sign, tx_hash
from verifier.l1.chain import L1Chain
from verifier.l1.gas import calldata_tokens, stark_verifier_gas
from verifier.l1.models import L1AccountRow, L1EventRow, L1StorageRow
from verifier.l1.rollup import BRIDGE, DEFAULT_FORCE_DELAY, encode_submission, work_of
from verifier.proof import ProofOptions

FAST = ProofOptions(blowup=8, num_queries=24, grinding_bits=4, fri_remainder_log=2)
"""Cheaper options where nothing is submitted to L1 (verified with min_security=0)."""

R = b"\x55" * 20  # L2 recipient of deposit 0 (a new account)
X, Y, Z = b"\x0a" * 20, b"\x0b" * 20, b"\x0c" * 20  # L1 recipients of withdrawals (new L1 accounts)
D0, D1 = 3 * 10**18, 2 * 10**18
W1, W2, W3, W4 = 7 * 10**17, 12_345, 4 * 10**17, 999


# ------------------------------------------------------------------------------------------------
# helpers


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str

    def json(self):
        assert self.exit_code == 0, self.stderr
        return json.loads(self.stdout)


def cli(home: Path, *args: str) -> CliResult:
    result = CliRunner().invoke(app, ["--home", str(home), *args], catch_exceptions=False)
    return CliResult(result.exit_code, result.stdout, result.stderr)


def refused(result: CliResult, *words: str) -> str:
    """The one-line error of a command that exited 1 (each of ``words`` in it)."""
    assert result.exit_code == 1, result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.stderr, result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


def l1_state(node: Node) -> tuple[dict, dict, int]:
    """Every contract storage slot, every L1 balance and the number of events."""
    with node.l1().store.read() as session:
        storage = {(r.address, r.slot): r.value for r in session.execute(select(L1StorageRow)).scalars()}
        balances = {r.address: r.balance for r in session.execute(select(L1AccountRow)).scalars()}
        events = session.execute(select(func.count()).select_from(L1EventRow)).scalar_one()
    return storage, balances, events


def prove(node: Node, number: int, options: ProofOptions | None = None) -> bytes:
    """Prove batch ``number`` (its deposits included) and store the proof as ``l2 batch prove`` does."""
    result = prove_statement(node.statement(number), node.state_before(number), options)
    node.save_proof(number, result.proof, {"kind": "batch", "security_bits": result.security_bits}, {})
    return result.proof


def submit_raw(node: Node, statement_bytes: bytes, proof: bytes):
    """Send a hand-made submission to the rollup contract from the operator (status 0 when refused)."""
    data = encode_submission(statement_bytes, proof)
    receipt = node.l1().transact(node.operator, node.rollup_address, "submit_batch", data, calldata=data)
    node.l1().mine()
    return receipt


def assert_refused_unchanged(node: Node, send, *words: str) -> None:
    """``send()`` returns a receipt that must be a revert naming ``words``, with L1 state unchanged."""
    before = l1_state(node)
    receipt = send()
    assert receipt.status == 0, "accepted"
    for word in words:
        assert word in receipt.revert_reason, receipt.revert_reason
    assert l1_state(node) == before


def by_id(items: list[dict]) -> dict:
    return {item["id"]: item for item in items}


def signed(index: int, nonce: int, *, to: bytes, value: int, data: bytes = b"", tip: int = 0) -> bytes:
    return encode(sign(DynamicFeeTx(chain_id=1337, nonce=nonce, max_priority_fee_per_gas=tip,
                                    max_fee_per_gas=2 * 10**9 + tip, gas=30_000, to=to, value=value, data=data),
                       dev_private_key(index)))


# ------------------------------------------------------------------------------------------------
# the happy path, through the CLI


@pytest.fixture(scope="module")
def flow(tmp_path_factory):
    """Two deposits → batch 1 (deposits only) accepted; two withdrawals and a transfer → batch 2
    accepted, withdrawal 1 claimed; a withdrawal forced through L1 and left overdue plus a better
    paying one → batch 3 carries the forced one first and is accepted; every withdrawal claimed."""
    home = tmp_path_factory.mktemp("flow") / "a"
    out = SimpleNamespace(home=home)
    out.init = cli(home, "init", "--dev-accounts", "3", "--json").json()
    node = Node.open(home)
    out.node = node
    out.dep0 = cli(home, "bridge", "deposit", "--l1-from", "1", "--to", to_hex(R), "--value", str(D0), "--json").json()
    out.dep1 = cli(home, "bridge", "deposit", "--l1-from", "2", "--to", to_hex(dev_address(2)), "--value", str(D1),
                   "--json").json()
    out.status_queued = cli(home, "bridge", "status", "--json").json()
    out.seal1 = cli(home, "batch", "seal", "--json").json()
    out.status_credited = cli(home, "bridge", "status", "--json").json()
    out.l1_before_submit = cli(home, "l1", "status", "--json").json()
    out.proof1 = prove(node, 1)
    out.sub1 = cli(home, "l1", "submit", "1", "--json").json()
    out.status_accepted = cli(home, "bridge", "status", "--json").json()

    out.w1 = cli(home, "bridge", "withdraw", "--from", "2", "--to", to_hex(X), "--value", str(W1), "--json").json()
    cli(home, "tx", "send", "--from", "0", "--to", "0x" + "42" * 20, "--value", "5", "--json").json()  # no withdrawal
    out.w2 = cli(home, "bridge", "withdraw", "--from", "0", "--to", to_hex(Y), "--value", str(W2), "--json").json()
    out.status_pending = cli(home, "bridge", "status", "--json").json()
    out.seal2 = cli(home, "batch", "seal", "--json").json()
    out.status_included = cli(home, "bridge", "status", "--json").json()
    before = l1_state(node)
    out.early_claim = cli(home, "bridge", "claim", out.w1["id"])
    out.early_claim_unchanged = l1_state(node) == before
    out.proof2 = prove(node, 2)
    out.sub2 = cli(home, "l1", "submit", "2", "--json").json()
    out.status_accepted2 = cli(home, "bridge", "status", "--json").json()
    out.x_before = node.l1().balance(X)
    out.claim1 = cli(home, "bridge", "claim", out.w1["id"], "--json").json()
    out.x_after = node.l1().balance(X)
    out.status_claimed = cli(home, "bridge", "status", "--json").json()
    out.reserve_after_claim1 = (node.l1().balance(node.bridge_address), L2_RESERVE - node.balance(L2_BRIDGE))

    # an escape hatch: a withdrawal forced through L1, left until overdue; a better-paying one waits
    out.forced_raw = signed(1, 0, to=L2_BRIDGE, value=W3, data=Z)
    out.forced = cli(home, "l1", "force-include", to_hex(out.forced_raw), "--from", "1", "--json").json()
    cli(home, "l1", "mine", "--blocks", str(DEFAULT_FORCE_DELAY), "--json").json()
    out.w4 = node.send(node.dev_key(0), to=L2_BRIDGE, value=W4, data=X, max_priority_fee_per_gas=5 * 10**9)
    out.seal3 = cli(home, "batch", "seal", "--json").json()
    prove(node, 3)
    out.sub3 = cli(home, "l1", "submit", "3", "--json").json()
    out.l1_status = cli(home, "l1", "status", "--json").json()
    out.claims = [cli(home, "bridge", "claim", h, "--json").json()
                  for h in (out.w2["id"], to_hex(tx_hash(_decode(out.forced_raw))), out.w4.hash)]
    out.status_final = cli(home, "bridge", "status", "--json").json()
    yield out
    node.close()


def _decode(raw: bytes):
    from l2.tx import decode

    return decode(raw)


def test_deposits_are_queued_then_credited_then_accepted(flow):
    assert (flow.dep0["id"], flow.dep0["status"], flow.dep1["id"]) == (0, "queued", 1)
    assert [(d["id"], d["amount"], d["status"]) for d in flow.status_queued["deposits"]] == [(0, D0, "queued"),
                                                                                             (1, D1, "queued")]
    # a batch that only credits deposits is still a batch
    assert flow.seal1["batch"] == 1 and flow.seal1["txs"] == 0 and flow.seal1["deposits"] == [0, 1]
    assert [(d["status"], d["batch"]) for d in flow.status_credited["deposits"]] == [("credited", 1)] * 2
    assert flow.l1_before_submit["pending_deposits"] == 2 and flow.l1_before_submit["last_batch"] == 0
    assert [d["status"] for d in flow.status_accepted["deposits"]] == ["accepted", "accepted"]
    assert flow.node.balance(R) == D0
    assert flow.node.batch_deposits(1)[0].recipient == R and flow.node.batch_deposits(2) == []


def test_submissions_are_accepted_with_the_node_roots(flow):
    for sub, number in ((flow.sub1, 1), (flow.sub2, 2), (flow.sub3, 3)):
        assert sub["accepted"] is True and sub["batch"] == number
        assert sub["state_root"] == flow.node.batch(number)["state_root"]
    status = flow.l1_status
    assert status["last_batch"] == 3 == status["l2_head"] and status["state_root"] == flow.node.status()["state_root"]
    assert status["pending_deposits"] == 0 and status["submissions"] == 3
    assert status["gas_spent"] == flow.sub1["gas_used"] + flow.sub2["gas_used"] + flow.sub3["gas_used"]
    assert status["l1_block"] > flow.l1_before_submit["l1_block"]
    assert flow.node.verify_chain() == 3  # re-executing deposits then transactions reproduces every root


def test_withdrawals_go_pending_included_accepted_claimed(flow):
    ids = [flow.w1["id"], flow.w2["id"]]
    assert flow.w1["status"] == "pending"
    for snapshot, expected in ((flow.status_pending, "pending"), (flow.status_included, "included"),
                               (flow.status_accepted2, "accepted")):
        found = by_id(snapshot["withdrawals"])
        assert [found[i]["status"] for i in ids] == [expected, expected]
    assert [by_id(flow.status_accepted2["withdrawals"])[i]["index"] for i in ids] == [0, 1]  # the transfer is not one
    assert flow.claim1["status"] == "claimed" and (flow.claim1["batch"], flow.claim1["index"]) == (2, 0)
    assert flow.x_after == flow.x_before + W1
    assert by_id(flow.status_claimed["withdrawals"])[flow.w1["id"]]["status"] == "claimed"
    assert by_id(flow.status_claimed["withdrawals"])[flow.w2["id"]]["status"] == "accepted"
    assert all(w["status"] == "claimed" for w in flow.status_final["withdrawals"])
    assert len(flow.status_final["withdrawals"]) == 4


def test_claim_before_acceptance_is_refused_and_changes_nothing(flow):
    refused(flow.early_claim, "not accepted")
    assert flow.early_claim_unchanged


def test_forced_transaction_goes_first_and_is_marked_included(flow):
    assert flow.forced["index"] == 0 and flow.forced["status"] == "queued"
    forced_hash = to_hex(tx_hash(_decode(flow.forced_raw)))
    assert flow.forced["hash"] == forced_hash
    # overdue when batch 3 was submitted, and the better-paying transaction waited behind it
    assert flow.sub3["l1_block"] >= flow.forced["due_block"]
    assert flow.seal3["tx_hashes"] == [forced_hash, flow.w4.hash]
    assert flow.node.rollup_call("forced_status") == (1, 1)
    assert flow.l1_status["forced"] == [{"index": 0, "hash": forced_hash, "status": "included", "reason": None}]
    assert flow.node.l1().balance(Z) == W3  # claimed on L1 like any withdrawal


def test_balances_add_up(flow):
    """L1 bridge balance = deposits − claimed; L2 supply from deposits = L2_RESERVE − balance(L2_BRIDGE);
    they differ by the withdrawals not yet claimed, and agree once all are."""
    node = flow.node
    l1_balance, l2_supply = flow.reserve_after_claim1
    assert l1_balance == D0 + D1 - W1
    assert l2_supply == D0 + D1 - W1 - W2  # withdrawals 1 and 2 went back to the bridge account on L2
    assert l1_balance - l2_supply == W2  # the one accepted but not yet claimed
    assert node.bridge_call("totals") == (D0 + D1, W1 + W2 + W3 + W4)
    assert node.l1().balance(node.bridge_address) == D0 + D1 - (W1 + W2 + W3 + W4)
    assert node.l1().balance(node.bridge_address) == L2_RESERVE - node.balance(L2_BRIDGE)


def test_double_and_forged_claims_are_refused_and_change_nothing(flow):
    node, home = flow.node, flow.home
    before = l1_state(node)
    refused(cli(home, "bridge", "claim", flow.w1["id"]), "already claimed")
    assert l1_state(node) == before
    w2, proof = node.withdrawal(flow.w2["id"])
    siblings = b"".join(proof)
    assert len(proof) == 1  # two withdrawals in batch 2
    bridge, op = node.bridge_address, node.operator

    def claim(batch, index, recipient, amount, sibs):
        receipt = node.l1().transact(op, bridge, "claim", batch, index, recipient, amount, sibs)
        node.l1().mine()
        return receipt

    forged = bytes([siblings[0] ^ 1]) + siblings[1:]
    assert_refused_unchanged(node, lambda: claim(2, 1, Y, W2, forged), "invalid withdrawal proof")
    assert_refused_unchanged(node, lambda: claim(2, 1, Y, W2 + 1, siblings), "invalid withdrawal proof")
    assert_refused_unchanged(node, lambda: claim(2, 1, X, W2, siblings), "invalid withdrawal proof")
    assert_refused_unchanged(node, lambda: claim(2, 0, Y, W2, siblings), "invalid withdrawal proof")
    # batch 3 also has two withdrawals, so the proof has the right length there: only the leaf differs
    assert_refused_unchanged(node, lambda: claim(3, 1, Y, W2, siblings), "invalid withdrawal proof")
    assert_refused_unchanged(node, lambda: claim(2, 1, Y, W2, siblings + bytes(32)), "wrong length")
    # the genuine proof of an already claimed withdrawal
    assert_refused_unchanged(node, lambda: claim(2, 1, Y, W2, siblings), "already claimed")


def test_submit_reports_gas_by_the_model(flow):
    """calldata gas = 4/16 per zero/non-zero byte of the submission (the EIP-7623 floor when that is
    more), ecrecover per transaction, verifier gas = the cost model on the proof's own counts."""
    node, sub = flow.node, flow.sub2
    receipt = node.l1().receipt(bytes.fromhex(sub["l1_tx"][2:]))
    statement = node.statement(2)
    submission = encode_submission(statement.to_bytes(), flow.proof2)
    assert receipt.calldata == submission and sub["calldata_bytes"] == len(submission)
    zeros = submission.count(0)
    assert sub["calldata_gas"] == receipt.calldata_gas == 4 * zeros + 16 * (len(submission) - zeros)
    assert sub["floor_gas"] == 21_000 + 10 * calldata_tokens(submission)
    standard = 21_000 + sub["calldata_gas"] + sub["execution_gas"] - receipt.refund
    assert sub["gas_used"] == max(standard, sub["floor_gas"]) == receipt.gas_used
    assert sub["floor_applied"] == (standard < sub["floor_gas"])
    assert sub["ecrecover_gas"] == 3_100 * len(statement.transactions) == 3 * 3_100
    assert flow.sub1["ecrecover_gas"] == 0  # batch 1 has no transactions
    expected = stark_verifier_gas(work_of(statement, flow.proof2)).total
    assert sub["verifier_gas"] == expected > 0
    assert sub["execution_gas"] > sub["verifier_gas"] + sub["ecrecover_gas"]


def test_sync_from_l1_rebuilds_the_same_state(flow, tmp_path):
    home = tmp_path / "b"
    synced = cli(home, "sync-from-l1", "--from", str(flow.home), "--dev-accounts", "3", "--json").json()
    node = flow.node
    assert synced["batches"] == 3 and synced["state_root"] == node.status()["state_root"]
    assert synced["state_root"] == to_hex(node.rollup_call("state_root"))
    assert synced["genesis_root"] == node.status()["genesis_root"]
    with Node.open(home) as other:
        assert other.world() == node.world()
        assert other.verify_chain() == 3
        assert [b["state_root"] for b in other.batches()] == [b["state_root"] for b in node.batches()]
        assert other.batch_deposits(1) == node.batch_deposits(1)
        assert other.batch(2)["tx_hashes"] == node.batch(2)["tx_hashes"]
        assert other.l1_status()["last_batch"] == 3  # it reads the same L1
    # the same through a database URL; genesis parameters that do not give the rollup's root are refused
    by_url = cli(tmp_path / "c", "sync-from-l1", "--l1-db", sqlite_url(flow.home / "l2.sqlite"), "--dev-accounts",
                 "3", "--json").json()
    assert by_url["state_root"] == synced["state_root"]
    refused(cli(tmp_path / "d", "sync-from-l1", "--from", str(flow.home), "--dev-accounts", "2"), "genesis")
    assert not (tmp_path / "d").exists()
    refused(cli(home, "sync-from-l1", "--from", str(flow.home), "--dev-accounts", "3"), "not empty")
    refused(cli(tmp_path / "e", "sync-from-l1"), "exactly one")


def test_bad_input_is_one_line(flow, tmp_path):
    home = flow.home
    refused(cli(home, "l1", "submit", "0"), "at least 1")
    refused(cli(home, "l1", "submit", "9"), "unknown batch 9")
    refused(cli(home, "l1", "submit", "1", "--proof", str(tmp_path / "missing")), "cannot read")
    refused(cli(home, "bridge", "deposit", "--l1-from", "1", "--to", "0x12", "--value", "5"), "--to")
    refused(cli(home, "bridge", "deposit", "--l1-from", "1", "--to", to_hex(R), "--value", "0"), "--value")
    refused(cli(home, "bridge", "deposit", "--l1-from", "7", "--to", to_hex(R), "--value", "5"), "holds 0 wei")
    refused(cli(home, "bridge", "withdraw", "--from", "0", "--to", to_hex(X), "--value", "x"), "--value")
    refused(cli(home, "bridge", "claim", "0x12"), "malformed transaction hash")
    transfer = flow.node.batch(2)["transactions"][1]["hash"]
    refused(cli(home, "bridge", "claim", transfer), "not a withdrawal")
    refused(cli(home, "l1", "force-include", "0xc0"), "")
    old = tmp_path / "old"
    Node.init(old, dev_accounts=1, l1=False).close()
    refused(cli(old, "l1", "status"), "no L1")
    refused(cli(old, "bridge", "status"), "no L1")


# ------------------------------------------------------------------------------------------------
# refused submissions change nothing


@pytest.fixture(scope="module")
def pending_batch(tmp_path_factory):
    """Batch 1 crediting deposits 0 and 1, sealed and proven, not yet submitted."""
    node = Node.init(tmp_path_factory.mktemp("pending") / "chain", dev_accounts=3)
    node.deposit(dev_address(1), R, D0)
    node.deposit(dev_address(2), X, D1)
    assert node.seal().batch == 1
    proof = prove(node, 1)
    yield node, node.statement(1), proof
    node.close()


@pytest.mark.parametrize("change", ["skips_a_deposit", "credits_another_amount", "other_recipient",
                                    "credits_a_deposit_never_made", "reorders_deposits"])
def test_a_batch_that_does_not_credit_the_next_deposits_is_refused(pending_batch, change):
    node, statement, proof = pending_batch
    d0, d1 = statement.deposits
    if change == "skips_a_deposit":
        data, reason = dataclasses.replace(statement, deposits=(d1,)).to_bytes(), "not the next in the queue"
    elif change == "credits_another_amount":
        other = dataclasses.replace(d0, amount=d0.amount + 1)
        data, reason = dataclasses.replace(statement, deposits=(other, d1)).to_bytes(), "differs"
    elif change == "other_recipient":
        other = dataclasses.replace(d1, recipient=R)
        data, reason = dataclasses.replace(statement, deposits=(d0, other)).to_bytes(), "differs"
    elif change == "credits_a_deposit_never_made":
        extra = dataclasses.replace(d1, id=2)
        data, reason = dataclasses.replace(statement, deposits=(d0, d1, extra)).to_bytes(), "never made"
    else:  # the two deposit records swapped in the posted bytes
        raw = statement.to_bytes()
        size = 8 + 20 + 32
        first, second = raw[-2 * size:-size], raw[-size:]
        data, reason = raw[:-2 * size] + second + first, "malformed batch data"
    assert_refused_unchanged(node, lambda: submit_raw(node, data, proof), reason)
    assert node.rollup_call("last_batch") == 0


@pytest.mark.parametrize("offset", [5, 13, 30, 60, 90, 100, 140, -61, -40, -1])
def test_a_tampered_batch_data_byte_is_refused(pending_batch, offset):
    node, statement, proof = pending_batch
    data = bytearray(statement.to_bytes())
    data[offset] ^= 0x01
    assert_refused_unchanged(node, lambda: submit_raw(node, bytes(data), proof))
    assert node.rollup_call("last_batch") == 0


@pytest.fixture(scope="module")
def accepted_batch(tmp_path_factory):
    """Batch 1 (deposits) accepted; batch 2 (a transfer) sealed and proven, not yet submitted."""
    node = Node.init(tmp_path_factory.mktemp("accepted") / "chain", dev_accounts=2)
    node.deposit(dev_address(1), R, D0)
    node.seal()
    proof1 = prove(node, 1)
    node.submit_batch(1)
    node.send(node.dev_key(0), to=R, value=5)
    assert node.seal().batch == 2
    proof2 = prove(node, 2)
    yield node, node.statement(1), proof1, node.statement(2), proof2
    node.close()


def test_replayed_stale_and_mismatched_batches_are_refused(accepted_batch):
    node, s1, p1, s2, p2 = accepted_batch
    assert node.rollup_call("last_batch") == 1
    assert_refused_unchanged(node, lambda: submit_raw(node, s1.to_bytes(), p1), "batch 1 is not the next one (2)")
    assert_refused_unchanged(node, lambda: submit_raw(node, s2.to_bytes(), p1), "proof refused")
    stale = dataclasses.replace(s2, prev_root=s1.prev_root)  # a batch 2 built on the genesis root
    assert_refused_unchanged(node, lambda: submit_raw(node, stale.to_bytes(), p2), "stale state root")
    other_chain = dataclasses.replace(s2, chain_id=s2.chain_id + 1)
    assert_refused_unchanged(node, lambda: submit_raw(node, other_chain.to_bytes(), p2), "another L2 chain")
    # the genuine batch 2 is then accepted
    assert node.submit_batch(2).success and node.rollup_call("state_root") == root_bytes(s2.new_root)


def test_a_batch_that_leaves_out_an_overdue_forced_transaction_is_refused(tmp_path):
    node = Node.init(tmp_path / "chain", dev_accounts=2)
    try:
        node.send(node.dev_key(0), to=R, value=5)
        node.seal()  # batch 1, sealed before the forced transaction appeared
        proof = prove(node, 1)
        forced = signed(1, 0, to=Z, value=7)
        stale_nonce = signed(0, 0, to=Z, value=8)  # nonce 0 of dev 0 is already used
        assert node.force_include(dev_address(1), forced).return_value == 0
        assert node.force_include(dev_address(1), stale_nonce).return_value == 1
        for _ in range(DEFAULT_FORCE_DELAY - 1):
            node.l1().mine()
        assert_refused_unchanged(node, lambda: submit_raw(node, node.statement(1).to_bytes(), proof),
                                 "leaves out forced transaction 0", "overdue")
        # the node admits the queue at its next seal: the one it cannot admit is recorded, the seal goes on
        sealed = node.seal()
        assert sealed.tx_hashes == [to_hex(tx_hash(_decode(forced)))]
        records = {r["index"]: r for r in node.forced_transactions()}
        assert records[0]["status"] == "included"
        assert records[1]["status"] == "refused" and "nonce 0 already used" in records[1]["reason"]
    finally:
        node.close()


# ------------------------------------------------------------------------------------------------
# genesis, init, migrations


def test_old_configs_keep_their_genesis_root():
    old = ChainConfig.from_json({"chain_id": 1337, "dev_accounts": 2, "dev_balance": "1000"})
    assert old.bridge_reserve == 0 and old.l1_rollup is None
    plain = WorldState({dev_address(i): Account(balance=1000) for i in range(2)})
    assert state_tree(Node.genesis_world(old)).root == state_tree(plain).root
    new = ChainConfig(dev_accounts=2, dev_balance=1000)
    assert Node.genesis_world(new).get_balance(L2_BRIDGE) == L2_RESERVE
    assert ChainConfig.from_json(new.to_json()) == new


def test_init_deploys_the_l1_and_refuses_a_store_that_holds_one(tmp_path, flow):
    init = flow.init
    node = flow.node
    assert init["l1"]["rollup"] == node.config.l1_rollup and node.l1().contract_at(node.rollup_address) == "rollup"
    assert node.l1().contract_at(node.bridge_address) == "bridge"
    assert node.l1().storage_at(node.rollup_address, BRIDGE) == int.from_bytes(node.bridge_address, "big")
    assert node.l1().balance(dev_address(2)) > 0 and init["l1"]["operator"] == to_hex(dev_address(0))
    url = sqlite_url(tmp_path / "shared.sqlite")
    with Store(url) as store:
        L1Chain.create(store, genesis_timestamp=1)
    (tmp_path / "home").mkdir()
    with pytest.raises(NodeError, match="already holds an L1 chain"):
        Node.init(tmp_path / "home", db_url=url)
    with Store(url) as store:
        assert L1Chain.open(store).block_number == 1  # untouched
    assert list((tmp_path / "home").iterdir()) == []


def test_migration_0004_gives_older_batches_no_deposits(tmp_path):
    url = sqlite_url(tmp_path / "old.sqlite")
    engine = make_engine(url)
    upgrade(engine, "0003")
    with engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO batches (number, parent, prev_state_root, state_root, tx_hashes, tx_count, gas_used, steps, "
            "trace_stats, timestamp, base_fee, coinbase, gas_limit, sealed_at) VALUES (0, NULL, '0x00', '0x01', '[]', "
            "0, 0, 0, '{}', 1, '1', '0x02', 30000000, 1.0)"))
    engine.dispose()
    with Store(url) as store:
        with store.engine.connect() as conn:
            assert current_revision(conn) == HEAD_REVISION == "0004"
        with store.read() as session:
            assert session.get(BatchRow, 0).deposits == []


# ------------------------------------------------------------------------------------------------
# deposits and transactions in one batch


def test_a_batch_with_deposits_and_transactions_proves(tmp_path):
    node = Node.init(tmp_path / "chain", dev_accounts=2)
    try:
        node.deposit(dev_address(1), R, D0)
        node.send(node.dev_key(0), to=dev_address(1), value=5)
        node.withdraw(node.dev_key(1), X, 7)
        sealed = node.seal()
        assert sealed.deposits[0].id == 0 and len(sealed.tx_hashes) == 2
        statement = node.statement(1)
        result = prove_statement(statement, node.state_before(1), FAST)
        verify_batch(statement, result.proof, min_security=0)
    finally:
        node.close()
