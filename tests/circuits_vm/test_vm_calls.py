"""CALL and STATICCALL frames: honest tables hold, a caller's proof verifies, a changed record does not.

Each case runs a contract that calls another (the l2 VM records it), builds every frame's table and
statement (:func:`l2.call_proofs.frame_witnesses`), checks that every constraint of every frame
holds, that the caller's statement lists the call as it happened, and that the statements put
together (:func:`l2.call_frames.compose`) are the transaction the VM ran.
"""

from __future__ import annotations

import random

import pytest
from call_mutations import (CALLEE, CALLING, NO_CODE, SENDER, TWO_CALLS_CODE, call_code, callee_code, fill_memory,
                            memory_word, record, with_call, world)
from circuit_programs import push

from circuits.air import find_violations
from circuits.extension import Ext
from circuits.field import P
from circuits.vm.air import VmAir
from circuits.vm import layout as L
from circuits.vm.call_record import CALL, STATICCALL
from circuits.vm.opcodes import Group
from l2.call_frames import StateView, compose, transaction_warm_set
from l2.call_proofs import frame_witnesses
from l2.vm import BlockEnv, TxEnv
from prover.stark import prove
from verifier.errors import VerificationError
from verifier.proof import ProofOptions
from verifier.stark import verify

AIR = VmAir()
OPTS = ProofOptions(blowup=8, num_queries=20, grinding_bits=2, fri_remainder_log=2)
KINDS = [pytest.param(CALL, id="CALL"), pytest.param(STATICCALL, id="STATICCALL")]


def violations(matrix, statement) -> set[str]:
    rng = random.Random(5)
    chal = [Ext([rng.randrange(P) for _ in range(5)]) for _ in range(2)]
    aux = AIR.build_aux_trace(matrix, chal, statement)
    return {v.name for v in find_violations(AIR, matrix, statement, aux, chal, limit=0)}


def proven_frames(code: bytes, accounts: dict[bytes, bytes] | None = None):
    """Every frame's (matrix, statement) of CALLING running ``code``, each checked to satisfy the
    constraints, and the statements checked to compose into the run's outcome."""
    trace = record(code, accounts)
    frames = frame_witnesses(trace, BlockEnv(), TxEnv(SENDER, 0))
    for w in frames:
        assert violations(w.matrix, w.statement) == set(), w.run.index
    top = trace.calls[0]
    composed = compose([w.statement for w in frames], StateView(world(code, accounts)), SENDER,
                       transaction_warm_set(SENDER, CALLING))
    assert composed.status == frames[0].statement.status
    assert composed.gas_used == top.gas - top.gas_left
    return [(w.matrix, w.statement) for w in frames]


def one_call(kind: int, in_size: int, out_size: int, length: int, revert: bool = False, out_offset: int = 5):
    """CALLING stores two words, then calls CALLEE with ``in_size`` bytes at 3 and ``out_size`` bytes at
    ``out_offset``; CALLEE echoes the input and returns (or reverts with) ``length`` bytes."""
    code = fill_memory(2) + call_code(kind, CALLEE, 3, in_size, out_offset, out_size) + b"\x50\x00"
    frames = proven_frames(code, {CALLEE: callee_code(length, revert)})
    (_, caller), (_, callee) = frames
    (rec,) = caller.calls
    memory = memory_word(0) + memory_word(1) + bytes(64)  # zero past the two stored words
    assert rec.kind == kind and rec.input == memory[3:3 + in_size] and callee.calldata == rec.input
    assert rec.output == callee.output and len(rec.output) == length
    assert rec.success == (0 if revert else 1) and rec.written == min(out_size, length)
    return rec


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("in_size", [0, 1, 31, 32, 33, 70])
def test_input_sizes(kind, in_size):
    rec = one_call(kind, in_size, 40, 40)
    assert rec.memory_after_input == (3 if in_size == 70 else 2)  # 70 bytes at 3 grow memory to 3 words


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("length", [0, 20, 40, 64], ids=["empty", "shorter", "equal", "longer"])
def test_output_lengths(kind, length):
    """Output shorter than, equal to, longer than the 40-byte output region, and empty."""
    one_call(kind, 33, 40, length)


def test_output_written_past_memory():
    """The written output grows memory (to 5 words) and pays for it."""
    rec = one_call(CALL, 8, 40, 40, out_offset=100)
    assert rec.memory_after == 5 and rec.expansion > 0


@pytest.mark.parametrize("kind", KINDS)
def test_reverting_callee(kind):
    """The callee reverts with 24 bytes: success 0, its revert data written back."""
    rec = one_call(kind, 33, 40, 24, revert=True)
    assert rec.written == 24


def test_call_to_an_account_without_code():
    """No callee frame: success 1, empty output (the output region lies in memory already)."""
    code = fill_memory(1) + call_code(CALL, NO_CODE, 0, 0, 0, 32) + b"\x50\x00"
    ((_, st),) = proven_frames(code)
    (rec,) = st.calls
    assert rec.success == 1 and rec.output == b"" and rec.address == NO_CODE


def test_output_region_past_memory_with_nothing_written():
    """An empty output into a region past memory (a call to an account without code, or a callee that
    reverts with no data): the out_size row grows memory over the region as the EVM does."""
    code = call_code(CALL, NO_CODE, 0, 0, 0, 32) + b"\x50\x00"
    ((_, st),) = proven_frames(code)
    (rec,) = st.calls
    assert rec.written == 0 and rec.memory_before == 0 and rec.memory_after == 1
    code = call_code(CALL, CALLEE, 0, 0, 64, 32) + b"\x59\x50\x50\x00"  # MSIZE after the call: 96
    frames = proven_frames(code, {CALLEE: callee_code(0, True)})
    assert frames[0][1].calls[0].memory_after == 3 and frames[0][1].calls[0].success == 0


def test_call_with_value():
    """CALL sends 7 wei (the 9000 surcharge and 2300 stipend apply)."""
    code = call_code(CALL, CALLEE, 0, 4, 0, 4, value=7) + b"\x50\x00"
    (_, caller), (_, callee) = proven_frames(code)
    assert caller.calls[0].value == 7 and callee.value == 7


def test_two_calls_in_one_frame():
    (_, caller), _, _ = proven_frames(TWO_CALLS_CODE)
    first, second = caller.calls
    assert (first.kind, second.kind) == (CALL, STATICCALL) and first.key < second.key
    assert (first.written, second.written) == (20, 32)


def test_returndatasize_before_and_after_a_call():
    code = b"\x3d\x50" + fill_memory(1) + call_code(STATICCALL, CALLEE, 0, 32, 0, 0) + b"\x3d\x50\x50\x00"
    (_, caller), _ = proven_frames(code)
    (before, zero), (after, size) = caller.returndata_sizes
    assert zero == 0 and size == 40 and before < caller.calls[0].key < after


def test_caller_frame_proof_verifies_and_a_changed_cost_is_refused():
    code = call_code(CALL, CALLEE, 0, 1, 0, 8) + b"\x50\x00"
    (matrix, st), _ = proven_frames(code, {CALLEE: callee_code(8)})
    proof = prove(AIR, matrix, st, OPTS).to_bytes()
    verify(AIR, proof, st, min_security=0)
    with pytest.raises(VerificationError):
        verify(AIR, proof, with_call(st, cost=st.calls[0].cost + 1), min_security=0)


def test_each_frame_statement_names_its_calls_only():
    """The callee's table holds no call of its own; the caller's holds its one call, keyed by its
    head row's clk."""
    code = call_code(CALL, CALLEE, 0, 2, 0, 2) + b"\x50" + push(1) + b"\x50\x00"
    (matrix, caller), (_, callee) = proven_frames(code, {CALLEE: callee_code(2)})
    (rec,) = caller.calls
    assert callee.calls == () and matrix[rec.key, L.sel(Group.CALL)] == 1


def test_a_static_callee_that_writes_halts():
    """EIP-214: a STATICCALL's callee halts at its SSTORE (its table proves the halt; it is static); the
    caller carries on with success 0."""
    code = call_code(STATICCALL, CALLEE, 0, 0, 0, 0) + b"\x50\x00"
    (_, caller), (_, callee) = proven_frames(code, {CALLEE: push(5) + push(1) + b"\x55\x00"})
    assert callee.static and callee.status == 3 and not caller.static
    assert caller.calls[0].success == 0
