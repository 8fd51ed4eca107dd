"""SELFBALANCE, BALANCE, EXTCODESIZE, EXTCODEHASH, RETURNDATASIZE, RETURNDATACOPY, TLOAD and TSTORE in
the execution circuit: honest runs with nasty operands satisfy every constraint and prove; the
statement lists exactly the accounts, the self balance and the transient slots of the run, and its
bytes are strictly encoded; what the circuit does not prove is refused with the opcode and pc; batch
proofs take transient storage and refuse the account reads they cannot bind to the state yet.

The cheats (a wrong balance or code hash, a cold read charged warm and a warm one cold, an account
dropped from or added to the statement, a TLOAD of a value never stored, a transient value read from
persistent storage, a non-zero RETURNDATASIZE, a RETURNDATACOPY out of bounds that completes, ...) are
in the soundness catalogue (``test_vm_soundness.py``), with the coverage table of every constraint.
"""

from __future__ import annotations

import random
import struct
from dataclasses import replace

import numpy as np
import pytest
from circuit_programs import push, push32
from Crypto.Hash import keccak

from circuits.air import find_violations
from circuits.extension import Ext
from circuits.vm import layout as L
from circuits.vm.air import VmAir, VmStatement
from circuits.vm.opcodes import ERROR, SUCCESS, Group
from circuits.vm.proven import PROVEN_OPCODES, unproven_steps
from circuits.vm.tables import PRECOMPILES
from l2.evm_cli import CONTRACT_ADDRESS, DEFAULT_CALLER, EvmInputError
from l2.evm_prove import (EvmProofError, _decode_statement, encode_file, parse_accounts, prove_code, read_file,
                          record_run, witness_for)
from l2.batch_proof import batch_statement, decode_proof, prove_batch, verify_batch
from l2.batch_witness import batch_witness, contract_effect
from l2.crypto import contract_address, dev_address, dev_private_key
from l2.node import Node
from l2.state.world import Account, WorldState
from l2.tx import DynamicFeeTx, encode, sign
from l2.vm import PRECOMPILE_ADDRESSES, BlockEnv, TxEnv
from prover.stark import prove
from verifier.errors import VerificationError
from verifier.proof import ProofOptions
from verifier.stark import verify

AIR = VmAir()
GAS = 1_000_000
FAST = ProofOptions(blowup=8, num_queries=24, grinding_bits=4, fri_remainder_log=2)
BALANCE, EXTCODESIZE, EXTCODEHASH, SELFBALANCE = b"\x31", b"\x3b", b"\x3f", b"\x47"
RETURNDATASIZE, RETURNDATACOPY, TLOAD, TSTORE = b"\x3d", b"\x3e", b"\x5c", b"\x5d"
POP, STOP, SSTORE = b"\x50", b"\x00", b"\x55"

OTHER, FUNDED, ABSENT, LATE = 0xBEEF, 0xFACE, 0x1234, 0xD00D
OTHER_CODE = bytes.fromhex("600160005500")
ACCOUNTS = {OTHER.to_bytes(20, "big"): (12345, OTHER_CODE), FUNDED.to_bytes(20, "big"): (9, b""),
            CONTRACT_ADDRESS: (1000, b""), LATE.to_bytes(20, "big"): (2**256 - 1, b"\xfe")}
"""The other accounts of the world: one with code, one funded without code, and the contract's own
balance (the contract's code is the code run); ABSENT is no account at all."""
VALUE = 77
ORIGIN = 0xAB0DE


def code_hash(code: bytes) -> int:
    return int.from_bytes(keccak.new(digest_bits=256, data=code).digest(), "big")


def honest(code: bytes, gas: int = GAS, tx_env: TxEnv | None = None):
    trace = record_run(code, gas=gas, value=VALUE, accounts=ACCOUNTS, tx_env=tx_env)
    matrix, statement = witness_for(code, gas, trace, tx_env=tx_env)
    return trace, matrix, statement


def assert_satisfied(matrix, statement):
    rng = random.Random(5)
    chal = [Ext([rng.randrange(2**31) for _ in range(5)]) for _ in range(2)]
    aux = AIR.build_aux_trace(matrix, chal, statement)
    assert find_violations(AIR, matrix, statement, aux, chal, limit=5) == []


def proves(matrix, statement) -> None:
    verify(AIR, prove(AIR, matrix, statement, FAST).to_bytes(), statement, min_security=0)


def step_costs(trace, opcode: int) -> list[int]:
    return [s.gas_cost for s in trace.steps if s.opcode == opcode]


def read(op: bytes, address: int) -> bytes:
    return push32(address) + op + POP if address >> 160 else push(address) + op + POP


# ---- accounts ------------------------------------------------------------------------------------

ACCOUNT_READS = (
    read(BALANCE, OTHER | 2**255 | 2**200)             # high bits above 160 are ignored: 0xBEEF, cold
    + read(EXTCODESIZE, OTHER) + read(EXTCODEHASH, OTHER)  # warm
    + read(BALANCE, 0xC0DE) + read(EXTCODEHASH, 0xC0DE)    # the executing account: warm from the start
    + read(BALANCE, int.from_bytes(DEFAULT_CALLER, "big"))  # the caller: warm
    + read(BALANCE, ORIGIN)                                 # the origin: warm
    + read(EXTCODESIZE, 1) + read(BALANCE, 10)              # precompiles: warm
    + read(BALANCE, 11)                                     # not a precompile: cold
    + read(EXTCODEHASH, ABSENT) + read(BALANCE, ABSENT)     # no account: hash 0, cold then warm
    + read(EXTCODEHASH, FUNDED)                             # a balance but no code: keccak(b""), cold
    + read(EXTCODESIZE, LATE) + read(BALANCE, OTHER) + read(EXTCODEHASH, LATE)  # cold, warm, warm
    + SELFBALANCE + POP + STOP)


def test_account_reads_with_nasty_operands():
    trace, matrix, st = honest(ACCOUNT_READS, tx_env=TxEnv(origin=ORIGIN.to_bytes(20, "big")))
    assert trace.result.status == "success"
    costs = [s.gas_cost for s in trace.steps if s.opcode in (0x31, 0x3B, 0x3F)]
    assert costs == [2600, 100, 100, 100, 100, 100, 100, 100, 100, 2600, 2600, 100, 2600, 2600, 100, 100]
    caller = int.from_bytes(DEFAULT_CALLER, "big")
    empty = code_hash(b"")
    assert st.accounts == (
        (1, 0, 0, 0), (10, 0, 0, 0), (11, 0, 0, 0), (ABSENT, 0, 0, 0),
        (OTHER, 12345, len(OTHER_CODE), code_hash(OTHER_CODE)), (0xC0DE, 1000 + VALUE, len(ACCOUNT_READS),
                                                                 code_hash(ACCOUNT_READS)),
        (LATE, 2**256 - 1, 1, code_hash(b"\xfe")), (FUNDED, 9, 0, empty), (ORIGIN, 0, 0, 0), (caller, 0, 0, 0))
    assert st.self_balance == 1000 + VALUE and st.transient_slots == ()
    # the cold reads are the first of an address not warm at the start
    reads = np.nonzero(np.isin(np.argmax(matrix[:, L.SEL_OFFSET:L.SEL_OFFSET + L.SEL_WIDTH], axis=1) + 1,
                               [int(Group.BALANCE), int(Group.EXTCODESIZE), int(Group.EXTCODEHASH)])
                       & (matrix[:, L.HALTED] == 0))[0]
    assert [2600 if c else 100 for c in matrix[reads, L.ACOLD]] == costs
    assert np.sum(matrix[:, L.CH_ACCT]) == len(st.accounts) and np.sum(matrix[:, L.CH_GAP]) == len(costs) + 10
    assert_satisfied(matrix, st)
    proves(matrix, st)


def test_account_values_are_the_worlds():
    """Each account read pushes what the VM read from the world (checked by the witness) and the
    statement lists each account as the run saw it; the origin defaults to the caller."""
    code = read(BALANCE, FUNDED) + read(EXTCODESIZE, OTHER) + SELFBALANCE + SELFBALANCE + POP + POP + STOP
    trace, matrix, st = honest(code)
    assert [s.pushes[0] for s in trace.steps if s.opcode in (0x31, 0x3B, 0x47)] == [9, len(OTHER_CODE), 1077, 1077]
    assert st.accounts == ((OTHER, 12345, len(OTHER_CODE), code_hash(OTHER_CODE)), (FUNDED, 9, 0, code_hash(b"")))
    assert st.origin == st.caller and st.self_balance == 1077
    assert_satisfied(matrix, st)


def test_selfbalance_alone_needs_no_account():
    trace, matrix, st = honest(SELFBALANCE + SELFBALANCE + b"\x01" + POP + STOP)
    assert trace.steps[2].pushes == (2154,) and st.accounts == () and st.self_balance == 1077
    assert_satisfied(matrix, st)


def test_precompiles_are_the_vms():
    assert [a.to_bytes(20, "big") for a in PRECOMPILES] == list(PRECOMPILE_ADDRESSES)


# ---- transient storage ---------------------------------------------------------------------------

TRANSIENT = (
    push(7) + push(1) + TSTORE                            # slot 1 := 7
    + push(1) + TLOAD + POP                               # 7
    + push(2) + TLOAD + POP                               # an unwritten slot: 0
    + push32(2**256 - 1) + push32(2**256 - 1) + TSTORE    # the last slot := 2^256 − 1
    + push(0) + push(1) + TSTORE + push(1) + TLOAD + POP  # slot 1 := 0, read back 0
    + push(5) + push(1) + TSTORE                          # slot 1 := 5
    + push32(2**256 - 1) + TLOAD                          # 2^256 − 1 …
    + push(1) + TLOAD + push(3) + SSTORE                  # … and storage slot 3 := transient slot 1 (5)
    + push(1) + SSTORE + STOP)                            # storage slot 1 := 2^256 − 1


def test_transient_storage():
    trace, matrix, st = honest(TRANSIENT)
    assert trace.result.status == "success"
    assert [s.pushes[0] for s in trace.steps if s.opcode == 0x5C] == [7, 0, 0, 2**256 - 1, 5]
    assert set(step_costs(trace, 0x5C)) == set(step_costs(trace, 0x5D)) == {100}
    assert st.transient_slots == (1, 2, 2**256 - 1)
    assert st.storage_initial == ((1, 0), (3, 0)) and st.storage_final == ((1, 2**256 - 1), (3, 5))
    assert np.sum(matrix[:, L.CH_TSLOT]) == 3
    assert_satisfied(matrix, st)
    proves(matrix, st)


def test_transient_storage_in_a_failing_run():
    """A run that fails still lists what it touched; transient storage holds nothing public at the end."""
    code = push(9) + push(4) + TSTORE + push(4) + TLOAD + b"\xfe"
    trace, matrix, st = honest(code)
    assert st.status == ERROR and st.transient_slots == (4,) and st.gas_used == GAS
    assert_satisfied(matrix, st)


# ---- return data ---------------------------------------------------------------------------------

def test_returndata_of_one_frame_is_empty():
    code = (RETURNDATASIZE + RETURNDATASIZE + RETURNDATASIZE + RETURNDATACOPY              # copy nothing at 0
            + push(0) + push(0) + push32(2**256 - 1) + RETURNDATACOPY + RETURNDATASIZE + STOP)
    trace, matrix, st = honest(code)
    assert trace.result.status == "success" and trace.steps[-2].pushes == (0,)
    assert step_costs(trace, 0x3E) == [3, 3] and st.gas_used == 3 * 2 + 3 + 2 * 2 + 3 + 3 + 2
    assert np.sum(matrix[:, L.sel(Group.RDSIZE)]) == 2
    assert_satisfied(matrix, st)
    proves(matrix, st)


@pytest.mark.parametrize("size,offset,error", [
    (0, 1, "OutOfBoundsRead"),                  # offset + size > 0 = len(return data), EIP-211
    (1, 0, "OutOfBoundsRead"),
    (0, 2**256 - 1, "OutOfBoundsRead"),
    (2**200, 0, "OutOfGasError"),               # its words cannot be paid: the same halt
    (32, 2**255, "OutOfBoundsRead"),
])
def test_returndatacopy_out_of_bounds_halts(size, offset, error):
    code = push32(size) + push32(offset) + push(0) + RETURNDATACOPY + STOP
    trace, matrix, st = honest(code)
    assert trace.steps[-1].error == error and unproven_steps(trace) == []
    assert st.status == ERROR and st.gas_used == GAS
    assert int(matrix[np.nonzero(matrix[:, L.sel(Group.RDSIZE)])[0][0], L.E_RD]) == 1
    assert_satisfied(matrix, st)
    if size == 1:
        proves(matrix, st)


# ---- out of gas and refusals ---------------------------------------------------------------------

@pytest.mark.parametrize("code,gas", [
    (push(OTHER) + BALANCE, 3 + 99),                     # below the static 100
    (push(1) + TLOAD, 3 + 99),
    (push(1) + push(1) + TSTORE, 6 + 99),
    (push(0) + push(0) + push(0) + RETURNDATACOPY, 6 + 2),
    (SELFBALANCE, 4),
])
def test_out_of_gas_on_the_static_cost_is_proven(code, gas):
    trace, matrix, st = honest(code, gas)
    assert trace.steps[-1].error == "OutOfGasError" and st.status == ERROR
    assert_satisfied(matrix, st)


def test_out_of_gas_on_a_cold_read_is_refused():
    code = push(OTHER) + read(BALANCE, OTHER) + EXTCODEHASH + STOP
    trace = record_run(code, gas=6 + 2600 + 2 + 100, accounts=ACCOUNTS)
    assert trace.result.status == "success" and unproven_steps(trace) == []   # warm at the EXTCODEHASH
    trace = record_run(code, gas=6 + 2599, accounts=ACCOUNTS)
    assert unproven_steps(trace) == [("BALANCE (out of gas on a cold account read)", 6)]
    with pytest.raises(EvmProofError, match=r"BALANCE \(out of gas on a cold account read\) at pc 6"):
        prove_code(code, gas=6 + 2599, options=FAST)


def test_the_group_opcodes_are_proven():
    assert {0x31, 0x3B, 0x3F, 0x47, 0x3D, 0x3E, 0x5C, 0x5D} <= PROVEN_OPCODES


# ---- the statement ---------------------------------------------------------------------------------

def test_statement_bytes_are_strict():
    _, matrix, st = honest(read(EXTCODEHASH, OTHER) + SELFBALANCE + POP + push(3) + push(2) + TSTORE + STOP)
    assert st.accounts and st.self_balance and st.transient_slots == (2,)
    data = st.to_bytes()
    assert _decode_statement(data) == st
    from circuits.vm.air import _encode_subset
    assert not st.returndata_sizes and not st.calls and st.storage_original is None and not st.storage_warm
    assert not st.static
    # the entry subsets, then no return data size, no call, no original storage, no warm slot, not static
    rest = (_encode_subset(st.and_keys) + _encode_subset(st.calldata_words) + struct.pack("<II", 0, 0) + b"\x00"
            + struct.pack("<I", 0) + b"\x00")
    assert data.endswith(rest)
    body = data[:-len(rest)]
    tail = st.self_balance.to_bytes(32, "big") + struct.pack("<I", 1) + OTHER.to_bytes(20, "big")
    assert tail in data and body.endswith(struct.pack("<I", 1) + (2).to_bytes(32, "big"))
    for bad in (data[:-1], data + b"\x00", body[:-36] + struct.pack("<I", 2) + body[-32:] + rest):
        with pytest.raises(EvmProofError):
            _decode_statement(bad)
    proof = prove(AIR, matrix, st, FAST).to_bytes()
    file = encode_file(st, proof)
    assert read_file(file)[0] == st
    for name, value in (("accounts", ()), ("self_balance", st.self_balance + 1), ("transient_slots", (3,))):
        other = replace(st, **{name: value})
        assert _decode_statement(other.to_bytes()) == other
        with pytest.raises(VerificationError):
            verify(AIR, proof, other, min_security=0)


@pytest.mark.parametrize("change,message", [
    ({"accounts": ((2, 0, 0, 0), (1, 0, 0, 0))}, "accounts"),
    ({"accounts": ((1, 0, 0, 0), (1, 0, 0, 0))}, "accounts"),
    ({"accounts": ((2**160, 0, 0, 0),)}, "accounts"),
    ({"accounts": ((1, 2**256, 0, 0),)}, "accounts"),
    ({"accounts": ((1, 0, 2**32, 0),)}, "accounts"),
    ({"accounts": ((1, 0, 0),)}, "accounts"),
    ({"self_balance": 2**256}, "self balance"),
    ({"transient_slots": (2, 1)}, "transient"),
    ({"transient_slots": (-1,)}, "transient"),
])
def test_statement_fields_are_validated(change, message):
    with pytest.raises(ValueError, match=message):
        VmStatement(b"\x00", 100, SUCCESS, 0, **change)


def test_accounts_from_json():
    beef = "0x" + OTHER.to_bytes(20, "big").hex()
    parsed = parse_accounts(f'{{"{beef}": [12, "0x6001"], "0x{"00" * 19}aa": ["0x10", "0x"]}}')
    assert parsed == {OTHER.to_bytes(20, "big"): (12, b"\x60\x01"), (0xAA).to_bytes(20, "big"): (16, b"")}
    for bad in (f'{{"{beef}": 5}}', '{"0xbeef": [1, "0x"]}', "[1]", "{"):
        with pytest.raises(EvmInputError):
            parse_accounts(bad)
    report = prove_code(read(EXTCODESIZE, OTHER) + STOP, accounts=f'{{"{beef}": [1, "0x600160"]}}', options=FAST)
    assert report["accounts"][0]["code_size"] == 3 and report["accounts"][0]["balance"] == 1


# ---- batches -------------------------------------------------------------------------------------

ALICE, FEE = b"\xaa" * 20, b"\xfe" * 20
BLOCK = BlockEnv(number=1, timestamp=1, base_fee=10**9, chain_id=1, coinbase=FEE, gas_limit=30_000_000)
TRANSIENT_INIT = (push(42) + push(7) + TSTORE + push(7) + TLOAD + push(1) + SSTORE    # storage 1 := 42
                  + push(8) + TLOAD + push(2) + SSTORE + RETURNDATASIZE + push(3) + SSTORE + STOP)
"""A deployment whose run writes transient slot 7 and copies it (and the unwritten slot 8, and the
empty return data's size) to storage; its runtime is empty."""


def creation(nonce: int, code: bytes, chain_id: int = 1) -> DynamicFeeTx:
    return DynamicFeeTx(chain_id=chain_id, nonce=nonce, max_priority_fee_per_gas=0, max_fee_per_gas=10**9,
                        gas=200_000, to=None, value=0, data=code)


def test_transient_storage_proves_in_a_batch(tmp_path):
    node = Node.init(tmp_path / "chain", dev_accounts=1)
    try:
        chain_id = node.config.chain_id
        node.submit_raw(encode(sign(creation(0, TRANSIENT_INIT, chain_id), dev_private_key(0))))
        sealed = node.seal()
        assert sealed.batch == 1 and not sealed.skipped
        proven = prove_batch(node, 1, FAST)
        statement = batch_statement(node, 1)
        verify_batch(statement, proven.proof, min_security=0)
        runs, _advice, _multi = decode_proof(proven.proof)
        assert runs[0].transient_slots == (7, 8) and runs[0].storage_final == ((1, 42), (2, 0), (3, 0))
        assert node.world().get_storage(contract_address(dev_address(0), 0), 1) == 42
    finally:
        node.close()


@pytest.mark.parametrize("code,name", [
    (push(OTHER) + BALANCE + STOP, "BALANCE"), (push(OTHER) + EXTCODESIZE + STOP, "EXTCODESIZE"),
    (push(OTHER) + EXTCODEHASH + STOP, "EXTCODEHASH"), (SELFBALANCE + STOP, "SELFBALANCE"),
])
def test_account_reads_are_refused_in_a_batch(code, name):
    world = WorldState({ALICE: Account(balance=10**20)})
    txs = [(creation(0, TRANSIENT_INIT), ALICE), (creation(1, code), ALICE)]
    with pytest.raises(ValueError, match=f"^transaction 1: {name} in a batch is not bound to the state table yet$"):
        batch_witness(txs, world, BLOCK)


def test_statements_with_account_reads_are_refused_by_the_pricing():
    """The verifier's side: a statement listing accounts, or of code holding SELFBALANCE (whose balance
    sits in every table of such code), is not priced, whatever the run executed."""
    tx = creation(0, TRANSIENT_INIT)
    run = batch_witness([(tx, ALICE)], WorldState({ALICE: Account(balance=10**20)}), BLOCK).runs[0].statement
    contract_effect(0, tx, ALICE, run)
    with pytest.raises(ValueError, match="transaction 0: an account read in a batch is not bound"):
        contract_effect(0, tx, ALICE, replace(run, accounts=((OTHER, 1, 0, 0),)))
    held = creation(0, STOP + SELFBALANCE)        # never executed, still refused when the batch is priced
    with pytest.raises(ValueError, match="transaction 0: SELFBALANCE in a batch is not bound"):
        batch_witness([(held, ALICE)], WorldState({ALICE: Account(balance=10**20)}), BLOCK)
