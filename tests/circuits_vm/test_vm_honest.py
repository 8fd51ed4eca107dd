"""Honest execution proofs: real VM runs over the proven opcodes prove and verify; the registries agree
with the VM; declared degrees are the real ones; unprovable runs are refused with the opcode and pc;
the proof file binds its statement and every byte."""

from __future__ import annotations

import random

import numpy as np
import pytest
from circuit_programs import nasty_arithmetic, push, random_program, stack_program

from circuits.air import find_violations
from circuits.vm import opcodes as circuit_opcodes
from circuits.vm.air import VmAir, VmStatement
from circuits.vm.layout import COLUMN_NAMES, WIDTH
from circuits.vm.opcodes import GROUP_OF_BYTE, SPECS, UNPROVEN, Group
from circuits.vm.proven import PROVEN_OPCODES, unproven_steps
from l2.evm_prove import (EvmProofError, decode_file, encode_file, prove_code, record_run, verify_bytes,
                          witness_for)
from l2.vm.opcodes import OPCODES, Op
from verifier.errors import VerificationError
from verifier.proof import ProofOptions

AIR = VmAir()
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


@pytest.mark.parametrize("seed", range(12))
def test_random_programs_satisfy_every_constraint(seed):
    code = random_program(random.Random(seed), 70)
    for gas in (GAS, 40 + 7 * seed):  # ample gas, and a run that ends out of gas
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
])
def test_prove_code_and_verify_file(tmp_path, code, status):
    out = tmp_path / "run.proof"
    report = prove_code(code, gas=50_000, out=out, options=FAST)
    assert report["status"] == status
    data = out.read_bytes()
    statement = verify_bytes(data, min_security=0)
    assert statement["status"] == status and statement["gas_used"] == report["gas_used"]


def test_out_of_gas_proves_and_verifies():
    report = prove_code(push(1) * 10 + b"\x00", gas=20, options=FAST)  # the 7th PUSH runs out
    assert report["status"] == "error" and report["gas_used"] == 20


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

@pytest.mark.parametrize("code,needle", [
    (push(2) + push(3) + b"\x02\x00", "MUL at pc 4"),
    (push(2) + b"\x54\x00", "SLOAD at pc 2"),
    (push(1) + b"\x56", "JUMP (InvalidJumpDestError) at pc 2"),
    (push(5) + push(0) + b"\xf3", "RETURN (non-empty output) at pc 3"),
    (b"\x5f" * 1025, "PUSH0 (StackOverflowError) at pc 1024"),
])
def test_unprovable_runs_are_refused_with_opcode_and_pc(code, needle):
    listed = [f"{name} at pc {pc}" for name, pc in unproven_steps(record_run(code, gas=GAS))]
    assert needle in listed
    with pytest.raises(EvmProofError, match=needle.replace("(", r"\(").replace(")", r"\)")):
        prove_code(code, gas=GAS, options=FAST)


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
    r = runner.invoke(app, ["evm", "prove", "--code", "0x6003600402", "--out", str(out)])
    assert r.exit_code == 1 and "MUL at pc 4" in r.output
