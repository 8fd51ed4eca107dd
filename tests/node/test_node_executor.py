"""Transaction execution: gas purchase and refund (EIP-3529 cap), failures, fees, creation, validity."""

from __future__ import annotations

import random

import pytest

from l2.crypto import contract_address, dev_address, dev_private_key
from l2.demo import SELECTORS, STORE_INITCODE
from l2.executor import InvalidTransaction, apply_transaction, call, estimate_gas
from l2.state.world import Account, WorldState
from l2.tx import DynamicFeeTx, LegacyTx, sign
from l2.vm import BlockEnv

CHAIN_ID = 1337
COINBASE = b"\xcb" * 20
ENV = BlockEnv(number=1, timestamp=1_700_000_000, base_fee=7, chain_id=CHAIN_ID, coinbase=COINBASE, gas_limit=30_000_000)
SENDER = dev_address(0)
KEY = dev_private_key(0)
FUNDS = 10**21
CONTRACT = b"\xc0" * 20

CLEAR_SIX_SLOTS = bytes.fromhex("".join(f"5f60{i:02x}55" for i in range(6)) + "00")  # SSTORE(i, 0) for i < 6
CLEAR_ONE_SLOT = bytes.fromhex("5f600055" + "00")
STORE_THEN_REVERT = bytes.fromhex("60015f55" + "5f5ffd")  # SSTORE(0, 1); REVERT(0, 0)
INVALID = bytes.fromhex("fe")


def tx(nonce=0, to=CONTRACT, value=0, data=b"", gas=200_000, max_fee=20, tip=3, legacy=False, key=KEY):
    if legacy:
        body = LegacyTx(chain_id=CHAIN_ID, nonce=nonce, gas_price=max_fee, gas=gas, to=to, value=value, data=data)
    else:
        body = DynamicFeeTx(chain_id=CHAIN_ID, nonce=nonce, max_priority_fee_per_gas=tip, max_fee_per_gas=max_fee,
                            gas=gas, to=to, value=value, data=data)
    return sign(body, key)


def world(code: bytes = b"", storage: dict[int, int] | None = None) -> WorldState:
    accounts = {SENDER: Account(balance=FUNDS)}
    if code:
        accounts[CONTRACT] = Account(nonce=1, code=code, storage=dict(storage or {}))
    return WorldState(accounts)


def supply(state: WorldState) -> int:
    return sum(account.balance for _, account in state.accounts())


def test_plain_transfer_moves_value_and_pays_the_coinbase():
    state = world()
    recipient = b"\x42" * 20
    t = tx(to=recipient, value=1000, gas=21_000, max_fee=20, tip=3)
    out = apply_transaction(state, t, SENDER, ENV)
    price = min(20, ENV.base_fee + 3)  # EIP-1559 effective price
    assert out.effective_gas_price == price == 10
    assert (out.receipt.status, out.gas_used, out.gas_refund) == (1, 21_000, 0)
    assert state.get_balance(recipient) == 1000
    assert state.get_balance(SENDER) == FUNDS - 1000 - 21_000 * price
    assert state.get_balance(COINBASE) == out.fee == 21_000 * price
    assert state.get_nonce(SENDER) == 1
    assert supply(state) == FUNDS


def test_legacy_transaction_pays_its_gas_price():
    state = world()
    out = apply_transaction(state, tx(to=b"\x42" * 20, gas=21_000, max_fee=11, legacy=True), SENDER, ENV)
    assert out.effective_gas_price == 11
    assert state.get_balance(COINBASE) == 21_000 * 11


def test_refund_is_capped_at_a_fifth_of_the_gas_used():
    state = world(CLEAR_SIX_SLOTS, {i: 1 for i in range(6)})
    t = tx()
    out = apply_transaction(state, t, SENDER, ENV)
    used = t.gas - out.result.gas_left  # gas consumed before refunds
    assert out.result.refund == 6 * 4800  # EIP-3529 clear refund per slot
    assert out.result.refund > used // 5  # so the cap applies
    assert out.gas_refund == used // 5
    assert out.gas_used == used - used // 5 == out.receipt.gas_used
    assert state.get_balance(SENDER) == FUNDS - out.gas_used * out.effective_gas_price
    assert state.storage_items(CONTRACT) == {}


def test_refund_below_the_cap_is_paid_in_full():
    state = world(CLEAR_ONE_SLOT, {0: 5})
    t = tx()
    out = apply_transaction(state, t, SENDER, ENV)
    used = t.gas - out.result.gas_left
    assert out.gas_refund == 4800 < used // 5
    assert out.gas_used == used - 4800


def test_reverted_execution_undoes_state_but_still_charges_gas():
    state = world(STORE_THEN_REVERT)
    t = tx(value=500)
    out = apply_transaction(state, t, SENDER, ENV)
    assert out.receipt.status == 0 and out.result.status == "revert"
    assert out.receipt.logs == () and out.receipt.contract_address is None
    assert state.storage_items(CONTRACT) == {}  # SSTORE undone
    assert state.get_balance(CONTRACT) == 0  # value returned
    assert state.get_nonce(SENDER) == 1
    assert 21_000 < out.gas_used < t.gas  # REVERT keeps the unused gas
    assert state.get_balance(SENDER) == FUNDS - out.gas_used * out.effective_gas_price
    assert state.get_balance(COINBASE) == out.fee
    assert supply(state) == FUNDS


def test_exceptional_halt_consumes_all_gas():
    state = world(INVALID)
    t = tx(gas=90_000)
    out = apply_transaction(state, t, SENDER, ENV)
    assert out.receipt.status == 0 and out.result.status == "error"
    assert out.gas_used == t.gas
    assert state.get_balance(SENDER) == FUNDS - t.gas * out.effective_gas_price


def test_contract_creation_and_call():
    state = world()
    deploy = tx(to=None, data=STORE_INITCODE, gas=300_000)
    out = apply_transaction(state, deploy, SENDER, ENV)
    address = contract_address(SENDER, 0)
    assert out.receipt.status == 1 and out.contract_address == address
    assert state.get_nonce(address) == 1 and len(state.get_code(address)) > 0
    store = tx(nonce=1, to=address, data=SELECTORS["store(uint256)"] + (9).to_bytes(32, "big"))
    out = apply_transaction(state, store, SENDER, ENV)
    assert out.receipt.status == 1
    [log] = out.receipt.logs
    assert log.address == address and log.topics[1] == bytes(12) + SENDER
    read = call(state, to=address, data=SELECTORS["total()"], block_env=ENV)
    assert read.success and int.from_bytes(read.output, "big") == 9
    assert supply(state) == FUNDS


@pytest.mark.parametrize(
    "make, reason",
    [
        (lambda: tx(nonce=1), "nonce 1 too high"),
        (lambda: tx(max_fee=6, tip=1), "below base fee"),
        (lambda: tx(value=FUNDS), "insufficient funds"),
        (lambda: tx(gas=20_000), "below intrinsic gas"),
        (lambda: tx(gas=30_000_001), "above the gas left"),
    ],
)
def test_invalid_transactions_leave_the_state_untouched(make, reason):
    state = world(CLEAR_ONE_SLOT, {0: 5})
    before = state.copy()
    with pytest.raises(InvalidTransaction, match=reason):
        apply_transaction(state, make(), SENDER, ENV)
    assert state == before


def test_nonce_already_used_is_invalid():
    state = world()
    apply_transaction(state, tx(to=b"\x01" * 20, gas=21_000), SENDER, ENV)
    with pytest.raises(InvalidTransaction, match="nonce 0 already used"):
        apply_transaction(state, tx(to=b"\x01" * 20, gas=21_000), SENDER, ENV)


def test_fees_add_up_over_many_transactions():
    """Total supply is conserved and the coinbase holds exactly the sum of gas_used x price."""
    rng = random.Random(7)
    keys = [dev_private_key(i) for i in range(4)]
    senders = [dev_address(i) for i in range(4)]
    state = WorldState({s: Account(balance=FUNDS) for s in senders})
    state.set_code(CONTRACT, CLEAR_ONE_SLOT)
    state.set_storage(CONTRACT, 0, 1)
    reverter = b"\xee" * 20
    state.set_code(reverter, STORE_THEN_REVERT)
    nonces = [0] * 4
    fees = 0
    for _ in range(40):
        i = rng.randrange(4)
        kind = rng.choice(["transfer", "contract", "legacy", "revert"])
        if kind == "transfer":
            t = tx(nonce=nonces[i], to=senders[rng.randrange(4)], value=rng.randrange(10**6), gas=21_000,
                   max_fee=rng.randrange(7, 30), tip=rng.randrange(5), key=keys[i])
        elif kind == "contract":
            t = tx(nonce=nonces[i], to=CONTRACT, value=rng.randrange(100), max_fee=rng.randrange(7, 30),
                   tip=rng.randrange(5), key=keys[i])
        elif kind == "legacy":
            t = tx(nonce=nonces[i], to=b"\x0e" * 20, value=5, gas=21_000, max_fee=rng.randrange(7, 30), key=keys[i],
                   legacy=True)
        else:
            t = tx(nonce=nonces[i], to=reverter, value=rng.randrange(100), max_fee=rng.randrange(7, 30), key=keys[i])
        out = apply_transaction(state, t, senders[i], ENV)
        nonces[i] += 1
        fees += out.gas_used * out.effective_gas_price
        assert out.fee == out.gas_used * out.effective_gas_price
    assert state.get_balance(COINBASE) == fees
    assert supply(state) == 4 * FUNDS


def test_zero_price_leaves_no_empty_coinbase_behind():
    free = BlockEnv(number=1, timestamp=1, base_fee=0, chain_id=CHAIN_ID, coinbase=COINBASE)
    state = world()
    apply_transaction(state, tx(to=b"\x42" * 20, gas=21_000, max_fee=0, tip=0), SENDER, free)
    assert COINBASE not in state


def test_estimate_is_enough_and_call_changes_nothing():
    state = world()
    apply_transaction(state, tx(to=None, data=STORE_INITCODE, gas=300_000), SENDER, ENV)
    address = contract_address(SENDER, 0)
    data = SELECTORS["store(uint256)"] + (3).to_bytes(32, "big")
    before = state.copy()
    gas = estimate_gas(state, sender=SENDER, to=address, data=data, block_env=ENV)
    assert state == before
    probe = call(state, to=address, data=data, sender=SENDER, block_env=ENV)
    assert probe.success and state == before
    assert probe.gas_used <= gas <= probe.gas_used * 6 // 5 + 1
    out = apply_transaction(state, tx(nonce=1, to=address, data=data, gas=gas), SENDER, ENV)
    assert out.receipt.status == 1
    assert estimate_gas(state, sender=SENDER, to=b"\x09" * 20, block_env=ENV) == 21_000


def _py_evm_chain(accounts: dict[bytes, Account]):
    """A py-evm Cancun chain at base fee 0 holding ``accounts``, its pending block paying COINBASE."""
    eth = pytest.importorskip("eth")
    from eth.chains.base import MiningChain
    from eth.constants import ZERO_HASH32
    from eth.db.atomic import AtomicDB
    from eth.vm.forks import CancunVM

    chain_class = MiningChain.configure(__name__="ReferenceChain", vm_configuration=((0, CancunVM),),
                                        chain_id=CHAIN_ID)
    genesis = {"difficulty": 0, "gas_limit": 30_000_000, "timestamp": 1_700_000_000, "coinbase": COINBASE,
               "base_fee_per_gas": 0, "extra_data": b"", "nonce": b"\x00" * 8, "mix_hash": ZERO_HASH32}
    state = {a: {"balance": x.balance, "nonce": x.nonce, "code": x.code, "storage": dict(x.storage)}
             for a, x in accounts.items()}
    chain = chain_class.from_genesis(AtomicDB(), genesis, state)
    chain.header = chain.header.copy(coinbase=COINBASE)
    assert eth is not None and chain.header.base_fee_per_gas == 0
    return chain, CancunVM.get_transaction_builder()


def test_transactions_match_py_evm_at_base_fee_zero():
    """At base fee 0 Ethereum burns nothing, so our fee rule and Cancun's must agree to the wei."""
    from l2.tx import encode

    clear_six = b"\xc1" * 20
    reverter = b"\xc2" * 20
    accounts = {
        dev_address(0): Account(balance=FUNDS),
        dev_address(1): Account(balance=FUNDS),
        clear_six: Account(nonce=1, code=CLEAR_SIX_SLOTS, storage={i: 1 for i in range(6)}),
        reverter: Account(nonce=1, code=STORE_THEN_REVERT),
    }
    ours = WorldState(accounts)
    chain, builder = _py_evm_chain(accounts)
    header = chain.header
    env = BlockEnv(number=header.block_number, timestamp=header.timestamp, base_fee=0, chain_id=CHAIN_ID,
                   coinbase=COINBASE, gas_limit=header.gas_limit)
    k0, k1 = dev_private_key(0), dev_private_key(1)
    created = contract_address(dev_address(0), 2)
    txs = [
        (tx(nonce=0, to=dev_address(1), value=10**9, gas=21_000, max_fee=5, tip=5, key=k0), dev_address(0)),
        (tx(nonce=0, to=clear_six, max_fee=9, tip=4, key=k1), dev_address(1)),
        (tx(nonce=1, to=reverter, value=77, max_fee=3, tip=3, key=k0), dev_address(0)),
        (tx(nonce=2, to=None, data=STORE_INITCODE, gas=300_000, max_fee=2, tip=2, key=k0), dev_address(0)),
        (tx(nonce=1, to=created, data=SELECTORS["store(uint256)"] + (5).to_bytes(32, "big"), max_fee=6, tip=6,
            key=k1, legacy=True), dev_address(1)),
        (tx(nonce=2, to=created, data=b"\x00", max_fee=6, tip=1, key=k1), dev_address(1)),
    ]
    cumulative = 0
    statuses = []
    for t, sender in txs:
        out = apply_transaction(ours, t, sender, env, cumulative_gas_used=cumulative)
        _, receipt, computation = chain.apply_transaction(builder.decode(encode(t)))
        assert out.receipt.cumulative_gas_used == receipt.gas_used  # py-evm's receipt field is cumulative
        cumulative = receipt.gas_used
        assert out.receipt.status == (0 if computation.is_error else 1)
        statuses.append(out.receipt.status)
        assert len(out.receipt.logs) == len(receipt.logs)
    reference = chain.get_vm().state
    for address in [*accounts, COINBASE, created]:
        assert ours.get_balance(address) == reference.get_balance(address), address.hex()
        assert ours.get_nonce(address) == reference.get_nonce(address), address.hex()
        assert ours.get_code(address) == reference.get_code(address), address.hex()
        for slot in range(6):
            assert ours.peek_storage(address, slot) == reference.get_storage(address, slot), (address.hex(), slot)
    assert statuses == [1, 1, 0, 1, 1, 0]  # the revert and the unknown selector fail, the rest succeed
