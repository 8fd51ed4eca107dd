"""The numba BLAKE2b-256 kernels against hashlib, Merkle levels, and proof-of-work grinding."""

from __future__ import annotations

import hashlib
import os

import numpy as np
import pytest

from verifier import blake2b as b2
from verifier.blake2b import (blake2b_256, check_grind, grind, hash_bytes_many, hash_pairs,
                              hash_rows, merkle_levels)

LENGTHS = [0, 1, 3, 4, 7, 8, 63, 64, 65, 127, 128, 129, 255, 256, 257, 1000]


def reference(data: bytes) -> bytes:
    return hashlib.blake2b(data, digest_size=32).digest()


@pytest.fixture
def rng():
    return np.random.default_rng(7693)


def test_known_answers():
    # BLAKE2b-256 test vectors (RFC 7693 algorithm, 32-byte digest, no key).
    assert blake2b_256(b"").hex() == "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8"
    assert blake2b_256(b"abc").hex() == "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319"
    assert bytes(hash_bytes_many([b"", b"abc"])[1]) == blake2b_256(b"abc")
    assert bytes(hash_bytes_many([b""])[0]) == blake2b_256(b"")


def test_hash_bytes_many_mixed_lengths():
    messages = [os.urandom(n) for n in LENGTHS]
    digests = hash_bytes_many(messages)
    assert digests.shape == (len(messages), 32) and digests.dtype == np.uint8
    for msg, digest in zip(messages, digests):
        assert bytes(digest) == reference(msg), len(msg)


@pytest.mark.parametrize("length", [0, 1, 127, 128, 129, 256, 1000])
def test_hash_bytes_many_equal_lengths(rng, length):
    # 70 messages: one full group of lanes plus a partial one.
    messages = rng.integers(0, 256, size=(70, length), dtype=np.uint8)
    digests = hash_bytes_many(messages)
    for msg, digest in zip(messages, digests):
        assert bytes(digest) == reference(msg.tobytes())
    np.testing.assert_array_equal(hash_bytes_many([m.tobytes() for m in messages]), digests)


@pytest.mark.parametrize("width", range(1, 71))
def test_hash_rows_matches_hashlib(rng, width):
    rows = rng.integers(0, 1 << 32, size=(67, width), dtype=np.uint64).astype(np.uint32)
    digests = hash_rows(rows)
    assert digests.shape == (67, 32) and digests.dtype == np.uint8
    for row, digest in zip(rows, digests):
        assert bytes(digest) == reference(row.astype("<u4").tobytes())
    np.testing.assert_array_equal(hash_rows(rows.astype(np.uint64)), digests)


@pytest.mark.parametrize("n", [1, 63, 64, 65, 300])
def test_hash_rows_any_row_count(rng, n):
    rows = rng.integers(0, 2013265921, size=(n, 16), dtype=np.uint64)
    digests = hash_rows(rows)
    assert [bytes(d) for d in digests] == [reference(r.astype("<u4").tobytes()) for r in rows]
    np.testing.assert_array_equal(hash_rows(np.asfortranarray(rows)), digests)


def test_serial_and_parallel_paths_agree(rng, monkeypatch):
    rows = rng.integers(0, 1 << 32, size=(1000, 9), dtype=np.uint64).astype(np.uint32)
    monkeypatch.setattr(b2, "_SERIAL_BELOW", 1 << 30)
    serial = hash_rows(rows)
    monkeypatch.setattr(b2, "_SERIAL_BELOW", 0)
    np.testing.assert_array_equal(hash_rows(rows), serial)


def test_hash_rows_rejects_wide_values_and_bad_input():
    rows = np.zeros((4, 3), dtype=np.uint64)
    rows[2, 1] = 1 << 32
    with pytest.raises(ValueError):
        hash_rows(rows)
    with pytest.raises(ValueError):
        hash_rows(np.zeros(4, dtype=np.uint32))
    with pytest.raises(TypeError):
        hash_rows(np.zeros((4, 3), dtype=np.int64))


@pytest.mark.parametrize("pairs", [1, 2, 63, 64, 65, 200])
def test_hash_pairs_matches_hashlib(rng, pairs):
    digests = rng.integers(0, 256, size=(2 * pairs, 32), dtype=np.uint8)
    parents = hash_pairs(digests)
    assert parents.shape == (pairs, 32)
    for i in range(pairs):
        assert bytes(parents[i]) == reference(digests[2 * i].tobytes() + digests[2 * i + 1].tobytes())


def test_hash_pairs_rejects_bad_shapes():
    with pytest.raises(ValueError):
        hash_pairs(np.zeros((3, 32), dtype=np.uint8))
    with pytest.raises(ValueError):
        hash_pairs(np.zeros((4, 31), dtype=np.uint8))
    with pytest.raises(TypeError):
        hash_pairs(np.zeros((4, 32), dtype=np.int32))


def reference_root(leaves: list[bytes]) -> bytes:
    while len(leaves) > 1:
        leaves = [reference(leaves[i] + leaves[i + 1]) for i in range(0, len(leaves), 2)]
    return leaves[0]


@pytest.mark.parametrize("log_leaves", [0, 1, 5, 10])
def test_merkle_levels(rng, log_leaves):
    rows = rng.integers(0, 2013265921, size=(1 << log_leaves, 5), dtype=np.uint64)
    leaves = hash_rows(rows)
    levels = merkle_levels(leaves)
    assert [lvl.shape[0] for lvl in levels] == [1 << k for k in range(log_leaves, -1, -1)]
    np.testing.assert_array_equal(levels[0], leaves)
    assert bytes(levels[-1][0]) == reference_root([bytes(d) for d in leaves])
    for lower, upper in zip(levels, levels[1:]):
        assert bytes(upper[0]) == reference(lower[0].tobytes() + lower[1].tobytes())


def test_merkle_levels_needs_power_of_two():
    with pytest.raises(ValueError):
        merkle_levels(np.zeros((6, 32), dtype=np.uint8))
    with pytest.raises(ValueError):
        merkle_levels(np.zeros((0, 32), dtype=np.uint8))


def reference_grind(seed: bytes, bits: int) -> int:
    nonce = 0
    while int.from_bytes(reference(seed + nonce.to_bytes(8, "little"))[:8], "big") >> (64 - bits):
        nonce += 1
    return nonce


# Seed lengths around the block boundary: the 8 nonce bytes inside one block, straddling two
# blocks, opening a new block, and after precomputed whole blocks.
@pytest.mark.parametrize("seed_length", [0, 5, 32, 119, 120, 121, 124, 127, 128, 250, 256, 300])
def test_grind_finds_the_smallest_nonce(seed_length):
    seed = os.urandom(seed_length)
    for bits in (1, 5, 10):
        nonce = grind(seed, bits)
        assert nonce == reference_grind(seed, bits)
        assert check_grind(seed, nonce, bits)


def test_grind_many_bits_and_check_grind_rejects_others():
    seed = b"transcript state \x00\xff" * 3
    bits = 16
    nonce = grind(seed, bits)
    assert check_grind(seed, nonce, bits)
    digest = reference(seed + nonce.to_bytes(8, "little"))
    assert digest[:2] == b"\x00\x00"
    rejected = [k for k in range(nonce) if check_grind(seed, k, bits)]
    assert rejected == []
    assert not check_grind(seed + b"x", nonce, bits)      # the nonce is bound to its seed
    assert not check_grind(seed, nonce, 64)   # 64 zero bits: all but impossible
    assert not check_grind(seed, -1, bits)
    assert not check_grind(seed, 1 << 64, bits)
    assert not check_grind(seed, nonce, 65)


def test_grind_zero_bits_and_bounds():
    assert grind(b"abc", 0) == 0
    assert check_grind(b"abc", 12345, 0)
    with pytest.raises(ValueError):
        grind(b"abc", 65)
    with pytest.raises(ValueError):
        grind(b"abc", -1)
