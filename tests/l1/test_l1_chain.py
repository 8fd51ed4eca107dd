"""The simulated L1: atomic transactions, value, events, blocks, persistence, and gas pinned to Ethereum's.

Gas figures are written out as the sums the EIPs give, so a wrong constant or a wrong rule shows up
as a wrong number. PostgreSQL cases run when ``L2_TEST_POSTGRES_URL`` (a ``postgresql+psycopg://``
URL of a role that may ``CREATE DATABASE``) is set, and skip otherwise.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import pytest
from sqlalchemy import text

from l2.crypto import dev_address, dev_private_key, keccak256, sign_hash
from l2.store import Store, current_revision, make_engine, sqlite_url, upgrade
from l2.store.engine import HEAD_REVISION
from verifier.l1 import gas as g
from verifier.l1.abi import abi_encode, encode_call, selector
from verifier.l1.chain import InvalidTransaction, L1Chain, L1Error, fund_dev_accounts
from verifier.l1.contract import Contract, Revert, external, payable, register_contract, view
from verifier.l1.gas import (
    BLAKE2B_PRICES,
    KECCAK_PRICES,
    GasMeter,
    StarkVerifierWork,
    sstore_gas,
    stark_verifier_gas,
)

GENESIS = 1_700_000_000
ETH = 10**18
ALICE, BOB = dev_address(0), dev_address(1)
COUNT, DEPOSITS = 0, 1  # storage layout of the counter


@register_contract("test-counter")
class Counter(Contract):
    INDEXED = {"Deposited": ("sender",)}

    def constructor(self, start: int) -> None:
        self.storage[COUNT] = start

    @external
    def increment(self, by: int) -> int:
        self.require(by > 0, "zero increment")
        total = self.storage[COUNT] + by
        self.storage[COUNT] = total
        self.emit("Incremented", by=by, total=total)
        return total

    @payable
    def deposit(self) -> None:
        slot = self.mapping_slot(DEPOSITS, self.msg.sender)
        self.storage[slot] = self.storage[slot] + self.msg.value
        self.emit("Deposited", sender=self.msg.sender, amount=self.msg.value)

    @payable
    def deposit_and_fail(self) -> None:
        self.deposit()
        self.increment(1)
        self.revert("changed my mind")

    @external
    def withdraw(self, to: bytes, amount: int) -> None:
        self.send_value(to, amount)

    @external
    def write(self, slot: int, values: list[int]) -> None:
        for value in values:
            self.storage[slot] = value

    @external
    def read_twice(self) -> int:
        self.storage[7]
        return self.storage[7]

    @external
    def hash(self, data: bytes) -> bytes:
        return self.keccak(data)

    @external
    def recover(self, msg_hash: bytes, v: int, r: int, s: int) -> bytes | None:
        return self.ecrecover(msg_hash, v, r, s)

    @external
    def noop(self) -> None:
        pass

    @external
    def stamp(self) -> None:
        self.storage[10] = self.block.number
        self.storage[11] = self.block.timestamp

    @external
    def verify(self, counts: list[int]) -> int:
        return self.charge_verifier(StarkVerifierWork(*counts), BLAKE2B_PRICES).total

    @external
    def crash(self) -> None:
        self.storage[COUNT] = 999
        raise ZeroDivisionError("a bug in the contract")

    @view
    def count(self) -> int:
        return self.storage[COUNT]

    @view
    def sneaky_view(self) -> None:
        self.storage[COUNT] = 1


@register_contract("test-caller")
class Caller(Contract):
    @external
    def poke(self, target: bytes, by: int, catch: bool) -> bool:
        self.storage[0] = 1
        try:
            self.call_contract(target, "increment", by)
        except Revert:
            if not catch:
                raise
            self.storage[1] = 1
            return False
        return True


# --------------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "l1.sqlite")
        return
    server = os.environ.get("L2_TEST_POSTGRES_URL")
    if not server:
        pytest.skip("PostgreSQL cases need L2_TEST_POSTGRES_URL")
    import psycopg
    from sqlalchemy.engine import make_url

    url = make_url(server)
    name = f"l1_test_{uuid.uuid4().hex[:12]}"
    admin = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _new_chain(url: str, **options) -> tuple[Store, L1Chain, bytes]:
    store = Store(url)
    chain = L1Chain.create(store, genesis_timestamp=GENESIS, **options)
    fund_dev_accounts(chain, [ALICE, BOB], 100 * ETH)
    counter = chain.deploy(ALICE, "test-counter", 5).contract_address
    return store, chain, counter


@pytest.fixture
def setup(db_url):
    store, chain, counter = _new_chain(db_url)
    yield chain, counter
    store.close()


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One SQLite chain for the gas cases (warm/cold state is per transaction, so they do not interfere)."""
    store, chain, counter = _new_chain(sqlite_url(tmp_path_factory.mktemp("l1") / "gas.sqlite"))
    yield chain, counter
    store.close()


def _state(chain: L1Chain, counter: bytes) -> tuple:
    return (chain.balance(ALICE), chain.balance(counter), chain.nonce(ALICE), chain.storage_at(counter, COUNT),
            len(chain.events()), chain.block())


# --------------------------------------------------------------------------------------------------
# transactions: atomicity, value, events, blocks, persistence


def test_success_commits_storage_events_and_nonce(setup):
    chain, counter = setup
    r = chain.transact(ALICE, counter, "increment", 3)
    assert r.success and r.return_value == 8 and r.nonce == 1
    assert chain.storage_at(counter, COUNT) == 8 == chain.call(counter, "count")
    assert chain.nonce(ALICE) == 2  # the deployment used nonce 0
    [ev] = r.events
    assert (ev.address, ev.name, ev.fields) == (counter, "Incremented", {"by": 3, "total": 8})
    assert (ev.block_number, ev.tx_hash, ev.log_index) == (1, r.tx_hash, 0)
    assert chain.receipt(r.tx_hash) == r


def test_revert_changes_nothing_but_nonce_and_gas(setup):
    chain, counter = setup
    chain.transact(ALICE, counter, "deposit", value=ETH)
    before = _state(chain, counter)
    r = chain.transact(ALICE, counter, "deposit_and_fail", value=2 * ETH, gas_price=3)
    assert not r.success and r.revert_reason == "changed my mind" and r.events == ()
    # storage, both balances (less the fee) and the event log are as before; the nonce moved on
    balance, contract_balance, nonce, count, events, block = _state(chain, counter)
    assert (contract_balance, count, events, block) == before[1:2] + before[3:]
    assert nonce == before[2] + 1
    assert balance == before[0] - r.gas_used * 3 and r.fee == r.gas_used * 3 > 0
    assert r.gas_used == r.base_gas + r.calldata_gas + r.execution_gas  # gas charged on revert, no refund
    assert chain.call(counter, "count") == before[3]
    assert chain.receipt(r.tx_hash) == r


def test_value_moves_and_fees_are_burned(setup):
    chain, counter = setup
    r = chain.transact(ALICE, counter, "deposit", value=3 * ETH, gas_price=10)
    assert r.success
    assert chain.balance(counter) == 3 * ETH
    assert chain.balance(ALICE) == 100 * ETH - 3 * ETH - r.gas_used * 10
    slot = int.from_bytes(keccak256(ALICE.rjust(32, b"\0") + DEPOSITS.to_bytes(32, "big")), "big")  # Solidity mapping
    assert chain.storage_at(counter, slot) == 3 * ETH
    [ev] = r.events
    assert ev.fields == {"sender": ALICE, "amount": 3 * ETH}

    # a plain transfer to an account
    t = chain.transact(BOB, ALICE, None, value=5)
    assert t.success and t.gas_used == 21_000 and chain.balance(BOB) == 100 * ETH - 5
    # a contract paying out: to a fresh account is a CALL with value to an empty account
    fresh = dev_address(7)
    w = chain.transact(ALICE, counter, "withdraw", fresh, ETH)
    assert w.success and chain.balance(fresh) == ETH and chain.balance(counter) == 2 * ETH
    assert w.gas_by_category == {"call": 2_600 + 9_000 - 2_300 + 25_000}  # cold, value, stipend back, new account
    w2 = chain.transact(ALICE, counter, "withdraw", fresh, ETH)
    assert w2.gas_by_category == {"call": 2_600 + 9_000 - 2_300}
    short = chain.transact(ALICE, counter, "withdraw", fresh, 2 * ETH)
    assert not short.success and "insufficient balance" in short.revert_reason and chain.balance(fresh) == 2 * ETH


def test_non_payable_view_and_unknown_methods_revert(setup):
    chain, counter = setup
    r = chain.transact(ALICE, counter, "increment", 1, value=5)
    assert not r.success and "not payable" in r.revert_reason and chain.balance(counter) == 0
    r = chain.transact(ALICE, counter, "sneaky_view")
    assert not r.success and "static" in r.revert_reason
    with pytest.raises(Revert, match="static"):
        chain.call(counter, "sneaky_view")
    for method in ("nope", "constructor", "revert", "_frame"):
        r = chain.transact(ALICE, counter, method, calldata=b"")
        assert not r.success and "no external method" in r.revert_reason
    assert chain.storage_at(counter, COUNT) == 5


def test_nested_call_revert_rolls_back_only_the_callee(setup):
    chain, counter = setup
    caller = chain.deploy(BOB, "test-caller").contract_address
    caught = chain.transact(ALICE, caller, "poke", counter, 0, True)
    assert caught.success and caught.return_value is False
    assert (chain.storage_at(caller, 0), chain.storage_at(caller, 1), chain.storage_at(counter, COUNT)) == (1, 1, 5)
    bubbled = chain.transact(ALICE, caller, "poke", counter, 0, False)
    assert not bubbled.success and bubbled.revert_reason == "zero increment"
    ok = chain.transact(ALICE, caller, "poke", counter, 2, False)
    assert ok.success and chain.storage_at(counter, COUNT) == 7
    [ev] = ok.events
    assert (ev.address, ev.fields) == (counter, {"by": 2, "total": 7})


def test_invalid_transactions_change_nothing(setup):
    chain, counter = setup
    before = _state(chain, counter)
    with pytest.raises(InvalidTransaction, match="holds"):
        chain.transact(ALICE, counter, "deposit", value=101 * ETH)
    with pytest.raises(InvalidTransaction, match="holds"):
        chain.transact(ALICE, counter, "noop", gas_price=10**13)  # 30 M gas x 10^13 wei > 100 ETH
    with pytest.raises(InvalidTransaction, match="floor"):
        chain.transact(ALICE, counter, "noop", calldata=b"\x01" * 100, gas_limit=24_999)  # floor 21,000 + 4,000
    with pytest.raises(InvalidTransaction, match="block gas limit"):
        chain.transact(ALICE, counter, "noop", gas_limit=30_000_001)
    with pytest.raises(InvalidTransaction, match="EIP-3607"):
        chain.transact(counter, ALICE, None)
    with pytest.raises(L1Error, match="registered"):
        chain.deploy(ALICE, "no-such-contract")
    assert _state(chain, counter) == before


def test_out_of_gas_uses_the_whole_limit(setup):
    chain, counter = setup
    calldata = encode_call("increment", [1])
    limit = g.intrinsic_gas(calldata) + 3_000  # enough for the cold SLOAD, not for the SSTORE
    r = chain.transact(ALICE, counter, "increment", 1, gas_limit=limit, gas_price=2)
    assert not r.success and r.revert_reason.startswith("out of gas")
    assert r.gas_used == limit and r.gas_by_category == {"sload": 2_100}
    assert chain.storage_at(counter, COUNT) == 5 and chain.balance(ALICE) == 100 * ETH - 2 * limit


def test_a_failing_call_is_one_sql_transaction(setup):
    """A contract bug (not a revert) aborts the SQL transaction: no nonce, no receipt, no storage."""
    chain, counter = setup
    before = _state(chain, counter)
    with pytest.raises(ZeroDivisionError):
        chain.transact(ALICE, counter, "crash")
    assert _state(chain, counter) == before
    assert len(chain.receipts(chain.block_number)) == 1  # the deployment only


def test_blocks_advance_and_contracts_see_them(setup):
    chain, counter = setup
    assert chain.block(0).timestamp == GENESIS
    assert (chain.block_number, chain.timestamp) == (1, GENESIS + 12)
    r = chain.transact(ALICE, counter, "stamp")
    assert r.block_number == 1 and (chain.storage_at(counter, 10), chain.storage_at(counter, 11)) == (1, GENESIS + 12)
    assert chain.mine().number == 2 and chain.timestamp == GENESIS + 24
    assert chain.mine(timestamp=GENESIS + 1000).timestamp == GENESIS + 1000
    with pytest.raises(L1Error, match="not after"):
        chain.mine(timestamp=GENESIS + 1000)
    r = chain.transact(ALICE, counter, "stamp")
    assert (r.block_number, r.position) == (3, 0)
    assert (chain.storage_at(counter, 10), chain.storage_at(counter, 11)) == (3, GENESIS + 1000)
    assert [x.tx_hash for x in chain.receipts(3)] == [r.tx_hash]


def test_events_are_queryable(setup):
    chain, counter = setup
    other = chain.deploy(BOB, "test-counter", 0).contract_address
    chain.transact(ALICE, counter, "increment", 1)
    chain.mine()
    chain.transact(BOB, counter, "deposit", value=7)
    chain.transact(ALICE, other, "increment", 2)
    chain.transact(ALICE, counter, "increment", 0)  # reverted: no event
    chain.mine()
    chain.transact(ALICE, counter, "increment", 4)

    def names(**query):
        return [(e.block_number, e.name, e.fields.get("by", e.fields.get("amount"))) for e in chain.events(**query)]

    assert names(address=counter) == [(1, "Incremented", 1), (2, "Deposited", 7), (3, "Incremented", 4)]
    assert names(name="Incremented") == [(1, "Incremented", 1), (2, "Incremented", 2), (3, "Incremented", 4)]
    assert names(address=counter, from_block=2, to_block=2) == [(2, "Deposited", 7)]
    assert names(address=other, name="Deposited") == []
    [deposited] = chain.events(name="Deposited")
    assert deposited.fields["sender"] == BOB and deposited.log_index == 0


def test_state_survives_reopen(db_url):
    store, chain, counter = _new_chain(db_url, slot_seconds=6, gas_price=1)
    r = chain.transact(ALICE, counter, "deposit", value=ETH)
    chain.mine()
    chain.transact(BOB, counter, "increment", 2)
    before = (_state(chain, counter), chain.nonce(BOB), chain.events(), chain.contract_at(counter), chain.gas_price)
    store.close()

    with Store(db_url) as reopened:
        again = L1Chain.open(reopened)
        after = (_state(again, counter), again.nonce(BOB), again.events(), again.contract_at(counter), again.gas_price)
        assert after == before
        assert again.receipt(r.tx_hash) == r
        assert again.call(counter, "count") == 7 and again.mine().timestamp == GENESIS + 3 * 6
        again.transact(ALICE, counter, "increment", 1)
        assert again.storage_at(counter, COUNT) == 8
    if not db_url.startswith("sqlite"):
        return
    # a separate process sees the same L1
    script = (
        "import json, sys; from l2.store import Store; from verifier.l1.chain import L1Chain\n"
        "with Store(sys.argv[1]) as s:\n"
        "    c = L1Chain.open(s); a = bytes.fromhex(sys.argv[2])\n"
        "    print(json.dumps([c.storage_at(a, 0), c.balance(a), c.block_number, len(c.events(address=a))]))\n"
    )
    out = subprocess.run([sys.executable, "-c", script, db_url, counter.hex()], capture_output=True, text=True,
                         check=True, timeout=60)
    assert json.loads(out.stdout) == [8, ETH, 3, 3]


def test_migration_0003_upgrades_an_older_store(tmp_path):
    url = sqlite_url(tmp_path / "old.sqlite")
    engine = make_engine(url)
    upgrade(engine, "0002")
    engine.dispose()
    with Store(url) as store:
        with store.engine.connect() as conn:
            assert current_revision(conn) == HEAD_REVISION
            assert conn.execute(text("SELECT count(*) FROM l1_accounts")).scalar() == 0
        assert not L1Chain.exists(store)
        with pytest.raises(L1Error, match="no L1"):
            L1Chain.open(store)
        L1Chain.create(store)
        with pytest.raises(L1Error, match="already"):
            L1Chain.create(store)


# --------------------------------------------------------------------------------------------------
# gas, pinned


def test_calldata_gas_for_zero_and_nonzero_bytes(shared):
    chain, counter = shared
    k, m = 100, 20
    r = chain.transact(ALICE, counter, "read_twice", calldata=bytes(k) + b"\xff" * m)
    assert r.calldata_gas == 4 * k + 16 * m == 720
    assert r.floor_gas == 21_000 + 10 * (k + 4 * m) == 22_800
    assert r.gas_by_category == {"sload": 2_100 + 100}  # cold, then warm
    assert r.gas_used == 21_000 + 720 + 2_200 and not r.floor_applied


def test_eip7623_floor_for_calldata_heavy_calls(shared):
    chain, counter = shared
    data = b"\x01" * 500  # 2,000 tokens: standard 8,000 gas, floor 21,000 + 20,000
    r = chain.transact(ALICE, counter, "noop", calldata=data)
    assert (r.calldata_gas, r.execution_gas, r.floor_gas) == (8_000, 0, 41_000)
    assert r.gas_used == 41_000 and r.floor_applied
    # with enough execution the standard cost is above the floor again
    r = chain.transact(ALICE, counter, "write", 500, [1, 2, 3], calldata=data)
    assert r.execution_gas == 22_100 + 100 + 100 and r.floor_gas == 41_000
    assert r.gas_used == 21_000 + 8_000 + 22_300 and not r.floor_applied


@pytest.mark.parametrize("values, gas, refund", [
    ([7], 2_100 + 20_000, 0),  # set a clean zero slot (cold)
    ([7, 0], 2_100 + 20_000 + 100, 19_900),  # set, then restore zero: refund the set less a warm access
])
def test_sstore_set_and_restore(shared, values, gas, refund):
    chain, counter = shared
    slot = 1000 + len(values)
    r = chain.transact(ALICE, counter, "write", slot, values, calldata=b"")
    used = 21_000 + gas
    assert r.gas_by_category == {"sstore": gas}
    assert r.refund == min(refund, used // 5) and r.gas_used == used - r.refund


def test_sstore_reset_noop_clear_with_capped_refund(shared):
    chain, counter = shared
    slot = 2000
    chain.transact(ALICE, counter, "write", slot, [9])
    reset = chain.transact(ALICE, counter, "write", slot, [5], calldata=b"")
    assert reset.gas_by_category == {"sstore": 2_100 + 2_900} and reset.gas_used == 26_000
    noop = chain.transact(ALICE, counter, "write", slot, [5], calldata=b"")
    assert noop.gas_by_category == {"sstore": 2_100 + 100} and noop.gas_used == 23_200
    clear = chain.transact(ALICE, counter, "write", slot, [0], calldata=b"")
    assert clear.gas_by_category == {"sstore": 5_000}
    assert clear.refund == 4_800 and clear.gas_used == 26_000 - 4_800
    chain.transact(ALICE, counter, "write", slot, [9])
    # 9 -> 0 -> 1 -> 0 -> 0: the refund counter reaches 4,800 - 4,800 + 4,800 = 4,800, capped at used // 5
    many = chain.transact(ALICE, counter, "write", slot, [0, 1, 0, 0], calldata=b"")
    assert many.gas_by_category == {"sstore": 5_000 + 100 + 100 + 100}
    assert many.refund == min(4_800, (21_000 + 5_300) // 5) == 4_800
    # a refund larger than a fifth of the gas is capped
    capped = chain.transact(ALICE, counter, "write", slot, [7, 0], calldata=b"")
    assert capped.refund == (21_000 + 22_200) // 5 == 8_640 < 19_900 and capped.gas_used == 43_200 - 8_640


# EIP-3529's test cases: SSTOREs to one warm slot (each with two PUSH1, 6 gas), used gas and refund.
EIP3529_CASES = [
    ("0x60006000556000600055", 0, 212, 0),
    ("0x60006000556001600055", 0, 20112, 0),
    ("0x60016000556000600055", 0, 20112, 19900),
    ("0x60016000556002600055", 0, 20112, 0),
    ("0x60016000556001600055", 0, 20112, 0),
    ("0x60006000556000600055", 1, 3012, 4800),
    ("0x60006000556001600055", 1, 3012, 2800),
    ("0x60006000556002600055", 1, 3012, 0),
    ("0x60026000556000600055", 1, 3012, 4800),
    ("0x60026000556003600055", 1, 3012, 0),
    ("0x60026000556001600055", 1, 3012, 2800),
    ("0x60026000556002600055", 1, 3012, 0),
    ("0x60016000556000600055", 1, 3012, 4800),
    ("0x60016000556002600055", 1, 3012, 0),
    ("0x60016000556001600055", 1, 212, 0),
    ("0x600160005560006000556001600055", 0, 40118, 19900),
    ("0x600060005560016000556000600055", 1, 5918, 7600),
]


@pytest.mark.parametrize("code, original, used, refund", EIP3529_CASES)
def test_sstore_matches_eip3529_table(code, original, used, refund):
    ops = bytes.fromhex(code[2:])
    values = [ops[i + 1] for i in range(0, len(ops), 5)]  # PUSH1 v PUSH1 0 SSTORE
    current, total, counter = original, 0, 0
    for value in values:
        gas, delta = sstore_gas(original, current, value, cold=False)
        total, counter, current = total + gas + 6, counter + delta, value
    assert (total, counter) == (used, refund)


def test_keccak_ecrecover_and_log_gas(shared):
    chain, counter = shared
    data = bytes(range(64))
    r = chain.transact(ALICE, counter, "hash", data, calldata=b"")
    assert r.return_value == keccak256(data)
    assert r.gas_by_category == {"keccak": 30 + 2 * 6} and r.gas_used == 21_042

    msg_hash = keccak256(b"withdrawal")
    parity, rr, ss = sign_hash(msg_hash, dev_private_key(3))
    r = chain.transact(ALICE, counter, "recover", msg_hash, 27 + parity, rr, ss, calldata=b"")
    assert r.return_value == dev_address(3)
    assert r.gas_by_category == {"ecrecover": 3_000 + 100} and r.gas_used == 24_100
    bad = chain.transact(ALICE, counter, "recover", msg_hash, 29, rr, ss, calldata=b"")
    assert bad.success and bad.return_value is None

    # deposit: keccak for the mapping slot, cold SLOAD, SSTORE set, LOG2 with one 32-byte data word
    r = chain.transact(BOB, counter, "deposit", value=1, calldata=b"")
    assert r.gas_by_category == {"keccak": 42, "sload": 2_100, "sstore": 20_000, "log": 375 + 2 * 375 + 8 * 32}


def test_default_calldata_is_the_abi_encoding(shared):
    chain, counter = shared
    r = chain.transact(ALICE, counter, "write", 3000, [1, 2])
    expected = selector("write(uint256,uint256[])") + abi_encode([3000, [1, 2]])
    assert r.calldata == expected and len(expected) == 4 + 32 * 5
    assert r.calldata_gas == g.calldata_gas(expected)
    assert encode_call("f", [b"\x01" * 20, b"\x02" * 32, b"\x03", "hi", True])[:4] == selector(
        "f(address,bytes32,bytes,string,bool)")


def test_gas_meter_settlement_formula():
    meter = GasMeter()
    meter.start(bytes(10) + b"\x01" * 10)  # tokens 50: standard 200, floor 21,500
    meter.charge("compute", 100)
    s = meter.settle(success=True)
    assert (s.calldata_gas, s.floor_gas, s.gas_used, s.floor_applied) == (200, 21_500, 21_500, True)
    meter.refund_counter = 10**6
    meter.charge("compute", 10_000)
    s = meter.settle(success=True)
    assert s.refund == (21_000 + 200 + 10_100) // 5 and s.gas_used == 31_300 - 6_260
    assert meter.settle(success=False).refund == 0
    create = GasMeter()
    create.start(bytes(33), create=True)
    assert create.base_gas == 21_000 + 32_000 + 2 * 2  # EIP-3860: two initcode words
    limited = GasMeter(limit=21_100)
    limited.start(b"")
    with pytest.raises(g.OutOfGas):
        limited.charge("compute", 101)
    assert limited.execution_gas == 0 and limited.settle(success=False, out_of_gas=True).gas_used == 21_100


# --------------------------------------------------------------------------------------------------
# the STARK verifier cost model

WORK = StarkVerifierWork(merkle_hashes=100, leaf_hashes=10, leaf_bytes=1000, fri_folds=20, field_muls=50,
                         field_adds=40, field_exps=2, ext_muls=30, ext_adds=20, ext_base_muls=10, ext_inversions=1,
                         transcript_hashes=12, transcript_bytes=800)


def test_verifier_unit_prices():
    assert (KECCAK_PRICES.merkle_node, BLAKE2B_PRICES.merkle_node) == (105, 212)
    assert (KECCAK_PRICES.message_fixed, KECCAK_PRICES.message_per_unit) == (65, 9)
    assert (BLAKE2B_PRICES.message_fixed, BLAKE2B_PRICES.message_per_unit) == (35, 182)
    p = KECCAK_PRICES
    assert (p.field_mul, p.field_add, p.field_exp) == (17, 6, 346)
    assert (p.ext_mul, p.ext_add, p.ext_base_mul, p.ext_inv, p.fri_fold) == (432, 75, 70, 1_569, 935)
    # both node prices share 63 gas of path bookkeeping around KECCAK256 of 64 bytes, resp. a STATICCALL
    # to BLAKE2F (100 + 6 arguments), its 12 rounds, the success check and reading the digest
    assert KECCAK_PRICES.merkle_node - g.keccak256_gas(64) == 63
    assert KECCAK_PRICES.merkle_node - g.keccak256_gas(64) == BLAKE2B_PRICES.merkle_node - (100 + 18 + 12 + 13 + 6)


def test_verifier_cost_model_parts():
    keccak = stark_verifier_gas(WORK, KECCAK_PRICES)
    assert keccak.parts == {
        "merkle": 100 * 105,
        "leaves": 10 * 65 + 32 * 9,  # 1000 bytes = 32 words
        "fri": 20 * 935,
        "field": 50 * 17 + 40 * 6 + 2 * 346,
        "extension": 30 * 432 + 20 * 75 + 10 * 70 + 1 * 1_569,
        "transcript": 12 * 65 + 25 * 9,  # 800 bytes = 25 words
    }
    blake = stark_verifier_gas(WORK, BLAKE2B_PRICES)
    assert blake.parts["merkle"] == 100 * 212
    assert blake.parts["leaves"] == 10 * 35 + 10 * 182  # 8 blocks of bytes, but every hash compresses once
    assert blake.parts["transcript"] == 12 * 35 + 12 * 182
    assert blake.total == sum(blake.parts.values()) == 21_200 + 2_170 + 18_700 + 1_782 + 16_729 + 2_604
    with pytest.raises(ValueError):
        StarkVerifierWork(merkle_hashes=-1)


def test_contract_charges_the_verifier_model(shared):
    chain, counter = shared
    counts = [getattr(WORK, f) for f in WORK.__dataclass_fields__]
    r = chain.transact(ALICE, counter, "verify", counts)
    expected = stark_verifier_gas(WORK, BLAKE2B_PRICES)
    assert r.return_value == expected.total
    assert r.gas_by_category == {f"verifier:{part}": gas for part, gas in expected.parts.items()}
    assert r.execution_gas == expected.total


def test_documented_example_estimate():
    """The illustration in verifier.l1.gas's docstring: 2^20 rows, blowup 8, 29 queries, 18 FRI layers."""
    work = StarkVerifierWork(merkle_hashes=6_650, leaf_hashes=609, leaf_bytes=45_240, fri_folds=522,
                             field_muls=700, field_exps=32, ext_muls=3_305, ext_adds=16_036, ext_base_muls=5_800,
                             ext_inversions=87, transcript_hashes=80, transcript_bytes=10_000)
    blake, keccak = stark_verifier_gas(work, BLAKE2B_PRICES), stark_verifier_gas(work, KECCAK_PRICES)
    assert (blake.total, keccak.total) == (5_243_318, 4_442_583)  # "≈ 5.2 M", "≈ 4.4 M"
    proof = b"\x01" * 240_000
    standard = g.TX_BASE_GAS + g.calldata_gas(proof) + blake.total
    assert g.calldata_gas(proof) == 3_840_000 and standard == 9_104_318
    assert g.calldata_floor_gas(proof) == 9_621_000 > standard  # "≈ 9.6 M in all"
