"""Poseidon2 over BabyBear, width 16, S-box x^7: permutation, 2-to-1 compression and a sponge.

The instance is Plonky3's default BabyBear width-16 permutation (Horizen Labs round constants,
Plonky3's external 4×4 block and internal diagonal); its parameters live in
:mod:`circuits.poseidon2_constants` and the published test vector is checked by the tests.

Round structure (``ROUNDS = ROUNDS_F + ROUNDS_P = 21`` rounds)::

    s = M_E · s                                   initial linear layer
    4 external rounds:  s = M_E · sbox(s + RC[r])             (sbox on all 16 elements)
   13 internal rounds:  s[0] = sbox(s[0] + RC[r][0]);  s = M_I · s
    4 external rounds:  s = M_E · sbox(s + RC[r])

with ``sbox(x) = x^7``, ``M_E = circ(2·M4, M4, M4, M4)`` (a 4×4 block circulant) and
``M_I = 1 + diag(V)`` (all-ones plus a diagonal), so ``(M_I s)_i = Σ_j s_j + V_i · s_i``.

Three implementations share these definitions, and the tests hold them equal:

* :func:`permute` — the reference, plain Python ints, explicit 16×16 matrices;
* a row kernel (numba, one state at a time, ``% p`` reductions) — single hashes, Merkle paths,
  :func:`permute_many_trace` (every round's output, for witness generation), small batches;
* a lane kernel (numba, blocks of 64 states held element-major in 32-bit Montgomery form so the
  compiler emits SIMD code) — :func:`permute_many`, :func:`compress_many`,
  :func:`hash_elements_many` on 32 rows or more, about twice the row kernel's throughput.

Field arithmetic in the kernels: elements are canonical (< p < 2^31), so a product of two fits in
2^62 and sums of up to 2^32 such terms stay below 2^64; each layer reduces once at its end.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numba import njit, prange

from circuits.field import P
from circuits.poseidon2_constants import (
    INTERNAL_DIAG_V,
    M4,
    RC_EXTERNAL_FINAL,
    RC_EXTERNAL_INITIAL,
    RC_INTERNAL,
    ROUNDS_F,
    ROUNDS_P,
    SBOX_DEGREE,
    WIDTH,
)

__all__ = [
    "WIDTH", "RATE", "CAPACITY", "DIGEST_SIZE", "SBOX_DEGREE", "ROUNDS_F", "ROUNDS_P", "ROUNDS",
    "FULL_ROUND", "RC", "DIAG", "LANES", "EXTERNAL_MATRIX", "INTERNAL_MATRIX",
    "permute", "permute_many", "permute_many_trace", "external_layer_many", "internal_layer_many",
    "compress", "compress_many", "hash_elements", "hash_elements_many",
    "fold_path", "permute_row_kernel", "sponge_row_kernel", "compress_row_kernel",
]

RATE = 8
"""Sponge rate: elements absorbed per permutation."""

CAPACITY = WIDTH - RATE
"""Sponge capacity (8 elements, ~248 bits); its first two slots carry the domain tag and the length."""

DIGEST_SIZE = 8
"""Elements in a digest: 8 × 31 bits ≈ 248 bits, ~124-bit collision resistance."""

ROUNDS = ROUNDS_F + ROUNDS_P
"""Total rounds (21)."""

_HALF_F = ROUNDS_F // 2

FULL_ROUND = np.array(
    [True] * _HALF_F + [False] * ROUNDS_P + [True] * _HALF_F, dtype=bool
)
"""FULL_ROUND[r]: round r is external (S-box on every element) rather than internal."""
FULL_ROUND.flags.writeable = False

RC = np.zeros((ROUNDS, WIDTH), dtype=np.uint64)
"""Round constants as a (ROUNDS, 16) table; internal rounds use only column 0 (the rest are 0)."""
RC[:_HALF_F] = RC_EXTERNAL_INITIAL
RC[_HALF_F:_HALF_F + ROUNDS_P, 0] = RC_INTERNAL
RC[_HALF_F + ROUNDS_P:] = RC_EXTERNAL_FINAL
RC.flags.writeable = False

DIAG = np.array(INTERNAL_DIAG_V, dtype=np.uint64)
"""V of M_I = 1 + diag(V) as uint64."""
DIAG.flags.writeable = False


def _external_matrix() -> tuple[tuple[int, ...], ...]:
    # M_E = circ(2·M4, M4, M4, M4): block (a, b) is 2·M4 on the diagonal, M4 elsewhere.
    rows = []
    for i in range(WIDTH):
        rows.append(tuple(
            M4[i % 4][j % 4] * (2 if i // 4 == j // 4 else 1) for j in range(WIDTH)
        ))
    return tuple(rows)


def _internal_matrix() -> tuple[tuple[int, ...], ...]:
    # M_I = J + diag(V) with J the all-ones matrix.
    return tuple(
        tuple(((INTERNAL_DIAG_V[i] + 1) % P) if i == j else 1 for j in range(WIDTH))
        for i in range(WIDTH)
    )


EXTERNAL_MATRIX = _external_matrix()
"""M_E as a 16×16 tuple of ints (reference definition)."""

INTERNAL_MATRIX = _internal_matrix()
"""M_I as a 16×16 tuple of ints (reference definition)."""


# ---------------------------------------------------------------------------------------------
# Reference implementation (plain Python ints)
# ---------------------------------------------------------------------------------------------

def _matvec(m: tuple[tuple[int, ...], ...], s: list[int]) -> list[int]:
    return [sum(a * b for a, b in zip(row, s)) % P for row in m]


def permute(state: Sequence[int]) -> list[int]:
    """The Poseidon2 permutation of a 16-element state (reference implementation, Python ints)."""
    if len(state) != WIDTH:
        raise ValueError(f"Poseidon2 state has {WIDTH} elements, got {len(state)}")
    s = [int(x) % P for x in state]
    s = _matvec(EXTERNAL_MATRIX, s)
    for r in range(ROUNDS):
        rc = RC[r]
        if FULL_ROUND[r]:
            s = [pow((x + int(c)) % P, SBOX_DEGREE, P) for x, c in zip(s, rc)]
            s = _matvec(EXTERNAL_MATRIX, s)
        else:
            s[0] = pow((s[0] + int(rc[0])) % P, SBOX_DEGREE, P)
            s = _matvec(INTERNAL_MATRIX, s)
    return s


# ---------------------------------------------------------------------------------------------
# numba kernels
# ---------------------------------------------------------------------------------------------

_P = np.uint64(P)
_RC = np.ascontiguousarray(RC)
_DIAG = np.ascontiguousarray(DIAG)
_FULL = np.ascontiguousarray(FULL_ROUND)
_N_ROUNDS = ROUNDS
_U2 = np.uint64(2)


@njit(cache=True)
def _sbox(x):
    # x^7 = x^3 · x^4 with 4 multiplications.
    x2 = (x * x) % _P
    x3 = (x2 * x) % _P
    x4 = (x2 * x2) % _P
    return (x3 * x4) % _P


@njit(cache=True)
def _external_layer(s):
    # M4 on each 4-block: [2 3 1 1; 1 2 3 1; 1 1 2 3; 3 1 1 2] (outputs < 7·2^31).
    for b in range(0, 16, 4):
        x0 = s[b]
        x1 = s[b + 1]
        x2 = s[b + 2]
        x3 = s[b + 3]
        t01 = x0 + x1
        t23 = x2 + x3
        t0123 = t01 + t23
        t01123 = t0123 + x1
        t01233 = t0123 + x3
        s[b] = t01123 + t01            # 2x0 + 3x1 + x2 + x3
        s[b + 1] = t01123 + _U2 * x2   # x0 + 2x1 + 3x2 + x3
        s[b + 2] = t01233 + t23        # x0 + x1 + 2x2 + 3x3
        s[b + 3] = t01233 + _U2 * x0   # 3x0 + x1 + x2 + 2x3
    # circ(2, 1, 1, 1) over the blocks: y_i = x'_i + Σ_j x'_{4j + i mod 4}.
    for k in range(4):
        col = s[k] + s[4 + k] + s[8 + k] + s[12 + k]
        s[k] = (s[k] + col) % _P
        s[4 + k] = (s[4 + k] + col) % _P
        s[8 + k] = (s[8 + k] + col) % _P
        s[12 + k] = (s[12 + k] + col) % _P


@njit(cache=True)
def _internal_layer(s):
    # (1 + diag(V)) s: every element gets Σ s_j, plus V_i · s_i.
    total = np.uint64(0)
    for i in range(16):
        total += s[i]
    for i in range(16):
        s[i] = (total + _DIAG[i] * s[i]) % _P


@njit(cache=True)
def _round(s, r):
    if _FULL[r]:
        for i in range(16):
            s[i] = _sbox((s[i] + _RC[r, i]) % _P)
        _external_layer(s)
    else:
        s[0] = _sbox((s[0] + _RC[r, 0]) % _P)
        _internal_layer(s)


@njit(cache=True)
def _permute_row(s):
    _external_layer(s)
    for r in range(_N_ROUNDS):
        _round(s, r)


@njit(cache=True)
def _permute_serial(states):
    for i in range(states.shape[0]):
        _permute_row(states[i])



@njit(cache=True, parallel=True)
def _permute_trace_kernel(states, trace):
    for i in prange(states.shape[0]):
        s = states[i]
        for j in range(16):
            trace[i, 0, j] = s[j]
        _external_layer(s)
        for r in range(_N_ROUNDS):
            _round(s, r)
            for j in range(16):
                trace[i, r + 1, j] = s[j]


@njit(cache=True)
def _external_layer_rows(states):
    for i in range(states.shape[0]):
        _external_layer(states[i])


@njit(cache=True)
def _internal_layer_rows(states):
    for i in range(states.shape[0]):
        _internal_layer(states[i])


@njit(cache=True)
def _sponge_row(elems, domain, out):
    # Capacity slot 8 holds the domain tag, slot 9 the input length; zero-padding of the last block
    # is unambiguous because the length is bound.  At least one permutation, even for no input.
    s = np.zeros(16, dtype=np.uint64)
    s[8] = domain
    n = elems.shape[0]
    s[9] = np.uint64(n)
    blocks = max(1, (n + 7) // 8)
    for b in range(blocks):
        for j in range(8):
            idx = b * 8 + j
            if idx < n:
                s[j] = (s[j] + elems[idx]) % _P
        _permute_row(s)
    for j in range(8):
        out[j] = s[j]



@njit(cache=True)
def _sponge_rows_serial(elems, domain, out):
    for i in range(elems.shape[0]):
        _sponge_row(elems[i], domain, out[i])


@njit(cache=True)
def _compress_row(left, right, out):
    s = np.empty(16, dtype=np.uint64)
    for j in range(8):
        s[j] = left[j]
        s[8 + j] = right[j]
    _permute_row(s)
    for j in range(8):
        out[j] = s[j]



@njit(cache=True)
def _compress_rows_serial(left, right, out):
    for i in range(left.shape[0]):
        _compress_row(left[i], right[i], out[i])


@njit(cache=True)
def _fold_path_kernel(start, siblings, is_right, out):
    # Walk from the deepest sibling up: node = compress(sib, node) if node is a right child.
    node = start.copy()
    for d in range(siblings.shape[0] - 1, -1, -1):
        if is_right[d]:
            _compress_row(siblings[d], node, node)
        else:
            _compress_row(node, siblings[d], node)
    for j in range(8):
        out[j] = node[j]




# ---------------------------------------------------------------------------------------------
# Lane kernel: LANES states at once, element-major, in 32-bit Montgomery form
# ---------------------------------------------------------------------------------------------
# The row kernel above reduces with ``% p`` on uint64, which compiles to a scalar 64×64→128-bit
# multiply.  For bulk work the lane kernel keeps a block of LANES states as a (16, LANES) uint32
# array so that each step is one loop over lanes that LLVM turns into SIMD code, and it multiplies
# in Montgomery form (R = 2^32): every product is 32×32→64 bits (one ``vpmuludq`` per 4 or 8 lanes),
#
#     mont_mul(a, b) = a·b·R^-1 mod p:  x = a·b;  t = (x mod R)·p^-1 mod R;  r = (x + p·R − t·p) / R
#
# with r in [0, 2p), then one conditional subtraction (written ``min(r, r − p)``: unsigned
# wrap-around makes r − p huge when r < p).  The linear layers only add, so they run on the
# Montgomery representatives unchanged; their sums (< 2^37) are reduced with 2^31 ≡ 2^31 − p
# (mod p), folded twice, then one conditional subtraction.

LANES = 64
"""States per block of the lane kernel."""

_R = 1 << 32
_M32 = np.uint64(0xFFFFFFFF)
_PINV = np.uint64(pow(P, -1, _R))              # p^-1 mod 2^32
_PR = np.uint64(P << 32)                       # p·R, keeps x + p·R − t·p non-negative
_R2 = np.uint64(pow(_R, 2, P))                 # to Montgomery form: mont_mul(a, R^2) = a·R
_ONE = np.uint64(1)                            # from Montgomery form: mont_mul(aR, 1) = a
_M31 = np.uint64((1 << 31) - 1)
_C31 = np.uint64((1 << 31) - P)                # 2^31 mod p
_S31 = np.uint64(31)
_S32 = np.uint64(32)
_RC_MONT = np.array([[(int(c) << 32) % P for c in row] for row in RC], dtype=np.uint64)
_DIAG_MONT = np.array([(int(d) << 32) % P for d in DIAG], dtype=np.uint64)


@njit(cache=True, inline="always")
def _mont_mul(a, b):
    x = (a & _M32) * (b & _M32)
    t = ((x & _M32) * _PINV) & _M32
    r = (x + _PR - t * _P) >> _S32
    return min(r, r - _P)


@njit(cache=True, inline="always")
def _fold(y):
    # y < 2^37 -> y mod p: two folds of 2^31 ≡ 2^31 − p leave y < 2p.
    y = (y & _M31) + (y >> _S31) * _C31
    y = (y & _M31) + (y >> _S31) * _C31
    return min(y, y - _P)


@njit(cache=True, inline="always")
def _add_mod(a, b):
    t = a + b
    return min(t, t - _P)


@njit(cache=True, inline="always")
def _sbox_mont(x):
    x2 = _mont_mul(x, x)
    x3 = _mont_mul(x2, x)
    x4 = _mont_mul(x2, x2)
    return _mont_mul(x3, x4)


@njit(cache=True)
def _lanes_external(s, w):
    for b in range(0, 16, 4):
        for i in range(LANES):
            x0 = np.uint64(s[b, i])
            x1 = np.uint64(s[b + 1, i])
            x2 = np.uint64(s[b + 2, i])
            x3 = np.uint64(s[b + 3, i])
            t01 = x0 + x1
            t23 = x2 + x3
            t0123 = t01 + t23
            t01123 = t0123 + x1
            t01233 = t0123 + x3
            w[b, i] = t01123 + t01
            w[b + 1, i] = t01123 + x2 + x2
            w[b + 2, i] = t01233 + t23
            w[b + 3, i] = t01233 + x0 + x0
    for k in range(4):
        for i in range(LANES):
            col = w[k, i] + w[4 + k, i] + w[8 + k, i] + w[12 + k, i]
            s[k, i] = np.uint32(_fold(w[k, i] + col))
            s[4 + k, i] = np.uint32(_fold(w[4 + k, i] + col))
            s[8 + k, i] = np.uint32(_fold(w[8 + k, i] + col))
            s[12 + k, i] = np.uint32(_fold(w[12 + k, i] + col))


@njit(cache=True)
def _lanes_internal(s, tot):
    for i in range(LANES):
        tot[i] = 0
    for j in range(16):
        for i in range(LANES):
            tot[i] += np.uint64(s[j, i])
    for i in range(LANES):
        tot[i] = _fold(tot[i])
    for j in range(16):
        d = _DIAG_MONT[j]
        for i in range(LANES):
            s[j, i] = np.uint32(_add_mod(tot[i], _mont_mul(d, np.uint64(s[j, i]))))


@njit(cache=True)
def _lanes_permute(s, w, tot):
    _lanes_external(s, w)
    for r in range(_N_ROUNDS):
        if _FULL[r]:
            for j in range(16):
                c = _RC_MONT[r, j]
                for i in range(LANES):
                    s[j, i] = np.uint32(_sbox_mont(_add_mod(np.uint64(s[j, i]), c)))
            _lanes_external(s, w)
        else:
            c = _RC_MONT[r, 0]
            for i in range(LANES):
                s[0, i] = np.uint32(_sbox_mont(_add_mod(np.uint64(s[0, i]), c)))
            _lanes_internal(s, tot)


@njit(cache=True, parallel=True)
def _permute_lanes(states, out, out_width):
    # out[i, :out_width] = permute(states[i])[:out_width]
    n = states.shape[0]
    for blk in prange((n + LANES - 1) // LANES):
        s = np.zeros((16, LANES), dtype=np.uint32)
        w = np.empty((16, LANES), dtype=np.uint64)
        tot = np.empty(LANES, dtype=np.uint64)
        lo = blk * LANES
        cnt = min(LANES, n - lo)
        for i in range(cnt):
            for j in range(16):
                s[j, i] = np.uint32(_mont_mul(states[lo + i, j], _R2))
        _lanes_permute(s, w, tot)
        for i in range(cnt):
            for j in range(out_width):
                out[lo + i, j] = _mont_mul(np.uint64(s[j, i]), _ONE)


@njit(cache=True, parallel=True)
def _sponge_lanes(elems, domain, out):
    # Same sponge as _sponge_row, LANES rows at a time (every row has the same length).
    n, length = elems.shape
    blocks = max(1, (length + 7) // 8)
    dom = _mont_mul(domain, _R2)
    ln = _mont_mul(np.uint64(length), _R2)
    for blk in prange((n + LANES - 1) // LANES):
        s = np.zeros((16, LANES), dtype=np.uint32)
        w = np.empty((16, LANES), dtype=np.uint64)
        tot = np.empty(LANES, dtype=np.uint64)
        lo = blk * LANES
        cnt = min(LANES, n - lo)
        for i in range(LANES):
            s[8, i] = np.uint32(dom)
            s[9, i] = np.uint32(ln)
        for b in range(blocks):
            for j in range(8):
                idx = b * 8 + j
                if idx < length:
                    for i in range(cnt):
                        e = _mont_mul(elems[lo + i, idx], _R2)
                        s[j, i] = np.uint32(_add_mod(np.uint64(s[j, i]), e))
            _lanes_permute(s, w, tot)
        for i in range(cnt):
            for j in range(8):
                out[lo + i, j] = _mont_mul(np.uint64(s[j, i]), _ONE)


# Building blocks for other njit kernels (e.g. a Merkle tree hashing its nodes in one call):
# permute_row_kernel(s) permutes a uint64[16] in place; sponge_row_kernel(elems, domain, out)
# writes hash_elements(elems, domain) into out[:8]; compress_row_kernel(left, right, out) writes
# compress(left, right) into out[:8] (out may alias an input).
permute_row_kernel = _permute_row
sponge_row_kernel = _sponge_row
compress_row_kernel = _compress_row


# ---------------------------------------------------------------------------------------------
# Array API
# ---------------------------------------------------------------------------------------------

_LANES_MIN_ROWS = 32  # below this a block of LANES lanes would be mostly padding


def _as_states(states: np.ndarray, width: int, name: str) -> np.ndarray:
    arr = np.asarray(states)
    if arr.ndim != 2 or arr.shape[1] != width:
        raise ValueError(f"{name} must have shape (n, {width}), got {arr.shape}")
    arr = np.ascontiguousarray(arr, dtype=np.uint64)
    if arr.size and int(arr.max()) >= P:
        raise ValueError(f"{name} holds values that are not canonical BabyBear elements")
    return arr


def permute_many(states: np.ndarray) -> np.ndarray:
    """Permute every row of an (n, 16) array of canonical elements; returns a new uint64 array."""
    arr = _as_states(states, WIDTH, "states")
    if arr.shape[0] >= _LANES_MIN_ROWS:
        out = np.empty_like(arr)
        _permute_lanes(arr, out, WIDTH)
        return out
    out = arr.copy()
    _permute_serial(out)
    return out


def permute_many_trace(states: np.ndarray) -> np.ndarray:
    """Every round's output for each row: shape (n, ROUNDS + 1, 16).

    ``trace[:, 0]`` is the input; ``trace[:, r + 1]`` is the state after round r.  Round 0 starts
    with the initial linear layer ``M_E`` (so ``trace[:, 1] = M_E · sbox(M_E · input + RC[0])``);
    every later round is exactly one step of the table in the module docstring, and
    ``trace[:, ROUNDS]`` equals :func:`permute_many`.
    """
    work = _as_states(states, WIDTH, "states").copy()
    trace = np.empty((work.shape[0], ROUNDS + 1, WIDTH), dtype=np.uint64)
    if work.shape[0]:
        _permute_trace_kernel(work, trace)
    return trace


def external_layer_many(states: np.ndarray) -> np.ndarray:
    """M_E · s for each row (the kernel's optimized external linear layer)."""
    out = _as_states(states, WIDTH, "states").copy()
    _external_layer_rows(out)
    return out


def internal_layer_many(states: np.ndarray) -> np.ndarray:
    """M_I · s for each row (the kernel's optimized internal linear layer)."""
    out = _as_states(states, WIDTH, "states").copy()
    _internal_layer_rows(out)
    return out


def compress_many(left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Row-wise :func:`compress` of two (n, 8) arrays; returns (n, 8)."""
    left = _as_states(left, DIGEST_SIZE, "left")
    right = _as_states(right, DIGEST_SIZE, "right")
    if left.shape != right.shape:
        raise ValueError(f"left {left.shape} and right {right.shape} differ in shape")
    out = np.empty_like(left)
    if left.shape[0] >= _LANES_MIN_ROWS:
        _permute_lanes(np.hstack([left, right]), out, DIGEST_SIZE)
    else:
        _compress_rows_serial(left, right, out)
    return out


def _check_domain(domain: int) -> int:
    if not 0 <= int(domain) < P:
        raise ValueError(f"domain tag {domain} is not a field element")
    return int(domain)


def hash_elements_many(elems: np.ndarray, domain: int) -> np.ndarray:
    """Row-wise :func:`hash_elements` of an (n, L) array (every row has the same length L)."""
    arr = np.asarray(elems)
    if arr.ndim != 2:
        raise ValueError(f"elems must be 2-D (n, L), got shape {arr.shape}")
    arr = _as_states(arr, arr.shape[1], "elems")
    out = np.empty((arr.shape[0], DIGEST_SIZE), dtype=np.uint64)
    dom = np.uint64(_check_domain(domain))
    if arr.shape[0] >= _LANES_MIN_ROWS:
        _sponge_lanes(arr, dom, out)
    else:
        _sponge_rows_serial(arr, dom, out)
    return out


# ---------------------------------------------------------------------------------------------
# Scalar API
# ---------------------------------------------------------------------------------------------

def _elements(values: Sequence[int], size: int | None, name: str) -> np.ndarray:
    arr = np.fromiter((int(v) for v in values), dtype=np.uint64) if not isinstance(values, np.ndarray) \
        else np.ascontiguousarray(values, dtype=np.uint64)
    if size is not None and arr.shape != (size,):
        raise ValueError(f"{name} must hold {size} elements, got {arr.shape[0]}")
    if arr.size and int(arr.max()) >= P:
        raise ValueError(f"{name} holds values that are not canonical BabyBear elements")
    return arr


def compress(left: Sequence[int], right: Sequence[int]) -> tuple[int, ...]:
    """2-to-1 hash of two 8-element digests: ``permute(left ‖ right)[:8]``.

    This is the truncated-permutation compression (Plonky3's ``TruncatedPermutation``): one
    permutation per Merkle node and no sponge bookkeeping.  Dropping half of the output makes it
    non-invertible — from 8 output elements the other 8 are unknown, so the permutation cannot be
    run backwards to a chosen input — and an ideal 16-element permutation truncated to 8 elements
    (≈248 bits) offers ≈124-bit collision resistance, the bound any 8-element digest has anyway.
    It has no domain tag: callers that must tell node kinds apart (a Merkle tree's leaves and
    inner nodes) hash one of the kinds with the tagged sponge :func:`hash_elements`.
    """
    out = np.empty(DIGEST_SIZE, dtype=np.uint64)
    _compress_row(_elements(left, DIGEST_SIZE, "left"), _elements(right, DIGEST_SIZE, "right"), out)
    return tuple(out.tolist())


def hash_elements(elems: Sequence[int], domain: int) -> tuple[int, ...]:
    """Sponge hash of any number of field elements to an 8-element digest.

    Rate 8 (state[0:8]) and capacity 8 (state[8:16]).  The capacity starts as
    ``[domain, len(elems), 0, …, 0]``: the domain tag separates uses (two callers with different
    tags never share a sponge state), and binding the length makes zero-padding of the last
    block unambiguous (``[a]`` and ``[a, 0]`` start from different states).  Each block of 8 is
    added into the rate, then the state is permuted; at least one permutation runs, so the empty
    input has a digest too.  The digest is state[0:8] after the last permutation.
    """
    arr = _elements(elems, None, "elems")
    out = np.empty(DIGEST_SIZE, dtype=np.uint64)
    _sponge_row(arr, np.uint64(_check_domain(domain)), out)
    return tuple(out.tolist())


def fold_path(start: Sequence[int], siblings: np.ndarray, is_right: np.ndarray) -> tuple[int, ...]:
    """Root of a Merkle path: fold ``start`` upward through ``siblings`` (top to bottom order).

    ``siblings[d]`` is the sibling of the path node at depth d + 1, and ``is_right[d]`` says that
    this path node is the right child of its parent, i.e. ``parent = compress(siblings[d], node)``
    (else ``compress(node, siblings[d])``).  One kernel call for the whole path.
    """
    sib = np.ascontiguousarray(siblings, dtype=np.uint64).reshape(-1, DIGEST_SIZE)
    bits = np.ascontiguousarray(is_right, dtype=np.bool_).reshape(-1)
    if bits.shape[0] != sib.shape[0]:
        raise ValueError("one direction bit per sibling")
    out = np.empty(DIGEST_SIZE, dtype=np.uint64)
    _fold_path_kernel(_elements(start, DIGEST_SIZE, "start"), sib, bits, out)
    return tuple(out.tolist())
