"""The Keccak table beside the execution table: KECCAK256 digests are proven, not trusted.

The execution circuit proves that a KECCAK256 step read its message from memory and pushed the
digest its statement lists — any digest.  A prover can therefore make an execution proof that
verifies for a false digest (shown here); the proof file is refused because the Keccak table must
prove the same digest of the same message, and a Keccak table for the false digest does not verify.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from circuits.keccak_air import Keccak256Statement, keccak256_statement, keccak_trace
from circuits.vm.air import VmAir
from circuits.vm.witness import build_trace
from l2.evm_prove import (EvmProofError, encode_file, environment_of, keccak_proof, prove_code, record_run,
                          trace_to_steps, verify_bytes, witness_for)
from l2.keccak_tables import KECCAK_AIR, block_count, check_digests, decode_states, encode_states, keccak_table
from prover.stark import prove
from verifier.errors import VerificationError
from verifier.proof import ProofOptions
from verifier.stark import verify

FAST = ProofOptions(blowup=8, num_queries=24, grinding_bits=4, fri_remainder_log=2)
GAS = 100_000
# MSTORE 0x1234 at 0; KECCAK256(0, 64); KECCAK256(0, 200) (two blocks); STOP with both digests on the stack
CODE = bytes.fromhex("611234600052" "6040600020" "60c8600020" "00")


@pytest.fixture(scope="module")
def honest_file():
    report = prove_code(CODE, gas=GAS, options=FAST)
    assert report["keccak_permutations"] == 3
    trace = record_run(CODE, gas=GAS)
    matrix, statement = witness_for(CODE, GAS, trace)
    proof = prove(VmAir(), matrix, statement, FAST).to_bytes()
    return statement, proof, keccak_proof(statement, FAST)


def test_the_section_round_trips_and_counts_blocks():
    messages = [b"", b"a" * 135, b"b" * 136, b"c" * 300]
    assert block_count(messages) == 1 + 1 + 2 + 3
    st = keccak256_statement(messages)
    data = b"junk" + encode_states(st)
    back, pos = decode_states(data, 4, messages)
    assert pos == len(data) and back.digests == st.digests
    assert decode_states(encode_states(None), 0, []) == (None, 4)


@pytest.mark.parametrize("cut", [1, 4, 5, 200])
def test_a_short_section_is_refused(cut):
    messages = [b"x" * 70]
    data = encode_states(keccak256_statement(messages))
    with pytest.raises(ValueError):
        decode_states(data[:-cut] if cut < len(data) else b"", 0, messages)


def test_a_section_for_other_messages_is_refused():
    data = encode_states(keccak256_statement([b"x" * 70]))
    with pytest.raises(ValueError, match="need 2"):
        decode_states(data, 0, [b"y" * 140])


def test_the_honest_file_verifies_and_lists_the_digests(honest_file):
    statement, proof, keccak = honest_file
    assert [len(m) for m in statement.hash_messages()] == [64, 200]
    assert verify_bytes(encode_file(statement, proof, keccak), min_security=0)["valid"]
    check_digests([statement], keccak[0])


def test_a_file_without_its_keccak_proof_is_refused(honest_file):
    statement, proof, _ = honest_file
    with pytest.raises(EvmProofError, match="Keccak section"):
        verify_bytes(encode_file(statement, proof), min_security=0)


def test_a_keccak_proof_of_other_messages_is_refused(honest_file):
    statement, proof, keccak = honest_file
    other = keccak_table([dataclasses.replace(statement, hashes=tuple(
        (k, bytes([m[0] ^ 1]) + m[1:], d) for k, m, d in statement.hashes))])
    forged_statement, forged_trace = other
    forged = (forged_statement, prove(KECCAK_AIR, forged_trace, forged_statement, FAST).to_bytes())
    data = encode_file(statement, proof, forged)
    # the file's section is read against the execution statement's messages: the chaining states of
    # other messages give other digests
    with pytest.raises(VerificationError):
        verify_bytes(data, min_security=0)


def test_flipped_bytes_anywhere_in_the_keccak_part_are_refused(honest_file):
    statement, proof, keccak = honest_file
    data = encode_file(statement, proof, keccak)
    start = len(encode_file(statement, proof, None)) - 4
    rng = np.random.default_rng(5)
    for pos in sorted(set(rng.integers(start, len(data), 12).tolist()) | {start, start + 3, len(data) - 1}):
        bad = bytearray(data)
        bad[pos] ^= 0x10
        with pytest.raises(VerificationError):
            verify_bytes(bytes(bad), min_security=0)


def _false_digest_run():
    """An execution proof whose first KECCAK256 pushes keccak256(m) with its lowest bit flipped —
    the execution circuit alone accepts it."""
    trace = record_run(CODE, gas=GAS)
    steps = trace_to_steps(trace)
    at = next(i for i, s in enumerate(steps) if s.opcode == 0x20)
    steps[at] = dataclasses.replace(steps[at], pushes=(steps[at].pushes[0] ^ 1,))  # no later step reads it
    result = trace.result
    matrix, statement = build_trace(CODE, GAS, steps, result.status, result.gas_left, result.output,
                                    check_ranges=False, env=environment_of(trace.calls[0]))
    proof = prove(VmAir(), matrix, statement, FAST, check=False)
    verify(VmAir(), proof, statement, min_security=0)  # the execution table does not know keccak
    return statement, proof.to_bytes()


def test_a_flipped_keccak_output_bit_is_refused():
    statement, proof = _false_digest_run()
    true = keccak_proof(statement, FAST)
    with pytest.raises(EvmProofError, match="KECCAK256 #0 pushed a digest the Keccak table does not prove"):
        verify_bytes(encode_file(statement, proof, true), min_security=0)
    # a Keccak table claiming the false digest: its last chaining state carries it, the permutation
    # rows are the true ones (a cheating prover's best), and the table does not verify
    st = true[0]
    states = st.states.copy()
    digest = statement.hashes[0][2]
    states[0, :4] = np.frombuffer(digest, dtype="<u8")
    forged = Keccak256Statement(st.messages, states)
    assert forged.digests[0] == digest
    trace, _ = keccak_trace(forged.inputs)
    forged_proof = prove(KECCAK_AIR, trace, forged, FAST, check=False).to_bytes()
    with pytest.raises(VerificationError):
        verify_bytes(encode_file(statement, proof, (forged, forged_proof)), min_security=0)
