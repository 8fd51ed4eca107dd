"""Soundness of the execution circuit: false executions are refused.

Each mutation below is a cheat: a trace of an execution that did not happen (a wrong result, a wrong
carry, wrong gas, a skipped instruction, a stale stack read, a byte out of range, an opcode that is
not in the code, a jump onto a non-JUMPDEST, ...).  Most are written as fake step records and turned
into a trace by the honest witness builder, so every derived column is filled in consistently and
only the lie remains; a few edit the matrix directly (then the table multiplicities are recomputed,
as a cheating prover would).  For each one the debug checker names exactly the constraints that
catch it, and a cheating prover (``check=False``) that commits to it anyway gets its proof refused.

A coverage test asserts that every constraint of the AIR (main and auxiliary) catches at least one
mutation, and prints the table of constraints × mutations.
"""

from __future__ import annotations

import random
from dataclasses import replace

import numpy as np
import pytest
from circuit_programs import push, push32

from circuits.air import find_violations
from circuits.extension import Ext
from circuits.field import P, inv_scalar
from circuits.vm import layout as L
from circuits.vm.air import VmAir, VmStatement
from circuits.vm.opcodes import GROUP_OF_BYTE, SPECS, Group
from circuits.vm.proven import PROVEN_OPCODES
from circuits.vm.witness import StepRecord, build_trace, set_multiplicities
from l2.evm_prove import record_run, trace_to_steps
from prover.stark import prove
from verifier.errors import VerificationError
from verifier.proof import ProofOptions
from verifier.stark import verify

AIR = VmAir()
GAS = 100_000
OPTS = ProofOptions(blowup=8, num_queries=20, grinding_bits=2, fri_remainder_log=2)
BUS = "S' = S + lookups − m·w"


def _challenges() -> list[Ext]:
    rng = random.Random(11)
    return [Ext([rng.randrange(P) for _ in range(5)]) for _ in range(2)]


def violated(matrix: np.ndarray, statement: VmStatement, aux: np.ndarray | None = None) -> set[str]:
    chal = _challenges()
    if aux is None:
        aux = AIR.build_aux_trace(matrix, chal, statement)
    return {v.name for v in find_violations(AIR, matrix, statement, aux, chal, limit=0)}


def refused(matrix: np.ndarray, statement: VmStatement) -> None:
    proof = prove(AIR, matrix, statement, OPTS, check=False)
    with pytest.raises(VerificationError):
        verify(AIR, proof.to_bytes(), statement, min_security=0)


# ---- building cheats -----------------------------------------------------------------------------

def run(code: bytes, gas: int = GAS):
    trace = record_run(code, gas=gas)
    return trace_to_steps(trace), trace.result


def from_steps(code, steps, status="success", gas_left=None, gas=GAS, output=b""):
    """The honest witness builder applied to (possibly false) steps; gas left defaults to what the
    steps imply."""
    if gas_left is None:
        last = steps[-1]
        g = Group(group_of(last.opcode))
        gas_left = 0 if (last.error or status == "error") else last.gas_before - SPECS[g].gas
    return build_trace(code, gas, steps, status, gas_left, output, check_ranges=False)


def group_of(b: int) -> int:
    return GROUP_OF_BYTE[b]


def rows_of(matrix: np.ndarray, group: Group) -> np.ndarray:
    return np.nonzero(matrix[:, L.sel(group)] == 1)[0]


def add(matrix: np.ndarray, row: int, col: int, delta: int) -> None:
    matrix[row, col] = (int(matrix[row, col]) + delta) % P


def regas(steps: list[StepRecord], start_gas: int = GAS) -> list[StepRecord]:
    """Recompute gas_before along the steps from each step's static gas (GAS pushes follow)."""
    out, gas = [], start_gas
    for s in steps:
        out.append(replace(s, gas_before=gas))
        gas -= SPECS[Group(group_of(s.opcode))].gas
    return out


# ---- the catalogue: name -> (matrix, statement, the exact set of constraints that catch it) ---------

def m_add_result():
    """ADD writes a wrong result byte (and the POP that takes it agrees)."""
    code = push32(2**256 - 1) + push(1) + b"\x01\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    r = rows_of(matrix, Group.ADD)[0]
    add(matrix, r, L.W2_OFFSET + 0, 1)
    add(matrix, r + 1, L.W0_OFFSET + 0, 1)
    set_multiplicities(matrix, len(code))
    return matrix, st, {"adder byte pair 0"}


def m_not_result():
    code = push(5) + b"\x19\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    r = rows_of(matrix, Group.NOT)[0]
    add(matrix, r, L.W2_OFFSET + 3, -1)
    add(matrix, r + 1, L.W0_OFFSET + 3, -1)
    set_multiplicities(matrix, len(code))
    return matrix, st, {"adder byte pair 1"}


def m_carry_not_a_bit():
    """ADD 2^255 + 2^255 claims 2^248 by a carry that is not a bit."""
    code = push32(2**255) + push32(2**255) + b"\x01\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    r = rows_of(matrix, Group.ADD)[0]
    add(matrix, r, L.W2_OFFSET + 31, 1)
    add(matrix, r + 1, L.W0_OFFSET + 31, 1)
    add(matrix, r, L.CARRY_OFFSET + 15, -inv_scalar(256))
    set_multiplicities(matrix, len(code))
    return matrix, st, {"carry[15] is 0 or 1"}


def m_lt_result():
    code = push(2) + push(1) + b"\x10\x50\x00"  # 1 < 2
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    r = rows_of(matrix, Group.LT)[0]
    add(matrix, r, L.RES, -1)
    add(matrix, r + 1, L.W0_OFFSET, -1)
    return matrix, st, {"res = comparison result"}


def m_eq_claims_equal():
    code = push(2) + push(1) + b"\x14\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    r = rows_of(matrix, Group.EQ)[0]
    matrix[r, L.ZFLAG], matrix[r, L.ZINV], matrix[r, L.RES] = 1, 0, 1
    add(matrix, r + 1, L.W0_OFFSET, 1)
    return matrix, st, {"zflag · z = 0"}


def m_iszero_claims_nonzero():
    code = push(0) + b"\x15\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    r = rows_of(matrix, Group.ISZERO)[0]
    matrix[r, L.ZFLAG], matrix[r, L.RES] = 0, 0
    add(matrix, r + 1, L.W0_OFFSET, -1)
    return matrix, st, {"zflag = 1 − z·zinv"}


def m_stale_read():
    """Slot 0 holds 1, then 2; the second POP returns the stale 1 (naming its production time)."""
    code = push(1) + b"\x50" + push(2) + b"\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    r = rows_of(matrix, Group.POP)[1]
    matrix[r, L.W0_OFFSET] = 1
    matrix[r, L.TP0] = 2  # produced by row 0's P2
    gap = 4 * r - 2 - 1
    matrix[r, L.TD0:L.TD0 + 3] = [gap & 0xFF, (gap >> 8) & 0xFF, gap >> 16]
    set_multiplicities(matrix, len(code))
    return matrix, st, {BUS}


def m_wrong_value_read():
    """A POP returns a value nobody wrote."""
    code = push(7) + b"\x50\x00"
    steps, res = run(code)
    steps[1] = replace(steps[1], pops=(8,))
    matrix, st = from_steps(code, steps)
    return matrix, st, {BUS}


def m_wrong_gas():
    """ADD is charged 2 instead of 3."""
    code = push(1) + push(2) + b"\x01\x50\x00"
    steps, _ = run(code)
    for i in range(3, len(steps)):
        steps[i] = replace(steps[i], gas_before=steps[i].gas_before + 1)
    matrix, st = from_steps(code, steps)
    return matrix, st, {"gas' = gas − static gas (all gas on error)"}


def m_skipped_instruction():
    """pc jumps from 0 to 2, skipping the JUMPDEST at 1."""
    code = b"\x5b\x5b\x5b\x00"
    steps, _ = run(code)
    matrix, st = from_steps(code, regas([steps[0], steps[2], steps[3]]))
    return matrix, st, {"pc' = next instruction or jump target"}


def m_jump_to_non_jumpdest():
    """JUMP to 4, a STOP byte (the VM fails here), continuing as if it were allowed."""
    code = push(4) + b"\x56\x5b\x00"
    steps = regas([StepRecord(0, 0x60, 0, 0, (), (4,)), StepRecord(2, 0x56, 0, 1, (4,), ()),
                   StepRecord(4, 0x00, 0, 0, (), ())])
    matrix, st = from_steps(code, steps)
    return matrix, st, {"a taken jump lands on a JUMPDEST"}


def m_jump_target_high_bits():
    """JUMP to 2^16 + 6 lands on the JUMPDEST at 6 (its low bytes)."""
    target = (1 << 16) + 6
    code = b"\x62\x01\x00\x06\x56\x00\x5b\x00"
    steps = regas([StepRecord(0, 0x62, 0, 0, (), (target,)), StepRecord(4, 0x56, 0, 1, (target,), ()),
                   StepRecord(6, 0x5B, 0, 0, (), ()), StepRecord(7, 0x00, 0, 0, (), ())])
    matrix, st = from_steps(code, steps)
    return matrix, st, {"jump target below 2^16"}


def m_jumpi_zero_taken():
    """JUMPI with condition 0 jumps anyway."""
    code = b"\x5f\x60\x07\x57\x00\x00\x00\x5b\x00"  # PUSH0, PUSH1 7, JUMPI, 3 × STOP, JUMPDEST, STOP
    steps = regas([StepRecord(0, 0x5F, 0, 0, (), (0,)), StepRecord(1, 0x60, 0, 1, (), (7,)),
                   StepRecord(3, 0x57, 0, 2, (7, 0), ()), StepRecord(7, 0x5B, 0, 0, (), ()),
                   StepRecord(8, 0x00, 0, 0, (), ())])
    matrix, st = from_steps(code, steps)
    return matrix, st, {"pc' = next instruction or jump target"}


def m_push_value_not_in_code():
    code = push(5) + b"\x50\x00"
    steps, _ = run(code)
    steps[0] = replace(steps[0], pushes=(6,))
    steps[1] = replace(steps[1], pops=(6,))
    matrix, st = from_steps(code, steps)
    return matrix, st, {BUS}


def m_unproven_opcode_as_add():
    """The code has MUL at pc 4; the trace claims an ADD there."""
    code = push(2) + push(3) + b"\x02\x50\x00"
    steps, _ = run(code)
    steps[2] = replace(steps[2], opcode=0x01, pushes=(5,))
    steps[3] = replace(steps[3], pops=(5,))
    matrix, st = from_steps(code, regas(steps))
    return matrix, st, {BUS}


def m_pc_pushes_wrong():
    code = b"\x58\x50\x00"
    steps, _ = run(code)
    steps[0] = replace(steps[0], pushes=(1,))
    steps[1] = replace(steps[1], pops=(1,))
    matrix, st = from_steps(code, steps)
    return matrix, st, {"PC pushes pc"}


def m_gas_pushes_wrong():
    code = b"\x5a\x50\x00"
    steps, _ = run(code)
    v = steps[0].pushes[0] + 5
    steps[0] = replace(steps[0], pushes=(v,))
    steps[1] = replace(steps[1], pops=(v,))
    matrix, st = from_steps(code, steps)
    return matrix, st, {"GAS pushes the gas left"}


def m_return_with_data():
    """RETURN(0, 5) claimed to return nothing."""
    code = push(5) + push(0) + b"\xf3"
    steps, _ = run(code)
    matrix, st = from_steps(code, regas(steps), gas_left=regas(steps)[-1].gas_before)
    return matrix, st, {"RETURN/REVERT output is empty"}


def m_false_out_of_gas():
    """ADD claims to run out of gas with plenty left (to skip its work)."""
    code = push(1) + push(2) + b"\x01\x00"
    steps, _ = run(code)
    steps = steps[:3]
    steps[2] = replace(steps[2], error="OutOfGasError", pushes=())
    matrix, st = from_steps(code, steps, status="error", gas_left=0)
    return matrix, st, {BUS}


def m_false_underflow():
    code = push(1) + push(2) + b"\x01\x00"
    steps, _ = run(code)
    steps = steps[:3]
    steps[2] = replace(steps[2], error="StackUnderflowError", pushes=())
    matrix, st = from_steps(code, steps, status="error", gas_left=0)
    return matrix, st, {BUS}


def m_stack_overflow():
    """The 1025th PUSH0 claims to succeed."""
    code = b"\x5f" * 1025
    steps, _ = run(code)
    steps[-1] = replace(steps[-1], error=None, pushes=(0,))
    matrix, st = from_steps(code, steps, gas_left=steps[-1].gas_before - 2)
    return matrix, st, {BUS}


def m_wrong_stack_pointer():
    """Steps 2 and 3 run one slot higher than they should."""
    code = push(1) + b"\x50" + push(2) + b"\x50\x00"
    steps, _ = run(code)
    for i in (2, 3):
        steps[i] = replace(steps[i], stack_pointer_before=steps[i].stack_pointer_before + 1)
    matrix, st = from_steps(code, steps)
    return matrix, st, {"sp' = sp + Δ − drain"}


def m_time_gap():
    code = push(1) + push(2) + b"\x01\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    r = rows_of(matrix, Group.ADD)[0]
    add(matrix, r, L.TD0, 1)
    add(matrix, r, L.TD1, 1)
    set_multiplicities(matrix, len(code))
    return matrix, st, {"C0 consumes an earlier version", "C1 consumes an earlier version"}


def m_addresses():
    code = push(1) + push(2) + b"\x81\x91\x50\x50\x50\x00"  # DUP2, SWAP2
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    d, s = rows_of(matrix, Group.DUP)[0], rows_of(matrix, Group.SWAP)[0]
    add(matrix, d, L.A0, 1)
    add(matrix, s, L.A1, 1)
    add(matrix, d, L.A3, 1)
    return matrix, st, {"a0 = sp − 1 − s_dup·(n − 1)", "a1 = sp − 2 − s_swap·(n − 1)",
                        "a3 = sp − s_dup·n − s_swap·(n + 1)", BUS}


def m_fake_table_entry():
    """A range entry for 256 is slipped into the table region to pass a non-byte limb."""
    code = push32(0x1234) + push(1) + b"\x01\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    r = rows_of(matrix, Group.ADD)[0]
    low = int(matrix[r, L.W2_OFFSET])  # keep the pair's value: low byte + 256, high byte − 1
    add(matrix, r, L.W2_OFFSET, 256)
    add(matrix, r, L.W2_OFFSET + 1, -1)
    add(matrix, r + 1, L.W0_OFFSET, 256)
    add(matrix, r + 1, L.W0_OFFSET + 1, -1)
    set_multiplicities(matrix, len(code))
    fake = matrix.shape[0] - 2
    matrix[fake, L.T_F] = 1
    matrix[fake, L.T_F + 1] = low + 256
    matrix[fake, L.T_M] = 1
    return matrix, st, {"lookups hit only table entries"}


def m_table_flag():
    code = b"\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    matrix[matrix.shape[0] - 2, L.T_E] = 2
    return matrix, st, {"table flag e is 0 or 1", "S2 ends at the public table sum"}


def m_clock():
    code = push(1) + b"\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    matrix[:, L.CLK] += 1  # every time moves by 4, so the named production times move with them
    matrix[matrix[:, L.TP0] != 0, L.TP0] += 4
    return matrix, st, {"clk starts at 0"}


def m_two_selectors():
    code = b"\x5b\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    matrix[0, L.sel(Group.POP)] = 1
    return matrix, st, {"one selector on a live row", "sp' = sp + Δ − drain", "gas' = gas − static gas (all gas on error)",
                        "stack depth test = two bytes", "cont = a step that continues",
                        "C0 consumes an earlier version", BUS}


def m_selector_not_a_bit():
    code = b"\x5b\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    r = matrix.shape[0] - 1
    matrix[r, L.sel(Group.JUMPDEST)] = 2
    matrix[r, L.sel(Group.PC)] = P - 2
    return matrix, st, {"s_jumpdest is 0 or 1", "s_pc is 0 or 1", "PC pushes pc", BUS}


def m_flags_not_bits():
    code = b"\x5b\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    r = matrix.shape[0] - 3
    matrix[r, L.DRAIN] = 2
    return matrix, st, {"drain is 0 or 1", "sp' = sp + Δ − drain", "C0 consumes an earlier version", BUS}


def m_two_error_kinds():
    """ADD on an empty stack fails by underflow; the trace also claims out of gas."""
    code = b"\x01"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    matrix[0, L.E_OOG] = 1  # err = 2: every identity that counts on err ∈ {0, 1} fails with it
    return matrix, st, {"one error kind at most", "out-of-gas gap", "cont = a step that continues",
                        "gas' = gas − static gas (all gas on error)", "halted' = halted + halts",
                        "status' = status + halt code", "sp' = sp + Δ − drain", "C0 consumes an earlier version", BUS}


def witness_for_steps(code, steps, res):
    return build_trace(code, GAS, steps, res.status, res.gas_left, res.output)


CATALOGUE = {f.__name__[2:]: f for f in [
    m_add_result, m_not_result, m_carry_not_a_bit, m_lt_result, m_eq_claims_equal, m_iszero_claims_nonzero,
    m_stale_read, m_wrong_value_read, m_wrong_gas, m_skipped_instruction, m_jump_to_non_jumpdest,
    m_jump_target_high_bits, m_jumpi_zero_taken, m_push_value_not_in_code, m_unproven_opcode_as_add,
    m_pc_pushes_wrong, m_gas_pushes_wrong, m_return_with_data, m_false_out_of_gas, m_false_underflow,
    m_stack_overflow, m_wrong_stack_pointer, m_time_gap, m_addresses, m_fake_table_entry, m_table_flag,
    m_clock, m_two_selectors, m_selector_not_a_bit, m_flags_not_bits, m_two_error_kinds,
]}

PROVED_BY_DEFAULT = {"add_result", "carry_not_a_bit", "stale_read", "wrong_gas", "skipped_instruction",
                     "jump_to_non_jumpdest", "unproven_opcode_as_add", "fake_table_entry"}
"""The cheats whose refused proofs run in the default test run (the rest are marked slow)."""


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_mutation_is_caught_by_exactly_its_constraints(name):
    matrix, statement, expected = CATALOGUE[name]()
    assert violated(matrix, statement) == expected


@pytest.mark.parametrize("name", [pytest.param(n, marks=() if n in PROVED_BY_DEFAULT else pytest.mark.slow)
                                  for n in sorted(CATALOGUE)])
def test_cheating_proof_is_refused(name):
    matrix, statement, _ = CATALOGUE[name]()
    refused(matrix, statement)


# ---- public inputs --------------------------------------------------------------------------------

def test_each_public_input_is_bound_by_its_assertion():
    code = push(3) + push(4) + b"\x03\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    assert violated(matrix, st) == set()
    cases = {
        "gas starts at the gas limit": replace(st, gas_limit=st.gas_limit + 1, gas_used=st.gas_used + 1),
        "gas left = gas limit − gas used": replace(st, gas_used=st.gas_used + 1),
        "status is the public status": replace(st, status=2),
        "S2 ends at the public table sum": replace(st, code=code[:-1] + b"\x5b"),
    }
    for name, bad in cases.items():
        assert violated(matrix, bad) == {name}, name
    refused(matrix, cases["S2 ends at the public table sum"])


# ---- auxiliary columns ---------------------------------------------------------------------------

def test_each_auxiliary_column_is_pinned():
    code = push(3) + push(4) + b"\x01\x80\x50\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    chal = _challenges()
    honest = AIR.build_aux_trace(matrix, chal, st)
    names = AIR.aux_transition_names()
    caught = set()
    for col in range(L.AUX_WIDTH):
        aux = honest.copy()
        aux[5, col, 0] = (aux[5, col, 0] + 1) % P
        got = violated(matrix, st, aux)
        assert got, f"aux column {col} is not pinned"
        caught |= got
    assert set(names) <= caught | {"S2' = S2 + e·w"}, set(names) - caught


# ---- coverage ------------------------------------------------------------------------------------

def test_every_constraint_catches_a_mutation(capsys):
    """Every main and auxiliary constraint fails on some mutation (or tampered aux column); the table
    of constraints × mutations is printed."""
    table: dict[str, list[str]] = {n: [] for n in AIR.transition_names() + AIR.aux_transition_names()}
    for name, make in CATALOGUE.items():
        matrix, statement, _ = make()
        for c in violated(matrix, statement):
            table.setdefault(c, []).append(name)
    # the auxiliary pinning constraints fail when their column is tampered with
    code = push(3) + push(4) + b"\x01\x80\x50\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    honest = AIR.build_aux_trace(matrix, _challenges(), st)
    for col in range(L.AUX_WIDTH):
        aux = honest.copy()
        aux[5, col, 0] = (aux[5, col, 0] + 1) % P
        for c in violated(matrix, st, aux):
            table[c].append(f"tamper aux {col}")
    shifted = honest.copy()  # S2 shifted by a constant: its steps still hold, its ends do not
    shifted[:, L.AUX_S2, 0] = (shifted[:, L.AUX_S2, 0] + 1) % P
    for c in violated(matrix, st, shifted):
        table.setdefault(c, []).append("S2 shifted")
    for c in ["gas starts at the gas limit", "gas left = gas limit − gas used", "status is the public status",
              "S2 ends at the public table sum"]:
        table.setdefault(c, []).append("changed public input")
    # single-cell bumps of a rich honest trace reach the remaining constraints and assertions
    base, st = honest_rich()
    for label, row, col, value in cell_bumps(base):
        m = base.copy()
        m[row, col] = value % P
        for c in violated(m, st):
            table.setdefault(c, []).append(label)
    with capsys.disabled():
        print("\nconstraint × mutations caught")
        for c, ms in table.items():
            print(f"  {c:48s} {', '.join(sorted(set(ms)))[:110]}")
    uncovered = [c for c, ms in table.items() if not ms]
    assert not uncovered, uncovered
    every = set(AIR.transition_names()) | set(AIR.aux_transition_names())
    every |= {a.name for a in AIR.assertions(st, base.shape[0])}
    every |= {a.name for a in AIR.aux_assertions(_challenges(), st, base.shape[0])}
    assert every - set(table) == set(), every - set(table)


def honest_rich():
    """An honest trace touching every group but REVERT/INVALID, with jumps, PC and GAS."""
    from circuit_programs import stack_program
    code = stack_program()
    steps, res = run(code)
    return witness_for_steps(code, steps, res)


def cell_bumps(m: np.ndarray) -> list[tuple[str, int, int, int]]:
    """(label, row, column, new value): one cell set to a wrong value."""
    live = int(np.argmax(m[:, L.HALTED]))  # first padding row
    n = m.shape[0]
    first = {g: int(rows_of(m, g)[0]) for g in Group if len(rows_of(m, g))}
    add_row = first.get(Group.SWAP, 0)
    out = [
        ("halted = 2", n - 3, L.HALTED, 2),
        ("e_oog = 2", 3, L.E_OOG, 2),
        ("e_uf = 2", 3, L.E_UF, 2),
        ("both error kinds", 3, L.E_OOG, 1),
        ("error flag on padding", n - 3, L.E_OOG, 1),
        ("drain on a live row", 3, L.DRAIN, 1),
        ("cont + 1", 3, L.CONT, int(m[3, L.CONT]) + 1),
        ("taken + 1", 3, L.TAKEN, int(m[3, L.TAKEN]) + 1),
        ("gas limb + 1", 3, L.GAS_LIMBS, int(m[3, L.GAS_LIMBS]) + 1),
        ("sp limb + 1", 3, L.SPL, int(m[3, L.SPL]) + 1),
        ("depth limb + 1", 3, L.SPU, int(m[3, L.SPU]) + 1),
        ("oogd + 1", 3, L.OOGD, 1),
        ("clk + 1", 3, L.CLK, int(m[3, L.CLK]) + 1),
        ("status + 1", n - 3, L.STATUS, int(m[n - 3, L.STATUS]) + 1),
        ("PC word high byte", first[Group.PC], L.W2_OFFSET + 5, 1),
        ("GAS word high byte", first[Group.GAS], L.W2_OFFSET + 5, 1),
        ("pc at row 0", 0, L.PC, 1),
        ("sp at row 0", 0, L.SP, 1),
        ("halted at row 0", 0, L.HALTED, 1),
        ("status at row 0", 0, L.STATUS, 1),
        ("halted at the end", n - 1, L.HALTED, 0),
        ("sp at the end", n - 1, L.SP, 1),
        ("entry at the end", n - 1, L.T_E, 1),
        ("zinv + 1", first[Group.JUMPI], L.ZINV, int(m[first[Group.JUMPI], L.ZINV]) + 1),
    ]
    for k in range(L.CARRY_WIDTH):
        out.append((f"carry[{k}] = 2", add_row, L.CARRY_OFFSET + k, 2))
    for g in Group:
        out.append((f"s_{g.name.lower()} = 2", n - 1, L.sel(g), 2))
    assert live > 3
    return out


def test_selector_booleanity_each_caught():
    code = b"\x5b\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    r = matrix.shape[0] - 1
    for g in Group:
        m = matrix.copy()
        m[r, L.sel(g)] = 2
        assert f"s_{g.name.lower()} is 0 or 1" in violated(m, st)


def test_every_proven_opcode_has_a_constraint_group_and_a_mutation():
    """Each proven opcode's group has its constraint module and at least one cheat in the catalogue
    (or a dedicated test above) that targets it."""
    targeted = {
        Group.STOP: "skipped_instruction", Group.ADD: "add_result", Group.SUB: "unproven_opcode_as_add",
        Group.LT: "lt_result", Group.GT: "addresses", Group.EQ: "eq_claims_equal",
        Group.ISZERO: "iszero_claims_nonzero", Group.NOT: "not_result", Group.POP: "stale_read",
        Group.PUSH0: "stack_overflow", Group.PUSH: "push_value_not_in_code", Group.DUP: "addresses",
        Group.SWAP: "addresses", Group.JUMP: "jump_to_non_jumpdest", Group.JUMPI: "jumpi_zero_taken",
        Group.PC: "pc_pushes_wrong", Group.GAS: "gas_pushes_wrong", Group.JUMPDEST: "skipped_instruction",
        Group.RETURN: "return_with_data", Group.REVERT: "return_with_data", Group.INVALID: "false_underflow",
    }
    for b in PROVEN_OPCODES:
        g = Group(GROUP_OF_BYTE[b])
        assert SPECS[g].module and targeted[g] in CATALOGUE, hex(b)


def test_gt_and_sub_results_are_bound():
    """GT and SUB share the adder with LT/ADD: a wrong difference word breaks a byte pair."""
    for op, group in ((b"\x11", Group.GT), (b"\x03", Group.SUB)):
        code = push(9) + push(4) + op + b"\x50\x00"
        steps, res = run(code)
        matrix, st = witness_for_steps(code, steps, res)
        r = rows_of(matrix, group)[0]
        delta = 1 if group == Group.GT else -1  # d = 5 for GT; 4 − 9 = 2^256 − 5 for SUB (bytes 0xFF)
        add(matrix, r, L.W2_OFFSET + 2, delta)
        if group == Group.SUB:
            add(matrix, r + 1, L.W0_OFFSET + 2, delta)
        set_multiplicities(matrix, len(code))
        assert violated(matrix, st) == {"adder byte pair 1"}


def test_revert_and_invalid_status_are_bound():
    for code, honest_status in ((push(0) + push(0) + b"\xfd", 2), (b"\xfe", 3)):
        steps, res = run(code)
        matrix, st = witness_for_steps(code, steps, res)
        assert st.status == honest_status and violated(matrix, st) == set()
        assert violated(matrix, replace(st, status=1, gas_used=0 if honest_status == 3 else st.gas_used)) \
            >= {"status is the public status"}
