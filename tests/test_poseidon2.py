"""Poseidon2 (BabyBear, width 16): published vector, reference vs kernels, linear layers, hashing."""

from __future__ import annotations

import math

import numpy as np
import pytest

from circuits import poseidon2 as p2
from circuits.field import P
from circuits.poseidon2_constants import (
    INTERNAL_DIAG_V,
    M4,
    TEST_VECTOR_INPUT,
    TEST_VECTOR_OUTPUT,
)

RNG_SEED = 20240531


def _rng() -> np.random.Generator:
    return np.random.default_rng(RNG_SEED)


def _edge_states() -> np.ndarray:
    return np.array(
        [[0] * 16, [P - 1] * 16, list(range(16)), [1] + [0] * 15, [0] * 15 + [P - 1]],
        dtype=np.uint64,
    )


# -- published instance -----------------------------------------------------------------------

def test_published_vector_reference():
    assert p2.permute(TEST_VECTOR_INPUT) == list(TEST_VECTOR_OUTPUT)


def test_published_vector_kernel():
    out = p2.permute_many(np.array([TEST_VECTOR_INPUT], dtype=np.uint64))
    assert out[0].tolist() == list(TEST_VECTOR_OUTPUT)


def test_round_structure():
    assert (p2.ROUNDS_F, p2.ROUNDS_P, p2.ROUNDS) == (8, 13, 21)
    assert p2.RC.shape == (21, 16) and p2.RC.dtype == np.uint64
    assert p2.FULL_ROUND.tolist() == [True] * 4 + [False] * 13 + [True] * 4
    # internal rounds add a constant to state[0] only
    assert not p2.RC[~p2.FULL_ROUND, 1:].any()
    assert p2.RC[~p2.FULL_ROUND, 0].all()
    assert (p2.RC < P).all()


def test_sbox_is_a_permutation():
    assert math.gcd(p2.SBOX_DEGREE, P - 1) == 1
    assert math.gcd(5, P - 1) != 1 and math.gcd(3, P - 1) != 1  # why not a smaller degree


# -- linear layers ----------------------------------------------------------------------------

def _det_mod_p(m: list[list[int]]) -> int:
    a = [[x % P for x in row] for row in m]
    n = len(a)
    det = 1
    for c in range(n):
        pivot = next((r for r in range(c, n) if a[r][c]), None)
        if pivot is None:
            return 0
        if pivot != c:
            a[c], a[pivot] = a[pivot], a[c]
            det = -det
        det = det * a[c][c] % P
        inv = pow(a[c][c], P - 2, P)
        for r in range(c + 1, n):
            f = a[r][c] * inv % P
            a[r] = [(x - f * y) % P for x, y in zip(a[r], a[c])]
    return det % P


def test_m4_is_mds():
    from itertools import combinations

    for k in range(1, 5):
        for rows in combinations(range(4), k):
            for cols in combinations(range(4), k):
                sub = [[M4[r][c] for c in cols] for r in rows]
                assert _det_mod_p(sub) != 0


def test_external_matrix_definition():
    # circ(2·M4, M4, M4, M4) = (I_4 + J_4) ⊗ M4
    outer = [[2 if i == j else 1 for j in range(4)] for i in range(4)]
    expected = [[outer[i // 4][j // 4] * M4[i % 4][j % 4] for j in range(16)] for i in range(16)]
    assert [list(r) for r in p2.EXTERNAL_MATRIX] == expected
    assert _det_mod_p(expected) != 0


def test_internal_matrix_definition():
    inv2 = pow(2, P - 2, P)
    v = [-2, 1, 2, inv2, 3, 4, -inv2, -3, -4, pow(inv2, 8, P), pow(inv2, 2, P), pow(inv2, 3, P),
         pow(inv2, 27, P), -pow(inv2, 8, P), -pow(inv2, 4, P), -pow(inv2, 27, P)]
    assert list(INTERNAL_DIAG_V) == [x % P for x in v]
    expected = [[(1 + (v[i] if i == j else 0)) % P for j in range(16)] for i in range(16)]
    assert [list(r) for r in p2.INTERNAL_MATRIX] == expected
    assert _det_mod_p(expected) != 0


def _matmul_rows(m, states: np.ndarray) -> list[list[int]]:
    return [[sum(a * int(b) for a, b in zip(row, s)) % P for row in m] for s in states]


@pytest.mark.parametrize("layer, matrix", [
    (p2.external_layer_many, p2.EXTERNAL_MATRIX),
    (p2.internal_layer_many, p2.INTERNAL_MATRIX),
])
def test_kernel_layers_match_matrices(layer, matrix):
    states = np.vstack([_edge_states(), p2_random(_rng(), 40)])
    assert layer(states).tolist() == _matmul_rows(matrix, states)


def p2_random(rng: np.random.Generator, n: int, width: int = 16) -> np.ndarray:
    return rng.integers(0, P, size=(n, width), dtype=np.uint64)


# -- reference vs kernels ---------------------------------------------------------------------

@pytest.mark.parametrize("n", [1, 7, 59, 150])  # ≥ 32 rows: lane kernel, with a partial block
def test_permute_many_matches_reference(n):
    states = np.vstack([_edge_states(), p2_random(_rng(), n)])
    out = p2.permute_many(states)
    assert out.dtype == np.uint64 and out.shape == states.shape
    for row_in, row_out in zip(states, out):
        assert p2.permute(row_in.tolist()) == row_out.tolist()
    # the input is not modified
    assert np.array_equal(states, np.vstack([_edge_states(), p2_random(_rng(), n)]))


def _reference_round(s: list[int], r: int) -> list[int]:
    rc = [int(c) for c in p2.RC[r]]
    if p2.FULL_ROUND[r]:
        s = [pow((x + c) % P, 7, P) for x, c in zip(s, rc)]
        return _matmul_rows(p2.EXTERNAL_MATRIX, [s])[0]
    s = list(s)
    s[0] = pow((s[0] + rc[0]) % P, 7, P)
    return _matmul_rows(p2.INTERNAL_MATRIX, [s])[0]


def test_trace_rounds():
    states = np.vstack([_edge_states(), p2_random(_rng(), 100)])
    trace = p2.permute_many_trace(states)
    assert trace.shape == (len(states), p2.ROUNDS + 1, 16)
    assert np.array_equal(trace[:, 0], states)
    assert np.array_equal(trace[:, -1], p2.permute_many(states))
    for i in (0, 1, 7, 42):
        row = trace[i]
        first = _matmul_rows(p2.EXTERNAL_MATRIX, [row[0].tolist()])[0]
        assert _reference_round(first, 0) == row[1].tolist()
        for r in range(1, p2.ROUNDS):
            assert _reference_round(row[r].tolist(), r) == row[r + 1].tolist()


def test_rejects_bad_input():
    with pytest.raises(ValueError):
        p2.permute([0] * 15)
    with pytest.raises(ValueError):
        p2.permute_many(np.zeros((2, 15), dtype=np.uint64))
    with pytest.raises(ValueError):
        p2.permute_many(np.full((1, 16), P, dtype=np.uint64))
    with pytest.raises(ValueError):
        p2.compress([P] + [0] * 7, [0] * 8)
    with pytest.raises(ValueError):
        p2.compress([0] * 7, [0] * 8)
    with pytest.raises(ValueError):
        p2.hash_elements([1, 2], domain=P)


# -- compression and sponge -------------------------------------------------------------------

def test_compress_is_truncated_permutation():
    rng = _rng()
    for _ in range(5):
        left = rng.integers(0, P, 8).tolist()
        right = rng.integers(0, P, 8).tolist()
        out = p2.compress(left, right)
        assert out == tuple(p2.permute(left + right)[:8])
        assert p2.compress(left, right) == out  # deterministic
        assert p2.compress(right, left) != out  # order matters


@pytest.mark.parametrize("n", [3, 100])
def test_compress_many_matches_scalar(n):
    rng = _rng()
    left, right = p2_random(rng, n, 8), p2_random(rng, n, 8)
    left[0], right[1] = P - 1, P - 1
    out = p2.compress_many(left, right)
    assert out.shape == (n, 8)
    for i in range(n):
        assert tuple(out[i].tolist()) == p2.compress(left[i], right[i])


def _reference_sponge(elems: list[int], domain: int) -> tuple[int, ...]:
    # The specification restated: capacity = [domain, len, 0...], zero-padded blocks of 8 added
    # into the rate, at least one permutation, digest = rate after the last permutation.
    state = [0] * 8 + [domain, len(elems)] + [0] * 6
    blocks = max(1, -(-len(elems) // 8))
    padded = list(elems) + [0] * (8 * blocks - len(elems))
    for b in range(blocks):
        for j in range(8):
            state[j] = (state[j] + padded[8 * b + j]) % P
        state = p2.permute(state)
    return tuple(state[:8])


@pytest.mark.parametrize("length", [0, 1, 7, 8, 9, 16, 27])
def test_hash_elements_matches_spec(length):
    elems = _rng().integers(0, P, length).tolist()
    assert p2.hash_elements(elems, 5) == _reference_sponge(elems, 5)
    assert p2.hash_elements(elems, 5) == p2.hash_elements(list(elems), 5)


def test_hash_elements_domain_and_length_separation():
    elems = [1, 2, 3]
    digests = {
        p2.hash_elements(elems, 0),
        p2.hash_elements(elems, 1),
        p2.hash_elements(elems + [0], 0),   # zero padding is not ambiguous
        p2.hash_elements([], 0),
        p2.hash_elements([0], 0),
        p2.hash_elements([0] * 8, 0),
    }
    assert len(digests) == 6
    assert all(len(d) == 8 and all(0 <= x < P for x in d) for d in digests)


@pytest.mark.parametrize("n", [4, 80])
@pytest.mark.parametrize("length", [0, 8, 19])
def test_hash_elements_many_matches_scalar(n, length):
    elems = p2_random(_rng(), n, length)
    if length:
        elems[0] = P - 1
    out = p2.hash_elements_many(elems, 77)
    for i in range(n):
        assert tuple(out[i].tolist()) == p2.hash_elements(elems[i].tolist(), 77)


def test_fold_path():
    rng = _rng()
    leaf = rng.integers(0, P, 8).tolist()
    sibs = p2_random(rng, 5, 8)
    bits = np.array([1, 0, 0, 1, 1], dtype=bool)
    node = tuple(leaf)
    for d in range(4, -1, -1):
        node = p2.compress(sibs[d], node) if bits[d] else p2.compress(node, sibs[d])
    assert p2.fold_path(leaf, sibs, bits) == node

