"""Number-theoretic transforms over BabyBear for many columns at once.

A matrix is a 2-D ``uint64`` array of shape ``(n, width)``: rows are points of an evaluation domain,
columns are polynomials, ``n`` is a power of two.  A 1-D array is a single column.  Inputs hold
canonical field elements; outputs are fresh C-contiguous ``uint64`` arrays of canonical elements.

    ntt(c)[i]           = Σ_j c_j · ω^{ij}              ω = two_adic_generator(log2 n)
    intt(e)             = the coefficients c with ntt(c) = e
    coset_ntt(c, s)[i]  = Σ_j c_j · (s·ω^i)^j
    lde(e, B, s)[i]     = f(s·ω_{nB}^i)                 f = the interpolant of e on ⟨ω_n⟩

How it runs.  Columns are copied once into a column-major ``uint32`` work buffer (half the memory
traffic of ``uint64``, and each column is contiguous), transformed in place, and copied back; the
copies carry the bit-reversal permutation and every diagonal scaling (coset powers, 1/n), so no
separate pass is spent on them.  The butterflies are iterative radix-2: decimation in time (DIT,
bit-reversed input → natural output) and decimation in frequency (DIF, natural input → bit-reversed
output).  The low-degree extension chains the two, DIF-inverse then DIT-forward, so it never
permutes at all.  Stages whose butterflies stay inside a chunk of ``2^_LOG_CHUNK`` elements run
chunk by chunk while the chunk sits in L1; the wider stages are split into equal pieces.  Both are
``prange`` loops over (column, piece), so several cores help for one wide column or many narrow ones.

Products use Montgomery multiplication with R = 2^32: twiddles and scale factors are stored as
w·R mod p, and ``mont(a, w·R) = a·w·R·R⁻¹ = a·w``, so the data itself stays in canonical form and
only 32×32→64-bit multiplies are needed (they vectorize, unlike a 64-bit ``%``).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from numba import njit, prange

from circuits.field import P, inv_scalar, powers, two_adic_generator

_P = np.uint64(P)
_MASK32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)
_MU = np.uint64(pow(P, -1, 1 << 32))
"""p⁻¹ mod 2^32: the Montgomery constant for R = 2^32."""

_R_MOD_P = (1 << 32) % P
"""1 in Montgomery form."""

_LOG_CHUNK = 12
"""Stages with butterflies inside 2^12 uint32 elements (16 KiB) run chunk by chunk in L1."""


# ---------------------------------------------------------------------------------------------
# scalar helpers (inlined by LLVM into the loops below)
# ---------------------------------------------------------------------------------------------


@njit(cache=True)
def _mont_mul(a: np.uint64, b: np.uint64) -> np.uint64:
    """a·b·2^-32 mod p for a·b < 2^32·p.

    With x = a·b and t = (x mod 2^32)·p⁻¹ mod 2^32, the number x − t·p is divisible by 2^32, and
    both halves' low words agree, so (x − t·p)/2^32 = hi(x) − hi(t·p) ∈ (−p, p).
    """
    x = a * b
    t = ((x & _MASK32) * _MU) & _MASK32
    u = t * _P
    xh = x >> _SHIFT32
    uh = u >> _SHIFT32
    r = xh - uh
    if xh < uh:
        r += _P
    return r


@njit(cache=True)
def _dit_stage(x: np.ndarray, m: int, tw: np.ndarray) -> None:
    """One DIT stage of half-size m on all of x: (a, b) ← (a + w·b, a − w·b), w = ω_{2m}^j."""
    n = x.shape[0]
    base = m - 1
    for k in range(0, n, 2 * m):
        for j in range(m):
            a = np.uint64(x[k + j])
            t = _mont_mul(np.uint64(x[k + j + m]), np.uint64(tw[base + j]))
            s = a + t
            if s >= _P:
                s -= _P
            d = a + _P - t
            if d >= _P:
                d -= _P
            x[k + j] = np.uint32(s)
            x[k + j + m] = np.uint32(d)


@njit(cache=True)
def _dif_stage(x: np.ndarray, m: int, tw: np.ndarray) -> None:
    """One DIF stage of half-size m on all of x: (a, b) ← (a + b, (a − b)·w), w = ω_{2m}^j."""
    n = x.shape[0]
    base = m - 1
    for k in range(0, n, 2 * m):
        for j in range(m):
            a = np.uint64(x[k + j])
            b = np.uint64(x[k + j + m])
            s = a + b
            if s >= _P:
                s -= _P
            d = a + _P - b
            x[k + j] = np.uint32(s)
            x[k + j + m] = np.uint32(_mont_mul(d, np.uint64(tw[base + j])))


@njit(cache=True)
def _dit_radix4_head(x: np.ndarray, w4: np.uint64) -> None:
    """The first two DIT stages (m = 1, 2) fused: a length-4 DFT on every aligned quadruple.

    With inputs (x0, x1, x2, x3) in bit-reversed order and i = ω_4: y = x0 ± x1, z = x2 ± x3, then
    out = (y+ + z+, y− + i·z−, y+ − z+, y− − i·z−).
    """
    n = x.shape[0]
    for k in range(0, n, 4):
        x0 = np.uint64(x[k])
        x1 = np.uint64(x[k + 1])
        x2 = np.uint64(x[k + 2])
        x3 = np.uint64(x[k + 3])
        yp = x0 + x1
        if yp >= _P:
            yp -= _P
        ym = x0 + _P - x1
        if ym >= _P:
            ym -= _P
        zp = x2 + x3
        if zp >= _P:
            zp -= _P
        zm = _mont_mul(x2 + _P - x3, w4)
        o0 = yp + zp
        if o0 >= _P:
            o0 -= _P
        o1 = ym + zm
        if o1 >= _P:
            o1 -= _P
        o2 = yp + _P - zp
        if o2 >= _P:
            o2 -= _P
        o3 = ym + _P - zm
        if o3 >= _P:
            o3 -= _P
        x[k] = np.uint32(o0)
        x[k + 1] = np.uint32(o1)
        x[k + 2] = np.uint32(o2)
        x[k + 3] = np.uint32(o3)


@njit(cache=True)
def _dif_radix4_tail(x: np.ndarray, w4: np.uint64) -> None:
    """The last two DIF stages (m = 2, 1) fused; the inverse-order twin of `_dit_radix4_head`.

    With natural inputs (x0, x1, x2, x3) and i = ω_4: y = (x0 + x2, x1 + x3), z = (x0 − x2,
    (x1 − x3)·i), then out = (y0 + y1, y0 − y1, z0 + z1, z0 − z1) (bit-reversed order).
    """
    n = x.shape[0]
    for k in range(0, n, 4):
        x0 = np.uint64(x[k])
        x1 = np.uint64(x[k + 1])
        x2 = np.uint64(x[k + 2])
        x3 = np.uint64(x[k + 3])
        y0 = x0 + x2
        if y0 >= _P:
            y0 -= _P
        y1 = x1 + x3
        if y1 >= _P:
            y1 -= _P
        z0 = x0 + _P - x2
        if z0 >= _P:
            z0 -= _P
        z1 = _mont_mul(x1 + _P - x3, w4)
        o0 = y0 + y1
        if o0 >= _P:
            o0 -= _P
        o1 = y0 + _P - y1
        if o1 >= _P:
            o1 -= _P
        o2 = z0 + z1
        if o2 >= _P:
            o2 -= _P
        o3 = z0 + _P - z1
        if o3 >= _P:
            o3 -= _P
        x[k] = np.uint32(o0)
        x[k + 1] = np.uint32(o1)
        x[k + 2] = np.uint32(o2)
        x[k + 3] = np.uint32(o3)


@njit(cache=True)
def _dit_small_stages(x: np.ndarray, tw: np.ndarray) -> None:
    """All DIT stages of x (a power-of-two length), as for a standalone transform of len(x)."""
    n = x.shape[0]
    m = 1
    if n >= 4:
        _dit_radix4_head(x, np.uint64(tw[2]))
        m = 4
    while m < n:
        _dit_stage(x, m, tw)
        m *= 2


@njit(cache=True)
def _dif_small_stages(x: np.ndarray, tw: np.ndarray) -> None:
    """All DIF stages of x (a power-of-two length), as for a standalone transform of len(x)."""
    n = x.shape[0]
    m = n // 2
    stop = 2 if n >= 4 else 0
    while m > stop:
        _dif_stage(x, m, tw)
        m //= 2
    if n >= 4:
        _dif_radix4_tail(x, np.uint64(tw[2]))


# ---------------------------------------------------------------------------------------------
# whole-buffer transforms: buf is (width, n) uint32, each row one column of the matrix
# ---------------------------------------------------------------------------------------------


@njit(cache=True, parallel=True)
def _dit_columns(buf: np.ndarray, tw: np.ndarray, log_chunk: int) -> None:
    """In-place DIT on every row of buf: bit-reversed input → natural-order output."""
    width, n = buf.shape
    chunk = min(n, 1 << log_chunk)
    per_col = n // chunk
    for task in prange(width * per_col):
        c = task // per_col
        off = (task % per_col) * chunk
        _dit_small_stages(buf[c, off:off + chunk], tw)
    half = chunk // 2
    m = chunk
    while m < n:
        # n/2 butterflies per column in pieces of `half`; a piece never crosses a block (half ≤ m).
        for task in prange(width * per_col):
            c = task // per_col
            b0 = (task % per_col) * half
            k = (b0 // m) * 2 * m
            j0 = b0 % m
            x = buf[c]
            base = m - 1
            for j in range(j0, j0 + half):
                a = np.uint64(x[k + j])
                t = _mont_mul(np.uint64(x[k + j + m]), np.uint64(tw[base + j]))
                s = a + t
                if s >= _P:
                    s -= _P
                d = a + _P - t
                if d >= _P:
                    d -= _P
                x[k + j] = np.uint32(s)
                x[k + j + m] = np.uint32(d)
        m *= 2


@njit(cache=True, parallel=True)
def _dif_columns(buf: np.ndarray, tw: np.ndarray, log_chunk: int) -> None:
    """In-place DIF on every row of buf: natural-order input → bit-reversed output."""
    width, n = buf.shape
    chunk = min(n, 1 << log_chunk)
    per_col = n // chunk
    half = chunk // 2
    m = n // 2
    while m >= chunk:
        for task in prange(width * per_col):
            c = task // per_col
            b0 = (task % per_col) * half
            k = (b0 // m) * 2 * m
            j0 = b0 % m
            x = buf[c]
            base = m - 1
            for j in range(j0, j0 + half):
                a = np.uint64(x[k + j])
                b = np.uint64(x[k + j + m])
                s = a + b
                if s >= _P:
                    s -= _P
                x[k + j] = np.uint32(s)
                x[k + j + m] = np.uint32(_mont_mul(a + _P - b, np.uint64(tw[base + j])))
        m //= 2
    for task in prange(width * per_col):
        c = task // per_col
        off = (task % per_col) * chunk
        _dif_small_stages(buf[c, off:off + chunk], tw)


# ---------------------------------------------------------------------------------------------
# copies between the (n, width) uint64 matrix and the (width, n) uint32 work buffer
# ---------------------------------------------------------------------------------------------

_BLOCK = 64
"""Rows per task in the transposing copies: 64 rows × width stay in L1 while columns are swept."""


@njit(cache=True, parallel=True)
def _load(src: np.ndarray, buf: np.ndarray, perm: np.ndarray, use_perm: bool,
          weights: np.ndarray, use_weights: bool) -> None:
    """buf[c, i] = src[r, c] · weights[r] with r = perm[i] (or i); weights in Montgomery form."""
    n, width = src.shape
    for blk in prange((n + _BLOCK - 1) // _BLOCK):
        lo = blk * _BLOCK
        hi = min(n, lo + _BLOCK)
        for i in range(lo, hi):
            r = perm[i] if use_perm else i
            for c in range(width):
                v = src[r, c]
                if use_weights:
                    v = _mont_mul(v, np.uint64(weights[r]))
                buf[c, i] = np.uint32(v)


@njit(cache=True, parallel=True)
def _store(buf: np.ndarray, out: np.ndarray, stride: int, offset: int,
           weights: np.ndarray, use_weights: bool) -> None:
    """out[i·stride + offset, c] = buf[c, i] · weights[i]; weights in Montgomery form."""
    width, n = buf.shape
    for blk in prange((n + _BLOCK - 1) // _BLOCK):
        lo = blk * _BLOCK
        hi = min(n, lo + _BLOCK)
        for c in range(width):
            for i in range(lo, hi):
                v = np.uint64(buf[c, i])
                if use_weights:
                    v = _mont_mul(v, np.uint64(weights[i]))
                out[i * stride + offset, c] = v


@njit(cache=True, parallel=True)
def _scale_into(src: np.ndarray, dst: np.ndarray, weights: np.ndarray) -> None:
    """dst[c, i] = src[c, i] · weights[i] (weights in Montgomery form)."""
    width, n = src.shape
    chunk = min(n, 1 << 12)
    per_col = n // chunk
    for task in prange(width * per_col):
        c = task // per_col
        off = (task % per_col) * chunk
        for i in range(off, off + chunk):
            dst[c, i] = np.uint32(_mont_mul(np.uint64(src[c, i]), np.uint64(weights[i])))


@njit(cache=True)
def _horner(coeffs: np.ndarray, x: np.uint64) -> np.uint64:
    acc = np.uint64(0)
    for i in range(coeffs.shape[0] - 1, -1, -1):
        acc = (acc * x + coeffs[i] % _P) % _P
    return acc


# ---------------------------------------------------------------------------------------------
# cached tables
# ---------------------------------------------------------------------------------------------


def _to_mont(values: np.ndarray) -> np.ndarray:
    """w ↦ w·2^32 mod p as uint32 (canonical w < 2^31, so w << 32 < 2^63)."""
    return ((values.astype(np.uint64) << np.uint64(32)) % _P).astype(np.uint32)


@lru_cache(maxsize=None)
def _twiddles(log_n: int, inverse: bool) -> np.ndarray:
    """Twiddles for every stage up to size 2^log_n: entry m − 1 + j is ω_{2m}^{±j}, Montgomery form.

    ω_{2m} = two_adic_generator(log2 2m) does not depend on n, so the table for 2^log_n is a prefix
    of every larger one; a smaller request slices the largest table built so far.
    """
    n = 1 << log_n
    table = np.empty(max(n - 1, 1), dtype=np.uint32)
    table[0] = _R_MOD_P
    m = 1
    while m < n:
        root = two_adic_generator(m.bit_length())  # primitive (2m)-th root
        if inverse:
            root = inv_scalar(root)
        table[m - 1:2 * m - 1] = _to_mont(powers(root, m))
        m *= 2
    return table


@lru_cache(maxsize=None)
def _bit_reverse(log_n: int) -> np.ndarray:
    """perm[i] = i with its log_n low bits reversed."""
    i = np.arange(1 << log_n, dtype=np.int64)
    rev = np.zeros_like(i)
    for b in range(log_n):
        rev |= ((i >> b) & 1) << (log_n - 1 - b)
    return rev


@lru_cache(maxsize=16)
def _power_weights(base: int, n: int, scale: int) -> np.ndarray:
    """[scale·base^i for i < n] in Montgomery form."""
    return _to_mont(powers(base % P, n, scale % P))


@lru_cache(maxsize=8)
def _lde_weights(log_n: int, blowup: int, shift: int) -> np.ndarray:
    """(blowup, n) table: row k, position i holds n⁻¹·(shift·ω_{nB}^k)^{rev(i)}, Montgomery form.

    After a DIF inverse transform, position i of a column holds n·c_{rev(i)}; multiplying by this
    row turns it into the bit-reversed coefficients of f(shift·ω_{nB}^k · X), whose DIT transform
    is f on the k-th coset shift·ω_{nB}^k·⟨ω_n⟩.
    """
    n = 1 << log_n
    g = two_adic_generator(log_n + blowup.bit_length() - 1)
    rev = _bit_reverse(log_n)
    n_inv = inv_scalar(n)
    table = np.empty((blowup, n), dtype=np.uint32)
    for k in range(blowup):
        table[k] = _power_weights(shift * pow(g, k, P), n, n_inv)[rev]
    return table


# ---------------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------------


def _as_matrix(values: np.ndarray) -> tuple[np.ndarray, bool, int]:
    """(n, width) uint64 view of the input, whether it was 1-D, and log2 n."""
    arr = np.asarray(values)
    if arr.dtype != np.uint64:
        if arr.dtype.kind not in "ui":
            raise TypeError(f"expected an integer array of field elements, got {arr.dtype}")
        if np.any(arr < 0):
            raise ValueError("field elements must be non-negative")
        arr = arr.astype(np.uint64)
    one_d = arr.ndim == 1
    if one_d:
        arr = arr.reshape(-1, 1)
    elif arr.ndim != 2:
        raise ValueError(f"expected a 1-D column or an (n, width) matrix, got shape {arr.shape}")
    n = arr.shape[0]
    if n == 0 or n & (n - 1):
        raise ValueError(f"the number of rows must be a power of two, got {n}")
    log_n = n.bit_length() - 1
    if log_n > 27:
        raise ValueError("BabyBear has no subgroup of order above 2^27")
    return np.ascontiguousarray(arr), one_d, log_n


_NO_WEIGHTS = np.empty(0, dtype=np.uint32)
_NO_PERM = np.empty(0, dtype=np.int64)


def _transform(values: np.ndarray, inverse: bool, shift: int | None) -> np.ndarray:
    """Shared body of ntt/intt/coset_ntt/coset_intt: bit-reversing load, DIT, store."""
    src, one_d, log_n = _as_matrix(values)
    n, width = src.shape
    out = np.empty((n, width), dtype=np.uint64)
    if width:
        buf = np.empty((width, n), dtype=np.uint32)
        load_w = _NO_WEIGHTS
        store_w = _NO_WEIGHTS
        if not inverse and shift is not None:
            load_w = _power_weights(shift, n, 1)                  # c_j ← c_j·s^j
        elif inverse:
            s_inv = 1 if shift is None else inv_scalar(shift)
            store_w = _power_weights(s_inv, n, inv_scalar(n))    # c_j ← c_j·n⁻¹·s^-j
        _load(src, buf, _bit_reverse(log_n), True, load_w, load_w.size > 0)
        _dit_columns(buf, _twiddles(log_n, inverse), _LOG_CHUNK)
        _store(buf, out, 1, 0, store_w, store_w.size > 0)
    return out.reshape(n) if one_d else out


def ntt(coeffs: np.ndarray) -> np.ndarray:
    """Evaluations of each column at ω^0, …, ω^{n−1} (natural order), ω = two_adic_generator(log2 n)."""
    return _transform(coeffs, inverse=False, shift=None)


def intt(evals: np.ndarray) -> np.ndarray:
    """Coefficients of the polynomials of degree < n taking the given values at ω^0, …, ω^{n−1}."""
    return _transform(evals, inverse=True, shift=None)


def coset_ntt(coeffs: np.ndarray, shift: int) -> np.ndarray:
    """Evaluations of each column at shift·ω^i, i = 0 … n−1 (natural order)."""
    if shift % P == 0:
        raise ValueError("the coset shift must be non-zero")
    return _transform(coeffs, inverse=False, shift=int(shift) % P)


def coset_intt(evals: np.ndarray, shift: int) -> np.ndarray:
    """Coefficients of the polynomials of degree < n taking the given values at shift·ω^i."""
    if shift % P == 0:
        raise ValueError("the coset shift must be non-zero")
    return _transform(evals, inverse=True, shift=int(shift) % P)


def lde(evals: np.ndarray, blowup: int, shift: int) -> np.ndarray:
    """Low-degree extension: values of each column's interpolant on shift·⟨ω_{n·blowup}⟩.

    ``evals`` holds columns evaluated on ⟨ω_n⟩ in natural order; the result has shape
    (n·blowup, width) (1-D in, 1-D out) and row i is the point shift·ω_{n·blowup}^i.  Because
    ω_{nB}^{jB+k} = ω_{nB}^k·ω_n^j, row jB + k is row j of the size-n transform on the coset
    shift·ω_{nB}^k·⟨ω_n⟩; so the work is one inverse transform and B forward ones of size n.
    """
    if blowup < 1 or blowup & (blowup - 1):
        raise ValueError(f"blowup must be a power of two, got {blowup}")
    if shift % P == 0:
        raise ValueError("the coset shift must be non-zero")
    src, one_d, log_n = _as_matrix(evals)
    n, width = src.shape
    big_n = n * blowup
    if log_n + blowup.bit_length() - 1 > 27:
        raise ValueError("BabyBear has no subgroup of order above 2^27")
    out = np.empty((big_n, width), dtype=np.uint64)
    if width:
        coeffs = np.empty((width, n), dtype=np.uint32)
        _load(src, coeffs, _NO_PERM, False, _NO_WEIGHTS, False)
        _dif_columns(coeffs, _twiddles(log_n, True), _LOG_CHUNK)   # n·c_{rev(i)} at position i
        weights = _lde_weights(log_n, blowup, int(shift) % P)
        tw = _twiddles(log_n, False)
        work = np.empty_like(coeffs)
        for k in range(blowup):
            _scale_into(coeffs, work, weights[k])
            _dit_columns(work, tw, _LOG_CHUNK)
            _store(work, out, blowup, k, _NO_WEIGHTS, False)
    return out.reshape(big_n) if one_d else out


def evaluate(coeffs: np.ndarray, x: int) -> int:
    """f(x) = Σ c_i x^i by Horner's rule, for a 1-D coefficient array."""
    arr = np.ascontiguousarray(np.asarray(coeffs), dtype=np.uint64)
    if arr.ndim != 1:
        raise ValueError("evaluate takes one column of coefficients")
    return int(_horner(arr, np.uint64(int(x) % P)))
