"""numba kernels for arrays of extension-field elements (shape (n, 5), uint64, canonical).

These carry the prover's extension-field work: LogUp columns, the composition polynomial's random
linear combination, DEEP quotients and FRI folding.  Every product of two canonical coefficients is
< 2^62, so each is reduced before it is summed; sums of five reduced terms stay far below 2^64.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from circuits.field import P

_P = np.uint64(P)
_W = np.uint64(2)
_PARALLEL_MIN = 4096
"""Below this many rows the kernels run on one thread: launching the thread pool costs more."""


@njit(cache=True, inline="always")
def _mul_into(a0, a1, a2, a3, a4, b0, b1, b2, b3, b4, out, i):
    c0 = (a0 * b0) % _P + _W * ((a1 * b4) % _P + (a2 * b3) % _P + (a3 * b2) % _P + (a4 * b1) % _P)
    c1 = (a0 * b1) % _P + (a1 * b0) % _P + _W * ((a2 * b4) % _P + (a3 * b3) % _P + (a4 * b2) % _P)
    c2 = (a0 * b2) % _P + (a1 * b1) % _P + (a2 * b0) % _P + _W * ((a3 * b4) % _P + (a4 * b3) % _P)
    c3 = (a0 * b3) % _P + (a1 * b2) % _P + (a2 * b1) % _P + (a3 * b0) % _P + _W * ((a4 * b4) % _P)
    c4 = (a0 * b4) % _P + (a1 * b3) % _P + (a2 * b2) % _P + (a3 * b1) % _P + (a4 * b0) % _P
    out[i, 0] = c0 % _P
    out[i, 1] = c1 % _P
    out[i, 2] = c2 % _P
    out[i, 3] = c3 % _P
    out[i, 4] = c4 % _P


@njit(cache=True)
def _ext_mul_ser(a, b):
    out = np.empty((a.shape[0], 5), dtype=np.uint64)
    for i in range(a.shape[0]):
        _mul_into(a[i, 0], a[i, 1], a[i, 2], a[i, 3], a[i, 4],
                  b[i, 0], b[i, 1], b[i, 2], b[i, 3], b[i, 4], out, i)
    return out


def ext_mul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Elementwise product of two (n, 5) arrays."""
    if a.shape[0] < _PARALLEL_MIN:
        return _ext_mul_ser(a, b)
    return _ext_mul_par(a, b)


@njit(cache=True, parallel=True)
def _ext_mul_par(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    n = a.shape[0]
    out = np.empty((n, 5), dtype=np.uint64)
    for i in prange(n):
        _mul_into(a[i, 0], a[i, 1], a[i, 2], a[i, 3], a[i, 4],
                  b[i, 0], b[i, 1], b[i, 2], b[i, 3], b[i, 4], out, i)
    return out


@njit(cache=True, parallel=True)
def ext_mul_scalar(a: np.ndarray, s: np.ndarray) -> np.ndarray:
    """Each row of a (n, 5) array times one extension element s (shape (5,))."""
    n = a.shape[0]
    out = np.empty((n, 5), dtype=np.uint64)
    for i in prange(n):
        _mul_into(a[i, 0], a[i, 1], a[i, 2], a[i, 3], a[i, 4],
                  s[0], s[1], s[2], s[3], s[4], out, i)
    return out


@njit(cache=True, parallel=True)
def ext_mul_base(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(n, 5) extension array times an (n,) base-field array, elementwise."""
    n = a.shape[0]
    out = np.empty((n, 5), dtype=np.uint64)
    for i in prange(n):
        for k in range(5):
            out[i, k] = (a[i, k] * b[i]) % _P
    return out


@njit(cache=True)
def _ext_inv_scalar(a0, a1, a2, a3, a4):
    # Frobenius: coefficient k of x^p is c_k · g^k with g = W^((p−1)/5).
    g1 = np.uint64(1)
    base = _W
    e = (P - 1) // 5
    while e > 0:
        if e & 1:
            g1 = (g1 * base) % _P
        base = (base * base) % _P
        e >>= 1
    tmp = np.empty((1, 5), dtype=np.uint64)
    cur = np.array([a0, a1, a2, a3, a4], dtype=np.uint64)
    conj = np.array([1, 0, 0, 0, 0], dtype=np.uint64)
    for _ in range(4):
        # cur <- frobenius(cur)
        gk = np.uint64(1)
        for k in range(5):
            cur[k] = (cur[k] * gk) % _P
            gk = (gk * g1) % _P
        _mul_into(conj[0], conj[1], conj[2], conj[3], conj[4],
                  cur[0], cur[1], cur[2], cur[3], cur[4], tmp, 0)
        for k in range(5):
            conj[k] = tmp[0, k]
    _mul_into(a0, a1, a2, a3, a4, conj[0], conj[1], conj[2], conj[3], conj[4], tmp, 0)
    norm = tmp[0, 0]
    # norm^(p-2)
    inv = np.uint64(1)
    base = norm
    e = P - 2
    while e > 0:
        if e & 1:
            inv = (inv * base) % _P
        base = (base * base) % _P
        e >>= 1
    for k in range(5):
        conj[k] = (conj[k] * inv) % _P
    return conj


@njit(cache=True)
def ext_batch_inv(a: np.ndarray) -> np.ndarray:
    """Inverses of every row of an (n, 5) array by Montgomery's trick (one scalar inversion).

    The caller guarantees no row is zero (the prover only inverts x − z for z outside the domain).
    """
    n = a.shape[0]
    prefix = np.empty((n, 5), dtype=np.uint64)
    acc = np.zeros((1, 5), dtype=np.uint64)
    acc[0, 0] = 1
    for i in range(n):
        _mul_into(acc[0, 0], acc[0, 1], acc[0, 2], acc[0, 3], acc[0, 4],
                  a[i, 0], a[i, 1], a[i, 2], a[i, 3], a[i, 4], acc, 0)
        for k in range(5):
            prefix[i, k] = acc[0, k]
    inv = _ext_inv_scalar(acc[0, 0], acc[0, 1], acc[0, 2], acc[0, 3], acc[0, 4])
    out = np.empty((n, 5), dtype=np.uint64)
    cur = np.zeros((1, 5), dtype=np.uint64)
    for k in range(5):
        cur[0, k] = inv[k]
    for i in range(n - 1, 0, -1):
        _mul_into(cur[0, 0], cur[0, 1], cur[0, 2], cur[0, 3], cur[0, 4],
                  prefix[i - 1, 0], prefix[i - 1, 1], prefix[i - 1, 2], prefix[i - 1, 3],
                  prefix[i - 1, 4], out, i)
        _mul_into(cur[0, 0], cur[0, 1], cur[0, 2], cur[0, 3], cur[0, 4],
                  a[i, 0], a[i, 1], a[i, 2], a[i, 3], a[i, 4], cur, 0)
    for k in range(5):
        out[0, k] = cur[0, k]
    return out


@njit(cache=True, inline="always")
def _combine_row(m, coeffs, out, i):
    w = m.shape[1]
    a0 = np.uint64(0)
    a1 = np.uint64(0)
    a2 = np.uint64(0)
    a3 = np.uint64(0)
    a4 = np.uint64(0)
    for j in range(w):
        v = np.uint64(m[i, j])
        a0 += (v * coeffs[j, 0]) % _P
        a1 += (v * coeffs[j, 1]) % _P
        a2 += (v * coeffs[j, 2]) % _P
        a3 += (v * coeffs[j, 3]) % _P
        a4 += (v * coeffs[j, 4]) % _P
    out[i, 0] = a0 % _P
    out[i, 1] = a1 % _P
    out[i, 2] = a2 % _P
    out[i, 3] = a3 % _P
    out[i, 4] = a4 % _P


@njit(cache=True, parallel=True)
def _combine_columns_par(m, coeffs):
    out = np.empty((m.shape[0], 5), dtype=np.uint64)
    for i in prange(m.shape[0]):
        _combine_row(m, coeffs, out, i)
    return out


@njit(cache=True)
def _combine_columns_ser(m, coeffs):
    out = np.empty((m.shape[0], 5), dtype=np.uint64)
    for i in range(m.shape[0]):
        _combine_row(m, coeffs, out, i)
    return out


def combine_columns(m: np.ndarray, coeffs: np.ndarray) -> np.ndarray:
    """Σ_j coeffs[j] · m[:, j]: a base matrix (n, w) combined with w extension coefficients (w, 5).

    The random linear combinations of the composition and DEEP polynomials are exactly this.  Terms
    are reduced before summing; a running sum of w reduced terms (< 2^31 each) fits while w < 2^33.
    Small inputs (the verifier's few opened rows) run serially: a parallel launch costs more.
    """
    if m.shape[0] < _PARALLEL_MIN:
        return _combine_columns_ser(m, coeffs)
    return _combine_columns_par(m, coeffs)


@njit(cache=True, parallel=True)
def weighted_row_sum(m: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Σ_i weights[i] · m[i, :]: for each column j, an extension element (w, 5).

    With weights = (1, z, z^2, …) and m the coefficient matrix of w polynomials this evaluates them
    all at the out-of-domain point z in one pass.
    """
    n, w = m.shape
    out = np.zeros((w, 5), dtype=np.uint64)
    for j in prange(w):
        a0 = np.uint64(0)
        a1 = np.uint64(0)
        a2 = np.uint64(0)
        a3 = np.uint64(0)
        a4 = np.uint64(0)
        for i in range(n):
            v = m[i, j]
            a0 += (v * weights[i, 0]) % _P
            a1 += (v * weights[i, 1]) % _P
            a2 += (v * weights[i, 2]) % _P
            a3 += (v * weights[i, 3]) % _P
            a4 += (v * weights[i, 4]) % _P
            if (i & 0xFFFFF) == 0xFFFFF:  # keep the running sums far from 2^64
                a0 %= _P
                a1 %= _P
                a2 %= _P
                a3 %= _P
                a4 %= _P
        out[j, 0] = a0 % _P
        out[j, 1] = a1 % _P
        out[j, 2] = a2 % _P
        out[j, 3] = a3 % _P
        out[j, 4] = a4 % _P
    return out


@njit(cache=True)
def ext_powers(s: np.ndarray, n: int) -> np.ndarray:
    """[1, s, s^2, …, s^(n−1)] for one extension element s (shape (5,))."""
    out = np.zeros((n, 5), dtype=np.uint64)
    if n == 0:
        return out
    out[0, 0] = 1
    for i in range(1, n):
        _mul_into(out[i - 1, 0], out[i - 1, 1], out[i - 1, 2], out[i - 1, 3], out[i - 1, 4],
                  s[0], s[1], s[2], s[3], s[4], out, i)
    return out


def ext_add(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    s = a + b
    return np.where(s >= _P, s - _P, s)


def ext_sub(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return ext_add(a, np.where(b == 0, b, _P - b))


def ext_neg(a: np.ndarray) -> np.ndarray:
    return np.where(a == 0, a, _P - a)


def base_to_ext(a: np.ndarray) -> np.ndarray:
    """Embed an (n,) base array as (n, 5) extension elements."""
    out = np.zeros((a.shape[0], 5), dtype=np.uint64)
    out[:, 0] = a
    return out


@njit(cache=True, parallel=True)
def ext_batch_inv_chunked(a: np.ndarray, chunks: int) -> np.ndarray:
    """ext_batch_inv over ``chunks`` independent slices in parallel (one scalar inversion each)."""
    n = a.shape[0]
    out = np.empty((n, 5), dtype=np.uint64)
    size = (n + chunks - 1) // chunks
    for c in prange(chunks):
        lo = c * size
        hi = min(n, lo + size)
        if lo < hi:
            out[lo:hi] = ext_batch_inv(a[lo:hi])
    return out


@njit(cache=True, parallel=True)
def combine_columns2(m: np.ndarray, c1: np.ndarray, c2: np.ndarray):
    """(Σ_j c1[j]·m[:, j], Σ_j c2[j]·m[:, j]) in one pass over m (the two DEEP numerators)."""
    n, w = m.shape
    o1 = np.empty((n, 5), dtype=np.uint64)
    o2 = np.empty((n, 5), dtype=np.uint64)
    for i in prange(n):
        acc = np.zeros(10, dtype=np.uint64)
        for j in range(w):
            v = np.uint64(m[i, j])
            for k in range(5):
                acc[k] += (v * c1[j, k]) % _P
                acc[5 + k] += (v * c2[j, k]) % _P
        for k in range(5):
            o1[i, k] = acc[k] % _P
            o2[i, k] = acc[5 + k] % _P
    return o1, o2


@njit(cache=True, parallel=True)
def fri_fold(evals: np.ndarray, beta: np.ndarray, inv_2x: np.ndarray) -> np.ndarray:
    """One FRI fold by two: with lo = f(x), hi = f(−x) for x = shift·ω^i (i < n/2),

        f'(x²) = (lo + hi)/2 + β·(lo − hi)/(2x).
    """
    half = evals.shape[0] // 2
    out = np.empty((half, 5), dtype=np.uint64)
    inv2 = np.uint64((P + 1) // 2)
    tmp = np.empty((half, 5), dtype=np.uint64)
    for i in prange(half):
        for k in range(5):
            lo = evals[i, k]
            hi = evals[i + half, k]
            s = lo + hi
            if s >= _P:
                s -= _P
            d = lo + _P - hi
            if d >= _P:
                d -= _P
            out[i, k] = (s * inv2) % _P
            tmp[i, k] = (d * inv_2x[i]) % _P
        _mul_into(tmp[i, 0], tmp[i, 1], tmp[i, 2], tmp[i, 3], tmp[i, 4],
                  beta[0], beta[1], beta[2], beta[3], beta[4], tmp, i)
        for k in range(5):
            v = out[i, k] + tmp[i, k]
            out[i, k] = v - _P if v >= _P else v
    return out


@njit(cache=True, parallel=True)
def gather_transposed(m: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """out[j, r] = m[rows[r], j] as uint64: selected rows of a row-major matrix, one contiguous row per
    column (what constraint code wants), in 64 × 64 tiles so reads and writes both stay in cache."""
    n = rows.shape[0]
    w = m.shape[1]
    out = np.empty((w, n), dtype=np.uint64)
    n_tiles = (n + 63) // 64
    for t in prange(n_tiles):
        r0 = t * 64
        r1 = min(n, r0 + 64)
        for j0 in range(0, w, 64):
            j1 = min(w, j0 + 64)
            for r in range(r0, r1):
                src = rows[r]
                for j in range(j0, j1):
                    out[j, r] = np.uint64(m[src, j])
    return out


@njit(cache=True, parallel=True)
def combine_transposed(m_t: np.ndarray, coeffs: np.ndarray) -> np.ndarray:
    """Σ_i coeffs[i] · m_t[i, :] for a (k, n) matrix whose rows are constraint values: (n, 5).

    The transposed twin of :func:`combine_columns`: constraint code produces one contiguous row per
    constraint, and this combines them without first interleaving them into a row-major matrix.
    Each sum holds k reduced terms (< 2^31), so it cannot overflow for k < 2^33.
    """
    k, n = m_t.shape
    out = np.empty((n, 5), dtype=np.uint64)
    n_chunks = (n + 1023) // 1024
    for c in prange(n_chunks):
        r0 = c * 1024
        r1 = min(n, r0 + 1024)
        acc = np.zeros((r1 - r0, 5), dtype=np.uint64)
        for i in range(k):
            c0 = coeffs[i, 0]
            c1 = coeffs[i, 1]
            c2 = coeffs[i, 2]
            c3 = coeffs[i, 3]
            c4 = coeffs[i, 4]
            for r in range(r0, r1):
                v = m_t[i, r]
                acc[r - r0, 0] += (v * c0) % _P
                acc[r - r0, 1] += (v * c1) % _P
                acc[r - r0, 2] += (v * c2) % _P
                acc[r - r0, 3] += (v * c3) % _P
                acc[r - r0, 4] += (v * c4) % _P
        for r in range(r0, r1):
            for q in range(5):
                out[r, q] = acc[r - r0, q] % _P
    return out
