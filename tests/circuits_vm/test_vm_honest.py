"""Honest execution proofs: real VM runs over the proven opcodes prove and verify; the registries agree
with the VM; declared degrees are the real ones; unprovable runs are refused with the opcode and pc;
the proof file binds its statement and every byte."""

from __future__ import annotations

import random

import numpy as np
import pytest
from circuit_programs import (COPY_CALLDATA, STORAGE, nasty_arithmetic, nasty_bitwise, nasty_copies, nasty_division,
                              nasty_signed_division,
                              nasty_memory, nasty_signed, push, push32, random_program, stack_program, storage_program)

from circuits.air import find_violations
from circuits.vm import opcodes as circuit_opcodes
from circuits.vm.air import VmAir, VmStatement
from circuits.vm.layout import COLUMN_NAMES, WIDTH
from circuits.vm.opcodes import GROUP_OF_BYTE, SPECS, UNPROVEN, Group
from circuits.vm.proven import PROVEN_OPCODES, unproven_steps
from l2.evm_prove import (EvmProofError, decode_file, encode_file, prove_code, record_run, verify_bytes,
                          witness_for)
from l2.evm_cli import run_code
from l2.vm.opcodes import OPCODES, Op
from verifier.errors import VerificationError
from verifier.proof import ProofOptions

AIR = VmAir()
DEFAULT_CALLER_HEX = (0xCA11E7).to_bytes(20, "big").hex()
GAS = 1_000_000
FAST = ProofOptions(blowup=8, num_queries=24, grinding_bits=4, fri_remainder_log=2)


def honest(code: bytes, gas: int = GAS):
    trace = record_run(code, gas=gas)
    matrix, statement = witness_for(code, gas, trace)
    return trace, matrix, statement


def assert_satisfied(matrix, statement):
    chal = _challenges()
    aux = AIR.build_aux_trace(matrix, chal, statement)
    assert find_violations(AIR, matrix, statement, aux, chal, limit=5) == []


def _challenges():
    from circuits.extension import Ext
    rng = random.Random(7)
    return [Ext([rng.randrange(2**31) for _ in range(5)]) for _ in range(2)]


# ---- registries -----------------------------------------------------------------------------------

def test_circuit_knows_the_vm_opcode_table():
    assert circuit_opcodes.VM_OPCODES == frozenset(int(op) for op in Op)


def test_every_proven_opcode_is_one_the_vm_runs_or_invalid():
    for b in PROVEN_OPCODES:
        assert b in OPCODES or GROUP_OF_BYTE[b] == Group.INVALID
    # and every VM opcode is proven or explicitly unproven
    assert all(GROUP_OF_BYTE[int(op)] != UNPROVEN or int(op) not in PROVEN_OPCODES for op in Op)


def test_every_group_names_a_constraint_module_that_exists():
    import importlib
    for g, spec in SPECS.items():
        module = importlib.import_module(f"circuits.vm.{spec.module}")
        assert module.__doc__ and g.name in module.__doc__, (g, spec.module)


def test_declared_degrees_are_the_symbolic_degrees():
    main, aux = AIR.symbolic_degrees()
    assert main == AIR.transition_degrees()
    assert aux == AIR.aux_transition_degrees()
    assert AIR.max_degree() == 3


def test_declared_degrees_hold_on_random_rows():
    """Evaluate every constraint on random rows and check the degree in a scaled variable."""
    # A constraint of degree d in the trace values is a polynomial of degree ≤ d in t when every
    # value is a_j + t·b_j: its (d+1)-th finite difference over t = 0..d+1 vanishes.
    from circuits.values import BaseVec
    rng = np.random.default_rng(3)
    a = rng.integers(0, 2**31 - 1, size=(2, WIDTH)).astype(np.uint64) % np.uint64(2013265921)
    b = rng.integers(0, 2**31 - 1, size=(2, WIDTH)).astype(np.uint64) % np.uint64(2013265921)
    ts = np.arange(5, dtype=np.uint64)
    cur = [BaseVec((a[0, j] + ts * b[0, j]) % np.uint64(2013265921)) for j in range(WIDTH)]
    nxt = [BaseVec((a[1, j] + ts * b[1, j]) % np.uint64(2013265921)) for j in range(WIDTH)]
    p = 2013265921
    for name, deg, c in zip(AIR.transition_names(), AIR.transition_degrees(), AIR.evaluate_transition(cur, nxt, None)):
        v = [int(x) for x in (c.v if isinstance(c, BaseVec) else [c] * 5)]
        # 4th difference is zero for degree ≤ 3
        diff4 = (v[0] - 4 * v[1] + 6 * v[2] - 4 * v[3] + v[4]) % p
        assert deg <= 3 and diff4 == 0, name


def test_layout_names_every_column_once():
    assert len(COLUMN_NAMES) == WIDTH and all(COLUMN_NAMES) and len(set(COLUMN_NAMES)) == WIDTH


# ---- honest runs ----------------------------------------------------------------------------------

def test_nasty_values_satisfy_every_constraint():
    trace, matrix, statement = honest(nasty_arithmetic())
    assert trace.result.status == "success"
    assert_satisfied(matrix, statement)


def test_nasty_bitwise_and_shifts_satisfy_every_constraint():
    trace, matrix, statement = honest(nasty_bitwise())
    assert trace.result.status == "success"
    assert_satisfied(matrix, statement)


def test_nasty_signextend_and_sar_satisfy_every_constraint():
    """SIGNEXTEND at byte numbers 0 … 33 and huge ones, SAR by 0, 1, 7, 8, 255, 256, 2^255 …, on words
    of both signs at every byte; the pushed results are the VM's."""
    trace, matrix, statement = honest(nasty_signed())
    assert trace.result.status == "success"
    signed = [s for s in trace.steps if s.opcode in (0x0B, 0x1D)]
    assert len(signed) > 500
    for s in signed:
        b, x = s.pops
        if s.opcode == 0x0B:
            want = x if b >= 31 else ((x & ((1 << 8 * b + 8) - 1)) ^ (1 << 8 * b + 7)) - (1 << 8 * b + 7)
        else:
            want = (x - (x >> 255 << 256)) >> min(b, 256)
        assert s.pushes[0] == want % 2**256, (hex(s.opcode), b, hex(x))
    assert_satisfied(matrix, statement)


def test_signextend_and_sar_prove_and_verify():
    code = (push32(2**256 - 0x1234) + push(1) + b"\x0b" + push(0x80) + push(0) + b"\x0b\x16" + push(40) + b"\x0b"
            + push32(2**255 + 7) + push(255) + b"\x1d\x18" + push32(2**255) + push(256) + b"\x1d\x17"
            + push(3) + push(1) + b"\x1d\x01" + push(0) + b"\x52" + push(32) + push(0) + b"\xf3")
    trace, matrix, statement = honest(code)
    assert trace.result.status == "success"
    from prover.stark import prove
    from verifier.stark import verify
    verify(AIR, prove(AIR, matrix, statement, FAST).to_bytes(), statement, min_security=0)


@pytest.mark.parametrize("code,gas", [
    (push(2) + push(0) + push(0) + b"\x37", 9),      # CALLDATACOPY with 2 gas left: out of gas (static 3)
    (push(2) + push(0) + push(0) + b"\x5e", 8),      # MCOPY with 1 gas left
    (push(2) + push(3) + b"\x04", 10),               # DIV with 4 gas left (static 5)
    (push(2) + push32(2**256 - 3) + b"\x05", 10),    # SDIV of a negative word with 4 gas left
    (push(2) + b"\x51", 5),                          # MLOAD with 2 gas left
    (push(2) + push(3) + b"\x1b", 8),                # SHL with 2 gas left
    (push(2) + push32(2**256 - 1) + b"\x1d", 8),     # SAR of a negative word with 2 gas left
    (push32(2**256 - 1) + push(3) + b"\x0b", 10),    # SIGNEXTEND with 4 gas left (static 5)
    (push(3) + b"\x0b", GAS),                        # SIGNEXTEND underflows
    (push(2) + b"\x5e", GAS),                         # MCOPY underflows
])
def test_failing_chiplet_and_copy_steps_satisfy_every_constraint(code, gas):
    trace, matrix, statement = honest(code, gas)
    assert trace.result.status == "error"
    assert_satisfied(matrix, statement)


def test_nasty_division_satisfies_every_constraint():
    trace, matrix, statement = honest(nasty_division())
    assert trace.result.status == "success"
    assert_satisfied(matrix, statement)


def test_nasty_signed_division_satisfies_every_constraint():
    trace, matrix, statement = honest(nasty_signed_division())
    assert trace.result.status == "success"
    assert_satisfied(matrix, statement)


@pytest.mark.parametrize("a,b,op", [(2**255, 2**256 - 1, 0x05), (2**256 - 7, 2, 0x07), (7, 2**256 - 2, 0x05),
                                    (2**256 - 7, 0, 0x07)])
def test_signed_division_proves_and_verifies(a, b, op):
    """−2^255 / −1 = −2^255, −7 smod 2 = −1, 7 / −2 = −3 and a division by zero: the pushed word is the
    VM's, and a proof of the run verifies."""
    code = push32(b) + push32(a) + bytes([op]) + push(0) + b"\x52" + push(32) + push(0) + b"\xf3"
    trace, matrix, statement = honest(code)
    out = trace.result.output
    sgn = lambda x: x - 2**256 if x >> 255 else x  # noqa: E731
    sa_, sb_ = sgn(a), sgn(b)
    q = 0 if sb_ == 0 else (abs(sa_) // abs(sb_)) * (1 if (sa_ < 0) == (sb_ < 0) else -1)
    r = 0 if sb_ == 0 else (abs(sa_) % abs(sb_)) * (-1 if sa_ < 0 else 1)
    assert int.from_bytes(out, "big") == (q if op == 0x05 else r) % 2**256
    from prover.stark import prove
    from verifier.stark import verify
    proof = prove(AIR, matrix, statement, FAST, check=False)
    verify(AIR, proof.to_bytes(), statement, min_security=0)


def test_nasty_memory_satisfies_every_constraint():
    trace, matrix, statement = honest(nasty_memory())
    assert trace.result.status == "success" and len(trace.result.output) == 45
    assert statement.output == trace.result.output and statement.output_offset == 17
    assert_satisfied(matrix, statement)


def test_nasty_copies_satisfy_every_constraint():
    code = nasty_copies()
    trace = record_run(code, input=COPY_CALLDATA, gas=GAS)
    matrix, statement = witness_for(code, GAS, trace)
    assert trace.result.status == "success" and len(trace.result.output) == 400
    assert_satisfied(matrix, statement)


def test_copies_prove_and_verify():
    report = prove_code(nasty_copies(), input=COPY_CALLDATA, gas=GAS, options=FAST)
    expected = record_run(nasty_copies(), input=COPY_CALLDATA, gas=GAS).result.output
    assert report["status"] == "success" and report["output"] == "0x" + expected.hex()
    assert "060708090a" in report["output"]  # calldata[5:10], copied by the 31-byte CALLDATACOPY


@pytest.mark.parametrize("end,status", [(b"\x00", "success"), (push(0) + push(0) + b"\xfd", "revert"),
                                        (b"\xfe", "error")])
def test_storage_satisfies_every_constraint(end, status):
    code = storage_program(end)
    trace = record_run(code, storage=STORAGE, gas=GAS)
    matrix, statement = witness_for(code, GAS, trace)
    assert trace.result.status == status and statement.refund == trace.result.refund
    assert dict(statement.storage_initial) == {1: 5, 2: 0, 3: 7, 4: 9, 2**256 - 1: 2**255}
    if status == "success":
        assert dict(statement.storage_final) == {1: 6, 2: 0, 3: 7, 4: 9, 2**256 - 1: 2**255 + 1}
        assert statement.refund == 19900 + 4800 - 4800 + 2800
    else:
        assert statement.storage_final == () and statement.refund == 0
    assert_satisfied(matrix, statement)


def test_storage_is_bound():
    code = storage_program()
    trace = record_run(code, storage=STORAGE, gas=GAS)
    matrix, statement = witness_for(code, GAS, trace)
    from dataclasses import replace

    from prover.stark import prove
    proof = prove(AIR, matrix, statement, FAST).to_bytes()
    verify_bytes(encode_file(statement, proof), min_security=0)
    initial, final = list(statement.storage_initial), list(statement.storage_final)
    for bad in [replace(statement, refund=statement.refund + 1),
                replace(statement, storage_initial=tuple([(1, 4)] + initial[1:])),
                replace(statement, storage_final=tuple([(1, 5)] + final[1:])),
                replace(statement, storage_initial=tuple(initial[:-1]), storage_final=tuple(final[:-1]))]:
        with pytest.raises(VerificationError):
            verify_bytes(encode_file(bad, proof), min_security=0)


@pytest.mark.parametrize("seed", range(12))
def test_random_programs_satisfy_every_constraint(seed):
    code = random_program(random.Random(seed), 70)
    for gas in (GAS, 40 + 7 * seed):  # ample gas, and a run that ends out of gas
        unproven = unproven_steps(record_run(code, gas=gas))
        if unproven:  # only running out of gas on a memory expansion is allowed to be unprovable
            assert gas != GAS and all("memory expansion" in name for name, _ in unproven), unproven
            continue
        _, matrix, statement = honest(code, gas)
        assert_satisfied(matrix, statement)


def test_stack_program_proves_and_verifies():
    trace, matrix, statement = honest(stack_program())
    assert trace.result.status == "success" and statement.status == 1
    from prover.stark import prove
    from verifier.stark import verify
    verify(AIR, prove(AIR, matrix, statement, FAST).to_bytes(), statement, min_security=0)


@pytest.mark.parametrize("code,status", [
    (bytes([0x60, 0x01, 0x60, 0x02, 0x01, 0x50]), "success"),          # runs off the end of the code
    (push(0) + push(7) + b"\xfd", "revert"),                             # REVERT(7, 0)
    (push(1) + b"\xfe", "error"),                                        # INVALID with a word left over
    (push(1) + b"\x01", "error"),                                        # ADD underflows
    (b"", "success"),                                                    # empty code
    (push(0xF0F0) + push(0xFF0F) + b"\x16" + push(4) + b"\x1b" + push(30) + b"\x1a\x00", "success"),  # AND SHL BYTE
    (push(1) + b"\x56\x5b", "error"),                                    # JUMP into the gap [0, 2]
    (push(1) + push(6) + b"\x57\x00\x00\x00\x5b", "error"),               # JUMPI to 6, a STOP byte
    (push(1) + push32(2**200 + 5) + b"\x57\x00\x5b", "error"),            # JUMPI target ≥ 2^16
    (b"\x60\x5b" + push(1) + b"\x56", "error"),                          # JUMP 1: a JUMPDEST byte in PUSH data
    (push(0xABCDEF) + push(33) + b"\x52" + push(4) + push(60) + b"\xf3", "success"),   # RETURN 4 bytes at 60
    (push(9) + push(3) + b"\x53" + push(40) + push(0) + b"\xfd", "revert"),            # REVERT 40 bytes at 0
    (push(1) + push(2) + b"\x52\x51", "error"),                             # MLOAD underflows
])
def test_prove_code_and_verify_file(tmp_path, code, status):
    out = tmp_path / "run.proof"
    report = prove_code(code, gas=50_000, out=out, options=FAST)
    assert report["status"] == status
    data = out.read_bytes()
    statement = verify_bytes(data, min_security=0)
    assert statement["status"] == status and statement["gas_used"] == report["gas_used"]
    # `evm prove` prints what `evm run` prints for the same run, plus the proof's figures
    run = run_code(code, gas=50_000)
    assert {k: report[k] for k in run} == run
    assert report["proof_bytes"] == len(data) and report["prove_seconds"] > 0 and report["security_bits"] > 0


def test_prove_report_matches_run_with_storage():
    code = storage_program()
    storage = {hex(s): hex(v) for s, v in STORAGE.items()}
    report = prove_code(code, gas=GAS, storage=storage, options=FAST)
    assert {k: report[k] for k in ("status", "output", "gas_used", "gas_refund", "storage", "logs", "steps")} == \
        run_code(code, gas=GAS, storage=storage)


def test_nasty_memory_proves_and_verifies():
    report = prove_code(nasty_memory(), gas=GAS, options=FAST)
    assert report["status"] == "success" and len(report["output"]) == 2 + 2 * 45


def test_out_of_gas_proves_and_verifies():
    report = prove_code(push(1) * 10 + b"\x00", gas=20, options=FAST)  # the 7th PUSH runs out
    assert report["status"] == "error" and report["gas_used"] == 20


def test_stack_overflow_proves_and_verifies():
    report = prove_code(b"\x5f" * 1025, gas=GAS, options=FAST)
    assert report["status"] == "error" and report["gas_used"] == GAS


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(4))
def test_random_programs_prove_and_verify(seed):
    code = random_program(random.Random(100 + seed), 120)
    report = prove_code(code, gas=GAS, options=FAST)
    assert report["steps"] > 50


@pytest.mark.slow
def test_default_options_reach_100_bits(tmp_path):
    from l2.evm_prove import verify_file
    out = tmp_path / "default.proof"
    prove_code(stack_program(), gas=GAS, out=out)
    assert verify_file(out)["status"] == "success"  # min_security 100 by default


# ---- refusals -------------------------------------------------------------------------------------

@pytest.mark.parametrize("code,needle,gas", [
    (push(0) + push(0) + push(0) + b"\xf0\x00", "CREATE at pc 3", GAS),
    (b"\x5f" * 7 + b"\xf1\x00", "CALL at pc 7", GAS),
    (b"\x5f" * 6 + b"\xfa\x00", "STATICCALL at pc 6", GAS),
    (push(2**16) + push(3) + b"\x0a\x00", "EXP (out of gas beyond its static cost) at pc 6", 50),
    (push(0xBEEF) + b"\x31\x00", "BALANCE (out of gas on a cold account read) at pc 3", 1000),
    (push(0xBEEF) + b"\x3f\x00", "EXTCODEHASH (out of gas on a cold account read) at pc 3", 2000),
    (push(1) + b"\x54\x00", "SLOAD (out of gas on a storage step) at pc 2", 1000),
    (push(1) + push(2**24) + push(0) + b"\x37\x00", "CALLDATACOPY (memory offset or size of 2^24 or more) at pc 8",
     GAS),
    (push(40) + push(0) + push(0) + b"\x39\x00", "CODECOPY (out of gas on memory expansion) at pc 4", 15),
    (push(1) + push(2**24) + b"\x52", "MSTORE (memory offset or size of 2^24 or more) at pc 7", 10**9),
    (push(1) + push(2**24) + b"\xf3", "RETURN (memory offset or size of 2^24 or more) at pc 7", 10**9),
    (push(1) + push(10**5) + b"\x52", "MSTORE (out of gas on memory expansion) at pc 6", 1000),
])
def test_unprovable_runs_are_refused_with_opcode_and_pc(code, needle, gas):
    listed = [f"{name} at pc {pc}" for name, pc in unproven_steps(record_run(code, gas=gas))]
    assert needle in listed
    with pytest.raises(EvmProofError, match=needle.replace("(", r"\(").replace(")", r"\)").replace("^", r"\^")):
        prove_code(code, gas=gas, options=FAST)


# ---- the proof file binds its statement ------------------------------------------------------------

@pytest.fixture(scope="module")
def proof_file():
    code = push(9) + push(4) + b"\x03\x15\x50\x00"
    trace = record_run(code, gas=30_000)
    matrix, statement = witness_for(code, 30_000, trace)
    from prover.stark import prove
    return statement, prove(AIR, matrix, statement, FAST).to_bytes()


def test_every_statement_field_is_bound(proof_file):
    statement, proof = proof_file
    verify_bytes(encode_file(statement, proof), min_security=0)
    changed = [
        VmStatement(statement.code + b"\x00", statement.gas_limit, statement.status, statement.gas_used),
        VmStatement(statement.code[:-1] + b"\x5b", statement.gas_limit, statement.status, statement.gas_used),
        VmStatement(statement.code, statement.gas_limit + 1, statement.status, statement.gas_used),
        VmStatement(statement.code, statement.gas_limit, 2, statement.gas_used),
        VmStatement(statement.code, statement.gas_limit, statement.status, statement.gas_used + 1),
        VmStatement(statement.code, statement.gas_limit, statement.status, statement.gas_used - 1),
    ]
    for bad in changed:
        with pytest.raises(VerificationError):
            verify_bytes(encode_file(bad, proof), min_security=0)


ENV_PROGRAM = (b"\x30\x33\x34\x36\x38" + push(0) + b"\x35" + push(3) + b"\x35" + push(40) + b"\x35"
               + push(44) + b"\x35" + push32(2**100) + b"\x35" + b"\x01\x01\x01\x01\x01\x01\x01\x01\x01"
               + push(0) + b"\x52" + push(32) + push(0) + b"\xf3")
"""ADDRESS, CALLER, CALLVALUE, CALLDATASIZE, CODESIZE and CALLDATALOAD inside, at and past the calldata
and at a 2^100 offset, all summed and returned."""


@pytest.mark.parametrize("data", [b"", bytes(range(1, 45)), b"\xff" * 3])
def test_environment_satisfies_every_constraint(data):
    trace = record_run(ENV_PROGRAM, input=data, value=12345, gas=GAS)
    matrix, statement = witness_for(ENV_PROGRAM, GAS, trace)
    assert statement.calldata == data and statement.value == 12345 and trace.result.status == "success"
    assert_satisfied(matrix, statement)


def test_environment_is_bound():
    data = bytes(range(1, 45))
    trace = record_run(ENV_PROGRAM, input=data, value=9, gas=30_000)
    matrix, statement = witness_for(ENV_PROGRAM, 30_000, trace)
    from dataclasses import replace

    from prover.stark import prove
    proof = prove(AIR, matrix, statement, FAST).to_bytes()
    verify_bytes(encode_file(statement, proof), min_security=0)
    for bad in [replace(statement, calldata=data[:-1]), replace(statement, calldata=data[:-1] + b"\x00"),
                replace(statement, value=10), replace(statement, caller=bytes(19) + b"\x01"),
                replace(statement, address=bytes(19) + b"\x01")]:
        with pytest.raises(VerificationError):
            verify_bytes(encode_file(bad, proof), min_security=0)


BLOCK_PROGRAM = (b"\x32\x3a\x46\x43\x42\x48" + b"\x01" * 5 + push(0) + b"\x52" + push(32) + push(0) + b"\xf3")
"""ORIGIN, GASPRICE, CHAINID, NUMBER, TIMESTAMP and BASEFEE, summed and returned."""
BLOCK_VALUES = {"origin": "0x" + "ab" * 20, "gas_price": 7 * 10**9, "chain_id": 1337, "number": 42,
                "timestamp": 1_700_000_000, "base_fee": 2**200 + 5}


def _block_run(gas: int = 30_000, **values):
    from l2.evm_cli import DEFAULT_CALLER, parse_context
    block_env, tx_env = parse_context(DEFAULT_CALLER, **values)
    trace = record_run(BLOCK_PROGRAM, gas=gas, block_env=block_env, tx_env=tx_env)
    return trace, *witness_for(BLOCK_PROGRAM, gas, trace, block_env, tx_env)


@pytest.mark.parametrize("values", [{}, BLOCK_VALUES])
def test_block_values_satisfy_every_constraint(values):
    trace, matrix, statement = _block_run(**values)
    expected = sum(int(v, 16) if isinstance(v, str) else v for v in {
        "origin": "0x" + DEFAULT_CALLER_HEX, "gas_price": 0, "chain_id": 1, "number": 0, "timestamp": 0,
        "base_fee": 0, **values}.values()) % 2**256
    assert trace.result.status == "success" and int.from_bytes(trace.result.output, "big") == expected
    assert statement.timestamp == values.get("timestamp", 0) and statement.chain_id == values.get("chain_id", 1)
    assert_satisfied(matrix, statement)


def test_block_values_match_run_and_are_bound():
    """`l2 evm run` and `l2 evm prove` agree on the block values; each statement field is bound."""
    from dataclasses import replace

    from prover.stark import prove
    ran = run_code(BLOCK_PROGRAM, gas=30_000, **BLOCK_VALUES)
    report = prove_code(BLOCK_PROGRAM, gas=30_000, options=FAST, **BLOCK_VALUES)
    assert report["output"] == ran["output"] and report["gas_used"] == ran["gas_used"]
    assert (report["origin"], report["gas_price"], report["chain_id"], report["block_number"], report["timestamp"],
            report["base_fee"]) == tuple(BLOCK_VALUES.values())
    _, matrix, statement = _block_run(**BLOCK_VALUES)
    proof = prove(AIR, matrix, statement, FAST).to_bytes()
    data = encode_file(statement, proof)
    assert decode_file(data) == (statement, proof)
    verify_bytes(data, min_security=0)
    for bad in [replace(statement, origin=bytes(20)), replace(statement, gas_price=statement.gas_price + 1),
                replace(statement, chain_id=1), replace(statement, block_number=43),
                replace(statement, timestamp=statement.timestamp - 1), replace(statement, base_fee=5)]:
        with pytest.raises(VerificationError):
            verify_bytes(encode_file(bad, proof), min_security=0)


def test_block_value_flags_of_both_commands(tmp_path):
    import json

    import typer
    from typer.testing import CliRunner

    from l2.evm_commands import evm_app
    app = typer.Typer()
    app.add_typer(evm_app, name="evm")
    runner = CliRunner()
    flags = ["--code", "0x" + BLOCK_PROGRAM.hex(), "--gas", "30000", "--origin", BLOCK_VALUES["origin"],
             "--gas-price", "7000000000", "--chain-id", "1337", "--number", "42", "--timestamp", "0x6553f100",
             "--base-fee", str(2**200 + 5), "--json"]
    r = runner.invoke(app, ["evm", "run", *flags])
    assert r.exit_code == 0, r.output
    ran = json.loads(r.output)
    out = tmp_path / "b.proof"
    r = runner.invoke(app, ["evm", "prove", *flags, "--out", str(out)])
    assert r.exit_code == 0, r.output
    proved = json.loads(r.output)
    assert proved["output"] == ran["output"] and proved["timestamp"] == 1_700_000_000
    r = runner.invoke(app, ["evm", "run", *flags[:4], "--origin", "0x12", "--json"])
    assert r.exit_code == 1 and "origin" in r.output


def test_output_and_its_offset_are_bound():
    code = push(0xC0FFEE) + push(40) + b"\x52" + push(5) + push(67) + b"\xf3"  # RETURN 5 bytes at 67
    trace = record_run(code, gas=30_000)
    matrix, statement = witness_for(code, 30_000, trace)
    assert statement.output == bytes.fromhex("0000c0ffee") and statement.output_offset == 67
    from prover.stark import prove
    proof = prove(AIR, matrix, statement, FAST).to_bytes()
    verify_bytes(encode_file(statement, proof), min_security=0)
    for bad in [VmStatement(code, 30_000, 1, statement.gas_used, bytes.fromhex("0000c0ffef"), 67),
                VmStatement(code, 30_000, 1, statement.gas_used, bytes.fromhex("0000c0ff"), 67),
                VmStatement(code, 30_000, 1, statement.gas_used, bytes.fromhex("0000c0ffee00"), 67),
                VmStatement(code, 30_000, 1, statement.gas_used, bytes.fromhex("00c0ffee00"), 66),
                VmStatement(code, 30_000, 1, statement.gas_used, b"", 0),
                VmStatement(code, 30_000, 2, statement.gas_used, statement.output, 67)]:
        with pytest.raises(VerificationError):
            verify_bytes(encode_file(bad, proof), min_security=0)


def test_file_bytes_are_all_bound(proof_file):
    statement, proof = proof_file
    data = encode_file(statement, proof)
    assert decode_file(data) == (statement, proof)
    with pytest.raises(EvmProofError):
        verify_bytes(data + b"\x00", min_security=0)
    rng = random.Random(5)
    cuts = [0, 3, 7, 8, 12, 20, len(data) // 2, len(data) - 1]
    for cut in cuts:
        with pytest.raises(VerificationError):
            verify_bytes(data[:cut], min_security=0)
    for pos in [0, 7, 8, 9, 13, 30, 60] + [rng.randrange(len(data)) for _ in range(12)]:
        flipped = bytearray(data)
        flipped[pos] ^= 1 << rng.randrange(8)
        with pytest.raises(VerificationError):
            verify_bytes(bytes(flipped), min_security=0)


def test_low_security_proofs_are_refused_by_default(proof_file):
    statement, proof = proof_file
    with pytest.raises(VerificationError):
        verify_bytes(encode_file(statement, proof))  # FAST options give far fewer than 100 bits


# ---- command functions ------------------------------------------------------------------------------

def test_prove_and_verify_commands(tmp_path):
    import json

    import typer
    from typer.testing import CliRunner

    from l2.evm_prove import evm_prove_app
    app = typer.Typer()
    app.add_typer(evm_prove_app, name="evm")
    runner = CliRunner()
    out = tmp_path / "p.proof"
    r = runner.invoke(app, ["evm", "prove", "--code", "0x6003600401", "--gas", "1000", "--out", str(out), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["gas_used"] == 9
    r = runner.invoke(app, ["evm", "verify", str(out), "--json"])
    assert r.exit_code == 0 and json.loads(r.output)["valid"] is True
    out.write_bytes(out.read_bytes()[:-1])
    r = runner.invoke(app, ["evm", "verify", str(out), "--json"])
    assert r.exit_code == 1 and json.loads(r.output)["valid"] is False
    r = runner.invoke(app, ["evm", "prove", "--code", "0x60036004f1", "--out", str(out)])
    assert r.exit_code == 1 and "CALL at pc 4" in r.output


def test_words_pushed_from_w1_are_drained_after_the_halt():
    """SLOAD, MLOAD and the environment reads push W1; left on the stack at STOP, the padding rows
    drain them with the value the stack replay took from the same column."""
    code = (push(3) + bytes([0x54]) + push(0) + bytes([0x51]) + push(0) + bytes([0x35]) + bytes([0x30, 0x00]))
    trace = record_run(code, input=b"\x11" * 32, gas=GAS, storage={3: 2**255 + 7})
    matrix, statement = witness_for(code, GAS, trace)
    assert_satisfied(matrix, statement)
