"""Number-theoretic transforms over BabyBear for many columns at once.

A matrix is a 2-D ``uint64`` array of shape ``(n, width)``: rows are points of an evaluation domain,
columns are polynomials, ``n`` is a power of two.  A 1-D array is a single column.  Inputs hold
canonical field elements (< p); outputs are fresh C-contiguous ``uint64`` arrays of canonical
elements.

    ntt(c)[i]           = Σ_j c_j · ω^{ij}              ω = two_adic_generator(log2 n)
    intt(e)             = the coefficients c with ntt(c) = e
    coset_ntt(c, s)[i]  = Σ_j c_j · (s·ω^i)^j
    lde(e, B, s)[i]     = f(s·ω_{nB}^i)                 f = the interpolant of e on ⟨ω_n⟩

How it runs.  The matrix is copied once into a row-major ``uint32`` work buffer (half the memory
traffic of ``uint64``) and transformed in place by iterative radix-2 butterflies: decimation in time
(DIT: bit-reversed rows in, natural order out) or decimation in frequency (DIF: natural in,
bit-reversed out).  A butterfly combines two whole rows, so its inner loop runs over contiguous
columns and vectorizes whatever the stage.  Stages whose butterflies stay inside a tile of about
256 KiB run tile by tile while it sits in L2; the wider stages never mix rows of different residues
modulo the tile height, so they run residue class by residue class, again about a tile at a time.
Every row thus travels between memory and cache twice per transform, not once per stage.  Both
phases are ``prange`` loops over (tile or residue block, column group), so the cores share the
work.  The copies in and out carry the bit-reversal permutation and every diagonal scaling (coset
powers, 1/n), so no pass is spent on those alone.  The low-degree extension chains DIF-inverse and
DIT-forward and never permutes at all.

A single column (or a few) would leave nothing to vectorize across, so a long column of length
n = n1·n2 is transformed by the four-step method: viewed as an (n1, n2) matrix it takes n1-point
transforms down its columns, a twiddle ω^{j2·k1} per entry, a transpose, and n2-point transforms
down the columns of the transpose, which is then the natural-order result (see `_four_step`).

Products use Montgomery multiplication with R = 2^32: twiddles and scale factors are stored as
w·R mod p together with w·R·p⁻¹ mod 2^32, and ``mont(a, w·R) = a·w·R·R⁻¹ = a·w``, so the data stays in
canonical form and every multiply is a 32×32→64-bit product, which vectorizes (a 64-bit ``%`` does
not).
"""

from __future__ import annotations

from contextlib import contextmanager
from functools import lru_cache
from typing import Iterator

import numba
import numpy as np
from numba import njit, prange

from circuits.field import P, inv_scalar, powers, two_adic_generator

_P = np.uint64(P)
_MASK32 = np.uint64(0xFFFFFFFF)
_SHIFT32 = np.uint64(32)
_P_INV_32 = pow(P, -1, 1 << 32)
"""p⁻¹ mod 2^32, the Montgomery constant for R = 2^32."""

_TILE_BYTES = 1 << 18
"""Stages whose butterflies fit in a tile of this many bytes run tile by tile (it stays in L2)."""

_STRIDED_TILE_BYTES = 1 << 15
"""Tile budget when a column group is only part of each row: its row segments then sit a
power-of-two stride apart, map to few cache sets, and a larger tile would thrash."""

_MAX_GROUP = 64
"""Columns per task: wide matrices are cut into groups of this many columns."""

_NARROW = 8
"""Below this many columns a long column goes through the four-step path (nothing to vectorize across)."""

_FOUR_STEP_MIN_LOG = 10
"""Columns shorter than 2^10 are transformed directly even when the matrix is narrow."""

_LDE_COSET_BATCH = 4
"""Cosets the LDE transforms before writing them out together (each costs a uint32 copy of the input)."""

_SERIAL_BELOW = 1 << 14
"""Transforms of fewer elements run on the calling thread: waking the pool would cost more."""


@contextmanager
def _threads_for(elements: int) -> Iterator[None]:
    """Run small transforms on the calling thread only."""
    if elements >= _SERIAL_BELOW:
        yield
        return
    saved = numba.get_num_threads()
    numba.set_num_threads(1)
    try:
        yield
    finally:
        numba.set_num_threads(saved)


# ---------------------------------------------------------------------------------------------
# arithmetic kernels (LLVM inlines them into the loops below)
# ---------------------------------------------------------------------------------------------


@njit(cache=True)
def _mont_mul(b, w, w_mu):
    """b·w·2^-32 mod p, for b < 2^32, w < p and w_mu = w·p⁻¹ mod 2^32 (both uint32).

    With x = b·w and t = x·p⁻¹ mod 2^32 = b·w_mu mod 2^32, x − t·p ≡ 0 (mod 2^32) and the low words of
    x and t·p agree, so (x − t·p)/2^32 = hi(x) − hi(t·p) ∈ (−p, p); min(r, r + p) on wrapping uint64
    picks the representative in [0, p).
    """
    x = b * w
    t = (b * w_mu) & _MASK32
    u = t * _P
    r = (x >> _SHIFT32) - (u >> _SHIFT32)
    return min(r, r + _P)


@njit(cache=True)
def _dit_pair(lo, hi, w, w_mu):
    """(a, b) ← (a + w·b, a − w·b) along two rows."""
    for c in range(lo.shape[0]):
        a = np.uint64(lo[c])
        t = _mont_mul(np.uint64(hi[c]), w, w_mu)
        s = a + t
        d = a + _P - t
        lo[c] = np.uint32(min(s, s - _P))
        hi[c] = np.uint32(min(d, d - _P))


@njit(cache=True)
def _dif_pair(lo, hi, w, w_mu):
    """(a, b) ← (a + b, (a − b)·w) along two rows."""
    for c in range(lo.shape[0]):
        a = np.uint64(lo[c])
        b = np.uint64(hi[c])
        s = a + b
        lo[c] = np.uint32(min(s, s - _P))
        hi[c] = np.uint32(_mont_mul(a + _P - b, w, w_mu))  # a − b + p < 2p < 2^32


@njit(cache=True)
def _scale_row(dst, src, w, w_mu):
    """dst ← src·w along a row."""
    for c in range(dst.shape[0]):
        dst[c] = np.uint32(_mont_mul(np.uint64(src[c]), w, w_mu))


@njit(cache=True)
def _scale_row_by(dst, src, w, w_mu):
    """dst ← src·w elementwise (w, w_mu rows of a weight table)."""
    for c in range(dst.shape[0]):
        dst[c] = np.uint32(_mont_mul(np.uint64(src[c]), w[c], w_mu[c]))


@njit(cache=True)
def _copy_row(dst, src):
    for c in range(dst.shape[0]):
        dst[c] = src[c]


# ---------------------------------------------------------------------------------------------
# in-place transforms of a row-major (n, width) uint32 buffer, column by column
# ---------------------------------------------------------------------------------------------


@njit(cache=True, parallel=True)
def _dit_rows(buf, tw, tw_mu, tile_rows, group, residues, src, scale, scale_mu, use_src):
    """DIT on every column of buf: bit-reversed rows in, natural order out.

    Stage m pairs rows k + j and k + j + m with twiddle ω_{2m}^j = tw[m − 1 + j].  With use_src,
    each tile is first filled from src with row r scaled by scale[r] (the coefficient weights of a
    coset), which saves a separate pass.
    """
    n, width = buf.shape
    tiles = n // tile_rows
    groups = (width + group - 1) // group
    for task in prange(tiles * groups):
        r0 = (task // groups) * tile_rows
        c0 = (task % groups) * group
        c1 = min(width, c0 + group)
        if use_src:
            for r in range(r0, r0 + tile_rows):
                _scale_row(buf[r, c0:c1], src[r, c0:c1], scale[r], scale_mu[r])
        h = 1
        while h < tile_rows:
            for k in range(r0, r0 + tile_rows, 2 * h):
                for j in range(h):
                    _dit_pair(buf[k + j, c0:c1], buf[k + j + h, c0:c1], tw[h - 1 + j], tw_mu[h - 1 + j])
            h *= 2
    # Stages m ≥ tile_rows pair rows i and i + m with m a multiple of tile_rows, so they never mix
    # rows of different residues i mod tile_rows: each task takes `residues` consecutive residues
    # (n / tile_rows rows apiece, about one tile in all) through every remaining stage while they
    # stay in cache.
    if tile_rows < n:
        spans = tile_rows // residues
        for task in prange(spans * groups):
            r0 = (task // groups) * residues
            c0 = (task % groups) * group
            c1 = min(width, c0 + group)
            h = tile_rows
            while h < n:
                for k in range(0, n, 2 * h):
                    for q in range(0, h, tile_rows):
                        for j in range(q + r0, q + r0 + residues):
                            _dit_pair(buf[k + j, c0:c1], buf[k + j + h, c0:c1],
                                      tw[h - 1 + j], tw_mu[h - 1 + j])
                h *= 2


@njit(cache=True, parallel=True)
def _dif_rows(buf, tw, tw_mu, tile_rows, group, residues):
    """DIF on every column of buf: natural-order rows in, bit-reversed out (mirror of `_dit_rows`)."""
    n, width = buf.shape
    tiles = n // tile_rows
    groups = (width + group - 1) // group
    if tile_rows < n:   # the cross-tile stages first, by residue classes (see `_dit_rows`)
        spans = tile_rows // residues
        for task in prange(spans * groups):
            r0 = (task // groups) * residues
            c0 = (task % groups) * group
            c1 = min(width, c0 + group)
            h = n // 2
            while h >= tile_rows:
                for k in range(0, n, 2 * h):
                    for q in range(0, h, tile_rows):
                        for j in range(q + r0, q + r0 + residues):
                            _dif_pair(buf[k + j, c0:c1], buf[k + j + h, c0:c1],
                                      tw[h - 1 + j], tw_mu[h - 1 + j])
                h //= 2
    for task in prange(tiles * groups):
        r0 = (task // groups) * tile_rows
        c0 = (task % groups) * group
        c1 = min(width, c0 + group)
        h = tile_rows // 2
        while h >= 1:
            for k in range(r0, r0 + tile_rows, 2 * h):
                for j in range(h):
                    _dif_pair(buf[k + j, c0:c1], buf[k + j + h, c0:c1], tw[h - 1 + j], tw_mu[h - 1 + j])
            h //= 2


# ---------------------------------------------------------------------------------------------
# copies between the caller's uint64 matrix and the uint32 work buffer
# ---------------------------------------------------------------------------------------------

_ROW_BLOCK = 64
"""Rows per task in the copies."""


@njit(cache=True, parallel=True)
def _load(src, buf, perm, use_perm, w, w_mu, mode):
    """buf[i] = src[r] · weight with r = perm[i] (or i).

    mode 0: no weight; 1: row weight w[r, 0]; 2: elementwise weight w[r, c].
    """
    n = buf.shape[0]
    for blk in prange((n + _ROW_BLOCK - 1) // _ROW_BLOCK):
        for i in range(blk * _ROW_BLOCK, min(n, (blk + 1) * _ROW_BLOCK)):
            r = perm[i] if use_perm else i
            if mode == 0:
                _copy_row(buf[i], src[r])
            elif mode == 1:
                _scale_row(buf[i], src[r], w[r, 0], w_mu[r, 0])
            else:
                _scale_row_by(buf[i], src[r], w[r], w_mu[r])


@njit(cache=True, parallel=True)
def _store(buf, out, stride, offset, w, w_mu, mode):
    """out[i·stride + offset] = buf[i] · weight (modes as in `_load`, indexed by i)."""
    n = buf.shape[0]
    for blk in prange((n + _ROW_BLOCK - 1) // _ROW_BLOCK):
        for i in range(blk * _ROW_BLOCK, min(n, (blk + 1) * _ROW_BLOCK)):
            dst = out[i * stride + offset]
            if mode == 0:
                _copy_row(dst, buf[i])
            elif mode == 1:
                _scale_row(dst, buf[i], w[i, 0], w_mu[i, 0])
            else:
                _scale_row_by(dst, buf[i], w[i], w_mu[i])


@njit(cache=True, parallel=True)
def _store_interleaved(bufs, out, stride, offset):
    """out[i·stride + offset + t] = bufs[t, i]: several cosets' results written row-interleaved.

    Writing c consecutive output rows at a time instead of one every `stride` rows lets the write
    stream run longer between jumps (measured: 8 cosets of 2^16 × 64 store in half the time with
    c = 4 as with c = 1).
    """
    count, n, _ = bufs.shape
    for blk in prange((n + _ROW_BLOCK - 1) // _ROW_BLOCK):
        for i in range(blk * _ROW_BLOCK, min(n, (blk + 1) * _ROW_BLOCK)):
            for t in range(count):
                _copy_row(out[i * stride + offset + t], bufs[t, i])


_TRANSPOSE_BLOCK = 64


@njit(cache=True, parallel=True)
def _twiddle_transpose(b, bt, perm, t, t_mu):
    """bt[perm[j], k] = b[k, j] · t[j, k]: the middle step of the four-step transform.

    b is (n1, n2), bt and the twiddle table t are (n2, n1).  Tiles of 64 rows of b stay in L1
    while all its columns are swept.
    """
    n1, n2 = b.shape
    for blk in prange((n1 + _TRANSPOSE_BLOCK - 1) // _TRANSPOSE_BLOCK):
        k0 = blk * _TRANSPOSE_BLOCK
        k1 = min(n1, k0 + _TRANSPOSE_BLOCK)
        for j in range(n2):
            row = bt[perm[j]]
            tj = t[j]
            tmj = t_mu[j]
            for k in range(k0, k1):
                row[k] = np.uint32(_mont_mul(np.uint64(b[k, j]), tj[k], tmj[k]))


@njit(cache=True)
def _horner(coeffs, x):
    acc = np.uint64(0)
    for i in range(coeffs.shape[0] - 1, -1, -1):
        acc = (acc * x + coeffs[i] % _P) % _P
    return acc


# ---------------------------------------------------------------------------------------------
# cached tables (Montgomery pairs: w·R mod p and w·R·p⁻¹ mod 2^32, both uint32)
# ---------------------------------------------------------------------------------------------


def _mont_pair(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(w·2^32 mod p, (w·2^32 mod p)·p⁻¹ mod 2^32) as uint32 arrays; canonical w < 2^31."""
    mont = (values.astype(np.uint64) << np.uint64(32)) % _P
    mont_mu = (mont * np.uint64(_P_INV_32)) & _MASK32
    return mont.astype(np.uint32), mont_mu.astype(np.uint32)


@lru_cache(maxsize=None)
def _twiddles(log_n: int, inverse: bool) -> tuple[np.ndarray, np.ndarray]:
    """Twiddles of every stage of a size-2^log_n transform: entry m − 1 + j is ω_{2m}^{±j}, j < m
    (Montgomery pair).  ω_{2m} = two_adic_generator(log2 2m) does not depend on n, so the stages a
    transform shares with a smaller one read the same entries."""
    n = 1 << log_n
    table = np.ones(max(n - 1, 1), dtype=np.uint64)
    m = 1
    while m < n:
        root = two_adic_generator(m.bit_length())  # a primitive (2m)-th root of unity
        table[m - 1:2 * m - 1] = powers(inv_scalar(root) if inverse else root, m)
        m *= 2
    return _mont_pair(table)


@lru_cache(maxsize=None)
def _bit_reverse(log_n: int) -> np.ndarray:
    """perm[i] = i with its log_n low bits reversed."""
    i = np.arange(1 << log_n, dtype=np.int64)
    rev = np.zeros_like(i)
    for b in range(log_n):
        rev |= ((i >> b) & 1) << (log_n - 1 - b)
    return rev


@lru_cache(maxsize=16)
def _power_weights(base: int, n: int, scale: int) -> tuple[np.ndarray, np.ndarray]:
    """scale·base^i for i < n as an (n, 1) Montgomery pair."""
    mont, mont_mu = _mont_pair(powers(base % P, n, scale % P))
    return mont.reshape(n, 1), mont_mu.reshape(n, 1)


@lru_cache(maxsize=8)
def _lde_weights(log_n: int, blowup: int, shift: int) -> tuple[np.ndarray, np.ndarray]:
    """(blowup, n) Montgomery pair: row k, position i holds n⁻¹·(shift·ω_{nB}^k)^{rev(i)}.

    After a DIF inverse transform, row i of the buffer holds n·c_{rev(i)}; scaling by row k of this
    table gives the bit-reversed coefficients of f(shift·ω_{nB}^k · X), whose DIT transform is f on
    the coset shift·ω_{nB}^k·⟨ω_n⟩.
    """
    n = 1 << log_n
    g = two_adic_generator(log_n + blowup.bit_length() - 1)
    rev = _bit_reverse(log_n)
    values = np.empty((blowup, n), dtype=np.uint64)
    for k in range(blowup):
        values[k] = powers(shift * pow(g, k, P) % P, n, inv_scalar(n))[rev]
    return _mont_pair(values)


@lru_cache(maxsize=4)
def _four_step_twiddles(log_n: int, log_n2: int, inverse: bool) -> tuple[np.ndarray, np.ndarray]:
    """(n2, n1) Montgomery pair: entry (j2, k1) is ω_n^{±j2·k1}."""
    n2 = 1 << log_n2
    n1 = 1 << (log_n - log_n2)
    root = two_adic_generator(log_n)
    if inverse:
        root = inv_scalar(root)
    base = powers(root, n1)                        # ω^{k1}
    values = np.empty((n2, n1), dtype=np.uint64)
    values[0] = 1
    for j2 in range(1, n2):                        # ω^{j2·k1} = ω^{(j2−1)·k1} · ω^{k1}
        values[j2] = values[j2 - 1] * base % _P
    return _mont_pair(values)


def _tiling(n: int, width: int) -> tuple[int, int, int]:
    """(rows per tile, columns per group, residues per cross-tile task), each tile ≈ _TILE_BYTES."""
    group = max(1, min(width, _MAX_GROUP))
    budget = _TILE_BYTES if width <= group else min(_TILE_BYTES, _STRIDED_TILE_BYTES)
    row_bytes = 4 * group
    rows = 2
    while rows < n and 2 * rows * row_bytes <= budget:
        rows *= 2
    rows = min(n, rows)
    residues = 1
    while 2 * residues <= rows and 2 * residues * (n // rows) * row_bytes <= budget:
        residues *= 2
    return rows, group, residues


# ---------------------------------------------------------------------------------------------
# drivers
# ---------------------------------------------------------------------------------------------

_NO_PERM = np.zeros(1, dtype=np.int64)
_NO_WEIGHTS = (np.zeros((1, 1), dtype=np.uint32), np.zeros((1, 1), dtype=np.uint32))
_NO_SCALE = np.zeros(1, dtype=np.uint32)
_NO_SRC = np.zeros((1, 1), dtype=np.uint32)


def _dit(buf: np.ndarray, log_n: int, inverse: bool) -> None:
    tw, tw_mu = _twiddles(log_n, inverse)
    _dit_rows(buf, tw, tw_mu, *_tiling(*buf.shape), _NO_SRC, _NO_SCALE, _NO_SCALE, False)


def _matrix_transform(src: np.ndarray, log_n: int, inverse: bool, shift: int | None) -> np.ndarray:
    """Row-major path: bit-reversing load (with coset powers), DIT, store (with n⁻¹·s^-j)."""
    n, width = src.shape
    buf = np.empty((n, width), dtype=np.uint32)
    out = np.empty((n, width), dtype=np.uint64)
    load_w, load_mode, store_w, store_mode = _NO_WEIGHTS, 0, _NO_WEIGHTS, 0
    if inverse:
        s_inv = 1 if shift is None else inv_scalar(shift)
        store_w, store_mode = _power_weights(s_inv, n, inv_scalar(n)), 1   # c_j ← c_j·n⁻¹·s^-j
    elif shift is not None:
        load_w, load_mode = _power_weights(shift, n, 1), 1                 # c_j ← c_j·s^j
    _load(src, buf, _bit_reverse(log_n), True, *load_w, load_mode)
    _dit(buf, log_n, inverse)
    _store(buf, out, 1, 0, *store_w, store_mode)
    return out


def _four_step(column: np.ndarray, log_n: int, inverse: bool, shift: int | None) -> np.ndarray:
    """One long column through the four-step method.

    With j = j1·n2 + j2 and k = k1 + n1·k2, ω^{jk} = ω_{n1}^{j1·k1} · ω^{j2·k1} · ω_{n2}^{j2·k2}:
    an n1-point transform over j1 for each j2 (the columns of A = x.reshape(n1, n2)), a twiddle
    ω^{j2·k1}, then an n2-point transform over j2 for each k1.  Doing the last one on the transpose
    (n2, n1) leaves entry (k2, k1) at flat index k2·n1 + k1 = k, the natural order.
    """
    log_n2 = log_n // 2
    log_n1 = log_n - log_n2
    n, n1, n2 = 1 << log_n, 1 << log_n1, 1 << log_n2
    a = column.reshape(n1, n2)
    b = np.empty((n1, n2), dtype=np.uint32)
    load_w, load_mode, store_w, store_mode = _NO_WEIGHTS, 0, _NO_WEIGHTS, 0
    if inverse:
        s_inv = 1 if shift is None else inv_scalar(shift)
        weights = _power_weights(s_inv, n, inv_scalar(n))
        store_w, store_mode = (weights[0].reshape(n2, n1), weights[1].reshape(n2, n1)), 2
    elif shift is not None:
        weights = _power_weights(shift, n, 1)
        load_w, load_mode = (weights[0].reshape(n1, n2), weights[1].reshape(n1, n2)), 2
    _load(a, b, _bit_reverse(log_n1), True, *load_w, load_mode)
    _dit(b, log_n1, inverse)
    bt = np.empty((n2, n1), dtype=np.uint32)
    _twiddle_transpose(b, bt, _bit_reverse(log_n2), *_four_step_twiddles(log_n, log_n2, inverse))
    _dit(bt, log_n2, inverse)
    out = np.empty((n2, n1), dtype=np.uint64)
    _store(bt, out, 1, 0, *store_w, store_mode)
    return out.reshape(n)


def _as_matrix(values: np.ndarray) -> tuple[np.ndarray, bool, int]:
    """(n, width) contiguous uint64 view of the input, whether it was 1-D, and log2 n."""
    arr = np.asarray(values)
    if arr.dtype != np.uint64:
        if arr.dtype.kind not in "ui":
            raise TypeError(f"expected an integer array of field elements, got {arr.dtype}")
        if arr.dtype.kind == "i" and arr.size and arr.min() < 0:
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


def _transform(values: np.ndarray, inverse: bool, shift: int | None) -> np.ndarray:
    src, one_d, log_n = _as_matrix(values)
    n, width = src.shape
    with _threads_for(n * width):
        if width == 0:
            out = np.empty((n, 0), dtype=np.uint64)
        elif width < _NARROW and log_n >= _FOUR_STEP_MIN_LOG:
            out = np.empty((n, width), dtype=np.uint64)
            for c in range(width):
                out[:, c] = _four_step(np.ascontiguousarray(src[:, c]), log_n, inverse, shift)
        else:
            out = _matrix_transform(src, log_n, inverse, shift)
    return out.reshape(n) if one_d else out


def _check_shift(shift: int) -> int:
    shift = int(shift) % P
    if shift == 0:
        raise ValueError("the coset shift must be non-zero")
    return shift


# ---------------------------------------------------------------------------------------------
# public API
# ---------------------------------------------------------------------------------------------


def ntt(coeffs: np.ndarray) -> np.ndarray:
    """Evaluations of each column at ω^0, …, ω^{n−1} (natural order), ω = two_adic_generator(log2 n)."""
    return _transform(coeffs, inverse=False, shift=None)


def intt(evals: np.ndarray) -> np.ndarray:
    """Coefficients (degree < n) of the polynomials taking the given values at ω^0, …, ω^{n−1}."""
    return _transform(evals, inverse=True, shift=None)


def coset_ntt(coeffs: np.ndarray, shift: int) -> np.ndarray:
    """Evaluations of each column at shift·ω^i, i = 0 … n−1 (natural order)."""
    return _transform(coeffs, inverse=False, shift=_check_shift(shift))


def coset_intt(evals: np.ndarray, shift: int) -> np.ndarray:
    """Coefficients (degree < n) of the polynomials taking the given values at shift·ω^i."""
    return _transform(evals, inverse=True, shift=_check_shift(shift))


def lde(evals: np.ndarray, blowup: int, shift: int, out: np.ndarray | None = None) -> np.ndarray:
    """Low-degree extension: each column's interpolant evaluated on shift·⟨ω_{n·blowup}⟩.

    ``evals`` holds columns evaluated on ⟨ω_n⟩ in natural order; the result has shape
    (n·blowup, width) (1-D in, 1-D out) and row i is the point shift·ω_{n·blowup}^i.  Because
    ω_{nB}^{jB+k} = ω_{nB}^k·ω_n^j, row jB + k is row j of the size-n transform on the coset
    shift·ω_{nB}^k·⟨ω_n⟩: the work is one inverse transform and B forward ones of size n.

    ``out``, if given, receives the result and is returned: an array of the result's shape, of
    dtype ``uint64`` or ``uint32`` (values are < p < 2^31, so uint32 halves the memory), which may
    be a strided view such as a block of columns of a wider matrix.
    """
    if blowup < 1 or blowup & (blowup - 1):
        raise ValueError(f"blowup must be a power of two, got {blowup}")
    shift = _check_shift(shift)
    src, one_d, log_n = _as_matrix(evals)
    n, width = src.shape
    log_blowup = blowup.bit_length() - 1
    if log_n + log_blowup > 27:
        raise ValueError("BabyBear has no subgroup of order above 2^27")
    shape = (n * blowup,) if one_d else (n * blowup, width)
    if out is None:
        out = np.empty(shape, dtype=np.uint64)
    elif out.shape != shape or out.dtype not in (np.uint32, np.uint64):
        raise ValueError(f"out must be a uint32 or uint64 array of shape {shape}, "
                         f"got {out.dtype} {out.shape}")
    target = out[:, None] if one_d else out          # (n·blowup, width) view of out
    with _threads_for(n * width):
        if width == 0:
            pass
        elif width < _NARROW and log_n >= _FOUR_STEP_MIN_LOG:
            g = two_adic_generator(log_n + log_blowup)
            for c in range(width):
                coeffs = _four_step(np.ascontiguousarray(src[:, c]), log_n, True, None)
                for k in range(blowup):
                    target[k::blowup, c] = _four_step(coeffs, log_n, False, shift * pow(g, k, P) % P)
        else:
            coeffs = np.empty((n, width), dtype=np.uint32)
            _load(src, coeffs, _NO_PERM, False, *_NO_WEIGHTS, 0)
            itw, itw_mu = _twiddles(log_n, True)
            tiling = _tiling(n, width)
            _dif_rows(coeffs, itw, itw_mu, *tiling)              # row i: n·c_{rev(i)}
            weights, weights_mu = _lde_weights(log_n, blowup, shift)
            tw, tw_mu = _twiddles(log_n, False)
            batch = min(blowup, _LDE_COSET_BATCH)
            work = np.empty((batch, n, width), dtype=np.uint32)
            for k0 in range(0, blowup, batch):   # coset k fills rows k, k + B, k + 2B, … of out
                for t in range(batch):
                    _dit_rows(work[t], tw, tw_mu, *tiling, coeffs, weights[k0 + t], weights_mu[k0 + t], True)
                _store_interleaved(work, target, blowup, k0)
    return out


def evaluate(coeffs: np.ndarray, x: int) -> int:
    """f(x) = Σ c_i·x^i by Horner's rule, for a 1-D array of coefficients."""
    arr = np.ascontiguousarray(np.asarray(coeffs), dtype=np.uint64)
    if arr.ndim != 1:
        raise ValueError("evaluate takes one column of coefficients")
    return int(_horner(arr, np.uint64(int(x) % P)))
