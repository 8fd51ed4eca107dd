"""Batch proofs with contract transactions: deployments and calls proven by the execution circuit.

One sealed batch holds a plain transfer, the deployment of a compiled Vyper contract
(``tests/contracts/vault.vy``), calls to it from two senders — deposits that change storage, a
deposit that fails its assert (revert), one that runs out of gas after reading storage — and two
hand-written deployments: one whose runtime starts with 0xEF (EIP-3541: the run succeeds, the
creation fails with all its gas and moves none of its value) and one that succeeds with value.
It proves and verifies, with the new root the node's; every execution statement matches the
executor's outcome.  Advice that is not the transactions' runs — a changed storage value, gas used
or status, a statement moved to another transaction, other code, a statement dropped — and changed
public data (a dropped or reordered transaction, a flipped root bit) are refused, and so are
malformed proof bytes; a prover that makes the transfer and state tables honest for false advice
(and the false root it gives) is caught by the execution table (slow).  A table stating another
code hash for a call does not close the access bus against the state table.  Creations that fail
after their run succeeded (the code deposit's gas, EIP-170, EIP-3541) and a refund above the
EIP-3529 cap are priced from the statements exactly as the executor applies them.  What the
circuits do not prove — LOG2 (``prove_batch`` and ``l2 batch prove`` name the transaction, the
opcode and its pc), a second call frame, an access list, a deployment to an address that holds an
account, a contract that is the fee recipient — is refused before proving.
"""

from __future__ import annotations

import dataclasses
import random
from functools import lru_cache
from pathlib import Path

import pytest

vyper = pytest.importorskip("vyper")

from Crypto.Hash import keccak  # noqa: E402
from eth_abi import encode as abi_encode  # noqa: E402
from vyper.compiler.settings import Settings  # noqa: E402

from circuits.air import find_violations  # noqa: E402
from circuits.extension import Ext  # noqa: E402
from circuits.field import P  # noqa: E402
from circuits.state_air import StateBusAir  # noqa: E402
from circuits.transfer_air import (KIND_CONTRACT, TransferAir, TransferInputs, replay_transfers,  # noqa: E402
                                   transfer_witness)
from circuits.vm.opcodes import ERROR, REVERTED, SUCCESS  # noqa: E402
from l2.batch_proof import (BatchProofError, batch_statement, batch_tables, block_env_of, decode_proof,  # noqa: E402
                            encode_advice, prove_batch, public_access_sum, verify_batch)
from l2.batch_witness import batch_inputs, transfer_batch  # noqa: E402
from l2.batch_statement import root_bytes  # noqa: E402
from l2.batch_witness import batch_witness  # noqa: E402
from l2.crypto import contract_address, dev_address, dev_private_key  # noqa: E402
from l2.demo import SELECTORS, STORE_INITCODE  # noqa: E402
from l2.evm_prove import record_run  # noqa: E402
from l2.node import Node  # noqa: E402
from l2.sequencer import state_tree  # noqa: E402
from l2.state.keys import Kind, account_key, storage_key  # noqa: E402
from l2.state.world import Account, WorldState  # noqa: E402
from l2.tx import AccessListEntry, DynamicFeeTx, encode, intrinsic_gas, sign  # noqa: E402
from l2.vm import BlockEnv  # noqa: E402
from verifier.errors import ProofFormatError, VerificationError  # noqa: E402
from verifier.proof import ProofOptions  # noqa: E402

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
FAST = ProofOptions(blowup=8, num_queries=24, grinding_bits=4, fri_remainder_log=2)
"""Cheaper options for tests that only need a valid proof (verified with min_security=0)."""
CHAIN_ID = 1337
RECIPIENT = b"\x42" * 20
CAP = 1000
EF_INIT = bytes.fromhex("60ef60005360016000f3")      # returns b"\xef": the creation fails (EIP-3541)
STOP_INIT = bytes.fromhex("600060005360016000f3")    # returns b"\x00": a contract whose code is STOP


@lru_cache(maxsize=None)
def vault_code() -> tuple[bytes, bytes]:
    """(initcode, runtime) of ``tests/contracts/vault.vy`` compiled for Cancun."""
    out = vyper.compile_code((CONTRACTS / "vault.vy").read_text(), output_formats=["bytecode", "bytecode_runtime"],
                             settings=Settings(evm_version="cancun"))
    return bytes.fromhex(out["bytecode"][2:]), bytes.fromhex(out["bytecode_runtime"][2:])


def call_data(signature: str, *args: int) -> bytes:
    selector = keccak.new(digest_bits=256, data=signature.encode()).digest()[:4]
    return selector + abi_encode(["uint256"] * len(args), list(args))


def unsigned(nonce: int, *, to: bytes | None, value: int = 0, gas: int = 21_000, data: bytes = b"", tip: int = 0):
    return DynamicFeeTx(chain_id=CHAIN_ID, nonce=nonce, max_priority_fee_per_gas=tip, max_fee_per_gas=2 * 10**9 + tip,
                        gas=gas, to=to, value=value, data=data)


def raw_tx(i: int, nonce: int, **kw) -> bytes:
    return encode(sign(unsigned(nonce, **kw), dev_private_key(i)))


def out_of_gas_limit(runtime: bytes, data: bytes) -> int:
    """Execution gas with which a deposit runs out on a cheap step after reading storage and before its
    first SSTORE (what it spends up to there does not depend on the storage values)."""
    trace = record_run(runtime, data, 1_000_000, storage={1: CAP})
    first_store = next(s.index for s in trace.steps if s.name == "SSTORE")
    cheap = [s for s in trace.steps[:first_store]
             if s.gas_cost > 0 and not s.storage_ops and not s.memory_accesses and s.name not in ("CODECOPY",)]
    assert any(s.name == "SLOAD" for s in trace.steps[:cheap[-1].index])
    last = cheap[-1]
    return 1_000_000 - last.gas_before + last.gas_cost - 1


@dataclasses.dataclass(frozen=True)
class Chain:
    node: Node
    outcomes: list      # the executor's outcome of each transaction of batch 1, as sealed
    vault: bytes        # the vault's address


@pytest.fixture(scope="module")
def chain(tmp_path_factory):
    init, runtime = vault_code()
    node = Node.init(tmp_path_factory.mktemp("contracts") / "chain", dev_accounts=3)
    vault = contract_address(dev_address(0), 1)
    oog = call_data("deposit(uint256)", 100)
    oog_gas = intrinsic_gas(unsigned(0, to=vault, data=oog)) + out_of_gas_limit(runtime, oog)
    raws = [
        raw_tx(0, 0, to=RECIPIENT, value=5, tip=1),                                              # 0 plain transfer
        raw_tx(0, 1, to=None, gas=600_000, data=init + abi_encode(["uint256"], [CAP])),          # 1 deploy vault
        raw_tx(0, 2, to=vault, gas=200_000, data=call_data("deposit(uint256)", 300)),            # 2 storage written
        raw_tx(1, 0, to=vault, gas=200_000, data=call_data("deposit(uint256)", 5000)),           # 3 assert fails
        raw_tx(0, 3, to=vault, gas=oog_gas, data=oog),                                           # 4 out of gas
        raw_tx(2, 0, to=None, gas=100_000, value=9, data=EF_INIT),                               # 5 EIP-3541
        raw_tx(1, 1, to=vault, gas=200_000, data=call_data("deposit(uint256)", 200)),            # 6 storage written
        raw_tx(2, 1, to=None, gas=100_000, value=11, data=STOP_INIT),                            # 7 deploy, value
    ]
    for raw in raws:
        node.submit_raw(raw)
    sealed = node.seal()
    assert sealed.batch == 1 and len(sealed.tx_hashes) == len(raws) and not sealed.skipped
    yield Chain(node, sealed.outcomes, vault)
    node.close()


@pytest.fixture(scope="module")
def statement(chain):
    return batch_statement(chain.node, 1)


@pytest.fixture(scope="module")
def witness(chain, statement):
    return batch_witness(statement.decoded, chain.node.state_before(1), block_env_of(statement), statement.deposits)


@pytest.fixture(scope="module")
def proven(chain):
    return prove_batch(chain.node, 1, FAST)


# ---------------------------------------------------------------------------------------------
# Honest batch
# ---------------------------------------------------------------------------------------------

def test_the_batch_covers_the_cases(chain, witness):
    runs = {r.index: r.statement for r in witness.runs}
    assert sorted(runs) == [1, 2, 3, 4, 5, 6, 7]                     # every transaction but the transfer
    assert [runs[i].status for i in (1, 2, 3, 4, 5, 6, 7)] == [SUCCESS, SUCCESS, REVERTED, ERROR, SUCCESS,
                                                               SUCCESS, SUCCESS]
    assert [o.success for o in chain.outcomes] == [True, True, True, False, False, False, True, True]
    assert runs[3].output[4:].endswith(b"over the cap".ljust(32, b"\x00"))   # the failed assert's reason
    assert runs[4].storage_initial and runs[4].gas_used == runs[4].gas_limit  # read storage, then out of gas
    assert runs[5].output == b"\xef" and chain.outcomes[5].gas_used == 100_000     # all its gas
    assert runs[2].storage_final != runs[2].storage_initial
    senders = [t.sender for t in witness.inputs.transfers.transfers]
    assert senders.count(dev_address(0)) == 4                       # several from one sender
    world = chain.node.world()
    assert world.get_code(chain.vault) == vault_code()[1]
    assert not world.account_exists(contract_address(dev_address(2), 0))            # the 0xEF creation left nothing
    assert world.get_balance(contract_address(dev_address(2), 1)) == 11
    assert world.get_code(contract_address(dev_address(2), 1)) == b"\x00"


def test_pricing_from_the_statements_is_the_executors(chain, statement, witness):
    """Gas used, fees, status and the value moved, derived from the execution statements alone, are
    what the executor did (batch_witness checks the same; here it is shown)."""
    rows = witness.inputs.transfers.transfers
    for (tx, _sender), outcome, row, gas, ok in zip(statement.decoded, chain.outcomes, rows, witness.inputs.gas_used,
                                                    witness.inputs.success):
        assert (gas, ok, row.fee) == (outcome.gas_used, outcome.success, outcome.fee)
        assert row.value == (tx.value if ok else 0)
        assert row.cost == tx.gas * tx.max_fee_per_gas + tx.value
    assert rows[5].value == 0 and statement.decoded[5][0].value == 9
    assert [r.kind for r in rows] == [0] + [KIND_CONTRACT] * 7
    assert rows[1].to == chain.vault and rows[1].code_hash_old == 0
    runtime_hash = int.from_bytes(keccak.new(digest_bits=256, data=vault_code()[1]).digest(), "big")
    assert rows[1].code_hash_new == runtime_hash
    assert all(rows[i].code_hash_old == rows[i].code_hash_new == runtime_hash for i in (2, 3, 4, 6))
    assert rows[5].code_hash_new == 0                                              # the failed creation


def test_the_accesses_reach_the_nodes_root_and_keys_stay_in_order(chain, statement, witness):
    """The state table's root after every access — the transfer table's, then the public ones — is
    the node's.  No key is on both sides, so putting the public accesses last keeps every key's
    accesses in transaction order, here with a deployment and later calls of the new contract."""
    tables = witness.tables
    assert tables.state_inputs.prev_root == statement.prev_root == state_tree(chain.node.state_before(1)).root
    assert tables.state_inputs.new_root == statement.new_root == state_tree(chain.node.world()).root
    t = 7 * len(statement.transactions)
    transfer_keys = {a.key for a in tables.accesses[:t]}
    public = witness.inputs.public_accesses
    assert list(tables.accesses[t:]) == list(public) and tables.state_inputs.access_count == t + len(public)
    assert transfer_keys.isdisjoint(a.key for a in public)
    vault = chain.vault
    assert public[0] == type(public[0])(account_key(vault, Kind.NONCE), 0, 1, True)   # the deployment's nonce
    writes = [a for a in public if a.is_write]
    slots_of_vault = {storage_key(vault, s) for s in range(8)}
    assert {a.key for a in writes} >= {storage_key(vault, 0), storage_key(vault, 1), storage_key(vault, 2)}
    assert all(a.key in slots_of_vault or a.key in {account_key(vault, Kind.NONCE),
                                                    account_key(contract_address(dev_address(2), 1), Kind.NONCE)}
               for a in public)
    # the failed runs only read: the revert and the out-of-gas call left storage as they found it
    runs = {r.index: r.statement for r in witness.runs}
    for i in (3, 4):
        for slot, value in runs[i].storage_initial:
            assert any(a.key == storage_key(vault, slot) and a.old_value == a.new_value == value and not a.is_write
                       for a in public)


def test_contract_batch_proves_and_verifies(chain, statement, proven):
    assert proven.statement == statement and proven.contract_txs == 7
    assert "0x" + root_bytes(statement.new_root).hex() == chain.node.batch(1)["state_root"]
    verify_batch(statement, proven.proof, min_security=0)
    runs, advice, _ = decode_proof(proven.proof)
    assert sorted(runs) == [1, 2, 3, 4, 5, 6, 7] and encode_advice(runs) == advice


# ---------------------------------------------------------------------------------------------
# Advice and public data that are not the batch's
# ---------------------------------------------------------------------------------------------

def with_runs(proof: bytes, change) -> bytes:
    runs, _advice, multi = decode_proof(proof)
    runs = change(dict(runs))
    return encode_advice(runs) + multi


def changed_storage(runs):
    """The first deposit states another amount in ``recent[0]`` (its last slot; no later run reads it)."""
    run = runs[2]
    *rest, (slot, value) = run.storage_final
    runs[2] = dataclasses.replace(run, storage_final=(*rest, (slot, value + 1)))
    return runs


def moved(runs, src, dst):
    runs[dst] = runs.pop(src)
    return runs


ADVICE_CHANGES = {
    "storage value": changed_storage,
    "gas used": lambda r: {**r, 2: dataclasses.replace(r[2], gas_used=r[2].gas_used + 1)},
    "status": lambda r: {**r, 3: dataclasses.replace(r[3], status=ERROR, gas_used=r[3].gas_limit, output=b"",
                                                     output_offset=0)},
    "refund": lambda r: {**r, 6: dataclasses.replace(r[6], refund=r[6].refund + 4800)},
    "statement of another transaction": lambda r: moved(r, 2, 6),
    "statements swapped": lambda r: {**r, 2: r[6], 6: r[2]},
    "other code": lambda r: {**r, 2: dataclasses.replace(r[2], code=r[2].code + b"\x00")},
    "statement dropped": lambda r: {k: v for k, v in r.items() if k != 2},
    "statement for the transfer": lambda r: {**r, 0: dataclasses.replace(r[2], calldata=b"", value=5)},
}


@pytest.mark.parametrize("change", sorted(ADVICE_CHANGES))
def test_advice_that_is_not_the_batch_is_refused(statement, proven, change):
    bad = with_runs(proven.proof, ADVICE_CHANGES[change])
    with pytest.raises(VerificationError):
        verify_batch(statement, bad, min_security=0)


@pytest.mark.parametrize("change", ["dropped tx", "reordered", "new root bit", "prev root", "fee recipient"])
def test_changed_public_data_is_refused(statement, proven, change):
    txs = list(statement.transactions)
    if change == "dropped tx":
        other = dataclasses.replace(statement, transactions=tuple(txs[:4] + txs[5:]))
    elif change == "reordered":
        other = dataclasses.replace(statement, transactions=tuple([txs[0], txs[1], txs[3], txs[2], *txs[4:]]))
    elif change == "new root bit":
        root = list(statement.new_root)
        root[5] ^= 1
        other = dataclasses.replace(statement, new_root=tuple(root))
    elif change == "prev root":
        other = dataclasses.replace(statement, prev_root=statement.new_root)
    else:
        other = dataclasses.replace(statement, fee_recipient=b"\x01" * 20)
    with pytest.raises(VerificationError):
        verify_batch(other, proven.proof, min_security=0)


def test_malformed_proof_bytes_are_refused(statement, proven):
    proof = proven.proof
    runs, advice, multi = decode_proof(proof)
    for cut in (0, 3, 8, 9, 20, len(advice) - 1, len(advice), len(advice) + 5):
        with pytest.raises(ProofFormatError):
            verify_batch(statement, proof[:cut], min_security=0)
    bad_header = [b"L2BX" + proof[4:], proof[:4] + b"\x02" + proof[5:],
                  proof[:5] + (2**31).to_bytes(4, "big") + proof[9:],            # count past the end
                  proof + b"\x00"]
    first, second = sorted(runs)[:2]
    head = 9                                                                      # magic, version, count
    bad_header.append(proof[:head + 4] + (2**31).to_bytes(4, "big") + proof[head + 8:])   # a length past the end
    bad_header.append(proof[:head] + second.to_bytes(4, "big") + proof[head + 4:])         # indices not increasing
    for bad in bad_header:
        with pytest.raises(ProofFormatError):
            verify_batch(statement, bad, min_security=0)
    rng = random.Random(7)
    for pos in list(range(len(advice))[::max(1, len(advice) // 60)]) + rng.sample(range(len(advice), len(proof)), 20):
        flipped = bytearray(proof)
        flipped[pos] ^= 0x10
        with pytest.raises(VerificationError):
            verify_batch(statement, bytes(flipped), min_security=0)


def test_the_state_proof_binds_the_called_code(chain, witness):
    """A transfer table that states another code hash for a call (as a prover with other code as
    advice must) is a valid table, but the access bus no longer closes against the state table."""
    ch = [Ext(tuple(random.Random(s).randrange(P) for _ in range(5))) for s in range(3)]
    t_air, s_air = TransferAir(), StateBusAir()
    inputs = witness.inputs
    tables = witness.tables
    s_aux = s_air.build_aux_trace(tables.state_trace, ch, tables.state_inputs)
    state_claim = s_air.bus_claims(tables.state_trace, s_aux, ch, tables.state_inputs)[0]
    public = public_access_sum(inputs)(ch)

    def claim(pi: TransferInputs, trace) -> Ext:
        aux = t_air.build_aux_trace(trace, ch, pi)
        return t_air.bus_claims(trace, aux, ch, pi)[0]

    assert (claim(inputs.transfers, tables.transfer_trace) + state_claim + public).is_zero()
    rows = list(inputs.transfers.transfers)
    other = int.from_bytes(keccak.new(digest_bits=256, data=vault_code()[1] + b"\x00").digest(), "big")
    rows[2] = dataclasses.replace(rows[2], code_hash_old=other, code_hash_new=other)
    lie = TransferInputs(tuple(rows), inputs.transfers.fee_recipient)
    olds, _ = replay_transfers(inputs.transfers, state_tree(chain.node.state_before(1)).get)
    trace = transfer_witness(lie, olds)
    assert find_violations(t_air, trace, lie, t_air.build_aux_trace(trace, ch, lie), ch, limit=0) == []
    assert not (claim(lie, trace) + state_claim + public).is_zero()


# ---------------------------------------------------------------------------------------------
# What the circuits do not prove is refused before proving
# ---------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def store_chain(tmp_path_factory):
    """Batch 1: the demo contract's deployment (provable: its initcode only copies and returns), then
    a call of ``store`` (emits LOG2, outside the execution circuit's set)."""
    home = tmp_path_factory.mktemp("store") / "chain"
    node = Node.init(home, dev_accounts=2)
    store = contract_address(dev_address(0), 0)
    node.submit_raw(raw_tx(0, 0, to=None, gas=300_000, data=STORE_INITCODE))
    node.submit_raw(raw_tx(0, 1, to=store, gas=200_000, data=SELECTORS["store(uint256)"] + (7).to_bytes(32, "big")))
    assert node.seal().batch == 1
    node.close()
    return home


def test_an_unproven_opcode_is_refused_naming_the_transaction(store_chain, cli):
    with Node.open(store_chain) as node:
        with pytest.raises(BatchProofError, match=r"transaction 1 executes .*LOG2 at pc \d+"):
            prove_batch(node, 1, FAST)
    refused = cli(store_chain, "batch", "prove", "1")
    assert refused.exit_code == 1 and "transaction 1" in refused.stderr and "LOG2" in refused.stderr
    assert len(refused.stderr.strip().splitlines()) == 1


ALICE, FEE = b"\xaa" * 20, b"\xfe" * 20
ENV = BlockEnv(number=1, timestamp=1, base_fee=10**9, chain_id=1, coinbase=FEE, gas_limit=30_000_000)


def returning(size: int, first: int = 0) -> bytes:
    """Initcode returning ``size`` bytes of memory whose first byte is ``first``."""
    return bytes([0x60, first, 0x60, 0x00, 0x53, 0x61, size >> 8, size & 0xFF, 0x60, 0x00, 0xF3])


def creation(nonce: int, code: bytes, gas: int, to: bytes | None = None, value: int = 0, access_list=()):
    return DynamicFeeTx(chain_id=1, nonce=nonce, max_priority_fee_per_gas=0, max_fee_per_gas=10**9, gas=gas, to=to,
                        value=value, data=code, access_list=access_list)


def test_creation_outcomes_are_the_interpreters():
    """Deployments whose run succeeds but whose creation does or does not (the code deposit, its
    gas, EIP-170, EIP-3541) and a refund above the EIP-3529 cap: priced from the statements alone,
    each outcome is the executor's (batch_witness compares gas used, status and fee for each)."""
    run = 1_000_000 - record_run(returning(100), gas=1_000_000).result.gas_left
    need = intrinsic_gas(creation(0, returning(100), 0)) + run + 200 * 100         # the code deposit
    cases = [creation(0, returning(100), need),                                     # the deposit just fits
             creation(1, returning(100), need - 1),                                 # one gas short: fails
             creation(2, returning(24_577), 6_000_000),                         # EIP-170
             creation(3, returning(1, 0xEF), 100_000, value=5),                 # EIP-3541
             creation(4, bytes.fromhex("6001600055600060005560006000f3"), 200_000)]   # set and clear a slot
    w = batch_witness([(tx, ALICE) for tx in cases], WorldState({ALICE: Account(balance=10**20)}), ENV)
    assert [r.statement.status for r in w.runs] == [SUCCESS] * 5
    assert [o.success for o in w.outcomes] == list(w.inputs.success) == [True, False, False, False, True]
    assert [o.gas_used for o in w.outcomes[1:4]] == [cases[1].gas, cases[2].gas, cases[3].gas]
    assert w.inputs.transfers.transfers[3].value == 0                          # a failed creation moves nothing
    refund = w.outcomes[4].gas_refund
    assert 0 < refund < 19_900 and refund == (w.outcomes[4].gas_used + refund) // 5      # capped
    assert [a.key for a in w.inputs.public_accesses[:1]] == [account_key(contract_address(ALICE, 0), Kind.NONCE)]


def test_deposits_come_before_the_transactions():
    """L1 deposits are the first transfer rows; a deployment after them writes storage, its public
    accesses are numbered after all 7·(deposits + transactions) table accesses, and the state table
    ends where crediting the deposits and executing the transaction do."""
    from bridge.constants import L2_BRIDGE
    from bridge.deposits import apply_deposits
    from l2.batch_statement import Deposit
    from l2.executor import apply_transaction

    accounts = {ALICE: Account(balance=10**20), L2_BRIDGE: Account(nonce=4, balance=10**30)}
    deposits = [Deposit(4, ALICE, 7), Deposit(5, RECIPIENT, 9)]
    tx = creation(0, bytes.fromhex("602a60015500"), 100_000)         # SSTORE(1, 42), STOP: an empty runtime
    w = batch_witness([(tx, ALICE)], WorldState(accounts), ENV, deposits)
    rows = w.inputs.transfers.transfers
    assert [(r.sender, r.nonce, r.fee, r.kind) for r in rows[:2]] == [(L2_BRIDGE, 4, 0, 0), (L2_BRIDGE, 5, 0, 0)]
    assert rows[2].kind == KIND_CONTRACT and w.inputs.first_public_idx == 7 * 3
    new = contract_address(ALICE, 0)
    assert [(a.key, a.new_value) for a in w.inputs.public_accesses] == [(account_key(new, Kind.NONCE), 1),
                                                                        (storage_key(new, 1), 42)]
    after = WorldState(accounts)
    apply_deposits(after, deposits)
    apply_transaction(after, tx, ALICE, ENV)
    assert w.tables.state_inputs.new_root == state_tree(after).root


@pytest.mark.parametrize("case, match", [
    ("access list", "transaction 0 has an access list"),
    ("funded address", "transaction 0 deploys to 0x.*already holds an account"),
    ("fee recipient", "transaction 0: its contract is the fee recipient"),
    ("nested frame", r"transaction 0 executes .*CALL at pc"),
])
def test_what_cannot_be_proven_is_refused_before_proving(case, match):
    target = contract_address(ALICE, 0)
    accounts = {ALICE: Account(balance=10**20)}
    tx = creation(0, returning(1), 100_000)
    env = ENV
    if case == "access list":
        tx = creation(0, returning(1), 100_000, access_list=(AccessListEntry(RECIPIENT, ()),))
    elif case == "funded address":
        accounts[target] = Account(balance=1)
    elif case == "fee recipient":
        env = dataclasses.replace(ENV, coinbase=target)
    else:   # CALL of an empty account from the initcode: a second frame (and an unproven opcode)
        tx = creation(0, bytes.fromhex("5f5f5f5f5f6042620186a0f100"), 200_000)
    with pytest.raises(ValueError, match=match):
        batch_witness([(tx, ALICE)], WorldState(accounts), env)


@pytest.mark.slow
def test_default_options_reach_100_bits(chain, statement):
    result = prove_batch(chain.node, 1)
    assert result.security_bits >= 100
    verify_batch(statement, result.proof)


@pytest.mark.slow
def test_a_false_root_from_false_advice_is_refused(chain, statement, witness):
    """The attack the advice invites: state a storage value the run did not write, and prove the new
    root that value gives.  A prover can make the transfer and state tables honest for the lie (the
    buses balance, the state table ends at the false root); the execution table, honest for the real
    run, is not one for the stated run, and the proof is refused there."""
    from prover.multi_stark import Table, prove_tables

    runs = changed_storage({r.index: r.statement for r in witness.runs})
    lie = batch_inputs(statement.decoded, statement.base_fee, statement.fee_recipient, statement.gas_limit, runs)
    tables = transfer_batch(state_tree(chain.node.state_before(1)), lie.transfers, 256, lie.public_accesses)
    false = dataclasses.replace(statement, new_root=tables.state_inputs.new_root)
    assert false.new_root != statement.new_root
    public, _ = batch_tables(false, runs)
    traces = [tables.transfer_trace, tables.state_trace, *(r.trace for r in witness.runs)]
    advice = encode_advice(runs)
    proof = prove_tables([Table(air, trace, pi) for (air, pi), trace in zip(public, traces)], FAST, check=False,
                         statement=false.to_bytes() + advice, public_sum=public_access_sum(lie)).to_bytes()
    with pytest.raises(VerificationError, match=r"table 3 \(evm-execution"):
        verify_batch(false, advice + proof, min_security=0)
