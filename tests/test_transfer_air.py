"""The transfer table: posted plain transfers become state accesses, and the state table applies them.

Honest batches (several transfers from one sender, a sender paying itself, a transfer to the fee
recipient, new recipients with and without value, a sender whose balance is exactly the cost, legacy
and EIP-1559 prices, calldata and an access list, a zero-fee batch from an account that did not
exist) satisfy every constraint of both tables, the two bus claims add up to zero, and the state
table ends at the root that :func:`l2.executor.apply_transaction` followed by the node's state tree
gives.  Each attack the statement is about is caught by the constraint named in its test: a wrong
credit, a nonce not incremented, a wrong fee, a balance below the cost, a carry that is not a bit,
rows that are not the posted transfers (changed, reordered, dropped, extra) and a recipient with
code.  Contract rows (kind 1: a call stating the called code's hash, a deployment stating 0 and the
deployed code's hash, a failed deployment) satisfy both tables with the verifier's public accesses
on the bus; a recipient existence flag on a contract row, a kind that is not a bit or not the posted
one, and a code hash the tree does not hold are caught.  Every constraint and assertion of the
table catches at least one single-cell mutation.
"""

from __future__ import annotations

import dataclasses
import random

import numpy as np
import pytest

from circuits import transfer_layout as TL
from circuits.air import find_violations
from circuits.extension import Ext
from circuits.field import P
from circuits.poseidon2_air import PublicBus
from circuits.state_air import ACCESS_ARITY, AccessRecord, StateAir, StateBusAir, StateBusInputs, StateInputs
from circuits.transfer_air import (
    EMPTY_CODE_HASH,
    KIND_BALANCE,
    KIND_CONTRACT,
    KIND_CODE_HASH,
    KIND_NONCE,
    TransferAir,
    TransferInputs,
    TransferRecord,
    account_key,
    fill_byte_table,
    replay_transfers,
    transfer_trace,
    transfer_witness,
)
from l2.batch_witness import BatchInputs, batch_traces, inputs_from_transfers, transfer_batch, transfer_inputs
from l2.executor import apply_transaction
from l2.sequencer import state_tree
from l2.state.keys import Kind
from l2.state.keys import account_key as tree_account_key
from l2.state.tree import StateTree
from l2.state.witness import Access, build_trace, replay
from l2.state.world import EMPTY_CODE_HASH as WORLD_EMPTY_CODE_HASH
from l2.state.world import Account, WorldState, code_hash
from l2.tx import AccessListEntry, DynamicFeeTx, LegacyTx, intrinsic_gas
from l2.vm import BlockEnv
from prover.multi_stark import Table, prove_tables
from verifier.errors import VerificationError
from verifier.multi_stark import verify_tables
from verifier.proof import ProofOptions

T_AIR = TransferAir()
S_AIR = StateBusAir()
BASE_FEE = 10**9
GWEI = 10**9
OPTS = ProofOptions(blowup=8, num_queries=20, grinding_bits=2, fri_remainder_log=2)


def addr(n: int) -> bytes:
    return bytes([n]) * 20


ALICE, BOB, CAROL, DAVE, ERIN, EVE, ZED, CONTRACT = (addr(n) for n in (0xA1, 0xB0, 0xCA, 0xDA, 0xE1, 0xEE, 0x2E, 0xC0))
FEE = addr(0xFE)
ERIN_COST = 21000 * 3 * GWEI + 11


def challenges(seed: int = 5) -> list[Ext]:
    rng = random.Random(seed)
    return [Ext(tuple(rng.randrange(P) for _ in range(5))) for _ in range(3)]


CH = challenges()


def legacy(nonce, to, value, price=2 * GWEI, gas=21000, data=b""):
    return LegacyTx(chain_id=1, nonce=nonce, gas_price=price, gas=gas, to=to, value=value, data=data)


def eip1559(nonce, to, value, max_fee=5 * GWEI, tip=GWEI, gas=30000, data=b"", access_list=()):
    return DynamicFeeTx(chain_id=1, nonce=nonce, max_priority_fee_per_gas=tip, max_fee_per_gas=max_fee, gas=gas,
                        to=to, value=value, data=data, access_list=access_list)


def accounts() -> dict[bytes, Account]:
    return {ALICE: Account(nonce=3, balance=10**21), BOB: Account(nonce=1, balance=5),
            DAVE: Account(nonce=7, balance=0), ERIN: Account(balance=ERIN_COST),
            CONTRACT: Account(balance=1, code=b"\x60\x00")}


def priced_txs() -> list[tuple]:
    return [
        (legacy(3, BOB, 10**18), ALICE),                                   # creates the fee recipient
        (eip1559(4, ALICE, 7), ALICE),                                     # to itself
        (legacy(5, FEE, 3, price=GWEI), ALICE),                            # to the fee recipient
        (eip1559(6, CAROL, 10**15, data=b"\x01\x00\x02",
                 access_list=(AccessListEntry(DAVE, (bytes(32),)),)), ALICE),   # new recipient, data, access list
        (legacy(1, DAVE, 0), BOB),                                         # value 0 to an account with nonce only
        (eip1559(7, EVE, 0, max_fee=2 * GWEI, tip=GWEI // 2), ALICE),      # value 0 to nobody: EVE stays absent
        (legacy(0, BOB, 11, price=3 * GWEI), ERIN),                        # balance exactly the cost, ends at 0
        (legacy(8, CAROL, 2**64 - 1), ALICE),                              # carries across limbs
    ]


def free_txs() -> list[tuple]:
    # base fee 0, price 0: a sender that does not exist can send 0; the fee recipient is never created
    return [(legacy(0, BOB, 0, price=0), ZED), (legacy(3, CAROL, 0, price=0, gas=50000), ALICE),
            (legacy(4, ZED, 5, price=0), ALICE)]


def executed(world_accounts, txs, base_fee) -> WorldState:
    world = WorldState(world_accounts)
    env = BlockEnv(base_fee=base_fee, chain_id=1, coinbase=FEE)
    for tx, sender in txs:
        out = apply_transaction(world, tx, sender, env)
        assert out.success and out.gas_used == intrinsic_gas(tx)
    return world


def aux_of(trace, pi, air=T_AIR, ch=CH):
    return air.build_aux_trace(trace, ch, pi)


def claim_of(trace, pi, air=T_AIR, ch=CH) -> Ext:
    return air.bus_claims(trace, aux_of(trace, pi, air, ch), ch, pi)[0]


def names(trace, pi, aux=None, claims=None) -> set[str]:
    """Every violated constraint, with the aux trace rebuilt from ``trace`` unless one is given."""
    aux = aux_of(trace, pi) if aux is None else aux
    return {v.name for v in find_violations(T_AIR, trace, pi, aux, CH, limit=0, claims=claims)}


@dataclasses.dataclass
class Scenario:
    world: dict
    txs: list
    pi: TransferInputs
    tree: StateTree
    batch: object


def scenario(txs, base_fee) -> Scenario:
    world = accounts()
    pi = transfer_inputs(txs, base_fee, FEE)
    tree = state_tree(WorldState(world))
    return Scenario(world, txs, pi, tree, transfer_batch(tree, pi))


@pytest.fixture(scope="module")
def priced() -> Scenario:
    return scenario(priced_txs(), BASE_FEE)


@pytest.fixture(scope="module")
def free() -> Scenario:
    return scenario(free_txs(), 0)


@pytest.fixture(scope="module")
def olds(priced):
    return replay_transfers(priced.pi, priced.tree.get)[0]


def row_of(pi: TransferInputs, sender: bytes) -> int:
    return next(i for i, t in enumerate(pi.transfers) if t.sender == sender)


# ---------------------------------------------------------------------------------------------
# Shape
# ---------------------------------------------------------------------------------------------

def test_declared_degrees_equal_symbolic_degrees():
    main, aux = T_AIR.symbolic_degrees()
    assert main == T_AIR.transition_degrees()
    assert aux == T_AIR.aux_transition_degrees()
    assert max(main + aux) == 3
    assert len(set(T_AIR.transition_names())) == len(main)
    assert len(set(T_AIR.aux_transition_names())) == len(aux)


def test_layout_columns_are_disjoint_and_cover_the_width():
    cols = [TL.ACT, TL.FIRST, TL.TX, *TL.KEYS, *TL.NONCE, *TL.NONCE_NEW, *TL.NONCE_CARRY, *TL.VALUE, *TL.FEE,
            *TL.COST, TL.VALUE_NZ, TL.FEE_NZ, TL.KIND, *TL.CODE_OLD, *TL.CODE_NEW, *TL.SENDER_BAL, *TL.SENDER_NEW,
            *TL.SENDER_BORROW, *TL.TO_BAL, *TL.TO_NEW, *TL.TO_CARRY, *TL.FEE_BAL, *TL.FEE_NEW, *TL.FEE_CARRY, TL.SENDER_EXISTS, TL.TO_EXISTS,
            TL.TO_EXISTS_AFTER, TL.FEE_EXISTS, TL.FEE_EXISTS_AFTER, *TL.SEL, TL.SEL_EQ, *TL.DIFF_BYTES, TL.TAB,
            TL.TAB_MULT]
    assert sorted(cols) == list(range(TL.WIDTH)) and TL.WIDTH == 304
    assert len(TL.PUBLIC_TUPLE) == 128 and TL.AUX_WIDTH == 9


def test_keys_and_empty_code_hash_are_the_state_trees():
    for a in (ALICE, FEE, bytes(20), b"\xff" * 20):
        for kind, tree_kind in ((KIND_NONCE, Kind.NONCE), (KIND_BALANCE, Kind.BALANCE),
                                (KIND_CODE_HASH, Kind.CODE_HASH)):
            assert account_key(a, kind) == tree_account_key(a, tree_kind)
    assert EMPTY_CODE_HASH == int.from_bytes(WORLD_EMPTY_CODE_HASH, "big")


# ---------------------------------------------------------------------------------------------
# Honest batches
# ---------------------------------------------------------------------------------------------

def test_the_priced_scenario_covers_the_cases(priced):
    ts = priced.pi.transfers
    assert sum(t.sender == ALICE for t in ts) >= 5                          # several from one sender
    assert any(t.sender == t.to for t in ts)                                # sender = recipient
    assert any(t.to == FEE for t in ts)                                     # recipient = fee recipient
    assert any(t.value == 0 for t in ts)
    assert {type(tx) for tx, _ in priced.txs} == {LegacyTx, DynamicFeeTx}
    assert not priced.tree.get(account_key(CAROL, KIND_CODE_HASH))          # a new recipient …
    assert not priced.tree.get(account_key(FEE, KIND_CODE_HASH))            # … and a new fee recipient
    trace = priced.batch.transfer_trace
    erin = row_of(priced.pi, ERIN)
    assert trace[erin, TL.SEL_EQ] == 1                                      # balance = cost exactly


@pytest.mark.parametrize("name", ["priced", "free"])
def test_honest_transfers_satisfy_both_tables_and_reach_the_executors_root(name, request):
    sc: Scenario = request.getfixturevalue(name)
    b = sc.batch
    assert names(b.transfer_trace, sc.pi) == set()
    s_aux = S_AIR.build_aux_trace(b.state_trace, CH, b.state_inputs)
    assert find_violations(S_AIR, b.state_trace, b.state_inputs, s_aux, CH, limit=0) == []
    c_t = claim_of(b.transfer_trace, sc.pi)
    c_s = S_AIR.bus_claims(b.state_trace, s_aux, CH, b.state_inputs)[0]
    assert not c_t.is_zero() and (c_t + c_s).is_zero()
    # the state table's claim is the standalone state circuit's public sum over the same accesses
    assert c_s == StateAir().public_sum(StateInputs(b.state_inputs.prev_root, b.state_inputs.new_root, b.accesses), CH)
    after = executed(sc.world, sc.txs, BASE_FEE if name == "priced" else 0)
    assert b.state_inputs.prev_root == sc.tree.root
    assert b.state_inputs.new_root == state_tree(after).root
    assert b.state_inputs.access_count == 7 * len(sc.txs)


def test_free_batch_creates_the_sender_and_not_the_fee_recipient(free):
    after = state_tree(executed(free.world, free.txs, 0))
    assert after.get(account_key(ZED, KIND_CODE_HASH)) == EMPTY_CODE_HASH
    assert after.get(account_key(FEE, KIND_CODE_HASH)) == 0
    assert free.batch.transfer_trace[0, TL.SENDER_EXISTS] == 0


def test_transfer_inputs_price_like_the_executor(priced):
    world = WorldState(accounts())
    env = BlockEnv(base_fee=BASE_FEE, chain_id=1, coinbase=FEE)
    for (tx, sender), rec in zip(priced.txs, priced.pi.transfers):
        out = apply_transaction(world, tx, sender, env)
        assert rec.fee == out.fee
        assert rec.cost == tx.gas * tx.max_fee_per_gas + tx.value
        assert (rec.sender, rec.to, rec.nonce, rec.value) == (sender, tx.to, tx.nonce, tx.value)


def test_batch_traces_from_priced_transfers_and_a_world(priced):
    pi = inputs_from_transfers(priced.pi.transfers, FEE)
    assert T_AIR.public_inputs_bytes(pi) == T_AIR.public_inputs_bytes(priced.pi)
    b = priced.batch
    after = state_tree(executed(priced.world, priced.txs, BASE_FEE)).root
    traces = batch_traces(pi.transfers, FEE, WorldState(priced.world), priced.tree.root, after)
    assert np.array_equal(traces[0], b.transfer_trace) and np.array_equal(traces[1], b.state_trace)
    with pytest.raises(ValueError, match="new state root"):
        batch_traces(pi.transfers, FEE, priced.tree, priced.tree.root, priced.tree.root)


@pytest.mark.parametrize("tx, match", [
    (LegacyTx(chain_id=1, nonce=3, gas_price=GWEI, gas=60000, to=None, data=b"\x00"), "creates a contract"),
    (legacy(3, (1).to_bytes(20, "big"), 1), "precompile"),
    (eip1559(3, BOB, 1, max_fee=2 * GWEI, tip=3 * GWEI), "priority fee"),
    (eip1559(3, BOB, 1, max_fee=GWEI - 1, tip=0), "below base fee"),
    (legacy(3, BOB, 1, gas=20999), "below intrinsic gas"),
    (legacy(3, BOB, 1, gas=10**6), "gas left in the batch"),
])
def test_transfer_inputs_refuse_what_is_not_a_plain_transfer(tx, match):
    with pytest.raises(ValueError, match=match):
        transfer_inputs([(tx, ALICE)], BASE_FEE, FEE, gas_limit=100_000)


@pytest.mark.parametrize("tx, sender, match", [
    (legacy(0, BOB, 1), CONTRACT, "sender has code"),
    (legacy(3, CONTRACT, 1), ALICE, "recipient has code"),
    (legacy(4, BOB, 1), ALICE, "nonce 4, the sender's nonce is 3"),
    (legacy(1, BOB, 1), BOB, "below the cost"),
])
def test_replay_refuses_invalid_transfers(tx, sender, match):
    pi = transfer_inputs([(tx, sender)], BASE_FEE, FEE)
    with pytest.raises(ValueError, match=match):
        transfer_trace(pi, state_tree(WorldState(accounts())).get)


def test_records_check_what_the_verifier_can():
    with pytest.raises(ValueError, match="EIP-2681"):
        TransferRecord(ALICE, BOB, 2**64 - 2, 0, 0, 0)
    with pytest.raises(ValueError, match="exceeds cost"):
        TransferRecord(ALICE, BOB, 0, 5, 1, 5)
    with pytest.raises(ValueError, match="20-byte"):
        TransferRecord(ALICE, b"\x01", 0, 0, 0, 0)


# ---------------------------------------------------------------------------------------------
# Attacks, each caught by the constraint named
# ---------------------------------------------------------------------------------------------

def add(trace, row, col, delta) -> np.ndarray:
    t = trace.copy()
    t[row, col] = (int(t[row, col]) + delta) % P
    return t


def state_claim(tree: StateTree, writes) -> Ext:
    """The state table's claim for ``writes`` applied to ``tree`` (the state side of the bus)."""
    work = tree.copy()
    steps = replay(work, writes)
    trace = build_trace(steps, tree.root)
    pi = StateBusInputs(tree.root, work.root, len(steps))
    aux = S_AIR.build_aux_trace(trace, CH, pi)
    assert find_violations(S_AIR, trace, pi, aux, CH, limit=0) == []    # the state table itself is honest
    return S_AIR.bus_claims(trace, aux, CH, pi)[0]


def honest_writes(batch) -> list[Access]:
    return [Access.write(r.key, r.new_value) for r in batch.accesses]


def test_a_wrong_credit_is_caught(priced):
    b, pi = priced.batch, priced.pi
    assert names(add(b.transfer_trace, 0, TL.TO_NEW[0], 1), pi) == {
        "recipient: new[0] = r[0] + value[0] + q[0] − 2^16·q[1]"}
    # the state side credits the recipient twice: each table holds, the claims no longer cancel
    writes = honest_writes(b)
    rec = b.accesses[4]
    value = pi.transfers[0].value
    twice = writes[:4] + [Access.write(rec.key, rec.new_value + value)] + writes[5:]
    assert (claim_of(b.transfer_trace, pi) + state_claim(priced.tree, twice)).is_zero() is False
    assert (claim_of(b.transfer_trace, pi) + state_claim(priced.tree, writes)).is_zero()


def test_a_nonce_not_incremented_is_caught(priced):
    t = priced.batch.transfer_trace.copy()
    t[0, list(TL.NONCE_NEW)] = t[0, list(TL.NONCE)]
    assert names(t, priced.pi) == {"nonce + 1: new[0] = nonce[0] + c[0] − 2^16·c[1]"}


def test_a_wrong_fee_is_caught(priced, olds):
    b, pi = priced.batch, priced.pi
    assert names(add(b.transfer_trace, 0, TL.FEE_NEW[0], 1), pi) == {
        "fee recipient: new[0] = c[0] + fee[0] + w[0] − 2^16·w[1]"}
    assert names(add(b.transfer_trace, 0, TL.SENDER_NEW[0], 1), pi) == {
        "sender: new[0] = b[0] − value[0] − fee[0] − k[0] + 2^16·k[1]"}
    # a row charging another fee consistently is not the posted transfer
    wrong = replace_transfer(pi, 0, fee=pi.transfers[0].fee - 1)
    assert names(transfer_witness(wrong, olds), pi) == {TX_SUM}


def test_a_balance_below_the_cost_is_caught(priced, olds):
    pi = priced.pi
    i = row_of(pi, ERIN)
    assert olds.sender_balance[i] == pi.transfers[i].cost
    short = replace_transfer(pi, i, cost=pi.transfers[i].cost + 1)      # the sender can pay value + fee, not cost
    t = transfer_witness(short, olds)
    assert names(t, short) == {"upfront: Σ sel[j]·(b[j] − cost[j] − 1) = lo + 256·hi"}
    # no other choice of the selected limb passes either
    honest_top = int(np.nonzero(t[i, list(TL.SEL)])[0][0])
    for choice in [*range(TL.LIMBS), "eq"]:
        f = t.copy()
        f[i, list(TL.SEL)] = 0
        f[i, TL.SEL_EQ] = 0
        if choice == "eq":
            f[i, TL.SEL_EQ] = 1
            gap = 0
        else:
            f[i, TL.SEL[choice]] = 1
            gap = (int(f[i, TL.SENDER_BAL[choice]]) - int(f[i, TL.COST[choice]]) - 1) % P
        f[i, TL.DIFF_BYTES[0]], f[i, TL.DIFF_BYTES[1]] = gap % 256, gap // 256   # lo + 256·hi = gap
        fill_byte_table(f)
        caught = names(f, short)
        assert caught & ({f"upfront: limb {j} above the selected one: b[{j}] = cost[{j}]" for j in range(16)}
                         | {"S' = S + act·Σ u_access + u_bytes − v + first·claim"}), choice
        if choice == honest_top:
            assert caught == {"S' = S + act·Σ u_access + u_bytes − v + first·claim"}   # hi is not a byte


@pytest.mark.parametrize("label, carry, new, delta", [
    ("recipient carry[1] is a bit", TL.TO_CARRY, TL.TO_NEW, -1),
    ("fee recipient carry[1] is a bit", TL.FEE_CARRY, TL.FEE_NEW, -1),
    ("sender borrow[1] ∈ {0, 1, 2}", TL.SENDER_BORROW, TL.SENDER_NEW, 3),
    ("nonce carry[1] is a bit", TL.NONCE_CARRY, TL.NONCE_NEW, -1),
])
def test_a_carry_that_is_not_a_bit_is_caught(priced, label, carry, new, delta):
    """Carry c[1] += δ with limbs 0 and 1 moved so both chain identities still hold: the same integer
    in non-canonical limbs.  Only the carry's range constraint refuses it (and the state table, which
    range-checks new limbs, receives different tuples: the claims no longer cancel)."""
    b, pi = priced.batch, priced.pi
    sign = 1 if carry is TL.SENDER_BORROW else -1      # a borrow enters the chain with the other sign
    t = add(b.transfer_trace, 0, carry[0], delta)
    t = add(t, 0, new[0], sign * delta * 65536)
    t = add(t, 0, new[1], -sign * delta)
    assert names(t, pi) == {label}
    assert not (claim_of(t, pi) + state_claim(priced.tree, honest_writes(b))).is_zero()


TX_SUM = "T' = T + act·u_tx − first·V_tx"


def replace_transfer(pi: TransferInputs, i: int, **changes) -> TransferInputs:
    ts = list(pi.transfers)
    ts[i] = dataclasses.replace(ts[i], **changes)
    return TransferInputs(tuple(ts), pi.fee_recipient)


def permuted(pi: TransferInputs, olds, order) -> tuple[TransferInputs, object]:
    p2 = TransferInputs(tuple(pi.transfers[i] for i in order), pi.fee_recipient)
    o2 = type(olds)(**{f: [getattr(olds, f)[i] for i in order] for f in olds.__dataclass_fields__})
    return p2, o2


def test_rows_that_are_not_the_posted_transfers_are_caught(priced, olds):
    pi = priced.pi
    m = len(pi.transfers)
    changed = replace_transfer(pi, 1, value=pi.transfers[1].value + 1, cost=pi.transfers[1].cost + 1)
    cases = {"changed value": (changed, olds),
             "reordered": permuted(pi, olds, [1, 0, *range(2, m)]),
             "dropped": permuted(pi, olds, range(m - 1)),
             "extra": permuted(pi, olds, [*range(m), m - 1])}
    for case, (p2, o2) in cases.items():
        t = transfer_witness(p2, o2)
        assert names(t, p2) == set(), case                 # a valid table for other transfers …
        assert names(t, pi) == {TX_SUM}, case               # … is not one for the posted transfers


def test_a_recipient_with_code_is_caught(priced):
    tree = priced.tree.copy()
    h = int.from_bytes(code_hash(b"\x60\x00"), "big")
    tree.set(account_key(CAROL, KIND_CODE_HASH), h)           # CAROL now has code
    pi = priced.pi
    with pytest.raises(ValueError, match="recipient has code"):
        transfer_trace(pi, tree.get)
    # a table pretending CAROL has no code: its code-hash access says old = E, the tree holds h
    lie = {account_key(CAROL, KIND_CODE_HASH): EMPTY_CODE_HASH}
    t, records = transfer_trace(pi, lambda k: lie.get(k, tree.get(k)))
    assert names(t, pi) == set()
    writes = [Access.write(r.key, r.new_value) for r in records]
    assert not (claim_of(t, pi) + state_claim(tree, writes)).is_zero()
    # the old code hash is e_r·E: a non-boolean e_r is refused
    i = next(i for i, tr in enumerate(pi.transfers) if tr.to == CAROL)
    assert names(add(t, i, TL.TO_EXISTS, 1), pi) >= {"recipient exists is boolean"}


def test_a_claim_that_does_not_close_the_sum_is_refused(priced):
    b, pi = priced.batch, priced.pi
    aux = aux_of(b.transfer_trace, pi)
    claim = T_AIR.bus_claims(b.transfer_trace, aux, CH, pi)[0]
    bound = T_AIR.bind_claims(pi, [claim])
    assert bound.claim == claim and pi.claim is None
    assert T_AIR.public_inputs_bytes(bound) == T_AIR.public_inputs_bytes(pi)
    assert names(b.transfer_trace, pi, aux, claims=[claim + 1]) == {
        "S' = S + act·Σ u_access + u_bytes − v + first·claim"}


def test_public_inputs_bytes_bind_every_field(priced):
    pi = priced.pi
    base = T_AIR.public_inputs_bytes(pi)
    seen = {base}
    for name, value in (("sender", BOB), ("to", DAVE), ("nonce", 9), ("value", 1), ("fee", 2), ("cost", 10**30)):
        seen.add(T_AIR.public_inputs_bytes(replace_transfer(pi, 0, **{name: value})))
    for changes in ({"kind": 1}, {"kind": 1, "code_hash_old": 5}, {"kind": 1, "code_hash_new": 5}):
        seen.add(T_AIR.public_inputs_bytes(replace_transfer(pi, 0, **changes)))
    seen.add(T_AIR.public_inputs_bytes(TransferInputs(pi.transfers, ALICE)))
    seen.add(T_AIR.public_inputs_bytes(TransferInputs(pi.transfers[:-1], FEE)))
    assert len(seen) == 12


# ---------------------------------------------------------------------------------------------
# Contract rows: kind = 1, the recipient's code hash public
# ---------------------------------------------------------------------------------------------

CONTRACT_CODE = b"\x60\x00"
NEW, NEW_FAILED = addr(0x31), addr(0x32)


def keccak_int(data: bytes) -> int:
    return int.from_bytes(code_hash(data), "big")


def contract_rows() -> TransferInputs:
    """A call of CONTRACT (its code hash twice), a deployment to NEW with value, a failed deployment
    to NEW_FAILED (moves nothing, creates nothing), between plain transfers; fees as if priced."""
    h = keccak_int(CONTRACT_CODE)
    gwei = 21000 * GWEI
    return TransferInputs((
        TransferRecord(ALICE, BOB, 3, 10, gwei, 10 * gwei + 10),
        TransferRecord(ALICE, CONTRACT, 4, 0, 3 * gwei, 10 * gwei, KIND_CONTRACT, h, h),
        TransferRecord(ALICE, NEW, 5, 3, 4 * gwei, 10 * gwei + 3, KIND_CONTRACT, 0, keccak_int(b"\x00")),
        TransferRecord(BOB, NEW_FAILED, 1, 0, 0, 2, KIND_CONTRACT, 0, 0),
    ), FEE)


@pytest.fixture(scope="module")
def contracts():
    pi = contract_rows()
    tree = state_tree(WorldState(accounts()))
    public = (AccessRecord(account_key(NEW, KIND_NONCE), 0, 1, True),)     # the new contract's nonce
    return pi, tree, public, transfer_batch(tree, pi, public_accesses=public)


def public_part(pi, public, ch=CH) -> Ext:
    tuples = BatchInputs(pi, public, (), ()).public_tuples()
    return -PublicBus(ACCESS_ARITY).public_sum(tuples, ch[:2])


def test_contract_rows_satisfy_both_tables(contracts):
    pi, tree, public, b = contracts
    assert names(b.transfer_trace, pi) == set()
    assert [int(k) for k in b.transfer_trace[:4, TL.KIND]] == [0, 1, 1, 1]
    s_aux = S_AIR.build_aux_trace(b.state_trace, CH, b.state_inputs)
    assert find_violations(S_AIR, b.state_trace, b.state_inputs, s_aux, CH, limit=0) == []
    c_s = S_AIR.bus_claims(b.state_trace, s_aux, CH, b.state_inputs)[0]
    assert (claim_of(b.transfer_trace, pi) + c_s + public_part(pi, public)).is_zero()
    assert b.state_inputs.access_count == 7 * 4 + 1
    # the state after: NEW holds the deployed code's hash, its value and nonce 1; NEW_FAILED nothing
    work = tree.copy()
    for a in b.accesses:
        work.set(a.key, a.new_value)
    assert work.root == b.state_inputs.new_root
    assert work.get(account_key(NEW, KIND_CODE_HASH)) == keccak_int(b"\x00")
    assert (work.get(account_key(NEW, KIND_BALANCE)), work.get(account_key(NEW, KIND_NONCE))) == (3, 1)
    assert work.get(account_key(NEW_FAILED, KIND_CODE_HASH)) == 0
    assert work.get(account_key(CONTRACT, KIND_CODE_HASH)) == keccak_int(CONTRACT_CODE)


def test_the_kind_flag_and_its_existence_rules_are_caught(contracts):
    pi, _tree, _public, b = contracts
    t = b.transfer_trace
    call, deploy = 1, 2
    assert names(add(t, call, TL.TO_EXISTS, 1), pi) == {"contract row: recipient exists flag e_r = 0"}
    assert names(add(t, call, TL.TO_EXISTS_AFTER, 1), pi) == {"contract row: recipient exists-after flag e_r' = 0"}
    assert names(add(t, call, TL.KIND, 5), pi) == {"kind is boolean", TX_SUM}
    # a contract row read as a plain transfer: its public tuple is not the posted one, and a plain
    # recipient credited a non-zero value must exist afterwards
    assert names(add(t, deploy, TL.KIND, -1), pi) == {"transfer row: recipient e' = e ∨ value ≠ 0", TX_SUM}
    assert names(add(t, call, TL.KIND, -1), pi) == {TX_SUM}
    # a plain row stated as a contract row (kind 1, no code hash): the table is not the posted one
    flipped = replace_transfer(pi, 0, kind=KIND_CONTRACT)
    assert names(t, flipped) == {TX_SUM}


def test_contract_rows_state_the_code_hash_the_tree_holds(contracts):
    pi, tree, public, b = contracts
    h = keccak_int(CONTRACT_CODE)
    other = replace_transfer(pi, 1, code_hash_old=h ^ 1, code_hash_new=h ^ 1)    # other code run at CONTRACT
    with pytest.raises(ValueError, match="recipient's code hash is"):
        transfer_trace(other, tree.get)
    # a table honest for the other hash: valid, but the state table (honest) receives another access
    olds = replay_transfers(pi, tree.get)[0]
    t = transfer_witness(other, olds)
    assert names(t, other) == set()
    s_aux = S_AIR.build_aux_trace(b.state_trace, CH, b.state_inputs)
    c_s = S_AIR.bus_claims(b.state_trace, s_aux, CH, b.state_inputs)[0]
    assert not (claim_of(t, other) + c_s + public_part(pi, public)).is_zero()
    # a deployment to an address that holds an account, or a plain transfer to a contract
    with pytest.raises(ValueError, match="recipient's code hash is"):
        transfer_trace(replace_transfer(pi, 2, to=BOB), tree.get)
    with pytest.raises(ValueError, match="recipient has code"):
        transfer_trace(replace_transfer(pi, 1, kind=0, code_hash_old=0, code_hash_new=0), tree.get)


def test_records_check_the_kind():
    with pytest.raises(ValueError, match="kind is 0"):
        TransferRecord(ALICE, BOB, 0, 0, 0, 0, kind=2)
    with pytest.raises(ValueError, match="states no code hash"):
        TransferRecord(ALICE, BOB, 0, 0, 0, 0, code_hash_new=1)


# ---------------------------------------------------------------------------------------------
# Every constraint catches a mutation
# ---------------------------------------------------------------------------------------------

@pytest.mark.slow
def test_every_constraint_and_assertion_catches_a_mutation(priced):
    """+5 in every column on row 0 and on a padding row, and in every balance and cost limb on the row
    whose balance equals its cost (each of its limbs sits above the "equal" selection), each checked
    against the honest aux trace and claim (the auxiliary constraints then see a main trace that is
    not the one they were built on).  No column is free: every single change is caught."""
    b, pi = priced.batch, priced.pi
    trace = b.transfer_trace
    aux = aux_of(trace, pi)
    claim = T_AIR.bus_claims(trace, aux, CH, pi)
    every_col = range(TL.WIDTH)
    plan = [(0, every_col), (len(pi.transfers) + 3, every_col), (row_of(pi, ERIN), [*TL.SENDER_BAL, *TL.COST])]
    caught: set[str] = set()
    for row, cols in plan:
        for col in cols:
            t = add(trace, row, col, 5)
            stale = {v.name for v in find_violations(T_AIR, t, pi, aux, CH, limit=0, claims=claim)}
            assert stale, (row, col)    # no column is free
            caught |= stale
    caught |= names(add(trace, trace.shape[0] - 1, TL.TAB, -1), pi)
    every = (set(T_AIR.transition_names()) | set(T_AIR.aux_transition_names())
             | {a.name for a in T_AIR.assertions(pi, trace.shape[0])})
    assert every - caught == set()


# ---------------------------------------------------------------------------------------------
# Proof of both tables together
# ---------------------------------------------------------------------------------------------

def test_transfers_and_state_prove_together_and_verify(free):
    """One proof of both tables; it does not verify for other transfers, and a cheating prover whose
    transfer rows are not the posted transfers, or whose state table applies other accesses, is refused."""
    b, pi = free.batch, free.pi
    tables = [Table(T_AIR, b.transfer_trace, pi), Table(S_AIR, b.state_trace, b.state_inputs)]
    data = prove_tables(tables, OPTS, statement=b"transfers").to_bytes()
    verify_tables([(T_AIR, pi), (S_AIR, b.state_inputs)], data, b"transfers", min_security=0)
    other = replace_transfer(pi, 2, value=4, cost=4)
    with pytest.raises(VerificationError):
        verify_tables([(T_AIR, other), (S_AIR, b.state_inputs)], data, b"transfers", min_security=0)

    # both tables honest for other transfers, stated for the posted ones: the buses balance, the
    # transaction bus does not close
    o = transfer_batch(free.tree, other)
    cheat = [Table(T_AIR, o.transfer_trace, pi), Table(S_AIR, o.state_trace, o.state_inputs)]
    with pytest.raises(VerificationError) as err:
        verify_tables([(T_AIR, pi), (S_AIR, o.state_inputs)],
                      prove_tables(cheat, OPTS, statement=b"transfers", check=False).to_bytes(),
                      b"transfers", min_security=0)
    assert "transfers" in str(err.value) and "balance" not in str(err.value)

    writes = honest_writes(b)
    last = 7 * (len(pi.transfers) - 1) + 4                     # the last recipient, credited twice
    writes[last] = Access.write(writes[last].key, writes[last].value + pi.transfers[-1].value)
    work = free.tree.copy()
    steps = replay(work, writes)
    twice = StateBusInputs(free.tree.root, work.root, len(steps))
    cheat = [tables[0], Table(S_AIR, build_trace(steps, free.tree.root), twice)]
    with pytest.raises(VerificationError, match="do not balance"):
        verify_tables([(T_AIR, pi), (S_AIR, twice)],
                      prove_tables(cheat, OPTS, statement=b"transfers", check=False).to_bytes(),
                      b"transfers", min_security=0)
