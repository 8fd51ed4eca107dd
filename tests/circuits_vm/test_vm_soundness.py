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
from functools import lru_cache

import numpy as np
import pytest
from circuit_programs import STORAGE, push, push32
from call_mutations import CALL_MUTATIONS, calls_bumps, calls_run
from call_mutations import restate as restate_statement

from circuits.air import find_violations
from circuits.extension import Ext
from circuits.field import P, inv_scalar
from circuits.vm import layout as L
from circuits.vm.air import VmAir, VmStatement
from circuits.vm.opcodes import GROUP_OF_BYTE, SPECS, Group
from circuits.vm.proven import PROVEN_OPCODES
from circuits.vm import chiplet_witness as CW
from circuits.vm import linked_witness as LW
from circuits.vm import bus, exp, linked, modular
from circuits.vm import copy as COPY
from circuits.vm import environment
from circuits.vm import memory as M
from circuits.vm import memory_witness as MWIT
from circuits.vm import storage_witness as SWIT
from circuits.vm.tables import Environment, beta_powers
from circuits.values import Degree
from circuits.vm.witness import IDLE_FIXED, StepRecord, build_trace, set_multiplicities
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

CALLDATA = bytes(range(1, 41))
ENV = Environment(address=0xC0DE, caller=0xCA11E7, value=77, calldata=CALLDATA)
"""The environment every run here is called in (l2 evm run's default addresses)."""


def run(code: bytes, gas: int = GAS):
    trace = record_run(code, input=CALLDATA, value=77, gas=gas)
    return trace_to_steps(trace), trace.result


def from_steps(code, steps, status="success", gas_left=None, gas=GAS, output=b""):
    """The honest witness builder applied to (possibly false) steps; gas left defaults to what the
    steps imply."""
    if gas_left is None:
        last = steps[-1]
        g = Group(group_of(last.opcode))
        gas_left = 0 if (last.error or status == "error") else last.gas_before - SPECS[g].gas
    return build_trace(code, gas, steps, status, gas_left, output, check_ranges=False, env=ENV)


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
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st, {"adder byte pair 0"}


def m_not_result():
    code = push(5) + b"\x19\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    r = rows_of(matrix, Group.NOT)[0]
    add(matrix, r, L.W2_OFFSET + 3, -1)
    add(matrix, r + 1, L.W0_OFFSET + 3, -1)
    set_multiplicities(matrix, code, env=ENV)
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
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st, {"carry[15] is 0 or 1"}


def m_lt_result():
    code = push(2) + push(1) + b"\x10\x50\x00"  # 1 < 2
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    r = rows_of(matrix, Group.LT)[0]
    add(matrix, r, L.RES, -1)
    add(matrix, r + 1, L.W0_OFFSET, -1)
    return matrix, st, {"res = comparison result"}


def _signed_cheat(op: bytes, group: Group, a: int, b: int, flip: str):
    """OP(a, b) claims the unsigned answer by calling one operand's sign bit 0 while keeping its
    helper a byte: the carry and result follow the lie, only the helper identity is left false."""
    code = push(b) + push(a) + op + b"\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    r = rows_of(matrix, group)[0]
    assert matrix[r, L.RES] == 1 and matrix[r, getattr(L, flip.upper())] == 1
    matrix[r, getattr(L, flip.upper())] = 0
    matrix[r, L.CARRY_OFFSET + 15] = 0
    matrix[r, L.RES] = 0
    add(matrix, r + 1, L.W0_OFFSET, -1)
    return matrix, st


def m_slt_sign_bit_hidden():
    """SLT(−1, 1) claims 0 by calling −1 non-negative (sa = 0 with ha still 254)."""
    matrix, st = _signed_cheat(b"\x12", Group.SLT, 2**256 - 1, 1, "sa")
    return matrix, st, {"ha = 2·a_31 − 256·sa"}


def m_sgt_sign_bit_hidden():
    """SGT(1, −1) claims 0 by calling −1 non-negative (sb = 0 with hb still 254)."""
    matrix, st = _signed_cheat(b"\x13", Group.SGT, 1, 2**256 - 1, "sb")
    return matrix, st, {"hb = 2·b_31 − 256·sb"}


def m_slt_result():
    """SLT(−5, 3) = 1 claimed as 0 by the result column alone."""
    code = push(3) + push32(2**256 - 5) + b"\x12\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    r = rows_of(matrix, Group.SLT)[0]
    add(matrix, r, L.RES, -1)
    add(matrix, r + 1, L.W0_OFFSET, -1)
    return matrix, st, {"res = comparison result"}


def m_sign_bits_off_signed_rows():
    """A sign bit set on an LT row, where nothing reads it: an unconstrained helper is still pinned to 0."""
    code = push(2) + push(1) + b"\x10\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    r = rows_of(matrix, Group.LT)[0]
    matrix[r, L.SA] = 1
    matrix[r, L.SB] = 1
    return matrix, st, {"sa is a's sign bit on SLT/SGT, 0 elsewhere", "sb is b's sign bit on SLT/SGT/SAR, 0 elsewhere"}


def m_sign_helper_out_of_range():
    """SLT(−1, 1) claims 0 with sa = 0 and the honest helper ha = 510: no byte, so no range entry."""
    matrix, st = _signed_cheat(b"\x12", Group.SLT, 2**256 - 1, 1, "sa")
    r = rows_of(matrix, Group.SLT)[0]
    matrix[r, L.HA] = 510
    set_multiplicities(matrix, push(1) + push32(2**256 - 1) + b"\x12\x50\x00", env=ENV)
    return matrix, st, {BUS}


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
    set_multiplicities(matrix, code, env=ENV)
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
    set_multiplicities(matrix, code, env=ENV)
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
    set_multiplicities(matrix, code, env=ENV)
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


# ---- halts: stack overflow, invalid jump destination ------------------------------------------------

def m_false_overflow_low_sp():
    """The second PUSH claims a stack overflow at depth 1 (to end the run early with an error)."""
    code = push(1) + push(2) + b"\x00"
    steps, _ = run(code)
    steps = [steps[0], replace(steps[1], error="StackOverflowError", pushes=())]
    matrix, st = from_steps(code, steps, status="error", gas_left=0)
    return matrix, st, {"overflow only at sp = 1024"}


def m_false_overflow_on_add():
    """An ADD at depth 1024 claims a stack overflow (it shrinks the stack)."""
    code = b"\x5f" * 1024 + b"\x01\x00"
    steps, _ = run(code)
    steps = steps[:1024] + [replace(steps[1024], error="StackOverflowError", pushes=())]
    matrix, st = from_steps(code, steps, status="error", gas_left=0)
    return matrix, st, {"overflow only on a push"}


def m_invalid_jump_on_pop():
    """A POP claims to halt on an invalid jump destination (its operand 0 lies in the gap [0, 0])."""
    code = b"\x5f\x5b\x5f\x50\x00\x56"  # PUSH0 JUMPDEST PUSH0 POP STOP JUMP
    steps, _ = run(code)
    steps = steps[:3] + [replace(steps[3], error="InvalidJumpDestError", pushes=())]
    matrix, st = from_steps(code, steps, status="error", gas_left=0)
    return matrix, st, {"invalid-jump halt only on JUMP or JUMPI"}


def m_jumpi_zero_condition_halts():
    """JUMPI with condition 0 and an invalid target halts instead of falling through."""
    code = b"\x5f\x60\x64\x57\x00"  # PUSH0, PUSH1 100, JUMPI, STOP
    steps, _ = run(code)
    steps = steps[:2] + [replace(steps[2], error="InvalidJumpDestError")]
    matrix, st = from_steps(code, steps, status="error", gas_left=0)
    return matrix, st, {"JUMPI halts on its target only when it jumps"}


def _valid_target_claimed_invalid(lo: int, hi: int):
    """JUMP to the JUMPDEST at 4 claims an invalid destination with the gap witness (lo, hi)."""
    code = push(4) + b"\x56\x00\x5b\x00"
    steps, _ = run(code)
    steps = [steps[0], replace(steps[1], error="InvalidJumpDestError")]
    matrix, st = from_steps(code, steps, status="error", gas_left=0)
    r = rows_of(matrix, Group.JUMP)[0]
    fields = [max(4 - lo, 0), max(hi - 4, 0), lo, hi]
    for f, value in enumerate(fields):
        matrix[r, L.W2_OFFSET + 2 * f] = value & 0xFF
        matrix[r, L.W2_OFFSET + 2 * f + 1] = value >> 8
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st


def m_valid_target_gap_before():
    """... naming the gap [0, 3] before it: the target is past the gap's end."""
    matrix, st = _valid_target_claimed_invalid(0, 3)
    return matrix, st, {"invalid target ≤ gap end"}


def m_valid_target_gap_after():
    """... naming the gap [5, 65535] after it: the target is before the gap's start."""
    matrix, st = _valid_target_claimed_invalid(5, 65535)
    return matrix, st, {"invalid target ≥ gap start"}


def m_valid_target_made_up_gap():
    """... naming a gap [4, 4] the code does not have: no table entry."""
    matrix, st = _valid_target_claimed_invalid(4, 4)
    return matrix, st, {BUS}


# ---- chiplets --------------------------------------------------------------------------------------

def chiplet_row(matrix: np.ndarray, col: int, index: int = 0) -> int:
    return int(np.nonzero(matrix[:, col] == 1)[0][index])


def write_chiplet(matrix: np.ndarray, row: int, block: np.ndarray) -> None:
    """Replace the two chiplet rows at ``row`` by ``block`` (keeping the columns the CPU fixes and the
    table region; the caller recomputes the multiplicities)."""
    block = block.copy()
    keep = IDLE_FIXED + [L.T_E, L.T_M, L.T_ONE, *range(L.T_F, L.T_F + L.T_FIELDS)]
    block[:, keep] = matrix[row:row + 2, keep].astype(np.int64)
    matrix[row:row + 2] = np.mod(block, P).astype(np.uint64)


def words_of(*values: int) -> np.ndarray:
    return np.array([[(v >> (8 * k)) & 0xFF for k in range(32)] for v in values], dtype=np.int64)


def shift_block(group: Group, s: int, a: int, result: int, small: int) -> np.ndarray:
    return CW.shift_rows(np.array([int(group)]), words_of(s), words_of(a), words_of(result), np.array([small]))


def false_result(code: bytes, step: int, value: int):
    """The honest witness builder on steps where step ``step`` pushes ``value`` (and the next pops it)."""
    steps, _ = run(code)
    steps[step] = replace(steps[step], pushes=(value,))
    steps[step + 1] = replace(steps[step + 1], pops=(value,))
    return from_steps(code, steps)


def m_and_result():
    """AND claims 0x0F0F & 0xFF00 = 0x0100."""
    matrix, st = false_result(push(0x0F0F) + push(0xFF00) + b"\x16\x50\x00", 2, 0x0100)
    return matrix, st, {"bitwise byte 1"}


def m_or_result():
    """OR claims 0x0F | 0x30 = 0x3E."""
    matrix, st = false_result(push(0x0F) + push(0x30) + b"\x17\x50\x00", 2, 0x3E)
    return matrix, st, {"bitwise byte 0"}


def m_xor_result():
    """XOR claims 0 ^ 0x80 = 0x81 (the case 8-bit key spacing would let through)."""
    matrix, st = false_result(push(0) + push(0x80) + b"\x18\x50\x00", 2, 0x81)
    return matrix, st, {"bitwise byte 0"}


def m_bitwise_row2_unflagged():
    """The second row of an AND instance drops its flag (its keys are 0, valid as range values)."""
    code = push(3) + push(5) + b"\x16\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    matrix[chiplet_row(matrix, L.CH_BW2), L.CH_BW2] = 0
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st, {"bitwise row 1 is followed by its row 2"}


def m_stray_bitwise_row2():
    code = push(3) + push(5) + b"\x16\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    matrix[matrix.shape[0] - 3, L.CH_BW2] = 1
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st, {"bitwise row 2 follows a row 1"}


def m_shift_row2_unflagged():
    code = push(5) + push(0) + b"\x1b\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    matrix[chiplet_row(matrix, L.CH_SH2), L.CH_SH2] = 0
    return matrix, st, {"shift row 1 is followed by its row 2"}


def m_stray_shift_row2():
    code = push(5) + push(0) + b"\x1b\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    matrix[matrix.shape[0] - 3, L.CH_SH2] = 1
    return matrix, st, {"shift row 2 follows a row 1"}


V = 0x00C3_5A00_FF01_7E80_1234_5678_9ABC_DEF0


def _shift_cheat(op: bytes, group: Group, s: int, claimed: int, rows_from: tuple[int, int], small: int = 1):
    """``op`` on (s, V) claims ``claimed``; its chiplet rows are those of (shift, small) = rows_from,
    with the shift word put back to s."""
    code = push(V) + push32(s) + op + b"\x50\x00"
    matrix, st = false_result(code, 2, claimed)
    r = chiplet_row(matrix, CW.SHIFT_FLAGS[group])
    write_chiplet(matrix, r, shift_block(group, rows_from[0], V, claimed, rows_from[1]))
    matrix[r, L.W0_OFFSET:L.W0_OFFSET + 32] = words_of(s)[0]
    matrix[r, L.CH_SMALL] = small
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st, r


def m_shl_wrong_multiplier():
    """SHL by 1 claims V · 4: the rows multiply by m = 4 while r = 1."""
    matrix, st, r = _shift_cheat(b"\x1b", Group.SHL, 1, (V * 4) % 2**256, (2, 1))
    matrix[r, L.CH_BITS:L.CH_BITS + 3] = [1, 0, 0]
    matrix[r, L.CH_POW] = 2
    return matrix, st, {"SHL multiplies by 2^r"}


def m_shr_wrong_multiplier():
    """SHR by 1 claims V >> 2: the rows multiply by m = 64 while r = 1."""
    matrix, st, r = _shift_cheat(b"\x1c", Group.SHR, 1, V >> 2, (2, 1))
    matrix[r, L.CH_BITS:L.CH_BITS + 3] = [1, 0, 0]
    matrix[r, L.CH_POW] = 2
    return matrix, st, {"SHR multiplies by 2^(8−r)"}


def m_shift_wrong_byte_position():
    """SHL by 8 claims V << 16 (the one-hot sits at byte 2)."""
    matrix, st, _ = _shift_cheat(b"\x1b", Group.SHL, 8, (V << 16) % 2**256, (16, 1))
    return matrix, st, {"shift = 8 · byte position + r"}


def m_shift_result_dropped():
    """SHL by 1 claims 0: the one-hot is left empty."""
    matrix, st, r = _shift_cheat(b"\x1b", Group.SHL, 1, 0, (1, 1))
    matrix[r + 1, L.W1_OFFSET:L.W1_OFFSET + 32] = 0
    return matrix, st, {"one-hot position set iff the result can be non-zero"}


def m_byte_big_index_in_range():
    """BYTE with index 256 + 5 (≥ 32) claims byte 5 of V."""
    claimed = (V >> 8 * 26) & 0xFF
    matrix, st, r = _shift_cheat(b"\x1a", Group.BYTE, 256 + 5, claimed, (5, 1), small=0)
    matrix[r, L.W2_OFFSET] = 27  # (small − inr)(s_0 − 32) = 27
    set_multiplicities(matrix, push(V) + push32(256 + 5) + b"\x1a\x50\x00", env=ENV)
    return matrix, st, {"BYTE index in range only below 256"}


def m_byte_wrong_limb():
    """BYTE 3 returns byte 4 of V."""
    matrix, st, _ = _shift_cheat(b"\x1a", Group.BYTE, 3, (V >> 8 * 27) & 0xFF, (4, 1))
    return matrix, st, {"BYTE picks limb 31 − i"}


def m_byte_false_out_of_range():
    """BYTE 5 claims its index is out of range (result 0)."""
    matrix, st, r = _shift_cheat(b"\x1a", Group.BYTE, 5, 0, (40, 1))
    matrix[r, L.W2_OFFSET] = 0
    set_multiplicities(matrix, push(V) + push32(5) + b"\x1a\x50\x00", env=ENV)
    return matrix, st, {"BYTE index ≥ 32 proven"}


def m_shift_one_hot_not_bits():
    """SHR of 0 by 300 (result 0) with a one-hot of (2, −2, 0, …)."""
    code = push(0) + push(300) + b"\x1c\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    r = chiplet_row(matrix, L.CH_SH2)
    matrix[r, L.W1_OFFSET], matrix[r, L.W1_OFFSET + 1] = 2, P - 2
    return matrix, st, {"h[0] is 0 or 1", "h[1] is 0 or 1"}


def m_shift_product_byte():
    """SHL by 0 claims V + 2^24 (its product byte 3 is one too high)."""
    claimed = V + 2**24
    matrix, st, r = _shift_cheat(b"\x1b", Group.SHL, 0, claimed, (0, 1))
    add(matrix, r, L.W2_OFFSET + 3, 1)
    set_multiplicities(matrix, push(V) + push32(0) + b"\x1b\x50\x00", env=ENV)
    return matrix, st, {"shift product byte 3"}


def m_shift_result():
    """SHR by 4 claims V >> 5."""
    matrix, st = false_result(push(V) + push(4) + b"\x1c\x50\x00", 2, V >> 5)
    return matrix, st, {f"shift result byte {k}" for k in range(32) if ((V >> 4) ^ (V >> 5)) >> (8 * k) & 0xFF}


def m_shift_claims_big():
    """SHL by 1 claims the shift is ≥ 256 (result 0)."""
    code = push(1) + push(1) + b"\x1b\x50\x00"
    matrix, st = false_result(code, 2, 0)
    r = rows_of(matrix, Group.SHL)[0]
    matrix[r, L.ZFLAG2], matrix[r, L.ZINV2] = 0, 0
    write_chiplet(matrix, chiplet_row(matrix, L.CH_SHL), shift_block(Group.SHL, 1, 1, 0, 0))
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st, {"zflag2 = 1 − z2·zinv2"}


def m_shift_claims_small():
    """SHL by 256 claims the shift is below 256 (it shifts by 0, the low byte)."""
    code = push(V) + push(256) + b"\x1b\x50\x00"
    matrix, st = false_result(code, 2, V)
    r = rows_of(matrix, Group.SHL)[0]
    matrix[r, L.ZFLAG2], matrix[r, L.ZINV2] = 1, 0
    c = chiplet_row(matrix, L.CH_SHL)
    write_chiplet(matrix, c, shift_block(Group.SHL, 0, V, V, 1))
    matrix[c, L.W0_OFFSET:L.W0_OFFSET + 32] = words_of(256)[0]
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st, {"zflag2 · z2 = 0"}


NEG_V = 2**256 - V
"""A negative word (top byte 0xFF)."""


def m_sar_sign_bit_hidden():
    """SAR(4, −V) claims the logical shift −V >> 4: the CPU row calls the value non-negative (sb = 0 with
    hb still 254) and the chiplet adds no sign fill (neg = 0); only the helper identity is left false."""
    code = push(NEG_V) + push(4) + b"\x1d\x50\x00"
    matrix, st = false_result(code, 2, NEG_V >> 4)
    r = rows_of(matrix, Group.SAR)[0]
    assert matrix[r, L.SB] == 1
    matrix[r, L.SB] = 0
    matrix[chiplet_row(matrix, L.CH_SAR), L.CH_NEG] = 0
    return matrix, st, {"hb = 2·b_31 − 256·sb"}


def m_sar_sign_fill_missing():
    """SAR(4, −V) claims −V >> 4 with the sign bit honest: the fill of the top four bits is missing."""
    matrix, st = false_result(push(NEG_V) + push(4) + b"\x1d\x50\x00", 2, NEG_V >> 4)
    return matrix, st, {"shift result byte 31"}


def m_sar_big_shift_positive():
    """SAR(300, −V) claims 0 (the answer for a non-negative value): every fill byte is missing."""
    matrix, st = false_result(push(NEG_V) + push(300) + b"\x1d\x50\x00", 2, 0)
    return matrix, st, {f"shift result byte {k}" for k in range(32)}


def signextend(b: int, x: int) -> int:
    if b >= 31:
        return x
    sign = 1 << (8 * b + 7)
    return (((x & (2 * sign - 1)) ^ sign) - sign) % 2**256


def m_signextend_sign_bit_hidden():
    """SIGNEXTEND(0, 0xFF) claims 0xFF (not extended): sxs = 0 with its helper y_1 still 254."""
    matrix, st = false_result(push(0xFF) + push(0) + b"\x0b\x50\x00", 2, 0xFF)
    matrix[chiplet_row(matrix, L.CH_SX), L.CH_SXS] = 0
    return matrix, st, {"SIGNEXTEND sign helper = 2·(x_b − 128·sxs)"}


def m_signextend_byte_not_extended():
    """SIGNEXTEND(1, 0x80FF) leaves byte 2 of its result 0 instead of 0xFF."""
    matrix, st = false_result(push(0x80FF) + push(1) + b"\x0b\x50\x00", 2, signextend(1, 0x80FF) - (0xFF << 16))
    return matrix, st, {"shift result byte 2"}


def m_signextend_wrong_byte():
    """SIGNEXTEND(1, V) extends byte 2 of V instead (the one-hot sits at byte 2)."""
    matrix, st, _ = _shift_cheat(b"\x0b", Group.SIGNEXTEND, 1, signextend(2, V), (2, 1))
    return matrix, st, {"SIGNEXTEND picks byte b"}


def m_signextend_false_out_of_range():
    """SIGNEXTEND(5, V) claims V, as if b ≥ 32 (no one-hot, y_0 = 0)."""
    matrix, st, r = _shift_cheat(b"\x0b", Group.SIGNEXTEND, 5, V, (40, 1))
    matrix[r, L.W2_OFFSET] = 0
    set_multiplicities(matrix, push(V) + push32(5) + b"\x0b\x50\x00", env=ENV)
    return matrix, st, {"SIGNEXTEND byte number ≥ 32 proven"}


def m_signextend_big_index_in_range():
    """SIGNEXTEND(256 + 1, V) (= V) claims SIGNEXTEND(1, V) with the in-range flag set."""
    matrix, st, r = _shift_cheat(b"\x0b", Group.SIGNEXTEND, 256 + 1, signextend(1, V), (1, 1), small=0)
    matrix[r, L.W2_OFFSET] = 31  # (small − inr)(s_0 − 32) = 31
    set_multiplicities(matrix, push(V) + push32(256 + 1) + b"\x0b\x50\x00", env=ENV)
    return matrix, st, {"SIGNEXTEND byte number in range only below 256"}


def m_sign_scalars_off_their_rows():
    """SAR's neg and SIGNEXTEND's sxs set on an idle row (small = 1 there, so no fill reaches a result)."""
    code = push(3) + push(5) + b"\x1d\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    r = matrix.shape[0] - 3
    matrix[r, L.CH_NEG], matrix[r, L.CH_SXS], matrix[r, L.CH_SMALL] = 1, 1, 1
    return matrix, st, {"SAR sign neg is a bit, 0 off SAR rows", "SIGNEXTEND sign sxs is a bit, 0 off SIGNEXTEND rows"}


def m_chiplet_on_live_row():
    """A bitwise row-2 flag on a live POP row (its W2 is 0, a valid key)."""
    code = push(3) + push(5) + b"\x16\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    matrix[rows_of(matrix, Group.POP)[0], L.CH_BW2] = 1
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st, {"chiplets only after the halt", "bitwise row 2 follows a row 1"}


def m_chiplet_on_drain_row():
    code = push(3) + push(5) + push(6) + b"\x16\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    matrix[int(np.nonzero(matrix[:, L.DRAIN])[0][0]), L.CH_BW2] = 1
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st, {"chiplets not on drain rows", "bitwise row 2 follows a row 1"}


def m_two_chiplet_flags():
    """A row flagged as both a bitwise and a shift second row."""
    code = push(3) + push(5) + b"\x16\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    matrix[chiplet_row(matrix, L.CH_BW2), L.CH_SH2] = 1
    return matrix, st, {"one chiplet flag at most", "shift row 2 follows a row 1"}


def m_idle_row_helpers():
    """Chiplet helper columns out of range on an idle row: a bit of 2 (pow 3), small and inr of 2."""
    code = push(3) + push(5) + b"\x1b\x50\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    r = matrix.shape[0] - 3
    matrix[r, L.CH_BITS], matrix[r, L.CH_POW] = 2, 3
    matrix[r, L.CH_SMALL] = 2
    matrix[r, L.CH_INR] = 2
    matrix[r - 1, L.CH_POW] = 2
    return matrix, st, {"shift bit 0 is 0 or 1", "ch_small is 0 or 1", "ch_inr is 0 or 1", "pow = 2^r"}


# ---- memory ----------------------------------------------------------------------------------------

def shift_gas(matrix: np.ndarray, row: int, delta: int) -> None:
    """Add ``delta`` to the gas of every row after ``row`` (with its range limbs)."""
    for r in range(row + 1, matrix.shape[0]):
        g = (int(matrix[r, L.GAS]) + delta) % P
        matrix[r, L.GAS] = g
        matrix[r, L.GAS_LIMBS:L.GAS_LIMBS + 4] = [g & 0xFF, (g >> 8) & 0xFF, (g >> 16) & 0xFF, g >> 24]


def set_state(matrix: np.ndarray, row: int, col: int, value: int) -> None:
    """Set a carried state column on every row after ``row``."""
    matrix[row + 1:, col] = value % P


def put_limbs(matrix: np.ndarray, row: int, at: int, value: int, width: int) -> None:
    for i in range(width):
        matrix[row, L.W2_OFFSET + at + i] = (value >> (8 * i)) & 0xFF if i < width - 1 else value >> (8 * i)


def memory_run(code: bytes):
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    return matrix, st


def m_expansion_short_end():
    """MSTORE at 64 claims its end word is 2 (pays 3 gas less)."""
    code = push(1) + push(64) + b"\x52\x00"
    matrix, st = memory_run(code)
    r = rows_of(matrix, Group.MSTORE)[0]
    matrix[r, L.NEED] = 2
    put_limbs(matrix, r, M.EW, 2, 3)
    put_limbs(matrix, r, M.CMP, 1, 3)
    put_limbs(matrix, r, M.BOUND, M.NEED_LIMIT - 2, 3)
    put_limbs(matrix, r, M.A0, 2, 2)
    put_limbs(matrix, r, M.R0, 4, 2)
    set_state(matrix, r, L.MS, 2)
    shift_gas(matrix, r, 3)
    set_multiplicities(matrix, code, env=ENV)
    return matrix, replace(st, gas_used=st.gas_used - 3), {"offset + len = 32·ew − rr"}


def m_expansion_quadratic_underpaid():
    """MSTORE growing memory to 1000 words pays 100 gas less of the quadratic term (u − 100)."""
    code = push(1) + push(32 * 999) + b"\x52\x00"
    matrix, st = memory_run(code)
    r = rows_of(matrix, Group.MSTORE)[0]
    u = (488 * 488) // 512 - 100
    put_limbs(matrix, r, M.U0, u, 2)
    set_state(matrix, r, L.MQ, int(matrix[r + 1, L.MQ]) - 100)
    shift_gas(matrix, r, 100)
    set_multiplicities(matrix, code, env=ENV)
    return matrix, replace(st, gas_used=st.gas_used - 100), {"a² = 512 u + r"}


def m_expansion_not_grown():
    """MSTORE at 64 claims memory does not grow (pays no expansion)."""
    code = push(1) + push(64) + b"\x52\x00"
    matrix, st = memory_run(code)
    r = rows_of(matrix, Group.MSTORE)[0]
    matrix[r, L.MG] = 0
    put_limbs(matrix, r, M.CMP, 0, 3)
    set_state(matrix, r, L.MS, 0)
    set_state(matrix, r, L.MQ, 0)
    shift_gas(matrix, r, 9)
    set_multiplicities(matrix, code, env=ENV)
    return matrix, replace(st, gas_used=st.gas_used - 9), {"memory size comparison"}


def m_offset_high_byte_ignored():
    """MSTORE at 2^24 + 5 stores at 5 (the high byte is dropped)."""
    code = push(1) + b"\x63\x00\x00\x00\x05" + b"\x52\x00"
    matrix, st = memory_run(code)
    big = code.replace(b"\x63\x00\x00\x00\x05", b"\x63\x01\x00\x00\x05")
    matrix[rows_of(matrix, Group.PUSH)[1], L.W2_OFFSET + 3] = 1
    matrix[rows_of(matrix, Group.MSTORE)[0], L.W0_OFFSET + 3] = 1
    rebuild_table(matrix, big)
    return matrix, replace(st, code=big), {"memory offset below 2^24"}


def m_size_high_byte_ignored():
    """RETURN of 2^24 + 3 bytes returns 3."""
    code = b"\x63\x00\x00\x00\x03" + push(0) + b"\xf3"
    matrix, st = memory_run(code)
    big = code.replace(b"\x63\x00\x00\x00\x03", b"\x63\x01\x00\x00\x03")
    matrix[rows_of(matrix, Group.PUSH)[0], L.W2_OFFSET + 3] = 1
    r = rows_of(matrix, Group.RETURN)[0]
    matrix[r, L.W1_OFFSET + 3] = 1
    matrix[r, L.ZINV2] = inv_scalar(4)  # the size's bytes now sum to 4
    rebuild_table(matrix, big, st.output_offset, st.output)
    return matrix, replace(st, code=big), {"returned size below 2^24"}


def rebuild_table(matrix: np.ndarray, code: bytes, output_offset: int = 0, output: bytes = b"",
                  storage=None, hashes: tuple = (), logs: tuple = (), subset=None, sizes: tuple = (),
                  calls: tuple = ()) -> None:
    """Rewrite the table region for ``code`` and the given public data, keeping the code entries the
    region holds (the pcs and code words of the honest run, which the statement names too) unless
    ``subset`` says otherwise."""
    from circuits.vm.tables import fixed_entries
    from circuits.vm.witness import subset_in
    subset = subset or subset_in(matrix.astype(np.int64), code)
    entries = fixed_entries(code, output_offset, output, ENV, storage, hashes, logs, subset, (), (), sizes, calls)
    matrix[:, [L.T_E, L.T_ONE, *range(L.T_F, L.T_F + L.T_FIELDS)]] = 0
    matrix[:len(entries), L.T_E] = 1
    matrix[:len(entries), L.T_F:L.T_F + L.T_FIELDS] = entries[:, :L.T_FIELDS]
    matrix[:len(entries), L.T_ONE] = entries[:, L.T_FIELDS]
    set_multiplicities(matrix, code, output_offset, output, ENV, storage, hashes, logs, subset, (), (), sizes, calls)


def m_mload_wrong_value():
    """MLOAD of a stored 0x0102 claims 0x0103."""
    code = push(0x0102) + push(0) + b"\x52" + push(0) + b"\x51\x50\x00"
    matrix, st = false_result(code, 4, 0x0103)
    return matrix, st, {"MLOAD limb 0"}


def m_mstore_lost():
    """MSTORE of 0x0100 at 0 leaves the word as it was (its final contents too)."""
    code = push(0x0100) + push(0) + b"\x52\x00"
    matrix, st = memory_run(code)
    m2 = chiplet_row(matrix, L.CH_M2)
    matrix[m2, L.W0_OFFSET + 1] = 0
    reg = chiplet_row(matrix, L.CH_MREG, 0)
    matrix[reg, L.W1_OFFSET + 1] = 0
    return matrix, st, {"memory A' limb 1"}


def m_mstore8_wrong_byte():
    """MSTORE8 at 3 writes its byte one address later (limb 27 instead of 28)."""
    code = push(0xAB) + push(3) + b"\x53\x00"
    matrix, st = memory_run(code)
    m2, reg = chiplet_row(matrix, L.CH_M2), chiplet_row(matrix, L.CH_MREG, 0)
    for r, col in ((m2, L.W0_OFFSET), (reg, L.W1_OFFSET)):
        matrix[r, col + 28], matrix[r, col + 27] = 0, 0xAB
    return matrix, st, {"memory A' limb 27", "memory A' limb 28"}


def m_read_time_not_earlier():
    """An access names a version of word A written one step later than the one it read."""
    code = push(7) + push(0) + b"\x52" + push(0) + b"\x51\x50\x00"
    matrix, st = memory_run(code)
    m0 = chiplet_row(matrix, L.CH_M0, 1)
    add(matrix, m0, L.W2_OFFSET, 1)
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st, {"word A read was written earlier"}


def m_stale_memory_read():
    """Stores 1 then 2 at 0; the MLOAD reads the stale 1 (naming the first store's version)."""
    code = push(1) + push(0) + b"\x52" + push(2) + push(0) + b"\x52" + push(0) + b"\x51\x50\x00"
    matrix, st = false_result(code, 7, 1)
    m0, m1 = chiplet_row(matrix, L.CH_M0, 2), chiplet_row(matrix, L.CH_MLD)
    first = int(matrix[chiplet_row(matrix, L.CH_MST, 0), L.MTN])  # the first store's time
    matrix[m1, L.MT1] = first
    old = words_of(1)[0]
    matrix[m1, L.W0_OFFSET:L.W0_OFFSET + 32] = old
    matrix[m1 + 1, L.W0_OFFSET:L.W0_OFFSET + 32] = old
    put_limbs(matrix, m0, 0, int(matrix[m1, L.MTN]) - first - 1, 3)
    reg = chiplet_row(matrix, L.CH_MREG, 0)
    matrix[reg, L.W1_OFFSET:L.W1_OFFSET + 32] = old
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st, {BUS}


def m_init_not_zero():
    """Fresh memory starts with a 7: the MLOAD of word 0 reads it (the word row produces it)."""
    code = push(0) + b"\x51\x50\x00"
    matrix, st = memory_run(code)
    m1, reg = chiplet_row(matrix, L.CH_MLD), chiplet_row(matrix, L.CH_MREG, 0)
    for r, col in ((m1, L.W0_OFFSET), (m1, L.W2_OFFSET), (m1 + 1, L.W0_OFFSET), (reg, L.W0_OFFSET),
                   (reg, L.W1_OFFSET), (rows_of(matrix, Group.MLOAD)[0], L.W1_OFFSET),
                   (rows_of(matrix, Group.POP)[0], L.W0_OFFSET)):
        matrix[r, col] = 7
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st, {"word row initial limb 0 is 0"}


def m_duplicate_word_row():
    """Word 0 gets two word rows (two zero versions): after MSTORE 5 at 0, the MLOAD reads 0 from the
    second."""
    code = push(5) + push(0) + b"\x52" + push(0) + b"\x51\x50\x00"
    matrix, st = false_result(code, 4, 0)
    m1 = chiplet_row(matrix, L.CH_MLD)
    t_load = int(matrix[m1, L.MTN])
    zero = np.zeros(32, dtype=np.int64)
    matrix[m1, L.W0_OFFSET:L.W0_OFFSET + 32] = zero
    matrix[m1 + 1, L.W0_OFFSET:L.W0_OFFSET + 32] = zero
    matrix[m1, L.MT1] = 0
    put_limbs(matrix, m1 - 1, 0, t_load - 1, 3)
    regs = np.nonzero(matrix[:, L.CH_MREG] == 1)[0]
    first, store = int(regs[0]), chiplet_row(matrix, L.CH_MST)
    block = matrix[first:first + len(regs) + 1].astype(np.int64).copy()
    words = [0, 0, 1]
    finals = [words_of(5)[0], zero, np.zeros(32, dtype=np.int64)]
    lasts = [int(matrix[store, L.MTN]), t_load, t_load]
    rows = MWIT.word_rows(np.array(words), np.array(finals), np.array(lasts), 0, b"")
    keep = IDLE_FIXED + [L.T_E, L.T_M, L.T_ONE, *range(L.T_F, L.T_F + L.T_FIELDS)]
    rows[:, keep] = block[:, keep]
    matrix[first:first + 3] = np.mod(rows, P).astype(np.uint64)
    latest = np.maximum.accumulate(np.where(matrix[:, L.CH_MREG] == 1, np.arange(matrix.shape[0]), -1))
    matrix[:, L.LASTW] = np.mod(np.where(latest >= 0, matrix[np.maximum(latest, 0), L.MW].astype(np.int64), -1), P)
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st, {"word rows strictly increase"}


def m_access_at_other_offset():
    """MLOAD at 1 is answered by an instance that reads at 2 (the one-hot moved by one)."""
    code = push(0x0102030405) + push(0) + b"\x52" + push(1) + b"\x51\x50\x00"
    matrix, st = memory_run(code)
    m2 = chiplet_row(matrix, L.CH_M2, 1)
    matrix[m2, L.W2_OFFSET + 1], matrix[m2, L.W2_OFFSET + 2] = 0, 1
    memory = (0x0102030405).to_bytes(32, "big") + bytes(64)
    return matrix, st, {BUS, *{f"MLOAD limb {k}" for k in range(32) if memory[1 + 31 - k] != memory[2 + 31 - k]}}


def m_msize_wrong():
    code = push(1) + push(0) + b"\x52\x59\x50\x00"
    steps, _ = run(code)
    steps[3] = replace(steps[3], pushes=(64,))
    steps[4] = replace(steps[4], pops=(64,))
    matrix, st = from_steps(code, steps)
    return matrix, st, {"MSIZE pushes 32·ms"}


def m_return_data_hidden():
    """RETURN(0, 4) claims to return nothing."""
    code = push(0x01020304) + push(0) + b"\x52" + push(4) + push(28) + b"\xf3"
    steps, res = run(code)
    matrix, st = build_trace(code, GAS, steps, res.status, res.gas_left, b"", check_ranges=False, env=ENV)
    return matrix, st, {BUS}


def m_return_data_altered():
    """RETURN(28, 4) of 01 02 03 04 claims 01 02 03 05 (the table holds the claimed bytes)."""
    code = push(0x01020304) + push(0) + b"\x52" + push(4) + push(28) + b"\xf3"
    matrix, st = memory_run(code)
    fake = b"\x01\x02\x03\x05"
    rebuild_table(matrix, code, 28, fake)
    return matrix, replace(st, output=fake), {BUS}


def m_output_without_return():
    """A run that STOPs claims the bytes it left in memory as its output."""
    code = push(0x01020304) + push(0) + b"\x52\x00"
    steps, res = run(code)
    matrix, st = build_trace(code, GAS, steps, res.status, res.gas_left, b"\x01\x02\x03\x04",
                             check_ranges=False, output_offset=28, env=ENV)
    return matrix, st, {"a once entry is looked up exactly once"}


# ---- environment -----------------------------------------------------------------------------------

def calldata_word(i: int) -> int:
    return int.from_bytes((CALLDATA[i:] + bytes(32))[:32], "big")


def m_caller_wrong():
    """CALLER pushes an address that is not the public caller."""
    matrix, st = false_result(b"\x33\x50\x00", 0, 0xBAD)
    return matrix, st, {BUS}


def _env_value_wrong(op: int, value: int):
    """The opcode ``op`` pushes ``value``, which is not the public value of its kind."""
    matrix, st = false_result(bytes([op]) + b"\x50\x00", 0, value)
    return matrix, st, {BUS}


def m_origin_wrong():
    """ORIGIN pushes the executing address (ADDRESS's entry, not ORIGIN's)."""
    return _env_value_wrong(0x32, ENV.address)


def m_gasprice_wrong():
    """GASPRICE pushes the call's value (CALLVALUE's entry)."""
    return _env_value_wrong(0x3A, ENV.value)


def m_chainid_wrong():
    """CHAINID pushes 0 (the value of the NUMBER, TIMESTAMP, GASPRICE and BASEFEE entries)."""
    return _env_value_wrong(0x46, 0)


def m_number_wrong():
    """NUMBER pushes 1 (CHAINID's value)."""
    return _env_value_wrong(0x43, ENV.chain_id)


def m_timestamp_wrong():
    """TIMESTAMP pushes a time the statement does not give."""
    return _env_value_wrong(0x42, 1_700_000_000)


def m_basefee_wrong():
    """BASEFEE pushes the calldata's size (CALLDATASIZE's entry)."""
    return _env_value_wrong(0x48, len(CALLDATA))


def m_calldataload_wrong_word():
    """CALLDATALOAD 3 pushes the calldata word from 4."""
    matrix, st = false_result(push(3) + b"\x35\x50\x00", 1, calldata_word(4))
    return matrix, st, {BUS}


def m_calldataload_claims_past_end():
    """CALLDATALOAD 3 claims its offset is past the calldata (result 0, gap 0)."""
    code = push(3) + b"\x35\x50\x00"
    matrix, st = false_result(code, 1, 0)
    matrix[rows_of(matrix, Group.CALLDATALOAD)[0], L.CDB] = 1
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st, {BUS}


def m_calldataload_past_end_nonzero():
    """CALLDATALOAD 45 (past the 40 bytes) pushes 1."""
    matrix, st = false_result(push(45) + b"\x35\x50\x00", 1, 1)
    return matrix, st, {"CALLDATALOAD past the data reads 0 (limb 0)"}


def m_calldataload_high_offset():
    """CALLDATALOAD 2^100 + 3 reads the word at 3 (its high bytes dropped)."""
    code = push(2**100 + 3) + b"\x35\x50\x00"
    matrix, st = false_result(code, 1, calldata_word(3))
    matrix[rows_of(matrix, Group.CALLDATALOAD)[0], L.CDA] = 1
    st = replace(st, calldata_words=None)        # the table holds the word at 3, as a cheat would ask
    rebuild_table(matrix, code, subset=st.subset)
    return matrix, st, {"cda = CALLDATALOAD at an offset below 2^24"}


# ---- copies ----------------------------------------------------------------------------------------

COPY_CODE = push(33) + push(3) + push(5) + b"\x37" + push(64) + push(0) + b"\xf3"
"""CALLDATACOPY of 33 calldata bytes from 3 to 5 (one 32-byte unit, one 1-byte unit), RETURN 64."""


def unit_rows(matrix: np.ndarray) -> np.ndarray:
    return rows_of(matrix, Group.COPYUNIT)


def m_copy_wrong_source():
    """The 32-byte unit writes calldata from 4 instead of 3 (memory and output agree with it)."""
    steps, res = run(COPY_CODE)
    matrix, st = witness_for_steps(COPY_CODE, steps, res)
    u = unit_rows(matrix)[0]
    matrix[u, L.LOFF] = (int(matrix[u, L.LOFF]) + 1) % P
    return matrix, st, {"loff = source key − offset", BUS}


def m_copy_ends_early():
    """CALLDATACOPY of 33 bytes stops after its 32-byte unit (the last byte is not written)."""
    code = COPY_CODE.replace(push(33), push(32), 1)
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    size_row, unit = rows_of(matrix, Group.COPYSIZE)[0], unit_rows(matrix)[0]
    matrix[rows_of(matrix, Group.PUSH)[0], L.W2_OFFSET] = 33       # the code pushes 33
    matrix[size_row, L.W0_OFFSET] = 33
    matrix[size_row, L.W2_OFFSET + COPY.WORDS] = 2                  # 3 gas a word: 2 words
    matrix[size_row, L.W2_OFFSET + COPY.RR], matrix[size_row, L.W2_OFFSET + COPY.RRC] = 31, 0
    matrix[size_row, L.ZINV2] = inv_scalar(33)
    shift_gas(matrix, size_row, -3)
    matrix[unit, L.CPREM] = matrix[size_row, L.CPSIZE] = matrix[unit, L.CPSIZE] = 33
    matrix[unit, L.W2_OFFSET + COPY.LEFT] = 1
    rebuild_table(matrix, COPY_CODE, st.output_offset, st.output)
    return matrix, replace(st, code=COPY_CODE, gas_used=st.gas_used + 3), {"the last unit ends the copy"}


def m_copy_past_end_unchecked():
    """A 1-byte unit from calldata's end claims its byte is inside the data (it looks up the end word)."""
    code = push(1) + push(len(CALLDATA)) + push(0) + b"\x37\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    u = unit_rows(matrix)[0]
    matrix[u, L.UBEY] = 0
    matrix[u, L.W2_OFFSET + environment.GAP:L.W2_OFFSET + environment.GAP + 3] = 0
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st, {BUS}


def m_mcopy_wrong_word():
    """MCOPY's first write stores a word its read did not produce (one byte off)."""
    code = push(1) + push(7) + push(0) + b"\x53" + push(33) + push(0) + push(40) + b"\x5e" + push(96) + push(0) + b"\xf3"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    first_write = int(np.nonzero((matrix[:, L.U_WW] == 1))[0][0])
    add(matrix, first_write, L.W1_OFFSET + 31, 1)
    set_multiplicities(matrix, code, st.output_offset, st.output, ENV)
    return matrix, st, {BUS}


def copy_bumps(m: np.ndarray) -> list[tuple[str, int, int, int]]:
    """One cell of a copy's rows (or a row near them) set to a wrong value."""
    op = rows_of(m, Group.CALLDATACOPY)[0]
    size_row = op + 1
    first, second = unit_rows(m)[:2]
    last = unit_rows(m)[-1]
    push_row = rows_of(m, Group.PUSH)[0]
    zero_size = rows_of(m, Group.COPYSIZE)[-1]
    out = []
    bump = lambda label, r, col, d: out.append((label, r, col, int(m[r, col]) + d))  # noqa: E731
    bump("stay + 1", op, L.STAY, 1)
    bump("COPYSIZE dropped", size_row, L.sel(Group.COPYSIZE), -1)
    bump("COPYSIZE after a PUSH", push_row + 1, L.sel(Group.COPYSIZE), 1)
    bump("first unit dropped", first, L.sel(Group.COPYUNIT), -1)
    bump("unit after a PUSH", push_row + 1, L.sel(Group.COPYUNIT), 1)
    bump("unit after a zero size", zero_size + 1, L.sel(Group.COPYUNIT), 1)
    bump("unit after the last", last + 1, L.sel(Group.COPYUNIT), 1)
    bump("second unit dropped", second, L.sel(Group.COPYUNIT), -1)
    bump("unit fails", first, L.E_OOG, 1)
    bump("copy offset byte 3", op, L.W0_OFFSET + 3, 1)
    bump("copy size byte 3", size_row, L.W0_OFFSET + 3, 1)
    bump("words + 1", size_row, L.W2_OFFSET + COPY.WORDS, 1)
    bump("31 − rr + 1", size_row, L.W2_OFFSET + COPY.RRC, 1)
    for col in ("CPDST", "CPSRC", "KCD", "KCODE"):
        bump(f"{col.lower()} into COPYSIZE + 1", size_row, getattr(L, col), 1)
    bump("cprem of the first unit + 1", first, L.CPREM, 1)
    bump("kcd on a PUSH", push_row, L.KCD, 1)
    for col in ("U_RW", "U_RB", "U_WW", "U_WB", "LASTU", "LASTR", "UBEY"):
        out.append((f"{col.lower()} = 2", first, getattr(L, col), 2))
    bump("lastu on a PUSH", push_row, L.LASTU, 1)
    bump("unit destination + 1", first, L.W0_OFFSET, 1)
    bump("unit destination byte 3", first, L.W0_OFFSET + 3, 1)
    bump("bytes left limb + 1", first, L.W2_OFFSET + COPY.LEFT, 1)
    bump("cprem of the last unit + 1", last, L.CPREM, 1)
    bump("cpdst of the first unit + 1", first, L.CPDST, 1)
    bump("cpsrc of the first unit + 1", first, L.CPSRC, 1)
    bump("cpdst of the second unit + 1", second, L.CPDST, 1)
    bump("cpsrc of the second unit + 1", second, L.CPSRC, 1)
    bump("cprem of the second unit + 1", second, L.CPREM, 1)
    bump("kcd of the second unit + 1", second, L.KCD, 1)
    bump("kcode of the second unit + 1", second, L.KCODE, 1)
    return out


def mcopy_bumps(m: np.ndarray) -> list[tuple[str, int, int, int]]:
    """MCOPY's read and write phases: the read/write order, the hand-over and the buffer keys."""
    reads_ = np.nonzero((m[:, L.U_RW] + m[:, L.U_RB]) == 1)[0]
    writes = np.nonzero((m[:, L.U_WW] + m[:, L.U_WB]) == 1)[0]
    last_read = int(np.nonzero(m[:, L.LASTR] == 1)[0][0])
    out = []
    bump = lambda label, r, col, d: out.append((label, r, col, int(m[r, col]) + d))  # noqa: E731
    bump("second read becomes a write", reads_[1], L.U_RW, -1)
    out.append(("second read becomes a write (type)", reads_[1], L.U_WW, 1))
    bump("first write becomes a read", writes[0], L.U_WW, -1)
    out.append(("first write becomes a read (type)", writes[0], L.U_RW, 1))
    bump("lastr dropped", last_read, L.LASTR, -1)
    bump("lastr on a write", writes[0], L.LASTR, 1)
    bump("first write's bytes left + 1", writes[0], L.CPREM, 1)
    bump("first write's destination + 1", writes[0], L.CPDST, 1)
    bump("copy id + 1", reads_[0], L.CPID, 1)
    bump("copy id on the copy row's next", reads_[0] - 1, L.CPID, 1)
    bump("kmc on a PUSH", 0, L.KMC, 1)
    bump("cpsize of the second read + 1", reads_[1], L.CPSIZE, 1)
    bump("ubey on an MCOPY unit", reads_[0], L.UBEY, 1)
    bump("read on a CALLDATACOPY-kind unit", reads_[0], L.KMC, -1)
    bump("kmc into COPYSIZE + 1", reads_[0] - 1, L.KMC, 1)
    bump("cpsize of the first read + 1", reads_[0], L.CPSIZE, 1)
    bump("lastu on the last read", last_read, L.LASTU, 1)
    return out


# ---- storage ---------------------------------------------------------------------------------------

def storage_run(code: bytes):
    trace = record_run(code, input=CALLDATA, value=77, gas=GAS, storage=STORAGE)
    steps, res = trace_to_steps(trace), trace.result
    return witness_for_steps(code, steps, res)


def m_sload_wrong_value():
    """SLOAD of slot 1 (holding 5) pushes 6."""
    code = push(1) + b"\x54\x50\x00"
    trace = record_run(code, input=CALLDATA, value=77, gas=GAS, storage=STORAGE)
    steps = trace_to_steps(trace)
    steps[1] = replace(steps[1], pushes=(6,))
    steps[2] = replace(steps[2], pops=(6,))
    matrix, st = from_steps(code, steps)
    return matrix, st, {"SLOAD leaves limb 0 as it was"}


def m_sstore_underpaid():
    """SSTORE setting the fresh slot 2 pays 100 instead of 22100."""
    code = push(3) + push(2) + b"\x55\x00"
    matrix, st = storage_run(code)
    r, s1 = rows_of(matrix, Group.SSTORE)[0], chiplet_row(matrix, L.CH_SST)
    matrix[r, L.SGAS] = matrix[s1, L.SC] = 100
    shift_gas(matrix, r, 22000)
    set_multiplicities(matrix, code, env=ENV, storage=st.storage)
    return matrix, replace(st, gas_used=st.gas_used - 22000), {"storage gas"}


def m_refund_inflated():
    """Clearing slot 1 (5 → 0) claims a refund of 4900 instead of 4800."""
    code = push(0) + push(1) + b"\x55\x00"
    matrix, st = storage_run(code)
    r, s1 = rows_of(matrix, Group.SSTORE)[0], chiplet_row(matrix, L.CH_SST)
    matrix[r, L.SREF] = matrix[s1, L.SR] = 4900
    matrix[r + 1:, L.RF] = 4900
    return matrix, replace(st, refund=4900), {"storage refund"}


def m_storage_stale_read():
    """After SSTORE 7 to slot 1, SLOAD reads the original 5 (naming the first version)."""
    code = push(7) + push(1) + b"\x55" + push(1) + b"\x54\x50\x00"
    trace = record_run(code, input=CALLDATA, value=77, gas=GAS, storage=STORAGE)
    steps = trace_to_steps(trace)
    steps[4] = replace(steps[4], pushes=(5,), slot_before=5)
    steps[5] = replace(steps[5], pops=(5,))
    matrix, st = from_steps(code, steps)
    s1 = chiplet_row(matrix, L.CH_SLD)
    matrix[s1, L.STP] = 0
    gap = int(matrix[s1, L.STN]) - 1
    matrix[s1 + 1, L.W2_OFFSET:L.W2_OFFSET + 3] = [gap & 0xFF, (gap >> 8) & 0xFF, gap >> 16]
    set_multiplicities(matrix, code, env=ENV, storage=st.storage)
    return matrix, st, {BUS}


def m_storage_wrong_original():
    """The statement says slot 1 held 4 before the run (the trace read 5)."""
    code = push(1) + b"\x54\x50\x00"
    matrix, st = storage_run(code)
    fake = replace(st, storage_initial=((1, 4),), storage_final=((1, 4),))
    rebuild_table(matrix, code, storage=fake.storage)
    return matrix, fake, {BUS}


def m_storage_final_hidden():
    """A successful run that wrote 7 to slot 1 claims it still holds 5."""
    code = push(7) + push(1) + b"\x55\x00"
    matrix, st = storage_run(code)
    fake = replace(st, storage_final=((1, 5),))
    rebuild_table(matrix, code, storage=fake.storage)
    return matrix, fake, {BUS}


def m_storage_warm_claimed():
    """The first SLOAD of slot 1 claims the slot was warm (and pays 100)."""
    code = push(1) + b"\x54\x50\x00"
    matrix, st = storage_run(code)
    r, s1 = rows_of(matrix, Group.SLOAD)[0], chiplet_row(matrix, L.CH_SLD)
    matrix[s1, L.SWB] = 1
    matrix[r, L.SGAS] = matrix[s1, L.SC] = 100
    shift_gas(matrix, r, 2000)
    set_multiplicities(matrix, code, env=ENV, storage=st.storage)
    return matrix, replace(st, gas_used=st.gas_used - 2000), {BUS}


def storage_bumps(m: np.ndarray) -> list[tuple[str, int, int, int]]:
    """One cell of a storage step, a storage chiplet row or a slot row set to a wrong value."""
    sload, sstore = rows_of(m, Group.SLOAD)[0], rows_of(m, Group.SSTORE)[0]
    s1 = chiplet_row(m, L.CH_SST)
    t1 = chiplet_row(m, L.CH_SLOT)
    idle = m.shape[0] - 3
    out = []
    bump = lambda label, r, col, d: out.append((label, r, col, int(m[r, col]) + d))  # noqa: E731
    bump("sgas on a PUSH", 0, L.SGAS, 1)
    bump("sref on a PUSH", 0, L.SREF, 1)
    bump("rf + 1", sload + 1, L.RF, 1)
    bump("succ + 1", sload, L.SUCC, 1)
    bump("SSTORE gas limb + 1", sstore, L.W2_OFFSET, 1)
    for name in ("ch_sld", "ch_sst", "ch_s2", "ch_slot", "ch_slot2"):
        out.append((f"{name} = 2 on an idle row", idle, getattr(L, name.upper()), 2))
    bump("S2 dropped", s1 + 1, L.CH_S2, -1)
    bump("S2 on an idle row", idle, L.CH_S2, 1)
    bump("T2 dropped", t1 + 1, L.CH_SLOT2, -1)
    bump("T2 on an idle row", idle, L.CH_SLOT2, 1)
    bump("gap limb + 1", s1 + 1, L.W2_OFFSET, 1)
    bump("first version time + 1", t1, L.STN, 1)
    out.append(("swb = 2", s1, L.SWB, 2))
    out.append(("swi = 2 on T2", t1 + 1, L.SWI, 2))
    out.append(("swi on a PUSH", 0, L.SWI, 1))
    sl = chiplet_row(m, L.CH_SLD)
    for k in range(32):
        bump(f"SLOAD value limb {k} changes", sl + 1, L.W0_OFFSET + k, 1)
        bump(f"T2 slot limb {k} + 1", t1 + 1, L.W2_OFFSET + k, 1)
    for i in range(6):
        bump(f"zero-test flag {i} + 1", s1, L.S_FLAGS + i, 1)
        bump(f"zero-test inverse {i} + 1", s1, L.S_INVS + i, 1)
    for i in range(5):
        bump(f"storage helper {i} + 1", s1, L.S_HELP + i, 1)
    out.append(("[o = c] claimed with its inverse 0", t1, [L.S_FLAGS, L.S_INVS], np.array([1, 0])))
    bump("sc + 1", s1, L.SC, 1)
    bump("sr + 1", s1, L.SR, 1)
    return out


# ---- multiplication and division -------------------------------------------------------------------

def mul_cheat(code: bytes, step: int, claimed: int, quotient: int, remainder: int):
    """``code``'s MUL/DIV/MOD at ``step`` claims ``claimed``, its chiplet instance written with the given
    Q and R (the chiplet's carries follow from them)."""
    matrix, st = false_result(code, step, claimed)
    group = Group(GROUP_OF_BYTE[code[[i for i, b in enumerate(code) if b in (0x02, 0x04, 0x06)][-1]]])
    flag = {Group.MUL: L.CH_MUL, Group.DIV: L.CH_DIV, Group.MOD: L.CH_MOD}[group]
    n1 = chiplet_row(matrix, flag)
    a, b = (int.from_bytes(bytes(matrix[n1, off:off + 32].astype(np.uint8)), "little")
            for off in (L.W0_OFFSET, L.W1_OFFSET))
    small = matrix[rows_of(matrix, group)[0], L.ZFLAG2]  # the CPU's second zero test travels with the request
    block = CW.mul_rows(np.array([int(group)]), words_of(a), words_of(b), words_of(claimed), np.array([small]),
                        [quotient], [remainder])
    keep = IDLE_FIXED + [L.T_E, L.T_M, L.T_ONE, *range(L.T_F, L.T_F + L.T_FIELDS)]
    block[:, keep] = matrix[n1 - 1:n1 + 5, keep].astype(np.int64)
    matrix[n1 - 1:n1 + 5] = np.mod(block, P).astype(np.uint64)
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st


def m_mul_result():
    """MUL 7 · 9 claims 64 (the chiplet's carries are those of 63)."""
    code = push(7) + push(9) + b"\x02\x50\x00"
    matrix, st = mul_cheat(code, 2, 63, 9, 0)
    matrix[chiplet_row(matrix, L.CH_N2), L.W0_OFFSET] = 64
    for r in (rows_of(matrix, Group.MUL)[0], rows_of(matrix, Group.POP)[0]):
        matrix[r, L.W2_OFFSET if r == rows_of(matrix, Group.MUL)[0] else L.W0_OFFSET] = 64
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st, {"product pair 0"}


def m_mod_wraps_past_2_256():
    """MOD 2^255 by 3 claims 0, with a quotient q = 2^255 / 3 mod 2^256: q·3 = 2^255 modulo 2^256 only."""
    code = push(3) + push32(2**255) + b"\x06\x50\x00"
    q = 2**255 * pow(3, -1, 2**256) % 2**256
    matrix, st = mul_cheat(code, 2, 0, q, 0)
    return matrix, st, {"product pair 16 (no high half)"}


def m_div_remainder_too_big():
    """DIV 7 by 2 claims 2, remainder 3 (2·2 + 3 = 7, but 3 ≥ 2)."""
    code = push(2) + push(7) + b"\x04\x50\x00"
    matrix, st = mul_cheat(code, 2, 2, 2, 3)
    return matrix, st, {"remainder below divisor, pair 15"}  # 3 + d + 1 = 2 only past 2^256


def m_div_by_zero_nonzero():
    """DIV 5 by 0 claims 1."""
    matrix, st = false_result(push(0) + push(5) + b"\x04\x50\x00", 2, 1)
    return matrix, st, {"division by zero gives 0"}


def m_div_claims_zero_divisor():
    """DIV 5 by 3 claims its divisor is 0 (result 0, no chiplet)."""
    code = push(3) + push(5) + b"\x04\x50\x00"
    steps, _ = run(code)
    steps[2] = replace(steps[2], pushes=(0,))
    steps[3] = replace(steps[3], pops=(0,))
    matrix, st = from_steps(code, steps)
    r = rows_of(matrix, Group.DIV)[0]
    matrix[r, L.ZFLAG2], matrix[r, L.ZINV2], matrix[r, L.ASKD] = 1, 0, 0
    start = chiplet_row(matrix, L.CH_N0)
    keep = IDLE_FIXED + [L.T_E, L.T_M, L.T_ONE, *range(L.T_F, L.T_F + L.T_FIELDS)]
    idle = np.zeros((6, L.WIDTH), dtype=np.uint64)  # the instance's rows made idle
    idle[:, L.CH_POW] = 1
    idle[:, keep] = matrix[start:start + 6, keep]
    matrix[start:start + 6] = idle
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st, {"zflag2 · z2 = 0"}


def signed_cheat(code: bytes, step: int, claimed: int, **overrides):
    """``code``'s SDIV/SMOD at ``step`` claims ``claimed``, its four signed rows and unsigned instance
    written with the given overrides (see :func:`circuits.vm.chiplet_witness.signed_rows`)."""
    matrix, st = false_result(code, step, claimed)
    group = Group(GROUP_OF_BYTE[code[[i for i, b in enumerate(code) if b in (0x05, 0x07)][-1]]])
    c = chiplet_row(matrix, L.CH_SDIV if group == Group.SDIV else L.CH_SMOD)
    a, b = (int.from_bytes(bytes(matrix[c, off:off + 32].astype(np.uint8)), "little")
            for off in (L.W0_OFFSET, L.W1_OFFSET))
    block = CW.signed_rows(np.array([int(group)]), words_of(a), words_of(b), words_of(claimed), np.array([0]),
                           **overrides)
    keep = IDLE_FIXED + [L.T_E, L.T_M, L.T_ONE, *range(L.T_F, L.T_F + L.T_FIELDS)]
    block[:, keep] = matrix[c:c + CW.SIGNED_TOTAL_ROWS, keep].astype(np.int64)
    matrix[c:c + CW.SIGNED_TOTAL_ROWS] = np.mod(block, P).astype(np.uint64)
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st


NEGATED = "result negated iff sa ≠ sb (SDIV) or sa = 1 (SMOD)"


def m_sdiv_quotient_sign_wrong():
    """SDIV(−7, 2) claims 3 (not −3) by calling the result not negated (n = 0, relayed to rows N and I)."""
    code = push(2) + push32(2**256 - 7) + b"\x05\x50\x00"
    matrix, st = signed_cheat(code, 2, 3, negations=[0])
    return matrix, st, {NEGATED}


def m_sdiv_result_not_negation():
    """SDIV(−7, 2) claims 3 with the honest negation flag: 3 + X = 3 + 3 is neither 0 nor 2^256."""
    code = push(2) + push32(2**256 - 7) + b"\x05\x50\x00"
    matrix, st = signed_cheat(code, 2, 3)
    return matrix, st, {"signed result pair 0"}


def m_sdiv_overflow_claimed_big():
    """SDIV(−2^255, −1) claims 2^255 + 1 with X = Q = 2^255 + 1: Q · 1 + 0 ≠ |a| = 2^255."""
    code = push32(2**256 - 1) + push32(2**255) + b"\x05\x50\x00"
    big = 2**255 + 1
    matrix, st = signed_cheat(code, 2, big, magnitudes=[big], quotients=[big], remainders=[0])
    return matrix, st, {"product pair 0"}


def m_smod_remainder_sign_wrong():
    """SMOD(−7, 2) claims 1 (not −1) by calling the result not negated."""
    code = push(2) + push32(2**256 - 7) + b"\x07\x50\x00"
    matrix, st = signed_cheat(code, 2, 1, negations=[0])
    return matrix, st, {NEGATED}


def m_sdiv_sign_bit_hidden():
    """SDIV(−7, 2) claims (2^256 − 7) // 2 by calling −7 non-negative (sa = 0 with the helper still 254)."""
    code = push(2) + push32(2**256 - 7) + b"\x05\x50\x00"
    matrix, st = signed_cheat(code, 2, (2**256 - 7) // 2, signs=([0], [0]))
    matrix[chiplet_row(matrix, L.CH_SDIV), L.W2_OFFSET + 15] = 254
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st, {"signed division ha = 2·(a_31 − 128·sa)"}


def m_smod_divisor_sign_bit_hidden():
    """SMOD(7, −2) claims 7 mod (2^256 − 2) = 7 by calling −2 non-negative (sb = 0, helper still 254)."""
    code = push32(2**256 - 2) + push(7) + b"\x07\x50\x00"
    matrix, st = signed_cheat(code, 2, 7, signs=([0], [0]))
    matrix[chiplet_row(matrix, L.CH_SMOD), L.W2_OFFSET + 31] = 254
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st, {"signed division hb = 2·(b_31 − 128·sb)"}


def m_smod_asks_div():
    """SMOD(7, 2) asks the multiplication chiplet for DIV (X = 3) and claims 3."""
    code = push(2) + push(7) + b"\x07\x50\x00"
    matrix, st = signed_cheat(code, 2, 3, magnitudes=[3])
    i = chiplet_row(matrix, L.CH_SR)
    matrix[i, L.CH_SR], matrix[i, L.CH_SQ] = 0, 1
    n1 = chiplet_row(matrix, L.CH_MOD)
    matrix[n1, L.CH_MOD], matrix[n1, L.CH_DIV] = 0, 1
    return matrix, st, {"row I asks MOD exactly for SMOD"}


def signed_bumps(m: np.ndarray) -> list[tuple[str, int, int, int]]:
    """One cell of an SDIV or SMOD instance's signed rows set to a wrong value."""
    idle = m.shape[0] - 3
    out = []
    bump = lambda label, r, col, d: out.append((label, r, col, int(m[r, col]) + d))  # noqa: E731
    for name in ("ch_sdiv", "ch_smod", "ch_sd2", "ch_sq", "ch_sr", "ch_sd4"):
        out.append((f"{name} = 2 on an idle row", idle, getattr(L, name.upper()), 2))
    for flag in (L.CH_SDIV, L.CH_SMOD):
        c = chiplet_row(m, flag)
        for row, col in ((c, flag), (c + 1, L.CH_SD2), (c + 2, L.CH_SQ if flag == L.CH_SDIV else L.CH_SR),
                         (c + 3, L.CH_SD4)):
            bump(f"signed row {row - c} flag dropped", row, col, -1)
            bump(f"signed row {row - c} flag on an idle row", idle, col, 1)
        bump("SMOD kind on row N flipped", c + 1, L.CH_INR, 1 - 2 * int(m[c + 1, L.CH_INR]))
        bump("negation flag flipped on C", c, L.CH_M, 1 - 2 * int(m[c, L.CH_M]))
        bump("negation flag flipped on N", c + 1, L.CH_M, 1 - 2 * int(m[c + 1, L.CH_M]))
        bump("negation flag flipped on I", c + 2, L.CH_M, 1 - 2 * int(m[c + 2, L.CH_M]))
        bump("ha + 2", c, L.W2_OFFSET + 15, 2)
        bump("hb + 2", c, L.W2_OFFSET + 31, 2)
        for k in range(15):
            bump(f"|a| carry {k} = 2", c, L.W2_OFFSET + k, 2 - int(m[c, L.W2_OFFSET + k]))
            bump(f"|b| carry {k} = 2", c, L.W2_OFFSET + 16 + k, 2 - int(m[c, L.W2_OFFSET + 16 + k]))
        for k in range(16):
            bump(f"|a| pair {k} + 1", c + 1, L.W1_OFFSET + 2 * k, 1)
            bump(f"|b| pair {k} + 1", c + 1, L.W2_OFFSET + 2 * k, 1)
            bump(f"result carry {k} = 2", c + 3, L.W1_OFFSET + k, 2 - int(m[c + 3, L.W1_OFFSET + k]))
            bump(f"signed result pair {k} + 1", c + 2, L.W2_OFFSET + 2 * k, 1)
        for k in range(32):
            bump(f"|a| byte {k} copy + 1", c + 2, L.W0_OFFSET + k, 1)
            bump(f"|b| byte {k} copy + 1", c + 2, L.W1_OFFSET + k, 1)
            bump(f"result byte {k} copy + 1", c + 2, L.W2_OFFSET + k, 1)
    return out


def signed_run():
    """SDIV(−2^255, −1), SMOD(−7, 2) and SDIV(7, −2): every sign case the bumps reach."""
    code = (push32(2**256 - 1) + push32(2**255) + b"\x05\x50" + push(2) + push32(2**256 - 7) + b"\x07\x50"
            + push32(2**256 - 2) + push(7) + b"\x05\x50\x00")
    return memory_run(code)


def mul_bumps(m: np.ndarray) -> list[tuple[str, int, int, int]]:
    """One cell of a DIV or MUL instance set to a wrong value."""
    n1 = chiplet_row(m, L.CH_DIV)
    mul1 = chiplet_row(m, L.CH_MUL)
    idle = m.shape[0] - 3
    out = []
    bump = lambda label, r, col, d: out.append((label, r, col, int(m[r, col]) + d))  # noqa: E731
    for name in ("ch_n0", "ch_mul", "ch_div", "ch_mod", "ch_n2", "ch_n3", "ch_n4", "ch_n5"):
        out.append((f"{name} = 2 on an idle row", idle, getattr(L, name.upper()), 2))
    for row, name in ((n1 - 1, "N0"), (n1, "N1"), (n1 + 1, "N2"), (n1 + 2, "N3"), (n1 + 3, "N4"), (n1 + 4, "N5")):
        flag = {"N0": L.CH_N0, "N1": L.CH_DIV, "N2": L.CH_N2, "N3": L.CH_N3, "N4": L.CH_N4, "N5": L.CH_N5}[name]
        bump(f"{name} flag dropped", row, flag, -1)
        bump(f"{name} flag on an idle row", idle, flag, 1)
    for k in range(16):
        bump(f"borrow {k} = 2", n1 - 1, L.W0_OFFSET + k, 2 - int(m[n1 - 1, L.W0_OFFSET + k]))
        bump(f"d pair {k} + 1", n1 - 1, L.W2_OFFSET + 2 * k, 1)
    for k in range(32):
        bump(f"carry {k} + 1", n1 + 1, L.W1_OFFSET + k, 1)
        bump(f"carry copy {k} + 1", n1 + 2, L.W1_OFFSET + k, 1)
        bump(f"carry high byte {k} + 1", n1 + 3, L.W2_OFFSET + k, 1)
        bump(f"carry high byte + 192 {k} + 1", n1 + 4, L.W2_OFFSET + k, 1)
        bump(f"MUL Q limb {k} + 1", mul1 + 1, L.W2_OFFSET + k, 1)
        bump(f"MUL R limb {k} + 1", mul1, L.W2_OFFSET + k, 1)
        bump(f"DIV result limb {k} + 1", n1 + 1, L.W0_OFFSET + k, 1)
    mod1 = chiplet_row(m, L.CH_MOD)
    for k in range(32):
        bump(f"MOD result limb {k} + 1", mod1 + 1, L.W0_OFFSET + k, 1)
    bump("askd on a PUSH", 0, L.ASKD, 1)
    return out


# ---- hashes and logs --------------------------------------------------------------------------------

HASH_CODE = (push32(2**256 - 3) + push(0) + b"\x52" + push32(0xC0FFEE << 100) + push(32) + b"\x52"
             + push(64) + push(3) + b"\x20\x50" + push(33) + push(5) + b"\x20\x50\x00")
"""Two words stored, then KECCAK256 of 64 bytes at 3 (two word units) and of 33 at 5 (a word and a byte)."""
LOG_CODE = (push32(2**256 - 3) + push(0) + b"\x52" + push32(2**255 + 9) + push32(2**256 - 1) + push(0xAB)
            + push(33) + push(1) + b"\xa3" + push(0) + push(0) + b"\xa0\x00")
"""LOG3 of 33 bytes at 1 (full-word topics), then LOG0 of nothing."""


def claim_once(matrix: np.ndarray) -> None:
    """Every once entry claims exactly one lookup (a cheating prover satisfies once · (m − 1) = 0 and
    leaves the bus to catch it)."""
    once = (matrix[:, L.T_ONE] == 1) & (matrix[:, L.T_E] == 1)
    matrix[once, L.T_M] = 1


def public_cheat(code: bytes, **changes):
    """An honest run whose statement lists other hashes or logs; the table region holds the stated
    entries."""
    matrix, st = memory_run(code)
    bad = replace(st, **changes)
    rebuild_table(matrix, code, bad.output_offset, bad.output, bad.storage, bad.hashes, bad.logs)
    claim_once(matrix)
    return matrix, bad


def _flip(data: bytes, at: int, bit: int = 0) -> bytes:
    return data[:at] + bytes([data[at] ^ (1 << bit)]) + data[at + 1:]


def m_hash_message_byte_changed():
    """The statement lists a message with its byte 40 changed (the digest pushed is the true one)."""
    _, st = memory_run(HASH_CODE)
    (k, msg, dig), second = st.hashes
    matrix, bad = public_cheat(HASH_CODE, hashes=((k, _flip(msg, 40), dig), second))
    return matrix, bad, {BUS}


def m_hash_tail_byte_changed():
    """The statement lists the 33-byte message with its last byte (a byte unit) changed."""
    _, st = memory_run(HASH_CODE)
    first, (k, msg, dig) = st.hashes
    matrix, bad = public_cheat(HASH_CODE, hashes=(first, (k, _flip(msg, 32, 3), dig)))
    return matrix, bad, {BUS}


def m_hash_digest_bit_flipped():
    _, st = memory_run(HASH_CODE)
    (k, msg, dig), second = st.hashes
    matrix, bad = public_cheat(HASH_CODE, hashes=((k, msg, _flip(dig, 31, 7)), second))
    return matrix, bad, {BUS}


def m_hash_dropped():
    _, st = memory_run(HASH_CODE)
    matrix, bad = public_cheat(HASH_CODE, hashes=st.hashes[:1])
    return matrix, bad, {BUS}


def m_hash_added():
    """The statement lists a third hash no KECCAK256 step made (its entries are looked up by no row)."""
    matrix, st = memory_run(HASH_CODE)
    bad = replace(st, hashes=(*st.hashes, (st.hashes[-1][0] + 1, b"\x01", bytes(32))))
    rebuild_table(matrix, HASH_CODE, bad.output_offset, bad.output, bad.storage, bad.hashes, bad.logs)
    return matrix, bad, {"a once entry is looked up exactly once"}


def m_hashes_reordered():
    """The two (message, digest) pairs swap keys: each step is said to have hashed the other's message."""
    _, st = memory_run(HASH_CODE)
    (k1, m1, d1), (k2, m2, d2) = st.hashes
    matrix, bad = public_cheat(HASH_CODE, hashes=((k1, m2, d2), (k2, m1, d1)))
    return matrix, bad, {BUS}


def m_hash_pushes_other_word():
    """The first KECCAK256 pushes a word one off the listed digest (the POP takes that word)."""
    matrix, st = memory_run(HASH_CODE)
    r = rows_of(matrix, Group.KECCAK256)[0]
    pop = rows_of(matrix, Group.POP)[0]
    digest_low = int(matrix[r, L.W2_OFFSET])
    delta = 1 if digest_low < 255 else -1
    add(matrix, r, L.W2_OFFSET, delta)
    add(matrix, pop, L.W0_OFFSET, delta)
    set_multiplicities(matrix, HASH_CODE, env=ENV, hashes=st.hashes)
    claim_once(matrix)
    return matrix, st, {BUS}


def m_hash_word_gas_underpaid():
    """KECCAK256 of 64 bytes pays 6 gas instead of 12 (its second word unit pays nothing)."""
    matrix, st = memory_run(HASH_CODE)
    second = rows_of(matrix, Group.COPYUNIT)[1]
    matrix[second, L.UGAS] = 0
    shift_gas(matrix, second, 6)
    set_multiplicities(matrix, HASH_CODE, env=ENV, hashes=st.hashes)
    return matrix, replace(st, gas_used=st.gas_used - 6), {"ugas = a read unit's gas"}


def m_log_wrong_topic():
    _, st = memory_run(LOG_CODE)
    (k, topics, data), second = st.logs
    matrix, bad = public_cheat(LOG_CODE, logs=((k, (topics[0], topics[1] ^ 1 << 200, topics[2]), data), second))
    return matrix, bad, {BUS}


def m_log_topics_swapped():
    _, st = memory_run(LOG_CODE)
    (k, topics, data), second = st.logs
    matrix, bad = public_cheat(LOG_CODE, logs=((k, (topics[1], topics[0], topics[2]), data), second))
    return matrix, bad, {BUS}


def m_log_data_changed():
    _, st = memory_run(LOG_CODE)
    (k, topics, data), second = st.logs
    matrix, bad = public_cheat(LOG_CODE, logs=((k, topics, _flip(data, 32)), second))
    return matrix, bad, {BUS}


def m_log_dropped():
    _, st = memory_run(LOG_CODE)
    matrix, bad = public_cheat(LOG_CODE, logs=st.logs[:1])
    return matrix, bad, {BUS}


def m_log_added():
    """The statement lists a LOG1 no step emitted."""
    matrix, st = memory_run(LOG_CODE)
    bad = replace(st, logs=(*st.logs, (st.logs[-1][0] + 1, (5,), b"")))
    rebuild_table(matrix, LOG_CODE, bad.output_offset, bad.output, bad.storage, bad.hashes, bad.logs)
    return matrix, bad, {"a once entry is looked up exactly once"}


def m_log_topic_count_changed():
    """The statement drops the LOG3's last topic (as if it were a LOG2)."""
    _, st = memory_run(LOG_CODE)
    (k, topics, data), second = st.logs
    matrix, bad = public_cheat(LOG_CODE, logs=((k, topics[:2], data), second))
    return matrix, bad, {BUS}


def reads_run():
    """KECCAK256 of 33 bytes at 3, then LOG2 of 33 bytes at 2 with full-word topics."""
    code = (push32(2**256 - 5) + push(0) + b"\x52" + push(33) + push(3) + b"\x20\x50" + push32(2**255 + 1)
            + push32(2**256 - 2) + push(33) + push(2) + b"\xa2\x00")
    return memory_run(code)


def reads_bumps(m: np.ndarray) -> list[tuple[str, int, int, int]]:
    """One cell of a KECCAK256's or LOG's rows (or a row near them) set to a wrong value."""
    k, log = rows_of(m, Group.KECCAK256)[0], rows_of(m, Group.LOG)[0]
    u1, u2 = k + 1, k + 2
    t1, t2 = rows_of(m, Group.LOGTOPIC)[:2]
    l1, l2 = t2 + 1, t2 + 2
    out = []
    bump = lambda label, r, col, d: out.append((label, r, col, int(m[r, col]) + d))  # noqa: E731
    out += [("khash = 2", u1, L.KHASH, 2), ("klog = 2", l1, L.KLOG, 2), ("khash on a PUSH", 0, L.KHASH, 1),
            ("kcd on a hash unit", u1, L.KCD, 1), ("hash unit reads nothing", u1, L.U_RW, 0),
            ("ubey on a hash unit", u1, L.UBEY, 1), ("lastr on a hash unit", u1, L.LASTR, 1),
            ("KECCAK256 size byte 3", k, L.W1_OFFSET + 3, 1), ("KECCAK256 offset byte 3", k, L.W0_OFFSET + 3, 1),
            ("KECCAK256 stay dropped", k, L.STAY, 0), ("first hash unit khash = 0", u1, L.KHASH, 0),
            ("second hash unit khash = 0", u2, L.KHASH, 0), ("first log unit klog = 0", l1, L.KLOG, 0),
            ("second log unit klog = 0", l2, L.KLOG, 0), ("tidx on a PUSH", 0, L.TIDX, 1),
            ("topic row after a PUSH", 1, L.sel(Group.LOGTOPIC), 1), ("first topic index 1", t1, L.TIDX, 1),
            ("LOG stay dropped", log, L.STAY, 0)]
    bump("ugas + 1", u1, L.UGAS, 1)
    for col in ("CPSRC", "CPSIZE", "CPREM", "CPID"):
        bump(f"first hash unit {col.lower()} + 1", u1, getattr(L, col), 1)
        bump(f"second topic {col.lower()} + 1", t2, getattr(L, col), 1)
    bump("second topic index + 1", t2, L.TIDX, 1)
    return out


# ---- ADDMOD, MULMOD, EXP ----------------------------------------------------------------------------

def rewrite(matrix: np.ndarray, row: int, block: np.ndarray) -> None:
    """Replace the chiplet rows from ``row`` by ``block`` (keeping the columns the CPU fixes and the
    table region; the caller recomputes the multiplicities)."""
    block = block.copy()
    keep = IDLE_FIXED + [L.T_E, L.T_M, L.T_ONE, *range(L.T_F, L.T_F + L.T_FIELDS)]
    block[:, keep] = matrix[row:row + len(block), keep].astype(np.int64)
    matrix[row:row + len(block)] = np.mod(block, P).astype(np.uint64)


def word_at(matrix: np.ndarray, row: int, offset: int) -> int:
    return int.from_bytes(bytes(matrix[row, offset:offset + 32].astype(np.uint8)), "little")


def modular_cheat(code: bytes, step: int, claimed: int, **overrides):
    """``code``'s ADDMOD or MULMOD at ``step`` claims ``claimed``, its instance rebuilt with the given
    overrides (see :func:`circuits.vm.linked_witness.modular_rows`)."""
    matrix, st = false_result(code, step, claimed)
    h = chiplet_row(matrix, L.CH_HD)
    a, b, word = (word_at(matrix, r, off) for r, off in ((h, L.W0_OFFSET), (h, L.W1_OFFSET), (h + 1, L.W0_OFFSET)))
    modulus = word_at(matrix, h + 6, L.W1_OFFSET)
    block = LW.modular_rows(a, b, word, modulus, claimed, int(matrix[h, L.CH_SMALL]), int(modulus == 0), **overrides)
    rewrite(matrix, h, block)
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st


N_WIDE = 2**255 + 1
DIVIDEND = "V's dividend is b·a' or b + a'"


def m_mulmod_product_wraps():
    """MULMOD(2^255, 3, 2^255 + 1) = 2^255 − 2 claims 2^255 = (2^255·3 mod 2^256) mod N: the product
    wrapped at 2^256 before the reduction (V's dividend is the wrapped word's canonical digits)."""
    code = push32(N_WIDE) + push(3) + push32(2**255) + b"\x09\x50\x00"
    digits = np.zeros(32, dtype=np.int64)
    digits[15] = 0x8000  # 2^255 = 3·2^255 mod 2^256, where the honest digit sum is 3·2^15
    matrix, st = modular_cheat(code, 3, 2**255, digits=digits, quotients=(0, 0))
    return matrix, st, {DIVIDEND}


def m_addmod_loses_the_carry():
    """ADDMOD(2^255, 2^255 + 5, 2^255 + 7) = 2^255 − 2 claims 5 = ((a + b) mod 2^256) mod N: the sum's
    257th bit dropped (digit 15 is 0 instead of 2^16)."""
    code = push32(2**255 + 7) + push32(2**255 + 5) + push32(2**255) + b"\x08\x50\x00"
    digits = np.zeros(32, dtype=np.int64)
    digits[0] = 5
    matrix, st = modular_cheat(code, 3, 5, digits=digits, quotients=(0, 0))
    return matrix, st, {DIVIDEND}


def m_mulmod_remainder_too_big():
    """MULMOD(5, 7, 6) = 5 claims 11 = 5 + 6 with quotient 4: 4·6 + 11 = 35, but 11 ≥ N."""
    code = push(6) + push(7) + push(5) + b"\x09\x50\x00"
    matrix, st = modular_cheat(code, 3, 11, quotients=(0, 4))
    return matrix, st, {"remainder below divisor, pair 15"}


def m_addmod_reduced_wrong():
    """ADDMOD(9, 1, 7) = 3 claims 10 mod 7 with a' = 9 (not reduced): 0·7 + 9 = 9, but 9 ≥ 7."""
    code = push(7) + push(1) + push(9) + b"\x08\x50\x00"
    matrix, st = modular_cheat(code, 3, 3, reduced=9, quotients=(0, 1))
    return matrix, st, {"remainder below divisor, pair 15"}


def m_mulmod_zero_modulus_nonzero():
    """MULMOD(5, 7, 0) claims 35 (no division asked: N = 0)."""
    code = push(0) + push(7) + push(5) + b"\x09\x50\x00"
    matrix, st = modular_cheat(code, 3, 35)
    return matrix, st, {"a zero last operand gives [EXP]"}


def m_mulmod_as_addmod():
    """MULMOD(5, 7, 11) = 2 claims (5 + 7) mod 11 = 1: its rows say ADDMOD (mk = 0) against X's kind byte."""
    code = push(11) + push(7) + push(5) + b"\x09\x50\x00"
    matrix, st = false_result(code, 3, 1)
    h = chiplet_row(matrix, L.CH_HD)
    word = word_at(matrix, h + 1, L.W0_OFFSET)
    block = LW.modular_rows(5, 7, word - (1 << 32), 11, 1, 1, 0)  # built as an ADDMOD, then X's byte 4 put back
    block[1, L.W0_OFFSET + 4] = 1
    block[6, L.W0_OFFSET + 4] = 1
    rewrite(matrix, h, block)
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st, {"A's kind is X's byte 4"}


def m_link_word_not_clk():
    """MULMOD's link word names clk + 1 (everywhere it travels: the stack, both requests, the instance)."""
    code = push(11) + push(7) + push(5) + b"\x09\x50\x00"
    matrix, st = memory_run(code)
    r = rows_of(matrix, Group.MULMOD)[0]
    h = chiplet_row(matrix, L.CH_HD)
    for row, off in ((r, L.W2_OFFSET), (r + 1, L.W0_OFFSET), (h + 1, L.W0_OFFSET), (h + 6, L.W0_OFFSET)):
        add(matrix, row, off, 1)
    for row in range(h + 1, h + 7):
        add(matrix, row, L.MTN, 1)
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st, {"link word bytes 0…2 are the clk"}


def exp_cheat(code: bytes, step: int, claimed: int, **overrides):
    """``code``'s EXP at ``step`` claims ``claimed``, its instance rebuilt with the given overrides
    (see :func:`circuits.vm.linked_witness.exp_rows`)."""
    matrix, st = false_result(code, step, claimed)
    h = chiplet_row(matrix, L.CH_HD)
    a, w1, word = (word_at(matrix, r, off) for r, off in ((h, L.W0_OFFSET), (h, L.W1_OFFSET), (h + 1, L.W0_OFFSET)))
    g = chiplet_row(matrix, L.CH_FIN)
    e = word_at(matrix, g, L.W1_OFFSET)
    block = LW.exp_rows(a, w1, word, e, claimed, int(matrix[h, L.CH_SMALL]), int(e == 0), **overrides)
    rewrite(matrix, h, block)
    set_multiplicities(matrix, code, env=ENV)
    return matrix, st


def m_exp_wrong_result():
    """EXP(3, 5) = 243 claims 244: the last multiply's chiplet instance says 81·3 = 244 (its carries are
    those of 243)."""
    code = push(5) + push(3) + b"\x0a\x50\x00"
    matrix, st = exp_cheat(code, 2, 244)
    last = chiplet_row(matrix, L.CH_MUL, -1)
    add(matrix, last + 1, L.W0_OFFSET, 1)
    return matrix, st, {"product pair 0"}


def m_exp_bits_not_the_exponent():
    """EXP(3, 5) claims 3^6 = 729: the chain runs over 6's bits (110) while the fin row's e is 5."""
    code = push(5) + push(3) + b"\x0a\x50\x00"
    matrix, st = exp_cheat(code, 2, 729, bits=[1, 1, 0])
    return matrix, st, {"exponent bytes are e's"}


def m_exp_first_bit_zero():
    """EXP(3, 5) starts its chain at a leading 0 bit (0101): the same byte, but not from e's top bit."""
    code = push(5) + push(3) + b"\x0a\x50\x00"
    matrix, st = exp_cheat(code, 2, 243, bits=[0, 1, 0, 1])
    return matrix, st, {"the first bit is 1"}


def m_exp_underpaid_bytes():
    """EXP(3, 2^8) has a 2-byte exponent but its link word says 1: it pays 60 gas, not 110."""
    code = push(256) + push(3) + b"\x0a\x50\x00"
    matrix, st = memory_run(code)
    r = rows_of(matrix, Group.EXP)[0]
    h, g = chiplet_row(matrix, L.CH_HD), chiplet_row(matrix, L.CH_FIN)
    for row, off in ((r, L.W2_OFFSET), (r + 1, L.W0_OFFSET), (h + 1, L.W0_OFFSET), (g, L.W0_OFFSET)):
        add(matrix, row, off + 3, -1)
    shift_gas(matrix, r, 50)
    set_multiplicities(matrix, code, env=ENV)
    return matrix, replace(st, gas_used=st.gas_used - 50), {"the fin row's X byte 3 is the byte count"}


def m_exp_zero_exponent_gives_zero():
    """EXP(3, 0) claims 0 (the empty chain's B row holds 0, not 1)."""
    code = push(0) + push(3) + b"\x0a\x50\x00"
    matrix, st = exp_cheat(code, 2, 0)
    return matrix, st, {"a^0 = 1", "a zero last operand gives [EXP]"}


def linked_run():
    """ADDMOD and MULMOD with a modulus and with N = 0, EXP with a two-byte exponent and with e = 0."""
    code = (push(7) + push(5) + push(4) + b"\x08\x50" + push32(2**255 + 1) + push(3) + push32(2**255) + b"\x09\x50"
            + push(0) + push(7) + push(5) + b"\x09\x50" + push(0x0105) + push(3) + b"\x0a\x50" + push(0) + push(2)
            + b"\x0a\x50\x00")
    return memory_run(code)


def linked_bumps(m: np.ndarray) -> list[tuple[str, int, int, int]]:
    """One cell of an ADDMOD's, MULMOD's or EXP's rows (every limb of their words, their scalars and
    flags) set to a wrong value."""
    out = []
    bump = lambda label, r, col, d: out.append((label, r, col, int(m[r, col]) + d))  # noqa: E731
    idle = m.shape[0] - 3
    for name in ("ch_hd", "ch_fin", "ch_mq", "ch_mu", "ch_mpa", "ch_xs", "ch_xm", "ch_dw"):
        out.append((f"{name} = 2 on an idle row", idle, getattr(L, name.upper()), 2))
        bump(f"{name} on an idle row", idle, getattr(L, name.upper()), 1)
    add_row, exp_row = rows_of(m, Group.ADDMOD)[0], rows_of(m, Group.EXP)[0]
    bump("FINISH after a PUSH", 1, L.sel(Group.FINISH), 1)
    bump("ADDMOD's FINISH dropped", add_row + 1, L.sel(Group.FINISH), -1)
    for k in (0, 3, 4, 5):
        bump(f"ADDMOD link byte {k} + 1", add_row, L.W2_OFFSET + k, 1)
    bump("EXP gas + 1", exp_row + 1, L.GAS, 1)
    heads = [chiplet_row(m, L.CH_HD, i) for i in range(5)]
    rows = {}
    for i in (0, 1):  # ADDMOD, MULMOD: H, A, T, U, V, B, G, K
        rows.update({f"{i}{n}": heads[i] + j for j, n in enumerate("HATUVBGK")})
    s1 = chiplet_row(m, L.CH_XS)
    m_rows = np.nonzero(m[:, L.CH_XM] == 1)[0]
    zero_bit = int(next(r for r in m_rows if m[r, L.SWB] == 0))
    g_exp = chiplet_row(m, L.CH_FIN, 3)
    rows.update({"EH": heads[3], "EA": heads[3] + 1, "ES1": s1, "EM1": s1 + 1, "ES2": s1 + 2, "EM0": zero_bit,
                 "ES0": zero_bit + 1, "EML": int(m_rows[-1]), "EB": g_exp - 1, "EG": g_exp, "EK": g_exp + 1,
                 "ZA": heads[4] + 1, "ZB": heads[4] + 2})
    for name, r in rows.items():
        for word in (L.W0_OFFSET, L.W1_OFFSET, L.W2_OFFSET):
            for k in range(32):
                bump(f"{name} word {word} limb {k} + 1", r, word + k, 1)
        for col in (L.MTN, L.STP, L.STN, L.CH_SMALL, L.MT1, L.MT2, L.MW, L.SWB, L.CH_INR, *range(L.CH_BITS, L.CH_BITS + 3)):
            bump(f"{name} scalar {col} + 1", r, col, 1)
            out.append((f"{name} scalar {col} = 2", r, col, 2))
        for flag in ("CH_HD", "CH_FIN", "CH_MQ", "CH_MU", "CH_MPA", "CH_XS", "CH_XM"):
            bump(f"{name} {flag} flipped", r, getattr(L, flag), 1 - 2 * int(m[r, getattr(L, flag)]))
    dw = chiplet_row(m, L.CH_DW)
    bump("wide digit 20 + 1", dw, L.W0_OFFSET + 20, 1)
    bump("wide carry 31 + 1", dw + 1, L.W1_OFFSET + 31, 1)
    bump("wide remainder copy + 1", dw + 1, L.W0_OFFSET, 1)
    return out


# ---- account reads, transient storage and return data ---------------------------------------------

OTHER = 0xBEEF
SECOND = 0xFACE
READ_ACCOUNTS = {OTHER.to_bytes(20, "big"): (12345, bytes.fromhex("6001600055")),
                 SECOND.to_bytes(20, "big"): (6, b"")}
"""Accounts besides the caller and the contract in the world of the account-read cheats."""


def accounts_steps(code: bytes, storage=None):
    trace = record_run(code, input=CALLDATA, value=77, gas=GAS, storage=storage, accounts=READ_ACCOUNTS)
    return trace_to_steps(trace), trace.result


def accounts_run(code: bytes, storage=None):
    return witness_for_steps(code, *accounts_steps(code, storage))


def restate(matrix: np.ndarray, code: bytes, st: VmStatement) -> None:
    """Rewrite the table region for statement ``st`` of ``code`` (its accounts, self balance, transient
    slots and storage), with the code, calldata and AND entries the region holds now, counting the
    lookups as a cheating prover would."""
    from circuits.vm.witness import subset_in
    subset = subset_in(matrix.astype(np.int64), code)
    restate_statement(matrix, replace(st, code=code, pcs=subset.pcs, code_words=subset.code_words,
                                      and_keys=subset.and_keys, calldata_words=subset.calldata_words))


def _pushes_other(code: bytes, step: int, value: int):
    steps, _ = accounts_steps(code)
    steps[step] = replace(steps[step], pushes=(value,))
    steps[step + 1] = replace(steps[step + 1], pops=(value,))
    return from_steps(code, steps)


def m_balance_wrong():
    """BALANCE of 0xBEEF (holding 12345) pushes 12346; the statement lists the account as it is."""
    matrix, st = _pushes_other(push(OTHER) + b"\x31\x50\x00", 1, 12346)
    return matrix, st, {BUS}


def m_code_hash_wrong():
    """EXTCODEHASH of 0xBEEF pushes another hash."""
    matrix, st = _pushes_other(push(OTHER) + b"\x3f\x50\x00", 1, 2**256 - 1)
    return matrix, st, {BUS}


def m_selfbalance_wrong():
    """SELFBALANCE pushes 78; the statement says the contract holds 77."""
    code = b"\x47\x50\x00"
    matrix, st = _pushes_other(code, 0, 78)
    honest = replace(st, self_balance=77)
    restate(matrix, code, honest)
    return matrix, honest, {BUS}


def m_cold_read_charged_warm():
    """The first BALANCE of 0xBEEF (cold) claims the address was warm and pays 100."""
    code = push(OTHER) + b"\x31\x50\x00"
    matrix, st = accounts_run(code)
    r = rows_of(matrix, Group.BALANCE)[0]
    matrix[r, L.AWB], matrix[r, L.ACOLD] = 1, 0
    shift_gas(matrix, r, 2500)
    return matrix, replace(st, gas_used=st.gas_used - 2500), {BUS}


def m_warm_read_charged_cold():
    """The second read of 0xBEEF (warm) claims it was cold and pays 2600."""
    code = push(OTHER) + b"\x31\x50" + push(OTHER) + b"\x3b\x50\x00"
    matrix, st = accounts_run(code)
    r = rows_of(matrix, Group.EXTCODESIZE)[0]
    matrix[r, L.AWB], matrix[r, L.ACOLD] = 0, 1
    shift_gas(matrix, r, -2500)
    return matrix, replace(st, gas_used=st.gas_used + 2500), {BUS}


def m_account_dropped():
    """The statement leaves 0xFACE, which the run read, out of its accounts."""
    code = push(OTHER) + b"\x31\x50" + push(SECOND) + b"\x31\x50\x00"
    matrix, st = accounts_run(code)
    fake = replace(st, accounts=st.accounts[:1])
    restate(matrix, code, fake)
    return matrix, fake, {BUS}


def m_account_added():
    """The statement lists 0x5555, which the run never read, with an account row of its own (a chain
    that starts and ends at its first version) and a gap row for vtp − 1 = −1."""
    code = push(OTHER) + b"\x31\x50\x00"
    matrix, st = accounts_run(code)
    fake = replace(st, accounts=((0x5555, 0, 0, 0), *st.accounts))
    row, gap = matrix.shape[0] - 4, matrix.shape[0] - 3
    matrix[row, L.CH_ACCT] = 1
    matrix[row, L.W0_OFFSET:L.W0_OFFSET + 2] = [0x55, 0x55]
    matrix[row, L.GX] = P - 1
    matrix[gap, L.CH_GAP] = 1
    matrix[gap, L.W2_OFFSET:L.W2_OFFSET + 3] = [0xFF, 0xFF, P - 1]
    restate(matrix, code, fake)
    return matrix, fake, {BUS}


TSTORE_TLOAD = push(7) + push(1) + b"\x5d" + push(1) + b"\x5c\x50\x00"
"""TSTORE 7 to transient slot 1, then TLOAD it."""


def m_tload_value_not_stored():
    """After TSTORE 7 to transient slot 1, TLOAD of it pushes 5."""
    matrix, st = _pushes_other(TSTORE_TLOAD, 4, 5)
    return matrix, st, {BUS}


def m_tload_stale():
    """After TSTORE 7 to transient slot 1, TLOAD reads its first version (0), naming time 0."""
    matrix, st = _pushes_other(TSTORE_TLOAD, 4, 0)
    r = rows_of(matrix, Group.TLOAD)[0]
    old = int(matrix[r, L.GX])
    matrix[r, L.VTP], matrix[r, L.GX] = 0, r - 1
    gap = int(np.nonzero((matrix[:, L.CH_GAP] == 1) & (matrix[:, L.W2_OFFSET] == old))[0][0])
    matrix[gap, L.W2_OFFSET:L.W2_OFFSET + 3] = [(r - 1) & 0xFF, ((r - 1) >> 8) & 0xFF, (r - 1) >> 16]
    return matrix, st, {BUS}


def m_tstore_overwrites_another_value():
    """The second TSTORE to transient slot 1 (holding 7) claims it overwrote 3."""
    code = push(7) + push(1) + b"\x5d" + push(9) + push(1) + b"\x5d\x00"
    steps, _ = accounts_steps(code)
    steps[5] = replace(steps[5], slot_before=3)
    matrix, st = from_steps(code, steps)
    return matrix, st, {BUS}


def m_transient_leaks_to_storage():
    """After TSTORE 7 to transient slot 1, SLOAD of the persistent slot 1 (holding 5) pushes 7."""
    code = push(7) + push(1) + b"\x5d" + push(1) + b"\x54\x50\x00"
    steps, res = accounts_steps(code, STORAGE)
    _, honest = witness_for_steps(code, steps, res)
    steps[4] = replace(steps[4], pushes=(7,), slot_before=7)
    steps[5] = replace(steps[5], pops=(7,))
    matrix, _ = from_steps(code, steps)
    restate(matrix, code, honest)
    return matrix, honest, {BUS}


def m_returndatasize_nonzero():
    """RETURNDATASIZE pushes 1 while the statement lists its size as 0 (its entry is what the frames'
    composition checks against the last call's output)."""
    matrix, st = _pushes_other(b"\x3d\x50\x00", 0, 1)
    assert st.returndata_sizes == ((0, 1),)
    bad = replace(st, returndata_sizes=((0, 0),))
    rebuild_table(matrix, b"\x3d\x50\x00", sizes=bad.returndata_sizes)
    claim_once(matrix)
    return matrix, bad, {BUS}


def m_returndatacopy_out_of_bounds_succeeds():
    """RETURNDATACOPY at offset 1 (out of the empty buffer) claims to complete."""
    code = push(0) + push(1) + push(0) + b"\x3e\x00"
    steps, _ = accounts_steps(code)
    steps = regas([*steps[:3], replace(steps[3], error=None), StepRecord(steps[3].pc + 1, 0x00, 0, 0, (), ())])
    matrix, st = from_steps(code, steps)
    return matrix, st, {"return data read out of bounds iff offset or size ≠ 0"}


def m_returndatacopy_false_out_of_bounds():
    """RETURNDATACOPY of nothing at offset 0 claims to read out of bounds (an exceptional halt)."""
    code = push(0) + push(0) + push(0) + b"\x3e\x00"
    steps, _ = accounts_steps(code)
    steps = [*steps[:3], replace(steps[3], error="OutOfBoundsRead")]
    matrix, st = from_steps(code, steps, status="error", gas_left=0)
    return matrix, st, {"return data read out of bounds iff offset or size ≠ 0"}


STATE_READ_MUTATIONS = [m_balance_wrong, m_code_hash_wrong, m_selfbalance_wrong, m_cold_read_charged_warm,
                        m_warm_read_charged_cold, m_account_dropped, m_account_added, m_tload_value_not_stored,
                        m_tload_stale, m_tstore_overwrites_another_value, m_transient_leaks_to_storage,
                        m_returndatasize_nonzero, m_returndatacopy_out_of_bounds_succeeds,
                        m_returndatacopy_false_out_of_bounds]


def state_reads_run():
    """BALANCE of 0xBEEF (cold), its EXTCODESIZE (warm), SELFBALANCE, RETURNDATASIZE, RETURNDATACOPY of
    nothing, TSTORE and TLOAD of transient slot 1."""
    code = (push(OTHER) + b"\x31\x50" + push(OTHER) + b"\x3b\x50\x47\x50\x3d\x50" + push(0) + push(0) + push(0)
            + b"\x3e" + TSTORE_TLOAD)
    return accounts_run(code)


def state_reads_bumps(m: np.ndarray) -> list[tuple[str, int, int, int]]:
    """One cell of an account read, a transient access, a return data step or their chiplet rows set to a
    wrong value."""
    read, tload = rows_of(m, Group.BALANCE)[0], rows_of(m, Group.TLOAD)[0]
    rds, size = rows_of(m, Group.RETURNDATASIZE)[0], rows_of(m, Group.RDSIZE)[0]
    acct, slot = chiplet_row(m, L.CH_ACCT), chiplet_row(m, L.CH_TSLOT)
    idle = m.shape[0] - 3
    out = []
    bump = lambda label, r, col, d: out.append((label, r, col, int(m[r, col]) + d))  # noqa: E731
    out += [("awb = 2", read, L.AWB, 2), ("e_rd = 2", size, L.E_RD, 2), ("e_rd on a PUSH", 0, L.E_RD, 1),
            ("e_rd on RDSIZE", size, L.E_RD, 1), ("RDSIZE dropped", size, L.sel(Group.RDSIZE), 0),
            ("RDSIZE after a PUSH", 1, L.sel(Group.RDSIZE), 1)]
    for label, r, col in (("acold", read, L.ACOLD), ("awn on a read", read, L.AWN), ("vtn on a read", read, L.VTN),
                          ("gx on a read", read, L.GX), ("account row vtn", acct, L.VTN),
                          ("account row awn", acct, L.AWN), ("account row gx", acct, L.GX),
                          ("slot row vtn", slot, L.VTN), ("RETURNDATASIZE word", rds, L.W2_OFFSET)):
        bump(f"{label} + 1", r, col, 1)
    for k in range(32):
        bump(f"TLOAD W1 limb {k} + 1", tload, L.W1_OFFSET + k, 1)
    for name in ("ch_acct", "ch_tslot", "ch_gap"):
        out.append((f"{name} = 2 on an idle row", idle, getattr(L, name.upper()), 2))
    return out


def relays(cur, nxt, betas) -> list:
    """ADDMOD's, MULMOD's and EXP's word copies: auxiliary constraints that read no auxiliary column."""
    return linked.aux_constraints(cur, nxt, betas) + modular.aux_constraints(cur, nxt, betas) + exp.relays(cur, nxt, betas)


def relay_violations(base: np.ndarray, bumps: list) -> list[set[str]]:
    """For each bump (as :func:`bumped_violations`), the word copies that fail at its row or the row
    before, under the test's challenges."""
    from circuits.values import BaseVec, ExtVec
    n = base.shape[0]
    cur_rows, nxt_rows, owner = [], [], []
    for i, (_, row, col, value) in enumerate(bumps):
        window = base[[(row - 1) % n, row % n, (row + 1) % n]].copy()
        window[1, col] = np.mod(value, P)
        cur_rows += [window[0], window[1]]
        nxt_rows += [window[1], window[2]]
        owner += [i, i]
    cur_m, nxt_m = np.array(cur_rows, dtype=np.uint64), np.array(nxt_rows, dtype=np.uint64)
    cur = L.Row([BaseVec(np.ascontiguousarray(cur_m[:, j])) for j in range(L.WIDTH)])
    nxt = L.Row([BaseVec(np.ascontiguousarray(nxt_m[:, j])) for j in range(L.WIDTH)])
    betas = beta_powers(_challenges()[1], bus.NUM_BETAS)
    out: list[set[str]] = [set() for _ in bumps]
    for c in relays(cur, nxt, betas):
        values = c.expr.v if isinstance(c.expr, ExtVec) else np.zeros((len(owner), 5), dtype=np.uint64)
        for k in np.nonzero(values.any(axis=1))[0]:
            out[owner[k]].add(c.name)
    return out


def witness_for_steps(code, steps, res):
    return build_trace(code, GAS, steps, res.status, res.gas_left, res.output, env=ENV)


def with_helpers(matrix: np.ndarray) -> np.ndarray:
    """``matrix`` with the storage zero tests recomputed for the words it holds."""
    full = matrix.astype(np.int64)
    SWIT.fill_zero_tests(full)
    return np.mod(full, P).astype(np.uint64)


def with_zero_tests(make):
    """The mutation with the storage zero tests recomputed on every row: they are helper columns a
    cheating prover fills in for whatever words it wrote, as the honest one does."""
    def build():
        matrix, statement, expected = make()
        return with_helpers(matrix), statement, expected
    build.__name__ = make.__name__
    return build


CATALOGUE = {f.__name__[2:]: with_zero_tests(f) for f in [
    m_add_result, m_not_result, m_carry_not_a_bit, m_lt_result, m_slt_sign_bit_hidden, m_sgt_sign_bit_hidden,
    m_slt_result, m_sign_bits_off_signed_rows, m_sign_helper_out_of_range, m_eq_claims_equal, m_iszero_claims_nonzero,
    m_stale_read, m_wrong_value_read, m_wrong_gas, m_skipped_instruction, m_jump_to_non_jumpdest,
    m_jump_target_high_bits, m_jumpi_zero_taken, m_push_value_not_in_code, m_unproven_opcode_as_add,
    m_pc_pushes_wrong, m_gas_pushes_wrong, m_false_out_of_gas, m_false_underflow,
    m_stack_overflow, m_wrong_stack_pointer, m_time_gap, m_addresses, m_fake_table_entry, m_table_flag,
    m_clock, m_two_selectors, m_selector_not_a_bit, m_flags_not_bits, m_two_error_kinds,
    m_false_overflow_low_sp, m_false_overflow_on_add, m_invalid_jump_on_pop, m_jumpi_zero_condition_halts,
    m_valid_target_gap_before, m_valid_target_gap_after, m_valid_target_made_up_gap,
    m_and_result, m_or_result, m_xor_result, m_bitwise_row2_unflagged, m_stray_bitwise_row2,
    m_shift_row2_unflagged, m_stray_shift_row2, m_shl_wrong_multiplier, m_shr_wrong_multiplier,
    m_shift_wrong_byte_position, m_shift_result_dropped, m_byte_big_index_in_range, m_byte_wrong_limb,
    m_byte_false_out_of_range, m_shift_one_hot_not_bits, m_shift_product_byte, m_shift_result,
    m_shift_claims_big, m_shift_claims_small, m_chiplet_on_live_row, m_chiplet_on_drain_row,
    m_two_chiplet_flags, m_idle_row_helpers, m_sar_sign_bit_hidden, m_sar_sign_fill_missing, m_sar_big_shift_positive,
    m_signextend_sign_bit_hidden, m_signextend_byte_not_extended, m_signextend_wrong_byte,
    m_signextend_false_out_of_range, m_signextend_big_index_in_range, m_sign_scalars_off_their_rows,
    m_expansion_short_end, m_expansion_quadratic_underpaid, m_expansion_not_grown, m_offset_high_byte_ignored,
    m_size_high_byte_ignored, m_mload_wrong_value, m_mstore_lost, m_mstore8_wrong_byte, m_read_time_not_earlier, m_stale_memory_read,
    m_init_not_zero, m_duplicate_word_row, m_access_at_other_offset, m_msize_wrong, m_return_data_hidden,
    m_return_data_altered, m_output_without_return, m_caller_wrong, m_origin_wrong, m_gasprice_wrong,
    m_chainid_wrong, m_number_wrong, m_timestamp_wrong, m_basefee_wrong, m_calldataload_wrong_word,
    m_calldataload_claims_past_end, m_calldataload_past_end_nonzero, m_calldataload_high_offset,
    m_copy_wrong_source, m_copy_ends_early, m_copy_past_end_unchecked, m_mcopy_wrong_word,
    m_sload_wrong_value, m_sstore_underpaid, m_refund_inflated, m_storage_stale_read, m_storage_wrong_original,
    m_storage_final_hidden, m_storage_warm_claimed, m_mul_result, m_mod_wraps_past_2_256, m_div_remainder_too_big,
    m_div_by_zero_nonzero, m_div_claims_zero_divisor, m_sdiv_quotient_sign_wrong, m_sdiv_result_not_negation,
    m_sdiv_overflow_claimed_big, m_smod_remainder_sign_wrong, m_sdiv_sign_bit_hidden, m_smod_divisor_sign_bit_hidden,
    m_smod_asks_div,
    m_hash_message_byte_changed, m_hash_tail_byte_changed, m_hash_digest_bit_flipped, m_hash_dropped, m_hash_added,
    m_hashes_reordered, m_hash_pushes_other_word, m_hash_word_gas_underpaid, m_log_wrong_topic, m_log_topics_swapped,
    m_log_data_changed, m_log_dropped, m_log_added, m_log_topic_count_changed,
    m_mulmod_product_wraps, m_addmod_loses_the_carry, m_mulmod_remainder_too_big, m_addmod_reduced_wrong,
    m_mulmod_zero_modulus_nonzero, m_mulmod_as_addmod, m_link_word_not_clk, m_exp_wrong_result,
    m_exp_bits_not_the_exponent, m_exp_first_bit_zero, m_exp_underpaid_bytes, m_exp_zero_exponent_gives_zero,
]}

PROVED_BY_DEFAULT = {"mod_wraps_past_2_256", "slt_sign_bit_hidden", "add_result", "carry_not_a_bit", "stale_read", "wrong_gas", "skipped_instruction",
                     "jump_to_non_jumpdest", "unproven_opcode_as_add", "fake_table_entry", "xor_result",
                     "shift_wrong_byte_position", "valid_target_made_up_gap", "false_overflow_low_sp",
                     "timestamp_wrong", "signextend_byte_not_extended", "sar_sign_bit_hidden",
                     "sdiv_quotient_sign_wrong", "hash_digest_bit_flipped", "log_wrong_topic",
                     "mulmod_product_wraps", "exp_underpaid_bytes"}
"""The cheats whose refused proofs run in the default test run (the rest are marked slow)."""
CATALOGUE.update({f.__name__[2:]: with_zero_tests(f) for f in STATE_READ_MUTATIONS})
CATALOGUE.update({f.__name__[2:]: with_zero_tests(f) for f in CALL_MUTATIONS})
PROVED_BY_DEFAULT |= {"cold_read_charged_warm", "tload_value_not_stored", "returndatacopy_out_of_bounds_succeeds"}


@pytest.mark.parametrize("name", sorted(CATALOGUE))
def test_mutation_is_caught_by_exactly_its_constraints(name):
    caught, expected = caught_by(name)
    assert caught == expected


@lru_cache(maxsize=None)
def caught_by(name: str) -> tuple[frozenset[str], frozenset[str]]:
    """(the constraints that catch mutation ``name``, the ones it is written to be caught by) —
    computed once per test session, shared by the exact-set test and the coverage table."""
    matrix, statement, expected = CATALOGUE[name]()
    return frozenset(violated(matrix, statement)), frozenset(expected)


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
    # the exponent check reads an EXP's fin row only (the catalogue's EXP cheats reach it); the word
    # copies read no auxiliary column (the coverage test's bumps reach them)
    sym = L.Row([Degree(1)] * L.WIDTH)
    copies = {c.name for c in relays(sym, sym, beta_powers(_challenges()[1], bus.NUM_BETAS))}
    assert set(names) <= caught | {"S2' = S2 + e·w", "exponent bytes are e's"} | copies, set(names) - caught


# ---- coverage ------------------------------------------------------------------------------------

def test_every_constraint_catches_a_mutation(capsys):
    """Every main and auxiliary constraint fails on some mutation (or tampered aux column); the table
    of constraints × mutations is printed."""
    table: dict[str, list[str]] = {n: [] for n in AIR.transition_names() + AIR.aux_transition_names()}
    for name in CATALOGUE:
        for c in caught_by(name)[0]:
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
    shifted = honest.copy()  # the exponent accumulator shifted: its steps hold, its start does not
    shifted[:, L.AUX_EXP, 0] = (shifted[:, L.AUX_EXP, 0] + 1) % P
    for c in violated(matrix, st, shifted):
        table.setdefault(c, []).append("exponent accumulator shifted")
    for c in ["gas starts at the gas limit", "gas left = gas limit − gas used", "status is the public status",
              "S2 ends at the public table sum"]:
        table.setdefault(c, []).append("changed public input")
    # single-cell bumps of a rich honest trace reach the remaining constraints and assertions
    base, st = honest_rich()
    for label, row, col, value in cell_bumps(base):
        m = base.copy()
        m[row, col] = value % P
        # a bump inside the trace meets only the transitions at its row and the one before; bumps of the
        # first or last row also meet the boundary assertions, checked in full
        caught = violated(m, st) if row in (0, base.shape[0] - 1) else local_violations(m, (row - 1, row))
        for c in caught:
            table.setdefault(c, []).append(label)
    for base, st, bumps in ((*honest_chiplets(), chiplet_bumps), (*honest_memory(), memory_bumps),
                            (*memory_run(push(50) + b"\x35\x50\x00"), environment_bumps),
                            (*memory_run(push(3) + b"\x35\x34\x50\x50\x00"), looked_up_word_bumps),
                            (*memory_run(COPY_CODE.replace(b"\xf3", b"") + push(0) + push(9) + push(9) + b"\x37"
                                         + push(64) + push(0) + b"\xf3"), copy_bumps),
                            (*memory_run(push(34) + push(1) + push(3) + b"\x5e" + push(64) + push(0) + b"\xf3"),
                             mcopy_bumps),
                            (*storage_run(push(1) + b"\x54\x50" + push(0) + push(1) + b"\x55\x00"), storage_bumps),
                            (*memory_run(push(3) + push32(2**255 + 5) + b"\x04\x50" + push(2**200) + push(7) + b"\x02\x50"
                                         + push(5) + push(13) + b"\x06\x50\x00"), mul_bumps),
                            (*signed_run(), signed_bumps), (*reads_run(), reads_bumps),
                            (*linked_run(), linked_bumps), (*state_reads_run(), state_reads_bumps),
                            (*calls_run(), calls_bumps)):
        assert not local_violations(base, range(base.shape[0]))
        listed = bumps(base)
        for (label, *_), caught in zip(listed, bumped_violations(base, listed)):
            for c in caught:
                table.setdefault(c, []).append(label)
        if bumps is linked_bumps:  # their word copies are auxiliary constraints on main columns only
            for (label, *_), caught in zip(listed, relay_violations(base, listed)):
                for c in caught:
                    table.setdefault(c, []).append(label)
        for col in (L.AUX_REQ, L.AUX_MREQ, L.AUX_SREQ, L.AUX_SVER):
            aux = AIR.build_aux_trace(base, _challenges(), st)
            aux[-1, col, 0] = 1
            for c in violated(base, st, aux):
                table.setdefault(c, []).append(f"fraction on the last row of aux {col}")
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
        ("ms at row 0", 0, L.MS, 1),
        ("mq at row 0", 0, L.MQ, 1),
        ("lastw at row 0", 0, L.LASTW, 0),
        ("COPYSIZE at row 0", 0, L.sel(Group.COPYSIZE), 1),
        ("rf at row 0", 0, L.RF, 1),
        ("succ at row 0", 0, L.SUCC, 1),
        ("rf at the end", n - 1, L.RF, 1),
        ("COPYUNIT at row 0", 0, L.sel(Group.COPYUNIT), 1),
        ("FINISH at row 0", 0, L.sel(Group.FINISH), 1),
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


def local_violations(m: np.ndarray, rows) -> set[str]:
    """Names of the main transition constraints that fail with ``cur`` at the given rows (a fast check
    for single-cell bumps: a cell of row r only enters the constraints at rows r − 1 and r)."""
    from circuits.values import BaseVec
    n = m.shape[0]
    rows = np.array([r % n for r in rows])
    cur = [BaseVec(np.ascontiguousarray(m[rows, j], dtype=np.uint64)) for j in range(L.WIDTH)]
    nxt = [BaseVec(np.ascontiguousarray(m[(rows + 1) % n, j], dtype=np.uint64)) for j in range(L.WIDTH)]
    cyclic = AIR.cyclic_transitions()
    out = set()
    for i, (name, c) in enumerate(zip(AIR.transition_names(), AIR.evaluate_transition(cur, nxt, None))):
        vals = c.v if isinstance(c, BaseVec) else np.full(len(rows), int(c) % P)
        bad = vals != 0
        if i not in cyclic:
            bad &= rows < n - 1
        if bad.any():
            out.add(name)
    return out


def bumped_violations(base: np.ndarray, bumps: list) -> list[set[str]]:
    """For each (label, row, column(s), value(s)) bump, the main transition constraints that fail at
    its row or the row before — all bumps evaluated in one pass over the stacked row pairs."""
    from circuits.values import BaseVec
    n = base.shape[0]
    cur_rows, nxt_rows, owner = [], [], []
    for i, (_, row, col, value) in enumerate(bumps):
        window = base[[(row - 1) % n, row % n, (row + 1) % n]].copy()
        window[1, col] = np.mod(value, P)  # col (and value) may name several cells of the row
        cur_rows += [window[0], window[1]]
        nxt_rows += [window[1], window[2]]
        owner += [(i, (row - 1) % n), (i, row % n)]
    cur_m, nxt_m = np.array(cur_rows, dtype=np.uint64), np.array(nxt_rows, dtype=np.uint64)
    cur = [BaseVec(np.ascontiguousarray(cur_m[:, j])) for j in range(L.WIDTH)]
    nxt = [BaseVec(np.ascontiguousarray(nxt_m[:, j])) for j in range(L.WIDTH)]
    cyclic = AIR.cyclic_transitions()
    out: list[set[str]] = [set() for _ in bumps]
    rows_at = np.array([r for _, r in owner])
    for i, (name, c) in enumerate(zip(AIR.transition_names(), AIR.evaluate_transition(cur, nxt, None))):
        vals = c.v if isinstance(c, BaseVec) else np.full(len(owner), int(c) % P)
        bad = vals != 0
        if i not in cyclic:
            bad &= rows_at < n - 1
        for k in np.nonzero(bad)[0]:
            out[owner[k][0]].add(name)
    return out


def honest_memory():
    from circuit_programs import nasty_memory
    code = nasty_memory()
    steps, res = run(code)
    return witness_for_steps(code, steps, res)


def memory_bumps(m: np.ndarray) -> list[tuple[str, int, int, int]]:
    """One cell of a memory step, a memory chiplet row or a word/output row set to a wrong value."""
    ld, st_, m2 = chiplet_row(m, L.CH_MLD, 1), chiplet_row(m, L.CH_MST, 1), chiplet_row(m, L.CH_M2, 1)
    st2 = st_ + 1
    reg, outr = chiplet_row(m, L.CH_MREG), chiplet_row(m, L.CH_MOUT)
    grow = int(np.nonzero(m[:, L.MG] == 1)[0][1])
    ret = rows_of(m, Group.RETURN)[0]
    msize = rows_of(m, Group.MSIZE)[0]
    idle = m.shape[0] - 3
    out = []
    for k in range(32):
        out += [(f"MLOAD value limb {k} + 1", ld, L.W2_OFFSET + k, int(m[ld, L.W2_OFFSET + k]) + 1),
                (f"MSTORE A' limb {k} + 1", st2, L.W0_OFFSET + k, int(m[st2, L.W0_OFFSET + k]) + 1),
                (f"MSTORE B' limb {k} + 1", st2, L.W1_OFFSET + k, int(m[st2, L.W1_OFFSET + k]) + 1),
                (f"memory one-hot {k} = 2", m2, L.W2_OFFSET + k, 2),
                (f"word row initial limb {k} = 1", reg, L.W0_OFFSET + k, 1),
                (f"output final copy {k} + 1", outr, L.W1_OFFSET + k, int(m[outr, L.W1_OFFSET + k]) + 1),
                (f"output mask {k} = 2", outr, L.W0_OFFSET + k, 2),
                (f"output masked {k} + 1", outr, L.W2_OFFSET + k, int(m[outr, L.W2_OFFSET + k]) + 1)]
    for name in ("ch_m0", "ch_mld", "ch_mst", "ch_mst8", "ch_msth", "ch_m2", "ch_mreg", "ch_mout"):
        out.append((f"{name} = 2 on an idle row", idle, getattr(L, name.upper()), 2))
    bump = lambda label, r, col, d: out.append((label, r, col, int(m[r, col]) + d))  # noqa: E731
    bump("xa + 1", grow, L.XA, 1)
    bump("mret + 1", ret, L.MRET, 1)
    bump("offset byte 3 + 1", grow, L.W0_OFFSET + 3, 1)
    bump("size byte 3 + 1", ret, L.W1_OFFSET + 3, 1)
    bump("ew + 1", grow, L.W2_OFFSET + M.EW, 1)
    bump("rr complement + 1", grow, L.W2_OFFSET + M.RRC, 1)
    bump("need + 1", grow, L.NEED, 1)
    bump("grow on a POP", rows_of(m, Group.POP)[0], L.MG, 1)
    out.append(("grow = 2", grow, L.MG, 2))
    bump("comparison limb + 1", grow, L.W2_OFFSET + M.CMP, 1)
    bump("bound limb + 1", grow, L.W2_OFFSET + M.BOUND, 1)
    bump("b limb + 1", grow, L.W2_OFFSET + M.B, 1)
    for i in M.BITS:
        out.append((f"expansion bit {i} = 2", grow, L.W2_OFFSET + i, 2))
    bump("ms + 1", grow + 1, L.MS, 1)
    bump("mq + 1", grow + 1, L.MQ, 1)
    bump("MSIZE word byte 0 + 1", msize, L.W2_OFFSET, 1)
    bump("MSIZE word byte 5 + 1", msize, L.W2_OFFSET + 5, 1)
    bump("M0 flag dropped", ld - 1, L.CH_M0, -1)
    bump("M2 flag dropped", ld + 1, L.CH_M2, -1)
    bump("M0 flag on an idle row", idle, L.CH_M0, 1)
    bump("M2 flag on an idle row", idle, L.CH_M2, 1)
    bump("gap A limb + 1", ld - 1, L.W2_OFFSET, 1)
    bump("gap B limb + 1", ld - 1, L.W2_OFFSET + 3, 1)
    bump("M2 word + 1", ld + 1, L.MW, 1)
    bump("M2 time A + 1", ld + 1, L.MT1, 1)
    bump("M2 time B + 1", ld + 1, L.MT2, 1)
    out.append(("one-hot emptied", m2, L.W2_OFFSET + int(np.argmax(m[m2, L.W2_OFFSET:L.W2_OFFSET + 32])), 0))
    bump("word row initial time + 1", reg, L.MT1, 1)
    bump("word row index + 1", reg, L.MW, 1)
    bump("lastw + 1", reg, L.LASTW, 1)
    bump("output flag on an idle row", idle, L.CH_MOUT, 1)
    bump("output row word + 1", outr, L.MW, 1)
    return out


def environment_bumps(m: np.ndarray) -> list[tuple[str, int, int, int]]:
    """A CALLDATALOAD past the calldata with a non-zero limb, or its flag out of range."""
    r = rows_of(m, Group.CALLDATALOAD)[0]
    out = [(f"past-the-end limb {k} = 1", r, L.W1_OFFSET + k, 1) for k in range(32)]
    out += [("cdb = 2", r, L.CDB, 2), ("cdb on a PUSH", 0, L.CDB, 1)]
    return out


def looked_up_word_bumps(m: np.ndarray) -> list[tuple[str, int, int, int]]:
    """A CALLDATALOAD that found its word, or CALLVALUE, pushing a W1 limb its W2 copy does not hold."""
    load, value = rows_of(m, Group.CALLDATALOAD)[0], rows_of(m, Group.CALLVALUE)[0]
    return [(f"{name} W1 limb {k} + 1", r, L.W1_OFFSET + k, int(m[r, L.W1_OFFSET + k]) + 1)
            for k in range(32) for name, r in (("CALLDATALOAD", load), ("CALLVALUE", value))]


def test_a_looked_up_word_of_non_byte_limbs_is_refused():
    """CALLVALUE 77 pushed as limbs (l, −l, 0, …) with l = −77/255: the first 3-byte chunk is
    l − 256·l = 77, the entry's, but ISZERO, whose zero test sums the limbs, sees 0 and claims the
    call carried no value — a non-payable check passed with value.  Every other constraint holds;
    the W2 copy of the looked-up word (range-checked) refuses it."""
    code = b"\x34\x15\x50\x00"                                    # CALLVALUE ISZERO POP STOP
    steps, _ = run(code)
    steps[1] = replace(steps[1], pushes=(1,))                      # ISZERO claims "zero"
    steps[2] = replace(steps[2], pops=(1,))
    matrix, st = from_steps(code, steps)
    r_value, r_zero = rows_of(matrix, Group.CALLVALUE)[0], rows_of(matrix, Group.ISZERO)[0]
    low = (-ENV.value * inv_scalar(255)) % P
    for r, base in ((r_value, L.W1_OFFSET), (r_zero, L.W0_OFFSET)):
        matrix[r, base], matrix[r, base + 1] = low, (P - low) % P
    matrix[r_zero, L.ZINV] = 0
    matrix[r_zero, L.ZFLAG] = matrix[r_zero, L.RES] = 1
    matrix = with_helpers(matrix)                                   # the storage zero tests every row fills
    caught = violated(matrix, st)
    assert caught == {"a looked-up word is range-checked through W2 (limb 0)",
                      "a looked-up word is range-checked through W2 (limb 1)"}, caught
    refused(matrix, st)


def honest_chiplets():
    """An honest trace with AND, OR, XOR, BYTE, SHL and SHR instances."""
    code = (push(V) + push(0xF0F0) + b"\x16" + push(3) + b"\x17" + push(V) + b"\x18" + push(9) + b"\x1b"
            + push(13) + b"\x1c" + push(30) + b"\x1a" + push(2**255) + b"\x1b\x50\x00")
    steps, res = run(code)
    return witness_for_steps(code, steps, res)


def chiplet_bumps(m: np.ndarray) -> list[tuple[str, int, int, int]]:
    """One cell of a chiplet row (or an idle row) set to a wrong value."""
    bw, shl = chiplet_row(m, L.CH_AND), chiplet_row(m, L.CH_SHL)
    idle = m.shape[0] - 3
    out = []
    for k in range(32):
        out.append((f"AND key {k} + 1", bw, L.W2_OFFSET + k, int(m[bw, L.W2_OFFSET + k]) + 1))
        out.append((f"SHL product byte {k} + 1", shl, L.W2_OFFSET + k, int(m[shl, L.W2_OFFSET + k]) + 1))
        out.append((f"SHL result byte {k} + 1", shl + 1, L.W0_OFFSET + k, int(m[shl + 1, L.W0_OFFSET + k]) + 1))
        out.append((f"SHL one-hot {k} = 2", shl + 1, L.W1_OFFSET + k, 2))
    for name in ("ch_and", "ch_or", "ch_xor", "ch_bw2", "ch_shl", "ch_shr", "ch_byte", "ch_sar", "ch_sx", "ch_sh2",
                 "e_of", "e_jd"):
        out.append((f"{name} = 2 on an idle row", idle, getattr(L, name.upper()), 2))
    for i in range(3):
        out.append((f"bit {i} = 2", idle, L.CH_BITS + i, 2))
    return out


def test_selector_booleanity_each_caught():
    code = b"\x5b\x00"
    steps, res = run(code)
    matrix, st = witness_for_steps(code, steps, res)
    r = matrix.shape[0] - 1
    for g in Group:
        m = matrix.copy()
        m[r, L.sel(g)] = 2
        assert f"s_{g.name.lower()} is 0 or 1" in local_violations(m, (r - 1, r))


def test_every_proven_opcode_has_a_constraint_group_and_a_mutation():
    """Each proven opcode's group has its constraint module and at least one cheat in the catalogue
    (or a dedicated test above) that targets it."""
    targeted = {
        Group.STOP: "skipped_instruction", Group.ADD: "add_result", Group.SUB: "unproven_opcode_as_add",
        Group.LT: "lt_result", Group.GT: "addresses", Group.EQ: "eq_claims_equal",
        Group.SLT: "slt_sign_bit_hidden", Group.SGT: "sgt_sign_bit_hidden",
        Group.ISZERO: "iszero_claims_nonzero", Group.NOT: "not_result", Group.POP: "stale_read",
        Group.PUSH0: "stack_overflow", Group.PUSH: "push_value_not_in_code", Group.DUP: "addresses",
        Group.SWAP: "addresses", Group.JUMP: "jump_to_non_jumpdest", Group.JUMPI: "jumpi_zero_taken",
        Group.PC: "pc_pushes_wrong", Group.GAS: "gas_pushes_wrong", Group.JUMPDEST: "skipped_instruction",
        Group.RETURN: "return_data_altered", Group.REVERT: "return_data_hidden", Group.INVALID: "false_underflow",
        Group.AND: "and_result", Group.OR: "or_result", Group.XOR: "xor_result", Group.BYTE: "byte_wrong_limb",
        Group.SHL: "shl_wrong_multiplier", Group.SHR: "shr_wrong_multiplier", Group.SAR: "sar_sign_bit_hidden",
        Group.SIGNEXTEND: "signextend_sign_bit_hidden", Group.MLOAD: "mload_wrong_value",
        Group.MSTORE: "mstore_lost", Group.MSTORE8: "mstore8_wrong_byte", Group.MSIZE: "msize_wrong",
        Group.CALLER: "caller_wrong", Group.CALLDATALOAD: "calldataload_wrong_word",
        Group.CALLDATACOPY: "copy_wrong_source", Group.CODECOPY: "copy_past_end_unchecked",
        Group.MCOPY: "mcopy_wrong_word", Group.SLOAD: "sload_wrong_value", Group.SSTORE: "sstore_underpaid",
        Group.MUL: "mul_result", Group.DIV: "div_remainder_too_big", Group.MOD: "mod_wraps_past_2_256",
        Group.SDIV: "sdiv_quotient_sign_wrong", Group.SMOD: "smod_remainder_sign_wrong", Group.COPYSIZE: "copy_ends_early", Group.COPYUNIT: "copy_wrong_source",
        Group.ORIGIN: "origin_wrong", Group.GASPRICE: "gasprice_wrong", Group.CHAINID: "chainid_wrong",
        Group.NUMBER: "number_wrong", Group.TIMESTAMP: "timestamp_wrong", Group.BASEFEE: "basefee_wrong",
        Group.KECCAK256: "hash_pushes_other_word", Group.LOG: "log_data_changed", Group.LOGTOPIC: "log_wrong_topic",
        Group.ADDMOD: "addmod_loses_the_carry", Group.MULMOD: "mulmod_product_wraps", Group.EXP: "exp_wrong_result",
        Group.FINISH: "link_word_not_clk",
    }
    # the other environment opcodes share CALLER's lookup: a wrong value has no entry
    for g in (Group.ADDRESS, Group.CALLVALUE, Group.CALLDATASIZE, Group.CODESIZE):
        targeted[g] = "caller_wrong"
    targeted.update({Group.SELFBALANCE: "selfbalance_wrong", Group.BALANCE: "balance_wrong",
                     Group.EXTCODESIZE: "warm_read_charged_cold", Group.EXTCODEHASH: "code_hash_wrong",
                     Group.RETURNDATASIZE: "returndatasize_nonzero",
                     Group.RETURNDATACOPY: "returndatacopy_out_of_bounds_succeeds",
                     Group.RDSIZE: "returndatacopy_false_out_of_bounds", Group.TLOAD: "tload_value_not_stored",
                     Group.TSTORE: "tstore_overwrites_another_value", Group.CALL: "call_gas_other",
                     Group.STATICCALL: "call_static_with_value_word", Group.CALLARG: "call_arguments_out_of_order",
                     Group.CALLEND: "call_success_recorded_failed", Group.CREATE: "create_pushes_other_address"})
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
        set_multiplicities(matrix, code, env=ENV)
        assert violated(with_helpers(matrix), st) == {"adder byte pair 1"}


def test_revert_and_invalid_status_are_bound():
    for code, honest_status in ((push(0) + push(0) + b"\xfd", 2), (b"\xfe", 3)):
        steps, res = run(code)
        matrix, st = witness_for_steps(code, steps, res)
        assert st.status == honest_status and violated(matrix, st) == set()
        assert violated(matrix, replace(st, status=1, gas_used=0 if honest_status == 3 else st.gas_used)) \
            >= {"status is the public status"}
