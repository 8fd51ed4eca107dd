"""BLAKE2b-256: the hash of Merkle commitments, Fiat–Shamir and proof-of-work grinding.

Every digest here is BLAKE2b (RFC 7693) with a 32-byte output and no key, byte for byte equal to
``hashlib.blake2b(data, digest_size=32)``.  The verifier needs only the plain functions
(`blake2b_256`, `check_grind`), which use hashlib.  The prover hashes millions of Merkle leaves and
pairs, and one Python call per hash costs more than the hash itself, so the batch functions
(`hash_rows`, `hash_pairs`, `hash_bytes_many`, `grind`) run the compression function in numba over
``uint64`` words, one message per loop iteration and the messages spread over the cores.

BLAKE2b in brief: the state h is IV with h0 ^= 0x0101_00_nn (fanout 1, depth 1, key length 0, digest
length nn = 32); the message is split into 128-byte blocks (the last one zero-padded, an empty
message being one zero block), and each block is mixed into h together with the byte counter t
(bytes hashed so far, this block included) and a final flag set on the last block.  The digest is
the first 32 bytes of h in little-endian order.
"""

from __future__ import annotations

import hashlib
from contextlib import contextmanager
from typing import Iterator, Sequence

import numba
import numpy as np
from numba import njit, prange

DIGEST_SIZE = 32
"""Bytes in a digest."""

BLOCK_BYTES = 128
"""Bytes in a BLAKE2b message block."""

_IV = np.array([
    0x6A09E667F3BCC908, 0xBB67AE8584CAA73B, 0x3C6EF372FE94F82B, 0xA54FF53A5F1D36F1,
    0x510E527FADE682D1, 0x9B05688C2B3E6C1F, 0x1F83D9ABFB41BD6B, 0x5BE0CD19137E2179,
], dtype=np.uint64)

_SIGMA = np.array([
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
    [11, 8, 12, 0, 5, 2, 15, 13, 10, 14, 3, 6, 7, 1, 9, 4],
    [7, 9, 3, 1, 13, 12, 11, 14, 2, 6, 5, 10, 4, 0, 15, 8],
    [9, 0, 5, 7, 2, 4, 10, 15, 14, 1, 11, 12, 6, 8, 3, 13],
    [2, 12, 6, 10, 0, 11, 8, 3, 4, 13, 7, 5, 15, 14, 1, 9],
    [12, 5, 1, 15, 14, 13, 4, 10, 0, 7, 6, 3, 9, 2, 8, 11],
    [13, 11, 7, 14, 12, 1, 3, 9, 5, 0, 15, 4, 8, 6, 2, 10],
    [6, 15, 14, 9, 11, 3, 0, 8, 12, 2, 13, 7, 1, 4, 10, 5],
    [10, 2, 8, 4, 7, 6, 1, 5, 15, 11, 9, 14, 3, 12, 13, 0],
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15],   # rounds 10 and 11 reuse 0 and 1
    [14, 10, 4, 8, 9, 15, 13, 6, 1, 12, 0, 2, 11, 7, 5, 3],
], dtype=np.int64)
"""Message-word schedule of the 12 rounds."""

_H0_PARAM = np.uint64(0x01010000 | DIGEST_SIZE)
"""Parameter block word 0: digest length 32, no key, fanout 1, depth 1."""

_ALL_ONES = np.uint64(0xFFFFFFFFFFFFFFFF)
_MASK32 = np.uint64(0xFFFFFFFF)
_U8 = np.uint64(8)
_U16 = np.uint64(16)
_U24 = np.uint64(24)
_U32 = np.uint64(32)
_U40 = np.uint64(40)
_U48 = np.uint64(48)
_U56 = np.uint64(56)
_U63 = np.uint64(63)
_U1 = np.uint64(1)
_BYTE = np.uint64(0xFF)

_SERIAL_BELOW = 256
"""Batches smaller than this run on the calling thread: waking the pool would cost more."""


# ---------------------------------------------------------------------------------------------
# compression function
# ---------------------------------------------------------------------------------------------


@njit(cache=True)
def _g(a, b, c, d, x, y):
    """The BLAKE2b mixing function G with rotations 32, 24, 16, 63 (right)."""
    a = a + b + x
    d ^= a
    d = (d >> _U32) | (d << _U32)
    c = c + d
    b ^= c
    b = (b >> _U24) | (b << _U40)
    a = a + b + y
    d ^= a
    d = (d >> _U16) | (d << _U48)
    c = c + d
    b ^= c
    b = (b >> _U63) | (b << _U1)
    return a, b, c, d


@njit(cache=True)
def _compress(h, m, t, last):
    """Mix one block m (16 words) with byte counter t into the state h (8 words), in place."""
    v0, v1, v2, v3, v4, v5, v6, v7 = h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]
    v8, v9, v10, v11 = _IV[0], _IV[1], _IV[2], _IV[3]
    v12 = _IV[4] ^ t            # counter high word t >> 64 is always 0 here
    v13 = _IV[5]
    v14 = _IV[6] ^ _ALL_ONES if last else _IV[6]
    v15 = _IV[7]
    for r in range(12):
        s = _SIGMA[r]
        v0, v4, v8, v12 = _g(v0, v4, v8, v12, m[s[0]], m[s[1]])
        v1, v5, v9, v13 = _g(v1, v5, v9, v13, m[s[2]], m[s[3]])
        v2, v6, v10, v14 = _g(v2, v6, v10, v14, m[s[4]], m[s[5]])
        v3, v7, v11, v15 = _g(v3, v7, v11, v15, m[s[6]], m[s[7]])
        v0, v5, v10, v15 = _g(v0, v5, v10, v15, m[s[8]], m[s[9]])
        v1, v6, v11, v12 = _g(v1, v6, v11, v12, m[s[10]], m[s[11]])
        v2, v7, v8, v13 = _g(v2, v7, v8, v13, m[s[12]], m[s[13]])
        v3, v4, v9, v14 = _g(v3, v4, v9, v14, m[s[14]], m[s[15]])
    h[0] ^= v0 ^ v8
    h[1] ^= v1 ^ v9
    h[2] ^= v2 ^ v10
    h[3] ^= v3 ^ v11
    h[4] ^= v4 ^ v12
    h[5] ^= v5 ^ v13
    h[6] ^= v6 ^ v14
    h[7] ^= v7 ^ v15


@njit(cache=True)
def _init_state(h):
    for i in range(8):
        h[i] = _IV[i]
    h[0] ^= _H0_PARAM


@njit(cache=True)
def _hash_one(words, nbytes, h, m):
    """BLAKE2b-256 of the nbytes-byte message whose little-endian 32-bit words are `words`.

    `words` may hold uint32 or uint64 entries (each < 2^32, zero past the message); returns the OR
    of the entries' high halves, which is non-zero exactly when some entry was not a 32-bit word.
    """
    _init_state(h)
    count = words.shape[0]
    high = np.uint64(0)
    blocks = max(1, (nbytes + BLOCK_BYTES - 1) // BLOCK_BYTES)
    for blk in range(blocks):
        base = 32 * blk
        for i in range(16):
            j = base + 2 * i
            lo = np.uint64(words[j]) if j < count else np.uint64(0)
            hi = np.uint64(words[j + 1]) if j + 1 < count else np.uint64(0)
            high |= (lo | hi) >> _U32
            m[i] = lo | (hi << _U32)
        last = blk == blocks - 1
        t = nbytes if last else BLOCK_BYTES * (blk + 1)
        _compress(h, m, np.uint64(t), last)
    return high


@njit(cache=True, parallel=True)
def _hash_word_rows(words, lengths, out, high):
    """out[i] = first 4 words of BLAKE2b(row i), row i being lengths[i] (or lengths[0]) bytes."""
    n = words.shape[0]
    chunk = 1024
    for task in prange((n + chunk - 1) // chunk):
        h = np.empty(8, dtype=np.uint64)
        m = np.empty(16, dtype=np.uint64)
        for i in range(task * chunk, min(n, (task + 1) * chunk)):
            nbytes = lengths[i] if lengths.shape[0] > 1 else lengths[0]
            high[i] = _hash_one(words[i], nbytes, h, m) != 0
            for k in range(4):
                out[i, k] = h[k]


_LANES = 64
"""Messages hashed side by side: each step of G runs over this many lanes, which LLVM turns into
AVX2/AVX-512 vector operations (eight 64-bit lanes per instruction, rotations included)."""


@njit(cache=True, inline="always")
def _g_lanes(v, a, b, c, d, m, x, y):
    """G on rows a, b, c, d of the (16, lanes) working state with message rows x, y."""
    for lane in range(_LANES):
        va = v[a, lane]
        vb = v[b, lane]
        vc = v[c, lane]
        vd = v[d, lane]
        va = va + vb + m[x, lane]
        vd ^= va
        vd = (vd >> _U32) | (vd << _U32)
        vc = vc + vd
        vb ^= vc
        vb = (vb >> _U24) | (vb << _U40)
        va = va + vb + m[y, lane]
        vd ^= va
        vd = (vd >> _U16) | (vd << _U48)
        vc = vc + vd
        vb ^= vc
        vb = (vb >> _U63) | (vb << _U1)
        v[a, lane] = va
        v[b, lane] = vb
        v[c, lane] = vc
        v[d, lane] = vd


@njit(cache=True)
def _compress_lanes(h, m, v, t, last):
    """`_compress` on _LANES messages at once: h (8, lanes), m (16, lanes), v (16, lanes) scratch;
    all lanes share the byte counter t and the final flag."""
    for i in range(8):
        for lane in range(_LANES):
            v[i, lane] = h[i, lane]
            v[i + 8, lane] = _IV[i]
    for lane in range(_LANES):
        v[12, lane] ^= t
        if last:
            v[14, lane] ^= _ALL_ONES
    for r in range(12):
        s = _SIGMA[r]
        _g_lanes(v, 0, 4, 8, 12, m, s[0], s[1])
        _g_lanes(v, 1, 5, 9, 13, m, s[2], s[3])
        _g_lanes(v, 2, 6, 10, 14, m, s[4], s[5])
        _g_lanes(v, 3, 7, 11, 15, m, s[6], s[7])
        _g_lanes(v, 0, 5, 10, 15, m, s[8], s[9])
        _g_lanes(v, 1, 6, 11, 12, m, s[10], s[11])
        _g_lanes(v, 2, 7, 8, 13, m, s[12], s[13])
        _g_lanes(v, 3, 4, 9, 14, m, s[14], s[15])
    for i in range(8):
        for lane in range(_LANES):
            h[i, lane] ^= v[i, lane] ^ v[i + 8, lane]


@njit(cache=True)
def _init_lanes(h, start):
    """Every lane of h (8, lanes) ← the 8-word state `start`."""
    for i in range(8):
        for lane in range(_LANES):
            h[i, lane] = start[i]


@njit(cache=True, parallel=True)
def _hash_rows_lanes(words, nbytes, out, high):
    """`_hash_word_rows` for rows of one common length, _LANES rows per group.

    The last group is padded by repeating the last row; those lanes are not written out.
    """
    n, count = words.shape
    blocks = max(1, (nbytes + BLOCK_BYTES - 1) // BLOCK_BYTES)
    start = _IV.copy()
    start[0] ^= _H0_PARAM
    for group in prange((n + _LANES - 1) // _LANES):
        h = np.empty((8, _LANES), dtype=np.uint64)
        m = np.empty((16, _LANES), dtype=np.uint64)
        v = np.empty((16, _LANES), dtype=np.uint64)
        flags = np.zeros(_LANES, dtype=np.uint64)
        _init_lanes(h, start)
        for blk in range(blocks):
            base = 32 * blk
            full = base + 32 <= count
            for lane in range(_LANES):
                row = words[min(group * _LANES + lane, n - 1)]
                if full:   # no zero padding in this block: straight-line loads
                    acc = np.uint64(0)
                    for i in range(16):
                        lo = np.uint64(row[base + 2 * i])
                        hi = np.uint64(row[base + 2 * i + 1])
                        acc |= lo | hi
                        m[i, lane] = lo | (hi << _U32)
                    flags[lane] |= acc >> _U32
                    continue
                for i in range(16):
                    j = base + 2 * i
                    lo = np.uint64(row[j]) if j < count else np.uint64(0)
                    hi = np.uint64(row[j + 1]) if j + 1 < count else np.uint64(0)
                    flags[lane] |= (lo | hi) >> _U32
                    m[i, lane] = lo | (hi << _U32)
            last = blk == blocks - 1
            t = nbytes if last else BLOCK_BYTES * (blk + 1)
            _compress_lanes(h, m, v, np.uint64(t), last)
        for lane in range(_LANES):
            i = group * _LANES + lane
            if i < n:
                high[i] = flags[lane] != 0
                for k in range(4):
                    out[i, k] = h[k, lane]


# ---------------------------------------------------------------------------------------------
# proof-of-work grinding
# ---------------------------------------------------------------------------------------------


@njit(cache=True)
def _bswap(x):
    """Byte reversal: the big-endian reading of a little-endian word."""
    return (((x & _BYTE) << _U56) | (((x >> _U8) & _BYTE) << _U48) | (((x >> _U16) & _BYTE) << _U40)
            | (((x >> _U24) & _BYTE) << _U32) | (((x >> _U32) & _BYTE) << _U24)
            | (((x >> _U40) & _BYTE) << _U16) | (((x >> _U48) & _BYTE) << _U8) | (x >> _U56))


@njit(cache=True, parallel=True)
def _grind_batch(prefix_h, tail, tail_offset, total_bytes, nonce_pos, start, groups, tasks, bits):
    """Smallest nonce in [start, start + tasks·groups·lanes) that meets `bits`, or 2^64 − 1.

    prefix_h is the state after the message blocks that precede the nonce's block; tail holds the
    remaining blocks (16 words each) with zeros where the nonce goes, at byte nonce_pos of tail.
    Lane l of group q of a task tries nonce start + ((task·groups + q)·lanes + l).
    """
    found = np.full(tasks, _ALL_ONES, dtype=np.uint64)
    blocks = tail.shape[0] // 16
    word = nonce_pos // 8
    shift = np.uint64(8 * (nonce_pos % 8))
    limit_shift = np.uint64(64 - bits)
    for task in prange(tasks):
        h = np.empty((8, _LANES), dtype=np.uint64)
        m = np.empty((16, _LANES), dtype=np.uint64)
        v = np.empty((16, _LANES), dtype=np.uint64)
        for q in range(groups):
            first = np.uint64(start + (task * groups + q) * _LANES)
            _init_lanes(h, prefix_h)
            for blk in range(blocks):
                for i in range(16):
                    for lane in range(_LANES):
                        m[i, lane] = tail[16 * blk + i]
                # the nonce's 8 bytes start at byte `shift/8` of tail word `word`
                if word // 16 == blk:
                    for lane in range(_LANES):
                        m[word % 16, lane] |= (first + np.uint64(lane)) << shift
                if shift != 0 and (word + 1) // 16 == blk:
                    for lane in range(_LANES):
                        m[(word + 1) % 16, lane] |= (first + np.uint64(lane)) >> (np.uint64(64) - shift)
                last = blk == blocks - 1
                t = total_bytes if last else tail_offset + BLOCK_BYTES * (blk + 1)
                _compress_lanes(h, m, v, np.uint64(t), last)
            for lane in range(_LANES):
                if (_bswap(h[0, lane]) >> limit_shift) == 0:
                    found[task] = first + np.uint64(lane)
                    break
            if found[task] != _ALL_ONES:
                break
    best = _ALL_ONES
    for task in range(tasks):
        best = min(best, found[task])
    return best


@njit(cache=True)
def _absorb_prefix(words, blocks):
    """State after compressing the first `blocks` full blocks of `words` (none of them the last)."""
    h = np.empty(8, dtype=np.uint64)
    _init_state(h)
    for blk in range(blocks):
        _compress(h, words[16 * blk:16 * blk + 16], np.uint64(BLOCK_BYTES * (blk + 1)), False)
    return h


# ---------------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------------


@contextmanager
def _threads_for(batch: int) -> Iterator[None]:
    """Run small batches on the calling thread only."""
    if batch >= _SERIAL_BELOW:
        yield
        return
    saved = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(saved)


def blake2b_256(data: bytes) -> bytes:
    """BLAKE2b with a 32-byte digest (hashlib)."""
    return hashlib.blake2b(data, digest_size=DIGEST_SIZE).digest()


def _digests(words: np.ndarray, lengths: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = words.shape[0]
    out = np.empty((n, 4), dtype="<u8")
    high = np.empty(n, dtype=np.bool_)
    if n:
        with _threads_for(n):
            if lengths.shape[0] == 1:
                _hash_rows_lanes(words, lengths[0], out, high)
            else:
                _hash_word_rows(words, lengths, out, high)
    return out.view(np.uint8).reshape(n, DIGEST_SIZE), high


def hash_rows(rows: np.ndarray) -> np.ndarray:
    """Merkle leaves of a matrix of field elements: out[i] = BLAKE2b-256(little-endian bytes of row i).

    ``rows`` is (n, w) ``uint32`` (or ``uint64`` holding values < 2^32, such as NTT output); each
    element contributes 4 bytes, so a leaf hashes 4w bytes.  Returns (n, 32) ``uint8``.
    """
    rows = np.asarray(rows)
    if rows.ndim != 2:
        raise ValueError(f"expected an (n, w) matrix, got shape {rows.shape}")
    if rows.dtype not in (np.uint32, np.uint64):
        raise TypeError(f"expected uint32 or uint64 field elements, got {rows.dtype}")
    rows = np.ascontiguousarray(rows)
    digests, high = _digests(rows, np.array([4 * rows.shape[1]], dtype=np.int64))
    if high.any():
        raise ValueError("hash_rows: an element does not fit in 32 bits")
    return digests


def hash_pairs(digests: np.ndarray) -> np.ndarray:
    """One Merkle level up: (2m, 32) → (m, 32) with out[i] = BLAKE2b-256(digests[2i] ‖ digests[2i+1])."""
    digests = np.asarray(digests)
    if digests.ndim != 2 or digests.shape[1] != DIGEST_SIZE or digests.shape[0] % 2:
        raise ValueError(f"expected an even number of 32-byte digests, got shape {digests.shape}")
    if digests.dtype != np.uint8:
        raise TypeError(f"expected uint8 digests, got {digests.dtype}")
    words = np.ascontiguousarray(digests).reshape(-1, 2 * DIGEST_SIZE).view("<u4")
    return _digests(words, np.array([2 * DIGEST_SIZE], dtype=np.int64))[0]


def hash_bytes_many(messages: Sequence[bytes] | np.ndarray) -> np.ndarray:
    """BLAKE2b-256 of each message: a sequence of byte strings (any lengths) or an (n, L) uint8 array."""
    if isinstance(messages, np.ndarray):
        if messages.ndim != 2 or messages.dtype != np.uint8:
            raise ValueError("expected an (n, L) uint8 array of messages")
        n, length = messages.shape
        padded = np.zeros((n, -(-length // 4) * 4), dtype=np.uint8)
        padded[:, :length] = messages
        lengths = np.array([length], dtype=np.int64)
    else:
        n = len(messages)
        lengths = np.array([len(msg) for msg in messages], dtype=np.int64)
        width = -(-int(lengths.max(initial=0)) // 4) * 4
        padded = np.zeros((n, width), dtype=np.uint8)
        for i, msg in enumerate(messages):
            padded[i, :len(msg)] = np.frombuffer(msg, dtype=np.uint8)
    words = padded.view("<u4") if padded.shape[1] else np.zeros((n, 0), dtype=np.uint32)
    return _digests(words, lengths)[0]


def merkle_levels(leaf_digests: np.ndarray) -> list[np.ndarray]:
    """All levels of the binary Merkle tree over 2^k leaves: [leaves, …, root (1, 32)]."""
    level = np.ascontiguousarray(leaf_digests)
    n = level.shape[0] if level.ndim == 2 else 0
    if level.ndim != 2 or level.shape[1] != DIGEST_SIZE or n == 0 or n & (n - 1):
        raise ValueError(f"expected 2^k leaf digests of 32 bytes, got shape {level.shape}")
    levels = [level]
    while level.shape[0] > 1:
        level = hash_pairs(level)
        levels.append(level)
    return levels


_GRIND_GROUPS = 64
"""At most this many groups of _LANES nonces per task and batch."""


def grind(seed: bytes, bits: int) -> int:
    """Smallest nonce ≥ 0 such that BLAKE2b-256(seed ‖ nonce as 8 little-endian bytes) starts with
    `bits` zero bits (its first 8 bytes read as a big-endian integer are < 2^(64 − bits))."""
    if not 0 <= bits <= 64:
        raise ValueError(f"grinding bits must be in [0, 64], got {bits}")
    if bits == 0:
        return 0
    seed = bytes(seed)
    total = len(seed) + 8
    blocks = max(1, -(-total // BLOCK_BYTES))
    # Blocks wholly before the nonce (and not the final block) are the same for every nonce.
    fixed = min(len(seed) // BLOCK_BYTES, blocks - 1)
    message = np.zeros(blocks * BLOCK_BYTES, dtype=np.uint8)
    message[:len(seed)] = np.frombuffer(seed, dtype=np.uint8)
    words = message.view("<u8")
    prefix_h = _absorb_prefix(words, fixed)
    tail = np.ascontiguousarray(words[16 * fixed:])
    tail_offset = fixed * BLOCK_BYTES
    tasks = 4 * numba.get_num_threads()
    # About 2^bits tries are expected: batches of that order, so a few bits cost little.
    groups = max(1, min(_GRIND_GROUPS, (1 << bits) // (_LANES * tasks)))
    start = 0
    while True:
        best = _grind_batch(prefix_h, tail, tail_offset, total, len(seed) - tail_offset, start,
                            groups, tasks, bits)
        if best != np.uint64(0xFFFFFFFFFFFFFFFF):
            return int(best)
        start += groups * _LANES * tasks


def check_grind(seed: bytes, nonce: int, bits: int) -> bool:
    """Whether `nonce` meets the grinding condition of `grind` (hashlib only, for the verifier)."""
    if not 0 <= bits <= 64 or not 0 <= nonce < 1 << 64:
        return False
    digest = blake2b_256(bytes(seed) + nonce.to_bytes(8, "little"))
    return int.from_bytes(digest[:8], "big") >> (64 - bits) == 0
