"""ADDMOD, MULMOD and EXP in the execution circuit (:mod:`circuits.vm.linked`, :mod:`circuits.vm.modular`,
:mod:`circuits.vm.exp`): honest nasty operands satisfy every constraint, prove and verify; the pushed
results are the EVM's; EXP pays 10 + 50 per byte of its exponent; the rows an operation takes; an EXP
that runs out of gas in its per-byte part is refused with its pc.

The cheats (a MULMOD product wrapped at 2^256 before the reduction, an ADDMOD sum that lost its 257th
bit, a remainder ≥ N, an EXP with a wrong result or charged for the wrong number of bytes, and more)
live in the soundness catalogue of ``test_vm_soundness.py``, next to the coverage table of every
constraint; the required ones are checked here: caught by exactly the constraints they are written
against, and refused as proofs.
"""

from __future__ import annotations

import random

import numpy as np
import pytest
from circuit_programs import push, push32

from circuits.air import find_violations
from circuits.extension import Ext
from circuits.vm import layout as L
from circuits.vm import linked_witness as LW
from circuits.vm.air import VmAir
from circuits.vm.opcodes import Group
from circuits.vm.proven import PROVEN_OPCODES, unproven_steps
from l2.evm_prove import EvmProofError, prove_code, record_run, witness_for
from prover.stark import prove
from verifier.errors import VerificationError
from verifier.proof import ProofOptions
from verifier.stark import verify

AIR = VmAir()
GAS = 10_000_000
FAST = ProofOptions(blowup=8, num_queries=24, grinding_bits=4, fri_remainder_log=2)
M = 1 << 256
ADDMOD, MULMOD, EXP, POP, STOP = 0x08, 0x09, 0x0A, 0x50, 0x00

MODULAR = [  # (a, b, N)
    (M - 1, M - 1, M - 1), (M - 1, M - 1, 1), (M - 1, M - 1, 0), (M - 1, M - 1, 2), (M - 1, 1, 2),
    (2**255, 2**255, 3), (2**255, 2**255 + 5, 2**255 + 7), (2**255, 3, 2**255 + 1), (5, 7, 0), (0, 0, 1),
    (0, 0, 0), (M - 1, M - 2, 2**255 + 1), (123456789 * 2**200, 987654321 * 2**190, 2**128 + 7),
    (M - 1, M - 1, M - 2), (2**128, 2**128, 2**128 + 1), (3, 4, 7), (9, 1, 7), (1, 0, M - 1),
]
"""Wide intermediates: a + b ≥ 2^256, a·b ≥ 2^256 and ≥ 2^511; N = 0, 1, 2, 2^256 − 1; a, b ≥ N."""

EXPONENTS = [0, 1, 2, 7, 8, 255, 256, 0x0100, 0x0105, 2**16, 2**255, M - 1]
BASES = [0, 1, 2, 3, M - 1]


def modular_program(triples, ops=(ADDMOD, MULMOD), end=bytes([STOP])) -> bytes:
    return b"".join(push32(n) + push32(b) + push32(a) + bytes([op, POP]) for a, b, n in triples for op in ops) + end


def exp_program(pairs, end=bytes([STOP])) -> bytes:
    return b"".join(push32(e) + push32(a) + bytes([EXP, POP]) for a, e in pairs) + end


def expected(op: int, a: int, b: int, n: int = 0) -> int:
    if op == EXP:
        return pow(a, b, M)
    if n == 0:
        return 0
    return (a + b) % n if op == ADDMOD else a * b % n


def honest(code: bytes, gas: int = GAS):
    trace = record_run(code, gas=gas)
    matrix, statement = witness_for(code, gas, trace)
    return trace, matrix, statement


def assert_satisfied(matrix, statement):
    rng = random.Random(5)
    chal = [Ext([rng.randrange(2**31) for _ in range(5)]) for _ in range(2)]
    aux = AIR.build_aux_trace(matrix, chal, statement)
    assert find_violations(AIR, matrix, statement, aux, chal, limit=5) == []


def finished(matrix) -> list[int]:
    """The results the FINISH rows push, in order."""
    rows = np.nonzero(matrix[:, L.sel(Group.FINISH)] == 1)[0]
    return [int.from_bytes(bytes(matrix[r, L.W2_OFFSET:L.W2_OFFSET + 32].astype(np.uint8)), "little")
            for r in rows]


def byte_length(e: int) -> int:
    return (e.bit_length() + 7) // 8


# ---- honest runs ---------------------------------------------------------------------------------

def test_the_three_are_proven():
    assert {ADDMOD, MULMOD, EXP} <= set(PROVEN_OPCODES)
    assert unproven_steps(record_run(modular_program(MODULAR[:2], end=b"") + exp_program([(3, 300)]), gas=GAS)) == []


def test_nasty_modular_operands_satisfy_every_constraint():
    code = modular_program(MODULAR)
    trace, matrix, statement = honest(code)
    assert trace.result.status == "success"
    want = [expected(op, a, b, n) for a, b, n in MODULAR for op in (ADDMOD, MULMOD)]
    assert [s.pushes[0] for s in trace.steps if s.opcode in (ADDMOD, MULMOD)] == want
    assert finished(matrix) == want
    assert statement.gas_used == len(MODULAR) * 2 * (3 * 3 + 8 + 2)
    assert_satisfied(matrix, statement)


def test_random_modular_operands_satisfy_every_constraint():
    rng = random.Random(2024)

    def pick():
        return rng.choice([rng.getrandbits(256), rng.getrandbits(rng.randint(1, 256)), M - 1 - rng.getrandbits(20)])

    triples = [(pick(), pick(), rng.choice([pick(), rng.randint(0, 3)])) for _ in range(12)]
    code = modular_program(triples)
    _, matrix, statement = honest(code)
    assert finished(matrix) == [expected(op, a, b, n) for a, b, n in triples for op in (ADDMOD, MULMOD)]
    assert_satisfied(matrix, statement)


def test_exp_operands_satisfy_every_constraint_and_pay_per_byte():
    pairs = [(a, e) for e in EXPONENTS for a in (BASES if e < 2**16 else (2, 3, M - 1))]
    code = exp_program(pairs)
    trace, matrix, statement = honest(code)
    assert trace.result.status == "success"
    want = [pow(a, e, M) for a, e in pairs]
    assert finished(matrix) == want
    assert [s.pushes[0] for s in trace.steps if s.opcode == EXP] == want
    charged = [s.gas_before - trace.steps[i + 1].gas_before for i, s in enumerate(trace.steps) if s.opcode == EXP]
    assert charged == [10 + 50 * byte_length(e) for _, e in pairs]
    assert statement.gas_used == sum(3 + 3 + 10 + 50 * byte_length(e) + 2 for _, e in pairs)
    assert_satisfied(matrix, statement)


def test_rows_per_operation():
    """ADDMOD/MULMOD: eight rows and two wide divisions of six rows (eight rows when N = 0); EXP: five
    rows, two per bit of e from its top set bit and a six-row MUL per square and per set bit."""
    word = 1 << 32
    assert len(LW.modular_rows(M - 1, M - 1, word, 7, 1, 0, 0)) == 20
    assert len(LW.modular_rows(M - 1, M - 1, word, 0, 0, 0, 1)) == 8
    for e in (0, 1, 5, 256, M - 1):
        length, ones = e.bit_length(), bin(e).count("1")
        rows = LW.exp_rows(3, 0, 2 << 32, e, pow(3, e, M), 0, int(e == 0))
        assert len(rows) == 5 + 2 * length + 6 * (length + ones)
    _, matrix, _ = honest(modular_program(MODULAR[:3], end=b"") + exp_program([(3, 5)]))
    assert int(matrix[:, L.CH_HD].sum()) == 7 and int(matrix[:, L.CH_FIN].sum()) == 7


def test_operations_prove_and_verify():
    code = (modular_program([(M - 1, M - 1, M - 1), (2**255, 3, 2**255 + 1), (5, 7, 0), (M - 1, 1, 1)], end=b"")
            + exp_program([(3, 0), (M - 1, 257), (2, 2**255)]))
    trace, matrix, statement = honest(code, 100_000)
    assert sum(1 for s in trace.steps if s.opcode in (ADDMOD, MULMOD, EXP)) == 11
    proof = prove(AIR, matrix, statement, FAST).to_bytes()
    verify(AIR, proof, statement, min_security=0)
    from dataclasses import replace
    with pytest.raises(VerificationError):  # the gas EXP's bytes cost is bound by the statement
        verify(AIR, proof, replace(statement, gas_used=statement.gas_used - 50), min_security=0)


def test_exp_out_of_gas():
    """EXP out of gas for its static 10 is proven (an error run); out of gas in its per-byte part is
    refused with its pc."""
    code = push(2**16) + push(3) + bytes([EXP, STOP])
    report = prove_code(code, gas=3 + 3 + 9, options=FAST)
    assert report["status"] == "error" and report["gas_used"] == 15
    with pytest.raises(EvmProofError, match=r"EXP \(out of gas beyond its static cost\) at pc 6"):
        prove_code(code, gas=3 + 3 + 10 + 50 * 3 - 1, options=FAST)
    assert prove_code(code, gas=3 + 3 + 10 + 50 * 3, options=FAST)["status"] == "success"


# ---- cheats (in the soundness catalogue) ---------------------------------------------------------

REQUIRED = ["mulmod_product_wraps", "addmod_loses_the_carry", "mulmod_remainder_too_big", "exp_wrong_result",
            "exp_underpaid_bytes"]
OTHERS = ["addmod_reduced_wrong", "mulmod_zero_modulus_nonzero", "mulmod_as_addmod", "link_word_not_clk",
          "exp_bits_not_the_exponent", "exp_first_bit_zero", "exp_zero_exponent_gives_zero"]
"""The catalogue's other cheats against the three (a' not reduced, N = 0 with a non-zero result, a
MULMOD run as an ADDMOD, a link word naming another row, EXP over another exponent's bits or from a
leading 0 bit, a^0 claimed 0)."""


@pytest.mark.parametrize("name", REQUIRED + OTHERS)
def test_required_cheat_is_caught_and_refused(name):
    from test_vm_soundness import CATALOGUE, caught_by, refused
    caught, wanted = caught_by(name)
    assert caught == wanted
    matrix, statement, _ = CATALOGUE[name]()
    refused(matrix, statement)
