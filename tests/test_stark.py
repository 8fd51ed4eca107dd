"""Honest proofs verify; parameters and declared degrees are what they claim to be."""

from __future__ import annotations

import numpy as np
import pytest

from circuits import field as F
from circuits.air import ConstraintViolation, check_constraints
from circuits.examples.fibonacci import FibonacciAir, FibonacciInputs, fibonacci_trace
from circuits.examples.hash_chain import HashChainAir, hash_chain_trace
from circuits.examples.range_check import RangeCheckAir, range_check_trace
from circuits.ntt import coset_intt, lde
from circuits.values import BaseVec
from prover.stark import ProverError, prove
from verifier.errors import SecurityError, VerificationError
from verifier.proof import Proof, ProofOptions
from verifier.security import queries_for, security_bits
from verifier.stark import verify

FAST = ProofOptions(blowup=8, num_queries=30, grinding_bits=8, fri_remainder_log=2)


@pytest.mark.parametrize("n", [4, 8, 64, 256, 1024])
def test_fibonacci_proves_and_verifies(n):
    trace, pi = fibonacci_trace(n)
    proof = prove(FibonacciAir(), trace, pi, FAST)
    data = proof.to_bytes()
    verify(FibonacciAir(), data, pi, min_security=0)
    assert Proof.from_bytes(data).to_bytes() == data


@pytest.mark.parametrize("n,width", [(8, 2), (64, 16), (256, 33)])
def test_hash_chain_proves_and_verifies(n, width):
    air = HashChainAir(width)
    trace, pi = hash_chain_trace(n, width, seed=5)
    verify(air, prove(air, trace, pi, FAST).to_bytes(), pi, min_security=0)


@pytest.mark.parametrize("blowup", [4, 16])
def test_other_blowups(blowup):
    air = HashChainAir(4)
    trace, pi = hash_chain_trace(32, 4)
    opts = ProofOptions(blowup=blowup, num_queries=20, grinding_bits=4, fri_remainder_log=1)
    verify(air, prove(air, trace, pi, opts), pi, min_security=0)


def test_logup_range_check_proves_and_verifies():
    trace = range_check_trace(np.array([0, 1, 5, 5, 63, 17]), 64)
    verify(RangeCheckAir(), prove(RangeCheckAir(), trace, None, FAST).to_bytes(), None, min_security=0)


def test_default_options_reach_100_bits():
    trace, pi = fibonacci_trace(1 << 10)
    proof = prove(FibonacciAir(), trace, pi)  # default options
    bits = proof.options.security_bits(proof.trace_length)
    assert bits >= 100
    verify(FibonacciAir(), proof.to_bytes(), pi, min_security=100)


def test_proofs_are_deterministic():
    trace, pi = hash_chain_trace(64, 8)
    air = HashChainAir(8)
    assert prove(air, trace, pi, FAST).to_bytes() == prove(air, trace, pi, FAST).to_bytes()


def test_verifier_refuses_proofs_below_requested_security():
    trace, pi = fibonacci_trace(64)
    proof = prove(FibonacciAir(), trace, pi, FAST)
    have = FAST.security_bits(64)
    verify(FibonacciAir(), proof, pi, min_security=have)
    with pytest.raises(SecurityError):
        verify(FibonacciAir(), proof, pi, min_security=have + 0.5)
    with pytest.raises(SecurityError):
        verify(FibonacciAir(), proof, pi, min_security=100)


def test_security_formula():
    # q·log2(B) + g = 29·3 + 16 = 103 → λ = 102 (field term far above at 2^20 rows)
    assert security_bits(29, 16, 8, 1 << 20) == 102
    assert security_bits(28, 20, 8, 1 << 20) == 103
    # the field term binds when the queries are plentiful: 154.5 − log2(2^24 · 8) − 1
    assert security_bits(200, 20, 8, 1 << 24) == pytest.approx(126.5, abs=0.11)
    assert security_bits(200, 20, 8, 1 << 24, loss_bits=10) == pytest.approx(116.5, abs=0.11)
    # capped by the hash
    assert security_bits(200, 20, 8, 1 << 10) == 127
    assert queries_for(100, 20, 8) == 27
    assert 96 <= queries_for(100, 20, 8, profile="proven") <= 98
    assert ProofOptions.for_security(100).security_bits(1 << 20) >= 100
    assert ProofOptions.for_security(100, profile="proven").security_bits(1 << 20, profile="proven") >= 100


def test_proven_profile_is_enforced():
    trace, pi = fibonacci_trace(64)
    proof = prove(FibonacciAir(), trace, pi, FAST)
    with pytest.raises(SecurityError):
        verify(FibonacciAir(), proof, pi, min_security=50, profile="proven")


def test_bad_trace_is_refused_by_the_prover_with_row_and_constraint():
    trace, pi = fibonacci_trace(16)
    trace[7, 1] = (trace[7, 1] + 1) % F.P
    with pytest.raises(ConstraintViolation, match=r"row 6"):
        prove(FibonacciAir(), trace, pi, FAST)


def test_prover_rejects_bad_shapes():
    trace, pi = fibonacci_trace(16)
    with pytest.raises(ProverError):
        prove(FibonacciAir(), trace[:12], pi, FAST)
    with pytest.raises(ProverError):
        prove(FibonacciAir(), np.hstack([trace, trace]), pi, FAST)
    with pytest.raises(ProverError):
        prove(HashChainAir(2), *hash_chain_trace(16, 2), options=ProofOptions(blowup=2))


@pytest.mark.parametrize("air", [FibonacciAir(), HashChainAir(6), RangeCheckAir()], ids=lambda a: a.name)
def test_declared_degrees_match_symbolic_and_real_degrees(air):
    """Declared degrees equal the degrees of the constraint code, and on a random (non-satisfying)
    trace the constraint polynomials really have degree d·(n−1)."""
    main, aux = air.symbolic_degrees()
    assert main == air.transition_degrees()
    assert aux == air.aux_transition_degrees()
    n, blowup = 16, 8
    rng = np.random.default_rng(1)
    trace = F.random_elements(rng, (n, air.width))
    ext = lde(trace, blowup, F.GENERATOR)
    step = blowup  # x ↦ ω_n·x on the LDE coset
    cur = [BaseVec(ext[:, j].copy()) for j in range(air.width)]
    nxt = [BaseVec(np.roll(ext[:, j], -step)) for j in range(air.width)]
    for c, d in zip(air.evaluate_transition(cur, nxt, None), air.transition_degrees()):
        coeffs = coset_intt(c.v, F.GENERATOR)
        nz = np.nonzero(coeffs)[0]
        assert nz.max() == d * (n - 1)


def test_debug_checker_names_row_and_constraint():
    air = HashChainAir(4)
    trace, pi = hash_chain_trace(16, 4)
    check_constraints(air, trace, pi)
    trace[9, 2] = 0
    with pytest.raises(ConstraintViolation, match=r"s'2 .* row 8"):
        check_constraints(air, trace, pi)
