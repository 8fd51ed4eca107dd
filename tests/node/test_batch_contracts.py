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
(and the false root it gives) is caught by the execution table (slow), and a storage read answered
with a value R_prev does not hold — every execution table honest for that read — is caught by the
access bus or by the state table's start at R_prev (slow).  A table stating another
code hash for a call does not close the access bus against the state table.  Creations that fail
after their run succeeded (the code deposit's gas, EIP-170, EIP-3541) and a refund above the
EIP-3529 cap are priced from the statements exactly as the executor applies them.  What the
circuits do not prove — a KECCAK256 out of gas on its words (``prove_batch`` and ``l2 batch prove``
name the transaction, the opcode and its pc), a deployment whose initcode calls, an access list, a deployment to an address
that holds an account, a contract that is the fee recipient — is refused before proving.
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
CALLER_RUNTIME = bytes.fromhex("621000005f2000")  # KECCAK256(0, 2^20): out of gas on its words, not proven
CALLER_INIT = bytes([0x60, len(CALLER_RUNTIME), 0x80, 0x60, 9, 0x5F, 0x39, 0x5F, 0xF3]) + CALLER_RUNTIME
"""CODECOPY(0, 9, n); RETURN(0, n) with the runtime after these 9 bytes."""


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
    "statement for the transfer": lambda r: {**r, 0: dataclasses.replace(r[2], calldata=b"", value=5,
                                                                          calldata_words=None)},
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
    bad_header = [b"L2BX" + proof[4:], proof[:4] + b"\x7f" + proof[5:],
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
def caller_chain(tmp_path_factory):
    """Batch 1: the deployment of a contract (provable: its initcode only copies and returns), then a
    call of it, whose KECCAK256 runs out of gas past its static cost — which the circuit does not prove."""
    home = tmp_path_factory.mktemp("caller") / "chain"
    node = Node.init(home, dev_accounts=2)
    contract = contract_address(dev_address(0), 0)
    node.submit_raw(raw_tx(0, 0, to=None, gas=300_000, data=CALLER_INIT))
    node.submit_raw(raw_tx(0, 1, to=contract, gas=200_000))
    assert node.seal().batch == 1
    node.close()
    return home


def test_an_unproven_opcode_is_refused_naming_the_transaction(caller_chain, cli):
    with Node.open(caller_chain) as node:
        with pytest.raises(BatchProofError, match=r"transaction 1 executes .*KECCAK256 \(out of gas .*\) at pc 5"):
            prove_batch(node, 1, FAST)
    refused = cli(caller_chain, "batch", "prove", "1")
    assert refused.exit_code == 1 and "transaction 1" in refused.stderr and "KECCAK256" in refused.stderr
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
    ("deployment with a call", r"transaction 0: a deployment whose code calls other contracts is not proven"),
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
    else:   # CALL of an empty account from the initcode: a second frame
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


# ---------------------------------------------------------------------------------------------
# A storage read answered with a value R_prev does not hold
# ---------------------------------------------------------------------------------------------

TOTAL = 2           # the vault's ``total`` slot: 0 in R_prev (the vault is deployed in this batch and its
LIED_TOTAL = 50     # deployment writes only ``owner`` and ``cap``); the first deposit claims it read 50


@dataclasses.dataclass(frozen=True, eq=False)
class FalseRead:
    """What a prover has when transaction 2 (the first deposit) read ``total`` as LIED_TOTAL."""

    runs: dict          # tx index → ContractRun: each execution table honest for the run that read the lie
    inputs: object      # the batch priced from those statements (BatchInputs)
    outcomes: list      # the executor's outcome of each transaction in that run of the batch
    world_after: WorldState
    transfer_trace: object
    transfer_records: list
    tree: object        # the state tree at R_prev

    @property
    def advice(self) -> dict:
        return {i: r.statement for i, r in self.runs.items()}


def replay_with_read(statement, world_before: WorldState, index: int, address: bytes, slot: int, value: int):
    """Run the batch as a prover would have it run if transaction ``index`` had found ``value`` in
    ``slot`` of ``address``: the slot is set just before that transaction, each contract run is
    recorded and turned into its execution table as ``batch_witness`` does, and the later
    transactions run on what that one wrote.  Returns ({tx index: ContractRun}, outcomes, world after)."""
    from l2.batch_witness import ContractRun, _run_witness
    from l2.executor import apply_transaction
    from l2.vm.trace import TraceRecorder

    env = block_env_of(statement)
    world = world_before.copy()
    runs, outcomes, used = {}, [], 0
    for i, (tx, sender) in enumerate(statement.decoded):
        if i == index:
            world.set_storage(address, slot, value)
        tracer = TraceRecorder() if tx.to is None or world.get_code(tx.to) else None
        outcome = apply_transaction(world, tx, sender, env, tracer=tracer, gas_available=env.gas_limit - used,
                                    cumulative_gas_used=used)
        used += outcome.gas_used
        outcomes.append(outcome)
        if tracer is not None:
            trace, run = _run_witness(i, tx, outcome.trace)
            runs[i] = ContractRun(i, run, trace)
    return runs, outcomes, world


@pytest.fixture(scope="module")
def false_read(chain, statement) -> FalseRead:
    from circuits.transfer_air import transfer_trace

    before = chain.node.state_before(1)
    runs, outcomes, after = replay_with_read(statement, before, 2, chain.vault, TOTAL, LIED_TOTAL)
    inputs = batch_inputs(statement.decoded, statement.base_fee, statement.fee_recipient, statement.gas_limit,
                          {i: r.statement for i, r in runs.items()}, statement.deposits)
    tree = state_tree(before)
    trace, records = transfer_trace(inputs.transfers, tree.get, 256)
    return FalseRead(runs, inputs, outcomes, after, trace, list(records), tree)


def prove_cheating(statement, lie: FalseRead, state_trace):
    """Proof bytes for ``statement`` from the lie's transfer and execution tables and ``state_trace``,
    committed without any check (a prover that does not care whether the tables hold)."""
    from prover.multi_stark import Table, prove_tables

    public, _ = batch_tables(statement, lie.advice)
    traces = [lie.transfer_trace, state_trace, *(lie.runs[i].trace for i in sorted(lie.runs))]
    advice = encode_advice(lie.advice)
    proof = prove_tables([Table(air, trace, pi) for (air, pi), trace in zip(public, traces)], FAST, check=False,
                         statement=statement.to_bytes() + advice, public_sum=public_access_sum(lie.inputs))
    return advice + proof.to_bytes()


CH = [Ext(tuple(random.Random(100 + s).randrange(P) for _ in range(5))) for s in range(3)]


def access_claims(lie: FalseRead, state_trace, state_pi) -> Ext:
    """Transfer table's claim + state table's claim + the public part, at the challenges CH."""
    t_air, s_air = TransferAir(), StateBusAir()
    pi = lie.inputs.transfers
    t_claim = t_air.bus_claims(lie.transfer_trace, t_air.build_aux_trace(lie.transfer_trace, CH, pi), CH, pi)[0]
    s_claim = s_air.bus_claims(state_trace, s_air.build_aux_trace(state_trace, CH, state_pi), CH, state_pi)[0]
    return t_claim + s_claim + public_access_sum(lie.inputs)(CH)


def test_the_false_read_is_a_consistent_run(chain, statement, witness, false_read):
    """The cheater's material is honest for the lie: the first deposit read 50 and wrote 350, the
    later calls found 350 (the revert and the out-of-gas call still fail, the last deposit writes
    550), every execution table satisfies every VmAir constraint for its statement, the pricing is
    the executor's for that run, and the transfer table is one for that pricing.  The root the lie
    leads to is the state that run leaves, not the node's."""
    from circuits.vm.air import VmAir

    lie = false_read
    honest = {r.index: r.statement for r in witness.runs}
    stated = lie.advice
    assert sorted(stated) == sorted(honest)
    assert (dict(honest[2].storage_initial)[TOTAL], dict(stated[2].storage_initial)[TOTAL]) == (0, LIED_TOTAL)
    assert dict(stated[2].storage_final)[TOTAL] == LIED_TOTAL + 300
    assert [dict(stated[i].storage_initial)[TOTAL] for i in (3, 4, 6)] == [LIED_TOTAL + 300] * 3
    assert dict(stated[6].storage_final)[TOTAL] == LIED_TOTAL + 500
    assert [stated[i].status for i in sorted(stated)] == [honest[i].status for i in sorted(honest)]
    assert all(stated[i] == honest[i] for i in (1, 5, 7))           # the runs that do not read ``total``
    # pricing from the statements is what the executor did in that run; SSTORE of a slot that was
    # not zero costs less, so the first deposit's fee is not the honest one
    for gas, ok, row, outcome in zip(lie.inputs.gas_used, lie.inputs.success, lie.inputs.transfers.transfers,
                                     lie.outcomes):
        assert (gas, ok, row.fee) == (outcome.gas_used, outcome.success, outcome.fee)
    assert lie.inputs.transfers.transfers[2].fee < witness.inputs.transfers.transfers[2].fee
    vm = VmAir()
    ch = CH[:vm.num_challenges]
    for run in lie.runs.values():
        aux = vm.build_aux_trace(run.trace, ch, run.statement)
        assert find_violations(vm, run.trace, run.statement, aux, ch, limit=0) == [], run.index
    first = lie.runs[2].trace                                      # ... and not one for the honest statement
    assert find_violations(vm, first, honest[2], vm.build_aux_trace(first, ch, honest[2]), ch, limit=1)
    t_air = TransferAir()
    pi = lie.inputs.transfers
    aux = t_air.build_aux_trace(lie.transfer_trace, CH, pi)
    assert find_violations(t_air, lie.transfer_trace, pi, aux, CH, limit=0) == []
    assert chain.node.world().get_storage(chain.vault, TOTAL) == 500
    assert lie.world_after.get_storage(chain.vault, TOTAL) == LIED_TOTAL + 500
    assert state_tree(lie.world_after).root != statement.new_root


@pytest.mark.slow
def test_a_read_answered_against_r_prev_does_not_balance_the_bus(chain, statement, false_read):
    """Cheater (a): the state table proves every access as R_prev answers it — the transfer table's,
    then the public ones with the values R_prev gives — and so ends at the root the lie claims (the
    state the lied run leaves: ``total`` is written after it is read).  Valid for (R_prev, that
    root), it received ``total`` of transaction 2 with old = 0, while the statement's public access
    says old = 50: the access bus does not balance, and the verifier refuses there."""
    from l2.state.witness import Access, build_trace, replay

    lie = false_read
    tree = lie.tree
    records = [*lie.transfer_records, *lie.inputs.public_accesses]
    work = tree.copy()
    steps = replay(work, [Access.write(a.key, a.new_value) if a.is_write else Access.read(a.key) for a in records])
    found = [s.record for s in steps]
    t = 7 * len(statement.transactions)
    read = t + next(k for k, a in enumerate(lie.inputs.public_accesses) if a.key == storage_key(chain.vault, TOTAL))
    assert [k for k, (a, b) in enumerate(zip(found, records)) if a != b] == [read]      # the one false access
    assert (found[read].old_value, records[read].old_value) == (0, LIED_TOTAL)
    claimed = work.root
    assert claimed == state_tree(lie.world_after).root != statement.new_root           # what the cheater claims
    false = dataclasses.replace(statement, new_root=claimed)
    state_trace = build_trace(steps, tree.root, 256)
    public, _ = batch_tables(false, lie.advice)
    s_air, state_pi = public[1]
    assert (state_pi.prev_root, state_pi.new_root, state_pi.access_count) == (statement.prev_root, claimed,
                                                                              len(records))
    aux = s_air.build_aux_trace(state_trace, CH, state_pi)
    assert find_violations(s_air, state_trace, state_pi, aux, CH, limit=0) == []      # a state table for R_prev
    assert not access_claims(lie, state_trace, state_pi).is_zero()
    with pytest.raises(VerificationError, match="bus sums do not balance"):
        verify_batch(false, prove_cheating(false, lie, state_trace), min_security=0)


@pytest.mark.slow
def test_a_read_answered_from_another_tree_misses_r_prev(chain, statement, false_read):
    """Cheater (b): the state table must receive ``total`` with old = 50.  From the tree at R_prev
    it cannot be built (the witness builder names the access); built from a tree in which the slot
    holds 50 (root R' ≠ R_prev) every table is honest for the lie and the bus balances, but the state
    table starts at R', not at the statement's R_prev, and the proof is refused at that table."""
    lie = false_read
    t = 7 * len(statement.transactions)
    read = t + next(k for k, a in enumerate(lie.inputs.public_accesses) if a.key == storage_key(chain.vault, TOTAL))
    with pytest.raises(ValueError, match=rf"state access {read}: the tree holds 0x0, the batch states {LIED_TOTAL:#x}"):
        transfer_batch(lie.tree, lie.inputs.transfers, 256, lie.inputs.public_accesses)
    other = lie.tree.copy()
    other.set(storage_key(chain.vault, TOTAL), LIED_TOTAL)
    assert other.root != statement.prev_root
    tables = transfer_batch(other, lie.inputs.transfers, 256, lie.inputs.public_accesses)
    claimed = state_tree(lie.world_after).root
    assert (tables.state_inputs.prev_root, tables.state_inputs.new_root) == (other.root, claimed)
    assert claimed != statement.new_root
    assert (tables.transfer_trace == lie.transfer_trace).all()                  # the same transfer table
    state_trace = tables.state_trace
    s_air = StateBusAir()
    aux = s_air.build_aux_trace(state_trace, CH, tables.state_inputs)
    assert find_violations(s_air, state_trace, tables.state_inputs, aux, CH, limit=0) == []   # valid from R'
    assert access_claims(lie, state_trace, tables.state_inputs).is_zero()                      # the bus balances
    false = dataclasses.replace(statement, new_root=claimed)
    state_pi = batch_tables(false, lie.advice)[0][1][1]                          # what the verifier asserts
    assert (state_pi.prev_root, state_pi.new_root, state_pi.access_count) == (
        statement.prev_root, claimed, tables.state_inputs.access_count)
    bad = find_violations(s_air, state_trace, state_pi, aux, CH, limit=0)
    assert bad and {v.kind for v in bad} == {"assertion"} and all("prev_root" in v.name for v in bad)
    with pytest.raises(VerificationError, match=r"table 1 \(state-bus\)"):
        verify_batch(false, prove_cheating(false, lie, state_trace), min_security=0)
